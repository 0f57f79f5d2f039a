// The fixture of every hostile suite: a fresh store per test, a bystander client that must keep
// working throughout, and the end-of-test health check (store up, memory accounted).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "raw_requests.h"

namespace plasmasharp::testing::raw {

class HostileStoreTest : public ::testing::Test {
 protected:
  // Large enough that a Get of 10^6 ids (32 MB) fits under the store's payload limit
  // (capacity + 16 MiB); the segment is sparse, so this costs nothing.
  static constexpr int64_t kCapacity = 48 << 20;

  void SetUp() override {
    store_ = std::make_unique<StoreProcess>(kCapacity);
    bystander_ = std::make_unique<Session>(store_->socket_path());
    ASSERT_TRUE(Connect(*bystander_).has_value());
    // The bystander holds a sealed object of its own the whole time: it must survive.
    ASSERT_EQ(Create(*bystander_, Id("bystander"), 1000), fb::PlasmaError::OK);
    ASSERT_EQ(Seal(*bystander_, Id("bystander")), fb::PlasmaError::OK);
  }

  void TearDown() override {
    if (!store_) return;
    if (store_->alive()) {
      // The bystander still works and its object is intact.
      EXPECT_EQ(Contains(*bystander_, Id("bystander")), std::optional<bool>(true))
          << "the bystander client lost its object or its connection";
      bystander_.reset();
    }
    EXPECT_EQ(CheckHealthy(*store_, kCapacity), "");
  }

  // The bystander gets answers right now (another client's misbehaviour does not block it).
  // `patience` only for requests that legitimately keep the store busy (10^6 ids).
  void ExpectBystanderServed(std::chrono::milliseconds patience = std::chrono::seconds(5)) {
    auto objects = List(*bystander_, patience);
    ASSERT_TRUE(objects.has_value()) << "the bystander got no ListReply";
    bool found = false;
    for (const auto& o : *objects) found |= o.id == Id("bystander") && o.sealed;
    EXPECT_TRUE(found);
  }

  std::unique_ptr<RawConnection> NewRaw() {
    return std::make_unique<RawConnection>(store_->socket_path());
  }

  std::unique_ptr<StoreProcess> store_;
  std::unique_ptr<Session> bystander_;
};

}  // namespace plasmasharp::testing::raw
