// Region allocator: where the Plasma store places objects inside its one shared-memory segment.
//
// Design: TLSF (two-level segregated fit) over 64-byte granules, with immediate coalescing.
// Free blocks sit in size classes: a first level per power of two and 32 linear second-level
// classes inside it (so a class is at most ~3% wide); two bitmaps find the smallest non-empty
// class above a request with a couple of bit scans. Why TLSF: allocate and free are O(1), and it
// is a good fit (a request only takes a block from the smallest class that can hold it), which
// keeps fragmentation low on the long-running mixed workloads a store sees; freeing merges a
// block with free physical neighbours at once, so free space never stays chopped up.
// Why all bookkeeping lives here and not in block headers: the region is shared memory that any
// client can write to, so a misbehaving client must not be able to corrupt the allocator. Blocks
// are records in a vector, linked to their physical neighbours and free-list mates by index; a
// hash map finds a live block from its offset (which is also how Free rejects bogus offsets).
//
// Not thread-safe: the caller serialises access (the store runs it on one thread or under a lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace plasmasharp::store {

// Places blocks inside one contiguous region of offsets [0, region_size). It never touches the
// region's memory: all bookkeeping lives in the allocator object (so a client can never corrupt it).
class RegionAllocator {
 public:
  static constexpr uint64_t kAlignment = 64;

  explicit RegionAllocator(uint64_t region_size);  // region_size is rounded down to kAlignment

  // Returns a kAlignment-aligned offset of a block of at least `size` bytes (size 0 -> a
  // 64-byte block, so every object has a distinct offset), or nullopt when no free block fits.
  std::optional<uint64_t> Allocate(uint64_t size);
  // Frees the block at `offset`. Returns false (and changes nothing) for an offset that is not
  // the start of a live block (double free, garbage): the store must never crash on it.
  bool Free(uint64_t offset);

  uint64_t used_bytes() const;  // sum of live blocks' (rounded) sizes
  uint64_t free_bytes() const;  // region_size() - used_bytes()
  uint64_t largest_free_block() const;
  uint64_t region_size() const;
  size_t allocation_count() const;
  uint64_t block_size(uint64_t offset) const;  // rounded size of the live block at offset, 0 if none

 private:
  using Index = uint32_t;
  static constexpr Index kNone = UINT32_MAX;

  // Second level: 2^5 = 32 classes per power of two. Sizes below 32 granules get one class each.
  static constexpr unsigned kSecondLevelLog2 = 5;
  static constexpr unsigned kSecondLevelCount = 1u << kSecondLevelLog2;
  // A region holds at most 2^58 granules, whose first level is 58 - 5 = 53; 64 leaves headroom
  // and matches the 64-bit first-level bitmap.
  static constexpr unsigned kFirstLevelCount = 64;

  // One block (free or live) of the region, in granules of kAlignment bytes.
  struct Block {
    uint64_t start = 0;      // first granule
    uint64_t granules = 0;   // length
    Index prev_phys = kNone;  // block that ends where this one starts
    Index next_phys = kNone;  // block that starts where this one ends
    Index prev_free = kNone;  // free-list mates in this block's size class (free blocks only)
    Index next_free = kNone;
    bool free = false;
  };

  struct SizeClass {
    unsigned first = 0;
    unsigned second = 0;
  };

  static SizeClass ClassOf(uint64_t granules);
  Index& ListHead(SizeClass c) { return free_heads_[c.first * kSecondLevelCount + c.second]; }
  Index ListHead(SizeClass c) const { return free_heads_[c.first * kSecondLevelCount + c.second]; }

  std::optional<Index> NewRecord();
  void RecycleRecord(Index i);
  void InsertFree(Index i);
  void RemoveFree(Index i);
  // First block with at least `granules` in the list of class c, looking at most `limit` entries.
  Index FindFitInClass(SizeClass c, uint64_t granules, size_t limit) const;
  // Head of the smallest non-empty class strictly above c, or kNone.
  Index FindInHigherClass(SizeClass c) const;
  // Cuts `i` down to `granules`, returning the tail to the free lists (keeps it whole if out of
  // records).
  void SplitOff(Index i, uint64_t granules);

  uint64_t region_granules_ = 0;
  uint64_t used_granules_ = 0;
  std::vector<Block> blocks_;
  std::vector<Index> spare_records_;  // indices of unused entries in blocks_
  std::unordered_map<uint64_t, Index> live_by_start_;  // first granule of a live block -> record
  uint64_t first_level_bitmap_ = 0;    // bit f: some class (f, *) has a free block
  uint32_t second_level_bitmaps_[kFirstLevelCount] = {};  // bit s of [f]: class (f, s) non-empty
  Index free_heads_[kFirstLevelCount * kSecondLevelCount];
};

}  // namespace plasmasharp::store
