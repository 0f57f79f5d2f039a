// Eviction when a Create does not fit, and per-client quotas (SetOptions), against a real store.
#include <gtest/gtest.h>

#include <thread>

#include "store_client.h"

namespace plasmasharp::testing {
namespace {

bool Listed(StoreClient& c, const std::string& id) {
  for (const auto& o : c.List()) {
    if (o.id == id) return true;
  }
  return false;
}

TEST(EvictionTest, CreateEvictsLeastRecentlyUsedUnreferencedSealedObjects) {
  StoreProcess store(10000000);
  StoreClient c(store.socket_path());
  for (const char* name : {"fill-1", "fill-2", "fill-3"}) {
    ASSERT_EQ(c.Create(Id(name), 3000000).error, fb::PlasmaError::OK);
    c.Seal(Id(name));
    c.Release(Id(name));
  }
  EXPECT_EQ(c.Create(Id("4mb-noevict"), 4000000, 0, false).error, fb::PlasmaError::OutOfMemory);
  EXPECT_EQ(c.List().size(), 3u);
  CreateResult big = c.Create(Id("4mb-evict"), 4000000);
  ASSERT_EQ(big.error, fb::PlasmaError::OK);
  // fill-1 and fill-2 (least recently used) went; fill-3 stays.
  EXPECT_FALSE(Listed(c, Id("fill-1")));
  EXPECT_FALSE(Listed(c, Id("fill-2")));
  EXPECT_TRUE(Listed(c, Id("fill-3")));
  EXPECT_LE(big.spec.data_offset() + 4000000, static_cast<uint64_t>(big.mmap_size - 8));
}

TEST(EvictionTest, EvictionFreesAtLeastTwentyPercentOfCapacity) {
  StoreProcess store(1000000);
  StoreClient c(store.socket_path());
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(c.CreateAndSeal(Id("small-" + std::to_string(i)), std::string(99000, 'x')), fb::PlasmaError::OK);
  }
  // 990000 used; 20000 more needs ~10000 freed, but the policy frees >= 200000 (3 objects).
  ASSERT_EQ(c.Create(Id("one-more"), 20000).error, fb::PlasmaError::OK);
  EXPECT_EQ(c.List().size(), 10u - 3u + 1u);
  EXPECT_FALSE(Listed(c, Id("small-0")));
  EXPECT_FALSE(Listed(c, Id("small-2")));
  EXPECT_TRUE(Listed(c, Id("small-3")));
}

TEST(EvictionTest, ReferencedAndUnsealedObjectsAreNeverEvicted) {
  StoreProcess store(1000000);
  StoreClient c(store.socket_path());
  StoreClient holder(store.socket_path());
  ASSERT_EQ(c.CreateAndSeal(Id("held"), std::string(400000, 'h')), fb::PlasmaError::OK);
  holder.Get({Id("held")});
  ASSERT_EQ(c.Create(Id("unsealed"), 400000).error, fb::PlasmaError::OK);
  EXPECT_EQ(c.Create(Id("no-room"), 400000).error, fb::PlasmaError::OutOfMemory);
  EXPECT_EQ(c.Evict(1000000), 0u);
  EXPECT_EQ(c.List().size(), 2u);
  holder.ReleaseAndSync(Id("held"));
  ASSERT_EQ(c.Create(Id("now-room"), 400000).error, fb::PlasmaError::OK);
  EXPECT_FALSE(Listed(c, Id("held")));
}

TEST(EvictionTest, CapacityIsHonouredExactly) {
  StoreProcess store(64 * 1000);
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.Create(Id("all"), 64 * 1000, 0, false).error, fb::PlasmaError::OK);
  EXPECT_EQ(c.Create(Id("one-byte"), 1, 0, false).error, fb::PlasmaError::OutOfMemory);
  StoreProcess store2(1000);
  StoreClient c2(store2.socket_path());
  EXPECT_EQ(c2.Create(Id("over"), 1001, 0, true).error, fb::PlasmaError::OutOfMemory);
  EXPECT_EQ(c2.CreateAndSeal(Id("over-cas"), std::string(1001, 'o')), fb::PlasmaError::OutOfMemory);
}

TEST(QuotaTest, QuotaRefusesObjectsLargerThanTheQuota) {
  StoreProcess store(10000000);
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.SetOptions("quota-client", 10000), fb::PlasmaError::OK);
  EXPECT_EQ(c.CreateAndSeal(Id("q-cas"), std::string(16000, 'x')), fb::PlasmaError::OutOfMemory);
  EXPECT_EQ(c.CreateAndSealBatch({Id("q-b1"), Id("q-b2")}, {std::string(1000, 'a'), std::string(16000, 'b')}),
            fb::PlasmaError::OutOfMemory);
  EXPECT_FALSE(c.Contains(Id("q-b1")));
  EXPECT_EQ(c.Create(Id("q-create"), 20000).error, fb::PlasmaError::OutOfMemory);
  // Without evict_if_full the quota is not checked (the real store's behaviour).
  EXPECT_EQ(c.Create(Id("q-noevict"), 20000, 0, false).error, fb::PlasmaError::OK);
}

TEST(QuotaTest, QuotaEvictsTheClientsOwnObjectsFirst) {
  StoreProcess store(10000000);
  StoreClient q(store.socket_path());
  StoreClient other(store.socket_path());
  ASSERT_EQ(other.CreateAndSeal(Id("global-obj"), std::string(5000, 'g')), fb::PlasmaError::OK);
  ASSERT_EQ(q.SetOptions("q", 10000), fb::PlasmaError::OK);
  ASSERT_EQ(q.CreateAndSeal(Id("q-1"), std::string(4000, '1')), fb::PlasmaError::OK);
  ASSERT_EQ(q.CreateAndSeal(Id("q-2"), std::string(4000, '2')), fb::PlasmaError::OK);
  ASSERT_EQ(q.CreateAndSeal(Id("q-3"), std::string(4000, '3')), fb::PlasmaError::OK);
  EXPECT_FALSE(q.Contains(Id("q-1")));  // the quota's own LRU paid
  EXPECT_TRUE(q.Contains(Id("q-2")));
  EXPECT_TRUE(q.Contains(Id("q-3")));
  EXPECT_TRUE(q.Contains(Id("global-obj")));  // untouched
  EXPECT_NE(q.DebugString().find("(q) num evictions: 1"), std::string::npos);
}

// Quotas with objects in use (demotion), pinned bookkeeping, disconnect and the debug string
// are checked against our store and the real Arrow 11 store alike: tests/native/client/quota_test.cc.

}  // namespace
}  // namespace plasmasharp::testing
