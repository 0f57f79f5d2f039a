// Faults: clients killed with SIGKILL at random points, the store killed under its clients,
// a store whose memory is all pinned, and a shared-memory directory smaller than -m.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "raw_requests.h"
#include "plasmasharp.h"
#include "socket_io.h"
#include "wire.h"

namespace plasmasharp::testing::raw {
namespace {

std::string RandomId(std::mt19937_64& rng) {
  std::string id(20, '\0');
  for (auto& ch : id) ch = static_cast<char>('a' + rng() % 26);
  return id;
}

// ---- children (run after fork; they only ever end by SIGKILL or _exit) ----

// Uses the C ABI for a scripted sequence and kills itself right before step `die_at`.
[[noreturn]] void CapiChild(const std::string& socket, uint64_t seed, int die_at) {
  std::mt19937_64 rng(seed);
  int step = 0;
  auto maybe_die = [&] {
    if (step++ == die_at) ::raise(SIGKILL);
  };
  maybe_die();
  ps_client* client = nullptr;
  if (ps_client_connect(socket.c_str(), 1, 0, &client, nullptr) != PS_OK) ::_exit(3);
  for (;;) {
    std::string id = RandomId(rng);
    int64_t size = 1 + static_cast<int64_t>(rng() % 65536);
    maybe_die();
    ps_object* obj = nullptr;
    if (ps_client_create(client, U8(id), size, U8("meta"), 4, 1, &obj, nullptr) != PS_OK) ::_exit(4);
    maybe_die();
    ps_object_view view{};
    ps_object_get_view(obj, &view, nullptr);
    std::memset(view.data, 0x5a, static_cast<size_t>(size / 2));
    maybe_die();
    if (rng() % 4 == 0) {
      ps_object_abort(obj, nullptr);
      ps_object_release(obj, nullptr);
      continue;
    }
    std::memset(view.data + size / 2, 0x5b, static_cast<size_t>(size - size / 2));
    if (ps_object_seal(obj, nullptr) != PS_OK) ::_exit(5);
    maybe_die();
    ps_object* got[2] = {nullptr, nullptr};
    std::string ids = id + Id("bystander");
    ps_client_get(client, U8(ids), 2, 0, got, nullptr);
    maybe_die();
    for (ps_object* g : got) {
      if (g) ps_object_release(g, nullptr);
    }
    maybe_die();
    if (rng() % 2) ps_object_release(obj, nullptr);  // else: the reference is leaked on purpose
    maybe_die();
  }
}

// Writes a random prefix of a scripted raw byte stream (cut anywhere, even inside a header),
// then dies.
[[noreturn]] void RawChild(const std::string& socket, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string id = RandomId(rng);
  Bytes stream;
  auto add = [&](int64_t type, const Bytes& payload) {
    Bytes message = Framed(type, payload);
    stream.insert(stream.end(), message.begin(), message.end());
  };
  add(19, ConnectRequest());
  add(1, CreateRequest(id, 1 + rng() % 100000, rng() % 100));
  add(9, GetRequest({Id("bystander"), id}, static_cast<int64_t>(rng() % 3) - 1));
  add(7, SealRequest(id));
  add(9, GetRequest({id}, 0));
  add(3, CreateAndSealRequest(RandomId(rng), std::string(rng() % 5000, 'r')));
  add(9, GetRequest({RandomId(rng)}, -1));  // waits forever
  int fd = protocol::ConnectUnix(socket);
  if (fd < 0) ::_exit(3);
  size_t cut = rng() % (stream.size() + 1);
  protocol::WriteAll(fd, stream.data(), cut);
  if (rng() % 2) {
    // Sometimes wait for a bit of what the store answers first.
    uint8_t buf[256];
    ssize_t ignored = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    (void)ignored;
  }
  ::raise(SIGKILL);
  ::_exit(0);
}

// Loops create/seal/get/release until the parent kills it.
[[noreturn]] void LoopChild(const std::string& socket, uint64_t seed) {
  CapiChild(socket, seed, -1);
}

class FaultsTest : public ::testing::Test {
 protected:
  static constexpr int64_t kCapacity = 64 << 20;
};

TEST_F(FaultsTest, ClientsKilledAtRandomPointsLeaveNoTrace) {
  StoreProcess store(kCapacity);
  Session bystander(store.socket_path());
  ASSERT_TRUE(Connect(bystander).has_value());
  ASSERT_EQ(Create(bystander, Id("bystander"), 1000), fb::PlasmaError::OK);
  ASSERT_EQ(Seal(bystander, Id("bystander")), fb::PlasmaError::OK);
  const int baseline_fds = OpenFdCount(store.pid());

  std::mt19937_64 rng(1788);  // ARROW-1788
  constexpr int kIterations = 1000;
  int killed = 0;
  for (int i = 0; i < kIterations; ++i) {
    const int mode = i % 3;
    const uint64_t seed = rng();
    const int die_at = static_cast<int>(rng() % 12);
    const auto delay = std::chrono::microseconds(rng() % 3000);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (mode == 0) CapiChild(store.socket_path(), seed, die_at);
      if (mode == 1) RawChild(store.socket_path(), seed);
      LoopChild(store.socket_path(), seed);
    }
    if (mode == 2) {
      std::this_thread::sleep_for(delay);
      ::kill(pid, SIGKILL);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++killed;
    } else {
      // A child that exits on its own hit an error it did not expect (e.g. the store died).
      ASSERT_TRUE(store.alive()) << "the store died at iteration " << i;
      ADD_FAILURE() << "child " << i << " (mode " << mode << ") ended with status " << status;
    }
    if (i % 100 == 99) {
      ASSERT_TRUE(store.alive()) << "iteration " << i;
    }
  }
  EXPECT_EQ(killed, kIterations);
  ASSERT_TRUE(store.alive());
  // The bystander and its object are untouched.
  EXPECT_EQ(Contains(bystander, Id("bystander")), std::optional<bool>(true));
  // Let go of the bystander; then: no refs, nothing unsealed, the whole capacity usable, and
  // every descriptor of the dead clients closed.
  int bystander_fds = 1;  // its connection
  bystander.conn.Close();
  EXPECT_EQ(CheckHealthy(store, kCapacity), "");
  int now = -1;
  for (int i = 0; i < 250; ++i) {
    now = OpenFdCount(store.pid());
    if (now == baseline_fds - bystander_fds) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(now, baseline_fds - bystander_fds) << "the store leaked descriptors of killed clients";
}

TEST_F(FaultsTest, StoreKilledUnderAClient) {
  auto store = std::make_unique<StoreProcess>(1 << 20);
  ps_client* client = nullptr;
  ASSERT_EQ(ps_client_connect(store->socket_path().c_str(), 1, 0, &client, nullptr), PS_OK);
  ps_client* waiter = nullptr;
  ASSERT_EQ(ps_client_connect(store->socket_path().c_str(), 1, 0, &waiter, nullptr), PS_OK);
  // A Get waiting forever, on its own thread.
  const std::string missing = Id("never-created");
  auto pending = std::async(std::launch::async, [&] {
    ps_object* out = nullptr;
    ps_error* err = nullptr;
    ps_code code = ps_client_get(waiter, U8(missing), 1, -1, &out, &err);
    if (err) ps_error_free(err);
    if (out) ps_object_release(out, nullptr);
    return code;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the Get reach the store
  ::kill(store->pid(), SIGKILL);
  // The pending Get wakes up with an error instead of hanging.
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(20)), std::future_status::ready)
      << "a pending Get hangs after the store died";
  EXPECT_EQ(pending.get(), PS_DISCONNECTED);
  // The next call of the other client fails with PS_DISCONNECTED, with a message.
  uint8_t has = 0;
  ps_error* err = nullptr;
  EXPECT_EQ(ps_client_contains(client, U8(missing), &has, &err), PS_DISCONNECTED);
  ASSERT_NE(err, nullptr);
  EXPECT_GT(std::strlen(ps_error_message(err)), 0u);
  ps_error_free(err);
  // And keeps failing the same way (no crash on reuse).
  ps_object* obj = nullptr;
  EXPECT_EQ(ps_client_create(client, U8(missing), 10, nullptr, 0, 1, &obj, nullptr), PS_DISCONNECTED);
  ps_client_free(client);
  ps_client_free(waiter);
}

TEST_F(FaultsTest, StoreFullWithEverythingPinned) {
  constexpr int64_t kSmall = 4 << 20;
  StoreProcess store(kSmall);
  ps_client* client = nullptr;
  ASSERT_EQ(ps_client_connect(store.socket_path().c_str(), 1, 0, &client, nullptr), PS_OK);
  std::vector<ps_object*> pinned;
  ps_code code = PS_OK;
  int i = 0;
  for (; i < 1000; ++i) {
    std::string id = Id("pinned");
    std::memcpy(&id[12], &i, sizeof(i));
    ps_object* obj = nullptr;
    code = ps_client_create(client, U8(id), 256 << 10, nullptr, 0, 1, &obj, nullptr);
    if (code != PS_OK) break;
    ASSERT_EQ(ps_object_seal(obj, nullptr), PS_OK);
    pinned.push_back(obj);  // held: not evictable
  }
  EXPECT_EQ(code, PS_OUT_OF_MEMORY) << "after " << i << " objects";
  EXPECT_GE(pinned.size(), 12u);
  // More attempts, of every size, keep failing cleanly.
  for (int64_t size : {int64_t{1} << 20, int64_t{64} << 10, kSmall}) {
    ps_object* obj = nullptr;
    EXPECT_EQ(ps_client_create(client, U8(Id("one-more")), size, nullptr, 0, 1, &obj, nullptr), PS_OUT_OF_MEMORY);
    EXPECT_EQ(ps_client_create_and_seal(client, U8(Id("inline")), U8(std::string(size / 2, 'i')), size / 2, nullptr, 0, 1, nullptr),
              PS_OUT_OF_MEMORY);
  }
  // The pinned objects are intact and readable by another client.
  ps_client* reader = nullptr;
  ASSERT_EQ(ps_client_connect(store.socket_path().c_str(), 1, 0, &reader, nullptr), PS_OK);
  ps_object* got = nullptr;
  std::string first = Id("pinned");
  int zero = 0;
  std::memcpy(&first[12], &zero, sizeof(zero));
  ASSERT_EQ(ps_client_get(reader, U8(first), 1, 0, &got, nullptr), PS_OK);
  ASSERT_NE(got, nullptr);
  ps_object_release(got, nullptr);
  ps_client_free(reader);
  // Unpinning makes the memory usable again.
  for (ps_object* o : pinned) ps_object_release(o, nullptr);
  ps_object* big = nullptr;
  EXPECT_EQ(ps_client_create(client, U8(Id("after-unpin")), kSmall - (512 << 10), nullptr, 0, 1, &big, nullptr), PS_OK);
  if (big) ps_object_release(big, nullptr);
  ps_client_free(client);
  EXPECT_TRUE(store.alive());
}

// ---- /dev/shm smaller than -m ----

class SmallShm {
 public:
  SmallShm() {
    ok_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=64m") == 0;
    if (!ok_) error_ = std::strerror(errno);
  }
  ~SmallShm() {
    if (ok_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  bool ok_ = false;
  std::string error_;
};

TEST_F(FaultsTest, ShmSmallerThanCapacityIsCappedAndExplained) {
  SmallShm shm;
  if (!shm.ok()) GTEST_SKIP() << "cannot mount a 64 MiB tmpfs (" << shm.error() << "); needs root";
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs(shm.path().c_str(), &vfs), 0);
  const int64_t available = static_cast<int64_t>(vfs.f_bsize) * static_cast<int64_t>(vfs.f_bavail);
  const int64_t expected = static_cast<int64_t>(static_cast<double>(available) * 0.9);
  const int64_t requested = 256 << 20;

  // Run the store with its output in a file.
  TempDir work;
  std::string socket = work.path() + "/plasma.sock";
  std::string log = work.path() + "/output";
  pid_t pid = Spawn({StoreExecutable(), "-m", std::to_string(requested), "-s", socket, "-d", shm.path()}, log);
  ASSERT_GE(pid, 0);
  std::optional<int64_t> capacity;
  for (int i = 0; i < 500 && !capacity; ++i) {
    if (WaitForExit(pid, std::chrono::milliseconds(0))) {
      pid = -1;
      break;
    }
    Session s(socket);
    if (s.conn.connected()) capacity = Connect(s);
    if (!capacity) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string warning = ReadFile(log);
  ASSERT_TRUE(capacity.has_value()) << "the store did not start with -d on a small tmpfs: " << warning;

  // What the real store does: cap at 90 % of the free space and say so, naming the cause
  // (the directory is too small) and the fix (a bigger /dev/shm, --shm-size for docker, -m).
  EXPECT_EQ(*capacity, expected) << "ConnectReply.memory_capacity with -m " << requested
                                 << " on a tmpfs with " << available << " bytes free";
  EXPECT_NE(warning.find(shm.path()), std::string::npos) << "the warning does not name the directory: " << warning;
  EXPECT_NE(warning.find("shm-size"), std::string::npos) << "the warning does not name the fix: " << warning;

  // Filling the capped store to the brim is safe: every byte written lands in real memory
  // (no SIGBUS). Done in a child so a SIGBUS fails this test instead of killing the suite.
  pid_t filler = ::fork();
  ASSERT_GE(filler, 0);
  if (filler == 0) {
    ps_client* c = nullptr;
    if (ps_client_connect(socket.c_str(), 1, 0, &c, nullptr) != PS_OK) ::_exit(3);
    int64_t cap = 0;
    ps_client_store_capacity(c, &cap, nullptr);
    const int64_t chunk = 4 << 20;
    for (int i = 0; i * chunk + chunk <= cap; ++i) {
      std::string id = Id("fill");
      std::memcpy(&id[12], &i, sizeof(i));
      ps_object* obj = nullptr;
      if (ps_client_create(c, U8(id), chunk, nullptr, 0, 0, &obj, nullptr) != PS_OK) break;
      ps_object_view view{};
      ps_object_get_view(obj, &view, nullptr);
      std::memset(view.data, 0xab, static_cast<size_t>(chunk));  // SIGBUS here if over-committed
      ps_object_seal(obj, nullptr);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(filler, &status, 0), filler);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "writing the store's reported capacity killed the client (signal "
      << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << "): the store promised more than " << shm.path() << " holds";
  if (pid > 0) {
    int ignored;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &ignored, 0);
  }
}

}  // namespace
}  // namespace plasmasharp::testing::raw
