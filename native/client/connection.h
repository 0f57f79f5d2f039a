// The client's end of the main socket: framed requests out, framed replies (and the fds that
// follow them) in. Replies are read through a per-connection buffer, so a reply's header and
// body (and often the fd byte after it) arrive in one recvmsg(). Every read is a recvmsg()
// with a control buffer, and the kernel ends a recvmsg() right after a byte that carries fds,
// so received fds are attributed to the last byte that call returned; a reply accepts no fds,
// ReceiveFd accepts exactly one on its byte. PlasmaClient serializes writers among themselves
// and readers among themselves (its read turn); one write may run while another thread reads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "status.h"
#include "wire.h"

namespace plasmasharp::client {

namespace fb = plasma::flatbuf;

// A time limit that holds across several waits (a retried poll, a partial message read before
// waiting again): timeout_ms < 0 waits without limit, 0 only looks.
class Deadline {
 public:
  explicit Deadline(int64_t timeout_ms)
      : unlimited_(timeout_ms < 0), at_(Clock::now() + std::chrono::milliseconds(unlimited_ ? 0 : timeout_ms)) {}
  // What is left, for poll(): -1 without limit, else 0 or more milliseconds.
  int PollMs() const;

 private:
  using Clock = std::chrono::steady_clock;
  bool unlimited_;
  Clock::time_point at_;
};

// Waits until `fd` is readable (or closed: the read then says so) before `deadline`. kTimeout
// with `timeout_message` when it passed, kIoError when poll fails; EINTR waits on.
Status WaitReadable(int fd, const Deadline& deadline, const char* timeout_message);

class Connection {
 public:
  // Replies larger than this are treated as malformed. Replies carry no object data; the
  // biggest real one is a List (a million objects is ~100 MB), so 1 GiB is generous.
  static constexpr int64_t kMaxReplySize = int64_t{1} << 30;

  explicit Connection(int fd) : fd_(fd) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  // Bytes received and not yet consumed (read turn held, or nobody reading).
  bool buffered() const { return end_ > begin_; }
  bool open() const { return fd_ >= 0 && !broken_; }

  // Sends one message: header + the finished builder's bytes.
  Status Send(fb::MessageType type, const flatbuffers::FlatBufferBuilder& builder);
  // Sends one message of any type (our store's extensions too): header + `length` bytes.
  Status Send(int64_t type, const uint8_t* payload, size_t length);
  // Sends a descriptor as SCM_RIGHTS with one data byte (SubscribeRequest's fd).
  Status SendFd(int fd);
  // Reads one whole reply (any message type; the caller routes it) and returns its type and
  // payload. A header claiming more than max_length payload bytes is a protocol error.
  Status Receive(int64_t* type, std::vector<uint8_t>* payload, int64_t max_length = kMaxReplySize);
  // Reads the one data byte that carries a descriptor and returns the descriptor.
  Status ReceiveFd(int* fd);

  // Marks the stream unusable (after a malformed reply: we no longer know where messages start).
  void MarkBroken() { broken_ = true; }
  // Wakes a thread blocked in Receive (it gets PS_DISCONNECTED); callable from any thread.
  void Shutdown();
  // Closes the socket. Only while no other thread uses the connection.
  void Close();

 private:
  // Descriptors that arrived with the byte at stream position `position`.
  struct ArrivedFds {
    uint64_t position;
    std::vector<int> fds;
  };

  // Receives until at least `need` unread bytes are buffered. The buffer grows with the bytes
  // that actually arrive (at most kGrowStep beyond them per read), never to a length a header
  // merely claims.
  Status Fill(size_t need);
  // Makes room for the next read while `need` unread bytes are wanted.
  void MakeRoom(size_t need);
  // Consumes `length` unread bytes; moves the fds that arrived with them into `fds`.
  void Consume(size_t length, std::vector<int>* fds);
  // Closes every buffered fd and forgets the buffered bytes.
  void DropBuffered();
  uint64_t unread_position() const { return buffer_base_ + begin_; }
  Status Broken(Status status);

  // Atomic: a release may be written from another thread while the request thread waits for a
  // reply (PlasmaClient serializes writers, and closing, with its write mutex).
  std::atomic<int> fd_;
  // Set after a transport or protocol failure: the stream is no longer in sync.
  std::atomic<bool> broken_{false};
  std::atomic<bool> shut_down_{false};

  // Read side (only the thread holding PlasmaClient's read turn touches these).
  // Received bytes not yet consumed are buffer_[begin_, end_); buffer_[0] is stream position
  // buffer_base_, so fd positions stay valid when the buffer is compacted.
  std::vector<uint8_t> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t buffer_base_ = 0;
  std::deque<ArrivedFds> arrived_fds_;  // in position order
};

}  // namespace plasmasharp::client
