// Weights packed several codes to a 32-bit word with per-group scales, as GPTQ, AWQ and MLX store them in
// safetensors checkpoints, decoded to float32 for heft stats: a code difference of at most 9 bits times a
// half-precision or bfloat16 scale is exact in float32's 24 bits (float32 scales and MLX's added bias round once);
// the engines' half-precision kernels round it to 16 bits afterwards.
#include "Vectors.h"

#include <math.h>

INLINE uint32_t word_at(const uint32_t *base, size_t index) {
    uint32_t w;
    memcpy(&w, (const char *)base + 4 * index, 4);  // safetensors data need not be 4-byte aligned
    return w;
}

INLINE float scale_at(int32_t type, const void *base, size_t index) {
    if (type == 0) {  // F32
        float f;
        memcpy(&f, (const char *)base + 4 * index, 4);
        return f;
    }
    uint16_t h;
    memcpy(&h, (const char *)base + 2 * index, 2);
    if (type == 30) {  // BF16: the high half of a float32
        uint32_t bits = (uint32_t)h << 16;
        float f;
        memcpy(&f, &bits, 4);
        return f;
    }
    _Float16 half;
    memcpy(&half, &h, 2);
    return (float)half;  // F16, exactly
}

/// AWQ's packing order: nibble t of a word holds column 8·c + order[t] of its group of eight.
static const uint8_t awq_order[8] = {0, 2, 4, 6, 1, 3, 5, 7};

typedef uint16_t u16x16 __attribute__((ext_vector_type(16)));
typedef _Float16 f16x16 __attribute__((ext_vector_type(16)));

/// Sixteen scales from `index` on, widened exactly.
INLINE f32x16 scales16(int32_t type, const void *base, size_t index) {
    if (type == 0) {
        f32x16 f;
        memcpy(&f, (const char *)base + 4 * index, 64);
        return f;
    }
    u16x16 h;
    memcpy(&h, (const char *)base + 2 * index, 32);
    if (type == 30) return (f32x16)(__builtin_convertvector(h, u32x16) << 16);
    return __builtin_convertvector((f16x16)h, f32x16);
}

/// Words `index` … of a row, one per `per` lanes of sixteen: lane l holds word index + l / per. Only the 16 / per
/// words the lanes need are read.
INLINE u32x16 words16(const uint32_t *base, size_t index, const uint32_t bits) {
    u32x4 w = 0;
    memcpy(&w, (const char *)base + 4 * index, 4 * (16 / (32 / bits)));
    if (bits == 2) return __builtin_shufflevector(w, w, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    if (bits == 4) return __builtin_shufflevector(w, w, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    return __builtin_shufflevector(w, w, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
}

/// The shift of each lane's code in its word: bits · (l mod per).
INLINE u32x16 shifts16(const uint32_t bits) {
    const u32x16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    return (lane & (32u / bits - 1u)) * bits;
}

typedef uint64_t u64x8 __attribute__((ext_vector_type(8)));
typedef uint64_t u64x2 __attribute__((ext_vector_type(2)));
typedef uint32_t u32x8 __attribute__((ext_vector_type(8)));

/// Code `j` of a little-endian bit stream of `bits`-bit codes (code j at bits j·bits … j·bits + bits − 1 of the
/// bytes): MLX's 3-, 5- and 6-bit rows (packs of 8 codes in 3 or 5 bytes, or 4 in 3, as mlx's `extract_bits` reads
/// them), GPTQ's 3-bit zeros along a row, and every power-of-two packing too (the words are little-endian). Reads
/// only the bytes the code lies in.
INLINE uint32_t stream_code(const uint8_t *stream, size_t j, const uint32_t bits) {
    const size_t bit = j * bits, at = bit >> 3;
    const uint32_t shift = (uint32_t)(bit & 7);
    uint32_t v = (uint32_t)stream[at] >> shift;
    if (shift + bits > 8) v |= (uint32_t)stream[at + 1] << (8 - shift);
    return v & ((1u << bits) - 1u);
}

/// Codes 16·k … 16·k + 15 of such a stream (`at`: its bytes + 2·bits·k, byte-aligned for any width): two runs of
/// eight codes, `bits` bytes each, shifted out of 64-bit lanes. Reads exactly those 2·bits bytes.
INLINE u32x16 stream_codes16(const uint8_t *at, const uint32_t bits) {
    uint64_t lo = 0, hi = 0;
    memcpy(&lo, at, bits);
    memcpy(&hi, at + bits, bits);
    const u64x8 shift = (u64x8){0, 1, 2, 3, 4, 5, 6, 7} * (uint64_t)bits, mask = (uint64_t)((1u << bits) - 1u);
    u32x8 a = __builtin_convertvector(((u64x8)lo >> shift) & mask, u32x8);
    u32x8 b = __builtin_convertvector(((u64x8)hi >> shift) & mask, u32x8);
    return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

/// Whether `bits` codes straddle bytes and words (3, 5, 6), so that rows are read as bit streams.
#define STREAM(bits) ((bits) == 3 || (bits) == 5 || (bits) == 6)

/// Row `row`, columns [first, last), into `out`; `bits` and `type` are constants in each copy the switch below
/// makes. Sixteen columns at a time where they start on a multiple of 16 (every word whole), one at a time at
/// the ends.
INLINE void packed_row(const heft_packed *p, size_t row, size_t first, size_t last, float *out, const uint32_t bits,
                       const int32_t type) {
    const uint32_t mask = (1u << bits) - 1u, per = 32u / bits;
    const size_t columns = p->columns;
    const u32x16 shifts = shifts16(bits);
    // [from, to): the whole runs of 16 columns.
    size_t from = (first + 15) / 16 * 16, to = last / 16 * 16;
    if (from > to) from = to = last;
    switch (p->method) {
    case HEFT_PACKED_GPTQ: {
        // codes [rows · bits / 32][columns] packed down the rows (row r at bit r·bits of each column's words; a
        // 3-bit code can straddle two words); zeros [groups][columns · bits / 32], a bit stream across the columns.
        const size_t g = p->groups ? word_at((const uint32_t *)p->groups, row) : row / p->group_size;
        const size_t bit = row * bits;
        const uint32_t shift = (uint32_t)(bit % 32);
        const bool straddles = shift + bits > 32;
        const int32_t offset = p->zero_offset;
        const size_t code_row = bit / 32 * columns, scale_row = g * columns;
        const uint8_t *zero_row = (const uint8_t *)p->zeros + g * (columns * bits / 8);
#define GPTQ_CODE(j)                                                                                             \
    (((word_at(p->codes, code_row + (j)) >> shift) |                                                             \
      (straddles ? word_at(p->codes, code_row + columns + (j)) << (32 - shift) : 0u)) & mask)
#define GPTQ_ONE(j)                                                                                              \
    out[(j) - first] = scale_at(type, p->scales, scale_row + (j)) *                                              \
                       (float)((int32_t)GPTQ_CODE(j) - ((int32_t)stream_code(zero_row, (j), bits) + offset))
        for (size_t j = first; j < from; j++) GPTQ_ONE(j);
        for (size_t j = from; j < to; j += 16) {
            u32x16 codes, next = 0;
            memcpy(&codes, (const char *)p->codes + 4 * (code_row + j), 64);
            if (straddles) memcpy(&next, (const char *)p->codes + 4 * (code_row + columns + j), 64);
            i32x16 q = (i32x16)(((codes >> shift) | (straddles ? next << (32 - shift) : 0)) & mask);
            u32x16 zero_codes = STREAM(bits) ? stream_codes16(zero_row + j / 16 * 2 * bits, bits)
                                             : (words16((const uint32_t *)zero_row, j / per, bits) >> shifts) & mask;
            i32x16 z = (i32x16)zero_codes + offset;
            f32x16 v = scales16(type, p->scales, scale_row + j) * __builtin_convertvector(q - z, f32x16);
            memcpy(out + (j - first), &v, 64);
        }
        for (size_t j = to; j < last; j++) GPTQ_ONE(j);
#undef GPTQ_ONE
#undef GPTQ_CODE
        break;
    }
    case HEFT_PACKED_AWQ: {
        // codes [rows][columns / per] and zeros [groups][columns / per], both in AWQ's order within a word: the
        // value in nibble t of word c is column per·c + awq_order[t] (4-bit only, per = 8).
        const size_t g = row / p->group_size;
        const size_t code_row = row * (columns / per), zero_row = g * (columns / per), scale_row = g * columns;
#define AWQ_ONE(j)                                                                                               \
    out[(j) - first] = scale_at(type, p->scales, scale_row + (j) / per * per + awq_order[(j) % per]) *           \
                       (float)((int32_t)((word_at(p->codes, code_row + (j) / per) >> (bits * (uint32_t)((j) % per))) & mask) - \
                               (int32_t)((word_at(p->zeros, zero_row + (j) / per) >> (bits * (uint32_t)((j) % per))) & mask))
        for (size_t j = first; j < from; j++) AWQ_ONE(j);
        for (size_t j = from; j < to; j += 16) {
            i32x16 q = (i32x16)((words16(p->codes, code_row + j / per, bits) >> shifts) & mask);
            i32x16 z = (i32x16)((words16(p->zeros, zero_row + j / per, bits) >> shifts) & mask);
            f32x16 s = scales16(type, p->scales, scale_row + j);
            s = __builtin_shufflevector(s, s, 0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);
            f32x16 v = s * __builtin_convertvector(q - z, f32x16);
            memcpy(out + (j - first), &v, 64);
        }
        for (size_t j = to; j < last; j++) AWQ_ONE(j);
#undef AWQ_ONE
        break;
    }
    case HEFT_PACKED_COMPRESSED: {
        const size_t code_row = row * ((columns + per - 1) / per), scale_row = row * p->scale_columns;
        const int32_t offset = p->zero_offset;
        const int32_t *groups = p->groups;
#define CT_GROUP(j) (groups ? (size_t)word_at((const uint32_t *)groups, (j)) : (j) / p->group_size)
#define CT_SCALE(g) scale_at(type, p->scales, p->scale_columns ? scale_row + (g) : 0)
#define CT_ZERO(g)                                                                                               \
    (p->zero_layout == 0   ? offset                                                                             \
     : p->zero_layout == 1 ? (int32_t)((word_at(p->zeros, row / per * p->scale_columns + (g)) >> (bits * (uint32_t)(row % per))) & mask) \
                           : (int32_t)((const int8_t *)p->zeros)[p->scale_columns ? scale_row + (g) : 0] + offset)
#define CT_ONE(j)                                                                                                \
    out[(j) - first] = CT_SCALE(CT_GROUP(j)) *                                                                   \
                       (float)((int32_t)((word_at(p->codes, code_row + (j) / per) >> (bits * (uint32_t)((j) % per))) & mask) - CT_ZERO(CT_GROUP(j)))
        // Runs of 16 share a group when there is no g_idx and groups are whole runs (or one scale spans the row).
        if (groups || (p->scale_columns > 1 && p->group_size % 16 != 0)) from = to = last;
        for (size_t j = first; j < from; j++) CT_ONE(j);
        for (size_t j = from; j < to; j += 16) {
            const size_t g = j / p->group_size;
            const f32x16 scale = CT_SCALE(g);
            const i32x16 zero = CT_ZERO(g);
            i32x16 q = (i32x16)((words16(p->codes, code_row + j / per, bits) >> shifts) & mask);
            f32x16 v = scale * __builtin_convertvector(q - zero, f32x16);
            memcpy(out + (j - first), &v, 64);
        }
        for (size_t j = to; j < last; j++) CT_ONE(j);
#undef CT_ONE
#undef CT_ZERO
#undef CT_SCALE
#undef CT_GROUP
        break;
    }
    default: {  // HEFT_PACKED_MLX: codes [rows][columns · bits / 32], scales and biases [rows][columns / group_size].
        const size_t group_row = row * (columns / p->group_size);
        const uint8_t *stream = (const uint8_t *)p->codes + row * (columns * bits / 8);
#define MLX_CODE(j)                                                                                              \
    (STREAM(bits) ? stream_code(stream, (j), bits) : (word_at(p->codes, code_row + (j) / per) >> (bits * (uint32_t)((j) % per))) & mask)
#define MLX_ONE(j)                                                                                               \
    out[(j) - first] = fmaf(scale_at(type, p->scales, group_row + (j) / p->group_size), (float)MLX_CODE(j),      \
                            scale_at(type, p->biases, group_row + (j) / p->group_size))
        const size_t code_row = row * (columns / per);
        if (p->group_size % 16 != 0) from = to = last;  // a run of 16 would span two groups
        for (size_t j = first; j < from; j++) MLX_ONE(j);
        for (size_t j = from; j < to; j += 16) {
            const size_t g = group_row + j / p->group_size;
            const f32x16 scale = scale_at(type, p->scales, g), bias = scale_at(type, p->biases, g);
            u32x16 q = STREAM(bits) ? stream_codes16(stream + j / 16 * 2 * bits, bits)
                                    : (words16(p->codes, code_row + j / per, bits) >> shifts) & mask;
            f32x16 v = __builtin_elementwise_fma(scale, __builtin_convertvector(q, f32x16), bias);
            memcpy(out + (j - first), &v, 64);
        }
        for (size_t j = to; j < last; j++) MLX_ONE(j);
#undef MLX_ONE
#undef MLX_CODE
        break;
    }
    }
}

#define PACKED_TYPES(bits)                                                                                       \
    switch (p->scale_type) {                                                                                     \
    case 0: packed_row(p, row, first, last, out, bits, 0); break;                                                \
    case 1: packed_row(p, row, first, last, out, bits, 1); break;                                                \
    default: packed_row(p, row, first, last, out, bits, 30); break;                                              \
    }

INLINE void packed_row_any(const heft_packed *p, size_t row, size_t first, size_t last, float *out) {
    switch (p->bits) {
    case 2: PACKED_TYPES(2); break;
    case 3: PACKED_TYPES(3); break;
    case 4: PACKED_TYPES(4); break;
    case 5: PACKED_TYPES(5); break;
    case 6: PACKED_TYPES(6); break;
    default: PACKED_TYPES(8); break;
    }
}

/// HEFT_PACKED_SCALED: row `row`, columns [first, last): the codes widened exactly, then each times its block's
/// scale.
INLINE void scaled_row(const heft_packed *p, size_t row, size_t first, size_t last, float *out) {
    const uint8_t *codes = (const uint8_t *)p->codes + row * p->columns;
    if (p->code_type == 24) {  // int8
        for (size_t j = first; j < last; j++) out[j - first] = (float)(int8_t)codes[j];
    } else {
        heft_widen((uint32_t)p->code_type, codes + first, last - first, out);
    }
    const size_t scale_row = row / p->block_rows * p->scale_columns;
    if (p->scale_columns == 0) {
        const float scale = scale_at(p->scale_type, p->scales, 0);
        for (size_t j = first; j < last; j++) out[j - first] *= scale;
        return;
    }
    for (size_t j = first; j < last;) {  // a scale at a time, over the columns of its block
        const size_t block = j / p->group_size, end = (block + 1) * p->group_size < last ? (block + 1) * p->group_size : last;
        const float scale = scale_at(p->scale_type, p->scales, scale_row + block);
        for (; j < end; j++) out[j - first] *= scale;
    }
    if (p->post_scale != 0) {  // bitsandbytes int8: (code · SCB) · float32(1 / 127), two roundings as it does
        for (size_t j = first; j < last; j++) out[j - first] *= p->post_scale;
    }
}

/// bitsandbytes' NF4 and FP4 code tables, as its kernels hold them (kDequantizeBlockwise's dDequantizeNF4 and
/// dDequantizeFP4Tree): the stored quant_map holds the same values, but the kernels use these.
static const float bnb_tables[2][16] = {
    {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
     -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
     0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f},
    {0.0f, 0.005208333333f, 0.66666667f, 1.0f, 0.33333333f, 0.5f, 0.16666667f, 0.25f,
     -0.0f, -0.005208333333f, -0.66666667f, -1.0f, -0.33333333f, -0.5f, -0.16666667f, -0.25f},
};

/// HEFT_PACKED_BNB4: row `row`, columns [first, last), a block's absmax at a time.
INLINE void bnb4_row(const heft_packed *p, size_t row, size_t first, size_t last, float *out) {
    const uint8_t *codes = (const uint8_t *)p->codes;
    const float *table = bnb_tables[p->code_type == 1];
    size_t i = row * p->columns + first;
    const size_t end = row * p->columns + last;
    float *o = out;
    while (i < end) {
        const size_t block = i / p->group_size;
        const size_t stop = (block + 1) * p->group_size < end ? (block + 1) * p->group_size : end;
        float absmax;
        if (p->zero_layout == 1) {
            float map_value, nested;
            memcpy(&map_value, (const char *)p->biases + 4 * ((const uint8_t *)p->scales)[block], 4);
            memcpy(&nested, (const char *)p->zeros + 4 * (block / p->block_rows), 4);
            absmax = map_value * nested;  // float32, rounded, then the offset added: as bitsandbytes does
            absmax = absmax + p->offset;
        } else {
            memcpy(&absmax, (const char *)p->scales + 4 * block, 4);
        }
        // (Which nibble comes first cannot change a statistic: a byte's two values share a block's absmax.)
        for (; i < stop; i++) {
            const uint8_t byte = codes[i >> 1];
            *o++ = table[(i & 1) ? byte & 15 : byte >> 4] * absmax;
        }
    }
}

/// MLX's E8M0 scale: the bfloat16 with bits s << 7 (s = 0: 0x0040, 2^−127), widened: 2^(s − 127), 255 giving +Inf.
INLINE float e8m0(uint8_t s) { return s == 0 ? 0x1p-127f : float_bits((uint32_t)s << 23); }

/// E2M1 codes (sign, 2 exponent bits, 1 mantissa bit) as float32, exactly: 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their
/// negatives (code 8 is −0), as mlx's `FP4_LUT`. Built from the bits: a magnitude m ≥ 2 is 2^(m/2 − 1)·(1 + (m & 1)/2).
INLINE f32x16 e2m1(u32x16 code) {
    const u32x16 m = code & 7u;
    u32x16 bits = ((m >> 1) + 126u) << 23 | (m & 1u) << 22;
    bits = select_bits(m < 2u, select_bits(m == 1u, (u32x16)(126u << 23), (u32x16)0u), bits);
    return (f32x16)(bits | (code & 8u) << 28);
}

/// The scales of a row's groups g … g + 15 (fewer at the row's end) into `cache`, 16 scale bytes at a time: E4M3
/// (nvfp4) or E8M0 (2^(s − 127), 0 giving 2^−127 and 255 +Inf); an NVFP4 scale then times the tensor's second scale
/// (`zero_layout` 1, ModelOpt's weight_scale_2) or divided by its global scale (2, compressed-tensors'
/// weight_global_scale), in float32 as each library computes the group's scale. (One scale at a time, widening a
/// byte through the 16-lane E4M3 conversion, made NVFP4 decoding half as fast.)
INLINE void scales16_fp(const heft_packed *p, const uint8_t *scales, size_t g, size_t groups, float *cache) {
    uint8_t copy[16] = {0};
    memcpy(copy, scales + g, groups - g < 16 ? groups - g : 16);
    const u8x16 bytes = bytes16(copy);
    f32x16 s;
    if (p->code_type == 1) {
        s = (f32x16)f8_bits(bytes, false);
        if (p->zero_layout == 1) s *= p->post_scale;
        else if (p->zero_layout == 2) s /= p->post_scale;
    } else {
        const u32x16 e = __builtin_convertvector(bytes, u32x16);
        s = (f32x16)select_bits(e == 0u, (u32x16)0x00400000u, e << 23);
    }
    memcpy(cache, &s, 64);
}

/// The scale of group `g`, from `cache` (groups *cached … *cached + 15), refilled when `g` lies outside it.
INLINE float scale_fp(const heft_packed *p, const uint8_t *scales, size_t groups, size_t g, float *cache, size_t *cached) {
    if (g < *cached || g - *cached >= 16) {
        scales16_fp(p, scales, g, groups, cache);
        *cached = g;
    }
    return cache[g - *cached];
}

/// HEFT_PACKED_MLX_FP: row `row`, columns [first, last): 16 codes a step, widened (E2M1 from nibbles, lowest first,
/// or E4M3 bytes), then times the group's scale. The first step ends at a multiple of 16, so that the others share
/// one scale when groups are whole runs; a whole run reads its bytes in place, a shorter one (at the ends) from a
/// zero-padded copy, so no byte past the row is read.
INLINE void mlx_fp_row(const heft_packed *p, size_t row, size_t first, size_t last, float *out) {
    const size_t columns = p->columns, size = p->group_size;
    const uint8_t *codes = (const uint8_t *)p->codes + row * (columns * (size_t)p->bits / 8);
    const size_t groups = columns / size;
    const uint8_t *scales = (const uint8_t *)p->scales + row * groups;
    const int32_t mode = p->code_type;
    float cache[16];
    size_t cached = SIZE_MAX;  // no group yet: every g is below it or 16 past it
    for (size_t j = first; j < last;) {
        const size_t n = last - j < 16 - j % 16 ? last - j : 16 - j % 16;
        uint8_t copy[16] = {0};
        f32x16 v;
        if (mode != 2) {
            // Code j + l is in byte (j % 2 + l) / 2 of the copy, in its high nibble when j + l is odd. A whole
            // aligned run reads its 8 bytes in place (a copy of a length the compiler cannot see calls memmove).
            u8x16 b = 0;
            if (n == 16 && j % 2 == 0) {
                uint64_t eight;
                memcpy(&eight, codes + j / 2, 8);
                b = (u8x16)(u64x2){eight, 0};
            } else {
                memcpy(copy, codes + j / 2, (j % 2 + n + 1) / 2);
                b = bytes16(copy);
            }
            u32x16 nibbles;
            if (j % 2 == 0) {
                nibbles = __builtin_convertvector(__builtin_shufflevector(b, b, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7), u32x16) >>
                          (u32x16){0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4};
            } else {
                nibbles = __builtin_convertvector(__builtin_shufflevector(b, b, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8), u32x16) >>
                          (u32x16){4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0};
            }
            v = e2m1(nibbles & 15u);
        } else {
            if (n == 16) {
                v = (f32x16)f8_bits(bytes16(codes + j), false);
            } else {
                memcpy(copy, codes + j, n);
                v = (f32x16)f8_bits(bytes16(copy), false);
            }
        }
        if (n == 16 && size % 16 == 0) {
            v *= scale_fp(p, scales, groups, j / size, cache, &cached);
            memcpy(out + (j - first), &v, 64);
        } else {
            for (size_t l = 0; l < n; l++) out[j + l - first] = v[l] * scale_fp(p, scales, groups, (j + l) / size, cache, &cached);
        }
        j += n;
    }
}

INLINE void heft_dequantize_packed_body(const heft_packed *p, size_t start, size_t count, float *out) {
    size_t done = 0;
    while (done < count) {
        const size_t at = start + done, row = at / p->columns, first = at % p->columns;
        size_t last = p->columns;
        if (last - first > count - done) last = first + (count - done);
        if (p->method == HEFT_PACKED_SCALED) scaled_row(p, row, first, last, out + done);
        else if (p->method == HEFT_PACKED_BNB4) bnb4_row(p, row, first, last, out + done);
        else if (p->method == HEFT_PACKED_MLX_FP) mlx_fp_row(p, row, first, last, out + done);
        else packed_row_any(p, row, first, last, out + done);
        done += last - first;
    }
}

HEFT_DISPATCH(, void, heft_dequantize_packed, (const heft_packed *p, size_t start, size_t count, float *out),
              (p, start, count, out))
