// Small objects (1 KiB) through the C++ client, one operation per iteration:
//  Create+Seal+Release (2 round trips + 1 one-way message), CreateAndSeal (1 round trip),
//  Get+Release of a sealed object not held (1 round trip + 1 one-way), Contains (1 round trip).
// Objects created here are deleted after each figure so the store does not fill up.
#include <cstring>
#include <vector>

#include "bench_context.h"

namespace plasmabench {
namespace {

constexpr int64_t kSmall = kKiB;

void CreateSealRelease(benchmark::State& state) {
  std::vector<pc::ObjectId> created;
  created.reserve(1 << 16);
  const std::vector<uint8_t> payload(kSmall, 7);
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    pc::ObjectId id = NewObjectId();
    std::unique_ptr<pc::ObjectRef> object;
    if (Failed(state, Client().Create(id, kSmall, nullptr, 0, false, &object), "Create")) break;
    std::memcpy(object->data(), payload.data(), kSmall);
    if (Failed(state, object->Seal(), "Seal")) break;
    if (Failed(state, object->Release(), "Release")) break;
    created.push_back(std::move(id));
  }
  store_cpu.Report(state, state.iterations());
  DeleteObjects(created);  // after the loop: not timed
}

void CreateAndSeal(benchmark::State& state) {
  std::vector<pc::ObjectId> created;
  created.reserve(1 << 16);
  const std::vector<uint8_t> payload(kSmall, 7);
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    pc::ObjectId id = NewObjectId();
    if (Failed(state, Client().CreateAndSeal(id, payload.data(), kSmall, nullptr, 0, false),
               "CreateAndSeal")) {
      break;
    }
    created.push_back(std::move(id));
  }
  store_cpu.Report(state, state.iterations());
  DeleteObjects(created);  // after the loop: not timed
}

void GetRelease(benchmark::State& state) {
  const pc::ObjectId id = NewObjectId();
  if (Failed(state, PutObject(id, kSmall, 3), "put")) return;
  const std::vector<pc::ObjectId> ids{id};
  std::vector<std::unique_ptr<pc::ObjectRef>> objects;
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    if (Failed(state, Client().Get(ids, 0, &objects), "Get")) break;
    if (!objects[0]) {
      state.SkipWithError("Get returned no object");
      break;
    }
    benchmark::DoNotOptimize(objects[0]->data()[0]);
    if (Failed(state, objects[0]->Release(), "Release")) break;
    objects.clear();
  }
  store_cpu.Report(state, state.iterations());
  DeleteObjects({id});
}

void Contains(benchmark::State& state) {
  const pc::ObjectId id = NewObjectId();
  if (Failed(state, PutObject(id, kSmall, 3), "put")) return;
  bool has = false;
  const StoreCpuMeter store_cpu;
  for (auto _ : state) {
    if (Failed(state, Client().Contains(id, &has), "Contains")) break;
    benchmark::DoNotOptimize(has);
  }
  store_cpu.Report(state, state.iterations());
  if (!has) state.SkipWithError("Contains said no for a sealed object");
  DeleteObjects({id});
}

}  // namespace

void RegisterSmallObjects() {
  benchmark::RegisterBenchmark("cpp/small/create_seal_release_1KiB", CreateSealRelease)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("cpp/small/create_and_seal_1KiB", CreateAndSeal)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("cpp/small/get_release_1KiB", GetRelease)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("cpp/small/contains", Contains)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace plasmabench
