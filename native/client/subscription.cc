// Notification socket reader. Frame = int64 payload length (host order) + a PlasmaNotification
// flatbuffer; no version or type word (plasma-wire README, "Notification socket").
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "connection.h"
#include "plasma_client.h"
#include "verified_root.h"

namespace plasmasharp::client {

namespace {
constexpr size_t kLengthSize = 8;
constexpr int64_t kMaxFrameSize = int64_t{1} << 28;
}  // namespace

Subscription::~Subscription() {
  if (fd_ >= 0) ::close(fd_);
}

Status Subscription::Next(int64_t timeout_ms, ObjectInfo* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (queue_head_ == queue_.size()) {
    queue_.clear();
    queue_head_ = 0;
    PS_RETURN_IF_ERROR(ReadFrames(timeout_ms));
  }
  *out = std::move(queue_[queue_head_++]);
  return Status::OK();
}

// Reads until at least one frame is decoded into queue_ (which is empty on entry).
Status Subscription::ReadFrames(int64_t timeout_ms) {
  const Deadline deadline(timeout_ms);
  for (;;) {
    // Decode every complete frame in the buffer.
    size_t used = 0;
    while (buffer_.size() - used >= kLengthSize) {
      int64_t length;
      std::memcpy(&length, buffer_.data() + used, kLengthSize);
      if (length < 0 || length > kMaxFrameSize) {
        closed_ = true;
        return Status(Code::kProtocolError, "notification frame length " + std::to_string(length));
      }
      if (buffer_.size() - used - kLengthSize < static_cast<size_t>(length)) break;
      // Copied out so the flatbuffer starts aligned (frames follow each other unpadded).
      std::vector<uint8_t> frame(buffer_.begin() + static_cast<std::ptrdiff_t>(used + kLengthSize),
                                 buffer_.begin() + static_cast<std::ptrdiff_t>(used + kLengthSize + length));
      const uint8_t* p = frame.data();
      auto* note = protocol::VerifiedRoot<fb::PlasmaNotification>(p, frame.size());
      if (note == nullptr) {
        closed_ = true;
        return Status(Code::kProtocolError, "malformed notification frame");
      }
      if (note->object_info() != nullptr) {
        for (const fb::ObjectInfo* o : *note->object_info()) {
          ObjectInfo info;
          if (o->object_id() != nullptr) info.object_id.assign(o->object_id()->data(), o->object_id()->size());
          if (info.object_id.size() != kObjectIdSize) {
            closed_ = true;
            return Status(Code::kProtocolError, "notification with an id of wrong size");
          }
          info.is_deletion = o->is_deletion();
          if (info.is_deletion) {
            // libplasma reports deletions with sizes -1.
            info.data_size = -1;
            info.metadata_size = -1;
          } else {
            info.is_sealed = true;
            info.data_size = o->data_size();
            info.metadata_size = o->metadata_size();
            if (o->digest() != nullptr && o->digest()->size() == kDigestSize) {
              std::memcpy(info.digest.data(), o->digest()->data(), kDigestSize);
            }
          }
          info.ref_count = o->ref_count();
          info.create_time = o->create_time();
          info.construct_duration = o->construct_duration();
          queue_.push_back(std::move(info));
        }
      }
      used += kLengthSize + static_cast<size_t>(length);
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(used));
    if (!queue_.empty()) return Status::OK();
    if (closed_) return Status(Code::kDisconnected, "the store closed the notification socket");

    PS_RETURN_IF_ERROR(WaitReadable(fd_, deadline, "no notification arrived in time"));
    uint8_t chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) {
      closed_ = true;
      continue;  // decode what is left, then report the close
    }
    buffer_.insert(buffer_.end(), chunk, chunk + n);
  }
}

}  // namespace plasmasharp::client
