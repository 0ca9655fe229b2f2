#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace xpush::base {
namespace {

std::string as_json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndXmlControls) {
  EXPECT_EQ(as_json("plain"), "\"plain\"");
  EXPECT_EQ(as_json(""), "\"\"");
  EXPECT_EQ(as_json("say \"hi\"\\now"), "\"say \\\"hi\\\"\\\\now\"");
  EXPECT_EQ(as_json("a\nb\rc\td"), "\"a\\nb\\rc\\td\"");
  EXPECT_EQ(as_json("\"\""), "\"\\\"\\\"\"");
}

TEST(JsonWriter, KeepsUtf8AndReplacesWhatXmlForbids) {
  EXPECT_EQ(as_json("Grüße 👋"), "\"Grüße 👋\"");
  // A control XML forbids and a broken sequence: U+FFFD each, never raw bytes.
  EXPECT_EQ(as_json(std::string{"a\x01" "b\xC3"}), "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"");
}

TEST(JsonWriter, ObjectReadsBackAsWritten) {
  std::string out;
  {
    JsonObjectWriter o{out};
    o.text("body", "line one\nline \"two\"");
    o.number("created_ms", -1'700'000'000'123);
    o.boolean("urgent", false);
    o.texts("args", {"x", "y\\z"});
    o.texts("none", {});
    o.map("data", {{"k\"ey", "v"}, {"n", ""}});
  }
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j.at("body"), "line one\nline \"two\"");
  EXPECT_EQ(j.at("created_ms").get<std::int64_t>(), -1'700'000'000'123);
  EXPECT_EQ(j.at("urgent"), false);
  EXPECT_EQ(j.at("args"), nlohmann::json::array({"x", "y\\z"}));
  EXPECT_TRUE(j.at("none").empty());
  EXPECT_EQ(j.at("data").at("k\"ey"), "v");
  EXPECT_EQ(j.at("data").at("n"), "");
  EXPECT_EQ(out.find('\n'), std::string::npos);  // one line, as the outbox row is
}

}  // namespace
}  // namespace xpush::base
