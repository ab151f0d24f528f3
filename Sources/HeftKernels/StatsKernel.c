// The one hot loop of `heft stats`, in C because it must run at memory bandwidth: Swift compiles a whole module for
// one instruction set (baseline x86-64 is SSE2, where this loop reaches 2.5 GB/s), while clang's target_clones
// builds the loop for AVX-512, AVX2 and SSE2 and picks one when the program loads. Everything else stays Swift.
#include "HeftKernels.h"

#include <math.h>
#include <string.h>

typedef uint32_t u32x16 __attribute__((ext_vector_type(16)));
typedef int32_t i32x16 __attribute__((ext_vector_type(16)));
typedef float f32x16 __attribute__((ext_vector_type(16)));
typedef double f64x8 __attribute__((ext_vector_type(8)));
typedef uint16_t u16x16 __attribute__((ext_vector_type(16)));

#if defined(__x86_64__) && defined(__linux__)
#define HEFT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HEFT_CLONES
#endif

#define MAGNITUDE 0x7FFFFFFFu
#define INFINITY_BITS 0x7F800000u

static inline uint32_t bits_of(float v) {
    uint32_t b;
    memcpy(&b, &v, 4);
    return b;
}

/// Running figures of the values taken one at a time (vectors holding a NaN or an infinity, and the tail).
typedef struct {
    uint64_t nan, inf, zeros, near[HEFT_MAX_BOUNDS];
    float low, high;
    double sum, squares;
    uint32_t top1[16], top2[16];
} scalar_state;

static inline void add_one(scalar_state *s, float v, int lane, double shift, const uint32_t *bounds, int nbounds,
                           uint32_t *histogram) {
    uint32_t b = bits_of(v), m = b & MAGNITUDE;
    if (m >= INFINITY_BITS) {
        if (m > INFINITY_BITS) s->nan++;
        else s->inf++;
        return;
    }
    if (m == 0) s->zeros++;
    for (int k = 0; k < nbounds; k++) s->near[k] += m < bounds[k];
    if (v < s->low) s->low = v;
    if (v > s->high) s->high = v;
    double d = (double)v - shift;
    s->sum += d;
    s->squares += d * d;
    if (m > s->top1[lane]) {
        s->top2[lane] = s->top1[lane];
        s->top1[lane] = m;
    } else if (m > s->top2[lane]) {
        s->top2[lane] = m;
    }
    if (histogram) histogram[(b - (b >> 31)) >> 16]++;
}

/// The vector loop for a fixed number of bounds (4 or 8), so that the bounds stay in registers and the loop unrolls.
static inline __attribute__((always_inline)) size_t scan_vectors(const float *x, size_t n, float shift,
                                                                 const uint32_t *bounds, int nbounds, const int slots,
                                                                 uint32_t *histogram, scalar_state *s,
                                                                 heft_run_stats *out) {
    u32x16 bound[HEFT_MAX_BOUNDS];
    i32x16 near[HEFT_MAX_BOUNDS];
    for (int b = 0; b < slots; b++) {
        bound[b] = (u32x16)(b < nbounds ? bounds[b] : 0u);
        near[b] = 0;
    }
    i32x16 zeros = 0;
    f32x16 low = INFINITY, high = -INFINITY;
    const f64x8 shift8 = shift;
    f64x8 sum0 = 0, sum1 = 0, squares0 = 0, squares1 = 0;
    u32x16 top1 = 0, top2 = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        u32x16 bits;
        memcpy(&bits, x + i, 64);
        u32x16 magnitude = bits & MAGNITUDE;
        if (__builtin_reduce_or(magnitude >= INFINITY_BITS) != 0) {
            // Rare: a NaN or an infinity among these 16; take them one at a time.
            for (int l = 0; l < 16; l++) add_one(s, x[i + l], l, shift, bounds, nbounds, histogram);
            continue;
        }
        zeros = magnitude == 0 ? zeros + 1 : zeros;
        for (int b = 0; b < slots; b++) near[b] = magnitude < bound[b] ? near[b] + 1 : near[b];
        f32x16 value = (f32x16)bits;
        low = value < low ? value : low;
        high = value > high ? value : high;
        f64x8 d0 = __builtin_convertvector(value.lo, f64x8) - shift8;
        f64x8 d1 = __builtin_convertvector(value.hi, f64x8) - shift8;
        sum0 += d0;
        sum1 += d1;
        squares0 += d0 * d0;
        squares1 += d1 * d1;
        u32x16 smaller = __builtin_elementwise_min(top1, magnitude);
        top1 = __builtin_elementwise_max(top1, magnitude);
        top2 = __builtin_elementwise_max(top2, smaller);
        if (histogram) {
            // bits >> 16 for x ≥ +0; (bits − 1) >> 16 for x ≤ −0, which puts −0 at 0x7FFF.
            u16x16 key = __builtin_convertvector((bits - (bits >> 31)) >> 16, u16x16);
            uint64_t packed[4];
            memcpy(packed, &key, 32);
            for (int q = 0; q < 4; q++) {
                uint64_t k = packed[q];
                histogram[k & 0xFFFF]++;
                histogram[(k >> 16) & 0xFFFF]++;
                histogram[(k >> 32) & 0xFFFF]++;
                histogram[k >> 48]++;
            }
        }
    }
    out->zeros = (uint64_t)__builtin_reduce_add(zeros);
    for (int b = 0; b < HEFT_MAX_BOUNDS; b++) out->near[b] = b < slots ? (uint64_t)__builtin_reduce_add(near[b]) : 0;
    out->min = __builtin_reduce_min(low);
    out->max = __builtin_reduce_max(high);
    f64x8 sums = sum0 + sum1, squareSums = squares0 + squares1;
    out->sum = 0;
    out->sum_squares = 0;
    for (int l = 0; l < 8; l++) {
        out->sum += sums[l];
        out->sum_squares += squareSums[l];
    }
    memcpy(out->top1, &top1, 64);
    memcpy(out->top2, &top2, 64);
    return i;
}

HEFT_CLONES
void heft_scan_f32(const float *x, size_t n, float shift, const uint32_t *bounds, int nbounds,
                   uint32_t *histogram, heft_run_stats *out) {
    if (nbounds > HEFT_MAX_BOUNDS) nbounds = HEFT_MAX_BOUNDS;
    scalar_state s = {.low = INFINITY, .high = -INFINITY};
    size_t i = nbounds <= 4 ? scan_vectors(x, n, shift, bounds, nbounds, 4, histogram, &s, out)
                            : scan_vectors(x, n, shift, bounds, nbounds, HEFT_MAX_BOUNDS, histogram, &s, out);
    for (; i < n; i++) add_one(&s, x[i], (int)(i % 16), shift, bounds, nbounds, histogram);

    // Fold the values taken one at a time into the vector figures.
    out->nan = s.nan;
    out->inf = s.inf;
    out->zeros += s.zeros;
    for (int b = 0; b < nbounds; b++) out->near[b] += s.near[b];
    if (s.low < out->min) out->min = s.low;
    if (s.high > out->max) out->max = s.high;
    out->sum += s.sum;
    out->sum_squares += s.squares;
    for (int l = 0; l < 16; l++) {  // merge the two top-2 sets of each lane
        uint32_t a1 = out->top1[l], a2 = out->top2[l], b1 = s.top1[l], b2 = s.top2[l];
        uint32_t high1 = a1 > b1 ? a1 : b1, low1 = a1 > b1 ? b1 : a1, high2 = a2 > b2 ? a2 : b2;
        out->top1[l] = high1;
        out->top2[l] = low1 > high2 ? low1 : high2;
    }
}

HEFT_CLONES
void heft_count_f32(const float *x, size_t n, uint32_t above, const uint32_t *bounds, int nbounds,
                    uint64_t *outliers, uint64_t *near) {
    if (nbounds > HEFT_MAX_BOUNDS) nbounds = HEFT_MAX_BOUNDS;
    i32x16 over = 0, counts[HEFT_MAX_BOUNDS];
    u32x16 bound[HEFT_MAX_BOUNDS];
    for (int b = 0; b < HEFT_MAX_BOUNDS; b++) {
        counts[b] = 0;
        bound[b] = (u32x16)(b < nbounds ? bounds[b] : 0u);
    }
    const u32x16 limit = above;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        u32x16 bits;
        memcpy(&bits, x + i, 64);
        u32x16 magnitude = bits & MAGNITUDE;
        over = ((magnitude > limit) & (magnitude < INFINITY_BITS)) ? over + 1 : over;
        for (int b = 0; b < HEFT_MAX_BOUNDS; b++) counts[b] = magnitude < bound[b] ? counts[b] + 1 : counts[b];
    }
    uint64_t total = (uint64_t)__builtin_reduce_add(over);
    uint64_t totals[HEFT_MAX_BOUNDS];
    for (int b = 0; b < HEFT_MAX_BOUNDS; b++) totals[b] = (uint64_t)__builtin_reduce_add(counts[b]);
    for (; i < n; i++) {
        uint32_t m = bits_of(x[i]) & MAGNITUDE;
        if (m > above && m < INFINITY_BITS) total++;
        for (int b = 0; b < nbounds; b++) totals[b] += m < bounds[b];
    }
    *outliers = total;
    for (int b = 0; b < nbounds; b++) near[b] = totals[b];
}
