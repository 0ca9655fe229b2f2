#include "base/sanitize.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/utf8_encode.h"

namespace xpush::base {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

using xpush::test_util::utf8;

TEST(Sanitize, BoundariesOfTheXmlCharProduction) {
  struct Case {
    char32_t code_point;
    std::string expected;  // what "a<c>b" becomes between a and b
  };
  const std::vector<Case> cases = {
      {0x8, kFffd},          {0x9, "\t"},           {0xA, "\n"},
      {0xD, "\r"},           {0x1F, kFffd},         {0x20, " "},
      {0xD7FF, utf8(0xD7FF)}, {0xD800, kFffd + kFffd + kFffd},  // an encoded surrogate: 3 bad bytes
      {0xDFFF, kFffd + kFffd + kFffd},
      {0xE000, utf8(0xE000)}, {0xFFFD, kFffd},       {0xFFFE, kFffd},
      {0xFFFF, kFffd},        {0x10FFFF, utf8(0x10FFFF)},
      {0x110000, kFffd + kFffd + kFffd + kFffd},  // above Unicode: 4 bad bytes
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "U+" << std::hex << static_cast<unsigned>(c.code_point));
    const std::string in = "a" + utf8(c.code_point) + "b";
    EXPECT_EQ(sanitize(in), "a" + c.expected + "b");
    EXPECT_EQ(is_clean(in), "a" + c.expected + "b" == in);
  }
}

TEST(Sanitize, BrokenUtf8IsReplacedByMaximalSubparts) {
  struct Case {
    const char* name;
    std::string in;
    std::string out;
  };
  const std::vector<Case> cases = {
      {"stray continuation", "x\x80y", "x" + kFffd + "y"},
      {"overlong slash", "\xC0\xAF", kFffd + kFffd},
      {"overlong 3-byte", "\xE0\x80\xAF", kFffd + kFffd + kFffd},
      {"truncated at the end", "ok\xE4\xB8", "ok" + kFffd},
      {"truncated before ASCII", "\xE4\xB8x", kFffd + "x"},
      {"C3 28", "\xC3\x28", kFffd + "("},
      {"F5 lead", "\xF5\x80\x80\x80", kFffd + kFffd + kFffd + kFffd},
      {"valid CJK and emoji kept", "\xE4\xB8\xAD\xF0\x9F\x98\x80", "\xE4\xB8\xAD\xF0\x9F\x98\x80"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(sanitize(c.in), c.out);
  }
}

TEST(Sanitize, DropInsteadOfReplaceAndStripDiscouraged) {
  const SanitizeOptions drop{.forbidden = Forbidden::kDrop};
  EXPECT_EQ(sanitize("a\x01" "b\xC3\x28", drop), "ab(");
  const SanitizeOptions strip{.discouraged = DiscouragedChars::kStrip};
  EXPECT_EQ(sanitize("a" + utf8(0x85) + utf8(0x86) + utf8(0xFDD0) + utf8(0x1FFFE) + "b", strip),
            "a" + utf8(0x85) + "b");  // U+0085 (NEL) is not discouraged
  EXPECT_EQ(sanitize("a" + utf8(0x86) + "b"), "a" + utf8(0x86) + "b");  // kept by default
}

TEST(Sanitize, ReportSaysWhatChangedAndWhere) {
  std::vector<SanitizeChange> report;
  sanitize("ab\x01" "c\xE0\x80", {}, &report);
  ASSERT_EQ(report.size(), 3u);
  EXPECT_EQ(report[0].offset, 2u);
  EXPECT_EQ(report[0].what, "U+0001 is not an XML character");
  EXPECT_EQ(report[1].offset, 4u);
  EXPECT_EQ(report[1].what, "invalid UTF-8 (1 byte)");
  EXPECT_EQ(report[2].offset, 5u);
}

TEST(Sanitize, OutputIsAlwaysCleanAndStable) {
  std::mt19937 rng{20261122};
  std::uniform_int_distribution<int> byte{0, 255};
  std::uniform_int_distribution<int> length{0, 64};
  for (int i = 0; i < 20000; ++i) {
    std::string in(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : in) c = static_cast<char>(byte(rng));
    const std::string once = sanitize(in);
    ASSERT_TRUE(is_clean(once));
    ASSERT_EQ(sanitize(once), once);
  }
}

}  // namespace
}  // namespace xpush::base
