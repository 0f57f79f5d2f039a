// How requests, replies and releases share PlasmaClient's one connection (see "Threads" in
// plasma_client.h): writes are serialized by write_mutex_; replies are read by one thread at a
// time (the read turn), which hands each reply, with the turn, to the thread that asked for it.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <list>

#include "plasma_client.h"
#include "verified_root.h"

namespace plasmasharp::client {

Status PlasmaClient::CheckConnected() {
  if (disconnect_requested_ || !connection_.open()) {
    return Status(Code::kDisconnected, "the client is not connected to a store");
  }
  return Status::OK();
}

// ---------------------------------------------------------------- writing

Status PlasmaClient::Send(fb::MessageType type, const flatbuffers::FlatBufferBuilder& request,
                          PendingReply* pending, bool floating) {
  std::unique_lock<std::mutex> write(write_mutex_);
  // Ready releases go first: they were decided before this request, and a request about the
  // same object (e.g. a Get that takes it again) must reach the store after them.
  std::list<PendingReply> deletes;
  WriteReadyReleases(&deletes);
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    Status connected = CheckConnected();
    if (!connected.ok()) {
      write.unlock();
      AwaitDeletes(&deletes);
      return connected;
    }
    if (floating) {
      floating_ = pending;
    } else {
      in_order_.push_back(pending);
    }
  }
  Status st = connection_.Send(type, request);
  if (!st.ok()) Abandon(pending);
  UnlockWriter(std::move(write), std::move(deletes));
  return st;
}

void PlasmaClient::Abandon(PendingReply* pending) {
  std::lock_guard<std::mutex> lock(state_mutex_);
  if (floating_ == pending) floating_ = nullptr;
  auto it = std::find(in_order_.begin(), in_order_.end(), pending);
  if (it != in_order_.end()) in_order_.erase(it);
  if (!reading_) WakeNextReader();
}

void PlasmaClient::WriteReadyReleases(std::list<PendingReply>* deletes) {
  for (;;) {
    std::vector<PendingRelease> batch;
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      batch.swap(ready_releases_);
    }
    if (batch.empty()) return;
    for (const PendingRelease& release : batch) {
      // After a disconnect the store has dropped every reference already: nothing to say.
      if (!CheckConnected().ok()) continue;
      flatbuffers::FlatBufferBuilder b;
      b.Finish(fb::CreatePlasmaReleaseRequest(b, b.CreateString(release.id.data(), release.id.size())));
      // A failed write marks the connection broken; the next request reports it.
      if (!connection_.Send(fb::MessageType::PlasmaReleaseRequest, b).ok() || !release.delete_after) {
        continue;
      }
      flatbuffers::FlatBufferBuilder d;
      auto ids = d.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::String>>{
          d.CreateString(release.id.data(), release.id.size())});
      d.Finish(fb::CreatePlasmaDeleteRequest(d, 1, ids));
      PendingReply& pending = deletes->emplace_back();
      pending.expected = fb::MessageType::PlasmaDeleteReply;
      {
        std::lock_guard<std::mutex> lock(state_mutex_);
        in_order_.push_back(&pending);
      }
      if (!connection_.Send(fb::MessageType::PlasmaDeleteRequest, d).ok()) {
        Abandon(&pending);
        deletes->pop_back();
      }
    }
  }
}

void PlasmaClient::UnlockWriter(std::unique_lock<std::mutex> write, std::list<PendingReply> deletes) {
  for (;;) {
    WriteReadyReleases(&deletes);
    // A release queued meanwhile (its try_lock failed because we hold write_mutex_) must not be
    // stranded: write_mutex_ is let go only when the queue is seen empty under the same lock
    // the releaser queues under.
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (ready_releases_.empty()) {
      write.unlock();
      break;
    }
  }
  AwaitDeletes(&deletes);
}

void PlasmaClient::AwaitDeletes(std::list<PendingReply>* deletes) {
  // libplasma ignores a deferred Delete's result too; waiting for it makes the object gone when
  // the call that wrote it returns, as with libplasma's synchronous Delete.
  for (PendingReply& pending : *deletes) {
    if (AwaitReply(&pending).ok()) FinishReading();
  }
  deletes->clear();
}

// ---------------------------------------------------------------- releases

bool PlasmaClient::DropLocalReference(const std::shared_ptr<LocalObject>& object,
                                      PendingRelease* pending) {
  if (--object->count > 0) return false;
  auto it = objects_.find(object->id);
  if (it == objects_.end() || it->second != object) return false;  // after Disconnect
  objects_.erase(it);
  if (disconnect_requested_) return false;
  pending->id = object->id;
  pending->delete_after = deferred_deletes_.erase(object->id) > 0;
  return true;
}

void PlasmaClient::QueueRelease(PendingRelease release, std::unique_lock<std::mutex> state) {
  if (get_ids_on_wire_.count(release.id) != 0) {
    held_releases_.push_back(std::move(release));  // GetAnswered decides
    return;
  }
  ready_releases_.push_back(std::move(release));
  // Whoever holds write_mutex_ writes the queue before letting it go (UnlockWriter).
  std::unique_lock<std::mutex> write(write_mutex_, std::try_to_lock);
  if (!write.owns_lock()) return;
  state.unlock();
  UnlockWriter(std::move(write));
}

Status PlasmaClient::ReleaseObject(ObjectRef* ref) {
  std::unique_lock<std::mutex> lock(state_mutex_);
  if (ref->released_) return Status::OK();
  ref->released_ = true;
  PendingRelease release;
  if (DropLocalReference(ref->object_, &release)) QueueRelease(std::move(release), std::move(lock));
  return Status::OK();
}

void PlasmaClient::GetAnswered(const std::vector<ObjectId>& ids, bool floating) {
  std::unique_lock<std::mutex> lock(state_mutex_);
  for (const auto& id : ids) {
    auto it = get_ids_on_wire_.find(id);
    if (it != get_ids_on_wire_.end()) get_ids_on_wire_.erase(it);
  }
  if (floating) {
    lane_busy_ = false;
    lane_ids_ = nullptr;
  } else {
    auto it = std::find(in_order_gets_.begin(), in_order_gets_.end(), &ids);
    if (it != in_order_gets_.end()) in_order_gets_.erase(it);
  }
  changed_.notify_all();
  // A held release of an id the reply handed out again is dropped: the store's one reference
  // now belongs to the references just handed out (its deferred Delete waits for theirs).
  bool ready = false;
  for (size_t k = 0; k < held_releases_.size();) {
    PendingRelease& release = held_releases_[k];
    if (objects_.count(release.id) != 0) {
      if (release.delete_after) deferred_deletes_[release.id] = true;
    } else if (get_ids_on_wire_.count(release.id) == 0) {
      ready_releases_.push_back(std::move(release));
      ready = true;
    } else {
      ++k;  // another Get on the wire asks for it too
      continue;
    }
    held_releases_.erase(held_releases_.begin() + static_cast<std::ptrdiff_t>(k));
  }
  if (!ready) return;
  lock.unlock();
  UnlockWriter(std::unique_lock<std::mutex>(write_mutex_));
}

// ---------------------------------------------------------------- reading

bool PlasmaClient::RouteReply(int64_t type, const std::vector<uint8_t>& payload,
                              PendingReply** owner) {
  if (floating_ != nullptr && type == static_cast<int64_t>(fb::MessageType::PlasmaGetReply)) {
    bool front_is_get = !in_order_.empty() && in_order_.front() != nullptr &&
                        in_order_.front()->expected == fb::MessageType::PlasmaGetReply;
    bool is_floating = !front_is_get;
    if (front_is_get) {
      // Both could own it: the ids decide (Get never puts equal id lists on the wire together).
      auto* reply = protocol::VerifiedRoot<fb::PlasmaGetReply>(payload.data(), payload.size());
      const auto* ids = reply != nullptr ? reply->object_ids() : nullptr;
      const auto& want = *floating_->get_ids;
      is_floating = ids != nullptr && ids->size() == want.size();
      for (flatbuffers::uoffset_t i = 0; is_floating && i < want.size(); ++i) {
        is_floating = ids->Get(i)->string_view() == want[i];
      }
    }
    if (is_floating) {
      *owner = floating_;
      floating_ = nullptr;
      return true;
    }
  }
  if (in_order_.empty()) return false;
  *owner = in_order_.front();
  in_order_.pop_front();
  return true;
}

Status PlasmaClient::AwaitReply(PendingReply* pending) {
  std::unique_lock<std::mutex> lock(state_mutex_);
  bool readable = false;  // a waiting Get polled the socket readable (or hung up)
  for (;;) {
    if (pending->arrived) return Status::OK();  // the read turn came with it
    if (!failure_.ok()) return failure_;
    const bool waiting_get = pending == floating_;
    if (reading_ || (waiting_get && !in_order_.empty())) {
      // Someone reads (and hands this reply over), or - for a waiting Get - the callers of the
      // requests on the wire will read theirs.
      pending->cv.wait(lock);
      readable = false;  // whatever the poll saw may have been read meanwhile: look again
      continue;
    }
    if (waiting_get && !readable && !connection_.buffered()) {
      readable = PollForWaitingGet(lock);
      continue;
    }
    readable = false;
    reading_ = true;
    lock.unlock();
    int64_t type = 0;
    std::vector<uint8_t> payload;
    Status st = connection_.Receive(&type, &payload);
    lock.lock();
    PendingReply* owner = nullptr;
    if (st.ok() && !RouteReply(type, payload, &owner)) {
      connection_.MarkBroken();
      const char* name = protocol::MessageTypeName(type);
      st = Status(Code::kProtocolError, std::string("unexpected ") +
                                            (name ? name : "message type " + std::to_string(type)) +
                                            " (no request is waiting for a reply)");
    }
    if (!st.ok()) {
      Fail(st);
      continue;
    }
    owner->type = type;
    owner->payload = std::move(payload);
    owner->arrived = true;  // reading_ stays set: the turn passes to the owner
    if (owner != pending) {
      owner->cv.notify_one();
      WakePoller();  // the owner may be the waiting Get, polling the socket instead of its cv
    }
  }
}

void PlasmaClient::Fail(const Status& status) {
  // The stream is lost: nobody reads again, and every waiting caller returns the first failure.
  if (failure_.ok()) failure_ = status;
  for (PendingReply* p : in_order_) p->cv.notify_one();
  if (floating_ != nullptr) floating_->cv.notify_one();
  in_order_.clear();
  floating_ = nullptr;
  reading_ = false;
  WakePoller();
  changed_.notify_all();
}

bool PlasmaClient::PollForWaitingGet(std::unique_lock<std::mutex>& lock) {
  ++pollers_;
  const int fd = connection_.fd();
  lock.unlock();
  // Disconnect shuts the socket down before it waits for pollers_ to reach 0, which wakes this.
  // Without an eventfd (none could be made) the poll looks again every 10 ms instead.
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  const nfds_t count = wake_fd_ >= 0 ? 2 : 1;
  int ready;
  while ((ready = ::poll(fds, count, wake_fd_ >= 0 ? -1 : 10)) < 0 && errno == EINTR) {
  }
  if (count == 2 && (fds[1].revents & POLLIN) != 0) {
    uint64_t drained;
    (void)!::read(wake_fd_, &drained, sizeof drained);
  }
  lock.lock();
  --pollers_;
  if (disconnect_requested_) changed_.notify_all();
  return ready > 0 && fds[0].revents != 0;
}

void PlasmaClient::WakePoller() {
  if (pollers_ == 0 || wake_fd_ < 0) return;
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void PlasmaClient::WakeNextReader() {
  if (!in_order_.empty()) {
    in_order_.front()->cv.notify_one();
  } else if (floating_ != nullptr) {
    floating_->cv.notify_one();
    // The waiting Get's caller may be polling the socket rather than waiting on its cv, and a
    // reader may have buffered its reply: the poll would not see those bytes.
    WakePoller();
  }
  if (disconnect_requested_) changed_.notify_all();
}

void PlasmaClient::FinishReading() {
  std::lock_guard<std::mutex> lock(state_mutex_);
  reading_ = false;
  WakeNextReader();
}

}  // namespace plasmasharp::client
