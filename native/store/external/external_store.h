// Where evicted objects go instead of being lost (`plasma-store -e URL`, the real store's
// external store). Eviction writes a sealed, unreferenced object's bytes (data then metadata)
// here before freeing its memory; a Get of it reads them back into a fresh block. The store
// keeps the object's entry (sizes, digest, times), so only the bytes live here.
//
// Backends are picked by URL scheme in exactly one place, OpenExternalStore:
//   hashtable://NAME   in-process memory (the real store's test backend; gone at exit)
// Calls come from the event loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "object_id.h"

namespace plasmasharp::store {

class ExternalStore {
 public:
  virtual ~ExternalStore() = default;
  // Stores `size` bytes for `id` (replacing any earlier copy). False with *error = not stored.
  virtual bool Put(const ObjectId& id, const uint8_t* data, size_t size, std::string* error) = 0;
  // Copies exactly `size` bytes of `id` into `into`. False with *error when absent or of
  // another size (nothing is trusted to match without checking).
  virtual bool Get(const ObjectId& id, uint8_t* into, size_t size, std::string* error) = 0;
  virtual void Delete(const ObjectId& id) = 0;
  virtual bool Contains(const ObjectId& id) const = 0;
};

// Checks a -e URL without opening anything: true for a scheme this build has. The CLI uses it
// to refuse a bad URL with the usage (exit 2) before the store starts.
bool IsValidExternalStoreUrl(const std::string& url, std::string* error);
// Opens the backend `url` names; nullptr with *error (naming the known schemes) otherwise.
std::unique_ptr<ExternalStore> OpenExternalStore(const std::string& url, std::string* error);

}  // namespace plasmasharp::store
