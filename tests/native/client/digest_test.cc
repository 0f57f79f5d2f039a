// Digests against the values libplasma 11 put on the wire (recorded Seal/CreateAndSeal
// requests), for contents reconstructed from those recordings: the driver wrote byte
// i = (i + k) % 256 (k = 7, or 2 for csr-no-meta) or left the memory zero.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

#include "digest.h"

#define XXH_INLINE_ALL
#include <xxhash.h>
#include "test_support.h"

namespace plasmasharp::testing {
namespace {

using client::ComputeDigest;
using client::CopyAndDigest;

std::string DigestHex(const std::vector<uint8_t>& data, const std::string& metadata) {
  uint8_t bytes[8];
  client::DigestToBytes(ComputeDigest(data.data(), data.size(),
                                      reinterpret_cast<const uint8_t*>(metadata.data()),
                                      metadata.size()),
                        bytes);
  return ToHex(bytes, 8);
}

std::vector<uint8_t> Pattern(size_t n, int k) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i + k) % 256);
  return v;
}

std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

TEST(ClientDigestTest, EmptyObject) { EXPECT_EQ(DigestHex({}, ""), "99e9d85137db46ef"); }  // csr-empty

TEST(ClientDigestTest, SmallObjectsFromCreateSeal) {
  EXPECT_EQ(DigestHex(Pattern(64, 7), ""), "a34eb7175c2e98a6");     // contains-yes, del-*
  EXPECT_EQ(DigestHex(Pattern(100, 7), ""), "81e87f9b1bd46a24");    // exists, lru-*
  EXPECT_EQ(DigestHex(Pattern(512, 7), ""), "ccb0cae464172a15");    // get-later
  EXPECT_EQ(DigestHex(Pattern(1000, 7), ""), "9b429bc576469d50");   // evict-*, dbg-1
  EXPECT_EQ(DigestHex(Pattern(4096, 2), ""), "58b903674c1dcc64");   // csr-no-meta
}

TEST(ClientDigestTest, MetadataFollowsData) {
  EXPECT_EQ(DigestHex(Pattern(1024, 7), "md"), "5281c721b25f5024");   // get-present
  EXPECT_EQ(DigestHex(Pattern(100, 7), "mmm"), "bc7e6371989a5518");   // list-sealed
  EXPECT_EQ(DigestHex(Pattern(300, 7), "meta"), "54f5ed1c9dbec83c");  // sub-sealed
}

TEST(ClientDigestTest, InlineCreateAndSealDigests) {
  EXPECT_EQ(DigestHex(Bytes("hello plasma"), "md"), "fbb2cc4d5d8b2d20");  // cas-1
  EXPECT_EQ(DigestHex(Bytes("x"), ""), "2311048396c0805c");              // cas-nometa
  EXPECT_EQ(DigestHex(Bytes("before"), "m"), "28b1da47f37cfd83");        // sub-preexisting
  EXPECT_EQ(DigestHex(Bytes("z"), ""), "88e4a877765a8a04");              // sub-last
  EXPECT_EQ(DigestHex(std::vector<uint8_t>(16384, 'x'), ""), "a69bb1323a4787e5");  // oom-cas
}

TEST(ClientDigestTest, ChunkedFormForOneMebibyteAndMore) {
  EXPECT_EQ(DigestHex(Pattern(3000000, 7), ""), "31dbb0abf7fc26ea");  // seg-fill-*, oom-fill-*
  EXPECT_EQ(DigestHex(Pattern(4000000, 7), ""), "76443b803ec70f80");  // seg-4mb
  EXPECT_EQ(DigestHex(std::vector<uint8_t>(4000000, 0), ""), "9086387895d50202");  // oom-4mb-evict
}

TEST(ClientDigestTest, ChunkArithmeticAtAndAroundTheThreshold) {
  // Independent re-computation of the README's formula with XXH64 directly.
  for (size_t n : {client::kChunkedDigestThreshold - 1, client::kChunkedDigestThreshold,
                   client::kChunkedDigestThreshold + 4097}) {
    auto data = Pattern(n, 3);
    const uint8_t md[2] = {9, 8};
    uint64_t expected;
    if (n < client::kChunkedDigestThreshold) {
      std::vector<uint8_t> all(data);
      all.insert(all.end(), md, md + 2);
      expected = XXH64(all.data(), all.size(), 0);
    } else {
      size_t chunk = n / 64 / 8 * 64;
      std::vector<uint8_t> tail_input;
      for (int i = 0; i < 9; ++i) {
        size_t len = i < 8 ? chunk : n - 8 * chunk;
        uint64_t h = XXH64(data.data() + i * chunk, len, 0);
        for (int b = 0; b < 8; ++b) tail_input.push_back(static_cast<uint8_t>(h >> (8 * b)));
      }
      tail_input.insert(tail_input.end(), md, md + 2);
      expected = XXH64(tail_input.data(), tail_input.size(), 0);
    }
    EXPECT_EQ(ComputeDigest(data.data(), n, md, 2), expected) << n;
  }
}

TEST(ClientDigestTest, CopyAndDigestCopiesAndHashesLikeComputeDigest) {
  for (size_t n : {size_t{0}, size_t{100}, size_t{1} << 20, size_t{3000001}}) {
    auto src = Pattern(n, 11);
    std::vector<uint8_t> dst(n + 1, 0xEE);
    const uint8_t md[3] = {1, 2, 3};
    uint64_t d = CopyAndDigest(dst.data(), src.data(), n, md, 3);
    EXPECT_EQ(d, ComputeDigest(src.data(), n, md, 3)) << n;
    EXPECT_TRUE(n == 0 || std::memcmp(dst.data(), src.data(), n) == 0) << n;
    EXPECT_EQ(dst[n], 0xEE) << n;  // nothing written past the end
  }
}

// A writer with its data in pieces of any size (an Arrow IPC stream: small headers, large buffers)
// gets the same digest and the same bytes from StreamingDigest::CopyAndUpdate, whether a piece
// ends inside a chunk, on a chunk boundary, or covers several whole chunks (those go to the pool),
// mixed with plain Update of bytes written elsewhere.
TEST(ClientDigestTest, CopyAndUpdateInPiecesCopiesAndHashesLikeComputeDigest) {
  const size_t sizes[] = {0, 100, (size_t{1} << 20) - 1, size_t{1} << 20, 3000001, 8u << 20};
  for (size_t n : sizes) {
    const auto src = Pattern(n, 23);
    const uint8_t md[2] = {7, 9};
    const uint64_t expected = ComputeDigest(src.data(), n, md, 2);
    const size_t chunk = n / 64 / 8 * 64;
    // Piece plans: one piece; headers then one big buffer; an odd start then pieces of 2.5
    // chunks; a chunk-aligned start then whole chunks two at a time; 1-byte then everything.
    std::vector<std::vector<size_t>> plans = {{n}};
    if (n > 1000) {
      plans.push_back({200, 56, n - 256});
      plans.push_back({chunk / 3});
      plans.push_back({chunk});
      plans.push_back({1});
    }
    for (size_t p = 0; p < plans.size(); ++p) {
      std::vector<uint8_t> dst(n + 1, 0xEE);
      client::StreamingDigest digest(n);
      size_t at = 0;
      for (size_t step = 0; at < n; ++step) {
        size_t piece = step < plans[p].size() ? plans[p][step] : std::max<size_t>(chunk * 5 / 2, 1);
        if (p == 3 && step >= 1) piece = 2 * chunk;
        if (p == 4 && step >= 1) piece = n - at;
        piece = std::min(piece, n - at);
        if (step % 3 == 2) {  // now and then bytes the caller wrote itself, fed with Update
          std::memcpy(dst.data() + at, src.data() + at, piece);
          ASSERT_TRUE(digest.Update(dst.data() + at, piece));
        } else {
          ASSERT_TRUE(digest.CopyAndUpdate(dst.data() + at, src.data() + at, piece)) << n << " plan " << p;
        }
        at += piece;
      }
      EXPECT_EQ(digest.hashed(), n);
      EXPECT_EQ(digest.Finish(md, 2), expected) << n << " plan " << p;
      EXPECT_TRUE(n == 0 || std::memcmp(dst.data(), src.data(), n) == 0) << n << " plan " << p;
      EXPECT_EQ(dst[n], 0xEE) << n;
      EXPECT_FALSE(digest.CopyAndUpdate(dst.data(), src.data(), 1)) << "past the data size";
    }
  }
}

// The chunked form recomputed on one thread with XXH64 directly (the README's formula).
uint64_t ReferenceChunkedDigest(const std::vector<uint8_t>& data, const uint8_t* md, size_t md_size) {
  const size_t n = data.size();
  const size_t chunk = n / 64 / 8 * 64;
  std::vector<uint8_t> input;
  for (int i = 0; i < 9; ++i) {
    size_t len = i < 8 ? chunk : n - 8 * chunk;
    uint64_t h = XXH64(data.data() + i * chunk, len, 0);
    for (int b = 0; b < 8; ++b) input.push_back(static_cast<uint8_t>(h >> (8 * b)));
  }
  input.insert(input.end(), md, md + md_size);
  return XXH64(input.data(), input.size(), 0);
}

TEST(ClientDigestTest, ConcurrentLargeDigestsShareTheWorkerPoolCorrectly) {
  // Several threads hash and copy different large objects at once through the one pool.
  constexpr int kThreads = 4;
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<uint64_t> expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(Pattern((size_t{1} << 20) + 4096 * t + 3, t + 1));
    expected.push_back(ReferenceChunkedDigest(inputs.back(), nullptr, 0));
  }
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint8_t> copy(inputs[t].size());
      for (int round = 0; round < 20; ++round) {
        if (ComputeDigest(inputs[t].data(), inputs[t].size(), nullptr, 0) != expected[t]) ++wrong[t];
        std::fill(copy.begin(), copy.end(), 0);
        if (CopyAndDigest(copy.data(), inputs[t].data(), copy.size(), nullptr, 0) != expected[t] ||
            copy != inputs[t]) {
          ++wrong[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

TEST(ClientDigestTest, LargeDigestsWorkInAForkedChildAfterThePoolStarted) {
  auto data = Pattern(3000000, 5);
  const uint8_t md[1] = {42};
  const uint64_t expected = ReferenceChunkedDigest(data, md, 1);
  // Starts this process's worker pool, then forks: the child has none of its threads.
  ASSERT_EQ(ComputeDigest(data.data(), data.size(), md, 1), expected);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(30);  // a deadlock in the child fails the test instead of hanging it
    int code = 0;
    {
      std::vector<uint8_t> copy(data.size());
      for (int round = 0; round < 3; ++round) {
        if (ComputeDigest(data.data(), data.size(), md, 1) != expected) code = 1;
        if (CopyAndDigest(copy.data(), data.data(), data.size(), md, 1) != expected || copy != data) {
          code = 2;
        }
      }
    }  // freed before _exit, which runs no destructors (valgrind would count the block as lost)
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child did not exit normally (status " << status << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // And the parent's pool still works after the fork.
  EXPECT_EQ(ComputeDigest(data.data(), data.size(), md, 1), expected);
}

}  // namespace
}  // namespace plasmasharp::testing
