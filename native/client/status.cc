#include "status.h"

namespace plasmasharp::client {

Status FromPlasmaError(int32_t plasma_error, const std::string& what) {
  using plasma::flatbuf::PlasmaError;
  if (!IsPlasmaError(plasma_error)) {
    return Status(Code::kProtocolError,
                  what + ": the store sent unknown PlasmaError " + std::to_string(plasma_error));
  }
  // Code's first values are PlasmaError's (status.h).
  const Code code = static_cast<Code>(plasma_error);
  switch (static_cast<PlasmaError>(plasma_error)) {
    case PlasmaError::OK:
      return Status::OK();
    case PlasmaError::ObjectExists:
      return Status(code, what + ": object already exists in the plasma store");
    case PlasmaError::ObjectNotFound:
      return Status(code, what + ": object not found in the plasma store");
    case PlasmaError::OutOfMemory:
      return Status(code, what + ": object does not fit in the plasma store");
    case PlasmaError::ObjectNotSealed:
      return Status(code, what + ": object is not sealed");
    case PlasmaError::ObjectInUse:
      return Status(code, what + ": object is in use");
  }
  return Status(Code::kInternal, what + ": unhandled PlasmaError");
}

}  // namespace plasmasharp::client
