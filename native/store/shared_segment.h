// The shared-memory segment that holds every object: a file created in the store's directory
// (default /dev/shm), unlinked at once (so nothing else can open it and it vanishes with the
// store), mode 0600, sized with ftruncate and mapped MAP_SHARED. Clients get its fd.
//
// Layout, chosen so a real Plasma client sees every object inside what it maps:
//   [0, 64)                      gap (the real store's first object is at offset 64 too)
//   [64, 64 + capacity)          the object region handed to the allocator
//   ... padding up to a 128 KiB multiple, then 8 more bytes
// The file size is what the store reports as mmap_size; a real client maps mmap_size - 8 bytes
// from offset 0, which still covers the whole object region. With -m 100000000 this gives
// exactly the real store's mmap_size (100007944).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace plasmasharp::store {

class SharedSegment {
 public:
  static constexpr uint64_t kRegionOffset = 64;

  // nullptr with *error set (a sentence saying what to do) on failure.
  static std::unique_ptr<SharedSegment> Create(const std::string& directory, uint64_t capacity,
                                               bool hugepages, std::string* error);
  ~SharedSegment();
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;

  // --prefault: populates every page of the segment on a background thread (the store serves
  // meanwhile), so the first put into a fresh store does not pay for allocating and zeroing
  // pages. Clients still map each page into their own page tables on first touch.
  void StartPrefault();
  // True once the background populate finished (or was never started).
  bool prefault_done() const { return prefault_done_.load(); }

  int fd() const { return fd_; }
  uint64_t mmap_size() const { return file_size_; }  // what clients are told
  uint8_t* base() const { return base_; }
  uint64_t region_offset() const { return kRegionOffset; }

 private:
  SharedSegment() = default;
  void Prefault();
  int fd_ = -1;
  std::thread prefault_thread_;
  std::atomic<bool> stop_prefault_{false};
  std::atomic<bool> prefault_done_{true};
  uint64_t file_size_ = 0;
  uint8_t* base_ = nullptr;
};

}  // namespace plasmasharp::store
