#pragma once
// A fixed set of threads for blocking work (store calls, policy decisions, outbound HTTPS), so
// that the I/O threads never block (ARCHITECTURE.md, "Runtime model"). Handlers post a job and
// answer from it through their Responder.
//
// The queue is bounded: tryPost() refuses a job when it is full, and the caller answers 503
// instead of letting memory grow under overload. The destructor stops taking jobs, lets the
// threads finish the queued ones and joins them.
//
// Thread-safety: tryPost() from any thread.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cxgw::gateway {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t queue_capacity);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is stopping; the job is then dropped.
  bool tryPost(std::function<void()> job);

 private:
  void run();

  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cxgw::gateway
