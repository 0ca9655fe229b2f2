// Payload building on arbitrary texts: every APNs and FCM request is valid
// JSON within the provider's limit (or refused with a reason when nothing
// could fit), whatever the title, body, sound, data and lengths.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "push/apns_request.h"
#include "push/fcm_request.h"

using namespace xpush::push;

namespace {
[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void check(const tl::expected<HttpRequest, std::string>& request, std::size_t limit) {
  if (!request) return;  // refused with a reason: allowed
  if (request->body.size() > limit) fail("payload over the provider's limit");
  if (!nlohmann::json::accept(request->body)) fail("payload is not valid JSON");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in{data, size};
  Notification n;
  const int kind = in.ConsumeIntegralInRange(0, 2);
  n.kind = kind == 0 ? Kind::kAlert : kind == 1 ? Kind::kBackground : Kind::kVoip;
  n.id = "00000000-0000-4000-8000-000000000000";
  n.device.token = in.ConsumeRandomLengthString(100);
  n.title = in.ConsumeRandomLengthString(6000);
  n.subtitle = in.ConsumeRandomLengthString(300);
  n.body = in.ConsumeRandomLengthString(12000);
  n.sound = in.ConsumeRandomLengthString(40);
  n.thread_id = in.ConsumeRandomLengthString(200);
  n.collapse_key = in.ConsumeRandomLengthString(200);
  n.loc_key = in.ConsumeRandomLengthString(40);
  n.loc_args = {in.ConsumeRandomLengthString(100)};
  if (in.ConsumeBool()) n.badge = in.ConsumeIntegral<int>();
  while (in.remaining_bytes() > 0 && n.data.size() < 8) {
    n.data[in.ConsumeRandomLengthString(30)] = in.ConsumeRandomLengthString(300);
  }
  check(build_apns_request(n, ApnsApp{"app", "org.example.app"}, "bearer"),
        n.kind == Kind::kVoip ? kApnsVoipPayloadLimit : kApnsPayloadLimit);
  check(build_fcm_request(n, FcmApp{"app", "project", "channel"}, "token", n.created_at), kFcmPayloadLimit);
  return 0;
}
