// The client against the REAL recorded store replies: a fake store plays the store's side of
// one recorded connection (bytes and fds exactly as recorded), and checks that every request
// our client sends has the recorded type and fields (ids, sizes, flags, digests of known
// contents). So both our decoder and our wire behaviour are checked against libplasma + the
// real Arrow 11 store, not against our own encoder.
#include <gtest/gtest.h>

#include <memory>

#include "plasma_client.h"
#include "vector_replay.h"

namespace plasmasharp::testing {
namespace {

using client::Code;
using client::ObjectInfo;
using client::ObjectRef;
using client::PlasmaClient;

// Contents the recording driver wrote (found from the recorded digests): byte i = (i + k) % 256.
void FillPattern(uint8_t* p, int64_t n, int k) {
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>((i + k) % 256);
}

class ClientReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WireVectorsMissing()) GTEST_SKIP() << *why;
  }
  // Starts a fake store replaying `conn` of `scenario` and connects a client to it.
  void Start(const std::string& scenario, int conn, ReplayOptions options = {}) {
    std::string error;
    std::optional<Scenario> loaded = LoadScenario(scenario, &error);
    ASSERT_TRUE(loaded) << error;
    records_ = std::move(loaded->records);
    options_ = options;
    store_ = std::make_unique<FakeStore>([this, conn](FakeConnection& c, int) {
      ReplayConnection(c, records_, conn, options_, &log_);
    });
    ASSERT_TRUE(PlasmaClient::Connect(store_->socket_path(), 1, 0, &client_).ok());
  }
  // Disconnects, waits for the replay to end, and reports every mismatch it found.
  void Finish() {
    if (client_) client_->Disconnect();
    store_.reset();
    for (const auto& e : log_.errors) ADD_FAILURE() << e;
  }
  std::unique_ptr<ObjectRef> CreateSealed(const std::string& id, int64_t size, const std::string& meta,
                                          bool evict, int pattern) {
    std::unique_ptr<ObjectRef> ref;
    client::Status st = client_->Create(id, size, U8(meta), static_cast<int64_t>(meta.size()), evict, &ref);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!ref) return nullptr;
    FillPattern(ref->data(), size, pattern);
    st = ref->Seal();
    EXPECT_TRUE(st.ok()) << st.message();
    return ref;
  }

  std::vector<Record> records_;
  ReplayOptions options_;
  ReplayLog log_;
  std::unique_ptr<FakeStore> store_;
  std::shared_ptr<PlasmaClient> client_;
};

TEST_F(ClientReplayTest, ConnectDisconnect) {
  Start("connect_disconnect", 0);
  EXPECT_EQ(client_->store_capacity(), 100000000);
  Finish();
}

TEST_F(ClientReplayTest, CreateSealRelease) {
  // The 8 metadata bytes of the first object are not recorded: its digest is not compared.
  Start("create_seal_release", 0, {{"4:digest"}});
  auto a = CreateSealed(Id("csr-with-meta"), 1024, "12345678", true, 7);
  ASSERT_TRUE(a);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a->data()) % 64, 0u);  // FACT client_data_ptr_mod_64 0
  EXPECT_EQ(a->segment_size(), 100007936);                     // mmap_size - 8
  EXPECT_EQ(std::string(reinterpret_cast<char*>(a->metadata()), 8), "12345678");
  EXPECT_TRUE(a->Release().ok());
  auto b = CreateSealed(Id("csr-no-meta"), 4096, "", false, 2);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->Release().ok());
  auto c = CreateSealed(Id("csr-empty"), 0, "", true, 0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->data_size(), 0);
  EXPECT_TRUE(c->Release().ok());
  Finish();
}

TEST_F(ClientReplayTest, GetFoundAgainMissingMixedTimeout) {
  Start("get", 1);
  std::vector<std::unique_ptr<ObjectRef>> out;
  ASSERT_TRUE(client_->Get({Id("get-present")}, 0, &out).ok());
  ASSERT_TRUE(out[0]);
  EXPECT_EQ(out[0]->data_size(), 1024);
  EXPECT_EQ(out[0]->metadata_size(), 2);
  EXPECT_TRUE(out[0]->sealed());
  EXPECT_EQ(out[0]->data() - out[0]->segment_base(), 64);
  EXPECT_EQ(out[0]->segment_size(), 100007936);
  EXPECT_TRUE(out[0]->Release().ok());
  ASSERT_TRUE(client_->Get({Id("get-present")}, 0, &out).ok());  // no fd this time
  ASSERT_TRUE(out[0]);
  EXPECT_TRUE(out[0]->Release().ok());
  ASSERT_TRUE(client_->Get({Id("get-missing")}, 0, &out).ok());
  EXPECT_FALSE(out[0]);
  ASSERT_TRUE(client_->Get({Id("get-present"), Id("get-missing")}, 0, &out).ok());
  ASSERT_TRUE(out[0]);
  EXPECT_FALSE(out[1]);
  EXPECT_TRUE(out[0]->Release().ok());
  ASSERT_TRUE(client_->Get({Id("get-missing")}, 150, &out).ok());
  EXPECT_FALSE(out[0]);
  ASSERT_TRUE(client_->Get({Id("get-later")}, 5000, &out).ok());
  ASSERT_TRUE(out[0]);
  EXPECT_EQ(out[0]->data_size(), 512);
  EXPECT_TRUE(out[0]->Release().ok());
  Finish();
}

TEST_F(ClientReplayTest, GetLaterWriterSideDigest) {
  Start("get", 0);
  auto a = CreateSealed(Id("get-present"), 1024, "md", true, 7);
  ASSERT_TRUE(a);
  a.reset();  // destruction releases
  auto b = CreateSealed(Id("get-later"), 512, "", true, 7);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->Release().ok());
  Finish();
}

TEST_F(ClientReplayTest, GetTwoSegmentsTwoFds) {
  Start("multi_segment", 1);
  std::vector<std::unique_ptr<ObjectRef>> out;
  ASSERT_TRUE(client_->Get({Id("seg-fill-3"), Id("seg-4mb")}, 0, &out).ok());
  ASSERT_TRUE(out[0] && out[1]);
  EXPECT_EQ(out[0]->segment_size(), 10092544);
  EXPECT_EQ(out[1]->segment_size(), 4194304);
  EXPECT_EQ(out[0]->data() - out[0]->segment_base(), 6000192);
  EXPECT_EQ(out[1]->data_size(), 4000000);
  EXPECT_NE(out[0]->segment_base(), out[1]->segment_base());
  // The mapping is real shared memory: writable end to end.
  out[1]->data()[out[1]->data_size() - 1] = 42;
  EXPECT_TRUE(out[0]->Release().ok());
  EXPECT_TRUE(out[1]->Release().ok());
  Finish();
}

TEST_F(ClientReplayTest, CreateInSecondSegmentAndChunkedDigests) {
  // Three 3 MB objects and a 4 MB one in a new segment (second fd on the connection): the
  // Seal digests are the >= 1 MiB chunked form, compared with libplasma's.
  Start("multi_segment", 0);
  for (const char* name : {"seg-fill-1", "seg-fill-2", "seg-fill-3"}) {
    auto r = CreateSealed(Id(name), 3000000, "", true, 7);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->segment_size(), 10092544);
  }
  auto big = CreateSealed(Id("seg-4mb"), 4000000, "", true, 7);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->segment_size(), 4194304);
  big.reset();
  Finish();
}

TEST_F(ClientReplayTest, OutOfMemoryErrorsAndZeroFilledChunkedDigest) {
  Start("error_out_of_memory", 0);
  EXPECT_EQ(client_->store_capacity(), 10000000);
  std::unique_ptr<ObjectRef> r;
  EXPECT_EQ(client_->Create(Id("oom-big-noevict"), 20000000, nullptr, 0, false, &r).code(),
            Code::kOutOfMemory);
  EXPECT_EQ(client_->Create(Id("oom-big-evict"), 20000000, nullptr, 0, true, &r).code(),
            Code::kOutOfMemory);
  for (const char* name : {"oom-fill-1", "oom-fill-2", "oom-fill-3"}) {
    ASSERT_TRUE(CreateSealed(Id(name), 3000000, "", true, 7));
  }
  EXPECT_EQ(client_->Create(Id("oom-4mb-noevict"), 4000000, nullptr, 0, false, &r).code(),
            Code::kOutOfMemory);
  ASSERT_TRUE(client_->Create(Id("oom-4mb-evict"), 4000000, nullptr, 0, true, &r).ok());
  ASSERT_TRUE(r->Seal().ok());  // untouched (zero) memory: digest 9086387895d50202
  r.reset();
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(client_->List(&list).ok());
  EXPECT_EQ(list.size(), 2u);  // FACT objects_left 2
  Finish();
}

TEST_F(ClientReplayTest, QuotaErrors) {
  // libplasma 11 sends a bogus batch digest (seq 34); oom-cas's digest is compared.
  Start("error_out_of_memory", 1, {{"34:digest"}});
  ASSERT_TRUE(client_->SetClientOptions("quota-client", 10000).ok());
  std::string x(16384, 'x');
  EXPECT_EQ(client_->CreateAndSeal(Id("oom-cas"), U8(x), 16384, nullptr, 0, true).code(),
            Code::kOutOfMemory);
  std::string a(1024, 'a'), b(16384, 'b');
  std::vector<PlasmaClient::BatchItem> items = {{Id("oom-b1"), U8(a), 1024, nullptr, 0},
                                                {Id("oom-b2"), U8(b), 16384, nullptr, 0}};
  EXPECT_EQ(client_->CreateAndSealBatch(items, true).code(), Code::kOutOfMemory);
  std::unique_ptr<ObjectRef> r;
  EXPECT_EQ(client_->Create(Id("oom-q"), 20000, nullptr, 0, true, &r).code(), Code::kOutOfMemory);
  Finish();
}

TEST_F(ClientReplayTest, ContainsYesNoUnsealed) {
  Start("contains", 1);
  bool has = false;
  ASSERT_TRUE(client_->Contains(Id("contains-yes"), &has).ok());
  EXPECT_TRUE(has);
  ASSERT_TRUE(client_->Contains(Id("contains-no"), &has).ok());
  EXPECT_FALSE(has);
  ASSERT_TRUE(client_->Contains(Id("contains-unsealed"), &has).ok());
  EXPECT_FALSE(has);
  Finish();
}

TEST_F(ClientReplayTest, AbortThenContains) {
  Start("abort", 0);
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(Id("abort-me"), 256, nullptr, 0, true, &r).ok());
  ASSERT_TRUE(r->Abort().ok());
  bool has = true;
  ASSERT_TRUE(client_->Contains(Id("abort-me"), &has).ok());
  EXPECT_FALSE(has);
  EXPECT_TRUE(r->Release().ok());  // no wire traffic after an abort
  Finish();
}

TEST_F(ClientReplayTest, CreateAndSeal) {
  Start("create_and_seal", 0);
  std::string data = "hello plasma", md = "md";
  EXPECT_TRUE(client_->CreateAndSeal(Id("cas-1"), U8(data), 12, U8(md), 2, true).ok());
  EXPECT_TRUE(client_->CreateAndSeal(Id("cas-nometa"), U8("x"), 1, nullptr, 0, false).ok());
  EXPECT_EQ(client_->CreateAndSeal(Id("cas-1"), U8(data), 12, U8(md), 2, true).code(),
            Code::kObjectExists);
  Finish();
}

TEST_F(ClientReplayTest, CreateAndSealBatch) {
  Start("create_and_seal_batch", 0, {{"digest"}});
  std::vector<PlasmaClient::BatchItem> items = {{Id("batch-1"), U8("one"), 3, U8("m1"), 2},
                                                {Id("batch-2"), U8("two-two"), 7, nullptr, 0},
                                                {Id("batch-3"), nullptr, 0, U8("m3"), 2}};
  EXPECT_TRUE(client_->CreateAndSealBatch(items, true).ok());
  std::vector<PlasmaClient::BatchItem> again = {{Id("batch-new"), U8("n"), 1, nullptr, 0},
                                                {Id("batch-2"), U8("x"), 1, nullptr, 0}};
  EXPECT_EQ(client_->CreateAndSealBatch(again, true).code(), Code::kObjectExists);
  bool has = true;
  ASSERT_TRUE(client_->Contains(Id("batch-new"), &has).ok());
  EXPECT_FALSE(has);
  Finish();
}

TEST_F(ClientReplayTest, DeleteResultsPerId) {
  Start("delete", 0);
  std::vector<Code> results;
  ASSERT_TRUE(CreateSealed(Id("del-ok"), 64, "", true, 7));
  ASSERT_TRUE(client_->Delete({Id("del-ok")}, &results).ok());
  EXPECT_EQ(results, std::vector<Code>{Code::kOk});
  ASSERT_TRUE(client_->Delete({Id("del-missing")}, &results).ok());
  EXPECT_EQ(results, std::vector<Code>{Code::kObjectNotFound});
  ASSERT_TRUE(CreateSealed(Id("del-inuse"), 64, "", true, 7));
  ASSERT_TRUE(client_->Delete({Id("del-inuse")}, &results).ok());
  EXPECT_EQ(results, std::vector<Code>{Code::kObjectInUse});
  ASSERT_TRUE(client_->Delete({Id("del-unsealed")}, &results).ok());
  EXPECT_EQ(results, std::vector<Code>{Code::kObjectNotSealed});
  ASSERT_TRUE(CreateSealed(Id("delb-ok"), 64, "", true, 7));
  ASSERT_TRUE(CreateSealed(Id("delb-inuse"), 64, "", true, 7));
  ASSERT_TRUE(client_->Delete({Id("delb-ok"), Id("delb-inuse"), Id("delb-missing"),
                               Id("delb-unsealed")},
                              &results)
                  .ok());
  EXPECT_EQ(results, (std::vector<Code>{Code::kOk, Code::kObjectInUse, Code::kObjectNotFound,
                                        Code::kObjectNotSealed}));
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(client_->List(&list).ok());
  EXPECT_EQ(list.size(), 2u);  // FACT objects_left_after_release 2
  for (const auto& o : list) {
    EXPECT_FALSE(o.is_sealed);
    EXPECT_EQ(o.construct_duration, -1);
    EXPECT_EQ(o.ref_count, 1);
  }
  Finish();
}

TEST_F(ClientReplayTest, ListSealedAndUnsealed) {
  Start("list", 1);
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(client_->List(&list).ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].object_id, Id("list-unsealed"));
  EXPECT_FALSE(list[0].is_sealed);
  EXPECT_EQ(list[0].data_size, 200);
  EXPECT_EQ(list[0].ref_count, 1);
  EXPECT_EQ(list[0].construct_duration, -1);
  EXPECT_EQ(list[1].object_id, Id("list-sealed"));
  EXPECT_TRUE(list[1].is_sealed);
  EXPECT_EQ(list[1].metadata_size, 3);
  EXPECT_EQ(ToHex(list[1].digest.data(), 8), "bc7e6371989a5518");
  EXPECT_GT(list[1].create_time, 1700000000);
  Finish();
}

TEST_F(ClientReplayTest, ListWriterSide) {
  Start("list", 0);
  ASSERT_TRUE(CreateSealed(Id("list-sealed"), 100, "mmm", true, 7));
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(Id("list-unsealed"), 200, nullptr, 0, true, &r).ok());
  Finish();
}

TEST_F(ClientReplayTest, EvictThenList) {
  Start("evict", 0);
  for (const char* name : {"evict-1", "evict-2", "evict-3"}) {
    ASSERT_TRUE(CreateSealed(Id(name), 1000, "", true, 7));
  }
  int64_t freed = 0;
  ASSERT_TRUE(client_->Evict(1500, &freed).ok());
  EXPECT_EQ(freed, 2000);
  std::vector<ObjectInfo> list;
  ASSERT_TRUE(client_->List(&list).ok());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].object_id, Id("evict-3"));
  EXPECT_TRUE(list[0].is_sealed);
  Finish();
}

TEST_F(ClientReplayTest, RefreshLru) {
  Start("refresh_lru", 0);
  ASSERT_TRUE(CreateSealed(Id("lru-1"), 100, "", true, 7));
  ASSERT_TRUE(CreateSealed(Id("lru-2"), 100, "", true, 7));
  EXPECT_TRUE(client_->Refresh({Id("lru-1"), Id("lru-2")}).ok());
  EXPECT_TRUE(client_->Refresh({Id("lru-missing")}).ok());
  Finish();
}

TEST_F(ClientReplayTest, SetOptionsAndDebugString) {
  Start("debug_string", 0);
  ASSERT_TRUE(client_->SetClientOptions("dbg-client", 1000000).ok());
  ASSERT_TRUE(CreateSealed(Id("dbg-1"), 1000, "", true, 7));
  std::string s;
  ASSERT_TRUE(client_->DebugString(&s).ok());
  EXPECT_NE(s.find("(dbg-client) capacity: 1000000"), std::string::npos) << s;
  Finish();
}

TEST_F(ClientReplayTest, SetOptionsQuotaAlreadySet) {
  Start("set_options", 0);
  EXPECT_TRUE(client_->SetClientOptions("golden-client", 1000000).ok());
  EXPECT_EQ(client_->SetClientOptions("golden-client-again", 1000).code(), Code::kOutOfMemory);
  Finish();
}

TEST_F(ClientReplayTest, ObjectExistsOnCreate) {
  Start("error_object_exists", 1);
  std::unique_ptr<ObjectRef> r;
  EXPECT_EQ(client_->Create(Id("exists"), 100, nullptr, 0, true, &r).code(), Code::kObjectExists);
  EXPECT_FALSE(r);
  ASSERT_TRUE(client_->Create(Id("unsealed-dup"), 10, nullptr, 0, true, &r).ok());
  EXPECT_FALSE(r->sealed());
  Finish();
}

TEST_F(ClientReplayTest, DisconnectWhileHolding) {
  Start("disconnect_releases", 1);
  std::vector<std::unique_ptr<ObjectRef>> out;
  ASSERT_TRUE(client_->Get({Id("disc-held")}, 0, &out).ok());
  ASSERT_TRUE(out[0]);
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(Id("disc-unsealed"), 100, nullptr, 0, true, &r).ok());
  ASSERT_TRUE(client_->Disconnect().ok());
  // No Release on the wire after a disconnect (the replay would report it), and the pointers
  // stay valid.
  out[0]->data()[0] = 1;
  EXPECT_TRUE(out[0]->Release().ok());
  EXPECT_TRUE(r->Release().ok());
  std::vector<ObjectInfo> list;
  EXPECT_EQ(client_->List(&list).code(), Code::kDisconnected);
  Finish();
}

TEST_F(ClientReplayTest, SubscribeNotifications) {
  Start("subscribe", 1);
  std::unique_ptr<client::Subscription> sub;
  ASSERT_TRUE(client_->Subscribe(&sub).ok());
  struct Want {
    std::string id;
    int64_t data_size, metadata_size;
    bool deletion;
  };
  std::vector<Want> want = {{"sub-preexisting", 6, 1, false}, {"sub-sealed", 300, 4, false},
                            {"sub-batch-1", 2, 0, false},     {"sub-batch-2", 3, 1, false},
                            {"sub-sealed", -1, -1, true},     {"sub-preexisting", -1, -1, true},
                            {"sub-last", 1, 0, false}};
  for (const auto& w : want) {
    ObjectInfo info;
    client::Status st = sub->Next(5000, &info);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(info.object_id, Id(w.id));
    EXPECT_EQ(info.data_size, w.data_size) << w.id;
    EXPECT_EQ(info.metadata_size, w.metadata_size) << w.id;
    EXPECT_EQ(info.is_deletion, w.deletion) << w.id;
  }
  ObjectInfo info;
  EXPECT_EQ(sub->Next(0, &info).code(), Code::kTimeout);
  EXPECT_EQ(client_->Subscribe(&sub).code(), Code::kInvalidArgument);  // never twice
  client_->Disconnect();
  store_.reset();
  EXPECT_EQ(sub->Next(5000, &info).code(), Code::kDisconnected);
  Finish();
}

TEST_F(ClientReplayTest, SubscribeWriterSide) {
  Start("subscribe", 0, {{"14:digest"}});
  std::string before = "before";
  ASSERT_TRUE(client_->CreateAndSeal(Id("sub-preexisting"), U8(before), 6, U8("m"), 1, true).ok());
  ASSERT_TRUE(CreateSealed(Id("sub-sealed"), 300, "meta", true, 7));
  std::vector<PlasmaClient::BatchItem> items = {{Id("sub-batch-1"), U8("aa"), 2, nullptr, 0},
                                                {Id("sub-batch-2"), U8("bbb"), 3, U8("c"), 1}};
  ASSERT_TRUE(client_->CreateAndSealBatch(items, true).ok());
  std::vector<Code> results;
  ASSERT_TRUE(client_->Delete({Id("sub-sealed")}, &results).ok());
  int64_t freed = 0;
  ASSERT_TRUE(client_->Evict(1, &freed).ok());
  EXPECT_EQ(freed, 7);
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(Id("sub-aborted"), 10, nullptr, 0, true, &r).ok());
  ASSERT_TRUE(r->Abort().ok());
  ASSERT_TRUE(client_->CreateAndSeal(Id("sub-last"), U8("z"), 1, nullptr, 0, true).ok());
  Finish();
}

}  // namespace
}  // namespace plasmasharp::testing
