// The Android vendor channels' answers: every row of each vendor's code
// table read from a real-shaped answer, and the pauses they ask for.
#include <gtest/gtest.h>

#include "push/vendor_api.h"
#include "tests/unit/push/vendor_test_util.h"

namespace xpush::push {
namespace {

using namespace vendor_test;

struct CodeCase {
  Platform platform;
  int status;
  std::string body;
  Outcome outcome;
};

class Answers : public testing::TestWithParam<CodeCase> {};

TEST_P(Answers, MeanWhatTheVendorDocuments) {
  const auto& c = GetParam();
  const auto api = vendor_api(c.platform);
  const auto token = c.platform == Platform::kXiaomi ? "xiaomi-regid-1" : "device-token-1";
  const auto result = api->read_answer(answer(c.status, c.body), alert(c.platform, token), kT0);
  EXPECT_EQ(result.outcome, c.outcome) << to_string(c.platform) << " " << c.body << ": " << result.reason;
}

// Every row of every table, and what a vendor says outside its codes.
INSTANTIATE_TEST_SUITE_P(
    Hms, Answers,
    testing::Values(
        CodeCase{Platform::kHms, 200, R"({"code":"80000000","msg":"Success","requestId":"1"})", Outcome::kDelivered},
        CodeCase{Platform::kHms, 200,
                 R"({"code":"80100000","msg":"{\"success\":0,\"failure\":1,\"illegal_tokens\":[\"device-token-1\"]}"})",
                 Outcome::kTokenInvalid},
        CodeCase{Platform::kHms, 200,
                 R"({"code":"80100000","msg":"{\"success\":1,\"failure\":1,\"illegal_tokens\":[\"another\"]}"})",
                 Outcome::kDelivered},
        CodeCase{Platform::kHms, 400, R"({"code":"80100001","msg":"Some request parameters are invalid"})", Outcome::kRejected},
        CodeCase{Platform::kHms, 400, R"({"code":"80100003","msg":"Illegal payload"})", Outcome::kRejected},
        CodeCase{Platform::kHms, 400, R"({"code":"80100004","msg":"Illegal ttl"})", Outcome::kRejected},
        CodeCase{Platform::kHms, 401, R"({"code":"80200001","msg":"Oauth authentication error"})", Outcome::kRefreshAuth},
        CodeCase{Platform::kHms, 401, R"({"code":"80200003","msg":"Oauth Token expired"})", Outcome::kRefreshAuth},
        CodeCase{Platform::kHms, 403, R"({"code":"80300002","msg":"no permission"})", Outcome::kRetry},
        CodeCase{Platform::kHms, 400, R"({"code":"80300007","msg":"All the tokens are invalid"})", Outcome::kTokenInvalid},
        CodeCase{Platform::kHms, 400, R"({"code":"80300008","msg":"message too large"})", Outcome::kRejected},
        CodeCase{Platform::kHms, 400, R"({"code":"80300010","msg":"too many tokens"})", Outcome::kRejected},
        CodeCase{Platform::kHms, 400, R"({"code":"80600003","msg":"Request OAuth failed"})", Outcome::kRetry},
        CodeCase{Platform::kHms, 500, R"({"code":"81000001","msg":"System inner error"})", Outcome::kRetry},
        CodeCase{Platform::kHms, 503, "flow control", Outcome::kRetry},
        CodeCase{Platform::kHms, 200, R"({"code":"99999999","msg":"new"})", Outcome::kRejected}));

INSTANTIATE_TEST_SUITE_P(
    Honor, Answers,
    testing::Values(
        CodeCase{Platform::kHonor, 200,
                 R"({"code":200,"message":"Success","data":{"sendResult":true,"failTokens":[],"expireTokens":[]}})",
                 Outcome::kDelivered},
        CodeCase{Platform::kHonor, 200,
                 R"({"code":200,"message":"Success","data":{"sendResult":false,"failTokens":[],"expireTokens":["device-token-1"]}})",
                 Outcome::kTokenInvalid},
        CodeCase{Platform::kHonor, 200,
                 R"({"code":200,"message":"Success","data":{"sendResult":false,"failTokens":["device-token-1"]}})",
                 Outcome::kTokenInvalid},
        CodeCase{Platform::kHonor, 200, R"({"code":80100003,"message":"bad message"})", Outcome::kRejected},
        CodeCase{Platform::kHonor, 200, R"({"code":80200001,"message":"auth"})", Outcome::kRefreshAuth},
        CodeCase{Platform::kHonor, 200, R"({"code":80200003,"message":"expired"})", Outcome::kRefreshAuth},
        CodeCase{Platform::kHonor, 200, R"({"code":80300002,"message":"no permission"})", Outcome::kRetry},
        CodeCase{Platform::kHonor, 200, R"({"code":80300007,"message":"invalid tokens"})", Outcome::kTokenInvalid},
        CodeCase{Platform::kHonor, 200, R"({"code":80300008,"message":"too large"})", Outcome::kRejected},
        CodeCase{Platform::kHonor, 200, R"({"code":81000001,"message":"inner error"})", Outcome::kRetry},
        CodeCase{Platform::kHonor, 502, "", Outcome::kRetry}));

INSTANTIATE_TEST_SUITE_P(
    Xiaomi, Answers,
    testing::Values(
        CodeCase{Platform::kXiaomi, 200, R"({"result":"ok","code":0,"data":{"id":"sdm5"},"description":"ok"})",
                 Outcome::kDelivered},
        CodeCase{Platform::kXiaomi, 200,
                 R"({"result":"ok","code":0,"data":{"id":"sdm5","bad_regids":"other,xiaomi-regid-1"}})",
                 Outcome::kTokenInvalid},
        CodeCase{Platform::kXiaomi, 200, R"({"result":"error","code":10017,"reason":"invalid regid"})", Outcome::kTokenInvalid},
        CodeCase{Platform::kXiaomi, 200, R"({"result":"error","code":10027,"reason":"too frequent"})", Outcome::kRetry},
        CodeCase{Platform::kXiaomi, 200, R"({"result":"error","code":10034,"reason":"quota"})", Outcome::kRetry},
        CodeCase{Platform::kXiaomi, 200, R"({"result":"error","code":21301,"reason":"auth failed"})", Outcome::kRetry},
        CodeCase{Platform::kXiaomi, 200, R"({"result":"error","code":21305,"reason":"package"})", Outcome::kRetry},
        CodeCase{Platform::kXiaomi, 200, R"({"result":"error","code":65003,"reason":"no device"})", Outcome::kTokenInvalid},
        CodeCase{Platform::kXiaomi, 200, R"({"result":"error","code":22022,"reason":"new"})", Outcome::kRejected},
        CodeCase{Platform::kXiaomi, 503, "", Outcome::kRetry}));

INSTANTIATE_TEST_SUITE_P(
    Oppo, Answers,
    testing::Values(CodeCase{Platform::kOppo, 200, R"({"code":0,"message":"Success","data":{"messageId":"m1"}})",
                             Outcome::kDelivered},
                    CodeCase{Platform::kOppo, 200, R"({"code":-1,"message":"Service Currently Unavailable"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":-2,"message":"Service in Flow Control"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":11,"message":"Invalid AuthToken"})", Outcome::kRefreshAuth},
                    CodeCase{Platform::kOppo, 200, R"({"code":12,"message":"Http Action Not Allowed"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":13,"message":"App Call Limited"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":14,"message":"Invalid App Key"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":15,"message":"Forbid"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":16,"message":"Invalid Signature"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":28,"message":"Message Too Large"})", Outcome::kRejected},
                    CodeCase{Platform::kOppo, 200, R"({"code":33,"message":"The number of messages exceeds"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":55,"message":"Frequency"})", Outcome::kRetry},
                    CodeCase{Platform::kOppo, 200, R"({"code":10000,"message":"Invalid RegistrationId"})",
                             Outcome::kTokenInvalid},
                    CodeCase{Platform::kOppo, 500, "", Outcome::kRetry}));

INSTANTIATE_TEST_SUITE_P(
    Vivo, Answers,
    testing::Values(
        CodeCase{Platform::kVivo, 200, R"({"result":0,"desc":"ok","taskId":"t1"})", Outcome::kDelivered},
        CodeCase{Platform::kVivo, 200, R"({"result":0,"desc":"ok","taskId":"t1","invalidUser":{"status":1,"userid":"x"}})",
                 Outcome::kTokenInvalid},
        CodeCase{Platform::kVivo, 200, R"({"result":0,"desc":"ok","invalidUser":{"status":2,"userid":"x"}})",
                 Outcome::kTokenInvalid},
        CodeCase{Platform::kVivo, 200, R"({"result":0,"desc":"ok","invalidUser":{"status":3,"userid":"x"}})",
                 Outcome::kTokenInvalid},
        CodeCase{Platform::kVivo, 200, R"({"result":0,"desc":"ok","invalidUser":{"status":4,"userid":"x"}})",
                 Outcome::kRetry},
        CodeCase{Platform::kVivo, 200, R"({"result":10000,"desc":"authToken invalid"})", Outcome::kRefreshAuth},
        CodeCase{Platform::kVivo, 200, R"({"result":10040,"desc":"too many"})", Outcome::kRetry},
        CodeCase{Platform::kVivo, 200, R"({"result":10054,"desc":"title too long"})", Outcome::kRejected},
        CodeCase{Platform::kVivo, 200, R"({"result":10055,"desc":"content too long"})", Outcome::kRejected},
        CodeCase{Platform::kVivo, 200, R"({"result":10070,"desc":"quota"})", Outcome::kRetry},
        CodeCase{Platform::kVivo, 200, R"({"result":10071,"desc":"timeout"})", Outcome::kRetry},
        CodeCase{Platform::kVivo, 200, R"({"result":10101,"desc":"sign"})", Outcome::kRetry},
        CodeCase{Platform::kVivo, 200, R"({"result":10102,"desc":"timestamp"})", Outcome::kRetry},
        CodeCase{Platform::kVivo, 429, "", Outcome::kRetry}));

TEST(VendorCodes, EveryTableRowIsCoveredAbove) {
  // The instantiations above name each row; a row added to a table without
  // a case there fails here, by count.
  const std::map<Platform, std::size_t> covered = {
      {Platform::kHms, 13}, {Platform::kHonor, 8}, {Platform::kXiaomi, 7}, {Platform::kOppo, 13}, {Platform::kVivo, 9}};
  for (const auto& [platform, rows] : covered) {
    EXPECT_EQ(vendor_api(platform)->codes().size(), rows) << to_string(platform);
  }
}

TEST(VendorCodes, PausesForDailyCapsAndConfiguration) {
  const auto capped = vendor_api(Platform::kXiaomi)
                          ->read_answer(answer(200, R"({"result":"error","code":10034})"),
                                        alert(Platform::kXiaomi, "r"), kT0);
  EXPECT_EQ(capped.retry_after, kVendorDailyCapPause);
  const auto config = vendor_api(Platform::kOppo)
                          ->read_answer(answer(200, R"({"code":16,"message":"Invalid Signature"})"),
                                        alert(Platform::kOppo, "r"), kT0);
  EXPECT_EQ(config.retry_after, kVendorConfigPause);
  EXPECT_TRUE(config.reason.starts_with("configuration: OPPO 16")) << config.reason;
}

}  // namespace
}  // namespace xpush::push
