// The store's command-line security properties: socket permissions, no hijacking of a live
// socket, the backing file unlinked at once and private; optional limits (client count,
// pending Gets per client, SO_PEERCRED allow-list) are probed and skipped while absent.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "raw_requests.h"
#include "socket_io.h"

namespace plasmasharp::testing::raw {
namespace {

// True when the store rejects `flag` as an unknown option (exit 2 at once).
bool StoreLacksFlag(const std::vector<std::string>& flag_and_value) {
  TempDir dir;
  std::vector<std::string> args = {"-m", "1000000", "-s", dir.path() + "/probe.sock"};
  args.insert(args.end(), flag_and_value.begin(), flag_and_value.end());
  StoreRun f = RunStore(args, std::chrono::milliseconds(1500));
  return f.exited && f.code == 2;
}

mode_t SocketMode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  return st.st_mode & 07777;
}

TEST(SocketSecurityTest, SocketIsOwnerOnlyByDefault) {
  StoreProcess store(1 << 20);
  EXPECT_EQ(SocketMode(store.socket_path()), 0600u);
}

TEST(SocketSecurityTest, SocketModeFlagWidensIt) {
  for (auto [text, mode] : {std::pair<const char*, mode_t>{"0660", 0660}, {"660", 0660}, {"0666", 0666}, {"0600", 0600}}) {
    StoreProcess store(1 << 20, {"--socket-mode", text});
    EXPECT_EQ(SocketMode(store.socket_path()), mode) << text;
  }
}

TEST(SocketSecurityTest, BadSocketModesAreRefused) {
  TempDir dir;
  for (const char* text : {"999", "-1", "01777", "rw", ""}) {
    StoreRun f = RunStore({"-m", "1000000", "-s", dir.path() + "/s.sock", "--socket-mode", text},
                          std::chrono::seconds(5));
    EXPECT_TRUE(f.exited) << text;
    EXPECT_NE(f.code, 0) << text;
  }
}

TEST(SocketSecurityTest, RefusesToReplaceALiveSocketOfAnotherStore) {
  StoreProcess first(1 << 20);
  StoreRun second = RunStore({"-m", "1000000", "-s", first.socket_path()}, std::chrono::seconds(5));
  EXPECT_TRUE(second.exited) << "a second store started on a live socket";
  EXPECT_EQ(second.code, 1) << second.output;  // a failure to start, not a usage error (2)
  EXPECT_NE(second.output.find(first.socket_path()), std::string::npos) << second.output;
  // The first store still owns and serves the socket.
  Session s(first.socket_path());
  EXPECT_TRUE(Connect(s).has_value());
  EXPECT_TRUE(first.alive());
}

TEST(SocketSecurityTest, ReplacesAStaleSocketButNotOtherFiles) {
  TempDir dir;
  std::string path = dir.path() + "/stale.sock";
  MakeStaleSocket(path);  // left over by a crashed store
  const pid_t store = Spawn({StoreExecutable(), "-m", "1000000", "-s", path}, "/dev/null");
  ASSERT_GT(store, 0);
  // The new store took the path over and answers on it.
  std::optional<int> exit_code;
  EXPECT_TRUE(WaitUntilListening(path, store, std::chrono::seconds(5), &exit_code))
      << "the store did not take over a stale socket"
      << (exit_code ? ": it exited with " + std::to_string(*exit_code) : "");
  Session s(path);
  EXPECT_TRUE(Connect(s).has_value());
  if (!exit_code) {
    ::kill(store, SIGTERM);
    WaitForExit(store, std::chrono::seconds(5));
  }
  // A regular file at the socket path is never deleted.
  std::string file = dir.path() + "/precious";
  { std::ofstream(file) << "keep me"; }
  StoreRun g = RunStore({"-m", "1000000", "-s", file}, std::chrono::seconds(5));
  EXPECT_TRUE(g.exited);
  EXPECT_NE(g.code, 0);
  struct stat st {};
  EXPECT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST(SocketSecurityTest, BackingFileIsUnlinkedAndPrivate) {
  TempDir shm;
  StoreProcess store(4 << 20, {"-d", shm.path()});
  // Nothing visible in the directory while the store runs.
  DIR* d = ::opendir(shm.path().c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    EXPECT_TRUE(name == "." || name == "..") << "left in " << shm.path() << ": " << name;
  }
  ::closedir(d);
  // The store's segment, found through /proc: deleted, and not readable by anyone else.
  std::string fd_dir = "/proc/" + std::to_string(store.pid()) + "/fd";
  DIR* fds = ::opendir(fd_dir.c_str());
  ASSERT_NE(fds, nullptr);
  bool found = false;
  while (dirent* e = ::readdir(fds)) {
    if (e->d_name[0] == '.') continue;
    char target[4096];
    ssize_t n = ::readlink((fd_dir + "/" + e->d_name).c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    std::string t = target;
    if (t.rfind(shm.path() + "/plasma", 0) != 0) continue;
    found = true;
    EXPECT_NE(t.find("(deleted)"), std::string::npos) << t;
    struct stat st {};
    ASSERT_EQ(::stat((fd_dir + "/" + e->d_name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << "segment mode " << std::oct << (st.st_mode & 0777);
  }
  ::closedir(fds);
  EXPECT_TRUE(found) << "no segment file of the store under " << shm.path();
}

// ---- limits that are not implemented yet: the tests wait for the flags ----

TEST(SocketSecurityTest, MaxClientsLimit) {
  if (StoreLacksFlag({"--max-clients", "4"})) GTEST_SKIP() << "plasma-store has no --max-clients yet";
  StoreProcess store(1 << 20, {"--max-clients", "4"});
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < 4; ++i) {
    sessions.push_back(std::make_unique<Session>(store.socket_path()));
    ASSERT_TRUE(Connect(*sessions.back()).has_value()) << i;
  }
  Session fifth(store.socket_path());
  EXPECT_FALSE(Connect(fifth).has_value()) << "a fifth client was served with --max-clients 4";
  sessions.pop_back();
  // A slot frees up once a client leaves.
  std::optional<int64_t> cap;
  for (int i = 0; i < 100 && !cap; ++i) {
    Session again(store.socket_path());
    cap = Connect(again);
    if (!cap) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(cap.has_value());
}

TEST(SocketSecurityTest, MaxPendingGetsPerClient) {
  if (StoreLacksFlag({"--max-pending-gets", "2"})) GTEST_SKIP() << "plasma-store has no --max-pending-gets yet";
  StoreProcess store(1 << 20, {"--max-pending-gets", "2"});
  Session s(store.socket_path());
  ASSERT_TRUE(Connect(s).has_value());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.conn.Send(9, GetRequest({Id("never")}, -1)));
  EXPECT_TRUE(s.conn.WaitForClose()) << "a third pending Get was accepted with --max-pending-gets 2";
  Session other(store.socket_path());
  EXPECT_TRUE(Connect(other).has_value());
}

TEST(SocketSecurityTest, PeerCredentialAllowList) {
  if (StoreLacksFlag({"--allow-uid", "0"})) GTEST_SKIP() << "plasma-store has no --allow-uid yet";
  const std::string me = std::to_string(::getuid());
  {
    StoreProcess store(1 << 20, {"--allow-uid", me});
    Session s(store.socket_path());
    EXPECT_TRUE(Connect(s).has_value());
  }
  {
    // Only some other uid allowed: we are refused (closed without a reply).
    StoreProcess store(1 << 20, {"--allow-uid", std::to_string(::getuid() + 4242)});
    Session s(store.socket_path());
    EXPECT_FALSE(Connect(s).has_value());
    EXPECT_TRUE(store.alive());
  }
}

}  // namespace
}  // namespace plasmasharp::testing::raw
