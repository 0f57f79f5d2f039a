// The store core with a spill thread, driven without sockets, over a backend whose writes and
// reads wait at a gate the test opens: what a client sees while a spill is in flight (Get,
// Delete, Contains, a Create of the same id), and that a failed write or read loses nothing.
// The core, worker and hashtable backend are the store's own; only the timing is the test's.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "connection_input.h"
#include "external/hashtable_store.h"
#include "message_builders.h"
#include "store_core.h"

namespace plasmasharp::store {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kCapacity = 1 << 20;
constexpr size_t kObjectBytes = 300 << 10;  // three fill the store; a fourth spills one

// The hashtable backend behind a gate: Put and Get wait while it is closed, and fail on demand.
class GatedStore final : public ExternalStore {
 public:
  bool Put(const std::vector<SpillItem>& items, std::string* error) override {
    Enter();
    if (fail_puts) {
      *error = "test: the disk is full";
      return false;
    }
    return inner_.Put(items, error);
  }
  bool Get(SpillKey key, uint8_t* into, uint64_t size, std::string* error) override {
    Enter();
    if (fail_gets) {
      *error = "test: the spill file is unreadable";
      return false;
    }
    return inner_.Get(key, into, size, error);
  }
  void Delete(SpillKey key) override { inner_.Delete(key); }

  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // Waits until `n` Puts/Gets have started (so one is in flight behind the closed gate).
  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, 5s, [&] { return entered_ >= n; });
  }
  std::atomic<bool> fail_puts{false};
  std::atomic<bool> fail_gets{false};

 private:
  void Enter() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  HashtableExternalStore inner_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = true;
  int entered_ = 0;
};

std::string Id(const std::string& s) {
  std::string id = s;
  id.resize(20, '.');
  return id;
}

class SpillCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    segment_ = SharedSegment::Create("/dev/shm", kCapacity, false, &error);
    ASSERT_TRUE(segment_) << error;
    core_ = std::make_unique<StoreCore>(kCapacity, segment_.get(), StoreLimits{}, &backend_);
    core_->StartSpillThread([] {});  // the test polls CompleteSpillIo itself
  }
  void TearDown() override {
    backend_.Open();
    core_.reset();
  }

  ConnectionId Connect() {
    ConnectionId id = core_->AddConnection();
    inputs_[id];
    return id;
  }
  // Frames the request and hands it over the way the event loop does (parking included).
  void Send(ConnectionId c, fb::MessageType type, const flatbuffers::FlatBufferBuilder& b) {
    std::vector<uint8_t> frame = Frame(type, b);
    inputs_[c].Append(frame.data(), frame.size(), {});
    inputs_[c].Deliver(*core_, c);
  }
  // Applies finished spill I/O and hands parked requests over again, like the loop.
  void Pump() {
    for (ConnectionId id : core_->CompleteSpillIo()) inputs_[id].Deliver(*core_, id);
  }
  // The next reply of `c` (pumping spill I/O until one comes), as (type, payload); type -1
  // if none within 5 s.
  std::pair<int64_t, std::vector<uint8_t>> Reply(ConnectionId c) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    Outbox& out = core_->client(c)->out;
    for (;;) {
      while (!out.empty() && out.front().fd >= 0) out.PopFront();  // passed segment fds
      if (!out.empty()) break;
      if (std::chrono::steady_clock::now() > deadline) return {-1, {}};
      std::this_thread::sleep_for(1ms);
      Pump();
    }
    std::vector<uint8_t> bytes = out.front().bytes;
    out.PopFront();
    protocol::Header h = protocol::DecodeHeader(bytes.data());
    return {h.type, std::vector<uint8_t>(bytes.begin() + protocol::kHeaderSize, bytes.end())};
  }
  bool HasReply(ConnectionId c) {
    Outbox& out = core_->client(c)->out;
    while (!out.empty() && out.front().fd >= 0) out.PopFront();
    return !out.empty();
  }

  void SendCreateAndSeal(ConnectionId c, const std::string& id, const std::string& data) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePlasmaCreateAndSealRequest(b, b.CreateString(Id(id)), true, b.CreateString(data),
                                                  b.CreateString(""), b.CreateString("digest!!")));
    Send(c, fb::MessageType::PlasmaCreateAndSealRequest, b);
  }
  fb::PlasmaError CreateAndSealReply(ConnectionId c) {
    auto [type, payload] = Reply(c);
    EXPECT_EQ(type, static_cast<int64_t>(fb::MessageType::PlasmaCreateAndSealReply));
    if (type < 0) return fb::PlasmaError::ObjectNotFound;
    return flatbuffers::GetRoot<fb::PlasmaCreateAndSealReply>(payload.data())->error();
  }
  fb::PlasmaError CreateAndSeal(ConnectionId c, const std::string& id, const std::string& data) {
    SendCreateAndSeal(c, id, data);
    return CreateAndSealReply(c);
  }
  void SendGet(ConnectionId c, const std::string& id) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePlasmaGetRequest(b, b.CreateVectorOfStrings({Id(id)}), 0));
    Send(c, fb::MessageType::PlasmaGetRequest, b);
  }
  // The Get's answer: the object's bytes, or nullopt when it was answered as missing.
  std::optional<std::string> GetReply(ConnectionId c) {
    auto [type, payload] = Reply(c);
    EXPECT_EQ(type, static_cast<int64_t>(fb::MessageType::PlasmaGetReply));
    if (type < 0) return std::nullopt;
    const auto* reply = flatbuffers::GetRoot<fb::PlasmaGetReply>(payload.data());
    const fb::PlasmaObjectSpec* spec = reply->plasma_objects()->Get(0);
    if (spec->data_size() == UINT64_MAX || static_cast<int64_t>(spec->data_size()) < 0) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(segment_->base() + spec->data_offset()), spec->data_size());
  }
  void Release(ConnectionId c, const std::string& id) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePlasmaReleaseRequest(b, b.CreateString(Id(id))));
    Send(c, fb::MessageType::PlasmaReleaseRequest, b);  // no reply; handled when Send returns
  }
  fb::PlasmaError Delete(ConnectionId c, const std::string& id) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePlasmaDeleteRequest(b, 1, b.CreateVectorOfStrings({Id(id)})));
    Send(c, fb::MessageType::PlasmaDeleteRequest, b);
    auto [type, payload] = Reply(c);
    EXPECT_EQ(type, static_cast<int64_t>(fb::MessageType::PlasmaDeleteReply));
    if (type < 0) return fb::PlasmaError::ObjectNotFound;
    return flatbuffers::GetRoot<fb::PlasmaDeleteReply>(payload.data())->errors()->Get(0);
  }
  bool Contains(ConnectionId c, const std::string& id) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePlasmaContainsRequest(b, b.CreateString(Id(id))));
    Send(c, fb::MessageType::PlasmaContainsRequest, b);
    auto [type, payload] = Reply(c);
    return type >= 0 && flatbuffers::GetRoot<fb::PlasmaContainsReply>(payload.data())->has_object() == 1;
  }
  const ObjectEntry* Entry(const std::string& id) {
    ObjectId oid;
    std::memcpy(oid.bytes.data(), Id(id).data(), kObjectIdBytes);
    return core_->objects().Find(oid);
  }

  static std::string Data(char c) { return std::string(kObjectBytes, c); }

  // Each object reads back with its own bytes (Data of its name's first letter), released after.
  void ExpectEachBack(ConnectionId reader, std::initializer_list<const char*> ids) {
    for (const char* id : ids) {
      SendGet(reader, id);
      std::optional<std::string> bytes = GetReply(reader);
      ASSERT_TRUE(bytes.has_value()) << id;
      EXPECT_TRUE(*bytes == Data(id[0])) << id;
      Release(reader, id);
    }
  }

  // Three objects fill the store; the writer's fourth Create waits for the spill of "a" (the
  // least recently used), whose write is held at the closed gate.
  ConnectionId FillAndStartSpill() {
    ConnectionId writer = Connect();
    EXPECT_EQ(CreateAndSeal(writer, "a", Data('a')), fb::PlasmaError::OK);
    EXPECT_EQ(CreateAndSeal(writer, "b", Data('b')), fb::PlasmaError::OK);
    EXPECT_EQ(CreateAndSeal(writer, "c", Data('c')), fb::PlasmaError::OK);
    backend_.Close();
    SendCreateAndSeal(writer, "d", Data('d'));
    EXPECT_TRUE(backend_.WaitEntered(1));
    EXPECT_TRUE(core_->IsParked(writer));
    EXPECT_FALSE(HasReply(writer));
    EXPECT_EQ(Entry("a")->spill_io, ObjectEntry::SpillIo::kWriting);
    return writer;
  }

  GatedStore backend_;
  std::unique_ptr<SharedSegment> segment_;
  std::unique_ptr<StoreCore> core_;
  std::unordered_map<ConnectionId, ConnectionInput> inputs_;
};

TEST_F(SpillCoreTest, OtherClientsAreServedWhileASpillWriteRunsAndAGetTakesTheObjectFromMemory) {
  ConnectionId writer = FillAndStartSpill();
  ConnectionId reader = Connect();
  // The write is held, yet the reader is answered at once, from memory.
  EXPECT_TRUE(Contains(reader, "a"));
  SendGet(reader, "a");
  ASSERT_TRUE(HasReply(reader));
  std::optional<std::string> bytes = GetReply(reader);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(*bytes == Data('a'));
  EXPECT_FALSE(HasReply(writer));

  backend_.Open();
  // "a" was in use when its write ended: it stays in memory (the copy is dropped); the
  // writer's Create runs again and makes room with another object.
  EXPECT_EQ(CreateAndSealReply(writer), fb::PlasmaError::OK);
  EXPECT_FALSE(Entry("a")->spilled);
  Release(reader, "a");
  ExpectEachBack(reader, {"a", "b", "c", "d"});
}

TEST_F(SpillCoreTest, AnObjectUsedAndReleasedDuringItsWriteIsNotWrittenTwice) {
  ConnectionId writer = FillAndStartSpill();
  ConnectionId reader = Connect();
  SendGet(reader, "a");
  ASSERT_TRUE(GetReply(reader).has_value());
  Release(reader, "a");  // back in the LRU while its write still runs
  // An EvictRequest for everything picks "a" again: its running write is the one that frees it.
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaEvictRequest(b, kCapacity));
  Send(reader, fb::MessageType::PlasmaEvictRequest, b);
  EXPECT_EQ(Reply(reader).first, static_cast<int64_t>(fb::MessageType::PlasmaEvictReply));
  backend_.Open();
  EXPECT_EQ(CreateAndSealReply(writer), fb::PlasmaError::OK);
  for (int i = 0; i < 500 && core_->spill_stats().spilled_objects < 3; ++i) {
    std::this_thread::sleep_for(1ms);
    Pump();
  }
  EXPECT_EQ(core_->spill_stats().spilled_objects, 3u);  // a, b, c once each
  EXPECT_EQ(core_->spill_stats().spills, 3u);
  EXPECT_EQ(core_->allocated_bytes(), static_cast<int64_t>(kObjectBytes));  // d
  ExpectEachBack(reader, {"a", "b", "c", "d"});
}

TEST_F(SpillCoreTest, DeleteDuringTheWriteErasesAtOnceAndTheIdCanBeCreatedAgain) {
  ConnectionId writer = FillAndStartSpill();
  ConnectionId other = Connect();
  // A Create of an id whose spill is in flight: the object exists.
  EXPECT_EQ(CreateAndSeal(other, "a", "new"), fb::PlasmaError::ObjectExists);
  EXPECT_EQ(Delete(other, "a"), fb::PlasmaError::OK);
  EXPECT_FALSE(Contains(other, "a"));
  // Its block is still being written from: not reused until the write is done.
  EXPECT_EQ(core_->allocated_bytes(), static_cast<int64_t>(3 * kObjectBytes));
  EXPECT_EQ(CreateAndSeal(other, "a", "new"), fb::PlasmaError::OK);

  backend_.Open();
  EXPECT_EQ(CreateAndSealReply(writer), fb::PlasmaError::OK);
  // The old copy is gone (nothing counted as spilled for it); the new object is the one read.
  SendGet(other, "a");
  std::optional<std::string> bytes = GetReply(other);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, "new");
  EXPECT_EQ(core_->spill_stats().spilled_objects, 0u);
  EXPECT_EQ(core_->allocated_bytes(), static_cast<int64_t>(3 * kObjectBytes + 3));
}

TEST_F(SpillCoreTest, AFailedWriteKeepsEveryObjectAndTheCreateAnswersOutOfMemory) {
  ConnectionId writer = Connect();
  for (const char* id : {"a", "b", "c"}) ASSERT_EQ(CreateAndSeal(writer, id, Data(id[0])), fb::PlasmaError::OK);
  backend_.fail_puts = true;
  // Every victim's write fails: each stays in memory and the next round picks another, until
  // none is left and the Create is refused as "store full".
  EXPECT_EQ(CreateAndSeal(writer, "d", Data('d')), fb::PlasmaError::OutOfMemory);
  EXPECT_EQ(core_->spill_stats().spill_failures, 3u);
  EXPECT_EQ(core_->spill_stats().spilled_objects, 0u);
  ConnectionId reader = Connect();
  ExpectEachBack(reader, {"a", "b", "c"});
  // The disk takes writes again: the same Create now spills.
  backend_.fail_puts = false;
  EXPECT_EQ(CreateAndSeal(writer, "d", Data('d')), fb::PlasmaError::OK);
  EXPECT_GE(core_->spill_stats().spilled_objects, 1u);
}

TEST_F(SpillCoreTest, AFailedRestoreAnswersNotAvailableAndTheObjectStaysSpilled) {
  ConnectionId writer = Connect();
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_EQ(CreateAndSeal(writer, id, Data(id[0])), fb::PlasmaError::OK);
  ASSERT_TRUE(Entry("a")->spilled);
  backend_.fail_gets = true;
  ConnectionId reader = Connect();
  SendGet(reader, "a");
  EXPECT_FALSE(GetReply(reader).has_value());
  EXPECT_EQ(core_->spill_stats().restore_failures, 1u);
  EXPECT_TRUE(Contains(reader, "a"));
  backend_.fail_gets = false;
  SendGet(reader, "a");
  std::optional<std::string> bytes = GetReply(reader);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(*bytes == Data('a'));
}

TEST_F(SpillCoreTest, DeleteDuringARestoreAnswersTheWaitingGetAsMissing) {
  ConnectionId writer = Connect();
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_EQ(CreateAndSeal(writer, id, Data(id[0])), fb::PlasmaError::OK);
  ASSERT_TRUE(Entry("a")->spilled);
  // Make room first, so the restore only reads (no spill write needed for it).
  ConnectionId other = Connect();
  ASSERT_EQ(Delete(other, "b"), fb::PlasmaError::OK);
  backend_.Close();
  ConnectionId reader = Connect();
  SendGet(reader, "a");
  ASSERT_TRUE(backend_.WaitEntered(2));  // the write of "a" earlier, now its read
  EXPECT_TRUE(core_->IsParked(reader));
  EXPECT_EQ(Delete(other, "a"), fb::PlasmaError::OK);
  EXPECT_FALSE(Contains(other, "a"));
  backend_.Open();
  EXPECT_FALSE(GetReply(reader).has_value());
  EXPECT_EQ(core_->spill_stats().spilled_objects, 0u);
  EXPECT_EQ(core_->allocated_bytes(), static_cast<int64_t>(2 * kObjectBytes));  // c and d
}

}  // namespace
}  // namespace plasmasharp::store
