// GetDebugStringRequest -> GetDebugStringReply{debug_string}: the eviction policy's statistics
// in the real store's format (clients with quota, allocated bytes, one block per LRU).
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaGetDebugStringRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  if (!IsEmptyTableOrNothing<fb::PlasmaGetDebugStringRequest>(p, n)) {
    Drop(c, "GetDebugStringRequest is not a valid flatbuffer");
    return;
  }
  flatbuffers::FlatBufferBuilder b;
  // With -e, the spill counters follow the real store's lines (spill_stats.h).
  std::string debug = policy_.DebugString(allocated_bytes_);
  if (external_store_ != nullptr) debug += spill_stats_.DebugLines();
  auto text = b.CreateString(debug);
  b.Finish(fb::CreatePlasmaGetDebugStringReply(b, text));
  Reply(c, fb::MessageType::PlasmaGetDebugStringReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaGetDebugStringRequest);

}  // namespace plasmasharp::store
