#include "shared_segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels answer EINVAL (then: fallocate)
#endif

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

void SharedSegment::StartPrefault() {
  if (prefault_thread_.joinable()) return;
  prefault_done_ = false;
  prefault_thread_ = std::thread([this] { Prefault(); });
}

// MADV_POPULATE_WRITE allocates and zeroes each page (what a client's first write would do) without
// changing a byte of content, so it is safe while clients already write objects. Measured against
// fallocate, which allocates but leaves the zeroing to the first touch (a first 256 MiB copy on a
// huge-page tmpfs: 14 ms after this, 23 ms after fallocate, 14 ms into warm pages), and against
// writing a byte per page (which would race with clients' writes).
// In steps, so Stop does not wait for a whole large segment.
void SharedSegment::Prefault() {
  constexpr uint64_t kStep = uint64_t{64} << 20;
  const auto started = std::chrono::steady_clock::now();
  const char* how = "madvise(MADV_POPULATE_WRITE)";
  for (uint64_t offset = 0; offset < file_size_ && !stop_prefault_; offset += kStep) {
    const uint64_t length = std::min(kStep, file_size_ - offset);
    if (::madvise(base_ + offset, length, MADV_POPULATE_WRITE) == 0) continue;
    if (errno != EINVAL || offset != 0) {
      std::fprintf(stderr, "plasma-store: prefault stopped at byte %llu: %s\n",
                   static_cast<unsigned long long>(offset), std::strerror(errno));
      prefault_done_ = true;
      return;
    }
    // A kernel before 5.14: at least allocate the pages (they are zeroed at first touch).
    how = "fallocate";
    if (::fallocate(fd_, 0, 0, static_cast<off_t>(file_size_)) != 0) {
      std::fprintf(stderr, "plasma-store: prefault failed: %s\n", std::strerror(errno));
    }
    break;
  }
  if (!stop_prefault_) {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "plasma-store: prefaulted %llu bytes in %.0f ms (%s)\n",
                 static_cast<unsigned long long>(file_size_), ms, how);
  }
  prefault_done_ = true;
}

SharedSegment::~SharedSegment() {
  stop_prefault_ = true;
  if (prefault_thread_.joinable()) prefault_thread_.join();
  if (base_ != nullptr) ::munmap(base_, file_size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace plasmasharp::store
