// JSON view of Plasma flatbuffers, in the convention of the recorded vectors
// (../shared/plasma-wire/vectors, fields `decoded` / `decoded_defaults`):
// byte strings (object_id(s), digest, data, metadata, handle bytes) as lowercase hex, text
// strings (client_name, debug_string, address) as text, enums by name, structs as objects.
// Built on our generated code (plasma_generated.h), so the tests check our schema, not flatc's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace plasmasharp::testing {

using Json = nlohmann::json;

// True when our schema has a root table of this name (message type names, e.g.
// "PlasmaCreateRequest"). Types without a table (PlasmaDisconnectClient,
// PlasmaUnsubscribeRequest, unknown numbers) give false.
bool HasTable(const std::string& table);

// Every root table name the codec knows.
std::vector<std::string> KnownTables();

// flatbuffers::Verifier over `data` as a root `table`. False for unknown tables.
bool VerifyTable(const std::string& table, const uint8_t* data, size_t size);

// Decodes a buffer (verified first; nullopt when it does not verify or the table is unknown).
// with_defaults = true: absent scalars appear with their schema default (`decoded_defaults`);
// false: only fields physically present in the buffer (`decoded`). Absent strings, vectors,
// structs and tables are omitted in both.
std::optional<Json> DecodeTable(const std::string& table, const uint8_t* data, size_t size,
                                bool with_defaults);

// Builds `table` with our generated builders from a JSON object in the same convention.
// Missing keys are left out of the buffer (scalars then read back as their default);
// force_defaults writes scalars even when equal to the default. nullopt on unknown table or
// a value that does not fit the field.
std::optional<std::vector<uint8_t>> EncodeTable(const std::string& table, const Json& fields,
                                                bool force_defaults);

// Hex to bytes, nullopt unless it is an even number of hex digits (bytes to hex: ToHex in
// test_support.h).
std::optional<std::string> Unhex(const std::string& hex);

}  // namespace plasmasharp::testing
