#include "file_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "spill_record.h"

namespace plasmasharp::store {

namespace {

constexpr char kPrefix[] = "spill-";
constexpr char kSuffix[] = ".bin";

std::string Errno() { return std::strerror(errno); }

// "spill-<16 hex>.bin" -> its number; false for any other name.
bool ParseFileName(const char* name, uint64_t* file) {
  size_t len = std::strlen(name);
  if (len != 6 + 16 + 4 || std::strncmp(name, kPrefix, 6) != 0 || std::strcmp(name + 22, kSuffix) != 0) {
    return false;
  }
  uint64_t v = 0;
  for (int i = 6; i < 22; ++i) {
    char c = name[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *file = v;
  return true;
}

// Moves past `n` bytes done of iov[*first...] (a short writev/preadv ends mid-vector).
void Advance(std::vector<iovec>& iov, size_t* first, size_t n) {
  while (*first < iov.size() && n >= iov[*first].iov_len) n -= iov[(*first)++].iov_len;
  if (*first < iov.size()) {
    iov[*first].iov_base = static_cast<uint8_t*>(iov[*first].iov_base) + n;
    iov[*first].iov_len -= n;
  }
}

// Writes every iovec, however the kernel splits it (IOV_MAX per call, short writes).
bool WriteAll(int fd, std::vector<iovec> iov, std::string* error) {
  size_t first = 0;
  while (first < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::writev(fd, iov.data() + first, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = Errno();
      return false;
    }
    Advance(iov, &first, static_cast<size_t>(n));
  }
  return true;
}

// Reads exactly the iovecs' bytes at `offset`. False on an error or a short file.
bool ReadAll(int fd, std::vector<iovec> iov, uint64_t offset, std::string* error) {
  size_t first = 0;
  while (first < iov.size()) {
    if (iov[first].iov_len == 0) {
      ++first;
      continue;
    }
    int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::preadv(fd, iov.data() + first, count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = Errno();
      return false;
    }
    if (n == 0) {
      *error = "the spill file is shorter than its index says (truncated?)";
      return false;
    }
    offset += static_cast<uint64_t>(n);
    Advance(iov, &first, static_cast<size_t>(n));
  }
  return true;
}

// Copies `length` bytes between files in the kernel (copy_file_range), or through a small
// buffer where that is not available.
bool CopyRange(int in, uint64_t in_offset, int out, uint64_t out_offset, uint64_t length) {
  loff_t src = static_cast<loff_t>(in_offset), dst = static_cast<loff_t>(out_offset);
  while (length > 0) {
    ssize_t n = ::copy_file_range(in, &src, out, &dst, length, 0);
    if (n > 0) {
      length -= static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return false;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return false;
    std::vector<uint8_t> buffer(size_t{1} << 20);
    while (length > 0) {
      size_t chunk = static_cast<size_t>(std::min<uint64_t>(length, buffer.size()));
      ssize_t r = ::pread(in, buffer.data(), chunk, src);
      if (r <= 0) return false;
      if (::pwrite(out, buffer.data(), static_cast<size_t>(r), dst) != r) return false;
      src += r;
      dst += r;
      length -= static_cast<uint64_t>(r);
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<FileExternalStore> FileExternalStore::Open(const std::string& directory, bool keep,
                                                           std::string* error) {
  if (directory.empty()) {
    *error = "file:// needs a directory (file:///var/tmp/plasma-spill)";
    return nullptr;
  }
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    *error = "cannot create the spill directory " + directory + ": " + Errno();
    return nullptr;
  }
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(directory.c_str(), W_OK | X_OK) != 0) {
    *error = "the spill directory " + directory + " is not a writable directory";
    return nullptr;
  }
  auto store = std::unique_ptr<FileExternalStore>(new FileExternalStore(directory, keep));
  if (!keep) store->RemoveSpillFiles();  // a fresh start: what an earlier store left is not ours
  return store;
}

FileExternalStore::~FileExternalStore() {
  if (!keep_) RemoveSpillFiles();
}

std::string FileExternalStore::PathOf(uint64_t file) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%s%016" PRIx64 "%s", kPrefix, file, kSuffix);
  return directory_ + "/" + name;
}

void FileExternalStore::RemoveSpillFiles() {
  DIR* dir = ::opendir(directory_.c_str());
  if (dir == nullptr) return;
  while (dirent* ent = ::readdir(dir)) {
    uint64_t file;
    if (ParseFileName(ent->d_name, &file)) ::unlink((directory_ + "/" + ent->d_name).c_str());
  }
  ::closedir(dir);
  files_.clear();
  index_.clear();
  dead_bytes_ = 0;
}

bool FileExternalStore::Put(const std::vector<SpillItem>& items, std::string* error) {
  uint64_t file = next_file_++;
  std::string path = PathOf(file);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot create " + path + ": " + Errno();
    return false;
  }
  // The headers carry each object's content hash. Large objects are hashed on a helper thread
  // while the writev runs (their headers go out zeroed, so a crash before the pwrite below
  // leaves records that fail the check), small ones before it.
  std::vector<uint8_t> headers(items.size() * kSpillHeaderSize);
  std::vector<SpillHeader> parsed(items.size());
  std::vector<size_t> late;  // items hashed during the write
  std::vector<iovec> iov;
  iov.reserve(items.size() * 2);
  uint64_t total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const SpillItem& item = items[i];
    SpillHeader& h = parsed[i];
    h.id = item.id;
    h.data_size = item.data_size;
    h.metadata_size = item.metadata_size;
    h.digest = item.digest;
    uint8_t* bytes = headers.data() + i * kSpillHeaderSize;
    if (item.size() >= kHashAlongsideBytes) {
      late.push_back(i);
    } else {
      h.content_hash = ContentHash(item.data, item.size());
      EncodeSpillHeader(h, bytes);
    }
    iov.push_back({bytes, kSpillHeaderSize});
    if (item.size() != 0) iov.push_back({const_cast<uint8_t*>(item.data), item.size()});
    total += h.record_size();
  }
  std::thread hasher;
  if (!late.empty()) {
    hasher = std::thread([&] {
      for (size_t i : late) parsed[i].content_hash = ContentHash(items[i].data, items[i].size());
    });
  }
  std::string why;
  bool ok = WriteAll(fd, std::move(iov), &why);
  if (hasher.joinable()) hasher.join();
  uint64_t record_at = 0;
  for (size_t i = 0, next_late = 0; ok && next_late < late.size(); ++i) {
    if (i == late[next_late]) {
      uint8_t* bytes = headers.data() + i * kSpillHeaderSize;
      EncodeSpillHeader(parsed[i], bytes);
      if (::pwrite(fd, bytes, kSpillHeaderSize, static_cast<off_t>(record_at)) != static_cast<ssize_t>(kSpillHeaderSize)) {
        why = Errno();
        ok = false;
      }
      ++next_late;
    }
    record_at += parsed[i].record_size();
  }
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());  // nothing of a failed batch is kept
    *error = "cannot write " + std::to_string(total) + " bytes to " + path + ": " + why;
    return false;
  }
  FileInfo& info = files_[file];
  info.bytes = total;
  info.live_bytes = total;
  info.live_count = items.size();
  uint64_t offset = 0;
  for (const SpillItem& item : items) {
    index_[item.key] = Location{file, offset, item.id, item.size()};
    offset += kSpillHeaderSize + item.size();
  }
  return true;
}

bool FileExternalStore::Get(SpillKey key, uint8_t* into, uint64_t size, std::string* error) {
  auto it = index_.find(key);
  if (it == index_.end()) {
    *error = "not in the spill directory's index";
    return false;
  }
  const Location& loc = it->second;
  if (loc.size != size) {
    *error = "spilled with " + std::to_string(loc.size) + " bytes, expected " + std::to_string(size);
    return false;
  }
  std::string path = PathOf(loc.file);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + Errno();
    return false;
  }
  uint8_t header_bytes[kSpillHeaderSize];
  std::vector<iovec> iov{{header_bytes, kSpillHeaderSize}, {into, size}};
  std::string why;
  bool ok = ReadAll(fd, std::move(iov), loc.offset, &why);
  ::close(fd);
  if (!ok) {
    *error = "cannot read " + path + ": " + why;
    return false;
  }
  SpillHeader h;
  if (!DecodeSpillHeader(header_bytes, &h) || !h.live || h.id != loc.id || h.data_size + h.metadata_size != size) {
    *error = "the record in " + path + " at offset " + std::to_string(loc.offset) + " is not this object's";
    return false;
  }
  return true;
}

void FileExternalStore::Delete(SpillKey key) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  Location loc = it->second;
  index_.erase(it);
  // Marked dead in place first, so a restart with --spill-keep never revives it.
  int fd = ::open(PathOf(loc.file).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t ignored = ::pwrite(fd, kDeadMagic, kMagicSize, static_cast<off_t>(loc.offset));
    (void)ignored;
    ::close(fd);
  }
  auto f = files_.find(loc.file);
  if (f == files_.end()) return;
  uint64_t record = kSpillHeaderSize + loc.size;
  f->second.live_bytes -= std::min(f->second.live_bytes, record);
  f->second.live_count -= 1;
  dead_bytes_ += record;
  DropFileIfDone(loc.file);
}

void FileExternalStore::DropFileIfDone(uint64_t file) {
  auto f = files_.find(file);
  if (f == files_.end()) return;
  const FileInfo& info = f->second;
  if (info.live_count == 0) {
    ::unlink(PathOf(file).c_str());
    dead_bytes_ -= std::min(dead_bytes_, info.bytes);
    files_.erase(f);
    return;
  }
  uint64_t dead = info.bytes - info.live_bytes;
  if (info.bytes >= kCompactMinFileBytes && static_cast<double>(dead) > kCompactDeadShare * static_cast<double>(info.bytes)) {
    Compact(file);
  }
}

void FileExternalStore::Compact(uint64_t file) {
  // The live records move to a new file (copied in the kernel), then the old one goes. If the
  // copy fails the old file simply stays; a crash in between leaves two live copies of the same
  // bytes, which Recover folds into one.
  std::vector<std::pair<SpillKey, Location*>> live;
  for (auto& kv : index_) {
    if (kv.second.file == file) live.emplace_back(kv.first, &kv.second);
  }
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) { return a.second->offset < b.second->offset; });
  uint64_t target = next_file_++;
  std::string old_path = PathOf(file), new_path = PathOf(target);
  int in = ::open(old_path.c_str(), O_RDONLY | O_CLOEXEC);
  int out = in < 0 ? -1 : ::open(new_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool ok = in >= 0 && out >= 0;
  uint64_t offset = 0;
  std::vector<uint64_t> new_offsets;
  for (auto& [key, loc] : live) {
    if (!ok) break;
    uint64_t record = kSpillHeaderSize + loc->size;
    ok = CopyRange(in, loc->offset, out, offset, record);
    new_offsets.push_back(offset);
    offset += record;
  }
  if (in >= 0) ::close(in);
  if (out >= 0) ::close(out);
  if (!ok) {
    if (out >= 0) ::unlink(new_path.c_str());
    std::fprintf(stderr, "plasma-store: could not rewrite the spill file %s (%s); its dead space stays\n",
                 old_path.c_str(), Errno().c_str());
    return;
  }
  for (size_t i = 0; i < live.size(); ++i) {
    live[i].second->file = target;
    live[i].second->offset = new_offsets[i];
  }
  FileInfo& old_info = files_[file];
  FileInfo& info = files_[target];
  info.bytes = offset;
  info.live_bytes = offset;
  info.live_count = live.size();
  dead_bytes_ -= std::min(dead_bytes_, old_info.bytes - old_info.live_bytes);
  ::unlink(old_path.c_str());
  files_.erase(file);
}

std::vector<RecoveredObject> FileExternalStore::Recover() {
  std::vector<RecoveredObject> out;
  if (!keep_) return out;
  std::vector<uint64_t> found;
  if (DIR* dir = ::opendir(directory_.c_str())) {
    while (dirent* ent = ::readdir(dir)) {
      uint64_t file;
      if (ParseFileName(ent->d_name, &file)) found.push_back(file);
    }
    ::closedir(dir);
  }
  std::sort(found.begin(), found.end());
  std::unordered_map<ObjectId, bool, ObjectIdHash> seen;
  for (uint64_t file : found) {
    next_file_ = std::max(next_file_, file + 1);
    ReindexFile(file, &out, &seen);
  }
  return out;
}

void FileExternalStore::ReindexFile(uint64_t file, std::vector<RecoveredObject>* out,
                                    std::unordered_map<ObjectId, bool, ObjectIdHash>* seen) {
  std::string path = PathOf(file);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    if (fd >= 0) ::close(fd);
    std::fprintf(stderr, "plasma-store: cannot re-index the spill file %s: %s; skipping it\n", path.c_str(), Errno().c_str());
    return;
  }
  const uint64_t length = static_cast<uint64_t>(st.st_size);
  FileInfo info;
  info.bytes = length;
  uint64_t offset = 0, torn = 0, dropped = 0;
  std::vector<uint8_t> chunk(size_t{1} << 20);
  while (offset + kSpillHeaderSize <= length) {
    uint8_t header_bytes[kSpillHeaderSize];
    SpillHeader h;
    if (::pread(fd, header_bytes, kSpillHeaderSize, static_cast<off_t>(offset)) != static_cast<ssize_t>(kSpillHeaderSize) ||
        !DecodeSpillHeader(header_bytes, &h) || h.data_size > length || h.metadata_size > length ||
        h.record_size() > length - offset) {
      break;  // a torn or foreign record: nothing after it can be located
    }
    bool good = h.live;
    if (good) {
      ContentHasher hasher;
      for (uint64_t done = 0; done < h.data_size + h.metadata_size && good;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), h.data_size + h.metadata_size - done));
        good = ::pread(fd, chunk.data(), n, static_cast<off_t>(offset + kSpillHeaderSize + done)) == static_cast<ssize_t>(n);
        hasher.Update(chunk.data(), n);
        done += n;
      }
      good = good && hasher.Finish() == h.content_hash;
      if (!good) ++dropped;
    }
    if (good && !seen->emplace(h.id, true).second) good = false;  // a copy left by a rewrite
    if (good) {
      SpillKey key = next_key_++;
      index_[key] = Location{file, offset, h.id, h.data_size + h.metadata_size};
      info.live_bytes += h.record_size();
      ++info.live_count;
      out->push_back(RecoveredObject{key, h.id, h.digest, h.data_size, h.metadata_size});
    }
    offset += h.record_size();
  }
  if (offset < length) torn = length - offset;
  ::close(fd);
  if (torn != 0 || dropped != 0) {
    std::fprintf(stderr, "plasma-store: spill file %s: %llu objects failed their check and %llu trailing bytes "
                 "were torn; those objects are dropped\n", path.c_str(), static_cast<unsigned long long>(dropped),
                 static_cast<unsigned long long>(torn));
  }
  files_[file] = info;
  dead_bytes_ += info.bytes - info.live_bytes;
  DropFileIfDone(file);
}

}  // namespace plasmasharp::store
