#include "base/json_writer.h"

#include <charconv>

#include "base/sanitize.h"

namespace xpush::base {

void append_json_string(std::string& out, std::string_view text) {
  std::string cleaned;
  if (!is_clean(text)) {
    cleaned = sanitize(text);
    text = cleaned;
  }
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view escape;
    switch (text[i]) {
      case '"': escape = "\\\""; break;
      case '\\': escape = "\\\\"; break;
      case '\n': escape = "\\n"; break;
      case '\r': escape = "\\r"; break;
      case '\t': escape = "\\t"; break;
      default: continue;
    }
    out.append(text.data() + run, i - run);
    out += escape;
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void JsonObjectWriter::key(std::string_view name) {
  if (!first_) out_ += ',';
  first_ = false;
  out_ += '"';
  out_ += name;
  out_ += "\":";
}

void JsonObjectWriter::text(std::string_view name, std::string_view value) {
  key(name);
  append_json_string(out_, value);
}

void JsonObjectWriter::number(std::string_view name, std::int64_t value) {
  key(name);
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out_.append(digits, end);
}

void JsonObjectWriter::boolean(std::string_view name, bool value) {
  key(name);
  out_ += value ? "true" : "false";
}

void JsonObjectWriter::texts(std::string_view name, const std::vector<std::string>& values) {
  key(name);
  out_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out_ += ',';
    append_json_string(out_, values[i]);
  }
  out_ += ']';
}

void JsonObjectWriter::map(std::string_view name, const std::map<std::string, std::string>& values) {
  key(name);
  out_ += '{';
  bool first = true;
  for (const auto& [k, v] : values) {
    if (!first) out_ += ',';
    first = false;
    append_json_string(out_, k);  // keys from outside: escaped like any text
    out_ += ':';
    append_json_string(out_, v);
  }
  out_ += '}';
}

}  // namespace xpush::base
