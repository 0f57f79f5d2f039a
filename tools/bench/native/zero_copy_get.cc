// Zero-copy get: Get(timeout 0) + Release of a sealed 1 KiB object and of a sealed 1 GiB object
// on the same connection. Nothing is copied, so both should cost one round trip; the ratio of
// the two shows whether Get is O(1) in the object size.
#include <string>

#include "bench_context.h"

namespace plasmabench {
namespace {

void GetReleaseOfSize(benchmark::State& state) {
  const int64_t size = state.range(0);
  const pc::ObjectId id = NewObjectId();
  if (Failed(state, PutObject(id, size, 9), "put")) return;
  const std::vector<pc::ObjectId> ids{id};
  std::vector<std::unique_ptr<pc::ObjectRef>> objects;
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    if (Failed(state, Client().Get(ids, 0, &objects), "Get")) break;
    if (!objects[0]) {
      state.SkipWithError("Get returned no object");
      break;
    }
    benchmark::DoNotOptimize(objects[0]->data()[size - 1]);
    if (Failed(state, objects[0]->Release(), "Release")) break;
    objects.clear();
  }
  store_cpu.Report(state, state.iterations());
  DeleteObjects({id});
}

}  // namespace

void RegisterZeroCopyGet() {
  benchmark::RegisterBenchmark("cpp/get/get_release_1KiB", GetReleaseOfSize)
      ->Arg(kKiB)->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("cpp/get/get_release_1GiB", GetReleaseOfSize)
      ->Arg(kGiB)->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace plasmabench
