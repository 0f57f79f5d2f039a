#include "connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "socket_io.h"

namespace plasmasharp::client {

namespace {
// Replies larger than this are treated as malformed (a List of a million objects is ~100 MB).
constexpr int64_t kMaxReplySize = int64_t{1} << 30;
}  // namespace

Connection::~Connection() { Close(); }

Status Connection::Broken(Status status) {
  broken_ = true;
  return status;
}

Status Connection::Send(fb::MessageType type, const flatbuffers::FlatBufferBuilder& builder) {
  if (!open()) return Status(Code::kDisconnected, "the client is not connected to a store");
  int err = protocol::WriteMessage(fd_, static_cast<int64_t>(type), builder.GetBufferPointer(),
                                   builder.GetSize());
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

Status Connection::ReadExactly(uint8_t* buffer, size_t length, std::vector<int>* fds) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = protocol::RecvWithFds(fd_, buffer + done, length - done, fds);
    if (n == 0 || n == -ECONNRESET || (n < 0 && shut_down_)) {
      return Broken(Status(Code::kDisconnected, "the store closed the connection"));
    }
    if (n < 0) {
      return Broken(Status(Code::kIoError, std::string("read from the store failed: ") +
                                               std::strerror(static_cast<int>(-n))));
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Status Connection::Receive(fb::MessageType expected, std::vector<uint8_t>* payload) {
  if (!open()) return Status(Code::kDisconnected, "the client is not connected to a store");
  std::vector<int> stray_fds;
  uint8_t header_bytes[protocol::kHeaderSize];
  Status st = ReadExactly(header_bytes, sizeof(header_bytes), &stray_fds);
  if (st.ok()) {
    protocol::Header h = protocol::DecodeHeader(header_bytes);
    if (h.version != protocol::kProtocolVersion) {
      st = Broken(Status(Code::kProtocolError,
                         "reply with protocol version " + std::to_string(h.version)));
    } else if (h.type != static_cast<int64_t>(expected)) {
      const char* name = protocol::MessageTypeName(h.type);
      st = Broken(Status(Code::kProtocolError,
                         std::string("expected ") + fb::EnumNameMessageType(expected) + ", got " +
                             (name ? name : ("type " + std::to_string(h.type)).c_str())));
    } else if (h.length < 0 || h.length > kMaxReplySize) {
      st = Broken(Status(Code::kProtocolError, "reply length " + std::to_string(h.length)));
    } else {
      payload->resize(static_cast<size_t>(h.length));
      st = ReadExactly(payload->data(), payload->size(), &stray_fds);
    }
  }
  if (st.ok() && !stray_fds.empty()) {
    st = Broken(Status(Code::kProtocolError, "a file descriptor arrived inside a reply"));
  }
  protocol::CloseAll(&stray_fds);
  return st;
}

Status Connection::ReceiveFd(int* fd) {
  if (!open()) return Status(Code::kDisconnected, "the client is not connected to a store");
  std::vector<int> fds;
  uint8_t carrier;
  Status st = ReadExactly(&carrier, 1, &fds);
  if (!st.ok()) {
    protocol::CloseAll(&fds);
    return st;
  }
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
}

}  // namespace plasmasharp::client
