// Fuzzer findings replayed against a real plasma-store process. Each input is in the format of
// tests/fuzz/store_messages_fuzzer.cc (control byte + header + payload records, 3 connection
// slots); the replay sends the same bytes on real sockets (pipelined records in one write),
// then checks the store is healthy. Some findings (UBSan) only kill the sanitizer build of the
// store: tests/sanitize/run.sh runs this suite against it.
// ReplayDirectory replays every committed store regression; set PS_FUZZ_REPLAY_DIR to also
// replay every raw file of a folder (e.g. new crash files).
#include <dirent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>

#include "hostile_fixture.h"
#include "wire.h"

namespace plasmasharp::testing::raw {
namespace {

// Replays one input; the store must survive it (checked by the fixture's TearDown).
void Replay(StoreProcess& store, const Bytes& input) {
  std::array<std::unique_ptr<RawConnection>, 3> slots;
  std::array<Bytes, 3> pipelined;  // records held back to go out in one write with the next
  std::vector<int> kept;
  auto slot_conn = [&](int s) -> RawConnection& {
    if (!slots[s]) slots[s] = std::make_unique<RawConnection>(store.socket_path());
    return *slots[s];
  };
  size_t pos = 0;
  while (pos + 1 + protocol::kHeaderSize <= input.size()) {
    const uint8_t control = input[pos];
    const int slot = (control & 3) == 3 ? 2 : (control & 3);
    protocol::Header h = protocol::DecodeHeader(input.data() + pos + 1);
    RawConnection& c = slot_conn(slot);
    size_t payload = input.size() - pos - 1 - protocol::kHeaderSize;  // cut short at the end
    if (h.length >= 0 && static_cast<uint64_t>(h.length) <= payload) payload = static_cast<size_t>(h.length);
    Bytes& out = pipelined[slot];
    out.insert(out.end(), input.begin() + static_cast<std::ptrdiff_t>(pos + 1),
               input.begin() + static_cast<std::ptrdiff_t>(pos + 1 + protocol::kHeaderSize + payload));
    pos += 1 + protocol::kHeaderSize + payload;
    const bool subscribe = h.type == 23;
    if ((control & 0x80) && !(control & 4) && !subscribe) continue;  // goes out with the next one
    c.SendBytes(out.data(), out.size());
    out.clear();
    if (control & 4 || subscribe) {
      // The carrier byte of SubscribeRequest, with an fd when the record asks for one.
      int sv[2];
      if ((control & 4) && ::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        c.SendFd(sv[0]);
        ::close(sv[0]);
        kept.push_back(sv[1]);
      } else if (subscribe) {
        uint8_t carrier = 0;
        c.SendBytes(&carrier, 1);
      }
    }
    if (control & 0x10) slots[slot].reset();
  }
  for (int s = 0; s < 3; ++s) {
    if (slots[s] && !pipelined[s].empty()) slots[s]->SendBytes(pipelined[s].data(), pipelined[s].size());
  }
  // Read whatever came back (bounded), then hang up everything.
  for (auto& s : slots) {
    if (s) s->WaitForClose(std::chrono::milliseconds(50));
  }
  for (int fd : kept) ::close(fd);
}

// One record of the fuzzer's input format.
Bytes Record(uint8_t control, int64_t type, const Bytes& payload) {
  Bytes out = Framed(type, payload);
  out.insert(out.begin(), control);
  return out;
}

struct Case {
  const char* name;
  Bytes input;
};

// Inputs found by the fuzzers (as hex) or built to pin a bug; the name says what it was.
std::vector<Case> Cases() {
  std::vector<Case> cases;
  // A Get whose timeout_ms is INT64_MAX on a missing object, from two connections: the
  // deadline computation must not overflow (UBSan) nor answer at once.
  cases.push_back({"get_timeout_int64_max",
                   Record(0, 9, GetRequest({Id("never")}, std::numeric_limits<int64_t>::max()))});
  // Found by fuzz_store_messages (UBSan): two pipelined requests, the first with an odd-length
  // payload (a valid table plus one byte), so the second payload starts at an odd address in
  // the store's input buffer; flatbuffers::GetRoot then loads a misaligned uoffset_t.
  {
    Bytes first = EmptyTable();
    first.push_back(0);
    Bytes input = Record(0x80, 19, first);
    Bytes second = Record(0, 19, EmptyTable());
    input.insert(input.end(), second.begin(), second.end());
    cases.push_back({"misaligned_payload_after_odd_length", input});
  }
  return cases;
}

using HostileFuzzRegressionsTest = HostileStoreTest;

TEST_F(HostileFuzzRegressionsTest, RecordedCases) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    Replay(*store_, c.input);
    ASSERT_TRUE(store_->alive()) << c.name;
    ExpectBystanderServed();
  }
}

// Every committed store regression (tests/fuzz/regressions/store/*.hex, the fuzzer's own seeds
// too), plus the raw files of PS_FUZZ_REPLAY_DIR when set (e.g. new crash files).
TEST_F(HostileFuzzRegressionsTest, ReplayDirectory) {
  std::vector<std::string> dirs = {PLASMASHARP_STORE_REGRESSIONS_DIR};
  if (const char* extra = std::getenv("PS_FUZZ_REPLAY_DIR"); extra != nullptr && *extra != '\0') {
    dirs.push_back(extra);
  }
  size_t replayed = 0;
  for (const std::string& dir : dirs) {
    DIR* d = ::opendir(dir.c_str());
    ASSERT_NE(d, nullptr) << dir;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::string name = e->d_name;
      std::string path = dir + "/" + name;
      std::ifstream in(path, std::ios::binary);
      Bytes input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".hex") == 0) {
        std::string hex(input.begin(), input.end());
        hex.erase(std::remove_if(hex.begin(), hex.end(), ::isspace), hex.end());
        input = FromHex(hex);
      }
      SCOPED_TRACE(path);
      Replay(*store_, input);
      ASSERT_TRUE(store_->alive()) << path;
      ExpectBystanderServed();
      ++replayed;
    }
    ::closedir(d);
  }
  EXPECT_GE(replayed, 3u) << "the committed regressions were not found";
}

}  // namespace
}  // namespace plasmasharp::testing::raw
