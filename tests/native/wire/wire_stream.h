// Byte-exact reader for one socket of the replay: main-socket messages (24-byte header +
// payload), notification frames (int64 length + payload) and the 1-byte SCM_RIGHTS carriers
// that follow some replies. It never reads past what it was asked for, and it reports fds
// that arrive anywhere other than on a carrier byte, so a store that passes an fd when the
// real one does not (or on the wrong byte) is caught, not silently absorbed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace plasmasharp::testing {

using Millis = std::chrono::milliseconds;

enum class ReadStatus { kOk, kTimeout, kEof, kBad };
const char* ToString(ReadStatus s);

struct WireMessage {
  int64_t version = 0;
  int64_t type = 0;
  std::vector<uint8_t> payload;
};

class WireReader {
 public:
  explicit WireReader(int fd) : fd_(fd) {}
  ~WireReader();
  WireReader(const WireReader&) = delete;
  WireReader& operator=(const WireReader&) = delete;

  // One main-socket message. kBad: negative or absurd length.
  ReadStatus ReadMessage(WireMessage* out, Millis timeout);
  // One notification frame (int64 length, then that many bytes).
  ReadStatus ReadNotification(std::vector<uint8_t>* payload, Millis timeout);
  // `count` carrier bytes, each delivering exactly one descriptor (appended to `fds`, owned
  // by the caller). kBad with `error` set when a byte carries no fd or several.
  ReadStatus ReadFds(size_t count, std::vector<int>* fds, Millis timeout, std::string* error);
  // kTimeout when nothing (no byte, no EOF) arrives within `timeout`; kOk when data arrived
  // (it stays buffered for the next read); kEof when the peer closed.
  ReadStatus Probe(Millis timeout);
  // Reads until EOF. kOk = EOF seen with no data before it; kBad = data arrived first
  // (`unexpected` counts its bytes); kTimeout = still open.
  ReadStatus WaitEof(Millis timeout, size_t* unexpected);

  // Descriptors that arrived with message bytes instead of a carrier byte (closed on
  // destruction). Non-empty means the peer passed an fd where the real store would not.
  const std::vector<int>& stray_fds() const { return stray_fds_; }
  size_t buffered() const { return buffer_.size(); }

 private:
  ReadStatus Fill(size_t want, std::chrono::steady_clock::time_point deadline);
  int fd_;
  std::vector<uint8_t> buffer_;
  std::vector<int> stray_fds_;
};

}  // namespace plasmasharp::testing
