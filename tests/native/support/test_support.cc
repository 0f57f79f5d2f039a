#include "test_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "socket_io.h"

namespace plasmasharp::testing {

using Clock = std::chrono::steady_clock;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/plasmasharp-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string StoreExecutable() { return PLASMA_STORE_PATH; }

std::string WireDir() {
  const char* p = std::getenv("PLASMASHARP_WIRE_DIR");
  if (p && *p) return p;
  return PLASMASHARP_WIRE_DIR;
}

std::optional<std::string> WireVectorsMissing() {
  std::string index = WireDir() + "/scenarios.json";
  if (::access(index.c_str(), R_OK) == 0) return std::nullopt;
  return "the recorded wire vectors are not here (" + index +
         " is missing; they come from ../shared/plasma-wire beside the clone)";
}

const char* StoreKindName(StoreKind kind) {
  return kind == StoreKind::kReal ? "RealStore" : "OurStore";
}

void PrintTo(StoreKind kind, std::ostream* os) { *os << StoreKindName(kind); }

std::optional<std::string> RealStoreExecutable(std::string* why_not) {
  const char* missing = std::getenv("ARROW11_MISSING");
  const char* bin = std::getenv("ARROW11_BIN");
  if (missing != nullptr && *missing != '\0') {
    *why_not = missing;
  } else if (bin == nullptr || *bin == '\0') {
    *why_not = "ARROW11_BIN is not set: run the tests through ./build.sh test, or "
               "`source tests/arrow11/env.sh` first";
  } else {
    std::string path = std::string(bin) + "/plasma-store-server";
    if (::access(path.c_str(), X_OK) == 0) return path;
    *why_not = path + " is not executable";
  }
  return std::nullopt;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& output_path) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (!output_path.empty()) {
    int fd = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
  }
  std::vector<std::string> copy = argv;
  std::vector<char*> raw;
  for (auto& a : copy) raw.push_back(a.data());
  raw.push_back(nullptr);
  ::execv(raw[0], raw.data());
  std::perror(("execv " + argv[0]).c_str());
  ::_exit(127);
}

std::optional<int> WaitForExit(pid_t pid, std::chrono::milliseconds wait) {
  auto deadline = Clock::now() + wait;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool WaitUntilListening(const std::string& socket_path, pid_t pid, std::chrono::milliseconds wait,
                        std::optional<int>* exit_code) {
  auto deadline = Clock::now() + wait;
  for (;;) {
    int fd = protocol::ConnectUnix(socket_path);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    if (pid > 0) {
      std::optional<int> exited = WaitForExit(pid, std::chrono::milliseconds(0));
      if (exited) {
        if (exit_code != nullptr) *exit_code = exited;
        return false;
      }
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

StoreRun RunStore(const std::vector<std::string>& args, std::chrono::milliseconds wait) {
  TempDir dir;
  const std::string log = dir.path() + "/output";
  std::vector<std::string> argv = {StoreExecutable()};
  argv.insert(argv.end(), args.begin(), args.end());
  StoreRun run;
  pid_t pid = Spawn(argv, log);
  if (pid < 0) return run;
  std::optional<int> code = WaitForExit(pid, wait);
  if (code) {
    run.exited = true;
    run.code = *code;
  } else {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  run.output = ReadFile(log);
  return run;
}

void MakeStaleSocket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind " + path);
  }
  ::close(fd);  // the file stays; nobody listens on it
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

StoreProcess::StoreProcess(int64_t capacity, std::vector<std::string> extra_args, StoreKind kind) {
  socket_path_ = dir_.path() + "/plasma.sock";
  std::string executable = StoreExecutable();
  if (kind == StoreKind::kReal) {
    std::string why;
    std::optional<std::string> real = RealStoreExecutable(&why);
    if (!real) throw std::runtime_error("the real Arrow 11 store is not available: " + why);
    executable = *real;
  }
  std::vector<std::string> args = {executable, "-m", std::to_string(capacity), "-s",
                                   socket_path_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = Spawn(args);
  if (pid_ < 0) throw std::runtime_error("fork failed");
  // Ready when a connection is accepted (the socket exists and listens).
  std::optional<int> exited;
  if (WaitUntilListening(socket_path_, pid_, std::chrono::seconds(10), &exited)) return;
  if (exited) {
    pid_ = -1;  // reaped
    throw std::runtime_error("plasma-store exited during start-up");
  }
  throw std::runtime_error("plasma-store did not accept connections within 10 s");
}

StoreProcess::~StoreProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
}

bool StoreProcess::alive() {
  if (pid_ <= 0) return false;
  int status;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int StoreProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

RawConnection::RawConnection(const std::string& socket_path) {
  fd_ = protocol::ConnectUnix(socket_path);
}

RawConnection::~RawConnection() {
  Close();
  protocol::CloseAll(&pending_fds_);
}

void RawConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::vector<uint8_t> Framed(int64_t type, const uint8_t* payload, size_t size, int64_t version) {
  // Sized once and filled in place (growing a small vector trips gcc 12's bogus -Warray-bounds).
  std::vector<uint8_t> out(protocol::kHeaderSize + size);
  protocol::EncodeHeader(protocol::Header{version, type, static_cast<int64_t>(size)}, out.data());
  if (size > 0) std::memcpy(out.data() + protocol::kHeaderSize, payload, size);
  return out;
}

std::vector<uint8_t> Framed(int64_t type, const std::vector<uint8_t>& payload, int64_t version) {
  return Framed(type, payload.data(), payload.size(), version);
}

bool RawConnection::Send(int64_t type, const std::vector<uint8_t>& payload, int64_t version) {
  std::vector<uint8_t> all = Framed(type, payload, version);
  return SendBytes(all.data(), all.size());
}

bool RawConnection::SendBytes(const void* data, size_t length) {
  return fd_ >= 0 && protocol::WriteAll(fd_, data, length) == 0;
}

bool RawConnection::SendFd(int fd) { return fd_ >= 0 && protocol::SendFd(fd_, fd) == 0; }

bool RawConnection::Fill(size_t want, Clock::time_point deadline) {
  while (buffer_.size() < want) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    uint8_t chunk[65536];
    // Never read past the bytes we want: an fd-carrying byte right after a message belongs
    // to that message, and reading it with the next one would misattribute the fd.
    size_t room = std::min(sizeof(chunk), want - buffer_.size());
    ssize_t n = protocol::RecvWithFds(fd_, chunk, room, &pending_fds_);
    if (n <= 0) return false;
    buffer_.insert(buffer_.end(), chunk, chunk + n);
  }
  return true;
}

std::optional<Message> RawConnection::Receive(std::chrono::milliseconds timeout,
                                              size_t expected_fds) {
  if (fd_ < 0) return std::nullopt;
  auto deadline = Clock::now() + timeout;
  if (!Fill(protocol::kHeaderSize, deadline)) return std::nullopt;
  protocol::Header h = protocol::DecodeHeader(buffer_.data());
  if (h.length < 0 || h.length > (int64_t{1} << 31)) return std::nullopt;
  size_t total = protocol::kHeaderSize + static_cast<size_t>(h.length);
  if (!Fill(total, deadline)) return std::nullopt;
  Message m;
  m.version = h.version;
  m.type = h.type;
  m.payload.assign(buffer_.begin() + protocol::kHeaderSize, buffer_.begin() + total);
  buffer_.erase(buffer_.begin(), buffer_.begin() + total);
  if (expected_fds > 0) {
    m.fds = ReceiveFds(expected_fds, std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::max(deadline - Clock::now(), Clock::duration::zero())));
  }
  return m;
}

std::vector<int> RawConnection::ReceiveFds(size_t n, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::vector<int> fds;
  while (fds.size() < n) {
    if (!Fill(1, deadline)) break;
    buffer_.erase(buffer_.begin());
    fds.insert(fds.end(), pending_fds_.begin(), pending_fds_.end());
    pending_fds_.clear();
  }
  return fds;
}

bool RawConnection::WaitForClose(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return true;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    uint8_t chunk[4096];
    ssize_t n = protocol::RecvWithFds(fd_, chunk, sizeof(chunk), &pending_fds_);
    if (n <= 0) return true;  // EOF or reset
  }
}

std::vector<uint8_t> FinishedBytes(const flatbuffers::FlatBufferBuilder& builder) {
  return std::vector<uint8_t>(builder.GetBufferPointer(),
                              builder.GetBufferPointer() + builder.GetSize());
}

std::string Id(const std::string& prefix) {
  std::string id = prefix.substr(0, protocol::kObjectIdSize);
  id.resize(protocol::kObjectIdSize, '.');
  return id;
}

std::vector<uint8_t> FromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string ToHex(const uint8_t* data, size_t length) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(length * 2);
  for (size_t i = 0; i < length; ++i) {
    s.push_back(digits[data[i] >> 4]);
    s.push_back(digits[data[i] & 15]);
  }
  return s;
}

int OpenFdCount(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace plasmasharp::testing
