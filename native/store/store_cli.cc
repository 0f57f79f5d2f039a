// The plasma-store executable (only it: the C ABI library starts stores through StoreRunner)
// and its command line, identical to the real plasma-store-server:
//   -m BYTES (required)  -s SOCKET (required)  -d DIRECTORY (default /dev/shm)  -h (hugepages)
//   -e URL (external store: hashtable://NAME; ours also file://DIRECTORY, --spill-keep,
//   --spill-limit BYTES)
// plus --socket-mode OCTAL (default 0600), --prefault (populate the segment at start), the limits (--max-clients, --max-pending-gets,
// --max-get-ids, --allow-uid; defaults change nothing for real clients) and --help. A bad or
// missing flag (an -e URL of an unknown scheme too) prints the usage and exits 2. SIGTERM / SIGINT stop the store cleanly (socket
// file removed); with --exit-with-parent the store also stops when the process that started it
// is gone (killed too, so no one is left to stop it).
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "external/external_store.h"
#include "store_runner.h"

namespace plasmasharp::store {

namespace {

void PrintUsage(FILE* out, const char* program) {
  std::fprintf(out,
               "Usage: %s -m BYTES -s SOCKET [-d DIRECTORY] [-h] [-e URL] [--socket-mode OCTAL] [--prefault] [limits]\n"
               "  -m BYTES             store capacity in bytes (required)\n"
               "  -s SOCKET            Unix socket path clients connect to (required)\n"
               "  -d DIRECTORY         where the shared-memory file is created (default /dev/shm)\n"
               "  -h                   use huge pages (-d must be a hugetlbfs mount)\n"
               "  -e URL               external store evicted objects are spilled to and restored\n"
               "                       from by a later Get: hashtable://NAME (in-process memory)\n"
               "                       or file://DIRECTORY (files; cleaned at start and stop)\n"
               "  --spill-keep         with -e file://: keep spilled objects across a restart\n"
               "                       (re-indexed and checked at start)\n"
               "  --spill-limit BYTES  spill at most BYTES; past it eviction drops objects\n"
               "  --socket-mode OCTAL  permissions of the socket file (default 0600)\n"
               "  --prefault           populate the whole segment at start, in the background (the\n"
               "                       socket answers at once), so first puts do not wait for\n"
               "                       page allocation; commits -m bytes of memory\n"
               "  --max-clients N      at most N connections at once; more are closed at once\n"
               "                       (default 0 = unlimited)\n"
               "  --max-pending-gets N at most N unanswered Gets per connection; one more closes\n"
               "                       that connection (default %zu; 0 = unlimited)\n"
               "  --max-get-ids N      at most N object ids per Get; more closes that connection\n"
               "                       (default %zu; 0 = unlimited)\n"
               "  --allow-uid UIDS     only these peer uids (SO_PEERCRED) may connect; UIDS is\n"
               "                       1000 or 1000,1001; repeatable (default: whoever the\n"
               "                       socket mode lets in)\n"
               "  --exit-with-parent[=PID]\n"
               "                       stop (as on SIGTERM) when the process that started the store\n"
               "                       (PID: the launcher's own pid, which also covers it dying\n"
               "                       before the store starts) exits, even by SIGKILL: a store\n"
               "                       started for one program does not outlive it holding its memory\n"
               "  --help               show this text\n",
               program, kDefaultMaxPendingGets, kDefaultMaxGetIds);
}

bool ParsePositive(const char* text, int64_t* out) {
  if (text == nullptr || *text == '\0' || *text == '-' || *text == '+') return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || v <= 0) return false;
  *out = v;
  return true;
}

bool ParseMode(const char* text, int* out) {
  if (text == nullptr || *text == '\0') return false;
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(text, &end, 8);
  if (errno != 0 || *end != '\0' || v < 0 || v > 0777) return false;
  *out = static_cast<int>(v);
  return true;
}

// A count: digits only, 0 allowed.
bool ParseCount(const char* text, size_t* out) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = static_cast<size_t>(v);
  return true;
}

// "UID[,UID...]" appended to `uids`.
bool ParseUids(const char* text, std::vector<uid_t>* uids) {
  if (text == nullptr || *text == '\0') return false;
  std::string list = text;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t value = 0;
    if (!ParseCount(item.c_str(), &value) || value >= static_cast<size_t>(static_cast<uid_t>(-1))) return false;
    uids->push_back(static_cast<uid_t>(value));
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

}  // namespace

int RunStoreMain(int argc, char** argv) {
  const char* program = argc > 0 ? argv[0] : "plasma-store";
  // First thing: a parent that dies while the store starts up must still count as gone.
  const pid_t parent_at_start = ::getppid();
  StoreOptions options;
  bool have_capacity = false;
  bool exit_with_parent = false;
  pid_t launcher = 0;  // --exit-with-parent=PID
  enum { kHelp = 1000, kSocketMode, kMaxClients, kMaxPendingGets, kMaxGetIds, kAllowUid, kSpillKeep, kSpillLimit, kPrefault, kExitWithParent };
  static const option long_options[] = {{"help", no_argument, nullptr, kHelp},
                                        {"socket-mode", required_argument, nullptr, kSocketMode},
                                        {"max-clients", required_argument, nullptr, kMaxClients},
                                        {"max-pending-gets", required_argument, nullptr, kMaxPendingGets},
                                        {"max-get-ids", required_argument, nullptr, kMaxGetIds},
                                        {"allow-uid", required_argument, nullptr, kAllowUid},
                                        {"prefault", no_argument, nullptr, kPrefault},
                                        {"exit-with-parent", optional_argument, nullptr, kExitWithParent},
                                        {"spill-keep", no_argument, nullptr, kSpillKeep},
                                        {"spill-limit", required_argument, nullptr, kSpillLimit},
                                        {nullptr, 0, nullptr, 0}};
  auto bad_count = [&](const char* flag) {
    std::fprintf(stderr, "%s: %s needs a count (0 or more), got '%s'\n", program, flag, optarg);
    PrintUsage(stderr, program);
    return 2;
  };
  opterr = 0;
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, ":m:s:d:he:", long_options, nullptr)) != -1) {
    switch (opt) {
      case 'm':
        if (!ParsePositive(optarg, &options.capacity)) {
          std::fprintf(stderr, "%s: -m needs a positive number of bytes, got '%s'\n", program, optarg);
          PrintUsage(stderr, program);
          return 2;
        }
        have_capacity = true;
        break;
      case 's': options.socket_path = optarg; break;
      case 'd': options.directory = optarg; break;
      case 'h': options.hugepages = true; break;
      case 'e': {
        std::string error;
        if (!IsValidExternalStoreUrl(optarg, &error)) {
          std::fprintf(stderr, "%s: -e: %s\n", program, error.c_str());
          PrintUsage(stderr, program);
          return 2;
        }
        options.external_store = optarg;
        break;
      }
      case kHelp: PrintUsage(stdout, program); return 0;
      case kPrefault: options.prefault = true; break;
      case kExitWithParent:
        exit_with_parent = true;
        if (optarg != nullptr) {
          int64_t pid = 0;
          if (!ParsePositive(optarg, &pid) || pid > INT32_MAX) {
            std::fprintf(stderr, "%s: --exit-with-parent=PID needs a process id, got '%s'\n", program, optarg);
            PrintUsage(stderr, program);
            return 2;
          }
          launcher = static_cast<pid_t>(pid);
        }
        break;
      case kSocketMode:
        if (!ParseMode(optarg, &options.socket_mode)) {
          std::fprintf(stderr, "%s: --socket-mode needs an octal mode like 0600, got '%s'\n", program, optarg);
          PrintUsage(stderr, program);
          return 2;
        }
        break;
      case kMaxClients:
        if (!ParseCount(optarg, &options.max_clients)) return bad_count("--max-clients");
        break;
      case kMaxPendingGets:
        if (!ParseCount(optarg, &options.max_pending_gets)) return bad_count("--max-pending-gets");
        break;
      case kMaxGetIds:
        if (!ParseCount(optarg, &options.max_get_ids)) return bad_count("--max-get-ids");
        break;
      case kAllowUid:
        if (!ParseUids(optarg, &options.allowed_uids)) {
          std::fprintf(stderr, "%s: --allow-uid needs numeric uids like 1000 or 1000,1001, got '%s'\n",
                       program, optarg);
          PrintUsage(stderr, program);
          return 2;
        }
        break;
      case kSpillKeep: options.spill_keep = true; break;
      case kSpillLimit: {
        int64_t limit = 0;
        if (!ParsePositive(optarg, &limit)) {
          std::fprintf(stderr, "%s: --spill-limit needs a positive number of bytes, got '%s'\n", program, optarg);
          PrintUsage(stderr, program);
          return 2;
        }
        options.spill_limit = static_cast<uint64_t>(limit);
        break;
      }
      case ':':
        std::fprintf(stderr, "%s: option needs a value\n", program);
        PrintUsage(stderr, program);
        return 2;
      default:
        std::fprintf(stderr, "%s: unknown option\n", program);
        PrintUsage(stderr, program);
        return 2;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "%s: unexpected argument '%s'\n", program, argv[optind]);
    PrintUsage(stderr, program);
    return 2;
  }
  if ((options.spill_keep || options.spill_limit != 0) && options.external_store.empty()) {
    std::fprintf(stderr, "%s: --spill-keep and --spill-limit need -e URL\n", program);
    PrintUsage(stderr, program);
    return 2;
  }
  if (options.spill_keep && options.external_store.rfind("file://", 0) != 0) {
    std::fprintf(stderr, "%s: --spill-keep needs -e file://DIRECTORY (only files outlive the store)\n", program);
    PrintUsage(stderr, program);
    return 2;
  }
  if (!have_capacity || options.socket_path.empty()) {
    std::fprintf(stderr, "%s: -m and -s are required\n", program);
    PrintUsage(stderr, program);
    return 2;
  }

  // Block the stop signals before the loop thread starts (it inherits the mask), then wait
  // for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);  // a spill file past RLIMIT_FSIZE fails its write (EFBIG), not the store

  std::string error;
  std::unique_ptr<StoreRunner> runner = StoreRunner::Start(options, &error);
  if (!runner) {
    std::fprintf(stderr, "%s: %s\n", program, error.c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: serving %lld bytes on %s\n", program,
               static_cast<long long>(runner->capacity()), options.socket_path.c_str());
  // The parent is watched once a second: PR_SET_PDEATHSIG would fire when the *thread* that
  // started us ends (a .NET thread-pool thread may), not the process. getppid() changes when the
  // parent process is gone and we were handed to init or a subreaper.
  const pid_t parent = !exit_with_parent ? 0 : launcher != 0 ? launcher : parent_at_start;
  const timespec tick{1, 0};
  for (;;) {
    if (parent > 1 && ::getppid() != parent) {
      std::fprintf(stderr, "%s: the process that started this store (pid %d) has exited; stopping\n", program,
                   static_cast<int>(parent));
      break;
    }
    if (sigtimedwait(&stop_signals, nullptr, parent > 1 ? &tick : nullptr) > 0) break;
  }
  runner->Stop();
  return 0;
}

}  // namespace plasmasharp::store

int main(int argc, char** argv) { return plasmasharp::store::RunStoreMain(argc, argv); }
