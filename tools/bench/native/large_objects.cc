// Large puts (1 MiB, 100 MiB, 1 GiB) through the C++ client, warm pages, digest included.
// Each iteration: Create + (copy, then Seal with digest | fused WriteAndSeal) + Release + Delete,
// like the baseline row (d). One untimed put first warms the store's pages for that size.
// Compared with floor/memcpy_100MiB: both move each byte once from a prefaulted source.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "bench_context.h"
#include "digest.h"
#include "store_process.h"

namespace plasmabench {
namespace {

enum class PutPath { kCopyThenSeal, kFusedWriteAndSeal };

// Where a put's time goes (seconds summed over the timed puts; issue 18 item 5 derives the
// 1 MiB limit from these): the Create round trip, the copy (copy-then-seal path only), the
// Seal (digest + its round trip; WriteAndSeal: copy + digest + round trip), Release + Delete,
// and the minor page faults the putting process took.
struct PutPhases {
  double create = 0, copy = 0, seal = 0, release_delete = 0;
  long minor_faults = 0;
};

double SecondsSince(std::chrono::steady_clock::time_point* mark) {
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - *mark).count();
  *mark = now;
  return seconds;
}

pc::Status PutOnce(PutPath path, int64_t size, const uint8_t* source, PutPhases* phases) {
  const pc::ObjectId id = NewObjectId();
  const long faults_before = MinorFaults();
  auto mark = std::chrono::steady_clock::now();
  std::unique_ptr<pc::ObjectRef> object;
  PS_RETURN_IF_ERROR(Client().Create(id, size, nullptr, 0, false, &object));
  phases->create += SecondsSince(&mark);
  if (path == PutPath::kCopyThenSeal) {
    std::memcpy(object->data(), source, size);
    phases->copy += SecondsSince(&mark);
    PS_RETURN_IF_ERROR(object->Seal());
  } else {
    PS_RETURN_IF_ERROR(object->WriteAndSeal(source, size));
  }
  phases->seal += SecondsSince(&mark);
  PS_RETURN_IF_ERROR(object->Release());
  std::vector<pc::Code> results;
  PS_RETURN_IF_ERROR(Client().Delete({id}, &results));
  phases->release_delete += SecondsSince(&mark);
  phases->minor_faults += MinorFaults() - faults_before;
  if (results.empty() || results[0] != pc::Code::kOk) {
    return pc::Status(pc::Code::kInternal, "Delete of the put object did not succeed");
  }
  return pc::Status::OK();
}

// Microseconds per call of `copy(destination, source)` over `rounds` calls, into a warm private
// buffer of `size` bytes: what a put's copy costs without the store.
template <typename Copy>
double AloneUs(int64_t size, int rounds, Copy&& copy) {
  auto destination = PrefaultedBuffer(size, 0);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) copy(destination.get());
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count() / rounds;
}

// The client's fused copy + digest (the digest of 1 MiB and more is handed to the client's worker
// pool), no store involved.
double CopyAndDigestAloneUs(int64_t size, const uint8_t* source) {
  return AloneUs(size, size <= 16 * kMiB ? 50 : 2, [&](uint8_t* destination) {
    benchmark::DoNotOptimize(pc::CopyAndDigest(destination, source, size, nullptr, 0));
  });
}

// A plain memcpy: the floor is a 100 MiB memcpy, and at 1 GiB the memory system itself may run at
// another rate.
double MemcpyAloneUs(int64_t size, const uint8_t* source) {
  return AloneUs(size, 2, [&](uint8_t* destination) {
    std::memcpy(destination, source, size);
    benchmark::ClobberMemory();
  });
}

void LargePut(benchmark::State& state, PutPath path) {
  const int64_t size = state.range(0);
  auto source = PrefaultedBuffer(size, 0x6b);
  PutPhases phases;
  if (Failed(state, PutOnce(path, size, source.get(), &phases), "warm-up put")) return;
  phases = PutPhases{};
  auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (Failed(state, PutOnce(path, size, source.get(), &phases), "put")) break;
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  state.SetBytesProcessed(state.iterations() * size);
  const double puts = static_cast<double>(std::max<int64_t>(state.iterations(), 1));
  if (path == PutPath::kCopyThenSeal && total > 0) {
    state.counters["seal_share"] = phases.seal / total;
  }
  state.counters["create_us"] = phases.create * 1e6 / puts;
  if (path == PutPath::kCopyThenSeal) state.counters["copy_us"] = phases.copy * 1e6 / puts;
  state.counters["seal_us"] = phases.seal * 1e6 / puts;
  state.counters["release_delete_us"] = phases.release_delete * 1e6 / puts;
  state.counters["minor_faults_per_put"] = phases.minor_faults / puts;
  // After the timed loop: what the Seal step's copy + digest costs without the store, at the
  // same size (1 GiB too: a second 1 GiB buffer, but the 100 MiB rate, which fits the caches
  // differently, did not explain the 1 GiB put).
  if (path == PutPath::kFusedWriteAndSeal) {
    state.counters["copy_and_digest_alone_us"] = CopyAndDigestAloneUs(size, source.get());
    if (size > 100 * kMiB) state.counters["memcpy_alone_us"] = MemcpyAloneUs(size, source.get());
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
