#include "segment.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "worker_pool.h"

namespace plasmasharp::client {

namespace {
// The store adds 8 bytes to every segment so that segments are never contiguous; the client
// maps without them (plasma-wire README, "Segments, mmap and offsets").
constexpr int64_t kSegmentGap = 8;
// The kernel's default fault_around_bytes: one read fault maps up to this many bytes of pages
// that are already in the file (aligned to this size in the address space).
constexpr uintptr_t kWindow = 64 * 1024;
constexpr uintptr_t kPage = 4096;
// MapAhead of at least this many bytes is spread over the worker pool, in this many parts.
constexpr uint64_t kParallelBytes = 8 << 20;
constexpr size_t kParts = 8;
}  // namespace

Segment::Segment(uint8_t* base, int64_t size)
    : base_(base), size_(size), first_window_(reinterpret_cast<uintptr_t>(base) / kWindow) {
  uintptr_t last = (reinterpret_cast<uintptr_t>(base) + static_cast<uintptr_t>(size) - 1) / kWindow;
  mapped_windows_.reset(new std::atomic<uint64_t>[(last - first_window_) / 64 + 1]());
}

void Segment::MapWindows(uintptr_t begin, uintptr_t end) {
  for (uintptr_t w = begin / kWindow; w <= (end - 1) / kWindow; ++w) {
    const uintptr_t i = w - first_window_;
    const uint64_t bit = uint64_t{1} << (i % 64);
    if (mapped_windows_[i / 64].load(std::memory_order_relaxed) & bit) continue;
    // One read per page of the window the range covers: the first one that faults maps the
    // rest (a page already mapped, e.g. by an earlier small object, would not fault, and the
    // window's other pages would stay behind); reads of mapped pages cost a few ns each.
    const uintptr_t from = w * kWindow < begin ? begin : w * kWindow;
    const uintptr_t to = (w + 1) * kWindow < end ? (w + 1) * kWindow : end;
    for (uintptr_t at = from; at < to; at = (at | (kPage - 1)) + 1) {
      (void)*reinterpret_cast<volatile const uint8_t*>(at);
    }
    mapped_windows_[i / 64].fetch_or(bit, std::memory_order_relaxed);
  }
}

void Segment::MapAhead(uint64_t offset, uint64_t length) {
  if (length == 0 || !Contains(offset, length)) return;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(base_) + offset;
  const uintptr_t end = begin + length;  // exclusive
  if (length < kParallelBytes) {
    MapWindows(begin, end);
    return;
  }
  // Large objects: the faults are taken on the worker pool's threads too (the kernel handles
  // faults of one mapping in parallel), in parts of whole windows.
  struct Job {
    Segment* segment;
    uintptr_t begin, end, part;
  } job{this, begin, end, (length / kParts + kWindow - 1) / kWindow * kWindow};
  ParallelFor(kParts, [](void* context, size_t i) {
    auto* j = static_cast<Job*>(context);
    const uintptr_t from = j->begin + i * j->part;
    if (from >= j->end) return;
    j->segment->MapWindows(from, std::min(j->end, from + j->part));
  }, &job);
}

Status Segment::Map(int fd, int64_t mmap_size, std::shared_ptr<Segment>* out) {
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd >= 0) ::close(fd);
    }
  } closer{fd};
  if (fd < 0) return Status(Code::kProtocolError, "no file descriptor for a new segment");
  if (mmap_size <= kSegmentGap) {
    return Status(Code::kProtocolError,
                  "segment mmap_size " + std::to_string(mmap_size) + " is too small");
  }
  const int64_t length = mmap_size - kSegmentGap;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return Status(Code::kIoError, std::string("fstat of a segment fd failed: ") + std::strerror(errno));
  }
  // Mapping beyond the end of the file would let a later access fault with SIGBUS.
  if (S_ISREG(st.st_mode) && st.st_size < length) {
    return Status(Code::kProtocolError, "segment file (" + std::to_string(st.st_size) +
                                            " bytes) is smaller than mmap_size - 8 (" +
                                            std::to_string(length) + ")");
  }
  void* p = ::mmap(nullptr, static_cast<size_t>(length), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    return Status(Code::kIoError, std::string("mmap of a store segment failed: ") + std::strerror(errno));
  }
  out->reset(new Segment(static_cast<uint8_t*>(p), length));
  return Status::OK();
}

Segment::~Segment() { ::munmap(base_, static_cast<size_t>(size_)); }

}  // namespace plasmasharp::client
