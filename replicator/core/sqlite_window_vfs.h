#pragma once
// A SQLite VFS that reads the main database file through small memory-mapped windows.
//
// Why: `PRAGMA quick_check` of a freshly restored database reads every page once. Through
// SQLite's default I/O that is one pread(2) per page (88k system calls and copies for 350 MB),
// most of the check's time; with SQLite's own mmap the check runs ~4x faster, but maps the whole
// file, so the process's resident size grows with the database. Here the pager's xFetch calls are
// served from at most kMaxWindows mappings of kWindowBytes each (least recently used one unmapped
// first, never one with pages still in use), so the check gets mmap's speed and resident memory
// stays bounded whatever the database's size. Everything else goes to the default VFS unchanged;
// a page the windows cannot serve falls back to an ordinary read (SQLite's own fallback).
//
// Meant for read-only connections that own the file (restore's integrity check): the windows
// assume nobody truncates the file while they are mapped.
namespace hs::core {

inline constexpr long long kWindowBytes = 4 << 20;
inline constexpr int kMaxWindows = 8;

// The VFS's name for sqlite3_open_v2, registered on first use (not as the default VFS). Open the
// connection with it and run `PRAGMA mmap_size=<bytes>` (> 0) to switch the windows on.
const char* window_vfs_name();

// Process-wide counters (tests, and to see what a check did).
struct WindowVfsStats {
  unsigned long long fetches_mapped = 0;  // pages served from a window
  unsigned long long fetches_read = 0;    // pages left to an ordinary read
  int windows_max = 0;                    // most windows mapped at once by one file
};
WindowVfsStats window_vfs_stats();

}  // namespace hs::core
