// The one loader of the recorded scenarios of ../shared/plasma-wire (wire and client suites):
// scenarios.json plus one JSON record per framed message in vectors/<scenario>.jsonl (see the
// README there for every field).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire_codec.h"

namespace plasmasharp::testing {

struct Record {
  int seq = 0;
  int conn = 0;
  bool to_store = false;      // direction client->store
  bool notification = false;  // socket "notification" (else "main")
  bool eof = false;           // pseudo record: that direction was closed
  int64_t msg_type = 0;
  std::string type_name;  // msg_type_name
  int64_t length = 0;
  std::vector<uint8_t> payload;
  int fds_after = 0;
  std::vector<int64_t> fd_sizes;   // st_size of each segment fd after the message (fd_info)
  std::optional<int64_t> version;  // main socket only
  std::string header_hex;          // main socket only
  Json decoded;
  Json decoded_defaults;
  Json raw;  // the whole record, for fields not listed here (fd_info, note, ...)
};

struct Scenario {
  std::string name;
  Json info;                    // its scenarios.json entry
  std::vector<Record> records;  // in seq order
};

// Scenario names from scenarios.json (sorted); empty when the file is missing or unreadable.
std::vector<std::string> ScenarioNames();

// Loads one scenario; nullopt with `error` set when a file is missing or malformed.
std::optional<Scenario> LoadScenario(const std::string& name, std::string* error);

// gtest-friendly parameter name (alphanumerics and '_').
std::string ParamName(const std::string& scenario);

}  // namespace plasmasharp::testing
