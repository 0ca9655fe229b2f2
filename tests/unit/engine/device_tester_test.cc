// What POST /devices/test accepts.
#include <gtest/gtest.h>

#include "engine/device_test.h"

namespace xpush {
namespace {

TEST(DeviceTest, TakesABareJidAndAnOptionalText) {
  auto r = parse_device_test(R"({"jid":"alice@example.org","text":"hello"})");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->jid, "alice@example.org");
  EXPECT_EQ(r->text, "hello");
  auto plain = parse_device_test(R"({"jid":"Alice@Example.org"})");
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->text, "A test notification from xpush");
}

TEST(DeviceTest, RefusesWhatIsNotAUser) {
  EXPECT_EQ(parse_device_test("jid=alice").error(), "the body is not a JSON object");
  EXPECT_EQ(parse_device_test(R"({"text":"x"})").error(), "jid is required");
  EXPECT_EQ(parse_device_test(R"({"jid":"example.org"})").error(), "jid is not a user's bare JID");
  EXPECT_EQ(parse_device_test(R"({"jid":"alice@example.org/phone"})").error(), "jid is not a user's bare JID");
  EXPECT_EQ(parse_device_test(R"({"jid":"alice@example.org","text":")" + std::string(201, 'x') + R"("})").error(),
            "text is a string of at most 200 bytes");
}

}  // namespace
}  // namespace xpush
