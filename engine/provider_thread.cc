#include "engine/provider_thread.h"

#include <pthread.h>

#include <boost/asio/post.hpp>

namespace xpush {

ProviderThread::ProviderThread(boost::asio::any_io_executor loop, const Make& make)
    : loop_(std::move(loop)), work_(io_.get_executor()), inner_(make(io_.get_executor())), thread_([this] {
        pthread_setname_np(pthread_self(), "xpush-push");
        io_.run();
      }) {}

ProviderThread::~ProviderThread() {
  // The provider's connections and timers are the push loop's: they end there.
  // Closing them posts their requests' failures, whose handlers point into the
  // provider; the loop stops before it would run them. Whatever was in flight
  // keeps its outbox row and lease, and is sent again after the restart.
  boost::asio::post(io_, [this] {
    inner_.reset();
    io_.stop();
  });
  thread_.join();
}

void ProviderThread::send(const push::Notification& notification, Completion done) {
  boost::asio::post(io_, [this, notification, done = std::move(done)]() mutable {
    inner_->send(notification, [loop = loop_, done = std::move(done)](push::PushResult result) mutable {
      boost::asio::post(loop, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    });
  });
}

}  // namespace xpush
