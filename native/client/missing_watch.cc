#include "missing_watch.h"

#include <cerrno>
#include <cstring>

#include "socket_io.h"
#include "wire.h"

namespace plasmasharp::client {

namespace {
// A notice is int64 timeout_ms + 20 bytes per id. The store caps a Get at 10^6 ids by default
// (20 MB); this bound (13 million ids) only rejects a stream gone wrong.
constexpr int64_t kMaxNoticeSize = int64_t{1} << 28;
}  // namespace

Status MissingWatch::Open(const std::string& socket_path, std::unique_ptr<MissingWatch>* out) {
  int fd = protocol::ConnectUnix(socket_path);
  if (fd < 0) {
    return Status(fd == -ENAMETOOLONG ? Code::kInvalidArgument : Code::kIoError,
                  "could not connect to the store at " + socket_path + ": " + std::strerror(-fd));
  }
  std::unique_ptr<MissingWatch> watch(new MissingWatch(fd));
  PS_RETURN_IF_ERROR(watch->connection_.Send(protocol::kWatchMissingRequest, nullptr, 0));
  *out = std::move(watch);
  return Status::OK();
}

Status MissingWatch::Next(int64_t timeout_ms, MissingNotice* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!failure_.ok()) return failure_;
  Status st = WaitReadable(timeout_ms);
  if (st.ok()) st = ReadNotice(out);
  if (!st.ok() && st.code() != Code::kTimeout) failure_ = st;
  return st;
}

// A notice's bytes may already be buffered (read with the one before it); otherwise waits for
// the socket. Once a frame has begun, Connection::Receive reads it to its end.
Status MissingWatch::WaitReadable(int64_t timeout_ms) {
  if (connection_.buffered()) return Status::OK();
  return client::WaitReadable(connection_.fd(), Deadline(timeout_ms), "no missing-objects notice arrived in time");
}

Status MissingWatch::ReadNotice(MissingNotice* out) {
  int64_t type = 0;
  std::vector<uint8_t> payload;
  Status st = connection_.Receive(&type, &payload, kMaxNoticeSize);
  if (st.code() == Code::kDisconnected) {
    return Status(Code::kDisconnected,
                  "the store closed the missing-objects watch (it stopped, or it does not know "
                  "WatchMissingRequest: Arrow's plasma-store-server aborts on it)");
  }
  PS_RETURN_IF_ERROR(st);
  const size_t length = payload.size();
  if (type != protocol::kMissingObjectsNotice || length < sizeof(int64_t) ||
      (length - sizeof(int64_t)) % kObjectIdSize != 0) {
    connection_.MarkBroken();
    return Status(Code::kProtocolError, "the store sent a frame of type " + std::to_string(type) + " with " +
                                            std::to_string(length) +
                                            " bytes on the missing-objects watch, which expects only "
                                            "MissingObjectsNotice (8 + 20 x ids bytes)");
  }
  std::memcpy(&out->get_timeout_ms, payload.data(), sizeof(int64_t));
  out->ids.clear();
  out->ids.reserve((length - sizeof(int64_t)) / kObjectIdSize);
  for (size_t at = sizeof(int64_t); at < length; at += kObjectIdSize) {
    out->ids.emplace_back(reinterpret_cast<const char*>(payload.data() + at), kObjectIdSize);
  }
  return Status::OK();
}

}  // namespace plasmasharp::client
