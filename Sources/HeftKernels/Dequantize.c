// Dequantizers for the block types most GGUF files are made of (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K–Q6_K; a
// real Q4_K_M file is mostly Q8_0 and Q5_0 where rows are not multiples of 256), in C for the same
// reason as the statistics loops: `heft stats` on a K-quant file spends its time here, and only C can be built for
// AVX-512, AVX2 and baseline x86-64 at once. `Dequantizer` (HeftFormats) calls these for those types; the golden
// vectors of the fixtures check them bit for bit against gguf-py.
//
// The order of floating-point operations is the reference's (gguf-py `dequantize_blocks`): scale products are
// rounded to float32 first, then `d·q − m`, never fused into one multiply-add.
#pragma STDC FP_CONTRACT OFF

#include "HeftKernels.h"
#include "Vectors.h"

/// IEEE half to float, exact (the F16C instruction where the clone has it).
INLINE float half(const uint8_t *p) {
    _Float16 h;
    memcpy(&h, p, 2);
    return (float)h;
}

INLINE u8x16 bytes16(const uint8_t *p) {
    u8x16 v;
    memcpy(&v, p, 16);
    return v;
}

INLINE void store16(float *y, f32x16 v) { memcpy(y, &v, 64); }

/// q·d for 16 codes (Q4_0, Q8_0, Q6_K: the reference multiplies the scale by the centred code).
INLINE f32x16 times(f32x16 q, float d) { return q * (f32x16)d; }

/// d·q − m for 16 codes (Q4_K, Q5_K).
INLINE f32x16 affine(u8x16 q, float d, float m) {
    f32x16 product = (f32x16)d * __builtin_convertvector(q, f32x16);
    return product - (f32x16)m;
}

/// Sub-block j's step d·scale and offset dmin·min (each rounded to float32, as the reference does) from the
/// K-quants' 12 bytes of packed 6-bit scales and mins at `p` + 4 (`d` and `dmin` are the block's first two halves).
INLINE void sub_block(const uint8_t *p, float d, float dmin, int j, float *step, float *offset) {
    const uint8_t *s = p + 4;
    uint8_t scale, min;
    if (j < 4) {
        scale = s[j] & 63;
        min = s[j + 4] & 63;
    } else {
        scale = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
    *step = d * (float)scale;
    *offset = dmin * (float)min;
}

/// Q2_K: scales[16] (4-bit step and min per 16 values), qs[64] (2-bit codes, four planes per 32 bytes), d, dmin:
/// (d·step)·q − dmin·min.
INLINE void q2_k(const uint8_t *p, float *y) {
    float d = half(p + 80), dmin = half(p + 82);
    for (int h = 0; h < 2; h++) {
        u8x16 q0 = bytes16(p + 16 + 32 * h), q1 = bytes16(p + 32 + 32 * h);
        for (int j = 0; j < 4; j++) {
            int e = 128 * h + 32 * j;
            uint8_t s0 = p[e / 16], s1 = p[e / 16 + 1];
            const u8x16 shift = (u8x16)(uint8_t)(2 * j);
            store16(y + e, affine((q0 >> shift) & 3, d * (float)(s0 & 0xF), dmin * (float)(s0 >> 4)));
            store16(y + e + 16, affine((q1 >> shift) & 3, d * (float)(s1 & 0xF), dmin * (float)(s1 >> 4)));
        }
    }
}

/// Q3_K: hmask[32] (the codes' third bits), qs[64] (their two low bits), scales[12] (6-bit, centred on 32), d:
/// (d·(scale − 32))·(low − 4·(1 − high)).
INLINE void q3_k(const uint8_t *p, float *y) {
    float d = half(p + 108), step[16];
    for (int i = 0; i < 16; i++) {
        int low = (p[96 + i % 8] >> (4 * (i / 8))) & 0xF, high = (p[104 + i % 4] >> (2 * (i / 4))) & 3;
        step[i] = d * (float)((low | high << 4) - 32);
    }
    u8x16 m0 = bytes16(p), m1 = bytes16(p + 16);
    for (int h = 0; h < 2; h++) {
        u8x16 q0 = bytes16(p + 32 + 32 * h), q1 = bytes16(p + 48 + 32 * h);
        for (int j = 0; j < 4; j++) {
            int e = 128 * h + 32 * j;
            const u8x16 shift = (u8x16)(uint8_t)(2 * j), bit = (u8x16)(uint8_t)(4 * h + j);
            i8x16 v0 = (i8x16)((q0 >> shift) & 3) - (i8x16)((((m0 >> bit) & 1) ^ 1) << 2);
            i8x16 v1 = (i8x16)((q1 >> shift) & 3) - (i8x16)((((m1 >> bit) & 1) ^ 1) << 2);
            store16(y + e, times(__builtin_convertvector(v0, f32x16), step[e / 16]));
            store16(y + e + 16, times(__builtin_convertvector(v1, f32x16), step[e / 16 + 1]));
        }
    }
}

INLINE void q4_0(const uint8_t *p, float *y) {  // d, qs[16]: (q − 8)·d
    float d = half(p);
    u8x16 q = bytes16(p + 2);
    store16(y, times(__builtin_convertvector((i8x16)(q & 0xF) - 8, f32x16), d));
    store16(y + 16, times(__builtin_convertvector((i8x16)(q >> 4) - 8, f32x16), d));
}

/// (d·q) + m for 16 codes (Q4_1, Q5_1): the product rounded to float32 first, as the reference does.
INLINE f32x16 scaled_plus(u8x16 q, float d, float m) {
    f32x16 product = (f32x16)d * __builtin_convertvector(q, f32x16);
    return product + (f32x16)m;
}

INLINE void q4_1(const uint8_t *p, float *y) {  // d, m, qs[16]: d·q + m
    float d = half(p), m = half(p + 2);
    u8x16 q = bytes16(p + 4);
    store16(y, scaled_plus(q & 0xF, d, m));
    store16(y + 16, scaled_plus(q >> 4, d, m));
}

/// The fifth bits of Q5_0/Q5_1: bit j of the little-endian qh goes to value j (low nibbles), bit 16 + j to 16 + j.
INLINE u8x16 fifth_bits(const uint8_t *qh, int first) {
    uint32_t bits;
    memcpy(&bits, qh, 4);
    const u32x16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    u32x16 b = ((u32x16)bits >> (lane + (u32x16)first)) & 1;
    return __builtin_convertvector(b, u8x16) << 4;
}

INLINE void q5_0(const uint8_t *p, float *y) {  // d, qh[4], qs[16]: (q − 16)·d
    float d = half(p);
    u8x16 q = bytes16(p + 6);
    u8x16 low = (q & 0xF) | fifth_bits(p + 2, 0), high = (q >> 4) | fifth_bits(p + 2, 16);
    store16(y, times(__builtin_convertvector((i8x16)low - 16, f32x16), d));
    store16(y + 16, times(__builtin_convertvector((i8x16)high - 16, f32x16), d));
}

INLINE void q5_1(const uint8_t *p, float *y) {  // d, m, qh[4], qs[16]: d·q + m
    float d = half(p), m = half(p + 2);
    u8x16 q = bytes16(p + 8);
    store16(y, scaled_plus((q & 0xF) | fifth_bits(p + 4, 0), d, m));
    store16(y + 16, scaled_plus((q >> 4) | fifth_bits(p + 4, 16), d, m));
}

INLINE void q8_0(const uint8_t *p, float *y) {  // d, qs[32] int8: q·d
    float d = half(p);
    store16(y, times(__builtin_convertvector((i8x16)bytes16(p + 2), f32x16), d));
    store16(y + 16, times(__builtin_convertvector((i8x16)bytes16(p + 18), f32x16), d));
}

/// Q4_K (d, dmin, scales[12], qs[128]) and Q5_K (the same with qh[32], a fifth bit per value, before qs):
/// d·scale·q − dmin·min per sub-block of 32.
INLINE void k_quant(const uint8_t *p, float *y, const bool five) {
    float d = half(p), dmin = half(p + 2);
    for (int j = 0; j < 8; j++) {
        float dl, ml;
        sub_block(p, d, dmin, j, &dl, &ml);
        const uint8_t *qs = p + (five ? 48 : 16) + 32 * (j / 2);
        int shift = 4 * (j % 2);
        for (int h = 0; h < 2; h++) {
            u8x16 q = (bytes16(qs + 16 * h) >> shift) & 0xF;
            if (five) q |= ((bytes16(p + 16 + 16 * h) >> j) & 1) << 4;
            store16(y + 32 * j + 16 * h, affine(q, dl, ml));
        }
    }
}

INLINE void q4_k(const uint8_t *p, float *y) { k_quant(p, y, false); }
INLINE void q5_k(const uint8_t *p, float *y) { k_quant(p, y, true); }

INLINE void q6_k(const uint8_t *p, float *y) {  // ql[128], qh[64], scales[16] int8, d
    float d = half(p + 208);
    for (int half_ = 0; half_ < 2; half_++) {
        const uint8_t *ql = p + 64 * half_, *qh = p + 128 + 32 * half_;
        for (int quarter = 0; quarter < 4; quarter++) {  // values 32·quarter … +31 of this half
            for (int h = 0; h < 2; h++) {
                int r = 32 * quarter + 16 * h;
                u8x16 low = (bytes16(ql + r % 64) >> (4 * (r / 64))) & 0xF;
                u8x16 high = (bytes16(qh + r % 32) >> (2 * (r / 32))) & 3;
                int e = 128 * half_ + r;
                float scale = d * (float)(int8_t)p[192 + e / 16];
                store16(y + e, times(__builtin_convertvector((i8x16)(low | (high << 4)) - 32, f32x16), scale));
            }
        }
    }
}

int heft_block_layout(uint32_t type, size_t *values, size_t *bytes) {
    switch (type) {
    case 1: *values = 1, *bytes = 2; return 1;       // F16: a "block" is one value, widened 16 at a time
    case 30: *values = 1, *bytes = 2; return 1;      // BF16
    case 2: *values = 32, *bytes = 18; return 1;     // Q4_0
    case 3: *values = 32, *bytes = 20; return 1;     // Q4_1
    case 6: *values = 32, *bytes = 22; return 1;     // Q5_0
    case 7: *values = 32, *bytes = 24; return 1;     // Q5_1
    case 8: *values = 32, *bytes = 34; return 1;     // Q8_0
    case 10: *values = 256, *bytes = 84; return 1;   // Q2_K
    case 11: *values = 256, *bytes = 110; return 1;  // Q3_K
    case 12: *values = 256, *bytes = 144; return 1;  // Q4_K
    case 13: *values = 256, *bytes = 176; return 1;  // Q5_K
    case 14: *values = 256, *bytes = 210; return 1;  // Q6_K
    default: return 0;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/// Q4_K with AVX-512: a sub-block's 32 values take only 16 distinct values, d·q − m for q = 0…15, so those are
/// computed once (the same float32 operations, in one vector) and each code picks its value with a permute.
__attribute__((target("avx512f,avx512bw,avx512vl,f16c"))) static void q4_k_avx512(const uint8_t *p, size_t blocks,
                                                                                  float *y) {
    const __m512 codes = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i low_nibbles = _mm_set1_epi8(0x0F);
    for (size_t b = 0; b < blocks; b++, p += 144, y += 256) {
        float d = half(p), dmin = half(p + 2);
        for (int j = 0; j < 8; j++) {
            float dl, ml;
            sub_block(p, d, dmin, j, &dl, &ml);
            __m512 values = _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(dl), codes), _mm512_set1_ps(ml));
            const uint8_t *qs = p + 16 + 32 * (j / 2);
            for (int h = 0; h < 2; h++) {
                __m128i raw = _mm_loadu_si128((const __m128i *)(qs + 16 * h));
                __m128i q = _mm_and_si128(j % 2 ? _mm_srli_epi16(raw, 4) : raw, low_nibbles);
                _mm512_storeu_ps(y + 32 * j + 16 * h, _mm512_permutexvar_ps(_mm512_cvtepu8_epi32(q), values));
            }
        }
    }
}
#endif

/// F16 (ggml type 1) and BF16 (30) to float32, any count: 16 values per step (F16C or AVX-512 where the clone has
/// them), the tail one by one. Exact: both widen without rounding.
INLINE int heft_widen_body(uint32_t type, const void *source, size_t n, float *y) {
    const uint8_t *p = source;
    size_t i = 0;
    switch (type) {
    case 1:
        for (; i + 16 <= n; i += 16) {
            _Float16 h[16] __attribute__((aligned(32)));
            memcpy(h, p + 2 * i, 32);
            typedef _Float16 f16x16 __attribute__((ext_vector_type(16)));
            f16x16 v;
            memcpy(&v, h, 32);
            f32x16 wide = __builtin_convertvector(v, f32x16);
            memcpy(y + i, &wide, 64);
        }
        for (; i < n; i++) y[i] = half(p + 2 * i);
        return 1;
    case 30:
        for (; i + 16 <= n; i += 16) {
            uint16_t b[16];
            memcpy(b, p + 2 * i, 32);
            typedef uint16_t u16x16 __attribute__((ext_vector_type(16)));
            u16x16 v;
            memcpy(&v, b, 32);
            u32x16 wide = __builtin_convertvector(v, u32x16) << 16;
            memcpy(y + i, &wide, 64);
        }
        for (; i < n; i++) {
            uint32_t bits = (uint32_t)(p[2 * i] | (p[2 * i + 1] << 8)) << 16;
            memcpy(y + i, &bits, 4);
        }
        return 1;
    default: return 0;
    }
}

HEFT_DISPATCH(, int, heft_widen, (uint32_t type, const void *source, size_t n, float *y), (type, source, n, y))

#define BLOCKS(kernel)                                                                                           \
    for (size_t b = 0; b < blocks; b++) {                                                                        \
        __builtin_prefetch(p + b * bytes + HEFT_PREFETCH);                                                       \
        kernel(p + b * bytes, y + b * values);                                                                   \
    }                                                                                                            \
    return 1

INLINE int heft_dequantize_body(uint32_t type, const void *source, size_t blocks, float *y) {
    const uint8_t *p = source;
    size_t values, bytes;
    if (!heft_block_layout(type, &values, &bytes)) return 0;
    switch (type) {
    case 1:
    case 30: return heft_widen(type, p, blocks, y);
    case 2: BLOCKS(q4_0);
    case 3: BLOCKS(q4_1);
    case 6: BLOCKS(q5_0);
    case 7: BLOCKS(q5_1);
    case 8: BLOCKS(q8_0);
    case 10: BLOCKS(q2_k);
    case 11: BLOCKS(q3_k);
    case 12:
#if defined(__x86_64__)
        // Every feature the function is built for (EVEX-encoded 128-bit instructions need AVX512VL).
        if (heft_kernel_isa() == HEFT_ISA_AVX512) {
            q4_k_avx512(p, blocks, y);
            return 1;
        }
#endif
        BLOCKS(q4_k);
    case 13: BLOCKS(q5_k);
    case 14: BLOCKS(q6_k);
    default: return 0;
    }
}

HEFT_DISPATCH(, int, heft_dequantize, (uint32_t type, const void *source, size_t blocks, float *y), (type, source, blocks, y))
