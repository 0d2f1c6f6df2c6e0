#pragma once
// Errors as values across component boundaries (ARCHITECTURE.md, "Conventions").
//
// An Error carries a machine-readable code, a human sentence, and where known the offending key
// or field and its source location (file and line), so that every bad input can be reported by
// name. Result<T> holds either a T or an Error. Neither type throws; reading the wrong
// alternative is a broken invariant and asserts.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace cxgw {

enum class ErrorCode {
  kInvalidArgument,  // malformed input: a value of the wrong type or form
  kNotFound,         // a file, key or record that does not exist
  kUnknownKey,       // a key that the schema of the input does not define
  kMissingKey,       // a required key that is absent
  kIoError,          // the operating system refused a read or write
  kTlsError,         // OpenSSL refused a certificate, key or setting
  kUnavailable,      // a dependency cannot be reached right now
  kConflict,         // a record changed under the caller (optimistic concurrency) or exists
  kUnauthenticated,  // the caller's identity could not be verified
  kPermissionDenied, // the caller is known but may not do this
  kInternal,         // a bug; should not happen
};

// Stable lower_snake name of a code, for logs and JSON error bodies.
const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // one sentence, no trailing period needed
  std::string key;      // offending key or field, dotted path; empty when not applicable
  std::string file;     // source file of the input; empty when not applicable
  int line = 0;         // 1-based line in `file`; 0 when unknown

  // "file:line: key: message", leaving out the parts that are empty.
  std::string describe() const;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// Result of an operation that produces nothing but can fail.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

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

}  // namespace cxgw
