// Every client call against a real plasma-store process (StoreProcess), plus the hard cases:
// many threads on one client, two processes sharing one object zero-copy, the store killed in
// the middle of a call, objects outliving their client.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#include "plasma_client.h"
#include "test_support.h"

namespace plasmasharp::testing {
namespace {

using client::Code;
using client::ObjectInfo;
using client::ObjectRef;
using client::PlasmaClient;

constexpr int64_t kCapacity = 64 << 20;

void FillPattern(uint8_t* p, int64_t n, int k) {
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>((i * 31 + k) % 251);
}

bool HasPattern(const uint8_t* p, int64_t n, int k) {
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] != static_cast<uint8_t>((i * 31 + k) % 251)) return false;
  }
  return true;
}

class ClientStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::make_unique<StoreProcess>(kCapacity); }

  std::shared_ptr<PlasmaClient> Connect() {
    std::shared_ptr<PlasmaClient> c;
    client::Status st = PlasmaClient::Connect(store_->socket_path(), 10, 10, &c);
    EXPECT_TRUE(st.ok()) << st.message();
    return c;
  }

  // Creates, fills with pattern k, seals; returns the caller's (still held) reference.
  std::unique_ptr<ObjectRef> Put(PlasmaClient& c, const std::string& id, int64_t size, int k,
                                 const std::string& meta = "") {
    std::unique_ptr<ObjectRef> r;
    client::Status st = c.Create(id, size, U8(meta), static_cast<int64_t>(meta.size()), true, &r);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!r) return nullptr;
    FillPattern(r->data(), size, k);
    st = r->Seal();
    EXPECT_TRUE(st.ok()) << st.message();
    return r;
  }

  std::unique_ptr<StoreProcess> store_;
};

TEST_F(ClientStoreTest, ConnectAndCapacity) {
  auto c = Connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->store_capacity(), kCapacity);
  EXPECT_TRUE(c->connected());
  EXPECT_TRUE(c->Disconnect().ok());
  EXPECT_FALSE(c->connected());
}

TEST_F(ClientStoreTest, CreateSealGetFromAnotherClient) {
  auto writer = Connect();
  auto reader = Connect();
  ASSERT_TRUE(writer && reader);
  auto w = Put(*writer, Id("obj"), 5000, 3, "meta");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->sealed());
  std::vector<std::unique_ptr<ObjectRef>> out;
  ASSERT_TRUE(reader->Get({Id("obj")}, 0, &out).ok());
  ASSERT_TRUE(out[0]);
  EXPECT_EQ(out[0]->data_size(), 5000);
  EXPECT_TRUE(HasPattern(out[0]->data(), 5000, 3));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out[0]->metadata()), 4), "meta");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(out[0]->data()) % 64, 0u);
  EXPECT_TRUE(out[0]->Release().ok());
  EXPECT_TRUE(w->Release().ok());
}

TEST_F(ClientStoreTest, GetMissingTimesOutWithNull) {
  auto c = Connect();
  ASSERT_TRUE(c);
  std::vector<std::unique_ptr<ObjectRef>> out;
  ASSERT_TRUE(c->Get({Id("missing"), Id("missing-2")}, 50, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0]);
  EXPECT_FALSE(out[1]);
}

TEST_F(ClientStoreTest, GetWaitsForALaterSeal) {
  auto waiter = Connect();
  auto writer = Connect();
  ASSERT_TRUE(waiter && writer);
  auto pending = std::async(std::launch::async, [&] {
    std::vector<std::unique_ptr<ObjectRef>> out;
    client::Status st = waiter->Get({Id("later")}, 10000, &out);
    return st.ok() && out[0] && HasPattern(out[0]->data(), 100, 9);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(Put(*writer, Id("later"), 100, 9));
  EXPECT_TRUE(pending.get());
}

TEST_F(ClientStoreTest, ReleaseReachesTheStoreOnlyWithTheLastLocalReference) {
  auto holder = Connect();
  auto other = Connect();
  ASSERT_TRUE(holder && other);
  ASSERT_TRUE(Put(*other, Id("shared"), 64, 1));  // released at once
  std::vector<std::unique_ptr<ObjectRef>> a, b;
  ASSERT_TRUE(holder->Get({Id("shared")}, 0, &a).ok());
  ASSERT_TRUE(holder->Get({Id("shared")}, 0, &b).ok());  // answered locally
  std::vector<ObjectInfo> list;
  auto ref_count = [&]() {
    // ReleaseRequest has no reply: a round trip on the holder's connection makes sure the
    // store has processed everything the holder sent before we look from the other one.
    bool has = false;
    EXPECT_TRUE(holder->Contains(Id("sync"), &has).ok());
    EXPECT_TRUE(other->List(&list).ok());
    return list.size() == 1 ? list[0].ref_count : -1;
  };
  EXPECT_EQ(ref_count(), 1);  // one reference per connection in the store
  ASSERT_TRUE(a[0]->Release().ok());
  EXPECT_EQ(ref_count(), 1);  // b still holds it: no ReleaseRequest yet
  ASSERT_TRUE(b[0]->Release().ok());
  EXPECT_EQ(ref_count(), 0);
}

TEST_F(ClientStoreTest, ContainsSealedUnsealedMissing) {
  auto c = Connect();
  auto other = Connect();
  ASSERT_TRUE(c && other);
  bool has = false;
  ASSERT_TRUE(c->Contains(Id("nothing"), &has).ok());
  EXPECT_FALSE(has);
  std::unique_ptr<ObjectRef> unsealed;
  ASSERT_TRUE(c->Create(Id("unsealed"), 10, nullptr, 0, true, &unsealed).ok());
  // The creator answers from its own table, as libplasma does (the store would say false);
  // everyone else asks the store, which counts only sealed objects.
  ASSERT_TRUE(c->Contains(Id("unsealed"), &has).ok());
  EXPECT_TRUE(has);
  ASSERT_TRUE(other->Contains(Id("unsealed"), &has).ok());
  EXPECT_FALSE(has);
  ASSERT_TRUE(unsealed->Seal().ok());
  ASSERT_TRUE(other->Contains(Id("unsealed"), &has).ok());
  EXPECT_TRUE(has);
  ASSERT_TRUE(c->Contains(Id("unsealed"), &has).ok());  // held: local answer
  EXPECT_TRUE(has);
}

TEST_F(ClientStoreTest, AbortFreesTheIdAndRefusesWithExtraReferences) {
  auto c = Connect();
  ASSERT_TRUE(c);
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(c->Create(Id("abort"), 100, nullptr, 0, true, &r).ok());
  ASSERT_TRUE(r->Abort().ok());
  EXPECT_TRUE(r->Release().ok());
  bool has = true;
  ASSERT_TRUE(c->Contains(Id("abort"), &has).ok());
  EXPECT_FALSE(has);
  ASSERT_TRUE(c->Create(Id("abort"), 100, nullptr, 0, true, &r).ok());  // id free again
  ASSERT_TRUE(r->Seal().ok());
  EXPECT_EQ(r->Abort().code(), Code::kInvalidArgument);  // sealed
}

TEST_F(ClientStoreTest, CreateErrors) {
  auto c = Connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(Put(*c, Id("dup"), 10, 0));
  std::unique_ptr<ObjectRef> r;
  EXPECT_EQ(c->Create(Id("dup"), 10, nullptr, 0, true, &r).code(), Code::kObjectExists);
  EXPECT_EQ(c->Create(Id("huge"), kCapacity * 2, nullptr, 0, true, &r).code(), Code::kOutOfMemory);
}

TEST_F(ClientStoreTest, CreateAndSealAndBatch) {
  auto c = Connect();
  ASSERT_TRUE(c);
  std::string data = "hello plasma";
  ASSERT_TRUE(c->CreateAndSeal(Id("cas"), U8(data), 12, U8("md"), 2, true).ok());
  EXPECT_EQ(c->CreateAndSeal(Id("cas"), U8(data), 12, nullptr, 0, true).code(), Code::kObjectExists);
  std::vector<PlasmaClient::BatchItem> items = {{Id("b1"), U8("one"), 3, U8("m1"), 2},
                                                {Id("b2"), nullptr, 0, nullptr, 0}};
  ASSERT_TRUE(c->CreateAndSealBatch(items, true).ok());
  std::vector<std::unique_ptr<ObjectRef>> out;
  ASSERT_TRUE(c->Get({Id("cas"), Id("b1"), Id("b2")}, 0, &out).ok());
  ASSERT_TRUE(out[0] && out[1] && out[2]);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out[0]->data()), 12), data);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out[1]->metadata()), 2), "m1");
  EXPECT_EQ(out[2]->data_size(), 0);
  // The digest the store keeps (List) is the real content hash, also for batches.
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(c->List(&list).ok());
  for (const auto& o : list) {
    std::array<uint8_t, 8> h;
    ASSERT_TRUE(c->Hash(o.object_id, &h).ok());
    EXPECT_EQ(h, o.digest);
  }
}

TEST_F(ClientStoreTest, HashMatchesSealDigestForLargeObjects) {
  auto c = Connect();
  auto other = Connect();
  ASSERT_TRUE(c && other);
  ASSERT_TRUE(Put(*c, Id("big"), 3000000, 5, "xyz"));
  std::array<uint8_t, 8> h;
  ASSERT_TRUE(other->Hash(Id("big"), &h).ok());
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(other->List(&list).ok());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].digest, h);
  EXPECT_TRUE(list[0].is_sealed);
  EXPECT_EQ(other->Hash(Id("nope"), &h).code(), Code::kObjectNotFound);
}

TEST_F(ClientStoreTest, DeleteResultsAndDeferredDeletion) {
  auto a = Connect();
  auto b = Connect();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Put(*a, Id("free"), 10, 0));
  auto held = Put(*a, Id("held"), 10, 0);
  ASSERT_TRUE(held);
  std::unique_ptr<ObjectRef> unsealed;
  ASSERT_TRUE(b->Create(Id("unsealed"), 10, nullptr, 0, true, &unsealed).ok());
  std::vector<Code> results;
  ASSERT_TRUE(a->Delete({Id("free"), Id("held"), Id("missing"), Id("unsealed")}, &results).ok());
  EXPECT_EQ(results, (std::vector<Code>{Code::kOk, Code::kObjectInUse, Code::kObjectNotFound,
                                        Code::kObjectNotSealed}));
  bool has = false;
  ASSERT_TRUE(b->Contains(Id("held"), &has).ok());
  EXPECT_TRUE(has);  // a still holds it
  ASSERT_TRUE(held->Release().ok());  // last reference: Release, then the deferred Delete
  ASSERT_TRUE(b->Contains(Id("held"), &has).ok());
  EXPECT_FALSE(has);
}

TEST_F(ClientStoreTest, EvictRefreshListDebugStringOptions) {
  auto c = Connect();
  auto quota = Connect();  // a quota moves a client's objects out of the global LRU
  ASSERT_TRUE(c && quota);
  ASSERT_TRUE(quota->SetClientOptions("store-test", 1 << 20).ok());
  EXPECT_EQ(quota->SetClientOptions("again", 1000).code(), Code::kOutOfMemory);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Put(*c, Id("ev-" + std::to_string(i)), 1000, i));
  EXPECT_TRUE(c->Refresh({Id("ev-0"), Id("unknown")}).ok());
  int64_t freed = 0;
  ASSERT_TRUE(c->Evict(1500, &freed).ok());
  EXPECT_GE(freed, 1500);
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(c->List(&list).ok());
  EXPECT_EQ(list.size(), 1u);
  std::string debug;
  ASSERT_TRUE(c->DebugString(&debug).ok());
  EXPECT_FALSE(debug.empty());
}

TEST_F(ClientStoreTest, SubscribeSeesSealsBatchesAndDeletions) {
  auto sub_client = Connect();
  auto c = Connect();
  ASSERT_TRUE(sub_client && c);
  ASSERT_TRUE(Put(*c, Id("before"), 6, 0, "m"));
  std::unique_ptr<client::Subscription> sub;
  ASSERT_TRUE(sub_client->Subscribe(&sub).ok());
  EXPECT_GE(sub->fd(), 0);
  ASSERT_TRUE(Put(*c, Id("sealed"), 300, 0, "meta"));
  std::vector<PlasmaClient::BatchItem> items = {{Id("b1"), U8("aa"), 2, nullptr, 0},
                                                {Id("b2"), U8("bbb"), 3, U8("c"), 1}};
  ASSERT_TRUE(c->CreateAndSealBatch(items, true).ok());
  std::vector<Code> results;
  ASSERT_TRUE(c->Delete({Id("sealed")}, &results).ok());
  std::vector<std::pair<std::string, int64_t>> want = {
      {"before", 6}, {"sealed", 300}, {"b1", 2}, {"b2", 3}, {"sealed", -1}};
  for (const auto& w : want) {
    ObjectInfo info;
    client::Status st = sub->Next(5000, &info);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(info.object_id, Id(w.first));
    EXPECT_EQ(info.data_size, w.second);
    EXPECT_EQ(info.is_deletion, w.second == -1);
  }
  ObjectInfo info;
  EXPECT_EQ(sub->Next(0, &info).code(), Code::kTimeout);
  ASSERT_TRUE(sub_client->Disconnect().ok());
  EXPECT_EQ(sub->Next(5000, &info).code(), Code::kDisconnected);
}

TEST_F(ClientStoreTest, ObjectsOutliveDisconnectAndTheClient) {
  auto c = Connect();
  ASSERT_TRUE(c);
  auto r = Put(*c, Id("survivor"), 4096, 7);
  ASSERT_TRUE(r);
  ASSERT_TRUE(c->Disconnect().ok());
  c.reset();  // the last client reference goes; the object keeps the mapping
  EXPECT_TRUE(HasPattern(r->data(), 4096, 7));
  r->data()[0] = 1;  // still mapped, still writable: no fault
  EXPECT_TRUE(r->Release().ok());
}

TEST_F(ClientStoreTest, StoreKilledMidCallGivesDisconnected) {
  auto c = Connect();
  ASSERT_TRUE(c);
  auto blocked = std::async(std::launch::async, [&] {
    std::vector<std::unique_ptr<ObjectRef>> out;
    return c->Get({Id("never-sealed")}, -1, &out).code();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(store_->pid(), SIGKILL);
  EXPECT_EQ(blocked.get(), Code::kDisconnected);
  bool has;
  EXPECT_EQ(c->Contains(Id("x"), &has).code(), Code::kDisconnected);
}

TEST_F(ClientStoreTest, ManyThreadsOnOneClient) {
  auto c = Connect();
  ASSERT_TRUE(c);
  constexpr int kThreads = 8;
  constexpr int kRounds = 40;
  std::mutex mutex;
  std::vector<std::string> failures;
  auto fail = [&](const std::string& what, const client::Status& st) {
    std::lock_guard<std::mutex> lock(mutex);
    failures.push_back(what + ": " + st.message());
  };
  ASSERT_TRUE(Put(*c, Id("common"), 64, 0));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::string id = Id("t" + std::to_string(t) + "-" + std::to_string(i));
        int64_t size = 100 + (t * 977 + i * 131) % 20000;
        std::unique_ptr<ObjectRef> r;
        client::Status st = c->Create(id, size, nullptr, 0, true, &r);
        if (!st.ok()) {
          fail("create " + id, st);
          continue;
        }
        FillPattern(r->data(), size, t + i);
        st = r->Seal();
        if (!st.ok()) fail("seal " + id, st);
        r.reset();
        std::vector<std::unique_ptr<ObjectRef>> out;
        // A shared object every thread reads too, so local reference counts are contended.
        st = c->Get({id, Id("common")}, 0, &out);
        if (!st.ok() || !out[0] || !out[1] || !HasPattern(out[0]->data(), size, t + i)) {
          fail("get " + id, st);
        }
        bool has = false;
        st = c->Contains(id, &has);
        if (!st.ok() || !has) fail("contains " + id, st);
        out.clear();
        std::vector<Code> results;
        st = c->Delete({id}, &results);
        if (!st.ok() || results[0] != Code::kOk) {
          fail("delete " + id + " result " + std::to_string(static_cast<int>(results[0])), st);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures, first: " << failures[0];
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(c->List(&list).ok());
  ASSERT_EQ(list.size(), 1u);  // only "common" is left
  EXPECT_EQ(list[0].ref_count, 0);  // every reference released
}

TEST_F(ClientStoreTest, TwoProcessesShareOneObjectZeroCopy) {
  int to_parent[2], to_child[2];
  ASSERT_EQ(::pipe(to_parent), 0);
  ASSERT_EQ(::pipe(to_child), 0);
  const std::string path = store_->socket_path();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: the writer. Creates, fills, seals, then writes a marker into the (shared) memory
    // after the parent has mapped it.
    int code = 1;
    std::shared_ptr<PlasmaClient> c;
    std::unique_ptr<ObjectRef> r;
    char byte = 0;
    if (PlasmaClient::Connect(path, 10, 10, &c).ok() &&
        c->Create(Id("shared-obj"), 1 << 20, nullptr, 0, true, &r).ok()) {
      FillPattern(r->data(), 1 << 20, 4);
      if (r->Seal().ok() && ::write(to_parent[1], "s", 1) == 1 && ::read(to_child[0], &byte, 1) == 1) {
        r->data()[12345] = 0xAB;
        if (::write(to_parent[1], "w", 1) == 1 && ::read(to_child[0], &byte, 1) == 1) code = 0;
      }
    }
    ::_exit(code);
  }
  char byte = 0;
  ASSERT_EQ(::read(to_parent[0], &byte, 1), 1);
  auto c = Connect();
  ASSERT_TRUE(c);
  std::vector<std::unique_ptr<ObjectRef>> out;
  ASSERT_TRUE(c->Get({Id("shared-obj")}, 5000, &out).ok());
  ASSERT_TRUE(out[0]);
  EXPECT_TRUE(HasPattern(out[0]->data(), 1 << 20, 4));
  ASSERT_EQ(::write(to_child[1], "g", 1), 1);
  ASSERT_EQ(::read(to_parent[0], &byte, 1), 1);
  // The child's write shows through our pointer: same physical pages, no copy.
  EXPECT_EQ(out[0]->data()[12345], 0xAB);
  ASSERT_EQ(::write(to_child[1], "d", 1), 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) ::close(fd);
}

}  // namespace
}  // namespace plasmasharp::testing
