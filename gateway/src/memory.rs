//! How the gateway's memory goes back to the system (glibc's malloc; other C
//! libraries keep their own defaults and these do nothing).

/// glibc's malloc, told to keep a sandbox render's working memory between jobs. A
/// render takes and frees ~20 MB in buffers of 3–5 MB. By default glibc hands the freed
/// top of a heap back to the system once it exceeds a threshold that it has raised to
/// about twice the largest buffer seen (~9 MB), and every render then faults its ~20 MB
/// in again: 200 jobs took 4.4 s instead of 3.5 s in the gateway benchmark. Buffers up
/// to 8 MB come from the heap (not mapped and unmapped each time), and up to 12 MB of
/// free heap top is kept; beyond that, memory still goes back. Kept at 12 MB for the
/// 100 MB target: in the 200-session bench (4 runs each, one afternoon), 12 MB gave a
/// peak RSS of 86–88 MB in 6.8–7.1 s; 20 MB 90–106 MB in 5.0–5.6 s; 32 MB 91–106 MB;
/// none 86–91 MB in 7.1–9.5 s.
///
/// One arena for all threads: with two, a render that ran on the other thread's arena
/// could not reuse the memory kept in the first, and faulted its own on top. With the
/// pose models, queued photos and results on disk (3 runs each, 2026-12-01): two arenas
/// peaked at 95.6–104.5 MB, one at 83.7–87.7 MB, all 200 sessions done in about the
/// same 12.3–13.4 s (2 cores, so little contention for one arena).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_render_memory() {
    // SAFETY: mallopt only sets allocator parameters; it runs before any other thread
    // of this process exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 8 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 12 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Other C libraries keep their own defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_render_memory() {}

/// Hands the allocator's free memory back to the system now, after a one-off burst
/// (loading the pose models: ~20 MB of scratch, in pieces the trim threshold alone
/// does not return because live allocations sit above them).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back() {
    // SAFETY: malloc_trim only releases free pages; it is safe from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other C libraries keep their own defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back() {}
