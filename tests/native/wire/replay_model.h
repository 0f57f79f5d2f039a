// What the replay knows about the store under test while it replays a scenario: objects
// (sizes, sealed, which connections hold them, where they live), segments (mmap_size and the
// file behind each store_fd) and which segment fds each connection has received. The replay
// uses it to check what may legitimately differ from the real store (offsets, fd numbers,
// segments, eviction choices) by invariants instead of by value.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace plasmasharp::testing {

struct ObjectState {
  uint64_t data_size = 0;
  uint64_t metadata_size = 0;
  bool sealed = false;
  std::set<int> holders;  // connections holding a reference (at most one each)
  int creator = -1;
  bool delete_pending = false;  // Delete answered ObjectInUse/ObjectNotSealed
  bool maybe_gone = false;      // the store may have evicted it (we have not seen which)
  bool placed = false;          // store_fd/data_offset known
  int32_t store_fd = 0;
  uint64_t data_offset = 0;
};

struct SegmentState {
  int64_t mmap_size = 0;
  bool have_file = false;
  dev_t dev = 0;
  ino_t ino = 0;
};

class ReplayModel {
 public:
  explicit ReplayModel(int64_t capacity) : capacity_(capacity) {}

  std::map<std::string, ObjectState>& objects() { return objects_; }
  const ObjectState* Find(const std::string& id) const;
  bool eviction_seen() const { return eviction_seen_; }

  // Sealed and held by nobody: the store may evict it.
  static bool Evictable(const ObjectState& o) { return o.sealed && o.holders.empty(); }
  // The store may have evicted: every evictable object becomes "maybe gone".
  void MayHaveEvicted();
  // Creates that bring live bytes near capacity may evict in the store under test even when
  // the real store did not (allocators differ).
  void NoteCreate(uint64_t bytes);

  void Create(int conn, const std::string& id, uint64_t data_size, uint64_t metadata_size,
              bool sealed);
  void Seal(const std::string& id);
  void Hold(int conn, const std::string& id);
  void Release(int conn, const std::string& id);
  void DeletePending(const std::string& id);
  void Remove(const std::string& id);
  void Disconnect(int conn);

  // Checks a spec the store returned for `id` (a reply to `conn`): inside its segment, 64-byte
  // aligned, metadata right after data, same place as before, and no overlap with any
  // object some connection holds. Records the place. Returns "" or what is wrong.
  std::string Place(const std::string& id, int32_t store_fd, uint64_t data_offset,
                    uint64_t data_size, uint64_t metadata_offset, uint64_t metadata_size);
  // The same store_fd always reports the same mmap_size. Returns "" or what is wrong.
  std::string NoteSegmentSize(int32_t store_fd, int64_t mmap_size);
  // A passed fd: its file's size is mmap_size, it maps like a real client maps it
  // (mmap_size - 8 bytes from offset 0), and the same store_fd is always the same file
  // while different store_fds are different files. Returns "" or what is wrong.
  std::string NoteSegmentFile(int32_t store_fd, int fd);
  int64_t SegmentSize(int32_t store_fd) const;

  // Per connection: segments whose fd the store already passed.
  std::set<int32_t>& sent(int conn) { return sent_[conn]; }

 private:
  void FinishIfDeletable(const std::string& id);
  int64_t capacity_;
  bool eviction_seen_ = false;
  std::map<std::string, ObjectState> objects_;
  std::map<int32_t, SegmentState> segments_;
  std::map<int, std::set<int32_t>> sent_;
};

}  // namespace plasmasharp::testing
