// Decoding half of wire_codec.h: one function per table, listing every field of TABLES.md.
#include <functional>
#include <map>

#include "plasma_generated.h"
#include "test_support.h"
#include "wire_codec.h"

namespace plasmasharp::testing {

namespace fb = plasma::flatbuf;
using flatbuffers::Vector;

std::optional<std::string> Unhex(const std::string& hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

namespace {

// Field presence, read through the untyped table view (generated tables inherit privately).
bool Present(const void* table, flatbuffers::voffset_t slot) {
  return reinterpret_cast<const flatbuffers::Table*>(table)->CheckField(slot);
}

// Decoding context: whether absent scalars are shown with their default.
struct Out {
  Json j = Json::object();
  const void* table;
  bool defaults;
  template <typename V>
  void Scalar(const char* name, flatbuffers::voffset_t slot, V value) {
    if (defaults || Present(table, slot)) j[name] = value;
  }
  void Bool(const char* name, flatbuffers::voffset_t slot, bool value) {
    if (defaults || Present(table, slot)) j[name] = value;
  }
  void Error(const char* name, flatbuffers::voffset_t slot, fb::PlasmaError e);
  void Bytes(const char* name, const flatbuffers::String* s) {
    if (s) j[name] = ToHex(s->Data(), s->size());
  }
  void Text(const char* name, const flatbuffers::String* s) {
    if (s) j[name] = s->str();
  }
  void BytesList(const char* name, const Vector<flatbuffers::Offset<flatbuffers::String>>* v) {
    if (!v) return;
    Json a = Json::array();
    for (const auto* s : *v) a.push_back(s ? Json(ToHex(s->Data(), s->size())) : Json());
    j[name] = a;
  }
};

Json ErrorName(fb::PlasmaError e) {
  const char* name = fb::EnumNamePlasmaError(e);
  if (name && *name) return name;
  return static_cast<int32_t>(e);  // flatc prints unknown enum values as numbers
}

void Out::Error(const char* name, flatbuffers::voffset_t slot, fb::PlasmaError e) {
  if (defaults || Present(table, slot)) j[name] = ErrorName(e);
}

Json Spec(const fb::PlasmaObjectSpec& s) {
  return Json{{"segment_index", s.segment_index()}, {"data_offset", s.data_offset()},
              {"data_size", s.data_size()},         {"metadata_offset", s.metadata_offset()},
              {"metadata_size", s.metadata_size()}, {"device_num", s.device_num()}};
}

Json Handle(const fb::CudaHandle* h, bool defaults) {
  Out o{Json::object(), h, defaults};
  if (h->handle()) {
    Json a = Json::array();
    for (uint8_t b : *h->handle()) a.push_back(b);
    o.j["handle"] = a;
  }
  return o.j;
}

Json Info(const fb::ObjectInfo* t, bool d) {
  using T = fb::ObjectInfo;
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Scalar("data_size", T::VT_DATA_SIZE, t->data_size());
  o.Scalar("metadata_size", T::VT_METADATA_SIZE, t->metadata_size());
  o.Scalar("ref_count", T::VT_REF_COUNT, t->ref_count());
  o.Scalar("create_time", T::VT_CREATE_TIME, t->create_time());
  o.Scalar("construct_duration", T::VT_CONSTRUCT_DURATION, t->construct_duration());
  o.Bytes("digest", t->digest());
  o.Bool("is_deletion", T::VT_IS_DELETION, t->is_deletion());
  return o.j;
}

Json Infos(const Vector<flatbuffers::Offset<fb::ObjectInfo>>* v, bool d) {
  Json a = Json::array();
  for (const auto* i : *v) a.push_back(i ? Info(i, d) : Json());
  return a;
}

// --- one decoder per root table -------------------------------------------------------------

Json D(const fb::PlasmaSetOptionsRequest* t, bool d) {
  using T = fb::PlasmaSetOptionsRequest;
  Out o{Json::object(), t, d};
  o.Text("client_name", t->client_name());
  o.Scalar("output_memory_quota", T::VT_OUTPUT_MEMORY_QUOTA, t->output_memory_quota());
  return o.j;
}
Json D(const fb::PlasmaSetOptionsReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Error("error", fb::PlasmaSetOptionsReply::VT_ERROR, t->error());
  return o.j;
}
Json D(const fb::PlasmaGetDebugStringRequest*, bool) { return Json::object(); }
Json D(const fb::PlasmaGetDebugStringReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Text("debug_string", t->debug_string());
  return o.j;
}
Json D(const fb::PlasmaCreateRequest* t, bool d) {
  using T = fb::PlasmaCreateRequest;
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Bool("evict_if_full", T::VT_EVICT_IF_FULL, t->evict_if_full());
  o.Scalar("data_size", T::VT_DATA_SIZE, t->data_size());
  o.Scalar("metadata_size", T::VT_METADATA_SIZE, t->metadata_size());
  o.Scalar("device_num", T::VT_DEVICE_NUM, t->device_num());
  return o.j;
}
Json D(const fb::PlasmaCreateReply* t, bool d) {
  using T = fb::PlasmaCreateReply;
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  if (t->plasma_object()) o.j["plasma_object"] = Spec(*t->plasma_object());
  o.Error("error", T::VT_ERROR, t->error());
  o.Scalar("store_fd", T::VT_STORE_FD, t->store_fd());
  o.Scalar("mmap_size", T::VT_MMAP_SIZE, t->mmap_size());
  if (t->ipc_handle()) o.j["ipc_handle"] = Handle(t->ipc_handle(), d);
  return o.j;
}
Json D(const fb::PlasmaCreateAndSealRequest* t, bool d) {
  using T = fb::PlasmaCreateAndSealRequest;
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Bool("evict_if_full", T::VT_EVICT_IF_FULL, t->evict_if_full());
  o.Bytes("data", t->data());
  o.Bytes("metadata", t->metadata());
  o.Bytes("digest", t->digest());
  return o.j;
}
Json D(const fb::PlasmaCreateAndSealReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Error("error", fb::PlasmaCreateAndSealReply::VT_ERROR, t->error());
  return o.j;
}
Json D(const fb::PlasmaCreateAndSealBatchRequest* t, bool d) {
  using T = fb::PlasmaCreateAndSealBatchRequest;
  Out o{Json::object(), t, d};
  o.BytesList("object_ids", t->object_ids());
  o.Bool("evict_if_full", T::VT_EVICT_IF_FULL, t->evict_if_full());
  o.BytesList("data", t->data());
  o.BytesList("metadata", t->metadata());
  o.BytesList("digest", t->digest());
  return o.j;
}
Json D(const fb::PlasmaCreateAndSealBatchReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Error("error", fb::PlasmaCreateAndSealBatchReply::VT_ERROR, t->error());
  return o.j;
}
Json D(const fb::PlasmaAbortRequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  return o.j;
}
Json D(const fb::PlasmaAbortReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  return o.j;
}
Json D(const fb::PlasmaSealRequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Bytes("digest", t->digest());
  return o.j;
}
Json D(const fb::PlasmaSealReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Error("error", fb::PlasmaSealReply::VT_ERROR, t->error());
  return o.j;
}
Json D(const fb::PlasmaGetRequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.BytesList("object_ids", t->object_ids());
  o.Scalar("timeout_ms", fb::PlasmaGetRequest::VT_TIMEOUT_MS, t->timeout_ms());
  return o.j;
}
Json D(const fb::PlasmaGetReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.BytesList("object_ids", t->object_ids());
  if (t->plasma_objects()) {
    Json a = Json::array();
    for (const auto* s : *t->plasma_objects()) a.push_back(Spec(*s));
    o.j["plasma_objects"] = a;
  }
  if (t->store_fds()) {
    Json a = Json::array();
    for (int32_t v : *t->store_fds()) a.push_back(v);
    o.j["store_fds"] = a;
  }
  if (t->mmap_sizes()) {
    Json a = Json::array();
    for (int64_t v : *t->mmap_sizes()) a.push_back(v);
    o.j["mmap_sizes"] = a;
  }
  if (t->handles()) {
    Json a = Json::array();
    for (const auto* h : *t->handles()) a.push_back(h ? Handle(h, d) : Json());
    o.j["handles"] = a;
  }
  return o.j;
}
Json D(const fb::PlasmaReleaseRequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  return o.j;
}
Json D(const fb::PlasmaReleaseReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Error("error", fb::PlasmaReleaseReply::VT_ERROR, t->error());
  return o.j;
}
Json D(const fb::PlasmaDeleteRequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.Scalar("count", fb::PlasmaDeleteRequest::VT_COUNT, t->count());
  o.BytesList("object_ids", t->object_ids());
  return o.j;
}
Json D(const fb::PlasmaDeleteReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Scalar("count", fb::PlasmaDeleteReply::VT_COUNT, t->count());
  o.BytesList("object_ids", t->object_ids());
  if (t->errors()) {
    Json a = Json::array();
    for (auto e : *t->errors()) a.push_back(ErrorName(static_cast<fb::PlasmaError>(e)));
    o.j["errors"] = a;
  }
  return o.j;
}
Json D(const fb::PlasmaContainsRequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  return o.j;
}
Json D(const fb::PlasmaContainsReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Scalar("has_object", fb::PlasmaContainsReply::VT_HAS_OBJECT, t->has_object());
  return o.j;
}
Json D(const fb::PlasmaListRequest*, bool) { return Json::object(); }
Json D(const fb::PlasmaListReply* t, bool d) {
  Out o{Json::object(), t, d};
  if (t->objects()) o.j["objects"] = Infos(t->objects(), d);
  return o.j;
}
Json D(const fb::PlasmaConnectRequest*, bool) { return Json::object(); }
Json D(const fb::PlasmaConnectReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Scalar("memory_capacity", fb::PlasmaConnectReply::VT_MEMORY_CAPACITY, t->memory_capacity());
  return o.j;
}
Json D(const fb::PlasmaEvictRequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.Scalar("num_bytes", fb::PlasmaEvictRequest::VT_NUM_BYTES, t->num_bytes());
  return o.j;
}
Json D(const fb::PlasmaEvictReply* t, bool d) {
  Out o{Json::object(), t, d};
  o.Scalar("num_bytes", fb::PlasmaEvictReply::VT_NUM_BYTES, t->num_bytes());
  return o.j;
}
Json D(const fb::PlasmaSubscribeRequest*, bool) { return Json::object(); }
Json D(const fb::PlasmaNotification* t, bool d) {
  Out o{Json::object(), t, d};
  if (t->object_info()) o.j["object_info"] = Infos(t->object_info(), d);
  return o.j;
}
Json D(const fb::PlasmaDataRequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Text("address", t->address());
  o.Scalar("port", fb::PlasmaDataRequest::VT_PORT, t->port());
  return o.j;
}
Json D(const fb::PlasmaDataReply* t, bool d) {
  using T = fb::PlasmaDataReply;
  Out o{Json::object(), t, d};
  o.Bytes("object_id", t->object_id());
  o.Scalar("object_size", T::VT_OBJECT_SIZE, t->object_size());
  o.Scalar("metadata_size", T::VT_METADATA_SIZE, t->metadata_size());
  return o.j;
}
Json D(const fb::PlasmaRefreshLRURequest* t, bool d) {
  Out o{Json::object(), t, d};
  o.BytesList("object_ids", t->object_ids());
  return o.j;
}
Json D(const fb::PlasmaRefreshLRUReply*, bool) { return Json::object(); }

struct Entry {
  std::function<bool(const uint8_t*, size_t)> verify;
  std::function<Json(const uint8_t*, bool)> decode;
};

template <typename T>
Entry Make() {
  return Entry{[](const uint8_t* data, size_t size) {
                 flatbuffers::Verifier v(data, size);
                 return v.VerifyBuffer<T>(nullptr);
               },
               [](const uint8_t* data, bool defaults) {
                 return D(flatbuffers::GetRoot<T>(data), defaults);
               }};
}

const std::map<std::string, Entry>& Registry() {
  static const std::map<std::string, Entry> registry = {
      {"PlasmaCreateRequest", Make<fb::PlasmaCreateRequest>()},
      {"PlasmaCreateReply", Make<fb::PlasmaCreateReply>()},
      {"PlasmaCreateAndSealRequest", Make<fb::PlasmaCreateAndSealRequest>()},
      {"PlasmaCreateAndSealReply", Make<fb::PlasmaCreateAndSealReply>()},
      {"PlasmaAbortRequest", Make<fb::PlasmaAbortRequest>()},
      {"PlasmaAbortReply", Make<fb::PlasmaAbortReply>()},
      {"PlasmaSealRequest", Make<fb::PlasmaSealRequest>()},
      {"PlasmaSealReply", Make<fb::PlasmaSealReply>()},
      {"PlasmaGetRequest", Make<fb::PlasmaGetRequest>()},
      {"PlasmaGetReply", Make<fb::PlasmaGetReply>()},
      {"PlasmaReleaseRequest", Make<fb::PlasmaReleaseRequest>()},
      {"PlasmaReleaseReply", Make<fb::PlasmaReleaseReply>()},
      {"PlasmaDeleteRequest", Make<fb::PlasmaDeleteRequest>()},
      {"PlasmaDeleteReply", Make<fb::PlasmaDeleteReply>()},
      {"PlasmaContainsRequest", Make<fb::PlasmaContainsRequest>()},
      {"PlasmaContainsReply", Make<fb::PlasmaContainsReply>()},
      {"PlasmaListRequest", Make<fb::PlasmaListRequest>()},
      {"PlasmaListReply", Make<fb::PlasmaListReply>()},
      {"PlasmaConnectRequest", Make<fb::PlasmaConnectRequest>()},
      {"PlasmaConnectReply", Make<fb::PlasmaConnectReply>()},
      {"PlasmaEvictRequest", Make<fb::PlasmaEvictRequest>()},
      {"PlasmaEvictReply", Make<fb::PlasmaEvictReply>()},
      {"PlasmaSubscribeRequest", Make<fb::PlasmaSubscribeRequest>()},
      {"PlasmaDataRequest", Make<fb::PlasmaDataRequest>()},
      {"PlasmaDataReply", Make<fb::PlasmaDataReply>()},
      {"PlasmaNotification", Make<fb::PlasmaNotification>()},
      {"PlasmaSetOptionsRequest", Make<fb::PlasmaSetOptionsRequest>()},
      {"PlasmaSetOptionsReply", Make<fb::PlasmaSetOptionsReply>()},
      {"PlasmaGetDebugStringRequest", Make<fb::PlasmaGetDebugStringRequest>()},
      {"PlasmaGetDebugStringReply", Make<fb::PlasmaGetDebugStringReply>()},
      {"PlasmaCreateAndSealBatchRequest", Make<fb::PlasmaCreateAndSealBatchRequest>()},
      {"PlasmaCreateAndSealBatchReply", Make<fb::PlasmaCreateAndSealBatchReply>()},
      {"PlasmaRefreshLRURequest", Make<fb::PlasmaRefreshLRURequest>()},
      {"PlasmaRefreshLRUReply", Make<fb::PlasmaRefreshLRUReply>()},
  };
  return registry;
}

}  // namespace

bool HasTable(const std::string& table) { return Registry().count(table) != 0; }

std::vector<std::string> KnownTables() {
  std::vector<std::string> names;
  for (const auto& [name, entry] : Registry()) names.push_back(name);
  return names;
}

bool VerifyTable(const std::string& table, const uint8_t* data, size_t size) {
  auto it = Registry().find(table);
  if (it == Registry().end()) return false;
  // The verifier wants an aligned buffer; vectors from the wire come in a std::vector, which
  // is aligned, but copy to be safe with any caller.
  std::vector<uint8_t> copy(data, data + size);
  return it->second.verify(copy.data(), copy.size());
}

std::optional<Json> DecodeTable(const std::string& table, const uint8_t* data, size_t size,
                                bool with_defaults) {
  auto it = Registry().find(table);
  if (it == Registry().end()) return std::nullopt;
  std::vector<uint8_t> copy(data, data + size);
  if (!it->second.verify(copy.data(), copy.size())) return std::nullopt;
  return it->second.decode(copy.data(), with_defaults);
}

}  // namespace plasmasharp::testing
