// What a phone or a browser shows, as JSON keys: shared by the payloads that
// carry the notification as plain JSON (Web Push, the webhook).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "push/notification.h"

namespace xpush::push {

// title, subtitle, body, localisation keys and sound, for notifications that
// show something (`title` and `body` as cut to fit); nothing for background wakes.
inline void add_shown_text(nlohmann::json& j, const Notification& n, std::string_view title, std::string_view body) {
  if (n.kind == Kind::kBackground) return;
  if (!title.empty()) j["title"] = title;
  if (!n.subtitle.empty()) j["subtitle"] = n.subtitle;
  if (!body.empty()) j["body"] = body;
  if (!n.title_loc_key.empty()) j["title_loc_key"] = n.title_loc_key, j["title_loc_args"] = n.title_loc_args;
  if (!n.loc_key.empty()) j["loc_key"] = n.loc_key, j["loc_args"] = n.loc_args;
  if (!n.sound.empty()) j["sound"] = n.sound;
}

}  // namespace xpush::push
