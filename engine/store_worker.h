// The store thread: blocking database calls run there, one at a time, and
// their results come back as handlers on the loop that asked.
#pragma once

#include <memory>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "store/store.h"

namespace xpush {

class StoreWorker {
 public:
  StoreWorker(boost::asio::any_io_executor loop, std::unique_ptr<store::Store> store)
      : loop_(loop), store_(std::move(store)) {}
  ~StoreWorker() { pool_.join(); }
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  // work(Store&) runs on the store thread; done(result) on the loop.
  template <class Work, class Done>
  void run(Work work, Done done) {
    boost::asio::post(pool_, [this, work = std::move(work), done = std::move(done)]() mutable {
      auto result = work(*store_);
      boost::asio::post(loop_, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    });
  }

 private:
  boost::asio::any_io_executor loop_;
  std::unique_ptr<store::Store> store_;
  boost::asio::thread_pool pool_{1};
};

}  // namespace xpush
