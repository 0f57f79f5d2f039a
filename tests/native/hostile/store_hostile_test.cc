// Hostile input: each bad message the real store dies on. Ours answers with an error or closes
// that one connection, and keeps serving a second client.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store_client.h"

namespace plasmasharp::testing {
namespace {

class HostileTest : public ::testing::Test {
 protected:
  void ExpectStoreServesOthers() {
    ASSERT_TRUE(store.alive());
    StoreClient other(store.socket_path());
    EXPECT_EQ(other.Connect(), 10000000);
    ASSERT_EQ(other.CreateAndSeal(Id("still-works-" + std::to_string(counter++)), "ok"), fb::PlasmaError::OK);
  }
  // Sends `type` with `payload` and expects the connection to be closed by the store.
  void ExpectDropped(int64_t type, const std::vector<uint8_t>& payload, int64_t version = 0) {
    RawConnection c(store.socket_path());
    ASSERT_TRUE(c.Send(type, payload, version));
    EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(5)));
    ExpectStoreServesOthers();
  }
  StoreProcess store{10000000};
  int counter = 0;
};

std::vector<uint8_t> IdOnly(const std::string& id) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaReleaseRequest(b, b.CreateString(id)));
  return Bytes(b);
}

TEST_F(HostileTest, UnknownTypeReplyTypesAndRetiredTypesDropOnlyThatClient) {
  ExpectDropped(99, {});
  ExpectDropped(-5, {});
  ExpectDropped(12, IdOnly(Id("x")));  // ReleaseReply
  ExpectDropped(2, {});                // CreateReply
  ExpectDropped(24, {});               // Unsubscribe
  ExpectDropped(25, IdOnly(Id("x")));  // DataRequest
  ExpectDropped(26, {});               // DataReply
  ExpectDropped(27, {});               // Notification
}

TEST_F(HostileTest, WrongVersionAndBadLengthsDropOnlyThatClient) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectRequest(b));
  ExpectDropped(19, Bytes(b), 1);
  {
    RawConnection c(store.socket_path());
    uint8_t header[24];
    protocol::EncodeHeader(protocol::Header{0, 19, -1}, header);
    ASSERT_TRUE(c.SendBytes(header, sizeof(header)));
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    RawConnection c(store.socket_path());
    uint8_t header[24];
    protocol::EncodeHeader(protocol::Header{0, 3, int64_t{1} << 40}, header);  // way over capacity
    ASSERT_TRUE(c.SendBytes(header, sizeof(header)));
    EXPECT_TRUE(c.WaitForClose());
  }
  ExpectStoreServesOthers();
}

TEST_F(HostileTest, GarbageFlatbuffersNeverCrash) {
  std::vector<uint8_t> garbage = {0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8};
  for (int64_t type : {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 28, 30, 32, 34}) {
    RawConnection c(store.socket_path());
    ASSERT_TRUE(c.Send(type, garbage));
    // Either an error reply or a close: both are fine, the store must survive.
    auto reply = c.Receive(std::chrono::milliseconds(500));
    (void)reply;
    ASSERT_TRUE(store.alive()) << "type " << type;
  }
  ExpectStoreServesOthers();
}

TEST_F(HostileTest, MissingFieldsAndWrongSizeIds) {
  flatbuffers::FlatBufferBuilder empty;
  empty.Finish(fb::CreatePlasmaContainsRequest(empty));
  ExpectDropped(15, Bytes(empty));               // Contains without object_id (SIGSEGV in real)
  ExpectDropped(15, IdOnly("short-id"));         // wrong-size id
  ExpectDropped(9, IdOnly(Id("x")));             // Get without object_ids (table mismatch)
  ExpectDropped(11, IdOnly(Id("not-held")));     // Release of an unheld object
  ExpectDropped(5, IdOnly(Id("unknown")));       // Abort of an unknown object

  StoreClient c(store.socket_path());
  flatbuffers::FlatBufferBuilder create;
  create.Finish(fb::CreatePlasmaCreateRequest(create, create.CreateString("too-short"), true, 10));
  auto reply = c.Request(fb::MessageType::PlasmaCreateRequest, Bytes(create));
  ASSERT_TRUE(reply.has_value());
  auto* r = flatbuffers::GetRoot<fb::PlasmaCreateReply>(reply->payload.data());
  EXPECT_NE(r->error(), fb::PlasmaError::OK);
  EXPECT_EQ(c.Seal(Id("nope")), fb::PlasmaError::ObjectNotFound);  // unknown object: error reply
  ExpectStoreServesOthers();
}

TEST_F(HostileTest, AbortByNonCreatorAndSecondSubscribeDropThatClient) {
  StoreClient creator(store.socket_path());
  ASSERT_EQ(creator.Create(Id("mine"), 10).error, fb::PlasmaError::OK);
  {
    StoreClient thief(store.socket_path());
    thief.Abort(Id("mine"));
    EXPECT_TRUE(thief.raw().WaitForClose());
  }
  EXPECT_EQ(creator.List().size(), 1u);  // untouched
  {
    StoreClient twice(store.socket_path());
    twice.Subscribe();
    twice.Subscribe();
    EXPECT_TRUE(twice.raw().WaitForClose());
  }
  {
    // Subscribe without the fd-carrying byte's fd.
    RawConnection c(store.socket_path());
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePlasmaSubscribeRequest(b));
    ASSERT_TRUE(c.Send(23, Bytes(b)));
    uint8_t plain = 0;
    ASSERT_TRUE(c.SendBytes(&plain, 1));
    EXPECT_TRUE(c.WaitForClose());
  }
  ExpectStoreServesOthers();
}

TEST_F(HostileTest, HalfAMessageDoesNotFreezeOthers) {
  RawConnection slow(store.socket_path());
  uint8_t header[24];
  protocol::EncodeHeader(protocol::Header{0, 19, 12}, header);
  ASSERT_TRUE(slow.SendBytes(header, 20));  // stops mid-header
  ExpectStoreServesOthers();
  ASSERT_TRUE(slow.SendBytes(header + 20, 4));  // header done, payload missing
  ExpectStoreServesOthers();
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectRequest(b));
  ASSERT_TRUE(slow.SendBytes(b.GetBufferPointer(), b.GetSize()));
  auto reply = slow.Receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, 20);
}

TEST_F(HostileTest, ClientThatNeverReadsDoesNotBlockTheStore) {
  RawConnection hog(store.socket_path());
  int small = 4096;
  ::setsockopt(hog.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaGetDebugStringRequest(b));
  std::vector<uint8_t> one;
  uint8_t header[24];
  protocol::EncodeHeader(protocol::Header{0, 30, static_cast<int64_t>(b.GetSize())}, header);
  one.insert(one.end(), header, header + 24);
  one.insert(one.end(), b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  std::vector<uint8_t> many;
  for (int i = 0; i < 20000; ++i) many.insert(many.end(), one.begin(), one.end());
  ASSERT_TRUE(hog.SendBytes(many.data(), many.size()));  // ~6 MB of replies, never read
  ExpectStoreServesOthers();
}

TEST_F(HostileTest, ExplicitDisconnectTypeZeroClosesQuietly) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.Create(Id("zero-unsealed"), 10).error, fb::PlasmaError::OK);
  ASSERT_TRUE(c.raw().Send(0, {}));
  EXPECT_TRUE(c.raw().WaitForClose());
  StoreClient other(store.socket_path());
  EXPECT_TRUE(other.List().empty());  // its unsealed object was aborted
}

// A bad frame header right after a valid request, in the same write: the store closes the
// connection, but first sends the reply it already owed.
TEST_F(HostileTest, ReplyOwedBeforeABadFrameIsSentBeforeTheClose) {
  RawConnection c(store.socket_path());
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectRequest(b));
  std::vector<uint8_t> connect = Bytes(b);
  std::vector<uint8_t> bytes(24);
  protocol::EncodeHeader({0, static_cast<int64_t>(fb::MessageType::PlasmaConnectRequest),
                          static_cast<int64_t>(connect.size())}, bytes.data());
  bytes.insert(bytes.end(), connect.begin(), connect.end());
  uint8_t bad[24];
  protocol::EncodeHeader({7, 99, -5}, bad);
  bytes.insert(bytes.end(), bad, bad + sizeof(bad));
  ASSERT_TRUE(c.SendBytes(bytes.data(), bytes.size()));
  auto reply = c.Receive();
  ASSERT_TRUE(reply.has_value()) << "the owed ConnectReply was not sent before the close";
  EXPECT_EQ(reply->type, static_cast<int64_t>(fb::MessageType::PlasmaConnectReply));
  EXPECT_TRUE(c.WaitForClose());
  ExpectStoreServesOthers();
}

}  // namespace
}  // namespace plasmasharp::testing
