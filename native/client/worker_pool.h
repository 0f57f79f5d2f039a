// A small process-wide pool of worker threads for the client's data-parallel work (the chunked
// digest and the fused copy + digest of large objects). Starting and joining a std::thread per
// object costs as much as copying 1 MiB on these VMs, so the threads are started once, on first
// use, and then sleep until work arrives.
//
// Process lifecycle:
// - The pool is created lazily and never destroyed: at exit its threads are asleep on a
//   condition variable and exit() simply ends them (no static destructor joins anything).
// - After fork() the child has none of the parent's threads, and the parent's pool lock may
//   have been held at the moment of the fork. The pool remembers the pid that created it; a
//   process that finds a pool from another pid never touches it and starts its own.
#pragma once

#include <cstddef>

namespace plasmasharp::client {

// A task over [0, count): called once per index, from any thread, possibly concurrently.
using IndexedTask = void (*)(void* context, size_t index);

// Runs task(context, i) for every i in [0, count) on the pool's threads and the calling thread,
// and returns when every call has returned. Indices are handed out one at a time, so a busy or
// unavailable pool only means the caller does more of the work itself; it never waits for a
// task that no thread has started.
void ParallelFor(size_t count, IndexedTask task, void* context);

}  // namespace plasmasharp::client
