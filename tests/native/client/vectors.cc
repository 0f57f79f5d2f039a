#include "vectors.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "socket_io.h"
#include "wire.h"

namespace plasmasharp::testing {

namespace fb = plasma::flatbuf;
using nlohmann::json;

std::vector<Record> LoadScenario(const std::string& scenario) {
  std::ifstream in(WireDir() + "/vectors/" + scenario + ".jsonl");
  if (!in) throw std::runtime_error("cannot open vectors for " + scenario);
  std::vector<Record> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line);
    Record r;
    r.seq = j["seq"];
    r.conn = j["conn"];
    r.to_store = j["direction"] == "client->store";
    r.notification = j["socket"] == "notification";
    r.msg_type = j["msg_type"];
    r.name = j["msg_type_name"];
    if (j.contains("payload_hex") && j["payload_hex"].is_string()) {
      r.payload = FromHex(j["payload_hex"].get<std::string>());
    }
    if (j.contains("fd_info")) {
      // Segment fds carry st_size; the SubscribeRequest's socket fd does not.
      for (auto& f : j["fd_info"]) {
        if (f.contains("st_size") && f["st_size"].is_number()) r.fd_sizes.push_back(f["st_size"]);
      }
    }
    if (j.contains("decoded_defaults") && !j["decoded_defaults"].is_null()) {
      r.decoded_defaults = j["decoded_defaults"];
    }
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.seq < b.seq; });
  return out;
}

namespace {

std::string Hex(const flatbuffers::String* s) {
  return s ? ToHex(reinterpret_cast<const uint8_t*>(s->data()), s->size()) : std::string();
}

json HexList(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* v) {
  json a = json::array();
  if (v)
    for (const auto* s : *v) a.push_back(Hex(s));
  return a;
}

template <typename T>
const T* Root(const std::vector<uint8_t>& p, bool* valid) {
  flatbuffers::Verifier verifier(p.data(), p.size());
  *valid = p.size() >= 4 && verifier.VerifyBuffer<T>(nullptr);
  return *valid ? flatbuffers::GetRoot<T>(p.data()) : nullptr;
}

}  // namespace

json DecodeRequest(int64_t type, const std::vector<uint8_t>& p, bool* valid) {
  json j = json::object();
  *valid = false;
  switch (static_cast<fb::MessageType>(type)) {
    case fb::MessageType::PlasmaConnectRequest:
      Root<fb::PlasmaConnectRequest>(p, valid);
      break;
    case fb::MessageType::PlasmaListRequest:
      Root<fb::PlasmaListRequest>(p, valid);
      break;
    case fb::MessageType::PlasmaGetDebugStringRequest:
      Root<fb::PlasmaGetDebugStringRequest>(p, valid);
      break;
    case fb::MessageType::PlasmaSubscribeRequest:
      Root<fb::PlasmaSubscribeRequest>(p, valid);
      break;
    case fb::MessageType::PlasmaCreateRequest:
      if (auto* r = Root<fb::PlasmaCreateRequest>(p, valid)) {
        j = {{"object_id", Hex(r->object_id())}, {"evict_if_full", r->evict_if_full()},
             {"data_size", r->data_size()},      {"metadata_size", r->metadata_size()},
             {"device_num", r->device_num()}};
      }
      break;
    case fb::MessageType::PlasmaAbortRequest:
      if (auto* r = Root<fb::PlasmaAbortRequest>(p, valid)) j = {{"object_id", Hex(r->object_id())}};
      break;
    case fb::MessageType::PlasmaContainsRequest:
      if (auto* r = Root<fb::PlasmaContainsRequest>(p, valid)) j = {{"object_id", Hex(r->object_id())}};
      break;
    case fb::MessageType::PlasmaReleaseRequest:
      if (auto* r = Root<fb::PlasmaReleaseRequest>(p, valid)) j = {{"object_id", Hex(r->object_id())}};
      break;
    case fb::MessageType::PlasmaSealRequest:
      if (auto* r = Root<fb::PlasmaSealRequest>(p, valid)) {
        j = {{"object_id", Hex(r->object_id())}, {"digest", Hex(r->digest())}};
      }
      break;
    case fb::MessageType::PlasmaCreateAndSealRequest:
      if (auto* r = Root<fb::PlasmaCreateAndSealRequest>(p, valid)) {
        j = {{"object_id", Hex(r->object_id())}, {"evict_if_full", r->evict_if_full()},
             {"data", Hex(r->data())},           {"metadata", Hex(r->metadata())},
             {"digest", Hex(r->digest())}};
      }
      break;
    case fb::MessageType::PlasmaCreateAndSealBatchRequest:
      if (auto* r = Root<fb::PlasmaCreateAndSealBatchRequest>(p, valid)) {
        j = {{"object_ids", HexList(r->object_ids())}, {"evict_if_full", r->evict_if_full()},
             {"data", HexList(r->data())},            {"metadata", HexList(r->metadata())},
             {"digest", HexList(r->digest())}};
      }
      break;
    case fb::MessageType::PlasmaSetOptionsRequest:
      if (auto* r = Root<fb::PlasmaSetOptionsRequest>(p, valid)) {
        j = {{"client_name", r->client_name() ? r->client_name()->str() : ""},
             {"output_memory_quota", r->output_memory_quota()}};
      }
      break;
    case fb::MessageType::PlasmaDeleteRequest:
      if (auto* r = Root<fb::PlasmaDeleteRequest>(p, valid)) {
        j = {{"count", r->count()}, {"object_ids", HexList(r->object_ids())}};
      }
      break;
    case fb::MessageType::PlasmaGetRequest:
      if (auto* r = Root<fb::PlasmaGetRequest>(p, valid)) {
        j = {{"object_ids", HexList(r->object_ids())}, {"timeout_ms", r->timeout_ms()}};
      }
      break;
    case fb::MessageType::PlasmaEvictRequest:
      if (auto* r = Root<fb::PlasmaEvictRequest>(p, valid)) j = {{"num_bytes", r->num_bytes()}};
      break;
    case fb::MessageType::PlasmaRefreshLRURequest:
      if (auto* r = Root<fb::PlasmaRefreshLRURequest>(p, valid)) {
        j = {{"object_ids", HexList(r->object_ids())}};
      }
      break;
    default:
      break;
  }
  return j;
}

void ReplayConnection(FakeConnection& c, const std::vector<Record>& records, int conn,
                      const ReplayOptions& options, ReplayLog* log) {
  int notification_fd = -1;
  auto fail = [&](const std::string& e) { log->errors.push_back(e); };
  for (const Record& r : records) {
    if (r.conn != conn) continue;
    const std::string where = "seq " + std::to_string(r.seq) + " (" + r.name + "): ";
    if (r.to_store) {
      if (r.notification) continue;
      if (r.msg_type < 0) {
        if (!c.WaitForClientClose()) fail(where + "the client did not close the connection");
        continue;
      }
      bool subscribe = r.msg_type == static_cast<int64_t>(fb::MessageType::PlasmaSubscribeRequest);
      auto m = c.ReadRequest(5000, subscribe ? 1 : 0);
      if (!m) {
        fail(where + "the client sent nothing");
        break;
      }
      log->requests.push_back(*m);
      if (m->type != r.msg_type) {
        const char* got = protocol::MessageTypeName(m->type);
        fail(where + "the client sent " + (got ? got : std::to_string(m->type)));
        break;
      }
      if (subscribe) {
        if (m->fds.size() != 1) {
          fail(where + "SubscribeRequest without exactly one fd");
          break;
        }
        notification_fd = m->fds[0];
        m->fds.clear();
        log->requests.back().fds.clear();
      } else if (!m->fds.empty()) {
        fail(where + "unexpected fd from the client");
      }
      bool valid = false;
      json ours = DecodeRequest(m->type, m->payload, &valid);
      if (!valid) fail(where + "our request does not verify as a flatbuffer");
      for (auto it = r.decoded_defaults.begin(); it != r.decoded_defaults.end(); ++it) {
        const auto& ignored = options.ignore_fields;
        if (std::find(ignored.begin(), ignored.end(), it.key()) != ignored.end() ||
            std::find(ignored.begin(), ignored.end(), std::to_string(r.seq) + ":" + it.key()) !=
                ignored.end()) {
          continue;
        }
        if (!ours.contains(it.key()) || ours[it.key()] != it.value()) {
          fail(where + "field " + it.key() + ": recorded " + it.value().dump() + ", ours " +
               (ours.contains(it.key()) ? ours[it.key()].dump() : "absent"));
        }
      }
    } else if (r.notification) {
      if (notification_fd < 0) {
        fail(where + "notification before any subscription");
        break;
      }
      if (r.msg_type < 0) {
        ::close(notification_fd);
        notification_fd = -1;
        continue;
      }
      int64_t length = static_cast<int64_t>(r.payload.size());
      std::vector<uint8_t> frame(8);
      std::memcpy(frame.data(), &length, 8);
      frame.insert(frame.end(), r.payload.begin(), r.payload.end());
      if (protocol::WriteAll(notification_fd, frame.data(), frame.size()) != 0) {
        fail(where + "writing the notification failed");
      }
    } else {
      if (r.msg_type < 0) {
        c.Close();
        break;
      }
      if (!c.SendReply(r.msg_type, r.payload)) fail(where + "sending the reply failed");
      for (int64_t size : r.fd_sizes) {
        if (!c.SendSegmentFd(size)) fail(where + "sending a segment fd failed");
      }
    }
  }
  if (notification_fd >= 0) ::close(notification_fd);
}

}  // namespace plasmasharp::testing
