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

// Copies `size` bytes and feeds them to `state` in cache-sized slices, each hashed right after it
// was written, while it is still in cache. `state` should live on the calling thread's stack:
// XXH64 stores it at every 32-byte stripe, and a state sharing a cache line with another
// thread's costs ~8% (measured on ps_digest_copy).
void CopyAndHashSlices(uint8_t* destination, const uint8_t* source, size_t size, XXH64_state_t* state) {
  for (size_t done = 0; done < size;) {
    const size_t n = std::min(kCopySlice, size - done);
    std::memcpy(destination + done, source + done, n);
    XXH64_update(state, destination + done, n);
    done += n;
  }
}

// Copies (when destination != nullptr) and hashes one chunk with XXH64 seed 0.
uint64_t CopyAndHashChunk(uint8_t* destination, const uint8_t* source, size_t size) {
  if (destination == nullptr) return XXH64(source, size, 0);
  XXH64_state_t state;
  XXH64_reset(&state, 0);
  CopyAndHashSlices(destination, source, size, &state);
  return XXH64_digest(&state);
}

// The chunk length of a large object's digest: 8 of these, then the tail.
size_t ChunkLength(size_t size) { return size / 64 / kChunks * 64; }

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
  ChunkedJob job{destination, source, size, ChunkLength(size), {}};
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

struct StreamingDigest::State {
  bool chunked;
  size_t chunk;        // chunked: length of pieces 0..7 (piece 8 is the tail)
  size_t piece = 0;    // chunked: the piece being hashed
  size_t piece_end;    // chunked: data offset where that piece ends
  XXH64_state_t xxh;   // the piece's hash (chunked) or the whole digest's (small objects)
  uint64_t hashes[kChunks + 1] = {};
};

StreamingDigest::StreamingDigest(size_t data_size) : data_size_(data_size), state_(new State()) {
  state_->chunked = data_size >= kChunkedDigestThreshold;
  state_->chunk = ChunkLength(data_size);
  state_->piece_end = state_->chunked ? state_->chunk : data_size;
  XXH64_reset(&state_->xxh, 0);
}

StreamingDigest::~StreamingDigest() = default;

bool StreamingDigest::Update(const uint8_t* bytes, size_t size) {
  if (size > data_size_ - hashed_) return false;
  State& s = *state_;
  while (size > 0) {
    const size_t take = std::min(size, s.piece_end - hashed_);
    XXH64_update(&s.xxh, bytes, take);
    bytes += take;
    size -= take;
    hashed_ += take;
    // A finished piece of a chunked digest: keep its hash, start the next (the tail may be empty).
    while (s.chunked && hashed_ == s.piece_end && s.piece < static_cast<size_t>(kChunks)) {
      s.hashes[s.piece++] = XXH64_digest(&s.xxh);
      XXH64_reset(&s.xxh, 0);
      s.piece_end = s.piece < static_cast<size_t>(kChunks) ? s.piece_end + s.chunk : data_size_;
    }
  }
  return true;
}

bool StreamingDigest::CopyAndUpdate(uint8_t* destination, const uint8_t* source, size_t size) {
  if (size > data_size_ - hashed_) return false;
  State& s = *state_;
  // The bytes fall into one or more of the digest's pieces (8 chunks and the tail); each piece
  // has a hash state of its own, so each part is copied and hashed by its own task, on the
  // worker pool: the part that continues the piece begun earlier starts from the running state,
  // the others from a fresh one. Bytes within one piece (a small object's are) make one task.
  struct Part {
    size_t piece;
    size_t begin;        // data offset
    size_t length;
    bool completes;      // ends its piece (one of the 8 chunks): its hash is final
    XXH64_state_t state;
  };
  Part parts[kChunks + 1];
  size_t count = 0;
  size_t piece = s.piece, piece_end = s.piece_end;
  for (size_t at = hashed_, end = hashed_ + size; at < end;) {
    const size_t stop = std::min(end, piece_end);
    Part& part = parts[count++];
    part.piece = piece;
    part.begin = at;
    part.length = stop - at;
    part.completes = s.chunked && stop == piece_end && piece < static_cast<size_t>(kChunks);
    if (count == 1) {
      part.state = s.xxh;
    } else {
      XXH64_reset(&part.state, 0);
    }
    at = stop;
    if (part.completes) {
      ++piece;
      piece_end = piece < static_cast<size_t>(kChunks) ? piece_end + s.chunk : data_size_;
    }
  }
  struct Job {
    Part* parts;
    uint8_t* destination;  // where data offset `base` goes
    const uint8_t* source;
    size_t base;
  } job{parts, destination, source, hashed_};
  ParallelFor(count, [](void* context, size_t i) {
    auto* j = static_cast<Job*>(context);
    Part& part = j->parts[i];
    uint8_t* to = j->destination + (part.begin - j->base);
    const uint8_t* from = j->source + (part.begin - j->base);
    XXH64_state_t state = part.state;  // on this thread's stack (the parts sit side by side)
    CopyAndHashSlices(to, from, part.length, &state);
    part.state = state;
  }, &job);
  for (size_t i = 0; i < count; ++i) {
    if (parts[i].completes) s.hashes[parts[i].piece] = XXH64_digest(&parts[i].state);
  }
  if (count > 0 && !parts[count - 1].completes) {
    s.xxh = parts[count - 1].state;  // the piece these bytes end inside goes on from here
  } else {
    XXH64_reset(&s.xxh, 0);
  }
  hashed_ += size;
  s.piece = piece;
  s.piece_end = piece_end;
  return true;
}

uint64_t StreamingDigest::Finish(const uint8_t* metadata, size_t metadata_size) const {
  const State& s = *state_;
  if (!s.chunked) {
    XXH64_state_t with_metadata = s.xxh;  // a copy: the metadata must not stay in the running hash
    if (metadata_size > 0) XXH64_update(&with_metadata, metadata, metadata_size);
    return XXH64_digest(&with_metadata);
  }
  uint64_t hashes[kChunks + 1];
  std::memcpy(hashes, s.hashes, sizeof(hashes));
  hashes[kChunks] = XXH64_digest(&s.xxh);  // the tail
  return HashWithMetadata(hashes, sizeof(hashes), metadata, metadata_size);
}

void DigestToBytes(uint64_t digest, uint8_t out[kDigestSize]) {
  for (size_t i = 0; i < kDigestSize; ++i) out[i] = static_cast<uint8_t>(digest >> (8 * i));
}

}  // namespace plasmasharp::client
