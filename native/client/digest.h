// The object digest exactly as libplasma computes it at Seal (plasma-wire README, "Seal"):
// XXH64 (seed 0) over data then metadata; for data of 1 MiB or more the data is cut into 8
// chunks of floor(n/64/8)*64 bytes plus a tail, each chunk hashed with XXH64 (seed 0), and the
// digest is XXH64 (seed 0) over the 9 little-endian chunk hashes followed by the metadata.
// The 8 bytes on the wire are the little-endian bytes of the 64-bit result.
#pragma once

#include <cstddef>
#include <cstdint>

namespace plasmasharp::client {

constexpr size_t kDigestSize = 8;
// Objects at least this big use the chunked form (libplasma's threshold).
constexpr size_t kChunkedDigestThreshold = size_t{1} << 20;

// Computes the digest; large objects hash their chunks on several threads.
uint64_t ComputeDigest(const uint8_t* data, size_t data_size, const uint8_t* metadata,
                       size_t metadata_size);

// The 8 wire bytes of a digest value.
void DigestToBytes(uint64_t digest, uint8_t out[kDigestSize]);

// Copies `size` bytes from `source` into `destination` (e.g. a freshly created object) and
// returns the digest of the copied data followed by `metadata`, touching each byte once while
// it is still in cache. Uses several threads for large objects. Buffers must not overlap.
uint64_t CopyAndDigest(uint8_t* destination, const uint8_t* source, size_t size,
                       const uint8_t* metadata, size_t metadata_size);

}  // namespace plasmasharp::client
