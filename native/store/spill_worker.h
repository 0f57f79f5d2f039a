// The external store's I/O, off the event loop: jobs (write a batch, read one object into its
// new block, delete a copy) run in order on one worker thread, and each finished job comes back
// through TakeDone on the loop thread, which the worker wakes (`on_done`). The loop keeps
// serving every other client while a write runs; only the clients waiting for that memory wait.
//
// Without a worker thread (the socket-free core in tests and fuzzers, or after StopThread), a
// job runs inside Submit and is done when Submit returns.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "external/external_store.h"

namespace plasmasharp::store {

struct SpillJob {
  enum class Kind { kWrite, kRead, kDelete };
  Kind kind = Kind::kWrite;
  std::vector<SpillItem> items;  // kWrite: the batch
  SpillKey key = 0;              // kRead, kDelete
  uint8_t* into = nullptr;       // kRead: the new block
  uint64_t size = 0;             // kRead
  // Results, set by the worker.
  bool ok = false;
  std::string error;
};

class SpillWorker {
 public:
  explicit SpillWorker(ExternalStore* store) : store_(store) {}
  ~SpillWorker() { StopThread(); }
  SpillWorker(const SpillWorker&) = delete;
  SpillWorker& operator=(const SpillWorker&) = delete;

  // From now on jobs run on a thread; `on_done` is called (on that thread) after each one.
  void StartThread(std::function<void()> on_done);
  // Runs what is queued, joins the thread; later jobs run inline. Idempotent.
  void StopThread();

  void Submit(std::unique_ptr<SpillJob> job);
  std::vector<std::unique_ptr<SpillJob>> TakeDone();
  // True while a job is queued or running (its completion is still to be taken).
  bool busy() const;
  bool threaded() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threaded_;
  }

 private:
  void Run(SpillJob& job);
  void Loop();

  ExternalStore* store_;
  std::function<void()> on_done_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool threaded_ = false;
  bool stopping_ = false;
  size_t outstanding_ = 0;  // submitted, not yet taken
  std::deque<std::unique_ptr<SpillJob>> queue_;
  std::vector<std::unique_ptr<SpillJob>> done_;
};

}  // namespace plasmasharp::store
