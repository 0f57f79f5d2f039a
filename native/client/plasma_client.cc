#include "plasma_client.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <thread>
#include <type_traits>
#include <unordered_set>

#include "socket_io.h"
#include "verified_root.h"

namespace plasmasharp::client {

namespace {

// GetReply's data_size for an object that is not there (-1 as int64).
constexpr uint64_t kMissingObjectSize = std::numeric_limits<uint64_t>::max();
// A flatbuffer must stay under 2 GiB; inline data (CreateAndSeal) beyond this cannot be sent.
constexpr int64_t kMaxInlineBytes = (int64_t{1} << 31) - (int64_t{1} << 20);

Status CheckId(const ObjectId& id) {
  if (id.size() != kObjectIdSize) {
    return Status(Code::kInvalidArgument, "an object id is " + std::to_string(kObjectIdSize) + " bytes, got " +
                                              std::to_string(id.size()));
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

// Each reply type with its request type and the operation name its errors carry.
template <typename Reply>
struct Exchange;
#define PS_EXCHANGE(NAME, WHAT)                                                  \
  template <>                                                                    \
  struct Exchange<fb::Plasma##NAME##Reply> {                                     \
    static constexpr fb::MessageType kRequest = fb::MessageType::Plasma##NAME##Request; \
    static constexpr fb::MessageType kReply = fb::MessageType::Plasma##NAME##Reply;     \
    static constexpr const char* kWhat = WHAT;                                   \
    static constexpr const char* kReplyName = #NAME "Reply";                     \
  };
PS_EXCHANGE(Connect, "Connect")
PS_EXCHANGE(SetOptions, "SetClientOptions")
PS_EXCHANGE(Create, "Create")
PS_EXCHANGE(Seal, "Seal")
PS_EXCHANGE(Abort, "Abort")
PS_EXCHANGE(CreateAndSeal, "CreateAndSeal")
PS_EXCHANGE(CreateAndSealBatch, "CreateAndSealBatch")
PS_EXCHANGE(Get, "Get")
PS_EXCHANGE(Contains, "Contains")
PS_EXCHANGE(Delete, "Delete")
PS_EXCHANGE(Evict, "Evict")
PS_EXCHANGE(RefreshLRU, "Refresh")
PS_EXCHANGE(List, "List")
PS_EXCHANGE(GetDebugString, "DebugString")
#undef PS_EXCHANGE

// Replies with a PlasmaError field: a non-zero one is the request's result.
template <typename Reply, typename = void>
struct HasError : std::false_type {};
template <typename Reply>
struct HasError<Reply, std::void_t<decltype(std::declval<const Reply&>().error())>> : std::true_type {};

// The read turn, held while the reply just read (and the fds after it) are handled.
class PlasmaClient::ReadTurn {
 public:
  explicit ReadTurn(PlasmaClient* client) : client_(client) {}
  ~ReadTurn() { client_->FinishReading(); }
  ReadTurn(const ReadTurn&) = delete;
  ReadTurn& operator=(const ReadTurn&) = delete;

 private:
  PlasmaClient* client_;
};

template <typename Reply, typename OnReply>
Status PlasmaClient::Request(const flatbuffers::FlatBufferBuilder& request, OnReply&& on_reply,
                             const std::vector<ObjectId>* waiting_get_ids) {
  using E = Exchange<Reply>;
  PendingReply pending;
  pending.expected = E::kReply;
  pending.get_ids = waiting_get_ids;
  PS_RETURN_IF_ERROR(Send(E::kRequest, request, &pending, waiting_get_ids != nullptr));
  PS_RETURN_IF_ERROR(AwaitReply(&pending));
  ReadTurn turn(this);
  if (pending.type != static_cast<int64_t>(E::kReply)) {
    const char* name = protocol::MessageTypeName(pending.type);
    return ProtocolError(std::string("expected ") + fb::EnumNameMessageType(E::kReply) + ", got " +
                         (name ? name : "type " + std::to_string(pending.type)));
  }
  const Reply* reply = protocol::VerifiedRoot<Reply>(pending.payload.data(), pending.payload.size());
  if (reply == nullptr) return ProtocolError(std::string("malformed ") + E::kReplyName);
  if constexpr (HasError<Reply>::value) {
    PS_RETURN_IF_ERROR(FromPlasmaError(static_cast<int32_t>(reply->error()), E::kWhat));
  }
  return on_reply(*reply);
}

template <typename Reply>
Status PlasmaClient::Request(const flatbuffers::FlatBufferBuilder& request) {
  return Request<Reply>(request, [](const Reply&) { return Status::OK(); });
}

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
Status ObjectRef::SealWithDigest(StreamingDigest* digest) {
  if (digest == nullptr) return Status(Code::kInvalidArgument, "digest is NULL");
  if (digest->data_size() != static_cast<size_t>(data_size()) || digest->hashed() != digest->data_size()) {
    return Status(Code::kInvalidArgument,
                  "the streamed digest covers " + std::to_string(digest->hashed()) + " of " +
                      std::to_string(digest->data_size()) + " bytes but the object has " +
                      std::to_string(data_size()) + " data bytes");
  }
  return client_->SealObject(this, nullptr, 0, digest);
}
Status ObjectRef::Abort() { return client_->AbortObject(this); }
Status ObjectRef::Release() { return client_->ReleaseObject(this); }

// ---------------------------------------------------------------- connect

PlasmaClient::PlasmaClient(int fd, int64_t capacity)
    : connection_(fd), store_capacity_(capacity), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

PlasmaClient::~PlasmaClient() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

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
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectRequest(b));
  PS_RETURN_IF_ERROR(client->Request<fb::PlasmaConnectReply>(b, [&](const auto& reply) {
    client->store_capacity_ = reply.memory_capacity();
    return Status::OK();
  }));
  *out = std::move(client);
  return Status::OK();
}

bool PlasmaClient::connected() {
  std::lock_guard<std::mutex> lock(state_mutex_);
  return failure_.ok() && CheckConnected().ok();
}

Status PlasmaClient::Disconnect() {
  if (!disconnect_requested_.exchange(true)) {
    // Wakes the thread reading replies (e.g. for a Get with a long timeout): it returns
    // kDisconnected, and so does every call waiting for a reply.
    connection_.Shutdown();
  }
  {
    // Take the read turn, so nobody reads or handles a reply while the connection closes.
    std::unique_lock<std::mutex> lock(state_mutex_);
    changed_.wait(lock, [this] { return !reading_ && pollers_ == 0; });
    reading_ = true;
  }
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
  ready_releases_.clear();
  held_releases_.clear();
  Fail(Status(Code::kDisconnected, "the client is not connected to a store"));
  return Status::OK();
}

// ---------------------------------------------------------------- plumbing (read turn held)

Status PlasmaClient::ProtocolError(const std::string& what) {
  connection_.MarkBroken();
  return Status(Code::kProtocolError, what);
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
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSetOptionsRequest(b, b.CreateString(client_name), output_memory_quota));
  return Request<fb::PlasmaSetOptionsReply>(b);
}

Status PlasmaClient::Create(const ObjectId& id, int64_t data_size, const uint8_t* metadata,
                            int64_t metadata_size, bool evict_if_full,
                            std::unique_ptr<ObjectRef>* out) {
  PS_RETURN_IF_ERROR(CheckId(id));
  if (data_size < 0) return Status(Code::kInvalidArgument, "data size is negative");
  PS_RETURN_IF_ERROR(CheckBytes(metadata, metadata_size, "metadata"));
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaCreateRequest(b, Bytes(&b, id.data(), id.size()), evict_if_full,
                                         static_cast<uint64_t>(data_size),
                                         static_cast<uint64_t>(metadata_size), 0));
  std::shared_ptr<LocalObject> object;
  // An error reply carries no fd (Request returns before the handler).
  PS_RETURN_IF_ERROR(Request<fb::PlasmaCreateReply>(b, [&](const fb::PlasmaCreateReply& reply) {
    const fb::PlasmaObjectSpec* spec = reply.plasma_object();
    if (spec == nullptr) return ProtocolError("CreateReply without plasma_object");
    if (ToString(reply.object_id()) != id) return ProtocolError("CreateReply for another object id");
    if (spec->data_size() != static_cast<uint64_t>(data_size) ||
        spec->metadata_size() != static_cast<uint64_t>(metadata_size)) {
      return ProtocolError("CreateReply sizes differ from the request");
    }
    if (spec->device_num() != 0) return ProtocolError("CreateReply for a device other than the CPU");
    std::shared_ptr<Segment> segment;
    PS_RETURN_IF_ERROR(SegmentFor(reply.store_fd(), reply.mmap_size(), &segment));
    return MakeLocalObject(id, *spec, std::move(segment), &object);
  }));
  if (metadata_size > 0) std::memcpy(object->metadata, metadata, static_cast<size_t>(metadata_size));
  // The caller writes the data next: map its pages in now, far fewer faults than the writes take.
  object->segment->MapAhead(static_cast<uint64_t>(object->data - object->segment->base()),
                            static_cast<uint64_t>(data_size));
  // libplasma's two references: the caller's, and the creation one that Seal drops.
  object->count = 2;
  object->created_here = true;
  std::lock_guard<std::mutex> lock(state_mutex_);
  objects_[id] = object;
  *out = NewRef(std::move(object));
  return Status::OK();
}

Status PlasmaClient::SealObject(ObjectRef* ref, const uint8_t* source, int64_t source_size,
                               StreamingDigest* streamed) {
  std::shared_ptr<LocalObject> object = ref->object_;
  if (source != nullptr && source_size != object->data_size) {
    return Status(Code::kInvalidArgument, "WriteAndSeal size " + std::to_string(source_size) +
                                              " differs from the object's data size " +
                                              std::to_string(object->data_size));
  }
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    PS_RETURN_IF_ERROR(CheckConnected());
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
  DigestToBytes(streamed != nullptr ? streamed->Finish(object->metadata, metadata_size)
                : source != nullptr
                    ? CopyAndDigest(object->data, source, data_size, object->metadata, metadata_size)
                    : ComputeDigest(object->data, data_size, object->metadata, metadata_size),
                digest);
  {
    // Two threads sealing one object: the second is refused here, not by the store.
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (object->sealed || !object->created_here || object->finishing) {
      return Status(Code::kObjectExists, "the object is already sealed");
    }
    object->finishing = true;
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSealRequest(b, Bytes(&b, object->id.data(), object->id.size()),
                                       Bytes(&b, digest, sizeof(digest))));
  Status st = Request<fb::PlasmaSealReply>(b);
  std::unique_lock<std::mutex> lock(state_mutex_);
  object->finishing = false;
  if (!st.ok()) return st;
  object->sealed = true;
  object->created_here = false;
  // The creation reference; the caller's stays. If it was the last one, the ReleaseRequest
  // goes out now (after the SealReply, as libplasma sends it).
  PendingRelease release;
  if (DropLocalReference(object, &release)) QueueRelease(std::move(release), std::move(lock));
  return Status::OK();
}

Status PlasmaClient::AbortObject(ObjectRef* ref) {
  std::shared_ptr<LocalObject> object = ref->object_;
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
    if (object->finishing) return Status(Code::kObjectInUse, "Abort while the object is being sealed");
    object->finishing = true;
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaAbortRequest(b, Bytes(&b, object->id.data(), object->id.size())));
  Status st = Request<fb::PlasmaAbortReply>(b);
  std::lock_guard<std::mutex> lock(state_mutex_);
  object->finishing = false;
  if (!st.ok()) return st;
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
  return Request<fb::PlasmaCreateAndSealReply>(b);
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
  return Request<fb::PlasmaCreateAndSealBatchReply>(b);
}

Status PlasmaClient::Get(const std::vector<ObjectId>& ids, int64_t timeout_ms,
                         std::vector<std::unique_ptr<ObjectRef>>* out) {
  for (const auto& id : ids) PS_RETURN_IF_ERROR(CheckId(id));
  out->clear();
  out->resize(ids.size());
  // A Get that may wait is answered out of order; one such Get at a time (see "Threads").
  const bool may_wait = timeout_ms != 0;
  {
    std::unique_lock<std::mutex> lock(state_mutex_);
    PS_RETURN_IF_ERROR(CheckConnected());
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
    // Replies are told apart by their ids: never a waiting Get and another Get for the same
    // ids on the wire together.
    auto same_ids = [&ids](const std::vector<ObjectId>* other) { return *other == ids; };
    changed_.wait(lock, [&] {
      if (!failure_.ok()) return true;
      if (may_wait) {
        return !lane_busy_ && std::none_of(in_order_gets_.begin(), in_order_gets_.end(), same_ids);
      }
      return !lane_busy_ || !same_ids(lane_ids_);
    });
    if (!failure_.ok()) return failure_;
    if (may_wait) {
      lane_busy_ = true;
      lane_ids_ = &ids;
    } else {
      in_order_gets_.push_back(&ids);
    }
    // Until the reply is handled, a release of one of these ids waits for it (QueueRelease).
    get_ids_on_wire_.insert(ids.begin(), ids.end());
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaGetRequest(b, IdVector(&b, ids), timeout_ms));
  Status st = Request<fb::PlasmaGetReply>(
      b, [&](const fb::PlasmaGetReply& reply) { return TakeGetReply(ids, reply, out); },
      may_wait ? &ids : nullptr);
  GetAnswered(ids, may_wait);
  return st;
}

Status PlasmaClient::TakeGetReply(const std::vector<ObjectId>& ids, const fb::PlasmaGetReply& reply,
                                  std::vector<std::unique_ptr<ObjectRef>>* out) {
  auto* reply_ids = reply.object_ids();
  auto* specs = reply.plasma_objects();
  auto* store_fds = reply.store_fds();
  auto* mmap_sizes = reply.mmap_sizes();
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
  return Status::OK();
}

Status PlasmaClient::Contains(const ObjectId& id, bool* has_object) {
  PS_RETURN_IF_ERROR(CheckId(id));
  {
    // Held here - sealed, or created here and not sealed yet: answered locally, as libplasma
    // answers from its in-use table (the store would say false for an unsealed object).
    std::lock_guard<std::mutex> lock(state_mutex_);
    PS_RETURN_IF_ERROR(CheckConnected());
    if (objects_.count(id) != 0) {
      *has_object = true;
      return Status::OK();
    }
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaContainsRequest(b, Bytes(&b, id.data(), id.size())));
  return Request<fb::PlasmaContainsReply>(b, [&](const fb::PlasmaContainsReply& reply) {
    *has_object = reply.has_object() != 0;
    return Status::OK();
  });
}

Status PlasmaClient::DeleteFromStore(const std::vector<ObjectId>& ids, std::vector<Code>* results) {
  flatbuffers::FlatBufferBuilder b;
  auto id_vec = IdVector(&b, ids);
  b.Finish(fb::CreatePlasmaDeleteRequest(b, static_cast<int32_t>(ids.size()), id_vec));
  return Request<fb::PlasmaDeleteReply>(b, [&](const fb::PlasmaDeleteReply& reply) {
    auto* errors = reply.errors();
    if (reply.count() != static_cast<int32_t>(ids.size()) || errors == nullptr ||
        errors->size() != ids.size() || reply.object_ids() == nullptr ||
        reply.object_ids()->size() != ids.size()) {
      return ProtocolError("DeleteReply vectors do not match the request");
    }
    results->assign(ids.size(), Code::kOk);
    for (size_t i = 0; i < ids.size(); ++i) {
      int32_t e = static_cast<int32_t>(errors->Get(static_cast<flatbuffers::uoffset_t>(i)));
      if (!IsPlasmaError(e)) return ProtocolError("DeleteReply with unknown error " + std::to_string(e));
      (*results)[i] = static_cast<Code>(e);
    }
    return Status::OK();
  });
}

Status PlasmaClient::Delete(const std::vector<ObjectId>& ids, std::vector<Code>* results) {
  for (const auto& id : ids) PS_RETURN_IF_ERROR(CheckId(id));
  results->assign(ids.size(), Code::kOk);
  std::vector<ObjectId> to_send;
  std::vector<size_t> positions;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    PS_RETURN_IF_ERROR(CheckConnected());
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
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaEvictRequest(b, static_cast<uint64_t>(num_bytes)));
  return Request<fb::PlasmaEvictReply>(b, [&](const fb::PlasmaEvictReply& reply) {
    if (num_bytes_freed != nullptr) *num_bytes_freed = static_cast<int64_t>(reply.num_bytes());
    return Status::OK();
  });
}

Status PlasmaClient::Refresh(const std::vector<ObjectId>& ids) {
  for (const auto& id : ids) PS_RETURN_IF_ERROR(CheckId(id));
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaRefreshLRURequest(b, IdVector(&b, ids)));
  return Request<fb::PlasmaRefreshLRUReply>(b);
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
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaListRequest(b));
  return Request<fb::PlasmaListReply>(
      b, [&](const fb::PlasmaListReply& reply) { return ReadObjectInfos(reply, objects); });
}

Status PlasmaClient::ReadObjectInfos(const fb::PlasmaListReply& reply, std::vector<ObjectInfo>* objects) {
  objects->clear();
  if (reply.objects() == nullptr) return Status::OK();
  for (const fb::ObjectInfo* o : *reply.objects()) {
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
    info.is_spilled = o->spilled();
    objects->push_back(std::move(info));
  }
  return Status::OK();
}

Status PlasmaClient::DebugString(std::string* out) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaGetDebugStringRequest(b));
  return Request<fb::PlasmaGetDebugStringReply>(b, [&](const fb::PlasmaGetDebugStringReply& reply) {
    *out = ToString(reply.debug_string());
    return Status::OK();
  });
}

Status PlasmaClient::Subscribe(std::unique_ptr<Subscription>* out) {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    PS_RETURN_IF_ERROR(CheckConnected());
    // A second SubscribeRequest desynchronizes the real store's stream (probe_subscribe_twice).
    if (subscribed_) return Status(Code::kInvalidArgument, "this client is already subscribed");
    subscribed_ = true;  // given back below if the request cannot be sent
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    std::lock_guard<std::mutex> lock(state_mutex_);
    subscribed_ = false;
    return Status(Code::kIoError, std::string("socketpair failed: ") + std::strerror(errno));
  }
  // The store's end is non-blocking (libplasma does the same): it never blocks the store.
  int flags = ::fcntl(sv[1], F_GETFL, 0);
  ::fcntl(sv[1], F_SETFL, flags | O_NONBLOCK);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSubscribeRequest(b));
  Status st;
  {
    std::unique_lock<std::mutex> write(write_mutex_);  // the fd must follow its message directly
    std::list<PendingReply> deletes;
    WriteReadyReleases(&deletes);
    st = connection_.Send(fb::MessageType::PlasmaSubscribeRequest, b);
    if (st.ok()) st = connection_.SendFd(sv[1]);
    UnlockWriter(std::move(write), std::move(deletes));
  }
  ::close(sv[1]);
  if (!st.ok()) {
    ::close(sv[0]);
    std::lock_guard<std::mutex> lock(state_mutex_);
    subscribed_ = false;
    return st;
  }
  out->reset(new Subscription(sv[0]));
  return Status::OK();
}

}  // namespace plasmasharp::client
