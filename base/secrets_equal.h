// Comparing a secret someone sent with the one expected, in constant time.
#pragma once

#include <string_view>

namespace xpush::base {

// Neither the content nor the length of the expected secret leaks through
// timing (only the length of `given`, which the caller sent).
bool secrets_equal(std::string_view expected, std::string_view given);

}  // namespace xpush::base
