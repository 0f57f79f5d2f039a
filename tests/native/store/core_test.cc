// The request core without sockets: feed framed requests for fake connections, read what the
// core queued in their outboxes. This is also the entry point the fuzzers use.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "connection_input.h"
#include "store_core.h"
#include "test_support.h"

namespace plasmasharp::store {
namespace {

using testing::Framed;

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    segment = SharedSegment::Create("/dev/shm", 1 << 20, false, &error);
    ASSERT_TRUE(segment) << error;
    core = std::make_unique<StoreCore>(1 << 20, segment.get());
  }
  // Hands a finished builder to the core as a request of `type`.
  void Send(ConnectionId c, fb::MessageType type, const flatbuffers::FlatBufferBuilder& b,
            std::vector<int> fds = {}) {
    core->HandleMessage(c, static_cast<int64_t>(type), b.GetBufferPointer(), b.GetSize(), std::move(fds));
  }
  // Pops the next framed reply of connection c; returns its type and payload.
  std::pair<int64_t, std::vector<uint8_t>> Next(ConnectionId c) {
    Outbox& out = core->client(c)->out;
    EXPECT_FALSE(out.empty());
    if (out.empty()) return {-1, {}};
    std::vector<uint8_t> bytes = out.front().bytes;
    out.PopFront();
    protocol::Header h = protocol::DecodeHeader(bytes.data());
    return {h.type, std::vector<uint8_t>(bytes.begin() + 24, bytes.end())};
  }
  std::unique_ptr<SharedSegment> segment;
  std::unique_ptr<StoreCore> core;
};

std::string Id(const char* s) {
  std::string id(s);
  id.resize(20, '.');
  return id;
}

ObjectEntry* Find(StoreCore& core, const char* s) {
  ObjectId id;
  std::memcpy(id.bytes.data(), Id(s).data(), kObjectIdBytes);
  return core.objects().Find(id);
}

// Each handler registers itself from its own file (handlers/, PS_STORE_HANDLER); a file left out
// of the link would silently turn its request into "not a request the store answers".
TEST(HandlerTableTest, EveryRequestTheStoreAnswersHasAHandlerAndNothingElseHasOne) {
  using T = fb::MessageType;
  const std::set<int64_t> answered = {
      int64_t(T::PlasmaDisconnectClient),     int64_t(T::PlasmaConnectRequest),
      int64_t(T::PlasmaSetOptionsRequest),    int64_t(T::PlasmaCreateRequest),
      int64_t(T::PlasmaCreateAndSealRequest), int64_t(T::PlasmaCreateAndSealBatchRequest),
      int64_t(T::PlasmaAbortRequest),         int64_t(T::PlasmaSealRequest),
      int64_t(T::PlasmaGetRequest),           int64_t(T::PlasmaReleaseRequest),
      int64_t(T::PlasmaDeleteRequest),        int64_t(T::PlasmaContainsRequest),
      int64_t(T::PlasmaListRequest),          int64_t(T::PlasmaEvictRequest),
      int64_t(T::PlasmaRefreshLRURequest),    int64_t(T::PlasmaSubscribeRequest),
      int64_t(T::PlasmaGetDebugStringRequest), protocol::kWatchMissingRequest};
  for (int64_t type : answered) EXPECT_NE(StoreCore::FindHandler(type), nullptr) << type;
  for (T type : fb::EnumValuesMessageType()) {
    if (answered.count(int64_t(type)) == 0) {
      EXPECT_EQ(StoreCore::FindHandler(int64_t(type)), nullptr) << fb::EnumNameMessageType(type);
    }
  }
  EXPECT_EQ(StoreCore::FindHandler(protocol::kMissingObjectsNotice), nullptr);
}

TEST_F(CoreTest, CreateSealGetRelease) {
  ConnectionId a = core->AddConnection();
  ConnectionId b = core->AddConnection();
  flatbuffers::FlatBufferBuilder create;
  create.Finish(fb::CreatePlasmaCreateRequest(create, create.CreateString(Id("core-1")), true, 100, 0));
  Send(a, fb::MessageType::PlasmaCreateRequest, create);
  auto [type, payload] = Next(a);
  EXPECT_EQ(type, static_cast<int64_t>(fb::MessageType::PlasmaCreateReply));
  auto* reply = flatbuffers::GetRoot<fb::PlasmaCreateReply>(payload.data());
  EXPECT_EQ(reply->error(), fb::PlasmaError::OK);
  EXPECT_EQ(reply->plasma_object()->data_offset(), 64u);
  // The segment fd follows as an fd chunk.
  ASSERT_FALSE(core->client(a)->out.empty());
  EXPECT_EQ(core->client(a)->out.front().fd, segment->fd());
  core->client(a)->out.PopFront();

  flatbuffers::FlatBufferBuilder get;
  get.Finish(fb::CreatePlasmaGetRequest(get, get.CreateVectorOfStrings({Id("core-1")}), -1));
  Send(b, fb::MessageType::PlasmaGetRequest, get);
  EXPECT_TRUE(core->client(b)->out.empty());  // waits for the seal

  flatbuffers::FlatBufferBuilder seal;
  seal.Finish(fb::CreatePlasmaSealRequest(seal, seal.CreateString(Id("core-1")), seal.CreateString("12345678")));
  Send(a, fb::MessageType::PlasmaSealRequest, seal);
  Next(a);
  auto [gtype, gpayload] = Next(b);
  EXPECT_EQ(gtype, static_cast<int64_t>(fb::MessageType::PlasmaGetReply));
  auto* g = flatbuffers::GetRoot<fb::PlasmaGetReply>(gpayload.data());
  EXPECT_EQ(g->plasma_objects()->Get(0)->data_size(), 100u);
  EXPECT_EQ(core->objects().Find(*ObjectId::FromWire(g->object_ids()->Get(0)))->ref_count, 2);
  core->RemoveConnection(b);
  core->RemoveConnection(a);
  EXPECT_EQ(core->objects().size(), 1u);  // sealed objects outlive their creator
  core->objects().ForEach([](const ObjectEntry* e) { EXPECT_EQ(e->ref_count, 0); });
}

// Found by fuzz_store_messages (ASan, tests/fuzz/regressions/store/released-unsealed-object-
// evicted.hex): a creator that releases its own unsealed object (no real client does) must not
// make it evictable; an Evict then freed it while the creator still owned it, and the
// creator's disconnect aborted freed memory. It becomes evictable once sealed.
TEST_F(CoreTest, AReleasedUnsealedObjectIsNotEvictedBeforeItsSeal) {
  ConnectionId a = core->AddConnection();
  flatbuffers::FlatBufferBuilder create;
  create.Finish(fb::CreatePlasmaCreateRequest(create, create.CreateString(Id("unsealed")), true, 100, 0));
  Send(a, fb::MessageType::PlasmaCreateRequest, create);
  flatbuffers::FlatBufferBuilder release;
  release.Finish(fb::CreatePlasmaReleaseRequest(release, release.CreateString(Id("unsealed"))));
  Send(a, fb::MessageType::PlasmaReleaseRequest, release);
  flatbuffers::FlatBufferBuilder evict;
  evict.Finish(fb::CreatePlasmaEvictRequest(evict, 1 << 20));
  Send(a, fb::MessageType::PlasmaEvictRequest, evict);
  ASSERT_NE(Find(*core, "unsealed"), nullptr) << "evicted while unsealed";

  flatbuffers::FlatBufferBuilder seal;
  seal.Finish(fb::CreatePlasmaSealRequest(seal, seal.CreateString(Id("unsealed")), seal.CreateString("12345678")));
  Send(a, fb::MessageType::PlasmaSealRequest, seal);
  Send(a, fb::MessageType::PlasmaEvictRequest, evict);
  EXPECT_EQ(Find(*core, "unsealed"), nullptr) << "sealed and unused: evictable";
  core->RemoveConnection(a);
  EXPECT_EQ(core->objects().size(), 0u);
}

TEST_F(CoreTest, BadInputMarksOnlyThatConnection) {
  ConnectionId bad = core->AddConnection();
  ConnectionId good = core->AddConnection();
  uint8_t junk[16] = {0xff, 0xff, 0xff, 0x7f};
  core->HandleMessage(bad, 15, junk, sizeof(junk), {});
  EXPECT_TRUE(core->ShouldClose(bad));
  EXPECT_FALSE(core->ShouldClose(good));
  core->HandleMessage(good, 99, nullptr, 0, {});
  EXPECT_TRUE(core->ShouldClose(good));
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ConnectionId third = core->AddConnection();
  // An fd that arrives with a message that takes none is closed by the core.
  flatbuffers::FlatBufferBuilder list;
  list.Finish(fb::CreatePlasmaListRequest(list));
  Send(third, fb::MessageType::PlasmaListRequest, list, {sv[1]});
  EXPECT_FALSE(core->ShouldClose(third));
  char byte = 0;
  EXPECT_EQ(::send(sv[0], &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT), -1);  // peer closed
  ::close(sv[0]);
}

TEST_F(CoreTest, GetTimeoutIsDrivenByProcessTimers) {
  ConnectionId c = core->AddConnection();
  flatbuffers::FlatBufferBuilder get;
  get.Finish(fb::CreatePlasmaGetRequest(get, get.CreateVectorOfStrings({Id("none")}), 1000));
  Send(c, fb::MessageType::PlasmaGetRequest, get);
  ASSERT_TRUE(core->NextDeadline().has_value());
  core->ProcessTimers(*core->NextDeadline() - std::chrono::milliseconds(1));
  EXPECT_TRUE(core->client(c)->out.empty());
  core->ProcessTimers(*core->NextDeadline());
  auto [type, payload] = Next(c);
  EXPECT_EQ(type, static_cast<int64_t>(fb::MessageType::PlasmaGetReply));
  EXPECT_FALSE(core->NextDeadline().has_value());
}

TEST_F(CoreTest, ManyObjects) {
  ConnectionId c = core->AddConnection();
  for (int i = 0; i < 5000; ++i) {
    flatbuffers::FlatBufferBuilder b;
    std::string id = "many-" + std::to_string(i);
    id.resize(20, '.');
    b.Finish(fb::CreatePlasmaCreateAndSealRequest(b, b.CreateString(id), true, b.CreateString("x"),
                                                  b.CreateString(""), b.CreateString("12345678")));
    Send(c, fb::MessageType::PlasmaCreateAndSealRequest, b);
    Next(c);
  }
  EXPECT_EQ(core->objects().size(), 5000u);
}

TEST_F(CoreTest, ConnectionInputFramesBytesInAnySplitAndAttachesTheSubscribeFd) {
  ConnectionId c = core->AddConnection();
  ConnectionInput input;
  std::vector<uint8_t> stream;
  auto append_message = [&](fb::MessageType type, const flatbuffers::FlatBufferBuilder& b) {
    std::vector<uint8_t> message = Framed(static_cast<int64_t>(type), b.GetBufferPointer(), b.GetSize());
    stream.insert(stream.end(), message.begin(), message.end());
  };
  flatbuffers::FlatBufferBuilder connect, subscribe, list;
  connect.Finish(fb::CreatePlasmaConnectRequest(connect));
  subscribe.Finish(fb::CreatePlasmaSubscribeRequest(subscribe));
  list.Finish(fb::CreatePlasmaListRequest(list));
  append_message(fb::MessageType::PlasmaConnectRequest, connect);
  append_message(fb::MessageType::PlasmaSubscribeRequest, subscribe);
  size_t carrier_at = stream.size();
  stream.push_back(0);  // the fd-carrying byte
  append_message(fb::MessageType::PlasmaListRequest, list);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  // One byte at a time; the fd arrives with the carrier byte.
  for (size_t i = 0; i < stream.size(); ++i) {
    std::vector<int> fds;
    if (i == carrier_at) fds.push_back(sv[1]);
    input.Append(&stream[i], 1, std::move(fds));
    ASSERT_TRUE(input.Deliver(*core, c));
  }
  EXPECT_EQ(input.buffered_bytes(), 0u);
  EXPECT_EQ(core->client(c)->notify_fd, sv[1]);
  EXPECT_EQ(Next(c).first, static_cast<int64_t>(fb::MessageType::PlasmaConnectReply));
  EXPECT_EQ(Next(c).first, static_cast<int64_t>(fb::MessageType::PlasmaListReply));
  ::close(sv[0]);
}

TEST_F(CoreTest, ConnectionInputRejectsBadHeadersBeforeBuffering) {
  ConnectionId c = core->AddConnection();
  ConnectionInput input;
  uint8_t header[24];
  protocol::EncodeHeader(protocol::Header{0, 3, int64_t{1} << 50}, header);
  input.Append(header, sizeof(header), {});
  EXPECT_FALSE(input.Deliver(*core, c));
  EXPECT_TRUE(core->ShouldClose(c));
}

// A payload at an odd address (what follows an odd-length payload in the input buffer) is read
// through an aligned copy: no misaligned flatbuffers loads (UBSan aborts on those).
TEST_F(CoreTest, MisalignedPayloadIsAnsweredNormally) {
  ConnectionId c = core->AddConnection();
  flatbuffers::FlatBufferBuilder get;
  get.Finish(fb::CreatePlasmaGetRequest(get, get.CreateVectorOfStrings({Id("odd")}), 0));
  std::vector<uint64_t> storage(get.GetSize() / 8 + 2);
  uint8_t* odd = reinterpret_cast<uint8_t*>(storage.data()) + 1;
  std::memcpy(odd, get.GetBufferPointer(), get.GetSize());
  core->HandleMessage(c, static_cast<int64_t>(fb::MessageType::PlasmaGetRequest), odd, get.GetSize(), {});
  auto [type, payload] = Next(c);
  ASSERT_EQ(type, static_cast<int64_t>(fb::MessageType::PlasmaGetReply));
  auto* reply = flatbuffers::GetRoot<fb::PlasmaGetReply>(payload.data());
  ASSERT_EQ(reply->object_ids()->size(), 1u);
  EXPECT_EQ(reply->object_ids()->Get(0)->str(), Id("odd"));
  EXPECT_EQ(reply->plasma_objects()->Get(0)->data_size(), static_cast<uint64_t>(-1));
}

TEST_F(CoreTest, PipelinedRequestAfterAnOddLengthPayload) {
  ConnectionId c = core->AddConnection();
  ConnectionInput input;
  std::vector<uint8_t> stream;
  auto append = [&](fb::MessageType type, const std::vector<uint8_t>& payload) {
    std::vector<uint8_t> message = Framed(static_cast<int64_t>(type), payload);
    stream.insert(stream.end(), message.begin(), message.end());
  };
  flatbuffers::FlatBufferBuilder connect;
  connect.Finish(fb::CreatePlasmaConnectRequest(connect));
  std::vector<uint8_t> odd(connect.GetBufferPointer(), connect.GetBufferPointer() + connect.GetSize());
  odd.push_back(0);  // one trailing byte: still a valid table, odd length
  append(fb::MessageType::PlasmaConnectRequest, odd);
  flatbuffers::FlatBufferBuilder contains;
  contains.Finish(fb::CreatePlasmaContainsRequest(contains, contains.CreateString(Id("nothing"))));
  append(fb::MessageType::PlasmaContainsRequest,
         std::vector<uint8_t>(contains.GetBufferPointer(), contains.GetBufferPointer() + contains.GetSize()));
  input.Append(stream.data(), stream.size(), {});
  ASSERT_TRUE(input.Deliver(*core, c));
  EXPECT_EQ(Next(c).first, static_cast<int64_t>(fb::MessageType::PlasmaConnectReply));
  auto [type, payload] = Next(c);
  ASSERT_EQ(type, static_cast<int64_t>(fb::MessageType::PlasmaContainsReply));
  EXPECT_EQ(flatbuffers::GetRoot<fb::PlasmaContainsReply>(payload.data())->object_id()->str(), Id("nothing"));
}

class CoreLimitsTest : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    StoreLimits limits;
    limits.max_get_ids = 3;
    limits.max_pending_gets = 2;
    core = std::make_unique<StoreCore>(1 << 20, segment.get(), limits);
  }
  void SendGet(ConnectionId c, const std::vector<std::string>& ids, int64_t timeout_ms) {
    flatbuffers::FlatBufferBuilder get;
    get.Finish(fb::CreatePlasmaGetRequest(get, get.CreateVectorOfStrings(ids), timeout_ms));
    Send(c, fb::MessageType::PlasmaGetRequest, get);
  }
};

TEST_F(CoreLimitsTest, GetWithMoreIdsThanMaxGetIdsClosesTheConnection) {
  ConnectionId ok = core->AddConnection();
  SendGet(ok, {Id("a"), Id("b"), Id("c")}, 0);
  EXPECT_FALSE(core->ShouldClose(ok));
  EXPECT_EQ(Next(ok).first, static_cast<int64_t>(fb::MessageType::PlasmaGetReply));
  ConnectionId greedy = core->AddConnection();
  SendGet(greedy, {Id("a"), Id("b"), Id("c"), Id("d")}, 0);
  EXPECT_TRUE(core->ShouldClose(greedy));
  EXPECT_TRUE(core->client(greedy)->out.empty());
}

TEST_F(CoreLimitsTest, PendingGetsBeyondTheLimitCloseTheConnection) {
  ConnectionId c = core->AddConnection();
  SendGet(c, {Id("never-1")}, -1);
  SendGet(c, {Id("never-2")}, -1);
  // Answered at once: never pending, so never counted.
  for (int i = 0; i < 5; ++i) {
    SendGet(c, {Id("never-3")}, 0);
    EXPECT_EQ(Next(c).first, static_cast<int64_t>(fb::MessageType::PlasmaGetReply));
  }
  EXPECT_FALSE(core->ShouldClose(c));
  SendGet(c, {Id("never-3")}, -1);
  EXPECT_TRUE(core->ShouldClose(c));
  core->RemoveConnection(c);
  EXPECT_FALSE(core->NextDeadline().has_value());
}

TEST_F(CoreLimitsTest, DefaultLimitsNeverStopALibplasmaClient) {
  StoreLimits defaults;
  EXPECT_EQ(defaults.max_clients, 0u);
  EXPECT_EQ(defaults.max_get_ids, 1000000u);  // the hostile suite's 10^6-id Get is served
  EXPECT_GE(defaults.max_pending_gets, 1u);   // libplasma has at most one Get outstanding
  EXPECT_TRUE(defaults.allowed_uids.empty());
}

}  // namespace
}  // namespace plasmasharp::store
