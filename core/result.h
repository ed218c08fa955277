#pragma once
// Value-or-error return type. Libraries' exceptions are caught in their adapter and
// turned into an Error; everything above the adapters sees only Result.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace kiosk::core {

struct Error {
    std::string code;     // stable, machine-readable: "config.bad_value", "qr.bad_signature"
    std::string message;  // for people (operators, logs); never personal data

    bool operator==(const Error&) const = default;
};

inline Error makeError(std::string code, std::string message) {
    return Error{std::move(code), std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}      // NOLINT(google-explicit-constructor)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }
    T valueOr(T fallback) const { return ok() ? std::get<0>(v_) : std::move(fallback); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        assert(!ok_);
        return error_;
    }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace kiosk::core

// Propagate an error from an expression returning Result<...>.
#define KIOSK_TRY(expr)                                          \
    do {                                                         \
        auto&& kiosk_try_r_ = (expr);                            \
        if (!kiosk_try_r_.ok()) return kiosk_try_r_.error();     \
    } while (0)

#define KIOSK_CONCAT_INNER_(a, b) a##b
#define KIOSK_CONCAT_(a, b) KIOSK_CONCAT_INNER_(a, b)
// KIOSK_ASSIGN_OR_RETURN(auto x, f()) — binds the value or returns the error.
#define KIOSK_ASSIGN_OR_RETURN(decl, expr) \
    KIOSK_ASSIGN_OR_RETURN_IMPL_(KIOSK_CONCAT_(kiosk_r_, __LINE__), decl, expr)
#define KIOSK_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
    auto tmp = (expr);                                \
    if (!tmp.ok()) return tmp.error();                \
    decl = std::move(tmp).value()
