// Running a store: in-process on its own thread (StoreRunner, wrapped by the C ABI's
// ps_store_start / ps_store_stop) or as the plasma-store executable (RunStoreMain).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace plasmasharp::store {

struct StoreOptions {
  std::string socket_path;
  int64_t capacity = 0;
  std::string directory = "/dev/shm";
  bool hugepages = false;
  int socket_mode = 0600;
};

class StoreRunner {
 public:
  // Starts the event loop on its own thread; returns once the socket accepts connections, or
  // nullptr with *error set (a sentence saying what to do).
  static std::unique_ptr<StoreRunner> Start(const StoreOptions& options, std::string* error);
  void Stop();  // idempotent; closes every client; joins the thread
  ~StoreRunner();

  struct State;  // implementation detail (store_runner.cc)

 private:
  StoreRunner() = default;
  std::unique_ptr<State> state_;
};

int RunStoreMain(int argc, char** argv);  // the CLI; main() just calls this

}  // namespace plasmasharp::store
