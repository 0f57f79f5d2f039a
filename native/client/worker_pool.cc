#include "worker_pool.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace plasmasharp::client {
namespace {

// More threads than the digest has chunks (8 + tail) would never get work.
constexpr unsigned kMaxThreads = 8;

// One ParallelFor call. Lives on the caller's stack; the caller returns only after it has
// unqueued the job and no worker still holds it (see ParallelFor).
struct Job {
  IndexedTask task;
  void* context;
  size_t count;
  std::atomic<size_t> next{0};
  int workers_inside = 0;  // guarded by the pool's mutex
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerPool* previous) : owner_pid_(::getpid()), previous_(previous) {
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    unsigned extra = std::min(cores, kMaxThreads) - 1;
    // The workers start with every signal blocked (a thread inherits its creator's mask), so
    // the application's process-directed signals are never delivered on a library thread.
    sigset_t all, saved;
    sigfillset(&all);
    const bool masked = pthread_sigmask(SIG_SETMASK, &all, &saved) == 0;
    for (unsigned i = 0; i < extra; ++i) {
      try {
        std::thread(&WorkerPool::WorkerLoop, this).detach();
        ++workers_;
      } catch (...) {
        break;  // no more threads available: callers do the rest of the work themselves
      }
    }
    if (masked) pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  }

  pid_t owner_pid() const { return owner_pid_; }

  void Run(Job* job) {
    if (workers_ > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(job);
    }
    if (workers_ > 0) work_ready_.notify_all();
    Work(job);
    if (workers_ == 0) return;
    // Every index is claimed; wait for the workers still running one of this job's tasks.
    std::unique_lock<std::mutex> lock(mutex_);
    Unqueue(job);
    job_left_.wait(lock, [job] { return job->workers_inside == 0; });
  }

 private:
  static void Work(Job* job) {
    for (size_t i = job->next.fetch_add(1); i < job->count; i = job->next.fetch_add(1)) {
      job->task(job->context, i);
    }
  }

  // Called with mutex_ held.
  void Unqueue(Job* job) {
    auto it = std::find(queue_.begin(), queue_.end(), job);
    if (it != queue_.end()) queue_.erase(it);
  }

  void WorkerLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      work_ready_.wait(lock, [this] { return !queue_.empty(); });
      Job* job = queue_.front();
      if (job->next.load() >= job->count) {
        // Fully claimed: nothing left for anyone; the caller no longer needs it queued.
        queue_.pop_front();
        continue;
      }
      ++job->workers_inside;
      lock.unlock();
      Work(job);
      lock.lock();
      Unqueue(job);
      if (--job->workers_inside == 0) job_left_.notify_all();
    }
  }

  const pid_t owner_pid_;
  // The pool inherited from the parent process (if any): kept reachable, never used or freed,
  // because its lock may have been held by a thread that does not exist in this process.
  WorkerPool* const previous_;
  size_t workers_ = 0;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable job_left_;
  std::deque<Job*> queue_;
};

std::atomic<WorkerPool*> g_pool{nullptr};

// This process's pool, started on first use (and again in a forked child).
WorkerPool* Pool() {
  const pid_t self = ::getpid();
  WorkerPool* current = g_pool.load(std::memory_order_acquire);
  while (current == nullptr || current->owner_pid() != self) {
    auto* fresh = new WorkerPool(current);
    if (g_pool.compare_exchange_strong(current, fresh, std::memory_order_acq_rel)) return fresh;
    // Another thread of this process installed one first. Ours has idle detached threads that
    // still reference it, so it is kept (unused) rather than freed; this race happens at most
    // once per thread per process.
    // (`current` now holds the winner; the loop re-checks its owner.)
  }
  return current;
}

}  // namespace

void ParallelFor(size_t count, IndexedTask task, void* context) {
  if (count == 0) return;
  Job job;
  job.task = task;
  job.context = context;
  job.count = count;
  if (count == 1) {
    task(context, 0);
    return;
  }
  Pool()->Run(&job);
}

}  // namespace plasmasharp::client
