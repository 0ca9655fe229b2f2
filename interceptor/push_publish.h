// XEP-0357 publishes as Prosody (mod_cloud_notify) and ejabberd (mod_push)
// send them: <pubsub><publish node><item><notification xmlns='urn:xmpp:push:0'>
// [summary form]</notification></item></publish>[<publish-options/>]</pubsub>,
// and as Tigase servers do: the notification may also hold <priority/>,
// <jingle/> and <encrypted/> in Tigase's namespaces, or the encrypted one
// alone.
#pragma once

#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "interceptor/element.h"
#include "interceptor/offline_event.h"

namespace xpush::interceptor {

inline constexpr std::string_view kSummaryFormType = "urn:xmpp:push:summary";
inline constexpr std::string_view kPublishOptionsFormType =
    "http://jabber.org/protocol/pubsub#publish-options";

struct PublishRequest {
  std::string publisher;  // the iq's from, as sent
  std::string node;
  std::optional<std::string> secret;  // from publish-options
  PushSummary summary;
};

// Fails with a human-readable reason when the stanza is not a usable publish.
tl::expected<PublishRequest, std::string> parse_publish(const Element& iq);

}  // namespace xpush::interceptor
