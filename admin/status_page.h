// The status page: one HTML document with its style and script inline (no
// build step, no external assets), which reads /status.json every two
// seconds and renders it with textContent only.
#pragma once

#include <string_view>

namespace xpush {

std::string_view status_page_html();

}  // namespace xpush
