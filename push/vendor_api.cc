#include "push/vendor_api.h"

namespace xpush::push {

std::unique_ptr<VendorApi> make_hms_api();
std::unique_ptr<VendorApi> make_honor_api();
std::unique_ptr<VendorApi> make_xiaomi_api();
std::unique_ptr<VendorApi> make_oppo_api();
std::unique_ptr<VendorApi> make_vivo_api();

bool is_vendor(Platform platform) {
  switch (platform) {
    case Platform::kHms:
    case Platform::kHonor:
    case Platform::kXiaomi:
    case Platform::kOppo:
    case Platform::kVivo: return true;
    case Platform::kApns:
    case Platform::kFcm:
    case Platform::kWebPush:
    case Platform::kWebhook: return false;
  }
  return false;
}

std::string_view to_string(CodeMeaning meaning) {
  switch (meaning) {
    case CodeMeaning::kDelivered: return "delivered";
    case CodeMeaning::kRetry: return "retry";
    case CodeMeaning::kReauth: return "re-authenticate, resend once";
    case CodeMeaning::kTokenDead: return "device gone";
    case CodeMeaning::kTooLarge: return "too large";
    case CodeMeaning::kConfig: return "configuration";
    case CodeMeaning::kRejected: return "rejected";
  }
  return "rejected";
}

std::unique_ptr<VendorApi> vendor_api(Platform platform) {
  switch (platform) {
    case Platform::kHms: return make_hms_api();
    case Platform::kHonor: return make_honor_api();
    case Platform::kXiaomi: return make_xiaomi_api();
    case Platform::kOppo: return make_oppo_api();
    case Platform::kVivo: return make_vivo_api();
    case Platform::kApns:
    case Platform::kFcm:
    case Platform::kWebPush:
    case Platform::kWebhook: return nullptr;
  }
  return nullptr;
}

VendorUrls default_vendor_urls(Platform platform) {
  switch (platform) {
    case Platform::kHms: return {"https://push-api.cloud.huawei.com", "https://oauth-login.cloud.huawei.com/oauth2/v3/token"};
    case Platform::kHonor: return {"https://push-api.cloud.hihonor.com", "https://iam.developer.hihonor.com/auth/token"};
    case Platform::kXiaomi: return {"https://api.xmpush.xiaomi.com", ""};
    case Platform::kOppo: return {"https://api.push.oppomobile.com", "https://api.push.oppomobile.com/server/v1/auth"};
    case Platform::kVivo: return {"https://api-push.vivo.com.cn", "https://api-push.vivo.com.cn/message/auth"};
    case Platform::kApns:
    case Platform::kFcm:
    case Platform::kWebPush:
    case Platform::kWebhook: return {};
  }
  return {};
}

}  // namespace xpush::push
