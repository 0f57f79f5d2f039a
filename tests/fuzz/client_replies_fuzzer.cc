// libFuzzer target: the client's reply decoding (native/client), end to end through its real
// socket code. A fake store thread answers one client connection with bytes from the input;
// the client performs one operation and must turn whatever comes back into a Status, never a
// crash, a wild read, or a hang.
//
// Input:
//   byte 0  operation (see RunOperation; 0 = the input is the ConnectReply itself)
//   byte 1  fds the fake store passes: bits 0-1 how many (0-3); bits 2-3 size of each
//           (64 KiB, 1 MiB, 8 bytes, 0 bytes); bit 4 pass a socket instead of a memfd;
//           bit 5 pass them right after the first framed message instead of at the end
//   rest    the byte stream the fake store writes (after a valid ConnectReply, except op 0):
//           framed replies (header + flatbuffer), as many as the operation reads
// The store side then half-closes, so a client waiting for more sees EOF.
// Operation 14 instead feeds the rest to a Subscription (notification frames).
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "plasma_client.h"
#include "socket_io.h"
#include "wire.h"

namespace pc = plasmasharp::client;
namespace proto = plasmasharp::protocol;
namespace fb = plasma::flatbuf;

namespace {

struct FakeStore {
  std::string dir;
  std::string path;
  int listen_fd = -1;
};

FakeStore& Store() {
  static FakeStore* store = [] {
    auto* s = new FakeStore();
    char tmpl[] = "/tmp/ps-fuzz-client-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    s->dir = tmpl;
    s->path = s->dir + "/plasma.sock";
    s->listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, s->path.c_str(), sizeof(addr.sun_path) - 1);
    if (::bind(s->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(s->listen_fd, 16) != 0) {
      std::perror("fuzz_client_replies: fake store socket");
      std::abort();
    }
    std::atexit([] {
      ::unlink(Store().path.c_str());
      ::rmdir(Store().dir.c_str());
    });
    return s;
  }();
  return *store;
}

std::vector<uint8_t> ValidConnectReply() {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaConnectReply(b, 1 << 20));
  std::vector<uint8_t> out(proto::kHeaderSize);
  proto::EncodeHeader({0, static_cast<int64_t>(fb::MessageType::PlasmaConnectReply),
                       static_cast<int64_t>(b.GetSize())},
                      out.data());
  out.insert(out.end(), b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  return out;
}

int MakeFd(uint8_t flags) {
  if (flags & 0x10) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    ::close(sv[1]);
    return sv[0];
  }
  static const off_t kSizes[] = {64 << 10, 1 << 20, 8, 0};
  int fd = ::memfd_create("ps-fuzz-segment", MFD_CLOEXEC);
  if (fd >= 0 && ::ftruncate(fd, kSizes[(flags >> 2) & 3]) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Writes the stream (fds at the chosen point), half-closes, then drains until the client hangs up.
void ServeOne(int conn, std::vector<uint8_t> stream, size_t fd_point, uint8_t flags) {
  const int fd_count = flags & 3;
  bool ok = WriteAll(conn, stream.data(), fd_point);
  for (int i = 0; ok && i < fd_count; ++i) {
    int fd = MakeFd(flags);
    if (fd < 0) break;
    ok = proto::SendFd(conn, fd) == 0;
    ::close(fd);
  }
  if (ok) WriteAll(conn, stream.data() + fd_point, stream.size() - fd_point);
  ::shutdown(conn, SHUT_WR);
  char sink[4096];
  while (::read(conn, sink, sizeof(sink)) > 0) {
  }
  ::close(conn);
}

// Reads every byte of the object: a bad offset or size shows up as a fault here.
uint64_t Touch(const pc::ObjectRef& ref) {
  uint64_t sum = 0;
  for (int64_t i = 0; i < ref.data_size(); i += 512) sum += ref.data()[i];
  for (int64_t i = 0; i < ref.metadata_size(); i += 512) sum += ref.metadata()[i];
  if (ref.data_size() > 0) sum += ref.data()[ref.data_size() - 1];
  if (ref.metadata_size() > 0) sum += ref.metadata()[ref.metadata_size() - 1];
  return sum;
}

const pc::ObjectId kIdA = "fuzz-object-a.......";
const pc::ObjectId kIdB = "fuzz-object-b.......";
volatile uint64_t g_sink;

void RunOperation(int op, pc::PlasmaClient& client) {
  const uint8_t meta[3] = {1, 2, 3};
  const uint8_t bytes[64] = {7};
  switch (op) {
    case 1: client.SetClientOptions("fuzz", 1000); break;
    case 2: {
      std::unique_ptr<pc::ObjectRef> ref;
      if (client.Create(kIdA, 100, meta, 3, true, &ref).ok() && ref) {
        if (ref->data_size() > 0) ref->data()[0] = 1;
        g_sink = Touch(*ref);
        ref->Seal();
        ref->Release();
      }
      break;
    }
    case 3: client.CreateAndSeal(kIdA, bytes, 64, meta, 3, true); break;
    case 4: {
      std::vector<pc::PlasmaClient::BatchItem> items = {{kIdA, bytes, 64, meta, 3},
                                                        {kIdB, bytes, 10, nullptr, 0}};
      client.CreateAndSealBatch(items, false);
      break;
    }
    case 5: {
      std::vector<std::unique_ptr<pc::ObjectRef>> refs;
      if (client.Get({kIdA, kIdB}, 0, &refs).ok()) {
        for (auto& r : refs) {
          if (r) g_sink = Touch(*r);
        }
      }
      break;
    }
    case 6: {
      bool has = false;
      client.Contains(kIdA, &has);
      break;
    }
    case 7: {
      std::vector<pc::Code> results;
      client.Delete({kIdA, kIdB}, &results);
      break;
    }
    case 8: {
      int64_t freed = 0;
      client.Evict(1000, &freed);
      break;
    }
    case 9: client.Refresh({kIdA}); break;
    case 10: {
      std::array<uint8_t, pc::kDigestSize> digest{};
      client.Hash(kIdA, &digest);
      break;
    }
    case 11: {
      std::vector<pc::ObjectInfo> objects;
      client.List(&objects);
      break;
    }
    case 12: {
      std::string text;
      client.DebugString(&text);
      break;
    }
    case 13: {
      std::unique_ptr<pc::Subscription> sub;
      if (client.Subscribe(&sub).ok()) {
        pc::ObjectInfo info;
        sub->Next(0, &info);
      }
      break;
    }
    case 15: {  // a Get, then a Create: segment table reuse across replies
      std::vector<std::unique_ptr<pc::ObjectRef>> refs;
      client.Get({kIdA}, 0, &refs);
      std::unique_ptr<pc::ObjectRef> ref;
      if (client.Create(kIdB, 10, nullptr, 0, false, &ref).ok() && ref) {
        g_sink = Touch(*ref);
        ref->Abort();
      }
      for (auto& r : refs) {
        if (r) g_sink = Touch(*r);
      }
      break;
    }
    default: break;
  }
}

void FuzzNotifications(const uint8_t* data, size_t size) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
  std::vector<uint8_t> stream(data, data + size);
  std::thread writer([fd = sv[1], stream] {
    WriteAll(fd, stream.data(), stream.size());
    ::close(fd);
  });
  {
    pc::Subscription sub(sv[0]);
    pc::ObjectInfo info;
    for (int i = 0; i < 10000; ++i) {
      if (!sub.Next(-1, &info).ok()) break;
    }
  }
  writer.join();
}

}  // namespace

// Quiet any diagnostics printed through the stderr FILE (see store_messages_fuzzer.cc).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (std::getenv("PS_FUZZ_VERBOSE") == nullptr) {
    if (FILE* null = std::fopen("/dev/null", "w")) stderr = null;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int op = data[0] % 16;
  const uint8_t flags = data[1];
  if (op == 14) {
    FuzzNotifications(data + 2, size - 2);
    return 0;
  }
  FakeStore& store = Store();
  std::vector<uint8_t> stream = op == 0 ? std::vector<uint8_t>() : ValidConnectReply();
  const size_t prefix = stream.size();
  stream.insert(stream.end(), data + 2, data + size);
  size_t fd_point = stream.size();
  if ((flags & 0x20) && stream.size() - prefix >= proto::kHeaderSize) {
    proto::Header h = proto::DecodeHeader(stream.data() + prefix);
    if (h.length >= 0 && static_cast<uint64_t>(h.length) <= stream.size() - prefix - proto::kHeaderSize) {
      fd_point = prefix + proto::kHeaderSize + static_cast<size_t>(h.length);
    }
  }

  std::thread server;
  std::shared_ptr<pc::PlasmaClient> client;
  // Accept in the server thread: Connect blocks on the ConnectReply.
  server = std::thread([&store, stream, fd_point, flags] {
    int conn = ::accept4(store.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn >= 0) ServeOne(conn, stream, fd_point, flags);
  });
  pc::Status st = pc::PlasmaClient::Connect(store.path, 1, 0, &client);
  if (st.ok() && client) {
    RunOperation(op, *client);
    client->Disconnect();
  }
  client.reset();
  server.join();
  return 0;
}
