#include "sim/core/process_memory.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace wafersim {

void keep_freed_memory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace wafersim
