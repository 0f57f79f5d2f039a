#include "plasma_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <thread>
#include <unordered_set>

#include "socket_io.h"

namespace plasmasharp::client {

namespace {

// GetReply's data_size for an object that is not there (-1 as int64).
constexpr uint64_t kMissingObjectSize = std::numeric_limits<uint64_t>::max();
// A flatbuffer must stay under 2 GiB; inline data (CreateAndSeal) beyond this cannot be sent.
constexpr int64_t kMaxInlineBytes = (int64_t{1} << 31) - (int64_t{1} << 20);

Status CheckId(const ObjectId& id) {
  if (id.size() != kObjectIdSize) {
    return Status(Code::kInvalidArgument, "an object id is 20 bytes, got " + std::to_string(id.size()));
  }
  return Status::OK();
}

Status CheckBytes(const uint8_t* p, int64_t size, const char* what) {
  if (size < 0) return Status(Code::kInvalidArgument, std::string(what) + " size is negative");
  if (size > 0 && p == nullptr) {
    return Status(Code::kInvalidArgument, std::string(what) + " is NULL but its size is not 0");
  }
  return Status::OK();
}

flatbuffers::Offset<flatbuffers::String> Bytes(flatbuffers::FlatBufferBuilder* b, const void* p,
                                               size_t n) {
  static const char kEmpty[1] = {0};
  return b->CreateString(n > 0 ? static_cast<const char*>(p) : kEmpty, n);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> IdVector(
    flatbuffers::FlatBufferBuilder* b, const std::vector<ObjectId>& ids) {
  std::vector<flatbuffers::Offset<flatbuffers::String>> offsets;
  offsets.reserve(ids.size());
  for (const auto& id : ids) offsets.push_back(Bytes(b, id.data(), id.size()));
  return b->CreateVector(offsets);
}

std::string ToString(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : std::string(s->data(), s->size());
}

}  // namespace

// Holds the request slot for a scope (request_slot.cc); leaving it flushes queued releases.
class PlasmaClient::RequestGuard {
 public:
  explicit RequestGuard(PlasmaClient* client) : client_(client) { client_->AcquireSlot(); }
  ~RequestGuard() { client_->ReleaseSlot(); }
  RequestGuard(const RequestGuard&) = delete;
  RequestGuard& operator=(const RequestGuard&) = delete;

 private:
  PlasmaClient* client_;
};

// ---------------------------------------------------------------- ObjectRef

ObjectRef::~ObjectRef() {
  if (!released_) Release();
}

Status ObjectRef::Seal() { return client_->SealObject(this, nullptr, 0); }
Status ObjectRef::WriteAndSeal(const uint8_t* source, int64_t size) {
  if (source == nullptr && size > 0) return Status(Code::kInvalidArgument, "source is NULL");
  static const uint8_t kNothing = 0;
  return client_->SealObject(this, source ? source : &kNothing, size);
}
Status ObjectRef::Abort() { return client_->AbortObject(this); }
Status ObjectRef::Release() { return client_->ReleaseObject(this); }

// ---------------------------------------------------------------- connect

PlasmaClient::PlasmaClient(int fd, int64_t capacity) : connection_(fd), store_capacity_(capacity) {}

PlasmaClient::~PlasmaClient() = default;

Status PlasmaClient::Connect(const std::string& socket_path, int num_retries,
                             int64_t retry_delay_ms, std::shared_ptr<PlasmaClient>* out) {
  const int attempts = num_retries < 0 ? kDefaultConnectRetries : std::max(1, num_retries);
  const int64_t delay = retry_delay_ms < 0 ? kDefaultConnectRetryDelayMs : retry_delay_ms;
  int fd = -1;
  int last_error = 0;
  for (int i = 0; i < attempts; ++i) {
    fd = protocol::ConnectUnix(socket_path);
    if (fd >= 0) break;
    last_error = -fd;
    if (last_error == ENAMETOOLONG) {
      return Status(Code::kInvalidArgument, "socket path too long: " + socket_path);
    }
    if (i + 1 < attempts && delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
  if (fd < 0) {
    return Status(Code::kTimeout, "could not connect to the store at " + socket_path + " after " +
                                      std::to_string(attempts) + " attempt(s): " +
                                      std::strerror(last_error));
  }
  std::shared_ptr<PlasmaClient> client(new PlasmaClient(fd, 0));
  RequestGuard slot(client.get());
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectRequest(b));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(client->Exchange(fb::MessageType::PlasmaConnectRequest, b,
                                      fb::MessageType::PlasmaConnectReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaConnectReply>(payload);
  if (reply == nullptr) return client->ProtocolError("malformed ConnectReply");
  client->store_capacity_ = reply->memory_capacity();
  *out = std::move(client);
  return Status::OK();
}

bool PlasmaClient::connected() {
  RequestGuard slot(this);
  return CheckConnected().ok();
}

Status PlasmaClient::Disconnect() {
  if (!disconnect_requested_.exchange(true)) {
    // Wakes a thread blocked on a reply (e.g. a Get with a long timeout) before taking the slot.
    connection_.Shutdown();
  }
  RequestGuard slot(this);
  {
    std::lock_guard<std::mutex> write(write_mutex_);  // no release is being written meanwhile
    connection_.Close();
  }
  // The store drops every reference of this connection when it closes; pointers handed out
  // stay valid through each ObjectRef's own shared_ptr to its segment.
  segments_.clear();
  std::lock_guard<std::mutex> lock(state_mutex_);
  objects_.clear();
  deferred_deletes_.clear();
  pending_releases_.clear();
  return Status::OK();
}

// ---------------------------------------------------------------- plumbing (request slot held)

Status PlasmaClient::CheckConnected() {
  if (disconnect_requested_ || !connection_.open()) {
    return Status(Code::kDisconnected, "the client is not connected to a store");
  }
  return Status::OK();
}

Status PlasmaClient::ProtocolError(const std::string& what) {
  connection_.MarkBroken();
  return Status(Code::kProtocolError, what);
}

Status PlasmaClient::Exchange(fb::MessageType request_type,
                              const flatbuffers::FlatBufferBuilder& request,
                              fb::MessageType reply_type, std::vector<uint8_t>* reply) {
  PS_RETURN_IF_ERROR(CheckConnected());
  // Queued releases go first: they were decided before this request, and a request about the
  // same object (e.g. a Get that takes it again) must reach the store after them.
  FlushReleases();
  return RawExchange(request_type, request, reply_type, reply);
}

Status PlasmaClient::RawExchange(fb::MessageType request_type,
                                 const flatbuffers::FlatBufferBuilder& request,
                                 fb::MessageType reply_type, std::vector<uint8_t>* reply) {
  PS_RETURN_IF_ERROR(CheckConnected());
  PS_RETURN_IF_ERROR(SendRequest(request_type, request));
  return connection_.Receive(reply_type, reply);
}

Status PlasmaClient::SegmentFor(int32_t store_fd, int64_t mmap_size,
                                std::shared_ptr<Segment>* out) {
  auto it = segments_.find(store_fd);
  if (it != segments_.end()) {
    *out = it->second;
    return Status::OK();
  }
  int fd = -1;
  PS_RETURN_IF_ERROR(connection_.ReceiveFd(&fd));
  Status st = Segment::Map(fd, mmap_size, out);
  if (!st.ok()) {
    connection_.MarkBroken();
    return st;
  }
  segments_[store_fd] = *out;
  return Status::OK();
}

Status PlasmaClient::MakeLocalObject(const ObjectId& id, const fb::PlasmaObjectSpec& spec,
                                     std::shared_ptr<Segment> segment,
                                     std::shared_ptr<LocalObject>* out) {
  if (!segment->Contains(spec.data_offset(), spec.data_size()) ||
      !segment->Contains(spec.metadata_offset(), spec.metadata_size()) ||
      spec.data_size() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return ProtocolError("object spec outside its segment (data_offset " +
                         std::to_string(spec.data_offset()) + ", data_size " +
                         std::to_string(spec.data_size()) + ", metadata_offset " +
                         std::to_string(spec.metadata_offset()) + ", metadata_size " +
                         std::to_string(spec.metadata_size()) + ", segment size " +
                         std::to_string(segment->size()) + ")");
  }
  auto object = std::make_shared<LocalObject>();
  object->id = id;
  object->data = segment->base() + spec.data_offset();
  object->data_size = static_cast<int64_t>(spec.data_size());
  object->metadata = segment->base() + spec.metadata_offset();
  object->metadata_size = static_cast<int64_t>(spec.metadata_size());
  object->segment = std::move(segment);
  *out = std::move(object);
  return Status::OK();
}

std::unique_ptr<ObjectRef> PlasmaClient::NewRef(std::shared_ptr<LocalObject> object) {
  return std::unique_ptr<ObjectRef>(new ObjectRef(shared_from_this(), std::move(object)));
}

// ---------------------------------------------------------------- requests

Status PlasmaClient::SetClientOptions(const std::string& client_name, int64_t output_memory_quota) {
  RequestGuard slot(this);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSetOptionsRequest(b, b.CreateString(client_name), output_memory_quota));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaSetOptionsRequest, b,
                              fb::MessageType::PlasmaSetOptionsReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaSetOptionsReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed SetOptionsReply");
  return FromPlasmaError(static_cast<int32_t>(reply->error()), "SetClientOptions");
}

Status PlasmaClient::Create(const ObjectId& id, int64_t data_size, const uint8_t* metadata,
                            int64_t metadata_size, bool evict_if_full,
                            std::unique_ptr<ObjectRef>* out) {
  PS_RETURN_IF_ERROR(CheckId(id));
  if (data_size < 0) return Status(Code::kInvalidArgument, "data size is negative");
  PS_RETURN_IF_ERROR(CheckBytes(metadata, metadata_size, "metadata"));
  RequestGuard slot(this);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaCreateRequest(b, Bytes(&b, id.data(), id.size()), evict_if_full,
                                         static_cast<uint64_t>(data_size),
                                         static_cast<uint64_t>(metadata_size), 0));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaCreateRequest, b,
                              fb::MessageType::PlasmaCreateReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaCreateReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed CreateReply");
  // An error reply carries no fd.
  PS_RETURN_IF_ERROR(FromPlasmaError(static_cast<int32_t>(reply->error()), "Create"));
  const fb::PlasmaObjectSpec* spec = reply->plasma_object();
  if (spec == nullptr) return ProtocolError("CreateReply without plasma_object");
  if (ToString(reply->object_id()) != id) return ProtocolError("CreateReply for another object id");
  if (spec->data_size() != static_cast<uint64_t>(data_size) ||
      spec->metadata_size() != static_cast<uint64_t>(metadata_size)) {
    return ProtocolError("CreateReply sizes differ from the request");
  }
  if (spec->device_num() != 0) return ProtocolError("CreateReply for a device other than the CPU");
  std::shared_ptr<Segment> segment;
  PS_RETURN_IF_ERROR(SegmentFor(reply->store_fd(), reply->mmap_size(), &segment));
  std::shared_ptr<LocalObject> object;
  PS_RETURN_IF_ERROR(MakeLocalObject(id, *spec, std::move(segment), &object));
  if (metadata_size > 0) std::memcpy(object->metadata, metadata, static_cast<size_t>(metadata_size));
  // libplasma's two references: the caller's, and the creation one that Seal drops.
  object->count = 2;
  object->created_here = true;
  std::lock_guard<std::mutex> lock(state_mutex_);
  objects_[id] = object;
  *out = NewRef(std::move(object));
  return Status::OK();
}

Status PlasmaClient::SealObject(ObjectRef* ref, const uint8_t* source, int64_t source_size) {
  std::shared_ptr<LocalObject> object = ref->object_;
  if (source != nullptr && source_size != object->data_size) {
    return Status(Code::kInvalidArgument, "WriteAndSeal size " + std::to_string(source_size) +
                                              " differs from the object's data size " +
                                              std::to_string(object->data_size));
  }
  {
    RequestGuard slot(this);
    PS_RETURN_IF_ERROR(CheckConnected());
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (ref->released_) return Status(Code::kInvalidArgument, "Seal of a released object");
    if (object->sealed) return Status(Code::kObjectExists, "the object is already sealed");
    if (!object->created_here) {
      return Status(Code::kInvalidArgument, "Seal of an object this client did not create");
    }
  }
  // The digest can take a while for big objects: computed without the lock.
  uint8_t digest[kDigestSize];
  const size_t data_size = static_cast<size_t>(object->data_size);
  const size_t metadata_size = static_cast<size_t>(object->metadata_size);
  DigestToBytes(source != nullptr
                    ? CopyAndDigest(object->data, source, data_size, object->metadata, metadata_size)
                    : ComputeDigest(object->data, data_size, object->metadata, metadata_size),
                digest);
  RequestGuard slot(this);
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (object->sealed || !object->created_here) {
      return Status(Code::kObjectExists, "the object is already sealed");
    }
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSealRequest(b, Bytes(&b, object->id.data(), object->id.size()),
                                       Bytes(&b, digest, sizeof(digest))));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaSealRequest, b,
                              fb::MessageType::PlasmaSealReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaSealReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed SealReply");
  PS_RETURN_IF_ERROR(FromPlasmaError(static_cast<int32_t>(reply->error()), "Seal"));
  object->sealed = true;
  std::lock_guard<std::mutex> lock(state_mutex_);
  object->created_here = false;
  // The creation reference; the caller's stays. If it was the last one, the ReleaseRequest
  // goes out when the slot is given up (after the SealReply, as libplasma sends it).
  PendingRelease release;
  if (DropLocalReference(object, &release)) pending_releases_.push_back(std::move(release));
  return Status::OK();
}

Status PlasmaClient::AbortObject(ObjectRef* ref) {
  std::shared_ptr<LocalObject> object = ref->object_;
  RequestGuard slot(this);
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (ref->released_) return Status(Code::kInvalidArgument, "Abort of a released object");
    if (object->sealed) return Status(Code::kInvalidArgument, "Abort of a sealed object");
    if (!object->created_here) {
      return Status(Code::kInvalidArgument, "Abort of an object this client did not create");
    }
    // Only the caller's reference and the creation one may exist (libplasma: count must be 1
    // after the caller's local release). No other can appear meanwhile: a Get of an unsealed
    // object this client created is refused.
    if (object->count != 2) {
      return Status(Code::kObjectInUse, "Abort while other local references to the object exist");
    }
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaAbortRequest(b, Bytes(&b, object->id.data(), object->id.size())));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaAbortRequest, b,
                              fb::MessageType::PlasmaAbortReply, &payload));
  if (VerifiedRoot<fb::PlasmaAbortReply>(payload) == nullptr) {
    return ProtocolError("malformed AbortReply");
  }
  std::lock_guard<std::mutex> lock(state_mutex_);
  object->count = 0;
  object->created_here = false;
  auto it = objects_.find(object->id);
  if (it != objects_.end() && it->second == object) objects_.erase(it);
  ref->released_ = true;
  return Status::OK();
}

Status PlasmaClient::CreateAndSeal(const ObjectId& id, const uint8_t* data, int64_t data_size,
                                   const uint8_t* metadata, int64_t metadata_size,
                                   bool evict_if_full) {
  BatchItem item{id, data, data_size, metadata, metadata_size};
  PS_RETURN_IF_ERROR(CheckId(id));
  PS_RETURN_IF_ERROR(CheckBytes(data, data_size, "data"));
  PS_RETURN_IF_ERROR(CheckBytes(metadata, metadata_size, "metadata"));
  if (data_size + metadata_size > kMaxInlineBytes) {
    return Status(Code::kInvalidArgument, "CreateAndSeal sends data inline: at most 2 GiB");
  }
  uint8_t digest[kDigestSize];
  DigestToBytes(ComputeDigest(data, static_cast<size_t>(data_size), metadata,
                              static_cast<size_t>(metadata_size)),
                digest);
  flatbuffers::FlatBufferBuilder b(static_cast<size_t>(data_size + metadata_size) + 256);
  b.Finish(fb::CreatePlasmaCreateAndSealRequest(
      b, Bytes(&b, id.data(), id.size()), evict_if_full,
      Bytes(&b, data, static_cast<size_t>(data_size)),
      Bytes(&b, metadata, static_cast<size_t>(metadata_size)), Bytes(&b, digest, sizeof(digest))));
  RequestGuard slot(this);
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaCreateAndSealRequest, b,
                              fb::MessageType::PlasmaCreateAndSealReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaCreateAndSealReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed CreateAndSealReply");
  return FromPlasmaError(static_cast<int32_t>(reply->error()), "CreateAndSeal");
}

Status PlasmaClient::CreateAndSealBatch(const std::vector<BatchItem>& items, bool evict_if_full) {
  int64_t total = 0;
  for (const auto& item : items) {
    PS_RETURN_IF_ERROR(CheckId(item.id));
    PS_RETURN_IF_ERROR(CheckBytes(item.data, item.data_size, "data"));
    PS_RETURN_IF_ERROR(CheckBytes(item.metadata, item.metadata_size, "metadata"));
    total += item.data_size + item.metadata_size + 64;
    if (total > kMaxInlineBytes) {
      return Status(Code::kInvalidArgument, "CreateAndSealBatch sends data inline: at most 2 GiB");
    }
  }
  // libplasma 11 sends one (wrong) digest for the whole batch; we send each object's real
  // digest - the store stores it without checking either way.
  flatbuffers::FlatBufferBuilder b(static_cast<size_t>(total) + 256);
  std::vector<flatbuffers::Offset<flatbuffers::String>> ids, datas, metadatas, digests;
  for (const auto& item : items) {
    uint8_t digest[kDigestSize];
    DigestToBytes(ComputeDigest(item.data, static_cast<size_t>(item.data_size), item.metadata,
                                static_cast<size_t>(item.metadata_size)),
                  digest);
    ids.push_back(Bytes(&b, item.id.data(), item.id.size()));
    datas.push_back(Bytes(&b, item.data, static_cast<size_t>(item.data_size)));
    metadatas.push_back(Bytes(&b, item.metadata, static_cast<size_t>(item.metadata_size)));
    digests.push_back(Bytes(&b, digest, sizeof(digest)));
  }
  auto id_vec = b.CreateVector(ids);
  auto data_vec = b.CreateVector(datas);
  auto meta_vec = b.CreateVector(metadatas);
  auto digest_vec = b.CreateVector(digests);
  b.Finish(fb::CreatePlasmaCreateAndSealBatchRequest(b, id_vec, evict_if_full, data_vec, meta_vec,
                                                     digest_vec));
  RequestGuard slot(this);
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaCreateAndSealBatchRequest, b,
                              fb::MessageType::PlasmaCreateAndSealBatchReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaCreateAndSealBatchReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed CreateAndSealBatchReply");
  return FromPlasmaError(static_cast<int32_t>(reply->error()), "CreateAndSealBatch");
}

Status PlasmaClient::Get(const std::vector<ObjectId>& ids, int64_t timeout_ms,
                         std::vector<std::unique_ptr<ObjectRef>>* out) {
  for (const auto& id : ids) PS_RETURN_IF_ERROR(CheckId(id));
  out->clear();
  out->resize(ids.size());
  RequestGuard slot(this);
  PS_RETURN_IF_ERROR(CheckConnected());
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    bool all_local = true;
    for (const auto& id : ids) {
      auto it = objects_.find(id);
      if (it == objects_.end()) {
        all_local = false;
      } else if (!it->second->sealed) {
        return Status(Code::kInvalidArgument, "Get of an unsealed object this client created");
      }
    }
    if (all_local) {  // answered locally, as libplasma does: no wire traffic
      for (size_t i = 0; i < ids.size(); ++i) {
        auto object = objects_[ids[i]];
        ++object->count;
        (*out)[i] = NewRef(std::move(object));
      }
      return Status::OK();
    }
    // From here until the reply is handled, releases of other ids go straight to the socket and
    // releases of these ids wait for the reply (ReleaseObject). Set before the pre-send flush,
    // so no release queued while we wait is left unwritten.
    waiting_get_ids_.insert(ids.begin(), ids.end());
    get_waiting_ = true;
  }
  struct StopWaiting {
    PlasmaClient* client;
    ~StopWaiting() {
      std::lock_guard<std::mutex> lock(client->state_mutex_);
      client->get_waiting_ = false;
      client->waiting_get_ids_.clear();
    }
  } stop_waiting{this};
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaGetRequest(b, IdVector(&b, ids), timeout_ms));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaGetRequest, b,
                              fb::MessageType::PlasmaGetReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaGetReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed GetReply");
  auto* reply_ids = reply->object_ids();
  auto* specs = reply->plasma_objects();
  auto* store_fds = reply->store_fds();
  auto* mmap_sizes = reply->mmap_sizes();
  const size_t n_fds = store_fds ? store_fds->size() : 0;
  if (reply_ids == nullptr || specs == nullptr || reply_ids->size() != ids.size() ||
      specs->size() != ids.size() || n_fds != (mmap_sizes ? mmap_sizes->size() : 0)) {
    return ProtocolError("GetReply vectors do not match the request");
  }
  // Segments first: their fds follow the reply in store_fds order.
  for (size_t i = 0; i < n_fds; ++i) {
    std::shared_ptr<Segment> segment;
    PS_RETURN_IF_ERROR(SegmentFor(store_fds->Get(i), mmap_sizes->Get(i), &segment));
  }
  // Validate everything before taking references, so an error leaves no count behind.
  std::vector<std::shared_ptr<LocalObject>> found(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ToString(reply_ids->Get(i)) != ids[i]) {
      return ProtocolError("GetReply lists ids in another order than requested");
    }
    const fb::PlasmaObjectSpec* spec = specs->Get(i);
    if (spec->data_size() == kMissingObjectSize) continue;
    auto segment = segments_.find(spec->segment_index());
    if (segment == segments_.end()) {
      return ProtocolError("GetReply object in segment " + std::to_string(spec->segment_index()) +
                           " that was never sent");
    }
    PS_RETURN_IF_ERROR(MakeLocalObject(ids[i], *spec, segment->second, &found[i]));
    found[i]->sealed = true;
  }
  std::lock_guard<std::mutex> lock(state_mutex_);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!found[i]) continue;
    // An object still held here keeps its entry (so do duplicate ids after the first).
    auto inserted = objects_.emplace(ids[i], found[i]);
    auto& object = inserted.first->second;
    ++object->count;
    (*out)[i] = NewRef(object);
  }
  // A release of one of these ids queued while we waited was not written; the store's one
  // reference (which the Get kept or took) now belongs to the references just handed out, so
  // that release must not be sent. Its deferred Delete waits for their release instead.
  auto& queue = pending_releases_;
  for (size_t k = 0; k < queue.size();) {
    if (objects_.count(queue[k].id) == 0) {
      ++k;
      continue;
    }
    if (queue[k].delete_after) deferred_deletes_[queue[k].id] = true;
    queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return Status::OK();
}

Status PlasmaClient::Contains(const ObjectId& id, bool* has_object) {
  PS_RETURN_IF_ERROR(CheckId(id));
  RequestGuard slot(this);
  PS_RETURN_IF_ERROR(CheckConnected());
  {
    // Held here - sealed, or created here and not sealed yet: answered locally, as libplasma
    // answers from its in-use table (the store would say false for an unsealed object).
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (objects_.count(id) != 0) {
      *has_object = true;
      return Status::OK();
    }
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaContainsRequest(b, Bytes(&b, id.data(), id.size())));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaContainsRequest, b,
                              fb::MessageType::PlasmaContainsReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaContainsReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed ContainsReply");
  *has_object = reply->has_object() != 0;
  return Status::OK();
}

Status PlasmaClient::DeleteFromStore(const std::vector<ObjectId>& ids, std::vector<Code>* results) {
  flatbuffers::FlatBufferBuilder b;
  auto id_vec = IdVector(&b, ids);
  b.Finish(fb::CreatePlasmaDeleteRequest(b, static_cast<int32_t>(ids.size()), id_vec));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaDeleteRequest, b,
                              fb::MessageType::PlasmaDeleteReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaDeleteReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed DeleteReply");
  auto* errors = reply->errors();
  if (reply->count() != static_cast<int32_t>(ids.size()) || errors == nullptr ||
      errors->size() != ids.size() || reply->object_ids() == nullptr ||
      reply->object_ids()->size() != ids.size()) {
    return ProtocolError("DeleteReply vectors do not match the request");
  }
  results->assign(ids.size(), Code::kOk);
  for (size_t i = 0; i < ids.size(); ++i) {
    int32_t e = static_cast<int32_t>(errors->Get(static_cast<flatbuffers::uoffset_t>(i)));
    if (e < 0 || e > 5) return ProtocolError("DeleteReply with unknown error " + std::to_string(e));
    (*results)[i] = static_cast<Code>(e);
  }
  return Status::OK();
}

Status PlasmaClient::Delete(const std::vector<ObjectId>& ids, std::vector<Code>* results) {
  for (const auto& id : ids) PS_RETURN_IF_ERROR(CheckId(id));
  results->assign(ids.size(), Code::kOk);
  RequestGuard slot(this);
  PS_RETURN_IF_ERROR(CheckConnected());
  std::vector<ObjectId> to_send;
  std::vector<size_t> positions;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (objects_.count(ids[i]) != 0) {
        // Held here: deleted after our last release, like libplasma's deletion cache.
        deferred_deletes_[ids[i]] = true;
        (*results)[i] = Code::kObjectInUse;
      } else {
        to_send.push_back(ids[i]);
        positions.push_back(i);
      }
    }
  }
  if (to_send.empty()) return Status::OK();
  std::vector<Code> sent_results;
  PS_RETURN_IF_ERROR(DeleteFromStore(to_send, &sent_results));
  for (size_t k = 0; k < positions.size(); ++k) (*results)[positions[k]] = sent_results[k];
  return Status::OK();
}

Status PlasmaClient::Evict(int64_t num_bytes, int64_t* num_bytes_freed) {
  if (num_bytes < 0) return Status(Code::kInvalidArgument, "Evict of a negative byte count");
  RequestGuard slot(this);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaEvictRequest(b, static_cast<uint64_t>(num_bytes)));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaEvictRequest, b,
                              fb::MessageType::PlasmaEvictReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaEvictReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed EvictReply");
  if (num_bytes_freed != nullptr) *num_bytes_freed = static_cast<int64_t>(reply->num_bytes());
  return Status::OK();
}

Status PlasmaClient::Refresh(const std::vector<ObjectId>& ids) {
  for (const auto& id : ids) PS_RETURN_IF_ERROR(CheckId(id));
  RequestGuard slot(this);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaRefreshLRURequest(b, IdVector(&b, ids)));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaRefreshLRURequest, b,
                              fb::MessageType::PlasmaRefreshLRUReply, &payload));
  if (VerifiedRoot<fb::PlasmaRefreshLRUReply>(payload) == nullptr) {
    return ProtocolError("malformed RefreshLRUReply");
  }
  return Status::OK();
}

Status PlasmaClient::Hash(const ObjectId& id, std::array<uint8_t, kDigestSize>* digest) {
  // As libplasma: Get with timeout 0, hash the object's bytes, release.
  std::vector<std::unique_ptr<ObjectRef>> refs;
  PS_RETURN_IF_ERROR(Get({id}, 0, &refs));
  if (!refs[0]) return Status(Code::kObjectNotFound, "Hash: object not found in the plasma store");
  ObjectRef& ref = *refs[0];
  DigestToBytes(ComputeDigest(ref.data(), static_cast<size_t>(ref.data_size()), ref.metadata(),
                              static_cast<size_t>(ref.metadata_size())),
                digest->data());
  return ref.Release();
}

Status PlasmaClient::List(std::vector<ObjectInfo>* objects) {
  RequestGuard slot(this);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaListRequest(b));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaListRequest, b,
                              fb::MessageType::PlasmaListReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaListReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed ListReply");
  objects->clear();
  if (reply->objects() == nullptr) return Status::OK();
  for (const fb::ObjectInfo* o : *reply->objects()) {
    ObjectInfo info;
    info.object_id = ToString(o->object_id());
    if (info.object_id.size() != kObjectIdSize) return ProtocolError("ListReply id of wrong size");
    std::string digest = ToString(o->digest());
    if (!digest.empty() && digest.size() != kDigestSize) {
      return ProtocolError("ListReply digest of wrong size");
    }
    std::memcpy(info.digest.data(), digest.data(), digest.size());
    info.data_size = o->data_size();
    info.metadata_size = o->metadata_size();
    info.create_time = o->create_time();
    info.construct_duration = o->construct_duration();
    info.ref_count = o->ref_count();
    // Unsealed objects are listed with construct_duration -1 (and an empty digest).
    info.is_sealed = o->construct_duration() != -1;
    info.is_deletion = o->is_deletion();
    objects->push_back(std::move(info));
  }
  return Status::OK();
}

Status PlasmaClient::DebugString(std::string* out) {
  RequestGuard slot(this);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaGetDebugStringRequest(b));
  std::vector<uint8_t> payload;
  PS_RETURN_IF_ERROR(Exchange(fb::MessageType::PlasmaGetDebugStringRequest, b,
                              fb::MessageType::PlasmaGetDebugStringReply, &payload));
  auto* reply = VerifiedRoot<fb::PlasmaGetDebugStringReply>(payload);
  if (reply == nullptr) return ProtocolError("malformed GetDebugStringReply");
  *out = ToString(reply->debug_string());
  return Status::OK();
}

Status PlasmaClient::Subscribe(std::unique_ptr<Subscription>* out) {
  RequestGuard slot(this);
  PS_RETURN_IF_ERROR(CheckConnected());
  // A second SubscribeRequest desynchronizes the real store's stream (probe_subscribe_twice).
  if (subscribed_) return Status(Code::kInvalidArgument, "this client is already subscribed");
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return Status(Code::kIoError, std::string("socketpair failed: ") + std::strerror(errno));
  }
  // The store's end is non-blocking (libplasma does the same): it never blocks the store.
  int flags = ::fcntl(sv[1], F_GETFL, 0);
  ::fcntl(sv[1], F_SETFL, flags | O_NONBLOCK);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSubscribeRequest(b));
  FlushReleases();
  Status st;
  {
    std::lock_guard<std::mutex> write(write_mutex_);  // the fd must follow its message directly
    st = connection_.Send(fb::MessageType::PlasmaSubscribeRequest, b);
    if (st.ok()) st = connection_.SendFd(sv[1]);
  }
  ::close(sv[1]);
  if (!st.ok()) {
    ::close(sv[0]);
    return st;
  }
  subscribed_ = true;
  out->reset(new Subscription(sv[0]));
  return Status::OK();
}

}  // namespace plasmasharp::client
