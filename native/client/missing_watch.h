// The node side of transparent cluster Gets: a connection of its own to our store that asks, with
// the store extension WatchMissingRequest (protocol/wire.h), to hear which ids local Gets wait
// for and the store does not have, then reads the store's MissingObjectsNotice frames. Its own
// connection because the store marks the connection that asked, and notices arrive whenever a
// Get starts waiting: on a client's connection they would interleave with that client's replies.
//
// Only our store knows the message. Arrow's plasma-store-server aborts on an unknown message
// type (a failed CHECK in its ProcessMessage, so the whole store process dies): never open a
// watch on a store that may be Arrow's. The watch then reports kDisconnected, never a hang.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connection.h"
#include "plasma_client.h"
#include "status.h"

namespace plasmasharp::client {

// One MissingObjectsNotice: the ids one Get waits for that the store has not even begun to
// create, and that Get's timeout.
struct MissingNotice {
  int64_t get_timeout_ms = -1;  // -1: the Get waits forever
  std::vector<ObjectId> ids;
};

class MissingWatch {
 public:
  // Connects to the store socket (one attempt: the store is expected to be up) and sends
  // WatchMissingRequest. kIoError when nobody listens there.
  static Status Open(const std::string& socket_path, std::unique_ptr<MissingWatch>* out);
  MissingWatch(const MissingWatch&) = delete;
  MissingWatch& operator=(const MissingWatch&) = delete;

  int fd() const { return connection_.fd(); }
  // Waits up to timeout_ms (0 = poll, -1 = forever) for the next notice. kTimeout when none
  // arrived; kDisconnected when the store closed the connection; kProtocolError for a frame
  // that is no well-formed notice (the watch is over then: every later call returns the same).
  // One caller at a time (calls are serialized).
  Status Next(int64_t timeout_ms, MissingNotice* out);

 private:
  explicit MissingWatch(int fd) : connection_(fd) {}
  Status WaitReadable(int64_t timeout_ms);
  Status ReadNotice(MissingNotice* out);

  std::mutex mutex_;
  Connection connection_;
  Status failure_;  // once the watch failed: every later Next returns it
};

}  // namespace plasmasharp::client
