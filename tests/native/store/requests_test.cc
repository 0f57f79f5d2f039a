// Every request type against a real plasma-store process, checked field by field.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "store_client.h"

namespace plasmasharp::testing {
namespace {

constexpr int64_t kCapacity = 100000000;

class RequestsTest : public ::testing::Test {
 protected:
  StoreProcess store{kCapacity};
};

TEST_F(RequestsTest, ConnectReportsCapacity) {
  StoreClient c(store.socket_path());
  EXPECT_EQ(c.Connect(), kCapacity);
}

TEST_F(RequestsTest, CreatePassesSegmentFdOnceAndObjectsFitTheClientMapping) {
  StoreClient c(store.socket_path());
  c.Connect();
  CreateResult first = c.Create(Id("req-create-1"), 1024, 8);
  ASSERT_EQ(first.error, fb::PlasmaError::OK);
  ASSERT_EQ(first.fds.size(), 1u);
  EXPECT_EQ(first.spec.data_offset(), 64u);  // like the real store
  EXPECT_EQ(first.spec.data_offset() % 64, 0u);
  EXPECT_EQ(first.spec.metadata_offset(), first.spec.data_offset() + 1024);
  EXPECT_EQ(first.spec.segment_index(), first.store_fd);
  EXPECT_EQ(first.mmap_size, 100007944);  // same as the real store for -m 100000000
  struct stat st {};
  ASSERT_EQ(::fstat(first.fds[0], &st), 0);
  EXPECT_EQ(st.st_size, first.mmap_size);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  CreateResult second = c.Create(Id("req-create-2"), 4096, 0, false);
  ASSERT_EQ(second.error, fb::PlasmaError::OK);
  EXPECT_TRUE(second.fds.empty());  // segment already sent on this connection
  EXPECT_EQ(second.spec.data_offset() % 64, 0u);
  EXPECT_GE(second.spec.data_offset(), first.spec.data_offset() + 1032);
  // Inside what a real client maps (mmap_size - 8 bytes from 0).
  EXPECT_LE(second.spec.data_offset() + 4096, static_cast<uint64_t>(second.mmap_size - 8));

  CreateResult empty = c.Create(Id("req-create-0"), 0);
  ASSERT_EQ(empty.error, fb::PlasmaError::OK);
  EXPECT_EQ(empty.spec.data_size(), 0u);
  EXPECT_NE(empty.spec.data_offset(), second.spec.data_offset());
  ::close(first.fds[0]);
}

TEST_F(RequestsTest, CreateErrors) {
  StoreClient a(store.socket_path());
  StoreClient b(store.socket_path());
  ASSERT_EQ(a.Create(Id("dup"), 10).error, fb::PlasmaError::OK);
  CreateResult dup = b.Create(Id("dup"), 10);  // unsealed duplicate from another client
  EXPECT_EQ(dup.error, fb::PlasmaError::ObjectExists);
  EXPECT_EQ(dup.store_fd, 0);
  EXPECT_EQ(dup.spec.data_size(), 0u);
  EXPECT_TRUE(dup.fds.empty());
  EXPECT_EQ(b.Create(Id("huge"), kCapacity + 1).error, fb::PlasmaError::OutOfMemory);
  EXPECT_EQ(b.Create(Id("gpu"), 10, 0, false, 1).error, fb::PlasmaError::OutOfMemory);
  EXPECT_EQ(b.Create(Id("meta-overflow"), UINT64_MAX - 5, 10).error, fb::PlasmaError::OutOfMemory);
}

TEST_F(RequestsTest, SealKeepsDigestAndDataIsSharedThroughTheSegment) {
  StoreClient writer(store.socket_path());
  CreateResult cr = writer.Create(Id("shared"), 5, 2);
  ASSERT_EQ(cr.error, fb::PlasmaError::OK);
  ASSERT_EQ(cr.fds.size(), 1u);
  size_t len = static_cast<size_t>(cr.mmap_size - 8);
  auto* base = static_cast<uint8_t*>(::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, cr.fds[0], 0));
  ASSERT_NE(base, MAP_FAILED);
  std::memcpy(base + cr.spec.data_offset(), "hellomd", 7);
  EXPECT_EQ(writer.Seal(Id("shared"), "DIGEST01"), fb::PlasmaError::OK);
  writer.Release(Id("shared"));

  StoreClient reader(store.socket_path());
  GetResult g = reader.Get({Id("shared")});
  ASSERT_EQ(g.objects.size(), 1u);
  ASSERT_TRUE(g.objects[0].found());
  ASSERT_EQ(g.fds.size(), 1u);
  auto* rbase = static_cast<uint8_t*>(::mmap(nullptr, len, PROT_READ, MAP_SHARED, g.fds[0], 0));
  ASSERT_NE(rbase, MAP_FAILED);
  EXPECT_EQ(std::memcmp(rbase + g.objects[0].spec.data_offset(), "hellomd", 7), 0);
  auto listed = reader.List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].digest, "DIGEST01");
  EXPECT_EQ(listed[0].ref_count, 1);
  ::munmap(base, len);
  ::munmap(rbase, len);
  ::close(cr.fds[0]);
  ::close(g.fds[0]);
}

TEST_F(RequestsTest, SealErrorsAreRepliesNotCrashes) {
  StoreClient c(store.socket_path());
  EXPECT_EQ(c.Seal(Id("unknown")), fb::PlasmaError::ObjectNotFound);
  ASSERT_EQ(c.Create(Id("twice"), 1).error, fb::PlasmaError::OK);
  EXPECT_EQ(c.Seal(Id("twice")), fb::PlasmaError::OK);
  EXPECT_EQ(c.Seal(Id("twice")), fb::PlasmaError::ObjectExists);
  EXPECT_EQ(c.Seal(Id("twice"), "short"), fb::PlasmaError::ObjectNotFound);
  EXPECT_EQ(c.Connect(), kCapacity);  // still served
}

TEST_F(RequestsTest, GetFoundMissingMixedInRequestOrder) {
  StoreClient owner(store.socket_path());
  ASSERT_EQ(owner.CreateAndSeal(Id("get-a"), "aaaa", "m"), fb::PlasmaError::OK);
  StoreClient c(store.socket_path());
  GetResult g = c.Get({Id("get-missing"), Id("get-a"), Id("get-a")});
  ASSERT_EQ(g.objects.size(), 3u);
  EXPECT_EQ(g.objects[0].id, Id("get-missing"));
  EXPECT_FALSE(g.objects[0].found());
  EXPECT_EQ(g.objects[0].spec.segment_index(), 0);
  EXPECT_EQ(g.objects[0].spec.data_offset(), 0u);
  EXPECT_TRUE(g.objects[1].found());
  EXPECT_EQ(g.objects[1].spec.data_size(), 4u);
  EXPECT_EQ(g.objects[1].spec.metadata_size(), 1u);
  EXPECT_TRUE(g.objects[2].found());
  ASSERT_EQ(g.store_fds.size(), 1u);  // one distinct segment
  ASSERT_EQ(g.mmap_sizes.size(), 1u);
  EXPECT_EQ(g.fds.size(), 1u);
  GetResult again = c.Get({Id("get-a")});
  EXPECT_EQ(again.store_fds.size(), 1u);
  EXPECT_TRUE(again.fds.empty());  // no second fd for the same segment
  // One reference per connection however many Gets.
  EXPECT_EQ(c.List()[0].ref_count, 1);
  for (int fd : g.fds) ::close(fd);
}

TEST_F(RequestsTest, ReleaseDropsTheOnlyReference) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.CreateAndSeal(Id("rel"), "x"), fb::PlasmaError::OK);
  c.Get({Id("rel")});
  c.Get({Id("rel")});
  EXPECT_EQ(c.List()[0].ref_count, 1);
  c.ReleaseAndSync(Id("rel"));
  EXPECT_EQ(c.List()[0].ref_count, 0);
}

TEST_F(RequestsTest, AbortFreesTheUnsealedObject) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.Create(Id("abort-me"), 256).error, fb::PlasmaError::OK);
  EXPECT_EQ(c.Abort(Id("abort-me")), Id("abort-me"));
  EXPECT_FALSE(c.Contains(Id("abort-me")));
  EXPECT_TRUE(c.List().empty());
  EXPECT_EQ(c.Create(Id("abort-me"), 256).error, fb::PlasmaError::OK);  // id free again
}

TEST_F(RequestsTest, CreateAndSealStoresBytesAndLeavesNoReference) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.CreateAndSeal(Id("cas"), "hello plasma", "md"), fb::PlasmaError::OK);
  EXPECT_EQ(c.CreateAndSeal(Id("cas"), "again"), fb::PlasmaError::ObjectExists);
  auto listed = c.List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].data_size, 12);
  EXPECT_EQ(listed[0].metadata_size, 2);
  EXPECT_EQ(listed[0].ref_count, 0);
  EXPECT_EQ(listed[0].digest, "abcdefgh");
  GetResult g = c.Get({Id("cas")});
  ASSERT_EQ(g.fds.size(), 1u);
  size_t len = static_cast<size_t>(g.mmap_sizes[0] - 8);
  auto* base = static_cast<uint8_t*>(::mmap(nullptr, len, PROT_READ, MAP_SHARED, g.fds[0], 0));
  ASSERT_NE(base, MAP_FAILED);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(base + g.objects[0].spec.data_offset()), 14), "hello plasmamd");
  ::munmap(base, len);
  ::close(g.fds[0]);
}

TEST_F(RequestsTest, CreateAndSealBatchIsAllOrNothing) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.CreateAndSealBatch({Id("b1"), Id("b2"), Id("b3")}, {"one", "two-two", ""}), fb::PlasmaError::OK);
  EXPECT_TRUE(c.Contains(Id("b1")));
  EXPECT_TRUE(c.Contains(Id("b3")));
  EXPECT_EQ(c.CreateAndSealBatch({Id("b-new"), Id("b2")}, {"n", "x"}), fb::PlasmaError::ObjectExists);
  EXPECT_FALSE(c.Contains(Id("b-new")));
  EXPECT_EQ(c.List().size(), 3u);
}

TEST_F(RequestsTest, ContainsOnlySealed) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.Create(Id("unsealed"), 64).error, fb::PlasmaError::OK);
  EXPECT_FALSE(c.Contains(Id("unsealed")));
  EXPECT_FALSE(c.Contains(Id("nothing")));
  c.Seal(Id("unsealed"));
  EXPECT_TRUE(c.Contains(Id("unsealed")));
}

TEST_F(RequestsTest, ListShowsSealedAndUnsealed) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.CreateAndSeal(Id("l-sealed"), std::string(100, 'x'), "abc"), fb::PlasmaError::OK);
  ASSERT_EQ(c.Create(Id("l-unsealed"), 200).error, fb::PlasmaError::OK);
  auto listed = c.List();
  ASSERT_EQ(listed.size(), 2u);
  for (const auto& o : listed) {
    EXPECT_GT(o.create_time, 1600000000);
    if (o.id == Id("l-unsealed")) {
      EXPECT_EQ(o.data_size, 200);
      EXPECT_EQ(o.ref_count, 1);
      EXPECT_EQ(o.construct_duration, -1);
      EXPECT_EQ(o.digest, "");
    } else {
      EXPECT_EQ(o.id, Id("l-sealed"));
      EXPECT_EQ(o.metadata_size, 3);
      EXPECT_GE(o.construct_duration, 0);
      EXPECT_EQ(o.digest.size(), 8u);
    }
  }
}

TEST_F(RequestsTest, DeleteReportsPerObjectErrors) {
  StoreClient a(store.socket_path());
  StoreClient holder(store.socket_path());
  StoreClient creator(store.socket_path());
  ASSERT_EQ(a.CreateAndSeal(Id("d-ok"), "1"), fb::PlasmaError::OK);
  ASSERT_EQ(a.CreateAndSeal(Id("d-inuse"), "1"), fb::PlasmaError::OK);
  holder.Get({Id("d-inuse")});
  ASSERT_EQ(creator.Create(Id("d-unsealed"), 4).error, fb::PlasmaError::OK);
  int count = -1;
  auto errors = a.Delete({Id("d-ok"), Id("d-inuse"), Id("d-missing"), Id("d-unsealed")}, StoreClient::kAllIds, &count);
  EXPECT_EQ(count, 4);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], fb::PlasmaError::OK);
  EXPECT_EQ(errors[1], fb::PlasmaError::ObjectInUse);
  EXPECT_EQ(errors[2], fb::PlasmaError::ObjectNotFound);
  EXPECT_EQ(errors[3], fb::PlasmaError::ObjectNotSealed);
  EXPECT_FALSE(a.Contains(Id("d-ok")));
}

TEST_F(RequestsTest, DeleteCountIsAuthoritativeAndClamped) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.CreateAndSeal(Id("dc-1"), "1"), fb::PlasmaError::OK);
  ASSERT_EQ(c.CreateAndSeal(Id("dc-2"), "1"), fb::PlasmaError::OK);
  int count = -1;
  EXPECT_TRUE(c.Delete({Id("dc-1")}, 0, &count).empty());  // ids beyond count ignored
  EXPECT_EQ(count, 0);
  EXPECT_TRUE(c.Contains(Id("dc-1")));
  auto errors = c.Delete({Id("dc-1"), Id("dc-2")}, 1000, &count);  // clamped, never OOB
  EXPECT_EQ(count, 2);
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_FALSE(c.Contains(Id("dc-2")));
  errors = c.Delete({Id("dc-1")}, -7, &count);
  EXPECT_EQ(count, 0);
  EXPECT_TRUE(errors.empty());
}

TEST_F(RequestsTest, EvictFreesLeastRecentlyUsedFirst) {
  StoreClient c(store.socket_path());
  for (const char* name : {"ev-1", "ev-2", "ev-3"}) {
    ASSERT_EQ(c.CreateAndSeal(Id(name), std::string(1000, 'e')), fb::PlasmaError::OK);
  }
  EXPECT_EQ(c.Evict(1500), 2000u);
  auto listed = c.List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, Id("ev-3"));
}

TEST_F(RequestsTest, RefreshLruChangesEvictionOrderAndIgnoresUnknownIds) {
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.CreateAndSeal(Id("lru-1"), std::string(100, 'a')), fb::PlasmaError::OK);
  ASSERT_EQ(c.CreateAndSeal(Id("lru-2"), std::string(100, 'b')), fb::PlasmaError::OK);
  c.RefreshLru({Id("lru-1"), Id("lru-unknown")});
  EXPECT_EQ(c.Evict(1), 100u);
  EXPECT_TRUE(c.Contains(Id("lru-1")));
  EXPECT_FALSE(c.Contains(Id("lru-2")));
}

TEST_F(RequestsTest, SetOptionsAndDebugString) {
  StoreClient c(store.socket_path());
  EXPECT_EQ(c.SetOptions("dbg-client", 1000000), fb::PlasmaError::OK);
  EXPECT_EQ(c.SetOptions("again", 1000), fb::PlasmaError::OutOfMemory);
  StoreClient other(store.socket_path());
  EXPECT_EQ(other.SetOptions("too-big", kCapacity), fb::PlasmaError::OutOfMemory);
  ASSERT_EQ(c.Create(Id("dbg-1"), 1000).error, fb::PlasmaError::OK);
  c.Seal(Id("dbg-1"));
  c.ReleaseAndSync(Id("dbg-1"));
  EXPECT_EQ(c.DebugString(),
            "num clients with quota: 1\nquota map size: 1\npinned quota map size: 0\n"
            "allocated bytes: 1000\nallocation limit: 100000000\npinned bytes: 0\n"
            "(global lru) capacity: 99000000\n(global lru) used: 1%\n(global lru) num objects: 0\n"
            "(global lru) num evictions: 0\n(global lru) bytes evicted: 0\n"
            "(dbg-client) capacity: 1000000\n(dbg-client) used: 0.1%\n(dbg-client) num objects: 1\n"
            "(dbg-client) num evictions: 0\n(dbg-client) bytes evicted: 0");
}

TEST_F(RequestsTest, PipelinedRequestsAnsweredInOrder) {
  StoreClient c(store.socket_path());
  flatbuffers::FlatBufferBuilder b1, b2;
  b1.Finish(fb::CreatePlasmaConnectRequest(b1));
  b2.Finish(fb::CreatePlasmaListRequest(b2));
  std::vector<uint8_t> bytes;
  for (auto [type, b] : {std::make_pair(fb::MessageType::PlasmaConnectRequest, &b1),
                         std::make_pair(fb::MessageType::PlasmaListRequest, &b2)}) {
    std::vector<uint8_t> message = Framed(static_cast<int64_t>(type), b->GetBufferPointer(), b->GetSize());
    bytes.insert(bytes.end(), message.begin(), message.end());
  }
  ASSERT_TRUE(c.raw().SendBytes(bytes.data(), bytes.size()));
  auto first = c.raw().Receive();
  auto second = c.raw().Receive();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->type, static_cast<int64_t>(fb::MessageType::PlasmaConnectReply));
  EXPECT_EQ(second->type, static_cast<int64_t>(fb::MessageType::PlasmaListReply));
}

}  // namespace
}  // namespace plasmasharp::testing
