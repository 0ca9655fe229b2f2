#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "push/address_guard.h"
#include "push/ece.h"
#include "push/vapid.h"
#include "push/webpush_request.h"

namespace xpush::push {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::seconds;

const TimePoint kT0{seconds{1'800'000'000}};

std::string b64(std::string_view s) { return *base::from_base64url(s); }

// RFC 8291 Appendix A.
constexpr std::string_view kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view kAuth = "BTBZMqHH6r4Tts7J_aSIgg";

TEST(Base64url, DecodesWithAndWithoutPaddingAndRefusesOtherAlphabets) {
  EXPECT_EQ(base::from_base64url("aGVsbG8"), "hello");
  EXPECT_EQ(base::from_base64url("aGVsbG8="), "hello");
  EXPECT_EQ(base::from_base64url("-_8"), std::string("\xfb\xff", 2));
  EXPECT_FALSE(base::from_base64url("+/8"));
  EXPECT_FALSE(base::from_base64url("a"));
  const std::string all = "\x00\x01\xfe\xff xyz";
  EXPECT_EQ(base::from_base64url(base::base64url(all)), all);
}

TEST(Ece, Rfc8291AppendixAVector) {
  const auto keys = subscription_keys(kUaPublic, kAuth);
  ASSERT_TRUE(keys) << keys.error();
  const EceSenderSecrets fixed{b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"), b64("DGv6ra1nlYgDCS1FRnbzlw")};
  const auto body = encrypt_aes128gcm("When I grow up, I want to be a watermelon", *keys,
                                      EceOptions{.pad_to_bucket = false, .fixed = &fixed});
  ASSERT_TRUE(body) << body.error();
  EXPECT_EQ(base::base64url(*body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PB"
            "ru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN");
}

TEST(Ece, FreshKeyAndSaltEachTimePaddedToABucket) {
  const auto keys = *subscription_keys(kUaPublic, kAuth);
  const auto a = *encrypt_aes128gcm("hi", keys);
  const auto b = *encrypt_aes128gcm("a longer message, but still short", keys);
  EXPECT_EQ(a.size(), kEceHeaderBytes + 256 + kEceTagBytes);
  EXPECT_EQ(b.size(), a.size()) << "lengths within a bucket look the same";
  EXPECT_NE(a.substr(0, 16), b.substr(0, 16)) << "salt";
  EXPECT_NE(a.substr(21, 65), b.substr(21, 65)) << "sender key";
  const auto largest = *encrypt_aes128gcm(std::string(kMaxWebPushPlaintext, 'x'), keys);
  EXPECT_EQ(largest.size(), kMaxWebPushBody);
  const auto too_long = encrypt_aes128gcm(std::string(kMaxWebPushPlaintext + 1, 'x'), keys);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().find("more than the 3993"), std::string::npos) << too_long.error();
}

TEST(Ece, SubscriptionKeysAreChecked) {
  std::string off_curve = b64(kUaPublic);
  off_curve[40] = static_cast<char>(off_curve[40] ^ 1);
  EXPECT_FALSE(subscription_keys(base::base64url(off_curve), kAuth));
  EXPECT_FALSE(subscription_keys(kUaPublic.substr(0, 40), kAuth));
  EXPECT_FALSE(subscription_keys(kUaPublic, "BTBZMqHH6r4Tts7J"));
  EXPECT_FALSE(subscription_keys(kUaPublic, "not base64!"));
  EXPECT_TRUE(subscription_keys(std::string{kUaPublic} + "=", std::string{kAuth} + "=="));
}

json jwt_claims(const std::string& header) {
  const auto t = header.find("t=");
  const auto jwt = header.substr(t + 2, header.find(',', t) - t - 2);
  const auto a = jwt.find('.');
  return json::parse(*base::from_base64url(jwt.substr(a + 1, jwt.find('.', a + 1) - a - 1)));
}

TEST(Vapid, OneTokenPerOriginRenewedAnHourBeforeItExpires) {
  auto vapid = Vapid::create(*generate_vapid_key_pem(), "mailto:ops@example.org");
  ASSERT_TRUE(vapid) << vapid.error();
  EXPECT_EQ(b64(vapid->public_key()).size(), 65u);
  const auto first = *vapid->authorization("https://push.example.net", kT0);
  EXPECT_TRUE(first.starts_with("vapid t=")) << first;
  EXPECT_TRUE(first.ends_with(", k=" + vapid->public_key())) << first;
  EXPECT_EQ(jwt_claims(first), json({{"aud", "https://push.example.net"},
                                     {"exp", 1'800'000'000 + 12 * 3600},
                                     {"sub", "mailto:ops@example.org"}}));
  EXPECT_EQ(*vapid->authorization("https://push.example.net", kT0 + hours{10}), first);
  const auto other = *vapid->authorization("https://updates.push.services.mozilla.com", kT0);
  EXPECT_EQ(jwt_claims(other)["aud"], "https://updates.push.services.mozilla.com");
  const auto renewed = *vapid->authorization("https://push.example.net", kT0 + hours{11});
  EXPECT_NE(renewed, first);
  EXPECT_EQ(jwt_claims(renewed)["exp"], 1'800'000'000 + 23 * 3600);
}

TEST(Vapid, RefusesWhatPushServicesWouldRefuse) {
  EXPECT_FALSE(Vapid::create(*generate_vapid_key_pem(), "ops@example.org"));
  EXPECT_FALSE(Vapid::create("not a key", "mailto:ops@example.org"));
}

bool public_address(const char* text) { return is_public_address(boost::asio::ip::make_address(text)); }

TEST(AddressGuard, OnlyGloballyReachableAddresses) {
  for (const char* refused : {"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                              "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1", "::1", "::", "fe80::1",
                              "fd00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "64:ff9b::a00:1",
                              "2001:db8::1"}) {
    EXPECT_FALSE(public_address(refused)) << refused;
  }
  for (const char* allowed : {"8.8.8.8", "142.250.74.138", "2a00:1450:4001:82b::200a", "::ffff:8.8.8.8",
                              "64:ff9b::808:808"}) {
    EXPECT_TRUE(public_address(allowed)) << allowed;
  }
}

TEST(AddressGuard, EndpointUrls) {
  const EndpointPolicy policy;
  const auto fcm = policy.check("https://fcm.googleapis.com/fcm/send/abc:def");
  ASSERT_TRUE(fcm) << fcm.error();
  EXPECT_EQ(fcm->host, "fcm.googleapis.com");
  EXPECT_EQ(fcm->port, 443);
  EXPECT_EQ(fcm->target, "/fcm/send/abc:def");
  EXPECT_EQ(fcm->origin, "https://fcm.googleapis.com");
  EXPECT_EQ(policy.check("https://Ntfy.Example.org:8443/up123")->origin, "https://ntfy.example.org:8443");
  EXPECT_EQ(policy.check("http://ntfy.example.org/up").error(), "the endpoint is not an https URL");
  EXPECT_EQ(policy.check("ftp://x/").error(), "the endpoint is not an https URL");
  EXPECT_EQ(policy.check("https://127.0.0.1/x").error(), "the endpoint's address is not public");
  EXPECT_EQ(policy.check("https://[::1]:8443/x").error(), "the endpoint's address is not public");
  EXPECT_EQ(policy.check("https://169.254.169.254/latest").error(), "the endpoint's address is not public");
  EXPECT_EQ(policy.check("https://user@push.example/x").error(), "the endpoint carries user information");
  EXPECT_FALSE(policy.check("https://push.example:0/x"));
  EXPECT_FALSE(policy.check("https:///x"));

  const EndpointPolicy tests{{"localhost", "127.0.0.1"}};
  const auto local = tests.check("http://localhost:8090/notify/abc");
  ASSERT_TRUE(local) << local.error();
  EXPECT_FALSE(local->tls);
  EXPECT_EQ(local->origin, "http://localhost:8090");
  EXPECT_TRUE(tests.check("https://127.0.0.1:9/x"));
  EXPECT_TRUE(tests.may_connect("LOCALHOST", boost::asio::ip::make_address("127.0.0.1")));
  EXPECT_FALSE(tests.may_connect("evil.example", boost::asio::ip::make_address("127.0.0.1")));
}

Notification alert() {
  Notification n;
  n.id = "n-1";
  n.device.platform = Platform::kWebPush;
  n.kind = Kind::kAlert;
  n.title = "Juliet";
  n.body = "Art thou not Romeo?";
  n.badge = 3;
  n.thread_id = "juliet@capulet.lit";
  n.collapse_key = "juliet@capulet.lit";
  n.data = {{"from", "juliet@capulet.lit"}};
  n.created_at = kT0;
  n.ttl = hours{24};
  return n;
}

WebPushTarget target() {
  return {*EndpointPolicy{}.check("https://push.example.net/wpush/v2/xyz?q=1"), *subscription_keys(kUaPublic, kAuth)};
}

TEST(WebPushRequest, HeadersFromTheNotification) {
  const auto r = build_webpush_request(alert(), target(), "vapid t=T, k=K", kT0 + hours{1});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->path, "/wpush/v2/xyz?q=1");
  EXPECT_EQ(r->header("content-encoding"), "aes128gcm");
  EXPECT_EQ(r->header("content-type"), "application/octet-stream");
  EXPECT_EQ(r->header("ttl"), "82800");
  EXPECT_EQ(r->header("urgency"), "high");
  EXPECT_EQ(r->header("topic"), webpush_topic("juliet@capulet.lit"));
  EXPECT_EQ(r->header("authorization"), "vapid t=T, k=K");
  EXPECT_EQ(r->body.size(), kEceHeaderBytes + 256 + kEceTagBytes);

  Notification quiet = alert();
  quiet.kind = Kind::kBackground;
  quiet.collapse_key.clear();
  const auto bg = build_webpush_request(quiet, target(), "v", kT0 + hours{30});
  EXPECT_EQ(bg->header("urgency"), "low");
  EXPECT_EQ(bg->header("ttl"), "0");
  EXPECT_FALSE(bg->header("topic"));
  quiet.kind = Kind::kAlert;
  quiet.high_priority = false;
  EXPECT_EQ(build_webpush_request(quiet, target(), "v", kT0)->header("urgency"), "normal");
}

TEST(WebPushRequest, ACorrectionReplacesTheUndeliveredOriginal) {
  Notification n = alert();
  n.collapse_key.clear();
  n.tag = "msg-0123456789abcdef";
  const auto r = build_webpush_request(n, target(), "v", kT0);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->header("topic"), webpush_topic("msg-0123456789abcdef"));
}

TEST(WebPushRequest, TopicIsShortBase64url) {
  EXPECT_EQ(webpush_topic("chat-42_a"), "chat-42_a");
  const auto hashed = webpush_topic("juliet@capulet.lit");
  EXPECT_EQ(hashed.size(), 32u);
  EXPECT_EQ(hashed.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(webpush_topic("juliet@capulet.lit"), hashed);
  EXPECT_EQ(webpush_topic(std::string(40, 'a')).size(), 32u);
}

TEST(WebPushRequest, PayloadAServiceWorkerCanShow) {
  EXPECT_EQ(json::parse(*webpush_payload(alert())),
            json({{"id", "n-1"}, {"kind", "alert"}, {"title", "Juliet"}, {"body", "Art thou not Romeo?"},
                  {"tag", "juliet@capulet.lit"}, {"badge", 3}, {"data", {{"from", "juliet@capulet.lit"}}}}));
  Notification bg = alert();
  bg.kind = Kind::kBackground;
  bg.badge.reset();
  const auto silent = json::parse(*webpush_payload(bg));
  EXPECT_FALSE(silent.contains("title"));
  EXPECT_FALSE(silent.contains("body"));
  EXPECT_EQ(silent["kind"], "background");

  Notification long_text = alert();
  long_text.body.clear();
  for (int i = 0; i < 2000; ++i) long_text.body += "\xF0\x9F\x91\x8D";  // 👍, 4 bytes each
  const auto fitted = *webpush_payload(long_text);
  EXPECT_LE(fitted.size(), kMaxWebPushPlaintext);
  EXPECT_TRUE(json::parse(fitted)["body"].get<std::string>().ends_with("\xF0\x9F\x91\x8D\xE2\x80\xA6"));
}

TEST(WebPushRequest, SubscriptionTokensAreCanonical) {
  const Subscription s{"https://push.example.net/x", std::string{kUaPublic} + "=", std::string{kAuth}};
  const auto checked = checked_subscription(s, EndpointPolicy{});
  ASSERT_TRUE(checked) << checked.error();
  const auto token = subscription_token(*checked);
  EXPECT_EQ(token, R"({"endpoint":"https://push.example.net/x","keys":{"auth":")" + std::string{kAuth} +
                       R"(","p256dh":")" + std::string{kUaPublic} + R"("}})");
  EXPECT_EQ(parse_subscription_token(token)->endpoint, "https://push.example.net/x");
  EXPECT_FALSE(parse_subscription_token("abc"));
  EXPECT_EQ(checked_subscription({"https://10.0.0.1/x", std::string{kUaPublic}, std::string{kAuth}}, {}).error(),
            "the endpoint's address is not public");
  EXPECT_FALSE(checked_subscription({"https://push.example.net/x", "AAAA", std::string{kAuth}}, {}));
}

HttpResponse answer(int status, std::string body = {}, Headers headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

TEST(WebPushResponse, EachStatusMeansWhatRfc8030Says) {
  EXPECT_EQ(interpret_webpush_response(answer(201), kT0).outcome, Outcome::kDelivered);
  const auto gone = interpret_webpush_response(answer(410, R"({"reason":"Push subscription has unsubscribed or expired."})"), kT0);
  EXPECT_EQ(gone.outcome, Outcome::kTokenInvalid);
  EXPECT_EQ(gone.reason, "HTTP 410: Push subscription has unsubscribed or expired.");
  EXPECT_EQ(interpret_webpush_response(answer(404), kT0).outcome, Outcome::kTokenInvalid);
  const auto busy = interpret_webpush_response(answer(429, "", {{"retry-after", "120"}}), kT0);
  EXPECT_EQ(busy.outcome, Outcome::kRetry);
  EXPECT_EQ(busy.retry_after, seconds{120});
  EXPECT_EQ(interpret_webpush_response(answer(503), kT0).outcome, Outcome::kRetry);
  const auto vapid = interpret_webpush_response(answer(403, R"({"error":{"message":"bad VAPID"}})"), kT0);
  EXPECT_EQ(vapid.outcome, Outcome::kRejected);
  EXPECT_EQ(vapid.reason, "HTTP 403: bad VAPID");
  EXPECT_EQ(interpret_webpush_response(answer(400, "plain\ntext"), kT0).reason, "HTTP 400: plain text");
  EXPECT_EQ(interpret_webpush_response(answer(413), kT0).outcome, Outcome::kRejected);
}

}  // namespace
}  // namespace xpush::push
