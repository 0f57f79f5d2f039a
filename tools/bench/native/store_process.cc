#include "store_process.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace plasmabench {
namespace {

bool SocketAccepts(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

int64_t StatusField(pid_t pid, const char* field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const size_t field_length = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.compare(0, field_length, field) == 0 && line.size() > field_length &&
        line[field_length] == ':') {
      return std::atoll(line.c_str() + field_length + 1) * 1024;  // reported in kB
    }
  }
  return -1;
}

}  // namespace

StoreProcess::~StoreProcess() { Stop(); }

bool StoreProcess::Start(const std::string& executable, int64_t capacity,
                         const std::vector<std::string>& extra_arguments) {
  return StartWrapped({}, executable, capacity, extra_arguments);
}

bool StoreProcess::StartWrapped(const std::vector<std::string>& wrapper, const std::string& executable,
                                int64_t capacity, const std::vector<std::string>& extra_arguments) {
  char directory_template[] = "/tmp/plasma-bench-XXXXXX";
  if (mkdtemp(directory_template) == nullptr) {
    std::perror("plasma_bench: mkdtemp");
    return false;
  }
  directory_ = directory_template;
  socket_path_ = directory_ + "/store.sock";
  const std::string capacity_text = std::to_string(capacity);
  pid_ = fork();
  if (pid_ < 0) {
    std::perror("plasma_bench: fork");
    return false;
  }
  if (pid_ == 0) {
    // The store must not outlive a bench that crashes or is killed.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::vector<const char*> argv;
    for (const std::string& argument : wrapper) argv.push_back(argument.c_str());
    argv.insert(argv.end(), {executable.c_str(), "-m", capacity_text.c_str(), "-s", socket_path_.c_str()});
    for (const std::string& argument : extra_arguments) argv.push_back(argument.c_str());
    argv.push_back(nullptr);
    execv(argv[0], const_cast<char* const*>(argv.data()));
    std::perror("plasma_bench: exec plasma-store");
    _exit(127);
  }
  for (int attempt = 0; attempt < 500; ++attempt) {
    if (SocketAccepts(socket_path_)) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      std::fprintf(stderr, "plasma_bench: %s exited during start-up\n", executable.c_str());
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::fprintf(stderr, "plasma_bench: %s did not accept connections on %s\n", executable.c_str(),
               socket_path_.c_str());
  Stop();
  return false;
}

void StoreProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!directory_.empty()) {
    unlink(socket_path_.c_str());
    rmdir(directory_.c_str());
    directory_.clear();
  }
}

int64_t ProcessRssBytes(pid_t pid) { return pid > 0 ? StatusField(pid, "VmRSS") : -1; }
double ProcessCpuSeconds(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  size_t close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(close_paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {  // field 3 is the state
    if (index == 14) utime = std::atof(field.c_str());
    if (index == 15) {
      stime = std::atof(field.c_str());
      return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return -1;
}


int64_t ProcessPeakRssBytes(pid_t pid) { return pid > 0 ? StatusField(pid, "VmHWM") : -1; }
int64_t ProcessStatusBytes(pid_t pid, const char* field) { return pid > 0 ? StatusField(pid, field) : -1; }

long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

}  // namespace plasmabench
