#include "store_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "raw_requests.h"
#include "verified_root.h"

namespace plasmasharp::testing {

namespace {

template <typename T>
const T* Root(const Message& m) {
  const T* root = protocol::VerifiedRoot<T>(m.payload.data(), m.payload.size());
  if (root == nullptr) throw std::runtime_error("reply does not verify");
  return root;
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
  auto m = Expect(Request(fb::MessageType::PlasmaConnectRequest, raw::ConnectRequest()),
                  fb::MessageType::PlasmaConnectReply);
  return Root<fb::PlasmaConnectReply>(m)->memory_capacity();
}

CreateResult StoreClient::Create(const std::string& id, uint64_t data_size, uint64_t metadata_size,
                                 bool evict_if_full, int device_num) {
  conn_.Send(static_cast<int64_t>(fb::MessageType::PlasmaCreateRequest),
             raw::CreateRequest(id, data_size, metadata_size, evict_if_full, device_num));
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
  auto m = Expect(Request(fb::MessageType::PlasmaSealRequest, raw::SealRequest(id, digest)),
                  fb::MessageType::PlasmaSealReply);
  return Root<fb::PlasmaSealReply>(m)->error();
}

void StoreClient::Release(const std::string& id) {
  conn_.Send(static_cast<int64_t>(fb::MessageType::PlasmaReleaseRequest), raw::ReleaseRequest(id));
}

void StoreClient::ReleaseAndSync(const std::string& id) {
  Release(id);
  Connect();
}

std::string StoreClient::Abort(const std::string& id) {
  auto m = Request(fb::MessageType::PlasmaAbortRequest, raw::AbortRequest(id));
  if (!m || m->type != static_cast<int64_t>(fb::MessageType::PlasmaAbortReply)) return "";
  return Str(Root<fb::PlasmaAbortReply>(*m)->object_id());
}

fb::PlasmaError StoreClient::CreateAndSeal(const std::string& id, const std::string& data,
                                           const std::string& metadata, bool evict_if_full,
                                           const std::string& digest) {
  auto m = Expect(Request(fb::MessageType::PlasmaCreateAndSealRequest,
                          raw::CreateAndSealRequest(id, data, metadata, digest, evict_if_full)),
                  fb::MessageType::PlasmaCreateAndSealReply);
  return Root<fb::PlasmaCreateAndSealReply>(m)->error();
}

fb::PlasmaError StoreClient::CreateAndSealBatch(const std::vector<std::string>& ids,
                                                const std::vector<std::string>& data, bool evict_if_full) {
  std::vector<std::string> meta(ids.size()), digests(ids.size(), "digest!!");
  auto m = Expect(Request(fb::MessageType::PlasmaCreateAndSealBatchRequest,
                          raw::CreateAndSealBatchRequest(ids, data, meta, digests, evict_if_full)),
                  fb::MessageType::PlasmaCreateAndSealBatchReply);
  return Root<fb::PlasmaCreateAndSealBatchReply>(m)->error();
}

void StoreClient::SendGet(const std::vector<std::string>& ids, int64_t timeout_ms) {
  conn_.Send(static_cast<int64_t>(fb::MessageType::PlasmaGetRequest), raw::GetRequest(ids, timeout_ms));
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
  const int32_t n = count == kAllIds ? static_cast<int32_t>(ids.size()) : count;
  auto m = Expect(Request(fb::MessageType::PlasmaDeleteRequest, raw::DeleteRequest(ids, n)),
                  fb::MessageType::PlasmaDeleteReply);
  const auto* r = Root<fb::PlasmaDeleteReply>(m);
  if (reply_count) *reply_count = r->count();
  std::vector<fb::PlasmaError> out;
  if (r->errors()) {
    for (auto e : *r->errors()) out.push_back(static_cast<fb::PlasmaError>(e));
  }
  return out;
}

bool StoreClient::Contains(const std::string& id) {
  auto m = Expect(Request(fb::MessageType::PlasmaContainsRequest, raw::ContainsRequest(id)),
                  fb::MessageType::PlasmaContainsReply);
  return Root<fb::PlasmaContainsReply>(m)->has_object() != 0;
}

std::vector<ListedObject> StoreClient::List() {
  auto m = Expect(Request(fb::MessageType::PlasmaListRequest, raw::ListRequest()), fb::MessageType::PlasmaListReply);
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
  auto m = Expect(Request(fb::MessageType::PlasmaEvictRequest, raw::EvictRequest(num_bytes)),
                  fb::MessageType::PlasmaEvictReply);
  return Root<fb::PlasmaEvictReply>(m)->num_bytes();
}

fb::PlasmaError StoreClient::SetOptions(const std::string& name, int64_t quota) {
  auto m = Expect(Request(fb::MessageType::PlasmaSetOptionsRequest, raw::SetOptionsRequest(name, quota)),
                  fb::MessageType::PlasmaSetOptionsReply);
  return Root<fb::PlasmaSetOptionsReply>(m)->error();
}

std::string StoreClient::DebugString() {
  auto m = Expect(Request(fb::MessageType::PlasmaGetDebugStringRequest, raw::EmptyTable()),
                  fb::MessageType::PlasmaGetDebugStringReply);
  return Str(Root<fb::PlasmaGetDebugStringReply>(m)->debug_string());
}

void StoreClient::RefreshLru(const std::vector<std::string>& ids) {
  Expect(Request(fb::MessageType::PlasmaRefreshLRURequest, raw::RefreshRequest(ids)),
         fb::MessageType::PlasmaRefreshLRUReply);
}

int StoreClient::Subscribe() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw std::runtime_error("socketpair");
  conn_.Send(static_cast<int64_t>(fb::MessageType::PlasmaSubscribeRequest), raw::EmptyTable());
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
