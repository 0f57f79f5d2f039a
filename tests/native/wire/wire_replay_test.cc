// Scenario replay: our plasma-store, driven by the recorded client messages of every scenario
// in ../shared/plasma-wire/vectors (each connection in seq order, waiting for each reply),
// must answer with the same fields as the real Arrow 11 store and pass segment fds exactly
// when the real one would. Values that follow from the allocator (fd numbers, offsets,
// mmap_size, how many segments, which objects eviction chose, times) are checked as
// invariants instead; see replay_model.h. Crashing probes must get an error reply or a closed
// connection, and the store must keep serving a new connection.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "replay_model.h"
#include "socket_io.h"
#include "test_support.h"
#include "wire.h"
#include "wire_codec.h"
#include "wire_stream.h"
#include "vectors.h"

namespace plasmasharp::testing {
namespace {

namespace fb = plasma::flatbuf;

// Bounded waits, so a wrong store fails instead of hanging.
constexpr Millis kReplyTimeout{2000};
// How long "no reply" is observed before it counts as no reply.
constexpr Millis kQuietWait{300};
constexpr uint64_t kMissing = UINT64_MAX;  // GetReply data_size of a missing object

int64_t TypeOf(const char* name) {
  for (int64_t t = 0; t <= static_cast<int64_t>(fb::MessageType::MAX); ++t) {
    if (std::string(protocol::MessageTypeName(t)) == name) return t;
  }
  return -1;
}

std::vector<uint8_t> ConnectRequestBytes() {
  return Framed(TypeOf("PlasmaConnectRequest"),
                *EncodeTable("PlasmaConnectRequest", Json::object(), false));
}

// Field-by-field difference of two JSON values, one line per differing leaf.
void Diff(const std::string& path, const Json& expected, const Json& got,
          std::vector<std::string>* out) {
  if (expected.is_object() && got.is_object()) {
    for (const auto& [k, v] : expected.items()) {
      if (!got.contains(k)) {
        out->push_back(path + k + ": expected " + v.dump() + ", field absent");
      } else {
        Diff(path + k + ".", v, got[k], out);
      }
    }
    for (const auto& [k, v] : got.items()) {
      if (!expected.contains(k)) out->push_back(path + k + ": unexpected field " + v.dump());
    }
    return;
  }
  if (expected.is_array() && got.is_array() && expected.size() == got.size()) {
    for (size_t i = 0; i < expected.size(); ++i)
      Diff(path + std::to_string(i) + ".", expected[i], got[i], out);
    return;
  }
  if (expected != got) {
    std::string p = path.empty() ? "" : path.substr(0, path.size() - 1);
    out->push_back(p + ": expected " + expected.dump() + ", got " + got.dump());
  }
}

uint64_t U64(const Json& v) {
  return v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
}

std::string StringOrEmpty(const Json& v) { return v.is_string() ? v.get<std::string>() : ""; }

struct Connection {
  std::unique_ptr<RawConnection> raw;
  std::unique_ptr<WireReader> reader;
  std::vector<uint8_t> unsent;  // coalesced consecutive writes (pipelining as recorded)
  std::deque<Json> pending;     // requests awaiting a reply: {"type":..., "fields":...}
  std::string barrier_after;    // last request had no reply: sync before other conns
  bool write_closed = false;
  bool store_closed = false;
  size_t stray_seen = 0;
  std::vector<int> notification_fds;  // our ends of the socketpairs passed with Subscribe
  std::vector<std::unique_ptr<WireReader>> notification_readers;
  std::vector<int> received_fds;                        // segment fds the store passed
  std::set<int32_t> fd_segments;                        // store_fds those fds were for
  std::map<int32_t, std::pair<uint8_t*, size_t>> maps;  // segments mapped like a client does
  ~Connection() {
    for (auto& [seg, m] : maps) ::munmap(m.first, m.second);
    protocol::CloseAll(&notification_fds);
    protocol::CloseAll(&received_fds);
  }
};

class Replay {
 public:
  Replay(const Scenario& s, StoreProcess& store)
      : s_(s),
        store_(store),
        capacity_(s.info.value("store_memory_bytes", int64_t{0})),
        model_(capacity_),
        start_unix_(std::time(nullptr)) {}

  // Replays records [begin, end). False when a hard failure made going on pointless.
  bool Run(size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const Record& r = s_.records[i];
      where_ = s_.name + " seq " + std::to_string(r.seq) + " conn " + std::to_string(r.conn) + " " +
               r.type_name + (r.notification ? " (notification socket)" : "");
      SCOPED_TRACE(where_);
      // Consecutive writes on one connection go out together (pipelined, as recorded);
      // anything else first puts every connection's writes on the wire.
      for (auto& [id, c] : conns_) {
        if (id != r.conn || !r.to_store || r.eof) Flush(id);
      }
      SyncOthers(r.conn);
      if (r.to_store && !r.eof && !r.notification) {
        if (!SendRecord(r)) return false;
        continue;
      }
      bool ok = true;
      if (r.to_store && r.eof) {
        ok = ClientClose(r);
      } else if (r.notification) {
        ok = r.eof ? NotificationEof(r) : NotificationFrame(r);
      } else if (r.eof) {
        ok = StoreClose(r);
      } else {
        ok = ReceiveReply(r);
      }
      if (!ok) return false;
    }
    for (auto& [id, c] : conns_) Flush(id);
    return true;
  }

  // After a message the real store crashed on: an error reply or a closed connection, and
  // the store keeps serving a new connection.
  void ExpectSurvivedBadMessage(const Record& bad) {
    SCOPED_TRACE(s_.name + " after seq " + std::to_string(bad.seq) + " " + bad.type_name);
    Flush(bad.conn);
    Connection& c = Conn(bad.conn);
    WireMessage m;
    ReadStatus st = c.reader->ReadMessage(&m, kReplyTimeout);
    if (st == ReadStatus::kOk) {
      const char* name = protocol::MessageTypeName(m.type);
      std::optional<Json> body;
      if (name) body = DecodeTable(name, m.payload.data(), m.payload.size(), true);
      bool error_reply = body && body->contains("error") && (*body)["error"] != "OK";
      // A Contains without an id can only be answered "not here".
      bool contains_no = s_.name == "probe_contains_without_object_id" && name &&
                         std::string(name) == "PlasmaContainsReply" && body &&
                         (*body)["has_object"] == 0;
      EXPECT_TRUE(error_reply || contains_no)
          << "expected an error reply or a closed connection, got type " << m.type << " "
          << (name ? name : "?") << " " << (body ? body->dump() : "(does not verify)");
    } else {
      EXPECT_EQ(st, ReadStatus::kEof)
          << "expected an error reply or a closed connection, got: " << ToString(st);
    }
    ExpectStoreServesNewConnection();
  }

  void ExpectStoreServesNewConnection() {
    SCOPED_TRACE("a new connection after " + s_.name);
    ASSERT_TRUE(store_.alive()) << "the store process exited";
    RawConnection fresh(store_.socket_path());
    ASSERT_TRUE(fresh.connected());
    auto bytes = ConnectRequestBytes();
    ASSERT_TRUE(fresh.SendBytes(bytes.data(), bytes.size()));
    WireReader reader(fresh.fd());
    WireMessage m;
    ASSERT_EQ(reader.ReadMessage(&m, kReplyTimeout), ReadStatus::kOk)
        << "no ConnectReply on a new connection";
    EXPECT_EQ(m.type, TypeOf("PlasmaConnectReply"));
    auto body = DecodeTable("PlasmaConnectReply", m.payload.data(), m.payload.size(), true);
    ASSERT_TRUE(body.has_value());
    EXPECT_EQ((*body)["memory_capacity"], capacity_);
  }

  Connection& Conn(int id) {
    auto& c = conns_[id];
    if (!c.raw) {
      c.raw = std::make_unique<RawConnection>(store_.socket_path());
      c.reader = std::make_unique<WireReader>(c.raw->fd());
    }
    return c;
  }

  void Flush(int id) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.unsent.empty()) return;
    Connection& c = it->second;
    bool written = c.raw->SendBytes(c.unsent.data(), c.unsent.size());
    c.unsent.clear();
    // Where closing the connection is an accepted answer, the store may close it before our
    // next request is written: the write then fails with EPIPE, which is that same answer.
    if (!written && accept_store_close_) {
      c.store_closed = true;
      return;
    }
    EXPECT_TRUE(written) << where_ << ": write failed";
  }

  // The store may close connections at any point of this scenario (probe_subscribe_twice).
  void AcceptStoreClose() { accept_store_close_ = true; }

  ReplayModel& model() { return model_; }

  // Where the replay accepted an allocator-dependent difference (printed, not a failure).
  void Note(const std::string& what) {
    std::printf("  NOTE %s: %s\n", where_.c_str(), what.c_str());
  }

  // A connection the real store passed segment fds to used shared memory; ours must have
  // passed it at least one fd too (and never more than one per segment it reported).
  void CheckFdTotals() {
    std::map<int, int> recorded;
    for (const Record& r : s_.records) {
      if (!r.to_store && !r.notification) recorded[r.conn] += r.fds_after;
    }
    for (auto& [id, c] : conns_) {
      SCOPED_TRACE(s_.name + " conn " + std::to_string(id));
      if (recorded[id] > 0) {
        EXPECT_GE(c.received_fds.size(), 1u) << "the real store passed " << recorded[id]
                                             << " segment fd(s) on this connection, ours none";
      }
      EXPECT_EQ(c.received_fds.size(), c.fd_segments.size())
          << "the same segment's fd was passed more than once on this connection";
    }
  }

 private:
  // Requests without a reply (Release, Subscribe) on another connection must be processed
  // before this record's request; a Connect round trip on that connection orders them.
  void SyncOthers(int current) {
    for (auto& [id, c] : conns_) {
      if (id == current || c.barrier_after.empty() || c.write_closed || c.store_closed ||
          !c.pending.empty())
        continue;
      Flush(id);
      auto bytes = ConnectRequestBytes();
      EXPECT_TRUE(c.raw->SendBytes(bytes.data(), bytes.size()));
      WireMessage m;
      ReadStatus st = c.reader->ReadMessage(&m, kReplyTimeout);
      EXPECT_EQ(st, ReadStatus::kOk) << "conn " << id << ": no reply to a ConnectRequest sent to "
                                     << "sync after " << c.barrier_after << ": " << ToString(st);
      if (st == ReadStatus::kOk) {
        EXPECT_EQ(m.type, TypeOf("PlasmaConnectReply"))
            << "conn " << id << ": unexpected message type " << m.type << " after "
            << c.barrier_after << " (which has no reply)";
      }
      CheckStray(id, c);
      c.barrier_after.clear();
    }
  }

  bool SendRecord(const Record& r) {
    Connection& c = Conn(r.conn);
    if (!c.raw->connected()) {
      ADD_FAILURE() << "cannot connect to the store";
      return false;
    }
    auto header = Unhex(r.header_hex);
    EXPECT_TRUE(header.has_value());
    c.unsent.insert(c.unsent.end(), header->begin(), header->end());
    c.unsent.insert(c.unsent.end(), r.payload.begin(), r.payload.end());
    const std::string& name = r.type_name;
    if (r.fds_after > 0) {
      Flush(r.conn);
      for (int i = 0; i < r.fds_after; ++i) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
          ADD_FAILURE() << "socketpair failed";
          return false;
        }
        const Json& info = r.raw.value("fd_info", Json::array());
        if (i < static_cast<int>(info.size()) && info[i].value("o_nonblock", false)) {
          ::fcntl(sv[1], F_SETFL, ::fcntl(sv[1], F_GETFL) | O_NONBLOCK);
        }
        EXPECT_TRUE(c.raw->SendFd(sv[1]));
        ::close(sv[1]);
        c.notification_fds.push_back(sv[0]);
        c.notification_readers.push_back(std::make_unique<WireReader>(sv[0]));
      }
    }
    if (name == "PlasmaReleaseRequest") {
      model_.Release(r.conn, IdOf(r.decoded_defaults));
      c.barrier_after = name;
    } else if (name == "PlasmaSubscribeRequest") {
      c.barrier_after = name;
    } else if (HasTable(name) && name.find("Request") != std::string::npos) {
      c.pending.push_back(Json{{"type", name}, {"fields", r.decoded_defaults}});
      if (name == "PlasmaEvictRequest") {
        // What the store could evict when it handles this (notifications may shrink the model
        // before the reply is read).
        uint64_t evictable = 0;
        for (const auto& [id, o] : model_.objects()) {
          if (ReplayModel::Evictable(o)) evictable += o.data_size + o.metadata_size;
        }
        c.pending.back()["evictable"] = evictable;
      }
      c.barrier_after.clear();  // its reply will show the store got this far
    }
    return true;
  }

  static std::string IdOf(const Json& j) { return j.value("object_id", ""); }

  void CheckStray(int id, Connection& c) {
    size_t now = c.reader->stray_fds().size();
    EXPECT_EQ(now, c.stray_seen) << "conn " << id << ": the store passed " << (now - c.stray_seen)
                                 << " fd(s) where the real store passes none (not on a "
                                    "1-byte carrier right after a CreateReply/GetReply)";
    c.stray_seen = now;
  }

  bool ClientClose(const Record& r) {
    Connection& c = Conn(r.conn);
    // Nothing may be waiting: a request without a recorded reply must stay unanswered.
    ReadStatus st = c.reader->Probe(c.pending.empty() ? Millis(20) : kQuietWait);
    if (st == ReadStatus::kOk) {
      WireMessage m;
      c.reader->ReadMessage(&m, kReplyTimeout);
      ADD_FAILURE() << "unexpected message type " << m.type << " before the client closes"
                    << (c.pending.empty() ? ""
                                          : " (the real store never answered " +
                                                c.pending.front()["type"].get<std::string>() + ")");
    }
    ::shutdown(c.raw->fd(), SHUT_WR);
    c.write_closed = true;
    c.pending.clear();
    c.barrier_after.clear();
    model_.Disconnect(r.conn);
    return true;
  }

  bool StoreClose(const Record& r) {
    Connection& c = Conn(r.conn);
    size_t unexpected = 0;
    ReadStatus st = c.reader->WaitEof(kReplyTimeout, &unexpected);
    EXPECT_EQ(st, ReadStatus::kOk) << "expected the store to close the connection: " << ToString(st)
                                   << ", " << unexpected << " unexpected bytes first";
    c.store_closed = true;
    CheckStray(r.conn, c);
    if (!c.write_closed) model_.Disconnect(r.conn);
    return st == ReadStatus::kOk || st == ReadStatus::kBad;
  }

  WireReader* NotificationReader(const Record& r) {
    Connection& c = Conn(r.conn);
    if (c.notification_readers.empty()) {
      ADD_FAILURE() << "notification record without a subscription";
      return nullptr;
    }
    return c.notification_readers.back().get();
  }

  // In scenarios where the store may have evicted, it may also have evicted other objects
  // than the real store: their deletion frames are accepted (and the objects forgotten).
  bool IsAcceptableEvictionFrame(const Json& frame) {
    if (!model_.eviction_seen() || !frame.contains("object_info") ||
        frame["object_info"].size() != 1)
      return false;
    const Json& info = frame["object_info"][0];
    if (!info.value("is_deletion", false)) return false;
    const ObjectState* o = model_.Find(info.value("object_id", ""));
    return o != nullptr && o->maybe_gone;
  }

  bool NotificationFrame(const Record& r) {
    WireReader* reader = NotificationReader(r);
    if (!reader) return false;
    const Json& expected = r.decoded_defaults;
    for (;;) {
      std::vector<uint8_t> payload;
      ReadStatus st = reader->ReadNotification(&payload, kReplyTimeout);
      if (st != ReadStatus::kOk) {
        ADD_FAILURE() << "expected a notification frame " << expected.dump() << ": "
                      << ToString(st);
        return false;
      }
      EXPECT_TRUE(reader->stray_fds().empty()) << "an fd arrived on the notification socket";
      auto ours = DecodeTable("PlasmaNotification", payload.data(), payload.size(), true);
      if (!ours) {
        ADD_FAILURE() << "notification frame does not verify as PlasmaNotification ("
                      << payload.size() << " bytes)";
        return false;
      }
      bool expected_deletion = expected["object_info"].size() == 1 &&
                               expected["object_info"][0].value("is_deletion", false);
      if (*ours != expected && IsAcceptableEvictionFrame(*ours)) {
        Note("notification: accepted eviction of " +
             (*ours)["object_info"][0]["object_id"].get<std::string>() + " (expected " +
             expected.dump() + ")");
        model_.Remove((*ours)["object_info"][0]["object_id"].get<std::string>());
        if (expected_deletion && IsAcceptableEvictionFrame(expected))
          return true;  // another choice
        continue;       // an extra eviction before the frame we want
      }
      std::vector<std::string> diffs;
      Diff("", expected, *ours, &diffs);
      for (const auto& d : diffs) ADD_FAILURE() << "notification: " << d;
      for (const auto& info : ours->value("object_info", Json::array())) {
        if (info.value("is_deletion", false)) model_.Remove(info.value("object_id", ""));
      }
      return true;
    }
  }

  bool NotificationEof(const Record& r) {
    WireReader* reader = NotificationReader(r);
    if (!reader) return false;
    for (;;) {
      if (reader->Probe(kReplyTimeout) != ReadStatus::kOk) break;
      std::vector<uint8_t> payload;
      if (reader->ReadNotification(&payload, kReplyTimeout) != ReadStatus::kOk) break;
      auto ours = DecodeTable("PlasmaNotification", payload.data(), payload.size(), true);
      if (ours && IsAcceptableEvictionFrame(*ours)) continue;
      ADD_FAILURE() << "unexpected notification before EOF: "
                    << (ours ? ours->dump() : "(bad frame)");
    }
    size_t unexpected = 0;
    ReadStatus st = reader->WaitEof(kReplyTimeout, &unexpected);
    EXPECT_EQ(st, ReadStatus::kOk)
        << "expected the store to close the notification socket: " << ToString(st);
    return true;
  }

  bool ReceiveReply(const Record& r) {
    Connection& c = Conn(r.conn);
    WireMessage m;
    ReadStatus st = c.reader->ReadMessage(&m, kReplyTimeout);
    if (st != ReadStatus::kOk) {
      ADD_FAILURE() << "expected " << r.type_name << " " << r.decoded_defaults.dump() << ": "
                    << ToString(st);
      return false;
    }
    CheckStray(r.conn, c);
    EXPECT_EQ(m.version, 0) << "header version";
    if (m.type != r.msg_type) {
      const char* got = protocol::MessageTypeName(m.type);
      ADD_FAILURE() << "message type: expected " << r.msg_type << " " << r.type_name << ", got "
                    << m.type << " " << (got ? got : "?");
      return false;
    }
    auto ours = DecodeTable(r.type_name, m.payload.data(), m.payload.size(), true);
    if (!ours) {
      ADD_FAILURE() << "reply does not pass flatbuffers::Verifier as " << r.type_name;
      return false;
    }
    // PLASMASHARP_WIRE_DUMP=1 prints every reply of ours next to the recorded one.
    if (std::getenv("PLASMASHARP_WIRE_DUMP")) {
      std::printf("  %s\n    real: %s\n    ours: %s\n", where_.c_str(),
                  r.decoded_defaults.dump().c_str(), ours->dump().c_str());
    }
    Json request;
    if (!c.pending.empty()) {
      request = c.pending.front();
      c.pending.pop_front();
    }
    const Json& req = request.value("fields", Json::object());
    std::vector<int32_t> fd_segments;  // segments whose fd must follow, in order
    const std::string& t = r.type_name;
    if (t == "PlasmaCreateReply") {
      CheckCreateReply(r.conn, r.decoded_defaults, *ours, &fd_segments);
    } else if (t == "PlasmaGetReply") {
      CheckGetReply(r.conn, r.decoded_defaults, *ours, &fd_segments);
    } else if (t == "PlasmaListReply") {
      CheckListReply(r.decoded_defaults, *ours);
    } else if (t == "PlasmaEvictReply") {
      CheckEvictReply(req, request.value("evictable", uint64_t{0}), *ours);
    } else if (t == "PlasmaGetDebugStringReply") {
      EXPECT_TRUE(ours->contains("debug_string") && (*ours)["debug_string"].is_string() &&
                  !(*ours)["debug_string"].get<std::string>().empty())
          << "debug_string must be non-empty text: " << ours->dump();
    } else {
      std::vector<std::string> diffs;
      Diff("", r.decoded_defaults, *ours, &diffs);
      for (const auto& d : diffs) ADD_FAILURE() << d;
      ApplyReply(r.conn, t, req, *ours);
    }
    // While our store has as many segments as the real one had at this point, it must pass
    // exactly as many fds as the real one did.
    if (r.decoded_defaults.value("error", Json("OK")) == "OK" &&
        r.decoded_defaults.contains("store_fd"))
      recorded_segments_.insert(r.decoded_defaults["store_fd"].get<int32_t>());
    for (const auto& v : r.decoded_defaults.value("store_fds", Json::array()))
      recorded_segments_.insert(v.get<int32_t>());
    for (int32_t seg : fd_segments) our_segments_.insert(seg);
    for (const auto& v : ours->value("store_fds", Json::array()))
      our_segments_.insert(v.get<int32_t>());
    if (ours->contains("store_fd") && ours->value("error", Json("OK")) == "OK")
      our_segments_.insert((*ours)["store_fd"].get<int32_t>());
    if (recorded_segments_.size() == our_segments_.size()) {
      EXPECT_EQ(fd_segments.size(), static_cast<size_t>(r.fds_after))
          << "fds after this reply (same number of segments as the real store had)";
    }
    // The fds of segments this connection has not been sent yet follow, one per carrier byte.
    if (!fd_segments.empty()) {
      std::vector<int> fds;
      std::string error;
      ReadStatus fs = c.reader->ReadFds(fd_segments.size(), &fds, kReplyTimeout, &error);
      EXPECT_EQ(fs, ReadStatus::kOk) << "expected " << fd_segments.size()
                                     << " fd(s) after the reply (segments not yet sent on this "
                                        "connection): "
                                     << error;
      for (size_t i = 0; i < fds.size() && i < fd_segments.size(); ++i) {
        std::string problem = model_.NoteSegmentFile(fd_segments[i], fds[i]);
        EXPECT_EQ(problem, "");
        c.received_fds.push_back(fds[i]);
        if (problem.empty()) {
          size_t length = static_cast<size_t>(model_.SegmentSize(fd_segments[i]) - 8);
          void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
          if (p != MAP_FAILED) c.maps[fd_segments[i]] = {static_cast<uint8_t*>(p), length};
        }
        c.fd_segments.insert(fd_segments[i]);
      }
      if (fs != ReadStatus::kOk) return false;
    }
    for (int32_t seg : fd_segments) model_.sent(r.conn).insert(seg);
    CheckContent(r.conn, t, req, *ours);
    return true;
  }

  // Shared memory really is shared: after a Create we write a pattern through our mapping,
  // as a client would; a CreateAndSeal's bytes come from the request. Whoever Gets the object
  // later must read exactly those bytes at the offset the store reports.
  static uint8_t PatternByte(const std::string& id, size_t i) {
    return static_cast<uint8_t>(std::hash<std::string>()(id) + i * 131);
  }

  void CheckContent(int conn, const std::string& t, const Json& req, const Json& ours) {
    Connection& c = Conn(conn);
    if (t == "PlasmaCreateReply" && ours.value("error", Json("OK")) == "OK" &&
        ours.contains("plasma_object")) {
      const Json& spec = ours["plasma_object"];
      auto map = c.maps.find(spec["segment_index"].get<int32_t>());
      if (map == c.maps.end()) return;
      std::string id = IdOf(ours);
      uint64_t offset = U64(spec["data_offset"]);
      uint64_t size = U64(spec["data_size"]) + U64(spec["metadata_size"]);
      if (offset + size > map->second.second) return;  // reported by Place already
      std::string bytes(size, '\0');
      for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(PatternByte(id, i));
      std::memcpy(map->second.first + offset, bytes.data(), size);
      content_[id] = std::move(bytes);
    } else if (t == "PlasmaCreateAndSealReply" && ours.value("error", Json("OK")) == "OK") {
      content_[IdOf(req)] = *Unhex(req.value("data", "")) + *Unhex(req.value("metadata", ""));
    } else if (t == "PlasmaCreateAndSealBatchReply" && ours.value("error", Json("OK")) == "OK") {
      const Json ids = req.value("object_ids", Json::array());
      for (size_t i = 0; i < ids.size(); ++i) {
        content_[ids[i].get<std::string>()] = *Unhex(req["data"][i].get<std::string>()) +
                                              *Unhex(req["metadata"][i].get<std::string>());
      }
    } else if (t == "PlasmaGetReply") {
      const Json ids = ours.value("object_ids", Json::array());
      const Json specs = ours.value("plasma_objects", Json::array());
      for (size_t i = 0; i < ids.size() && i < specs.size(); ++i) {
        if (U64(specs[i]["data_size"]) == kMissing) continue;
        auto known = content_.find(ids[i].get<std::string>());
        auto map = c.maps.find(specs[i]["segment_index"].get<int32_t>());
        if (known == content_.end() || map == c.maps.end()) continue;
        uint64_t offset = U64(specs[i]["data_offset"]);
        const std::string& want = known->second;
        if (offset + want.size() > map->second.second) continue;
        EXPECT_EQ(std::memcmp(map->second.first + offset, want.data(), want.size()), 0)
            << "object " << known->first << ": the bytes at data_offset " << offset
            << " of store_fd " << specs[i]["segment_index"] << " (as mapped by this connection)"
            << " are not the ones written through the creator's mapping";
      }
    }
  }

  // Model effects of replies compared exactly.
  void ApplyReply(int conn, const std::string& t, const Json& req, const Json& ours) {
    bool ok = ours.value("error", Json("OK")) == "OK";
    if (t == "PlasmaSealReply" && ok) {
      model_.Seal(IdOf(ours));
    } else if (t == "PlasmaCreateAndSealReply" && ok) {
      uint64_t data = StringOrEmpty(req.value("data", Json())).size() / 2;
      uint64_t meta = StringOrEmpty(req.value("metadata", Json())).size() / 2;
      model_.NoteCreate(data + meta);
      model_.Create(conn, IdOf(req), data, meta, true);
    } else if (t == "PlasmaCreateAndSealBatchReply" && ok) {
      const Json ids = req.value("object_ids", Json::array());
      const Json data = req.value("data", Json::array());
      const Json meta = req.value("metadata", Json::array());
      for (size_t i = 0; i < ids.size(); ++i) {
        uint64_t d = i < data.size() ? data[i].get<std::string>().size() / 2 : 0;
        uint64_t m = i < meta.size() ? meta[i].get<std::string>().size() / 2 : 0;
        model_.NoteCreate(d + m);
        model_.Create(conn, ids[i].get<std::string>(), d, m, true);
      }
    } else if (t == "PlasmaAbortReply") {
      model_.Remove(IdOf(ours));
    } else if (t == "PlasmaDeleteReply") {
      const Json ids = ours.value("object_ids", Json::array());
      const Json errors = ours.value("errors", Json::array());
      for (size_t i = 0; i < ids.size() && i < errors.size(); ++i) {
        if (errors[i] == "OK") model_.Remove(ids[i].get<std::string>());
        if (errors[i] == "ObjectInUse" || errors[i] == "ObjectNotSealed")
          model_.DeletePending(ids[i].get<std::string>());
      }
    }
  }

  void CheckCreateReply(int conn, const Json& exp, const Json& ours, std::vector<int32_t>* fds) {
    if (exp.value("error", Json("OK")) != "OK") {
      // Errors carry no allocator values: all-zero spec, no store_fd/mmap_size, no fd.
      std::vector<std::string> diffs;
      Diff("", exp, ours, &diffs);
      for (const auto& d : diffs) ADD_FAILURE() << d;
      return;
    }
    Json e = exp, o = ours;
    for (Json* j : {&e, &o}) {
      j->erase("store_fd");
      j->erase("mmap_size");
      if (j->contains("plasma_object")) {
        (*j)["plasma_object"].erase("segment_index");
        (*j)["plasma_object"].erase("data_offset");
        (*j)["plasma_object"].erase("metadata_offset");
      }
    }
    std::vector<std::string> diffs;
    Diff("", e, o, &diffs);
    for (const auto& d : diffs) ADD_FAILURE() << d;
    if (!diffs.empty() || !ours.contains("plasma_object")) return;
    const Json& spec = ours["plasma_object"];
    int32_t store_fd = ours.value("store_fd", 0);
    EXPECT_EQ(spec["segment_index"], store_fd)
        << "plasma_object.segment_index must equal store_fd (the client keys mappings by it)";
    std::string problem = model_.NoteSegmentSize(store_fd, ours.value("mmap_size", int64_t{0}));
    EXPECT_EQ(problem, "");
    std::string id = IdOf(ours);
    model_.NoteCreate(U64(spec["data_size"]) + U64(spec["metadata_size"]));
    model_.Create(conn, id, U64(spec["data_size"]), U64(spec["metadata_size"]), false);
    problem = model_.Place(id, store_fd, U64(spec["data_offset"]), U64(spec["data_size"]),
                           U64(spec["metadata_offset"]), U64(spec["metadata_size"]));
    EXPECT_EQ(problem, "");
    if (spec["device_num"] == 0 && !model_.sent(conn).count(store_fd)) fds->push_back(store_fd);
  }

  void CheckGetReply(int conn, const Json& exp_in, const Json& ours, std::vector<int32_t>* fds) {
    Json e = exp_in, o = ours;
    const Json ids = ours.value("object_ids", Json::array());
    // Found objects: sizes exact, place by invariants. Eviction may legitimately differ.
    std::vector<int32_t> segments;
    if (e.contains("plasma_objects") && o.contains("plasma_objects") &&
        e["plasma_objects"].size() == o["plasma_objects"].size() &&
        ids.size() == o["plasma_objects"].size()) {
      for (size_t i = 0; i < ids.size(); ++i) {
        Json& es = e["plasma_objects"][i];
        Json& os = o["plasma_objects"][i];
        bool exp_found = U64(es["data_size"]) != kMissing;
        bool our_found = U64(os["data_size"]) != kMissing;
        const ObjectState* known = model_.Find(ids[i].get<std::string>());
        if (exp_found && !our_found && known && known->maybe_gone) {
          Note("GetReply: " + ids[i].get<std::string>() +
               " evicted by ours, not by the real store");
          model_.Remove(ids[i].get<std::string>());  // our store evicted it, the real one had not
          es = os;
          continue;
        }
        if (!exp_found && our_found && known && model_.eviction_seen()) {
          Note("GetReply: " + ids[i].get<std::string>() +
               " evicted by the real store, not by ours");
          es = os;  // the real store had evicted it, ours had not
        }
        if (U64(os["data_size"]) == kMissing) continue;
        int32_t seg = os["segment_index"].get<int32_t>();
        if (std::find(segments.begin(), segments.end(), seg) == segments.end())
          segments.push_back(seg);
        for (Json* s : {&es, &os}) {
          s->erase("segment_index");
          s->erase("data_offset");
          s->erase("metadata_offset");
        }
      }
    }
    Json our_fds = o.value("store_fds", Json());
    Json our_sizes = o.value("mmap_sizes", Json());
    for (Json* j : {&e, &o}) {
      j->erase("store_fds");
      j->erase("mmap_sizes");
    }
    std::vector<std::string> diffs;
    Diff("", e, o, &diffs);
    for (const auto& d : diffs) ADD_FAILURE() << d;
    // store_fds: every distinct segment of the found objects, in order of first appearance,
    // with matching mmap_sizes (present even when empty: the client reads both vectors).
    if (!our_fds.is_array() || !our_sizes.is_array()) {
      ADD_FAILURE()
          << "store_fds/mmap_sizes must be present (libplasma reads them unconditionally): "
          << ours.dump();
      return;
    }
    std::vector<int32_t> listed;
    for (const auto& v : our_fds) listed.push_back(v.get<int32_t>());
    EXPECT_EQ(listed, segments) << "store_fds must list the found objects' segments in order of "
                                   "first appearance: "
                                << ours.dump();
    EXPECT_EQ(our_sizes.size(), our_fds.size()) << "mmap_sizes and store_fds differ in length";
    for (size_t i = 0; i < listed.size() && i < our_sizes.size(); ++i) {
      EXPECT_EQ(model_.NoteSegmentSize(listed[i], our_sizes[i].get<int64_t>()), "");
    }
    if (!diffs.empty()) return;
    for (size_t i = 0; i < ids.size(); ++i) {
      const Json& os = ours["plasma_objects"][i];
      if (U64(os["data_size"]) == kMissing) {
        continue;
      }
      model_.Hold(conn, ids[i].get<std::string>());
      std::string problem = model_.Place(
          ids[i].get<std::string>(), os["segment_index"].get<int32_t>(), U64(os["data_offset"]),
          U64(os["data_size"]), U64(os["metadata_offset"]), U64(os["metadata_size"]));
      EXPECT_EQ(problem, "");
    }
    for (int32_t seg : listed) {
      if (!model_.sent(conn).count(seg)) fds->push_back(seg);
    }
  }

  // List order is the store's hash order in the real store: compare by object_id.
  void CheckListReply(const Json& exp, const Json& ours) {
    std::map<std::string, Json> e, o;
    for (const auto& info : exp.value("objects", Json::array())) e[info["object_id"]] = info;
    if (!ours.contains("objects")) {
      ADD_FAILURE() << "objects: field absent";
      return;
    }
    for (const auto& info : ours["objects"]) {
      std::string id = info.value("object_id", "");
      EXPECT_FALSE(o.count(id)) << "object " << id << " listed twice";
      o[id] = info;
    }
    const int64_t now = std::time(nullptr);
    std::set<std::string> all;
    for (const auto& [id, v] : e) all.insert(id);
    for (const auto& [id, v] : o) all.insert(id);
    for (const auto& id : all) {
      const ObjectState* known = model_.Find(id);
      bool in_e = e.count(id), in_o = o.count(id);
      if (in_e && !in_o) {
        if (known && known->maybe_gone) {
          Note("ListReply: " + id + " evicted by ours, not by the real store");
          model_.Remove(id);  // evicted by our store, not by the real one
          continue;
        }
        ADD_FAILURE() << "objects: " << id << " missing, expected " << e[id].dump();
        continue;
      }
      if (!in_e && in_o) {
        bool evictable = known && ReplayModel::Evictable(*known) && model_.eviction_seen() &&
                         o[id].value("ref_count", -1) == 0;
        EXPECT_TRUE(evictable) << "objects: unexpected " << o[id].dump();
        if (evictable) Note("ListReply: " + id + " evicted by the real store, not by ours");
        continue;
      }
      Json ei = e[id], oi = o[id];
      int64_t created = oi.value("create_time", int64_t{0});
      EXPECT_TRUE(created >= start_unix_ - 2 && created <= now + 2)
          << id << " create_time " << created << " is not the Unix time of its creation";
      int64_t exp_duration = ei.value("construct_duration", int64_t{0});
      int64_t duration = oi.value("construct_duration", int64_t{0});
      if (exp_duration == -1) {
        EXPECT_EQ(duration, -1) << id << " construct_duration of an unsealed object";
      } else {
        EXPECT_TRUE(duration >= 0 && duration <= now - start_unix_ + 2)
            << id << " construct_duration " << duration << " (seconds from create to seal)";
      }
      for (Json* j : {&ei, &oi}) {
        j->erase("create_time");
        j->erase("construct_duration");
      }
      std::vector<std::string> diffs;
      Diff("objects[" + id + "].", ei, oi, &diffs);
      for (const auto& d : diffs) ADD_FAILURE() << d;
      auto live = model_.objects().find(id);
      if (live != model_.objects().end()) live->second.maybe_gone = false;
    }
  }

  void CheckEvictReply(const Json& req, uint64_t evictable, const Json& ours) {
    uint64_t asked = U64(req.value("num_bytes", Json(0)));
    uint64_t freed = U64(ours.value("num_bytes", Json(0)));
    EXPECT_GE(freed, std::min(asked, evictable))
        << "EvictReply.num_bytes: asked " << asked << ", " << evictable << " bytes were evictable";
    EXPECT_LE(freed, evictable) << "EvictReply.num_bytes reports more than was evictable";
    model_.MayHaveEvicted();
  }

  const Scenario& s_;
  StoreProcess& store_;
  int64_t capacity_;
  ReplayModel model_;
  int64_t start_unix_;
  std::string where_;
  bool accept_store_close_ = false;
  std::map<int, Connection> conns_;
  std::set<int32_t> recorded_segments_, our_segments_;  // store_fds seen so far
  std::map<std::string, std::string> content_;          // object id -> data + metadata it must hold

 public:
  std::map<int, Connection>& connections() { return conns_; }
};

bool StoreCrashed(const Scenario& s) {
  return s.info.contains("probe_outcome") &&
         !s.info["probe_outcome"].value("store_alive_after", true);
}

// Index just past the last message a client sent (the bad one in a crash probe).
size_t PastLastClientMessage(const Scenario& s) {
  size_t end = 0;
  for (size_t i = 0; i < s.records.size(); ++i) {
    if (s.records[i].to_store && !s.records[i].eof) end = i + 1;
  }
  return end;
}

size_t IndexOfSeq(const Scenario& s, int seq) {
  for (size_t i = 0; i < s.records.size(); ++i) {
    if (s.records[i].seq == seq) return i;
  }
  return s.records.size();
}

// Two SubscribeRequests then a List: the real store mis-reads the second fd's carrier byte
// and never answers. Ours may answer the List (empty) or not, but must not freeze: a new
// connection is served meanwhile, and closing the client closes both notification sockets.
void ReplaySubscribeTwice(const Scenario& s, StoreProcess& store, Replay& replay) {
  size_t list = IndexOfSeq(s, 4);
  ASSERT_LT(list, s.records.size());
  ASSERT_EQ(s.records[list].type_name, "PlasmaListRequest");
  replay.AcceptStoreClose();
  ASSERT_TRUE(replay.Run(0, list + 1));
  Connection& c = replay.Conn(0);
  replay.Flush(0);
  WireMessage m;
  ReadStatus st = c.reader->ReadMessage(&m, Millis(1000));
  if (st == ReadStatus::kOk) {
    EXPECT_EQ(m.type, TypeOf("PlasmaListReply"));
    auto body = DecodeTable("PlasmaListReply", m.payload.data(), m.payload.size(), true);
    ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, (Json{{"objects", Json::array()}}));
  } else {
    EXPECT_NE(st, ReadStatus::kBad);
  }
  replay.ExpectStoreServesNewConnection();
  ::shutdown(c.raw->fd(), SHUT_WR);
  size_t unexpected = 0;
  EXPECT_EQ(c.reader->WaitEof(kReplyTimeout, &unexpected), ReadStatus::kOk)
      << "store did not close the connection after the client closed";
  ASSERT_EQ(c.notification_readers.size(), 2u);
  for (auto& reader : c.notification_readers) {
    EXPECT_EQ(reader->WaitEof(kReplyTimeout, &unexpected), ReadStatus::kOk)
        << "a notification socket stayed open after its client disconnected";
  }
  EXPECT_TRUE(store.alive());
}

class ScenarioReplay : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioReplay, OurStoreAnswersLikeTheRealOne) {
  std::string error;
  auto loaded = LoadScenario(GetParam(), &error);
  ASSERT_TRUE(loaded.has_value()) << error;
  const Scenario& s = *loaded;
  int64_t capacity = s.info.value("store_memory_bytes", int64_t{0});
  ASSERT_GT(capacity, 0);
  std::unique_ptr<StoreProcess> store;
  try {
    store = std::make_unique<StoreProcess>(capacity);
  } catch (const std::exception& e) {
    FAIL() << "could not start " << StoreExecutable() << ": " << e.what();
  }
  Replay replay(s, *store);
  if (s.name == "probe_subscribe_twice") {
    ReplaySubscribeTwice(s, *store, replay);
    return;
  }
  if (StoreCrashed(s)) {
    size_t end = PastLastClientMessage(s);
    ASSERT_GT(end, 0u);
    // Everything up to and including the message the real store died on, then survival.
    ASSERT_TRUE(replay.Run(0, end));
    replay.ExpectSurvivedBadMessage(s.records[end - 1]);
    return;
  }
  if (replay.Run(0, s.records.size())) replay.CheckFdTotals();
  EXPECT_TRUE(store->alive()) << "the store exited during the scenario";
  if (s.info.contains("probe_outcome")) replay.ExpectStoreServesNewConnection();
}

// The harness itself: a reader must take fds only from carrier bytes, and flag the rest.
TEST(ReplayHarness, WireReaderSeparatesCarrierBytesFromStrayFds) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  auto payload = *EncodeTable("PlasmaConnectReply", Json{{"memory_capacity", 5}}, false);
  int passed = ::dup(0);
  // Reply + one carrier byte: read as a message and one fd.
  ASSERT_EQ(protocol::WriteMessage(sv[0], 20, payload.data(), payload.size()), 0);
  ASSERT_EQ(protocol::SendFd(sv[0], passed), 0);
  WireReader reader(sv[1]);
  WireMessage m;
  ASSERT_EQ(reader.ReadMessage(&m, kReplyTimeout), ReadStatus::kOk);
  EXPECT_EQ(m.type, 20);
  std::vector<int> fds;
  std::string error;
  ASSERT_EQ(reader.ReadFds(1, &fds, kReplyTimeout, &error), ReadStatus::kOk) << error;
  EXPECT_EQ(fds.size(), 1u);
  EXPECT_TRUE(reader.stray_fds().empty());
  // An fd nobody expected: its carrier byte is read as message data and flagged.
  ASSERT_EQ(protocol::SendFd(sv[0], passed), 0);
  ASSERT_EQ(protocol::WriteMessage(sv[0], 20, payload.data(), payload.size()), 0);
  ReadStatus st = reader.ReadMessage(&m, Millis(200));
  EXPECT_EQ(reader.stray_fds().size(), 1u) << ToString(st);
  // A carrier byte that carries nothing is an error, not an fd.
  WireReader second(sv[1]);
  ::send(sv[0], "x", 1, 0);
  fds.clear();
  EXPECT_EQ(second.ReadFds(1, &fds, Millis(200), &error), ReadStatus::kBad);
  EXPECT_TRUE(fds.empty());
  protocol::CloseAll(&fds);
  ::close(passed);
  ::close(sv[0]);
  ::close(sv[1]);
}

// No vectors here: no instances (GoldenDecodeCoverage reports the skip and its reason).
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ScenarioReplay);
INSTANTIATE_TEST_SUITE_P(Vectors, ScenarioReplay, ::testing::ValuesIn(ScenarioNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return ParamName(info.param);
                         });

}  // namespace
}  // namespace plasmasharp::testing
