// XEP-0004 data forms, read as an ordered list of var -> first value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "interceptor/element.h"

namespace xpush::interceptor {

namespace ns {
inline constexpr std::string_view kDataForms = "jabber:x:data";
}

class DataForm {
 public:
  static DataForm parse(const Element& x);

  std::optional<std::string_view> value(std::string_view var) const;
  std::string_view value_or(std::string_view var, std::string_view fallback = {}) const;
  bool has(std::string_view var) const { return value(var).has_value(); }
  std::string_view form_type() const { return value_or("FORM_TYPE"); }
  std::string_view type() const { return type_; }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::string type_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

// <x xmlns='jabber:x:data' type='TYPE'> with one text field per pair.
Element make_form(std::string_view type,
                  const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace xpush::interceptor
