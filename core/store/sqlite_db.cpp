// SPDX-License-Identifier: MIT
#include "core/store/sqlite_db.h"

#include <sqlite3.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

namespace dash::sql {

namespace {

ErrorCode errorCodeFor(int rc, int systemErrno) {
    switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
        return ErrorCode::Invalid;
    case SQLITE_CANTOPEN:
        return systemErrno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
        return ErrorCode::Io;
    case SQLITE_INTERRUPT:
        return ErrorCode::Cancelled;
    default:
        return ErrorCode::Internal;
    }
}

// "<file>: <what>: <sqlite message> (<os error>) in SQL '<sql>'"; long SQL is
// shortened to its start, which names the statement and table.
Error makeError(sqlite3* db, int rc, const std::string& path, std::string_view what,
                std::string_view sqlText) {
    const int systemErrno = db ? sqlite3_system_errno(db) : 0;
    std::string message = path + ": " + std::string(what) + ": ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const int primary = rc & 0xff;
    const bool osLevel = primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
                         primary == SQLITE_FULL || primary == SQLITE_READONLY ||
                         primary == SQLITE_PERM;
    if (osLevel && systemErrno != 0)
        message += std::string(" (") + std::strerror(systemErrno) + ")";
    if (!sqlText.empty()) {
        constexpr size_t kMaxSql = 160;
        std::string shown(sqlText.substr(0, kMaxSql));
        for (char& c : shown)
            if (c == '\n' || c == '\t')
                c = ' ';
        message += " in SQL '" + shown + (sqlText.size() > kMaxSql ? "...'" : "'");
    }
    return Error(errorCodeFor(rc, systemErrno), std::move(message));
}

} // namespace

Expected<Database> Database::open(const std::string& path, Mode mode) {
    int flags = SQLITE_OPEN_EXRESCODE;
    switch (mode) {
    case Mode::ReadOnly:
        flags |= SQLITE_OPEN_READONLY;
        break;
    case Mode::ReadWrite:
        flags |= SQLITE_OPEN_READWRITE;
        break;
    case Mode::ReadWriteCreate:
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        break;
    case Mode::Immutable:
        flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
        break;
    }
    std::string name = path;
    if (mode == Mode::Immutable) {
        // A file: URI with every byte outside the unreserved set escaped.
        static const char* hex = "0123456789ABCDEF";
        name = "file:";
        for (unsigned char c : path) {
            if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
                name += static_cast<char>(c);
            } else {
                name += '%';
                name += hex[c >> 4];
                name += hex[c & 15];
            }
        }
        name += "?immutable=1";
    }
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Error error = makeError(db, rc, path, "cannot open database", {});
        sqlite3_close_v2(db);
        return error;
    }
    sqlite3_extended_result_codes(db, 1);
    return Database(db, path);
}

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
    }
    return *this;
}

Database::~Database() {
    // close_v2 defers the close until every statement is finalized.
    sqlite3_close_v2(m_db);
}

Status Database::exec(std::string_view sql) {
    const std::string text(sql);
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
        return makeError(m_db, sqlite3_extended_errcode(m_db), m_path, "executing SQL", sql);
    return {};
}

Expected<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return makeError(m_db, rc, m_path, "preparing a statement", sql);
    }
    return Statement(stmt, m_db, m_path, std::string(sql));
}

Expected<int64_t> Database::queryInt(std::string_view sql) {
    DASH_ASSIGN_OR_RETURN(Statement stmt, prepare(sql));
    DASH_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row)
        return internalError(m_path + ": no row from SQL '" + std::string(sql) + "'");
    return stmt.columnInt(0);
}

int64_t Database::lastInsertId() const {
    return sqlite3_last_insert_rowid(m_db);
}

int64_t Database::changes() const {
    return sqlite3_changes64(m_db);
}

bool Database::readOnly() const {
    return sqlite3_db_readonly(m_db, "main") == 1;
}

bool Database::inTransaction() const {
    return sqlite3_get_autocommit(m_db) == 0;
}

Error Database::lastError(std::string_view what) const {
    return makeError(m_db, sqlite3_extended_errcode(m_db), m_path, what, {});
}

Statement::Statement(Statement&& other) noexcept
    : m_stmt(std::exchange(other.m_stmt, nullptr)), m_db(other.m_db),
      m_path(std::move(other.m_path)), m_sql(std::move(other.m_sql)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_stmt = std::exchange(other.m_stmt, nullptr);
        m_db = other.m_db;
        m_path = std::move(other.m_path);
        m_sql = std::move(other.m_sql);
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Status Statement::check(int rc, const char* what) const {
    if (rc == SQLITE_OK)
        return {};
    return makeError(m_db, rc, m_path, what, m_sql);
}

Status Statement::bind(int index, int64_t value) {
    return check(sqlite3_bind_int64(m_stmt, index, value), "binding a parameter");
}

Status Statement::bind(int index, double value) {
    return check(sqlite3_bind_double(m_stmt, index, value), "binding a parameter");
}

Status Statement::bind(int index, std::optional<double> value) {
    return value ? bind(index, *value) : bindNull(index);
}

Status Statement::bindText(int index, std::string_view text) {
    return check(
        sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        "binding a parameter");
}

Status Statement::bindBlob(int index, std::span<const uint8_t> bytes) {
    // A zero-length blob, not NULL, for an empty array.
    static const uint8_t kEmpty = 0;
    const void* data = bytes.empty() ? &kEmpty : bytes.data();
    return check(sqlite3_bind_blob64(m_stmt, index, data, bytes.size(), SQLITE_TRANSIENT),
                 "binding a parameter");
}

Status Statement::bindNull(int index) {
    return check(sqlite3_bind_null(m_stmt, index), "binding a parameter");
}

Expected<bool> Statement::step() {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return makeError(m_db, rc, m_path, "running a statement", m_sql);
}

Status Statement::run() {
    while (true) {
        DASH_ASSIGN_OR_RETURN(bool row, step());
        if (!row)
            return {};
    }
}

void Statement::reset() {
    // The error of a failed step was already reported by step().
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

int64_t Statement::columnInt(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::columnDouble(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

std::optional<double> Statement::columnOptionalDouble(int column) const {
    if (columnIsNull(column))
        return std::nullopt;
    return columnDouble(column);
}

bool Statement::columnIsNull(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::string Statement::columnText(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    const int size = sqlite3_column_bytes(m_stmt, column);
    return text ? std::string(text, static_cast<size_t>(size)) : std::string();
}

std::span<const uint8_t> Statement::columnBlob(int column) const {
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(m_stmt, column));
    const int size = sqlite3_column_bytes(m_stmt, column);
    if (!data)
        return {};
    return {data, static_cast<size_t>(size)};
}

Expected<Transaction> Transaction::begin(Database& db, Kind kind) {
    DASH_TRY(db.exec(kind == Kind::Immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
    return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}

Transaction::~Transaction() {
    // A failed statement may already have rolled the transaction back.
    if (m_db && m_db->inTransaction())
        sqlite3_exec(m_db->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::commit() {
    if (!m_db)
        return internalError("commit of a finished transaction");
    Database* db = std::exchange(m_db, nullptr);
    Status status = db->exec("COMMIT");
    if (!status.ok() && db->inTransaction())
        sqlite3_exec(db->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
}

} // namespace dash::sql
