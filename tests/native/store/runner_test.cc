// The in-process store (StoreRunner, what ps_store_start wraps): starts on its own thread,
// serves real socket clients, refuses a path another store serves, stops cleanly.
#include <gtest/gtest.h>
#include <sys/stat.h>

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

}  // namespace
}  // namespace plasmasharp::testing
