// The other direction: a hostile (or broken) store against our client. Replies are written by
// a fake store thread; the client must fail cleanly and must not let 24 bytes of header make
// it commit memory it never receives.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "hostile_support.h"
#include "plasma_client.h"
#include "wire.h"

namespace plasmasharp::testing::hostile {
namespace {

namespace pc = plasmasharp::client;

// Listens on a temp socket; Serve() answers one connection with a ConnectReply and `then`.
class FakeStore {
 public:
  FakeStore() {
    path_ = dir_.path() + "/fake.sock";
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
  }
  ~FakeStore() {
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  const std::string& path() const { return path_; }

  void Serve(Bytes then, bool close_after) {
    thread_ = std::thread([this, then = std::move(then), close_after] {
      int c = ::accept(listen_fd_, nullptr, nullptr);
      if (c < 0) return;
      flatbuffers::FlatBufferBuilder b;
      b.Finish(fb::CreatePlasmaConnectReply(b, 1 << 20));
      Bytes out(protocol::kHeaderSize);
      protocol::EncodeHeader({0, 20, static_cast<int64_t>(b.GetSize())}, out.data());
      out.insert(out.end(), b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
      out.insert(out.end(), then.begin(), then.end());
      ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
      if (close_after) ::shutdown(c, SHUT_WR);
      char sink[4096];
      while (::read(c, sink, sizeof(sink)) > 0) {
      }
      ::close(c);
    });
  }

 private:
  TempDir dir_;
  std::string path_;
  int listen_fd_ = -1;
  std::thread thread_;
};

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
  FakeStore store;
  store.Serve(Header(18, (int64_t{1} << 30) - 1), /*close_after=*/true);
  std::shared_ptr<pc::PlasmaClient> client;
  ASSERT_TRUE(pc::PlasmaClient::Connect(store.path(), 1, 0, &client).ok());
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
    FakeStore store;
    store.Serve(c.stream, true);
    std::shared_ptr<pc::PlasmaClient> client;
    ASSERT_TRUE(pc::PlasmaClient::Connect(store.path(), 1, 0, &client).ok()) << c.what;
    std::vector<pc::ObjectInfo> objects;
    EXPECT_FALSE(client->List(&objects).ok()) << c.what;
    // The connection is unusable afterwards, and says so instead of reading garbage.
    bool has = false;
    EXPECT_FALSE(client->Contains(Id("x"), &has).ok()) << c.what;
    client->Disconnect();
  }
}

}  // namespace
}  // namespace plasmasharp::testing::hostile
