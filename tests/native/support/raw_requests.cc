#include "raw_requests.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "socket_io.h"
#include "verified_root.h"

namespace plasmasharp::testing::raw {

namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::String;

// Writes to a connection the store already closed must fail with EPIPE, not kill the test.
const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

Offset<String> Raw(FlatBufferBuilder& b, const std::string& s) { return b.CreateString(s.data(), s.size()); }

Offset<flatbuffers::Vector<Offset<String>>> RawVector(FlatBufferBuilder& b,
                                                      const std::vector<std::string>& v) {
  std::vector<Offset<String>> offs;
  offs.reserve(v.size());
  for (const auto& s : v) offs.push_back(Raw(b, s));
  return b.CreateVector(offs);
}

template <typename T>
const T* Root(const Message& m) {
  return protocol::VerifiedRoot<T>(m.payload.data(), m.payload.size());
}

// Sends `request` as `type` and returns the verified `Reply` of type `reply_type` (its bytes kept
// in *reply), or null: the send failed, no reply within `timeout`, another type, or it does not
// verify.
template <typename Reply>
const Reply* Exchange(RawConnection& c, fb::MessageType type, const Bytes& request,
                      fb::MessageType reply_type, std::optional<Message>* reply,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  if (!c.Send(kType(type), request)) return nullptr;
  *reply = c.Receive(timeout, 0);
  if (!*reply || (*reply)->type != kType(reply_type)) return nullptr;
  return Root<Reply>(**reply);
}

}  // namespace

Bytes ConnectRequest() { return EmptyTable(); }
Bytes ListRequest() { return EmptyTable(); }

Bytes EmptyTable() {
  FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectRequest(b));
  return FinishedBytes(b);
}

Bytes CreateRequest(const std::string& id, uint64_t data_size, uint64_t metadata_size,
                    bool evict_if_full, int device_num) {
  FlatBufferBuilder b;
  auto oid = Raw(b, id);
  b.Finish(fb::CreatePlasmaCreateRequest(b, oid, evict_if_full, data_size, metadata_size, device_num));
  return FinishedBytes(b);
}

Bytes CreateAndSealRequest(const std::string& id, const std::string& data,
                           const std::string& metadata, const std::string& digest, bool evict_if_full) {
  FlatBufferBuilder b;
  auto oid = Raw(b, id);
  auto d = Raw(b, data);
  auto m = Raw(b, metadata);
  auto g = Raw(b, digest);
  b.Finish(fb::CreatePlasmaCreateAndSealRequest(b, oid, evict_if_full, d, m, g));
  return FinishedBytes(b);
}

Bytes CreateAndSealBatchRequest(const std::vector<std::string>& ids,
                                const std::vector<std::string>& data,
                                const std::vector<std::string>& metadata,
                                const std::vector<std::string>& digests, bool evict_if_full) {
  FlatBufferBuilder b;
  auto i = RawVector(b, ids);
  auto d = RawVector(b, data);
  auto m = RawVector(b, metadata);
  auto g = RawVector(b, digests);
  b.Finish(fb::CreatePlasmaCreateAndSealBatchRequest(b, i, evict_if_full, d, m, g));
  return FinishedBytes(b);
}

Bytes SealRequest(const std::string& id, const std::string& digest) {
  FlatBufferBuilder b;
  auto oid = Raw(b, id);
  auto g = Raw(b, digest);
  b.Finish(fb::CreatePlasmaSealRequest(b, oid, g));
  return FinishedBytes(b);
}

Bytes AbortRequest(const std::string& id) {
  FlatBufferBuilder b;
  auto oid = Raw(b, id);
  b.Finish(fb::CreatePlasmaAbortRequest(b, oid));
  return FinishedBytes(b);
}

Bytes ReleaseRequest(const std::string& id) {
  FlatBufferBuilder b;
  auto oid = Raw(b, id);
  b.Finish(fb::CreatePlasmaReleaseRequest(b, oid));
  return FinishedBytes(b);
}

Bytes GetRequest(const std::vector<std::string>& ids, int64_t timeout_ms) {
  FlatBufferBuilder b(ids.size() * 32 + 64);
  auto v = RawVector(b, ids);
  b.Finish(fb::CreatePlasmaGetRequest(b, v, timeout_ms));
  return FinishedBytes(b);
}

Bytes DeleteRequest(const std::vector<std::string>& ids, int32_t count) {
  FlatBufferBuilder b;
  auto v = RawVector(b, ids);
  b.Finish(fb::CreatePlasmaDeleteRequest(b, count, v));
  return FinishedBytes(b);
}

Bytes ContainsRequest(const std::string& id) {
  FlatBufferBuilder b;
  auto oid = Raw(b, id);
  b.Finish(fb::CreatePlasmaContainsRequest(b, oid));
  return FinishedBytes(b);
}

Bytes EvictRequest(uint64_t num_bytes) {
  FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaEvictRequest(b, num_bytes));
  return FinishedBytes(b);
}

Bytes RefreshRequest(const std::vector<std::string>& ids) {
  FlatBufferBuilder b;
  auto v = RawVector(b, ids);
  b.Finish(fb::CreatePlasmaRefreshLRURequest(b, v));
  return FinishedBytes(b);
}

Bytes SetOptionsRequest(const std::string& name, int64_t quota) {
  FlatBufferBuilder b;
  auto n = b.CreateString(name);
  b.Finish(fb::CreatePlasmaSetOptionsRequest(b, n, quota));
  return FinishedBytes(b);
}

std::optional<Message> Expect(RawConnection& c, fb::MessageType type,
                              std::chrono::milliseconds timeout) {
  auto m = c.Receive(timeout, 0);
  if (!m || m->type != kType(type)) return std::nullopt;
  return m;
}

bool ReadCarriers(RawConnection& c, size_t n) {
  std::vector<int> fds = c.ReceiveFds(n);
  const bool all = fds.size() >= n;
  protocol::CloseAll(&fds);
  return all;
}

std::optional<int64_t> Connect(Session& s) {
  std::optional<Message> m;
  auto* r = Exchange<fb::PlasmaConnectReply>(s.conn, fb::MessageType::PlasmaConnectRequest, ConnectRequest(),
                                             fb::MessageType::PlasmaConnectReply, &m);
  if (r == nullptr) return std::nullopt;
  return r->memory_capacity();
}

std::optional<fb::PlasmaError> Create(Session& s, const std::string& id, uint64_t size,
                                      bool evict_if_full) {
  std::optional<Message> m;
  auto* r = Exchange<fb::PlasmaCreateReply>(s.conn, fb::MessageType::PlasmaCreateRequest,
                                            CreateRequest(id, size, 0, evict_if_full),
                                            fb::MessageType::PlasmaCreateReply, &m);
  if (r == nullptr) return std::nullopt;
  // An fd follows only for a segment this connection has not received yet.
  if (r->error() == fb::PlasmaError::OK && r->plasma_object() &&
      r->plasma_object()->device_num() == 0 && s.segments.insert(r->store_fd()).second) {
    if (!ReadCarriers(s.conn, 1)) return std::nullopt;
  }
  return r->error();
}

std::optional<fb::PlasmaError> Seal(Session& s, const std::string& id) {
  std::optional<Message> m;
  auto* r = Exchange<fb::PlasmaSealReply>(s.conn, fb::MessageType::PlasmaSealRequest, SealRequest(id),
                                          fb::MessageType::PlasmaSealReply, &m);
  if (r == nullptr) return std::nullopt;
  return r->error();
}

std::optional<std::vector<ObjectState>> List(Session& s, std::chrono::milliseconds timeout) {
  std::optional<Message> m;
  auto* r = Exchange<fb::PlasmaListReply>(s.conn, fb::MessageType::PlasmaListRequest, ListRequest(),
                                          fb::MessageType::PlasmaListReply, &m, timeout);
  if (r == nullptr) return std::nullopt;
  std::vector<ObjectState> out;
  if (r->objects()) {
    for (const auto* o : *r->objects()) {
      ObjectState s;
      if (o->object_id()) s.id.assign(o->object_id()->data(), o->object_id()->size());
      s.ref_count = o->ref_count();
      s.sealed = o->digest() != nullptr && o->digest()->size() > 0;
      s.data_size = o->data_size();
      s.metadata_size = o->metadata_size();
      out.push_back(s);
    }
  }
  return out;
}

std::optional<bool> Contains(Session& s, const std::string& id) {
  std::optional<Message> m;
  auto* r = Exchange<fb::PlasmaContainsReply>(s.conn, fb::MessageType::PlasmaContainsRequest,
                                              ContainsRequest(id), fb::MessageType::PlasmaContainsReply, &m);
  if (r == nullptr) return std::nullopt;
  return r->has_object() != 0;
}

std::optional<std::vector<bool>> Get(Session& s, const std::vector<std::string>& ids,
                                     int64_t timeout_ms) {
  std::optional<Message> m;
  auto* r = Exchange<fb::PlasmaGetReply>(s.conn, fb::MessageType::PlasmaGetRequest, GetRequest(ids, timeout_ms),
                                         fb::MessageType::PlasmaGetReply, &m, std::chrono::seconds(120));
  if (r == nullptr || r->plasma_objects() == nullptr) return std::nullopt;
  // Fds follow for the segments new to this connection, in store_fds order.
  size_t fresh = 0;
  if (r->store_fds()) {
    for (int32_t fd : *r->store_fds()) fresh += s.segments.insert(fd).second ? 1 : 0;
  }
  if (!ReadCarriers(s.conn, fresh)) return std::nullopt;
  std::vector<bool> found;
  for (const auto* spec : *r->plasma_objects()) found.push_back(spec->data_size() != UINT64_MAX);
  return found;
}

Verdict ProbeConnection(RawConnection& c) {
  // Replies to earlier (hostile) requests may come first: skip them until the ConnectReply.
  if (!c.Send(kType(fb::MessageType::PlasmaConnectRequest), ConnectRequest())) return Verdict::kClosed;
  // A hostile request the store accepted (e.g. a Create) may be followed by fd carriers; this
  // assumes the connection had received no segment before (true for the probes' fresh ones).
  std::set<int32_t> segments;
  for (int i = 0; i < 64; ++i) {
    auto m = c.Receive(std::chrono::seconds(5), 0);
    if (!m) return Verdict::kClosed;
    if (m->type == kType(fb::MessageType::PlasmaConnectReply)) return Verdict::kAnswering;
    size_t carriers = 0;
    if (auto* r = m->type == kType(fb::MessageType::PlasmaCreateReply) ? Root<fb::PlasmaCreateReply>(*m) : nullptr) {
      if (r->error() == fb::PlasmaError::OK && r->plasma_object() && r->plasma_object()->device_num() == 0) {
        carriers = segments.insert(r->store_fd()).second ? 1 : 0;
      }
    }
    if (auto* r = m->type == kType(fb::MessageType::PlasmaGetReply) ? Root<fb::PlasmaGetReply>(*m) : nullptr) {
      if (r->store_fds()) {
        for (int32_t fd : *r->store_fds()) carriers += segments.insert(fd).second ? 1 : 0;
      }
    }
    if (!ReadCarriers(c, carriers)) return Verdict::kClosed;
  }
  return Verdict::kClosed;
}

std::string CheckHealthy(StoreProcess& store, int64_t capacity) {
  if (!store.alive()) return "the store process died";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string problem;
  for (;;) {
    Session session(store.socket_path());
    RawConnection& c = session.conn;
    if (!c.connected()) return "a new client cannot connect";
    auto cap = Connect(session);
    if (!cap) return "a new client gets no ConnectReply";
    if (*cap != capacity) return "ConnectReply reports " + std::to_string(*cap) + " bytes, expected " + std::to_string(capacity);
    auto objects = List(session);
    if (!objects) return "a new client gets no ListReply";
    problem.clear();
    for (const auto& o : *objects) {
      if (o.ref_count != 0) problem = "object " + ToHex(reinterpret_cast<const uint8_t*>(o.id.data()), o.id.size()) + " still has ref_count " + std::to_string(o.ref_count);
      else if (!o.sealed) problem = "unsealed object " + ToHex(reinterpret_cast<const uint8_t*>(o.id.data()), o.id.size()) + " survived its creator";
      if (!problem.empty()) break;
    }
    if (problem.empty()) {
      const uint64_t nearly_all = static_cast<uint64_t>(capacity) - std::min<uint64_t>(capacity / 10, 1 << 20);
      auto err = Create(session, Id("health-check"), nearly_all, true);
      if (!err) return "no CreateReply for the capacity check";
      if (*err != fb::PlasmaError::OK) {
        problem = "a Create of " + std::to_string(nearly_all) + " of " + std::to_string(capacity) +
                  " bytes fails with error " + std::to_string(static_cast<int>(*err)) + ": memory is not all usable again";
      } else {
        if (!c.Send(kType(fb::MessageType::PlasmaAbortRequest), AbortRequest(Id("health-check")))) return "abort failed";
        if (!Expect(c, fb::MessageType::PlasmaAbortReply)) return "no AbortReply for the capacity check";
        return store.alive() ? "" : "the store process died";
      }
    }
    if (std::chrono::steady_clock::now() > deadline) return problem;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace plasmasharp::testing::raw
