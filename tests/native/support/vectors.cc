#include "vectors.h"

#include <algorithm>
#include <fstream>

#include "test_support.h"

namespace plasmasharp::testing {

namespace {

std::optional<Json> ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace

std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  auto j = ReadJson(WireDir() + "/scenarios.json");
  if (!j || !j->is_object()) return names;
  for (const auto& [name, info] : j->items()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<Scenario> LoadScenario(const std::string& name, std::string* error) {
  auto all = ReadJson(WireDir() + "/scenarios.json");
  if (!all || !all->contains(name)) {
    *error = "scenario " + name + " not in scenarios.json";
    return std::nullopt;
  }
  Scenario s;
  s.name = name;
  s.info = (*all)[name];
  const std::string path = WireDir() + "/vectors/" + name + ".jsonl";
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path;
    return std::nullopt;
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      *error = path + ":" + std::to_string(line_no) + ": not a JSON object";
      return std::nullopt;
    }
    try {
      Record r;
      r.seq = j.at("seq").get<int>();
      r.conn = j.at("conn").get<int>();
      r.to_store = j.at("direction").get<std::string>() == "client->store";
      r.notification = j.at("socket").get<std::string>() == "notification";
      r.msg_type = j.at("msg_type").get<int64_t>();
      r.type_name = j.at("msg_type_name").get<std::string>();
      r.eof = j.value("event", "") == "eof";
      r.length = j.at("length").get<int64_t>();
      auto payload = Unhex(j.at("payload_hex").get<std::string>());
      if (!payload) throw std::invalid_argument("payload_hex is not hex");
      r.payload.assign(payload->begin(), payload->end());
      r.fds_after = j.value("fds_after", 0);
      if (j.contains("fd_info")) {
        // Segment fds carry st_size; the SubscribeRequest's socket fd does not.
        for (const auto& f : j["fd_info"]) {
          if (f.contains("st_size") && f["st_size"].is_number()) {
            r.fd_sizes.push_back(f["st_size"].get<int64_t>());
          }
        }
      }
      if (j.contains("version")) r.version = j["version"].get<int64_t>();
      r.header_hex = j.value("header_hex", "");
      r.decoded = j.value("decoded", Json());
      r.decoded_defaults = j.value("decoded_defaults", Json());
      r.raw = j;
      s.records.push_back(std::move(r));
    } catch (const std::exception& e) {
      *error = path + ":" + std::to_string(line_no) + ": " + e.what();
      return std::nullopt;
    }
  }
  std::stable_sort(s.records.begin(), s.records.end(),
                   [](const Record& a, const Record& b) { return a.seq < b.seq; });
  return s;
}

std::string ParamName(const std::string& scenario) {
  std::string out;
  for (char c : scenario) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

}  // namespace plasmasharp::testing
