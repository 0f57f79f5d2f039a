// Errors are values: a store that hangs up, a malformed or lying reply, a missing fd - the
// client reports kDisconnected / kProtocolError and never crashes. Scripted fake stores.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "fake_store.h"
#include "scripted_replies.h"
#include "plasma_client.h"
#include "socket_io.h"

namespace plasmasharp::testing {
namespace {

namespace fb = plasma::flatbuf;
using client::Code;
using client::ObjectRef;
using client::PlasmaClient;

TEST(ClientRobustnessTest, StoreHangsUpBeforeReplying) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();  // the Get
    c.Close();        // ... and the store dies
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::vector<std::unique_ptr<ObjectRef>> out;
  EXPECT_EQ(client->Get({Id("x")}, 1000, &out).code(), Code::kDisconnected);
  bool has;
  EXPECT_EQ(client->Contains(Id("x"), &has).code(), Code::kDisconnected);
}

TEST(ClientRobustnessTest, StoreHangsUpInsideAReply) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();
    uint8_t half_header[12] = {0};
    c.SendRaw(half_header, sizeof(half_header));
    c.Close();
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::vector<client::ObjectInfo> list;
  EXPECT_EQ(client->List(&list).code(), Code::kDisconnected);
}

TEST(ClientRobustnessTest, StoreHangsUpBeforeTheFd) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();
    c.SendReply(TypeNumber(fb::MessageType::PlasmaGetReply), GetReply(Id("x"), 64, 100, 4, 1 << 20));
    c.Close();  // the segment fd never comes
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::vector<std::unique_ptr<ObjectRef>> out;
  EXPECT_EQ(client->Get({Id("x")}, 0, &out).code(), Code::kDisconnected);
}

TEST(ClientRobustnessTest, GarbagePayloadIsAProtocolError) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();
    c.SendReply(TypeNumber(fb::MessageType::PlasmaContainsReply), {0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4});
    c.WaitForClientClose();
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  bool has;
  EXPECT_EQ(client->Contains(Id("x"), &has).code(), Code::kProtocolError);
  // The stream is out of sync afterwards: the client refuses to go on.
  EXPECT_EQ(client->Contains(Id("x"), &has).code(), Code::kDisconnected);
  client->Disconnect();
}

TEST(ClientRobustnessTest, WrongReplyTypeIsAProtocolError) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();
    c.SendReply(TypeNumber(fb::MessageType::PlasmaConnectReply), FromHex(kRealConnectReplyHex));
    c.WaitForClientClose();
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::string s;
  client::Status st = client->DebugString(&s);
  EXPECT_EQ(st.code(), Code::kProtocolError);
  EXPECT_NE(st.message().find("PlasmaConnectReply"), std::string::npos) << st.message();
  client->Disconnect();
}

TEST(ClientRobustnessTest, HugeLengthIsAProtocolError) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();
    uint8_t header[24];
    protocol::EncodeHeader({0, TypeNumber(fb::MessageType::PlasmaListReply), int64_t{1} << 62}, header);
    c.SendRaw(header, sizeof(header));
    c.WaitForClientClose();
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::vector<client::ObjectInfo> list;
  EXPECT_EQ(client->List(&list).code(), Code::kProtocolError);
  client->Disconnect();
}

// A store that answers the client's Get of "x" with whatever `misbehave` sends: the Get must
// fail as a protocol error (never map, read or crash on it).
void ExpectGetIsAProtocolError(std::function<void(FakeConnection&)> misbehave) {
  FakeStore store([&misbehave](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();
    misbehave(c);
    c.WaitForClientClose();
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::vector<std::unique_ptr<ObjectRef>> out;
  EXPECT_EQ(client->Get({Id("x")}, 0, &out).code(), Code::kProtocolError);
  client->Disconnect();
}

TEST(ClientRobustnessTest, ObjectOutsideItsSegmentIsRejected) {
  ExpectGetIsAProtocolError([](FakeConnection& c) {
    // A 1 MiB segment (mapped: 1 MiB - 8) but the object claims to end beyond it.
    c.SendReply(TypeNumber(fb::MessageType::PlasmaGetReply), GetReply(Id("x"), (1 << 20) - 64, 100, 4, 1 << 20));
    c.SendSegmentFd(1 << 20);
  });
}

TEST(ClientRobustnessTest, SegmentFileSmallerThanClaimedIsRejected) {
  ExpectGetIsAProtocolError([](FakeConnection& c) {
    c.SendReply(TypeNumber(fb::MessageType::PlasmaGetReply), GetReply(Id("x"), 64, 100, 4, 64 << 20));
    c.SendSegmentFd(4096);  // mapping 64 MiB of a 4 KiB file would SIGBUS on access
  });
}

TEST(ClientRobustnessTest, GetReplyWithWrongCountIsRejected) {
  ExpectGetIsAProtocolError([](FakeConnection& c) {
    c.SendReply(TypeNumber(fb::MessageType::PlasmaGetReply), GetReply(Id("x"), 64, 100, 4, 1 << 20, 2));
    c.SendSegmentFd(1 << 20);
  });
}

TEST(ClientRobustnessTest, CarrierByteWithoutFdIsRejected) {
  ExpectGetIsAProtocolError([](FakeConnection& c) {
    c.SendReply(TypeNumber(fb::MessageType::PlasmaGetReply), GetReply(Id("x"), 64, 100, 4, 1 << 20));
    uint8_t byte = 0x14;
    c.SendRaw(&byte, 1);  // the byte, but no SCM_RIGHTS
  });
}

TEST(ClientRobustnessTest, MalformedNotificationIsAProtocolError) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    auto m = c.ReadRequest(5000, 1);
    if (!m || m->fds.size() != 1) return;
    uint8_t frame[16] = {8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0};
    protocol::WriteAll(m->fds[0], frame, sizeof(frame));
    c.WaitForClientClose();
    ::close(m->fds[0]);
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::unique_ptr<client::Subscription> sub;
  ASSERT_TRUE(client->Subscribe(&sub).ok());
  client::ObjectInfo info;
  EXPECT_EQ(sub->Next(5000, &info).code(), Code::kProtocolError);
  client->Disconnect();
}

TEST(ClientRobustnessTest, DisconnectWakesABlockedGet) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();           // a Get that the store never answers (timeout -1)
    c.WaitForClientClose(10000);
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  auto blocked = std::async(std::launch::async, [&] {
    std::vector<std::unique_ptr<ObjectRef>> out;
    return client->Get({Id("never")}, -1, &out).code();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(client->Disconnect().ok());
  EXPECT_EQ(blocked.get(), Code::kDisconnected);
}

TEST(ClientRobustnessTest, ConnectGivesUpAfterTheRetries) {
  TempDir dir;
  std::shared_ptr<PlasmaClient> client;
  client::Status st = PlasmaClient::Connect(dir.path() + "/nobody.sock", 3, 1, &client);
  EXPECT_EQ(st.code(), Code::kTimeout);
  EXPECT_NE(st.message().find("3 attempt"), std::string::npos) << st.message();
  EXPECT_FALSE(client);
}

TEST(ClientRobustnessTest, ConnectRetriesUntilTheStoreListens) {
  // The store starts listening only after the client's first attempts failed; with one
  // attempt the same connect fails (checked first), with retries it succeeds.
  TempDir dir;
  const std::string path = dir.path() + "/late.sock";
  std::shared_ptr<PlasmaClient> client;
  EXPECT_EQ(PlasmaClient::Connect(path, 1, 0, &client).code(), Code::kTimeout);
  std::unique_ptr<FakeStore> store;
  std::thread starter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    store = std::make_unique<FakeStore>(
        [](FakeConnection& c, int) {
          Handshake(c);
          c.WaitForClientClose();
        },
        1, path);
  });
  client::Status st = PlasmaClient::Connect(path, 100, 20, &client);
  starter.join();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(client->store_capacity(), 100000000);
  client->Disconnect();
}

TEST(ClientRobustnessTest, InvalidArgumentsAreRejectedWithoutTraffic) {
  FakeStore store([](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.WaitForClientClose();
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::unique_ptr<ObjectRef> r;
  EXPECT_EQ(client->Create("short", 10, nullptr, 0, true, &r).code(), Code::kInvalidArgument);
  EXPECT_EQ(client->Create(Id("a"), -1, nullptr, 0, true, &r).code(), Code::kInvalidArgument);
  EXPECT_EQ(client->Create(Id("a"), 1, nullptr, 5, true, &r).code(), Code::kInvalidArgument);
  EXPECT_EQ(client->Evict(-5, nullptr).code(), Code::kInvalidArgument);
  client->Disconnect();
}

}  // namespace
}  // namespace plasmasharp::testing
