// Components of a large put, measured without a store, to tell what limits the put figures:
//  - XXH64 over 100 MiB on one thread (the hash the Plasma digest is made of),
//  - the client's digest of 100 MiB (libplasma's 8-chunk form, chunks on several threads),
//  - the client's fused copy + digest of 100 MiB into a prefaulted buffer (WriteAndSeal's work),
//  - spawning + joining one std::thread (what the digest pays per large object today).
// Informational: no target is attached to these, they explain the large-put figures.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <thread>

#include "bench_context.h"
#include "digest.h"

namespace plasmabench {
namespace {

constexpr int64_t kSize = 100 * kMiB;

void Xxh64SingleThread(benchmark::State& state) {
  auto source = PrefaultedBuffer(kSize, 0x33);
  for (auto _ : state) benchmark::DoNotOptimize(XXH64(source.get(), kSize, 0));
  state.SetBytesProcessed(state.iterations() * kSize);
}

void ClientDigest(benchmark::State& state) {
  auto source = PrefaultedBuffer(kSize, 0x33);
  for (auto _ : state) benchmark::DoNotOptimize(pc::ComputeDigest(source.get(), kSize, nullptr, 0));
  state.SetBytesProcessed(state.iterations() * kSize);
}

void ClientCopyAndDigest(benchmark::State& state) {
  auto source = PrefaultedBuffer(kSize, 0x33);
  auto destination = PrefaultedBuffer(kSize, 0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(pc::CopyAndDigest(destination.get(), source.get(), kSize, nullptr, 0));
  }
  state.SetBytesProcessed(state.iterations() * kSize);
}

void ThreadSpawnJoin(benchmark::State& state) {
  for (auto _ : state) {
    std::thread worker([] {});
    worker.join();
  }
}

}  // namespace

void RegisterComponents() {
  benchmark::RegisterBenchmark("component/xxh64_1thread_100MiB", Xxh64SingleThread)
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("component/client_digest_100MiB", ClientDigest)
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("component/client_copy_and_digest_100MiB", ClientCopyAndDigest)
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("component/thread_spawn_join", ThreadSpawnJoin)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace plasmabench
