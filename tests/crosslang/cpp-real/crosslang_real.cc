// The real Apache Arrow 11 C++ client (libplasma's plasma::PlasmaClient) in the cross-language
// tests: the same command line as every other language (tests/crosslang/README.md), so Arrow's
// own client writes for and reads from ours, on our store and on the real one.
// Exit 0 = checks passed; otherwise "FAIL: why" on stderr and exit 1.
// References, as measured with the real store's List (ref_count): after Create + Seal and the
// destruction of Create's buffer the client still holds the object, so the writer Releases it
// once; a Get's buffers release their objects when destroyed, so readers never call Release (a
// Release of an object the client does not hold aborts the process).
// Arrow objects: written by relaying an IPC stream file another language wrote (like cpp);
// read by checking the exact bytes (size + FNV-1a 64), the RAW tag, and decoding the stream with
// libarrow's IPC reader straight from the shared memory (schema, 257 rows, full validation).
#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/reader.h>
#include <arrow/record_batch.h>
#include <plasma/client.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int64_t kGetTimeoutMs = 10000;         // an object that should exist: fail fast
constexpr int64_t kStreamGetTimeoutMs = 60000;   // waiting for a writer that is still running
constexpr int kConnectRetries = 20;
constexpr int kReferenceRows = 257;
const char* const kReferenceColumns[] = {"id64", "i32", "f64", "text", "flag", "items", "ts"};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void Check(const arrow::Status& status, const std::string& what) {
  if (!status.ok()) throw Failure(what + ": " + status.ToString());
}

std::string FromHex(const std::string& hex) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw Failure("not lowercase hex: '" + hex + "'");
  };
  if (hex.size() % 2) throw Failure("odd hex length: '" + hex + "'");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return out;
}

std::string ToHex(const uint8_t* bytes, int64_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int64_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

plasma::ObjectID ParseId(const std::string& hex) {
  if (hex.size() != 2 * plasma::kUniqueIDSize) throw Failure("id must be 40 hex chars: '" + hex + "'");
  plasma::ObjectID id = plasma::ObjectID::from_binary(FromHex(hex));
  if (id.hex() != hex) throw Failure("ObjectID round trip changed " + hex + " into " + id.hex());
  return id;
}

plasma::ObjectID RandomId() {
  std::random_device device;
  std::string bytes(plasma::kUniqueIDSize, '\0');
  for (auto& b : bytes) b = static_cast<char>(device());
  return plasma::ObjectID::from_binary(bytes);
}

uint8_t PatternByte(int64_t i, int seed) {
  return static_cast<uint8_t>((i % 251 + 13 * (i >> 16) + seed) & 0xff);
}

void FillPattern(uint8_t* data, int64_t size, int seed) {
  for (int64_t i = 0; i < size; ++i) data[i] = PatternByte(i, seed);
}

std::string PatternString(int64_t size, int seed) {
  std::string out(size, '\0');
  FillPattern(reinterpret_cast<uint8_t*>(out.data()), size, seed);
  return out;
}

uint64_t Fnv1a64(const uint8_t* data, int64_t size) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (int64_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string Hex64(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::string ManyMetadata(int k) { return k % 10 == 0 ? std::string() : "meta-" + std::to_string(k); }
int64_t ManySize(int k) { return (static_cast<int64_t>(k) * 37) % 300; }
int64_t StreamSize(int k) { return 4096 + static_cast<int64_t>(k) * 1021; }

// One connection; disconnects on scope exit (after every buffer of it is gone).
class Client {
 public:
  explicit Client(const std::string& socket) {
    Check(client_.Connect(socket, "", 0, kConnectRetries), "connect to " + socket);
  }
  ~Client() { (void)client_.Disconnect(); }
  plasma::PlasmaClient* operator->() { return &client_; }

 private:
  plasma::PlasmaClient client_;
};

// Create, fill in place, seal; Create's buffer (and its reference) goes at return.
void FillAndSeal(Client& client, const plasma::ObjectID& id, int64_t size, const std::string& metadata,
                 int seed, const uint8_t* bytes) {
  std::shared_ptr<arrow::Buffer> data;
  Check(client->Create(id, size, reinterpret_cast<const uint8_t*>(metadata.data()),
                       static_cast<int64_t>(metadata.size()), &data),
        "create " + id.hex());
  if (!data || data->size() != size || !data->is_mutable())
    throw Failure("create " + id.hex() + " returned a buffer of " + std::to_string(data ? data->size() : -1) +
                  " bytes, expected a mutable one of " + std::to_string(size));
  if (size > 0) {
    if (bytes)
      std::memcpy(data->mutable_data(), bytes, size);
    else
      FillPattern(data->mutable_data(), size, seed);
  }
  Check(client->Seal(id), "seal " + id.hex());
}

// Create, fill in place, seal, drop the buffer, release: readers only ever see it sealed.
void PutWithCreate(Client& client, const plasma::ObjectID& id, int64_t size, const std::string& metadata,
                   int seed, const uint8_t* bytes = nullptr) {
  FillAndSeal(client, id, size, metadata, seed, bytes);
  Check(client->Release(id), "release " + id.hex());
}

plasma::ObjectBuffer GetOne(Client& client, const plasma::ObjectID& id, int64_t timeout_ms) {
  std::vector<plasma::ObjectBuffer> out;
  Check(client->Get({id}, timeout_ms, &out), "get " + id.hex());
  if (out.size() != 1 || !out[0].data)
    throw Failure("object " + id.hex() + " not available within " + std::to_string(timeout_ms) + " ms");
  return out[0];
}

std::string MetadataOf(const plasma::ObjectBuffer& object) {
  if (!object.metadata) return "";
  return std::string(reinterpret_cast<const char*>(object.metadata->data()), object.metadata->size());
}

void CheckObject(const plasma::ObjectBuffer& object, const std::string& name, int64_t size, int seed,
                 const std::string& metadata) {
  if (object.data->size() != size)
    throw Failure(name + ": data_size " + std::to_string(object.data->size()) + ", expected " + std::to_string(size));
  std::string got = MetadataOf(object);
  if (got != metadata)
    throw Failure(name + ": metadata " + ToHex(reinterpret_cast<const uint8_t*>(got.data()), got.size()) +
                  ", expected " + ToHex(reinterpret_cast<const uint8_t*>(metadata.data()), metadata.size()));
  const uint8_t* data = object.data->data();
  for (int64_t i = 0; i < size; ++i)
    if (data[i] != PatternByte(i, seed))
      throw Failure(name + ": byte " + std::to_string(i) + " is " + std::to_string(data[i]) + ", expected " +
                    std::to_string(PatternByte(i, seed)));
}

void DeleteAll(Client& client, const std::vector<plasma::ObjectID>& ids) {
  Check(client->Delete(ids), "delete");
}

// ---- commands ----

int PutRaw(const std::vector<std::string>& args) {
  if (args.size() < 4) throw Failure("usage: put-raw SOCKET SEED META_HEX SIZE...");
  Client client(args[0]);
  int seed = std::stoi(args[1]);
  std::string metadata = FromHex(args[2]);
  for (size_t i = 3; i < args.size(); ++i) {
    plasma::ObjectID id = RandomId();
    PutWithCreate(client, id, std::stoll(args[i]), metadata, (seed + static_cast<int>(i - 3)) & 0xff);
    std::printf("%s\n", id.hex().c_str());
  }
  return 0;
}

int GetRaw(const std::vector<std::string>& args) {
  if (args.size() < 4) throw Failure("usage: get-raw SOCKET SEED META_HEX SIZE=ID...");
  Client client(args[0]);
  int seed = std::stoi(args[1]);
  std::string metadata = FromHex(args[2]);
  std::vector<plasma::ObjectID> ids;
  for (size_t i = 3; i < args.size(); ++i) {
    auto eq = args[i].find('=');
    if (eq == std::string::npos) throw Failure("expected SIZE=ID, got " + args[i]);
    std::string hex = args[i].substr(eq + 1);
    plasma::ObjectID id = ParseId(hex);
    CheckObject(GetOne(client, id, kGetTimeoutMs), hex, std::stoll(args[i].substr(0, eq)),
                (seed + static_cast<int>(i - 3)) & 0xff, metadata);
    ids.push_back(id);
  }
  DeleteAll(client, ids);
  return 0;
}

int PutArrowFromFile(const std::vector<std::string>& args) {
  if (args.size() != 2) throw Failure("usage: put-arrow SOCKET IPC_FILE (cpp-real relays an IPC stream file)");
  std::ifstream file(args[1], std::ios::binary);
  if (!file) throw Failure("cannot open " + args[1]);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  Client client(args[0]);
  plasma::ObjectID id = RandomId();
  PutWithCreate(client, id, static_cast<int64_t>(bytes.size()), "RAW", 0, bytes.data());
  std::printf("%s %zu %s\n", id.hex().c_str(), bytes.size(), Hex64(Fnv1a64(bytes.data(), bytes.size())).c_str());
  return 0;
}

// Decodes the IPC stream in place (a zero-copy reader over the object's buffer) with libarrow.
void CheckIpcStream(const std::shared_ptr<arrow::Buffer>& data, const std::string& name) {
  auto input = std::make_shared<arrow::io::BufferReader>(data);
  auto opened = arrow::ipc::RecordBatchStreamReader::Open(input);
  Check(opened.status(), name + ": open IPC stream");
  std::shared_ptr<arrow::ipc::RecordBatchReader> reader = *opened;
  auto schema = reader->schema();
  std::vector<std::string> expected(std::begin(kReferenceColumns), std::end(kReferenceColumns));
  if (schema->field_names() != expected) throw Failure(name + ": schema " + schema->ToString());
  int64_t rows = 0;
  for (;;) {
    std::shared_ptr<arrow::RecordBatch> batch;
    Check(reader->ReadNext(&batch), name + ": read batch");
    if (!batch) break;
    Check(batch->ValidateFull(), name + ": validate batch");
    rows += batch->num_rows();
  }
  if (rows != kReferenceRows)
    throw Failure(name + ": " + std::to_string(rows) + " rows, expected " + std::to_string(kReferenceRows));
}

int GetArrow(const std::vector<std::string>& args) {
  if (args.size() != 4) throw Failure("usage: get-arrow SOCKET ID SIZE FNV1A64");
  Client client(args[0]);
  const std::string& name = args[1];
  plasma::ObjectID id = ParseId(name);
  int64_t size = std::stoll(args[2]);
  {
    plasma::ObjectBuffer object = GetOne(client, id, kGetTimeoutMs);
    if (MetadataOf(object) != "RAW") throw Failure(name + ": metadata is '" + MetadataOf(object) + "', expected RAW");
    if (object.data->size() != size)
      throw Failure(name + ": size " + std::to_string(object.data->size()) + ", writer said " + std::to_string(size));
    std::string digest = Hex64(Fnv1a64(object.data->data(), object.data->size()));
    if (digest != args[3]) throw Failure(name + ": FNV-1a 64 " + digest + ", writer said " + args[3]);
    CheckIpcStream(object.data, name);
  }
  DeleteAll(client, {id});
  return 0;
}

// The three write paths of the real client in turn: Create/Seal, CreateAndSeal, and
// CreateAndSealBatch (the objects with k % 3 == 2, sent together at the end).
int PutMany(const std::vector<std::string>& args) {
  if (args.size() != 2) throw Failure("usage: put-many SOCKET COUNT");
  Client client(args[0]);
  int count = std::stoi(args[1]);
  std::vector<plasma::ObjectID> ids, batch_ids;
  std::vector<std::string> batch_data, batch_metadata;
  for (int k = 0; k < count; ++k) {
    ids.push_back(RandomId());
    if (k % 3 == 0) {
      PutWithCreate(client, ids.back(), ManySize(k), ManyMetadata(k), k & 0xff);
    } else if (k % 3 == 1) {
      Check(client->CreateAndSeal(ids.back(), PatternString(ManySize(k), k & 0xff), ManyMetadata(k)),
            "create_and_seal " + ids.back().hex());
    } else {
      batch_ids.push_back(ids.back());
      batch_data.push_back(PatternString(ManySize(k), k & 0xff));
      batch_metadata.push_back(ManyMetadata(k));
    }
  }
  Check(client->CreateAndSealBatch(batch_ids, batch_data, batch_metadata), "create_and_seal_batch");
  for (const auto& id : ids) std::printf("%s\n", id.hex().c_str());
  return 0;
}

int GetMany(const std::vector<std::string>& args) {
  if (args.empty()) throw Failure("usage: get-many SOCKET ID...");
  Client client(args[0]);
  std::vector<plasma::ObjectID> ids;
  for (size_t k = 1; k < args.size(); ++k) ids.push_back(ParseId(args[k]));
  {
    // One Get for all of them: the batch read path.
    std::vector<plasma::ObjectBuffer> objects;
    Check(client->Get(ids, kGetTimeoutMs, &objects), "get(many)");
    if (objects.size() != ids.size()) throw Failure("get(many) returned " + std::to_string(objects.size()) + " buffers");
    for (size_t k = 0; k < ids.size(); ++k) {
      if (!objects[k].data) throw Failure("object " + std::to_string(k) + " (" + args[k + 1] + ") missing");
      int index = static_cast<int>(k);
      CheckObject(objects[k], args[k + 1], ManySize(index), index & 0xff, ManyMetadata(index));
    }
  }
  DeleteAll(client, ids);
  return 0;
}

int PutStream(const std::vector<std::string>& args) {
  if (args.empty()) throw Failure("usage: put-stream SOCKET ID...");
  Client client(args[0]);
  for (size_t k = 1; k < args.size(); ++k) {
    int index = static_cast<int>(k - 1);
    PutWithCreate(client, ParseId(args[k]), StreamSize(index), ManyMetadata(index), index & 0xff);
  }
  return 0;
}

int GetStream(const std::vector<std::string>& args) {
  if (args.empty()) throw Failure("usage: get-stream SOCKET ID...");
  Client client(args[0]);
  // Tells the driver this reader is connected: it starts the writer only then, so the Gets
  // below really wait for objects that are still being created.
  std::printf("connected\n");
  std::fflush(stdout);
  for (size_t k = 1; k < args.size(); ++k) {
    int index = static_cast<int>(k - 1);
    CheckObject(GetOne(client, ParseId(args[k]), kStreamGetTimeoutMs), args[k], StreamSize(index), index & 0xff,
                ManyMetadata(index));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "FAIL: usage: crosslang-cpp-real COMMAND ARGS...\n");
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "put-raw") return PutRaw(args);
    if (command == "get-raw") return GetRaw(args);
    if (command == "put-arrow") return PutArrowFromFile(args);
    if (command == "get-arrow") return GetArrow(args);
    if (command == "put-many") return PutMany(args);
    if (command == "get-many") return GetMany(args);
    if (command == "put-stream") return PutStream(args);
    if (command == "get-stream") return GetStream(args);
    throw Failure("unknown command " + command);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAIL: %s\n", e.what());
    return 1;
  }
}
