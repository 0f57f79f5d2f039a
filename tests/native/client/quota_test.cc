// Per-client quotas (SetClientOptions) and the debug string that reports them, run through our
// C++ client against our store AND the real Arrow 11 plasma-store-server, with the same
// expectations for both: the values below were read off the real store for the same calls.
//
// The real store's model, as observed: a client with a quota owns the objects it creates (its
// own LRU, "(<client name>) ..." lines). An owned object in use by anyone is "pinned" ("pinned
// quota map size"). A create that does not fit the quota takes the quota's least recently used
// objects: unused ones are evicted, pinned ones are demoted to ordinary objects (they leave the
// quota and join the global LRU once released), and both count as "num evictions" of the
// quota's LRU. "pinned bytes" counts every object in use, owned or not.
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "plasma_client.h"
#include "store_side.h"
#include "test_support.h"

namespace plasmasharp::testing {
namespace {

using client::Code;
using client::ObjectRef;
using client::PlasmaClient;

constexpr int64_t kMB = 1000 * 1000;
constexpr int64_t kCapacity = 100 * kMB;

class QuotaTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    std::string why_not;
    store_ = StartStore(GetParam(), kCapacity, &why_not);
    if (!store_) GTEST_SKIP() << why_not;
  }

  std::shared_ptr<PlasmaClient> Connect() {
    std::shared_ptr<PlasmaClient> c;
    client::Status st = PlasmaClient::Connect(store_->socket_path(), 10, 10, &c);
    EXPECT_TRUE(st.ok()) << st.message();
    return c;
  }

  // Create (evicting if needed, as every Plasma client's default) and seal; the reference stays
  // held until the returned ref is released.
  static std::unique_ptr<ObjectRef> Put(PlasmaClient& c, const std::string& id, int64_t size) {
    std::unique_ptr<ObjectRef> r = Create(c, id, size);
    if (r) {
      client::Status st = r->Seal();
      EXPECT_TRUE(st.ok()) << st.message();
    }
    return r;
  }

  static std::unique_ptr<ObjectRef> Create(PlasmaClient& c, const std::string& id, int64_t size) {
    std::unique_ptr<ObjectRef> r;
    client::Status st = c.Create(Id(id), size, nullptr, 0, true, &r);
    EXPECT_TRUE(st.ok()) << id << ": " << st.message();
    return r;
  }

  static bool Contains(PlasmaClient& c, const std::string& id) {
    bool has = false;
    client::Status st = c.Contains(Id(id), &has);
    EXPECT_TRUE(st.ok()) << st.message();
    return has;
  }

  // The debug string as "key: value" pairs (the last value of a repeated key wins).
  static std::map<std::string, std::string> Debug(PlasmaClient& c) {
    std::string text;
    client::Status st = c.DebugString(&text);
    EXPECT_TRUE(st.ok()) << st.message();
    std::map<std::string, std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      size_t colon = line.rfind(": ");
      if (colon != std::string::npos) lines[line.substr(0, colon)] = line.substr(colon + 2);
    }
    return lines;
  }

  static std::string DebugText(PlasmaClient& c) {
    std::string text;
    EXPECT_TRUE(c.DebugString(&text).ok());
    return text;
  }

  // A release has no reply: a round trip on the same connection orders it before what follows.
  static void Sync(PlasmaClient& c) { Debug(c); }

  // Another connection's close is applied by the store asynchronously: poll until `key` reads
  // `value` (or 5 s passed) from `observer`.
  static void WaitFor(PlasmaClient& observer, const std::string& key, const std::string& value) {
    for (int i = 0; i < 500 && Debug(observer)[key] != value; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::unique_ptr<StoreProcess> store_;
};

TEST_P(QuotaTest, QuotaIsSetOncePerClientAndLeavesThirtyPercentToTheGlobalLru) {
  auto c1 = Connect();
  auto c2 = Connect();
  ASSERT_TRUE(c1->SetClientOptions("client1", 50 * kMB).ok());
  EXPECT_EQ(c1->SetClientOptions("client1", 100).code(), Code::kOutOfMemory) << "set once";
  // 100 - 50 - 30 leaves 20% global, under the 30% the store keeps.
  EXPECT_EQ(c2->SetClientOptions("client2", 30 * kMB).code(), Code::kOutOfMemory);
  ASSERT_TRUE(c2->SetClientOptions("client2", 10 * kMB).ok());

  auto d = Debug(*c1);
  EXPECT_EQ(d["num clients with quota"], "2");
  EXPECT_EQ(d["quota map size"], "0");
  EXPECT_EQ(d["pinned quota map size"], "0");
  EXPECT_EQ(d["allocated bytes"], "0");
  EXPECT_EQ(d["allocation limit"], std::to_string(kCapacity));
  EXPECT_EQ(d["pinned bytes"], "0");
  EXPECT_EQ(d["(global lru) capacity"], std::to_string(40 * kMB));
  EXPECT_EQ(d["(global lru) used"], "60%") << "quota reservations count as used";
  EXPECT_EQ(d["(global lru) num objects"], "0");
  EXPECT_EQ(d["(client1) capacity"], std::to_string(50 * kMB));
  EXPECT_EQ(d["(client1) used"], "0%");
  EXPECT_EQ(d["(client2) capacity"], std::to_string(10 * kMB));
  // The real store prints the quota LRUs newest first.
  std::string text = DebugText(*c1);
  EXPECT_LT(text.find("(client2) capacity"), text.find("(client1) capacity")) << text;
}

TEST_P(QuotaTest, ObjectsInUseArePinnedAndStayInTheQuota) {
  auto owner = Connect();
  auto reader = Connect();
  ASSERT_TRUE(owner->SetClientOptions("owner", 50 * kMB).ok());
  auto o1 = Create(*owner, "o1", 10 * kMB);
  auto d = Debug(*owner);
  EXPECT_EQ(d["quota map size"], "1");
  EXPECT_EQ(d["pinned quota map size"], "1") << "unsealed, held by its creator";
  EXPECT_EQ(d["pinned bytes"], std::to_string(10 * kMB));
  EXPECT_EQ(d["allocated bytes"], std::to_string(10 * kMB));
  EXPECT_EQ(d["(owner) used"], "20%");
  EXPECT_EQ(d["(owner) num objects"], "1");

  ASSERT_TRUE(o1->Seal().ok());
  ASSERT_TRUE(o1->Release().ok());
  Sync(*owner);
  d = Debug(*owner);
  EXPECT_EQ(d["quota map size"], "1");
  EXPECT_EQ(d["pinned quota map size"], "0");
  EXPECT_EQ(d["pinned bytes"], "0");
  EXPECT_EQ(d["(global lru) num objects"], "0") << "an owned object never joins the global LRU";

  // Another client's read pins it too, and it stays in the owner's quota.
  std::vector<std::unique_ptr<ObjectRef>> got;
  ASSERT_TRUE(reader->Get({Id("o1")}, 1000, &got).ok());
  ASSERT_TRUE(got[0]);
  d = Debug(*owner);
  EXPECT_EQ(d["quota map size"], "1");
  EXPECT_EQ(d["pinned quota map size"], "1");
  EXPECT_EQ(d["pinned bytes"], std::to_string(10 * kMB));
  EXPECT_EQ(d["(owner) num objects"], "1");
  ASSERT_TRUE(got[0]->Release().ok());
  Sync(*reader);
  d = Debug(*owner);
  EXPECT_EQ(d["pinned quota map size"], "0");
  EXPECT_EQ(d["pinned bytes"], "0");
  EXPECT_EQ(d["(owner) num objects"], "1");
}

TEST_P(QuotaTest, ACreateOverTheQuotaEvictsTheQuotasUnusedObjectsFirst) {
  auto c = Connect();
  ASSERT_TRUE(c->SetClientOptions("cq", 50 * kMB).ok());
  ASSERT_TRUE(Put(*c, "old", 10 * kMB)->Release().ok());
  std::vector<std::unique_ptr<ObjectRef>> held;
  for (const char* id : {"h2", "h3", "h4", "h5"}) held.push_back(Put(*c, id, 10 * kMB));
  EXPECT_EQ(Debug(*c)["(cq) used"], "100%");

  held.push_back(Put(*c, "h6", 10 * kMB));
  ASSERT_TRUE(held.back());
  auto d = Debug(*c);
  EXPECT_FALSE(Contains(*c, "old")) << "the unused object was evicted";
  EXPECT_EQ(d["quota map size"], "5");
  EXPECT_EQ(d["pinned quota map size"], "5");
  EXPECT_EQ(d["allocated bytes"], std::to_string(50 * kMB));
  EXPECT_EQ(d["pinned bytes"], std::to_string(50 * kMB));
  EXPECT_EQ(d["(cq) num objects"], "5");
  EXPECT_EQ(d["(cq) num evictions"], "1");
  EXPECT_EQ(d["(cq) bytes evicted"], std::to_string(10 * kMB));
}

// The case that made the real Arrow 11 suite fail against our store: every object of the quota
// is in use, and a new one must still be created - by demoting the pinned ones.
TEST_P(QuotaTest, PinnedObjectsAreDemotedToTheGlobalLruInsteadOfFailingTheCreate) {
  auto c = Connect();
  ASSERT_TRUE(c->SetClientOptions("cq", 30 * kMB).ok());
  std::map<std::string, std::unique_ptr<ObjectRef>> held;
  for (const char* id : {"p1", "p2", "p3"}) held[id] = Put(*c, id, 10 * kMB);

  held["p4"] = Create(*c, "p4", 15 * kMB);
  ASSERT_TRUE(held["p4"]) << "must not be refused as store full";
  auto d = Debug(*c);
  EXPECT_EQ(d["quota map size"], "2") << "p1 and p2 left the quota";
  EXPECT_EQ(d["pinned quota map size"], "2");
  EXPECT_EQ(d["allocated bytes"], std::to_string(45 * kMB));
  EXPECT_EQ(d["pinned bytes"], std::to_string(45 * kMB));
  EXPECT_EQ(d["(global lru) num objects"], "0") << "still in use";
  EXPECT_EQ(d["(cq) used"], "83.3333%");
  EXPECT_EQ(d["(cq) num objects"], "2");
  EXPECT_EQ(d["(cq) num evictions"], "2") << "demotions count as evictions of the quota LRU";
  EXPECT_EQ(d["(cq) bytes evicted"], std::to_string(20 * kMB));
  EXPECT_TRUE(Contains(*c, "p1"));

  ASSERT_TRUE(held["p4"]->Seal().ok());
  ASSERT_TRUE(held["p1"]->Release().ok());
  Sync(*c);
  d = Debug(*c);
  EXPECT_EQ(d["(global lru) num objects"], "1") << "a demoted object joins the global LRU on release";
  EXPECT_EQ(d["(global lru) used"], "40%");
  EXPECT_EQ(d["pinned quota map size"], "2");
  EXPECT_EQ(d["pinned bytes"], std::to_string(35 * kMB));
  EXPECT_EQ(d["(cq) num objects"], "2");

  // Larger than the whole quota: refused, nothing changes.
  std::unique_ptr<ObjectRef> too_big;
  EXPECT_EQ(c->Create(Id("big"), 30 * kMB + 1, nullptr, 0, true, &too_big).code(), Code::kOutOfMemory);
  EXPECT_EQ(Debug(*c)["allocated bytes"], std::to_string(45 * kMB));
}

TEST_P(QuotaTest, RefreshMakesAQuotaObjectMostRecentlyUsed) {
  auto c = Connect();
  ASSERT_TRUE(c->SetClientOptions("cq", 30 * kMB).ok());
  for (const char* id : {"r1", "r2", "r3"}) ASSERT_TRUE(Put(*c, id, 10 * kMB)->Release().ok());
  ASSERT_TRUE(c->Refresh({Id("r1")}).ok());
  ASSERT_TRUE(Put(*c, "r4", 10 * kMB)->Release().ok());
  EXPECT_TRUE(Contains(*c, "r1")) << "refreshed: no longer the least recently used";
  EXPECT_FALSE(Contains(*c, "r2"));
  EXPECT_TRUE(Contains(*c, "r3"));
}

TEST_P(QuotaTest, DeleteOfAnObjectInUseTakesEffectAtItsRelease) {
  auto c = Connect();
  ASSERT_TRUE(c->SetClientOptions("cq", 30 * kMB).ok());
  auto held = Put(*c, "d1", 10 * kMB);
  std::vector<Code> results;
  ASSERT_TRUE(c->Delete({Id("d1")}, &results).ok());
  auto d = Debug(*c);
  EXPECT_EQ(d["quota map size"], "1");
  EXPECT_EQ(d["pinned bytes"], std::to_string(10 * kMB));
  ASSERT_TRUE(held->Release().ok());
  Sync(*c);
  d = Debug(*c);
  EXPECT_FALSE(Contains(*c, "d1"));
  EXPECT_EQ(d["quota map size"], "0");
  EXPECT_EQ(d["pinned quota map size"], "0");
  EXPECT_EQ(d["pinned bytes"], "0");
  EXPECT_EQ(d["allocated bytes"], "0");
  EXPECT_EQ(d["(cq) num objects"], "0");
}

// Where we differ on purpose: the real store's Abort frees the memory but leaves the object in
// its owner's quota LRU, the quota map and "pinned bytes" (stale entries that hold quota
// capacity until a later create demotes them). Ours forgets it everywhere. Both are asserted,
// so a change on either side shows.
TEST_P(QuotaTest, AnAbortedObjectLeavesTheQuota) {
  const bool real = GetParam() == StoreKind::kReal;
  auto c = Connect();
  ASSERT_TRUE(c->SetClientOptions("cq", 30 * kMB).ok());
  auto kept = Put(*c, "k1", 5 * kMB);
  auto aborted = Create(*c, "a1", 10 * kMB);
  ASSERT_TRUE(aborted->Abort().ok());
  auto d = Debug(*c);
  EXPECT_FALSE(Contains(*c, "a1"));
  EXPECT_EQ(d["allocated bytes"], std::to_string(5 * kMB)) << "the memory is free on both";
  EXPECT_EQ(d["quota map size"], real ? "2" : "1");
  EXPECT_EQ(d["pinned quota map size"], real ? "2" : "1");
  EXPECT_EQ(d["(cq) num objects"], real ? "2" : "1");
  EXPECT_EQ(d["(cq) used"], real ? "50%" : "16.6667%");
  EXPECT_EQ(d["pinned bytes"], std::to_string(real ? 15 * kMB : 5 * kMB));
}

TEST_P(QuotaTest, DisconnectReturnsTheQuotaAndMovesItsObjectsToTheGlobalLru) {
  auto observer = Connect();
  auto c = Connect();
  ASSERT_TRUE(Put(*observer, "g1", 1 * kMB)->Release().ok());
  ASSERT_TRUE(c->SetClientOptions("cq", 30 * kMB).ok());
  auto unsealed = Create(*c, "u2", 2 * kMB);
  auto held = Put(*c, "s3", 3 * kMB);
  ASSERT_TRUE(Put(*c, "s4", 4 * kMB)->Release().ok());
  auto reader = Connect();
  std::vector<std::unique_ptr<ObjectRef>> got;
  ASSERT_TRUE(reader->Get({Id("s4")}, 1000, &got).ok());
  auto d = Debug(*observer);
  EXPECT_EQ(d["quota map size"], "3");
  EXPECT_EQ(d["pinned quota map size"], "3");
  EXPECT_EQ(d["pinned bytes"], std::to_string(9 * kMB));

  c->Disconnect();
  WaitFor(*observer, "num clients with quota", "0");
  d = Debug(*observer);
  EXPECT_EQ(d["num clients with quota"], "0");
  EXPECT_EQ(d["quota map size"], "0");
  EXPECT_EQ(d["pinned quota map size"], "0");
  EXPECT_EQ(d["(global lru) capacity"], std::to_string(kCapacity));
  EXPECT_EQ(d["(global lru) num objects"], "2") << "g1 and s3; s4 joins when its reader lets go";
  EXPECT_EQ(d["(global lru) used"], "4%");
  EXPECT_EQ(d["allocated bytes"], std::to_string(8 * kMB)) << "the unsealed u2 was aborted";
  EXPECT_FALSE(Contains(*observer, "u2"));
  EXPECT_TRUE(Contains(*observer, "s3"));
  // u2 was aborted while in use: the real store keeps counting its bytes (see Abort above).
  EXPECT_EQ(d["pinned bytes"], std::to_string(GetParam() == StoreKind::kReal ? 6 * kMB : 4 * kMB));

  ASSERT_TRUE(got[0]->Release().ok());
  Sync(*reader);
  d = Debug(*observer);
  EXPECT_EQ(d["(global lru) num objects"], "3");
  EXPECT_EQ(d["(global lru) used"], "8%");
  EXPECT_EQ(d["pinned bytes"], std::to_string(GetParam() == StoreKind::kReal ? 2 * kMB : 0));
}

INSTANTIATE_TEST_SUITE_P(Stores, QuotaTest, ::testing::Values(StoreKind::kOurs, StoreKind::kReal),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return std::string(StoreKindName(info.param));
                         });

}  // namespace
}  // namespace plasmasharp::testing
