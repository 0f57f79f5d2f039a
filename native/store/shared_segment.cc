#include "shared_segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace plasmasharp::store {

namespace {

uint64_t RoundUp(uint64_t value, uint64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

std::string Describe(const char* what, const std::string& directory) {
  return std::string(what) + " in " + directory + " failed: " + std::strerror(errno);
}

}  // namespace

std::unique_ptr<SharedSegment> SharedSegment::Create(const std::string& directory,
                                                     uint64_t capacity, bool hugepages,
                                                     std::string* error) {
  // Same granularity as the real store (128 KiB) plus its 8 trailing bytes; with huge pages
  // the file must be a whole number of (2 MiB) pages, and the region still ends 8 bytes early.
  uint64_t file_size = hugepages ? RoundUp(kRegionOffset + capacity + 8, uint64_t{2} << 20)
                                 : RoundUp(kRegionOffset + capacity, uint64_t{128} << 10) + 8;
  std::string tmpl = directory + "/plasmaXXXXXX";
  std::vector<char> path(tmpl.begin(), tmpl.end());
  path.push_back('\0');
  // mkostemp creates the file with mode 0600: never readable by other users.
  int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    *error = Describe("creating the shared-memory file", directory) +
             ". Pass a writable directory with -d (default /dev/shm).";
    return nullptr;
  }
  ::unlink(path.data());
  if (::ftruncate(fd, static_cast<off_t>(file_size)) != 0) {
    *error = Describe("sizing the shared-memory file", directory) +
             ". Lower -m or free space in that directory.";
    ::close(fd);
    return nullptr;
  }
  void* base = ::mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base == MAP_FAILED) {
    *error = Describe("mapping the shared-memory file", directory) +
             (hugepages ? ". With -h, -d must be a hugetlbfs mount with enough huge pages."
                        : ". Lower -m.");
    ::close(fd);
    return nullptr;
  }
  auto segment = std::unique_ptr<SharedSegment>(new SharedSegment());
  segment->fd_ = fd;
  segment->file_size_ = file_size;
  segment->base_ = static_cast<uint8_t*>(base);
  return segment;
}

SharedSegment::~SharedSegment() {
  if (base_ != nullptr) ::munmap(base_, file_size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace plasmasharp::store
