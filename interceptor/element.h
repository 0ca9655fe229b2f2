// An XML element as XMPP uses it: namespace, local name, attributes, and an
// ordered list of children where text is a child too (a text node has no name).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xpush::interceptor {

namespace ns {
inline constexpr std::string_view kComponent = "jabber:component:accept";
inline constexpr std::string_view kStreams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view kStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view kXml = "http://www.w3.org/XML/1998/namespace";
}  // namespace ns

class Element {
 public:
  Element(std::string_view ns, std::string_view name) : ns_(ns), name_(name) {}
  static Element text_node(std::string text);

  const std::string& ns() const { return ns_; }
  const std::string& name() const { return name_; }
  bool is_text() const { return name_.empty(); }
  bool is(std::string_view name, std::string_view ns) const { return name_ == name && ns_ == ns; }

  // Attribute names are local names; xml:lang keeps its prefix.
  std::optional<std::string_view> attr(std::string_view name) const;
  std::string_view attr_or(std::string_view name, std::string_view fallback = {}) const;
  Element& set_attr(std::string_view name, std::string_view value);
  const std::vector<std::pair<std::string, std::string>>& attrs() const { return attrs_; }
  // This element with its attributes and no children: enough to address a
  // reply, at a fraction of the cost of copying a whole stanza.
  Element head() const;

  // Returns the added child, so nested elements read top-down when built.
  Element& add(Element child);
  Element& add(std::string_view ns, std::string_view name);
  Element& add_text(std::string_view text);

  const std::vector<Element>& children() const { return children_; }
  std::vector<Element>& children() { return children_; }
  const Element* child(std::string_view name, std::string_view ns) const;
  // First child element in the given namespace, whatever its name.
  const Element* child_in(std::string_view ns) const;
  std::vector<const Element*> children_named(std::string_view name, std::string_view ns) const;

  // Concatenated text of the direct text children (for a text node: its text).
  std::string text() const;
  std::string child_text(std::string_view name, std::string_view ns) const;

 private:
  std::string ns_;
  std::string name_;
  std::string text_;  // only for text nodes
  std::vector<std::pair<std::string, std::string>> attrs_;
  std::vector<Element> children_;
};

// Serialises an element; `xmlns` is written where the namespace differs from
// the enclosing one. Text and attribute values are escaped.
std::string serialize(const Element& element, std::string_view enclosing_ns = ns::kComponent);

void append_escaped_text(std::string& out, std::string_view text);
void append_escaped_attr(std::string& out, std::string_view value);

}  // namespace xpush::interceptor
