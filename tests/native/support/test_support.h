// Helpers for native tests that talk to a real store process: start `plasma-store` on a socket
// in a fresh temp folder, and a raw wire connection that sends and receives framed messages
// (with passed fds) exactly as any Plasma client would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "wire.h"

namespace plasmasharp::testing {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The path of the built plasma-store executable (from the build, PLASMA_STORE_PATH).
std::string StoreExecutable();

// The folder of recorded vectors (PLASMASHARP_WIRE_DIR).
std::string WireDir();
// Why the recorded vectors cannot be read here (a clone without ../shared/plasma-wire), or
// nullopt when they can: the tests that replay them GTEST_SKIP() with this reason.
std::optional<std::string> WireVectorsMissing();

// Which store a store-agnostic test runs against: ours, or the real Arrow 11
// `plasma-store-server` (../shared/arrow11, staged by tests/arrow11/env.sh).
enum class StoreKind { kOurs, kReal };
// For test names: "OurStore" / "RealStore".
const char* StoreKindName(StoreKind kind);
// GoogleTest prints parameters with this: ctest/JUnit names end "GetParam() = RealStore", not raw bytes.
void PrintTo(StoreKind kind, std::ostream* os);
// The real store's executable from ARROW11_BIN, or nullopt with the reason in *why_not
// (ARROW11_MISSING, or how to get it) - tests then GTEST_SKIP() with that reason.
std::optional<std::string> RealStoreExecutable(std::string* why_not);

// ---- child processes ----
// Starts `argv` (argv[0] is the executable) as a child process; its stdout and stderr go to the
// file `output_path` when one is given ("/dev/null" silences it). -1 when fork fails.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& output_path = "");
// Waits up to `wait` for `pid` to exit: its exit code, 128 + the signal that ended it, or
// nullopt while it still runs.
std::optional<int> WaitForExit(pid_t pid, std::chrono::milliseconds wait);

// Waits up to `wait` for `socket_path` to accept a connection (a store listens on it). True once
// it does; false when the wait runs out, or when child process `pid` exits first (it is reaped
// then, and *exit_code, when given, gets what WaitForExit would return). pid -1: a process that is
// not our child; only the socket is watched.
bool WaitUntilListening(const std::string& socket_path, pid_t pid, std::chrono::milliseconds wait,
                        std::optional<int>* exit_code = nullptr);

// Our plasma-store run with `args` until it exits on its own; one still running after `wait`
// is killed (exited = false).
struct StoreRun {
  bool exited = false;
  int code = -1;
  std::string output;  // what it printed (stdout and stderr)
};
StoreRun RunStore(const std::vector<std::string>& args,
                  std::chrono::milliseconds wait = std::chrono::seconds(30));

// A socket file at `path` that nobody listens on (what a crashed store leaves behind).
void MakeStaleSocket(const std::string& path);
// The whole of a file ("" when it cannot be read).
std::string ReadFile(const std::string& path);

// A `STORE -m capacity -s <tmp>/plasma.sock` child process, killed on destruction. STORE is our
// plasma-store, or the real one for StoreKind::kReal (throws when it is not available: check
// RealStoreExecutable first). `extra_args` are our store's flags: never pass them to the real one.
class StoreProcess {
 public:
  explicit StoreProcess(int64_t capacity, std::vector<std::string> extra_args = {},
                        StoreKind kind = StoreKind::kOurs);
  ~StoreProcess();
  StoreProcess(const StoreProcess&) = delete;
  StoreProcess& operator=(const StoreProcess&) = delete;

  const std::string& socket_path() const { return socket_path_; }
  pid_t pid() const { return pid_; }
  // True while the process has not exited.
  bool alive();
  // Sends SIGTERM, waits; returns the wait status.
  int Stop();

 private:
  TempDir dir_;
  std::string socket_path_;
  pid_t pid_ = -1;
};

struct Message {
  int64_t version = 0;
  int64_t type = 0;
  std::vector<uint8_t> payload;
  std::vector<int> fds;  // descriptors that arrived with or right after this message
};

// One Plasma wire message: the 24-byte header (version, type, payload length), then the payload.
std::vector<uint8_t> Framed(int64_t type, const uint8_t* payload, size_t size, int64_t version = 0);
std::vector<uint8_t> Framed(int64_t type, const std::vector<uint8_t>& payload, int64_t version = 0);

// One raw connection to a store socket. Reads use recvmsg so fds are never lost.
class RawConnection {
 public:
  explicit RawConnection(const std::string& socket_path);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  int fd() const { return fd_; }
  bool connected() const { return fd_ >= 0; }
  // Sends header + payload. Returns false on a write error.
  bool Send(int64_t type, const std::vector<uint8_t>& payload, int64_t version = 0);
  bool SendBytes(const void* data, size_t length);
  bool SendFd(int fd);
  // Waits up to `timeout` for one whole message; fds that follow it are collected with it
  // when they arrive within `fd_wait` after the message. nullopt on timeout or EOF.
  std::optional<Message> Receive(std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                 size_t expected_fds = 0);
  // The fds of the next `n` one-byte carriers (each passed fd travels on its own one-byte
  // sendmsg after its message); fewer when the wait runs out or the peer closes.
  std::vector<int> ReceiveFds(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the peer closed the connection within `timeout` (EOF or reset).
  bool WaitForClose(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void Close();

 private:
  bool Fill(size_t want, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::vector<uint8_t> buffer_;
  std::vector<int> pending_fds_;
};

// Open descriptors of process `pid` (leak checks: compare two counts), or -1.
int OpenFdCount(pid_t pid);

// A string's bytes for the uint8_t* parameters of the client and the C ABI. String literals get
// their own overload: a temporary std::string would die before use.
inline const uint8_t* U8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }
inline const uint8_t* U8(const char* s) { return reinterpret_cast<const uint8_t*>(s); }

// The bytes of a finished flatbuffer.
std::vector<uint8_t> FinishedBytes(const flatbuffers::FlatBufferBuilder& builder);

// Bytes of a 20-byte id from a printable string (padded with '.') - handy in tests.
std::string Id(const std::string& prefix);

// Hex helpers for comparing against the vectors.
std::vector<uint8_t> FromHex(const std::string& hex);
std::string ToHex(const uint8_t* data, size_t length);

}  // namespace plasmasharp::testing
