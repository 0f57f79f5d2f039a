// Components of a large put, measured without a store, to tell what limits the put figures:
//  - XXH64 over 100 MiB on one thread (the hash the Plasma digest is made of),
//  - the client's digest of 100 MiB (libplasma's 8-chunk form, chunks on several threads),
//  - the client's fused copy + digest of 100 MiB into a prefaulted buffer (WriteAndSeal's work),
//  - spawning + joining one std::thread (what the digest pays per large object today),
//  - the kernel entering an already populated 100 MiB /dev/shm file into a fresh mapping, one
//    read per page on one thread (what a first put's Create pays per page before any copy).
// Informational: no target is attached to these, they explain the large-put figures.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "bench_context.h"
#include "digest.h"
#include "store_process.h"

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

// A populated /dev/shm file, mapped afresh each iteration and read once per 4 KiB page: the
// page-table work alone, no PlasmaSharp code. Memory placement is the store's default one.
void MapPopulatedShm(benchmark::State& state) {
  std::string path = "/dev/shm/plasma-bench-map-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0 || ftruncate(fd, kSize) != 0) {
    if (fd >= 0) close(fd);
    state.SkipWithError("could not create a /dev/shm file");
    return;
  }
  unlink(path.c_str());
  void* fill = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (fill == MAP_FAILED) {
    close(fd);
    state.SkipWithError("mmap failed");
    return;
  }
  std::memset(fill, 0x44, kSize);  // populate, as the store's --prefault does
  munmap(fill, kSize);
  long faults = 0;
  for (auto _ : state) {
    void* mapped = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED) {
      state.SkipWithError("mmap failed");
      break;
    }
    const long before = MinorFaults();
    const auto* bytes = static_cast<const volatile uint8_t*>(mapped);
    uint8_t sum = 0;
    for (int64_t offset = 0; offset < kSize; offset += 4096) sum += bytes[offset];
    benchmark::DoNotOptimize(sum);
    faults += MinorFaults() - before;
    state.PauseTiming();
    munmap(mapped, kSize);
    state.ResumeTiming();
  }
  close(fd);
  state.counters["minor_faults"] = static_cast<double>(faults) / static_cast<double>(state.iterations());
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
  benchmark::RegisterBenchmark("component/map_populated_shm_100MiB", MapPopulatedShm)
      ->UseRealTime()->Unit(benchmark::kMillisecond);
}

}  // namespace plasmabench
