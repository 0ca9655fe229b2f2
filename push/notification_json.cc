#include "push/notification_json.h"

#include <nlohmann/json.hpp>

#include "base/json_writer.h"

namespace xpush::push {

using nlohmann::json;

namespace {
std::int64_t ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
}  // namespace

std::string to_json(const Notification& n) {
  std::string out;
  out.reserve(512 + n.body.size() + n.title.size());
  {
    base::JsonObjectWriter o{out};
    o.text("app", n.device.app);
    if (n.badge) o.number("badge", *n.badge);
    o.text("body", n.body);
    if (n.call) {
      o.text("call_id", n.call->id);
      o.boolean("call_ended", n.call->ended);
      o.text("call_media", n.call->media);
    }
    o.text("category", n.category);
    if (!n.channel_id.empty()) o.text("channel_id", n.channel_id);
    o.text("collapse_key", n.collapse_key);
    o.number("created_ms", ms(n.created_at));
    o.map("data", n.data);
    o.boolean("high_priority", n.high_priority);
    o.text("id", n.id);
    if (!n.importance.empty()) o.text("importance", n.importance);
    o.text("interruption_level", n.interruption_level);
    o.text("kind", to_string(n.kind));
    o.texts("loc_args", n.loc_args);
    o.text("loc_key", n.loc_key);
    o.text("node", n.node);
    o.text("platform", to_string(n.device.platform));
    o.text("recipient", n.recipient);
    o.text("rule", n.rule);
    o.text("sound", n.sound);
    o.text("subtitle", n.subtitle);
    if (!n.tag.empty()) o.text("tag", n.tag);
    o.text("thread_id", n.thread_id);
    o.text("title", n.title);
    o.texts("title_loc_args", n.title_loc_args);
    o.text("title_loc_key", n.title_loc_key);
    o.text("token", n.device.token);
    o.number("ttl_s", n.ttl.count());
    if (!n.vendor_category.empty()) o.text("vendor_category", n.vendor_category);
  }
  return out;
}

tl::expected<Notification, std::string> notification_from_json(std::string_view text) {
  const auto j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return tl::unexpected(std::string{"not a JSON object"});
  try {
    Notification n;
    n.id = j.at("id");
    n.recipient = j.at("recipient");
    n.node = j.at("node");
    n.device.platform = platform_named(j.at("platform").get<std::string>()).value_or(Platform::kFcm);
    n.device.token = j.at("token");
    n.device.app = j.at("app");
    const std::string kind = j.at("kind");
    n.kind = kind == "alert" ? Kind::kAlert : kind == "voip" ? Kind::kVoip : Kind::kBackground;
    n.title = j.at("title");
    n.body = j.at("body");
    n.sound = j.at("sound");
    n.thread_id = j.at("thread_id");
    n.collapse_key = j.at("collapse_key");
    n.data = j.at("data").get<std::map<std::string, std::string>>();
    n.rule = j.at("rule");
    n.created_at = std::chrono::system_clock::time_point{
        std::chrono::milliseconds{j.at("created_ms").get<std::int64_t>()}};
    n.ttl = std::chrono::seconds{j.at("ttl_s").get<std::int64_t>()};
    if (j.contains("badge")) n.badge = j["badge"].get<int>();
    // Added after the first outbox format: absent in rows written before.
    n.subtitle = j.value("subtitle", "");
    n.title_loc_key = j.value("title_loc_key", "");
    n.title_loc_args = j.value("title_loc_args", std::vector<std::string>{});
    n.loc_key = j.value("loc_key", "");
    n.loc_args = j.value("loc_args", std::vector<std::string>{});
    n.category = j.value("category", "");
    n.interruption_level = j.value("interruption_level", "");
    n.high_priority = j.value("high_priority", true);
    n.channel_id = j.value("channel_id", "");
    n.importance = j.value("importance", "");
    n.vendor_category = j.value("vendor_category", "");
    n.tag = j.value("tag", "");
    if (j.contains("call_id")) {
      n.call = Notification::Call{j.at("call_id"), j.value("call_ended", false), j.value("call_media", "")};
    }
    return n;
  } catch (const json::exception& e) {
    return tl::unexpected(std::string{"notification JSON: "} + e.what());
  }
}

}  // namespace xpush::push
