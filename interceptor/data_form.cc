#include "interceptor/data_form.h"

namespace xpush::interceptor {

DataForm DataForm::parse(const Element& x) {
  DataForm form;
  form.type_ = std::string{x.attr_or("type")};
  for (const Element* field : x.children_named("field", ns::kDataForms)) {
    const auto var = field->attr("var");
    if (!var) continue;
    // A field without <value/> (Prosody's empty summary fields) reads as "".
    form.fields_.emplace_back(std::string{*var}, field->child_text("value", ns::kDataForms));
  }
  return form;
}

std::optional<std::string_view> DataForm::value(std::string_view var) const {
  for (const auto& [name, value] : fields_) {
    if (name == var) return value;
  }
  return std::nullopt;
}

std::string_view DataForm::value_or(std::string_view var, std::string_view fallback) const {
  return value(var).value_or(fallback);
}

Element make_form(std::string_view type,
                  const std::vector<std::pair<std::string, std::string>>& fields) {
  Element x{ns::kDataForms, "x"};
  x.set_attr("type", type);
  for (const auto& [var, value] : fields) {
    Element& field = x.add(ns::kDataForms, "field");
    field.set_attr("var", var);
    field.add(ns::kDataForms, "value").add_text(value);
  }
  return x;
}

}  // namespace xpush::interceptor
