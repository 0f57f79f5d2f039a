// The one place a -e URL is parsed.
#include "external_store.h"

#include "file_store.h"
#include "hashtable_store.h"

namespace plasmasharp::store {

namespace {

constexpr const char kKnownSchemes[] = "hashtable://NAME, file://DIRECTORY";

// "scheme://rest" -> scheme and rest; false if there is no "://" or the scheme is empty.
bool SplitUrl(const std::string& url, std::string* scheme, std::string* rest) {
  size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0) return false;
  *scheme = url.substr(0, sep);
  *rest = url.substr(sep + 3);
  return true;
}

}  // namespace

bool IsValidExternalStoreUrl(const std::string& url, std::string* error) {
  std::string scheme, rest;
  if (!SplitUrl(url, &scheme, &rest)) {
    *error = "external store '" + url + "' is not a URL (scheme://...); known: " + kKnownSchemes;
    return false;
  }
  if (scheme != "hashtable" && scheme != "file") {
    *error = "unknown external store scheme '" + scheme + "://' in '" + url + "'; known: " + kKnownSchemes;
    return false;
  }
  if (scheme == "file" && rest.empty()) {
    *error = "file:// needs a directory: file:///var/tmp/plasma-spill (absolute) or file://spill (relative)";
    return false;
  }
  return true;
}

std::unique_ptr<ExternalStore> OpenExternalStore(const std::string& url, std::string* error,
                                                 const ExternalStoreOptions& options) {
  std::string scheme, rest;
  if (!IsValidExternalStoreUrl(url, error) || !SplitUrl(url, &scheme, &rest)) return nullptr;
  if (scheme == "file") return FileExternalStore::Open(rest, options.keep, error);
  return std::make_unique<HashtableExternalStore>();
}

}  // namespace plasmasharp::store
