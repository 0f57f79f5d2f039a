#include "store_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace plasmasharp::testing {

namespace {

template <typename T>
const T* Root(const Message& m) {
  flatbuffers::Verifier v(m.payload.data(), m.payload.size());
  if (!v.VerifyBuffer<T>(nullptr)) throw std::runtime_error("reply does not verify");
  return flatbuffers::GetRoot<T>(m.payload.data());
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

Message Expect(std::optional<Message> m, fb::MessageType type) {
  if (!m) throw std::runtime_error(std::string("no reply, expected ") + fb::EnumNameMessageType(type));
  if (m->type != static_cast<int64_t>(type)) {
    throw std::runtime_error("reply type " + std::to_string(m->type) + ", expected " +
                             fb::EnumNameMessageType(type));
  }
  return std::move(*m);
}

}  // namespace

std::vector<uint8_t> Bytes(const flatbuffers::FlatBufferBuilder& b) {
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

StoreClient::StoreClient(const std::string& socket_path) : conn_(socket_path) {
  if (!conn_.connected()) throw std::runtime_error("cannot connect to " + socket_path);
}

StoreClient::~StoreClient() {
  for (int fd : notification_fds_) ::close(fd);
}

std::optional<Message> StoreClient::Request(fb::MessageType type, const std::vector<uint8_t>& payload,
                                            size_t expected_fds) {
  if (!conn_.Send(static_cast<int64_t>(type), payload)) return std::nullopt;
  return conn_.Receive(std::chrono::seconds(5), expected_fds);
}

int StoreClient::ReceiveFd() {
  std::vector<int> fds = conn_.ReceiveFds(1);
  return fds.empty() ? -1 : fds[0];
}

int64_t StoreClient::Connect() {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectRequest(b));
  auto m = Expect(Request(fb::MessageType::PlasmaConnectRequest, Bytes(b)), fb::MessageType::PlasmaConnectReply);
  return Root<fb::PlasmaConnectReply>(m)->memory_capacity();
}

CreateResult StoreClient::Create(const std::string& id, uint64_t data_size, uint64_t metadata_size,
                                 bool evict_if_full, int device_num) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaCreateRequest(b, b.CreateString(id), evict_if_full, data_size,
                                         metadata_size, device_num));
  conn_.Send(static_cast<int64_t>(fb::MessageType::PlasmaCreateRequest), Bytes(b));
  auto m = Expect(conn_.Receive(std::chrono::seconds(5)), fb::MessageType::PlasmaCreateReply);
  const auto* r = Root<fb::PlasmaCreateReply>(m);
  CreateResult out;
  out.error = r->error();
  if (r->plasma_object()) out.spec = *r->plasma_object();
  out.store_fd = r->store_fd();
  out.mmap_size = r->mmap_size();
  // An fd follows exactly when this connection has not seen the segment yet.
  if (out.error == fb::PlasmaError::OK && segments_seen_.insert(out.store_fd).second) {
    int fd = ReceiveFd();
    if (fd >= 0) out.fds.push_back(fd);
  }
  return out;
}

fb::PlasmaError StoreClient::Seal(const std::string& id, const std::string& digest) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSealRequest(b, b.CreateString(id), b.CreateString(digest)));
  auto m = Expect(Request(fb::MessageType::PlasmaSealRequest, Bytes(b)), fb::MessageType::PlasmaSealReply);
  return Root<fb::PlasmaSealReply>(m)->error();
}

void StoreClient::Release(const std::string& id) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaReleaseRequest(b, b.CreateString(id)));
  conn_.Send(static_cast<int64_t>(fb::MessageType::PlasmaReleaseRequest), Bytes(b));
}

void StoreClient::ReleaseAndSync(const std::string& id) {
  Release(id);
  Connect();
}

std::string StoreClient::Abort(const std::string& id) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaAbortRequest(b, b.CreateString(id)));
  auto m = Request(fb::MessageType::PlasmaAbortRequest, Bytes(b));
  if (!m || m->type != static_cast<int64_t>(fb::MessageType::PlasmaAbortReply)) return "";
  return Str(Root<fb::PlasmaAbortReply>(*m)->object_id());
}

fb::PlasmaError StoreClient::CreateAndSeal(const std::string& id, const std::string& data,
                                           const std::string& metadata, bool evict_if_full,
                                           const std::string& digest) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaCreateAndSealRequest(b, b.CreateString(id), evict_if_full, b.CreateString(data),
                                                b.CreateString(metadata), b.CreateString(digest)));
  auto m = Expect(Request(fb::MessageType::PlasmaCreateAndSealRequest, Bytes(b)),
                  fb::MessageType::PlasmaCreateAndSealReply);
  return Root<fb::PlasmaCreateAndSealReply>(m)->error();
}

fb::PlasmaError StoreClient::CreateAndSealBatch(const std::vector<std::string>& ids,
                                                const std::vector<std::string>& data, bool evict_if_full) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<std::string> meta(ids.size()), digests(ids.size(), "digest!!");
  auto req = fb::CreatePlasmaCreateAndSealBatchRequest(b, b.CreateVectorOfStrings(ids), evict_if_full,
                                                       b.CreateVectorOfStrings(data),
                                                       b.CreateVectorOfStrings(meta),
                                                       b.CreateVectorOfStrings(digests));
  b.Finish(req);
  auto m = Expect(Request(fb::MessageType::PlasmaCreateAndSealBatchRequest, Bytes(b)),
                  fb::MessageType::PlasmaCreateAndSealBatchReply);
  return Root<fb::PlasmaCreateAndSealBatchReply>(m)->error();
}

void StoreClient::SendGet(const std::vector<std::string>& ids, int64_t timeout_ms) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaGetRequest(b, b.CreateVectorOfStrings(ids), timeout_ms));
  conn_.Send(static_cast<int64_t>(fb::MessageType::PlasmaGetRequest), Bytes(b));
}

std::optional<GetResult> StoreClient::ReceiveGet(std::chrono::milliseconds wait) {
  auto m = conn_.Receive(wait);
  if (!m) return std::nullopt;
  Message msg = Expect(std::move(m), fb::MessageType::PlasmaGetReply);
  const auto* r = Root<fb::PlasmaGetReply>(msg);
  GetResult out;
  for (size_t i = 0; r->object_ids() && i < r->object_ids()->size(); ++i) {
    GetEntry e;
    e.id = r->object_ids()->Get(i)->str();
    if (r->plasma_objects() && i < r->plasma_objects()->size()) e.spec = *r->plasma_objects()->Get(i);
    out.objects.push_back(e);
  }
  if (r->store_fds()) out.store_fds.assign(r->store_fds()->begin(), r->store_fds()->end());
  if (r->mmap_sizes()) out.mmap_sizes.assign(r->mmap_sizes()->begin(), r->mmap_sizes()->end());
  for (int store_fd : out.store_fds) {
    if (segments_seen_.insert(store_fd).second) {
      int fd = ReceiveFd();
      if (fd >= 0) out.fds.push_back(fd);
    }
  }
  return out;
}

GetResult StoreClient::Get(const std::vector<std::string>& ids, int64_t timeout_ms) {
  SendGet(ids, timeout_ms);
  auto r = ReceiveGet();
  if (!r) throw std::runtime_error("no GetReply");
  return *r;
}

std::vector<fb::PlasmaError> StoreClient::Delete(const std::vector<std::string>& ids, int count,
                                                 int* reply_count) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaDeleteRequest(b, count == kAllIds ? static_cast<int>(ids.size()) : count,
                                         b.CreateVectorOfStrings(ids)));
  auto m = Expect(Request(fb::MessageType::PlasmaDeleteRequest, Bytes(b)), fb::MessageType::PlasmaDeleteReply);
  const auto* r = Root<fb::PlasmaDeleteReply>(m);
  if (reply_count) *reply_count = r->count();
  std::vector<fb::PlasmaError> out;
  if (r->errors()) {
    for (auto e : *r->errors()) out.push_back(static_cast<fb::PlasmaError>(e));
  }
  return out;
}

bool StoreClient::Contains(const std::string& id) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaContainsRequest(b, b.CreateString(id)));
  auto m = Expect(Request(fb::MessageType::PlasmaContainsRequest, Bytes(b)), fb::MessageType::PlasmaContainsReply);
  return Root<fb::PlasmaContainsReply>(m)->has_object() != 0;
}

std::vector<ListedObject> StoreClient::List() {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaListRequest(b));
  auto m = Expect(Request(fb::MessageType::PlasmaListRequest, Bytes(b)), fb::MessageType::PlasmaListReply);
  const auto* r = Root<fb::PlasmaListReply>(m);
  std::vector<ListedObject> out;
  if (r->objects()) {
    for (const auto* o : *r->objects()) {
      out.push_back(ListedObject{Str(o->object_id()), o->data_size(), o->metadata_size(), o->create_time(),
                                 o->construct_duration(), o->ref_count(), Str(o->digest())});
    }
  }
  return out;
}

uint64_t StoreClient::Evict(uint64_t num_bytes) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaEvictRequest(b, num_bytes));
  auto m = Expect(Request(fb::MessageType::PlasmaEvictRequest, Bytes(b)), fb::MessageType::PlasmaEvictReply);
  return Root<fb::PlasmaEvictReply>(m)->num_bytes();
}

fb::PlasmaError StoreClient::SetOptions(const std::string& name, int64_t quota) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSetOptionsRequest(b, b.CreateString(name), quota));
  auto m = Expect(Request(fb::MessageType::PlasmaSetOptionsRequest, Bytes(b)),
                  fb::MessageType::PlasmaSetOptionsReply);
  return Root<fb::PlasmaSetOptionsReply>(m)->error();
}

std::string StoreClient::DebugString() {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaGetDebugStringRequest(b));
  auto m = Expect(Request(fb::MessageType::PlasmaGetDebugStringRequest, Bytes(b)),
                  fb::MessageType::PlasmaGetDebugStringReply);
  return Str(Root<fb::PlasmaGetDebugStringReply>(m)->debug_string());
}

void StoreClient::RefreshLru(const std::vector<std::string>& ids) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaRefreshLRURequest(b, b.CreateVectorOfStrings(ids)));
  Expect(Request(fb::MessageType::PlasmaRefreshLRURequest, Bytes(b)), fb::MessageType::PlasmaRefreshLRUReply);
}

int StoreClient::Subscribe() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw std::runtime_error("socketpair");
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaSubscribeRequest(b));
  conn_.Send(static_cast<int64_t>(fb::MessageType::PlasmaSubscribeRequest), Bytes(b));
  conn_.SendFd(sv[1]);
  ::close(sv[1]);
  notification_fds_.push_back(sv[0]);
  return sv[0];
}

namespace {

bool ReadFully(int fd, void* out, size_t n, std::chrono::steady_clock::time_point deadline) {
  auto* p = static_cast<uint8_t*>(out);
  while (n > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
    ssize_t r = ::recv(fd, p, n, MSG_DONTWAIT);
    if (r <= 0) {
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      return false;
    }
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

std::optional<std::vector<Notification>> ReadNotificationFrame(int fd, std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  int64_t length = 0;
  if (!ReadFully(fd, &length, sizeof(length), deadline)) return std::nullopt;
  if (length <= 0 || length > (1 << 24)) throw std::runtime_error("bad notification length");
  std::vector<uint8_t> payload(static_cast<size_t>(length));
  if (!ReadFully(fd, payload.data(), payload.size(), deadline)) return std::nullopt;
  flatbuffers::Verifier v(payload.data(), payload.size());
  if (!v.VerifyBuffer<fb::PlasmaNotification>(nullptr)) throw std::runtime_error("notification does not verify");
  const auto* n = flatbuffers::GetRoot<fb::PlasmaNotification>(payload.data());
  std::vector<Notification> out;
  if (n->object_info()) {
    for (const auto* o : *n->object_info()) {
      out.push_back(Notification{Str(o->object_id()), o->data_size(), o->metadata_size(), Str(o->digest()),
                                 o->is_deletion()});
    }
  }
  return out;
}

}  // namespace plasmasharp::testing
