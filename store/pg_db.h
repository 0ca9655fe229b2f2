// A thin RAII layer over libpq: one connection, statements prepared once per
// connection and run with text parameters, results as values. A lost
// connection is reset on the next call; errors are classified by SQLSTATE.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace xpush::store {

class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}

  int rows() const { return PQntuples(result_.get()); }
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  // Rows changed by INSERT, UPDATE or DELETE.
  std::int64_t affected() const;
  // The command tag: "COMMIT", "ROLLBACK", "INSERT 0 1"...
  std::string_view command() const { return PQcmdStatus(result_.get()); }
  const PGresult* get() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A parameter is sent as text; integers are formatted here.
class PgParam {
 public:
  PgParam(std::string_view text) : value_(text) {}  // NOLINT: implicit by design
  PgParam(const std::string& text) : value_(text) {}  // NOLINT
  PgParam(const char* text) : value_(text) {}  // NOLINT
  PgParam(std::int64_t value) : value_(std::to_string(value)) {}  // NOLINT
  PgParam(int value) : value_(std::to_string(value)) {}  // NOLINT
  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

class PgDb {
 public:
  // `timeout`: how long any answer of the server may take. Past it the
  // connection is dropped (the call fails as unavailable, a transaction with
  // it) and the next call connects again. Connecting waits at most 10 s
  // unless the DSN sets connect_timeout.
  static StoreResult<PgDb> connect(const std::string& dsn,
                                   std::chrono::milliseconds timeout = std::chrono::seconds{30});

  // Runs one statement with parameters ($1, $2, ...), prepared on first use.
  StoreResult<PgResult> query(std::string_view what, const std::string& sql,
                              std::initializer_list<PgParam> params = {});
  StoreResult<PgResult> query(std::string_view what, const std::string& sql,
                              const std::vector<PgParam>& params);
  // Runs statements without parameters (a script, BEGIN, COMMIT).
  StoreResult<void> exec(std::string_view what, const std::string& sql);

  // A statement whose answer matters only if it fails (an INSERT, a DELETE),
  // sent without waiting for that answer. Inside a transaction it is
  // pipelined: it goes out with the next statement that waits, and both
  // answers come back in the same round trip; if it failed, that statement,
  // every later one and the commit fail with its error, so the transaction
  // stores nothing. Outside a transaction it is query().
  StoreResult<void> send(std::string_view what, const std::string& sql, const std::vector<PgParam>& params);

  // Transactions nest: the outermost is BEGIN ... COMMIT, one inside it (a
  // store call within a group-committed batch) a savepoint, so that its
  // failure undoes only its own writes and leaves the batch usable.
  StoreResult<void> begin();
  StoreResult<void> commit();
  void rollback();

 private:
  PgDb(PGconn* conn, std::chrono::milliseconds timeout) : conn_(conn, &PQfinish), timeout_(timeout) {}
  StoreResult<void> ensure_connected(std::string_view what);
  StoreError error(std::string_view what, const PGresult* result) const;
  StoreResult<const std::string*> prepared(std::string_view what, const std::string& sql);
  bool send_prepared(const std::string& name, const std::vector<PgParam>& params);
  // Ends the pipeline: a sync, the answers to what send() left, then (when
  // `own` is set) the answer to the statement sent last, named `own`.
  StoreResult<std::optional<PgResult>> finish_pipeline(std::optional<std::string_view> own);
  StoreResult<void> settle();  // reads the answers send() left, if any
  // The next result, waiting at most timeout_ for it; null when there is none.
  PGresult* next_result();
  // Every result of what was sent last: its first error, or its last result.
  PgResult collect();
  PgResult run_simple(const char* sql);  // one or more statements, no parameters

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  int depth_ = 0;  // open begin()s
  std::vector<std::string> unanswered_;  // what each pipelined statement was doing
  std::optional<StoreError> failed_;     // a pipelined statement failed: the transaction is lost
  std::chrono::milliseconds timeout_;
  bool stalled_ = false;  // the server did not answer in time: the connection was dropped
};

// Runs `body` in a transaction: committed when it succeeds, rolled back when
// it fails (its error is returned).
template <class Body>
auto pg_transaction(PgDb& db, Body body) -> decltype(body()) {
  if (auto begun = db.begin(); !begun) return tl::unexpected(begun.error());
  auto result = body();
  if (!result) {
    db.rollback();
    return result;
  }
  if (auto committed = db.commit(); !committed) return tl::unexpected(committed.error());
  return result;
}

}  // namespace xpush::store
