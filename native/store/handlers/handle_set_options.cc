// SetOptionsRequest{client_name, output_memory_quota} -> SetOptionsReply{error}: OutOfMemory
// when this connection already has a quota or the quotas would leave under 30% of capacity.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaSetOptionsRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  auto error = fb::PlasmaError::OK;
  const auto* req = VerifiedRoot<fb::PlasmaSetOptionsRequest>(p, n);
  if (req == nullptr) {
    LogLine(c, "SetOptionsRequest is not a valid flatbuffer; answering OutOfMemory");
    error = fb::PlasmaError::OutOfMemory;
  } else {
    std::string name = req->client_name() ? req->client_name()->str() : std::string();
    if (!policy_.SetClientQuota(c.id, name, req->output_memory_quota())) {
      error = fb::PlasmaError::OutOfMemory;
    } else {
      c.name = name;
    }
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSetOptionsReply(b, error));
  Reply(c, fb::MessageType::PlasmaSetOptionsReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaSetOptionsRequest);

}  // namespace plasmasharp::store
