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

#include <cstdint>
#include <memory>
#include <string>

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

  int fd() const { return fd_; }
  uint64_t mmap_size() const { return file_size_; }  // what clients are told
  uint8_t* base() const { return base_; }
  uint64_t region_offset() const { return kRegionOffset; }

 private:
  SharedSegment() = default;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  uint8_t* base_ = nullptr;
};

}  // namespace plasmasharp::store
