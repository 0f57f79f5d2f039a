// A scripted stand-in for a Plasma store: listens on a Unix socket in a temp folder and runs a
// handler per accepted connection on a server thread. Tests use it to feed the client the REAL
// recorded reply bytes and fds (vectors/*.jsonl) and to misbehave on purpose (malformed
// replies, hang-ups mid-call).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace plasmasharp::testing {

// The store side of one accepted connection.
class FakeConnection {
 public:
  explicit FakeConnection(int fd) : fd_(fd) {}
  ~FakeConnection();
  int fd() const { return fd_; }

  // Reads one framed request. When `fds` > 0, also reads that many fd-carrying bytes after it
  // (SubscribeRequest). nullopt on EOF or after `timeout_ms`.
  std::optional<Message> ReadRequest(int timeout_ms = 5000, size_t fds = 0);
  // True when the client closed its end within timeout_ms.
  bool WaitForClientClose(int timeout_ms = 5000);
  bool SendReply(int64_t type, const std::vector<uint8_t>& payload);
  bool SendRaw(const void* data, size_t length);
  // Sends a fresh memfd of `size` bytes as SCM_RIGHTS (1 carrier byte), like the store does
  // with a segment. Returns false on failure.
  bool SendSegmentFd(int64_t size);
  void Close();

 private:
  bool ReadExactly(uint8_t* p, size_t n, int timeout_ms, std::vector<int>* fds);
  int fd_;
};

class FakeStore {
 public:
  using Handler = std::function<void(FakeConnection&, int connection_index)>;
  // Accepts up to `connections` connections, running `handler` for each in turn. Listens on
  // `socket_path`, or on a socket in a fresh temp folder when it is empty.
  explicit FakeStore(Handler handler, int connections = 1, std::string socket_path = "");
  ~FakeStore();  // closes the listener and joins the server thread
  const std::string& socket_path() const { return socket_path_; }

 private:
  TempDir dir_;
  std::string socket_path_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// A memfd of `size` bytes (sparse), or -1.
int MakeSegmentFile(int64_t size);

}  // namespace plasmasharp::testing
