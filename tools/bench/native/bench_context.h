// What every figure of plasma_bench shares: the run's settings, the store to talk to, one
// connected client, fresh object ids and the small helpers to report a failed call.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "plasma_client.h"

namespace plasmabench {

namespace pc = plasmasharp::client;

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kGiB = 1024 * kMiB;

struct BenchSettings {
  bool quick = false;
  std::string socket_path;  // the store every client figure talks to
  pid_t store_pid = -1;     // known only when plasma_bench started the store itself
  int64_t store_capacity = 0;
  double client_seconds = 1.0;  // how long each process of the multi-client figure runs
  std::string store_executable;  // our plasma-store, for figures that start stores of their own
};

BenchSettings& Settings();

// One client per process, connected on first use (fork children connect their own).
pc::PlasmaClient& Client();
std::shared_ptr<pc::PlasmaClient> ConnectNewClient();

// Ids unique across processes and runs, so an external store with old objects never clashes.
pc::ObjectId NewObjectId();

// Marks the figure failed with the status text; returns true when `status` is an error.
bool Failed(benchmark::State& state, const pc::Status& status, const char* what);

// Deletes objects this process created (best effort; large ones must go to make room).
void DeleteObjects(const std::vector<pc::ObjectId>& ids);

// A buffer of `size` bytes with every page written once, so no page fault is timed.
std::unique_ptr<uint8_t[]> PrefaultedBuffer(int64_t size, uint8_t fill);

// Puts `count` new objects of `size` bytes through `client` (CreateAndSeal in batches of 1000)
// and appends their ids: how the scale figures fill a store.
pc::Status FillStore(pc::PlasmaClient& client, int64_t count, int64_t size, std::vector<pc::ObjectId>* ids);

// Creates and seals one object of `size` bytes filled with `fill` (copy + digest + seal).
pc::Status PutObject(const pc::ObjectId& id, int64_t size, uint8_t fill);

// Measures the store's CPU time over a figure's timed loop (only when the bench started the
// store) and reports it as the counter store_cpu_us_per_op.
class StoreCpuMeter {
 public:
  StoreCpuMeter();
  void Report(benchmark::State& state, int64_t operations) const;

 private:
  double start_seconds_;
};

// Registration entry points, one per file.
void RegisterFloors();
void RegisterComponents();
void RegisterSmallObjects();
void RegisterLargeObjects();
void RegisterZeroCopyGet();
void RegisterScale();
void RegisterSharedClient();
void RegisterWarmMemory();
void RegisterMillionObjects();
// Deletes the 100k objects the scale figures put in the store.
void CleanUpScale();

}  // namespace plasmabench
