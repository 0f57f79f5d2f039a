// One store segment mapped into this process. The store passes the segment's file (an unlinked
// shm file of `mmap_size` bytes); like libplasma we map mmap_size - 8 bytes from offset 0 and
// close the fd at once. Objects hold a shared_ptr to their segment, so a mapping lives as long
// as any pointer into it can still be used, whatever happens to the client.
#pragma once

#include <cstdint>
#include <memory>

#include "status.h"

namespace plasmasharp::client {

class Segment {
 public:
  // Maps `fd` (always closed, also on failure).
  static Status Map(int fd, int64_t mmap_size, std::shared_ptr<Segment>* out);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  uint8_t* base() const { return base_; }
  int64_t size() const { return size_; }

  // True when [offset, offset + length) lies inside the mapping.
  bool Contains(uint64_t offset, uint64_t length) const {
    return offset <= static_cast<uint64_t>(size_) &&
           length <= static_cast<uint64_t>(size_) - offset;
  }

 private:
  Segment(uint8_t* base, int64_t size) : base_(base), size_(size) {}
  uint8_t* base_;
  int64_t size_;
};

}  // namespace plasmasharp::client
