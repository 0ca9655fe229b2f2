// Notification text templates: literal text with {{ variable }} and
// {{ variable | filter: argument | filter }}. Variables are checked when the
// template is compiled, so a misspelt name is a load error, not a blank
// notification. Rendering is UTF-8 safe: `truncate` cuts whole characters.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace xpush::rules {

// Supplies a variable's value; nullopt when it has none for this event.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;
// True when `name` is a variable templates may use.
using VariableCheck = std::function<bool(std::string_view name)>;

class Template {
 public:
  Template() = default;
  // Fails with what is wrong and the byte offset in `text` where it is.
  struct Error {
    std::size_t offset = 0;
    std::string message;
  };
  static tl::expected<Template, Error> compile(std::string_view text, const VariableCheck& known);

  std::string render(const VariableLookup& lookup) const;
  bool empty() const { return parts_.empty(); }
  // Every variable the template reads.
  std::vector<std::string> variables() const;

 private:
  enum class FilterKind { kTruncate, kDefault };
  struct Filter {
    FilterKind kind;
    std::size_t length = 0;  // truncate
    std::string text;        // default
  };
  struct Part {
    std::string literal;  // text before the variable
    std::string variable; // empty: literal only
    std::vector<Filter> filters;
  };
  static tl::expected<Filter, std::string> parse_filter(std::string_view spec);

  std::vector<Part> parts_;
};

}  // namespace xpush::rules
