#include "connection_input.h"

#include <unistd.h>


namespace plasmasharp::store {

ConnectionInput::~ConnectionInput() {
  for (auto& p : fds_) ::close(p.second);
}

void ConnectionInput::Append(const uint8_t* data, size_t length, std::vector<int> fds) {
  if (length == 0) {
    for (int fd : fds) ::close(fd);  // fds need a carrier byte
    return;
  }
  buffer_.insert(buffer_.end(), data, data + length);
  uint64_t carrier = stream_pos_ + (buffer_.size() - start_) - 1;
  for (int fd : fds) fds_.emplace_back(carrier, fd);
}

bool ConnectionInput::Deliver(StoreCore& core, ConnectionId id) {
  while (!core.ShouldClose(id) && !core.IsParked(id)) {
    size_t available = buffer_.size() - start_;
    if (available < protocol::kHeaderSize) break;
    const uint8_t* begin = buffer_.data() + start_;
    protocol::Header h = protocol::DecodeHeader(begin);
    if (!core.AcceptHeader(id, h)) break;  // checked before anything is buffered for it
    size_t carrier = StoreCore::CarrierBytesAfter(h.type);
    size_t total = protocol::kHeaderSize + static_cast<size_t>(h.length) + carrier;
    if (available < total) break;  // wait for the rest; other clients go on meanwhile
    uint64_t end = stream_pos_ + total;
    std::vector<int> fds;
    while (!fds_.empty() && fds_.front().first < end) {
      fds.push_back(fds_.front().second);
      fds_.pop_front();
    }
    // Consume before handing over: the payload stays valid (no buffer change until return).
    start_ += total;
    stream_pos_ = end;
    if (!core.HandleMessage(id, h.type, begin + protocol::kHeaderSize, static_cast<size_t>(h.length),
                            std::move(fds))) {
      // Parked (it waits for spill I/O): the message stays first in line and is handed over
      // again, and nothing after it, once the core resumes this connection (its fds, which
      // no waiting request takes, are closed already).
      start_ -= total;
      stream_pos_ -= total;
      break;
    }
  }
  Compact();
  return !core.ShouldClose(id);
}

void ConnectionInput::Compact() {
  // Drop the consumed prefix once it dominates the buffer.
  if (start_ > 0 && start_ * 2 >= buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
    if (buffer_.capacity() > (size_t{4} << 20) && buffer_.size() < (size_t{256} << 10)) {
      buffer_.shrink_to_fit();
    }
  }
}

}  // namespace plasmasharp::store
