// The C ABI end to end, through libplasmasharp_native.so exactly as C#, Python or Node load it:
// every function, error objects (code + message), handles that outlive their client - against
// our store and the real Arrow 11 one - plus our in-process store, and the exported symbol
// list (= the functions the header declares).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "plasmasharp.h"
#include "test_support.h"

namespace plasmasharp::testing {
namespace {

// Owns a ps_error and frees it.
struct ErrorHolder {
  ps_error* error = nullptr;
  ~ErrorHolder() { ps_error_free(error); }
  ps_error** out() {
    ps_error_free(error);
    error = nullptr;
    return &error;
  }
  std::string message() const { return error ? ps_error_message(error) : "(no error object)"; }
};

// Every case runs on both stores: ours (in process, through ps_store_start) and the real Arrow
// 11 plasma-store-server (a child process; skipped, with the reason, where it is absent).
class CapiTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  static constexpr int64_t kCapacity = 32 << 20;

  void SetUp() override {
    if (GetParam() == StoreKind::kReal) {
      std::string why_not;
      if (!RealStoreExecutable(&why_not)) GTEST_SKIP() << "real Arrow 11 store: " << why_not;
      real_store_ = std::make_unique<StoreProcess>(kCapacity, std::vector<std::string>{}, StoreKind::kReal);
      socket_path_ = real_store_->socket_path();
    } else {
      socket_path_ = dir_.path() + "/capi.sock";
      ps_code code = ps_store_start(socket_path_.c_str(), kCapacity, nullptr, &store_, err_.out());
      ASSERT_EQ(code, PS_OK) << err_.message();
      ASSERT_NE(store_, nullptr);
    }
    ps_code code = ps_client_connect(socket_path_.c_str(), -1, -1, &client_, err_.out());
    ASSERT_EQ(code, PS_OK) << err_.message();
  }
  void TearDown() override {
    ps_client_free(client_);
    ps_store_stop(store_);
    // The real store must have survived the case: it aborts on some client mistakes.
    if (real_store_) {
      EXPECT_TRUE(real_store_->alive()) << "the real store died during the test";
    }
  }
  void StopStore() {
    if (real_store_) {
      real_store_->Stop();
      real_store_.reset();
    } else {
      ps_store_stop(store_);
      store_ = nullptr;
    }
  }
  // Creates, fills with `fill`, seals and releases `id`.
  void Put(const std::string& id, int64_t size, uint8_t fill, const std::string& meta = "") {
    ps_object* obj = nullptr;
    ASSERT_EQ(ps_client_create(client_, U8(id), size, U8(meta), static_cast<int64_t>(meta.size()), 1,
                               &obj, err_.out()),
              PS_OK)
        << err_.message();
    ps_object_view view;
    ASSERT_EQ(ps_object_get_view(obj, &view, err_.out()), PS_OK);
    std::memset(view.data, fill, static_cast<size_t>(size));
    ASSERT_EQ(ps_object_seal(obj, err_.out()), PS_OK) << err_.message();
    ASSERT_EQ(ps_object_release(obj, err_.out()), PS_OK);
  }

  TempDir dir_;
  std::string socket_path_;
  ps_store* store_ = nullptr;                   // ours, in process
  std::unique_ptr<StoreProcess> real_store_;    // the real one
  ps_client* client_ = nullptr;
  ErrorHolder err_;
};

TEST_P(CapiTest, VersionAndCapacity) {
  EXPECT_STREQ(ps_version(), "0.1.0");
  int64_t capacity = 0;
  ASSERT_EQ(ps_client_store_capacity(client_, &capacity, err_.out()), PS_OK);
  EXPECT_EQ(capacity, kCapacity);
}

TEST_P(CapiTest, CreateViewSealGetRelease) {
  const std::string id = Id("capi-obj"), meta = "mm";
  ps_object* obj = nullptr;
  ASSERT_EQ(ps_client_create(client_, U8(id), 1000, U8(meta), 2, 1, &obj, err_.out()), PS_OK);
  ps_object_view view;
  ASSERT_EQ(ps_object_get_view(obj, &view, err_.out()), PS_OK);
  EXPECT_EQ(view.data_size, 1000);
  EXPECT_EQ(view.metadata_size, 2);
  EXPECT_EQ(std::memcmp(view.metadata, "mm", 2), 0);
  EXPECT_EQ(view.is_sealed, 0);
  EXPECT_EQ(std::memcmp(view.object_id, id.data(), 20), 0);
  EXPECT_GE(view.data, view.segment_base);
  EXPECT_LE(view.data + view.data_size, view.segment_base + view.segment_size);
  std::memset(view.data, 0x5A, 1000);
  ASSERT_EQ(ps_object_seal(obj, err_.out()), PS_OK);
  ASSERT_EQ(ps_object_get_view(obj, &view, err_.out()), PS_OK);
  EXPECT_EQ(view.is_sealed, 1);
  EXPECT_EQ(ps_object_seal(obj, err_.out()), PS_OBJECT_EXISTS);  // sealed twice
  ASSERT_EQ(ps_object_release(obj, err_.out()), PS_OK);

  std::string ids = id + Id("capi-missing");
  ps_object* got[2] = {nullptr, nullptr};
  ASSERT_EQ(ps_client_get(client_, U8(ids), 2, 0, got, err_.out()), PS_OK);
  ASSERT_NE(got[0], nullptr);
  EXPECT_EQ(got[1], nullptr);  // missing: NULL, not an error
  ASSERT_EQ(ps_object_get_view(got[0], &view, err_.out()), PS_OK);
  EXPECT_EQ(view.data[999], 0x5A);
  ASSERT_EQ(ps_object_release(got[0], nullptr), PS_OK);
}

TEST_P(CapiTest, WriteAndSealCopiesAndSealsWithTheRealDigest) {
  // 3 MB: the chunked, multi-threaded copy+hash path. Hash afterwards recomputes the digest
  // from the stored bytes; List shows the digest sent at seal: both must agree.
  std::string source(3000000, '\0');
  for (size_t i = 0; i < source.size(); ++i) source[i] = static_cast<char>((i + 7) % 256);
  ps_object* obj = nullptr;
  ASSERT_EQ(ps_client_create(client_, U8(Id("ws")), 3000000, nullptr, 0, 1, &obj, err_.out()), PS_OK);
  EXPECT_EQ(ps_object_write_and_seal(obj, U8(source), 5, err_.out()), PS_INVALID_ARGUMENT);
  ASSERT_EQ(ps_object_write_and_seal(obj, U8(source), 3000000, err_.out()), PS_OK) << err_.message();
  ps_object_view view;
  ASSERT_EQ(ps_object_get_view(obj, &view, err_.out()), PS_OK);
  EXPECT_EQ(view.is_sealed, 1);
  EXPECT_EQ(std::memcmp(view.data, source.data(), source.size()), 0);
  ASSERT_EQ(ps_object_release(obj, err_.out()), PS_OK);
  uint8_t digest[8];
  ASSERT_EQ(ps_client_hash(client_, U8(Id("ws")), digest, err_.out()), PS_OK);
  EXPECT_EQ(ToHex(digest, 8), "31dbb0abf7fc26ea");  // recorded seg-fill-* digest, same bytes
  ps_object_list* list = nullptr;
  ASSERT_EQ(ps_client_list(client_, &list, err_.out()), PS_OK);
  ps_object_info info;
  ASSERT_EQ(ps_object_list_get(list, 0, &info, err_.out()), PS_OK);
  EXPECT_EQ(std::memcmp(info.digest, digest, 8), 0);
  ps_object_list_free(list);
}

// A cluster pull feeds the digest while the chunks arrive, compares ps_digest_value with the
// holder's digest and seals with the same ps_digest: the value must be the store's digest (data
// then metadata) in both forms (below and from 1 MiB), reading it must not change what seals.
TEST_P(CapiTest, StreamedDigestValueIsTheDigestTheObjectSealsWith) {
  const std::string meta = "md";
  for (int64_t size : {int64_t{0}, int64_t{1000}, int64_t{(1 << 20) - 1}, int64_t{1 << 20}, int64_t{3000007}}) {
    SCOPED_TRACE("size " + std::to_string(size));
    const std::string id = Id("streamed-" + std::to_string(size));
    ps_object* obj = nullptr;
    ASSERT_EQ(ps_client_create(client_, U8(id), size, U8(meta), 2, 1, &obj, err_.out()), PS_OK) << err_.message();
    ps_object_view view;
    ASSERT_EQ(ps_object_get_view(obj, &view, err_.out()), PS_OK);
    for (int64_t i = 0; i < size; ++i) view.data[i] = static_cast<uint8_t>((i * 31 + 7) % 251);
    ps_digest* digest = nullptr;
    ASSERT_EQ(ps_digest_start(size, &digest, err_.out()), PS_OK) << err_.message();
    uint8_t value[PS_DIGEST_SIZE];
    if (size > 0) {  // not all fed yet: no value
      EXPECT_EQ(ps_digest_value(digest, U8(meta), 2, value, err_.out()), PS_INVALID_ARGUMENT);
      EXPECT_NE(err_.message().find("before all the data"), std::string::npos) << err_.message();
    }
    for (int64_t offset = 0; offset < size;) {  // piece edges that never line up with the chunks
      const int64_t n = std::min<int64_t>(size - offset, 77777);
      ASSERT_EQ(ps_digest_update(digest, view.data + offset, n, err_.out()), PS_OK) << err_.message();
      offset += n;
    }
    ASSERT_EQ(ps_digest_value(digest, U8(meta), 2, value, err_.out()), PS_OK) << err_.message();
    uint8_t again[PS_DIGEST_SIZE];
    ASSERT_EQ(ps_digest_value(digest, U8(meta), 2, again, err_.out()), PS_OK);
    EXPECT_EQ(ToHex(again, PS_DIGEST_SIZE), ToHex(value, PS_DIGEST_SIZE));  // reading it changed nothing
    uint8_t without_metadata[PS_DIGEST_SIZE];
    ASSERT_EQ(ps_digest_value(digest, nullptr, 0, without_metadata, err_.out()), PS_OK);
    EXPECT_NE(ToHex(without_metadata, PS_DIGEST_SIZE), ToHex(value, PS_DIGEST_SIZE));  // metadata is part of it
    ASSERT_EQ(ps_object_seal_digested(obj, digest, err_.out()), PS_OK) << err_.message();
    ps_digest_free(digest);
    ASSERT_EQ(ps_object_release(obj, err_.out()), PS_OK);
    uint8_t stored[PS_DIGEST_SIZE];
    ASSERT_EQ(ps_client_hash(client_, U8(id), stored, err_.out()), PS_OK) << err_.message();
    EXPECT_EQ(ToHex(value, PS_DIGEST_SIZE), ToHex(stored, PS_DIGEST_SIZE));
  }
  EXPECT_EQ(ps_digest_value(nullptr, nullptr, 0, nullptr, err_.out()), PS_INVALID_ARGUMENT);
  ps_digest* empty = nullptr;
  ASSERT_EQ(ps_digest_start(0, &empty, err_.out()), PS_OK);
  uint8_t value[PS_DIGEST_SIZE];
  EXPECT_EQ(ps_digest_value(empty, nullptr, 5, value, err_.out()), PS_INVALID_ARGUMENT);
  EXPECT_EQ(ps_digest_value(empty, U8(meta), -1, value, err_.out()), PS_INVALID_ARGUMENT);
  EXPECT_EQ(ps_digest_value(empty, nullptr, 0, nullptr, err_.out()), PS_INVALID_ARGUMENT);
  ps_digest_free(empty);
}

// ps_digest_copy: pieces copied in from the caller's buffer (a header, then a large buffer that
// covers whole digest chunks, which go to the worker pool) seal with the digest either store
// computes for the same bytes.
TEST_P(CapiTest, DigestCopyWritesThePiecesAndSealsWithTheStoresDigest) {
  const std::string meta = "m";
  for (int64_t size : {int64_t{1000}, int64_t{1 << 20}, int64_t{5000011}}) {
    SCOPED_TRACE("size " + std::to_string(size));
    std::vector<uint8_t> source(static_cast<size_t>(size));
    for (int64_t i = 0; i < size; ++i) source[i] = static_cast<uint8_t>((i * 13 + 5) % 253);
    const std::string id = Id("copied-" + std::to_string(size));
    ps_object* obj = nullptr;
    ASSERT_EQ(ps_client_create(client_, U8(id), size, U8(meta), 1, 1, &obj, err_.out()), PS_OK) << err_.message();
    ps_object_view view;
    ASSERT_EQ(ps_object_get_view(obj, &view, err_.out()), PS_OK);
    ps_digest* digest = nullptr;
    ASSERT_EQ(ps_digest_start(size, &digest, err_.out()), PS_OK);
    const int64_t header = 300;
    ASSERT_EQ(ps_digest_copy(digest, view.data, source.data(), header, err_.out()), PS_OK) << err_.message();
    ASSERT_EQ(ps_digest_copy(digest, view.data + header, source.data() + header, size - header, err_.out()), PS_OK)
        << err_.message();
    EXPECT_EQ(ps_digest_copy(digest, view.data, source.data(), 1, err_.out()), PS_INVALID_ARGUMENT);
    EXPECT_NE(err_.message().find("past the data size"), std::string::npos) << err_.message();
    EXPECT_EQ(std::memcmp(view.data, source.data(), source.size()), 0);
    ASSERT_EQ(ps_object_seal_digested(obj, digest, err_.out()), PS_OK) << err_.message();
    ps_digest_free(digest);
    ASSERT_EQ(ps_object_release(obj, err_.out()), PS_OK);
    uint8_t stored[PS_DIGEST_SIZE];
    ASSERT_EQ(ps_client_hash(client_, U8(id), stored, err_.out()), PS_OK) << err_.message();
    const std::string other = Id("put-" + std::to_string(size));  // the same bytes the plain way
    ASSERT_EQ(ps_client_create(client_, U8(other), size, U8(meta), 1, 1, &obj, err_.out()), PS_OK);
    ASSERT_EQ(ps_object_write_and_seal(obj, source.data(), size, err_.out()), PS_OK) << err_.message();
    ASSERT_EQ(ps_object_release(obj, err_.out()), PS_OK);
    uint8_t plain[PS_DIGEST_SIZE];
    ASSERT_EQ(ps_client_hash(client_, U8(other), plain, err_.out()), PS_OK);
    EXPECT_EQ(ToHex(stored, PS_DIGEST_SIZE), ToHex(plain, PS_DIGEST_SIZE));
  }
  EXPECT_EQ(ps_digest_copy(nullptr, nullptr, nullptr, 0, err_.out()), PS_INVALID_ARGUMENT);
}

TEST_P(CapiTest, ErrorsCarryCodeAndMessage) {
  Put(Id("dup"), 10, 1);
  ps_object* obj = nullptr;
  EXPECT_EQ(ps_client_create(client_, U8(Id("dup")), 10, nullptr, 0, 1, &obj, err_.out()),
            PS_OBJECT_EXISTS);
  ASSERT_NE(err_.error, nullptr);
  EXPECT_EQ(ps_error_code(err_.error), PS_OBJECT_EXISTS);
  EXPECT_NE(std::string(ps_error_message(err_.error)).find("exists"), std::string::npos);
  EXPECT_EQ(obj, nullptr);
  // NULL arguments: an error value, and the error pointer itself may be NULL.
  EXPECT_EQ(ps_client_create(client_, nullptr, 10, nullptr, 0, 1, &obj, err_.out()),
            PS_INVALID_ARGUMENT);
  EXPECT_EQ(ps_error_code(err_.error), PS_INVALID_ARGUMENT);
  EXPECT_EQ(ps_client_create(client_, U8(Id("x")), -1, nullptr, 0, 1, &obj, nullptr),
            PS_INVALID_ARGUMENT);
  EXPECT_EQ(ps_client_create(client_, U8(Id("big")), int64_t{1} << 40, nullptr, 0, 1, &obj,
                             err_.out()),
            PS_OUT_OF_MEMORY);
  uint8_t digest[8];
  EXPECT_EQ(ps_client_hash(client_, U8(Id("nope")), digest, err_.out()), PS_OBJECT_NOT_FOUND);
  EXPECT_EQ(ps_error_code(err_.error), PS_OBJECT_NOT_FOUND);
  ps_client* nobody = nullptr;
  EXPECT_EQ(ps_client_connect((dir_.path() + "/none.sock").c_str(), 2, 1, &nobody, err_.out()),
            PS_TIMEOUT);
  EXPECT_EQ(nobody, nullptr);
  EXPECT_FALSE(err_.message().empty());
}

TEST_P(CapiTest, CreateAndSealBatchContainsHashListDelete) {
  const std::string data = "hello plasma";
  ASSERT_EQ(ps_client_create_and_seal(client_, U8(Id("cas")), U8(data), 12, U8("md"), 2, 1,
                                      err_.out()),
            PS_OK);
  std::string ids = Id("b1") + Id("b2");
  const uint8_t* datas[2] = {U8("one"), nullptr};
  int64_t sizes[2] = {3, 0};
  ASSERT_EQ(ps_client_create_and_seal_batch(client_, U8(ids), 2, datas, sizes, nullptr, nullptr, 1,
                                            err_.out()),
            PS_OK)
      << err_.message();
  uint8_t has = 0;
  ASSERT_EQ(ps_client_contains(client_, U8(Id("b1")), &has, err_.out()), PS_OK);
  EXPECT_EQ(has, 1);
  ASSERT_EQ(ps_client_contains(client_, U8(Id("zz")), &has, err_.out()), PS_OK);
  EXPECT_EQ(has, 0);
  // Hash = the digest libplasma computes: XXH64("hello plasma" + "md") (recorded cas-1).
  uint8_t digest[8];
  ASSERT_EQ(ps_client_hash(client_, U8(Id("cas")), digest, err_.out()), PS_OK);
  EXPECT_EQ(ToHex(digest, 8), "fbb2cc4d5d8b2d20");

  ps_object_list* list = nullptr;
  ASSERT_EQ(ps_client_list(client_, &list, err_.out()), PS_OK);
  ASSERT_EQ(ps_object_list_count(list), 3);
  bool found_cas = false;
  for (int64_t i = 0; i < 3; ++i) {
    ps_object_info info;
    ASSERT_EQ(ps_object_list_get(list, i, &info, err_.out()), PS_OK);
    EXPECT_EQ(info.is_sealed, 1);
    if (std::memcmp(info.object_id, Id("cas").data(), 20) == 0) {
      found_cas = true;
      EXPECT_EQ(info.data_size, 12);
      EXPECT_EQ(info.metadata_size, 2);
      EXPECT_EQ(std::memcmp(info.digest, digest, 8), 0);
    }
  }
  EXPECT_TRUE(found_cas);
  ps_object_info info;
  EXPECT_EQ(ps_object_list_get(list, 3, &info, err_.out()), PS_INVALID_ARGUMENT);
  ps_object_list_free(list);

  std::string del = Id("cas") + Id("missing");
  ps_code results[2] = {-1, -1};
  ASSERT_EQ(ps_client_delete(client_, U8(del), 2, results, err_.out()), PS_OK);
  EXPECT_EQ(results[0], PS_OK);
  EXPECT_EQ(results[1], PS_OBJECT_NOT_FOUND);
}

TEST_P(CapiTest, AbortEvictRefreshOptionsDebugString) {
  ps_object* obj = nullptr;
  ASSERT_EQ(ps_client_create(client_, U8(Id("ab")), 100, nullptr, 0, 0, &obj, err_.out()), PS_OK);
  ASSERT_EQ(ps_object_abort(obj, err_.out()), PS_OK);
  ps_object_view view;
  EXPECT_EQ(ps_object_get_view(obj, &view, err_.out()), PS_INVALID_ARGUMENT);
  ASSERT_EQ(ps_object_release(obj, err_.out()), PS_OK);

  for (int i = 0; i < 3; ++i) Put(Id("ev" + std::to_string(i)), 1000, 1);
  std::string ids = Id("ev0") + Id("unknown");
  ASSERT_EQ(ps_client_refresh(client_, U8(ids), 2, err_.out()), PS_OK);
  int64_t freed = 0;
  ASSERT_EQ(ps_client_evict(client_, 1500, &freed, err_.out()), PS_OK);
  EXPECT_GE(freed, 1500);

  ps_client* quota_client = nullptr;
  ASSERT_EQ(ps_client_connect(socket_path_.c_str(), 1, 0, &quota_client, err_.out()), PS_OK);
  ASSERT_EQ(ps_client_set_options(quota_client, "capi-client", 1 << 20, err_.out()), PS_OK);
  EXPECT_EQ(ps_client_set_options(quota_client, "again", 1000, err_.out()), PS_OUT_OF_MEMORY);
  char* text = nullptr;
  ASSERT_EQ(ps_client_debug_string(quota_client, &text, err_.out()), PS_OK);
  ASSERT_NE(text, nullptr);
  EXPECT_GT(std::strlen(text), 0u);
  ps_string_free(text);
  ps_client_free(quota_client);
}

TEST_P(CapiTest, StoreStatsCountBytesObjectsAndEvictions) {
  ps_store_stats stats;
  ASSERT_EQ(ps_client_store_stats(client_, 1, &stats, err_.out()), PS_OK) << err_.message();
  EXPECT_EQ(stats.capacity, kCapacity);
  EXPECT_EQ(stats.bytes_used, 0);
  EXPECT_EQ(stats.evictions, 0);
  EXPECT_EQ(stats.objects, 0);

  Put(Id("st1"), 1000, 1);
  Put(Id("st2"), 3000, 2, "meta");
  ps_object* unsealed = nullptr;
  ASSERT_EQ(ps_client_create(client_, U8(Id("st3")), 500, nullptr, 0, 0, &unsealed, err_.out()), PS_OK);
  ASSERT_EQ(ps_client_store_stats(client_, 1, &stats, err_.out()), PS_OK) << err_.message();
  EXPECT_EQ(stats.objects, 3);
  EXPECT_EQ(stats.sealed_objects, 2);
  EXPECT_EQ(stats.objects_in_use, 1);  // the unsealed one, held by its creator
  // Ours counts object sizes; the real store its allocator's (aligned) blocks.
  if (GetParam() == StoreKind::kReal) EXPECT_GE(stats.bytes_used, 4504);
  else EXPECT_EQ(stats.bytes_used, 4504);
  ASSERT_EQ(ps_object_abort(unsealed, err_.out()), PS_OK);
  ASSERT_EQ(ps_object_release(unsealed, err_.out()), PS_OK);

  int64_t freed = 0;
  ASSERT_EQ(ps_client_evict(client_, 1, &freed, err_.out()), PS_OK);
  ASSERT_EQ(ps_client_store_stats(client_, 0, &stats, err_.out()), PS_OK) << err_.message();
  EXPECT_GE(stats.evictions, 1);
  EXPECT_EQ(stats.objects, -1);  // not counted
  EXPECT_EQ(stats.sealed_objects, -1);
  EXPECT_EQ(ps_client_store_stats(client_, 0, nullptr, err_.out()), PS_INVALID_ARGUMENT);
}

TEST_P(CapiTest, SubscriptionDeliversSealAndDeletion) {
  ps_client* sub_client = nullptr;
  ASSERT_EQ(ps_client_connect(socket_path_.c_str(), 1, 0, &sub_client, err_.out()), PS_OK);
  ps_subscription* sub = nullptr;
  ASSERT_EQ(ps_client_subscribe(sub_client, &sub, err_.out()), PS_OK);
  EXPECT_GE(ps_subscription_fd(sub), 0);
  ps_subscription* again = nullptr;
  EXPECT_EQ(ps_client_subscribe(sub_client, &again, err_.out()), PS_INVALID_ARGUMENT);
  Put(Id("note"), 300, 2, "meta");
  ps_code result;
  ASSERT_EQ(ps_client_delete(client_, U8(Id("note")), 1, &result, err_.out()), PS_OK);
  ps_object_info info;
  ASSERT_EQ(ps_subscription_next(sub, 5000, &info, err_.out()), PS_OK) << err_.message();
  EXPECT_EQ(std::memcmp(info.object_id, Id("note").data(), 20), 0);
  EXPECT_EQ(info.data_size, 300);
  EXPECT_EQ(info.metadata_size, 4);
  EXPECT_EQ(info.is_sealed, 1);
  EXPECT_EQ(info.is_deletion, 0);
  ASSERT_EQ(ps_subscription_next(sub, 5000, &info, err_.out()), PS_OK);
  EXPECT_EQ(info.is_deletion, 1);
  EXPECT_EQ(ps_subscription_next(sub, 0, &info, err_.out()), PS_TIMEOUT);
  ASSERT_EQ(ps_client_disconnect(sub_client, err_.out()), PS_OK);
  EXPECT_EQ(ps_subscription_next(sub, 5000, &info, err_.out()), PS_DISCONNECTED);
  ps_subscription_free(sub);
  ps_client_free(sub_client);
}

TEST_P(CapiTest, ObjectsStayValidAfterClientFree) {
  Put(Id("keep"), 4096, 0x33);
  ps_object* got = nullptr;
  ASSERT_EQ(ps_client_get(client_, U8(Id("keep")), 1, 0, &got, err_.out()), PS_OK);
  ASSERT_NE(got, nullptr);
  ps_client_free(client_);
  client_ = nullptr;
  ps_object_view view;
  ASSERT_EQ(ps_object_get_view(got, &view, err_.out()), PS_OK);
  EXPECT_EQ(view.data[4095], 0x33);
  view.data[0] = 1;  // still mapped
  EXPECT_EQ(ps_object_release(got, err_.out()), PS_OK);
}

TEST_P(CapiTest, DisconnectedClientReportsDisconnected) {
  Put(Id("held"), 64, 1);
  ps_object* got = nullptr;
  ASSERT_EQ(ps_client_get(client_, U8(Id("held")), 1, 0, &got, err_.out()), PS_OK);
  ASSERT_EQ(ps_client_disconnect(client_, err_.out()), PS_OK);
  uint8_t has;
  EXPECT_EQ(ps_client_contains(client_, U8(Id("held")), &has, err_.out()), PS_DISCONNECTED);
  EXPECT_EQ(ps_error_code(err_.error), PS_DISCONNECTED);
  EXPECT_EQ(ps_object_release(got, err_.out()), PS_OK);  // never fails when disconnected
}

TEST_P(CapiTest, ContainsOfAnUnsealedObjectIsTrueForItsCreatorOnly) {
  ps_client* other = nullptr;
  ASSERT_EQ(ps_client_connect(socket_path_.c_str(), -1, -1, &other, err_.out()), PS_OK);
  ps_object* obj = nullptr;
  ASSERT_EQ(ps_client_create(client_, U8(Id("wip")), 16, nullptr, 0, 1, &obj, err_.out()), PS_OK);
  uint8_t has = 0;
  ASSERT_EQ(ps_client_contains(client_, U8(Id("wip")), &has, err_.out()), PS_OK);
  EXPECT_EQ(has, 1);  // as libplasma: the creator's own table answers
  ASSERT_EQ(ps_client_contains(other, U8(Id("wip")), &has, err_.out()), PS_OK);
  EXPECT_EQ(has, 0);  // the store counts sealed objects only
  ASSERT_EQ(ps_object_abort(obj, err_.out()), PS_OK);
  ASSERT_EQ(ps_object_release(obj, err_.out()), PS_OK);
  ASSERT_EQ(ps_client_contains(client_, U8(Id("wip")), &has, err_.out()), PS_OK);
  EXPECT_EQ(has, 0);
  ps_client_free(other);
}

// ps_object_release returns while another thread's ps_client_get(-1) on the same client waits
// (.NET releases from its one finalizer thread), and the store hears the release meanwhile.
// Flags, not timings; the bounded waits only turn a hang into a failure.
TEST_P(CapiTest, ReleaseDoesNotWaitForAWaitingGet) {
  ps_client* other = nullptr;
  ASSERT_EQ(ps_client_connect(socket_path_.c_str(), -1, -1, &other, err_.out()), PS_OK);
  auto ref_count = [&](const std::string& id) {
    ps_object_list* list = nullptr;
    int32_t count = -1;
    if (ps_client_list(other, &list, nullptr) != PS_OK) return count;
    for (int64_t i = 0; i < ps_object_list_count(list); ++i) {
      ps_object_info info;
      if (ps_object_list_get(list, i, &info, nullptr) == PS_OK &&
          std::memcmp(info.object_id, id.data(), PS_OBJECT_ID_SIZE) == 0) {
        count = info.ref_count;
      }
    }
    ps_object_list_free(list);
    return count;
  };
  auto becomes = [&](const std::string& id, int32_t want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (ref_count(id) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  };
  Put(Id("held"), 64, 1);
  Put(Id("marker"), 64, 2);
  ps_object* held = nullptr;
  ASSERT_EQ(ps_client_get(client_, U8(Id("held")), 1, 0, &held, err_.out()), PS_OK);
  ASSERT_NE(held, nullptr);

  std::mutex mutex;
  std::condition_variable cv;
  bool get_done = false, release_done = false;
  ps_code get_code = PS_INTERNAL;
  ps_object* got[2] = {nullptr, nullptr};
  std::thread getter([&] {
    const std::string ids = Id("marker") + Id("never");
    ps_code code = ps_client_get(client_, U8(ids), 2, -1, got, nullptr);
    std::lock_guard<std::mutex> lock(mutex);
    get_code = code;
    get_done = true;
  });
  // The store registered the Get once it holds "marker" for this client.
  bool get_registered = becomes(Id("marker"), 1);
  EXPECT_TRUE(get_registered);
  ps_code release_code = PS_INTERNAL;
  std::thread releaser([&] {
    ps_code code = ps_object_release(held, nullptr);
    std::lock_guard<std::mutex> lock(mutex);
    release_code = code;
    release_done = true;
    cv.notify_all();
  });
  bool returned_while_waiting = false;
  {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return release_done; });
    returned_while_waiting = release_done && !get_done;
  }
  EXPECT_TRUE(get_registered && returned_while_waiting);
  if (returned_while_waiting) {
    EXPECT_EQ(release_code, PS_OK);
    EXPECT_TRUE(becomes(Id("held"), 0));  // the store heard it while the Get still waits
  }
  ASSERT_EQ(ps_client_create_and_seal(other, U8(Id("never")), U8("late"), 4, nullptr, 0, 1,
                                      err_.out()),
            PS_OK);
  getter.join();
  releaser.join();
  EXPECT_EQ(get_code, PS_OK);
  ASSERT_NE(got[0], nullptr);
  ASSERT_NE(got[1], nullptr);
  ps_object_view view;
  ASSERT_EQ(ps_object_get_view(got[1], &view, err_.out()), PS_OK);
  EXPECT_EQ(std::memcmp(view.data, "late", 4), 0);
  for (ps_object* o : got) EXPECT_EQ(ps_object_release(o, err_.out()), PS_OK);
  EXPECT_TRUE(becomes(Id("marker"), 0));
  EXPECT_TRUE(becomes(Id("never"), 0));
  ps_client_free(other);
}

TEST_P(CapiTest, StoreStopDisconnectsClients) {
  StopStore();
  uint8_t has;
  EXPECT_EQ(ps_client_contains(client_, U8(Id("x")), &has, err_.out()), PS_DISCONNECTED);
}

INSTANTIATE_TEST_SUITE_P(Stores, CapiTest, ::testing::Values(StoreKind::kOurs, StoreKind::kReal),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return std::string(StoreKindName(info.param));
                         });

// Ours only: ps_store_start (the in-process store) is our extension.
TEST(CapiStoreTest, StartFailuresAreErrorValues) {
  TempDir dir;
  ps_store* store = nullptr;
  ErrorHolder err;
  EXPECT_EQ(ps_store_start((dir.path() + "/s.sock").c_str(), 0, nullptr, &store, err.out()),
            PS_INVALID_ARGUMENT);
  ps_code code = ps_store_start((dir.path() + "/no/such/dir/s.sock").c_str(), 1 << 20, nullptr,
                                &store, err.out());
  EXPECT_NE(code, PS_OK);
  EXPECT_EQ(store, nullptr);
  ASSERT_NE(err.error, nullptr);
  EXPECT_EQ(ps_error_code(err.error), code);
  EXPECT_FALSE(err.message().empty());
  ps_store_stop(nullptr);  // harmless
}

// Ours only: the missing-objects watch is our store's extension (Arrow's store aborts on its
// request: tests/native/client/missing_watch_test.cc). A notice with more ids than the caller's
// buffer holds continues in the next calls, with the same get timeout.
TEST(CapiMissingWatchTest, HandsOutTheIdsAWaitingGetLacksInPieces) {
  TempDir dir;
  const std::string socket_path = dir.path() + "/watch.sock";
  ErrorHolder err;
  ps_store* store = nullptr;
  ASSERT_EQ(ps_store_start(socket_path.c_str(), 8 << 20, nullptr, &store, err.out()), PS_OK) << err.message();
  ps_missing_watch* watch = nullptr;
  ASSERT_EQ(ps_missing_watch_open(socket_path.c_str(), &watch, err.out()), PS_OK) << err.message();
  ps_client* getter = nullptr;
  ps_client* writer = nullptr;
  ASSERT_EQ(ps_client_connect(socket_path.c_str(), -1, -1, &getter, err.out()), PS_OK);
  ASSERT_EQ(ps_client_connect(socket_path.c_str(), -1, -1, &writer, err.out()), PS_OK);

  uint8_t ids[2 * PS_OBJECT_ID_SIZE];
  int64_t count = -1, get_timeout_ms = 0;
  EXPECT_EQ(ps_missing_watch_next(watch, 0, ids, 2, &count, &get_timeout_ms, err.out()), PS_TIMEOUT);
  EXPECT_EQ(ps_missing_watch_next(watch, 0, ids, 0, &count, &get_timeout_ms, err.out()), PS_INVALID_ARGUMENT);
  EXPECT_EQ(ps_missing_watch_next(watch, 0, nullptr, 2, &count, &get_timeout_ms, err.out()), PS_INVALID_ARGUMENT);
  EXPECT_EQ(ps_missing_watch_next(nullptr, 0, ids, 2, &count, &get_timeout_ms, err.out()), PS_INVALID_ARGUMENT);

  const std::string wanted = Id("miss-a") + Id("miss-b") + Id("miss-c");
  ps_object* got[3] = {};
  ps_code get_code = PS_INTERNAL;
  std::thread get([&] { get_code = ps_client_get(getter, U8(wanted), 3, 9000, got, nullptr); });
  EXPECT_EQ(ps_missing_watch_next(watch, 20000, ids, 2, &count, &get_timeout_ms, err.out()), PS_OK)
      << err.message();
  EXPECT_EQ(count, 2);
  EXPECT_EQ(get_timeout_ms, 9000);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(ids), sizeof(ids)), wanted.substr(0, 40));
  EXPECT_EQ(ps_missing_watch_next(watch, 0, ids, 2, &count, &get_timeout_ms, err.out()), PS_OK);
  EXPECT_EQ(count, 1);
  EXPECT_EQ(get_timeout_ms, 9000);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(ids), PS_OBJECT_ID_SIZE), Id("miss-c"));

  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ps_client_create_and_seal(writer, U8(wanted) + i * PS_OBJECT_ID_SIZE, U8("v"), 1, nullptr, 0, 0,
                                        err.out()),
              PS_OK);
  }
  get.join();
  EXPECT_EQ(get_code, PS_OK);
  for (ps_object* object : got) {
    EXPECT_NE(object, nullptr);
    if (object != nullptr) ps_object_release(object, nullptr);
  }
  ps_client_free(getter);
  ps_client_free(writer);
  ps_store_stop(store);
  EXPECT_EQ(ps_missing_watch_next(watch, 20000, ids, 2, &count, &get_timeout_ms, err.out()), PS_DISCONNECTED);
  EXPECT_EQ(ps_error_code(err.error), PS_DISCONNECTED);
  ps_missing_watch_free(watch);
  ps_missing_watch_free(nullptr);  // harmless
}

TEST(CapiMissingWatchTest, OpenFailuresAreErrorValues) {
  TempDir dir;
  ErrorHolder err;
  ps_missing_watch* watch = nullptr;
  EXPECT_EQ(ps_missing_watch_open((dir.path() + "/nobody.sock").c_str(), &watch, err.out()), PS_IO_ERROR);
  EXPECT_EQ(watch, nullptr);
  EXPECT_NE(err.message().find("nobody.sock"), std::string::npos) << err.message();
  EXPECT_EQ(ps_missing_watch_open(nullptr, &watch, err.out()), PS_INVALID_ARGUMENT);
  EXPECT_EQ(ps_missing_watch_open("x", nullptr, err.out()), PS_INVALID_ARGUMENT);
}

// ---- the exported symbols are exactly the header's functions

std::set<std::string> HeaderFunctions() {
  std::ifstream in(PLASMASHARP_HEADER);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::set<std::string> names;
  std::regex decl(R"(PS_API\s+[^;(]*?\b(ps_[a-z0-9_]+)\s*\()");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), decl); it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

std::set<std::string> ExportedFunctions() {
  std::set<std::string> names;
  std::string cmd = std::string("nm -D --defined-only '") + PLASMASHARP_LIBRARY + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return names;
  char line[512];
  while (std::fgets(line, sizeof(line), p) != nullptr) {
    std::istringstream fields(line);
    std::string address, type, name;
    if (fields >> address >> type >> name) names.insert(name);
  }
  ::pclose(p);
  return names;
}

TEST(CapiSymbolsTest, ExportsExactlyTheHeaderFunctions) {
  std::set<std::string> declared = HeaderFunctions();
  std::set<std::string> exported = ExportedFunctions();
  EXPECT_GE(declared.size(), 30u);  // the parse found the declarations
  EXPECT_EQ(exported, declared);
}

}  // namespace
}  // namespace plasmasharp::testing
