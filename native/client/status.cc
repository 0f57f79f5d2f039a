#include "status.h"

namespace plasmasharp::client {

Status FromPlasmaError(int32_t plasma_error, const std::string& what) {
  switch (plasma_error) {
    case 0:
      return Status::OK();
    case 1:
      return Status(Code::kObjectExists, what + ": object already exists in the plasma store");
    case 2:
      return Status(Code::kObjectNotFound, what + ": object not found in the plasma store");
    case 3:
      return Status(Code::kOutOfMemory, what + ": object does not fit in the plasma store");
    case 4:
      return Status(Code::kObjectNotSealed, what + ": object is not sealed");
    case 5:
      return Status(Code::kObjectInUse, what + ": object is in use");
    default:
      return Status(Code::kProtocolError,
                    what + ": the store sent unknown PlasmaError " + std::to_string(plasma_error));
  }
}

}  // namespace plasmasharp::client
