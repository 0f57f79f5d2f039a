#include "spill_record.h"

#include <algorithm>
#include <cstring>

namespace plasmasharp::store {

namespace {

constexpr uint64_t kMul1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t kMul2 = 0xC2B2AE3D27D4EB4Full;

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian hosts only (the store runs on x86-64 / aarch64 Linux)
}
void Store64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }

void Mix(uint64_t* lanes, const uint8_t* p) {
  for (int i = 0; i < 4; ++i) lanes[i] = Rotl((lanes[i] ^ Load64(p + 8 * i)) * kMul1, 29);
}

}  // namespace

void ContentHasher::Update(const uint8_t* p, size_t n) {
  total_ += n;
  if (pending_size_ != 0) {
    size_t take = std::min(n, sizeof(pending_) - pending_size_);
    std::memcpy(pending_ + pending_size_, p, take);
    pending_size_ += take;
    p += take;
    n -= take;
    if (pending_size_ < sizeof(pending_)) return;
    Mix(lanes_, pending_);
    pending_size_ = 0;
  }
  for (; n >= 32; p += 32, n -= 32) Mix(lanes_, p);
  std::memcpy(pending_, p, n);
  pending_size_ = n;
}

uint64_t ContentHasher::Finish() {
  uint64_t h = Rotl(lanes_[0], 1) + Rotl(lanes_[1], 7) + Rotl(lanes_[2], 12) + Rotl(lanes_[3], 18);
  h ^= total_ * kMul2;
  for (size_t i = 0; i < pending_size_; ++i) h = Rotl(h ^ (pending_[i] * kMul2), 27) * kMul1;
  h ^= h >> 33;
  h *= kMul2;
  h ^= h >> 29;
  h *= kMul1;
  return h ^ (h >> 32);
}

uint64_t ContentHash(const uint8_t* p, size_t n) {
  ContentHasher hasher;
  hasher.Update(p, n);
  return hasher.Finish();
}

namespace {

void EncodeWithMagic(const SpillHeader& h, const char* magic, uint32_t check, uint8_t* out) {
  std::memset(out, 0, kSpillHeaderSize);
  std::memcpy(out, magic, kMagicSize);
  std::memcpy(out + 8, h.id.bytes.data(), kObjectIdBytes);
  std::memcpy(out + 28, &check, 4);
  Store64(out + 32, h.data_size);
  Store64(out + 40, h.metadata_size);
  std::memcpy(out + 48, h.digest.data(), std::min<size_t>(h.digest.size(), 8));
  Store64(out + 56, h.content_hash);
}

uint32_t HeaderCheck(const SpillHeader& h) {
  uint8_t bytes[kSpillHeaderSize];
  EncodeWithMagic(h, kLiveMagic, 0, bytes);
  return static_cast<uint32_t>(ContentHash(bytes, sizeof(bytes)));
}

}  // namespace

void EncodeSpillHeader(const SpillHeader& h, uint8_t out[kSpillHeaderSize]) {
  EncodeWithMagic(h, h.live ? kLiveMagic : kDeadMagic, HeaderCheck(h), out);
}

bool DecodeSpillHeader(const uint8_t in[kSpillHeaderSize], SpillHeader* h) {
  if (std::memcmp(in, kLiveMagic, kMagicSize) == 0) {
    h->live = true;
  } else if (std::memcmp(in, kDeadMagic, kMagicSize) == 0) {
    h->live = false;
  } else {
    return false;
  }
  std::memcpy(h->id.bytes.data(), in + 8, kObjectIdBytes);
  h->data_size = Load64(in + 32);
  h->metadata_size = Load64(in + 40);
  h->digest.assign(reinterpret_cast<const char*>(in + 48), 8);
  h->content_hash = Load64(in + 56);
  uint32_t check;
  std::memcpy(&check, in + 28, 4);
  return check == HeaderCheck(*h);
}

}  // namespace plasmasharp::store
