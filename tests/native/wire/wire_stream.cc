#include "wire_stream.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "socket_io.h"
#include "wire.h"

namespace plasmasharp::testing {

using Clock = std::chrono::steady_clock;

const char* ToString(ReadStatus s) {
  switch (s) {
    case ReadStatus::kOk:
      return "ok";
    case ReadStatus::kTimeout:
      return "timeout (nothing arrived)";
    case ReadStatus::kEof:
      return "connection closed by the store";
    case ReadStatus::kBad:
      return "malformed";
  }
  return "?";
}

WireReader::~WireReader() { protocol::CloseAll(&stray_fds_); }

namespace {

// Waits for readability until `deadline`. kOk = readable (data or EOF).
ReadStatus WaitReadable(int fd, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left < 0) left = 0;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ReadStatus::kBad;
    if (r == 0) return ReadStatus::kTimeout;
    return ReadStatus::kOk;
  }
}

}  // namespace

ReadStatus WireReader::Fill(size_t want, Clock::time_point deadline) {
  while (buffer_.size() < want) {
    ReadStatus w = WaitReadable(fd_, deadline);
    if (w != ReadStatus::kOk) return w;
    uint8_t chunk[65536];
    size_t room = std::min(sizeof(chunk), want - buffer_.size());
    std::vector<int> fds;
    ssize_t n = protocol::RecvWithFds(fd_, chunk, room, &fds);
    // Any fd here came with message bytes, not with a carrier byte we asked for.
    stray_fds_.insert(stray_fds_.end(), fds.begin(), fds.end());
    if (n == 0 || n == -ECONNRESET) return ReadStatus::kEof;
    if (n < 0) {
      if (n == -EINTR || n == -EAGAIN) continue;
      return ReadStatus::kBad;
    }
    buffer_.insert(buffer_.end(), chunk, chunk + n);
  }
  return ReadStatus::kOk;
}

ReadStatus WireReader::ReadMessage(WireMessage* out, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  ReadStatus s = Fill(protocol::kHeaderSize, deadline);
  if (s != ReadStatus::kOk) return s;
  protocol::Header h = protocol::DecodeHeader(buffer_.data());
  if (h.length < 0 || h.length > (int64_t{1} << 31)) return ReadStatus::kBad;
  size_t total = protocol::kHeaderSize + static_cast<size_t>(h.length);
  s = Fill(total, deadline);
  if (s != ReadStatus::kOk) return s;
  out->version = h.version;
  out->type = h.type;
  out->payload.assign(buffer_.begin() + protocol::kHeaderSize, buffer_.begin() + total);
  buffer_.erase(buffer_.begin(), buffer_.begin() + total);
  return ReadStatus::kOk;
}

ReadStatus WireReader::ReadNotification(std::vector<uint8_t>* payload, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  ReadStatus s = Fill(8, deadline);
  if (s != ReadStatus::kOk) return s;
  int64_t length;
  std::memcpy(&length, buffer_.data(), 8);
  if (length < 0 || length > (int64_t{1} << 31)) return ReadStatus::kBad;
  size_t total = 8 + static_cast<size_t>(length);
  s = Fill(total, deadline);
  if (s != ReadStatus::kOk) return s;
  payload->assign(buffer_.begin() + 8, buffer_.begin() + total);
  buffer_.erase(buffer_.begin(), buffer_.begin() + total);
  return ReadStatus::kOk;
}

ReadStatus WireReader::ReadFds(size_t count, std::vector<int>* fds, Millis timeout,
                               std::string* error) {
  auto deadline = Clock::now() + timeout;
  for (size_t i = 0; i < count; ++i) {
    if (!buffer_.empty()) {
      *error = "carrier byte " + std::to_string(i) + " was already read as message data";
      return ReadStatus::kBad;
    }
    ReadStatus w = WaitReadable(fd_, deadline);
    if (w != ReadStatus::kOk) {
      *error = "fd " + std::to_string(i + 1) + " of " + std::to_string(count) + ": " + ToString(w);
      return w;
    }
    uint8_t byte;
    std::vector<int> got;
    ssize_t n = protocol::RecvWithFds(fd_, &byte, 1, &got);
    if (n <= 0) {
      protocol::CloseAll(&got);
      *error = "fd " + std::to_string(i + 1) + " of " + std::to_string(count) +
               ": connection closed before it";
      return ReadStatus::kEof;
    }
    if (got.size() != 1) {
      *error = "byte " + std::to_string(i + 1) + " after the message carried " +
               std::to_string(got.size()) + " fds instead of 1";
      bool carried_none = got.empty();
      protocol::CloseAll(&got);
      if (carried_none) buffer_.push_back(byte);  // keep the stream intact for diagnostics
      return ReadStatus::kBad;
    }
    fds->push_back(got[0]);
  }
  return ReadStatus::kOk;
}

ReadStatus WireReader::Probe(Millis timeout) {
  if (!buffer_.empty()) return ReadStatus::kOk;
  auto deadline = Clock::now() + timeout;
  ReadStatus w = WaitReadable(fd_, deadline);
  if (w != ReadStatus::kOk) return w;
  // Pull one byte into the buffer to tell data from EOF.
  ReadStatus s = Fill(1, deadline);
  return s;
}

ReadStatus WireReader::WaitEof(Millis timeout, size_t* unexpected) {
  *unexpected = buffer_.size();
  buffer_.clear();
  auto deadline = Clock::now() + timeout;
  for (;;) {
    ReadStatus w = WaitReadable(fd_, deadline);
    if (w != ReadStatus::kOk) return w;
    uint8_t chunk[4096];
    std::vector<int> fds;
    ssize_t n = protocol::RecvWithFds(fd_, chunk, sizeof(chunk), &fds);
    stray_fds_.insert(stray_fds_.end(), fds.begin(), fds.end());
    if (n == 0 || n == -ECONNRESET) return *unexpected ? ReadStatus::kBad : ReadStatus::kOk;
    if (n < 0) {
      if (n == -EINTR || n == -EAGAIN) continue;
      return ReadStatus::kBad;
    }
    *unexpected += static_cast<size_t>(n);
  }
}

}  // namespace plasmasharp::testing
