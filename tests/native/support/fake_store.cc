#include "fake_store.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "socket_io.h"

namespace plasmasharp::testing {

int MakeSegmentFile(int64_t size) {
  int fd = ::memfd_create("plasmasharp-fake-segment", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (::ftruncate(fd, size) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

FakeConnection::~FakeConnection() { Close(); }

void FakeConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool FakeConnection::ReadExactly(uint8_t* p, size_t n, int timeout_ms, std::vector<int>* fds) {
  size_t done = 0;
  while (done < n) {
    pollfd pfd{fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t got = protocol::RecvWithFds(fd_, p + done, n - done, fds);
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

std::optional<Message> FakeConnection::ReadRequest(int timeout_ms, size_t fds) {
  if (fd_ < 0) return std::nullopt;
  uint8_t header[protocol::kHeaderSize];
  Message m;
  if (!ReadExactly(header, sizeof(header), timeout_ms, &m.fds)) return std::nullopt;
  protocol::Header h = protocol::DecodeHeader(header);
  if (h.length < 0 || h.length > (int64_t{1} << 31)) return std::nullopt;
  m.version = h.version;
  m.type = h.type;
  m.payload.resize(static_cast<size_t>(h.length));
  if (!ReadExactly(m.payload.data(), m.payload.size(), timeout_ms, &m.fds)) return std::nullopt;
  for (size_t i = 0; i < fds; ++i) {
    uint8_t carrier;
    if (!ReadExactly(&carrier, 1, timeout_ms, &m.fds)) return std::nullopt;
  }
  return m;
}

bool FakeConnection::WaitForClientClose(int timeout_ms) {
  for (;;) {
    pollfd pfd{fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    uint8_t buf[4096];
    std::vector<int> fds;
    ssize_t n = protocol::RecvWithFds(fd_, buf, sizeof(buf), &fds);
    protocol::CloseAll(&fds);
    if (n <= 0) return true;
  }
}

bool FakeConnection::SendReply(int64_t type, const std::vector<uint8_t>& payload) {
  return fd_ >= 0 && protocol::WriteMessage(fd_, type, payload.data(), payload.size()) == 0;
}

bool FakeConnection::SendRaw(const void* data, size_t length) {
  return fd_ >= 0 && protocol::WriteAll(fd_, data, length) == 0;
}

bool FakeConnection::SendSegmentFd(int64_t size) {
  int seg = MakeSegmentFile(size);
  if (seg < 0) return false;
  bool ok = protocol::SendFd(fd_, seg) == 0;
  ::close(seg);
  return ok;
}

FakeStore::FakeStore(Handler handler, int connections, std::string socket_path) {
  socket_path_ = socket_path.empty() ? dir_.path() + "/fake-plasma.sock" : socket_path;
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof(addr.sun_path) - 1);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("fake store: cannot listen on " + socket_path_);
  }
  thread_ = std::thread([this, handler, connections]() {
    for (int i = 0; i < connections && !stopping_; ++i) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      int r = 0;
      while (!stopping_ && (r = ::poll(&pfd, 1, 50)) == 0) {
      }
      if (stopping_ || r < 0) return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      FakeConnection conn(fd);
      handler(conn, i);
    }
  });
}

FakeStore::~FakeStore() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

}  // namespace plasmasharp::testing
