// The physical floors every other figure is compared with, measured in the same run:
//  - a 64-byte round trip between two processes over a Unix socketpair (what one
//    request/reply of a small Plasma operation cannot beat), and
//  - single-thread memcpy of 100 MiB between prefaulted buffers (what a large put must copy).
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "bench_context.h"

namespace plasmabench {
namespace {

constexpr size_t kMessageSize = 64;

bool TransferAll(int fd, uint8_t* buffer, size_t size, bool writing) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = writing ? write(fd, buffer + done, size - done) : read(fd, buffer + done, size - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Child side: echoes every 64-byte message until the parent closes its end.
[[noreturn]] void EchoUntilClosed(int fd) {
  uint8_t message[kMessageSize];
  while (TransferAll(fd, message, kMessageSize, false) && TransferAll(fd, message, kMessageSize, true)) {
  }
  _exit(0);
}

void SocketRoundTrip(benchmark::State& state) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    state.SkipWithError("socketpair failed");
    return;
  }
  pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    EchoUntilClosed(fds[1]);
  }
  close(fds[1]);
  uint8_t message[kMessageSize] = {1};
  for (auto _ : state) {
    if (!TransferAll(fds[0], message, kMessageSize, true) ||
        !TransferAll(fds[0], message, kMessageSize, false)) {
      state.SkipWithError("echo process went away");
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
}

void Memcpy100MiB(benchmark::State& state) {
  const int64_t size = 100 * kMiB;
  auto source = PrefaultedBuffer(size, 0x5a);
  auto destination = PrefaultedBuffer(size, 0);
  for (auto _ : state) {
    std::memcpy(destination.get(), source.get(), size);
    benchmark::DoNotOptimize(destination.get());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * size);
}

}  // namespace

void RegisterFloors() {
  benchmark::RegisterBenchmark("floor/socket_rtt_64B", SocketRoundTrip)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("floor/memcpy_100MiB", Memcpy100MiB)
      ->UseRealTime()->Unit(benchmark::kMillisecond);
}

}  // namespace plasmabench
