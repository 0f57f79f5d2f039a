// Store scale (issue 18 item 6): Create, Get and Delete rates with 1,000 and with 1,000,000
// objects in the store, and the store's own memory per object. Each figure starts a store of its
// own (so its memory is only these objects), fills it with N objects of 16 bytes (batched
// CreateAndSeal), then times K operations of each kind on one client: CreateAndSeal of new
// objects, Get(timeout 0) + Release of random objects among the N, Delete of the K new ones (one
// id per request). Memory per object: the store's private resident memory (RssAnon, i.e. not the
// shared segment) after the fill minus before it, over N.
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "bench_context.h"
#include "store_process.h"

namespace plasmabench {
namespace {

constexpr int64_t kObjectSize = 16;
constexpr int64_t kStoreCapacity = 512 * kMiB;  // 1M objects take 64 MiB (64-byte granules)

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void ObjectsInStore(benchmark::State& state) {
  const int64_t population = state.range(0);
  const int64_t operations = Settings().quick ? 5000 : 20000;
  const std::vector<uint8_t> payload(kObjectSize, 9);
  for (auto _ : state) {
    StoreProcess store;
    if (!store.Start(Settings().store_executable, kStoreCapacity)) {
      state.SkipWithError("the store did not start");
      break;
    }
    std::shared_ptr<pc::PlasmaClient> client;
    if (Failed(state, pc::PlasmaClient::Connect(store.socket_path(), 1, 0, &client), "Connect")) break;
    const int64_t anon_before = ProcessStatusBytes(store.pid(), "RssAnon");
    std::vector<pc::ObjectId> ids;
    ids.reserve(population);
    if (Failed(state, FillStore(*client, population, kObjectSize, &ids), "filling the store")) break;
    const int64_t anon_after = ProcessStatusBytes(store.pid(), "RssAnon");

    std::vector<pc::ObjectId> created;
    for (int64_t i = 0; i < operations; ++i) created.push_back(NewObjectId());
    const double cpu_before_create = ProcessCpuSecondsPrecise(store.pid());
    auto start = std::chrono::steady_clock::now();
    for (const pc::ObjectId& id : created) {
      if (Failed(state, client->CreateAndSeal(id, payload.data(), kObjectSize, nullptr, 0, false), "CreateAndSeal")) return;
    }
    const double create_seconds = SecondsSince(start);
    const double cpu_before_get = ProcessCpuSecondsPrecise(store.pid());

    std::mt19937_64 random(18);
    std::vector<pc::ObjectId> one(1);
    std::vector<std::unique_ptr<pc::ObjectRef>> objects;
    start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < operations; ++i) {
      one[0] = ids[random() % ids.size()];
      if (Failed(state, client->Get(one, 0, &objects), "Get")) return;
      if (!objects[0]) {
        state.SkipWithError("an object of the population was not found");
        return;
      }
      if (Failed(state, objects[0]->Release(), "Release")) return;
    }
    const double get_seconds = SecondsSince(start);
    const double cpu_before_delete = ProcessCpuSecondsPrecise(store.pid());

    std::vector<pc::Code> results;
    start = std::chrono::steady_clock::now();
    for (const pc::ObjectId& id : created) {
      one[0] = id;
      if (Failed(state, client->Delete(one, &results), "Delete")) return;
    }
    const double delete_seconds = SecondsSince(start);
    const double cpu_after = ProcessCpuSecondsPrecise(store.pid());

    const double n = static_cast<double>(operations);
    state.counters["create_ops_per_s"] = n / create_seconds;
    state.counters["get_release_ops_per_s"] = n / get_seconds;
    state.counters["delete_ops_per_s"] = n / delete_seconds;
    state.counters["create_store_cpu_us_per_op"] = (cpu_before_get - cpu_before_create) * 1e6 / n;
    state.counters["get_release_store_cpu_us_per_op"] = (cpu_before_delete - cpu_before_get) * 1e6 / n;
    state.counters["delete_store_cpu_us_per_op"] = (cpu_after - cpu_before_delete) * 1e6 / n;
    state.counters["objects_in_store"] = static_cast<double>(population);
    if (anon_before > 0 && anon_after > 0) {
      state.counters["store_anon_bytes_per_object"] =
          static_cast<double>(anon_after - anon_before) / static_cast<double>(population);
    }
  }
}

}  // namespace

void RegisterMillionObjects() {
  benchmark::RegisterBenchmark("cpp/scale/objects_in_store", ObjectsInStore)
      ->Arg(1000)
      ->Arg(1000000)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace plasmabench
