// The fake store's side of one recorded connection (plasma-wire/vectors/*.jsonl, loaded by
// vectors.h): it reads each request our client sends, checks it against the recorded request
// (type and every field of decoded_defaults, decoded with wire_codec.h), and answers with the
// recorded reply bytes and fds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fake_store.h"
#include "vectors.h"

namespace plasmasharp::testing {

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
