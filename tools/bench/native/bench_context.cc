#include "bench_context.h"
#include "store_process.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

namespace plasmabench {
namespace {

std::shared_ptr<pc::PlasmaClient>& SharedClient() {
  static std::shared_ptr<pc::PlasmaClient> client;
  return client;
}

}  // namespace

BenchSettings& Settings() {
  static BenchSettings settings;
  return settings;
}

std::shared_ptr<pc::PlasmaClient> ConnectNewClient() {
  std::shared_ptr<pc::PlasmaClient> client;
  pc::Status status = pc::PlasmaClient::Connect(Settings().socket_path, 50, 100, &client);
  if (!status.ok()) {
    std::fprintf(stderr, "plasma_bench: cannot connect to %s: %s\n", Settings().socket_path.c_str(),
                 status.message().c_str());
    return nullptr;
  }
  return client;
}

pc::PlasmaClient& Client() {
  auto& client = SharedClient();
  if (!client) {
    client = ConnectNewClient();
    if (!client) std::exit(2);  // every client figure needs a store: nothing sensible to report
    Settings().store_capacity = client->store_capacity();
  }
  return *client;
}

// Bumped in every forked child, so NewObjectId re-seeds there without asking for the pid on each
// call: getpid is a system call, and the small-op loops would time one per operation.
std::atomic<uint64_t> g_fork_generation{1};

pc::ObjectId NewObjectId() {
  // 8 random bytes per process (re-seeded after fork) + a 12-byte counter.
  static std::atomic<uint64_t> counter{0};
  static const int registered =
      pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1); });
  (void)registered;
  thread_local uint64_t seeded_for = 0;
  thread_local uint64_t prefix = 0;
  if (seeded_for != g_fork_generation.load(std::memory_order_relaxed)) {
    seeded_for = g_fork_generation.load(std::memory_order_relaxed);
    std::random_device device;
    prefix = (uint64_t{device()} << 32) ^ device() ^
             static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
             (static_cast<uint64_t>(getpid()) << 16);
  }
  uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  pc::ObjectId id(pc::kObjectIdSize, '\0');
  std::memcpy(&id[0], &prefix, sizeof(prefix));
  std::memcpy(&id[8], &n, sizeof(n));
  return id;
}

bool Failed(benchmark::State& state, const pc::Status& status, const char* what) {
  if (status.ok()) return false;
  std::string message = std::string(what) + ": " + status.message();
  state.SkipWithError(message.c_str());
  return true;
}

void DeleteObjects(const std::vector<pc::ObjectId>& ids) {
  constexpr size_t kBatch = 1000;
  for (size_t begin = 0; begin < ids.size(); begin += kBatch) {
    std::vector<pc::ObjectId> batch(ids.begin() + begin,
                                    ids.begin() + std::min(ids.size(), begin + kBatch));
    std::vector<pc::Code> results;
    Client().Delete(batch, &results);
  }
}

std::unique_ptr<uint8_t[]> PrefaultedBuffer(int64_t size, uint8_t fill) {
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[size]);
  std::memset(buffer.get(), fill, size);
  return buffer;
}

pc::Status FillStore(pc::PlasmaClient& client, int64_t count, int64_t size, std::vector<pc::ObjectId>* ids) {
  const std::vector<uint8_t> payload(static_cast<size_t>(size), 1);
  constexpr int64_t kBatch = 1000;
  for (int64_t begin = 0; begin < count; begin += kBatch) {
    std::vector<pc::PlasmaClient::BatchItem> batch;
    for (int64_t i = begin; i < std::min(count, begin + kBatch); ++i) {
      pc::PlasmaClient::BatchItem item;
      item.id = NewObjectId();
      item.data = payload.data();
      item.data_size = size;
      batch.push_back(item);
    }
    PS_RETURN_IF_ERROR(client.CreateAndSealBatch(batch, false));
    for (auto& item : batch) ids->push_back(item.id);
  }
  return pc::Status::OK();
}

pc::Status PutObject(const pc::ObjectId& id, int64_t size, uint8_t fill) {
  std::unique_ptr<pc::ObjectRef> object;
  PS_RETURN_IF_ERROR(Client().Create(id, size, nullptr, 0, false, &object));
  std::memset(object->data(), fill, size);
  PS_RETURN_IF_ERROR(object->Seal());
  return object->Release();
}

StoreCpuMeter::StoreCpuMeter() : start_seconds_(ProcessCpuSecondsPrecise(Settings().store_pid)) {}

void StoreCpuMeter::Report(benchmark::State& state, int64_t operations) const {
  if (start_seconds_ < 0 || operations <= 0) return;
  double end_seconds = ProcessCpuSecondsPrecise(Settings().store_pid);
  if (end_seconds < 0) return;
  state.counters["store_cpu_us_per_op"] = (end_seconds - start_seconds_) * 1e6 / operations;
}

}  // namespace plasmabench
