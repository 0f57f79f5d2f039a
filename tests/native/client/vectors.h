// The recorded vectors (plasma-wire/vectors/*.jsonl) and a replay of one recorded connection:
// the fake store reads each request our client sends, checks it against the recorded request
// (type and every decoded field), and answers with the recorded reply bytes and fds.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "fake_store.h"

namespace plasmasharp::testing {

struct Record {
  int seq = 0;
  int conn = 0;
  bool to_store = false;       // client->store
  bool notification = false;   // notification socket
  int64_t msg_type = -1;       // -1 = EOF
  std::string name;
  std::vector<uint8_t> payload;
  std::vector<int64_t> fd_sizes;  // st_size of each fd after the message
  nlohmann::json decoded_defaults;
};

std::vector<Record> LoadScenario(const std::string& scenario);

// Our request decoded into the shape of flatc's --defaults-json output.
nlohmann::json DecodeRequest(int64_t type, const std::vector<uint8_t>& payload, bool* valid);

struct ReplayOptions {
  // Request fields not compared: "digest" (every request) or "12:digest" (only seq 12), e.g.
  // where the recorded content is unknown.
  std::vector<std::string> ignore_fields;
};

// What the replay saw; read it after the FakeStore is destroyed (joined).
struct ReplayLog {
  std::vector<std::string> errors;
  std::vector<Message> requests;
};

// Plays the store's side of connection `conn` of `records`.
void ReplayConnection(FakeConnection& c, const std::vector<Record>& records, int conn,
                      const ReplayOptions& options, ReplayLog* log);

}  // namespace plasmasharp::testing
