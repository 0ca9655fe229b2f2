#include "push/http_message.h"

namespace xpush::push {

namespace {
std::optional<std::string_view> find(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  return find(headers, name);
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  return find(headers, name);
}

}  // namespace xpush::push
