#ifndef HEFT_KERNELS_H
#define HEFT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The most near-zero thresholds one scan counts.
#define HEFT_MAX_BOUNDS 8

/// What one call of `heft_scan_f32` found in a run of floats.
///
/// Counts are exact. `sum` and `sum_squares` are float64 sums of (x − shift) and (x − shift)² over the finite
/// values, so that the caller can form the mean and M2 without cancellation when `shift` is near the mean.
typedef struct {
    uint64_t nan;
    uint64_t inf;
    uint64_t zeros;
    /// near[b]: finite values with |x| < the float whose bit pattern is bounds[b].
    uint64_t near[HEFT_MAX_BOUNDS];
    /// Over finite values; +inf and −inf when there is none.
    float min;
    float max;
    double sum;
    double sum_squares;
    /// Bit patterns of |x| over finite values: per lane (index mod 16), the largest and the second largest.
    uint32_t top1[16];
    uint32_t top2[16];
} heft_run_stats;

/// Scans `n` floats at `x` (any alignment) once.
///
/// - `bounds`: `nbounds` (≤ HEFT_MAX_BOUNDS) bit patterns of non-negative floats; |x| < bound is compared on the bit
///   patterns, which order non-negative floats exactly.
/// - `histogram`: 65,536 counters or NULL. Each finite value adds one to the counter of its bfloat16 bucket, key
///   = bits >> 16 for x ≥ +0 and (bits − 1) >> 16 for x ≤ −0: every bucket is a half-open [low, high) interval
///   whose ends are bfloat16 values, and −0 lands on 0x7FFF (no finite value does). The caller keeps every counter
///   below 2^32 by scanning fewer than 2^32 values into one table.
/// - `out` is overwritten.
///
/// The loop is compiled for AVX-512, AVX2 and baseline x86-64 and the best one the CPU runs is chosen at load time
/// (Swift cannot compile one function for a wider instruction set than the rest of the program).
void heft_scan_f32(const float *x, size_t n, float shift, const uint32_t *bounds, int nbounds,
                   uint32_t *histogram, heft_run_stats *out);

/// Counts finite values of `x` with |x| bit pattern > `above` (outliers) and, for b < nbounds, below bounds[b].
void heft_count_f32(const float *x, size_t n, uint32_t above, const uint32_t *bounds, int nbounds,
                    uint64_t *outliers, uint64_t *near);

#endif
