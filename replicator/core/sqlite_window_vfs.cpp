#include "core/sqlite_window_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

namespace hs::core {
namespace {

struct Window {
  int64_t start = 0;
  size_t len = 0;
  uint8_t* base = nullptr;
  int refs = 0;       // pages of this window the pager still holds
  uint64_t used = 0;  // last fetch, for least-recently-used eviction
};

// Our sqlite3_file: the default VFS's file follows it in the same allocation (szOsFile).
struct WindowFile {
  sqlite3_file base;
  sqlite3_file* real;
  int fd;              // the main database, opened read-only for mmap; -1 for other files
  int64_t mmap_limit;  // PRAGMA mmap_size; 0 = windows off
  uint64_t clock;
  std::vector<Window>* windows;
};

sqlite3_vfs* g_default = nullptr;
std::atomic<unsigned long long> g_mapped{0}, g_read{0};
std::atomic<int> g_windows_max{0};
constexpr uint64_t kRecentFetches = 256;  // a sequential pass fetches ~1000 pages per window

WindowFile* wf(sqlite3_file* f) {
  return reinterpret_cast<WindowFile*>(f);
}
sqlite3_file* real(sqlite3_file* f) {
  return wf(f)->real;
}

void unmap(Window& w) {
  ::munmap(w.base, w.len);
}

// Unmaps every window no page of which is in use.
void unmap_idle(WindowFile* f) {
  auto& ws = *f->windows;
  for (size_t i = 0; i < ws.size();) {
    if (ws[i].refs == 0) {
      unmap(ws[i]);
      ws[i] = ws.back();
      ws.pop_back();
    } else {
      ++i;
    }
  }
}

int x_close(sqlite3_file* file) {
  WindowFile* f = wf(file);
  if (f->windows) {
    for (auto& w : *f->windows) unmap(w);
    delete f->windows;
    f->windows = nullptr;
  }
  if (f->fd >= 0) ::close(f->fd);
  f->fd = -1;
  return f->real->pMethods->xClose(f->real);
}
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xRead(real(f), buf, n, off);
}
int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xWrite(real(f), buf, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  unmap_idle(wf(f));  // a window past the new end would fault (SIGBUS) when read
  return real(f)->pMethods->xTruncate(real(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
  return real(f)->pMethods->xSync(real(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int x_lock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xLock(real(f), level);
}
int x_unlock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xUnlock(real(f), level);
}
int x_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
  WindowFile* f = wf(file);
  if (op == SQLITE_FCNTL_MMAP_SIZE && f->fd >= 0) {
    // The windows replace the default VFS's whole-file mapping: the limit is ours, not forwarded.
    auto* size = static_cast<sqlite3_int64*>(arg);
    sqlite3_int64 old = f->mmap_limit;
    if (*size >= 0) f->mmap_limit = *size;
    *size = old;
    return SQLITE_OK;
  }
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int x_sector_size(sqlite3_file* f) {
  return real(f)->pMethods->xSectorSize(real(f));
}
int x_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int x_shm_map(sqlite3_file* f, int pg, int pgsz, int extend, void volatile** pp) {
  return real(f)->pMethods->xShmMap(real(f), pg, pgsz, extend, pp);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  real(f)->pMethods->xShmBarrier(real(f));
}
int x_shm_unmap(sqlite3_file* f, int del) {
  return real(f)->pMethods->xShmUnmap(real(f), del);
}

void fetch_window(WindowFile* f, sqlite3_int64 off, int amount, void** pp);

int x_fetch(sqlite3_file* file, sqlite3_int64 off, int amount, void** pp) {
  *pp = nullptr;  // "not mapped": the pager reads the page instead
  WindowFile* f = wf(file);
  if (f->fd < 0 || f->mmap_limit <= 0 || off < 0 || amount <= 0) return SQLITE_OK;
  ++f->clock;  // every fetch counts, so windows age while pages are being read instead
  fetch_window(f, off, amount, pp);
  (*pp ? g_mapped : g_read).fetch_add(1, std::memory_order_relaxed);
  return SQLITE_OK;
}

// Points *pp at the page in a window (mapping one if it may), or leaves it null.
void fetch_window(WindowFile* f, sqlite3_int64 off, int amount, void** pp) {
  const int64_t start = off / kWindowBytes * kWindowBytes;
  if (off + amount > start + kWindowBytes) return;
  auto& ws = *f->windows;
  Window* w = nullptr;
  for (auto& x : ws)
    if (x.start == start) w = &x;
  if (!w) {
    struct stat st;
    if (::fstat(f->fd, &st) != 0 || off + amount > st.st_size) return;
    if (ws.size() >= static_cast<size_t>(kMaxWindows)) {
      Window* lru = nullptr;
      for (auto& x : ws)
        if (x.refs == 0 && (!lru || x.used < lru->used)) lru = &x;
      // Every window in use, or all of them used recently (random lookups spread over more than
      // the windows cover, as integrity_check's index probes are): read this page instead of
      // remapping a window per page, and let SQLite's page cache keep it.
      if (!lru || f->clock - lru->used < kRecentFetches) return;
      unmap(*lru);
      *lru = ws.back();
      ws.pop_back();
    }
    const size_t len = static_cast<size_t>(std::min<int64_t>(kWindowBytes, st.st_size - start));
    void* p = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, f->fd, static_cast<off_t>(start));
    if (p == MAP_FAILED) return;
    ws.push_back(Window{start, len, static_cast<uint8_t*>(p), 0, 0});
    w = &ws.back();
    int n = static_cast<int>(ws.size());
    for (int m = g_windows_max.load(); n > m && !g_windows_max.compare_exchange_weak(m, n);) {
    }
  }
  // A window mapped while the file was shorter ends before this page: read it instead.
  if (off + amount > w->start + static_cast<int64_t>(w->len)) return;
  w->refs++;
  w->used = f->clock;
  *pp = w->base + (off - start);
}

int x_unfetch(sqlite3_file* file, sqlite3_int64 off, void* p) {
  WindowFile* f = wf(file);
  if (f->fd < 0) return SQLITE_OK;
  if (!p) {  // the pager asks for the mapping to go (it holds no page of it then)
    unmap_idle(f);
    return SQLITE_OK;
  }
  for (auto& w : *f->windows)
    if (off >= w.start && off < w.start + static_cast<int64_t>(w.len)) {
      w.refs--;
      break;
    }
  return SQLITE_OK;
}

const sqlite3_io_methods kMethods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  WindowFile* f = wf(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->fd = -1;
  f->mmap_limit = 0;
  f->clock = 0;
  f->windows = nullptr;
  auto* inner = static_cast<sqlite3_vfs*>(vfs->pAppData);
  int rc = inner->xOpen(inner, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || !f->real->pMethods) return rc;
  if ((flags & SQLITE_OPEN_MAIN_DB) && name) {
    f->windows = new (std::nothrow) std::vector<Window>();
    // Without its own descriptor or the bookkeeping the file still works, only without windows.
    if (f->windows) f->fd = ::open(name, O_RDONLY | O_CLOEXEC);
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

sqlite3_vfs g_vfs;

}  // namespace

WindowVfsStats window_vfs_stats() {
  return WindowVfsStats{g_mapped.load(), g_read.load(), g_windows_max.load()};
}

const char* window_vfs_name() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_default = sqlite3_vfs_find(nullptr);
    // A copy of the default VFS with our xOpen: its other methods (delete, access, full path,
    // time, randomness) do not depend on which sqlite3_vfs they are called through; xOpen passes
    // the default VFS itself on, since unix's open looks at its own pAppData.
    g_vfs = *g_default;
    g_vfs.iVersion = std::min(g_default->iVersion, 3);
    // WindowFile, then the default VFS's file, aligned for it.
    g_vfs.szOsFile = static_cast<int>(sizeof(WindowFile)) + g_default->szOsFile;
    g_vfs.zName = "hs-window-mmap";
    g_vfs.pAppData = g_default;
    g_vfs.xOpen = x_open;
    g_vfs.pNext = nullptr;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return g_vfs.zName;
}

}  // namespace hs::core
