// Errors as values for the client library. Codes are the C ABI's ps_code values (checked at
// compile time in native/capi/abi_checks.h): 1..5 are the Plasma store's own PlasmaError
// numbers (from the wire schema), the rest describe transport and caller problems.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "plasma_generated.h"

namespace plasmasharp::client {

enum class Code : int32_t {
  kOk = static_cast<int32_t>(plasma::flatbuf::PlasmaError::OK),
  kObjectExists = static_cast<int32_t>(plasma::flatbuf::PlasmaError::ObjectExists),
  kObjectNotFound = static_cast<int32_t>(plasma::flatbuf::PlasmaError::ObjectNotFound),
  kOutOfMemory = static_cast<int32_t>(plasma::flatbuf::PlasmaError::OutOfMemory),
  kObjectNotSealed = static_cast<int32_t>(plasma::flatbuf::PlasmaError::ObjectNotSealed),
  kObjectInUse = static_cast<int32_t>(plasma::flatbuf::PlasmaError::ObjectInUse),
  kIoError = 10,
  kInvalidArgument = 11,
  kDisconnected = 12,
  kTimeout = 13,
  kProtocolError = 14,
  kInternal = 15,
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status OK() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// The status for a PlasmaError value the store sent (0 = OK). `what` names the operation.
Status FromPlasmaError(int32_t plasma_error, const std::string& what);
// True for a value of the wire's PlasmaError enum.
constexpr bool IsPlasmaError(int32_t value) {
  return value >= static_cast<int32_t>(plasma::flatbuf::PlasmaError::MIN) &&
         value <= static_cast<int32_t>(plasma::flatbuf::PlasmaError::MAX);
}

}  // namespace plasmasharp::client

#define PS_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::plasmasharp::client::Status _st = (expr);  \
    if (!_st.ok()) return _st;                   \
  } while (0)
