// PgStore: offline messages in one partition per UTC day. Retention drops a
// day's partition whole once all of it is past the cutoff, after moving the
// rows of accounts under a legal hold into messages_held; so a message is
// kept at least the retention period and at most one day longer.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

#include "store/pg_store.h"
#include "store/wall_clock.h"

namespace xpush::store {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::string_view kMessageColumns =
    "id, account, domain, sender, message_id, source, content, received_ms";

std::int64_t day_of(std::int64_t ms) { return ms >= 0 ? ms / kDayMs : (ms - kDayMs + 1) / kDayMs; }

// messages_YYYYMMDD: the names sort by day.
std::string partition_name(std::int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char name[32];
  std::snprintf(name, sizeof name, "messages_%04d%02u%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return name;
}

std::optional<std::int64_t> day_of_partition(const std::string& name) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(name.c_str(), "messages_%4d%2u%2u", &y, &m, &d) != 3) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

OfflineMessage read_message(const PgResult& r, int row) {
  OfflineMessage m;
  m.id = r.integer(row, 0);
  m.account = r.text(row, 1);
  m.domain = r.text(row, 2);
  m.sender = r.text(row, 3);
  m.message_id = r.text(row, 4);
  m.source = r.text(row, 5);
  m.content = r.text(row, 6);
  m.received_ms = r.integer(row, 7);
  return m;
}

constexpr std::size_t kParamsPerRow = 8;

// The rows, and each account's unread count raised by the rows that count,
// in one statement: the new id of the last row, and the count.
std::string multi_row_insert(std::size_t rows) {
  std::string sql = "WITH v (account, domain, sender, message_id, source, content, received_ms, counts) AS (VALUES ";
  for (std::size_t r = 0; r < rows; ++r) {
    const auto p = [&](std::size_t c) { return "$" + std::to_string(r * kParamsPerRow + c); };
    sql += (r ? ",(" : "(") + p(1) + "::text," + p(2) + "::text," + p(3) + "::text," + p(4) + "::text," + p(5) +
           "::text," + p(6) + "::text," + p(7) + "::bigint," + p(8) + "::boolean)";
  }
  sql +=
      "), kept AS (INSERT INTO messages (account, domain, sender, message_id, source, content, received_ms)"
      " SELECT account, domain, sender, message_id, source, content, received_ms FROM v RETURNING id),"
      " chats AS (INSERT INTO unread_chats (account, chat, unread) SELECT account, sender, count(*) FROM v"
      " WHERE counts AND sender <> '' GROUP BY account, sender ON CONFLICT (account, chat) DO UPDATE SET"
      " unread = unread_chats.unread + excluded.unread)"
      " INSERT INTO unread_counts (account, unread) SELECT account, count(*) FILTER (WHERE counts) FROM v"
      " GROUP BY account ON CONFLICT (account) DO UPDATE SET unread = unread_counts.unread + excluded.unread"
      " RETURNING (SELECT max(id) FROM kept), unread";
  return sql;
}

void add_params(std::vector<PgParam>& params, const OfflineMessage& m) {
  for (PgParam p : {PgParam{m.account}, PgParam{m.domain}, PgParam{m.sender}, PgParam{m.message_id},
                    PgParam{m.source}, PgParam{m.content}, PgParam{m.received_ms},
                    PgParam{m.counts_unread ? "true" : "false"}}) {
    params.push_back(std::move(p));
  }
}

}  // namespace

StoreResult<void> PgStore::ensure_partition(std::int64_t received_ms) {
  const auto day = day_of(received_ms);
  if (partitions_.contains(day)) return {};
  // Serialised between instances: CREATE ... IF NOT EXISTS alone can race.
  // The next day's is made too, so the first message after midnight does
  // not wait for the lock that creating a partition takes on the table.
  auto created = pg_transaction(db_, [&]() -> StoreResult<void> {
    if (auto r = db_.exec("creating a day's partition", "SELECT pg_advisory_xact_lock(7081930358)"); !r) {
      return r;
    }
    for (const auto d : {day, day + 1}) {
      auto r = db_.exec("creating a day's partition",
                        "CREATE TABLE IF NOT EXISTS " + partition_name(d) + " PARTITION OF messages FOR VALUES FROM (" +
                            std::to_string(d * kDayMs) + ") TO (" + std::to_string((d + 1) * kDayMs) + ")");
      if (!r) return r;
    }
    return {};
  });
  if (created) partitions_.insert({day, day + 1});
  return created;
}

// One message: its new id in column 0, the account's unread count in column 1.
StoreResult<PgResult> PgStore::insert_message(const OfflineMessage& m) {
  if (auto p = ensure_partition(m.received_ms); !p) return tl::unexpected(p.error());
  static const std::string one_row = multi_row_insert(1);
  std::vector<PgParam> params;
  add_params(params, m);
  return db_.query("keeping an offline message", one_row, params);
}

StoreResult<std::int64_t> PgStore::store_message(const OfflineMessage& m) {
  return insert_message(m).map([](const PgResult& r) { return r.integer(0, 0); });
}

StoreResult<std::int64_t> PgStore::store_message_counting_unread(const OfflineMessage& m) {
  return insert_message(m).map([](const PgResult& r) { return r.integer(0, 1); });
}

StoreResult<void> PgStore::store_messages(const std::vector<OfflineMessage>& messages) {
  for (const auto& m : messages) {
    if (auto p = ensure_partition(m.received_ms); !p) return p;
  }
  // Up to 500 rows per statement: one round trip each, not one per row.
  constexpr std::size_t kRowsPerInsert = 500;
  return pg_transaction(db_, [&]() -> StoreResult<void> {
    for (std::size_t first = 0; first < messages.size(); first += kRowsPerInsert) {
      const auto last = std::min(messages.size(), first + kRowsPerInsert);
      std::vector<PgParam> params;
      params.reserve((last - first) * kParamsPerRow);
      for (auto i = first; i < last; ++i) add_params(params, messages[i]);
      auto r = db_.query("keeping offline messages", multi_row_insert(last - first), params);
      if (!r) return tl::unexpected(r.error());
    }
    return {};
  });
}

StoreResult<std::vector<OfflineMessage>> PgStore::messages_of(const std::string& account, std::size_t limit,
                                                              std::int64_t before_id) {
  const std::string columns{kMessageColumns};
  auto r = db_.query("listing offline messages",
                     "(SELECT " + columns + " FROM messages WHERE account = $1 AND id < $2 ORDER BY id DESC"
                     " LIMIT $3) UNION ALL (SELECT " + columns + " FROM messages_held WHERE account = $1"
                     " AND id < $2 ORDER BY id DESC LIMIT $3) ORDER BY id DESC LIMIT $3",
                     {account, before_id > 0 ? before_id : std::numeric_limits<std::int64_t>::max(),
                      static_cast<std::int64_t>(limit)});
  if (!r) return tl::unexpected(r.error());
  std::vector<OfflineMessage> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_message(*r, i));
  return out;
}

StoreResult<std::int64_t> PgStore::count_messages(const std::string& account) {
  auto r = db_.query("counting offline messages",
                     "SELECT (SELECT count(*) FROM messages WHERE account = $1) +"
                     " (SELECT count(*) FROM messages_held WHERE account = $1)",
                     {account});
  if (!r) return tl::unexpected(r.error());
  return r->integer(0, 0);
}

StoreResult<std::int64_t> PgStore::erase_messages(const std::string& account) {
  return pg_transaction(db_, [&]() -> StoreResult<std::int64_t> {
    std::int64_t erased = 0;
    for (const char* table : {"messages", "messages_held"}) {
      auto r = db_.query("erasing offline messages",
                         "DELETE FROM " + std::string{table} + " WHERE account = $1", {account});
      if (!r) return tl::unexpected(r.error());
      erased += r->affected();
    }
    for (const char* table : {"unread_counts", "unread_chats"}) {
      auto marks = db_.query("erasing offline messages",
                             "DELETE FROM " + std::string{table} + " WHERE account = $1", {account});
      if (!marks) return tl::unexpected(marks.error());
    }
    return erased;
  });
}

StoreResult<std::optional<std::string>> PgStore::oldest_expired_partition(std::int64_t cutoff_ms) {
  auto r = db_.query("listing the day partitions",
                     "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                     " WHERE i.inhparent = 'messages'::regclass ORDER BY c.relname");
  if (!r) return tl::unexpected(r.error());
  for (int i = 0; i < r->rows(); ++i) {
    const auto name = r->text(i, 0);
    const auto day = day_of_partition(name);
    if (day && (*day + 1) * kDayMs <= cutoff_ms) return name;
  }
  return std::nullopt;
}

// Short and bounded: the drop waits at most 2 s for its lock, and a busy
// table just means the next step tries again.
StoreResult<std::int64_t> PgStore::drop_partition(const std::string& name) {
  auto dropped = pg_transaction(db_, [&]() -> StoreResult<std::int64_t> {
    if (auto r = db_.exec("purging a day", "SET LOCAL lock_timeout = '2s'"); !r) return tl::unexpected(r.error());
    auto kept = db_.query("keeping held messages",
                          "INSERT INTO messages_held SELECT * FROM " + name +
                              " WHERE account IN (SELECT account FROM legal_holds)");
    if (!kept) return tl::unexpected(kept.error());
    auto total = db_.query("purging a day", "SELECT count(*) FROM " + name);
    if (!total) return tl::unexpected(total.error());
    if (auto r = db_.exec("purging a day", "DROP TABLE " + name); !r) return tl::unexpected(r.error());
    return total->integer(0, 0) - kept->affected();
  });
  if (dropped) {
    if (const auto day = day_of_partition(name)) partitions_.erase(*day);
  }
  return dropped;
}

StoreResult<PurgeStep> PgStore::purge_messages(std::int64_t cutoff_ms, std::size_t batch) {
  auto expired = oldest_expired_partition(cutoff_ms);
  if (!expired) return tl::unexpected(expired.error());
  if (*expired) {
    auto dropped = drop_partition(**expired);
    if (!dropped) return tl::unexpected(dropped.error());
    return PurgeStep{*dropped, true};
  }
  // What holds kept, once released and past the cutoff, goes in batches.
  auto r = db_.query("purging released messages",
                     "DELETE FROM messages_held WHERE id IN (SELECT id FROM messages_held WHERE"
                     " received_ms < $1 AND account NOT IN (SELECT account FROM legal_holds) LIMIT $2)",
                     {cutoff_ms, static_cast<std::int64_t>(batch)});
  if (!r) return tl::unexpected(r.error());
  return PurgeStep{r->affected(), r->affected() >= static_cast<std::int64_t>(batch)};
}

StoreResult<void> PgStore::hold_messages(const std::string& account, const std::string& reason) {
  return void_query("placing a legal hold",
                    "INSERT INTO legal_holds (account, reason, created_ms) VALUES ($1, $2, $3)"
                    " ON CONFLICT (account) DO UPDATE SET reason = excluded.reason",
                    {account, reason, now_ms()});
}

StoreResult<bool> PgStore::release_messages(const std::string& account) {
  auto r = db_.query("releasing a legal hold", "DELETE FROM legal_holds WHERE account = $1", {account});
  if (!r) return tl::unexpected(r.error());
  return r->affected() > 0;
}

StoreResult<std::int64_t> PgStore::unread_count(const std::string& account) {
  auto r = db_.query("counting unread messages",
                     "SELECT coalesce((SELECT unread FROM unread_counts WHERE account = $1), 0)", {account});
  if (!r) return tl::unexpected(r.error());
  return r->integer(0, 0);
}

StoreResult<std::int64_t> PgStore::mark_read(const std::string& account) {
  auto r = db_.query("marking messages read",
                     "WITH old AS (SELECT unread FROM unread_counts WHERE account = $1),"
                     " chats AS (UPDATE unread_chats SET unread = 0 WHERE account = $1)"
                     " UPDATE unread_counts SET unread = 0 WHERE account = $1 RETURNING (SELECT unread FROM old)",
                     {account});
  if (!r) return tl::unexpected(r.error());
  return r->rows() ? r->integer(0, 0) : 0;
}

StoreResult<std::optional<std::int64_t>> PgStore::mark_chat_read(const std::string& account,
                                                                 const std::string& chat) {
  auto r = db_.query("marking a chat read",
                     "WITH taken AS (DELETE FROM unread_chats WHERE account = $1 AND chat = $2 RETURNING unread),"
                     " lowered AS (UPDATE unread_counts SET unread = greatest(0, unread - (SELECT unread FROM taken))"
                     " WHERE account = $1 AND EXISTS (SELECT 1 FROM taken) RETURNING unread)"
                     " SELECT EXISTS (SELECT 1 FROM taken), coalesce((SELECT unread FROM lowered),"
                     " (SELECT unread FROM unread_counts WHERE account = $1), 0)",
                     {account, chat});
  if (!r) return tl::unexpected(r.error());
  if (r->text(0, 0) != "t") return std::nullopt;
  return std::optional{r->integer(0, 1)};
}

}  // namespace xpush::store
