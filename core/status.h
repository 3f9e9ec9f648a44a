// Status and Result<T>: how every fallible call in core reports its outcome.
//
// A Status is either OK or a code plus a message written for the person who has to fix the
// problem ("/var/lib/pam_totp/alice.totp: mode 0644 is too open; run chmod 600 ..."). Messages
// never contain secrets or codes. Result<T> carries either a value or a non-OK Status.
// Both are plain values: no shared state, safe to move between threads.
#ifndef PAMTOTP_CORE_STATUS_H_
#define PAMTOTP_CORE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace pamtotp {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kNotFound,          // the thing asked for does not exist (e.g. no such device)
    kInvalidArgument,   // the caller's input is malformed (bad option, bad code text)
    kCorruption,        // a stored file does not parse; never guess, fail closed
    kPermissionDenied,  // wrong owner, mode, file type, or a symlink where a file must be
    kIOError,           // the OS refused a read, write, fsync or rename
    kAlreadyExists,     // a unique name is taken
    kInternal,          // OpenSSL or another library failed unexpectedly
    kUnavailable,       // the store could not be reached (directory server down or too slow)
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status PermissionDenied(std::string msg) {
    return Status(Code::kPermissionDenied, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status AlreadyExists(std::string msg) {
    return Status(Code::kAlreadyExists, std::move(msg));
  }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // The same status with "context: " put in front of the message.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Either a T or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok());
    if (status_.ok()) status_ = Status::Internal("Result built from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_STATUS_H_
