// DisconnectClient (no payload, no reply): the client says goodbye; the connection closes
// quietly, like the real store, and RemoveConnection releases what it held.
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaDisconnectClient>(
    ClientState& c, const uint8_t* /*p*/, size_t /*n*/, std::vector<int>& /*fds*/) {
  c.close_requested = true;
  MarkDirty(c);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaDisconnectClient);

}  // namespace plasmasharp::store
