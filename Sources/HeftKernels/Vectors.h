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
typedef uint8_t u8x32 __attribute__((ext_vector_type(32)));
typedef int8_t i8x32 __attribute__((ext_vector_type(32)));
typedef uint32_t u32x4 __attribute__((ext_vector_type(4)));
typedef _Float16 f16x8 __attribute__((ext_vector_type(8)));
typedef uint8_t u8x8 __attribute__((ext_vector_type(8)));
typedef float f32x8 __attribute__((ext_vector_type(8)));

#include "HeftKernels.h"

#define INLINE static inline __attribute__((always_inline))

/// The IEEE half with bit pattern `bits`, exactly (the F16C instruction where the clone has it). The pattern goes
/// into a vector whose other lanes are zero, moved there whole from a general register: converted from a
/// `_Float16` variable, clang inserted it into whichever register held the last one (vpinsrw), so each block's
/// scale waited for the previous block's conversion (Q8_0's dequantization took 0.165 ns a value in L1, 0.078
/// without the chain).
INLINE float heft_half(uint16_t bits16) {
    uint32_t bits = bits16;
    __asm__("" : "+r"(bits));
    u32x4 lanes = {bits, 0, 0, 0};
    return (float)((f16x8)lanes)[0];
}

/// Defines `storage ret name params` three times on x86-64 Linux — for AVX-512 (x86-64-v4), AVX2 (x86-64-v3) and baseline
/// x86-64 — each calling the always-inline `name##_body args`, so the body compiles once per instruction set; the
/// function calls the one `heft_kernel_isa()` chose (the best the CPU runs, or the one `HEFT_KERNELS` forces).
/// Elsewhere (arm64: NEON is the baseline) it is the body alone.
#if defined(__x86_64__) && defined(__linux__)
#define HEFT_DISPATCH(storage, ret, name, params, args)                                                          \
    __attribute__((target("arch=x86-64-v4"), min_vector_width(512))) static ret name##_avx512 params {          \
        return name##_body args;                                                                                \
    }                                                                                                           \
    __attribute__((target("arch=x86-64-v3"))) static ret name##_avx2 params { return name##_body args; }         \
    static ret name##_baseline params { return name##_body args; }                                              \
    storage ret name params {                                                                                   \
        switch (heft_kernel_isa()) {                                                                            \
        case HEFT_ISA_AVX512: return name##_avx512 args;                                                        \
        case HEFT_ISA_AVX2: return name##_avx2 args;                                                            \
        default: return name##_baseline args;                                                                   \
        }                                                                                                       \
    }
#else
#define HEFT_DISPATCH(storage, ret, name, params, args)                                                          \
    storage ret name params { return name##_body args; }
#endif

/// The 32 five-bit codes of a Q5_0 or Q5_1 block, in value order: qs's low nibbles (values 0 … 15) and high nibbles
/// (16 … 31), each with its fifth bit from the little-endian qh (bit j for value j) as bit 4. The bits are spread
/// with one byte shuffle and a compare (shifting each lane of a broadcast word by its index and packing the lanes
/// to bytes took four times the instructions: Q5_0's dequantization 0.20 → 0.14 ns a value in L1, same run).
INLINE u8x32 heft_five_bit_codes(const uint8_t *qh, const uint8_t *qs) {
    u8x16 q, h16 = 0;
    memcpy(&q, qs, 16);
    memcpy(&h16, qh, 4);
    u8x32 x = __builtin_shufflevector(q & 0xF, q >> 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                           18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    u8x32 spread = __builtin_shufflevector(h16, h16, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2,
                                                2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const u8x32 bit = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                            1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    return x | ((u8x32)((spread & bit) != 0) & 0x10);
}

/// How far ahead of the value being read the scans prefetch, in bytes: past the next 4 KiB page, where the
/// hardware prefetchers stop (measured: 8.1 → 12.3 GB/s on a 2 GB F32 file in the page cache, 2 threads).
#define HEFT_PREFETCH 4096

// MARK: shared by the dequantizers

INLINE u8x16 bytes16(const uint8_t *p) {
    u8x16 v;
    memcpy(&v, p, 16);
    return v;
}

INLINE float float_bits(uint32_t bits) {
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

INLINE u32x16 select_bits(i32x16 mask, u32x16 yes, u32x16 no) { return ((u32x16)mask & yes) | (~(u32x16)mask & no); }

/// 16 F8 values (E4M3 or E5M2) as float32 bit patterns, exactly: normal values by moving exponent and mantissa into
/// place and rebiasing the exponent, subnormals as mantissa·2^-9 (E4M3) or ·2^-16 (E5M2) (an integer converted and
/// scaled by a power of two: no float32 subnormal is read, so a flush-to-zero mode changes nothing), zeros signed.
/// E4M3 (e4m3fn) has no infinities and S.1111.111 is NaN; E5M2 has IEEE infinities and NaNs. Every NaN becomes the
/// quiet NaN 0x7FC00000 with the byte's sign.
INLINE u32x16 f8_bits(u8x16 bytes, bool e5m2) {
    u32x16 x = __builtin_convertvector(bytes, u32x16);
    u32x16 sign = (x & 0x80) << 24, magnitude = x & 0x7F, bits;
    if (!e5m2) {
        u32x16 normal = (magnitude << 20) + (120u << 23);  // exponent bias 7 → 127
        u32x16 subnormal = (u32x16)(__builtin_convertvector(x & 7, f32x16) * 0x1p-9f);
        bits = select_bits(magnitude < 8, subnormal, normal);
        bits = select_bits(magnitude == 0x7F, (u32x16)0x7FC00000u, bits);
    } else {
        u32x16 normal = (magnitude << 21) + (112u << 23);  // exponent bias 15 → 127
        u32x16 subnormal = (u32x16)(__builtin_convertvector(x & 3, f32x16) * 0x1p-16f);
        bits = select_bits(magnitude < 4, subnormal, normal);
        bits = select_bits(magnitude == 0x7C, (u32x16)0x7F800000u, bits);
        bits = select_bits(magnitude > 0x7C, (u32x16)0x7FC00000u, bits);
    }
    return bits | sign;
}

#endif
