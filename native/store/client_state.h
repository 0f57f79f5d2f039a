// What the store knows about one connection: its output queues, its references, the objects it
// is still writing, the segments whose fds it already received, its notification socket.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "object_table.h"
#include "outbox.h"

namespace plasmasharp::store {

struct PendingGet;

struct ClientState {
  ConnectionId id = kNoConnection;
  std::string name;
  Outbox out;                 // framed replies (+ fds) for the main socket
  int notify_fd = -1;         // the subscriber's socket end (owned by the core until retired)
  Outbox notify_out;          // notification frames waiting for that socket
  bool close_requested = false;
  bool subscribed = false;    // a connection subscribes at most once, even if that socket died
  bool watches_missing = false;  // told of ids that Gets wait for (kWatchMissingRequest)
  std::unordered_set<ObjectEntry*> held;              // at most one reference per object
  std::unordered_set<ObjectEntry*> created_unsealed;  // aborted if the client goes away
  std::unordered_set<int> segments_sent;              // segment fds already passed
  std::vector<PendingGet*> pending_gets;
};

}  // namespace plasmasharp::store
