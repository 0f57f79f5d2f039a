// Object lifecycle across connections: deferred deletion, Gets that wait, disconnects and
// crashed clients, against a real store process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "store_client.h"

namespace plasmasharp::testing {
namespace {

constexpr int64_t kCapacity = 10000000;

TEST(DeferredDeleteTest, InUseObjectIsDeletedWhenReleased) {
  StoreProcess store(kCapacity);
  StoreClient a(store.socket_path());
  StoreClient b(store.socket_path());
  ASSERT_EQ(a.CreateAndSeal(Id("dd-inuse"), "data"), fb::PlasmaError::OK);
  b.Get({Id("dd-inuse")});
  auto errors = a.Delete({Id("dd-inuse")});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], fb::PlasmaError::ObjectInUse);
  EXPECT_TRUE(a.Contains(Id("dd-inuse")));  // still there while held
  b.ReleaseAndSync(Id("dd-inuse"));
  EXPECT_FALSE(a.Contains(Id("dd-inuse")));
  EXPECT_TRUE(a.List().empty());
}

TEST(DeferredDeleteTest, UnsealedObjectIsDeletedOnceSealedAndReleased) {
  StoreProcess store(kCapacity);
  StoreClient a(store.socket_path());
  StoreClient creator(store.socket_path());
  ASSERT_EQ(creator.Create(Id("dd-unsealed"), 10).error, fb::PlasmaError::OK);
  auto errors = a.Delete({Id("dd-unsealed")});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], fb::PlasmaError::ObjectNotSealed);
  EXPECT_EQ(creator.Seal(Id("dd-unsealed")), fb::PlasmaError::OK);
  EXPECT_TRUE(a.Contains(Id("dd-unsealed")));  // the creator still holds it
  creator.ReleaseAndSync(Id("dd-unsealed"));
  EXPECT_TRUE(a.List().empty());
}

TEST(GetWaitTest, GetIsWokenBySealFromAnotherConnection) {
  StoreProcess store(kCapacity);
  StoreClient waiter(store.socket_path());
  StoreClient writer(store.socket_path());
  waiter.SendGet({Id("later")}, 10000);
  // Nothing yet: the object does not exist.
  EXPECT_FALSE(waiter.raw().Receive(std::chrono::milliseconds(100)).has_value());
  ASSERT_EQ(writer.Create(Id("later"), 512).error, fb::PlasmaError::OK);
  EXPECT_FALSE(waiter.raw().Receive(std::chrono::milliseconds(100)).has_value());  // unsealed
  ASSERT_EQ(writer.Seal(Id("later")), fb::PlasmaError::OK);
  auto reply = waiter.ReceiveGet();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->objects.size(), 1u);
  EXPECT_TRUE(reply->objects[0].found());
  EXPECT_EQ(reply->objects[0].spec.data_size(), 512u);
  EXPECT_EQ(reply->fds.size(), 1u);  // first segment use on this connection
  EXPECT_EQ(writer.List()[0].ref_count, 2);  // the waiter holds it now
}

TEST(GetWaitTest, GetWaitsForEveryIdThenAnswersInRequestOrder) {
  StoreProcess store(kCapacity);
  StoreClient waiter(store.socket_path());
  StoreClient writer(store.socket_path());
  ASSERT_EQ(writer.CreateAndSeal(Id("present"), "p"), fb::PlasmaError::OK);
  waiter.SendGet({Id("w-2"), Id("present"), Id("w-1")}, -1);
  ASSERT_EQ(writer.CreateAndSeal(Id("w-1"), "1"), fb::PlasmaError::OK);
  EXPECT_FALSE(waiter.raw().Receive(std::chrono::milliseconds(100)).has_value());
  ASSERT_EQ(writer.CreateAndSeal(Id("w-2"), "22"), fb::PlasmaError::OK);
  auto reply = waiter.ReceiveGet();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->objects.size(), 3u);
  EXPECT_EQ(reply->objects[0].id, Id("w-2"));
  EXPECT_EQ(reply->objects[0].spec.data_size(), 2u);
  EXPECT_EQ(reply->objects[1].id, Id("present"));
  EXPECT_EQ(reply->objects[2].id, Id("w-1"));
  for (const auto& o : reply->objects) EXPECT_TRUE(o.found());
}

TEST(GetWaitTest, GetTimesOutWithWhateverIsPresent) {
  StoreProcess store(kCapacity);
  StoreClient c(store.socket_path());
  ASSERT_EQ(c.CreateAndSeal(Id("here"), "h"), fb::PlasmaError::OK);
  c.SendGet({Id("here"), Id("never")}, 150);
  auto reply = c.ReceiveGet(std::chrono::seconds(5));
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->objects.size(), 2u);
  EXPECT_TRUE(reply->objects[0].found());
  EXPECT_FALSE(reply->objects[1].found());
  EXPECT_EQ(reply->objects[1].spec.data_size(), UINT64_MAX);
}

TEST(GetWaitTest, TimeoutZeroPollsAndMinusOneWaitsForever) {
  StoreProcess store(kCapacity);
  StoreClient c(store.socket_path());
  GetResult now = c.Get({Id("absent")}, 0);
  ASSERT_EQ(now.objects.size(), 1u);
  EXPECT_FALSE(now.objects[0].found());
  c.SendGet({Id("absent")}, -1);
  EXPECT_FALSE(c.raw().Receive(std::chrono::milliseconds(300)).has_value());
  StoreClient other(store.socket_path());
  EXPECT_EQ(other.Connect(), kCapacity);  // the wait blocks nobody
}

TEST(DisconnectTest, DisconnectReleasesReferencesAndAbortsUnsealedObjects) {
  StoreProcess store(kCapacity);
  StoreClient a(store.socket_path());
  ASSERT_EQ(a.CreateAndSeal(Id("disc-held"), std::string(100, 'h')), fb::PlasmaError::OK);
  {
    StoreClient b(store.socket_path());
    b.Get({Id("disc-held")});
    ASSERT_EQ(b.Create(Id("disc-unsealed"), 100).error, fb::PlasmaError::OK);
    b.SendGet({Id("disc-never")}, -1);  // a pending Get that must be dropped
    EXPECT_EQ(a.List().size(), 2u);
  }
  // b closed its socket: the store noticed (List is answered after the EOF was processed,
  // or we retry briefly).
  std::vector<ListedObject> listed;
  for (int i = 0; i < 100; ++i) {
    listed = a.List();
    if (listed.size() == 1 && listed[0].ref_count == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, Id("disc-held"));
  EXPECT_EQ(listed[0].ref_count, 0);
  // The pending Get is gone: sealing disc-never now is harmless.
  ASSERT_EQ(a.CreateAndSeal(Id("disc-never"), "n"), fb::PlasmaError::OK);
  EXPECT_EQ(a.List().size(), 2u);
}

TEST(DisconnectTest, KilledClientProcessGetsItsMemoryBack) {
  StoreProcess store(1000000);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    try {
      StoreClient c(store.socket_path());
      // Most of the store, created and never sealed; plus a held Get reference.
      if (c.Create(Id("crash-big"), 900000).error != fb::PlasmaError::OK) ::_exit(3);
      char ok = 1;
      if (::write(ready[1], &ok, 1) != 1) ::_exit(4);
      for (;;) ::pause();
    } catch (...) {
      ::_exit(5);
    }
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  StoreClient c(store.socket_path());
  EXPECT_EQ(c.Create(Id("needs-room"), 500000).error, fb::PlasmaError::OutOfMemory);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  fb::PlasmaError error = fb::PlasmaError::OutOfMemory;
  for (int i = 0; i < 100 && error != fb::PlasmaError::OK; ++i) {
    error = c.Create(Id("needs-room"), 500000).error;
    if (error != fb::PlasmaError::OK) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(error, fb::PlasmaError::OK);
  auto listed = c.List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, Id("needs-room"));
}

}  // namespace
}  // namespace plasmasharp::testing
