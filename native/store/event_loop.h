// The store's I/O: one epoll loop on one thread, non-blocking sockets, a per-connection input
// buffer (ConnectionInput: a client that sends half a message never holds up the others) and
// output queues (Outbox: a client that never reads never blocks the store; past a bound it is
// dropped). Bytes are read with recvmsg and a control buffer on every read, so no passed fd is
// ever lost. Connections are admitted per StoreLimits (--max-clients, --allow-uid via
// SO_PEERCRED); a connection being closed first gets, best effort and without waiting, the
// replies it is still owed.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

#include "connection_input.h"
#include "store_core.h"

namespace plasmasharp::store {

class EventLoop {
 public:
  // Takes ownership of the three fds. `listen_fd` must already listen.
  EventLoop(StoreCore* core, int epoll_fd, int listen_fd, int wake_fd);
  ~EventLoop();  // closes every connection and the fds
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void Run();          // until RequestStop()
  void RequestStop();  // thread-safe
  void Wake();         // thread-safe: the loop runs one more round (spill I/O finished)

  static constexpr size_t kMaxQueuedReplyBytes = size_t{256} << 20;
  static constexpr size_t kMaxQueuedNotificationBytes = size_t{64} << 20;

 private:
  struct Connection {
    ConnectionId id = kNoConnection;
    int fd = -1;
    ConnectionInput input;         // buffered bytes + fds, framing
    bool writing = false;          // EPOLLOUT armed on fd
    int notify_fd = -1;            // registered notification socket
    bool notify_writing = false;
  };

  void Accept();
  // --allow-uid (SO_PEERCRED) and --max-clients; false = close the new socket (logged).
  bool Admit(int fd);
  void OnReadable(Connection& conn);
  void Flush(Connection& conn);
  void FlushNotifications(Connection& conn, ClientState& state);
  void Settle();  // flush dirty outboxes, close what must close, retire fds
  void ResumeParked();  // applies finished spill I/O, hands parked requests over again
  void Close(ConnectionId id);
  void SetEvents(int fd, uint64_t token, uint32_t events, bool add);

  StoreCore* core_;
  int epoll_fd_;
  int listen_fd_;
  int wake_fd_;
  int spare_fd_ = -1;  // released when accept() hits EMFILE so the loop can shed the connection
  std::atomic<bool> stop_{false};
  std::unordered_map<ConnectionId, Connection> conns_;
  std::unordered_map<int, ConnectionId> notify_owner_;  // notification fd -> connection
  std::vector<ConnectionId> to_close_;
  std::vector<uint8_t> scratch_;  // recvmsg target, reused for every read
};

}  // namespace plasmasharp::store
