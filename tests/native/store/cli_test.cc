// The plasma-store command line: usage errors exit 2, SIGTERM stops the store and removes its
// socket file, --exit-with-parent, the limit flags. The socket's mode and the live/stale socket
// rules are security properties: tests/native/hostile/socket_security_test.cc.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "store_client.h"

namespace plasmasharp::testing {
namespace {

// The exit code of our plasma-store run with `args` (its output kept, not printed).
int ExitCode(const std::vector<std::string>& args) { return RunStore(args).code; }

TEST(CliTest, BadOrMissingFlagsExitTwo) {
  TempDir dir;
  std::string sock = dir.path() + "/s.sock";
  EXPECT_EQ(ExitCode({}), 2);
  EXPECT_EQ(ExitCode({"-s", sock}), 2);                  // no -m
  EXPECT_EQ(ExitCode({"-m", "1000000"}), 2);             // no -s
  EXPECT_EQ(ExitCode({"-m", "lots", "-s", sock}), 2);    // not a number
  EXPECT_EQ(ExitCode({"-m", "-5", "-s", sock}), 2);      // negative
  EXPECT_EQ(ExitCode({"-m", "0", "-s", sock}), 2);
  EXPECT_EQ(ExitCode({"-m", "1000000", "-s", sock, "-x"}), 2);  // unknown flag
  EXPECT_EQ(ExitCode({"-m", "1000000", "-s", sock, "-d"}), 2);  // missing value
  EXPECT_EQ(ExitCode({"-m", "1000000", "-s", sock, "--socket-mode", "999"}), 2);
  EXPECT_EQ(ExitCode({"-m", "1000000", "-s", sock, "extra"}), 2);
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"--max-clients", "-1"}, {"--max-clients", "many"}, {"--max-pending-gets", ""},
           {"--max-get-ids", "1e6"}, {"--allow-uid", ""}, {"--allow-uid", "root"},
           {"--allow-uid", "1,,2"}, {"--allow-uid", "1,"}, {"--allow-uid", "-3"}, {"--max-clients"}}) {
    std::vector<std::string> args = {"-m", "1000000", "-s", sock};
    args.insert(args.end(), bad.begin(), bad.end());
    EXPECT_EQ(ExitCode(args), 2) << bad[0] << " " << (bad.size() > 1 ? bad[1] : "");
  }
  EXPECT_EQ(ExitCode({"--help"}), 0);
  EXPECT_NE(ExitCode({"-m", "1000000", "-s", sock, "-d", dir.path() + "/missing-dir"}), 0);
}

TEST(CliTest, SigtermStopsCleanlyAndRemovesTheSocket) {
  StoreProcess store(1000000);
  std::string path = store.socket_path();
  int status = store.Stop();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  struct stat st {};
  EXPECT_NE(::stat(path.c_str(), &st), 0);
}

// A process that starts a store (its parent) and is then killed with SIGKILL: with
// --exit-with-parent the store stops within seconds and removes its socket; without it the store
// keeps running (as the real plasma-store-server does).
pid_t StoreOfAKilledParent(const std::string& socket, bool exit_with_parent, bool wait_until_serving = true) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  const pid_t parent = ::fork();
  if (parent == 0) {
    std::vector<std::string> args = {StoreExecutable(), "-m", "1000000", "-s", socket};
    // Serving first: the plain flag (parent = getppid() at start); killed at once: the launcher
    // names itself, so a parent gone before the store even started counts too.
    if (exit_with_parent) {
      args.push_back(wait_until_serving ? "--exit-with-parent" : "--exit-with-parent=" + std::to_string(::getpid()));
    }
    const pid_t store = Spawn(args);
    ssize_t ignored = ::write(pipe_fds[1], &store, sizeof(store));
    (void)ignored;
    for (;;) ::pause();
  }
  pid_t store = -1;
  ssize_t got = ::read(pipe_fds[0], &store, sizeof(store));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  if (got == sizeof(store) && wait_until_serving) {  // serving before its parent dies (not our child)
    WaitUntilListening(socket, -1, std::chrono::seconds(5));
  }
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  return got == sizeof(store) ? store : -1;
}

// Exited: no such process, or a zombie its new parent (init, a subreaper) has not reaped yet.
bool Exited(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  return text.empty() || (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z');
}

bool GoneWithin(pid_t pid, int ms) {
  for (int waited = 0; waited < ms; waited += 20) {
    if (Exited(pid)) return true;
    ::usleep(20000);
  }
  return false;
}

TEST(CliTest, ExitWithParentStopsTheStoreWhenItsParentIsKilled) {
  TempDir dir;
  const std::string socket = dir.path() + "/orphan.sock";
  const pid_t store = StoreOfAKilledParent(socket, true);
  ASSERT_GT(store, 0);
  // The store was handed to init (or a subreaper), which reaps it once it exits.
  EXPECT_TRUE(GoneWithin(store, 5000)) << "the store outlived its parent by 5 s";
  struct stat st {};
  EXPECT_NE(::stat(socket.c_str(), &st), 0) << "the socket file was left behind";
  if (!Exited(store)) ::kill(store, SIGKILL);  // a failure must not leave it holding our output

  // The parent killed while the store is still starting up counts as gone too.
  const std::string early = dir.path() + "/early.sock";
  const pid_t starting = StoreOfAKilledParent(early, true, false);
  ASSERT_GT(starting, 0);
  EXPECT_TRUE(GoneWithin(starting, 5000)) << "a parent killed during start-up went unnoticed";
  if (!Exited(starting)) ::kill(starting, SIGKILL);

  const std::string kept = dir.path() + "/kept.sock";
  const pid_t plain = StoreOfAKilledParent(kept, false);
  ASSERT_GT(plain, 0);
  EXPECT_FALSE(GoneWithin(plain, 1500)) << "without the flag the store stays";
  ::kill(plain, SIGTERM);
  EXPECT_TRUE(GoneWithin(plain, 5000));
  if (!Exited(plain)) ::kill(plain, SIGKILL);
}

TEST(CliTest, LimitFlagsAreAccepted) {
  // Every limit at once, uids as a list and repeated: the store starts and serves us.
  const std::string me = std::to_string(::getuid());
  StoreProcess store(1000000, {"--max-clients", "8", "--max-pending-gets", "4", "--max-get-ids", "100",
                               "--allow-uid", me + ",4242", "--allow-uid", "4343"});
  StoreClient c(store.socket_path());
  EXPECT_EQ(c.Connect(), 1000000);
  EXPECT_EQ(c.CreateAndSeal(Id("limited"), "data"), fb::PlasmaError::OK);
}

TEST(CliTest, MaxGetIdsClosesAnOversizedGet) {
  StoreProcess store(1000000, {"--max-get-ids", "2"});
  {
    StoreClient c(store.socket_path());
    EXPECT_EQ(c.Connect(), 1000000);
    flatbuffers::FlatBufferBuilder b;
    b.Finish(fb::CreatePlasmaGetRequest(b, b.CreateVectorOfStrings({Id("a"), Id("b"), Id("c")}), 0));
    ASSERT_TRUE(c.raw().Send(static_cast<int64_t>(fb::MessageType::PlasmaGetRequest), FinishedBytes(b)));
    EXPECT_TRUE(c.raw().WaitForClose());
  }
  StoreClient other(store.socket_path());
  EXPECT_EQ(other.Connect(), 1000000);
}

}  // namespace
}  // namespace plasmasharp::testing
