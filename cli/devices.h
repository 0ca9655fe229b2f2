// `xpushctl devices`: a user's registered devices, looked at and switched
// off and on by an operator. A device token is never printed in full: its
// first characters and its SHA-256 are enough to recognise it.
#pragma once

#include <ostream>
#include <string>

#include "store/store.h"

namespace xpush::cli {

// "dGhpc2lz… sha256:<64 hex digits>"
std::string token_fingerprint(const std::string& token);

int devices_list(store::Store& store, const std::string& account, std::ostream& out);
int devices_show(store::Store& store, const std::string& node, const std::string& domain, std::ostream& out);
int devices_disable(store::Store& store, const std::string& node, const std::string& domain,
                    const std::string& reason, std::ostream& out);
int devices_enable(store::Store& store, const std::string& node, const std::string& domain, std::ostream& out);
// Through the running xpushd's admin listener: a test notification to
// every enabled device of `account`, and each provider's answer. Exit 0
// when every device's provider accepted it.
int devices_test(const std::string& config_path, const std::string& account, const std::string& text,
                 std::ostream& out);

}  // namespace xpush::cli
