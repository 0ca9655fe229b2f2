// HTTP requests and responses as plain data, so that building a provider
// request and reading its answer are pure functions, tested without sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xpush::push {

using Headers = std::vector<std::pair<std::string, std::string>>;  // lower-case names

struct HttpRequest {
  std::string method = "POST";
  std::string path;
  Headers headers;
  std::string body;
  // Header names (":path" too) whose values change with every request: sent
  // without HPACK indexing, so that they do not push the values that repeat
  // (the authorization token) out of the connection's header table.
  std::vector<std::string_view> unique_per_request;

  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const;
};

// application/x-www-form-urlencoded, every byte outside [A-Za-z0-9._~-]
// percent-encoded (so also usable in URL paths and queries).
std::string url_encode(std::string_view text);
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
// The fields of a form-encoded body, in order ('+' is a space).
std::vector<std::pair<std::string, std::string>> form_decode(std::string_view body);

}  // namespace xpush::push
