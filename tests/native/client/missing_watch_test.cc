// The missing-objects watch (client/missing_watch.h), the native side of transparent cluster
// Gets: against our store, a Get waiting for absent ids produces a notice with those ids and
// that Get's timeout, ids the store has or is creating are left out, and a store that goes away
// ends the watch with kDisconnected. Against the real Arrow 11 store, which does not know the
// message: the watch reports kDisconnected instead of hanging (the real store aborts on it; the
// test records that). Scripted fake stores check that any frame other than a well-formed notice
// is a protocol error that ends the watch, and that a notice split across writes is read whole.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "fake_store.h"
#include "missing_watch.h"
#include "plasma_client.h"
#include "store_side.h"
#include "test_support.h"

namespace plasmasharp::testing {
namespace {

using client::Code;
using client::MissingNotice;
using client::MissingWatch;
using client::ObjectRef;
using client::PlasmaClient;

constexpr int64_t kCapacity = 16 << 20;
constexpr int64_t kBoundMs = 20000;  // liveness only, never a speed check

std::shared_ptr<PlasmaClient> ConnectClient(const std::string& socket_path) {
  std::shared_ptr<PlasmaClient> client;
  client::Status st = PlasmaClient::Connect(socket_path, -1, -1, &client);
  EXPECT_TRUE(st.ok()) << st.message();
  return client;
}

std::unique_ptr<MissingWatch> OpenWatch(const std::string& socket_path) {
  std::unique_ptr<MissingWatch> watch;
  client::Status st = MissingWatch::Open(socket_path, &watch);
  EXPECT_TRUE(st.ok()) << st.message();
  return watch;
}

// Bytes of a MissingObjectsNotice payload.
std::vector<uint8_t> NoticePayload(int64_t timeout_ms, const std::vector<std::string>& ids) {
  std::vector<uint8_t> payload(sizeof(timeout_ms));
  std::memcpy(payload.data(), &timeout_ms, sizeof(timeout_ms));
  for (const std::string& id : ids) payload.insert(payload.end(), id.begin(), id.end());
  return payload;
}

// Our store, a watch on it, a client whose Gets wait and one that writes.
class MissingWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    watch_ = OpenWatch(store_.socket_path());
    getter_ = ConnectClient(store_.socket_path());
    writer_ = ConnectClient(store_.socket_path());
    ASSERT_TRUE(watch_ && getter_ && writer_);
  }

  StoreProcess store_{kCapacity};
  std::unique_ptr<MissingWatch> watch_;
  std::shared_ptr<PlasmaClient> getter_;
  std::shared_ptr<PlasmaClient> writer_;
};

TEST_F(MissingWatchTest, AWaitingGetOfAbsentIdsIsAnnouncedWithItsTimeout) {
  // "here" is sealed and "coming" created (unsealed): a Get for them needs no other node.
  ASSERT_TRUE(writer_->CreateAndSeal(Id("here"), U8("x"), 1, nullptr, 0, false).ok());
  std::unique_ptr<ObjectRef> coming;
  ASSERT_TRUE(writer_->Create(Id("coming"), 8, nullptr, 0, false, &coming).ok());

  MissingNotice notice;
  EXPECT_EQ(watch_->Next(0, &notice).code(), Code::kTimeout);  // nothing waits yet

  std::vector<std::unique_ptr<ObjectRef>> got;
  client::Status get_status;
  std::thread get([&] {
    get_status = getter_->Get({Id("here"), Id("absent1"), Id("coming"), Id("absent2")}, 7000, &got);
  });
  client::Status st = watch_->Next(kBoundMs, &notice);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(notice.get_timeout_ms, 7000);
  EXPECT_EQ(notice.ids, (std::vector<client::ObjectId>{Id("absent1"), Id("absent2")}));

  // What a node does with the notice: the ids arrive (here: written locally), the Get returns.
  EXPECT_TRUE(writer_->CreateAndSeal(Id("absent1"), U8("a"), 1, nullptr, 0, false).ok());
  EXPECT_TRUE(writer_->CreateAndSeal(Id("absent2"), U8("b"), 1, nullptr, 0, false).ok());
  EXPECT_TRUE(coming->Seal().ok());
  get.join();
  ASSERT_TRUE(get_status.ok()) << get_status.message();
  ASSERT_EQ(got.size(), 4u);
  for (const auto& ref : got) EXPECT_NE(ref, nullptr);
  EXPECT_EQ(watch_->Next(0, &notice).code(), Code::kTimeout);  // one notice per waiting Get
}

TEST_F(MissingWatchTest, AGetThatWaitsForeverIsAnnouncedWithMinusOne) {
  std::vector<std::unique_ptr<ObjectRef>> got;
  client::Status get_status;
  std::thread get([&] { get_status = getter_->Get({Id("later")}, -1, &got); });
  MissingNotice notice;
  client::Status st = watch_->Next(kBoundMs, &notice);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(notice.get_timeout_ms, -1);
  EXPECT_EQ(notice.ids, std::vector<client::ObjectId>{Id("later")});
  ASSERT_TRUE(writer_->CreateAndSeal(Id("later"), U8("l"), 1, nullptr, 0, false).ok());
  get.join();
  EXPECT_TRUE(get_status.ok()) << get_status.message();
}

TEST_F(MissingWatchTest, TheStoreStoppingEndsTheWatch) {
  store_.Stop();
  MissingNotice notice;
  client::Status st = watch_->Next(kBoundMs, &notice);
  EXPECT_EQ(st.code(), Code::kDisconnected) << st.message();
  EXPECT_EQ(watch_->Next(0, &notice).code(), Code::kDisconnected);  // stays ended
}

TEST(MissingWatchOpenTest, OpeningWhereNoStoreListensIsAnIoError) {
  TempDir dir;
  std::unique_ptr<MissingWatch> watch;
  client::Status st = MissingWatch::Open(dir.path() + "/nobody.sock", &watch);
  EXPECT_EQ(st.code(), Code::kIoError) << st.message();
  EXPECT_NE(st.message().find("nobody.sock"), std::string::npos) << st.message();
  EXPECT_EQ(watch, nullptr);
}

// Arrow's plasma-store-server does not know WatchMissingRequest: its ProcessMessage fails a
// CHECK and the whole store aborts. The watch must say so (kDisconnected), not wait forever.
TEST(MissingWatchOpenTest, TheRealStoreDoesNotKnowTheMessageAndTheWatchEnds) {
  std::string why_not;
  auto store = StartStore(StoreKind::kReal, kCapacity, &why_not);
  if (!store) GTEST_SKIP() << "real Arrow 11 store: " << why_not;
  auto watch = OpenWatch(store->socket_path());
  ASSERT_TRUE(watch);
  MissingNotice notice;
  client::Status st = watch->Next(kBoundMs, &notice);
  EXPECT_EQ(st.code(), Code::kDisconnected) << st.message();
  EXPECT_NE(st.message().find("WatchMissingRequest"), std::string::npos) << st.message();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBoundMs);
  while (store->alive() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(store->alive()) << "the real store survived WatchMissingRequest: update the docs";
}

// ---- scripted stores: what the watch accepts

// A fake store that reads the WatchMissingRequest, checks it, then runs `then`.
FakeStore WatchedBy(std::function<void(FakeConnection&)> then) {
  return FakeStore([then = std::move(then)](FakeConnection& c, int) {
    auto request = c.ReadRequest();
    if (!request || request->type != protocol::kWatchMissingRequest || !request->payload.empty()) {
      ADD_FAILURE() << "expected an empty WatchMissingRequest";
      return;
    }
    then(c);
  });
}

TEST(MissingWatchFramingTest, ANoticeSplitAcrossWritesIsReadWhole) {
  FakeStore store = WatchedBy([](FakeConnection& c) {
    std::vector<uint8_t> frame = Framed(protocol::kMissingObjectsNotice, NoticePayload(250, {Id("one"), Id("two")}));
    for (uint8_t byte : frame) {
      c.SendRaw(&byte, 1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    c.WaitForClientClose();
  });
  auto watch = OpenWatch(store.socket_path());
  ASSERT_TRUE(watch);
  MissingNotice notice;
  client::Status st = watch->Next(kBoundMs, &notice);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(notice.get_timeout_ms, 250);
  EXPECT_EQ(notice.ids, (std::vector<client::ObjectId>{Id("one"), Id("two")}));
}

struct BadFrame {
  const char* name;
  int64_t type;
  std::vector<uint8_t> payload;
};

void PrintTo(const BadFrame& frame, std::ostream* os) { *os << frame.name; }

class MissingWatchBadFrameTest : public ::testing::TestWithParam<BadFrame> {};

TEST_P(MissingWatchBadFrameTest, IsAProtocolErrorThatEndsTheWatch) {
  const BadFrame& frame = GetParam();
  FakeStore store = WatchedBy([&frame](FakeConnection& c) {
    c.SendReply(frame.type, frame.payload);
    c.WaitForClientClose();
  });
  auto watch = OpenWatch(store.socket_path());
  ASSERT_TRUE(watch);
  MissingNotice notice;
  client::Status st = watch->Next(kBoundMs, &notice);
  EXPECT_EQ(st.code(), Code::kProtocolError) << st.message();
  EXPECT_EQ(watch->Next(0, &notice).code(), Code::kProtocolError);
}

INSTANTIATE_TEST_SUITE_P(
    Frames, MissingWatchBadFrameTest,
    ::testing::Values(
        BadFrame{"AnotherMessageType", static_cast<int64_t>(plasma::flatbuf::MessageType::PlasmaGetReply),
                 NoticePayload(0, {Id("x")})},
        BadFrame{"NoTimeout", protocol::kMissingObjectsNotice, std::vector<uint8_t>(4)},
        BadFrame{"APartialId", protocol::kMissingObjectsNotice, std::vector<uint8_t>(8 + 19)}),
    [](const ::testing::TestParamInfo<BadFrame>& info) { return std::string(info.param.name); });

TEST(MissingWatchFramingTest, AnOversizedLengthIsRejectedBeforeAnyPayloadIsRead) {
  FakeStore store = WatchedBy([](FakeConnection& c) {
    uint8_t header[protocol::kHeaderSize];
    protocol::EncodeHeader({0, protocol::kMissingObjectsNotice, int64_t{1} << 40}, header);
    c.SendRaw(header, sizeof(header));
    c.WaitForClientClose();
  });
  auto watch = OpenWatch(store.socket_path());
  ASSERT_TRUE(watch);
  MissingNotice notice;
  EXPECT_EQ(watch->Next(kBoundMs, &notice).code(), Code::kProtocolError);
}

TEST(MissingWatchFramingTest, AStoreThatHangsUpInsideANoticeEndsTheWatch) {
  FakeStore store = WatchedBy([](FakeConnection& c) {
    uint8_t header[protocol::kHeaderSize];
    protocol::EncodeHeader({0, protocol::kMissingObjectsNotice, 8 + 20}, header);
    c.SendRaw(header, sizeof(header));
    c.SendRaw("12345", 5);
    c.Close();
  });
  auto watch = OpenWatch(store.socket_path());
  ASSERT_TRUE(watch);
  MissingNotice notice;
  EXPECT_EQ(watch->Next(kBoundMs, &notice).code(), Code::kDisconnected);
}

}  // namespace
}  // namespace plasmasharp::testing
