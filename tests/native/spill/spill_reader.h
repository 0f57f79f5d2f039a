// Helpers of the spilling suites (spill_file_test, store/external_store_test): a client that
// reads objects' bytes through the store's segment, notification draining, and the spill
// counters of the debug string (spill_stats.h in the store).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store_client.h"

namespace plasmasharp::testing {
// A reader that keeps the segment mapped (the store passes its fd once per connection).
class SegmentReader {
 public:
  explicit SegmentReader(const std::string& socket) : client_(socket) {}
  ~SegmentReader() {
    if (base_ != nullptr) ::munmap(base_, length_);
  }
  StoreClient& client() { return client_; }

  // Get (timeout 0) of one object: its data + metadata bytes, or nullopt when not found. The
  // reference is released again before returning.
  std::optional<std::string> Read(const std::string& id) {
    GetResult g = client_.Get({id}, 0);
    EXPECT_EQ(g.objects.size(), 1u);
    if (g.objects.empty() || !g.objects[0].found()) return std::nullopt;
    if (base_ == nullptr) {
      EXPECT_EQ(g.fds.size(), 1u);
      if (g.fds.empty()) return std::nullopt;
      length_ = static_cast<size_t>(g.mmap_sizes[0] - 8);
      void* p = ::mmap(nullptr, length_, PROT_READ, MAP_SHARED, g.fds[0], 0);
      ::close(g.fds[0]);
      EXPECT_NE(p, MAP_FAILED);
      if (p == MAP_FAILED) return std::nullopt;
      base_ = static_cast<uint8_t*>(p);
    }
    const fb::PlasmaObjectSpec& spec = g.objects[0].spec;
    std::string bytes(reinterpret_cast<const char*>(base_ + spec.data_offset()),
                      spec.data_size() + spec.metadata_size());
    client_.ReleaseAndSync(id);
    return bytes;
  }

 private:
  StoreClient client_;
  uint8_t* base_ = nullptr;
  size_t length_ = 0;
};

// Every notification frame that arrives within `quiet` of the previous one.
inline std::vector<Notification> DrainNotifications(int fd, std::chrono::milliseconds quiet = std::chrono::milliseconds(300)) {
  std::vector<Notification> all;
  while (auto frame = ReadNotificationFrame(fd, quiet)) all.insert(all.end(), frame->begin(), frame->end());
  return all;
}

// The number after "name: " in the store's debug string (the spill lines only exist with -e),
// or -1 when there is no such line.
inline int64_t DebugCounter(const std::string& debug, const std::string& name) {
  size_t at = debug.find("\n" + name + ": ");
  if (at == std::string::npos) return -1;
  return std::stoll(debug.substr(at + name.size() + 3));
}

}  // namespace plasmasharp::testing
