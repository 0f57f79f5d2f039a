// Building blocks for tests that script a fake store's answers by hand (FakeStore handlers):
// our client connected to it, the message type number, the Connect handshake as the real store answers it, and replies
// built with our flatbuffers builders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fake_store.h"
#include "plasma_client.h"
#include "wire.h"

namespace plasmasharp::testing {

// The wire number of a message type.
inline int64_t TypeNumber(plasma::flatbuf::MessageType type) { return static_cast<int64_t>(type); }

// The real store's ConnectReply payload, {memory_capacity: 100000000} (from the vectors).
extern const char* const kRealConnectReplyHex;

// Answers the client's ConnectRequest with kRealConnectReplyHex; false if the client sent
// something else first.
bool Handshake(FakeConnection& connection);

// Our client connected to `store` (one attempt); a failure is a test failure and gives null.
std::shared_ptr<client::PlasmaClient> ConnectTo(const FakeStore& store);

// A GetReply for one object id in segment `store_fd` of `mmap_size` bytes. `n_specs` > 1 makes
// a malformed reply whose spec count disagrees with its id count.
std::vector<uint8_t> GetReply(const std::string& id, uint64_t offset, uint64_t size,
                              int32_t store_fd, int64_t mmap_size, size_t n_specs = 1);

}  // namespace plasmasharp::testing
