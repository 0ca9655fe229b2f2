// Sanitiser throughput on clean ASCII, CJK with emoji, and dirty input, each
// beside a plain copy of the same bytes. Prints figures; asserts nothing.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/sanitize.h"

namespace {

constexpr std::size_t kSize = 4 << 20;  // 4 MiB per input
constexpr int kRounds = 20;

std::string repeat_to_size(const std::string& unit) {
  std::string s;
  while (s.size() + unit.size() <= kSize) s += unit;
  return s;
}

std::string dirty() {
  std::mt19937 rng{42};
  std::string s = repeat_to_size("Hello \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80 text ");
  std::uniform_int_distribution<std::size_t> at{0, s.size() - 1};
  const char bad[] = {'\x01', '\x1b', '\x80', '\xC0', '\xFF', '\x08'};
  for (int i = 0; i < static_cast<int>(kSize / 50); ++i) s[at(rng)] = bad[i % sizeof bad];  // 2%
  return s;
}

template <class F>
double mb_per_s(const std::string& input, F f) {
  std::size_t sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < kRounds; ++r) sink += f(input);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (sink == 42) std::puts("");  // keeps the work observable
  return static_cast<double>(input.size()) * kRounds / s / 1e6;
}

}  // namespace

int main() {
  const std::vector<std::pair<const char*, std::string>> inputs = {
      {"clean ASCII", repeat_to_size("The quick brown fox jumps over the lazy dog. ")},
      {"CJK and emoji", repeat_to_size("\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD ")},
      {"dirty (2% bad bytes)", dirty()},
  };
  std::vector<char> buffer(kSize);
  for (const auto& [name, input] : inputs) {
    const double copy = mb_per_s(input, [&](const std::string& in) {
      std::memcpy(buffer.data(), in.data(), in.size());
      return static_cast<std::size_t>(buffer[in.size() / 2]);
    });
    const double clean = mb_per_s(input, [](const std::string& in) { return xpush::base::sanitize(in).size(); });
    std::printf("%-22s memcpy %8.0f MB/s   sanitize %7.0f MB/s   ratio %.3f\n", name, copy, clean, clean / copy);
  }
}
