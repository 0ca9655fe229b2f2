// SqliteStore: offline messages, retention and legal holds.
#include <sqlite3.h>

#include <chrono>
#include <limits>

#include "store/sqlite_store.h"
#include "store/wall_clock.h"

namespace xpush::store {

namespace {

constexpr std::string_view kMessageColumns =
    "id, account, domain, sender, message_id, source, content, received_ms";

OfflineMessage read_message(const SqliteStatement& s) {
  OfflineMessage m;
  m.id = s.integer(0);
  m.account = s.text(1);
  m.domain = s.text(2);
  m.sender = s.text(3);
  m.message_id = s.text(4);
  m.source = s.text(5);
  m.content = s.text(6);
  m.received_ms = s.integer(7);
  return m;
}

constexpr std::string_view kInsertMessage =
    "INSERT INTO messages (account, domain, sender, message_id, source, content, received_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

constexpr std::string_view kCountUnread =
    "INSERT INTO unread_counts (account, unread) VALUES (?1, 1) ON CONFLICT (account) DO UPDATE SET"
    " unread = unread + 1";

constexpr std::string_view kCountUnreadChat =
    "INSERT INTO unread_chats (account, chat, unread) VALUES (?1, ?2, 1) ON CONFLICT (account, chat)"
    " DO UPDATE SET unread = unread + 1";

void bind_message(SqliteStatement& s, const OfflineMessage& m) {
  s.bind(1, m.account).bind(2, m.domain).bind(3, m.sender).bind(4, m.message_id);
  s.bind(5, m.source).bind(6, m.content).bind(7, m.received_ms);
}

}  // namespace

StoreResult<std::int64_t> SqliteStore::store_message(const OfflineMessage& m) { return insert_messages({m}); }

StoreResult<void> SqliteStore::store_messages(const std::vector<OfflineMessage>& messages) {
  auto r = insert_messages(messages);
  if (!r) return tl::unexpected(r.error());
  return {};
}

// Each message and its account's unread count, in one transaction; the last id.
StoreResult<std::int64_t> SqliteStore::insert_messages(const std::vector<OfflineMessage>& messages) {
  std::int64_t last_id = 0;
  if (auto r = db_.begin(); !r) return tl::unexpected(r.error());
  SqliteStatement s{db_, kInsertMessage};
  SqliteStatement count{db_, kCountUnread};
  SqliteStatement count_chat{db_, kCountUnreadChat};
  for (const auto& m : messages) {
    bind_message(s, m);
    count.bind(1, m.account);
    count_chat.bind(1, m.account).bind(2, m.sender);
    int rc = s.step();
    last_id = sqlite3_last_insert_rowid(db_.handle());
    if (rc == SQLITE_DONE && m.counts_unread) rc = count.step();
    if (rc == SQLITE_DONE && m.counts_unread && !m.sender.empty()) rc = count_chat.step();
    s.reset();
    count.reset();
    count_chat.reset();
    if (rc != SQLITE_DONE) {
      auto e = db_.error("keeping offline messages");
      db_.rollback();
      return tl::unexpected(e);
    }
  }
  if (auto r = db_.commit(); !r) return tl::unexpected(r.error());
  return last_id;
}

StoreResult<std::vector<OfflineMessage>> SqliteStore::messages_of(const std::string& account,
                                                                  std::size_t limit,
                                                                  std::int64_t before_id) {
  SqliteStatement s{db_, "SELECT " + std::string{kMessageColumns} +
                                      " FROM messages WHERE account = ?1 AND id < ?2"
                                      " ORDER BY id DESC LIMIT ?3"};
  s.bind(1, account).bind(2, before_id > 0 ? before_id : std::numeric_limits<std::int64_t>::max()).bind(3, static_cast<std::int64_t>(limit));
  std::vector<OfflineMessage> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_message(s));
  if (rc != SQLITE_DONE) return tl::unexpected(db_.error("listing offline messages"));
  return out;
}

StoreResult<std::int64_t> SqliteStore::count_messages(const std::string& account) {
  SqliteStatement s{db_, "SELECT count(*) FROM messages WHERE account = ?1"};
  s.bind(1, account);
  if (s.step() != SQLITE_ROW) return tl::unexpected(db_.error("counting offline messages"));
  return s.integer(0);
}

StoreResult<std::int64_t> SqliteStore::erase_messages(const std::string& account) {
  SqliteStatement s{db_, "DELETE FROM messages WHERE account = ?1"};
  s.bind(1, account);
  if (auto r = run("erasing offline messages", s); !r) return tl::unexpected(r.error());
  const std::int64_t erased = sqlite3_changes(db_.handle());
  for (const char* table : {"unread_counts", "unread_chats"}) {
    SqliteStatement counts{db_, "DELETE FROM " + std::string{table} + " WHERE account = ?1"};
    counts.bind(1, account);
    if (auto r = run("erasing offline messages", counts); !r) return tl::unexpected(r.error());
  }
  return erased;
}

// Small batches keep each write transaction short, so delivery work queued
// on the store thread runs between them.
StoreResult<PurgeStep> SqliteStore::purge_messages(std::int64_t cutoff_ms, std::size_t batch) {
  SqliteStatement s{db_,
                    "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE received_ms < ?1"
                    " AND account NOT IN (SELECT account FROM legal_holds) ORDER BY received_ms"
                    " LIMIT ?2)"};
  s.bind(1, cutoff_ms).bind(2, static_cast<std::int64_t>(batch));
  if (auto r = run("purging old offline messages", s); !r) return tl::unexpected(r.error());
  const std::int64_t purged = sqlite3_changes(db_.handle());
  return PurgeStep{purged, purged >= static_cast<std::int64_t>(batch)};
}

StoreResult<void> SqliteStore::hold_messages(const std::string& account, const std::string& reason) {
  SqliteStatement s{db_,
                    "INSERT INTO legal_holds (account, reason, created_ms) VALUES (?1, ?2, ?3)"
                    " ON CONFLICT (account) DO UPDATE SET reason = excluded.reason"};
  s.bind(1, account).bind(2, reason).bind(3, now_ms());
  return run("placing a legal hold", s);
}

StoreResult<bool> SqliteStore::release_messages(const std::string& account) {
  SqliteStatement s{db_, "DELETE FROM legal_holds WHERE account = ?1"};
  s.bind(1, account);
  if (auto r = run("releasing a legal hold", s); !r) return tl::unexpected(r.error());
  return sqlite3_changes(db_.handle()) > 0;
}

StoreResult<std::int64_t> SqliteStore::unread_count(const std::string& account) {
  SqliteStatement s{db_, "SELECT coalesce((SELECT unread FROM unread_counts WHERE account = ?1), 0)"};
  s.bind(1, account);
  if (s.step() != SQLITE_ROW) return tl::unexpected(db_.error("counting unread messages"));
  return s.integer(0);
}

StoreResult<std::int64_t> SqliteStore::mark_read(const std::string& account) {
  if (auto r = db_.begin(); !r) return tl::unexpected(r.error());
  auto unread = unread_count(account);
  SqliteStatement s{db_, "UPDATE unread_counts SET unread = 0 WHERE account = ?1"};
  s.bind(1, account);
  SqliteStatement chats{db_, "UPDATE unread_chats SET unread = 0 WHERE account = ?1"};
  chats.bind(1, account);
  if (!unread || s.step() != SQLITE_DONE || chats.step() != SQLITE_DONE) {
    auto e = unread ? db_.error("marking messages read") : unread.error();
    db_.rollback();
    return tl::unexpected(e);
  }
  if (auto r = db_.commit(); !r) return tl::unexpected(r.error());
  return unread;
}

StoreResult<std::optional<std::int64_t>> SqliteStore::mark_chat_read(const std::string& account,
                                                                     const std::string& chat) {
  if (auto r = db_.begin(); !r) return tl::unexpected(r.error());
  auto fail = [this](const char* what) -> StoreResult<std::optional<std::int64_t>> {
    auto e = db_.error(what);
    db_.rollback();
    return tl::unexpected(e);
  };
  SqliteStatement taken{db_, "DELETE FROM unread_chats WHERE account = ?1 AND chat = ?2 RETURNING unread"};
  taken.bind(1, account).bind(2, chat);
  const int rc = taken.step();
  if (rc == SQLITE_DONE) {
    if (auto r = db_.commit(); !r) return tl::unexpected(r.error());
    return std::nullopt;
  }
  if (rc != SQLITE_ROW) return fail("marking a chat read");
  const auto read = taken.integer(0);
  taken.reset();
  SqliteStatement lower{db_, "UPDATE unread_counts SET unread = max(0, unread - ?2) WHERE account = ?1"};
  lower.bind(1, account).bind(2, read);
  if (lower.step() != SQLITE_DONE) return fail("marking a chat read");
  auto unread = unread_count(account);
  if (!unread) return fail("marking a chat read");
  if (auto r = db_.commit(); !r) return tl::unexpected(r.error());
  return std::optional{*unread};
}

}  // namespace xpush::store
