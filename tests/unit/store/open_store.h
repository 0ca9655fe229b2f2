// Test helper: a SqliteStore on a real file, failing the test if it cannot open.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite_store.h"

namespace xpush::store::test_util {

inline std::unique_ptr<SqliteStore> open_store(const std::string& path) {
  auto s = SqliteStore::open(path);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

}  // namespace xpush::store::test_util
