// What both C++ programs of the cross-language tests share (cpp/crosslang.cc over our C ABI,
// cpp-real/crosslang_real.cc over Arrow 11's libplasma): the formats of tests/crosslang/README.md
// (pattern, FNV-1a 64, sizes and metadata of the many/stream exchanges), hex and id parsing,
// argument handling and the main() that maps commands to functions and failures to
// "FAIL: why" + exit 1. Header only, standard library only: no link dependency on either client.
#ifndef PLASMASHARP_TESTS_CROSSLANG_COMMON_H_
#define PLASMASHARP_TESTS_CROSSLANG_COMMON_H_

#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace crosslang {

constexpr int64_t kGetTimeoutMs = 10000;         // an object that should exist: fail fast
constexpr int64_t kStreamGetTimeoutMs = 60000;   // waiting for a writer that is still running
constexpr size_t kIdSize = 20;                   // Plasma object ids, both clients

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Bytes = std::vector<uint8_t>;
using Args = std::vector<std::string>;  // a command's arguments, SOCKET first

inline std::string ToHex(const uint8_t* bytes, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

inline std::string ToHex(const Bytes& bytes) { return ToHex(bytes.data(), bytes.size()); }

inline std::string ToHex(const std::string& bytes) {
  return ToHex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

inline Bytes FromHex(const std::string& hex) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw Failure("not lowercase hex: '" + hex + "'");
  };
  if (hex.size() % 2) throw Failure("odd hex length: '" + hex + "'");
  Bytes out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return out;
}

// The 20 bytes of an id given as 40 lowercase hex chars (as the writers print them).
inline Bytes ParseIdBytes(const std::string& hex) {
  if (hex.size() != 2 * kIdSize) throw Failure("id must be 40 hex chars: '" + hex + "'");
  return FromHex(hex);
}

inline Bytes RandomIdBytes() {
  std::random_device device;
  Bytes id(kIdSize);
  for (auto& b : id) b = static_cast<uint8_t>(device());
  return id;
}

// pattern(seed)[i] (README.md): a shifted or swapped 64 KiB block does not match.
inline uint8_t PatternByte(int64_t i, int seed) {
  return static_cast<uint8_t>((i % 251 + 13 * (i >> 16) + seed) & 0xff);
}

inline void FillPattern(uint8_t* data, int64_t size, int seed) {
  for (int64_t i = 0; i < size; ++i) data[i] = PatternByte(i, seed);
}

inline Bytes PatternBytes(int64_t size, int seed) {
  Bytes out(size);
  FillPattern(out.data(), size, seed);
  return out;
}

// Throws naming the first byte of `data` that is not pattern(seed).
inline void CheckPattern(const uint8_t* data, int64_t size, int seed, const std::string& name) {
  for (int64_t i = 0; i < size; ++i)
    if (data[i] != PatternByte(i, seed))
      throw Failure(name + ": byte " + std::to_string(i) + " is " + std::to_string(data[i]) + ", expected " +
                    std::to_string(PatternByte(i, seed)));
}

inline uint64_t Fnv1a64(const uint8_t* data, int64_t size) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (int64_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

inline std::string Hex64(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

// The many and stream exchanges: object k's metadata and sizes.
inline std::string ManyMetadata(int k) { return k % 10 == 0 ? std::string() : "meta-" + std::to_string(k); }
inline int64_t ManySize(int k) { return (static_cast<int64_t>(k) * 37) % 300; }
inline int64_t StreamSize(int k) { return 4096 + static_cast<int64_t>(k) * 1021; }

// The IPC stream file a relaying writer puts (put-arrow SOCKET IPC_FILE).
inline Bytes ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Failure("cannot open " + path);
  return Bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

// The line put-arrow prints: ID SIZE FNV1A64.
inline void PrintArrowObject(const std::string& hex_id, const Bytes& bytes) {
  std::printf("%s %zu %s\n", hex_id.c_str(), bytes.size(), Hex64(Fnv1a64(bytes.data(), bytes.size())).c_str());
}

// get-stream tells the driver it is connected: the driver starts the writer only then, so the
// reader's Gets really wait for objects that are still being created.
inline void AnnounceConnected() {
  std::printf("connected\n");
  std::fflush(stdout);
}

// One SIZE=ID argument of get-raw.
struct SizedId {
  int64_t size;
  std::string hex;
};

inline SizedId ParseSizedId(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos) throw Failure("expected SIZE=ID, got " + arg);
  return {std::stoll(arg.substr(0, eq)), arg.substr(eq + 1)};
}

// put-raw / get-raw: SOCKET SEED META_HEX, then one argument per object (SIZE, or SIZE=ID);
// calls f(seed, argument) with object i's pattern seed, (SEED + i) & 0xff.
template <typename F>
void ForEachRawArg(const Args& args, F f) {
  int seed = std::stoi(args.at(1));
  for (size_t i = 3; i < args.size(); ++i) f((seed + static_cast<int>(i - 3)) & 0xff, args[i]);
}

// Calls f(k, hex) for the ids after SOCKET: object k of many/stream is args[k + 1].
template <typename F>
void ForEachId(const Args& args, F f) {
  for (size_t k = 1; k < args.size(); ++k) f(static_cast<int>(k - 1), args[k]);
}

// The commands of README.md: each program defines them (over its own client library).
namespace commands {
int PutRaw(const Args& args);
int GetRaw(const Args& args);
int PutArrow(const Args& args);
int GetArrow(const Args& args);
int PutMany(const Args& args);
int GetMany(const Args& args);
int PutStream(const Args& args);
int GetStream(const Args& args);
}  // namespace commands

// main(): argv[1] names the command, the rest are its arguments (checked against the command's
// usage here, so the commands can index them). Exit 0 = passed; any exception is a
// "FAIL: why" line on stderr and exit 1.
inline int RunCommand(const char* program, int argc, char** argv) {
  struct Command {
    int (*run)(const Args& args);
    size_t min_args, max_args;
    const char* usage;
  };
  const size_t any = static_cast<size_t>(-1);
  static const std::map<std::string, Command> table = {
      {"put-raw", {commands::PutRaw, 4, any, "put-raw SOCKET SEED META_HEX SIZE..."}},
      {"get-raw", {commands::GetRaw, 4, any, "get-raw SOCKET SEED META_HEX SIZE=ID..."}},
      {"put-arrow", {commands::PutArrow, 1, 2, "put-arrow SOCKET [IPC_FILE]"}},
      {"get-arrow", {commands::GetArrow, 4, 4, "get-arrow SOCKET ID SIZE FNV1A64"}},
      {"put-many", {commands::PutMany, 2, 2, "put-many SOCKET COUNT"}},
      {"get-many", {commands::GetMany, 2, any, "get-many SOCKET ID..."}},
      {"put-stream", {commands::PutStream, 2, any, "put-stream SOCKET ID..."}},
      {"get-stream", {commands::GetStream, 2, any, "get-stream SOCKET ID..."}}};
  if (argc < 2) {
    std::fprintf(stderr, "FAIL: usage: %s COMMAND SOCKET ARGS...\n", program);
    return 1;
  }
  std::string name = argv[1];
  Args args(argv + 2, argv + argc);
  try {
    auto found = table.find(name);
    if (found == table.end()) throw Failure("unknown command " + name);
    const Command& command = found->second;
    if (args.size() < command.min_args || args.size() > command.max_args)
      throw Failure(std::string("usage: ") + command.usage);
    return command.run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAIL: %s\n", e.what());
    return 1;
  }
}

}  // namespace crosslang

#endif  // PLASMASHARP_TESTS_CROSSLANG_COMMON_H_
