#include "digest.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "worker_pool.h"

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

// One large object's digest work: 8 equal chunks plus the tail, each hashed (and copied, when
// destination != nullptr) by whichever pool thread claims it.
struct ChunkedJob {
  uint8_t* destination;
  const uint8_t* source;
  size_t size;
  size_t chunk;
  uint64_t hashes[kChunks + 1];
};

void HashOneChunk(void* context, size_t index) {
  auto* job = static_cast<ChunkedJob*>(context);
  const size_t offset = index * job->chunk;
  const size_t length = index < kChunks ? job->chunk : job->size - kChunks * job->chunk;
  job->hashes[index] = CopyAndHashChunk(job->destination ? job->destination + offset : nullptr,
                                        job->source + offset, length);
}

// The 9 chunk hashes of a large object, spread over the process's worker pool.
uint64_t ChunkedDigest(uint8_t* destination, const uint8_t* source, size_t size,
                       const uint8_t* metadata, size_t metadata_size) {
  ChunkedJob job{destination, source, size, size / 64 / kChunks * 64, {}};
  ParallelFor(kChunks + 1, &HashOneChunk, &job);
  // The chunk hashes are hashed as their in-memory (little-endian) bytes.
  return HashWithMetadata(job.hashes, sizeof(job.hashes), metadata, metadata_size);
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
