// plasma-store -e hashtable://NAME (the real store's external store), against a real store
// process: eviction spills sealed unused objects instead of dropping them, with no deletion
// notification; they stay visible (Contains, List) and a Get restores them with their bytes and
// no new seal notification; Delete of a spilled object removes it (our deliberate difference:
// the real store keeps it). The same scenario runs through pyarrow 11 on both stores in
// python/tests/test_external_store.py.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "../spill/spill_reader.h"
#include "store_client.h"

namespace plasmasharp::testing {
namespace {

constexpr int64_t kCapacity = 8000000;
constexpr size_t kObjectBytes = 1000000;  // 20 of them are 2.5x the capacity
constexpr int kObjects = 20;

std::string ObjectName(int i) { return Id("spill-" + std::to_string(i)); }
std::string DataOf(int i) { return std::string(kObjectBytes, static_cast<char>('a' + i)); }
std::string MetadataOf(int i) { return "meta-" + std::to_string(i); }

void FillPastCapacity(StoreClient& writer) {
  for (int i = 0; i < kObjects; ++i) {
    ASSERT_EQ(writer.CreateAndSeal(ObjectName(i), DataOf(i), MetadataOf(i)), fb::PlasmaError::OK) << i;
  }
}

TEST(ExternalStoreTest, FillingPastCapacitySpillsAndEveryObjectReadsBack) {
  StoreProcess store(kCapacity, {"-e", "hashtable://test"});
  StoreClient subscriber(store.socket_path());
  int notifications = subscriber.Subscribe();
  StoreClient writer(store.socket_path());
  FillPastCapacity(writer);

  // One seal notification each, and no deletion: the spilled objects still exist.
  std::vector<Notification> sealed = DrainNotifications(notifications);
  ASSERT_EQ(sealed.size(), static_cast<size_t>(kObjects));
  for (const Notification& n : sealed) EXPECT_FALSE(n.is_deletion) << n.id;

  // Without -e most of them would be gone; here all are visible, as sealed objects.
  std::vector<ListedObject> listed = writer.List();
  EXPECT_EQ(listed.size(), static_cast<size_t>(kObjects));
  for (const ListedObject& o : listed) {
    EXPECT_EQ(o.data_size, static_cast<int64_t>(kObjectBytes));
    EXPECT_EQ(o.digest, "abcdefgh");
    EXPECT_EQ(o.ref_count, 0);
  }
  for (int i = 0; i < kObjects; ++i) EXPECT_TRUE(writer.Contains(ObjectName(i))) << i;

  // Oldest first: each restore spills others, which later come back in turn.
  SegmentReader reader(store.socket_path());
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kObjects; ++i) {
      std::optional<std::string> bytes = reader.Read(ObjectName(i));
      ASSERT_TRUE(bytes.has_value()) << "object " << i << " round " << round;
      EXPECT_TRUE(*bytes == DataOf(i) + MetadataOf(i)) << "object " << i << " has other bytes";
    }
  }
  // Restores are not seals, spills are not deletions: the subscriber heard nothing more.
  EXPECT_TRUE(DrainNotifications(notifications).empty());
  EXPECT_EQ(writer.List().size(), static_cast<size_t>(kObjects));
}

TEST(ExternalStoreTest, DeleteOfASpilledObjectRemovesItEverywhere) {
  StoreProcess store(kCapacity, {"-e", "hashtable://test"});
  StoreClient writer(store.socket_path());
  FillPastCapacity(writer);
  StoreClient subscriber(store.socket_path());
  int notifications = subscriber.Subscribe();
  // Like the real store, a new subscriber hears only of objects in memory: fewer than all.
  size_t announced = DrainNotifications(notifications).size();
  EXPECT_GT(announced, 0u);
  EXPECT_LT(announced, static_cast<size_t>(kObjects));

  // Object 0 is the least recently used, so it was spilled first.
  const std::string victim = ObjectName(0);
  ASSERT_TRUE(writer.Contains(victim));
  EXPECT_EQ(writer.Delete({victim})[0], fb::PlasmaError::OK);  // the real store: ObjectNotSealed, kept
  std::vector<Notification> deleted = DrainNotifications(notifications);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].id, victim);
  EXPECT_TRUE(deleted[0].is_deletion);
  EXPECT_FALSE(writer.Contains(victim));
  EXPECT_EQ(writer.List().size(), static_cast<size_t>(kObjects - 1));
  SegmentReader reader(store.socket_path());
  EXPECT_FALSE(reader.Read(victim).has_value());

  // The id is free again; a new object under it is the new one, spilled and restored.
  ASSERT_EQ(writer.CreateAndSeal(victim, "reborn", "m"), fb::PlasmaError::OK);
  for (int i = 0; i < 10; ++i) {  // push it out
    ASSERT_EQ(writer.CreateAndSeal(Id("push-" + std::to_string(i)), DataOf(i)), fb::PlasmaError::OK);
  }
  std::optional<std::string> bytes = reader.Read(victim);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, "rebornm");
}

TEST(ExternalStoreTest, EvictRequestSpillsToo) {
  StoreProcess store(kCapacity, {"-e", "hashtable://test"});
  StoreClient writer(store.socket_path());
  ASSERT_EQ(writer.CreateAndSeal(ObjectName(0), DataOf(0), MetadataOf(0)), fb::PlasmaError::OK);
  ASSERT_EQ(writer.CreateAndSeal(ObjectName(1), DataOf(1)), fb::PlasmaError::OK);
  StoreClient subscriber(store.socket_path());
  int notifications = subscriber.Subscribe();
  ASSERT_EQ(DrainNotifications(notifications).size(), 2u);

  EXPECT_EQ(writer.Evict(1), kObjectBytes + MetadataOf(0).size());  // object 0, the LRU one
  EXPECT_TRUE(DrainNotifications(notifications).empty());
  EXPECT_TRUE(writer.Contains(ObjectName(0)));
  // Its memory is free once the write is done (the spill thread; the reply does not wait):
  // only object 1 is allocated then.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (DebugCounter(writer.DebugString(), "allocated bytes") != 1000000 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(DebugCounter(writer.DebugString(), "allocated bytes"), 1000000) << writer.DebugString();
  SegmentReader reader(store.socket_path());
  std::optional<std::string> bytes = reader.Read(ObjectName(0));
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(*bytes == DataOf(0) + MetadataOf(0));
}

TEST(ExternalStoreTest, GetWithoutRoomToRestoreAnswersNotFoundAndKeepsTheObject) {
  StoreProcess store(kCapacity, {"-e", "hashtable://test"});
  StoreClient writer(store.socket_path());
  for (int i = 0; i < 4; ++i) ASSERT_EQ(writer.CreateAndSeal(ObjectName(i), DataOf(i)), fb::PlasmaError::OK);
  // An unsealed object that needs nearly everything: all four are spilled for it.
  StoreClient holder(store.socket_path());
  ASSERT_EQ(holder.Create(Id("hold"), kCapacity - kObjectBytes / 2).error, fb::PlasmaError::OK);

  SegmentReader reader(store.socket_path());
  auto started = std::chrono::steady_clock::now();
  GetResult g = reader.client().Get({ObjectName(0)}, 10000);  // no seal is coming: answered at once
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(5000));  // room for a loaded machine
  ASSERT_EQ(g.objects.size(), 1u);
  EXPECT_FALSE(g.objects[0].found());
  for (int fd : g.fds) ::close(fd);
  EXPECT_TRUE(writer.Contains(ObjectName(0)));

  EXPECT_EQ(holder.Abort(Id("hold")), Id("hold"));
  std::optional<std::string> bytes = reader.Read(ObjectName(0));
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(*bytes == DataOf(0));
}

TEST(ExternalStoreTest, UnknownSchemeOrNoUrlExitsTwoWithAMessage) {
  TempDir dir;
  for (const std::string url : {"nfs://server/x", "hashtable"}) {
    std::string err = dir.path() + "/stderr";
    std::string command = "'" + StoreExecutable() + "' -m 1000000 -s '" + dir.path() + "/s.sock' -e '" +
                          url + "' 2>'" + err + "'";
    int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2) << url;
    std::ifstream in(err);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("hashtable://NAME"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find(url), std::string::npos) << text.str();
  }
}

}  // namespace
}  // namespace plasmasharp::testing
