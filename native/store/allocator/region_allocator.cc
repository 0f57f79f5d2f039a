// TLSF over 64-byte granules; see region_allocator.h for the design and why.
#include "region_allocator.h"

#include <algorithm>

namespace plasmasharp::store {
namespace {

constexpr uint64_t kGranuleLog2 = 6;  // log2(kAlignment)
static_assert((uint64_t{1} << kGranuleLog2) == RegionAllocator::kAlignment);

// How many entries of the request's own class Allocate looks through before taking a block from
// a larger class. A few steps buy exact-ish fits for holes (less splitting of big blocks) and
// keep Allocate O(1).
constexpr size_t kOwnClassProbeLimit = 8;

unsigned HighestBit(uint64_t v) { return 63u - static_cast<unsigned>(__builtin_clzll(v)); }
unsigned LowestBit(uint64_t v) { return static_cast<unsigned>(__builtin_ctzll(v)); }

}  // namespace

RegionAllocator::RegionAllocator(uint64_t region_size)
    : region_granules_(region_size >> kGranuleLog2) {
  std::fill(std::begin(free_heads_), std::end(free_heads_), kNone);
  if (region_granules_ == 0) return;  // too small for even one block: every Allocate fails
  blocks_.push_back(Block{0, region_granules_});
  InsertFree(0);
}

// Sizes below 32 granules: first level 0, one class per size. Above: first level grows by one
// per power of two and the next 5 bits below the top bit pick one of 32 equal slices of it.
RegionAllocator::SizeClass RegionAllocator::ClassOf(uint64_t granules) {
  if (granules < kSecondLevelCount) return {0, static_cast<unsigned>(granules)};
  const unsigned top = HighestBit(granules);
  const unsigned first = top - kSecondLevelLog2 + 1;
  const unsigned second =
      static_cast<unsigned>(granules >> (top - kSecondLevelLog2)) - kSecondLevelCount;
  return {first, second};
}

std::optional<RegionAllocator::Index> RegionAllocator::NewRecord() {
  if (!spare_records_.empty()) {
    const Index i = spare_records_.back();
    spare_records_.pop_back();
    blocks_[i] = Block{};
    return i;
  }
  if (blocks_.size() >= kNone) return std::nullopt;
  blocks_.emplace_back();
  return static_cast<Index>(blocks_.size() - 1);
}

void RegionAllocator::RecycleRecord(Index i) { spare_records_.push_back(i); }

void RegionAllocator::InsertFree(Index i) {
  Block& b = blocks_[i];
  const SizeClass c = ClassOf(b.granules);
  Index& head = ListHead(c);
  b.free = true;
  b.prev_free = kNone;
  b.next_free = head;
  if (head != kNone) blocks_[head].prev_free = i;
  head = i;
  first_level_bitmap_ |= uint64_t{1} << c.first;
  second_level_bitmaps_[c.first] |= uint32_t{1} << c.second;
}

void RegionAllocator::RemoveFree(Index i) {
  Block& b = blocks_[i];
  const SizeClass c = ClassOf(b.granules);
  if (b.prev_free != kNone) {
    blocks_[b.prev_free].next_free = b.next_free;
  } else {
    ListHead(c) = b.next_free;
  }
  if (b.next_free != kNone) blocks_[b.next_free].prev_free = b.prev_free;
  b.prev_free = b.next_free = kNone;
  b.free = false;
  if (ListHead(c) == kNone) {
    second_level_bitmaps_[c.first] &= ~(uint32_t{1} << c.second);
    if (second_level_bitmaps_[c.first] == 0) first_level_bitmap_ &= ~(uint64_t{1} << c.first);
  }
}

RegionAllocator::Index RegionAllocator::FindFitInClass(SizeClass c, uint64_t granules,
                                                       size_t limit) const {
  size_t looked = 0;
  for (Index i = ListHead(c); i != kNone && looked < limit; i = blocks_[i].next_free, ++looked) {
    if (blocks_[i].granules >= granules) return i;
  }
  return kNone;
}

RegionAllocator::Index RegionAllocator::FindInHigherClass(SizeClass c) const {
  // Same first level, a larger second level?
  if (c.second + 1 < kSecondLevelCount) {
    const uint32_t above = second_level_bitmaps_[c.first] & (~uint32_t{0} << (c.second + 1));
    if (above != 0) return ListHead({c.first, LowestBit(above)});
  }
  // Otherwise the smallest class of the next non-empty first level.
  if (c.first + 1 >= kFirstLevelCount) return kNone;
  const uint64_t levels_above = first_level_bitmap_ & (~uint64_t{0} << (c.first + 1));
  if (levels_above == 0) return kNone;
  const unsigned first = LowestBit(levels_above);
  return ListHead({first, LowestBit(second_level_bitmaps_[first])});
}

void RegionAllocator::SplitOff(Index i, uint64_t granules) {
  if (blocks_[i].granules == granules) return;
  // Out of records (over 4 billion blocks) is survivable: hand out the whole block instead.
  const std::optional<Index> tail_or = NewRecord();
  if (!tail_or) return;
  const Index tail = *tail_or;  // NewRecord may have reallocated blocks_: index afresh below
  Block& b = blocks_[i];
  Block& t = blocks_[tail];
  t.start = b.start + granules;
  t.granules = b.granules - granules;
  t.prev_phys = i;
  t.next_phys = b.next_phys;
  if (b.next_phys != kNone) blocks_[b.next_phys].prev_phys = tail;
  b.next_phys = tail;
  b.granules = granules;
  InsertFree(tail);
}

std::optional<uint64_t> RegionAllocator::Allocate(uint64_t size) {
  // Round up to whole granules without overflowing for sizes near 2^64.
  uint64_t granules = (size >> kGranuleLog2) + ((size & (kAlignment - 1)) != 0 ? 1 : 0);
  if (granules == 0) granules = 1;  // size 0 still gets its own offset
  if (granules > region_granules_ - used_granules_) return std::nullopt;

  // Good fit: a block of the request's own class if one of the first few fits, else the
  // smallest larger class (every block there fits), else, as a last resort before failing,
  // every block of the own class (so nullopt really means no free block is big enough).
  const SizeClass own = ClassOf(granules);
  Index i = FindFitInClass(own, granules, kOwnClassProbeLimit);
  if (i == kNone) i = FindInHigherClass(own);
  if (i == kNone) i = FindFitInClass(own, granules, SIZE_MAX);
  if (i == kNone) return std::nullopt;

  RemoveFree(i);
  SplitOff(i, granules);
  const Block& b = blocks_[i];
  used_granules_ += b.granules;
  live_by_start_.emplace(b.start, i);
  return b.start << kGranuleLog2;
}

bool RegionAllocator::Free(uint64_t offset) {
  if ((offset & (kAlignment - 1)) != 0) return false;
  const auto found = live_by_start_.find(offset >> kGranuleLog2);
  if (found == live_by_start_.end()) return false;
  Index i = found->second;
  live_by_start_.erase(found);
  used_granules_ -= blocks_[i].granules;

  // Merge with a free block after it, then with a free block before it.
  const Index next = blocks_[i].next_phys;
  if (next != kNone && blocks_[next].free) {
    RemoveFree(next);
    blocks_[i].granules += blocks_[next].granules;
    blocks_[i].next_phys = blocks_[next].next_phys;
    if (blocks_[next].next_phys != kNone) blocks_[blocks_[next].next_phys].prev_phys = i;
    RecycleRecord(next);
  }
  const Index prev = blocks_[i].prev_phys;
  if (prev != kNone && blocks_[prev].free) {
    RemoveFree(prev);
    blocks_[prev].granules += blocks_[i].granules;
    blocks_[prev].next_phys = blocks_[i].next_phys;
    if (blocks_[i].next_phys != kNone) blocks_[blocks_[i].next_phys].prev_phys = prev;
    RecycleRecord(i);
    i = prev;
  }
  InsertFree(i);
  return true;
}

uint64_t RegionAllocator::used_bytes() const { return used_granules_ << kGranuleLog2; }

uint64_t RegionAllocator::free_bytes() const {
  return (region_granules_ - used_granules_) << kGranuleLog2;
}

uint64_t RegionAllocator::largest_free_block() const {
  if (first_level_bitmap_ == 0) return 0;
  // The largest block is in the highest non-empty class; blocks there differ in size, so look
  // at each (a statistic, not on the allocation path).
  const unsigned first = HighestBit(first_level_bitmap_);
  const unsigned second = HighestBit(second_level_bitmaps_[first]);
  uint64_t largest = 0;
  for (Index i = ListHead({first, second}); i != kNone; i = blocks_[i].next_free) {
    largest = std::max(largest, blocks_[i].granules);
  }
  return largest << kGranuleLog2;
}

uint64_t RegionAllocator::region_size() const { return region_granules_ << kGranuleLog2; }

size_t RegionAllocator::allocation_count() const { return live_by_start_.size(); }

uint64_t RegionAllocator::block_size(uint64_t offset) const {
  if ((offset & (kAlignment - 1)) != 0) return 0;
  const auto found = live_by_start_.find(offset >> kGranuleLog2);
  return found == live_by_start_.end() ? 0 : blocks_[found->second].granules << kGranuleLog2;
}

}  // namespace plasmasharp::store
