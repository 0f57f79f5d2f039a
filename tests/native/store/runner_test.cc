// The in-process store (StoreRunner, what ps_store_start wraps): starts on its own thread,
// serves real socket clients, refuses a path another store serves, stops cleanly.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "store_client.h"
#include "store_runner.h"

namespace plasmasharp::testing {
namespace {

TEST(StoreRunnerTest, StartServeStop) {
  TempDir dir;
  store::StoreOptions options;
  options.socket_path = dir.path() + "/inproc.sock";
  options.capacity = 1000000;
  std::string error;
  auto runner = store::StoreRunner::Start(options, &error);
  ASSERT_TRUE(runner) << error;
  struct stat st {};
  ASSERT_EQ(::stat(options.socket_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  {
    StoreClient c(options.socket_path);
    EXPECT_EQ(c.Connect(), 1000000);
    ASSERT_EQ(c.CreateAndSeal(Id("inproc"), "data"), fb::PlasmaError::OK);
    EXPECT_TRUE(c.Contains(Id("inproc")));

    std::string second_error;
    EXPECT_FALSE(store::StoreRunner::Start(options, &second_error));
    EXPECT_NE(second_error.find("already listening"), std::string::npos) << second_error;

    runner->Stop();
    EXPECT_TRUE(c.raw().WaitForClose());  // clients see their connection close
  }
  runner->Stop();  // idempotent
  EXPECT_NE(::stat(options.socket_path.c_str(), &st), 0);  // socket file removed
  // The path is free again.
  auto again = store::StoreRunner::Start(options, &error);
  EXPECT_TRUE(again) << error;
}

TEST(StoreRunnerTest, ErrorsSayWhatToDo) {
  TempDir dir;
  store::StoreOptions options;
  options.socket_path = dir.path() + "/x.sock";
  options.capacity = 0;
  std::string error;
  EXPECT_FALSE(store::StoreRunner::Start(options, &error));
  EXPECT_NE(error.find("capacity"), std::string::npos);
  options.capacity = 1000;
  options.directory = dir.path() + "/no-such-dir";
  EXPECT_FALSE(store::StoreRunner::Start(options, &error));
  EXPECT_NE(error.find("-d"), std::string::npos) << error;
  options.directory = "/dev/shm";
  options.socket_path = dir.path() + "/no-such-dir/x.sock";
  EXPECT_FALSE(store::StoreRunner::Start(options, &error));
  EXPECT_FALSE(error.empty());
}

// A directory with less free space than the capacity: the runner serves 90 % of the free space
// (like the real store), reports it through capacity() and in ConnectReply.
TEST(StoreRunnerTest, CapacityIsCappedToTheDirectorysFreeSpace) {
  TempDir shm;
  if (::mount("tmpfs", shm.path().c_str(), "tmpfs", 0, "size=16m") != 0) {
    GTEST_SKIP() << "cannot mount a 16 MiB tmpfs (needs root)";
  }
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs(shm.path().c_str(), &vfs), 0);
  const int64_t expected =
      static_cast<int64_t>(static_cast<double>(vfs.f_bsize) * static_cast<double>(vfs.f_bavail) * 0.9);
  {
    TempDir dir;
    store::StoreOptions options;
    options.socket_path = dir.path() + "/capped.sock";
    options.capacity = int64_t{64} << 20;
    options.directory = shm.path();
    std::string error;
    auto runner = store::StoreRunner::Start(options, &error);
    ASSERT_TRUE(runner) << error;
    EXPECT_EQ(runner->capacity(), expected);
    StoreClient c(options.socket_path);
    EXPECT_EQ(c.Connect(), expected);
    runner->Stop();
  }
  {
    // A capacity that fits is served as asked.
    TempDir dir;
    store::StoreOptions options;
    options.socket_path = dir.path() + "/fits.sock";
    options.capacity = 1 << 20;
    options.directory = shm.path();
    std::string error;
    auto runner = store::StoreRunner::Start(options, &error);
    ASSERT_TRUE(runner) << error;
    EXPECT_EQ(runner->capacity(), 1 << 20);
  }
  ::umount2(shm.path().c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace plasmasharp::testing
