// RegionAllocator: placement, coalescing, bad frees, overflow and fragmentation, each checked
// against a plain reference model of the live blocks (offset -> rounded size).
#include "region_allocator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace plasmasharp::store {
namespace {

constexpr uint64_t kA = RegionAllocator::kAlignment;
constexpr uint64_t kMiB = 1 << 20;

uint64_t RoundUp(uint64_t size) { return size == 0 ? kA : (size + kA - 1) / kA * kA; }

// What the allocator should look like from outside: its live blocks. Everything else (free
// space, the largest free block) follows from them because free neighbours always merge.
class ReferenceModel {
 public:
  explicit ReferenceModel(uint64_t region) : region_(region) {}

  // Records a new block; fails the test if it is misplaced or overlaps a live one.
  void Add(uint64_t offset, uint64_t size) {
    ASSERT_EQ(offset % kA, 0u);
    ASSERT_LE(offset, region_);
    ASSERT_LE(size, region_ - offset);
    auto next = live_.lower_bound(offset);
    if (next != live_.end()) {
      ASSERT_LE(offset + size, next->first) << "overlaps the next block";
    }
    if (next != live_.begin()) {
      auto prev = std::prev(next);
      ASSERT_LE(prev->first + prev->second, offset) << "overlaps the previous block";
    }
    live_[offset] = size;
    used_ += size;
  }
  void Remove(uint64_t offset) {
    used_ -= live_.at(offset);
    live_.erase(offset);
  }
  uint64_t LargestGap() const {
    uint64_t largest = 0, cursor = 0;
    for (const auto& [offset, size] : live_) {
      largest = std::max(largest, offset - cursor);
      cursor = offset + size;
    }
    return std::max(largest, region_ - cursor);
  }
  const std::map<uint64_t, uint64_t>& live() const { return live_; }
  uint64_t used() const { return used_; }

 private:
  uint64_t region_;
  std::map<uint64_t, uint64_t> live_;
  uint64_t used_ = 0;
};

void ExpectMatches(const RegionAllocator& a, const ReferenceModel& m) {
  EXPECT_EQ(a.used_bytes(), m.used());
  EXPECT_EQ(a.free_bytes(), a.region_size() - m.used());
  EXPECT_EQ(a.allocation_count(), m.live().size());
  EXPECT_EQ(a.largest_free_block(), m.LargestGap());
}

TEST(RegionAllocator, RoundsRegionDownAndStartsEmpty) {
  RegionAllocator a(10 * kA + 63);
  EXPECT_EQ(a.region_size(), 10 * kA);
  EXPECT_EQ(a.used_bytes(), 0u);
  EXPECT_EQ(a.free_bytes(), 10 * kA);
  EXPECT_EQ(a.largest_free_block(), 10 * kA);
  EXPECT_EQ(a.allocation_count(), 0u);
}

TEST(RegionAllocator, RegionSmallerThanOneBlockRefusesEverything) {
  RegionAllocator a(63);
  EXPECT_EQ(a.region_size(), 0u);
  EXPECT_EQ(a.largest_free_block(), 0u);
  EXPECT_FALSE(a.Allocate(0).has_value());
  EXPECT_FALSE(a.Allocate(1).has_value());
  EXPECT_FALSE(a.Free(0));
}

TEST(RegionAllocator, OffsetsAreAlignedAndSizesRounded) {
  RegionAllocator a(1 * kMiB);
  ReferenceModel m(a.region_size());
  for (uint64_t size : {0ull, 1ull, 63ull, 64ull, 65ull, 100ull, 127ull, 128ull, 4095ull, 12345ull}) {
    auto offset = a.Allocate(size);
    ASSERT_TRUE(offset.has_value()) << size;
    EXPECT_EQ(*offset % kA, 0u) << size;
    EXPECT_EQ(a.block_size(*offset), RoundUp(size)) << size;
    m.Add(*offset, a.block_size(*offset));
  }
  ExpectMatches(a, m);
}

TEST(RegionAllocator, ZeroSizeObjectsGetDistinctOffsets) {
  RegionAllocator a(4 * kA);
  std::vector<uint64_t> offsets;
  for (int i = 0; i < 4; ++i) {
    auto offset = a.Allocate(0);
    ASSERT_TRUE(offset.has_value());
    offsets.push_back(*offset);
  }
  std::sort(offsets.begin(), offsets.end());
  EXPECT_EQ(std::unique(offsets.begin(), offsets.end()), offsets.end());
  EXPECT_FALSE(a.Allocate(0).has_value());
}

TEST(RegionAllocator, WholeRegionInOneBlock) {
  // 101 granules: not the smallest size of its size class, so a naive TLSF search (round the
  // request up to the next class) would miss the only block that fits.
  RegionAllocator a(101 * kA);
  auto offset = a.Allocate(101 * kA);
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(*offset, 0u);
  EXPECT_EQ(a.free_bytes(), 0u);
  EXPECT_EQ(a.largest_free_block(), 0u);
  EXPECT_FALSE(a.Allocate(0).has_value());
  EXPECT_TRUE(a.Free(0));
  EXPECT_EQ(a.largest_free_block(), 101 * kA);
}

TEST(RegionAllocator, FindsTheOnlyFittingBlockBehindManyTooSmallOnesOfItsSizeClass) {
  // 100- and 101-granule blocks share a size class. Nine 100-granule holes are freed after the
  // one 101-granule hole, so they come first in that class's list; nothing bigger is free.
  // A 101-granule request must still find its hole rather than report the region full.
  const int kSmallHoles = 9;
  RegionAllocator a((101 + 1 + kSmallHoles * (100 + 1)) * kA);
  const uint64_t big_hole = *a.Allocate(101 * kA);
  ASSERT_TRUE(a.Allocate(kA).has_value());  // fence, so the holes cannot merge
  std::vector<uint64_t> small_holes;
  for (int i = 0; i < kSmallHoles; ++i) {
    small_holes.push_back(*a.Allocate(100 * kA));
    ASSERT_TRUE(a.Allocate(kA).has_value());
  }
  ASSERT_EQ(a.free_bytes(), 0u);
  ASSERT_TRUE(a.Free(big_hole));
  for (uint64_t hole : small_holes) ASSERT_TRUE(a.Free(hole));
  EXPECT_EQ(a.largest_free_block(), 101 * kA);
  auto offset = a.Allocate(101 * kA);
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(*offset, big_hole);
  EXPECT_FALSE(a.Allocate(101 * kA).has_value());
  EXPECT_TRUE(a.Allocate(100 * kA).has_value());
}

TEST(RegionAllocator, ExactFitFillsTheRegionThenRefuses) {
  // Blocks of several sizes whose sum is exactly the region: all must fit, then nothing more.
  const std::vector<uint64_t> sizes = {64, 128, 4096, 640, 64, 1 << 16, 3 * 64, 100 * 64, 64};
  uint64_t total = 0;
  for (uint64_t s : sizes) total += s;
  RegionAllocator a(total);
  ReferenceModel m(total);
  for (uint64_t s : sizes) {
    auto offset = a.Allocate(s);
    ASSERT_TRUE(offset.has_value()) << s;
    m.Add(*offset, s);
  }
  EXPECT_EQ(a.used_bytes(), total);
  EXPECT_EQ(a.free_bytes(), 0u);
  EXPECT_EQ(a.largest_free_block(), 0u);
  EXPECT_FALSE(a.Allocate(0).has_value());
  EXPECT_FALSE(a.Allocate(1).has_value());
  ExpectMatches(a, m);
}

TEST(RegionAllocator, FreeCoalescesWithBothNeighbours) {
  RegionAllocator a(8 * kA);
  std::vector<uint64_t> offsets;
  for (int i = 0; i < 8; ++i) offsets.push_back(*a.Allocate(kA));
  std::sort(offsets.begin(), offsets.end());
  // Free 1 and 3, then 2 in between: 1..3 must become one 3-block hole.
  ASSERT_TRUE(a.Free(offsets[1]));
  ASSERT_TRUE(a.Free(offsets[3]));
  EXPECT_EQ(a.largest_free_block(), kA);
  ASSERT_TRUE(a.Free(offsets[2]));
  EXPECT_EQ(a.largest_free_block(), 3 * kA);
  auto three = a.Allocate(3 * kA);
  ASSERT_TRUE(three.has_value());
  EXPECT_EQ(*three, offsets[1]);
  ASSERT_TRUE(a.Free(*three));
  // Free everything else: one block, the whole region.
  for (int i : {0, 4, 5, 6, 7}) ASSERT_TRUE(a.Free(offsets[i]));
  EXPECT_EQ(a.allocation_count(), 0u);
  EXPECT_EQ(a.used_bytes(), 0u);
  EXPECT_EQ(a.largest_free_block(), a.region_size());
  auto all = a.Allocate(8 * kA);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, 0u);
}

TEST(RegionAllocator, DoubleFreeAndBogusOffsetsAreRefusedWithoutChange) {
  RegionAllocator a(1 * kMiB);
  const uint64_t first = *a.Allocate(200);
  const uint64_t second = *a.Allocate(1000);
  ASSERT_TRUE(a.Free(first));
  const uint64_t used = a.used_bytes(), largest = a.largest_free_block();
  const size_t count = a.allocation_count();
  EXPECT_FALSE(a.Free(first));                  // double free
  EXPECT_FALSE(a.Free(second + kA));            // inside a live block
  EXPECT_FALSE(a.Free(second + 1));             // unaligned
  EXPECT_FALSE(a.Free(a.region_size()));        // end of region
  EXPECT_FALSE(a.Free(UINT64_MAX));             // garbage
  EXPECT_FALSE(a.Free(UINT64_MAX & ~(kA - 1)));  // aligned garbage
  EXPECT_FALSE(a.Free(512 * kA));               // inside the free tail
  EXPECT_EQ(a.used_bytes(), used);
  EXPECT_EQ(a.largest_free_block(), largest);
  EXPECT_EQ(a.allocation_count(), count);
  EXPECT_EQ(a.block_size(first), 0u);
  EXPECT_EQ(a.block_size(second + kA), 0u);
  EXPECT_EQ(a.block_size(second), RoundUp(1000));
  EXPECT_TRUE(a.Free(second));
  EXPECT_FALSE(a.Free(second));
  EXPECT_EQ(a.largest_free_block(), a.region_size());
}

TEST(RegionAllocator, HugeSizesDoNotOverflow) {
  RegionAllocator a(1 * kMiB);
  for (uint64_t size : {UINT64_MAX, UINT64_MAX - 62, UINT64_MAX - 63, UINT64_MAX - 64,
                        uint64_t{1} << 63, (uint64_t{1} << 63) + 1, (uint64_t{1} << 63) - 1,
                        1 * kMiB + 1}) {
    EXPECT_FALSE(a.Allocate(size).has_value()) << size;
  }
  EXPECT_EQ(a.used_bytes(), 0u);
  EXPECT_EQ(a.allocation_count(), 0u);
  EXPECT_TRUE(a.Allocate(1 * kMiB).has_value());
}

TEST(RegionAllocator, RegionsOfManyGiBAndNearTheTopOfUint64) {
  // Only bookkeeping: no memory of this size exists or is touched.
  RegionAllocator big(uint64_t{1} << 40);  // 1 TiB
  auto half = big.Allocate(uint64_t{1} << 39);
  ASSERT_TRUE(half.has_value());
  auto small = big.Allocate(100);
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(big.largest_free_block(), (uint64_t{1} << 39) - RoundUp(100));
  EXPECT_FALSE(big.Allocate(uint64_t{1} << 39).has_value());
  EXPECT_TRUE(big.Free(*half));
  EXPECT_TRUE(big.Allocate(uint64_t{1} << 39).has_value());

  RegionAllocator top(UINT64_MAX);
  EXPECT_EQ(top.region_size(), UINT64_MAX & ~(kA - 1));
  auto first = top.Allocate(uint64_t{1} << 63);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(top.Allocate(uint64_t{1} << 63).has_value());  // 64 bytes short
  auto rest = top.Allocate((uint64_t{1} << 63) - kA);
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(top.free_bytes(), 0u);
  EXPECT_EQ(top.used_bytes(), top.region_size());
  EXPECT_TRUE(top.Free(*first));
  EXPECT_TRUE(top.Free(*rest));
  EXPECT_EQ(top.largest_free_block(), top.region_size());
}

TEST(RegionAllocator, GoodFitReusesAHoleInsteadOfSplittingTheTail) {
  // A hole of exactly 101 granules before a large free tail: a 101-granule request belongs in
  // the hole (the tail stays whole for big objects).
  RegionAllocator a(64 * kMiB);
  const uint64_t hole = *a.Allocate(101 * kA);
  const uint64_t fence = *a.Allocate(kA);
  ASSERT_TRUE(a.Free(hole));
  const uint64_t tail = a.largest_free_block();
  auto reused = a.Allocate(101 * kA);
  ASSERT_TRUE(reused.has_value());
  EXPECT_EQ(*reused, hole);
  EXPECT_EQ(a.largest_free_block(), tail);
  // A smaller request takes the smaller hole too, whichever order the holes were freed in.
  ASSERT_TRUE(a.Free(*reused));
  const uint64_t small_hole = *a.Allocate(20 * kA);  // takes the front of the 101 hole
  EXPECT_EQ(small_hole, hole);
  auto in_rest = a.Allocate(81 * kA);  // exactly the rest of that hole
  ASSERT_TRUE(in_rest.has_value());
  EXPECT_EQ(*in_rest, hole + 20 * kA);
  EXPECT_EQ(a.largest_free_block(), tail);
  (void)fence;
}

// Thousands of mixed allocations and frees; after every step the allocator agrees with the
// model: no overlap, and Allocate fails exactly when no gap between live blocks is big enough.
TEST(RegionAllocator, RandomWorkloadMatchesReferenceModel) {
  const uint64_t region = 4 * kMiB + 17 * kA;
  RegionAllocator a(region);
  ReferenceModel m(a.region_size());
  std::mt19937_64 rng(20261129);
  std::vector<uint64_t> live;
  int failures = 0;
  for (int step = 0; step < 20000; ++step) {
    const bool allocate = live.empty() || rng() % 100 < 55;
    if (allocate) {
      // Log-uniform sizes from 0 to 512 KiB, not multiples of 64.
      const uint64_t size = rng() % (uint64_t{1} << (rng() % 20));
      const uint64_t largest_gap = m.LargestGap();
      auto offset = a.Allocate(size);
      if (RoundUp(size) <= largest_gap) {
        ASSERT_TRUE(offset.has_value()) << "step " << step << " size " << size;
      } else {
        ASSERT_FALSE(offset.has_value()) << "step " << step << " size " << size;
        ++failures;
        continue;
      }
      ASSERT_EQ(a.block_size(*offset), RoundUp(size));
      m.Add(*offset, RoundUp(size));
      if (::testing::Test::HasFatalFailure()) return;
      live.push_back(*offset);
    } else {
      const size_t pick = rng() % live.size();
      ASSERT_TRUE(a.Free(live[pick]));
      m.Remove(live[pick]);
      live[pick] = live.back();
      live.pop_back();
    }
    if (step % 16 == 0) {
      ExpectMatches(a, m);
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(failures, 0) << "the workload never filled the region: test too weak";
  ExpectMatches(a, m);
  for (uint64_t offset : live) ASSERT_TRUE(a.Free(offset));
  EXPECT_EQ(a.used_bytes(), 0u);
  EXPECT_EQ(a.largest_free_block(), a.region_size());
}

// A store under churn: objects of mixed sizes come and go around a steady fill level. A good-fit
// allocator with coalescing keeps the free space usable: after long churn, allocating mixed
// sizes still succeeds until the region is nearly full, and freeing everything leaves one block.
TEST(RegionAllocator, FragmentationStaysLowUnderChurn) {
  const uint64_t region = 64 * kMiB;
  RegionAllocator a(region);
  std::mt19937_64 rng(7);
  const auto random_size = [&rng] {
    return uint64_t{64} + rng() % (uint64_t{1} << (6 + rng() % 13));  // 64 B .. 256 KiB
  };
  std::vector<uint64_t> live;
  for (int step = 0; step < 50000; ++step) {
    if (a.used_bytes() < region * 3 / 4) {
      auto offset = a.Allocate(random_size());
      ASSERT_TRUE(offset.has_value()) << "failed at " << a.used_bytes() << " bytes used, step "
                                      << step;
      live.push_back(*offset);
    } else {
      const size_t pick = rng() % live.size();
      ASSERT_TRUE(a.Free(live[pick]));
      live[pick] = live.back();
      live.pop_back();
    }
  }
  // Fill up with the same size mix until the first refusal.
  while (true) {
    auto offset = a.Allocate(random_size());
    if (!offset) break;
    live.push_back(*offset);
  }
  const double fill = static_cast<double>(a.used_bytes()) / static_cast<double>(region);
  RecordProperty("fill_at_first_failure_percent", static_cast<int>(fill * 100));
  EXPECT_GE(fill, 0.95) << "free space too fragmented: first failure at " << fill * 100 << "%";
  // What is left is in holes no bigger than the largest requests.
  EXPECT_LE(a.largest_free_block(), 256 * 1024 + 64u);

  // Freeing everything in random order merges it all back into one block.
  std::shuffle(live.begin(), live.end(), rng);
  for (uint64_t offset : live) ASSERT_TRUE(a.Free(offset));
  EXPECT_EQ(a.allocation_count(), 0u);
  EXPECT_EQ(a.largest_free_block(), region);
}

// After churn, freeing a contiguous address range of objects gives back one block that a request
// for (about) all that space can use: holes left by churn must have merged, not stayed split.
TEST(RegionAllocator, FreeingAnAddressRangeAfterChurnYieldsOneUsableBlock) {
  const uint64_t region = 16 * kMiB;
  RegionAllocator a(region);
  std::mt19937_64 rng(99);
  std::vector<uint64_t> live;
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || (a.used_bytes() < region * 2 / 3 && rng() % 2 == 0)) {
      auto offset = a.Allocate(rng() % 32768);
      if (offset) live.push_back(*offset);
    } else {
      const size_t pick = rng() % live.size();
      ASSERT_TRUE(a.Free(live[pick]));
      live[pick] = live.back();
      live.pop_back();
    }
  }
  // Free every live block that starts in the upper half. What stays live lies below the
  // midpoint, except perhaps one block straddling it (a request is under 32 KiB + 64).
  const uint64_t half = region / 2;
  uint64_t live_end = 0;  // end of the highest block that stays live
  for (uint64_t offset : live) {
    if (offset >= half) {
      ASSERT_TRUE(a.Free(offset));
    } else {
      live_end = std::max(live_end, offset + a.block_size(offset));
    }
  }
  ASSERT_LT(live_end, half + 32768 + kA);
  EXPECT_EQ(a.largest_free_block(), region - live_end);
  auto big = a.Allocate(region - live_end);
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(*big, live_end);
}

TEST(RegionAllocator, HundredThousandSmallBlocksFreedInRandomOrder) {
  const size_t count = 100000;
  RegionAllocator a(count * 512);
  std::mt19937_64 rng(12345);
  std::vector<uint64_t> offsets;
  offsets.reserve(count);
  uint64_t expected_used = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t size = 1 + rng() % 512;
    auto offset = a.Allocate(size);
    ASSERT_TRUE(offset.has_value()) << i;
    ASSERT_EQ(a.block_size(*offset), RoundUp(size));
    expected_used += RoundUp(size);
    offsets.push_back(*offset);
  }
  EXPECT_EQ(a.allocation_count(), count);
  EXPECT_EQ(a.used_bytes(), expected_used);
  // Distinct, non-overlapping blocks.
  std::vector<uint64_t> sorted = offsets;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 1; i < sorted.size(); ++i) {
    ASSERT_LE(sorted[i - 1] + a.block_size(sorted[i - 1]), sorted[i]);
  }
  std::shuffle(offsets.begin(), offsets.end(), rng);
  for (uint64_t offset : offsets) ASSERT_TRUE(a.Free(offset));
  EXPECT_EQ(a.allocation_count(), 0u);
  EXPECT_EQ(a.used_bytes(), 0u);
  EXPECT_EQ(a.largest_free_block(), a.region_size());
  for (uint64_t offset : sorted) ASSERT_FALSE(a.Free(offset)) << "second free of " << offset;
}

}  // namespace
}  // namespace plasmasharp::store
