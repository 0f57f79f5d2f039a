// bench_real: the reference figures of the real Apache Arrow 11 Plasma C++ client (libplasma,
// plasma::PlasmaClient) against a running store, normally the real plasma-store-server. The same
// operations and Google Benchmark names as plasma_bench's C++ client figures, under `arrow_cpp/`,
// so tools/bench/collect.py reads both with one parser (tools/bench/README.md, keys `real.*`).
//   bench_real --store-socket PATH [--store-pid PID] [--quick] [Google Benchmark flags...]
// --quick: the large puts' minimum times of plasma_bench --quick (full mode doubles them, as there).
// Built by tools/bench/run.sh with g++ against $ARROW11_HOME/include and $ARROW11_LIB, never by
// CMake: the project must build where Arrow 11 is absent.
//
// Object lifetime in libplasma 11 (run and seen): the buffer Get hands back releases the object
// when its last reference goes, so calling Release for it as well aborts the client; the buffer
// Create hands back does not, so Create + Seal is followed by one explicit Release.
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <plasma/client.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "process_util.h"

namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kGiB = 1024 * kMiB;

std::string g_socket;
pid_t g_store_pid = -1;
bool g_quick = false;

plasma::PlasmaClient& Client() {
  static plasma::PlasmaClient* client = [] {
    auto* c = new plasma::PlasmaClient();
    arrow::Status status = c->Connect(g_socket, "", 0, 5);
    if (!status.ok()) {
      std::fprintf(stderr, "bench_real: cannot connect to %s: %s\n", g_socket.c_str(),
                   status.ToString().c_str());
      std::exit(1);
    }
    return c;
  }();
  return *client;
}

// Ids unique across runs and processes: a random 8-byte prefix, the pid, a counter.
plasma::ObjectID NewObjectId() {
  static const uint64_t prefix = std::random_device{}() * 0x9E3779B97F4A7C15ull ^ std::random_device{}();
  static uint64_t counter = 0;
  std::string bytes(plasma::kUniqueIDSize, '\0');
  const uint64_t count = ++counter;
  const uint32_t pid = static_cast<uint32_t>(getpid());
  std::memcpy(&bytes[0], &prefix, sizeof prefix);
  std::memcpy(&bytes[8], &count, sizeof count);
  std::memcpy(&bytes[16], &pid, sizeof pid);
  return plasma::ObjectID::from_binary(bytes);
}

bool Failed(benchmark::State& state, const arrow::Status& status, const char* what) {
  if (status.ok()) return false;
  state.SkipWithError((std::string(what) + ": " + status.ToString()).c_str());
  return true;
}

void DeleteObjects(const std::vector<plasma::ObjectID>& ids) {
  constexpr size_t kBatch = 1000;
  for (size_t i = 0; i < ids.size(); i += kBatch) {
    const size_t end = std::min(ids.size(), i + kBatch);
    (void)Client().Delete(std::vector<plasma::ObjectID>(ids.begin() + i, ids.begin() + end));
  }
}

// CPU seconds of every thread of the store process, or -1 if unknown.
double StoreCpuSeconds() { return plasmabench::ProcessCpuSecondsPrecise(g_store_pid); }

// Reports the store's CPU per operation over a figure's loop (counter store_cpu_us_per_op).
class StoreCpuMeter {
 public:
  StoreCpuMeter() : start_(StoreCpuSeconds()) {}
  void Report(benchmark::State& state) const {
    const double end = StoreCpuSeconds();
    if (start_ < 0 || end < 0 || state.iterations() <= 0) return;
    state.counters["store_cpu_us_per_op"] = (end - start_) * 1e6 / state.iterations();
  }

 private:
  double start_;
};

arrow::Status PutObject(const plasma::ObjectID& id, int64_t size, uint8_t fill) {
  std::shared_ptr<arrow::Buffer> buffer;
  ARROW_RETURN_NOT_OK(Client().Create(id, size, nullptr, 0, &buffer));
  std::memset(buffer->mutable_data(), fill, size);
  ARROW_RETURN_NOT_OK(Client().Seal(id));
  return Client().Release(id);
}

void CreateSealRelease(benchmark::State& state) {
  std::vector<plasma::ObjectID> created;
  created.reserve(1 << 16);
  const std::vector<uint8_t> payload(kKiB, 7);
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    const plasma::ObjectID id = NewObjectId();
    std::shared_ptr<arrow::Buffer> buffer;
    if (Failed(state, Client().Create(id, kKiB, nullptr, 0, &buffer), "Create")) break;
    std::memcpy(buffer->mutable_data(), payload.data(), kKiB);
    if (Failed(state, Client().Seal(id), "Seal")) break;
    if (Failed(state, Client().Release(id), "Release")) break;
    created.push_back(id);
  }
  store_cpu.Report(state);
  DeleteObjects(created);  // after the loop: not timed
}

void CreateAndSeal(benchmark::State& state) {
  std::vector<plasma::ObjectID> created;
  created.reserve(1 << 16);
  const std::string payload(kKiB, '\7');
  const std::string no_metadata;
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    const plasma::ObjectID id = NewObjectId();
    if (Failed(state, Client().CreateAndSeal(id, payload, no_metadata), "CreateAndSeal")) break;
    created.push_back(id);
  }
  store_cpu.Report(state);
  DeleteObjects(created);
}

// Get(timeout 0) + Release of a sealed object of state.range(0) bytes that this client does not hold.
void GetRelease(benchmark::State& state) {
  const int64_t size = state.range(0);
  const plasma::ObjectID id = NewObjectId();
  if (Failed(state, PutObject(id, size, 3), "put")) return;
  const std::vector<plasma::ObjectID> ids{id};
  std::vector<plasma::ObjectBuffer> buffers;
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    if (Failed(state, Client().Get(ids, 0, &buffers), "Get")) break;
    if (!buffers[0].data) {
      state.SkipWithError("Get returned no object");
      break;
    }
    benchmark::DoNotOptimize(buffers[0].data->data()[size - 1]);
    buffers.clear();  // Release (the Get buffer releases when destroyed)
  }
  store_cpu.Report(state);
  DeleteObjects({id});
}

void Contains(benchmark::State& state) {
  const plasma::ObjectID id = NewObjectId();
  if (Failed(state, PutObject(id, kKiB, 3), "put")) return;
  bool has = false;
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    if (Failed(state, Client().Contains(id, &has), "Contains")) break;
    benchmark::DoNotOptimize(has);
  }
  store_cpu.Report(state);
  if (!has) state.SkipWithError("Contains said no for a sealed object");
  DeleteObjects({id});
}

// Create + memcpy + Seal (libplasma digests in Seal) + Release + Delete, warm pages: the same
// work per put as plasma_bench's cpp/large/put_copy_then_seal.
arrow::Status LargePutOnce(int64_t size, const uint8_t* source) {
  const plasma::ObjectID id = NewObjectId();
  {
    std::shared_ptr<arrow::Buffer> buffer;
    ARROW_RETURN_NOT_OK(Client().Create(id, size, nullptr, 0, &buffer));
    std::memcpy(buffer->mutable_data(), source, size);
    ARROW_RETURN_NOT_OK(Client().Seal(id));
    ARROW_RETURN_NOT_OK(Client().Release(id));  // libplasma's Delete skips objects still held
  }
  return Client().Delete(id);
}

void LargePut(benchmark::State& state) {
  const int64_t size = state.range(0);
  std::unique_ptr<uint8_t[]> source(new uint8_t[size]);
  std::memset(source.get(), 0x6b, size);  // prefaulted: no page fault is timed
  if (Failed(state, LargePutOnce(size, source.get()), "warm-up put")) return;
  for (auto _ : state) {
    if (Failed(state, LargePutOnce(size, source.get()), "put")) break;
  }
  state.SetBytesProcessed(state.iterations() * size);
}


}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> benchmark_args{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string value;
    if (plasmabench::TakeValue(i, argc, argv, "--store-socket", &value)) {
      g_socket = value;
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      g_quick = true;
    } else if (plasmabench::TakeValue(i, argc, argv, "--store-pid", &value)) {
      g_store_pid = static_cast<pid_t>(std::atol(value.c_str()));
    } else {
      benchmark_args.push_back(argv[i]);
    }
  }
  if (g_socket.empty()) {
    std::fprintf(stderr, "usage: bench_real --store-socket PATH [--store-pid PID] [--quick] [benchmark flags]\n");
    return 2;
  }
  using benchmark::RegisterBenchmark;
  RegisterBenchmark("arrow_cpp/small/create_seal_release_1KiB", CreateSealRelease)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("arrow_cpp/small/create_and_seal_1KiB", CreateAndSeal)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("arrow_cpp/small/get_release_1KiB", GetRelease)
      ->Arg(kKiB)->UseRealTime()->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("arrow_cpp/small/contains", Contains)->UseRealTime()->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("arrow_cpp/large/put_copy_then_seal_1MiB", LargePut)
      ->Arg(kMiB)->MinTime(g_quick ? 0.3 : 0.6)->UseRealTime()->Unit(benchmark::kMillisecond);
  RegisterBenchmark("arrow_cpp/large/put_copy_then_seal_100MiB", LargePut)
      ->Arg(100 * kMiB)->MinTime(g_quick ? 0.5 : 1.0)->UseRealTime()->Unit(benchmark::kMillisecond);
  RegisterBenchmark("arrow_cpp/get/get_release_1KiB", GetRelease)
      ->Arg(kKiB)->UseRealTime()->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("arrow_cpp/get/get_release_1GiB", GetRelease)
      ->Arg(kGiB)->UseRealTime()->Unit(benchmark::kMicrosecond);

  int benchmark_argc = static_cast<int>(benchmark_args.size());
  benchmark::Initialize(&benchmark_argc, benchmark_args.data());
  if (benchmark::ReportUnrecognizedArguments(benchmark_argc, benchmark_args.data())) return 1;
  benchmark::AddCustomContext("store_socket", g_socket);
  benchmark::AddCustomContext("client", "Apache Arrow 11.0.0 libplasma plasma::PlasmaClient");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  (void)Client().Disconnect();
  return 0;
}
