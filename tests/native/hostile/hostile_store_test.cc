// The other direction: a hostile (or broken) store against our client. Replies are written by
// a fake store thread; the client must fail cleanly and must not let 24 bytes of header make
// it commit memory it never receives.
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include <gtest/gtest.h>

#include "raw_requests.h"
#include "scripted_replies.h"
#include "plasma_client.h"
#include "wire.h"

namespace plasmasharp::testing::raw {
namespace {

namespace pc = plasmasharp::client;

// A fake store (../support) that answers the handshake, writes `then` and, with close_after,
// shuts its write side; it then waits for the client to hang up.
std::unique_ptr<FakeStore> ServeAfterConnect(Bytes then, bool close_after) {
  return std::make_unique<FakeStore>([then = std::move(then), close_after](FakeConnection& c, int) {
    if (!Handshake(c)) return;
    c.SendRaw(then.data(), then.size());
    if (close_after) ::shutdown(c.fd(), SHUT_WR);
    c.WaitForClientClose();
  });
}

Bytes Header(int64_t type, int64_t length) {
  Bytes h(protocol::kHeaderSize);
  protocol::EncodeHeader({0, type, length}, h.data());
  return h;
}

int64_t MaxRssKb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(ClientVsHostileStoreTest, HugeDeclaredReplyLengthIsNotAllocatedUpFront) {
  // A ListReply header announcing ~1 GiB, then the store hangs up without sending it.
  auto store = ServeAfterConnect(Header(18, (int64_t{1} << 30) - 1), /*close_after=*/true);
  std::shared_ptr<pc::PlasmaClient> client;
  ASSERT_TRUE(pc::PlasmaClient::Connect(store->socket_path(), 1, 0, &client).ok());
  const int64_t before = MaxRssKb();
  std::vector<pc::ObjectInfo> objects;
  pc::Status st = client->List(&objects);
  const int64_t grown_mb = (MaxRssKb() - before) / 1024;
  EXPECT_FALSE(st.ok());
  // Memory should follow the bytes that actually arrive (here: none), not the header's claim.
  EXPECT_LT(grown_mb, 64) << "the client committed " << grown_mb
                          << " MiB for a reply that never came (24 bytes of header)";
  client->Disconnect();
}

TEST(ClientVsHostileStoreTest, MalformedRepliesFailCleanly) {
  struct Case {
    const char* what;
    Bytes stream;
  };
  Bytes garbage = {1, 2, 3, 4, 5, 6, 7, 8};
  Bytes list_garbage = Header(18, static_cast<int64_t>(garbage.size()));
  list_garbage.insert(list_garbage.end(), garbage.begin(), garbage.end());
  std::vector<Case> cases = {
      {"wrong reply type", Header(10, 0)},
      {"negative length", Header(18, -1)},
      {"length beyond the limit", Header(18, int64_t{1} << 40)},
      {"payload failing verification", list_garbage},
      {"version 1", [] {
         Bytes h(protocol::kHeaderSize);
         protocol::EncodeHeader({1, 18, 0}, h.data());
         return h;
       }()},
      {"cut inside the header", Bytes(10, 0)},
  };
  for (const Case& c : cases) {
    auto store = ServeAfterConnect(c.stream, true);
    std::shared_ptr<pc::PlasmaClient> client;
    ASSERT_TRUE(pc::PlasmaClient::Connect(store->socket_path(), 1, 0, &client).ok()) << c.what;
    std::vector<pc::ObjectInfo> objects;
    EXPECT_FALSE(client->List(&objects).ok()) << c.what;
    // The connection is unusable afterwards, and says so instead of reading garbage.
    bool has = false;
    EXPECT_FALSE(client->Contains(Id("x"), &has).ok()) << c.what;
    client->Disconnect();
  }
}

}  // namespace
}  // namespace plasmasharp::testing::raw
