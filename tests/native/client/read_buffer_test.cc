// The client's read buffer (native/client/connection.cc): replies are read ahead in as few
// recvmsg() calls as possible, so these tests make the fake store send several messages (and
// fds) back to back, before the client asks, and check that every byte and every fd still ends
// up with the message it belongs to; and that a large reply arriving in pieces is assembled.
#include <gtest/gtest.h>

#include <unistd.h>

#include "fake_store.h"
#include "scripted_replies.h"
#include "plasma_client.h"
#include "wire.h"

namespace plasmasharp::testing {
namespace {

namespace fb = plasma::flatbuf;
using client::Code;
using client::ObjectRef;
using client::PlasmaClient;

std::vector<uint8_t> ContainsReply(const std::string& id, bool has) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaContainsReply(b, b.CreateString(id), has ? 1 : 0));
  return FinishedBytes(b);
}

TEST(ClientReadBufferTest, RepliesAndFdsSentAheadAreSplitAtTheirBoundaries) {
  const std::string x = Id("x"), y = Id("y"), z = Id("z"), w = Id("w");
  bool requests_ok = false;
  {
    FakeStore store([&](FakeConnection& c, int) {
      if (!Handshake(c)) return;
      // Everything at once, before the client asks: a GetReply with its segment fd, a second
      // GetReply in the same segment (no fd: the client has it by then), two ContainsReplies.
      c.SendReply(TypeNumber(fb::MessageType::PlasmaGetReply), GetReply(x, 64, 100, 4, 1 << 20));
      c.SendSegmentFd(1 << 20);
      c.SendReply(TypeNumber(fb::MessageType::PlasmaGetReply), GetReply(y, 4096, 10, 4, 1 << 20));
      c.SendReply(TypeNumber(fb::MessageType::PlasmaContainsReply), ContainsReply(z, true));
      c.SendReply(TypeNumber(fb::MessageType::PlasmaContainsReply), ContainsReply(w, false));
      auto get1 = c.ReadRequest(), get2 = c.ReadRequest(), contains1 = c.ReadRequest(),
           contains2 = c.ReadRequest();
      requests_ok = get1 && get1->type == TypeNumber(fb::MessageType::PlasmaGetRequest) && get2 &&
                    get2->type == TypeNumber(fb::MessageType::PlasmaGetRequest) && contains1 &&
                    contains1->type == TypeNumber(fb::MessageType::PlasmaContainsRequest) && contains2 &&
                    contains2->type == TypeNumber(fb::MessageType::PlasmaContainsRequest);
      c.WaitForClientClose();
    });
    auto client = ConnectTo(store);
    ASSERT_TRUE(client);
    std::vector<std::unique_ptr<ObjectRef>> first, second;
    client::Status st = client->Get({x}, 0, &first);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE(first[0]);
    EXPECT_EQ(first[0]->data_size(), 100);
    st = client->Get({y}, 0, &second);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE(second[0]);
    EXPECT_EQ(second[0]->data_size(), 10);
    // Both objects live in the one segment the single fd brought.
    EXPECT_EQ(second[0]->data() - first[0]->data(), 4096 - 64);
    first[0]->data()[0] = 7;  // the mapping is real and writable
    bool has = false;
    st = client->Contains(z, &has);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_TRUE(has);
    st = client->Contains(w, &has);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_FALSE(has);
    first.clear();
    second.clear();
    client->Disconnect();
  }
  EXPECT_TRUE(requests_ok) << "the client's requests did not reach the store in order";
}

TEST(ClientReadBufferTest, FdCarriedByAByteInsideAReplyIsAProtocolErrorAndIsClosed) {
  const int fds_before = OpenFdCount(::getpid());
  {
    FakeStore store([](FakeConnection& c, int) {
      if (!Handshake(c)) return;
      c.ReadRequest();
      // A ContainsReply whose 11th byte (inside the type field, a zero) travels with an fd.
      std::vector<uint8_t> message =
          Framed(TypeNumber(fb::MessageType::PlasmaContainsReply), ContainsReply(Id("x"), true));
      ASSERT_EQ(message[10], 0);
      c.SendRaw(message.data(), 10);
      c.SendSegmentFd(4096);  // sends the byte 0 with SCM_RIGHTS
      c.SendRaw(message.data() + 11, message.size() - 11);
      c.WaitForClientClose();
    });
    auto client = ConnectTo(store);
    ASSERT_TRUE(client);
    bool has = false;
    EXPECT_EQ(client->Contains(Id("x"), &has).code(), Code::kProtocolError);
    // The stream is out of sync now: no further request is attempted.
    EXPECT_FALSE(client->Contains(Id("x"), &has).ok());
    client->Disconnect();
  }
  EXPECT_EQ(OpenFdCount(::getpid()), fds_before) << "the stray fd (or another) was leaked";
}

TEST(ClientReadBufferTest, FdNotYetClaimedIsClosedAtDisconnect) {
  const int fds_before = OpenFdCount(::getpid());
  {
    FakeStore store([](FakeConnection& c, int) {
      if (!Handshake(c)) return;
      c.ReadRequest();
      // A reply followed by an fd nobody asked for: the client reads both in one go.
      c.SendReply(TypeNumber(fb::MessageType::PlasmaContainsReply), ContainsReply(Id("x"), true));
      c.SendSegmentFd(4096);
      c.WaitForClientClose();
    });
    auto client = ConnectTo(store);
    ASSERT_TRUE(client);
    bool has = false;
    ASSERT_TRUE(client->Contains(Id("x"), &has).ok());
    EXPECT_TRUE(has);
    client->Disconnect();
  }
  EXPECT_EQ(OpenFdCount(::getpid()), fds_before);
}

TEST(ClientReadBufferTest, ALargeReplyArrivingInPiecesIsAssembled) {
  // A ListReply of ~7 MB (more than the read buffer keeps between replies), then a small reply.
  constexpr int kObjects = 80000;
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::ObjectInfo>> infos;
  for (int i = 0; i < kObjects; ++i) {
    auto id = b.CreateString(Id("obj" + std::to_string(i)));
    auto digest = b.CreateString(std::string(8, static_cast<char>(i & 0x7f)));
    infos.push_back(fb::CreateObjectInfo(b, id, i, i % 7, 0, 0, 0, digest, false));
  }
  b.Finish(fb::CreatePlasmaListReply(b, b.CreateVector(infos)));
  const std::vector<uint8_t> list = FinishedBytes(b);
  ASSERT_GT(list.size(), size_t{5} << 20);  // > kKeptBuffer (4 MiB)
  FakeStore store([&](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.ReadRequest();
    std::vector<uint8_t> message = Framed(TypeNumber(fb::MessageType::PlasmaListReply), list);
    message = [&] {
      // The ContainsReply rides directly behind the List's last byte.
      auto next = Framed(TypeNumber(fb::MessageType::PlasmaContainsReply), ContainsReply(Id("c"), true));
      message.insert(message.end(), next.begin(), next.end());
      return message;
    }();
    // In uneven pieces, so the client sees partial headers and partial bodies.
    for (size_t done = 0; done < message.size();) {
      size_t n = std::min<size_t>(message.size() - done, 300000 + done % 7777);
      if (!c.SendRaw(message.data() + done, n)) return;
      done += n;
    }
    c.ReadRequest();
    c.WaitForClientClose();
  });
  auto client = ConnectTo(store);
  ASSERT_TRUE(client);
  std::vector<client::ObjectInfo> objects;
  client::Status st = client->List(&objects);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(objects.size(), static_cast<size_t>(kObjects));
  EXPECT_EQ(objects.front().object_id, Id("obj0"));
  EXPECT_EQ(objects.back().object_id, Id("obj" + std::to_string(kObjects - 1)));
  EXPECT_EQ(objects.back().data_size, kObjects - 1);
  bool has = false;
  st = client->Contains(Id("c"), &has);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(has);
  client->Disconnect();
}

}  // namespace
}  // namespace plasmasharp::testing
