//! Process-wide tuning of glibc's `malloc`, which both QuickJS and Rust allocate from.
//!
//! A request that builds and drops a large object graph (a 50 KB `JSON.parse`, say) frees a
//! megabyte or so at its end. With glibc's defaults that memory is handed back to the kernel
//! as soon as more than 128 KiB is free at the top of the heap, and the next request takes it
//! back one page fault at a time: on the `cpu` benchmark workload that was ≈17 % of the CPU
//! time. Keeping up to 64 MiB of free memory (and growing the heap 2 MiB at a time) removes
//! that churn; the cost is that RSS stays at its high-water mark below that bound.

/// Free memory kept at the top of a heap before it is returned to the kernel.
pub const TRIM_THRESHOLD_BYTES: i32 = 64 << 20;
/// Extra memory requested whenever a heap grows.
pub const TOP_PAD_BYTES: i32 = 2 << 20;
/// Allocations from this size up get their own mapping (glibc's default is 128 KiB, which
/// makes every large string or buffer an mmap/munmap pair with fresh page faults).
pub const MMAP_THRESHOLD_BYTES: i32 = 4 << 20;

/// Applies the settings above. Call once, early in `main`. Does nothing where the C library
/// is not glibc. Returns whether every setting was accepted.
pub fn tune_for_server() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only changes allocator parameters; it is safe to call at any time
        // and from any thread, and the values are within glibc's documented ranges.
        unsafe {
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
                && libc::mallopt(libc::M_TOP_PAD, TOP_PAD_BYTES) == 1
                && libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_accepts_the_settings() {
        assert!(super::tune_for_server());
    }
}
