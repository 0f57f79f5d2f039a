// Golden decode: every recorded message of ../shared/plasma-wire/vectors verifies and decodes
// with OUR schema (plasma_generated.h) to exactly the field values flatc printed for the real
// Arrow 11 bytes, the header bytes match our EncodeHeader, and what our builders write from
// those values decodes back to the same values. One test case per scenario file.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "test_support.h"
#include "wire.h"
#include "wire_codec.h"
#include "vectors.h"

namespace plasmasharp::testing {
namespace {

namespace protocol = plasmasharp::protocol;

std::string Where(const Scenario& s, const Record& r) {
  return s.name + " seq " + std::to_string(r.seq) + " (" + r.type_name + ")";
}

void CheckHeader(const Scenario& s, const Record& r) {
  SCOPED_TRACE(Where(s, r));
  if (r.notification) {
    // Notification frames are int64 length + flatbuffer: no version, no type word.
    EXPECT_FALSE(r.version.has_value());
    EXPECT_TRUE(r.header_hex.empty());
    return;
  }
  ASSERT_TRUE(r.version.has_value());
  uint8_t header[protocol::kHeaderSize];
  protocol::EncodeHeader(protocol::Header{*r.version, r.msg_type, r.length}, header);
  EXPECT_EQ(ToHex(header, sizeof(header)), r.header_hex);
  auto raw = Unhex(r.header_hex);
  ASSERT_TRUE(raw && raw->size() == protocol::kHeaderSize);
  protocol::Header h = protocol::DecodeHeader(reinterpret_cast<const uint8_t*>(raw->data()));
  EXPECT_EQ(h.version, *r.version);
  EXPECT_EQ(h.type, r.msg_type);
  EXPECT_EQ(h.length, r.length);
}

void CheckTypeName(const Scenario& s, const Record& r) {
  SCOPED_TRACE(Where(s, r));
  if (r.eof) {
    EXPECT_EQ(r.msg_type, -1);
    EXPECT_EQ(r.type_name, "EOF");
    EXPECT_TRUE(r.payload.empty());
    EXPECT_TRUE(r.decoded.is_null());
    EXPECT_TRUE(r.decoded_defaults.is_null());
    return;
  }
  const char* ours = protocol::MessageTypeName(r.msg_type);
  if (ours == nullptr) {
    EXPECT_EQ(r.type_name, "UNKNOWN_" + std::to_string(r.msg_type));
  } else {
    EXPECT_EQ(r.type_name, ours);
  }
  if (r.notification) {
    EXPECT_EQ(r.msg_type, static_cast<int64_t>(plasma::flatbuf::MessageType::PlasmaNotification));
  }
}

void CheckFds(const Scenario& s, const Record& r) {
  SCOPED_TRACE(Where(s, r));
  if (r.raw.contains("fd_info")) {
    EXPECT_EQ(r.raw["fd_info"].size(), static_cast<size_t>(r.fds_after));
  } else {
    EXPECT_EQ(r.fds_after, 0);
  }
  if (r.fds_after == 0) return;
  // Only these messages are ever followed by descriptors (README: fd passing).
  if (r.to_store) {
    EXPECT_EQ(r.type_name, "PlasmaSubscribeRequest");
    EXPECT_EQ(r.fds_after, 1);
  } else {
    EXPECT_TRUE(r.type_name == "PlasmaCreateReply" || r.type_name == "PlasmaGetReply");
  }
}

void CheckPayload(const Scenario& s, const Record& r) {
  SCOPED_TRACE(Where(s, r));
  if (r.eof) return;
  EXPECT_EQ(static_cast<size_t>(r.length), r.payload.size());
  const bool has_table = HasTable(r.type_name);
  if (!has_table) {
    // Types without a table (0, 24, unknown numbers): the recorder could not decode them
    // either, and nothing verifies them.
    EXPECT_TRUE(r.decoded.is_null()) << "our schema lacks a table the vectors decode";
    EXPECT_FALSE(VerifyTable(r.type_name, r.payload.data(), r.payload.size()));
    EXPECT_FALSE(DecodeTable(r.type_name, r.payload.data(), r.payload.size(), true).has_value());
    return;
  }
  ASSERT_FALSE(r.decoded.is_null()) << "recorded payload did not decode with flatc";
  ASSERT_TRUE(VerifyTable(r.type_name, r.payload.data(), r.payload.size()))
      << "flatbuffers::Verifier rejects a payload the real implementation produced";
  auto with_defaults = DecodeTable(r.type_name, r.payload.data(), r.payload.size(), true);
  auto present_only = DecodeTable(r.type_name, r.payload.data(), r.payload.size(), false);
  ASSERT_TRUE(with_defaults && present_only);
  EXPECT_EQ(*with_defaults, r.decoded_defaults)
      << "ours:     " << with_defaults->dump() << "\nrecorded: " << r.decoded_defaults.dump();
  EXPECT_EQ(*present_only, r.decoded)
      << "ours:     " << present_only->dump() << "\nrecorded: " << r.decoded.dump();
  // The recorder's two views agree on every field physically present.
  for (const auto& [key, value] : r.decoded.items()) {
    ASSERT_TRUE(r.decoded_defaults.contains(key)) << key;
    if (!value.is_array()) {
      EXPECT_EQ(r.decoded_defaults[key], value) << key;
    }
  }
}

// Our builders, fed the decoded values, must write bytes that decode to the same values.
// Layout may differ from the C++ builder's, so values are compared, not bytes.
void CheckReencode(const Scenario& s, const Record& r) {
  SCOPED_TRACE(Where(s, r));
  if (r.eof || !HasTable(r.type_name)) return;
  for (const Json* source : {&r.decoded, &r.decoded_defaults}) {
    for (bool force_defaults : {false, true}) {
      SCOPED_TRACE(std::string(source == &r.decoded ? "from decoded" : "from decoded_defaults") +
                   (force_defaults ? ", defaults forced" : ", defaults omitted"));
      auto bytes = EncodeTable(r.type_name, *source, force_defaults);
      ASSERT_TRUE(bytes.has_value()) << "our builder could not encode " << source->dump();
      ASSERT_TRUE(VerifyTable(r.type_name, bytes->data(), bytes->size()));
      auto back = DecodeTable(r.type_name, bytes->data(), bytes->size(), true);
      ASSERT_TRUE(back.has_value());
      EXPECT_EQ(*back, r.decoded_defaults)
          << "ours:     " << back->dump() << "\nrecorded: " << r.decoded_defaults.dump();
    }
  }
}

class GoldenDecode : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenDecode, EveryRecordDecodesToTheRecordedFields) {
  std::string error;
  auto scenario = LoadScenario(GetParam(), &error);
  ASSERT_TRUE(scenario.has_value()) << error;
  const Scenario& s = *scenario;
  ASSERT_FALSE(s.records.empty());
  EXPECT_EQ(s.records.size(), s.info.value("records", size_t{0}));

  // scenarios.json lists exactly the message types the file holds.
  std::set<std::string> types;
  std::set<int> seqs;
  for (const Record& r : s.records) {
    if (!r.eof) types.insert(r.type_name);
    EXPECT_TRUE(seqs.insert(r.seq).second) << "duplicate seq " << r.seq;
  }
  std::set<std::string> listed;
  for (const auto& t : s.info.value("message_types", Json::array()))
    listed.insert(t.get<std::string>());
  EXPECT_EQ(types, listed);

  for (const Record& r : s.records) {
    CheckTypeName(s, r);
    if (!r.eof) CheckHeader(s, r);
    CheckFds(s, r);
    CheckPayload(s, r);
    CheckReencode(s, r);
  }
}

// No vectors here: no instances (AllScenarioFilesArePresent reports the skip and its reason).
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenDecode);
INSTANTIATE_TEST_SUITE_P(Vectors, GoldenDecode, ::testing::ValuesIn(ScenarioNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return ParamName(info.param);
                         });

TEST(GoldenDecodeCoverage, AllScenarioFilesArePresent) {
  if (auto why = WireVectorsMissing()) GTEST_SKIP() << *why;
  auto names = ScenarioNames();
  EXPECT_EQ(names.size(), 32u) << "scenarios.json not found under " << WireDir();
  for (const auto& name : names) {
    std::ifstream in(WireDir() + "/vectors/" + name + ".jsonl");
    EXPECT_TRUE(in.good()) << name;
  }
}

// Every message type the vectors contain has a table in our schema, except the three the
// store must reject without one (0 and 24 have no table in the real schema either; 99 is
// outside the enum).
TEST(GoldenDecodeCoverage, EveryRecordedMessageTypeHasOurTable) {
  if (auto why = WireVectorsMissing()) GTEST_SKIP() << *why;
  std::set<std::string> seen, without_table;
  for (const auto& name : ScenarioNames()) {
    std::string error;
    auto s = LoadScenario(name, &error);
    ASSERT_TRUE(s.has_value()) << error;
    for (const Record& r : s->records) {
      if (r.eof) continue;
      seen.insert(r.type_name);
      if (!HasTable(r.type_name)) without_table.insert(r.type_name);
    }
  }
  EXPECT_EQ(without_table, (std::set<std::string>{"PlasmaDisconnectClient",
                                                  "PlasmaUnsubscribeRequest", "UNKNOWN_99"}));
  // Every message the real client can send and every reply the real store sends is recorded.
  for (const char* t : {"PlasmaConnectRequest",
                        "PlasmaConnectReply",
                        "PlasmaCreateRequest",
                        "PlasmaCreateReply",
                        "PlasmaCreateAndSealRequest",
                        "PlasmaCreateAndSealReply",
                        "PlasmaAbortRequest",
                        "PlasmaAbortReply",
                        "PlasmaSealRequest",
                        "PlasmaSealReply",
                        "PlasmaGetRequest",
                        "PlasmaGetReply",
                        "PlasmaReleaseRequest",
                        "PlasmaDeleteRequest",
                        "PlasmaDeleteReply",
                        "PlasmaContainsRequest",
                        "PlasmaContainsReply",
                        "PlasmaListRequest",
                        "PlasmaListReply",
                        "PlasmaEvictRequest",
                        "PlasmaEvictReply",
                        "PlasmaSubscribeRequest",
                        "PlasmaNotification",
                        "PlasmaSetOptionsRequest",
                        "PlasmaSetOptionsReply",
                        "PlasmaGetDebugStringRequest",
                        "PlasmaGetDebugStringReply",
                        "PlasmaCreateAndSealBatchRequest",
                        "PlasmaCreateAndSealBatchReply",
                        "PlasmaRefreshLRURequest",
                        "PlasmaRefreshLRUReply"}) {
    EXPECT_TRUE(seen.count(t)) << t << " missing from the vectors";
    EXPECT_TRUE(HasTable(t)) << t;
  }
}

// Our MessageType numbering is the one TABLES.md gives for the real schema.
TEST(GoldenDecodeCoverage, MessageTypeNumbersMatchTablesMd) {
  if (auto why = WireVectorsMissing()) GTEST_SKIP() << *why;
  std::ifstream in(WireDir() + "/TABLES.md");
  ASSERT_TRUE(in.good());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto start = text.find("## enum `MessageType`");
  ASSERT_NE(start, std::string::npos);
  auto end = text.find("## enum", start + 5);
  std::string section =
      text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  // Entries look like "0 PlasmaDisconnectClient, 1 PlasmaCreateRequest, ...".
  int count = 0;
  std::istringstream words(section);
  std::string number, name;
  while (words >> number) {
    if (number.empty() || !std::isdigit(static_cast<unsigned char>(number[0]))) continue;
    if (!(words >> name) || name.rfind("Plasma", 0) != 0) continue;
    if (name.back() == ',') name.pop_back();
    const char* ours = protocol::MessageTypeName(std::stoll(number));
    ASSERT_NE(ours, nullptr) << number;
    EXPECT_EQ(std::string(ours), name) << number;
    ++count;
  }
  EXPECT_EQ(count, 36);
  EXPECT_EQ(protocol::MessageTypeName(36), nullptr);
  EXPECT_EQ(protocol::MessageTypeName(99), nullptr);
  EXPECT_EQ(protocol::MessageTypeName(-1), nullptr);
}

// The verifier is what keeps a malformed payload from being read: garbage must not pass.
TEST(GoldenDecodeCoverage, VerifierRejectsMalformedBuffers) {
  const std::vector<uint8_t> empty;
  const std::vector<uint8_t> root_past_end = {0xff, 0x00, 0x00, 0x00, 0, 0, 0, 0};
  const std::vector<uint8_t> short_buffer = {0x08, 0x00};
  for (const auto& table : KnownTables()) {
    SCOPED_TRACE(table);
    EXPECT_FALSE(VerifyTable(table, empty.data(), empty.size()));
    EXPECT_FALSE(VerifyTable(table, root_past_end.data(), root_past_end.size()));
    EXPECT_FALSE(VerifyTable(table, short_buffer.data(), short_buffer.size()));
  }
  // A CreateRequest whose object_id string claims more bytes than the buffer holds.
  auto good = EncodeTable("PlasmaCreateRequest", Json{{"object_id", std::string(40, 'a')}}, false);
  ASSERT_TRUE(good.has_value());
  ASSERT_TRUE(VerifyTable("PlasmaCreateRequest", good->data(), good->size()));
  auto truncated = *good;
  truncated.resize(truncated.size() - 12);
  EXPECT_FALSE(VerifyTable("PlasmaCreateRequest", truncated.data(), truncated.size()));
}

}  // namespace
}  // namespace plasmasharp::testing
