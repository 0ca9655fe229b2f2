#include "base/secrets_equal.h"

#include <cstddef>

namespace xpush::base {

bool secrets_equal(std::string_view expected, std::string_view given) {
  // Every byte of `given` is looked at whatever it holds, against the
  // expected secret read round and round: the time taken depends on the
  // length of what the caller sent, never on the expected secret's content
  // or length. (Two SHA-256 digests did the same at a hundred times the cost.)
  unsigned difference = expected.size() != given.size() ? 1u : 0u;
  if (expected.empty()) return given.empty();
  for (std::size_t i = 0, j = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[j]);
    j = j + 1 == expected.size() ? 0 : j + 1;
  }
  return difference == 0;
}

}  // namespace xpush::base
