// EvictRequest{num_bytes} -> EvictReply{num_bytes}: evicts least recently used sealed,
// unreferenced objects (global LRU) until at least num_bytes of data+metadata are freed, and
// reports how many were (1500 asked of three 1000-byte objects -> 2000).
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaEvictRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaEvictRequest>(p, n);
  if (req == nullptr) {
    Drop(c, "EvictRequest is not a valid flatbuffer");
    return;
  }
  uint64_t asked = req->num_bytes();
  int64_t want = asked > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(asked);
  std::vector<ObjectEntry*> victims;
  int64_t freed = policy_.ChooseGlobalVictims(want, &victims);
  EvictObjects(victims);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaEvictReply(b, static_cast<uint64_t>(freed)));
  Reply(c, fb::MessageType::PlasmaEvictReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaEvictRequest);

}  // namespace plasmasharp::store
