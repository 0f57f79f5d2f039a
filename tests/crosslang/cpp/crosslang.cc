// The C++ side of the cross-language tests: a small program over the C ABI (plasmasharp.h).
// Commands and formats are described in tests/crosslang/README.md; every language implements
// the same ones (the formats and argument handling both C++ programs share: crosslang_common.h).
// Exit 0 = checks passed; otherwise "FAIL: why" on stderr and exit 1.
// C++ has no Arrow library here: for Arrow objects it checks the exact bytes (size + FNV-1a 64
// given by the writer), the RAW tag and the IPC stream framing, and writes by relaying a file.
#include "plasmasharp.h"

#include "crosslang_common.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace crosslang;  // NOLINT: this program is made of the shared pieces

using Id = Bytes;

static_assert(PS_OBJECT_ID_SIZE == kIdSize, "the C ABI's object ids are Plasma's 20 bytes");

// Turns a failed C ABI call into an exception carrying the library's message.
void Check(ps_code code, ps_error* error, const std::string& what) {
  if (code == PS_OK) return;
  std::string message = error ? ps_error_message(error) : "(no message)";
  if (error) ps_error_free(error);
  throw Failure(what + " failed with code " + std::to_string(code) + ": " + message);
}

Bytes AsBytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

// Owns one connection; closes it on scope exit.
class Client {
 public:
  explicit Client(const std::string& socket) {
    ps_error* error = nullptr;
    Check(ps_client_connect(socket.c_str(), 20, 100, &client_, &error), error, "connect");
  }
  ~Client() { ps_client_free(client_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ps_client* get() const { return client_; }

 private:
  ps_client* client_ = nullptr;
};

// One local reference; released on scope exit.
class Object {
 public:
  explicit Object(ps_object* object) : object_(object) {}
  ~Object() {
    if (object_) ps_object_release(object_, nullptr);
  }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  ps_object* get() const { return object_; }
  ps_object_view View() const {
    ps_object_view view{};
    ps_error* error = nullptr;
    Check(ps_object_get_view(object_, &view, &error), error, "get_view");
    return view;
  }

 private:
  ps_object* object_;
};

// Create, fill, seal, release: the normal write path (readers only see the sealed object).
void PutWithCreate(ps_client* client, const Id& id, int64_t size, int seed, const Bytes& metadata,
                   const uint8_t* bytes = nullptr) {
  ps_object* raw = nullptr;
  ps_error* error = nullptr;
  Check(ps_client_create(client, id.data(), size, metadata.data(), metadata.size(), 1, &raw, &error),
        error, "create " + ToHex(id));
  Object object(raw);
  ps_object_view view = object.View();
  if (view.data_size != size) throw Failure("created object has data_size " + std::to_string(view.data_size));
  if (view.is_sealed) throw Failure("a fresh object reports is_sealed");
  if (size > 0) {
    if (bytes)
      std::memcpy(view.data, bytes, size);
    else
      FillPattern(view.data, size, seed);
  }
  Check(ps_object_seal(object.get(), &error), error, "seal");
}

// Gets one object with a timeout; a missing object is a failure, not a hang.
ps_object* GetOne(ps_client* client, const Id& id, int64_t timeout_ms) {
  ps_object* out = nullptr;
  ps_error* error = nullptr;
  Check(ps_client_get(client, id.data(), 1, timeout_ms, &out, &error), error, "get");
  if (!out) throw Failure("object " + ToHex(id) + " not available within " + std::to_string(timeout_ms) + " ms");
  return out;
}

void CheckObject(const ps_object_view& view, const Id& id, int64_t size, int seed, const Bytes& metadata) {
  std::string name = ToHex(id);
  if (std::memcmp(view.object_id, id.data(), PS_OBJECT_ID_SIZE) != 0)
    throw Failure(name + ": view reports id " + ToHex(view.object_id, PS_OBJECT_ID_SIZE));
  if (!view.is_sealed) throw Failure(name + ": got an unsealed object");
  if (view.data_size != size)
    throw Failure(name + ": data_size " + std::to_string(view.data_size) + ", expected " + std::to_string(size));
  if (view.metadata_size != static_cast<int64_t>(metadata.size()) ||
      (!metadata.empty() && std::memcmp(view.metadata, metadata.data(), metadata.size()) != 0))
    throw Failure(name + ": metadata " + ToHex(view.metadata, view.metadata_size) + ", expected " + ToHex(metadata));
  CheckPattern(view.data, size, seed, name);
}

void DeleteAll(ps_client* client, const std::vector<Id>& ids) {
  for (const auto& id : ids) {
    ps_code result = PS_OK;
    ps_error* error = nullptr;
    Check(ps_client_delete(client, id.data(), 1, &result, &error), error, "delete");
    if (result != PS_OK) throw Failure("delete of " + ToHex(id) + " returned " + std::to_string(result));
  }
}

uint32_t ReadU32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t(p[3]) << 24); }

// Walks the IPC stream's encapsulated messages: 0xFFFFFFFF, int32 metadata length, flatbuffer
// (padded to 8), then the body whose length is inside the flatbuffer. Without a flatbuffer
// reader we only check the framing of the first message (the schema, which has no body) and
// that the stream ends with the end-of-stream marker.
void CheckIpcFraming(const uint8_t* data, int64_t size, const std::string& name) {
  if (size < 16) throw Failure(name + ": " + std::to_string(size) + " bytes is too short for an IPC stream");
  if (ReadU32(data) != 0xFFFFFFFFu) throw Failure(name + ": IPC stream does not start with the continuation marker");
  uint32_t schema_length = ReadU32(data + 4);
  if (schema_length == 0 || schema_length % 8 != 0 || 8 + int64_t(schema_length) > size)
    throw Failure(name + ": bad schema message length " + std::to_string(schema_length));
  if (ReadU32(data + size - 8) != 0xFFFFFFFFu || ReadU32(data + size - 4) != 0)
    throw Failure(name + ": IPC stream does not end with the end-of-stream marker");
}

}  // namespace

// ---- the commands (crosslang_common.h declares them) ----

namespace crosslang::commands {

int PutRaw(const Args& args) {
  Client client(args[0]);
  Bytes metadata = FromHex(args[2]);
  ForEachRawArg(args, [&](int seed, const std::string& size) {
    Id id = RandomIdBytes();
    PutWithCreate(client.get(), id, std::stoll(size), seed, metadata);
    std::printf("%s\n", ToHex(id).c_str());
  });
  return 0;
}

int GetRaw(const Args& args) {
  Client client(args[0]);
  Bytes metadata = FromHex(args[2]);
  std::vector<Id> ids;
  ForEachRawArg(args, [&](int seed, const std::string& arg) {
    SizedId sized = ParseSizedId(arg);
    Id id = ParseIdBytes(sized.hex);
    Object object(GetOne(client.get(), id, kGetTimeoutMs));
    CheckObject(object.View(), id, sized.size, seed, metadata);
    ids.push_back(id);
  });
  DeleteAll(client.get(), ids);
  return 0;
}

int PutArrow(const Args& args) {
  if (args.size() != 2) throw Failure("put-arrow needs an IPC_FILE: C++ relays an IPC stream file");
  Bytes bytes = ReadFile(args[1]);
  Client client(args[0]);
  Id id = RandomIdBytes();
  PutWithCreate(client.get(), id, bytes.size(), 0, AsBytes("RAW"), bytes.data());
  PrintArrowObject(ToHex(id), bytes);
  return 0;
}

int GetArrow(const Args& args) {
  Client client(args[0]);
  Id id = ParseIdBytes(args[1]);
  int64_t size = std::stoll(args[2]);
  const std::string& name = args[1];
  {
    Object object(GetOne(client.get(), id, kGetTimeoutMs));
    ps_object_view view = object.View();
    if (view.metadata_size != 3 || std::memcmp(view.metadata, "RAW", 3) != 0)
      throw Failure(name + ": metadata is '" + std::string(reinterpret_cast<char*>(view.metadata), view.metadata_size) + "', expected RAW");
    if (view.data_size != size) throw Failure(name + ": size " + std::to_string(view.data_size) + ", writer said " + std::to_string(size));
    std::string digest = Hex64(Fnv1a64(view.data, view.data_size));
    if (digest != args[3]) throw Failure(name + ": FNV-1a 64 " + digest + ", writer said " + args[3]);
    CheckIpcFraming(view.data, view.data_size, name);
  }
  DeleteAll(client.get(), {id});
  return 0;
}

int PutMany(const Args& args) {
  Client client(args[0]);
  int count = std::stoi(args[1]);
  // All in one CreateAndSealBatch round trip, in chunks: the batch path of the C ABI.
  const int chunk = 100;
  for (int start = 0; start < count; start += chunk) {
    int n = std::min(chunk, count - start);
    Bytes ids;
    std::vector<Bytes> datas(n), metas(n);
    std::vector<const uint8_t*> data_ptrs(n), meta_ptrs(n);
    std::vector<int64_t> data_sizes(n), meta_sizes(n);
    for (int j = 0; j < n; ++j) {
      int k = start + j;
      Id id = RandomIdBytes();
      ids.insert(ids.end(), id.begin(), id.end());
      datas[j] = PatternBytes(ManySize(k), k & 0xff);
      metas[j] = AsBytes(ManyMetadata(k));
      data_ptrs[j] = datas[j].empty() ? nullptr : datas[j].data();
      meta_ptrs[j] = metas[j].empty() ? nullptr : metas[j].data();
      data_sizes[j] = datas[j].size();
      meta_sizes[j] = metas[j].size();
    }
    ps_error* error = nullptr;
    Check(ps_client_create_and_seal_batch(client.get(), ids.data(), n, data_ptrs.data(), data_sizes.data(),
                                          meta_ptrs.data(), meta_sizes.data(), 1, &error),
          error, "create_and_seal_batch");
    for (int j = 0; j < n; ++j) std::printf("%s\n", ToHex(&ids[j * PS_OBJECT_ID_SIZE], PS_OBJECT_ID_SIZE).c_str());
  }
  return 0;
}

int GetMany(const Args& args) {
  Client client(args[0]);
  int count = static_cast<int>(args.size()) - 1;
  std::vector<Id> ids;
  Bytes flat;
  for (int k = 0; k < count; ++k) {
    ids.push_back(ParseIdBytes(args[k + 1]));
    flat.insert(flat.end(), ids.back().begin(), ids.back().end());
  }
  // One Get for all of them: the batch read path.
  std::vector<ps_object*> out(count, nullptr);
  ps_error* error = nullptr;
  Check(ps_client_get(client.get(), flat.data(), count, kGetTimeoutMs, out.data(), &error), error, "get(many)");
  std::vector<std::unique_ptr<Object>> held;
  for (int k = 0; k < count; ++k) held.emplace_back(new Object(out[k]));
  for (int k = 0; k < count; ++k) {
    if (!out[k]) throw Failure("object " + std::to_string(k) + " (" + args[k + 1] + ") missing");
    CheckObject(held[k]->View(), ids[k], ManySize(k), k & 0xff, AsBytes(ManyMetadata(k)));
  }
  held.clear();
  DeleteAll(client.get(), ids);
  return 0;
}

int PutStream(const Args& args) {
  Client client(args[0]);
  ForEachId(args, [&](int k, const std::string& hex) {
    PutWithCreate(client.get(), ParseIdBytes(hex), StreamSize(k), k & 0xff, AsBytes(ManyMetadata(k)));
  });
  return 0;
}

int GetStream(const Args& args) {
  Client client(args[0]);
  AnnounceConnected();
  ForEachId(args, [&](int k, const std::string& hex) {
    Id id = ParseIdBytes(hex);
    Object object(GetOne(client.get(), id, kStreamGetTimeoutMs));
    CheckObject(object.View(), id, StreamSize(k), k & 0xff, AsBytes(ManyMetadata(k)));
  });
  return 0;
}

}  // namespace crosslang::commands

int main(int argc, char** argv) { return crosslang::RunCommand("crosslang-cpp", argc, argv); }
