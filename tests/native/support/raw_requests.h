// Shared pieces of the hostile-client and fault suites: request builders (flatbuffers built by
// hand, so any field can be wrong), small typed exchanges over RawConnection, and the health
// check every hostile test ends with.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plasma_generated.h"
#include "test_support.h"

namespace plasmasharp::testing::raw {

namespace fb = plasma::flatbuf;
using Bytes = std::vector<uint8_t>;

constexpr int64_t kType(fb::MessageType t) { return static_cast<int64_t>(t); }

// ---- request payloads (ids are raw bytes of any length) ----
Bytes ConnectRequest();
Bytes CreateRequest(const std::string& id, uint64_t data_size, uint64_t metadata_size = 0,
                    bool evict_if_full = true, int device_num = 0);
Bytes CreateAndSealRequest(const std::string& id, const std::string& data,
                           const std::string& metadata = "", const std::string& digest = "01234567",
                           bool evict_if_full = true);
Bytes CreateAndSealBatchRequest(const std::vector<std::string>& ids,
                                const std::vector<std::string>& data,
                                const std::vector<std::string>& metadata,
                                const std::vector<std::string>& digests, bool evict_if_full = true);
Bytes SealRequest(const std::string& id, const std::string& digest = "01234567");
Bytes AbortRequest(const std::string& id);
Bytes ReleaseRequest(const std::string& id);
Bytes GetRequest(const std::vector<std::string>& ids, int64_t timeout_ms);
Bytes DeleteRequest(const std::vector<std::string>& ids, int32_t count);
Bytes ContainsRequest(const std::string& id);
Bytes ListRequest();
Bytes EvictRequest(uint64_t num_bytes);
Bytes RefreshRequest(const std::vector<std::string>& ids);
Bytes SetOptionsRequest(const std::string& name, int64_t quota);
Bytes EmptyTable();  // a valid empty table (Connect, List, Subscribe, DebugString)

// A raw connection plus the segments whose fds it already received, so the typed exchanges
// below know how many fd-carrying bytes follow a CreateReply / GetReply.
struct Session {
  explicit Session(const std::string& socket_path) : conn(socket_path) {}
  RawConnection conn;
  std::set<int32_t> segments;
};

// ---- typed exchanges (nullopt: no reply within 5 s, or the connection closed) ----
struct ObjectState {
  std::string id;
  int32_t ref_count = 0;
  bool sealed = false;
  int64_t data_size = 0;
  int64_t metadata_size = 0;
};
std::optional<int64_t> Connect(Session& s);  // memory_capacity
// error of the CreateReply (the segment fd, if any, is closed).
std::optional<fb::PlasmaError> Create(Session& s, const std::string& id, uint64_t size,
                                      bool evict_if_full = true);
std::optional<fb::PlasmaError> Seal(Session& s, const std::string& id);
std::optional<std::vector<ObjectState>> List(Session& s,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(5));
std::optional<bool> Contains(Session& s, const std::string& id);
// Per id: true if the GetReply has it (fds closed).
std::optional<std::vector<bool>> Get(Session& s, const std::vector<std::string>& ids,
                                     int64_t timeout_ms);
// The next reply of `type`, skipping nothing (nullopt if another type arrives).
std::optional<Message> Expect(RawConnection& c, fb::MessageType type,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Reads the one-byte carriers of `n` passed fds and closes the fds. False on EOF.
bool ReadCarriers(RawConnection& c, size_t n);

// ---- health ----
// Everything a hostile test must leave intact. Returns "" when healthy, else what is wrong:
//  - the process is alive;
//  - a fresh client connects and round-trips List;
//  - once every client is gone (waits up to 5 s for the store to process the hostile client's
//    disconnect): no object has references, none is unsealed;
//  - a Create of nearly the whole capacity succeeds (eviction frees the rest), then it is
//    aborted again, so the check leaves no trace.
std::string CheckHealthy(StoreProcess& store, int64_t capacity);

// The store's verdict on a connection after a hostile message: closed, or still answering.
enum class Verdict { kClosed, kAnswering };
Verdict ProbeConnection(RawConnection& c);

}  // namespace plasmasharp::testing::raw
