// file://DIRECTORY: spilled objects in files (beyond the real store). Each eviction batch is one
// file, `spill-<16 hex digits>.bin`, written with one writev (records per spill_record.h); a
// restore is one preadv of the record's header and its bytes straight into the object's new
// block (no intermediate buffer). A copy that goes away (deleted or restored) is marked dead in
// place (its magic rewritten), so a restart with --spill-keep never brings it back; a file is
// unlinked once nothing in it is live, and rewritten (live records copied to a new file) once
// most of it is dead.
//
// Without keep, the directory's spill files are removed at start and stop (nothing else there
// is touched). With keep, Recover re-indexes them: every live record whose header and content
// hash check out is an object again; a torn record (a write cut short by a crash) ends its
// file's scan and the rest of that file is dropped. Files are opened per call, so a spill file
// deleted behind the store's back makes that restore fail cleanly.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "external_store.h"

namespace plasmasharp::store {

class FileExternalStore final : public ExternalStore {
 public:
  // Creates `directory` if needed; nullptr with *error when it cannot be used.
  static std::unique_ptr<FileExternalStore> Open(const std::string& directory, bool keep,
                                                 std::string* error);
  ~FileExternalStore() override;

  bool Put(const std::vector<SpillItem>& items, std::string* error) override;
  bool Get(SpillKey key, uint8_t* into, uint64_t size, std::string* error) override;
  void Delete(SpillKey key) override;
  std::vector<RecoveredObject> Recover() override;
  uint64_t dead_bytes() const override { return dead_bytes_; }

  // A file is rewritten once its dead bytes pass this share of it (and it is this big).
  static constexpr double kCompactDeadShare = 0.5;
  static constexpr uint64_t kCompactMinFileBytes = uint64_t{1} << 20;
  // Objects this big are hashed on a second thread while the batch is written.
  static constexpr uint64_t kHashAlongsideBytes = uint64_t{4} << 20;

 private:
  struct Location {
    uint64_t file = 0;
    uint64_t offset = 0;  // of the record's header
    ObjectId id;
    uint64_t size = 0;  // data + metadata
  };
  struct FileInfo {
    uint64_t bytes = 0;       // file length
    uint64_t live_bytes = 0;  // records still live (headers included)
    uint64_t live_count = 0;
  };

  FileExternalStore(std::string directory, bool keep) : directory_(std::move(directory)), keep_(keep) {}
  std::string PathOf(uint64_t file) const;
  // Scans one file of an earlier store; appends its good records.
  void ReindexFile(uint64_t file, std::vector<RecoveredObject>* out,
                   std::unordered_map<ObjectId, bool, ObjectIdHash>* seen);
  void RemoveSpillFiles();
  void DropFileIfDone(uint64_t file);
  void Compact(uint64_t file);

  std::string directory_;
  bool keep_;
  uint64_t next_file_ = 1;
  SpillKey next_key_ = 1;  // only for Recover (the store names new copies itself)
  std::map<uint64_t, FileInfo> files_;
  std::unordered_map<SpillKey, Location> index_;
  uint64_t dead_bytes_ = 0;
};

}  // namespace plasmasharp::store
