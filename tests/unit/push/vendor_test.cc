// The Android vendor channels: each vendor's requests as its documentation
// shows them (the answers and code tables: vendor_codes_test.cc).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "push/vendor_api.h"
#include "push/vendor_common.h"
#include "tests/unit/push/vendor_test_util.h"

namespace xpush::push {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::seconds;

using namespace vendor_test;

// --- HMS ---------------------------------------------------------------

TEST(Hms, TokenRequestIsClientCredentials) {
  const auto api = vendor_api(Platform::kHms);
  const auto r = api->token_request(app(), kT0);
  EXPECT_EQ(r.header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(form_fields(r.body), (std::map<std::string, std::string>{
                                     {"grant_type", "client_credentials"},
                                     {"client_id", "10004"},
                                     {"client_secret", "s3cret/+&="}}));
  const auto token = api->read_token(answer(200, R"({"access_token":"CV7x","expires_in":3600,"token_type":"Bearer"})"), kT0);
  ASSERT_TRUE(token) << token.error();
  EXPECT_EQ(token->value, "CV7x");
  EXPECT_EQ(token->expires_at, kT0 + seconds{3600});
  const auto refused = api->read_token(answer(400, R"({"error":1101,"error_description":"invalid client"})"), kT0);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("1101"), std::string::npos) << refused.error();
  EXPECT_NE(refused.error().find("invalid client"), std::string::npos) << refused.error();
}

TEST(Hms, SendRequestIsAPushKitMessage) {
  const auto api = vendor_api(Platform::kHms);
  auto n = alert(Platform::kHms, "IQAAAACy0kYkAAAAAAAA");
  n.collapse_key = "bob@example.org";
  const auto r = api->send_request(n, app(), "CV7x", kT0 + seconds{600});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->path, "/v1/10004/messages:send");
  EXPECT_EQ(r->header("authorization"), "Bearer CV7x");
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"({"validate_only":false,"message":{
              "data":"{\"chat\":\"bob@example.org\"}",
              "android":{"urgency":"HIGH","ttl":"3000s","bi_tag":"7e43fae7-3b7b-493c-998b-ae3bfb3784e4","category":"IM",
                "notification":{"title":"Bob","body":"Lunch?","click_action":{"type":3},"importance":"NORMAL",
                  "channel_id":"messages","tag":"bob@example.org","default_sound":true}},
              "token":["IQAAAACy0kYkAAAAAAAA"]}})"));
}

TEST(Vendors, AnEditReplacesTheOriginalOnThePhone) {
  auto original = alert(Platform::kHms, "IQAAAACy0kYkAAAAAAAA");
  original.id = "n-1";
  original.tag = "msg-0123456789abcdef";
  auto edit = original;
  edit.id = "n-2";
  EXPECT_EQ(vendor::notify_id(edit), vendor::notify_id(original));  // Xiaomi, OPPO, vivo
  edit.tag.clear();
  EXPECT_NE(vendor::notify_id(edit), vendor::notify_id(original));
  for (const auto platform : {Platform::kHms, Platform::kHonor}) {
    original.device.platform = platform;
    const auto r = vendor_api(platform)->send_request(original, app(), "CV7x", kT0);
    ASSERT_TRUE(r) << r.error();
    EXPECT_NE(r->body.find(R"("tag":"msg-0123456789abcdef")"), std::string::npos) << r->body;
  }
}

TEST(Hms, BackgroundIsADataMessage) {
  auto n = alert(Platform::kHms, "IQAAAACy0kYkAAAAAAAA");
  n.kind = Kind::kBackground;
  n.high_priority = false;
  const auto r = vendor_api(Platform::kHms)->send_request(n, app(), "CV7x", kT0);
  ASSERT_TRUE(r);
  const auto message = json::parse(r->body)["message"];
  EXPECT_FALSE(message["android"].contains("notification"));
  EXPECT_EQ(message["android"]["urgency"], "NORMAL");
  EXPECT_EQ(message["data"], R"({"chat":"bob@example.org"})");
}

TEST(Hms, LongTextIsCutToFitFourKilobytes) {
  auto n = alert(Platform::kHms, "IQAAAACy0kYkAAAAAAAA");
  n.body.clear();
  for (int i = 0; i < 1000; ++i) n.body += "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD";  // thumbs up, medium skin tone
  const auto r = vendor_api(Platform::kHms)->send_request(n, app(), "CV7x", kT0);
  ASSERT_TRUE(r) << r.error();
  auto message = json::parse(r->body)["message"];
  message.erase("token");
  EXPECT_LE(message.dump().size(), 4096u);
  const std::string body = message["android"]["notification"]["body"];
  EXPECT_TRUE(body.ends_with("\xF0\x9F\x8F\xBD\xE2\x80\xA6")) << "cut inside a grapheme cluster";
}

// --- Honor -------------------------------------------------------------

TEST(Honor, SendRequestCarriesTimestampAndCamelCase) {
  const auto r = vendor_api(Platform::kHonor)->send_request(alert(Platform::kHonor, "hn-token"), app(), "AT", kT0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/api/v1/10004/sendMessage");
  EXPECT_EQ(r->header("timestamp"), "1800000000000");
  EXPECT_EQ(r->header("authorization"), "Bearer AT");
  const auto body = json::parse(r->body);
  EXPECT_EQ(body["token"], json::array({"hn-token"}));
  EXPECT_EQ(body["android"]["notification"]["clickAction"]["type"], 3);
  EXPECT_EQ(body["android"]["notification"]["channelId"], "messages");
  EXPECT_EQ(body["android"]["notification"]["title"], "Bob");
}

// --- Xiaomi ------------------------------------------------------------

TEST(Xiaomi, SendRequestIsAFormWithTheAppSecret) {
  const auto r = vendor_api(Platform::kXiaomi)->send_request(alert(Platform::kXiaomi, "regid+1"), app(), "", kT0);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->path, "/v3/message/regid");
  EXPECT_EQ(r->header("authorization"), "key=s3cret/+&=");
  const auto f = form_fields(r->body);
  EXPECT_EQ(f.at("registration_id"), "regid+1");
  EXPECT_EQ(f.at("restricted_package_name"), "org.example.chat");
  EXPECT_EQ(f.at("pass_through"), "0");
  EXPECT_EQ(f.at("title"), "Bob");
  EXPECT_EQ(f.at("description"), "Lunch?");
  EXPECT_EQ(f.at("extra.channel_id"), "messages");
  EXPECT_EQ(f.at("time_to_live"), "3600000");
  EXPECT_EQ(f.at("payload"), R"({"chat":"bob@example.org"})");
  EXPECT_EQ(f.at("notify_id"), std::to_string(vendor::notify_id(alert(Platform::kXiaomi, ""))));
}

TEST(Xiaomi, TitleUnderFiftyAndDescriptionUnder128Characters) {
  auto n = alert(Platform::kXiaomi, "regid");
  n.title = std::string(60, 'T');
  n.body.clear();
  for (int i = 0; i < 200; ++i) n.body += "\xE4\xBD\xA0";  // 你
  const auto f = form_fields(vendor_api(Platform::kXiaomi)->send_request(n, app(), "", kT0)->body);
  EXPECT_EQ(f.at("title"), std::string(48, 'T') + "\xE2\x80\xA6");
  EXPECT_EQ(vendor::length_of(f.at("description"), vendor::Count::kUtf16), 127u);
}

TEST(Xiaomi, AnAlertWithoutAChannelIsRefused) {
  VendorApp no_channel = app();
  no_channel.channel_id.clear();
  const auto r = vendor_api(Platform::kXiaomi)->send_request(alert(Platform::kXiaomi, "regid"), no_channel, "", kT0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("channel_id"), std::string::npos);
}

// --- OPPO --------------------------------------------------------------

TEST(Oppo, AuthIsSignedWithSha256) {
  VendorApp oppo = app();
  oppo.app_key = "oppo-app-key";
  oppo.secret = "oppo-master-secret";
  const auto api = vendor_api(Platform::kOppo);
  const auto f = form_fields(api->token_request(oppo, kT0).body);
  EXPECT_EQ(f.at("app_key"), "oppo-app-key");
  EXPECT_EQ(f.at("timestamp"), "1800000000000");
  // python3: hashlib.sha256(b"oppo-app-key1800000000000oppo-master-secret").hexdigest()
  EXPECT_EQ(f.at("sign"), "417abe5207d39ad6604bba8d85717a9f8977808b5a41b6b4aac3bd0306673170");
  const auto token = api->read_token(answer(200, R"({"code":0,"message":"Success","data":{"auth_token":"58ad","create_time":1}})"), kT0);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->value, "58ad");
  EXPECT_EQ(token->expires_at, kT0 + hours{24});
  EXPECT_FALSE(api->read_token(answer(200, R"({"code":16,"message":"Invalid Signature"})"), kT0));
}

TEST(Oppo, UnicastCarriesChannelCategoryAndLevel) {
  auto n = alert(Platform::kOppo, "OPPO_CN_1");
  n.importance = "high";
  const auto r = vendor_api(Platform::kOppo)->send_request(n, app(), "58ad", kT0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/server/v1/message/notification/unicast");
  const auto f = form_fields(r->body);
  EXPECT_EQ(f.at("auth_token"), "58ad");
  const auto message = json::parse(f.at("message"));
  EXPECT_EQ(message["target_type"], 2);
  EXPECT_EQ(message["target_value"], "OPPO_CN_1");
  EXPECT_EQ(message["notification"]["channel_id"], "messages");
  EXPECT_EQ(message["notification"]["category"], "IM");
  EXPECT_EQ(message["notification"]["notify_level"], 16);
  EXPECT_EQ(message["notification"]["off_line_ttl"], 3600);
  n.kind = Kind::kBackground;
  EXPECT_FALSE(vendor_api(Platform::kOppo)->send_request(n, app(), "58ad", kT0));
}

// --- vivo --------------------------------------------------------------

TEST(Vivo, AuthIsSignedWithLowerCaseMd5) {
  VendorApp vivo = app();
  vivo.app_key = "vivo-app-key";
  vivo.secret = "vivo-app-secret";
  const auto api = vendor_api(Platform::kVivo);
  const auto body = json::parse(api->token_request(vivo, kT0).body);
  EXPECT_EQ(body["appId"], "10004");
  EXPECT_EQ(body["timestamp"], 1'800'000'000'000);
  // python3: hashlib.md5(b"10004vivo-app-key1800000000000vivo-app-secret").hexdigest()
  EXPECT_EQ(body["sign"], "96ab9fd3e5e3c65324f9a6594b524122");
  const auto token = api->read_token(answer(200, R"({"result":0,"desc":"ok","authToken":"24ojY"})"), kT0);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->value, "24ojY");
}

TEST(Vivo, SendCarriesClassificationAndCountsChineseAsTwo) {
  auto n = alert(Platform::kVivo, "15886681200000000000000");
  n.title.clear();
  for (int i = 0; i < 30; ++i) n.title += "\xE4\xBD\xA0";  // 30 x 你 = 60 units
  const auto r = vendor_api(Platform::kVivo)->send_request(n, app(), "24ojY", kT0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/message/send");
  EXPECT_EQ(r->header("authtoken"), "24ojY");
  const auto body = json::parse(r->body);
  EXPECT_EQ(body["regId"], "15886681200000000000000");
  EXPECT_EQ(body["classification"], 1);
  EXPECT_EQ(body["category"], "IM");
  EXPECT_EQ(body["requestId"], n.id);
  EXPECT_EQ(body["clientCustomMap"], json({{"chat", "bob@example.org"}}));
  EXPECT_LE(vendor::length_of(body["title"].get<std::string>(), vendor::Count::kWideDouble), 40u);
  EXPECT_EQ(body["title"], std::string{} + "\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0" +
                               "\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0" +
                               "\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0\xE4\xBD\xA0" +
                               "\xE4\xBD\xA0\xE2\x80\xA6");
}

TEST(VendorText, CutsAtGraphemeClustersWithAnEllipsis) {
  // A family emoji (8 UTF-16 units) is kept whole or dropped whole.
  const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  EXPECT_EQ(vendor::fit_text("ab" + family + "cd", 11, vendor::Count::kUtf16), "ab" + family + "\xE2\x80\xA6");
  EXPECT_EQ(vendor::fit_text("ab" + family + "cd", 10, vendor::Count::kUtf16), "ab\xE2\x80\xA6");
  EXPECT_EQ(vendor::fit_text("short", 5, vendor::Count::kUtf16), "short");
}

}  // namespace
}  // namespace xpush::push
