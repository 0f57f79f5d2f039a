#include "connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "socket_io.h"

namespace plasmasharp::client {

int Deadline::PollMs() const {
  if (unlimited_) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

Status WaitReadable(int fd, const Deadline& deadline, const char* timeout_message) {
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    const int r = ::poll(&pfd, 1, deadline.PollMs());
    if (r > 0) return Status::OK();
    if (r == 0) return Status(Code::kTimeout, timeout_message);
    if (errno != EINTR) return Status(Code::kIoError, std::string("poll failed: ") + std::strerror(errno));
  }
}

namespace {
// The read buffer: big enough for any everyday reply (header + body + the fd byte after it)
// in one recvmsg(); grown by at most kGrowStep beyond the received bytes per read; shrunk
// back once a reply bigger than kKeptBuffer has been consumed.
constexpr size_t kInitialBuffer = 64 * 1024;
constexpr size_t kGrowStep = size_t{1} << 20;
constexpr size_t kKeptBuffer = size_t{4} << 20;
}  // namespace

Connection::~Connection() { Close(); }

Status Connection::Broken(Status status) {
  broken_ = true;
  return status;
}

Status Connection::Send(fb::MessageType type, const flatbuffers::FlatBufferBuilder& builder) {
  return Send(static_cast<int64_t>(type), builder.GetBufferPointer(), builder.GetSize());
}

Status Connection::Send(int64_t type, const uint8_t* payload, size_t length) {
  if (!open()) return Status(Code::kDisconnected, "the client is not connected to a store");
  int err = protocol::WriteMessage(fd_, type, payload, length);
  if (err == 0) return Status::OK();
  if (err == EPIPE || err == ECONNRESET || err == ENOTCONN || shut_down_) {
    return Broken(Status(Code::kDisconnected, "the store closed the connection"));
  }
  return Broken(Status(Code::kIoError, std::string("write to the store failed: ") + std::strerror(err)));
}

Status Connection::SendFd(int fd) {
  if (!open()) return Status(Code::kDisconnected, "the client is not connected to a store");
  int err = protocol::SendFd(fd_, fd);
  if (err == 0) return Status::OK();
  if (err == EPIPE || err == ECONNRESET || shut_down_) {
    return Broken(Status(Code::kDisconnected, "the store closed the connection"));
  }
  return Broken(Status(Code::kIoError, std::string("sending an fd failed: ") + std::strerror(err)));
}

Status Connection::Fill(size_t need) {
  std::vector<int> fds;
  while (end_ - begin_ < need) {
    MakeRoom(need);
    ssize_t n = protocol::RecvWithFds(fd_, buffer_.data() + end_, buffer_.size() - end_, &fds);
    if (n == 0 || n == -ECONNRESET || (n < 0 && shut_down_)) {
      protocol::CloseAll(&fds);
      return Broken(Status(Code::kDisconnected, "the store closed the connection"));
    }
    if (n < 0) {
      protocol::CloseAll(&fds);
      return Broken(Status(Code::kIoError, std::string("read from the store failed: ") +
                                               std::strerror(static_cast<int>(-n))));
    }
    end_ += static_cast<size_t>(n);
    if (!fds.empty()) {
      // The kernel ends a recvmsg() right after the byte that carried descriptors.
      arrived_fds_.push_back(ArrivedFds{buffer_base_ + end_ - 1, std::move(fds)});
      fds.clear();
    }
  }
  return Status::OK();
}

void Connection::MakeRoom(size_t need) {
  const size_t unread = end_ - begin_;
  if (begin_ > 0 && (end_ == buffer_.size() || buffer_.size() - begin_ < need)) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, unread);
    buffer_base_ += begin_;
    begin_ = 0;
    end_ = unread;
  }
  // Grown in steps that follow the received bytes: a header claiming 1 GiB costs nothing until
  // the bytes are really there.
  const size_t wanted = std::max(kInitialBuffer, begin_ + std::min(need, unread + kGrowStep));
  if (buffer_.size() < wanted) buffer_.resize(wanted);
}

void Connection::Consume(size_t length, std::vector<int>* fds) {
  begin_ += length;
  const uint64_t consumed_to = unread_position();
  while (!arrived_fds_.empty() && arrived_fds_.front().position < consumed_to) {
    for (int fd : arrived_fds_.front().fds) fds->push_back(fd);
    arrived_fds_.pop_front();
  }
  if (begin_ == end_) {
    // Everything read has been used: start over at the front, and give back the memory a
    // large reply (e.g. a List of many objects) needed.
    buffer_base_ += begin_;
    begin_ = end_ = 0;
    if (buffer_.size() > kKeptBuffer) std::vector<uint8_t>(kInitialBuffer).swap(buffer_);
  }
}

void Connection::DropBuffered() {
  for (auto& arrived : arrived_fds_) protocol::CloseAll(&arrived.fds);
  arrived_fds_.clear();
  buffer_base_ += end_;
  begin_ = end_ = 0;
  std::vector<uint8_t>().swap(buffer_);
}

Status Connection::Receive(int64_t* type, std::vector<uint8_t>* payload, int64_t max_length) {
  if (!open()) return Status(Code::kDisconnected, "the client is not connected to a store");
  PS_RETURN_IF_ERROR(Fill(protocol::kHeaderSize));
  protocol::Header h = protocol::DecodeHeader(buffer_.data() + begin_);
  if (h.version != protocol::kProtocolVersion) {
    return Broken(Status(Code::kProtocolError,
                         "reply with protocol version " + std::to_string(h.version)));
  }
  if (h.length < 0 || h.length > max_length) {
    return Broken(Status(Code::kProtocolError, "reply length " + std::to_string(h.length)));
  }
  const size_t total = protocol::kHeaderSize + static_cast<size_t>(h.length);
  PS_RETURN_IF_ERROR(Fill(total));
  const uint8_t* body = buffer_.data() + begin_ + protocol::kHeaderSize;
  payload->assign(body, body + h.length);
  *type = h.type;
  std::vector<int> stray_fds;
  Consume(total, &stray_fds);
  if (!stray_fds.empty()) {
    protocol::CloseAll(&stray_fds);
    return Broken(Status(Code::kProtocolError, "a file descriptor arrived inside a reply"));
  }
  return Status::OK();
}

Status Connection::ReceiveFd(int* fd) {
  if (!open()) return Status(Code::kDisconnected, "the client is not connected to a store");
  PS_RETURN_IF_ERROR(Fill(1));
  std::vector<int> fds;
  Consume(1, &fds);
  if (fds.size() != 1) {
    protocol::CloseAll(&fds);
    return Broken(Status(Code::kProtocolError, "expected one file descriptor after the reply, got " +
                                                   std::to_string(fds.size())));
  }
  *fd = fds[0];
  return Status::OK();
}

void Connection::Shutdown() {
  shut_down_ = true;
  int fd = fd_;
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

void Connection::Close() {
  int fd = fd_.exchange(-1);
  if (fd >= 0) ::close(fd);
  DropBuffered();
}

}  // namespace plasmasharp::client
