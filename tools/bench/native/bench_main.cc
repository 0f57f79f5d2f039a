// plasma_bench: the native figures of issue 7 (see tools/bench/README.md).
//   plasma_bench [--quick] [--store-socket PATH [--store-pid PID]] [--store-executable PATH]
//                [--store-capacity BYTES] [--client-seconds S] [Google Benchmark flags...]
// Without --store-socket it starts the plasma-store built next to it on a temporary socket;
// with it, every client figure runs against that store (e.g. Arrow's plasma-store-server), and
// --store-pid names that store's process so its CPU per operation is measured too.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_context.h"
#include "store_process.h"

namespace {

constexpr int64_t kDefaultCapacity = int64_t{3} << 30;  // room for a 1 GiB object + the 100k


}  // namespace

int main(int argc, char** argv) {
  using namespace plasmabench;
  BenchSettings& settings = Settings();
  std::string store_executable = PLASMA_BENCH_STORE_EXECUTABLE;
  int64_t capacity = kDefaultCapacity;
  std::vector<char*> benchmark_args{argv[0]};
  pid_t external_store_pid = -1;
  for (int i = 1; i < argc; ++i) {
    std::string value;
    if (std::strcmp(argv[i], "--quick") == 0) {
      settings.quick = true;
    } else if (TakeValue(i, argc, argv, "--store-socket", &value)) {
      settings.socket_path = value;
    } else if (TakeValue(i, argc, argv, "--store-pid", &value)) {
      external_store_pid = static_cast<pid_t>(std::atol(value.c_str()));
    } else if (TakeValue(i, argc, argv, "--store-executable", &value)) {
      store_executable = value;
    } else if (TakeValue(i, argc, argv, "--store-capacity", &value)) {
      capacity = std::atoll(value.c_str());
    } else if (TakeValue(i, argc, argv, "--client-seconds", &value)) {
      settings.client_seconds = std::atof(value.c_str());
    } else {
      benchmark_args.push_back(argv[i]);
    }
  }
  if (settings.quick && settings.client_seconds == 1.0) settings.client_seconds = 0.5;

  settings.store_executable = store_executable;
  StoreProcess store;
  const bool started_here = settings.socket_path.empty();
  if (started_here) {
    if (!store.Start(store_executable, capacity)) return 1;
    settings.socket_path = store.socket_path();
    settings.store_pid = store.pid();
  } else {
    settings.store_pid = external_store_pid;
  }
  std::fprintf(stderr, "plasma_bench: store socket %s (%s)\n", settings.socket_path.c_str(),
               started_here ? "started here" : "external");

  RegisterFloors();
  RegisterComponents();
  RegisterSmallObjects();
  RegisterLargeObjects();
  RegisterZeroCopyGet();
  RegisterScale();
  RegisterSharedClient();
  RegisterWarmMemory();
  RegisterMillionObjects();

  int benchmark_argc = static_cast<int>(benchmark_args.size());
  benchmark::Initialize(&benchmark_argc, benchmark_args.data());
  if (benchmark::ReportUnrecognizedArguments(benchmark_argc, benchmark_args.data())) return 1;
  benchmark::AddCustomContext("store_socket", settings.socket_path);
  benchmark::AddCustomContext("store", started_here ? "plasma-store (started by plasma_bench)" : "external");
  benchmark::AddCustomContext("mode", settings.quick ? "quick" : "full");
  benchmark::RunSpecifiedBenchmarks();
  CleanUpScale();
  benchmark::Shutdown();
  return 0;
}
