#include "push/payload_fit.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace xpush::push {
namespace {

bool valid_utf8(std::string_view s) {
  // nlohmann's strict dump throws on invalid UTF-8.
  try {
    (void)nlohmann::json(std::string{s}).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

std::string render(std::string_view title, std::string_view body) {
  return nlohmann::json{{"title", title}, {"body", body}}.dump();
}

TEST(Utf8Prefix, NeverCutsInsideASequence) {
  const std::string text = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";  // a é 中 😀
  const std::vector<std::pair<std::size_t, std::size_t>> cases = {
      {0, 0}, {1, 1}, {2, 1}, {3, 3}, {4, 3}, {5, 3}, {6, 6}, {7, 6}, {8, 6}, {9, 6}, {10, 10}, {99, 10}};
  for (auto [max, expected] : cases) {
    SCOPED_TRACE(max);
    EXPECT_EQ(utf8_prefix(text, max).size(), expected);
  }
}

TEST(GraphemePrefix, NeverSplitsAUserPerceivedCharacter) {
  const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";  // 👨‍👩‍👧
  const std::string flags = "\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7";  // 🇩🇪🇫🇷
  const std::string cafe = "cafe\xCC\x81s";  // café with a combining acute
  struct Case {
    const char* name;
    std::string text;
    std::size_t max;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"inside a ZWJ sequence", "a" + family + "b", 12, "a"},
      {"after the ZWJ sequence", "a" + family + "b", 1 + family.size(), "a" + family},
      {"inside a flag pair", flags, 6, ""},
      {"between flags", flags, 9, flags.substr(0, 8)},
      {"inside a combining sequence", cafe, 5, "caf"},
      {"after the combining sequence", cafe, 6, "cafe\xCC\x81"},
      {"fits", cafe, 99, cafe},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(grapheme_prefix(c.text, c.max), c.expected);
  }
}

TEST(FitPayload, EmojiSequencesAreKeptWhole) {
  const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  std::string body;
  for (int i = 0; i < 400; ++i) body += family;
  auto fitted = fit_payload(4096, "T", body, render);
  ASSERT_TRUE(fitted);
  auto kept = nlohmann::json::parse(fitted->json)["body"].get<std::string>();
  ASSERT_TRUE(kept.ends_with(kEllipsis));
  kept.resize(kept.size() - kEllipsis.size());
  EXPECT_EQ(kept.size() % family.size(), 0u);
  EXPECT_GT(kept.size(), 0u);
}

TEST(FitPayload, FitsUntouchedWhenSmall) {
  auto fitted = fit_payload(4096, "Title", "Body", render);
  ASSERT_TRUE(fitted);
  EXPECT_FALSE(fitted->truncated);
  EXPECT_EQ(fitted->json, render("Title", "Body"));
}

TEST(FitPayload, CutsTheBodyAfterEscapingWithAnEllipsis) {
  struct Case {
    const char* name;
    std::string unit;
  };
  const std::vector<Case> cases = {
      {"ascii", "x"},
      {"quotes double when escaped", "\""},
      {"control characters grow sixfold", "\x01"},
      {"CJK", "\xE4\xB8\xAD"},
      {"emoji", "\xF0\x9F\x98\x80"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string body;
    while (body.size() < 10000) body += c.unit;
    for (std::size_t limit : {200u, 4096u, 5120u}) {
      auto fitted = fit_payload(limit, "Title", body, render);
      ASSERT_TRUE(fitted);
      EXPECT_TRUE(fitted->truncated);
      EXPECT_LE(fitted->json.size(), limit);
      // Nearly all of the room is used: one more unit would not have fitted.
      EXPECT_GT(fitted->json.size() + 6 * c.unit.size() + kEllipsis.size(), limit);
      const auto j = nlohmann::json::parse(fitted->json);
      const auto kept = j["body"].get<std::string>();
      EXPECT_TRUE(valid_utf8(kept));
      EXPECT_TRUE(kept.ends_with(kEllipsis));
      EXPECT_EQ(j["title"], "Title");
    }
  }
}

TEST(FitPayload, CutsTheTitleWhenTheBodyIsNotEnough) {
  const std::string title(500, 't');
  auto fitted = fit_payload(100, title, "body", render);
  ASSERT_TRUE(fitted);
  const auto j = nlohmann::json::parse(fitted->json);
  EXPECT_EQ(j["body"], "");
  EXPECT_TRUE(j["title"].get<std::string>().ends_with(kEllipsis));
  EXPECT_LE(fitted->json.size(), 100u);
}

TEST(FitPayload, ImpossibleWhenTheFixedPartIsTooLarge) {
  EXPECT_FALSE(fit_payload(10, "a", "b", render));
}

}  // namespace
}  // namespace xpush::push
