// Hostile but well-formed requests: wrong-size ids in every request that carries ids, sizes
// that overflow, reference misuse (Release unheld, Abort sealed / foreign, Seal twice),
// enormous Gets, absurd timeouts, inconsistent batches. The real store aborts on several.
#include <sys/socket.h>
#include <unistd.h>

#include <limits>

#include "hostile_fixture.h"

namespace plasmasharp::testing::raw {
namespace {

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

using HostileRequestsTest = HostileStoreTest;

struct IdRequest {
  const char* name;
  int64_t type;
  Bytes (*build)(const std::string& bad, const std::string& good);
};

// Each request that carries ids, with one bad id (alone, or next to a good one).
const IdRequest kIdRequests[] = {
    {"Create", 1, [](const std::string& bad, const std::string&) { return CreateRequest(bad, 10); }},
    {"CreateAndSeal", 3, [](const std::string& bad, const std::string&) { return CreateAndSealRequest(bad, "data"); }},
    {"CreateAndSealBatch", 32, [](const std::string& bad, const std::string& good) {
       return CreateAndSealBatchRequest({good, bad}, {"a", "b"}, {"", ""}, {"01234567", "01234567"});
     }},
    {"Abort", 5, [](const std::string& bad, const std::string&) { return AbortRequest(bad); }},
    {"Seal", 7, [](const std::string& bad, const std::string&) { return SealRequest(bad); }},
    {"Get", 9, [](const std::string& bad, const std::string& good) { return GetRequest({good, bad}, 0); }},
    {"GetWaiting", 9, [](const std::string& bad, const std::string& good) { return GetRequest({good, bad}, 100); }},
    {"Release", 11, [](const std::string& bad, const std::string&) { return ReleaseRequest(bad); }},
    {"Delete", 13, [](const std::string& bad, const std::string& good) { return DeleteRequest({good, bad}, 2); }},
    {"Contains", 15, [](const std::string& bad, const std::string&) { return ContainsRequest(bad); }},
    {"RefreshLRU", 34, [](const std::string& bad, const std::string& good) { return RefreshRequest({good, bad}); }},
};

TEST_F(HostileRequestsTest, WrongSizeIdsInEveryRequestThatCarriesIds) {
  const std::string good = Id("good-id");
  for (const IdRequest& r : kIdRequests) {
    for (size_t size : {size_t{19}, size_t{21}, size_t{0}, size_t{1}, size_t{4096}}) {
      std::string bad(size, 'w');
      auto c = NewRaw();
      ASSERT_TRUE(c->Send(r.type, r.build(bad, good))) << r.name;
      ProbeConnection(*c);
      c.reset();
      // Nothing was created under a malformed id, nor under the good id of a rejected batch.
      auto objects = List(*bystander_);
      ASSERT_TRUE(objects.has_value()) << r.name << " id size " << size;
      for (const auto& o : *objects) {
        EXPECT_EQ(o.id.size(), 20u) << r.name << " created an object with a " << o.id.size() << "-byte id";
      }
      EXPECT_EQ(Contains(*bystander_, good), std::optional<bool>(false)) << r.name << " id size " << size;
    }
  }
  // A missing id field altogether (the real store crashes on ContainsRequest without one).
  for (int64_t type : {1, 3, 5, 7, 11, 15}) {
    auto c = NewRaw();
    ASSERT_TRUE(c->Send(type, EmptyTable()));
    Verdict v = ProbeConnection(*c);
    if (type == 15) {
      EXPECT_EQ(v, Verdict::kClosed) << "Contains without an id";
    }
  }
  // The verdicts the store gives: a Contains with a short id or a Get whose table has no ids
  // (a ReleaseRequest's) closes the connection; a Create with a short id is answered with an error.
  {
    auto c = NewRaw();
    ASSERT_TRUE(c->Send(15, ContainsRequest("short-id")));
    EXPECT_EQ(ProbeConnection(*c), Verdict::kClosed) << "Contains with a short id";
  }
  {
    auto c = NewRaw();
    ASSERT_TRUE(c->Send(9, ReleaseRequest(Id("x"))));
    EXPECT_EQ(ProbeConnection(*c), Verdict::kClosed) << "Get with a table that is not a GetRequest";
  }
  {
    Session s(store_->socket_path());
    std::optional<fb::PlasmaError> error = Create(s, "too-short", 10);
    ASSERT_TRUE(error.has_value()) << "a Create with a short id is answered";
    EXPECT_NE(*error, fb::PlasmaError::OK);
  }
  ExpectBystanderServed();
}

TEST_F(HostileRequestsTest, DataPlusMetadataSizesThatOverflow) {
  const std::pair<uint64_t, uint64_t> sizes[] = {
      {kU64Max, 1},
      {1, kU64Max},
      {kU64Max, kU64Max},
      {uint64_t{1} << 63, uint64_t{1} << 63},                 // sum wraps to 0
      {kU64Max - 63, 64},                                     // sum wraps to 0
      {kU64Max - 100, 200},                                   // sum wraps to 99
      {static_cast<uint64_t>(kCapacity), kU64Max - kCapacity + 1},  // wraps to 0
      {uint64_t{1} << 62, 0},
      {static_cast<uint64_t>(kInt64Max), 1},                  // sum is INT64_MIN as int64
  };
  for (auto [data, meta] : sizes) {
    for (bool evict : {true, false}) {
      Session s(store_->socket_path());
      ASSERT_TRUE(s.conn.Send(1, CreateRequest(Id("overflow"), data, meta, evict)));
      auto reply = s.conn.Receive(std::chrono::seconds(5), 0);
      if (reply) {
        ASSERT_EQ(reply->type, 2);
        auto* r = flatbuffers::GetRoot<fb::PlasmaCreateReply>(reply->payload.data());
        EXPECT_EQ(r->error(), fb::PlasmaError::OutOfMemory) << data << " + " << meta;
        EXPECT_TRUE(reply->fds.empty());
      }
      EXPECT_EQ(Contains(*bystander_, Id("overflow")), std::optional<bool>(false)) << data << " + " << meta;
    }
    ExpectBystanderServed();
  }
  // device_num != 0 (CUDA) is refused.
  Session s(store_->socket_path());
  ASSERT_TRUE(s.conn.Send(1, CreateRequest(Id("cuda"), 10, 0, true, 1)));
  auto reply = s.conn.Receive(std::chrono::seconds(5), 0);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(flatbuffers::GetRoot<fb::PlasmaCreateReply>(reply->payload.data())->error(),
            fb::PlasmaError::OutOfMemory);
}

TEST_F(HostileRequestsTest, ReleaseOfAnUnheldObject) {
  Session a(store_->socket_path());
  ASSERT_TRUE(Connect(a));
  // Never held at all; held by another client; released twice.
  ASSERT_TRUE(a.conn.Send(11, ReleaseRequest(Id("bystander"))));
  ProbeConnection(a.conn);
  Session b(store_->socket_path());
  ASSERT_EQ(Get(b, {Id("bystander")}, 0), std::optional<std::vector<bool>>(std::vector<bool>{true}));
  ASSERT_TRUE(b.conn.Send(11, ReleaseRequest(Id("bystander"))));
  ASSERT_TRUE(b.conn.Send(11, ReleaseRequest(Id("bystander"))));
  ProbeConnection(b.conn);
  Session c(store_->socket_path());
  ASSERT_TRUE(c.conn.Send(11, ReleaseRequest(Id("no-such-object"))));
  EXPECT_EQ(ProbeConnection(c.conn), Verdict::kClosed);
  // The bystander's own reference is untouched: its object still shows one holder.
  auto objects = List(*bystander_);
  ASSERT_TRUE(objects.has_value());
  for (const auto& o : *objects) {
    if (o.id == Id("bystander")) {
      EXPECT_EQ(o.ref_count, 1);
    }
  }
}

TEST_F(HostileRequestsTest, AbortOfASealedObjectLeavesItIntact) {
  Session a(store_->socket_path());
  ASSERT_EQ(Create(a, Id("sealed"), 100), fb::PlasmaError::OK);
  ASSERT_EQ(Seal(a, Id("sealed")), fb::PlasmaError::OK);
  ASSERT_TRUE(a.conn.Send(5, AbortRequest(Id("sealed"))));
  ProbeConnection(a.conn);
  EXPECT_EQ(Contains(*bystander_, Id("sealed")), std::optional<bool>(true));
  // Also someone else's sealed object.
  Session b(store_->socket_path());
  ASSERT_TRUE(b.conn.Send(5, AbortRequest(Id("bystander"))));
  ProbeConnection(b.conn);
  EXPECT_EQ(Contains(*bystander_, Id("bystander")), std::optional<bool>(true));
}

TEST_F(HostileRequestsTest, AbortByANonCreatorIsRefused) {
  Session creator(store_->socket_path());
  ASSERT_EQ(Create(creator, Id("in-progress"), 100), fb::PlasmaError::OK);
  Session other(store_->socket_path());
  ASSERT_TRUE(other.conn.Send(5, AbortRequest(Id("in-progress"))));
  EXPECT_EQ(ProbeConnection(other.conn), Verdict::kClosed);
  // The creator can still seal it, and it is there.
  EXPECT_EQ(Seal(creator, Id("in-progress")), fb::PlasmaError::OK);
  EXPECT_EQ(Contains(*bystander_, Id("in-progress")), std::optional<bool>(true));
  // Abort of an object that does not exist at all.
  Session third(store_->socket_path());
  ASSERT_TRUE(third.conn.Send(5, AbortRequest(Id("nothing"))));
  EXPECT_EQ(ProbeConnection(third.conn), Verdict::kClosed);
}

TEST_F(HostileRequestsTest, SubscribeTwiceOrWithoutAnFdClosesThatConnection) {
  {
    // Our ends stay open until the verdict, so a hang-up there cannot be the reason for it.
    RawConnection twice(store_->socket_path());
    int ours[2] = {-1, -1};
    for (int i = 0; i < 2; ++i) {
      int sv[2];
      ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
      ours[i] = sv[0];
      ASSERT_TRUE(twice.Send(23, EmptyTable()));
      ASSERT_TRUE(twice.SendFd(sv[1]));
      ::close(sv[1]);
    }
    EXPECT_TRUE(twice.WaitForClose());
    for (int fd : ours) ::close(fd);
  }
  {
    // The carrier byte arrives without an fd.
    RawConnection c(store_->socket_path());
    ASSERT_TRUE(c.Send(23, EmptyTable()));
    uint8_t plain = 0;
    ASSERT_TRUE(c.SendBytes(&plain, 1));
    EXPECT_TRUE(c.WaitForClose());
  }
  ExpectBystanderServed();
}

TEST_F(HostileRequestsTest, SealTwiceAndSealOfForeignOrUnknownObjects) {
  Session a(store_->socket_path());
  ASSERT_EQ(Create(a, Id("twice"), 100), fb::PlasmaError::OK);
  ASSERT_EQ(Seal(a, Id("twice")), fb::PlasmaError::OK);
  ASSERT_TRUE(a.conn.Send(7, SealRequest(Id("twice"), "AAAAAAAA")));
  ProbeConnection(a.conn);
  EXPECT_EQ(Contains(*bystander_, Id("twice")), std::optional<bool>(true));
  // Another client seals an object it did not create.
  Session creator(store_->socket_path());
  ASSERT_EQ(Create(creator, Id("foreign"), 100), fb::PlasmaError::OK);
  Session b(store_->socket_path());
  ASSERT_TRUE(b.conn.Send(7, SealRequest(Id("foreign"))));
  ProbeConnection(b.conn);
  // Unknown object (the real store aborts): an error reply; and digests of the wrong size.
  ASSERT_TRUE(b.conn.Send(7, SealRequest(Id("unknown"))));
  ProbeConnection(b.conn);
  Session e(store_->socket_path());
  EXPECT_EQ(Seal(e, Id("unknown")), fb::PlasmaError::ObjectNotFound);
  Session d(store_->socket_path());
  ASSERT_EQ(Create(d, Id("digest"), 100), fb::PlasmaError::OK);
  for (std::string digest : {std::string(), std::string(7, 'd'), std::string(9, 'd'), std::string(5000, 'd')}) {
    ASSERT_TRUE(d.conn.Send(7, SealRequest(Id("digest"), digest)));
    if (ProbeConnection(d.conn) == Verdict::kClosed) break;
  }
}

TEST_F(HostileRequestsTest, GetOfAMillionIds) {
  // A million ids (32 MB) is one request the store must digest without dying or wedging;
  // it may keep the (single-threaded) store busy for a while, hence the patience below.
  const auto patience = std::chrono::seconds(120);
  std::vector<std::string> ids;
  ids.reserve(1000000);
  for (int i = 0; i < 1000000; ++i) {
    std::string id = Id("million");
    std::memcpy(&id[12], &i, sizeof(i));
    ids.push_back(id);
  }
  ids[500000] = Id("bystander");
  {
    // Answered at once: every id listed in order, only the one present found.
    Session s(store_->socket_path());
    auto found = Get(s, ids, 0);
    ASSERT_TRUE(found.has_value()) << "no GetReply for 10^6 ids";
    ASSERT_EQ(found->size(), ids.size());
    EXPECT_TRUE((*found)[500000]);
    EXPECT_FALSE((*found)[0]);
    EXPECT_FALSE((*found)[999999]);
  }
  ExpectBystanderServed(patience);
  {
    // Waiting forever on a million ids, then going away: the store forgets the request.
    Session s(store_->socket_path());
    ASSERT_TRUE(s.conn.Send(9, GetRequest(ids, -1)));
    ExpectBystanderServed(patience);
  }
  ExpectBystanderServed(patience);
}

TEST_F(HostileRequestsTest, AbsurdGetTimeouts) {
  for (int64_t timeout : {kInt64Max, kInt64Max - 1, int64_t{1} << 53, kInt64Min, int64_t{-2}}) {
    Session s(store_->socket_path());
    ASSERT_TRUE(s.conn.Send(9, GetRequest({Id("bystander"), Id("never")}, timeout)));
    // Whether or when it is answered, the store must stay up and serve others.
    ExpectBystanderServed();
    ASSERT_TRUE(store_->alive()) << "timeout " << timeout;
  }
  // A huge timeout that is then satisfied: the waiting client gets its reply.
  Session waiter(store_->socket_path());
  ASSERT_TRUE(waiter.conn.Send(9, GetRequest({Id("late")}, kInt64Max)));
  Session maker(store_->socket_path());
  ASSERT_EQ(Create(maker, Id("late"), 10), fb::PlasmaError::OK);
  ASSERT_EQ(Seal(maker, Id("late")), fb::PlasmaError::OK);
  auto reply = waiter.conn.Receive(std::chrono::seconds(5), 0);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->type, 10);
  // It must have waited for the seal (a timeout of 292+ million years has not expired): the
  // object is in the reply. (An overflowing deadline answers at once with the object missing.)
  auto* r = flatbuffers::GetRoot<fb::PlasmaGetReply>(reply->payload.data());
  ASSERT_NE(r->plasma_objects(), nullptr);
  ASSERT_EQ(r->plasma_objects()->size(), 1u);
  EXPECT_NE(r->plasma_objects()->Get(0)->data_size(), kU64Max)
      << "a Get with timeout_ms INT64_MAX was answered before the object was sealed";
}

TEST_F(HostileRequestsTest, InconsistentBatchesAndCounts) {
  const std::vector<std::vector<std::string>> shapes[] = {
      // ids, data, metadata, digests of different lengths
      {{Id("b1"), Id("b2"), Id("b3")}, {"x", "y"}, {"", "", ""}, {"01234567", "01234567", "01234567"}},
      {{Id("b1"), Id("b2")}, {"x", "y"}, {""}, {"01234567", "01234567"}},
      {{Id("b1"), Id("b2")}, {"x", "y"}, {"", ""}, {"01234567"}},
      {{}, {}, {}, {}},
      // the same id twice in one batch
      {{Id("b1"), Id("b1")}, {"x", "y"}, {"", ""}, {"01234567", "01234567"}},
      // an id that already exists
      {{Id("b1"), Id("bystander")}, {"x", "y"}, {"", ""}, {"01234567", "01234567"}},
  };
  for (const auto& shape : shapes) {
    Session s(store_->socket_path());
    ASSERT_TRUE(s.conn.Send(32, CreateAndSealBatchRequest(shape[0], shape[1], shape[2], shape[3])));
    ProbeConnection(s.conn);
  }
  // Batches are all or nothing: b1 may only exist if a whole batch succeeded; none above can.
  EXPECT_EQ(Contains(*bystander_, Id("b1")), std::optional<bool>(false));
  EXPECT_EQ(Contains(*bystander_, Id("b2")), std::optional<bool>(false));
  // Delete counts beyond, below and against the id vector.
  for (int32_t count : {3, -1, std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()}) {
    Session s(store_->socket_path());
    ASSERT_TRUE(s.conn.Send(13, DeleteRequest({Id("x1"), Id("x2")}, count)));
    ProbeConnection(s.conn);
  }
  // Evict and quotas at the extremes.
  for (uint64_t n : {kU64Max, uint64_t{1} << 63, uint64_t{0}}) {
    Session s(store_->socket_path());
    ASSERT_TRUE(s.conn.Send(21, EvictRequest(n)));
    ProbeConnection(s.conn);
  }
  for (int64_t quota : {kInt64Max, kInt64Min, int64_t{-1}, int64_t{0}}) {
    Session s(store_->socket_path());
    ASSERT_TRUE(s.conn.Send(28, SetOptionsRequest(std::string(10000, 'n'), quota)));
    ProbeConnection(s.conn);
    ASSERT_TRUE(s.conn.Send(28, SetOptionsRequest("again", quota)));
    ProbeConnection(s.conn);
  }
  ExpectBystanderServed();
}

TEST_F(HostileRequestsTest, CreateAndSealLargerThanTheStore) {
  Session s(store_->socket_path());
  std::string big(static_cast<size_t>(kCapacity) + 4096, 'b');
  ASSERT_TRUE(s.conn.Send(3, CreateAndSealRequest(Id("too-big"), big)));
  ProbeConnection(s.conn);
  EXPECT_EQ(Contains(*bystander_, Id("too-big")), std::optional<bool>(false));
}

}  // namespace
}  // namespace plasmasharp::testing::raw
