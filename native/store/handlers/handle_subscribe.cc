// SubscribeRequest + 1 fd (the client's end of a socketpair, passed with the byte that follows
// the message): no reply. The store then writes notification frames to that socket, starting
// with one frame per object already sealed. A second Subscribe on one connection, or one
// without an fd, closes the connection (the real store desynchronises its stream instead).
#include <unistd.h>

#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaSubscribeRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& fds) {
  if (!IsEmptyTableOrNothing<fb::PlasmaSubscribeRequest>(p, n)) {
    Drop(c, "SubscribeRequest is not a valid flatbuffer");
    return;
  }
  if (c.subscribed) {
    Drop(c, "second SubscribeRequest on one connection");
    return;
  }
  if (fds.size() != 1) {
    Drop(c, "SubscribeRequest carried " + std::to_string(fds.size()) + " fds (expected 1)");
    return;
  }
  c.subscribed = true;
  c.notify_fd = fds[0];
  fds.clear();
  objects_.ForEach([&](const ObjectEntry* e) {
    // Like the real store: spilled objects (-e) are not announced (only those in memory).
    if (e->sealed() && !e->spilled) Notify(c, SealNotificationFrame({e}));
  });
  MarkDirty(c);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaSubscribeRequest);

}  // namespace plasmasharp::store
