// Gets that wait: registered per awaited id, woken by Seal, or answered at their deadline
// with whatever is present. A Get with timeout -1 waits without a timer.
#include "store_core.h"

namespace plasmasharp::store {

void StoreCore::RegisterGet(std::unique_ptr<PendingGet> get) {
  PendingGet* raw = get.get();
  for (const ObjectId& id : raw->missing) waiting_for_id_[id].push_back(raw);
  if (raw->deadline) timers_.insert({*raw->deadline, raw});
  if (ClientState* c = client(raw->client)) c->pending_gets.push_back(raw);
  gets_[raw] = std::move(get);
}

void StoreCore::OnObjectSealed(ObjectEntry* entry) {
  auto it = waiting_for_id_.find(entry->id);
  if (it == waiting_for_id_.end()) return;
  std::vector<PendingGet*> waiting = std::move(it->second);
  waiting_for_id_.erase(it);
  for (PendingGet* get : waiting) {
    ClientState* c = client(get->client);
    if (c == nullptr) continue;
    AddReference(*c, entry);
    get->found.insert(entry);
    if (--get->missing_count == 0) CompleteGet(get);
  }
}

void StoreCore::CompleteGet(PendingGet* get) {
  if (ClientState* c = client(get->client)) SendGetReply(*c, get->ids, get->found);
  ForgetGet(get);
}

void StoreCore::ForgetGet(PendingGet* get) {
  for (const ObjectId& id : get->missing) {
    auto it = waiting_for_id_.find(id);
    if (it == waiting_for_id_.end()) continue;
    auto& v = it->second;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == get) {
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    if (v.empty()) waiting_for_id_.erase(it);
  }
  if (get->deadline) timers_.erase(std::make_pair(*get->deadline, get));
  if (ClientState* c = client(get->client)) {
    auto& pg = c->pending_gets;
    for (size_t i = 0; i < pg.size(); ++i) {
      if (pg[i] == get) {
        pg.erase(pg.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
  }
  gets_.erase(get);
}

std::optional<Clock::time_point> StoreCore::NextDeadline() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first;
}

void StoreCore::ProcessTimers(Clock::time_point now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    CompleteGet(timers_.begin()->second);
  }
}

void StoreCore::SendGetReply(ClientState& c, const std::vector<ObjectId>& ids,
                             const std::unordered_set<ObjectEntry*>& found) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<flatbuffers::String>> id_strings;
  std::vector<fb::PlasmaObjectSpec> specs;
  std::vector<int> store_fds;
  std::vector<int64_t> mmap_sizes;
  for (const ObjectId& id : ids) {
    id_strings.push_back(IdString(b, id));
    ObjectEntry* e = objects_.Find(id);
    if (e != nullptr && found.count(e) != 0) {
      specs.push_back(SpecOf(*e));
      bool listed = false;
      for (int fd : store_fds) listed = listed || fd == e->segment_fd;
      if (!listed) {
        store_fds.push_back(e->segment_fd);
        mmap_sizes.push_back(static_cast<int64_t>(segment_->mmap_size()));
      }
    } else {
      specs.push_back(MissingSpec());
    }
  }
  auto ids_vec = b.CreateVector(id_strings);
  auto specs_vec = b.CreateVectorOfStructs(specs);
  auto fds_vec = b.CreateVector(store_fds);
  auto sizes_vec = b.CreateVector(mmap_sizes);
  auto handles_vec = b.CreateVector(std::vector<flatbuffers::Offset<fb::CudaHandle>>{});
  b.Finish(fb::CreatePlasmaGetReply(b, ids_vec, specs_vec, fds_vec, sizes_vec, handles_vec));
  Reply(c, fb::MessageType::PlasmaGetReply, b);
  // The fds follow the reply, in store_fds order, only for segments new to this connection.
  for (int fd : store_fds) PassSegmentFd(c, fd);
}

}  // namespace plasmasharp::store
