#include "segment.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace plasmasharp::client {

namespace {
// The store adds 8 bytes to every segment so that segments are never contiguous; the client
// maps without them (plasma-wire README, "Segments, mmap and offsets").
constexpr int64_t kSegmentGap = 8;
}  // namespace

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
