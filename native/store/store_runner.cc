#include "store_runner.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include "event_loop.h"
#include "shared_segment.h"
#include "socket_io.h"
#include "store_core.h"

namespace plasmasharp::store {

struct StoreRunner::State {
  int64_t capacity = 0;
  std::string socket_path;
  ino_t socket_inode = 0;
  std::unique_ptr<SharedSegment> segment;
  std::unique_ptr<ExternalStore> external_store;
  std::unique_ptr<StoreCore> core;
  std::unique_ptr<EventLoop> loop;
  std::thread thread;
  std::mutex stop_mutex;
  bool stopped = false;
};

namespace {

std::string Errno() { return std::strerror(errno); }

// Refuses to replace a live socket (another store answers on it); removes a stale one.
bool PrepareSocketPath(const std::string& path, std::string* error) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return true;  // nothing there
  if (!S_ISSOCK(st.st_mode)) {
    *error = path + " exists and is not a socket; remove it or choose another -s path.";
    return false;
  }
  int probe = protocol::ConnectUnix(path);
  if (probe >= 0) {
    ::close(probe);
    *error = "another store is already listening on " + path +
             "; stop it or choose another -s path.";
    return false;
  }
  if (::unlink(path.c_str()) != 0) {
    *error = "cannot remove the stale socket " + path + ": " + Errno() + ".";
    return false;
  }
  return true;
}

int Listen(const std::string& path, int mode, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "cannot create a socket: " + Errno() + ".";
    return -1;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    *error = "cannot bind " + path + ": " + Errno() + "; check that its folder exists and is writable.";
    ::close(fd);
    return -1;
  }
  // Set the mode before listen(): until then nobody can connect, so there is no window in
  // which the socket is more open than asked.
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    *error = "cannot set up " + path + ": " + Errno() + ".";
    ::close(fd);
    ::unlink(path.c_str());
    return -1;
  }
  return fd;
}

// What the real store does when the directory is smaller than -m: cap the capacity at 90 % of
// the free space (so every byte clients write lands in memory, never a SIGBUS on a full
// tmpfs) and say so in one line. Hugepages are preallocated, so their free space is not
// checked. False (with *error) only when there is no room at all.
bool CapToFreeSpace(const StoreOptions& options, int64_t* capacity, std::string* error) {
  if (options.hugepages) return true;
  struct statvfs vfs {};
  if (::statvfs(options.directory.c_str(), &vfs) != 0) return true;  // Create reports it
  const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bsize) * static_cast<uint64_t>(vfs.f_bavail);
  int64_t usable = static_cast<int64_t>(static_cast<double>(free_bytes) * 0.9);
  // On a nearly full directory 10 % slack is less than the segment's own padding (gap + round
  // up to 128 KiB + 8): keep the whole file inside the free space there too.
  const uint64_t padding = SharedSegment::kRegionOffset + (uint64_t{128} << 10) + 8;
  if (usable > 0 && static_cast<uint64_t>(usable) + padding > free_bytes) {
    usable = free_bytes > padding ? static_cast<int64_t>(free_bytes - padding) : 0;
  }
  if (*capacity <= usable) return true;
  if (usable <= 0) {
    *error = options.directory + " has no free space for the store's memory; free space there, "
             "mount a bigger tmpfs (docker run --shm-size=...), or choose another -d directory.";
    return false;
  }
  std::fprintf(stderr,
               "plasma-store: warning: %lld bytes requested (-m) but %s has only %llu bytes free; "
               "serving %lld bytes (90%% of the free space). To serve more, free space in %s, give it "
               "a bigger tmpfs (in docker: docker run --shm-size=...), or pass a lower -m.\n",
               static_cast<long long>(*capacity), options.directory.c_str(),
               static_cast<unsigned long long>(free_bytes), static_cast<long long>(usable),
               options.directory.c_str());
  *capacity = usable;
  return true;
}

}  // namespace

std::unique_ptr<StoreRunner> StoreRunner::Start(const StoreOptions& options, std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  if (options.capacity <= 0) {
    *error = "the store capacity must be a positive number of bytes.";
    return nullptr;
  }
  if (options.socket_path.empty() || options.socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    *error = "the socket path must be non-empty and shorter than 108 bytes.";
    return nullptr;
  }
  std::unique_ptr<ExternalStore> external_store;
  if (!options.external_store.empty()) {
    ExternalStoreOptions external_options;
    external_options.keep = options.spill_keep;
    external_store = OpenExternalStore(options.external_store, error, external_options);
    if (!external_store) return nullptr;
  }
  if (!PrepareSocketPath(options.socket_path, error)) return nullptr;
  int64_t capacity = options.capacity;
  if (!CapToFreeSpace(options, &capacity, error)) return nullptr;

  // Creation order gives the real store's fd numbers in a fresh process: epoll 3,
  // segment 4 (the store_fd clients see), listening socket 5.
  int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    *error = "epoll_create1 failed: " + Errno() + ".";
    return nullptr;
  }
  auto state = std::make_unique<State>();
  state->capacity = capacity;
  state->segment = SharedSegment::Create(options.directory, static_cast<uint64_t>(capacity),
                                         options.hugepages, error);
  if (!state->segment) {
    ::close(epoll_fd);
    return nullptr;
  }
  if (options.prefault) state->segment->StartPrefault();
  int listen_fd = Listen(options.socket_path, options.socket_mode, error);
  if (listen_fd < 0) {
    ::close(epoll_fd);
    return nullptr;
  }
  int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    *error = "eventfd failed: " + Errno() + ".";
    ::close(listen_fd);
    ::close(epoll_fd);
    ::unlink(options.socket_path.c_str());
    return nullptr;
  }
  struct stat st {};
  if (::stat(options.socket_path.c_str(), &st) == 0) state->socket_inode = st.st_ino;
  state->socket_path = options.socket_path;
  StoreLimits limits;
  limits.max_clients = options.max_clients;
  limits.max_pending_gets = options.max_pending_gets;
  limits.max_get_ids = options.max_get_ids;
  limits.allowed_uids = options.allowed_uids;
  state->external_store = std::move(external_store);
  state->core = std::make_unique<StoreCore>(capacity, state->segment.get(), std::move(limits),
                                            state->external_store.get());
  state->loop = std::make_unique<EventLoop>(state->core.get(), epoll_fd, listen_fd, wake_fd);
  EventLoop* loop = state->loop.get();
  if (state->external_store) {
    state->core->AdoptRecovered(state->external_store->Recover());
    state->core->SetSpillLimit(options.spill_limit);
    state->core->StartSpillThread([loop] { loop->Wake(); });
  }
  state->thread = std::thread([loop] { loop->Run(); });

  auto runner = std::unique_ptr<StoreRunner>(new StoreRunner());
  runner->state_ = std::move(state);
  return runner;
}

void StoreRunner::Stop() {
  if (!state_) return;
  std::lock_guard<std::mutex> lock(state_->stop_mutex);
  if (state_->stopped) return;
  state_->stopped = true;
  state_->loop->RequestStop();
  if (state_->thread.joinable()) state_->thread.join();
  state_->core->StopSpillThread();  // before the loop (and its wake fd) goes
  state_->loop.reset();  // closes every client connection
  state_->core.reset();
  state_->external_store.reset();
  state_->segment.reset();
  // Remove the socket file, unless someone replaced it meanwhile.
  struct stat st {};
  if (::stat(state_->socket_path.c_str(), &st) == 0 && st.st_ino == state_->socket_inode) {
    ::unlink(state_->socket_path.c_str());
  }
}

StoreRunner::~StoreRunner() { Stop(); }

int64_t StoreRunner::capacity() const { return state_ ? state_->capacity : 0; }

}  // namespace plasmasharp::store
