// Running a store: in-process on its own thread (StoreRunner, wrapped by the C ABI's
// ps_store_start / ps_store_stop, and used by the plasma-store executable, store_cli.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "store_limits.h"

namespace plasmasharp::store {

struct StoreOptions {
  std::string socket_path;
  // Requested capacity. Without hugepages it is capped at 90 % of the free space of
  // `directory` (like the real store; one warning line on stderr): see StoreRunner::capacity().
  int64_t capacity = 0;
  std::string directory = "/dev/shm";
  bool hugepages = false;
  // --prefault: populate the whole segment on a background thread at start (SharedSegment).
  bool prefault = false;
  int socket_mode = 0600;
  // Limits (store_limits.h gives the reasons for the defaults; 0 = unlimited).
  size_t max_clients = 0;                            // --max-clients
  size_t max_pending_gets = kDefaultMaxPendingGets;  // --max-pending-gets (per connection)
  size_t max_get_ids = kDefaultMaxGetIds;            // --max-get-ids (per GetRequest)
  std::vector<uid_t> allowed_uids;                   // --allow-uid; empty = socket mode decides
  // -e URL: where eviction spills objects (external/external_store.h); empty = evict for good.
  std::string external_store;
  bool spill_keep = false;   // --spill-keep: file:// spill files survive a restart
  uint64_t spill_limit = 0;  // --spill-limit BYTES: at most this much spilled (0 = no limit)
};

class StoreRunner {
 public:
  // Starts the event loop on its own thread; returns once the socket accepts connections, or
  // nullptr with *error set (a sentence saying what to do).
  static std::unique_ptr<StoreRunner> Start(const StoreOptions& options, std::string* error);
  void Stop();  // idempotent; closes every client; joins the thread
  // The capacity actually served (and sent in ConnectReply): options.capacity, or less when
  // the directory had less free space.
  int64_t capacity() const;
  ~StoreRunner();

  struct State;  // implementation detail (store_runner.cc)

 private:
  StoreRunner() = default;
  std::unique_ptr<State> state_;
};

}  // namespace plasmasharp::store
