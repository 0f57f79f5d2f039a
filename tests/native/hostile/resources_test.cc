// Hostile use of resources: clients that never read (replies or notifications), descriptor
// floods, connection floods. The store must keep serving others, bound what it buffers, and
// give back every descriptor once the offender is gone.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "hostile_fixture.h"
#include "socket_io.h"

namespace plasmasharp::testing::raw {
namespace {

class HostileResourcesTest : public HostileStoreTest {
 protected:
  void SetUp() override {
    HostileStoreTest::SetUp();
    baseline_fds_ = OpenFdCount(store_->pid());
    ASSERT_GT(baseline_fds_, 0);
  }
  // Once the offender has gone, the store's descriptor count is back where it was.
  void ExpectFdsBackToBaseline() {
    int now = -1;
    for (int i = 0; i < 250; ++i) {
      now = OpenFdCount(store_->pid());
      if (now == baseline_fds_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(now, baseline_fds_) << "the store leaked descriptors";
  }
  int baseline_fds_ = -1;
};

// Sends one sendmsg carrying `fds` as SCM_RIGHTS with one data byte.
bool SendFds(int sock, const std::vector<int>& fds) {
  char byte = 0;
  iovec iov{&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == 1;
}

std::vector<std::string> ManyIds(size_t n) {
  std::vector<std::string> ids(n, Id("bystander"));
  for (size_t i = 1; i < n; ++i) std::memcpy(&ids[i][12], &i, sizeof(uint32_t));
  return ids;
}

TEST_F(HostileResourcesTest, ClientThatNeverReadsRepliesDoesNotBlockOthers) {
  RawConnection hostile(store_->socket_path());
  timeval tv{10, 0};
  ::setsockopt(hostile.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  const Bytes request = GetRequest(ManyIds(50000), 0);  // ~4 MB reply each
  std::atomic<int> sent{0};
  std::atomic<bool> dropped{false};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      if (!hostile.Send(9, request)) {
        dropped = true;
        return;
      }
      ++sent;
    }
  });
  // Meanwhile the bystander is served again and again.
  for (int i = 0; i < 20; ++i) ExpectBystanderServed();
  writer.join();
  ExpectBystanderServed();
  // 200 unread replies of ~4 MB are far beyond any sane buffer: the store must have dropped
  // the reader rather than buffer them all.
  if (!dropped) {
    EXPECT_TRUE(hostile.WaitForClose(std::chrono::seconds(10)))
        << "the store kept buffering " << sent << " unread replies";
  }
  hostile.Close();
  ExpectFdsBackToBaseline();
}

TEST_F(HostileResourcesTest, ClientThatNeverReadsManySmallRepliesDoesNotBlockOthers) {
  RawConnection hog(store_->socket_path());
  int small = 4096;
  ::setsockopt(hog.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  const Bytes one = Framed(30, EmptyTable());  // GetDebugStringRequest
  Bytes many;
  for (int i = 0; i < 20000; ++i) many.insert(many.end(), one.begin(), one.end());
  ASSERT_TRUE(hog.SendBytes(many.data(), many.size()));  // ~6 MB of replies, never read
  ExpectBystanderServed();
  hog.Close();
  ExpectFdsBackToBaseline();
}

TEST_F(HostileResourcesTest, SubscriberThatNeverReadsNotificationsDoesNotBlockOthers) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int small = 4096;
  ::setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  RawConnection subscriber(store_->socket_path());
  ASSERT_TRUE(subscriber.Send(23, EmptyTable()));
  ASSERT_TRUE(subscriber.SendFd(sv[1]));
  ::close(sv[1]);
  // Thousands of seals, none read by the subscriber.
  Session maker(store_->socket_path());
  for (int i = 0; i < 3000; ++i) {
    std::string id = Id("notify");
    std::memcpy(&id[12], &i, sizeof(i));
    ASSERT_TRUE(maker.conn.Send(3, CreateAndSealRequest(id, "x")));
    ASSERT_TRUE(Expect(maker.conn, fb::MessageType::PlasmaCreateAndSealReply).has_value()) << i;
  }
  ExpectBystanderServed();
  ::close(sv[0]);
  subscriber.Close();
  maker.conn.Close();
  ExpectFdsBackToBaseline();
}

TEST_F(HostileResourcesTest, FdFloodAfterSubscribe) {
  RawConnection c(store_->socket_path());
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_TRUE(c.Send(23, EmptyTable()));
  ASSERT_TRUE(c.SendFd(sv[1]));
  int devnull = ::open("/dev/null", O_RDONLY);
  for (int i = 0; i < 200; ++i) {
    if (!c.SendFd(devnull)) break;  // the store may hang up on us
  }
  ExpectBystanderServed();
  ::close(devnull);
  ::close(sv[0]);
  ::close(sv[1]);
  c.Close();
  ExpectFdsBackToBaseline();
}

TEST_F(HostileResourcesTest, UnsolicitedFdsAndBulkFds) {
  int devnull = ::open("/dev/null", O_RDONLY);
  {
    // One fd per byte, no message at all.
    RawConnection c(store_->socket_path());
    for (int i = 0; i < 300; ++i) {
      if (!c.SendFd(devnull)) break;
    }
    ExpectBystanderServed();
  }
  {
    // 250 fds in a single sendmsg (SCM_MAX_FD is 253).
    RawConnection c(store_->socket_path());
    std::vector<int> fds(250, devnull);
    SendFds(c.fd(), fds);
    ExpectBystanderServed();
    ProbeConnection(c);
  }
  {
    // Fds riding on the bytes of ordinary requests.
    RawConnection c(store_->socket_path());
    for (int i = 0; i < 20; ++i) {
      Bytes payload = ConnectRequest();
      uint8_t h[protocol::kHeaderSize];
      protocol::EncodeHeader({0, 19, static_cast<int64_t>(payload.size())}, h);
      ASSERT_TRUE(c.SendBytes(h, sizeof(h) - 1));
      SendFds(c.fd(), {devnull, devnull});  // the header's last byte carries two fds
      c.SendBytes(payload.data(), payload.size());
    }
    ProbeConnection(c);
  }
  {
    // Subscribe with fds that are not sockets, or with two fds.
    for (int variant = 0; variant < 3; ++variant) {
      RawConnection c(store_->socket_path());
      ASSERT_TRUE(c.Send(23, EmptyTable()));
      int pipefd[2];
      ASSERT_EQ(::pipe(pipefd), 0);
      if (variant == 0) SendFds(c.fd(), {devnull});
      if (variant == 1) SendFds(c.fd(), {pipefd[0]});  // read end: writes fail
      if (variant == 2) SendFds(c.fd(), {pipefd[1], pipefd[1]});
      ::close(pipefd[0]);
      ::close(pipefd[1]);
      Session maker(store_->socket_path());
      ASSERT_EQ(Create(maker, Id("subscribed"), 10), fb::PlasmaError::OK);
      ASSERT_EQ(Seal(maker, Id("subscribed")), fb::PlasmaError::OK);
      ProbeConnection(c);
      ExpectBystanderServed();
      // Delete it again for the next variant.
      ASSERT_TRUE(maker.conn.Send(11, ReleaseRequest(Id("subscribed"))));
      ASSERT_TRUE(maker.conn.Send(13, DeleteRequest({Id("subscribed")}, 1)));
      ASSERT_TRUE(Expect(maker.conn, fb::MessageType::PlasmaDeleteReply).has_value());
    }
  }
  ::close(devnull);
  ExpectFdsBackToBaseline();
}

TEST_F(HostileResourcesTest, ConnectionFloodBeyondTheDescriptorLimit) {
  // Raise our own limit so we can open more connections than the store may have descriptors.
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  rlimit raised = lim;
  raised.rlim_cur = std::min<rlim_t>(lim.rlim_max, 8192);
  ::setrlimit(RLIMIT_NOFILE, &raised);
  rlimit store_lim{};
  ASSERT_EQ(::prlimit(store_->pid(), RLIMIT_NOFILE, nullptr, &store_lim), 0);
  const size_t n = std::min<size_t>(static_cast<size_t>(store_lim.rlim_cur) + 200,
                                    static_cast<size_t>(raised.rlim_cur) - 100);
  {
    std::vector<int> fds;
    for (size_t i = 0; i < n; ++i) {
      int fd = protocol::ConnectUnix(store_->socket_path());
      if (fd < 0) break;
      fds.push_back(fd);
    }
    ExpectBystanderServed();
    for (int fd : fds) ::close(fd);
  }
  ::setrlimit(RLIMIT_NOFILE, &lim);
  ExpectBystanderServed();
  ExpectFdsBackToBaseline();
}

}  // namespace
}  // namespace plasmasharp::testing::raw
