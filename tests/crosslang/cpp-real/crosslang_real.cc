// The real Apache Arrow 11 C++ client (libplasma's plasma::PlasmaClient) in the cross-language
// tests: the same command line as every other language (tests/crosslang/README.md), so Arrow's
// own client writes for and reads from ours, on our store and on the real one. The formats and
// argument handling it shares with the cpp program: ../cpp/crosslang_common.h.
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

#include "../cpp/crosslang_common.h"

#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

namespace {

using namespace crosslang;  // NOLINT: this program is made of the shared pieces

constexpr int kConnectRetries = 20;
constexpr int kReferenceRows = 257;
const char* const kReferenceColumns[] = {"id64", "i32", "f64", "text", "flag", "items", "ts"};

static_assert(plasma::kUniqueIDSize == kIdSize, "libplasma's object ids are Plasma's 20 bytes");

void Check(const arrow::Status& status, const std::string& what) {
  if (!status.ok()) throw Failure(what + ": " + status.ToString());
}

std::string AsString(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

plasma::ObjectID ParseId(const std::string& hex) {
  plasma::ObjectID id = plasma::ObjectID::from_binary(AsString(ParseIdBytes(hex)));
  if (id.hex() != hex) throw Failure("ObjectID round trip changed " + hex + " into " + id.hex());
  return id;
}

plasma::ObjectID RandomId() { return plasma::ObjectID::from_binary(AsString(RandomIdBytes())); }

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
  if (got != metadata) throw Failure(name + ": metadata " + ToHex(got) + ", expected " + ToHex(metadata));
  CheckPattern(object.data->data(), size, seed, name);
}

void DeleteAll(Client& client, const std::vector<plasma::ObjectID>& ids) {
  Check(client->Delete(ids), "delete");
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

}  // namespace

// ---- the commands (crosslang_common.h declares them) ----

namespace crosslang::commands {

int PutRaw(const Args& args) {
  Client client(args[0]);
  std::string metadata = AsString(FromHex(args[2]));
  ForEachRawArg(args, [&](int seed, const std::string& size) {
    plasma::ObjectID id = RandomId();
    PutWithCreate(client, id, std::stoll(size), metadata, seed);
    std::printf("%s\n", id.hex().c_str());
  });
  return 0;
}

int GetRaw(const Args& args) {
  Client client(args[0]);
  std::string metadata = AsString(FromHex(args[2]));
  std::vector<plasma::ObjectID> ids;
  ForEachRawArg(args, [&](int seed, const std::string& arg) {
    SizedId sized = ParseSizedId(arg);
    plasma::ObjectID id = ParseId(sized.hex);
    CheckObject(GetOne(client, id, kGetTimeoutMs), sized.hex, sized.size, seed, metadata);
    ids.push_back(id);
  });
  DeleteAll(client, ids);
  return 0;
}

int PutArrow(const Args& args) {
  if (args.size() != 2) throw Failure("put-arrow needs an IPC_FILE: cpp-real relays an IPC stream file");
  Bytes bytes = ReadFile(args[1]);
  Client client(args[0]);
  plasma::ObjectID id = RandomId();
  PutWithCreate(client, id, static_cast<int64_t>(bytes.size()), "RAW", 0, bytes.data());
  PrintArrowObject(id.hex(), bytes);
  return 0;
}

int GetArrow(const Args& args) {
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
int PutMany(const Args& args) {
  Client client(args[0]);
  int count = std::stoi(args[1]);
  std::vector<plasma::ObjectID> ids, batch_ids;
  std::vector<std::string> batch_data, batch_metadata;
  for (int k = 0; k < count; ++k) {
    ids.push_back(RandomId());
    if (k % 3 == 0) {
      PutWithCreate(client, ids.back(), ManySize(k), ManyMetadata(k), k & 0xff);
    } else if (k % 3 == 1) {
      Check(client->CreateAndSeal(ids.back(), AsString(PatternBytes(ManySize(k), k & 0xff)), ManyMetadata(k)),
            "create_and_seal " + ids.back().hex());
    } else {
      batch_ids.push_back(ids.back());
      batch_data.push_back(AsString(PatternBytes(ManySize(k), k & 0xff)));
      batch_metadata.push_back(ManyMetadata(k));
    }
  }
  Check(client->CreateAndSealBatch(batch_ids, batch_data, batch_metadata), "create_and_seal_batch");
  for (const auto& id : ids) std::printf("%s\n", id.hex().c_str());
  return 0;
}

int GetMany(const Args& args) {
  Client client(args[0]);
  std::vector<plasma::ObjectID> ids;
  ForEachId(args, [&](int, const std::string& hex) { ids.push_back(ParseId(hex)); });
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

int PutStream(const Args& args) {
  Client client(args[0]);
  ForEachId(args, [&](int k, const std::string& hex) {
    PutWithCreate(client, ParseId(hex), StreamSize(k), ManyMetadata(k), k & 0xff);
  });
  return 0;
}

int GetStream(const Args& args) {
  Client client(args[0]);
  AnnounceConnected();
  ForEachId(args, [&](int k, const std::string& hex) {
    CheckObject(GetOne(client, ParseId(hex), kStreamGetTimeoutMs), hex, StreamSize(k), k & 0xff, ManyMetadata(k));
  });
  return 0;
}

}  // namespace crosslang::commands

int main(int argc, char** argv) { return crosslang::RunCommand("crosslang-cpp-real", argc, argv); }
