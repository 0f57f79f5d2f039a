#include "event_loop.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "socket_io.h"

namespace plasmasharp::store {

namespace {

enum Kind : uint64_t { kListen = 0, kWake = 1, kMain = 2, kNotify = 3 };

uint64_t Token(ConnectionId id, Kind kind) { return (id << 2) | kind; }

constexpr size_t kReadChunk = 256 * 1024;
constexpr int kReadsPerEvent = 8;     // fairness: at most 2 MiB per connection per wake-up
constexpr size_t kMaxPendingFds = 64;  // fds waiting for their message

// Writes as much of the outbox as the socket takes. False on a fatal socket error.
bool Drain(int fd, Outbox& out, bool* would_block) {
  *would_block = false;
  while (!out.empty()) {
    OutChunk& c = out.front();
    if (c.fd >= 0) {
      int err = protocol::SendFd(fd, c.fd, /*dont_wait=*/true);
      if (err == EAGAIN) {
        *would_block = true;
        return true;
      }
      if (err != 0) return false;
      out.PopFront();
      continue;
    }
    while (c.sent < c.bytes.size()) {
      ssize_t n = ::send(fd, c.bytes.data() + c.sent, c.bytes.size() - c.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          *would_block = true;
          return true;
        }
        return false;
      }
      c.sent += static_cast<size_t>(n);
    }
    out.PopFront();
  }
  return true;
}

}  // namespace

EventLoop::EventLoop(StoreCore* core, int epoll_fd, int listen_fd, int wake_fd)
    : core_(core), epoll_fd_(epoll_fd), listen_fd_(listen_fd), wake_fd_(wake_fd) {
  SetEvents(listen_fd_, Token(0, kListen), EPOLLIN, true);
  SetEvents(wake_fd_, Token(0, kWake), EPOLLIN, true);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  scratch_.resize(kReadChunk);
}

EventLoop::~EventLoop() {
  std::vector<ConnectionId> ids;
  for (auto& kv : conns_) ids.push_back(kv.first);
  for (ConnectionId id : ids) Close(id);
  for (int fd : core_->TakeRetiredFds()) ::close(fd);
  if (spare_fd_ >= 0) ::close(spare_fd_);
  ::close(listen_fd_);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EventLoop::RequestStop() {
  stop_.store(true);
  Wake();
}

void EventLoop::Wake() {
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

void EventLoop::SetEvents(int fd, uint64_t token, uint32_t events, bool add) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  ::epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::Run() {
  epoll_event events[256];
  while (!stop_.load()) {
    int timeout_ms = -1;
    if (auto deadline = core_->NextDeadline()) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(*deadline - Clock::now()).count();
      timeout_ms = left <= 0 ? 0 : static_cast<int>(std::min<int64_t>((left + 999) / 1000, 1 << 30));
    }
    int n = ::epoll_wait(epoll_fd_, events, 256, timeout_ms);
    if (n < 0 && errno != EINTR) {
      std::fprintf(stderr, "plasma-store: epoll_wait failed: %s\n", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      uint64_t token = events[i].data.u64;
      Kind kind = static_cast<Kind>(token & 3);
      ConnectionId id = token >> 2;
      uint32_t ev = events[i].events;
      if (kind == kListen) {
        Accept();
      } else if (kind == kWake) {
        uint64_t value;
        ssize_t ignored = ::read(wake_fd_, &value, sizeof(value));
        (void)ignored;
      } else {
        auto it = conns_.find(id);
        if (it == conns_.end()) continue;  // closed earlier in this batch
        Connection& conn = it->second;
        if (kind == kMain) {
          if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) OnReadable(conn);
          if ((ev & EPOLLOUT) && conns_.count(id)) Flush(conn);
        } else if (ev & (EPOLLHUP | EPOLLERR)) {
          core_->DropNotifications(id);  // the subscriber closed its end
        } else if (ev & EPOLLOUT) {
          Flush(conn);
        }
      }
    }
    ResumeParked();
    core_->ProcessTimers(Clock::now());
    Settle();
  }
}

void EventLoop::ResumeParked() {
  for (ConnectionId id : core_->CompleteSpillIo()) {
    auto it = conns_.find(id);
    if (it != conns_.end() && !it->second.input.Deliver(*core_, id)) to_close_.push_back(id);
  }
}

void EventLoop::Accept() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
        // Out of descriptors: accept and drop the connection so it does not spin the loop.
        std::fprintf(stderr, "plasma-store: out of file descriptors; refusing a connection\n");
        ::close(spare_fd_);
        int shed = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (shed >= 0) ::close(shed);
        spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return;  // EAGAIN or an error we cannot act on
    }
    if (!Admit(fd)) {
      ::close(fd);
      continue;
    }
    ConnectionId id = core_->AddConnection();
    Connection& conn = conns_[id];
    conn.id = id;
    conn.fd = fd;
    SetEvents(fd, Token(id, kMain), EPOLLIN, true);
  }
}

bool EventLoop::Admit(int fd) {
  const StoreLimits& limits = core_->limits();
  if (!limits.allowed_uids.empty()) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      std::fprintf(stderr, "plasma-store: cannot read the peer credentials of a new connection (%s); closing it\n",
                   std::strerror(errno));
      return false;
    }
    bool allowed = false;
    for (uid_t uid : limits.allowed_uids) allowed = allowed || uid == cred.uid;
    if (!allowed) {
      std::fprintf(stderr, "plasma-store: refusing a connection from uid %u (pid %d): not in --allow-uid; closing it\n",
                   static_cast<unsigned>(cred.uid), static_cast<int>(cred.pid));
      return false;
    }
  }
  if (limits.max_clients != 0 && conns_.size() >= limits.max_clients) {
    std::fprintf(stderr, "plasma-store: %zu clients connected (--max-clients %zu); closing a new connection\n",
                 conns_.size(), limits.max_clients);
    return false;
  }
  return true;
}

void EventLoop::OnReadable(Connection& conn) {
  for (int i = 0; i < kReadsPerEvent; ++i) {
    std::vector<int> fds;
    // Read into one reused scratch buffer and append only what arrived (growing the input
    // buffer by a whole chunk per read would zero-fill 256 KiB for every small request).
    ssize_t n = protocol::RecvWithFds(conn.fd, scratch_.data(), scratch_.size(), &fds);
    conn.input.Append(scratch_.data(), n > 0 ? static_cast<size_t>(n) : 0, std::move(fds));
    if (conn.input.pending_fds() > kMaxPendingFds) {
      std::fprintf(stderr, "plasma-store: client %llu: too many passed fds; closing this connection\n",
                   static_cast<unsigned long long>(conn.id));
      to_close_.push_back(conn.id);
      return;
    }
    if (n == 0 || (n < 0 && n != -EAGAIN && n != -EWOULDBLOCK)) {
      conn.input.Deliver(*core_, conn.id);  // complete requests sent before the EOF still count
      to_close_.push_back(conn.id);
      return;
    }
    if (n < 0) break;  // EAGAIN
    if (!conn.input.Deliver(*core_, conn.id)) {
      to_close_.push_back(conn.id);
      return;
    }
    if (static_cast<size_t>(n) < scratch_.size()) break;
  }
}

void EventLoop::Flush(Connection& conn) {
  ClientState* state = core_->client(conn.id);
  if (state == nullptr) return;
  bool would_block = false;
  if (!Drain(conn.fd, state->out, &would_block)) {
    to_close_.push_back(conn.id);
    return;
  }
  if (state->out.queued_bytes() > kMaxQueuedReplyBytes) {
    std::fprintf(stderr, "plasma-store: client %llu does not read its replies; closing this connection\n",
                 static_cast<unsigned long long>(conn.id));
    to_close_.push_back(conn.id);
    return;
  }
  if (would_block != conn.writing) {
    conn.writing = would_block;
    SetEvents(conn.fd, Token(conn.id, kMain), EPOLLIN | (would_block ? static_cast<uint32_t>(EPOLLOUT) : 0u), false);
  }
  FlushNotifications(conn, *state);
}

void EventLoop::FlushNotifications(Connection& conn, ClientState& state) {
  if (state.notify_fd < 0) return;
  if (conn.notify_fd != state.notify_fd) {
    conn.notify_fd = state.notify_fd;
    conn.notify_writing = false;
    notify_owner_[conn.notify_fd] = conn.id;
    epoll_event ev{};
    ev.events = 0;  // HUP/ERR are always reported; OUT only while frames wait
    ev.data.u64 = Token(conn.id, kNotify);
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn.notify_fd, &ev) != 0) {
      std::fprintf(stderr, "plasma-store: client %llu: notification fd is not a socket we can watch\n",
                   static_cast<unsigned long long>(conn.id));
      core_->DropNotifications(conn.id);
      return;
    }
  }
  bool would_block = false;
  if (!Drain(state.notify_fd, state.notify_out, &would_block)) {
    core_->DropNotifications(conn.id);  // subscriber gone
    return;
  }
  if (state.notify_out.queued_bytes() > kMaxQueuedNotificationBytes) {
    std::fprintf(stderr, "plasma-store: client %llu does not read its notifications; closing its notification socket\n",
                 static_cast<unsigned long long>(conn.id));
    core_->DropNotifications(conn.id);
    return;
  }
  if (would_block != conn.notify_writing) {
    conn.notify_writing = would_block;
    epoll_event ev{};
    ev.events = would_block ? static_cast<uint32_t>(EPOLLOUT) : 0u;
    ev.data.u64 = Token(conn.id, kNotify);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.notify_fd, &ev);
  }
}

void EventLoop::Settle() {
  for (int round = 0; round < 1000; ++round) {
    for (ConnectionId id : core_->TakeDirty()) {
      auto it = conns_.find(id);
      if (it == conns_.end()) continue;
      if (core_->ShouldClose(id)) {
        to_close_.push_back(id);
      } else {
        Flush(it->second);
      }
    }
    // Notification fds the core let go: unregister, then close (never before: the number
    // could be reused by a new connection).
    for (int fd : core_->TakeRetiredFds()) {
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      auto owner = notify_owner_.find(fd);
      if (owner != notify_owner_.end()) {
        auto c = conns_.find(owner->second);
        if (c != conns_.end() && c->second.notify_fd == fd) c->second.notify_fd = -1;
        notify_owner_.erase(owner);
      }
      ::close(fd);
    }
    if (to_close_.empty()) return;
    std::vector<ConnectionId> closing;
    closing.swap(to_close_);
    for (ConnectionId id : closing) Close(id);
  }
}

void EventLoop::Close(ConnectionId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Connection& conn = it->second;
  // Best effort: replies the store already owed (e.g. to requests that preceded a bad frame
  // in the same read) go out if the socket takes them now; bounded by the socket buffer, never
  // waits.
  if (ClientState* state = core_->client(id); state != nullptr && !state->out.empty()) {
    bool would_block = false;
    Drain(conn.fd, state->out, &would_block);
  }
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn.fd, nullptr);
  ::close(conn.fd);
  conns_.erase(it);
  core_->RemoveConnection(id);  // may broadcast deletions and retire its notification fd
}

}  // namespace plasmasharp::store
