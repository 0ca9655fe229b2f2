#include "interceptor/push_publish.h"

#include "interceptor/data_form.h"
#include "interceptor/iq.h"

namespace xpush::interceptor {

namespace {

std::optional<std::string> optional_value(const DataForm& form, std::string_view var) {
  if (auto v = form.value(var)) return std::string{*v};
  return std::nullopt;
}

PushSummary read_summary(const Element* notification) {
  PushSummary summary;
  if (!notification) return summary;
  for (const Element* x : notification->children_named("x", ns::kDataForms)) {
    const DataForm form = DataForm::parse(*x);
    if (form.form_type() != kSummaryFormType) continue;
    summary.present = true;
    summary.message_count = optional_value(form, "message-count");
    summary.pending_subscription_count = optional_value(form, "pending-subscription-count");
    summary.last_message_sender = std::string{form.value_or("last-message-sender")};
    summary.last_message_body = std::string{form.value_or("last-message-body")};
    break;
  }
  return summary;
}

constexpr std::string_view kTigasePriorityNs = "tigase:push:priority:0";
constexpr std::string_view kTigaseJingleNs = "tigase:push:jingle:0";
constexpr std::string_view kTigaseEncryptNs = "tigase:push:encrypt:0";

void read_tigase_extensions(const Element& notification, PushSummary& summary) {
  if (const Element* priority = notification.child("priority", kTigasePriorityNs)) {
    summary.priority = priority->text();
  }
  if (const Element* jingle = notification.child("jingle", kTigaseJingleNs)) {
    PushSummary::Jingle call{std::string{jingle->attr_or("action")}, std::string{jingle->attr_or("sid")}, {}};
    for (const Element* media : jingle->children_named("media", kTigaseJingleNs)) call.media.push_back(media->text());
    if (!call.action.empty() && !call.sid.empty()) summary.jingle = std::move(call);
  }
  if (const Element* encrypted = notification.child("encrypted", kTigaseEncryptNs)) {
    summary.encrypted = PushSummary::Encrypted{encrypted->text(), std::string{encrypted->attr_or("iv")},
                                               std::string{encrypted->attr_or("type")}};
  }
}

std::optional<std::string> read_secret(const Element& pubsub) {
  const Element* options = pubsub.child("publish-options", ns::kPubsub);
  if (!options) return std::nullopt;
  const Element* x = options->child("x", ns::kDataForms);
  if (!x) return std::nullopt;
  const DataForm form = DataForm::parse(*x);
  if (form.form_type() != kPublishOptionsFormType) return std::nullopt;
  return optional_value(form, "secret");
}

}  // namespace

tl::expected<PublishRequest, std::string> parse_publish(const Element& iq) {
  const Element* pubsub = iq.child("pubsub", ns::kPubsub);
  const Element* publish = pubsub ? pubsub->child("publish", ns::kPubsub) : nullptr;
  if (!publish) return tl::unexpected(std::string{"no <publish/>"});
  const auto node = publish->attr_or("node");
  if (node.empty()) return tl::unexpected(std::string{"publish without a node"});
  const Element* item = publish->child("item", ns::kPubsub);
  const Element* notification = item ? item->child("notification", ns::kPush) : nullptr;
  if (!notification) return tl::unexpected(std::string{"publish without <notification/>"});

  PublishRequest request;
  request.publisher = std::string{iq.attr_or("from")};
  request.node = std::string{node};
  request.secret = read_secret(*pubsub);
  request.summary = read_summary(notification);
  read_tigase_extensions(*notification, request.summary);
  return request;
}

}  // namespace xpush::interceptor
