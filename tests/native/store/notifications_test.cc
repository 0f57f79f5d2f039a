// The notification socket: frames are int64 length + PlasmaNotification (no header); initial
// frames for already-sealed objects, one per Seal, one frame for a whole batch, deletion frames
// for Delete and eviction, nothing for Create/Abort, EOF when the subscriber disconnects.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store_client.h"

namespace plasmasharp::testing {
namespace {

TEST(NotificationsTest, ContentAndFramingFollowTheRealStore) {
  StoreProcess store(100000000);
  StoreClient writer(store.socket_path());
  ASSERT_EQ(writer.CreateAndSeal(Id("sub-preexisting"), "before", "m", true, "DIGEST-1"), fb::PlasmaError::OK);
  StoreClient sub(store.socket_path());
  int fd = sub.Subscribe();

  auto pre = ReadNotificationFrame(fd);
  ASSERT_TRUE(pre.has_value());
  ASSERT_EQ(pre->size(), 1u);
  EXPECT_EQ((*pre)[0].id, Id("sub-preexisting"));
  EXPECT_EQ((*pre)[0].data_size, 6);
  EXPECT_EQ((*pre)[0].metadata_size, 1);
  EXPECT_EQ((*pre)[0].digest, "DIGEST-1");
  EXPECT_FALSE((*pre)[0].is_deletion);

  ASSERT_EQ(writer.Create(Id("sub-sealed"), 300, 4).error, fb::PlasmaError::OK);
  ASSERT_EQ(writer.Create(Id("sub-aborted"), 10).error, fb::PlasmaError::OK);
  EXPECT_EQ(writer.Abort(Id("sub-aborted")), Id("sub-aborted"));
  ASSERT_EQ(writer.Seal(Id("sub-sealed"), "DIGEST-2"), fb::PlasmaError::OK);
  writer.ReleaseAndSync(Id("sub-sealed"));
  auto sealed = ReadNotificationFrame(fd);  // Create and Abort produced nothing
  ASSERT_TRUE(sealed.has_value());
  ASSERT_EQ(sealed->size(), 1u);
  EXPECT_EQ((*sealed)[0].id, Id("sub-sealed"));
  EXPECT_EQ((*sealed)[0].data_size, 300);
  EXPECT_EQ((*sealed)[0].metadata_size, 4);
  EXPECT_EQ((*sealed)[0].digest, "DIGEST-2");

  ASSERT_EQ(writer.CreateAndSealBatch({Id("sub-b1"), Id("sub-b2")}, {"aa", "bbb"}), fb::PlasmaError::OK);
  auto batch = ReadNotificationFrame(fd);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->size(), 2u);  // one frame, two infos
  EXPECT_EQ((*batch)[0].id, Id("sub-b1"));
  EXPECT_EQ((*batch)[1].id, Id("sub-b2"));
  EXPECT_EQ((*batch)[1].data_size, 3);

  ASSERT_EQ(writer.Delete({Id("sub-sealed")})[0], fb::PlasmaError::OK);
  auto deleted = ReadNotificationFrame(fd);
  ASSERT_TRUE(deleted.has_value());
  ASSERT_EQ(deleted->size(), 1u);
  EXPECT_EQ((*deleted)[0].id, Id("sub-sealed"));
  EXPECT_TRUE((*deleted)[0].is_deletion);
  EXPECT_EQ((*deleted)[0].data_size, 0);

  EXPECT_EQ(writer.Evict(1), 7u);  // sub-preexisting is the least recently used
  auto evicted = ReadNotificationFrame(fd);
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ((*evicted)[0].id, Id("sub-preexisting"));
  EXPECT_TRUE((*evicted)[0].is_deletion);

  // Nothing else is pending.
  EXPECT_FALSE(ReadNotificationFrame(fd, std::chrono::milliseconds(100)).has_value());

  // Subscriber disconnects: the store closes its end of the notification socket.
  sub.raw().Close();
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  char byte;
  EXPECT_EQ(::recv(fd, &byte, 1, MSG_DONTWAIT), 0);  // EOF
}

TEST(NotificationsTest, SlowSubscriberDoesNotBlockTheStore) {
  StoreProcess store(100000000);
  StoreClient sub(store.socket_path());
  int fd = sub.Subscribe();
  StoreClient writer(store.socket_path());
  // Far more notification bytes than a socket buffer holds, never read.
  for (int i = 0; i < 3000; ++i) {
    ASSERT_EQ(writer.CreateAndSeal(Id("flood-" + std::to_string(i)), "x"), fb::PlasmaError::OK);
  }
  EXPECT_EQ(writer.Connect(), 100000000);
  // All frames arrive, in order, once the subscriber reads.
  for (int i = 0; i < 3000; ++i) {
    auto frame = ReadNotificationFrame(fd);
    ASSERT_TRUE(frame.has_value()) << i;
    ASSERT_EQ((*frame)[0].id, Id("flood-" + std::to_string(i)));
  }
}

TEST(NotificationsTest, SubscriberThatClosedItsSocketIsHarmless) {
  StoreProcess store(100000000);
  StoreClient sub(store.socket_path());
  int fd = sub.Subscribe();
  ::shutdown(fd, SHUT_RDWR);
  StoreClient writer(store.socket_path());
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(writer.CreateAndSeal(Id("after-close-" + std::to_string(i)), "x"), fb::PlasmaError::OK);
  }
  EXPECT_EQ(sub.Connect(), 100000000);  // the subscriber's main connection still works
}

}  // namespace
}  // namespace plasmasharp::testing
