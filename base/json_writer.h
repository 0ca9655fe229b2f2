// JSON written straight into a string, for the few documents the hot path
// writes (the outbox row, a kept summary). Building them as nlohmann objects
// first cost more than everything else the engine does per publish.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xpush::base {

// `text` as a JSON string: valid UTF-8 of XML characters as it is (broken
// sequences and forbidden code points become U+FFFD, as sanitize() does),
// quotes, backslashes and the controls XML allows escaped.
void append_json_string(std::string& out, std::string_view text);

// One JSON object, opened on construction and closed on destruction. Keys
// are the caller's own ASCII names and are written as they are.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ~JsonObjectWriter() { out_ += '}'; }
  JsonObjectWriter(const JsonObjectWriter&) = delete;
  JsonObjectWriter& operator=(const JsonObjectWriter&) = delete;

  void text(std::string_view name, std::string_view value);
  void number(std::string_view name, std::int64_t value);
  void boolean(std::string_view name, bool value);
  void texts(std::string_view name, const std::vector<std::string>& values);
  void map(std::string_view name, const std::map<std::string, std::string>& values);

 private:
  void key(std::string_view name);

  std::string& out_;
  bool first_ = true;
};

}  // namespace xpush::base
