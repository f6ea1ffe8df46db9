#pragma once
// Process-wide allocator settings for long runs that evaluate many points.

namespace wafersim {

/// A sweep builds and frees one step graph and its timings (hundreds of KB) per
/// point. glibc's defaults hand blocks that large back to the kernel on free
/// (munmap, heap trim) and fault them in again on the next point: measured, that
/// was half of a roofline sweep's time and most of one GPU decode step's. Keep
/// freed memory in the process instead. No effect outside glibc.
void keep_freed_memory();

}  // namespace wafersim
