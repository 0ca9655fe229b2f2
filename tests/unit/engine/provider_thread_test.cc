#include "engine/provider_thread.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace xpush {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// Answers every notification at once with its token as the reason.
class AnsweringProvider final : public push::Provider {
 public:
  void send(const push::Notification& n, Completion done) override {
    done(push::PushResult{.outcome = push::Outcome::kDelivered, .reason = n.id});
  }
};

// Holds what it is sent; when destroyed, fails it on its loop the way an
// HTTP/2 connection does when closed: through handlers that read the provider.
class ClosingProvider final : public push::Provider {
 public:
  explicit ClosingProvider(asio::any_io_executor loop) : loop_(std::move(loop)) {}
  ~ClosingProvider() override {
    for (auto& done : pending_) {
      asio::post(loop_, [this, done = std::move(done)] {
        done(push::PushResult{.outcome = push::Outcome::kRetry, .reason = why_});
      });
    }
  }
  void send(const push::Notification&, Completion done) override { pending_.push_back(std::move(done)); }

 private:
  asio::any_io_executor loop_;
  std::string why_ = "connection closed";
  std::vector<Completion> pending_;
};

push::Notification to(const std::string& token) {
  push::Notification n;
  n.id = token;
  return n;
}

TEST(ProviderThread, ReturnsEachResultOnTheCallersLoop) {
  asio::io_context loop;
  auto keep_running = asio::make_work_guard(loop);
  std::optional<push::PushResult> got;
  {
    ProviderThread thread(loop.get_executor(), [](asio::any_io_executor) {
      return std::make_unique<AnsweringProvider>();
    });
    thread.send(to("tok-1"), [&](push::PushResult r) { got = std::move(r); });
    for (int i = 0; i < 100 && !got; ++i) loop.run_one_for(50ms);
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->reason, "tok-1");
}

TEST(ProviderThread, StopsWithoutRunningWhatTheClosingProviderLeftBehind) {
  asio::io_context loop;
  int results = 0;
  {
    ProviderThread thread(loop.get_executor(), [](asio::any_io_executor push_loop) {
      return std::make_unique<ClosingProvider>(push_loop);
    });
    thread.send(to("tok-1"), [&](push::PushResult) { ++results; });
    thread.send(to("tok-2"), [&](push::PushResult) { ++results; });
  }  // the provider is destroyed on its own thread, with both sends unanswered
  loop.run_for(100ms);
  // Unanswered at shutdown means sent again after the restart: the outbox keeps
  // the rows. A failure reported from a destroyed provider would be a read of
  // freed memory (ASan) and a retry scheduled by a dispatcher that is going away.
  EXPECT_EQ(results, 0);
}

}  // namespace
}  // namespace xpush
