// Peer-supplied text (an id, a JID) made safe for one log line: control
// characters become '?', and it is cut to a length so that nobody can forge
// log lines or fill the disk through xpush's log.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xpush::base {

std::string for_log(std::string_view text, std::size_t max_bytes = 80);

}  // namespace xpush::base
