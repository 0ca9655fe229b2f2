// The store thread: blocking database calls run there, one at a time, and
// their results come back as handlers on the loop that asked.
//
// Group commit: the thread takes every call queued since its last turn (up to
// kMaxBatch) and runs them in one store transaction (Store::begin_batch). Only
// when that transaction is durable are their results handed back, together,
// in one post to the loop; if it fails, every call in it gets that error, so
// nothing is ever reported stored that is not. Under load, batches grow by
// themselves; alone, a call is a batch of one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include "store/store.h"

namespace xpush {

namespace store_worker_detail {

struct Job {
  virtual ~Job() = default;
  virtual void execute(store::Store& store) = 0;
  // The batch's transaction failed: whatever execute() computed is void.
  virtual void fail(const store::StoreError& error) = 0;
  virtual void complete() = 0;  // on the loop
};

template <class Work, class Done>
struct TypedJob final : Job {
  using Result = std::invoke_result_t<Work&, store::Store&>;
  TypedJob(Work w, Done d) : work(std::move(w)), done(std::move(d)) {}
  void execute(store::Store& store) override { result.emplace(work(store)); }
  void fail(const store::StoreError& error) override { result.emplace(tl::unexpected(error)); }
  void complete() override { done(std::move(*result)); }
  Work work;
  Done done;
  std::optional<Result> result;
};

}  // namespace store_worker_detail

class StoreWorker {
 public:
  static constexpr std::size_t kMaxBatch = 512;

  StoreWorker(boost::asio::any_io_executor loop, std::unique_ptr<store::Store> store)
      : loop_(loop), store_(std::move(store)), thread_([this] { serve(); }) {}
  ~StoreWorker() {
    {
      std::lock_guard lock{mutex_};
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  // work(Store&) runs on the store thread and returns a StoreResult; done(result)
  // runs on the loop once the batch it ran in is durable.
  template <class Work, class Done>
  void run(Work work, Done done) {
    auto job = std::make_unique<store_worker_detail::TypedJob<Work, Done>>(std::move(work), std::move(done));
    {
      std::lock_guard lock{mutex_};
      queue_.push_back(std::move(job));
    }
    wake_.notify_one();
  }

 private:
  using Batch = std::vector<std::unique_ptr<store_worker_detail::Job>>;

  void serve() {
    pthread_setname_np(pthread_self(), "xpush-store");  // as top -H and /proc show it
    for (;;) {
      Batch batch;
      {
        std::unique_lock lock{mutex_};
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left to do
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      run_batch(batch);
      auto shared = std::make_shared<Batch>(std::move(batch));
      boost::asio::post(loop_, [shared] {
        for (auto& job : *shared) job->complete();
      });
    }
  }

  void run_batch(Batch& batch) {
    if (auto begun = store_->begin_batch(); !begun) {
      for (auto& job : batch) job->fail(begun.error());
      return;
    }
    for (auto& job : batch) job->execute(*store_);
    if (auto ended = store_->end_batch(); !ended) {
      for (auto& job : batch) job->fail(ended.error());
    }
  }

  boost::asio::any_io_executor loop_;
  std::unique_ptr<store::Store> store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<store_worker_detail::Job>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace xpush
