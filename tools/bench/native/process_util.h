// Small helpers both C++ benchmark programs share (plasma_bench against our client, and
// real/bench_real.cc against Arrow 11's libplasma, which is built outside CMake): header-only,
// standard library and POSIX, so neither program links anything of the other.
#pragma once

#include <dirent.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cstring>
#include <fstream>
#include <string>

namespace plasmabench {

// CPU seconds of every thread of a process (schedstat: ns on CPU), or -1 if unknown.
inline double ProcessCpuSecondsPrecise(pid_t pid) {
  if (pid <= 0) return -1;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* directory = opendir(tasks.c_str());
  if (directory == nullptr) return -1;
  double total = 0;
  while (dirent* entry = readdir(directory)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream schedstat(tasks + "/" + entry->d_name + "/schedstat");
    double on_cpu_ns = 0;
    if (schedstat >> on_cpu_ns) total += on_cpu_ns * 1e-9;
  }
  closedir(directory);
  return total;
}

// User + system CPU seconds of a getrusage/wait4 result.
inline double CpuSeconds(const rusage& usage) {
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec * 1e-6;
}

// `--flag=value` or `--flag value` at argv[i] (advancing i past a separate value): true with
// *out set, else false.
inline bool TakeValue(int& i, int argc, char** argv, const char* flag, std::string* out) {
  const size_t length = std::strlen(flag);
  if (std::strncmp(argv[i], flag, length) != 0) return false;
  if (argv[i][length] == '=') {
    *out = argv[i] + length + 1;
    return true;
  }
  if (argv[i][length] == '\0' && i + 1 < argc) {
    *out = argv[++i];
    return true;
  }
  return false;
}

}  // namespace plasmabench
