// What rules can see of an offline event, read once: the message type,
// sender and recipient, the body, the body parsed as JSON when it is JSON,
// child elements, and the XEP-0357 summary. A summary carries no stanza, so
// element matchers never match it and its type is empty.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "interceptor/offline_event.h"

namespace xpush::rules {

// An element path: steps of (namespace, local name) from the message down,
// optionally ending at an attribute of the last element.
struct ElementPath {
  std::vector<std::pair<std::string, std::string>> steps;  // namespace empty: the stanza's own
  std::string attribute;
};

class EventFacts {
 public:
  explicit EventFacts(const interceptor::OfflineEvent& event);

  const interceptor::OfflineEvent& event() const { return event_; }
  bool from_stanza() const { return stanza_ != nullptr; }
  std::string_view source() const { return from_stanza() ? "stanza" : "summary"; }
  const std::string& type() const { return type_; }
  const std::string& from() const { return from_; }  // bare JID (the room for groupchat)
  const std::string& from_local() const { return from_local_; }
  const std::string& from_domain() const { return from_domain_; }
  const std::string& nick() const { return nick_; }  // groupchat only
  const std::string& to() const { return to_; }
  const std::string& to_domain() const { return to_domain_; }
  const std::string& body() const { return body_; }
  const std::string& message_id() const { return message_id_; }
  // "message", or "correction" (XEP-0308 <replace/>) or "retraction"
  // (XEP-0424 <retract/>, or its fastening form) of an earlier message; or
  // "call" (a XEP-0353 <propose/>) or "call-ended" (its <retract/>,
  // <reject/>, <accept/>, <proceed/> or <finish/>), from the stanza or from
  // a Tigase <jingle/> in a summary.
  const std::string& kind() const { return kind_; }
  bool is_call() const { return kind_ == "call" || kind_ == "call-ended"; }
  // The id of the message a correction or retraction is about; the call's id.
  const std::string& refers_to() const { return refers_to_; }
  // "audio" or "video" for a call that rings, when its description says.
  const std::string& call_media() const { return call_media_; }
  // A summary carrying a payload only the app can open (Tigase's
  // <encrypted/>): passed on untouched, never replaced by summary text.
  bool encrypted_payload() const;
  // Names the message on the device: the same for a message, its corrections
  // and its retraction (the sender's bare JID and the original id, hashed);
  // empty when the stanza has no id, and for summaries.
  std::string message_tag() const;
  int count() const { return count_; }
  // A message a person would call unread: a chat message with a body or an
  // end-to-end encrypted payload; not a receipt, chat state, marker or other
  // body-less signal, not a correction or retraction of one already counted,
  // not a headline, error or room subject. From a summary: one whose body
  // field is filled (servers fill it only for such messages).
  bool counts_as_unread() const;

  // The body parsed as a JSON object, or null when it is not one.
  const nlohmann::json& json() const;
  // A JSON value by dotted path ("a.b", "list.0"), as text: strings as they
  // are, numbers and booleans as written in JSON; nullopt when absent/null.
  std::optional<std::string> json_value(std::string_view dotted_path) const;
  // The text of the first element at `path` (or its attribute); nullopt
  // when there is none.
  std::optional<std::string> element_value(const ElementPath& path) const;
  // A direct child of the message in `ns` (and named `name` when not empty).
  bool has_child(std::string_view ns, std::string_view name) const;

 private:
  const interceptor::OfflineEvent& event_;
  const interceptor::Element* stanza_ = nullptr;
  void read_kind();
  void read_call(const interceptor::Element& jmi);
  void read_summary_call(const interceptor::PushSummary& summary);

  std::string type_, from_, from_local_, from_domain_, nick_, to_, to_domain_, body_, message_id_;
  std::string kind_ = "message";
  std::string refers_to_;
  std::string call_media_;
  int count_ = 1;
  mutable std::optional<nlohmann::json> json_;
};

// EventFacts::counts_as_unread() of a whole stanza.
bool counts_as_unread(const interceptor::Element& message);

}  // namespace xpush::rules
