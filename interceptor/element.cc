#include "interceptor/element.h"

#include "base/sanitize.h"

namespace xpush::interceptor {

Element Element::text_node(std::string text) {
  Element e{{}, {}};
  e.text_ = std::move(text);
  return e;
}

std::optional<std::string_view> Element::attr(std::string_view name) const {
  for (const auto& [key, value] : attrs_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string_view Element::attr_or(std::string_view name, std::string_view fallback) const {
  return attr(name).value_or(fallback);
}

Element Element::head() const {
  Element out{ns_, name_};
  out.attrs_ = attrs_;
  return out;
}

Element& Element::set_attr(std::string_view name, std::string_view value) {
  for (auto& [key, existing] : attrs_) {
    if (key == name) {
      existing = value;
      return *this;
    }
  }
  attrs_.emplace_back(name, value);
  return *this;
}

Element& Element::add(Element child) {
  children_.push_back(std::move(child));
  return children_.back();
}

Element& Element::add(std::string_view ns, std::string_view name) { return add(Element{ns, name}); }

Element& Element::add_text(std::string_view text) {
  if (!children_.empty() && children_.back().is_text()) {
    children_.back().text_ += text;
  } else {
    children_.push_back(text_node(std::string{text}));
  }
  return *this;
}

const Element* Element::child(std::string_view name, std::string_view ns) const {
  for (const auto& c : children_) {
    if (c.is(name, ns)) return &c;
  }
  return nullptr;
}

const Element* Element::child_in(std::string_view ns) const {
  for (const auto& c : children_) {
    if (!c.is_text() && c.ns_ == ns) return &c;
  }
  return nullptr;
}

std::vector<const Element*> Element::children_named(std::string_view name,
                                                    std::string_view ns) const {
  std::vector<const Element*> found;
  for (const auto& c : children_) {
    if (c.is(name, ns)) found.push_back(&c);
  }
  return found;
}

std::string Element::text() const {
  if (is_text()) return text_;
  std::string out;
  for (const auto& c : children_) {
    if (c.is_text()) out += c.text_;
  }
  return out;
}

std::string Element::child_text(std::string_view name, std::string_view ns) const {
  const Element* c = child(name, ns);
  return c ? c->text() : std::string{};
}

// What we write must not end the server's stream: text from config, provider
// answers or our own code passes the same XML Char check as what we parse.
std::string_view xml_safe(std::string_view text, std::string& storage) {
  if (base::is_clean(text)) return text;
  storage = base::sanitize(text);
  return storage;
}

void append_escaped_text(std::string& out, std::string_view raw) {
  std::string storage;
  for (char ch : xml_safe(raw, storage)) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += ch;
    }
  }
}

void append_escaped_attr(std::string& out, std::string_view raw) {
  std::string storage;
  for (char ch : xml_safe(raw, storage)) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
}

namespace {

void write(std::string& out, const Element& e, std::string_view enclosing_ns) {
  if (e.is_text()) {
    append_escaped_text(out, e.text());
    return;
  }
  out += '<';
  out += e.name();
  if (e.ns() != enclosing_ns) {
    out += " xmlns='";
    append_escaped_attr(out, e.ns());
    out += '\'';
  }
  for (const auto& [key, value] : e.attrs()) {
    out += ' ';
    out += key;
    out += "='";
    append_escaped_attr(out, value);
    out += '\'';
  }
  if (e.children().empty()) {
    out += "/>";
    return;
  }
  out += '>';
  for (const auto& c : e.children()) write(out, c, e.ns());
  out += "</";
  out += e.name();
  out += '>';
}

}  // namespace

std::string serialize(const Element& element, std::string_view enclosing_ns) {
  std::string out;
  write(out, element, enclosing_ns);
  return out;
}

}  // namespace xpush::interceptor
