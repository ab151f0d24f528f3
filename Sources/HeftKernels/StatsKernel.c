// The hot loops of `heft stats`, in C because they must run at memory bandwidth: Swift compiles a whole module for
// one instruction set (baseline x86-64 is SSE2, where the statistics loop reaches 2.5 GB/s), while clang's
// target_clones builds each loop for AVX-512, AVX2 and SSE2 and picks one when the program loads.
//
// A scan reads each block of 4,096 values twice: once from memory for the statistics (counts, extremes, float64
// sums, block maxima), once from L1 to count every value in its histogram cell. The cell count needs no memory
// writes: each value becomes a one-hot bit (its cell) and carry-save adders add those bits in registers
// (Harley–Seal), about two logic instructions per 16 values. A per-value counter table (`table[key]++`) was
// measured at 0.28 ns per value per core here, as much as all the statistics together.
#include "HeftKernels.h"
#include "Vectors.h"

#include <math.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#define MAGNITUDE 0x7FFFFFFFu
#define INFINITY_BITS 0x7F800000u
/// Values per block: the statistics loop reads a block from memory, the cell count reads it again from L1.
#define BLOCK HEFT_BLOCK
/// Bit planes of the cell counters above the two Harley–Seal trees: counts below 256 · 2^PLANES per lane and cell.
#define PLANES 12

/// The number of true lanes of a comparison.
static inline uint64_t mask_count(b16 mask) {
    uint16_t lanes;
    memcpy(&lanes, &mask, 2);
    return (uint64_t)__builtin_popcount(lanes);
}

/// Hands a counter over in a general-purpose register. Without it clang sees counters stored side by side, gathers
/// them into one vector inside the loop and turns their popcounts into vector code, measured 20 % slower here.
#define SCALAR(counter) __asm__("" : "+r"(counter))

static inline uint32_t bits_of(float v) {
    uint32_t b;
    memcpy(&b, &v, 4);
    return b;
}

// MARK: the grid

void heft_grid_init(heft_grid *grid, int cells) {
    memset(grid, 0, sizeof *grid);
    // One cell cannot hold values on both sides of 0 (cells are [i·2^k, (i + 1)·2^k)): two is the fewest.
    grid->cells = cells < 2 ? 2 : cells > HEFT_MAX_CELLS ? HEFT_MAX_CELLS : cells;
    grid->low = INFINITY;
    grid->high = -INFINITY;
}

/// floor(v / 2^k), exact: dividing a float32 by a power of two is exact in float64.
static inline int64_t cell_index(float v, int k) { return (int64_t)floor(ldexp((double)v, -k)); }

/// The narrowest width exponent ≥ `at_least` whose aligned cells from `lo` to `hi` number at most `cells`, and at
/// least 2^-126 and ulp-sized cells of the larger magnitude (2^(e−23)), so that cell indices stay below 2^24.
static int width_for(float lo, float hi, int cells, int at_least) {
    float magnitude = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
    int k = magnitude > 0 ? ilogbf(magnitude) - 23 : HEFT_GRID_MIN_EXPONENT;
    if (k < HEFT_GRID_MIN_EXPONENT) k = HEFT_GRID_MIN_EXPONENT;
    if (k < at_least) k = at_least;
    double range = (double)hi - (double)lo;  // a start a little below the answer: 2^(k+7) > range
    if (range > 0 && ilogb(range) - 7 > k) k = ilogb(range) - 7;
    while (k < HEFT_GRID_MAX_EXPONENT && cell_index(hi, k) - cell_index(lo, k) >= cells) k++;
    return k;
}

/// Moves the counts of `g` (cells of width 2^g->width_exponent from g->origin) into `into` (coarser or equal):
/// old cell a lies inside new cell floor(a / 2^shift). Widths can differ by up to 2^252 (a tensor of values near
/// 10⁻³⁰ merged with one near 10³³): shifts of 63 or more, undefined in C, give floor's answer, −1 or 0.
static void move_counts(uint64_t *into, int k, int64_t origin, const heft_grid *g) {
    int shift = k - g->width_exponent;
    for (int c = 0; c < g->cells; c++) {
        if (g->counts[c] == 0) continue;
        int64_t cell = g->origin + c;
        into[(shift >= 63 ? (cell < 0 ? -1 : 0) : cell >> shift) - origin] += g->counts[c];
    }
}

/// Widens `grid` (counts kept) so that it also covers [low, high] with cells at least 2^at_least wide.
static void grid_cover(heft_grid *grid, float low, float high, int at_least) {
    bool empty = grid->low > grid->high;
    float lo = low < grid->low ? low : grid->low, hi = high > grid->high ? high : grid->high;
    int k = width_for(lo, hi, grid->cells, empty || at_least > grid->width_exponent ? at_least : grid->width_exponent);
    int64_t origin = cell_index(lo, k);
    if (!empty && (k != grid->width_exponent || origin != grid->origin)) {
        uint64_t moved[HEFT_MAX_CELLS] = {0};
        move_counts(moved, k, origin, grid);
        memcpy(grid->counts, moved, sizeof moved);
    }
    grid->width_exponent = k;
    grid->origin = origin;
    grid->low = lo;
    grid->high = hi;
}

void heft_grid_merge(heft_grid *into, const heft_grid *from) {
    if (from->low > from->high) return;
    grid_cover(into, from->low, from->high, from->width_exponent);
    move_counts(into->counts, into->width_exponent, into->origin, from);
}

static inline void grid_add(heft_grid *grid, float v) {
    if (v < grid->low || v > grid->high) grid_cover(grid, v, v, HEFT_GRID_MIN_EXPONENT);
    grid->counts[cell_index(v, grid->width_exponent) - grid->origin]++;
}

// MARK: statistics

/// Running figures of the values taken one at a time (vectors holding a NaN or an infinity, and the tail).
typedef struct {
    uint64_t nan, inf, zeros, near[HEFT_MAX_BOUNDS];
    float low, high;
    double sum, squares;
} scalar_state;

/// One value into `s`; its zero and near-zero counts only with `conditions` (without, the codes gave them).
static inline void add_one(scalar_state *s, float v, double shift, const uint32_t *bounds, int nbounds, bool conditions) {
    uint32_t b = bits_of(v), m = b & MAGNITUDE;
    if (m >= INFINITY_BITS) {
        if (m > INFINITY_BITS) s->nan++;
        else s->inf++;
        return;
    }
    if (conditions) {
        if (m == 0) s->zeros++;
        for (int k = 0; k < nbounds; k++) s->near[k] += m < bounds[k];
    }
    if (v < s->low) s->low = v;
    if (v > s->high) s->high = v;
    double d = (double)v - shift;
    s->sum += d;
    s->squares += d * d;
}

/// Values a fast loop's lane adds in float32 before they join the float64 sums: 8 (AVX-512) or 16 (narrower) per
/// partial sum, which bounds each partial's rounding error at 16 × 2⁻²⁴ ≈ 1e-6 of its size.
#define RUN 128

/// A block whose largest magnitude is under 2⁻³²: float32 squares of its values would lose bits to underflow, so
/// its sums are taken in float64 (an all-zero block is exact either way).
static inline bool too_small(float low, float high) {
    float magnitude = fabsf(low) > fabsf(high) ? fabsf(low) : fabsf(high);
    return magnitude > 0 && magnitude < 0x1p-32f;
}

/// The vector figures of one block, kept in registers across blocks.
typedef struct {
    uint64_t zeros, near[HEFT_MAX_BOUNDS];
    f32x16 low, high;
    f64x8 sum0, sum1, squares0, squares1;
} vector_state;

/// Every figure but the cells, for the whole vectors of `x` (n a multiple of RUN), added to `v`; in the careful loop
/// vectors holding a NaN or an infinity go to `s` one value at a time. Sets the block's finite minimum and maximum of
/// the vector path. The fast loop returns false, adding nothing, when the block holds a NaN or an infinity or only
/// magnitudes under 2⁻³² (see `too_small`).
///
/// The fast loop sums in float32 for RUN values (8 per lane) and adds those partials to the float64 sums; the
/// careful loop sums in float64 throughout. With `masks` (AVX-512) zeros and near-zero values are counted as compare
/// masks and popcounts, which run on the scalar ports; without (AVX2 and narrower, where a 16-lane mask costs packs
/// and shuffles) as vector counters that subtract each compare's −1.
INLINE bool scan_statistics(const float *x, size_t n, double shift, const uint32_t *bounds, int nbounds,
                                const int slots, const bool careful, const bool masks, const bool conditions,
                                vector_state *v, scalar_state *s, float *block_low, float *block_high, const char *ahead,
                                size_t step) {
    const f64x8 shift8 = shift;
    u32x16 bound[HEFT_MAX_BOUNDS];
    for (int b = 0; b < slots; b++) bound[b] = (u32x16)(b < nbounds ? bounds[b] : 0u);
    // The block's own figures, added to `v` at the end (the fast loop's only if they are finite).
    f32x16 low = INFINITY, high = -INFINITY;
    uint64_t zeros = 0, near[HEFT_MAX_BOUNDS] = {0};
    // Lanes count at most BLOCK / 16 values each: no overflow.
    i32x16 zero_lanes = 0, near_lanes[HEFT_MAX_BOUNDS];
    for (int b = 0; b < slots; b++) near_lanes[b] = 0;
    f64x8 sum0 = 0, sum1 = 0, squares0 = 0, squares1 = 0;
    const f32x16 shift16 = (float)shift;
    for (size_t run = 0; run < n; run += RUN) {
        // The fast loop's float32 partial sums: each lane adds RUN / 16 values, then joins the float64 sums.
        f32x16 partial = 0, partial_squares = 0;
        for (size_t i = run; i < run + RUN; i += 16) {
            __builtin_prefetch(ahead + i / 16 * step);
            u32x16 bits;
            memcpy(&bits, x + i, 64);
            u32x16 magnitude = bits & MAGNITUDE;
            if (careful && __builtin_reduce_or(magnitude >= INFINITY_BITS) != 0) {
                // Rare: a NaN or an infinity among these 16; take them one at a time.
                for (int l = 0; l < 16; l++) add_one(s, x[i + l], shift, bounds, nbounds, conditions);
                continue;
            }
            if (!conditions) {
            } else if (masks) {
                zeros += mask_count(__builtin_convertvector(magnitude == 0, b16));
                for (int b = 0; b < slots; b++) near[b] += mask_count(__builtin_convertvector(magnitude < bound[b], b16));
            } else {
                // Magnitudes and bounds are below 2^31, so the signed compare AVX2 has is exact.
                zero_lanes -= (i32x16)(magnitude == 0);
                for (int b = 0; b < slots; b++) near_lanes[b] -= (i32x16)((i32x16)magnitude < (i32x16)bound[b]);
            }
            f32x16 value = (f32x16)bits;
            low = value < low ? value : low;
            high = value > high ? value : high;
            if (careful) {
                f64x8 d0 = __builtin_convertvector(value.lo, f64x8) - shift8;
                f64x8 d1 = __builtin_convertvector(value.hi, f64x8) - shift8;
                sum0 += d0 + d1;
                squares0 += d0 * d0 + d1 * d1;
            } else {
                f32x16 d = value - shift16;
                partial += d;
                partial_squares = __builtin_elementwise_fma(d, d, partial_squares);
            }
        }
        if (!careful) {
            sum0 += __builtin_convertvector(partial.lo, f64x8);
            sum1 += __builtin_convertvector(partial.hi, f64x8);
            squares0 += __builtin_convertvector(partial_squares.lo, f64x8);
            squares1 += __builtin_convertvector(partial_squares.hi, f64x8);
        }
    }
    if (!masks) {
        zeros += (uint64_t)__builtin_reduce_add(zero_lanes);
        for (int b = 0; b < slots; b++) near[b] += (uint64_t)__builtin_reduce_add(near_lanes[b]);
    }
    // A NaN or an infinity makes the float64 sums non-finite (finite floats cannot: their squares stay below 1e77).
    f64x8 all = sum0 + sum1 + squares0 + squares1;
    double total = 0;
    for (int l = 0; l < 8; l++) total += all[l];
    if (!careful && (!isfinite(total) || too_small(__builtin_reduce_min(low), __builtin_reduce_max(high)))) return false;
    SCALAR(zeros);
    v->zeros += zeros;
    for (int b = 0; b < slots; b++) {
        SCALAR(near[b]);
        v->near[b] += near[b];
    }
    v->sum0 += sum0;
    v->sum1 += sum1;
    v->squares0 += squares0;
    v->squares1 += squares1;
    v->low = __builtin_elementwise_min(v->low, low);
    v->high = __builtin_elementwise_max(v->high, high);
    *block_low = __builtin_reduce_min(low);
    *block_high = __builtin_reduce_max(high);
    return true;
}

typedef uint32_t u32x8 __attribute__((ext_vector_type(8)));
typedef int32_t i32x8 __attribute__((ext_vector_type(8)));
typedef double f64x4 __attribute__((ext_vector_type(4)));
typedef int16_t i16x16 __attribute__((ext_vector_type(16)));
typedef int16_t i16x8 __attribute__((ext_vector_type(8)));

/// Adds a run's eight-lane float32 partial sums to the float64 sums.
INLINE void fold_partials(f32x8 partial, f32x8 partial_squares, f64x4 *sum, f64x4 *squares) {
    *sum += __builtin_convertvector(partial.lo, f64x4) + __builtin_convertvector(partial.hi, f64x4);
    *squares += __builtin_convertvector(partial_squares.lo, f64x4) + __builtin_convertvector(partial_squares.hi, f64x4);
}

/// Whether four-lane sums stayed finite (a NaN or an infinity, or float32 squares past 2^128, make them not).
INLINE bool finite_sums(f64x4 sum, f64x4 squares) {
    f64x4 all = sum + squares;
    return isfinite(all[0] + all[1] + all[2] + all[3]);
}

/// Adds four-lane sums to the wide state, whose first half carries them (its other lanes stay 0).
INLINE void add_sums(vector_state *v, f64x4 sum, f64x4 squares) {
    f64x8 wide_sum = 0, wide_squares = 0;
    for (int l = 0; l < 4; l++) {
        wide_sum[l] = sum[l];
        wide_squares[l] = squares[l];
    }
    v->sum0 += wide_sum;
    v->squares0 += wide_squares;
}

/// Adds eight-lane extremes to the wide state (its other lanes keep ±∞) and reports the block's minimum and maximum.
INLINE void add_extremes(vector_state *v, f32x8 low, f32x8 high, float *block_low, float *block_high) {
    f32x16 low16 = INFINITY, high16 = -INFINITY;
    for (int l = 0; l < 8; l++) {
        low16[l] = low[l];
        high16[l] = high[l];
    }
    v->low = __builtin_elementwise_min(v->low, low16);
    v->high = __builtin_elementwise_max(v->high, high16);
    *block_low = __builtin_reduce_min(low);
    *block_high = __builtin_reduce_max(high);
}

/// `scan_statistics`' careful loop for up to four near-zero bounds on eight-lane vectors (AVX2's 256 bits, or two SSE2
/// registers), 16 values a step as two halves that share every counter and sum: float64 sums throughout, and
/// vectors holding a NaN or an infinity go to `s` one value at a time. The blocks `fast_statistics8` hands back.
INLINE void careful_statistics8(const float *x, size_t n, double shift, const uint32_t *bounds, int nbounds,
                                const bool conditions, vector_state *v, scalar_state *s, float *block_low,
                                float *block_high) {
    const f64x4 shift4 = shift;
    i32x8 bound[4];
    for (int b = 0; b < 4; b++) bound[b] = (i32x8)(int32_t)(b < nbounds ? bounds[b] : 0u);
    f32x8 low = INFINITY, high = -INFINITY;
    // Lanes count at most BLOCK / 8 values each: no overflow.
    i32x8 zero_lanes = 0, near_lanes[4] = {0, 0, 0, 0};
    f64x4 sum = 0, squares = 0;
    for (size_t i = 0; i < n; i += 16) {
        u32x8 a, b;
        memcpy(&a, x + i, 32);
        memcpy(&b, x + i + 8, 32);
        i32x8 ma = (i32x8)(a & MAGNITUDE), mb = (i32x8)(b & MAGNITUDE);
        if (__builtin_reduce_or((ma >= (i32x8)INFINITY_BITS) | (mb >= (i32x8)INFINITY_BITS)) != 0) {
            for (int l = 0; l < 16; l++) add_one(s, x[i + l], shift, bounds, nbounds, conditions);
            continue;
        }
        // Magnitudes and bounds are below 2^31, so the signed compares AVX2 has are exact.
        if (conditions) {
            zero_lanes += (i32x8)(ma == 0) + (i32x8)(mb == 0);
            for (int k = 0; k < 4; k++) near_lanes[k] += (i32x8)(ma < bound[k]) + (i32x8)(mb < bound[k]);
        }
        f32x8 va = (f32x8)a, vb = (f32x8)b;
        f32x8 lo = va < vb ? va : vb, hi = va > vb ? va : vb;
        low = lo < low ? lo : low;
        high = hi > high ? hi : high;
        f64x4 d0 = __builtin_convertvector(va.lo, f64x4) - shift4, d1 = __builtin_convertvector(va.hi, f64x4) - shift4;
        f64x4 d2 = __builtin_convertvector(vb.lo, f64x4) - shift4, d3 = __builtin_convertvector(vb.hi, f64x4) - shift4;
        sum += (d0 + d1) + (d2 + d3);
        squares += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3);
    }
    // Each compare gave −1 per true lane.
    v->zeros += (uint64_t)(-__builtin_reduce_add(zero_lanes));
    for (int k = 0; k < 4; k++) v->near[k] += (uint64_t)(-__builtin_reduce_add(near_lanes[k]));
    add_sums(v, sum, squares);
    add_extremes(v, low, high, block_low, block_high);
}

/// The fast loop on eight-lane vectors (AVX2's 256 bits, or two SSE2 registers) for up to four near-zero bounds, 16
/// values a step as two halves, for blocks without NaN or infinities (a block that holds one makes the sums
/// non-finite and returns false, adding nothing; `careful_statistics8` takes it again). Sums as `scan_statistics`'
/// fast loop takes them. The loop's state stays in the sixteen registers (the sixteen-lane loop spilled half of it
/// to the stack on AVX2, measured with perf), in fewer instructions a value than before:
///
/// - It counts magnitudes at or above each bound, as magnitude > bound − 1, whose bound can be read from memory
///   (x86's compare takes its second operand from memory, not its first); a block's near-zero counts are its
///   values minus these. A bound of 0 becomes −1, which every magnitude passes.
/// - With `by_bound` (a positive bound is counted), a block none of whose magnitudes is below the smallest positive
///   bound holds no zero; only the other blocks count their zeros again, in L1. Without it the loop keeps the
///   smallest magnitude and counts zeros again only in blocks where it is 0.
/// - Minimum and maximum are plain compare-and-select pairs, which x86 does in one instruction each.
INLINE bool fast_statistics8(const float *x, size_t n, double shift, const uint32_t *bounds, int nbounds,
                             const bool conditions, const bool by_bound, int zero_slot, vector_state *v,
                             float *block_low, float *block_high, const char *ahead, size_t step) {
    i32x8 below[4];
    for (int k = 0; k < 4; k++) below[k] = (i32x8)(k < nbounds ? (int32_t)bounds[k] - 1 : -1);
    const f32x8 shift8 = (float)shift;
    f32x8 low = INFINITY, high = -INFINITY, low_b = INFINITY, high_b = -INFINITY;
    // Two bounds' counts share a register: bound 2j in the low 16 bits of each 32-bit lane, bound 2j + 1 in the
    // high 16 bits. A lane counts at most BLOCK / 8 values: no overflow.
    i16x16 at_least[2] = {0, 0};
    i32x8 smallest = INT32_MAX;
    f64x4 sum = 0, squares = 0;
    for (size_t run = 0; run < n; run += RUN) {
        f32x8 partial = 0, partial_squares = 0;
        for (size_t i = run; i < run + RUN; i += 16) {
            __builtin_prefetch(ahead + i / 16 * step);
            i32x8 a, b;
            f32x8 va, vb;
            memcpy(&a, x + i, 32);
            memcpy(&b, x + i + 8, 32);
            memcpy(&va, x + i, 32);
            memcpy(&vb, x + i + 8, 32);
            if (conditions) {
                i32x8 ma = a & (i32x8)MAGNITUDE, mb = b & (i32x8)MAGNITUDE;
                if (!by_bound) smallest = __builtin_elementwise_min(smallest, __builtin_elementwise_min(ma, mb));
                for (int j = 0; j < 2; j++) {
                    // Added as 16-bit halves: a 32-bit −2 would leave −1 in its high half.
                    i16x16 even = (i16x16)(ma > below[2 * j]) + (i16x16)(mb > below[2 * j]);
                    i16x16 odd = (i16x16)(ma > below[2 * j + 1]) + (i16x16)(mb > below[2 * j + 1]);
                    at_least[j] +=
                        __builtin_shufflevector(even, odd, 0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31);
                }
            }
            low = va < low ? va : low;
            high = va > high ? va : high;
            low_b = vb < low_b ? vb : low_b;
            high_b = vb > high_b ? vb : high_b;
            f32x8 da = va - shift8, db = vb - shift8;
            partial += da + db;
            partial_squares = __builtin_elementwise_fma(db, db, __builtin_elementwise_fma(da, da, partial_squares));
        }
        fold_partials(partial, partial_squares, &sum, &squares);
    }
    low = low_b < low ? low_b : low;
    high = high_b > high ? high_b : high;
    if (!finite_sums(sum, squares) || too_small(__builtin_reduce_min(low), __builtin_reduce_max(high))) return false;
    if (conditions) {
        // Each compare gave −1 per true lane.
        uint64_t near[4];
        for (int j = 0; j < 2; j++) {
            i16x8 even = __builtin_shufflevector(at_least[j], at_least[j], 0, 2, 4, 6, 8, 10, 12, 14);
            i16x8 odd = __builtin_shufflevector(at_least[j], at_least[j], 1, 3, 5, 7, 9, 11, 13, 15);
            near[2 * j] = n - (uint64_t)(-__builtin_reduce_add(__builtin_convertvector(even, i32x8)));
            near[2 * j + 1] = n - (uint64_t)(-__builtin_reduce_add(__builtin_convertvector(odd, i32x8)));
        }
        bool zeros = by_bound ? near[zero_slot] > 0 : __builtin_reduce_min(smallest) == 0;
        if (zeros) {
            i32x8 zero_lanes = 0;
            for (size_t i = 0; i < n; i += 8) {
                i32x8 m;
                memcpy(&m, x + i, 32);
                zero_lanes += (i32x8)((m & (i32x8)MAGNITUDE) == 0);
            }
            v->zeros += (uint64_t)(-__builtin_reduce_add(zero_lanes));
        }
        for (int k = 0; k < nbounds && k < 4; k++) v->near[k] += near[k];
    }
    add_sums(v, sum, squares);
    add_extremes(v, low, high, block_low, block_high);
    return true;
}

/// The smallest positive bound among the first `nbounds` (at most 4), or −1 when there is none.
static inline int smallest_positive_bound(const uint32_t *bounds, int nbounds) {
    int slot = -1;
    for (int k = 0; k < nbounds && k < 4; k++) {
        if (bounds[k] > 0 && (slot < 0 || bounds[k] < bounds[slot])) slot = k;
    }
    return slot;
}

/// `ahead` is prefetched as the loop goes, `step` bytes every 16 values: the next 4 KiB of a float32 tensor, or the
/// next block's source when the block was dequantized into L1 (the source's fetch then overlaps this block's work).
///
/// Without `conditions` zeros and near-zero values are not counted (the caller counted them on the stored codes).
INLINE void statistics_block_body(const float *x, size_t n, double shift, const uint32_t *bounds, int nbounds,
                                  bool conditions, vector_state *v, scalar_state *s, float *low, float *high,
                                  const char *ahead, size_t step) {
    // The fast loop does not look for NaN or infinities; a block that held one (its sums are no longer finite)
    // adds nothing and is scanned again by the careful loop.
    const bool masks = heft_kernel_isa() == HEFT_ISA_AVX512;
#define FAST8(counted, by_bound, slot)                                                                            \
    fast_statistics8(x, n, shift, bounds, nbounds, counted, by_bound, slot, v, low, high, ahead, step)
    if (!masks && !conditions) {
        if (!FAST8(false, false, 0)) careful_statistics8(x, n, shift, bounds, nbounds, false, v, s, low, high);
        return;
    }
    if (!masks && nbounds <= 4) {
        int slot = smallest_positive_bound(bounds, nbounds);
        bool finite = slot >= 0 ? FAST8(true, true, slot) : FAST8(true, false, 0);
        if (!finite) careful_statistics8(x, n, shift, bounds, nbounds, true, v, s, low, high);
        return;
    }
#undef FAST8
#define SCAN(slots, careful, counted)                                                                            \
    (masks ? scan_statistics(x, n, shift, bounds, nbounds, slots, careful, true, counted, v, s, low, high, ahead, step) \
           : scan_statistics(x, n, shift, bounds, nbounds, slots, careful, false, counted, v, s, low, high, ahead, step))
    if (!conditions) {
        if (!SCAN(0, false, false)) SCAN(0, true, false);
        return;
    }
    bool finite = nbounds <= 4 ? SCAN(4, false, true) : SCAN(HEFT_MAX_BOUNDS, false, true);
    if (finite) return;
    if (nbounds <= 4) SCAN(4, true, true);
    else SCAN(HEFT_MAX_BOUNDS, true, true);
#undef SCAN
}

/// One block's statistics, compiled apart from the cell count so that each loop has the registers to itself.
HEFT_DISPATCH(static, void, statistics_block,
              (const float *x, size_t n, double shift, const uint32_t *bounds, int nbounds, bool conditions,
               vector_state *v, scalar_state *s, float *low, float *high, const char *ahead, size_t step),
              (x, n, shift, bounds, nbounds, conditions, v, s, low, high, ahead, step))

// MARK: cell counts

/// Bit-sliced cell counters: bit b of lane l in word w stands for cell 32·w + b of that lane. A Harley–Seal tree
/// of carry-save adders folds each group of 16 one-hot vectors into ones/twos/fours/eights and one vector of
/// sixteens; a second tree folds every 16 sixteens the same way into one vector of 256s, which ripples into
/// `plane` (plane p counts 256·2^p). Per vector that is about two logic instructions a word.
typedef struct {
    u32x16 ones[2], twos[2], fours[2], eights[2];         // units of 1, 2, 4, 8
    u32x16 sixteens[16][2];                               // the level-one outputs waiting for the second tree
    u32x16 ones16[2], twos16[2], fours16[2], eights16[2]; // units of 16 … 128
    u32x16 plane[PLANES][2];
    uint32_t pending, groups;
} sliced_counts;

/// A carry-save adder: per bit, a + b + c = 2·high + low. Written as two independent three-input functions so
/// that each compiles to one AVX-512 ternary-logic instruction (sharing a ^ b made it four instructions).
INLINE void csa(u32x16 *high, u32x16 *low, u32x16 a, u32x16 b, u32x16 c) {
    *high = (a & b) | (a & c) | (b & c);
    *low = a ^ b ^ c;
}

/// Adds `weight` × (lanes with bit b set in `v`) to cell 32·word + b of the grid.
static void spill(heft_grid *grid, int word, const u32x16 *v, uint64_t weight) {
    u32x16 x = *v;
    if (__builtin_reduce_or(x) == 0) return;
    for (int b = 0; b < 32; b++) {
        b16 set = __builtin_convertvector(((x >> (uint32_t)b) & 1u) != 0, b16);
        uint16_t lanes;
        memcpy(&lanes, &set, 2);
        grid->counts[32 * word + b] += (uint64_t)__builtin_popcount(lanes) * weight;
    }
}

/// Moves every count in flight into the grid and clears the counters.
static void flush(heft_grid *grid, sliced_counts *c) {
    for (int w = 0; w < 2; w++) {
        const u32x16 *levels[] = {&c->ones[w], &c->twos[w], &c->fours[w], &c->eights[w],
                                  &c->ones16[w], &c->twos16[w], &c->fours16[w], &c->eights16[w]};
        for (int k = 0; k < 8; k++) spill(grid, w, levels[k], 1ull << k);
        for (uint32_t k = 0; k < c->pending; k++) spill(grid, w, &c->sixteens[k][w], 16);
        for (int p = 0; p < PLANES; p++) spill(grid, w, &c->plane[p][w], 256ull << p);
    }
    memset(c, 0, sizeof *c);
}

/// How a value's cell index is computed.
enum cell_method {
    /// floor(x · 2^-k) − origin: exact, as long as no product underflows (width ≤ 1).
    MULTIPLY,
    /// The same, correcting tiny negative values whose product rounds to −0 (width > 1).
    MULTIPLY_FIXED,
    /// With the FPU rounding down: x + offset lands in the binade [2^(k+23), 2^(k+24)), whose floats are the
    /// multiples of 2^k, so the float's bits minus those of 2^(k+23) are the cell — two instructions instead of four.
    ROUND_DOWN,
};

/// Cells of 16 values as one-hot words; lanes that are not finite (only in blocks that hold some) count nowhere.
///
/// A shift by 32 or more must give 0 (a cell in the other word, or 255 for a lane that counts nowhere). AVX2's and
/// AVX-512's variable shifts do that; C leaves it undefined, and baseline x86-64 (SSE2) computes such shifts with
/// a float trick that gives other bits (a NaN in a block with a grid of width 2^15 was counted in cells 0, 1 and
/// 3). With `masked` the shift amount is masked and the lanes out of range cleared.
INLINE void one_hot(const float *x, f32x16 scale, f32x16 origin, const enum cell_method method,
                    const bool finite_only, const bool masked, const int words, u32x16 *w) {
    u32x16 bits;
    memcpy(&bits, x, 64);
    u32x16 cell;
    if (method == ROUND_DOWN) {
        cell = (u32x16)((f32x16)bits + scale) - (u32x16)origin;  // scale: the offset; origin: the binade's bits
    } else {
        f32x16 t = (f32x16)bits * scale;  // exact: a power-of-two scale
        cell = (u32x16)__builtin_convertvector(__builtin_elementwise_floor(t) - origin, i32x16);
        // With a scale below 1 a tiny negative value can round to −0; its cell is the one below zero's.
        if (method == MULTIPLY_FIXED) cell = (((u32x16)t == 0x80000000u) & (bits != 0x80000000u)) ? cell - 1 : cell;
    }
    if (finite_only) cell = (bits & MAGNITUDE) < INFINITY_BITS ? cell : (u32x16)255;
    if (masked) {
        u32x16 bit = (u32x16)1 << (cell & 31);
        w[0] = (u32x16)(cell < 32) & bit;
        if (words == 2) w[1] = (u32x16)(cell - 32 < 32) & bit;
        return;
    }
    w[0] = (u32x16)1 << cell;  // shifts of 32 or more give 0
    if (words == 2) w[1] = (u32x16)1 << (cell - 32);
}

/// Two inputs of a tree level, added into `ones`; the carries come out in `carry`.
#define TREE_INPUTS(first, second, ones, carry)                                                                  \
    do {                                                                                                         \
        for (int w = 0; w < words; w++) csa(&carry[w], &ones[w], ones[w], first[w], second[w]);                  \
    } while (0)

/// Sixteen inputs (`input(k, out)` writes input k) into a tree level; the sixteens come out in `out`.
#define HARLEY_SEAL(input, ones, twos, fours, eights, out)                                                       \
    do {                                                                                                         \
        u32x16 a[2], b[2], tA[2], tB[2], fA[2], fB[2], eA[2], eB[2];                                             \
        for (int half = 0; half < 2; half++) {                                                                   \
            input(8 * half + 0, a); input(8 * half + 1, b); TREE_INPUTS(a, b, ones, tA);                         \
            input(8 * half + 2, a); input(8 * half + 3, b); TREE_INPUTS(a, b, ones, tB);                         \
            TREE_INPUTS(tA, tB, twos, fA);                                                                       \
            input(8 * half + 4, a); input(8 * half + 5, b); TREE_INPUTS(a, b, ones, tA);                         \
            input(8 * half + 6, a); input(8 * half + 7, b); TREE_INPUTS(a, b, ones, tB);                         \
            TREE_INPUTS(tA, tB, twos, fB);                                                                       \
            TREE_INPUTS(fA, fB, fours, (half == 0 ? eA : eB));                                                   \
        }                                                                                                        \
        TREE_INPUTS(eA, eB, eights, out);                                                                        \
    } while (0)

/// Counts the cells of `n` values (a multiple of 256) into `c`.
INLINE void count_cells(const float *x, size_t n, float scale1, float origin1, const enum cell_method method,
                        const bool finite_only, const bool masked, const int words, sliced_counts *c, heft_grid *grid) {
    const f32x16 scale = scale1, origin = origin1;
    u32x16 ones[2], twos[2], fours[2], eights[2];
    for (int w = 0; w < 2; w++) {
        ones[w] = c->ones[w];
        twos[w] = c->twos[w];
        fours[w] = c->fours[w];
        eights[w] = c->eights[w];
    }
    for (size_t i = 0; i < n; i += 256) {
        const float *q = x + i;
#define VALUES(k, out) one_hot(q + 16 * (k), scale, origin, method, finite_only, masked, words, out)
        HARLEY_SEAL(VALUES, ones, twos, fours, eights, c->sixteens[c->pending]);
#undef VALUES
        if (++c->pending == 16) {  // the second tree, then the 256s ripple into the planes
            u32x16 carry[2];
#define SIXTEENS(k, out) memcpy(out, c->sixteens[k], sizeof out)
            HARLEY_SEAL(SIXTEENS, c->ones16, c->twos16, c->fours16, c->eights16, carry);
#undef SIXTEENS
            for (int p = 0; p < PLANES; p++) {
                for (int w = 0; w < words; w++) {
                    u32x16 t = c->plane[p][w] & carry[w];
                    c->plane[p][w] ^= carry[w];
                    carry[w] = t;
                }
            }
            c->pending = 0;
            if (++c->groups == (1u << PLANES) - 1) {  // before any plane could overflow
                for (int w = 0; w < 2; w++) {
                    c->ones[w] = ones[w];
                    c->twos[w] = twos[w];
                    c->fours[w] = fours[w];
                    c->eights[w] = eights[w];
                }
                flush(grid, c);
                for (int w = 0; w < 2; w++) ones[w] = twos[w] = fours[w] = eights[w] = (u32x16)0;
            }
        }
    }
    for (int w = 0; w < 2; w++) {
        c->ones[w] = ones[w];
        c->twos[w] = twos[w];
        c->fours[w] = fours[w];
        c->eights[w] = eights[w];
    }
}

#define COUNT_CELLS(method, words)                                                                               \
    do {                                                                                                         \
        if (masked) count_cells(x, n, scale, origin, method, true, true, words, c, grid);                        \
        else if (finite_only) count_cells(x, n, scale, origin, method, true, false, words, c, grid);             \
        else count_cells(x, n, scale, origin, method, false, false, words, c, grid);                             \
    } while (0)

/// One block's cell counts (into `c`, spilling into `grid`), with the cheapest exact cell computation for this
/// grid; compiled apart from the statistics so that each loop has the registers to itself.
INLINE void cells_block_body(const float *x, size_t n, heft_grid *grid, bool finite_only, sliced_counts *c) {
    const int k = grid->width_exponent;
    const bool one_word = grid->cells <= 32;
    // Below AVX2 a shift by 32 or more is not 0 (see `one_hot`); the masked loop also skips non-finite lanes.
    const bool masked = heft_kernel_isa() < HEFT_ISA_AVX2 && (finite_only || !one_word);
#if defined(__x86_64__)
    // Rounding down needs the offset 2^(k+23) − origin·2^k exact in float32 and the binade below 2^128; the generic
    // path (arm64's) never sets the rounding mode.
    if (k <= 103 && grid->origin > -(1 << 23) && heft_kernel_isa() != HEFT_ISA_GENERIC) {
        const float scale = ldexpf((float)((1 << 23) - grid->origin), k);  // the offset
        const float origin = ldexpf(1.0f, k + 23);  // its bits are cell 0's
        const unsigned saved = _mm_getcsr();
        _mm_setcsr((saved & ~0x6000u) | 0x2000u);  // MXCSR rounding control: toward −∞
        if (one_word) COUNT_CELLS(ROUND_DOWN, 1);
        else COUNT_CELLS(ROUND_DOWN, 2);
        _mm_setcsr(saved);
        return;
    }
#endif
    const float scale = ldexpf(1.0f, -k), origin = (float)grid->origin;
    if (k > 0) {
        if (one_word) COUNT_CELLS(MULTIPLY_FIXED, 1);
        else COUNT_CELLS(MULTIPLY_FIXED, 2);
    } else {
        if (one_word) COUNT_CELLS(MULTIPLY, 1);
        else COUNT_CELLS(MULTIPLY, 2);
    }
}

HEFT_DISPATCH(static, void, cells_block, (const float *x, size_t n, heft_grid *grid, bool finite_only, sliced_counts *c),
              (x, n, grid, finite_only, c))

// MARK: the scan

/// The bits of the larger finite magnitude of [low, high]; 0 when the range is empty.
static inline uint32_t magnitude_of(float low, float high) {
    if (low > high) return 0;
    uint32_t a = bits_of(low) & MAGNITUDE, b = bits_of(high) & MAGNITUDE;
    return a > b ? a : b;
}

/// Everything a scan carries from block to block.
typedef struct {
    vector_state v;
    sliced_counts c;
    scalar_state s;
    double shift;
    const uint32_t *bounds;
    int nbounds;
    heft_grid *grid;
} scan_state;

/// Sums are taken about the first finite value of the first block: close to the mean, so no cancellation.
static void scan_start(scan_state *sc, const float *first, size_t n, const uint32_t *bounds, int nbounds,
                       heft_grid *grid) {
    memset(sc, 0, sizeof *sc);
    sc->v.low = INFINITY;
    sc->v.high = -INFINITY;
    sc->s.low = INFINITY;
    sc->s.high = -INFINITY;
    sc->bounds = bounds;
    sc->nbounds = nbounds > HEFT_MAX_BOUNDS ? HEFT_MAX_BOUNDS : nbounds;
    sc->grid = grid;
    for (size_t i = 0; i < n && i < BLOCK; i++) {
        if (isfinite(first[i])) {
            sc->shift = first[i];
            break;
        }
    }
}

/// F16 or BF16 source of a block's whole runs, for the 16-bit loop (`half_statistics`), which widens them into `y`
/// (the block's floats).
typedef struct {
    uint32_t type;
    const uint16_t *src;
    const int16_t *cut;
    int zero_slot;
    float *y;
} half_source;

static bool half_statistics(uint32_t type, const uint16_t *src, size_t n, double shift, const int16_t *cut,
                            int zero_slot, vector_state *v, float *range, float *y, const char *ahead, size_t step);

/// One block of at most BLOCK values: whole runs of 256 through the vector loops (statistics from memory, then
/// the cells from L1), the rest one at a time. Returns the block's largest finite magnitude (bits).
///
/// Without `conditions` zeros and near-zero values are left out (counted on the stored codes instead).
///
/// With `half` the statistics of the whole runs are taken on the F16 or BF16 patterns, which are widened into `x`
/// as they go (a block holding NaN, ±Inf or extreme values goes through the float loops instead).
static uint32_t scan_block(scan_state *sc, const float *x, size_t m, const char *ahead, size_t step, bool conditions,
                           const half_source *half) {
    heft_grid *grid = sc->grid;
    size_t vectors = m / 256 * 256;
    float low = INFINITY, high = -INFINITY;
    if (vectors > 0) {
        uint64_t unusual = sc->s.nan + sc->s.inf;
        float range[2];
        if (!half || !half_statistics(half->type, half->src, vectors, sc->shift, half->cut, half->zero_slot, &sc->v,
                                      range, half->y, ahead, step)) {
            statistics_block(x, vectors, sc->shift, sc->bounds, sc->nbounds, conditions, &sc->v, &sc->s, &range[0],
                             &range[1], ahead, step);
        }
        low = range[0];
        high = range[1];
        bool finite_only = sc->s.nan + sc->s.inf != unusual;
        if (finite_only) {  // the values taken one at a time count toward the block's range too
            for (size_t j = 0; j < vectors; j++) {
                if (isfinite(x[j])) {
                    if (x[j] < low) low = x[j];
                    if (x[j] > high) high = x[j];
                }
            }
        }
        if (low <= high && (low < grid->low || high > grid->high)) {
            flush(grid, &sc->c);  // counts in flight belong to the old cells
            grid_cover(grid, low, high, HEFT_GRID_MIN_EXPONENT);
        }
        cells_block(x, vectors, grid, finite_only, &sc->c);
    }
    if (vectors < m) flush(grid, &sc->c);  // the values one at a time may widen the grid
    for (size_t j = vectors; j < m; j++) {
        add_one(&sc->s, x[j], sc->shift, sc->bounds, sc->nbounds, conditions);
        if (!isfinite(x[j])) continue;
        grid_add(grid, x[j]);
        if (x[j] < low) low = x[j];
        if (x[j] > high) high = x[j];
    }
    return magnitude_of(low, high);
}

static void scan_finish(scan_state *sc, heft_run_stats *out) {
    flush(sc->grid, &sc->c);
    const scalar_state *s = &sc->s;
    const vector_state *v = &sc->v;
    out->shift = (float)sc->shift;
    out->nan = s->nan;
    out->inf = s->inf;
    out->zeros = v->zeros + s->zeros;
    for (int b = 0; b < HEFT_MAX_BOUNDS; b++) out->near[b] = b < sc->nbounds ? v->near[b] + s->near[b] : 0;
    float low = __builtin_reduce_min(v->low), high = __builtin_reduce_max(v->high);
    out->min = s->low < low ? s->low : low;
    out->max = s->high > high ? s->high : high;
    f64x8 sums = v->sum0 + v->sum1, squares = v->squares0 + v->squares1;
    out->sum = s->sum;
    out->sum_squares = s->squares;
    for (int l = 0; l < 8; l++) {
        out->sum += sums[l];
        out->sum_squares += squares[l];
    }
}

void heft_scan_f32(const float *x, size_t n, const uint32_t *bounds, int nbounds, heft_grid *grid,
                   uint32_t *block_max, heft_run_stats *out) {
    scan_state sc;
    scan_start(&sc, x, n, bounds, nbounds, grid);
    for (size_t i = 0; i < n; i += BLOCK) {
        block_max[i / BLOCK] = scan_block(&sc, x + i, n - i < BLOCK ? n - i : BLOCK, (const char *)(x + i) + HEFT_PREFETCH, 64, true, NULL);
    }
    scan_finish(&sc, out);
}

// MARK: counts on the codes

// Q4_0, Q5_0 and Q8_0 store each value as d·k: a half-precision scale d and an integer code k with |k| ≤ 8, 16 or
// 128. The product has at most 11 + 8 significant bits, so the reference's float32 multiplication is exact, and
// |d·k| grows with |k|: a value lies below a bound exactly when |k| is below a cutoff that depends on |d| alone.
// With one cutoff per half-precision magnitude and bound, zeros and near-zero values are counted on the codes, 32
// to a vector register, instead of on the decoded floats.


/// Slots of a cutoff row: zeros (|x| < the smallest subnormal), then up to seven bounds.
#define CODE_SLOTS 8
/// Finite half-precision magnitudes: bit patterns 0 … 0x7BFF.
#define HALF_FINITE 0x7C00

/// For each finite |d| and slot, the number c of j = 0 … 128 with |d|·j below the slot's bound (bit patterns), so
/// that d·k counts exactly when |k| < c; stored as c − 128 (−128 … 1) for a signed byte compare with |k| − 128.
/// Built for one set of bounds and kept by its thread (254 KB; the scans run on the few threads of Swift's pool).
typedef struct {
    uint32_t bound[CODE_SLOTS];
    int slots;
    int8_t cut[HALF_FINITE][CODE_SLOTS];
} cutoff_table;

static _Thread_local cutoff_table *thread_cutoffs;

/// The cutoffs for zeros and `nbounds` (≤ 7) bounds, built once per thread and set of bounds; NULL when they cannot
/// be allocated (the caller then counts on the decoded floats).
static const cutoff_table *cutoffs(const uint32_t *bounds, int nbounds) {
    cutoff_table *t = thread_cutoffs;
    if (t == NULL && (t = thread_cutoffs = calloc(1, sizeof *t)) == NULL) return NULL;  // slots 0: no table yet
    uint32_t bound[CODE_SLOTS] = {1};  // |x| < the smallest subnormal: x = ±0
    for (int b = 0; b < nbounds; b++) bound[1 + b] = bounds[b];
    const int slots = 1 + nbounds;
    if (t->slots == slots && memcmp(t->bound, bound, sizeof bound) == 0) return t;
    t->slots = 0;  // incomplete while it is rebuilt
    // As |d| grows each cutoff can only fall: one walk down from 129 over all magnitudes (unused slots: 0).
    int c[CODE_SLOTS];
    for (int k = 0; k < CODE_SLOTS; k++) c[k] = k < slots ? 129 : 0;
    for (uint32_t h = 0; h < HALF_FINITE; h++) {
        const float d = heft_half((uint16_t)h);
        for (int k = 0; k < CODE_SLOTS; k++) {
            while (c[k] > 0 && bits_of(d * (float)(c[k] - 1)) >= bound[k]) c[k]--;  // exact products
            t->cut[h][k] = (int8_t)(c[k] - 128);
        }
    }
    memcpy(t->bound, bound, sizeof bound);
    t->slots = slots;
    return t;
}

/// One Q4_0, Q5_0 or Q8_0 block's 32 codes k (−128 … 127), in any order (counting does not need it).
INLINE i8x32 signed_codes(const uint32_t type, const uint8_t *p) {
    i8x32 k;
    if (type == 8) {  // Q8_0: d, qs[32] int8
        memcpy(&k, p + 2, 32);
    } else if (type == 6) {  // Q5_0: d, qh[4], qs[16]
        k = (i8x32)heft_five_bit_codes(p + 2, p + 6) - 16;
    } else {  // Q4_0: d, qs[16]: low nibbles are values 0 … 15
        u8x16 q;
        memcpy(&q, p + 2, 16);
        u8x32 x = __builtin_shufflevector(q & 0xF, q >> 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                          18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
        k = (i8x32)x - 8;
    }
    return k;
}

/// |k| − 128 (a signed byte, −128 … 0) for one block's 32 codes k, in any order.
INLINE i8x32 code_magnitudes(const uint32_t type, const uint8_t *p) {
    return (i8x32)((u8x32)__builtin_elementwise_abs(signed_codes(type, p)) ^ 0x80);  // |−128| wraps to 0x80: 128
}

/// Adds to counts[slot] the values of `blocks` Q4_0, Q5_0 or Q8_0 blocks whose |code| is below their scale's cutoff
/// (at most 128 blocks). Returns false, adding nothing, when a scale is NaN or infinite.
INLINE bool code_counts_of(const uint32_t type, const uint8_t *p, size_t blocks, const size_t bytes,
                           const cutoff_table *t, uint64_t *counts) {
    // Lanes count the codes below their cutoff (−1 each), at most one per block: no overflow in 128 blocks.
    i8x32 below[CODE_SLOTS];
    for (int k = 0; k < CODE_SLOTS; k++) below[k] = 0;
    const int slots = t->slots;
    for (size_t b = 0; b < blocks; b++, p += bytes) {
        uint16_t h;
        memcpy(&h, p, 2);
        h &= 0x7FFF;
        if (h >= HALF_FINITE) return false;
        const i8x32 magnitude = code_magnitudes(type, p);
        const int8_t *row = t->cut[h];
#define SLOT(k) below[k] += (i8x32)((i8x32)row[k] > magnitude)
        SLOT(0);  // zeros and the usual four bounds; the table's unused slots have cutoff 0 and count nothing
        SLOT(1);
        SLOT(2);
        SLOT(3);
        SLOT(4);
        if (slots > 5) {
            SLOT(5);
            SLOT(6);
            SLOT(7);
        }
#undef SLOT
    }
    for (int k = 0; k < slots; k++) {
        int64_t sum = 0;
        for (int l = 0; l < 32; l++) sum += below[k][l];
        counts[k] += (uint64_t)(-sum);
    }
    return true;
}

INLINE bool code_counts_body(uint32_t type, const uint8_t *p, size_t blocks, const cutoff_table *t, uint64_t *counts) {
    switch (type) {  // each type's loop compiled apart
    case 2: return code_counts_of(2, p, blocks, 18, t, counts);
    case 6: return code_counts_of(6, p, blocks, 22, t, counts);
    default: return code_counts_of(8, p, blocks, 34, t, counts);
    }
}

HEFT_DISPATCH(static, bool, code_counts,
              (uint32_t type, const uint8_t *p, size_t blocks, const cutoff_table *t, uint64_t *counts),
              (type, p, blocks, t, counts))

// MARK: F16 and BF16 on their bit patterns

// F16 and BF16 magnitudes order as their 16-bit patterns do, so every comparison the statistics make — zeros, |x|
// below a bound, NaN and infinities, minimum and maximum — can be made on the patterns, sixteen to a 256-bit
// register instead of eight floats. Only the sums and the histogram cells need the floats, which the same loop
// widens (BF16: the pattern is a float32's upper half; F16: F16C's conversion where the instruction set has it).

typedef uint16_t u16x16 __attribute__((ext_vector_type(16)));
typedef _Float16 f16x16 __attribute__((ext_vector_type(16)));

/// Slots of the 16-bit loop: zeros, then up to four bounds.
#define HALF_SLOTS 5

/// The float32 bits of the magnitude pattern `h` of F16 (type 1) or BF16 (30).
static uint32_t widened_bits(uint32_t type, uint16_t h) {
    if (type == 30) return (uint32_t)h << 16;
    return bits_of(heft_half(h));
}

/// For each slot the smallest magnitude pattern of F16 or BF16 whose float32 bits reach the slot's bound (zeros: 1),
/// so that |x| < bound exactly when the magnitude pattern is below it (the first non-finite pattern: every finite
/// value is).
static void half_cutoffs(uint32_t type, const uint32_t *bounds, int nbounds, int16_t *cut) {
    const uint32_t end = type == 30 ? 0x7F80 : 0x7C00;  // ±Inf
    for (int k = 0; k < HALF_SLOTS; k++) {
        if (k > nbounds) {
            cut[k] = 0;  // an unused slot counts nothing
            continue;
        }
        uint32_t bound = k == 0 ? 1 : bounds[k - 1];
        uint32_t lo = 0, hi = end;  // widening is monotonic: the first pattern in [lo, hi) reaching the bound
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (widened_bits(type, (uint16_t)mid) >= bound) hi = mid;
            else lo = mid + 1;
        }
        cut[k] = (int16_t)lo;
    }
}

/// An order-preserving map of BF16 patterns to signed 16-bit keys (negative values: magnitude bits flipped); it is
/// its own inverse.
INLINE i16x16 order_key(i16x16 b) { return b ^ ((b >> 15) & 0x7FFF); }

/// The statistics of `n` F16 or BF16 values (a multiple of 256) but the cells, added to `v`, with the floats written
/// to `y` (BF16's in another order within each 16, which neither the sums nor the cells depend on). Sums as the fast float loop
/// takes them (float32 partials of 16 values per lane). Returns false, adding nothing, for a run that holds NaN or
/// ±Inf, whose float32 sums overflow, or that holds only magnitudes under 2⁻³² (the caller then takes the floats'
/// careful loop).
INLINE bool half_statistics_of(const uint32_t type, const bool zeros_in_loop, const uint16_t *src, size_t n,
                               double shift, const int16_t *cut, int zero_slot, vector_state *v, float *range,
                               float *y, const char *ahead, size_t step) {
    const int16_t finite_end = type == 30 ? 0x7F80 : 0x7C00;
    const f32x8 shift8 = (float)shift;
    // Magnitudes at or above each slot's cutoff, as magnitude > cutoff − 1 (the cutoff can then be read from
    // memory); a slot counts its values minus these. A cutoff of 0 (an unused slot) gives −1, which every
    // magnitude passes. Lanes count at most n / 16 ≤ 256 values each.
    i16x16 at_least[HALF_SLOTS], below[HALF_SLOTS];
    for (int k = 0; k < HALF_SLOTS; k++) {
        at_least[k] = 0;
        below[k] = (i16x16)(int16_t)(cut[k] - 1);
    }
    const int first = zeros_in_loop ? 0 : 1;
    i16x16 low = INT16_MAX, high = INT16_MIN;
    f64x4 sum = 0, squares = 0;
    const u16x16 zero = 0;
    for (size_t run = 0; run < n; run += RUN) {
        f32x8 partial = 0, partial_squares = 0;
        for (size_t i = run; i < run + RUN; i += 16) {
            __builtin_prefetch(ahead + i / 16 * step);
            i16x16 b;
            memcpy(&b, src + i, 32);
            i16x16 magnitude = b & 0x7FFF;
            for (int k = first; k < HALF_SLOTS; k++) at_least[k] += (i16x16)(magnitude > below[k]);
            // NaN and ±Inf show in the extremes of the keys (below).
            i16x16 key = order_key(b);
            low = key < low ? key : low;
            high = key > high ? key : high;
            f32x8 va, vb;
            if (type == 30) {
                // Each pattern becomes the upper half of a float32: interleaved with zeros (unpack low and high).
                u16x16 u = (u16x16)b;
                va = (f32x8)__builtin_shufflevector(zero, u, 0, 16, 1, 17, 2, 18, 3, 19, 8, 24, 9, 25, 10, 26, 11, 27);
                vb = (f32x8)__builtin_shufflevector(zero, u, 4, 20, 5, 21, 6, 22, 7, 23, 12, 28, 13, 29, 14, 30, 15, 31);
            } else {
                f16x16 h;
                memcpy(&h, &b, 32);
                f32x16 wide = __builtin_convertvector(h, f32x16);
                va = wide.lo;
                vb = wide.hi;
            }
            memcpy(y + i, &va, 32);
            memcpy(y + i + 8, &vb, 32);
            f32x8 da = va - shift8, db = vb - shift8;
            partial += da + db;
            partial_squares = __builtin_elementwise_fma(db, db, __builtin_elementwise_fma(da, da, partial_squares));
        }
        fold_partials(partial, partial_squares, &sum, &squares);
    }
    int16_t lowest_key = __builtin_reduce_min(low), highest_key = __builtin_reduce_max(high);
    // NaN or ±Inf among the values (a positive one has a key at or past the first non-finite pattern, a negative one
    // at or below that pattern's key, −1 − pattern), or float32 squares that overflowed (magnitudes past 2^64): the
    // careful loop.
    if (highest_key >= finite_end || lowest_key <= -1 - finite_end || !finite_sums(sum, squares)) return false;
    // Reduced as keys, then mapped back to patterns (order_key is its own inverse).
    uint16_t lo = (uint16_t)order_key((i16x16)lowest_key)[0];
    uint16_t hi = (uint16_t)order_key((i16x16)highest_key)[0];
    // Widened with their signs: the magnitude's float32 bits, and the sign bit.
    float lowest, highest;
    uint32_t lb = widened_bits(type, lo & 0x7FFF) | (uint32_t)(lo & 0x8000) << 16;
    uint32_t hb = widened_bits(type, hi & 0x7FFF) | (uint32_t)(hi & 0x8000) << 16;
    memcpy(&lowest, &lb, 4);
    memcpy(&highest, &hb, 4);
    if (too_small(lowest, highest)) return false;
    uint64_t below_count[HALF_SLOTS];
    for (int k = first; k < HALF_SLOTS; k++) {
        below_count[k] = n - (uint64_t)(-__builtin_reduce_add(__builtin_convertvector(at_least[k], i32x16)));
    }
    if (!zeros_in_loop) {
        // Without the zero slot: a run none of whose magnitudes is below the smallest positive cutoff holds no zero;
        // the others count their zeros again (from L1).
        below_count[0] = 0;
        if (below_count[zero_slot] > 0) {
            i16x16 zeros = 0;
            for (size_t i = 0; i < n; i += 16) {
                i16x16 b;
                memcpy(&b, src + i, 32);
                zeros += (i16x16)((b & 0x7FFF) == 0);
            }
            below_count[0] = (uint64_t)(-__builtin_reduce_add(__builtin_convertvector(zeros, i32x16)));
        }
    }
    v->zeros += below_count[0];
    for (int k = 1; k < HALF_SLOTS; k++) v->near[k - 1] += below_count[k];
    add_sums(v, sum, squares);
    v->low[0] = lowest < v->low[0] ? lowest : v->low[0];
    v->high[0] = highest > v->high[0] ? highest : v->high[0];
    range[0] = lowest;
    range[1] = highest;
    return true;
}

/// `zero_slot`: the bound slot with the smallest cutoff of at least 1 (every zero lies below it), or 0 (none) to
/// count zeros in the loop.
INLINE bool half_statistics_body(uint32_t type, const uint16_t *src, size_t n, double shift, const int16_t *cut,
                                 int zero_slot, vector_state *v, float *range, float *y, const char *ahead,
                                 size_t step) {
    if (type == 30) {
        if (zero_slot > 0) return half_statistics_of(30, false, src, n, shift, cut, zero_slot, v, range, y, ahead, step);
        return half_statistics_of(30, true, src, n, shift, cut, 0, v, range, y, ahead, step);
    }
    if (zero_slot > 0) return half_statistics_of(1, false, src, n, shift, cut, zero_slot, v, range, y, ahead, step);
    return half_statistics_of(1, true, src, n, shift, cut, 0, v, range, y, ahead, step);
}

HEFT_DISPATCH(static, bool, half_statistics,
              (uint32_t type, const uint16_t *src, size_t n, double shift, const int16_t *cut, int zero_slot,
               vector_state *v, float *range, float *y, const char *ahead, size_t step),
              (type, src, n, shift, cut, zero_slot, v, range, y, ahead, step))

int heft_scan_blocks(uint32_t type, const void *source, size_t n, const uint32_t *bounds, int nbounds,
                     heft_grid *grid, uint32_t *block_max, heft_run_stats *out) {
    size_t values, bytes;  // per ggml block
    if (!heft_block_layout(type, &values, &bytes)) return 0;
    // Each block of BLOCK values is dequantized into L1 and scanned there.
    float buffer[BLOCK] __attribute__((aligned(64)));
    const uint8_t *p = source;
    // Zeros and near-zero values of Q4_0, Q5_0 and Q8_0 are counted on the codes.
    const cutoff_table *table = (type == 2 || type == 6 || type == 8) && nbounds >= 0 && nbounds < CODE_SLOTS
                                    ? cutoffs(bounds, nbounds)
                                    : NULL;
    scan_state sc;
    // F16 and BF16 with at most four bounds take the 16-bit loop.
    const bool sixteen = (type == 1 || type == 30) && nbounds >= 0 && nbounds < HALF_SLOTS;
    int16_t cut16[HALF_SLOTS];
    int zero_slot = 0;
    for (size_t i = 0; i < n; i += BLOCK) {
        size_t m = n - i < BLOCK ? n - i : BLOCK;
        const uint8_t *here = p + i / values * bytes;
        if (sixteen) {
            // F16 and BF16 runs of 256 are widened by the 16-bit loop below (which writes every float even when it
            // hands the block to the float loops); the tail is widened here, and the first block in full for the shift.
            size_t whole = i == 0 ? 0 : m / 256 * 256;
            heft_dequantize(type, here + whole * 2, m - whole, buffer + whole);
        } else {
            heft_dequantize(type, here, m / values, buffer);
        }
        if (i == 0) {
            scan_start(&sc, buffer, m, bounds, nbounds, grid);
            if (sixteen) {
                half_cutoffs(type, sc.bounds, sc.nbounds, cut16);
                for (int k = 1; k <= sc.nbounds; k++) {
                    if (cut16[k] >= 1 && (zero_slot == 0 || cut16[k] < cut16[zero_slot])) zero_slot = k;
                }
            }
        }
        uint64_t counts[CODE_SLOTS] = {0};
        const bool coded = table != NULL && code_counts(type, here, m / values, table, counts);
        if (coded) {
            sc.v.zeros += counts[0];
            for (int b = 0; b < sc.nbounds; b++) sc.v.near[b] += counts[1 + b];
        }
        // The hardware prefetchers stop at each 4 KiB page: the statistics loop fetches the next block's source.
        const uint8_t *next = p + (i + BLOCK < n ? i + BLOCK : i) / values * bytes;
        const half_source half = {type, (const uint16_t *)here, cut16, zero_slot, buffer};
        block_max[i / BLOCK] = scan_block(&sc, buffer, m, (const char *)next, (16 * bytes + values - 1) / values,
                                          !coded, sixteen ? &half : NULL);
    }
    if (n == 0) scan_start(&sc, buffer, 0, bounds, nbounds, grid);
    scan_finish(&sc, out);
    return 1;
}

INLINE void heft_count_f32_body(const float *x, size_t n, float lo, float hi, const uint32_t *bounds, int nbounds,
                                uint64_t *outliers, uint64_t *near) {
    if (nbounds > HEFT_MAX_BOUNDS) nbounds = HEFT_MAX_BOUNDS;
    i32x16 over = 0, counts[HEFT_MAX_BOUNDS];
    u32x16 bound[HEFT_MAX_BOUNDS];
    for (int b = 0; b < HEFT_MAX_BOUNDS; b++) {
        counts[b] = 0;
        bound[b] = (u32x16)(b < nbounds ? bounds[b] : 0u);
    }
    const f32x16 low = lo, high = hi;
    size_t i = 0;
    // A finite value outside [lo, hi]: NaN compares false both ways, ±Inf is left out by its magnitude.
#define OUTSIDE(bits) (((f32x16)(bits) < low) | ((f32x16)(bits) > high)) & (((bits) & MAGNITUDE) < INFINITY_BITS)
    if (nbounds == 0) {
        // Outliers alone (the pass after σ is known): two compares per 16 values.
        for (; i + 16 <= n; i += 16) {
            __builtin_prefetch((const char *)(x + i) + HEFT_PREFETCH);
            u32x16 bits;
            memcpy(&bits, x + i, 64);
            over -= (i32x16)(OUTSIDE(bits));
        }
    }
    for (; i + 16 <= n; i += 16) {
        __builtin_prefetch((const char *)(x + i) + HEFT_PREFETCH);
        u32x16 bits;
        memcpy(&bits, x + i, 64);
        u32x16 magnitude = bits & MAGNITUDE;
        over -= (i32x16)(OUTSIDE(bits));
        for (int b = 0; b < HEFT_MAX_BOUNDS; b++) counts[b] = magnitude < bound[b] ? counts[b] + 1 : counts[b];
    }
#undef OUTSIDE
    uint64_t total = (uint64_t)__builtin_reduce_add(over);
    uint64_t totals[HEFT_MAX_BOUNDS];
    for (int b = 0; b < HEFT_MAX_BOUNDS; b++) totals[b] = (uint64_t)__builtin_reduce_add(counts[b]);
    for (; i < n; i++) {
        uint32_t m = bits_of(x[i]) & MAGNITUDE;
        if ((x[i] < lo || x[i] > hi) && m < INFINITY_BITS) total++;
        for (int b = 0; b < nbounds; b++) totals[b] += m < bounds[b];
    }
    *outliers = total;
    for (int b = 0; b < nbounds; b++) near[b] = totals[b];
}

HEFT_DISPATCH(, void, heft_count_f32,
              (const float *x, size_t n, float lo, float hi, const uint32_t *bounds, int nbounds, uint64_t *outliers,
               uint64_t *near),
              (x, n, lo, hi, bounds, nbounds, outliers, near))

// MARK: outliers of stored blocks

/// The largest half-precision magnitude (as bits) whose value times `scale` (a power of two) is at most
/// `threshold`: a block whose scale's magnitude bits are at most this holds no value past the threshold.
static uint16_t half_limit(float threshold, float scale) {
    float q = threshold / scale;  // exact: a power of two
    if (!(q >= 0)) return 0;
    _Float16 h = (_Float16)q;
    uint16_t bits;
    memcpy(&bits, &h, 2);
    bits &= 0x7FFF;
    if (bits > 0x7BFF) bits = 0x7BFF;  // past the largest finite half: every finite scale is below
    for (;;) {
        _Float16 value;
        memcpy(&value, &bits, 2);
        if (bits == 0 || (float)value <= q) return bits;
        bits--;
    }
}

/// For one threshold, each finite half magnitude's outlier cutoff c − 128 once it has been worked out
/// (`CUT_UNKNOWN` before): a tensor's scales take few distinct values, so almost every block finds its cutoff here
/// instead of dividing and checking (that took 0.24 ns a value of a Q8_0 tensor read again; 0.07 with the table).
typedef struct {
    uint32_t threshold;
    int8_t cut[HALF_FINITE];
} outlier_cutoffs;

#define CUT_UNKNOWN 127

/// One table for the values above the range and one for those below it.
static _Thread_local outlier_cutoffs *thread_outlier_cutoffs[2];

/// This thread's cutoffs for `threshold` (bits) on one side (0 or 1), emptied when the threshold changes; NULL
/// without memory.
static outlier_cutoffs *outlier_table(int side, uint32_t threshold) {
    outlier_cutoffs *t = thread_outlier_cutoffs[side];
    if (t == NULL) {
        if ((t = thread_outlier_cutoffs[side] = malloc(sizeof *t)) == NULL) return NULL;
        t->threshold = ~threshold;  // emptied below
    }
    if (t->threshold != threshold) {
        memset(t->cut, CUT_UNKNOWN, sizeof t->cut);
        t->threshold = threshold;
    }
    return t;
}

/// The outlier cutoff c − 128 of a finite half magnitude `h` for a threshold t ≥ 0: c is the number of j = 0 … 128
/// with |d|·j ≤ t (exact products), so |d·k| > t exactly when |k| ≥ c. A division finds it and the products check
/// it, once per scale and threshold in `table` (or every time without one).
INLINE int8_t code_cutoff(uint16_t h, float threshold, outlier_cutoffs *table) {
    int8_t cut = table ? table->cut[h] : CUT_UNKNOWN;
    if (cut == CUT_UNKNOWN) {
        const float d = heft_half(h);
        int c = 129;
        if (d > 0) {
            const float q = threshold / d;
            c = q >= 128 ? 129 : (int)q + 1;
            while (c > 0 && d * (float)(c - 1) > threshold) c--;
            while (c < 129 && d * (float)c <= threshold) c++;
        }
        cut = (int8_t)(c - 128);
        if (table) table->cut[h] = cut;
    }
    return cut;
}

/// The values of one Q4_0, Q5_0 or Q8_0 block with a finite scale d outside [−below, above] (both finite or +∞,
/// positive), from its signed codes k: d·k > above when d·k's sign is + and |k| reaches above's cutoff, d·k < −below
/// when its sign is − and |k| reaches below's.
INLINE uint64_t code_outliers(const uint32_t type, const uint8_t *p, float above, float below,
                              outlier_cutoffs *tables[2]) {
    uint16_t h;
    memcpy(&h, p, 2);
    const bool negative = h >> 15;
    h &= 0x7FFF;
    const int up = code_cutoff(h, negative ? below : above, tables[negative]) + 128;     // k ≥ up passes
    const int down = code_cutoff(h, negative ? above : below, tables[!negative]) + 128;  // k ≤ −down passes
    const i8x32 k = signed_codes(type, p);
    // c is 1 … 129 (j = 0 always counts): k ≥ up is k > up − 1 (up − 1 ≤ 127 after the clamp; no code passes
    // 127), and k ≤ −down is k < 1 − down (−128 … 0).
    const i8x32 over = (i8x32)(k > (i8x32)(int8_t)(up - 1 > 127 ? 127 : up - 1));
    const i8x32 under = (i8x32)(k < (i8x32)(int8_t)(1 - down));
    // A code passes at most one side (up and down are at least 1): each lane is 0 or −1, their sum at least −32.
    return (uint64_t)-(int)__builtin_reduce_add(over + under);
}

INLINE uint64_t heft_count_blocks_body(uint32_t type, const void *source, size_t n, float lo, float hi) {
    size_t values, bytes;
    if (!heft_block_layout(type, &values, &bytes) || values > HEFT_BLOCK) return 0;
    // A range holding 0 inside: a value is outside only if its magnitude passes the nearer end, which the scales
    // bound; any other range (including an empty one, lo > hi, outside which every finite value lies) is checked on
    // every block.
    const bool around_zero = lo < 0 && hi > 0;
    const float nearer = around_zero ? (hi < -lo ? hi : -lo) : 0;
    // The blocks whose scales allow a value outside are gathered and decoded together (a call per block would cost
    // more than decoding every block). No layout stores more than 2 bytes a value.
    uint8_t gathered[2 * HEFT_BLOCK];
    float y[HEFT_BLOCK];
    const size_t most = HEFT_BLOCK / values < sizeof gathered / bytes ? HEFT_BLOCK / values : sizeof gathered / bytes;
    uint64_t total = 0;
    const uint8_t *p = source;
    const size_t blocks = n / values;
    // Q8_0, Q5_0 and Q4_0 values are d·k with |k| ≤ 128, 16 or 8, exact in float32: a block can pass the nearer end
    // only if its scale's bits pass a limit computed once (NaN and infinite scales always do).
    const float scale = around_zero ? (type == 8 ? 128 : type == 6 ? 16 : type == 2 ? 8 : 0) : 0;
    const uint16_t limit = scale > 0 ? half_limit(nearer, scale) : 0;
    outlier_cutoffs *tables[2] = {NULL, NULL};
    if (scale > 0) {
        tables[0] = outlier_table(0, bits_of(hi));
        tables[1] = outlier_table(1, bits_of(-lo));
    }
    size_t held = 0;
    for (size_t i = 0; i <= blocks; i++) {
        if (i < blocks) {
            // The scales are read from every block: prefetch a page ahead, where the hardware prefetchers stop.
            __builtin_prefetch(p + i * bytes + HEFT_PREFETCH);
            bool wanted;
            if (scale > 0) {
                uint16_t d;
                memcpy(&d, p + i * bytes, 2);
                wanted = (d & 0x7FFF) > limit;
                // A finite scale's block is counted on its codes; NaN and infinite scales are decoded.
                if (wanted && (d & 0x7FFF) < HALF_FINITE) {
                    total += type == 8 ? code_outliers(8, p + i * bytes, hi, -lo, tables)
                             : type == 6 ? code_outliers(6, p + i * bytes, hi, -lo, tables)
                                         : code_outliers(2, p + i * bytes, hi, -lo, tables);
                    wanted = false;
                }
            } else if (around_zero) {
                // Negative: no bound for this type; NaN (a NaN scale): decoded too, as anything not provably inside.
                double bound = heft_block_bound(type, p + i * bytes);
                wanted = !(bound >= 0 && bound <= (double)nearer);
            } else {
                wanted = true;
            }
            if (wanted) memcpy(gathered + held++ * bytes, p + i * bytes, bytes);
        }
        if (held > 0 && (held == most || i == blocks)) {
            uint64_t over = 0;
            heft_dequantize(type, gathered, held, y);
            heft_count_f32(y, held * values, lo, hi, NULL, 0, &over, NULL);
            total += over;
            held = 0;
        }
    }
    return total;
}

/// Built per instruction set like the scans, so that the scales' half-to-float conversions use F16C where it exists.
HEFT_DISPATCH(, uint64_t, heft_count_blocks, (uint32_t type, const void *source, size_t n, float lo, float hi),
              (type, source, n, lo, hi))
