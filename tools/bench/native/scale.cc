// Scale figures:
//  - 100k objects of 1 KiB in the store, then Get+Release and Contains of random ones among
//    them (compared with the same operations on an almost empty store: the rates must not drop).
//    The store's resident memory next to its capacity is reported here too (only when
//    plasma_bench started the store: an external store's pid is unknown).
//  - 1, 2 and 4 client processes (fork) each putting 1 KiB objects for a fixed time; the figure
//    is their total rate. Twice: with the small put our clients make (one CreateAndSeal, the
//    target's figure) and with libplasma's put (Create + Seal + Release, three requests).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <utility>

#include "bench_context.h"
#include "store_process.h"
#include "store_stats.h"

namespace plasmabench {
namespace {

constexpr int64_t kPopulation = 100000;
constexpr int64_t kSmall = kKiB;

std::vector<pc::ObjectId>& Population() {
  static std::vector<pc::ObjectId> ids;
  return ids;
}

pc::Status FillPopulation() {
  auto& ids = Population();
  if (!ids.empty()) return pc::Status::OK();
  return FillStore(Client(), kPopulation, kSmall, &ids);
}

// The store's own figures come from its stats (the one place that computes them); read after the
// timed loop, as the object list of 100k objects is a request of its own.
void ReportStoreMemory(benchmark::State& state) {
  pc::StoreStats stats;
  if (Failed(state, pc::ReadStoreStats(Client(), true, &stats), "reading the store's stats")) return;
  state.counters["objects_in_store"] = static_cast<double>(stats.objects);
  state.counters["store_capacity_bytes"] = static_cast<double>(stats.capacity);
  state.counters["store_bytes_used"] = static_cast<double>(stats.bytes_used);
  state.counters["store_rss_bytes"] = static_cast<double>(ProcessRssBytes(Settings().store_pid));
  state.counters["store_peak_rss_bytes"] =
      static_cast<double>(ProcessPeakRssBytes(Settings().store_pid));
}

void PopulatedGetRelease(benchmark::State& state) {
  if (Failed(state, FillPopulation(), "filling the store")) return;
  const auto& ids = Population();
  std::mt19937_64 random(42);
  std::vector<pc::ObjectId> one(1);
  std::vector<std::unique_ptr<pc::ObjectRef>> objects;
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    one[0] = ids[random() % ids.size()];
    if (Failed(state, Client().Get(one, 0, &objects), "Get")) break;
    if (!objects[0]) {
      state.SkipWithError("an object of the 100k was not found (evicted?)");
      break;
    }
    if (Failed(state, objects[0]->Release(), "Release")) break;
    objects.clear();
  }
  store_cpu.Report(state, state.iterations());
  ReportStoreMemory(state);
}

void PopulatedContains(benchmark::State& state) {
  if (Failed(state, FillPopulation(), "filling the store")) return;
  const auto& ids = Population();
  std::mt19937_64 random(43);
  bool has = false;
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    if (Failed(state, Client().Contains(ids[random() % ids.size()], &has), "Contains")) break;
    benchmark::DoNotOptimize(has);
  }
  store_cpu.Report(state, state.iterations());
  ReportStoreMemory(state);
}

// ---- several client processes ----

struct ChildResult {
  int64_t operations = 0;
  double seconds = 0;
  int32_t failed = 0;
};

bool ReadAll(int fd, void* buffer, size_t size) {
  auto* bytes = static_cast<uint8_t*>(buffer);
  size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, bytes + done, size - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

enum class SmallPut { kCreateAndSeal, kCreateSealRelease };

pc::Status PutOne(pc::PlasmaClient& client, SmallPut how, const pc::ObjectId& id,
                  const std::vector<uint8_t>& payload) {
  if (how == SmallPut::kCreateAndSeal) {
    return client.CreateAndSeal(id, payload.data(), kSmall, nullptr, 0, false);
  }
  std::unique_ptr<pc::ObjectRef> object;
  pc::Status st = client.Create(id, kSmall, nullptr, 0, false, &object);
  if (!st.ok()) return st;
  std::memcpy(object->data(), payload.data(), kSmall);
  if (!(st = object->Seal()).ok()) return st;
  return object->Release();
}

// Runs in a forked child: its own connection (the parent's socket is not touched), waits for
// the start signal, puts for `seconds`, deletes what it created, reports, exits.
[[noreturn]] void RunPutClient(int go_fd, int report_fd, double seconds, SmallPut how) {
  ChildResult result;
  auto client = ConnectNewClient();
  char ready = client ? 'r' : 'x';
  if (write(report_fd, &ready, 1) != 1 || !client) _exit(1);
  char go;
  if (read(go_fd, &go, 1) < 0) _exit(1);  // EOF (parent closed the pipe) is the start signal
  const std::vector<uint8_t> payload(kSmall, 5);
  std::vector<pc::ObjectId> created;
  created.reserve(1 << 16);
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    pc::ObjectId id = NewObjectId();
    if (!PutOne(*client, how, id, payload).ok()) { result.failed = 1; break; }
    created.push_back(std::move(id));
    ++result.operations;
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (size_t begin = 0; begin < created.size(); begin += 1000) {
    std::vector<pc::ObjectId> batch(created.begin() + begin,
                                    created.begin() + std::min(created.size(), begin + 1000));
    std::vector<pc::Code> codes;
    client->Delete(batch, &codes);
  }
  ssize_t written = write(report_fd, &result, sizeof(result));
  _exit(written == static_cast<ssize_t>(sizeof(result)) ? 0 : 1);
}

void ClientProcesses(benchmark::State& state) {
  const int processes = static_cast<int>(state.range(0));
  const auto how = static_cast<SmallPut>(state.range(1));
  const double seconds = Settings().client_seconds;
  for (auto _ : state) {
    int go[2], report[2];
    if (pipe(go) != 0 || pipe(report) != 0) {
      state.SkipWithError("pipe failed");
      break;
    }
    std::vector<pid_t> children;
    for (int i = 0; i < processes; ++i) {
      pid_t child = fork();
      if (child == 0) {
        close(go[1]);
        close(report[0]);
        RunPutClient(go[0], report[1], seconds, how);
      }
      children.push_back(child);
    }
    close(go[0]);
    close(report[1]);
    bool all_ready = true;
    for (int i = 0; i < processes; ++i) {
      char ready = 0;
      all_ready = ReadAll(report[0], &ready, 1) && ready == 'r' && all_ready;
    }
    const double store_cpu_before = ProcessCpuSecondsPrecise(Settings().store_pid);
    close(go[1]);  // start: every child's read() returns
    double total_rate = 0, longest = 0;
    int64_t total_operations = 0;
    bool failed = !all_ready;
    for (int i = 0; i < processes && all_ready; ++i) {
      ChildResult result;
      if (!ReadAll(report[0], &result, sizeof(result)) || result.failed) {
        failed = true;
        break;
      }
      total_operations += result.operations;
      total_rate += result.seconds > 0 ? result.operations / result.seconds : 0;
      longest = std::max(longest, result.seconds);
    }
    const double store_cpu_after = ProcessCpuSecondsPrecise(Settings().store_pid);
    close(report[0]);
    double client_cpu = 0;
    for (pid_t child : children) {
      int status = 0;
      rusage usage{};
      wait4(child, &status, 0, &usage);
      client_cpu += CpuSeconds(usage);
    }
    if (failed) {
      state.SkipWithError("a client process failed");
      break;
    }
    state.SetIterationTime(longest);
    state.counters["ops_per_s"] = total_rate;
    state.counters["operations"] = static_cast<double>(total_operations);
    if (total_operations > 0) {
      // CPU per operation, to tell a CPU-bound store or client from waiting (client CPU includes
      // connect and the final deletes; the store's includes the deletes: upper bounds).
      state.counters["client_cpu_us_per_op"] = client_cpu * 1e6 / total_operations;
      if (store_cpu_before >= 0 && store_cpu_after >= 0) {
        state.counters["store_cpu_us_per_op"] =
            (store_cpu_after - store_cpu_before) * 1e6 / total_operations;
      }
    }
  }
}

}  // namespace

void CleanUpScale() {
  DeleteObjects(Population());
  Population().clear();
}

void RegisterScale() {
  benchmark::RegisterBenchmark("cpp/scale/100k_objects/get_release_1KiB", PopulatedGetRelease)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("cpp/scale/100k_objects/contains", PopulatedContains)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  for (auto [how, name] : {std::pair{SmallPut::kCreateAndSeal, "create_and_seal_1KiB"},
                           std::pair{SmallPut::kCreateSealRelease, "create_seal_release_1KiB"}}) {
    for (int processes : {1, 2, 4}) {
      benchmark::RegisterBenchmark(
          ("cpp/scale/clients_" + std::to_string(processes) + "/" + name).c_str(), ClientProcesses)
          ->Args({processes, static_cast<int64_t>(how)})->Iterations(1)->UseManualTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace plasmabench
