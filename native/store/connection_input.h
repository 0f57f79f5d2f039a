// The input side of one connection, without the socket: bytes as they arrive (in any split),
// the fds that came with them, and the framing that turns them into whole messages for the
// core. The event loop feeds it from recvmsg; a fuzzer can feed it arbitrary bytes directly:
//
//   StoreCore core(capacity, &segment);
//   ConnectionId id = core.AddConnection();
//   ConnectionInput input;
//   input.Append(data, size, {});
//   input.Deliver(core, id);   // false once the core wants the connection closed
//
// Fds are tagged with the stream position of the byte that carried them (the kernel ends a
// recvmsg right after such a byte, so they belong to the last byte appended with them); a
// message gets the fds carried by its own bytes and by the carrier bytes that follow it
// (1 after SubscribeRequest).
//
// Payloads are handed over in place, so after an odd-length payload the next one sits at an
// unaligned address; StoreCore::HandleMessage copies such a payload to an aligned buffer
// before flatbuffers reads it (its scalars are loaded in place and must be aligned).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "store_core.h"

namespace plasmasharp::store {

class ConnectionInput {
 public:
  ConnectionInput() = default;
  ~ConnectionInput();  // closes fds never delivered
  ConnectionInput(const ConnectionInput&) = delete;
  ConnectionInput& operator=(const ConnectionInput&) = delete;

  // Appends bytes; `fds` arrived with them (attached to the last byte). Empty data is allowed
  // only without fds (those are closed).
  void Append(const uint8_t* data, size_t length, std::vector<int> fds);
  // Hands every complete message to the core, until one parks the connection (it waits for
  // spill I/O; call again when the core resumes it). False when the core marked the
  // connection for closing (bad header, bad request...).
  bool Deliver(StoreCore& core, ConnectionId id);

  size_t buffered_bytes() const { return buffer_.size() - start_; }
  size_t pending_fds() const { return fds_.size(); }

 private:
  void Compact();

  std::vector<uint8_t> buffer_;
  size_t start_ = 0;          // first unconsumed byte of buffer_
  uint64_t stream_pos_ = 0;   // stream offset of buffer_[start_]
  std::deque<std::pair<uint64_t, int>> fds_;  // (stream offset of carrier byte, fd)
};

}  // namespace plasmasharp::store
