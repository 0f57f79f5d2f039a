// ConnectRequest -> ConnectReply{memory_capacity}. Nothing is required before other requests;
// libplasma sends it first and reads the capacity.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaConnectRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  if (!IsEmptyTableOrNothing<fb::PlasmaConnectRequest>(p, n)) {
    Drop(c, "ConnectRequest is not a valid flatbuffer");
    return;
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectReply(b, capacity_));
  Reply(c, fb::MessageType::PlasmaConnectReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaConnectRequest);

}  // namespace plasmasharp::store
