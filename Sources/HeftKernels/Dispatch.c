// Which instruction set the kernels run (Vectors.h, HEFT_DISPATCH): the best the CPU supports, unless
// HEFT_KERNELS asks for a narrower one, so that the AVX2 and baseline paths can be measured and tested on a
// machine with AVX-512, and the generic path (arm64's, without x86-only tricks) on any x86 machine.
#include "HeftKernels.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int chosen = -1;

static int best_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int best = HEFT_ISA_BASELINE;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2") &&
        __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi"))
        best = HEFT_ISA_AVX2;
    if (best == HEFT_ISA_AVX2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        best = HEFT_ISA_AVX512;
    return best;
#else
    return HEFT_ISA_BASELINE;
#endif
}

int heft_kernel_isa(void) {
    int isa = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (isa >= 0) return isa;
    isa = best_supported();
    const char *want = getenv("HEFT_KERNELS");
    if (want) {
        int asked = !strcmp(want, "avx512") ? HEFT_ISA_AVX512
                    : !strcmp(want, "avx2") ? HEFT_ISA_AVX2
                    : !strcmp(want, "baseline") ? HEFT_ISA_BASELINE
                    : !strcmp(want, "generic") ? HEFT_ISA_GENERIC
                                               : isa;
        if (asked < isa) isa = asked;  // never more than the CPU runs
    }
    atomic_store_explicit(&chosen, isa, memory_order_relaxed);
    return isa;
}

const char *heft_kernel_name(void) {
    switch (heft_kernel_isa()) {
    case HEFT_ISA_AVX512: return "avx512";
    case HEFT_ISA_AVX2: return "avx2";
    case HEFT_ISA_BASELINE: return "baseline";
    default: return "generic";
    }
}
