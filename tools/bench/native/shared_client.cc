// One C++ client shared by threads (issue 18 item 3). A put here is the small put our clients
// make (C# Put, Python put): one CreateAndSeal with the data inline, one round trip.
//  - put_1KiB_idle: a 1 KiB put on a client nobody else uses;
//  - put_1KiB_while_get_waits: the same while another thread of that client waits in a 5 s Get
//    for an object nobody seals (the Get is re-issued whenever it times out);
//  - threads_N: N threads on one client, each putting 1 KiB objects in a loop for
//    client_seconds; counter ops_per_s is their total rate.
// Each figure uses a client of its own, so no figure shares a connection with another.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "bench_context.h"
#include "process_util.h"

namespace plasmabench {
namespace {

constexpr int64_t kSmall = kKiB;
constexpr int64_t kWaitMs = 5000;

// CPU seconds of this whole process so far, threads that have exited included.
double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return CpuSeconds(usage);
}

// One put; the id is appended to `created` (deleted after the figure).
pc::Status PutSmall(pc::PlasmaClient& client, const std::vector<uint8_t>& payload,
                    std::vector<pc::ObjectId>* created) {
  pc::ObjectId id = NewObjectId();
  pc::Status st = client.CreateAndSeal(id, payload.data(), kSmall, nullptr, 0, false);
  if (st.ok()) created->push_back(std::move(id));
  return st;
}

// The store's ref count of `id` (List through the process's main client), -1 if not listed.
int RefCount(const pc::ObjectId& id) {
  std::vector<pc::ObjectInfo> list;
  if (!Client().List(&list).ok()) return -1;
  for (const auto& o : list) {
    if (o.object_id == id) return o.ref_count;
  }
  return -1;
}

// A thread of `client` that keeps a 5 s Get for a missing object on the wire until stopped.
class WaitingGetter {
 public:
  explicit WaitingGetter(std::shared_ptr<pc::PlasmaClient> client)
      : client_(std::move(client)), missing_(NewObjectId()), marker_(NewObjectId()) {}

  // Starts the thread; true once the store has registered its Get (the marker, held by
  // nobody else, shows ref_count 1).
  bool Start() {
    if (!PutObject(marker_, 8, 1).ok()) return false;
    thread_ = std::thread([this] {
      const std::vector<pc::ObjectId> ids{missing_, marker_};
      while (!stop_) {
        std::vector<std::unique_ptr<pc::ObjectRef>> out;
        if (!client_->Get(ids, kWaitMs, &out).ok()) return;
      }
    });
    for (int i = 0; i < 5000; ++i) {
      if (RefCount(marker_) == 1) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  // Seals the missing object so the Get returns, and joins the thread.
  void Stop() {
    stop_ = true;
    PutObject(missing_, 8, 2);
    if (thread_.joinable()) thread_.join();
    DeleteObjects({missing_, marker_});
  }

 private:
  std::shared_ptr<pc::PlasmaClient> client_;
  pc::ObjectId missing_;
  pc::ObjectId marker_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void PutLatency(benchmark::State& state, bool with_waiting_get) {
  std::shared_ptr<pc::PlasmaClient> client = ConnectNewClient();
  if (!client) {
    state.SkipWithError("connect failed");
    return;
  }
  WaitingGetter getter(client);
  if (with_waiting_get && !getter.Start()) {
    state.SkipWithError("the store never registered the waiting Get");
    getter.Stop();
    return;
  }
  const std::vector<uint8_t> payload(kSmall, 7);
  std::vector<pc::ObjectId> created;
  created.reserve(1 << 16);
  for (auto _ : state) {
    if (Failed(state, PutSmall(*client, payload, &created), "put")) break;
  }
  if (with_waiting_get) getter.Stop();
  DeleteObjects(created);  // after the loop: not timed
}

void PutIdle(benchmark::State& state) { PutLatency(state, false); }
void PutWhileGetWaits(benchmark::State& state) { PutLatency(state, true); }

void ThreadsOnOneClient(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  std::shared_ptr<pc::PlasmaClient> client = ConnectNewClient();
  if (!client) {
    state.SkipWithError("connect failed");
    return;
  }
  const std::vector<uint8_t> payload(kSmall, 7);
  const auto run_for = std::chrono::duration<double>(Settings().client_seconds);
  for (auto _ : state) {
    std::atomic<int64_t> operations{0};
    std::atomic<bool> failed{false};
    std::vector<std::vector<pc::ObjectId>> created(static_cast<size_t>(threads));
    // CPU of this process (the putting threads, and the client's reading of replies) and of
    // the store, to tell a CPU-bound figure from one that waits.
    // (getrusage, not /proc/self/task: the workers have exited when it is read after.)
    const double client_cpu_before = OwnCpuSeconds();
    const StoreCpuMeter store_cpu;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        int64_t mine = 0;
        while (std::chrono::steady_clock::now() - start < run_for) {
          if (!PutSmall(*client, payload, &created[static_cast<size_t>(t)]).ok()) {
            failed = true;
            break;
          }
          ++mine;
        }
        operations += mine;
      });
    }
    for (auto& w : workers) w.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double client_cpu = OwnCpuSeconds() - client_cpu_before;
    state.SetIterationTime(seconds);
    state.counters["ops_per_s"] = static_cast<double>(operations.load()) / seconds;
    if (operations.load() > 0) {
      state.counters["client_cpu_us_per_op"] = client_cpu * 1e6 / static_cast<double>(operations.load());
      store_cpu.Report(state, operations.load());
    }
    for (const auto& ids : created) DeleteObjects(ids);
    if (failed) state.SkipWithError("a put failed");
  }
}

}  // namespace

void RegisterSharedClient() {
  benchmark::RegisterBenchmark("cpp/shared_client/put_1KiB_idle", PutIdle)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("cpp/shared_client/put_1KiB_while_get_waits", PutWhileGetWaits)
      ->Unit(benchmark::kMicrosecond);
  for (int threads : {1, 4}) {
    benchmark::RegisterBenchmark(("cpp/shared_client/threads_" + std::to_string(threads)).c_str(),
                                 ThreadsOnOneClient)
        ->Arg(threads)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
  }
}

}  // namespace plasmabench
