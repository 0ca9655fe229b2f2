// Helpers for interceptor tests: parse one stanza from text or a fixture file.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "interceptor/xml_stream.h"

namespace xpush::interceptor::testing {

inline Element parse_stanza(const std::string& xml) {
  XmlStream stream;
  auto r = stream.feed(
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns='jabber:component:accept'>" +
      xml);
  EXPECT_FALSE(r.error) << (r.error ? describe(*r.error) : "");
  for (auto& e : r.events) {
    if (auto* s = std::get_if<Element>(&e)) return *s;
  }
  ADD_FAILURE() << "no stanza in: " << xml;
  return Element{ns::kComponent, "none"};
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline Element fixture(const std::string& relative) {
  return parse_stanza(read_file(std::string{XPUSH_FIXTURES_DIR} + "/" + relative));
}

}  // namespace xpush::interceptor::testing
