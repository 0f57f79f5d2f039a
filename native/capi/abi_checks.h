// Compile-time checks where the C ABI (plasmasharp.h, whose PS_* values C#, Python and Node
// bind) meets the C++ layers: a status code or size that drifts apart fails the build here
// instead of being misreported at run time. The C ABI hands client::Code values out as ps_code
// unchanged (Report in plasmasharp_capi.cc).
#pragma once

#include "digest.h"
#include "plasma_client.h"
#include "plasmasharp.h"
#include "wire.h"

namespace plasmasharp::capi_checks {

using client::Code;

static_assert(PS_OBJECT_ID_SIZE == protocol::kObjectIdSize, "PS_OBJECT_ID_SIZE is the wire's id size");
static_assert(PS_OBJECT_ID_SIZE == client::kObjectIdSize, "PS_OBJECT_ID_SIZE is the client's id size");
static_assert(PS_DIGEST_SIZE == protocol::kDigestSize, "PS_DIGEST_SIZE is the wire's digest size");
static_assert(PS_DIGEST_SIZE == client::kDigestSize, "PS_DIGEST_SIZE is the client's digest size");

constexpr bool Same(ps_code abi, Code client) { return abi == static_cast<ps_code>(client); }
static_assert(Same(PS_OK, Code::kOk), "PS_OK");
static_assert(Same(PS_OBJECT_EXISTS, Code::kObjectExists), "PS_OBJECT_EXISTS");
static_assert(Same(PS_OBJECT_NOT_FOUND, Code::kObjectNotFound), "PS_OBJECT_NOT_FOUND");
static_assert(Same(PS_OUT_OF_MEMORY, Code::kOutOfMemory), "PS_OUT_OF_MEMORY");
static_assert(Same(PS_OBJECT_NOT_SEALED, Code::kObjectNotSealed), "PS_OBJECT_NOT_SEALED");
static_assert(Same(PS_OBJECT_IN_USE, Code::kObjectInUse), "PS_OBJECT_IN_USE");
static_assert(Same(PS_IO_ERROR, Code::kIoError), "PS_IO_ERROR");
static_assert(Same(PS_INVALID_ARGUMENT, Code::kInvalidArgument), "PS_INVALID_ARGUMENT");
static_assert(Same(PS_DISCONNECTED, Code::kDisconnected), "PS_DISCONNECTED");
static_assert(Same(PS_TIMEOUT, Code::kTimeout), "PS_TIMEOUT");
static_assert(Same(PS_PROTOCOL_ERROR, Code::kProtocolError), "PS_PROTOCOL_ERROR");
static_assert(Same(PS_INTERNAL, Code::kInternal), "PS_INTERNAL");

}  // namespace plasmasharp::capi_checks
