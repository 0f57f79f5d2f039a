// A minimal Plasma client for the store tests: sends the requests of raw_requests.h on a
// RawConnection and decodes (verified) replies.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plasma_generated.h"
#include "test_support.h"

namespace plasmasharp::testing {

namespace fb = plasma::flatbuf;

struct CreateResult {
  fb::PlasmaError error = fb::PlasmaError::OK;
  fb::PlasmaObjectSpec spec{};
  int store_fd = 0;
  int64_t mmap_size = 0;
  std::vector<int> fds;
};

struct GetEntry {
  std::string id;
  fb::PlasmaObjectSpec spec{};
  bool found() const { return spec.data_size() != UINT64_MAX; }
};

struct GetResult {
  std::vector<GetEntry> objects;
  std::vector<int> store_fds;
  std::vector<int64_t> mmap_sizes;
  std::vector<int> fds;
};

struct ListedObject {
  std::string id;
  int64_t data_size = 0, metadata_size = 0, create_time = 0, construct_duration = 0;
  int ref_count = 0;
  std::string digest;
};

struct Notification {
  std::string id;
  int64_t data_size = 0, metadata_size = 0;
  std::string digest;
  bool is_deletion = false;
};

class StoreClient {
 public:
  explicit StoreClient(const std::string& socket_path);
  ~StoreClient();
  RawConnection& raw() { return conn_; }

  int64_t Connect();
  CreateResult Create(const std::string& id, uint64_t data_size, uint64_t metadata_size = 0,
                      bool evict_if_full = true, int device_num = 0);
  fb::PlasmaError Seal(const std::string& id, const std::string& digest = "12345678");
  void Release(const std::string& id);
  // Release has no reply: this also makes a round trip, so the store has processed it.
  void ReleaseAndSync(const std::string& id);
  std::string Abort(const std::string& id);  // the id echoed by AbortReply, "" if none
  fb::PlasmaError CreateAndSeal(const std::string& id, const std::string& data,
                                const std::string& metadata = "", bool evict_if_full = true,
                                const std::string& digest = "abcdefgh");
  fb::PlasmaError CreateAndSealBatch(const std::vector<std::string>& ids,
                                     const std::vector<std::string>& data, bool evict_if_full = true);
  void SendGet(const std::vector<std::string>& ids, int64_t timeout_ms);
  std::optional<GetResult> ReceiveGet(std::chrono::milliseconds wait = std::chrono::seconds(5));
  GetResult Get(const std::vector<std::string>& ids, int64_t timeout_ms = 0);
  // (count, ids, errors)
  static constexpr int kAllIds = INT32_MIN;  // count = number of ids
  std::vector<fb::PlasmaError> Delete(const std::vector<std::string>& ids, int count = kAllIds,
                                      int* reply_count = nullptr);
  bool Contains(const std::string& id);
  std::vector<ListedObject> List();
  uint64_t Evict(uint64_t num_bytes);
  fb::PlasmaError SetOptions(const std::string& name, int64_t quota);
  std::string DebugString();
  void RefreshLru(const std::vector<std::string>& ids);
  // Sends SubscribeRequest + a socketpair end; returns the store-writes-here end.
  int Subscribe();

  // Whole requests written on the raw socket with given payload.
  std::optional<Message> Request(fb::MessageType type, const std::vector<uint8_t>& payload,
                                 size_t expected_fds = 0);

 private:
  int ReceiveFd();  // one fd-carrying byte, -1 on timeout
  RawConnection conn_;
  std::set<int> segments_seen_;
  std::vector<int> notification_fds_;
};

// Reads one notification frame (int64 length + PlasmaNotification) from `fd`; nullopt on
// timeout/EOF. A frame may carry several ObjectInfos (batch).
std::optional<std::vector<Notification>> ReadNotificationFrame(
    int fd, std::chrono::milliseconds wait = std::chrono::seconds(5));


}  // namespace plasmasharp::testing
