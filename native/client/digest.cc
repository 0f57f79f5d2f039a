#include "digest.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

namespace plasmasharp::client {
namespace {

constexpr int kChunks = 8;
// Chunks hashed while copying are copied in cache-sized slices so each byte is read from the
// source, written, and hashed while it is still in L2.
constexpr size_t kCopySlice = 256 * 1024;

uint64_t HashWithMetadata(const void* prefix, size_t prefix_size, const uint8_t* metadata,
                          size_t metadata_size) {
  XXH64_state_t state;
  XXH64_reset(&state, 0);
  XXH64_update(&state, prefix, prefix_size);
  if (metadata_size > 0) XXH64_update(&state, metadata, metadata_size);
  return XXH64_digest(&state);
}

// Copies (when destination != nullptr) and hashes one chunk with XXH64 seed 0.
uint64_t CopyAndHashChunk(uint8_t* destination, const uint8_t* source, size_t size) {
  if (destination == nullptr) return XXH64(source, size, 0);
  XXH64_state_t state;
  XXH64_reset(&state, 0);
  for (size_t done = 0; done < size;) {
    size_t n = std::min(kCopySlice, size - done);
    std::memcpy(destination + done, source + done, n);
    XXH64_update(&state, destination + done, n);
    done += n;
  }
  return XXH64_digest(&state);
}

// The 9 chunk hashes of a large object, the 8 equal chunks spread over the available cores.
uint64_t ChunkedDigest(uint8_t* destination, const uint8_t* source, size_t size,
                       const uint8_t* metadata, size_t metadata_size) {
  const size_t chunk = size / 64 / kChunks * 64;
  uint64_t hashes[kChunks + 1];
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned workers = std::min<unsigned>(cores, kChunks);
  auto run = [&](unsigned worker) {
    for (int i = static_cast<int>(worker); i < kChunks; i += static_cast<int>(workers)) {
      hashes[i] = CopyAndHashChunk(destination ? destination + i * chunk : nullptr,
                                   source + i * chunk, chunk);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned w = 1; w < workers; ++w) {
    try {
      threads.emplace_back(run, w);
    } catch (...) {
      // No thread available: this thread does that worker's share too.
      run(w);
    }
  }
  run(0);
  const size_t tail = size - kChunks * chunk;
  hashes[kChunks] = CopyAndHashChunk(destination ? destination + kChunks * chunk : nullptr,
                                     source + kChunks * chunk, tail);
  for (auto& t : threads) t.join();
  // The chunk hashes are hashed as their in-memory (little-endian) bytes.
  return HashWithMetadata(hashes, sizeof(hashes), metadata, metadata_size);
}

}  // namespace

uint64_t ComputeDigest(const uint8_t* data, size_t data_size, const uint8_t* metadata,
                       size_t metadata_size) {
  if (data_size < kChunkedDigestThreshold) {
    return HashWithMetadata(data, data_size, metadata, metadata_size);
  }
  return ChunkedDigest(nullptr, data, data_size, metadata, metadata_size);
}

uint64_t CopyAndDigest(uint8_t* destination, const uint8_t* source, size_t size,
                       const uint8_t* metadata, size_t metadata_size) {
  if (size < kChunkedDigestThreshold) {
    if (size > 0) std::memcpy(destination, source, size);
    return HashWithMetadata(destination, size, metadata, metadata_size);
  }
  return ChunkedDigest(destination, source, size, metadata, metadata_size);
}

void DigestToBytes(uint64_t digest, uint8_t out[kDigestSize]) {
  for (size_t i = 0; i < kDigestSize; ++i) out[i] = static_cast<uint8_t>(digest >> (8 * i));
}

}  // namespace plasmasharp::client
