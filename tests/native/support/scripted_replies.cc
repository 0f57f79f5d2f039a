#include "scripted_replies.h"

#include <gtest/gtest.h>

namespace plasmasharp::testing {

namespace fb = plasma::flatbuf;

const char* const kRealConnectReplyHex = "0c000000000006000c0004000600000000e1f50500000000";

std::shared_ptr<client::PlasmaClient> ConnectTo(const FakeStore& store) {
  std::shared_ptr<client::PlasmaClient> c;
  client::Status st = client::PlasmaClient::Connect(store.socket_path(), 1, 0, &c);
  EXPECT_TRUE(st.ok()) << st.message();
  return c;
}

bool Handshake(FakeConnection& connection) {
  auto m = connection.ReadRequest();
  if (!m || m->type != TypeNumber(fb::MessageType::PlasmaConnectRequest)) return false;
  return connection.SendReply(TypeNumber(fb::MessageType::PlasmaConnectReply),
                              FromHex(kRealConnectReplyHex));
}

std::vector<uint8_t> GetReply(const std::string& id, uint64_t offset, uint64_t size,
                              int32_t store_fd, int64_t mmap_size, size_t n_specs) {
  flatbuffers::FlatBufferBuilder b;
  auto ids = b.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::String>>{
      b.CreateString(id)});
  std::vector<fb::PlasmaObjectSpec> specs(
      n_specs, fb::PlasmaObjectSpec(store_fd, offset, size, offset + size, 0, 0));
  auto spec_vec = b.CreateVectorOfStructs(specs);
  auto fds = b.CreateVector(std::vector<int32_t>{store_fd});
  auto sizes = b.CreateVector(std::vector<int64_t>{mmap_size});
  b.Finish(fb::CreatePlasmaGetReply(b, ids, spec_vec, fds, sizes));
  return FinishedBytes(b);
}

}  // namespace plasmasharp::testing
