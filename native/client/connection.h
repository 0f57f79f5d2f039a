// The client's end of the main socket: framed requests out, framed replies (and the fds that
// follow them) in. Every read is a recvmsg() that never goes past the bytes it needs, so an fd
// travelling after a reply is never swallowed. PlasmaClient serializes writers among
// themselves and readers among themselves; one write may run while another thread reads.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "status.h"
#include "wire.h"

namespace plasmasharp::client {

namespace fb = plasma::flatbuf;

class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  bool open() const { return fd_ >= 0 && !broken_; }

  // Sends one message: header + the finished builder's bytes.
  Status Send(fb::MessageType type, const flatbuffers::FlatBufferBuilder& builder);
  // Sends a descriptor as SCM_RIGHTS with one data byte (SubscribeRequest's fd).
  Status SendFd(int fd);
  // Reads one whole reply, checks its type, and returns its payload.
  Status Receive(fb::MessageType expected, std::vector<uint8_t>* payload);
  // Reads the one data byte that carries a descriptor and returns the descriptor.
  Status ReceiveFd(int* fd);

  // Marks the stream unusable (after a malformed reply: we no longer know where messages start).
  void MarkBroken() { broken_ = true; }
  // Wakes a thread blocked in Receive (it gets PS_DISCONNECTED); callable from any thread.
  void Shutdown();
  // Closes the socket. Only while no other thread uses the connection.
  void Close();

 private:
  Status ReadExactly(uint8_t* buffer, size_t length, std::vector<int>* fds);
  Status Broken(Status status);

  // Atomic: a release may be written from another thread while the request thread waits for a
  // reply (PlasmaClient serializes writers, and closing, with its write mutex).
  std::atomic<int> fd_;
  // Set after a transport or protocol failure: the stream is no longer in sync.
  std::atomic<bool> broken_{false};
  std::atomic<bool> shut_down_{false};
};

// Verifies a reply payload as a flatbuffer of type T; nullptr when it is malformed.
template <typename T>
const T* VerifiedRoot(const std::vector<uint8_t>& payload) {
  if (payload.size() < sizeof(flatbuffers::uoffset_t)) return nullptr;
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  if (!verifier.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(payload.data());
}

}  // namespace plasmasharp::client
