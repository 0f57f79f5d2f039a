// The request slot and the release path of PlasmaClient: how a release reaches the store
// without waiting for another thread's request (see "Threads" in plasma_client.h).
#include "plasma_client.h"

namespace plasmasharp::client {

void PlasmaClient::AcquireSlot() {
  std::unique_lock<std::mutex> lock(state_mutex_);
  slot_free_.wait(lock, [this] { return !slot_busy_; });
  slot_busy_ = true;
}

void PlasmaClient::ReleaseSlot() {
  for (;;) {
    FlushReleases();
    // A release queued after the flush (it saw the slot busy) must not be stranded: the slot
    // is freed only when the queue is seen empty under the same lock the releaser queues under.
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (pending_releases_.empty()) {
      slot_busy_ = false;
      slot_free_.notify_one();
      return;
    }
  }
}

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

Status PlasmaClient::SendRelease(const ObjectId& id) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaReleaseRequest(b, b.CreateString(id.data(), id.size())));
  return connection_.Send(fb::MessageType::PlasmaReleaseRequest, b);
}

Status PlasmaClient::SendRequest(fb::MessageType type,
                                 const flatbuffers::FlatBufferBuilder& request) {
  std::lock_guard<std::mutex> write(write_mutex_);
  return connection_.Send(type, request);
}

void PlasmaClient::FlushReleases() {
  for (;;) {
    std::vector<PendingRelease> batch;
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      batch.swap(pending_releases_);
    }
    if (batch.empty()) return;
    for (const PendingRelease& release : batch) {
      // After a disconnect the store has dropped every reference already: nothing to say.
      if (!CheckConnected().ok()) continue;
      Status st;
      {
        std::lock_guard<std::mutex> write(write_mutex_);
        st = SendRelease(release.id);
      }
      // A failed write marks the connection broken; the next request reports it.
      if (!st.ok() || !release.delete_after) continue;
      flatbuffers::FlatBufferBuilder b;
      auto ids = b.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::String>>{
          b.CreateString(release.id.data(), release.id.size())});
      b.Finish(fb::CreatePlasmaDeleteRequest(b, 1, ids));
      std::vector<uint8_t> ignored;  // libplasma ignores the deferred Delete's result too
      RawExchange(fb::MessageType::PlasmaDeleteRequest, b, fb::MessageType::PlasmaDeleteReply,
                  &ignored);
    }
  }
}

Status PlasmaClient::ReleaseObject(ObjectRef* ref) {
  std::unique_lock<std::mutex> lock(state_mutex_);
  if (ref->released_) return Status::OK();
  ref->released_ = true;
  PendingRelease release;
  if (!DropLocalReference(ref->object_, &release)) return Status::OK();
  if (!slot_busy_) {
    // Nobody is talking to the store: take the slot and send it now (ReleaseSlot flushes).
    pending_releases_.push_back(std::move(release));
    slot_busy_ = true;
    lock.unlock();
    ReleaseSlot();
    return Status::OK();
  }
  if (get_waiting_ && !release.delete_after && waiting_get_ids_.count(release.id) == 0) {
    // The slot's holder waits for a GetReply that does not concern this object: write the
    // release now, so the store can free the object while the Get waits. write_mutex_ is taken
    // before state_mutex_ is let go, so no request that sees the object gone from objects_ can
    // reach the socket before this release.
    std::lock_guard<std::mutex> write(write_mutex_);
    lock.unlock();
    SendRelease(release.id);  // a failure marks the connection broken; release never fails
    return Status::OK();
  }
  // The holder writes it before its next request, or after its reply (a release of an id its
  // Get asked for is dropped if the reply hands the object out again).
  pending_releases_.push_back(std::move(release));
  return Status::OK();
}

}  // namespace plasmasharp::client
