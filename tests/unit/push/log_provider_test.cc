#include "push/log_provider.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/unit/temp_dir.h"

namespace xpush::push {
namespace {

TEST(LogProvider, OneJsonLinePerNotificationWithoutTheToken) {
  testing::TempDir dir;
  const auto path = dir.file("n.jsonl");
  Notification n;
  n.id = "id-1";
  n.recipient = "alice@example.org";
  n.node = "N";
  n.device = {Platform::kApns, "0011aabbccdd", "chat"};
  n.kind = Kind::kAlert;
  n.title = "New message \xE2\x9C\x89";
  n.rule = "r";
  {
    LogProvider provider{path};
    int done = 0;
    provider.send(n, [&](PushResult r) {
      EXPECT_EQ(r.outcome, Outcome::kDelivered);
      ++done;
    });
    provider.send(n, [&](PushResult) { ++done; });
    EXPECT_EQ(done, 2);
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_EQ(line.find("0011aabbccdd"), std::string::npos);
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["recipient"], "alice@example.org");
    EXPECT_EQ(j["platform"], "apns");
    EXPECT_EQ(j["kind"], "alert");
    EXPECT_EQ(j["title"], "New message \xE2\x9C\x89");
    EXPECT_EQ(j["token_sha256"], token_fingerprint("0011aabbccdd"));
  }
  EXPECT_EQ(lines, 2);
}

TEST(LogProvider, UnwritablePathIsReportedAtStart) {
  EXPECT_THROW(LogProvider{"/nonexistent/dir/n.jsonl"}, std::runtime_error);
}

}  // namespace
}  // namespace xpush::push
