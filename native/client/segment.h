// One store segment mapped into this process. The store passes the segment's file (an unlinked
// shm file of `mmap_size` bytes); like libplasma we map mmap_size - 8 bytes from offset 0 and
// close the fd at once. Objects hold a shared_ptr to their segment, so a mapping lives as long
// as any pointer into it can still be used, whatever happens to the client.
#pragma once

#include <atomic>
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

  // Enters the pages of [offset, offset + length) into this process's page tables before the
  // caller writes them, once per 64 KiB window of this mapping. Writing a page this process has
  // not touched faults once per 4 KiB page (~1.3 us each here, most of a first put's time);
  // one read per window lets the kernel map the window's pages the store already holds in one
  // fault ("fault-around", 64 KiB by default): measured on 100 MiB, ~5 ms instead of ~30 ms.
  // Pages the store has not allocated yet (no --prefault) still come one write fault each.
  void MapAhead(uint64_t offset, uint64_t length);

  // True when [offset, offset + length) lies inside the mapping.
  bool Contains(uint64_t offset, uint64_t length) const {
    return offset <= static_cast<uint64_t>(size_) &&
           length <= static_cast<uint64_t>(size_) - offset;
  }

 private:
  Segment(uint8_t* base, int64_t size);
  void MapWindows(uintptr_t begin, uintptr_t end);  // MapAhead's work on [begin, end)
  uint8_t* base_;
  int64_t size_;
  // One bit per 64 KiB window (of virtual addresses, as the kernel's fault-around counts them)
  // that MapAhead has read: set bits are never read again, so later puts pay one load per window.
  uintptr_t first_window_;
  std::unique_ptr<std::atomic<uint64_t>[]> mapped_windows_;
};

}  // namespace plasmasharp::client
