// Hostile framing: bad versions, types, lengths, cut-off and half-closed streams, payloads that
// fail flatbuffers verification. The real store aborts on most of these (plasma-wire README);
// ours must close only the offending connection and keep everyone else's state.
#include <sys/socket.h>
#include <unistd.h>

#include <limits>
#include <random>

#include "hostile_fixture.h"
#include "wire.h"

namespace plasmasharp::testing::raw {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

bool SendHeader(RawConnection& c, int64_t version, int64_t type, int64_t length) {
  uint8_t h[protocol::kHeaderSize];
  protocol::EncodeHeader({version, type, length}, h);
  return c.SendBytes(h, sizeof(h));
}

// Every request type the store answers (or, for Release and Subscribe, silently accepts).
const int64_t kRequestTypes[] = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 28, 30, 32, 34};

using HostileFramingTest = HostileStoreTest;

TEST_F(HostileFramingTest, WrongVersionClosesOnlyThatConnection) {
  for (int64_t version : {int64_t{1}, int64_t{-1}, int64_t{2}, kInt64Max, kInt64Min}) {
    auto c = NewRaw();
    ASSERT_TRUE(c->Send(19, ConnectRequest(), version));
    EXPECT_TRUE(c->WaitForClose()) << "version " << version;
    ExpectBystanderServed();
  }
}

TEST_F(HostileFramingTest, UnknownTypesCloseOnlyThatConnection) {
  for (int64_t type : {int64_t{36}, int64_t{99}, int64_t{1000}, int64_t{-1}, int64_t{-5}, int64_t{-19},
                       kInt64Max, kInt64Min, int64_t{19} + (int64_t{1} << 32)}) {
    auto c = NewRaw();
    ASSERT_TRUE(c->Send(type, ConnectRequest()));
    EXPECT_TRUE(c->WaitForClose()) << "type " << type;
    ExpectBystanderServed();
  }
}

TEST_F(HostileFramingTest, ReplyAndReservedTypesCloseOnlyThatConnection) {
  // 12 ReleaseReply, 24-26 Unsubscribe/Data*, 27 PlasmaNotification, and every reply type.
  for (int64_t type : {12, 24, 25, 26, 27, 2, 4, 6, 8, 10, 14, 16, 18, 20, 22, 29, 31, 33, 35}) {
    // Empty, an empty table, and a request's table (a ReleaseRequest) under the wrong type.
    for (const Bytes& payload : {Bytes(), EmptyTable(), ReleaseRequest(Id("x"))}) {
      auto c = NewRaw();
      ASSERT_TRUE(c->Send(type, payload));
      EXPECT_TRUE(c->WaitForClose()) << "type " << type << ", " << payload.size() << " bytes";
    }
    ExpectBystanderServed();
  }
}

TEST_F(HostileFramingTest, ZeroLengthPayloadOfEveryRequestType) {
  for (int64_t type : kRequestTypes) {
    auto c = NewRaw();
    ASSERT_TRUE(c->Send(type, Bytes()));
    if (type == 23) {
      // SubscribeRequest without its fd: the store waits for the carrier byte; give it a
      // byte without an fd.
      uint8_t b = 0;
      c->SendBytes(&b, 1);
    }
    ProbeConnection(*c);  // either closed or answering: both fine, the store must live
    c.reset();
    ExpectBystanderServed();
  }
}

TEST_F(HostileFramingTest, NegativeAndHugeLengthsClose) {
  for (int64_t length : {int64_t{-1}, int64_t{-24}, kInt64Min, int64_t{1} << 62, kInt64Max,
                         int64_t{1} << 40, kCapacity + (int64_t{64} << 20)}) {
    for (int64_t type : {int64_t{19}, int64_t{3}, int64_t{9}}) {
      auto c = NewRaw();
      ASSERT_TRUE(SendHeader(*c, 0, type, length));
      EXPECT_TRUE(c->WaitForClose()) << "type " << type << " length " << length;
    }
    ExpectBystanderServed();
  }
}

TEST_F(HostileFramingTest, TruncatedPayloadThenCloseIsForgotten) {
  // A CreateAndSeal cut in the middle: nothing may be created.
  Bytes full = CreateAndSealRequest(Id("truncated"), std::string(5000, 'x'));
  for (size_t cut : {size_t{0}, size_t{1}, full.size() / 2, full.size() - 1}) {
    auto c = NewRaw();
    ASSERT_TRUE(SendHeader(*c, 0, 3, static_cast<int64_t>(full.size())));
    if (cut > 0) {
      ASSERT_TRUE(c->SendBytes(full.data(), cut));
    }
    // While the message is incomplete, everyone else is served (the real store freezes here).
    ExpectBystanderServed();
    c.reset();
  }
  // A header cut short too.
  for (size_t cut : {size_t{1}, size_t{8}, size_t{23}}) {
    auto c = NewRaw();
    uint8_t h[protocol::kHeaderSize];
    protocol::EncodeHeader({0, 19, 12}, h);
    ASSERT_TRUE(c->SendBytes(h, cut));
    ExpectBystanderServed();
  }
  EXPECT_EQ(Contains(*bystander_, Id("truncated")), std::optional<bool>(false));
}

TEST_F(HostileFramingTest, APausedMessageIsAnsweredOnceComplete) {
  auto slow = NewRaw();
  uint8_t h[protocol::kHeaderSize];
  Bytes connect = ConnectRequest();
  protocol::EncodeHeader({0, 19, static_cast<int64_t>(connect.size())}, h);
  ASSERT_TRUE(slow->SendBytes(h, 20));  // stops mid-header
  ExpectBystanderServed();
  ASSERT_TRUE(slow->SendBytes(h + 20, 4));  // header done, payload missing
  ExpectBystanderServed();
  ASSERT_TRUE(slow->SendBytes(connect.data(), connect.size()));
  auto reply = slow->Receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, 20);
}

TEST_F(HostileFramingTest, HalfClosedSocketsMidMessage) {
  Bytes create = CreateRequest(Id("half-closed"), 4096);
  // (a) shutdown(SHUT_WR) in the middle of a message.
  {
    auto c = NewRaw();
    ASSERT_TRUE(SendHeader(*c, 0, 1, static_cast<int64_t>(create.size())));
    ASSERT_TRUE(c->SendBytes(create.data(), create.size() / 2));
    ::shutdown(c->fd(), SHUT_WR);
    ExpectBystanderServed();
    EXPECT_TRUE(c->WaitForClose());
  }
  // (b) a whole Create, then SHUT_WR: the client is gone, its unsealed object must go too.
  {
    auto c = NewRaw();
    ASSERT_TRUE(c->Send(1, create));
    ::shutdown(c->fd(), SHUT_WR);
    ExpectBystanderServed();
    c->WaitForClose();
  }
  // (c) a Get that waits forever, then SHUT_WR while its reply is pending.
  {
    auto c = NewRaw();
    ASSERT_TRUE(c->Send(9, GetRequest({Id("never-sealed")}, -1)));
    ::shutdown(c->fd(), SHUT_WR);
    ExpectBystanderServed();
    c->WaitForClose();
  }
  // (d) SHUT_RD / SHUT_RDWR by the client while the store has replies to send.
  {
    auto c = NewRaw();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(c->Send(17, ListRequest()));
    ::shutdown(c->fd(), SHUT_RDWR);
    ExpectBystanderServed();
  }
}

TEST_F(HostileFramingTest, PayloadsFailingVerification) {
  std::mt19937 rng(8);
  const Bytes valid_create = CreateRequest(Id("verify"), 100);
  for (int64_t type : kRequestTypes) {
    std::vector<Bytes> payloads;
    // Root offset far outside the buffer (and with bytes after it).
    payloads.push_back({0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0});
    payloads.push_back({0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8});
    // Root offset pointing at itself / into the header area.
    payloads.push_back({0, 0, 0, 0, 0, 0, 0, 0});
    // 1-3 bytes: shorter than a root offset.
    payloads.push_back({4});
    payloads.push_back({4, 0, 0});
    // A valid table truncated by one byte and by half.
    payloads.push_back(Bytes(valid_create.begin(), valid_create.end() - 1));
    payloads.push_back(Bytes(valid_create.begin(), valid_create.begin() + valid_create.size() / 2));
    // Vtable offset pointing outside.
    payloads.push_back({8, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x80});
    // Random garbage.
    for (int i = 0; i < 4; ++i) {
      Bytes r(16 + rng() % 200);
      for (auto& b : r) b = static_cast<uint8_t>(rng());
      payloads.push_back(r);
    }
    for (const Bytes& p : payloads) {
      auto c = NewRaw();
      ASSERT_TRUE(c->Send(type, p));
      if (type == 23) {
        uint8_t b = 0;
        c->SendBytes(&b, 1);
      }
      ProbeConnection(*c);
    }
    ExpectBystanderServed();
  }
}

TEST_F(HostileFramingTest, ExplicitDisconnectTypeZeroWithGarbageIsAClose) {
  Session s(store_->socket_path());
  ASSERT_EQ(Create(s, Id("type-zero"), 10), fb::PlasmaError::OK);
  ASSERT_TRUE(s.conn.Send(0, Bytes{1, 2, 3, 4, 5}));
  EXPECT_TRUE(s.conn.WaitForClose());
  // Its unsealed object went with it.
  EXPECT_EQ(Contains(*bystander_, Id("type-zero")), std::optional<bool>(false));
  // Type 0 without a payload: the same, quietly.
  Session quiet(store_->socket_path());
  ASSERT_EQ(Create(quiet, Id("type-zero-empty"), 10), fb::PlasmaError::OK);
  ASSERT_TRUE(quiet.conn.Send(0, Bytes()));
  EXPECT_TRUE(quiet.conn.WaitForClose());
  EXPECT_EQ(Contains(*bystander_, Id("type-zero-empty")), std::optional<bool>(false));
  // And as the very first message of a connection.
  auto c = NewRaw();
  ASSERT_TRUE(c->Send(0, Bytes()));
  EXPECT_TRUE(c->WaitForClose());
  ExpectBystanderServed();
}

TEST_F(HostileFramingTest, PipelinedGarbageAfterAValidRequestClosesTheConnection) {
  auto c = NewRaw();
  Bytes bytes = Framed(19, ConnectRequest());
  uint8_t h[protocol::kHeaderSize];
  protocol::EncodeHeader({7, 99, -5}, h);  // then a header that is wrong in every field
  bytes.insert(bytes.end(), h, h + sizeof(h));
  ASSERT_TRUE(c->SendBytes(bytes.data(), bytes.size()));
  // The reply the store already owed is sent before the close.
  auto reply = c->Receive();
  ASSERT_TRUE(reply.has_value()) << "the owed ConnectReply was not sent before the close";
  EXPECT_EQ(reply->type, 20);
  EXPECT_TRUE(c->WaitForClose());
  ExpectBystanderServed();
}

}  // namespace
}  // namespace plasmasharp::testing::raw
