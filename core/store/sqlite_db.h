// SPDX-License-Identifier: MIT
// Small RAII wrappers over the sqlite3 C API. Every failure comes back as an
// Error carrying SQLite's message, the operating-system error where there is
// one, the database file and the SQL involved. sqlite3.h stays out of this
// header so that users of the core need not see it.
#pragma once

#include "core/util/status.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace dash::sql {

class Statement;

// One connection. Not shared between threads: open one per thread.
class Database {
public:
    enum class Mode {
        ReadOnly,        // the file must exist; nothing is ever written
        ReadWrite,       // the file must exist
        ReadWriteCreate, // created when missing
        // Read-only without locks or -wal/-shm files, for a file in a folder
        // this process may not write: correct only while nobody writes it.
        Immutable,
    };

    static Expected<Database> open(const std::string& path, Mode mode);

    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    // Runs one or more ;-separated statements, discarding any rows they return.
    Status exec(std::string_view sql);
    Expected<Statement> prepare(std::string_view sql);
    // The single integer that `sql` yields (PRAGMA user_version, SELECT count(*)).
    Expected<int64_t> queryInt(std::string_view sql);

    int64_t lastInsertId() const;
    int64_t changes() const;
    // True when SQLite opened the file read-only (asked to, or no write permission).
    bool readOnly() const;
    bool inTransaction() const;
    const std::string& path() const { return m_path; }
    sqlite3* handle() const { return m_db; }

    // An Error from the connection's last failure: "<file>: <what>: <message>".
    Error lastError(std::string_view what) const;

private:
    Database(sqlite3* db, std::string path) : m_db(db), m_path(std::move(path)) {}

    sqlite3* m_db = nullptr;
    std::string m_path;
};

// A prepared statement. Bind indexes start at 1, column indexes at 0.
class Statement {
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Status bind(int index, int64_t value);
    Status bind(int index, double value);
    Status bind(int index, std::optional<double> value); // NULL when empty
    Status bindText(int index, std::string_view text);   // bytes kept as given
    Status bindBlob(int index, std::span<const uint8_t> bytes);
    Status bindNull(int index);

    // Advances: true when a row is ready, false when the statement is done.
    Expected<bool> step();
    // Steps to completion, ignoring any rows.
    Status run();
    // Makes the statement reusable and clears its bindings.
    void reset();

    int64_t columnInt(int column) const;
    double columnDouble(int column) const;
    std::optional<double> columnOptionalDouble(int column) const;
    bool columnIsNull(int column) const;
    std::string columnText(int column) const;
    // Valid until the next step/reset.
    std::span<const uint8_t> columnBlob(int column) const;

    const std::string& sql() const { return m_sql; }

private:
    friend class Database;
    Statement(sqlite3_stmt* stmt, sqlite3* db, std::string path, std::string sql)
        : m_stmt(stmt), m_db(db), m_path(std::move(path)), m_sql(std::move(sql)) {}
    Status check(int rc, const char* what) const;

    sqlite3_stmt* m_stmt = nullptr;
    sqlite3* m_db = nullptr; // the connection's handle, stable when the Database moves
    std::string m_path;
    std::string m_sql;
};

// BEGIN ... COMMIT; rolls back in the destructor unless committed.
class Transaction {
public:
    enum class Kind {
        Deferred,  // takes the write lock at the first write
        Immediate, // takes the write lock now (waiting up to the busy timeout)
    };

    static Expected<Transaction> begin(Database& db, Kind kind = Kind::Immediate);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    ~Transaction();

    Status commit();

private:
    explicit Transaction(Database* db) : m_db(db) {}

    Database* m_db = nullptr; // null once committed or rolled back
};

} // namespace dash::sql
