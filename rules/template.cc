#include "rules/template.h"

#include <cctype>
#include <charconv>

#include "rules/text.h"

namespace xpush::rules {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

// "text", 'text' or bare text.
std::string unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    return std::string{s.substr(1, s.size() - 2)};
  }
  return std::string{s};
}

}  // namespace

tl::expected<Template::Filter, std::string> Template::parse_filter(std::string_view spec) {
  const auto colon = spec.find(':');
  const auto name = trim(spec.substr(0, colon));
  const auto argument = colon == std::string_view::npos ? std::string_view{} : trim(spec.substr(colon + 1));
  if (name == "truncate") {
    std::size_t length = 0;
    const auto [end, ec] = std::from_chars(argument.data(), argument.data() + argument.size(), length);
    if (argument.empty() || ec != std::errc{} || end != argument.data() + argument.size() || length == 0) {
      return tl::unexpected(std::string{"truncate needs a positive number of characters, e.g. truncate: 80"});
    }
    return Filter{FilterKind::kTruncate, length, {}};
  }
  if (name == "default") {
    if (colon == std::string_view::npos) {
      return tl::unexpected(std::string{"default needs a text, e.g. default: \"someone\""});
    }
    return Filter{FilterKind::kDefault, 0, unquote(argument)};
  }
  return tl::unexpected("unknown filter '" + std::string{name} + "' (expected truncate or default)");
}

tl::expected<Template, Template::Error> Template::compile(std::string_view text,
                                                          const VariableCheck& known) {
  Template out;
  std::size_t at = 0;
  std::string literal;
  while (at < text.size()) {
    const auto open = text.find("{{", at);
    if (open == std::string_view::npos) {
      literal += text.substr(at);
      break;
    }
    literal += text.substr(at, open - at);
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return tl::unexpected(Error{open, "'{{' without a closing '}}'"});
    const auto inside = text.substr(open + 2, close - open - 2);
    Part part;
    part.literal = std::move(literal);
    literal.clear();
    std::size_t piece_start = 0;
    bool first = true;
    while (true) {
      const auto bar = inside.find('|', piece_start);
      const auto piece = trim(inside.substr(piece_start, bar == std::string_view::npos ? bar : bar - piece_start));
      if (first) {
        if (!valid_name(piece)) return tl::unexpected(Error{open, "'{{" + std::string{inside} + "}}' does not start with a variable name"});
        if (!known(piece)) return tl::unexpected(Error{open, "unknown variable '" + std::string{piece} + "'"});
        part.variable = std::string{piece};
        first = false;
      } else {
        auto filter = parse_filter(piece);
        if (!filter) return tl::unexpected(Error{open, filter.error()});
        part.filters.push_back(std::move(*filter));
      }
      if (bar == std::string_view::npos) break;
      piece_start = bar + 1;
    }
    out.parts_.push_back(std::move(part));
    at = close + 2;
  }
  if (!literal.empty()) out.parts_.push_back(Part{std::move(literal), {}, {}});
  return out;
}

std::string Template::render(const VariableLookup& lookup) const {
  std::string out;
  for (const auto& part : parts_) {
    out += part.literal;
    if (part.variable.empty()) continue;
    std::string value = lookup(part.variable).value_or("");
    for (const auto& filter : part.filters) {
      switch (filter.kind) {
        case FilterKind::kTruncate: value = truncate_graphemes(value, filter.length); break;
        case FilterKind::kDefault:
          if (value.empty()) value = filter.text;
          break;
      }
    }
    out += value;
  }
  return out;
}

std::vector<std::string> Template::variables() const {
  std::vector<std::string> names;
  for (const auto& part : parts_) {
    if (!part.variable.empty()) names.push_back(part.variable);
  }
  return names;
}

}  // namespace xpush::rules
