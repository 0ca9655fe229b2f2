#include "engine/retention.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "store/sqlite_store.h"
#include "tests/unit/temp_dir.h"

namespace xpush {
namespace {

TEST(Retention, PurgesWhatIsOlderThanTheRetentionInBatchesAndKeepsTheRest) {
  testing::TempDir dir;
  const auto now = std::chrono::system_clock::time_point{std::chrono::hours{24 * 20000}};
  const auto ms = [](auto t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  {
    auto store = *store::SqliteStore::open(dir.file("x.db"));
    for (int i = 0; i < 2500; ++i) {
      store::OfflineMessage m{0, "alice@example.org", "example.org", "", "", "stanza", "<message/>",
                              ms(now - std::chrono::hours{24 * 91})};
      ASSERT_TRUE(store->store_message(m));
    }
    store::OfflineMessage recent{0, "alice@example.org", "example.org", "", "", "stanza", "<message/>",
                                 ms(now - std::chrono::hours{24 * 89})};
    ASSERT_TRUE(store->store_message(recent));
  }
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  StoreWorker worker{io.get_executor(), *store::SqliteStore::open(dir.file("x.db"))};
  Retention retention{io.get_executor(), worker, RetentionOptions{.batch = 1000}, [now] { return now; }};
  retention.start();
  for (int i = 0; i < 300 && retention.purged() < 2500; ++i) io.run_one_for(std::chrono::milliseconds{10});
  EXPECT_EQ(retention.purged(), 2500u);
  retention.stop();
  auto again = *store::SqliteStore::open(dir.file("x.db"));
  EXPECT_EQ(*again->count_messages("alice@example.org"), 1);  // the one within 90 days
  EXPECT_EQ(retention.last_run_ms(), ms(now));
}

}  // namespace
}  // namespace xpush
