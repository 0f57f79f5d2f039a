// Where evicted objects go instead of being lost (`plasma-store -e URL`, the real store's
// external store). Eviction writes sealed, unreferenced objects' bytes (data then metadata)
// here before freeing their memory; a Get of one reads them back into a fresh block. The store
// keeps each object's entry (sizes, digest, times), so only the bytes live here.
//
// Every copy is named by a SpillKey the store hands out (never reused), not by the object id:
// an object deleted while its write is in flight and a new object of the same id are two
// different copies.
//
// Backends are picked by URL scheme in exactly one place, OpenExternalStore:
//   hashtable://NAME   in-process memory (the real store's test backend; gone at exit)
//   file://DIRECTORY   files in DIRECTORY (file_store.h; optionally kept across restarts)
// Calls come from one thread at a time (the spill worker, spill_worker.h), never concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "object_id.h"

namespace plasmasharp::store {

using SpillKey = uint64_t;

// One object of a spill batch: its bytes stay valid (and unchanged) until Put returns.
struct SpillItem {
  SpillKey key = 0;
  ObjectId id;
  std::string digest;  // the object's 8-byte Plasma digest (kept for re-indexing)
  const uint8_t* data = nullptr;  // data_size bytes of data followed by metadata_size bytes
  uint64_t data_size = 0;
  uint64_t metadata_size = 0;
  uint64_t size() const { return data_size + metadata_size; }
};

// An object found by Recover (file:// with --spill-keep): what the store needs for its entry.
struct RecoveredObject {
  SpillKey key = 0;
  ObjectId id;
  std::string digest;
  uint64_t data_size = 0;
  uint64_t metadata_size = 0;
};

struct ExternalStoreOptions {
  // file://: re-index what an earlier store left instead of cleaning the directory, and leave
  // the spilled objects there at stop.
  bool keep = false;
};

class ExternalStore {
 public:
  virtual ~ExternalStore() = default;
  // Stores every item of one eviction batch (a file backend fuses them into one file written
  // at once). All or nothing: false with *error = none of them is stored.
  virtual bool Put(const std::vector<SpillItem>& items, std::string* error) = 0;
  // Copies exactly `size` bytes of copy `key` into `into`. False with *error when absent, of
  // another size or unreadable (nothing is trusted to match without checking).
  virtual bool Get(SpillKey key, uint8_t* into, uint64_t size, std::string* error) = 0;
  virtual void Delete(SpillKey key) = 0;
  // The objects an earlier store left (only with options.keep), each under a new key (the
  // store names later copies above the largest). Called once, before any other call.
  virtual std::vector<RecoveredObject> Recover() { return {}; }
  // Bytes the backend holds on disk beyond the live objects (dead space in fused files).
  virtual uint64_t dead_bytes() const { return 0; }
};

// Checks a -e URL without opening anything: true for a scheme this build has. The CLI uses it
// to refuse a bad URL with the usage (exit 2) before the store starts.
bool IsValidExternalStoreUrl(const std::string& url, std::string* error);
// Opens the backend `url` names; nullptr with *error (naming the known schemes, or why the
// directory cannot be used) otherwise.
std::unique_ptr<ExternalStore> OpenExternalStore(const std::string& url, std::string* error,
                                                 const ExternalStoreOptions& options = {});

}  // namespace plasmasharp::store
