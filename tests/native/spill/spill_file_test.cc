// plasma-store -e file://DIRECTORY against real store processes: objects spill to fused files
// (one per eviction batch) and come back byte for byte; the directory is cleaned at start and
// stop, or kept and re-indexed with --spill-keep (a torn or corrupted record is dropped, the
// rest come back, also after kill -9); mostly dead files are reclaimed; --spill-limit bounds
// the spilled bytes; and the faults: a full disk (a small tmpfs in a mount namespace of this
// test process), a spill file deleted behind the store's back.
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "spill_reader.h"
#include "store_client.h"

namespace plasmasharp::testing {
namespace {

constexpr int64_t kCapacity = 8000000;
constexpr size_t kBig = 1000000;  // 20 of them are 2.5x the capacity

std::string Name(int i) { return Id("file-" + std::to_string(i)); }
// Distinct bytes per object (and per position), so a mixed-up restore cannot pass.
std::string DataOf(int i, size_t size = kBig) {
  std::string s(size, '\0');
  for (size_t k = 0; k < size; ++k) s[k] = static_cast<char>((k * 131 + static_cast<size_t>(i) * 7919) >> 3);
  return s;
}

struct SpillFile {
  std::string path;
  off_t size = 0;
};
// The spill files in `dir` (spill-*.bin), by name.
std::vector<SpillFile> SpillFiles(const std::string& dir) {
  std::vector<SpillFile> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind("spill-", 0) != 0) continue;
      struct stat st {};
      ::stat((dir + "/" + name).c_str(), &st);
      out.push_back({dir + "/" + name, st.st_size});
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end(), [](const SpillFile& a, const SpillFile& b) { return a.path < b.path; });
  return out;
}
off_t TotalBytes(const std::vector<SpillFile>& files) {
  off_t sum = 0;
  for (const SpillFile& f : files) sum += f.size;
  return sum;
}

std::vector<std::string> FileStoreArgs(const std::string& dir, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"-e", "file://" + dir};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Waits until the store has no spill write in flight that the test's next step depends on:
// the spilled count stops changing.
int64_t SettledCounter(StoreClient& client, const std::string& name) {
  int64_t last = -2;
  for (int i = 0; i < 200; ++i) {
    int64_t now = DebugCounter(client.DebugString(), name);
    if (now == last) return now;
    last = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return last;
}

TEST(SpillFileTest, FillingPastCapacitySpillsToFilesAndEveryObjectReadsBack) {
  TempDir spill;
  {
    StoreProcess store(kCapacity, FileStoreArgs(spill.path()));
    StoreClient writer(store.socket_path());
    for (int i = 0; i < 20; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i), "m" + std::to_string(i)), fb::PlasmaError::OK) << i;
    int64_t spilled = SettledCounter(writer, "spilled objects");
    EXPECT_GE(spilled, 12);
    EXPECT_FALSE(SpillFiles(spill.path()).empty());
    EXPECT_EQ(writer.List().size(), 20u);
    SegmentReader reader(store.socket_path());
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < 20; ++i) {
        std::optional<std::string> bytes = reader.Read(Name(i));
        ASSERT_TRUE(bytes.has_value()) << i;
        EXPECT_TRUE(*bytes == DataOf(i) + "m" + std::to_string(i)) << "object " << i << " has other bytes";
      }
    }
    std::string debug = writer.DebugString();
    EXPECT_GE(DebugCounter(debug, "restores"), 20) << debug;
    EXPECT_GE(DebugCounter(debug, "spill writes"), 20) << debug;
    EXPECT_EQ(DebugCounter(debug, "spill failures"), 0) << debug;
    EXPECT_EQ(store.Stop(), 0);
  }
  EXPECT_TRUE(SpillFiles(spill.path()).empty()) << "the spill directory is cleaned at stop";
}

TEST(SpillFileTest, SmallObjectsChosenTogetherAreFusedIntoOneFile) {
  TempDir spill;
  StoreProcess store(kCapacity, FileStoreArgs(spill.path()));
  StoreClient writer(store.socket_path());
  constexpr size_t kSmall = 20000;
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i, kSmall)), fb::PlasmaError::OK) << i;
  int64_t spilled = SettledCounter(writer, "spilled objects");
  ASSERT_GE(spilled, 500);
  // An eviction frees a fifth of the capacity at once: ~80 objects per file, not one each.
  size_t files = SpillFiles(spill.path()).size();
  EXPECT_LE(files * 20, static_cast<size_t>(spilled)) << files << " files for " << spilled << " objects";
  SegmentReader reader(store.socket_path());
  for (int i : {0, 1, 250, 499, 999}) {
    std::optional<std::string> bytes = reader.Read(Name(i));
    ASSERT_TRUE(bytes.has_value()) << i;
    EXPECT_TRUE(*bytes == DataOf(i, kSmall)) << i;
  }
}

TEST(SpillFileTest, MostlyDeadFilesAreReclaimed) {
  TempDir spill;
  StoreProcess store(kCapacity, FileStoreArgs(spill.path()));
  StoreClient writer(store.socket_path());
  constexpr size_t kSmall = 50000;
  constexpr int kCount = 400;  // 20 MB: most of it spilled, in files of ~32 objects
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i, kSmall)), fb::PlasmaError::OK);
  SettledCounter(writer, "spilled objects");
  off_t before = TotalBytes(SpillFiles(spill.path()));
  ASSERT_GT(before, 5000000);
  // Four of every five objects go: every file is mostly dead.
  for (int i = 0; i < kCount; ++i) {
    if (i % 5 == 0) continue;
    ASSERT_EQ(writer.Delete({Name(i)})[0], fb::PlasmaError::OK) << i;
  }
  int64_t live = SettledCounter(writer, "spilled bytes");
  // The deletes and rewrites run on the store's spill thread after the replies: wait for them.
  off_t after = TotalBytes(SpillFiles(spill.path()));
  for (int i = 0; i < 500 && after >= before / 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    after = TotalBytes(SpillFiles(spill.path()));
  }
  EXPECT_LT(after, before / 2) << "before " << before << " after " << after;
  EXPECT_GE(after, live);
  SegmentReader reader(store.socket_path());
  for (int i = 0; i < kCount; i += 5) {
    std::optional<std::string> bytes = reader.Read(Name(i));
    ASSERT_TRUE(bytes.has_value()) << i;
    EXPECT_TRUE(*bytes == DataOf(i, kSmall)) << i;
  }
}

TEST(SpillFileTest, SpillKeepBringsSpilledObjectsBackAfterARestartAndWithoutItTheStoreStartsClean) {
  TempDir spill;
  int64_t spilled = 0;
  std::vector<std::string> spilled_ids;
  {
    StoreProcess store(kCapacity, FileStoreArgs(spill.path(), {"--spill-keep"}));
    StoreClient writer(store.socket_path());
    for (int i = 0; i < 20; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i)), fb::PlasmaError::OK);
    spilled = SettledCounter(writer, "spilled objects");
    ASSERT_GT(spilled, 0);
    ASSERT_EQ(store.Stop(), 0);
  }
  EXPECT_FALSE(SpillFiles(spill.path()).empty()) << "--spill-keep leaves the files";
  {
    StoreProcess store(kCapacity, FileStoreArgs(spill.path(), {"--spill-keep"}));
    StoreClient client(store.socket_path());
    std::string debug = client.DebugString();
    EXPECT_EQ(DebugCounter(debug, "spill recovered"), spilled) << debug;
    EXPECT_EQ(client.List().size(), static_cast<size_t>(spilled));  // what was in memory is gone
    SegmentReader reader(store.socket_path());
    int back = 0;
    for (int i = 0; i < 20; ++i) {
      if (!client.Contains(Name(i))) continue;
      std::optional<std::string> bytes = reader.Read(Name(i));
      ASSERT_TRUE(bytes.has_value()) << i;
      EXPECT_TRUE(*bytes == DataOf(i)) << i;
      ++back;
    }
    EXPECT_EQ(back, spilled);
    // The restores spilled others again; a restored copy is dead on disk, so the next start
    // finds exactly what is spilled now.
    spilled = SettledCounter(client, "spilled objects");
    ASSERT_EQ(store.Stop(), 0);
  }
  {
    StoreProcess store(kCapacity, FileStoreArgs(spill.path(), {"--spill-keep"}));
    StoreClient client(store.socket_path());
    EXPECT_EQ(DebugCounter(client.DebugString(), "spill recovered"), spilled);
    EXPECT_EQ(client.List().size(), static_cast<size_t>(spilled));
    ASSERT_EQ(store.Stop(), 0);
  }
  // Spilled objects left behind by a killed store, then a start without --spill-keep: clean.
  for (const SpillFile& f : SpillFiles(spill.path())) ::unlink(f.path.c_str());
  {
    StoreProcess store(kCapacity, FileStoreArgs(spill.path(), {"--spill-keep"}));
    StoreClient writer(store.socket_path());
    for (int i = 0; i < 20; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i)), fb::PlasmaError::OK);
    SettledCounter(writer, "spilled objects");
    ::kill(store.pid(), SIGKILL);
  }
  ASSERT_FALSE(SpillFiles(spill.path()).empty());
  StoreProcess store(kCapacity, FileStoreArgs(spill.path()));
  StoreClient client(store.socket_path());
  EXPECT_TRUE(client.List().empty());
  EXPECT_TRUE(SpillFiles(spill.path()).empty());
}

// Leaves `count` objects spilled in `dir` by a store stopped with --spill-keep; returns how
// many were spilled.
int64_t LeaveSpilledObjects(const std::string& dir, int count) {
  StoreProcess store(kCapacity, FileStoreArgs(dir, {"--spill-keep"}));
  StoreClient writer(store.socket_path());
  for (int i = 0; i < count; ++i) EXPECT_EQ(writer.CreateAndSeal(Name(i), DataOf(i)), fb::PlasmaError::OK);
  int64_t spilled = SettledCounter(writer, "spilled objects");
  EXPECT_EQ(store.Stop(), 0);
  return spilled;
}

// Every object the restarted store lists reads back with its own bytes; returns how many.
int CheckEveryListedObject(StoreProcess& store, int count) {
  StoreClient client(store.socket_path());
  SegmentReader reader(store.socket_path());
  int back = 0;
  for (int i = 0; i < count; ++i) {
    if (!client.Contains(Name(i))) continue;
    std::optional<std::string> bytes = reader.Read(Name(i));
    EXPECT_TRUE(bytes.has_value()) << i;
    EXPECT_TRUE(bytes && *bytes == DataOf(i)) << "object " << i << " came back with other bytes";
    ++back;
  }
  return back;
}

TEST(SpillFileTest, ATornRecordAndACorruptedOneAreDroppedAtReindexTheRestComeBack) {
  TempDir spill;
  int64_t spilled = LeaveSpilledObjects(spill.path(), 20);
  std::vector<SpillFile> files = SpillFiles(spill.path());
  ASSERT_GE(files.size(), 2u);
  // The last file loses its last 100 bytes (a write cut short); one byte of the first
  // object's data in the first file flips (its content hash no longer matches).
  ASSERT_EQ(::truncate(files.back().path.c_str(), files.back().size - 100), 0);
  int fd = ::open(files.front().path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char byte = 0;
  ASSERT_EQ(::pread(fd, &byte, 1, 64 + 1000), 1);
  byte = static_cast<char>(~byte);
  ASSERT_EQ(::pwrite(fd, &byte, 1, 64 + 1000), 1);
  ::close(fd);

  StoreProcess store(kCapacity, FileStoreArgs(spill.path(), {"--spill-keep"}));
  StoreClient client(store.socket_path());
  EXPECT_EQ(DebugCounter(client.DebugString(), "spill recovered"), spilled - 2);
  EXPECT_EQ(CheckEveryListedObject(store, 20), spilled - 2);
}

TEST(SpillFileTest, KillDuringSpillingThenRestartWithKeepBringsBackEveryFullySpilledObject) {
  TempDir spill;
  int64_t spilled_before_kill = 0;
  {
    StoreProcess store(kCapacity, FileStoreArgs(spill.path(), {"--spill-keep"}));
    StoreClient writer(store.socket_path());
    for (int i = 0; i < 20; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i)), fb::PlasmaError::OK);
    spilled_before_kill = SettledCounter(writer, "spilled objects");
    // More creates in flight (sent, not awaited): the store is spilling when it dies.
    StoreClient burst(store.socket_path());
    for (int i = 20; i < 40; ++i) {
      flatbuffers::FlatBufferBuilder b;
      b.Finish(fb::CreatePlasmaCreateAndSealRequest(b, b.CreateString(Name(i)), true, b.CreateString(DataOf(i)),
                                                    b.CreateString(""), b.CreateString("abcdefgh")));
      burst.raw().Send(static_cast<int64_t>(fb::MessageType::PlasmaCreateAndSealRequest), FinishedBytes(b));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ::kill(store.pid(), SIGKILL);
  }
  StoreProcess store(kCapacity, FileStoreArgs(spill.path(), {"--spill-keep"}));
  StoreClient client(store.socket_path());
  int64_t recovered = DebugCounter(client.DebugString(), "spill recovered");
  // Every object spilled before the burst is back (none of them was touched since), with
  // its bytes; of the burst, only whole records came back.
  EXPECT_GE(recovered, spilled_before_kill);
  EXPECT_EQ(CheckEveryListedObject(store, 40), recovered);
}

TEST(SpillFileTest, SpillLimitBoundsTheSpilledBytesAndEvictsTheRestForGood) {
  TempDir spill;
  StoreProcess store(kCapacity, FileStoreArgs(spill.path(), {"--spill-limit", "3500000"}));
  StoreClient writer(store.socket_path());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i)), fb::PlasmaError::OK);
  SettledCounter(writer, "spilled objects");
  std::string debug = writer.DebugString();
  EXPECT_LE(DebugCounter(debug, "spilled bytes"), 3500000) << debug;
  EXPECT_GT(DebugCounter(debug, "spill limit drops"), 0) << debug;
  EXPECT_LT(writer.List().size(), 20u);
  // Every object still there reads back (restores evict, and past the limit that drops).
  EXPECT_GT(CheckEveryListedObject(store, 20), 0);
  EXPECT_LE(DebugCounter(writer.DebugString(), "spilled bytes"), 3500000);
}

TEST(SpillFileTest, ASpillFileDeletedBehindTheStoresBackAnswersNotAvailableAndTheStoreKeepsRunning) {
  TempDir spill;
  StoreProcess store(kCapacity, FileStoreArgs(spill.path()));
  StoreClient writer(store.socket_path());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i)), fb::PlasmaError::OK);
  SettledCounter(writer, "spilled objects");
  for (const SpillFile& f : SpillFiles(spill.path())) ASSERT_EQ(::unlink(f.path.c_str()), 0);
  SegmentReader reader(store.socket_path());
  EXPECT_FALSE(reader.Read(Name(0)).has_value());  // object 0 was spilled first
  EXPECT_TRUE(store.alive());
  EXPECT_GE(DebugCounter(writer.DebugString(), "restore failures"), 1);
  // The store goes on: new objects are created, spilled and read back.
  for (int i = 100; i < 120; ++i) ASSERT_EQ(writer.CreateAndSeal(Name(i), DataOf(i)), fb::PlasmaError::OK);
  std::optional<std::string> bytes = reader.Read(Name(100));
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(*bytes == DataOf(100));
}

// A spill directory that holds only `bytes`: a tmpfs mounted in a mount namespace of this test
// process (the store, its child, shares it). Empty when that is not possible, with *why.
bool MountSmallTmpfs(const std::string& dir, size_t bytes, std::string* why) {
  if (::unshare(CLONE_NEWNS) != 0) {
    *why = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    return false;
  }
  // Private, so the tmpfs never shows outside this process tree.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + std::to_string(bytes)).c_str()) != 0) {
    *why = std::string("mount tmpfs: ") + std::strerror(errno);
    return false;
  }
  return true;
}

TEST(SpillFileTest, AFullDiskKeepsEveryObjectInMemoryAndCreatesAnswerOutOfMemory) {
  TempDir spill;
  std::string why;
  // RLIMIT_FSIZE (prlimit --fsize) cannot stand in for a full disk: it caps the store's
  // shared-memory file too, whose ftruncate then fails at start (EFBIG) before any spill file
  // is bigger than the segment; so without a mount namespace this test is skipped.
  if (!MountSmallTmpfs(spill.path(), 3 << 20, &why)) {
    GTEST_SKIP() << "no small tmpfs for the spill directory (" << why
                 << "; needs CAP_SYS_ADMIN, e.g. root in the CI container), and RLIMIT_FSIZE would also "
                    "cap the store's shared-memory file";
  }
  std::optional<StoreProcess> store;
  store.emplace(kCapacity, FileStoreArgs(spill.path()));
  StoreClient writer(store->socket_path());
  std::vector<int> created;
  bool refused = false;
  for (int i = 0; i < 30; ++i) {
    fb::PlasmaError e = writer.CreateAndSeal(Name(i), DataOf(i));
    if (e == fb::PlasmaError::OK) created.push_back(i);
    if (e == fb::PlasmaError::OutOfMemory) refused = true;
  }
  EXPECT_TRUE(refused) << "30 MB through an 8 MB store and a 3 MB disk: some Create must be refused";
  std::string debug = writer.DebugString();
  EXPECT_GT(DebugCounter(debug, "spill failures"), 0) << debug;
  // Nothing that was created is lost. With memory and disk both full, a spilled object may
  // have no room to come back to (answered as not available, still contained); once the
  // others are read and deleted, every one of those reads back too.
  SegmentReader reader(store->socket_path());
  std::vector<int> later;
  for (int i : created) {
    std::optional<std::string> bytes = reader.Read(Name(i));
    if (!bytes) {
      EXPECT_TRUE(writer.Contains(Name(i))) << "object " << i << " was lost";
      later.push_back(i);
      continue;
    }
    EXPECT_TRUE(*bytes == DataOf(i)) << i;
    EXPECT_EQ(writer.Delete({Name(i)})[0], fb::PlasmaError::OK);
  }
  for (int i : later) {
    std::optional<std::string> bytes = reader.Read(Name(i));
    ASSERT_TRUE(bytes.has_value()) << "object " << i << " was lost";
    EXPECT_TRUE(*bytes == DataOf(i)) << i;
  }
  EXPECT_TRUE(store->alive());
}

}  // namespace
}  // namespace plasmasharp::testing
