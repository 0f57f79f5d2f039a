// One PlasmaClient used from several threads while one of them waits in a Get (issue 18 item
// 3), against our store and the real Arrow 11 store: the other calls complete while the Get
// still waits, their replies reach the right callers although the waiting Get's reply comes out
// of request order, and at most one waiting Get is on the wire per connection - the real store
// aborts when a connection with two waiting Gets disconnects (checked here with the raw
// protocol, as the reason for the rule). "A still waits" is a flag checked after the other
// calls returned, never a timing; bounded waits only keep a broken build from hanging.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "plasma_client.h"
#include "store_side.h"
#include "store_client.h"
#include "test_support.h"

namespace plasmasharp::testing {
namespace {

using client::Code;
using client::ObjectId;
using client::ObjectInfo;
using client::ObjectRef;
using client::PlasmaClient;

constexpr int64_t kCapacity = 64 << 20;
constexpr auto kGenerousBound = std::chrono::seconds(20);  // liveness only, never a speed check

// One thread's Get(ids, timeout) on `client`, observable from the test thread.
class GetInThread {
 public:
  GetInThread(std::shared_ptr<PlasmaClient> client, std::vector<ObjectId> ids, int64_t timeout_ms)
      : thread_([this, client, ids = std::move(ids), timeout_ms] {
          client::Status st = client->Get(ids, timeout_ms, &out_);
          std::lock_guard<std::mutex> lock(mutex_);
          status_ = st;
          done_ = true;
          cv_.notify_all();
        }) {}
  ~GetInThread() {
    if (thread_.joinable()) thread_.join();
  }
  bool done() {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
  }
  // Waits (bounded) for the Get to return; false if it did not.
  bool Finish() {
    std::unique_lock<std::mutex> lock(mutex_);
    bool finished = cv_.wait_for(lock, kGenerousBound, [this] { return done_; });
    lock.unlock();
    if (finished) thread_.join();
    return finished;
  }
  const client::Status& status() const { return status_; }
  std::vector<std::unique_ptr<ObjectRef>>& out() { return out_; }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  client::Status status_;
  std::vector<std::unique_ptr<ObjectRef>> out_;
  std::thread thread_;
};

class WaitingGetTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    std::string why_not;
    store_ = StartStore(GetParam(), kCapacity, &why_not);
    if (!store_) GTEST_SKIP() << why_not;
    client_ = Connect();
    writer_ = Connect();
    ASSERT_TRUE(client_ && writer_);
  }

  std::shared_ptr<PlasmaClient> Connect() {
    std::shared_ptr<PlasmaClient> c;
    client::Status st = PlasmaClient::Connect(store_->socket_path(), 10, 10, &c);
    EXPECT_TRUE(st.ok()) << st.message();
    return c;
  }

  // Create, fill with `fill`, seal and release `id` on `c`.
  static void Put(PlasmaClient& c, const std::string& id, int64_t size, uint8_t fill) {
    std::unique_ptr<ObjectRef> r;
    client::Status st = c.Create(Id(id), size, nullptr, 0, true, &r);
    ASSERT_TRUE(st.ok()) << id << ": " << st.message();
    std::fill(r->data(), r->data() + size, fill);
    st = r->Seal();
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE(r->Release().ok());
  }

  // The store's ref_count of `id` as the writer's List shows it (-1: not listed).
  int RefCount(const std::string& id) { return testing::RefCount(*writer_, Id(id)); }
  bool RefCountBecomes(const std::string& id, int want) {
    return testing::RefCountBecomes(*writer_, Id(id), want, kGenerousBound);
  }

  // Starts client_->Get(ids + a fresh marker, timeout) on another thread and returns once the
  // store has registered it: the marker, sealed and held by nobody else, shows ref_count 1.
  std::unique_ptr<GetInThread> StartWaitingGet(std::vector<std::string> ids, int64_t timeout_ms,
                                               const std::string& marker = "marker") {
    Put(*writer_, marker, 8, 7);
    ids.push_back(marker);
    std::vector<ObjectId> wire_ids;
    for (const auto& id : ids) wire_ids.push_back(Id(id));
    auto get = std::make_unique<GetInThread>(client_, std::move(wire_ids), timeout_ms);
    EXPECT_TRUE(RefCountBecomes(marker, 1)) << "the store never saw the waiting Get";
    EXPECT_FALSE(get->done()) << get->status().message();
    return get;
  }

  std::unique_ptr<StoreProcess> store_;
  std::shared_ptr<PlasmaClient> client_;
  std::shared_ptr<PlasmaClient> writer_;
};

TEST_P(WaitingGetTest, OtherCallsOnTheClientCompleteWhileAGetWaits) {
  Put(*writer_, "present", 64, 3);
  auto waiting = StartWaitingGet({"never"}, -1);
  // A 1 KiB put, and every other kind of call, on the same client while its Get waits.
  Put(*client_, "put-while-waiting", 1024, 5);
  bool has = false;
  ASSERT_TRUE(client_->Contains(Id("put-while-waiting"), &has).ok());
  EXPECT_TRUE(has);
  std::vector<std::unique_ptr<ObjectRef>> now;
  ASSERT_TRUE(client_->Get({Id("present"), Id("absent")}, 0, &now).ok());
  ASSERT_TRUE(now[0]);
  EXPECT_FALSE(now[1]);
  EXPECT_EQ(now[0]->data()[63], 3);
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(client_->List(&list).ok());
  EXPECT_TRUE(client_->CreateAndSeal(Id("inline"), reinterpret_cast<const uint8_t*>("abc"), 3,
                                     nullptr, 0, true)
                  .ok());
  std::vector<Code> results;
  ASSERT_TRUE(client_->Delete({Id("inline")}, &results).ok());
  EXPECT_EQ(results[0], Code::kOk);
  std::string debug;
  ASSERT_TRUE(client_->DebugString(&debug).ok());
  EXPECT_FALSE(waiting->done()) << "the Get returned before anything sealed what it waits for: "
                                << waiting->status().message();
  // Now its object appears; its reply reaches the waiting thread, not another caller.
  Put(*writer_, "never", 256, 9);
  ASSERT_TRUE(waiting->Finish());
  ASSERT_TRUE(waiting->status().ok()) << waiting->status().message();
  ASSERT_TRUE(waiting->out()[0] && waiting->out()[1]);
  EXPECT_EQ(waiting->out()[0]->data()[255], 9);
  // Every reference reaches the store's books once released: the connection stayed in step.
  now.clear();
  waiting->out().clear();
  ASSERT_TRUE(client_->Contains(Id("sync"), &has).ok());
  EXPECT_TRUE(RefCountBecomes("present", 0));
  EXPECT_TRUE(RefCountBecomes("never", 0));
  EXPECT_TRUE(RefCountBecomes("put-while-waiting", 0));
}

TEST_P(WaitingGetTest, AGetWithAShorterTimeoutIsAnsweredFirstAndEachReplyReachesItsCaller) {
  Put(*writer_, "a", 32, 1);
  auto waiting = StartWaitingGet({"late"}, 15000);
  // Its reply comes before the waiting one's: routed by the ids it lists, not by order.
  std::vector<std::unique_ptr<ObjectRef>> first;
  ASSERT_TRUE(client_->Get({Id("a"), Id("late")}, 0, &first).ok());
  ASSERT_TRUE(first[0]);
  EXPECT_FALSE(first[1]);
  EXPECT_EQ(first[0]->data_size(), 32);
  EXPECT_FALSE(waiting->done());
  Put(*writer_, "late", 48, 4);
  ASSERT_TRUE(waiting->Finish());
  ASSERT_TRUE(waiting->status().ok()) << waiting->status().message();
  ASSERT_TRUE(waiting->out()[0]);
  EXPECT_EQ(waiting->out()[0]->data_size(), 48);
}

TEST_P(WaitingGetTest, AGetForTheSameIdsAsTheWaitingOneWaitsForIt) {
  // Two replies listing the same ids could not be told apart: the second Get is sent after
  // the waiting one's reply, and both callers get the object.
  auto waiting = StartWaitingGet({"same"}, -1);
  std::vector<ObjectId> same_ids = {Id("same"), Id("marker")};
  GetInThread poll(client_, same_ids, 0);
  Put(*writer_, "same", 16, 6);
  ASSERT_TRUE(waiting->Finish());
  ASSERT_TRUE(poll.Finish());
  ASSERT_TRUE(waiting->status().ok() && poll.status().ok());
  ASSERT_TRUE(waiting->out()[0] && poll.out()[0]);
  EXPECT_EQ(poll.out()[0]->data()[15], 6);
}

TEST_P(WaitingGetTest, ASecondWaitingGetWaitsAndDisconnectWakesBothWithTheStoreAlive) {
  auto first = StartWaitingGet({"never-1"}, -1);
  // The second waits in the client, not on the wire: were both on the wire, the real store
  // would abort at the disconnect below.
  GetInThread second(client_, {Id("never-2")}, -1);
  Put(*client_, "still-served", 16, 1);
  ASSERT_TRUE(client_->Disconnect().ok());
  ASSERT_TRUE(first->Finish());
  ASSERT_TRUE(second.Finish());
  EXPECT_EQ(first->status().code(), Code::kDisconnected);
  EXPECT_EQ(second.status().code(), Code::kDisconnected);
  EXPECT_TRUE(RefCountBecomes("marker", 0));
  EXPECT_TRUE(store_->alive());
  bool has = false;
  ASSERT_TRUE(writer_->Contains(Id("still-served"), &has).ok());
  EXPECT_TRUE(has);
}

TEST_P(WaitingGetTest, TwoWaitingGetsOnOneConnectionAndADisconnect) {
  // Why the client keeps one waiting Get per connection, shown with raw messages: the real
  // Arrow 11 store aborts (CHECK get_requests_to_remove.size() <= 1); ours carries on.
  StoreClient raw(store_->socket_path());
  raw.Connect();
  raw.SendGet({Id("raw-never-1")}, -1);
  raw.SendGet({Id("raw-never-2")}, -1);
  bool has = false;
  ASSERT_TRUE(writer_->Contains(Id("sync"), &has).ok());  // both Gets are registered by now
  raw.raw().Close();
  if (GetParam() == StoreKind::kReal) {
    auto deadline = std::chrono::steady_clock::now() + kGenerousBound;
    while (store_->alive() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_FALSE(store_->alive()) << "the real store survived two waiting Gets at a disconnect";
  } else {
    ASSERT_TRUE(writer_->Contains(Id("sync"), &has).ok());
    EXPECT_TRUE(store_->alive());
  }
}

TEST_P(WaitingGetTest, ThreadsPutAndGetWhileGetsWaitAndComeBack) {
  // Contention on one client: four threads put and get (and release) while a fifth keeps a
  // waiting Get on the wire for objects the writer seals one by one. Every call succeeds, every
  // reference ends up released in the store and the connection stays in step.
  constexpr int kRounds = 40;
  std::atomic<int> failures{0};
  std::thread waiter([&] {
    for (int round = 0; round < kRounds / 4; ++round) {
      std::vector<std::unique_ptr<ObjectRef>> out;
      if (!client_->Get({Id("sealed-later-" + std::to_string(round))}, 10000, &out).ok() || !out[0]) {
        ++failures;
      }
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(round);
        std::unique_ptr<ObjectRef> r;
        if (!client_->Create(Id(id), 1024, nullptr, 0, true, &r).ok() || !r->Seal().ok() ||
            !r->Release().ok()) {
          ++failures;
          continue;
        }
        std::vector<std::unique_ptr<ObjectRef>> out;
        if (!client_->Get({Id(id)}, 0, &out).ok() || !out[0] || out[0]->data_size() != 1024) {
          ++failures;
        }
      }
    });
  }
  for (int round = 0; round < kRounds / 4; ++round) {
    Put(*writer_, "sealed-later-" + std::to_string(round), 64, static_cast<uint8_t>(round));
  }
  for (auto& th : threads) th.join();
  waiter.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(client_->connected());
  bool has = false;
  ASSERT_TRUE(client_->Contains(Id("sync"), &has).ok());
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(writer_->List(&list).ok());
  for (const auto& o : list) EXPECT_EQ(o.ref_count, 0) << ToHex(reinterpret_cast<const uint8_t*>(o.object_id.data()), 20);
}

TEST_P(WaitingGetTest, ThreadsWhoseGetsAllMayWaitNeverStall) {
  // Eight threads Put, Get with a timeout (every Get takes the waiting lane in turn) and
  // Delete. The reply of the waiting Get is often read by another thread, with its own reply
  // or alone; its caller may then be polling the socket rather than waiting on its cv, and must
  // be woken. (It was not: this stalled within a few rounds.) Bounded: a stall fails the test.
  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  std::atomic<int> failures{0};
  std::atomic<int> finished{0};
  std::mutex mutex;
  std::condition_variable all_done;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        ObjectId id = Id("s" + std::to_string(t) + "-" + std::to_string(round));
        const int64_t size = 1 + (round % 50) * 20;
        std::unique_ptr<ObjectRef> r;
        if (!client_->Create(id, size, nullptr, 0, true, &r).ok() || !r->Seal().ok() ||
            !r->Release().ok()) {
          ++failures;
          continue;
        }
        std::vector<std::unique_ptr<ObjectRef>> out;
        if (!client_->Get({id}, 5000, &out).ok() || !out[0] || out[0]->data_size() != size) ++failures;
        out.clear();  // released before the Delete, which then deletes it at once
        std::vector<Code> results;
        if (!client_->Delete({id}, &results).ok()) ++failures;
      }
      std::lock_guard<std::mutex> lock(mutex);
      ++finished;
      all_done.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mutex);
  const bool completed = all_done.wait_for(lock, std::chrono::seconds(60),
                                           [&] { return finished.load() == kThreads; });
  lock.unlock();
  if (!completed) {
    // The stalled threads cannot be joined; end the process instead of hanging the suite.
    ADD_FAILURE() << "calls on the shared client stalled (" << finished.load() << " of "
                  << kThreads << " threads finished)";
    std::fflush(nullptr);
    std::_Exit(1);
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(client_->connected());
}

INSTANTIATE_TEST_SUITE_P(Stores, WaitingGetTest, ::testing::Values(StoreKind::kOurs, StoreKind::kReal),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return std::string(StoreKindName(info.param));
                         });

}  // namespace
}  // namespace plasmasharp::testing
