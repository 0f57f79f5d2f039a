// The store's side, for the client suites: starting the store a StoreKind-parameterized test
// runs on, and an object's reference count as another client's List shows it (how a test sees
// that a Get is registered or a release arrived).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "plasma_client.h"
#include "test_support.h"

namespace plasmasharp::testing {

// The store of `kind`, or nullptr with *why_not set when the real one is absent (the test then
// GTEST_SKIP()s with that reason).
inline std::unique_ptr<StoreProcess> StartStore(StoreKind kind, int64_t capacity, std::string* why_not) {
  if (kind == StoreKind::kReal && !RealStoreExecutable(why_not)) return nullptr;
  return std::make_unique<StoreProcess>(capacity, std::vector<std::string>{}, kind);
}

// `id`'s ref_count in observer's List (-1: not listed, or the List failed).
inline int RefCount(client::PlasmaClient& observer, const client::ObjectId& id) {
  std::vector<client::ObjectInfo> list;
  if (!observer.List(&list).ok()) return -1;
  for (const auto& o : list) {
    if (o.object_id == id) return o.ref_count;
  }
  return -1;
}

// Polls until `id`'s ref_count is `want`; false after `bound` (liveness only, never a speed check).
inline bool RefCountBecomes(client::PlasmaClient& observer, const client::ObjectId& id, int want,
                            std::chrono::seconds bound = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (RefCount(observer, id) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

}  // namespace plasmasharp::testing
