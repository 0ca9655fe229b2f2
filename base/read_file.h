// Reading a whole (small) file named in the configuration.
#pragma once

#include <string>

namespace xpush::base {

// Throws std::runtime_error("cannot read <what> <path>: <reason>").
std::string read_file(const std::string& path, const std::string& what);

// A secret kept in a file: its content without the trailing newlines an
// editor or `echo` leaves. Throws like read_file.
std::string read_secret_file(const std::string& path, const std::string& what);

}  // namespace xpush::base
