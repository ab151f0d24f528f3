// What the C kernels share: vector types (clang's ext_vector_type, so one source serves AVX-512, AVX2 and SSE2)
// and the attribute that builds a function once per instruction set.
#ifndef HEFT_VECTORS_H
#define HEFT_VECTORS_H

// Vectors pass between always_inline helpers only, so no call ever uses the vector ABI the baseline clone warns about.
#pragma clang diagnostic ignored "-Wpsabi"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint32_t u32x16 __attribute__((ext_vector_type(16)));
typedef int32_t i32x16 __attribute__((ext_vector_type(16)));
typedef float f32x16 __attribute__((ext_vector_type(16)));
typedef double f64x8 __attribute__((ext_vector_type(8)));
typedef uint8_t u8x16 __attribute__((ext_vector_type(16)));
typedef int8_t i8x16 __attribute__((ext_vector_type(16)));
typedef bool b16 __attribute__((ext_vector_type(16)));

/// Builds the function for AVX-512, AVX2 and baseline x86-64; the loader picks the best one the CPU runs.
#if defined(__x86_64__) && defined(__linux__)
#define HEFT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HEFT_CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

#endif
