// Limits on what one peer can make the store do. The defaults keep the store's historical
// behaviour for every real client (see README.md "Limits"); 0 means "no limit".
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

namespace plasmasharp::store {

inline constexpr size_t kDefaultMaxPendingGets = 1024;
inline constexpr size_t kDefaultMaxGetIds = 1000000;

struct StoreLimits {
  // Open connections at once; one more is accepted and closed at once (0 = unlimited).
  size_t max_clients = 0;
  // Unanswered (waiting) Gets per connection; a Get beyond it closes that connection.
  // libplasma waits for each GetReply before sending anything else (at most one pending), so
  // 1024 only ever stops a client that pipelines Gets it never waits for.
  size_t max_pending_gets = kDefaultMaxPendingGets;
  // Ids in one GetRequest; more closes that connection. 10^6 ids is a 32 MB request that keeps
  // the single-threaded store busy for about a second: still served (the hostile suite checks
  // it), while the payload cap alone (capacity + 16 MiB) would let a big store take billions.
  size_t max_get_ids = kDefaultMaxGetIds;
  // Peer uids (SO_PEERCRED) allowed to connect; empty = whoever the socket mode lets in.
  std::vector<uid_t> allowed_uids;
};

}  // namespace plasmasharp::store
