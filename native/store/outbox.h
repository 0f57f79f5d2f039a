// A per-connection output queue filled by the request core and drained by the event loop.
// A chunk is either bytes (a framed reply or a notification frame) or one file descriptor to
// pass (sent as SCM_RIGHTS with one data byte, as the real store does). The queue counts its
// bytes so the event loop can drop a client that stops reading instead of buffering forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace plasmasharp::store {

struct OutChunk {
  std::vector<uint8_t> bytes;  // empty for an fd chunk
  int fd = -1;                 // >= 0: pass this fd (not owned: the segment's fd)
  size_t sent = 0;             // bytes of `bytes` already written
};

class Outbox {
 public:
  void PushBytes(std::vector<uint8_t> bytes) {
    queued_bytes_ += bytes.size();
    chunks_.push_back(OutChunk{std::move(bytes), -1, 0});
  }
  void PushFd(int fd) {
    queued_bytes_ += 1;
    chunks_.push_back(OutChunk{{}, fd, 0});
  }
  bool empty() const { return chunks_.empty(); }
  size_t queued_bytes() const { return queued_bytes_; }
  OutChunk& front() { return chunks_.front(); }
  void PopFront() {
    const OutChunk& c = chunks_.front();
    queued_bytes_ -= c.fd >= 0 ? 1 : c.bytes.size();
    chunks_.pop_front();
  }
  void Clear() {
    chunks_.clear();
    queued_bytes_ = 0;
  }
  const std::deque<OutChunk>& chunks() const { return chunks_; }

 private:
  std::deque<OutChunk> chunks_;
  size_t queued_bytes_ = 0;
};

}  // namespace plasmasharp::store
