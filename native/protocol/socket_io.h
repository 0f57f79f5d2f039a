// Socket primitives shared by the store and the client: whole-message writes, and reads that
// never lose a passed file descriptor (recvmsg with a control buffer on every read, because on
// Linux a plain read() of the fd-carrying byte silently drops the fd).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wire.h"

namespace plasmasharp::protocol {

// Writes header + payload in one writev loop. Returns 0, or an errno value.
int WriteMessage(int fd, int64_t type, const uint8_t* payload, size_t length);

// Writes all bytes (blocking; retries on EINTR). Returns 0, or an errno value.
int WriteAll(int fd, const void* data, size_t length);

// Sends one file descriptor as SCM_RIGHTS with exactly one data byte, as the real store does.
// Returns 0, or an errno value; with dont_wait, EAGAIN means the socket buffer is full (nothing
// was sent: the store's event loop retries when the socket becomes writable).
int SendFd(int sock, int fd_to_send, bool dont_wait = false);

// One recvmsg(): reads up to `length` bytes and appends any received descriptors to `fds`
// (marked close-on-exec). Returns bytes read (0 = EOF) or -errno.
ssize_t RecvWithFds(int sock, void* buffer, size_t length, std::vector<int>* fds);

// Closes every descriptor in `fds` and clears it.
void CloseAll(std::vector<int>* fds);

// Connects a SOCK_STREAM Unix socket to `path`. Returns the fd or -errno.
int ConnectUnix(const std::string& path);

}  // namespace plasmasharp::protocol
