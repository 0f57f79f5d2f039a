// Starts the built plasma-store as a child process on a temporary socket, for the figures that
// need a store when the user gave none (--store-socket).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "process_util.h"

namespace plasmabench {

class StoreProcess {
 public:
  StoreProcess() = default;
  ~StoreProcess();
  StoreProcess(const StoreProcess&) = delete;
  StoreProcess& operator=(const StoreProcess&) = delete;

  // Runs `executable -m capacity -s <tmp>/store.sock` and waits until the socket accepts a
  // connection. Returns false (with a message on stderr) when it does not come up.
  // `extra_arguments` follow (e.g. --prefault, -d DIR).
  bool Start(const std::string& executable, int64_t capacity,
             const std::vector<std::string>& extra_arguments = {});
  // The same command run through `wrapper` (argv of a program that ends by exec'ing its
  // arguments, e.g. unshare ... sh -c '...; exec "$0" "$@"'): the store keeps the pid.
  bool StartWrapped(const std::vector<std::string>& wrapper, const std::string& executable,
                    int64_t capacity, const std::vector<std::string>& extra_arguments);
  void Stop();

  const std::string& socket_path() const { return socket_path_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string directory_;
  std::string socket_path_;
};

// Resident memory of a process from /proc/<pid>/status (VmRSS, VmHWM) in bytes; -1 if unknown.
int64_t ProcessRssBytes(pid_t pid);
int64_t ProcessPeakRssBytes(pid_t pid);
// A field of /proc/<pid>/status in bytes (e.g. "RssShmem", "RssAnon"); -1 if unknown.
int64_t ProcessStatusBytes(pid_t pid, const char* field);
// CPU time (user + system) a process has used so far, in seconds; -1 if unknown.
double ProcessCpuSeconds(pid_t pid);
// Minor page faults this process has taken so far (getrusage).
long MinorFaults();

}  // namespace plasmabench
