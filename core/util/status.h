// SPDX-License-Identifier: MIT
// Error values for the Qt-free core: every fallible call returns Status or
// Expected<T> carrying a message that names the file, tensor, key or offset at
// fault. Nothing in core throws across its API or aborts on bad input.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace dash {

enum class ErrorCode {
    Invalid,     // malformed input (file contents, arguments)
    NotFound,    // missing file, key or tensor
    Unsupported, // valid input that this build cannot handle
    Io,          // operating-system level failure
    Cancelled,   // a cancel token fired
    Internal,    // a broken invariant or a device/library failure
};

class Error {
public:
    Error(ErrorCode code, std::string message) : m_code(code), m_message(std::move(message)) {}

    ErrorCode code() const { return m_code; }
    const std::string& message() const { return m_message; }

    // Prepends context ("loading model.gguf: ") so callers can add where they were.
    Error withContext(const std::string& context) const {
        return Error(m_code, context + ": " + m_message);
    }

private:
    ErrorCode m_code;
    std::string m_message;
};

inline Error invalidError(std::string message) {
    return Error(ErrorCode::Invalid, std::move(message));
}
inline Error notFoundError(std::string message) {
    return Error(ErrorCode::NotFound, std::move(message));
}
inline Error unsupportedError(std::string message) {
    return Error(ErrorCode::Unsupported, std::move(message));
}
inline Error ioError(std::string message) {
    return Error(ErrorCode::Io, std::move(message));
}
inline Error cancelledError() {
    return Error(ErrorCode::Cancelled, "cancelled");
}
inline Error internalError(std::string message) {
    return Error(ErrorCode::Internal, std::move(message));
}

template <class T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : m_value(std::in_place_index<0>, std::move(value)) {}
    Expected(Error error) : m_value(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_value.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(m_value);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(m_value);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(m_value));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const {
        assert(!ok());
        return std::get<1>(m_value);
    }

private:
    std::variant<T, Error> m_value;
};

template <>
class [[nodiscard]] Expected<void> {
public:
    Expected() = default;
    Expected(Error error) : m_error(std::move(error)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error& error() const {
        assert(!ok());
        return m_error;
    }

private:
    Error m_error{ErrorCode::Internal, {}};
    bool m_failed = false;
};

using Status = Expected<void>;

} // namespace dash

// Propagates a failed Status/Expected from the enclosing function.
#define DASH_TRY(expr)                                                                             \
    do {                                                                                           \
        auto&& dash_try_result_ = (expr);                                                          \
        if (!dash_try_result_.ok())                                                                \
            return dash_try_result_.error();                                                       \
    } while (false)

#define DASH_CONCAT_INNER_(a, b) a##b
#define DASH_CONCAT_(a, b) DASH_CONCAT_INNER_(a, b)
// Declares `lhs` from an Expected<T>, returning its error on failure.
#define DASH_ASSIGN_OR_RETURN(lhs, expr)                                                           \
    auto DASH_CONCAT_(dash_expected_, __LINE__) = (expr);                                          \
    if (!DASH_CONCAT_(dash_expected_, __LINE__).ok())                                              \
        return DASH_CONCAT_(dash_expected_, __LINE__).error();                                     \
    lhs = std::move(DASH_CONCAT_(dash_expected_, __LINE__)).value()
