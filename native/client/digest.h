// The object digest exactly as libplasma computes it at Seal (plasma-wire README, "Seal"):
// XXH64 (seed 0) over data then metadata; for data of 1 MiB or more the data is cut into 8
// chunks of floor(n/64/8)*64 bytes plus a tail, each chunk hashed with XXH64 (seed 0), and the
// digest is XXH64 (seed 0) over the 9 little-endian chunk hashes followed by the metadata.
// The 8 bytes on the wire are the little-endian bytes of the 64-bit result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

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

// The same digest for data that arrives front to back in pieces (e.g. an Arrow IPC stream written
// straight into an object): a writer hands each finished piece to a thread that calls Update
// while it writes the next, so hashing overlaps writing instead of following it at Seal.
class StreamingDigest {
 public:
  explicit StreamingDigest(size_t data_size);
  ~StreamingDigest();
  StreamingDigest(const StreamingDigest&) = delete;
  StreamingDigest& operator=(const StreamingDigest&) = delete;

  size_t data_size() const { return data_size_; }
  size_t hashed() const { return hashed_; }
  // Hashes the next `size` bytes of the data; false (nothing hashed) past data_size().
  bool Update(const uint8_t* bytes, size_t size);
  // Copies the next `size` bytes of the data from `source` to `destination` (where they belong in
  // the object) and hashes them in the same pass - as CopyAndDigest does for a whole object: the
  // digest's chunks that these bytes cover whole are copied and hashed on several threads; false
  // (nothing copied) past data_size(). For a writer that has its data in large pieces.
  bool CopyAndUpdate(uint8_t* destination, const uint8_t* source, size_t size);
  // The digest of the data followed by `metadata`; requires hashed() == data_size(). Leaves the
  // state as it was, so a caller can read the value (to compare it with an expected digest) and
  // then seal with the same digest without hashing the data again.
  uint64_t Finish(const uint8_t* metadata, size_t metadata_size) const;

 private:
  struct State;
  size_t data_size_;
  size_t hashed_ = 0;
  std::unique_ptr<State> state_;
};

}  // namespace plasmasharp::client
