#include "vector_replay.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "socket_io.h"
#include "wire.h"

namespace plasmasharp::testing {

namespace fb = plasma::flatbuf;

void ReplayConnection(FakeConnection& c, const std::vector<Record>& records, int conn,
                      const ReplayOptions& options, ReplayLog* log) {
  int notification_fd = -1;
  auto fail = [&](const std::string& e) { log->errors.push_back(e); };
  for (const Record& r : records) {
    if (r.conn != conn) continue;
    const std::string where = "seq " + std::to_string(r.seq) + " (" + r.type_name + "): ";
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
      const char* table = protocol::MessageTypeName(m->type);
      std::optional<Json> decoded =
          table ? DecodeTable(table, m->payload.data(), m->payload.size(), true) : std::nullopt;
      if (!decoded) fail(where + "our request does not verify as a flatbuffer");
      const Json ours = decoded.value_or(Json::object());
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
