#include "rules/event_facts.h"

#include <charconv>
#include <cstdint>
#include <cstdio>

#include "base/fnv.h"
#include "interceptor/jid.h"

namespace xpush::rules {

using interceptor::Element;

namespace {

int parse_count(const std::optional<std::string>& text) {
  int value = 1;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value > 0 ? value : 1;
}

constexpr std::string_view kCorrectNs = "urn:xmpp:message-correct:0";
constexpr std::string_view kRetractNs = "urn:xmpp:message-retract:1";
constexpr std::string_view kRetractNsV0 = "urn:xmpp:message-retract:0";
constexpr std::string_view kFastenNs = "urn:xmpp:fasten:0";
constexpr std::string_view kJmiNs = "urn:xmpp:jingle-message:0";
constexpr std::string_view kOmemoNs = "eu.siacs.conversations.axolotl";
constexpr std::string_view kOmemo2Ns = "urn:xmpp:omemo:2";
constexpr std::string_view kOpenPgpNs = "urn:xmpp:openpgp:0";
constexpr std::string_view kLegacyPgpNs = "jabber:x:encrypted";

std::optional<std::string> json_text(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

EventFacts::EventFacts(const interceptor::OfflineEvent& event) : event_(event) {
  std::string from_text;
  if (event.source == interceptor::EventSource::kForwardedStanza && event.stanza) {
    stanza_ = &*event.stanza;
    type_ = std::string{stanza_->attr_or("type", "normal")};
    from_text = std::string{stanza_->attr_or("from")};
    body_ = stanza_->child_text("body", stanza_->ns());
    message_id_ = std::string{stanza_->attr_or("id")};
    read_kind();
  } else {
    from_text = event.summary.last_message_sender;
    body_ = event.summary.last_message_body;
    count_ = parse_count(event.summary.message_count);
    read_summary_call(event.summary);
  }
  if (auto jid = interceptor::Jid::parse(from_text)) {
    from_ = jid->bare();
    from_local_ = jid->local;
    from_domain_ = jid->domain;
    if (type_ == "groupchat") nick_ = jid->resource;
  }
  to_ = event.recipient;
  if (auto jid = interceptor::Jid::parse(event.recipient)) to_domain_ = jid->domain;
}

bool counts_as_unread(const Element& message) {
  const auto type = message.attr_or("type", "normal");
  if (type == "headline" || type == "error") return false;
  if (message.child("replace", kCorrectNs) || message.child("retract", kRetractNs)) return false;
  if (const auto* fasten = message.child("apply-to", kFastenNs); fasten && fasten->child("retract", kRetractNsV0)) {
    return false;
  }
  if (!message.child_text("body", message.ns()).empty()) return true;
  for (const auto ns : {kOmemoNs, kOmemo2Ns, kOpenPgpNs, kLegacyPgpNs}) {
    if (message.child_in(ns)) return true;
  }
  return false;  // a receipt, chat state, marker, room subject...
}

bool EventFacts::counts_as_unread() const {
  if (from_stanza()) return rules::counts_as_unread(*stanza_);
  return !body_.empty() || (encrypted_payload() && !is_call());
}

bool EventFacts::encrypted_payload() const { return !from_stanza() && event_.summary.encrypted.has_value(); }

// Tigase's <jingle/> names the call and its action; an <encrypted
// type='voip'/> alone says a call rings without saying which.
void EventFacts::read_summary_call(const interceptor::PushSummary& summary) {
  if (summary.jingle) {
    const auto& action = summary.jingle->action;
    if (action == "propose") {
      kind_ = "call";
      if (!summary.jingle->media.empty()) call_media_ = summary.jingle->media.front();
    } else if (action == "retract" || action == "reject" || action == "accept" || action == "proceed" ||
               action == "finish") {
      kind_ = "call-ended";
    } else {
      return;
    }
    refers_to_ = summary.jingle->sid;
  } else if (summary.encrypted && summary.encrypted->type == "voip") {
    kind_ = "call";
  }
}

void EventFacts::read_kind() {
  if (const auto* replace = stanza_->child("replace", kCorrectNs); replace && replace->attr("id")) {
    kind_ = "correction";
    refers_to_ = std::string{*replace->attr("id")};
  } else if (const auto* retract = stanza_->child("retract", kRetractNs); retract && retract->attr("id")) {
    kind_ = "retraction";
    refers_to_ = std::string{*retract->attr("id")};
  } else if (const auto* fasten = stanza_->child("apply-to", kFastenNs);
             fasten && fasten->attr("id") && fasten->child("retract", kRetractNsV0)) {
    kind_ = "retraction";
    refers_to_ = std::string{*fasten->attr("id")};
  } else if (const auto* jmi = stanza_->child_in(kJmiNs); jmi && jmi->attr("id")) {
    read_call(*jmi);
  }
}

// XEP-0353: a <propose/> rings; <retract/> (the caller gave up), <reject/>,
// <accept/>, <proceed/> or <finish/> end the ringing. The call's id ties
// them together.
void EventFacts::read_call(const Element& jmi) {
  if (jmi.name() == "propose") {
    kind_ = "call";
    for (const auto& description : jmi.children()) {
      if (!description.is_text() && description.name() == "description") {
        call_media_ = std::string{description.attr_or("media")};
        break;
      }
    }
  } else if (jmi.name() == "retract" || jmi.name() == "reject" || jmi.name() == "accept" ||
             jmi.name() == "proceed" || jmi.name() == "finish") {
    kind_ = "call-ended";
  } else {
    return;
  }
  refers_to_ = std::string{*jmi.attr("id")};
}

std::string EventFacts::message_tag() const {
  const std::string& id = kind_ == "message" ? message_id_ : refers_to_;
  if (id.empty() || (!stanza_ && !is_call())) return {};
  return (is_call() ? "call-" : "msg-") + base::fnv1a64_hex(from_ + '\n' + id);
}

const nlohmann::json& EventFacts::json() const {
  if (!json_) {
    const auto first = body_.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && body_[first] == '{') {
      json_ = nlohmann::json::parse(body_, nullptr, /*allow_exceptions=*/false);
      if (json_->is_discarded() || !json_->is_object()) json_ = nlohmann::json{};
    } else {
      json_ = nlohmann::json{};
    }
  }
  return *json_;
}

std::optional<std::string> EventFacts::json_value(std::string_view dotted_path) const {
  const nlohmann::json* at = &json();
  while (!dotted_path.empty()) {
    const auto dot = dotted_path.find('.');
    const std::string key{dotted_path.substr(0, dot)};
    dotted_path = dot == std::string_view::npos ? std::string_view{} : dotted_path.substr(dot + 1);
    if (at->is_object()) {
      const auto it = at->find(key);
      if (it == at->end()) return std::nullopt;
      at = &*it;
    } else if (at->is_array()) {
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
      if (ec != std::errc{} || end != key.data() + key.size() || index >= at->size()) {
        return std::nullopt;
      }
      at = &(*at)[index];
    } else {
      return std::nullopt;
    }
  }
  return json_text(*at);
}

std::optional<std::string> EventFacts::element_value(const ElementPath& path) const {
  if (!stanza_) return std::nullopt;
  const Element* at = stanza_;
  for (const auto& [ns, name] : path.steps) {
    at = at->child(name, ns.empty() ? at->ns() : std::string_view{ns});
    if (!at) return std::nullopt;
  }
  if (path.attribute.empty()) return at->text();
  if (auto value = at->attr(path.attribute)) return std::string{*value};
  return std::nullopt;
}

bool EventFacts::has_child(std::string_view ns, std::string_view name) const {
  if (!stanza_) return false;
  for (const auto& child : stanza_->children()) {
    if (!child.is_text() && child.ns() == ns && (name.empty() || child.name() == name)) return true;
  }
  return false;
}

}  // namespace xpush::rules
