// Encoding half of wire_codec.h: builds every table with our generated builders from its JSON
// view, so a test can check that what we write decodes to what the real implementation wrote.
#include <functional>
#include <map>
#include <stdexcept>

#include "plasma_generated.h"
#include "wire_codec.h"

namespace plasmasharp::testing {

namespace {

namespace fb = plasma::flatbuf;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::String;
using flatbuffers::Vector;

bool Has(const Json& j, const char* key) { return j.is_object() && j.contains(key); }

std::string BytesOf(const Json& v) {
  auto raw = Unhex(v.get<std::string>());
  if (!raw) throw std::invalid_argument("bad hex");
  return *raw;
}

Offset<String> Bytes(FlatBufferBuilder& b, const Json& j, const char* key) {
  if (!Has(j, key)) return 0;
  std::string raw = BytesOf(j[key]);
  return b.CreateString(raw.data(), raw.size());
}

Offset<String> Text(FlatBufferBuilder& b, const Json& j, const char* key) {
  if (!Has(j, key)) return 0;
  return b.CreateString(j[key].get<std::string>());
}

Offset<Vector<Offset<String>>> BytesList(FlatBufferBuilder& b, const Json& j, const char* key) {
  if (!Has(j, key)) return 0;
  std::vector<Offset<String>> items;
  for (const auto& v : j[key]) {
    std::string raw = BytesOf(v);
    items.push_back(b.CreateString(raw.data(), raw.size()));
  }
  return b.CreateVector(items);
}

fb::PlasmaError ErrorOf(const Json& v) {
  if (v.is_number_integer()) return static_cast<fb::PlasmaError>(v.get<int32_t>());
  const std::string name = v.get<std::string>();
  for (auto e : fb::EnumValuesPlasmaError()) {
    if (name == fb::EnumNamePlasmaError(e)) return e;
  }
  throw std::invalid_argument("unknown PlasmaError " + name);
}

// Narrowing to the field type must not lose information.
template <typename T>
T Num(const Json& v) {
  if (!v.is_number_integer()) throw std::invalid_argument("not an integer");
  if constexpr (std::is_unsigned_v<T>) {
    if (v.is_number_unsigned()) return static_cast<T>(v.get<uint64_t>());
    int64_t s = v.get<int64_t>();
    if (s < 0) throw std::invalid_argument("negative value for unsigned field");
    return static_cast<T>(s);
  } else {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      throw std::invalid_argument("too large");
    int64_t s = v.get<int64_t>();
    if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max())
      throw std::invalid_argument("out of range");
    return static_cast<T>(s);
  }
}

fb::PlasmaObjectSpec SpecOf(const Json& s) {
  return fb::PlasmaObjectSpec(
      Num<int32_t>(s.at("segment_index")), Num<uint64_t>(s.at("data_offset")),
      Num<uint64_t>(s.at("data_size")), Num<uint64_t>(s.at("metadata_offset")),
      Num<uint64_t>(s.at("metadata_size")), Num<int32_t>(s.at("device_num")));
}

Offset<fb::CudaHandle> HandleOf(FlatBufferBuilder& b, const Json& h) {
  Offset<Vector<uint8_t>> bytes = 0;
  if (Has(h, "handle")) {
    std::vector<uint8_t> v;
    for (const auto& x : h["handle"]) v.push_back(Num<uint8_t>(x));
    bytes = b.CreateVector(v);
  }
  fb::CudaHandleBuilder hb(b);
  if (!bytes.IsNull()) hb.add_handle(bytes);
  return hb.Finish();
}

Offset<fb::ObjectInfo> InfoOf(FlatBufferBuilder& b, const Json& j) {
  auto id = Bytes(b, j, "object_id");
  auto digest = Bytes(b, j, "digest");
  fb::ObjectInfoBuilder t(b);
  if (!id.IsNull()) t.add_object_id(id);
  if (Has(j, "data_size")) t.add_data_size(Num<int64_t>(j["data_size"]));
  if (Has(j, "metadata_size")) t.add_metadata_size(Num<int64_t>(j["metadata_size"]));
  if (Has(j, "ref_count")) t.add_ref_count(Num<int32_t>(j["ref_count"]));
  if (Has(j, "create_time")) t.add_create_time(Num<int64_t>(j["create_time"]));
  if (Has(j, "construct_duration")) t.add_construct_duration(Num<int64_t>(j["construct_duration"]));
  if (!digest.IsNull()) t.add_digest(digest);
  if (Has(j, "is_deletion")) t.add_is_deletion(j["is_deletion"].get<bool>());
  return t.Finish();
}

Offset<Vector<Offset<fb::ObjectInfo>>> InfoList(FlatBufferBuilder& b, const Json& j,
                                                const char* key) {
  if (!Has(j, key)) return 0;
  std::vector<Offset<fb::ObjectInfo>> items;
  for (const auto& v : j[key]) items.push_back(InfoOf(b, v));
  return b.CreateVector(items);
}

// Each encoder finishes the root itself.
using Encoder = std::function<void(FlatBufferBuilder&, const Json&)>;

// Tables whose only fields are (object_id string) or nothing.
template <typename Builder>
void OnlyObjectId(FlatBufferBuilder& b, const Json& j) {
  auto id = Bytes(b, j, "object_id");
  Builder t(b);
  if (!id.IsNull()) t.add_object_id(id);
  b.Finish(t.Finish());
}
template <typename Builder>
void Empty(FlatBufferBuilder& b, const Json&) {
  Builder t(b);
  b.Finish(t.Finish());
}
template <typename Builder>
void OnlyError(FlatBufferBuilder& b, const Json& j) {
  Builder t(b);
  if (Has(j, "error")) t.add_error(ErrorOf(j["error"]));
  b.Finish(t.Finish());
}

const std::map<std::string, Encoder>& Encoders() {
  static const std::map<std::string, Encoder> encoders = {
      {"PlasmaSetOptionsRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto name = Text(b, j, "client_name");
         fb::PlasmaSetOptionsRequestBuilder t(b);
         if (!name.IsNull()) t.add_client_name(name);
         if (Has(j, "output_memory_quota"))
           t.add_output_memory_quota(Num<int64_t>(j["output_memory_quota"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaSetOptionsReply", OnlyError<fb::PlasmaSetOptionsReplyBuilder>},
      {"PlasmaGetDebugStringRequest", Empty<fb::PlasmaGetDebugStringRequestBuilder>},
      {"PlasmaGetDebugStringReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto s = Text(b, j, "debug_string");
         fb::PlasmaGetDebugStringReplyBuilder t(b);
         if (!s.IsNull()) t.add_debug_string(s);
         b.Finish(t.Finish());
       }},
      {"PlasmaCreateRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         fb::PlasmaCreateRequestBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (Has(j, "evict_if_full")) t.add_evict_if_full(j["evict_if_full"].get<bool>());
         if (Has(j, "data_size")) t.add_data_size(Num<uint64_t>(j["data_size"]));
         if (Has(j, "metadata_size")) t.add_metadata_size(Num<uint64_t>(j["metadata_size"]));
         if (Has(j, "device_num")) t.add_device_num(Num<int32_t>(j["device_num"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaCreateReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         Offset<fb::CudaHandle> handle = 0;
         if (Has(j, "ipc_handle")) handle = HandleOf(b, j["ipc_handle"]);
         fb::PlasmaObjectSpec spec;
         if (Has(j, "plasma_object")) spec = SpecOf(j["plasma_object"]);
         fb::PlasmaCreateReplyBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (Has(j, "plasma_object")) t.add_plasma_object(&spec);
         if (Has(j, "error")) t.add_error(ErrorOf(j["error"]));
         if (Has(j, "store_fd")) t.add_store_fd(Num<int32_t>(j["store_fd"]));
         if (Has(j, "mmap_size")) t.add_mmap_size(Num<int64_t>(j["mmap_size"]));
         if (!handle.IsNull()) t.add_ipc_handle(handle);
         b.Finish(t.Finish());
       }},
      {"PlasmaCreateAndSealRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         auto data = Bytes(b, j, "data");
         auto meta = Bytes(b, j, "metadata");
         auto digest = Bytes(b, j, "digest");
         fb::PlasmaCreateAndSealRequestBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (Has(j, "evict_if_full")) t.add_evict_if_full(j["evict_if_full"].get<bool>());
         if (!data.IsNull()) t.add_data(data);
         if (!meta.IsNull()) t.add_metadata(meta);
         if (!digest.IsNull()) t.add_digest(digest);
         b.Finish(t.Finish());
       }},
      {"PlasmaCreateAndSealReply", OnlyError<fb::PlasmaCreateAndSealReplyBuilder>},
      {"PlasmaCreateAndSealBatchRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto ids = BytesList(b, j, "object_ids");
         auto data = BytesList(b, j, "data");
         auto meta = BytesList(b, j, "metadata");
         auto digest = BytesList(b, j, "digest");
         fb::PlasmaCreateAndSealBatchRequestBuilder t(b);
         if (!ids.IsNull()) t.add_object_ids(ids);
         if (Has(j, "evict_if_full")) t.add_evict_if_full(j["evict_if_full"].get<bool>());
         if (!data.IsNull()) t.add_data(data);
         if (!meta.IsNull()) t.add_metadata(meta);
         if (!digest.IsNull()) t.add_digest(digest);
         b.Finish(t.Finish());
       }},
      {"PlasmaCreateAndSealBatchReply", OnlyError<fb::PlasmaCreateAndSealBatchReplyBuilder>},
      {"PlasmaAbortRequest", OnlyObjectId<fb::PlasmaAbortRequestBuilder>},
      {"PlasmaAbortReply", OnlyObjectId<fb::PlasmaAbortReplyBuilder>},
      {"PlasmaSealRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         auto digest = Bytes(b, j, "digest");
         fb::PlasmaSealRequestBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (!digest.IsNull()) t.add_digest(digest);
         b.Finish(t.Finish());
       }},
      {"PlasmaSealReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         fb::PlasmaSealReplyBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (Has(j, "error")) t.add_error(ErrorOf(j["error"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaGetRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto ids = BytesList(b, j, "object_ids");
         fb::PlasmaGetRequestBuilder t(b);
         if (!ids.IsNull()) t.add_object_ids(ids);
         if (Has(j, "timeout_ms")) t.add_timeout_ms(Num<int64_t>(j["timeout_ms"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaGetReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto ids = BytesList(b, j, "object_ids");
         Offset<Vector<const fb::PlasmaObjectSpec*>> specs = 0;
         if (Has(j, "plasma_objects")) {
           std::vector<fb::PlasmaObjectSpec> v;
           for (const auto& s : j["plasma_objects"]) v.push_back(SpecOf(s));
           specs = b.CreateVectorOfStructs(v);
         }
         Offset<Vector<int32_t>> fds = 0;
         if (Has(j, "store_fds")) {
           std::vector<int32_t> v;
           for (const auto& x : j["store_fds"]) v.push_back(Num<int32_t>(x));
           fds = b.CreateVector(v);
         }
         Offset<Vector<int64_t>> sizes = 0;
         if (Has(j, "mmap_sizes")) {
           std::vector<int64_t> v;
           for (const auto& x : j["mmap_sizes"]) v.push_back(Num<int64_t>(x));
           sizes = b.CreateVector(v);
         }
         Offset<Vector<Offset<fb::CudaHandle>>> handles = 0;
         if (Has(j, "handles")) {
           std::vector<Offset<fb::CudaHandle>> v;
           for (const auto& h : j["handles"]) v.push_back(HandleOf(b, h));
           handles = b.CreateVector(v);
         }
         fb::PlasmaGetReplyBuilder t(b);
         if (!ids.IsNull()) t.add_object_ids(ids);
         if (!specs.IsNull()) t.add_plasma_objects(specs);
         if (!fds.IsNull()) t.add_store_fds(fds);
         if (!sizes.IsNull()) t.add_mmap_sizes(sizes);
         if (!handles.IsNull()) t.add_handles(handles);
         b.Finish(t.Finish());
       }},
      {"PlasmaReleaseRequest", OnlyObjectId<fb::PlasmaReleaseRequestBuilder>},
      {"PlasmaReleaseReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         fb::PlasmaReleaseReplyBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (Has(j, "error")) t.add_error(ErrorOf(j["error"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaDeleteRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto ids = BytesList(b, j, "object_ids");
         fb::PlasmaDeleteRequestBuilder t(b);
         if (Has(j, "count")) t.add_count(Num<int32_t>(j["count"]));
         if (!ids.IsNull()) t.add_object_ids(ids);
         b.Finish(t.Finish());
       }},
      {"PlasmaDeleteReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto ids = BytesList(b, j, "object_ids");
         Offset<Vector<fb::PlasmaError>> errors = 0;
         if (Has(j, "errors")) {
           std::vector<fb::PlasmaError> v;
           for (const auto& e : j["errors"]) v.push_back(ErrorOf(e));
           errors = b.CreateVector(v);
         }
         fb::PlasmaDeleteReplyBuilder t(b);
         if (Has(j, "count")) t.add_count(Num<int32_t>(j["count"]));
         if (!ids.IsNull()) t.add_object_ids(ids);
         if (!errors.IsNull()) t.add_errors(errors);
         b.Finish(t.Finish());
       }},
      {"PlasmaContainsRequest", OnlyObjectId<fb::PlasmaContainsRequestBuilder>},
      {"PlasmaContainsReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         fb::PlasmaContainsReplyBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (Has(j, "has_object")) t.add_has_object(Num<int32_t>(j["has_object"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaListRequest", Empty<fb::PlasmaListRequestBuilder>},
      {"PlasmaListReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto objects = InfoList(b, j, "objects");
         fb::PlasmaListReplyBuilder t(b);
         if (!objects.IsNull()) t.add_objects(objects);
         b.Finish(t.Finish());
       }},
      {"PlasmaConnectRequest", Empty<fb::PlasmaConnectRequestBuilder>},
      {"PlasmaConnectReply",
       [](FlatBufferBuilder& b, const Json& j) {
         fb::PlasmaConnectReplyBuilder t(b);
         if (Has(j, "memory_capacity")) t.add_memory_capacity(Num<int64_t>(j["memory_capacity"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaEvictRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         fb::PlasmaEvictRequestBuilder t(b);
         if (Has(j, "num_bytes")) t.add_num_bytes(Num<uint64_t>(j["num_bytes"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaEvictReply",
       [](FlatBufferBuilder& b, const Json& j) {
         fb::PlasmaEvictReplyBuilder t(b);
         if (Has(j, "num_bytes")) t.add_num_bytes(Num<uint64_t>(j["num_bytes"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaSubscribeRequest", Empty<fb::PlasmaSubscribeRequestBuilder>},
      {"PlasmaNotification",
       [](FlatBufferBuilder& b, const Json& j) {
         auto infos = InfoList(b, j, "object_info");
         fb::PlasmaNotificationBuilder t(b);
         if (!infos.IsNull()) t.add_object_info(infos);
         b.Finish(t.Finish());
       }},
      {"PlasmaDataRequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         auto address = Text(b, j, "address");
         fb::PlasmaDataRequestBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (!address.IsNull()) t.add_address(address);
         if (Has(j, "port")) t.add_port(Num<int32_t>(j["port"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaDataReply",
       [](FlatBufferBuilder& b, const Json& j) {
         auto id = Bytes(b, j, "object_id");
         fb::PlasmaDataReplyBuilder t(b);
         if (!id.IsNull()) t.add_object_id(id);
         if (Has(j, "object_size")) t.add_object_size(Num<uint64_t>(j["object_size"]));
         if (Has(j, "metadata_size")) t.add_metadata_size(Num<uint64_t>(j["metadata_size"]));
         b.Finish(t.Finish());
       }},
      {"PlasmaRefreshLRURequest",
       [](FlatBufferBuilder& b, const Json& j) {
         auto ids = BytesList(b, j, "object_ids");
         fb::PlasmaRefreshLRURequestBuilder t(b);
         if (!ids.IsNull()) t.add_object_ids(ids);
         b.Finish(t.Finish());
       }},
      {"PlasmaRefreshLRUReply", Empty<fb::PlasmaRefreshLRUReplyBuilder>},
  };
  return encoders;
}

}  // namespace

std::optional<std::vector<uint8_t>> EncodeTable(const std::string& table, const Json& fields,
                                                bool force_defaults) {
  auto it = Encoders().find(table);
  if (it == Encoders().end() || !fields.is_object()) return std::nullopt;
  try {
    FlatBufferBuilder b;
    b.ForceDefaults(force_defaults);
    it->second(b, fields);
    return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace plasmasharp::testing
