// Releases never wait behind a Get that waits on the store (the C# layer releases from .NET's
// single finalizer thread). Against a real plasma-store process: while thread A is inside
// Get(-1) for an object nobody has sealed yet, thread B releases objects of the same client.
// "A is inside its Get" is established from the store's side (the Get also asks for a sealed
// marker object, whose store ref_count turns 1 once the store has registered the Get), and
// "B's release returned while A still waits" is checked with flags, not timings. Bounded waits
// only keep a broken build from hanging: they fail the test, then unblock A.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "plasma_client.h"
#include "store_side.h"
#include "test_support.h"

namespace plasmasharp::testing {
namespace {

using client::Code;
using client::ObjectId;
using client::ObjectInfo;
using client::ObjectRef;
using client::PlasmaClient;

constexpr int64_t kCapacity = 16 << 20;
constexpr auto kGenerousBound = std::chrono::seconds(20);  // liveness only, never a speed check

// A flag one thread sets and another waits for.
class Flag {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mutex_);
    set_ = true;
    cv_.notify_all();
  }
  bool IsSet() {
    std::lock_guard<std::mutex> lock(mutex_);
    return set_;
  }
  bool WaitFor(std::chrono::seconds bound) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, bound, [this] { return set_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool set_ = false;
};

class ReleaseDuringGetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<StoreProcess>(kCapacity);
    client_ = Connect();
    writer_ = Connect();
    ASSERT_TRUE(client_ && writer_);
  }
  void TearDown() override {
    if (getter_.joinable()) getter_.join();
  }

  std::shared_ptr<PlasmaClient> Connect() {
    std::shared_ptr<PlasmaClient> c;
    client::Status st = PlasmaClient::Connect(store_->socket_path(), 10, 10, &c);
    EXPECT_TRUE(st.ok()) << st.message();
    return c;
  }

  // The writer creates, fills with `fill` and seals `id`, then lets go of it.
  void Put(const std::string& id, uint8_t fill) {
    std::unique_ptr<ObjectRef> r;
    ASSERT_TRUE(writer_->Create(Id(id), 256, nullptr, 0, true, &r).ok());
    std::fill(r->data(), r->data() + 256, fill);
    ASSERT_TRUE(r->Seal().ok());
    ASSERT_TRUE(r->Release().ok());
  }

  std::unique_ptr<ObjectRef> GetNow(const std::string& id) {
    std::vector<std::unique_ptr<ObjectRef>> out;
    client::Status st = client_->Get({Id(id)}, 0, &out);
    EXPECT_TRUE(st.ok()) << st.message();
    return out.empty() ? nullptr : std::move(out[0]);
  }

  // The store's ref_count of `id` as the writer's List shows it (-1: not listed).
  int RefCount(const std::string& id) { return testing::RefCount(*writer_, Id(id)); }
  bool RefCountBecomes(const std::string& id, int want) {
    return testing::RefCountBecomes(*writer_, Id(id), want, kGenerousBound);
  }

  // Starts thread A: client_->Get(ids + "marker", -1). Returns once the store has registered
  // that Get (the marker, sealed and held by nobody else, shows ref_count 1): A now holds the
  // client's reply reader and waits for a reply that cannot come before "never" is sealed.
  void StartWaitingGet(std::vector<std::string> ids) {
    Put("marker", 7);
    ids.push_back("marker");
    getter_ = std::thread([this, ids] {
      std::vector<ObjectId> wire_ids;
      for (const auto& id : ids) wire_ids.push_back(Id(id));
      get_status_ = client_->Get(wire_ids, -1, &get_out_);
      get_done_.Set();
    });
    ASSERT_TRUE(RefCountBecomes("marker", 1)) << "the store never saw thread A's Get";
    ASSERT_FALSE(get_done_.IsSet()) << get_status_.message();
  }

  // Runs `release` on thread B; true when it returned while thread A still waited.
  bool ReleaseReturnsWhileGetWaits(std::function<void()> release) {
    Flag released;
    std::thread releaser([&] {
      release();
      released.Set();
    });
    bool returned = released.WaitFor(kGenerousBound);
    bool get_still_waiting = !get_done_.IsSet();
    if (!returned) Put("never", 1);  // the old behaviour: unblock A so B and the test finish
    releaser.join();
    return returned && get_still_waiting;
  }

  // Seals "never" so thread A wakes; returns A's status.
  client::Status FinishWaitingGet() {
    Put("never", 9);
    getter_.join();
    return get_status_;
  }

  std::unique_ptr<StoreProcess> store_;
  std::shared_ptr<PlasmaClient> client_;
  std::shared_ptr<PlasmaClient> writer_;
  std::thread getter_;
  Flag get_done_;
  client::Status get_status_;
  std::vector<std::unique_ptr<ObjectRef>> get_out_;
};

TEST_F(ReleaseDuringGetTest, ReleaseOfAnotherObjectReturnsAndReachesTheStoreWhileGetWaits) {
  Put("held", 3);
  auto held = GetNow("held");
  ASSERT_TRUE(held);
  ASSERT_EQ(RefCount("held"), 1);
  StartWaitingGet({"never"});
  ASSERT_TRUE(ReleaseReturnsWhileGetWaits([&] { EXPECT_TRUE(held->Release().ok()); }));
  // ReleaseRequest has no reply: the store frees the reference while A still waits.
  EXPECT_TRUE(RefCountBecomes("held", 0));
  EXPECT_FALSE(get_done_.IsSet());
  client::Status st = FinishWaitingGet();
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(get_out_.size(), 2u);
  ASSERT_TRUE(get_out_[0] && get_out_[1]);
  EXPECT_EQ(get_out_[0]->data()[0], 9);
  EXPECT_EQ(get_out_[1]->data()[255], 7);
  // The connection is intact (the store closes it on a Release it did not expect).
  bool has = false;
  ASSERT_TRUE(client_->Contains(Id("held"), &has).ok());
  EXPECT_TRUE(has);
  get_out_.clear();
  EXPECT_TRUE(RefCountBecomes("never", 0));
  EXPECT_TRUE(RefCountBecomes("marker", 0));
}

TEST_F(ReleaseDuringGetTest, ReleaseOfAnObjectTheGetAsksForIsDroppedWhenTheReplyHandsItOut) {
  Put("x", 5);
  auto x = GetNow("x");
  ASSERT_TRUE(x);
  StartWaitingGet({"x", "never"});
  // The last local reference to x goes while A's Get (which asked for x) waits: the store's
  // one reference must stay, because A's reply hands x out again.
  ASSERT_TRUE(ReleaseReturnsWhileGetWaits([&] { EXPECT_TRUE(x->Release().ok()); }));
  client::Status st = FinishWaitingGet();
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(get_out_.size(), 3u);
  ASSERT_TRUE(get_out_[0] && get_out_[1] && get_out_[2]);
  EXPECT_EQ(get_out_[0]->data()[100], 5);
  bool has = false;
  ASSERT_TRUE(client_->Contains(Id("sync"), &has).ok());  // a round trip: all sent is read
  EXPECT_EQ(RefCount("x"), 1);
  // Releasing A's reference now sends the one ReleaseRequest the store expects; a second one
  // for x would make the store close this connection.
  ASSERT_TRUE(get_out_[0]->Release().ok());
  ASSERT_TRUE(client_->Contains(Id("sync"), &has).ok());
  EXPECT_EQ(RefCount("x"), 0);
  EXPECT_TRUE(client_->connected());
}

TEST_F(ReleaseDuringGetTest, ReleaseWithADeferredDeleteRunsItAfterTheGet) {
  Put("doomed", 2);
  auto doomed = GetNow("doomed");
  ASSERT_TRUE(doomed);
  std::vector<Code> results;
  ASSERT_TRUE(client_->Delete({Id("doomed")}, &results).ok());
  EXPECT_EQ(results[0], Code::kObjectInUse);  // held here: deleted with the last release
  StartWaitingGet({"never"});
  ASSERT_TRUE(ReleaseReturnsWhileGetWaits([&] { EXPECT_TRUE(doomed->Release().ok()); }));
  client::Status st = FinishWaitingGet();
  ASSERT_TRUE(st.ok()) << st.message();
  // The release and its Delete went out at once (the Delete's reply was routed to the releaser).
  EXPECT_TRUE(RefCountBecomes("doomed", -1));
  bool has = true;
  ASSERT_TRUE(client_->Contains(Id("doomed"), &has).ok());
  EXPECT_FALSE(has);
}

TEST_F(ReleaseDuringGetTest, DisconnectWakesTheGetAndQueuedReleasesAreDropped) {
  Put("x", 5);
  auto x = GetNow("x");
  ASSERT_TRUE(x);
  StartWaitingGet({"x", "never"});
  ASSERT_TRUE(ReleaseReturnsWhileGetWaits([&] { EXPECT_TRUE(x->Release().ok()); }));
  ASSERT_TRUE(client_->Disconnect().ok());
  getter_.join();
  EXPECT_EQ(get_status_.code(), Code::kDisconnected);
  // The store dropped the connection's references when it closed.
  EXPECT_TRUE(RefCountBecomes("x", 0));
  EXPECT_TRUE(RefCountBecomes("marker", 0));
}

TEST_F(ReleaseDuringGetTest, ManyReleasersWhileGetsComeAndGo) {
  // Contention: releasers, local Gets, store Gets and Contains on one client. Every reference
  // must end up released in the store, and the connection must survive (no double Release).
  constexpr int kObjects = 16;
  for (int i = 0; i < kObjects; ++i) Put("o" + std::to_string(i), static_cast<uint8_t>(i));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 60; ++round) {
        std::vector<ObjectId> ids = {Id("o" + std::to_string((t + round) % kObjects)),
                                     Id("o" + std::to_string((t * 5 + round * 3) % kObjects))};
        std::vector<std::unique_ptr<ObjectRef>> out;
        // timeout > 0 so the store registers (and answers) a waiting Get for the missing one.
        if (round % 7 == 0) ids.push_back(Id("absent"));
        client::Status st = client_->Get(ids, round % 7 == 0 ? 1 : 0, &out);
        if (!st.ok() || !out[0] || !out[1]) ++failures;
        bool has = false;
        if (!client_->Contains(ids[0], &has).ok() || !has) ++failures;
        for (auto& r : out) {
          if (r && !r->Release().ok()) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(client_->connected());
  bool has = false;
  ASSERT_TRUE(client_->Contains(Id("sync"), &has).ok());
  for (int i = 0; i < kObjects; ++i) EXPECT_EQ(RefCount("o" + std::to_string(i)), 0) << i;
}

}  // namespace
}  // namespace plasmasharp::testing
