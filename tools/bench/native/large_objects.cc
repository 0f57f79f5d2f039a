// Large puts (1 MiB, 100 MiB, 1 GiB) through the C++ client, warm pages, digest included.
// Each iteration: Create + (copy, then Seal with digest | fused WriteAndSeal) + Release + Delete,
// like the baseline row (d). One untimed put first warms the store's pages for that size.
// Compared with floor/memcpy_100MiB: both move each byte once from a prefaulted source.
#include <chrono>
#include <cstring>
#include <string>

#include "bench_context.h"

namespace plasmabench {
namespace {

enum class PutPath { kCopyThenSeal, kFusedWriteAndSeal };

// One put; adds the time spent in Seal (copy-then-seal path) to *seal_seconds.
pc::Status PutOnce(PutPath path, int64_t size, const uint8_t* source, double* seal_seconds) {
  const pc::ObjectId id = NewObjectId();
  std::unique_ptr<pc::ObjectRef> object;
  PS_RETURN_IF_ERROR(Client().Create(id, size, nullptr, 0, false, &object));
  if (path == PutPath::kCopyThenSeal) {
    std::memcpy(object->data(), source, size);
    auto before = std::chrono::steady_clock::now();
    PS_RETURN_IF_ERROR(object->Seal());
    *seal_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
  } else {
    PS_RETURN_IF_ERROR(object->WriteAndSeal(source, size));
  }
  PS_RETURN_IF_ERROR(object->Release());
  std::vector<pc::Code> results;
  PS_RETURN_IF_ERROR(Client().Delete({id}, &results));
  if (results.empty() || results[0] != pc::Code::kOk) {
    return pc::Status(pc::Code::kInternal, "Delete of the put object did not succeed");
  }
  return pc::Status::OK();
}

void LargePut(benchmark::State& state, PutPath path) {
  const int64_t size = state.range(0);
  auto source = PrefaultedBuffer(size, 0x6b);
  double seal_seconds = 0;
  if (Failed(state, PutOnce(path, size, source.get(), &seal_seconds), "warm-up put")) return;
  seal_seconds = 0;
  auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (Failed(state, PutOnce(path, size, source.get(), &seal_seconds), "put")) break;
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  state.SetBytesProcessed(state.iterations() * size);
  if (path == PutPath::kCopyThenSeal && total > 0) {
    state.counters["seal_share"] = seal_seconds / total;
  }
}

}  // namespace

void RegisterLargeObjects() {
  const struct {
    const char* name;
    PutPath path;
  } paths[] = {{"cpp/large/put_copy_then_seal", PutPath::kCopyThenSeal},
               {"cpp/large/put_write_and_seal", PutPath::kFusedWriteAndSeal}};
  for (const auto& p : paths) {
    const PutPath path = p.path;
    const struct {
      const char* suffix;
      int64_t size;
      double min_time;
    } sizes[] = {{"_1MiB", kMiB, 0.3}, {"_100MiB", 100 * kMiB, 0.5}, {"_1GiB", kGiB, 0.5}};
    for (const auto& s : sizes) {
      benchmark::RegisterBenchmark((std::string(p.name) + s.suffix).c_str(),
                                   [path](benchmark::State& state) { LargePut(state, path); })
          ->Arg(s.size)
          ->MinTime(Settings().quick ? s.min_time : 2 * s.min_time)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace plasmabench
