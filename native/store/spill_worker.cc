#include "spill_worker.h"

namespace plasmasharp::store {

void SpillWorker::StartThread(std::function<void()> on_done) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (threaded_) return;
  on_done_ = std::move(on_done);
  threaded_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void SpillWorker::StopThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!threaded_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  threaded_ = false;
  on_done_ = nullptr;
}

void SpillWorker::Run(SpillJob& job) {
  switch (job.kind) {
    case SpillJob::Kind::kWrite: job.ok = store_->Put(job.items, &job.error); break;
    case SpillJob::Kind::kRead: job.ok = store_->Get(job.key, job.into, job.size, &job.error); break;
    case SpillJob::Kind::kDelete:
      store_->Delete(job.key);
      job.ok = true;
      break;
  }
}

void SpillWorker::Submit(std::unique_ptr<SpillJob> job) {
  std::unique_lock<std::mutex> lock(mutex_);
  ++outstanding_;
  if (!threaded_) {
    lock.unlock();
    Run(*job);  // only the caller's thread touches the store now
    lock.lock();
    done_.push_back(std::move(job));
    return;
  }
  queue_.push_back(std::move(job));
  lock.unlock();
  wake_.notify_one();
}

void SpillWorker::Loop() {
  for (;;) {
    std::unique_ptr<SpillJob> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Run(*job);
    std::function<void()> notify;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.push_back(std::move(job));
      notify = on_done_;
    }
    if (notify) notify();
  }
}

std::vector<std::unique_ptr<SpillJob>> SpillWorker::TakeDone() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::unique_ptr<SpillJob>> out;
  out.swap(done_);
  outstanding_ -= out.size();
  return out;
}

bool SpillWorker::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return outstanding_ != 0;
}

}  // namespace plasmasharp::store
