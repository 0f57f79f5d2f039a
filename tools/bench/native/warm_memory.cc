// Warm memory (issue 18 item 4): the first put of 100 MiB into a fresh store - a store started
// for each iteration, nothing put into it yet - without and with --prefault, on
//   shm      the default /dev/shm (4 KiB pages),
//   thp      a tmpfs mounted with huge=always (transparent huge pages) in a private mount
//            namespace of the store (unshare -m; needs root),
//   hugetlb  a hugetlbfs mount with -h (needs root and huge pages reserved: vm.nr_hugepages).
// A placement the machine does not allow is reported as an error naming the reason (collect.py
// shows it as "not measured"). With --prefault the iteration waits until the store's segment is
// populated (its RssShmem reaches the capacity) before the timed put. Timed: Create + fused
// copy/digest/Seal (WriteAndSeal) + Release, from a client connected beforehand.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_context.h"
#include "store_process.h"

namespace plasmabench {
namespace {

constexpr int64_t kPutSize = 100 * kMiB;
constexpr int64_t kStoreCapacity = 256 * kMiB;

enum class Placement { kShm, kThp, kHugetlb };

int64_t MeminfoKiB(const std::string& field) {
  std::ifstream meminfo("/proc/meminfo");
  std::string name;
  int64_t value = 0;
  std::string unit;
  while (meminfo >> name >> value) {
    std::getline(meminfo, unit);
    if (name == field + ":") return value;
  }
  return -1;
}

// Why the store cannot be placed there on this machine ("" when it can).
std::string Unavailable(Placement placement) {
  if (placement == Placement::kShm) return "";
  if (geteuid() != 0) return "not measured: mounting a tmpfs or hugetlbfs needs root";
  if (access("/usr/bin/unshare", X_OK) != 0) return "not measured: /usr/bin/unshare is missing";
  if (placement == Placement::kHugetlb) {
    const int64_t free_kib = MeminfoKiB("HugePages_Free") * MeminfoKiB("Hugepagesize");
    if (free_kib * 1024 < kStoreCapacity + 4 * kMiB) {
      return "not measured: " + std::to_string(MeminfoKiB("HugePages_Free")) +
             " huge pages free (vm.nr_hugepages = " + std::to_string(MeminfoKiB("HugePages_Total")) +
             "); the bench does not change the kernel's huge page reservation";
    }
  }
  return "";
}

// The store's command line: placement flags after -m/-s, and for the mounts a wrapper that gives
// the store a private mount namespace with the file system mounted on `directory`.
bool StartStore(StoreProcess* store, Placement placement, bool prefault, const std::string& directory) {
  std::vector<std::string> extra;
  if (prefault) extra.push_back("--prefault");
  if (placement == Placement::kShm) return store->Start(Settings().store_executable, kStoreCapacity, extra);
  extra.insert(extra.end(), {"-d", directory});
  if (placement == Placement::kHugetlb) extra.push_back("-h");
  const std::string mount =
      placement == Placement::kThp
          ? "mount -t tmpfs -o huge=always,size=" + std::to_string(kStoreCapacity / kMiB * 2) + "m none " + directory
          : "mount -t hugetlbfs none " + directory;
  const std::vector<std::string> wrapper = {"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                                            mount + " && exec \"$0\" \"$@\""};
  return store->StartWrapped(wrapper, Settings().store_executable, kStoreCapacity, extra);
}

// Waits until the store's segment is populated (the store's resident shared memory - huge pages
// are counted apart - reaches the capacity); false after 60 s.
bool WaitForPrefault(pid_t pid, Placement placement) {
  const char* field = placement == Placement::kHugetlb ? "HugetlbPages" : "RssShmem";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ProcessStatusBytes(pid, field) >= kStoreCapacity) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void FirstPut(benchmark::State& state, Placement placement, bool prefault) {
  const std::string reason = Unavailable(placement);
  if (!reason.empty()) {
    state.SkipWithError(reason.c_str());
    return;
  }
  auto source = PrefaultedBuffer(kPutSize, 0x5a);
  char directory_template[] = "/tmp/plasma-bench-warm-XXXXXX";
  if (mkdtemp(directory_template) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const std::string directory = directory_template;
  double prefault_wait_seconds = 0, create_seconds = 0, write_seconds = 0;
  long create_faults = 0, write_faults = 0;
  for (auto _ : state) {
    StoreProcess store;
    if (!StartStore(&store, placement, prefault, directory)) {
      state.SkipWithError("the store did not start there (see stderr)");
      break;
    }
    const auto started = std::chrono::steady_clock::now();
    if (prefault && !WaitForPrefault(store.pid(), placement)) {
      state.SkipWithError("the store's segment was not populated within 60 s");
      break;
    }
    prefault_wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::shared_ptr<pc::PlasmaClient> client;
    if (Failed(state, pc::PlasmaClient::Connect(store.socket_path(), 1, 0, &client), "Connect")) break;
    const long faults_before = MinorFaults();
    const auto before = std::chrono::steady_clock::now();
    std::unique_ptr<pc::ObjectRef> object;
    if (Failed(state, client->Create(NewObjectId(), kPutSize, nullptr, 0, false, &object), "Create")) break;
    const auto created = std::chrono::steady_clock::now();
    const long faults_created = MinorFaults();
    if (Failed(state, object->WriteAndSeal(source.get(), kPutSize), "WriteAndSeal")) break;
    if (Failed(state, object->Release(), "Release")) break;
    const auto done = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(done - before).count());
    // Where the time goes: Create (its round trip + mapping the object's pages into this process,
    // PlasmaClient::Create's MapAhead) and the copy + digest + Seal; the page faults of each part.
    create_seconds += std::chrono::duration<double>(created - before).count();
    write_seconds += std::chrono::duration<double>(done - created).count();
    create_faults += faults_created - faults_before;
    write_faults += MinorFaults() - faults_created;
  }
  rmdir(directory.c_str());
  state.SetBytesProcessed(state.iterations() * kPutSize);
  if (state.iterations() > 0) {
    const double n = static_cast<double>(state.iterations());
    if (prefault) state.counters["prefault_wait_ms"] = prefault_wait_seconds * 1e3 / n;
    state.counters["create_ms"] = create_seconds * 1e3 / n;
    state.counters["write_and_seal_ms"] = write_seconds * 1e3 / n;
    state.counters["create_minor_faults"] = static_cast<double>(create_faults) / n;
    state.counters["write_minor_faults"] = static_cast<double>(write_faults) / n;
  }
}

}  // namespace

void RegisterWarmMemory() {
  const struct {
    const char* name;
    Placement placement;
  } placements[] = {{"shm", Placement::kShm}, {"thp", Placement::kThp}, {"hugetlb", Placement::kHugetlb}};
  for (const auto& p : placements) {
    for (bool prefault : {false, true}) {
      const std::string name = std::string("cpp/warm/first_put_100MiB/") + (prefault ? "prefault_" : "cold_") + p.name;
      benchmark::RegisterBenchmark(name.c_str(), [p, prefault](benchmark::State& state) {
        FirstPut(state, p.placement, prefault);
      })->Iterations(Settings().quick ? 2 : 5)->UseManualTime()->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace plasmabench
