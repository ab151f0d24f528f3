// Dequantizers for every block type gguf-py dequantizes: the classic and K-quants (Q4_0 … Q8_0, Q2_K–Q6_K; a real
// Q4_K_M file is mostly Q8_0 and Q5_0 where rows are not multiples of 256), the IQ types (IQ1_S … IQ4_XS), the ternary
// TQ1_0/TQ2_0 and the FP4 types MXFP4/NVFP4, in C for the same reason as the statistics loops: `heft stats` on a
// quantized file spends its time here, and only C can be built for AVX-512, AVX2 and baseline x86-64 at once.
// `Dequantizer` (HeftFormats) calls these; the golden vectors of the fixtures check them bit for bit against gguf-py.
// The IQ grids and level tables are in IQTables.c. Safetensors' F8 types widen here too.
//
// The order of floating-point operations is the reference's (gguf-py `dequantize_blocks`): scale products are
// rounded to float32 first, then `d·q − m`, never fused into one multiply-add. A value d·q read from a table of the
// 16 products d·level is the same float32 as the product itself.
#pragma STDC FP_CONTRACT OFF

#include "HeftIQTables.h"
#include "HeftKernels.h"
#include "Vectors.h"

#include <math.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// IEEE half to float, exact (see `heft_half`).
INLINE float half(const uint8_t *p) {
    uint16_t bits;
    memcpy(&bits, p, 2);
    return heft_half(bits);
}

INLINE void store16(float *y, f32x16 v) { memcpy(y, &v, 64); }

/// q·d for 16 codes (Q4_0, Q8_0, Q6_K: the reference multiplies the scale by the centred code).
INLINE f32x16 times(f32x16 q, float d) { return q * (f32x16)d; }

/// d·q − m for 16 codes (Q4_K, Q5_K).
INLINE f32x16 affine(u8x16 q, float d, float m) {
    f32x16 product = (f32x16)d * __builtin_convertvector(q, f32x16);
    return product - (f32x16)m;
}

/// The eight sub-blocks' steps d·scale and offsets dmin·min (each rounded to float32, as the reference does) from
/// the K-quants' 12 bytes of packed 6-bit scales and mins at `p` + 4 (`d` and `dmin` are the block's first two
/// halves): unpacked as four words, converted and multiplied eight at a time. Sub-block j < 4 takes scale
/// s[j] & 63 and min s[j + 4] & 63; j ≥ 4 takes the low and high nibbles of s[j + 4] for its scale and min, and the
/// top two bits of s[j − 4] and s[j] above them. (One sub-block at a time in scalar code was a fifth of Q4_K's
/// dequantization.)
INLINE void k_scales(const uint8_t *p, float d, float dmin, float step[8], float offset[8]) {
    uint32_t s[3];
    memcpy(s, p + 4, 12);
    const uint32_t six = 0x3F3F3F3Fu, nibble = 0x0F0F0F0Fu, two = 0x03030303u;
    const uint64_t scales = (uint64_t)(s[0] & six) | (uint64_t)((s[2] & nibble) | ((s[0] >> 6) & two) << 4) << 32;
    const uint64_t mins = (uint64_t)(s[1] & six) | (uint64_t)(((s[2] >> 4) & nibble) | ((s[1] >> 6) & two) << 4) << 32;
    u8x8 sc, mn;
    memcpy(&sc, &scales, 8);
    memcpy(&mn, &mins, 8);
    const f32x8 steps = (f32x8)d * __builtin_convertvector(sc, f32x8);
    const f32x8 offsets = (f32x8)dmin * __builtin_convertvector(mn, f32x8);
    memcpy(step, &steps, 32);
    memcpy(offset, &offsets, 32);
}

/// Q2_K: scales[16] (4-bit step and min per 16 values), qs[64] (2-bit codes, four planes per 32 bytes), d, dmin:
/// (d·step)·q − dmin·min.
INLINE void q2_k(const uint8_t *p, float *y) {
    const u8x16 s = bytes16(p);  // the 16 steps and mins, converted and multiplied together
    const f32x16 steps = (f32x16)half(p + 80) * __builtin_convertvector(s & 0xF, f32x16);
    const f32x16 mins = (f32x16)half(p + 82) * __builtin_convertvector(s >> 4, f32x16);
    float step[16], min[16];
    memcpy(step, &steps, 64);
    memcpy(min, &mins, 64);
    for (int h = 0; h < 2; h++) {
        u8x16 q0 = bytes16(p + 16 + 32 * h), q1 = bytes16(p + 32 + 32 * h);
        #pragma clang loop unroll(full)  // constant shifts: a byte shift by a variable costs four instructions
        for (int j = 0; j < 4; j++) {
            int e = 128 * h + 32 * j;
            const u8x16 shift = (u8x16)(uint8_t)(2 * j);
            store16(y + e, affine((q0 >> shift) & 3, step[e / 16], min[e / 16]));
            store16(y + e + 16, affine((q1 >> shift) & 3, step[e / 16 + 1], min[e / 16 + 1]));
        }
    }
}

/// Q3_K: hmask[32] (the codes' third bits), qs[64] (their two low bits), scales[12] (6-bit, centred on 32), d:
/// (d·(scale − 32))·(low − 4·(1 − high)).
INLINE void q3_k(const uint8_t *p, float *y) {
    // Scale i: the low (i < 8) or high nibble of byte 96 + i % 8, and bits 2·(i / 4) of byte 104 + i % 4 above it;
    // all 16 unpacked, converted and multiplied at once (only the 12 scale bytes are read: 16 run past the block).
    u8x16 b = 0;
    memcpy(&b, p + 96, 12);
    const u8x16 low = __builtin_shufflevector(b & 0xF, b >> 4, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    const u8x16 h01 = __builtin_shufflevector(b & 3, (b >> 2) & 3, 8, 9, 10, 11, 24, 25, 26, 27, 0, 0, 0, 0, 0, 0, 0,
                                              0);
    const u8x16 h23 = __builtin_shufflevector((b >> 4) & 3, b >> 6, 8, 9, 10, 11, 24, 25, 26, 27, 0, 0, 0, 0, 0, 0, 0,
                                              0);
    const u8x16 high = __builtin_shufflevector(h01, h23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    const f32x16 steps = (f32x16)half(p + 108) * __builtin_convertvector((i8x16)(low | high << 4) - 32, f32x16);
    float step[16];
    memcpy(step, &steps, 64);
    u8x16 m0 = bytes16(p), m1 = bytes16(p + 16);
    for (int h = 0; h < 2; h++) {
        u8x16 q0 = bytes16(p + 32 + 32 * h), q1 = bytes16(p + 48 + 32 * h);
        #pragma clang loop unroll(full)  // constant shifts (see q2_k)
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

INLINE void q5_0(const uint8_t *p, float *y) {  // d, qh[4], qs[16]: (q − 16)·d
    float d = half(p);
    u8x32 q = heft_five_bit_codes(p + 2, p + 6);
    store16(y, times(__builtin_convertvector((i8x16)q.lo - 16, f32x16), d));
    store16(y + 16, times(__builtin_convertvector((i8x16)q.hi - 16, f32x16), d));
}

INLINE void q5_1(const uint8_t *p, float *y) {  // d, m, qh[4], qs[16]: d·q + m
    float d = half(p), m = half(p + 2);
    u8x32 q = heft_five_bit_codes(p + 4, p + 8);
    store16(y, scaled_plus(q.lo, d, m));
    store16(y + 16, scaled_plus(q.hi, d, m));
}

INLINE void q8_0(const uint8_t *p, float *y) {  // d, qs[32] int8: q·d
    float d = half(p);
    store16(y, times(__builtin_convertvector((i8x16)bytes16(p + 2), f32x16), d));
    store16(y + 16, times(__builtin_convertvector((i8x16)bytes16(p + 18), f32x16), d));
}

/// Q4_K (d, dmin, scales[12], qs[128]) and Q5_K (the same with qh[32], a fifth bit per value, before qs):
/// d·scale·q − dmin·min per sub-block of 32.
INLINE void k_quant(const uint8_t *p, float *y, const bool five) {
    float step[8], offset[8];
    k_scales(p, half(p), half(p + 2), step, offset);
    #pragma clang loop unroll(full)  // constant shifts (see q2_k)
    for (int j = 0; j < 8; j++) {
        const float dl = step[j], ml = offset[j];
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
    i8x16 s;  // the 16 scales, converted and multiplied together
    memcpy(&s, p + 192, 16);
    const f32x16 scales = (f32x16)half(p + 208) * __builtin_convertvector(s, f32x16);
    float scale[16];
    memcpy(scale, &scales, 64);
    for (int half_ = 0; half_ < 2; half_++) {
        const uint8_t *ql = p + 64 * half_, *qh = p + 128 + 32 * half_;
        #pragma clang loop unroll(full)  // constant shifts (see q2_k)
        for (int quarter = 0; quarter < 4; quarter++) {  // values 32·quarter … +31 of this half
            for (int h = 0; h < 2; h++) {
                int r = 32 * quarter + 16 * h;
                u8x16 low = (bytes16(ql + r % 64) >> (4 * (r / 64))) & 0xF;
                u8x16 high = (bytes16(qh + r % 32) >> (2 * (r / 32))) & 3;
                int e = 128 * half_ + r;
                store16(y + e, times(__builtin_convertvector((i8x16)(low | (high << 4)) - 32, f32x16), scale[e / 16]));
            }
        }
    }
}

/// Little-endian u16 and u32 at any alignment (the host is little-endian, as everywhere in this file).
INLINE uint16_t le16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

INLINE uint32_t le32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

INLINE float half_bits(uint16_t bits) {
    _Float16 h;
    memcpy(&h, &bits, 2);
    return (float)h;
}

/// Nibble k of the bytes at p, low nibble first.
INLINE int nibble(const uint8_t *p, int k) { return (p[k / 2] >> (4 * (k % 2))) & 0xF; }

/// v·(±1) for 16 values, −1 where bit k of `signs` is set: the reference multiplies by ±1 (which keeps a NaN's
/// sign, where negating would flip it).
INLINE f32x16 signed_by(f32x16 v, uint32_t signs) {
    const u32x16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    u32x16 one = ((((u32x16)signs >> lane) & 1) << 31) | 0x3F800000;  // ±1.0f
    return v * (f32x16)one;
}

/// Two 8-value rows of an IQ2 grid (a magnitude per byte) as 16 floats.
INLINE f32x16 rows8(uint64_t a, uint64_t b) {
    const uint64_t rows[2] = {a, b};
    u8x16 v;
    memcpy(&v, rows, 16);
    return __builtin_convertvector(v, f32x16);
}

/// Four 4-value rows of an IQ3 grid as 16 floats.
INLINE f32x16 rows4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    const uint32_t rows[4] = {a, b, c, d};
    u8x16 v;
    memcpy(&v, rows, 16);
    return __builtin_convertvector(v, f32x16);
}

/// Two 8-value rows of `iq1s_grid` (−1, 0, +1 as int8) as 16 floats.
INLINE f32x16 rows8_signed(uint64_t a, uint64_t b) {
    const uint64_t rows[2] = {a, b};
    i8x16 v;
    memcpy(&v, rows, 16);
    return __builtin_convertvector(v, f32x16);
}

/// The sign byte of a stored 7-bit sign index (`ksigns_iq2xs`).
INLINE uint32_t ksigns(uint32_t index) { return heft_ksigns_iq2xs[index & 127]; }

/// IQ2_XXS: d, 8 × (u32 of four 8-bit grid indices, u32 of four 7-bit sign indices and a 4-bit scale s), a group of
/// 8 values per index: (d·(½ + s)·¼)·grid·(±1).
INLINE void iq2_xxs(const uint8_t *p, float *y) {
    float d = half(p);
    for (int ib = 0; ib < 8; ib++) {
        const uint8_t *q = p + 2 + 8 * ib;
        uint32_t aux = le32(q + 4);
        float db = d * (0.5f + (float)(aux >> 28)) * 0.25f;
        for (int l = 0; l < 4; l += 2) {
            f32x16 v = rows8(heft_iq2xxs_grid[q[l]], heft_iq2xxs_grid[q[l + 1]]);
            uint32_t signs = ksigns(aux >> (7 * l)) | ksigns(aux >> (7 * l + 7)) << 8;
            store16(y + 32 * ib + 8 * l, signed_by(times(v, db), signs));
        }
    }
}

/// IQ2_XS: d, qs[32] u16 (9-bit grid index, 7-bit sign index per 8 values), scales[8] (4 bits s per 16 values):
/// (d·(½ + s)·¼)·grid·(±1).
INLINE void iq2_xs(const uint8_t *p, float *y) {
    float d = half(p);
    for (int j = 0; j < 16; j++) {
        uint16_t a = le16(p + 2 + 4 * j), b = le16(p + 4 + 4 * j);
        float db = d * (0.5f + (float)nibble(p + 66, j)) * 0.25f;
        f32x16 v = rows8(heft_iq2xs_grid[a & 511], heft_iq2xs_grid[b & 511]);
        store16(y + 16 * j, signed_by(times(v, db), ksigns(a >> 9) | ksigns(b >> 9) << 8));
    }
}

/// IQ2_S: d, qs[32] (grid index low bytes, per 8 values), signs[32] (a bit per value), qh[8] (2 high index bits per
/// 8 values), scales[8] (4 bits s per 16 values): (d·(½ + s)·¼)·grid·(±1).
INLINE void iq2_s(const uint8_t *p, float *y) {
    float d = half(p);
    for (int j = 0; j < 16; j++) {
        int high = p[66 + j / 2] >> (4 * (j % 2));
        int a = p[2 + 2 * j] | (high & 3) << 8, b = p[3 + 2 * j] | ((high >> 2) & 3) << 8;
        float db = d * (0.5f + (float)nibble(p + 74, j)) * 0.25f;
        f32x16 v = rows8(heft_iq2s_grid[a], heft_iq2s_grid[b]);
        store16(y + 16 * j, signed_by(times(v, db), le16(p + 34 + 2 * j)));
    }
}

/// IQ3_XXS: d, qs[64] (an 8-bit grid index per 4 values), 8 × u32 (four 7-bit sign indices per 8 values and a 4-bit
/// scale s per 32): (d·(½ + s)·½)·grid·(±1).
INLINE void iq3_xxs(const uint8_t *p, float *y) {
    float d = half(p);
    for (int ib = 0; ib < 8; ib++) {
        const uint8_t *q = p + 2 + 8 * ib;
        uint32_t aux = le32(p + 66 + 4 * ib);
        float db = d * (0.5f + (float)(aux >> 28)) * 0.5f;
        for (int l = 0; l < 4; l += 2) {
            const uint8_t *r = q + 2 * l;
            f32x16 v = rows4(heft_iq3xxs_grid[r[0]], heft_iq3xxs_grid[r[1]], heft_iq3xxs_grid[r[2]],
                             heft_iq3xxs_grid[r[3]]);
            uint32_t signs = ksigns(aux >> (7 * l)) | ksigns(aux >> (7 * l + 7)) << 8;
            store16(y + 32 * ib + 8 * l, signed_by(times(v, db), signs));
        }
    }
}

/// IQ3_S: d, qs[64] (grid index low bytes, per 4 values), qh[8] (their ninth bits), signs[32] (a bit per value),
/// scales[4] (4 bits s per 32 values): (d·(1 + 2s))·grid·(±1).
INLINE void iq3_s(const uint8_t *p, float *y) {
    float d = half(p);
    for (int j = 0; j < 16; j++) {  // grid rows 4j … 4j + 3
        int high = p[66 + j / 2] >> (4 * (j % 2));
        const uint8_t *q = p + 2 + 4 * j;
        f32x16 v = rows4(heft_iq3s_grid[q[0] | (high & 1) << 8], heft_iq3s_grid[q[1] | (high & 2) << 7],
                         heft_iq3s_grid[q[2] | (high & 4) << 6], heft_iq3s_grid[q[3] | (high & 8) << 5]);
        float db = d * (float)(1 + 2 * nibble(p + 106, j / 2));
        store16(y + 16 * j, signed_by(times(v, db), le16(p + 74 + 2 * j)));
    }
}

/// IQ1_S: d, qs[32] (grid index low bytes, per 8 values), qh[8] u16 (per 32 values: four 3-bit high index parts, a
/// 3-bit scale s, the sign of delta): (d·(2s + 1))·(grid + delta), delta = ±⅛.
INLINE void iq1_s(const uint8_t *p, float *y) {
    float d = half(p);
    for (int ib = 0; ib < 8; ib++) {
        uint16_t h = le16(p + 34 + 2 * ib);
        float dl = d * (float)(2 * ((h >> 12) & 7) + 1);
        float delta = h & 0x8000 ? -0.125f : 0.125f;
        const uint8_t *q = p + 2 + 4 * ib;
        for (int l = 0; l < 4; l += 2) {
            f32x16 v = rows8_signed(heft_iq1s_grid[q[l] | ((h >> (3 * l)) & 7) << 8],
                                    heft_iq1s_grid[q[l + 1] | ((h >> (3 * l + 3)) & 7) << 8]);
            store16(y + 32 * ib + 8 * l, times(v + (f32x16)delta, dl));
        }
    }
}

/// IQ1_M: qs[32] (grid index low bytes, per 8 values), qh[16] (a nibble per 8 values: 3 high index bits, the sign of
/// delta), scales[4] u16 (3-bit scales s per 16 values; the four top nibbles together are d, an f16):
/// (d·(2s + 1))·(grid + delta), delta = ±⅛.
INLINE void iq1_m(const uint8_t *p, float *y) {
    uint16_t s[4] = {le16(p + 48), le16(p + 50), le16(p + 52), le16(p + 54)};
    float d = half_bits((uint16_t)(s[0] >> 12 | (s[1] >> 8 & 0xF0) | (s[2] >> 4 & 0xF00) | (s[3] & 0xF000)));
    for (int j = 0; j < 16; j++) {  // grid rows 2j, 2j + 1
        float dl = d * (float)(2 * ((s[j / 4] >> (3 * (j % 4))) & 7) + 1);
        uint8_t high = p[32 + j];
        f32x16 v = rows8_signed(heft_iq1s_grid[p[2 * j] | (high & 7) << 8],
                                heft_iq1s_grid[p[2 * j + 1] | (high >> 4 & 7) << 8]);
        // ±⅛ per row: bit 3 of each nibble is the sign, moved to bit 31 of lanes 0–7 and 8–15.
        const u32x16 bit = {3, 3, 3, 3, 3, 3, 3, 3, 7, 7, 7, 7, 7, 7, 7, 7};
        u32x16 negative = ((u32x16)(uint32_t)high >> bit) & 1;
        f32x16 delta = (f32x16)((negative << 31) | 0x3E000000);
        store16(y + 16 * j, times(v + delta, dl));
    }
}

/// Sixteen values from a table of 16: y[k] = table[index[k]], each index < 16.
typedef void lut16_fn(float *y, const float *table, u8x16 index);

/// One load per value: generic vector code has no variable shuffle.
INLINE void lut16_scalar(float *y, const float *table, u8x16 index) {
    for (int k = 0; k < 16; k++) y[k] = table[index[k]];
}

/// The four types whose 4-bit codes pick one of 16 levels (IQ4_NL, IQ4_XS, MXFP4, NVFP4): each sub-block's 16 products
/// scale·level are computed once (the reference's float32 products) into `t`, and each code picks one with `lut`.
INLINE void products(float *t, float scale, f32x16 levels) { store16(t, levels * (f32x16)scale); }

/// IQ4_NL: d, qs[16] (value k in the low nibble of byte k, value 16 + k in its high nibble): d·level.
INLINE void iq4_nl(const uint8_t *p, float *y, f32x16 levels, lut16_fn *lut) {
    float t[16] __attribute__((aligned(64)));
    products(t, half(p), levels);
    u8x16 q = bytes16(p + 2);
    lut(y, t, q & 0xF);
    lut(y + 16, t, q >> 4);
}

/// IQ4_XS: d, scales_h u16 (2 high bits per 32 values), scales_l[4] (4 low bits), qs[128] (as IQ4_NL's per 32):
/// (d·(s − 32))·level.
INLINE void iq4_xs(const uint8_t *p, float *y, f32x16 levels, lut16_fn *lut) {
    float d = half(p), t[16] __attribute__((aligned(64)));
    uint16_t high = le16(p + 2);
    for (int ib = 0; ib < 8; ib++) {
        int scale = nibble(p + 4, ib) | ((high >> (2 * ib)) & 3) << 4;
        products(t, d * (float)(scale - 32), levels);
        u8x16 q = bytes16(p + 8 + 16 * ib);
        lut(y + 32 * ib, t, q & 0xF);
        lut(y + 32 * ib + 16, t, q >> 4);
    }
}

/// MXFP4: e (E8M0), qs[16] (as IQ4_NL): 2^(e − 128)·(2·E2M1 level), the scale halved exactly as ggml's
/// `ggml_e8m0_to_fp32_half` (a subnormal float32 for e < 2).
INLINE void mxfp4(const uint8_t *p, float *y, f32x16 levels, lut16_fn *lut) {
    float t[16] __attribute__((aligned(64)));
    uint8_t e = p[0];
    products(t, float_bits(e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23), levels);
    u8x16 q = bytes16(p + 1);
    lut(y, t, q & 0xF);
    lut(y + 16, t, q >> 4);
}

/// NVFP4's unsigned E4M3 scale halved (to match the doubled E2M1 levels), exact; 0x7F (NaN) reads as 0, and the
/// top bit is ignored, as gguf-py's `ue4m3_to_fp32`.
INLINE float ue4m3_half(uint8_t x) {
    if (x == 0x7F) return 0;
    int e = (x >> 3) & 0xF, m = x & 7;
    if (e == 0) return (float)m * 0x1p-10f;
    return float_bits((uint32_t)(e + 119) << 23 | (uint32_t)m << 20);  // (1 + m/8)·2^(e − 7)·½
}

/// NVFP4: scales[4] (UE4M3, one per 16 values), qs[32] (per 16 values 8 bytes: value k in the low nibble of byte k,
/// value 8 + k in its high nibble): scale·(2·E2M1 level).
INLINE void nvfp4(const uint8_t *p, float *y, f32x16 levels, lut16_fn *lut) {
    float t[16] __attribute__((aligned(64)));
    for (int h = 0; h < 2; h++) {
        u8x16 q = bytes16(p + 4 + 16 * h), low = q & 0xF, high = q >> 4;
        products(t, ue4m3_half(p[2 * h]), levels);
        lut(y + 32 * h, t, __builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
        products(t, ue4m3_half(p[2 * h + 1]), levels);
        lut(y + 32 * h + 16, t,
            __builtin_shufflevector(low, high, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
    }
}

/// The 16 levels of a table in IQTables.c as floats.
INLINE f32x16 levels_of(const int8_t *table) {
    i8x16 v;
    memcpy(&v, table, 16);
    return __builtin_convertvector(v, f32x16);
}

/// The 4-bit level types (20, 23, 39, 40), block by block, each code looked up with `lut`.
INLINE void nibble_blocks(uint32_t type, const uint8_t *p, size_t blocks, float *y, lut16_fn *lut) {
    const f32x16 iq4 = levels_of(heft_kvalues_iq4nl), fp4 = levels_of(heft_kvalues_mxfp4);
    size_t values, bytes;
    heft_block_layout(type, &values, &bytes);
    for (size_t b = 0; b < blocks; b++, p += bytes, y += values) {
        __builtin_prefetch(p + HEFT_PREFETCH);
        switch (type) {
        case 20: iq4_nl(p, y, iq4, lut); break;
        case 23: iq4_xs(p, y, iq4, lut); break;
        case 39: mxfp4(p, y, fp4, lut); break;
        default: nvfp4(p, y, fp4, lut); break;
        }
    }
}

#if defined(__x86_64__)
/// The 16-entry lookup as one permute (AVX-512) or two 8-entry permutes and a blend on bit 3 of the index (AVX2).
__attribute__((target("arch=x86-64-v4"), always_inline)) static inline void lut16_avx512(float *y, const float *table,
                                                                                         u8x16 index) {
    __m128i i;
    memcpy(&i, &index, 16);
    _mm512_storeu_ps(y, _mm512_permutexvar_ps(_mm512_cvtepu8_epi32(i), _mm512_loadu_ps(table)));
}

__attribute__((target("arch=x86-64-v3"), always_inline)) static inline void lut16_avx2(float *y, const float *table,
                                                                                       u8x16 index) {
    __m128i i;
    memcpy(&i, &index, 16);
    __m256 low = _mm256_loadu_ps(table), high = _mm256_loadu_ps(table + 8);
    for (int h = 0; h < 2; h++) {
        __m256i k = _mm256_cvtepu8_epi32(h ? _mm_srli_si128(i, 8) : i);
        __m256 upper = _mm256_castsi256_ps(_mm256_slli_epi32(k, 28));  // bit 3 to the sign bit blendv reads
        __m256 v = _mm256_blendv_ps(_mm256_permutevar8x32_ps(low, k), _mm256_permutevar8x32_ps(high, k), upper);
        _mm256_storeu_ps(y + 8 * h, v);
    }
}

__attribute__((target("arch=x86-64-v4"))) static void nibble_blocks_avx512(uint32_t type, const uint8_t *p,
                                                                           size_t blocks, float *y) {
    nibble_blocks(type, p, blocks, y, lut16_avx512);
}

__attribute__((target("arch=x86-64-v3"))) static void nibble_blocks_avx2(uint32_t type, const uint8_t *p, size_t blocks,
                                                                         float *y) {
    nibble_blocks(type, p, blocks, y, lut16_avx2);
}
#endif

/// IQ4_NL, IQ4_XS, MXFP4, NVFP4: with permutes where the instruction set has them, else one load per value.
INLINE void nibble_types(uint32_t type, const uint8_t *p, size_t blocks, float *y) {
#if defined(__x86_64__)
    switch (heft_kernel_isa()) {
    case HEFT_ISA_AVX512: nibble_blocks_avx512(type, p, blocks, y); return;
    case HEFT_ISA_AVX2: nibble_blocks_avx2(type, p, blocks, y); return;
    default: break;
    }
#endif
    nibble_blocks(type, p, blocks, y, lut16_scalar);
}

/// TQ1_0's base-3 digits of 16 bytes: digit n of q is ((q·3^n mod 256)·3 >> 8), read as digit − 1.
INLINE f32x16 trits(u8x16 q, u8x16 power) {
    u32x16 shifted = __builtin_convertvector(q * power, u32x16);
    return __builtin_convertvector((i32x16)((shifted * 3) >> 8) - 1, f32x16);
}

/// TQ1_0: qs[48] (5 digits per byte: 32 bytes × 5, then 16 bytes × 5), qh[4] (4 digits per byte), d: (digit − 1)·d.
INLINE void tq1_0(const uint8_t *p, float *y) {
    float d = half(p + 52);
    static const uint8_t powers[5] = {1, 3, 9, 27, 81};
    for (int n = 0; n < 5; n++) {
        const u8x16 power = (u8x16)powers[n];
        store16(y + 32 * n, times(trits(bytes16(p), power), d));
        store16(y + 32 * n + 16, times(trits(bytes16(p + 16), power), d));
        store16(y + 160 + 16 * n, times(trits(bytes16(p + 32), power), d));
    }
    // The last 16: value 4n + j is digit n of qh[j].
    const u32x16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    u8x16 qh = __builtin_convertvector(((u32x16)le32(p + 48) >> ((lane & 3) * 8)) & 0xFF, u8x16);
    const u8x16 power = {1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 9, 9, 27, 27, 27, 27};
    store16(y + 240, times(trits(qh, power), d));
}

/// TQ2_0: qs[64] (2-bit codes, four planes per 32 bytes), d: (q − 1)·d.
INLINE void tq2_0(const uint8_t *p, float *y) {
    float d = half(p + 64);
    for (int h = 0; h < 2; h++) {
        u8x16 q0 = bytes16(p + 32 * h), q1 = bytes16(p + 32 * h + 16);
        for (int j = 0; j < 4; j++) {
            const u8x16 shift = (u8x16)(uint8_t)(2 * j);
            store16(y + 128 * h + 32 * j, times(__builtin_convertvector((i8x16)((q0 >> shift) & 3) - 1, f32x16), d));
            store16(y + 128 * h + 32 * j + 16,
                    times(__builtin_convertvector((i8x16)((q1 >> shift) & 3) - 1, f32x16), d));
        }
    }
}

double heft_block_bound(uint32_t type, const void *source) {
    const uint8_t *p = source;
    double bound;
    switch (type) {
    case 3: bound = 15 * fabs(half(p)) + fabs(half(p + 2)); break;  // Q4_1: d·q + m, q < 16
    case 7: bound = 31 * fabs(half(p)) + fabs(half(p + 2)); break;  // Q5_1: d·q + m, q < 32
    case 12:                                                          // Q4_K, Q5_K: (d·scale)·q − dmin·min per 32
    case 13: {
        const double top = type == 12 ? 15 : 31;
        float step[8], offset[8];
        k_scales(p, half(p), half(p + 2), step, offset);
        bound = 0;
        for (int j = 0; j < 8; j++) {
            double b = fabs(step[j]) * top + fabs(offset[j]);
            if (!(b <= bound)) bound = b;  // a NaN stays, so the block is decoded
        }
        break;
    }
    case 14: {  // Q6_K: (d·scale)·(q − 32) per 16 values, as q6_k reads them
        int widest = 0;
        for (int j = 0; j < 16; j++) {
            int scale = (int8_t)p[192 + j];
            if (abs(scale) > widest) widest = abs(scale);
        }
        bound = fabs(half(p + 208)) * widest * 32;
        break;
    }
    default: return -1;
    }
    // Widened by 2^-20, far more than the float32 roundings of the reference's arithmetic can add.
    return bound * (1 + 0x1p-20);
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
    case 16: *values = 256, *bytes = 66; return 1;   // IQ2_XXS
    case 17: *values = 256, *bytes = 74; return 1;   // IQ2_XS
    case 18: *values = 256, *bytes = 98; return 1;   // IQ3_XXS
    case 19: *values = 256, *bytes = 50; return 1;   // IQ1_S
    case 20: *values = 32, *bytes = 18; return 1;    // IQ4_NL
    case 21: *values = 256, *bytes = 110; return 1;  // IQ3_S
    case 22: *values = 256, *bytes = 82; return 1;   // IQ2_S
    case 23: *values = 256, *bytes = 136; return 1;  // IQ4_XS
    case 29: *values = 256, *bytes = 56; return 1;   // IQ1_M
    case 34: *values = 256, *bytes = 54; return 1;   // TQ1_0
    case 35: *values = 256, *bytes = 66; return 1;   // TQ2_0
    case 39: *values = 32, *bytes = 17; return 1;    // MXFP4
    case 40: *values = 64, *bytes = 36; return 1;    // NVFP4
    case HEFT_TYPE_F8_E4M3:                          // safetensors' F8 types: one value per byte
    case HEFT_TYPE_F8_E5M2: *values = 1, *bytes = 1; return 1;
    default: return 0;
    }
}

#if defined(__x86_64__)
/// Q4_K with AVX-512: a sub-block's 32 values take only 16 distinct values, d·q − m for q = 0…15, so those are
/// computed once (the same float32 operations, in one vector) and each code picks its value with a permute.
__attribute__((target("avx512f,avx512bw,avx512vl,f16c"))) static void q4_k_avx512(const uint8_t *p, size_t blocks,
                                                                                  float *y) {
    const __m512 codes = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i low_nibbles = _mm_set1_epi8(0x0F);
    for (size_t b = 0; b < blocks; b++, p += 144, y += 256) {
        float step[8], offset[8];
        k_scales(p, half(p), half(p + 2), step, offset);
        for (int j = 0; j < 8; j++) {
            const float dl = step[j], ml = offset[j];
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

/// F8 bytes to float32, 16 at a time; the tail through a zero-padded copy, so that every value takes the same path.
INLINE void widen_f8(const uint8_t *p, size_t n, float *y, bool e5m2) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        u32x16 bits = f8_bits(bytes16(p + i), e5m2);
        memcpy(y + i, &bits, 64);
    }
    if (i < n) {
        uint8_t tail[16] = {0};
        memcpy(tail, p + i, n - i);
        u32x16 bits = f8_bits(bytes16(tail), e5m2);
        memcpy(y + i, &bits, 4 * (n - i));
    }
}

/// F16 (ggml type 1) and BF16 (30) to float32, any count: 16 values per step (F16C or AVX-512 where the clone has
/// them), the tail one by one; F8 (HEFT_TYPE_F8_E4M3, HEFT_TYPE_F8_E5M2) by `f8_bits`. Exact: all widen without
/// rounding.
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
    case HEFT_TYPE_F8_E4M3: widen_f8(p, n, y, false); return 1;
    case HEFT_TYPE_F8_E5M2: widen_f8(p, n, y, true); return 1;
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
    case 30:
    case HEFT_TYPE_F8_E4M3:
    case HEFT_TYPE_F8_E5M2: return heft_widen(type, p, blocks, y);
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
    case 16: BLOCKS(iq2_xxs);
    case 17: BLOCKS(iq2_xs);
    case 18: BLOCKS(iq3_xxs);
    case 19: BLOCKS(iq1_s);
    case 21: BLOCKS(iq3_s);
    case 22: BLOCKS(iq2_s);
    case 29: BLOCKS(iq1_m);
    case 34: BLOCKS(tq1_0);
    case 35: BLOCKS(tq2_0);
    case 20:
    case 23:
    case 39:
    case 40: nibble_types(type, p, blocks, y); return 1;
    default: return 0;
    }
}

HEFT_DISPATCH(, int, heft_dequantize, (uint32_t type, const void *source, size_t blocks, float *y), (type, source, blocks, y))
