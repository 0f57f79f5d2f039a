// What the client puts on the wire, message by message, for the libplasma behaviours that
// decide when the store hears from us: two local references on Create, Release only with the
// last local reference, Get/Contains of held objects answered locally, Delete of held objects
// deferred until their release. A scripted store records every request.
#include <gtest/gtest.h>

#include <mutex>

#include "fake_store.h"
#include "scripted_replies.h"
#include "plasma_client.h"

namespace plasmasharp::testing {
namespace {

namespace fb = plasma::flatbuf;
using client::Code;
using client::ObjectRef;
using client::PlasmaClient;

// A minimal store: one 1 MiB segment (fd 4), objects allocated one after another. Records
// the type of every request, in order, into `seen`.
void MiniStore(FakeConnection& c, std::vector<std::string>* seen, std::mutex* mutex) {
  bool segment_sent = false;
  uint64_t next_offset = 64;
  for (;;) {
    auto m = c.ReadRequest(10000);
    if (!m) return;
    {
      std::lock_guard<std::mutex> lock(*mutex);
      const char* name = protocol::MessageTypeName(m->type);
      seen->push_back(name ? name : "?");
    }
    flatbuffers::FlatBufferBuilder b;
    switch (static_cast<fb::MessageType>(m->type)) {
      case fb::MessageType::PlasmaConnectRequest:
        b.Finish(fb::CreatePlasmaConnectReply(b, 1 << 20));
        c.SendReply(TypeNumber(fb::MessageType::PlasmaConnectReply), FinishedBytes(b));
        break;
      case fb::MessageType::PlasmaCreateRequest: {
        auto* r = flatbuffers::GetRoot<fb::PlasmaCreateRequest>(m->payload.data());
        fb::PlasmaObjectSpec spec(4, next_offset, r->data_size(), next_offset + r->data_size(),
                                  r->metadata_size(), 0);
        next_offset += (r->data_size() + r->metadata_size() + 63) / 64 * 64 + 64;
        b.Finish(fb::CreatePlasmaCreateReply(b, b.CreateString(r->object_id()->str()), &spec,
                                             fb::PlasmaError::OK, 4, 1 << 20));
        c.SendReply(TypeNumber(fb::MessageType::PlasmaCreateReply), FinishedBytes(b));
        if (!segment_sent) c.SendSegmentFd(1 << 20);
        segment_sent = true;
        break;
      }
      case fb::MessageType::PlasmaSealRequest: {
        auto* r = flatbuffers::GetRoot<fb::PlasmaSealRequest>(m->payload.data());
        b.Finish(fb::CreatePlasmaSealReply(b, b.CreateString(r->object_id()->str())));
        c.SendReply(TypeNumber(fb::MessageType::PlasmaSealReply), FinishedBytes(b));
        break;
      }
      case fb::MessageType::PlasmaDeleteRequest: {
        auto* r = flatbuffers::GetRoot<fb::PlasmaDeleteRequest>(m->payload.data());
        std::vector<flatbuffers::Offset<flatbuffers::String>> ids;
        for (const auto* s : *r->object_ids()) ids.push_back(b.CreateString(s->str()));
        std::vector<fb::PlasmaError> errors(ids.size(), fb::PlasmaError::OK);
        auto id_vec = b.CreateVector(ids);
        auto err_vec = b.CreateVector(reinterpret_cast<const int32_t*>(errors.data()), errors.size());
        b.Finish(fb::CreatePlasmaDeleteReply(
            b, r->count(), id_vec,
            flatbuffers::Offset<flatbuffers::Vector<fb::PlasmaError>>(err_vec.o)));
        c.SendReply(TypeNumber(fb::MessageType::PlasmaDeleteReply), FinishedBytes(b));
        break;
      }
      case fb::MessageType::PlasmaContainsRequest: {
        auto* r = flatbuffers::GetRoot<fb::PlasmaContainsRequest>(m->payload.data());
        b.Finish(fb::CreatePlasmaContainsReply(b, b.CreateString(r->object_id()->str()), 0));
        c.SendReply(TypeNumber(fb::MessageType::PlasmaContainsReply), FinishedBytes(b));
        break;
      }
      case fb::MessageType::PlasmaAbortRequest: {
        auto* r = flatbuffers::GetRoot<fb::PlasmaAbortRequest>(m->payload.data());
        b.Finish(fb::CreatePlasmaAbortReply(b, b.CreateString(r->object_id()->str())));
        c.SendReply(TypeNumber(fb::MessageType::PlasmaAbortReply), FinishedBytes(b));
        break;
      }
      case fb::MessageType::PlasmaReleaseRequest:
        break;  // no reply
      default:
        return;  // anything else is not expected here
    }
  }
}

class ClientWireBehaviourTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<FakeStore>(
        [this](FakeConnection& c, int) { MiniStore(c, &seen_, &mutex_); });
    client::Status st = PlasmaClient::Connect(store_->socket_path(), 1, 0, &client_);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  // The requests seen so far; a Contains round trip first makes sure everything sent before
  // (including replies-less Releases) has been read by the store.
  std::vector<std::string> Seen() {
    bool has;
    EXPECT_TRUE(client_->Contains(std::string(20, 'z'), &has).ok());
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out = seen_;
    out.pop_back();  // the sync Contains itself
    seen_.clear();
    return out;
  }
  void TearDown() override {
    if (client_) client_->Disconnect();
    store_.reset();
  }

  std::mutex mutex_;
  std::vector<std::string> seen_;
  std::unique_ptr<FakeStore> store_;
  std::shared_ptr<PlasmaClient> client_;
};

using Types = std::vector<std::string>;

TEST_F(ClientWireBehaviourTest, CreateSealReleaseIsThreeMessages) {
  EXPECT_EQ(Seen(), Types{"PlasmaConnectRequest"});
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(std::string(20, 'a'), 100, nullptr, 0, true, &r).ok());
  ASSERT_TRUE(r->Seal().ok());
  EXPECT_EQ(Seen(), (Types{"PlasmaCreateRequest", "PlasmaSealRequest"}));
  ASSERT_TRUE(r->Release().ok());
  EXPECT_EQ(Seen(), Types{"PlasmaReleaseRequest"});
}

TEST_F(ClientWireBehaviourTest, HeldObjectsAreAnsweredLocally) {
  const std::string id(20, 'b');
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(id, 10, nullptr, 0, true, &r).ok());
  ASSERT_TRUE(r->Seal().ok());
  Seen();
  std::vector<std::unique_ptr<ObjectRef>> out;
  ASSERT_TRUE(client_->Get({id, id}, 1000, &out).ok());  // held: no GetRequest
  ASSERT_TRUE(out[0] && out[1]);
  EXPECT_EQ(out[0]->data(), r->data());
  bool has = false;
  ASSERT_TRUE(client_->Contains(id, &has).ok());  // held: no ContainsRequest
  EXPECT_TRUE(has);
  EXPECT_EQ(Seen(), Types{});
  // Three local references: only the last release reaches the store.
  ASSERT_TRUE(out[0]->Release().ok());
  ASSERT_TRUE(r->Release().ok());
  EXPECT_EQ(Seen(), Types{});
  ASSERT_TRUE(out[1]->Release().ok());
  EXPECT_EQ(Seen(), Types{"PlasmaReleaseRequest"});
}

TEST_F(ClientWireBehaviourTest, ContainsOfAnUnsealedObjectCreatedHereIsLocal) {
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(std::string(20, 'u'), 8, nullptr, 0, true, &r).ok());
  bool has = false;
  ASSERT_TRUE(client_->Contains(std::string(20, 'u'), &has).ok());
  EXPECT_TRUE(has);  // libplasma: in its in-use table, so true without asking the store
  EXPECT_EQ(Seen(), (Types{"PlasmaConnectRequest", "PlasmaCreateRequest"}));
  ASSERT_TRUE(r->Abort().ok());
  ASSERT_TRUE(client_->Contains(std::string(20, 'u'), &has).ok());  // gone: asks the store
  EXPECT_FALSE(has);
  EXPECT_EQ(Seen(), (Types{"PlasmaAbortRequest", "PlasmaContainsRequest"}));
}

TEST_F(ClientWireBehaviourTest, DeleteOfAHeldObjectWaitsForTheRelease) {
  const std::string held(20, 'h'), other(20, 'o');
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(held, 10, nullptr, 0, true, &r).ok());
  ASSERT_TRUE(r->Seal().ok());
  Seen();
  std::vector<Code> results;
  ASSERT_TRUE(client_->Delete({held}, &results).ok());
  EXPECT_EQ(results, std::vector<Code>{Code::kObjectInUse});
  EXPECT_EQ(Seen(), Types{});  // nothing sent for a held id
  ASSERT_TRUE(client_->Delete({held, other}, &results).ok());
  EXPECT_EQ(results, (std::vector<Code>{Code::kObjectInUse, Code::kOk}));
  EXPECT_EQ(Seen(), Types{"PlasmaDeleteRequest"});  // only `other`
  ASSERT_TRUE(r->Release().ok());
  EXPECT_EQ(Seen(), (Types{"PlasmaReleaseRequest", "PlasmaDeleteRequest"}));
}

TEST_F(ClientWireBehaviourTest, GetOfAnUnsealedOwnObjectIsRefusedLocally) {
  const std::string id(20, 'x');
  std::unique_ptr<ObjectRef> r;
  ASSERT_TRUE(client_->Create(id, 10, nullptr, 0, true, &r).ok());
  Seen();
  // An unsealed object created here cannot be fetched again (libplasma refuses too).
  std::vector<std::unique_ptr<ObjectRef>> out;
  EXPECT_EQ(client_->Get({id}, 0, &out).code(), Code::kInvalidArgument);
  EXPECT_EQ(Seen(), Types{});
}

}  // namespace
}  // namespace plasmasharp::testing
