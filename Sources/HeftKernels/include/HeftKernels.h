#ifndef HEFT_KERNELS_H
#define HEFT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "HeftIQTables.h"

/// Type codes for `heft_widen`, `heft_dequantize`, `heft_block_layout` and `heft_scan_blocks` beyond the ggml type
/// ids (which are below 1000): safetensors' 8-bit floats, one value per byte.
///
/// F8_E4M3 is `float8_e4m3fn`: sign, 4 exponent bits (bias 7), 3 mantissa bits, subnormals, no infinities;
/// S.1111.111 is NaN (so the largest magnitude is 448).
#define HEFT_TYPE_F8_E4M3 1000
/// F8_E5M2 is `float8_e5m2`: sign, 5 exponent bits (bias 15), 2 mantissa bits, IEEE-like (subnormals, ±infinity for
/// S.11111.00, NaN for S.11111.xx ≠ 00), i.e. the top byte of an IEEE half.
#define HEFT_TYPE_F8_E5M2 1001

/// The most near-zero thresholds one scan counts.
#define HEFT_MAX_BOUNDS 8
/// The most histogram cells (bins) of a grid.
#define HEFT_MAX_CELLS 64
/// Cell widths are 2^k with k in this range.
#define HEFT_GRID_MIN_EXPONENT (-126)
#define HEFT_GRID_MAX_EXPONENT 126

/// What one call of `heft_scan_f32` found in a run of floats.
///
/// Counts are exact. `sum` and `sum_squares` are sums of (x − shift) and (x − shift)² over the finite values, so that
/// the caller can form the mean and M2 without cancellation (`shift` is near the mean): float32 partial sums of 8 or
/// 16 values, added in float64 (float64 throughout for blocks holding NaN, ±Inf or only magnitudes under 2⁻³²), which
/// keeps the mean and standard deviation within 1e-6 of the standard deviation.
typedef struct {
    /// The value the sums were taken about: the first finite value of the first block (0 if none).
    float shift;
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
} heft_run_stats;

/// Values per block: the scan reads a block from memory for the statistics and again from L1 for the histogram
/// cells, and reports each block's largest magnitude.
#define HEFT_BLOCK 4096

/// A histogram whose bins ("cells") are [(origin + i)·2^k, (origin + i + 1)·2^k), k = `width_exponent`.
///
/// The width is the narrowest power of two at which the cells from the one holding `low` to the one holding `high`
/// number at most `cells` (and at least 2^-126, and at least 2^(e−23) where 2^e ≤ the largest magnitude < 2^(e+1),
/// so that cell indices stay exact in float32). A grid only widens as values arrive, and a wider power-of-two
/// cell is a union of narrower ones, so counts move exactly; the result depends only on the values counted, not
/// on their order or on how they were split between workers.
typedef struct {
    /// The most cells, 2 … HEFT_MAX_CELLS.
    int32_t cells;
    int32_t width_exponent;
    int64_t origin;
    /// The finite minimum and maximum counted; low > high while nothing has been counted.
    float low;
    float high;
    uint64_t counts[HEFT_MAX_CELLS];
} heft_grid;

/// An empty grid of at most `cells` cells (clamped to 2 … HEFT_MAX_CELLS).
void heft_grid_init(heft_grid *grid, int cells);

/// Adds the counts of `from` to `into`, widening `into` as needed (both must have the same `cells`).
void heft_grid_merge(heft_grid *into, const heft_grid *from);

/// Scans `n` floats at `x` (any alignment) once.
///
/// - `bounds`: `nbounds` (≤ HEFT_MAX_BOUNDS) bit patterns of non-negative floats; |x| < bound is compared on the bit
///   patterns, which order non-negative floats exactly.
/// - `grid`: every finite value is counted in its cell (the grid widens first when a value lies outside it).
/// - `block_max`: (n + HEFT_BLOCK − 1) / HEFT_BLOCK entries, each set to the largest finite |x| bit pattern of its
///   block of HEFT_BLOCK values (0 if none), so that values above a bound chosen later are counted by reading again
///   only the blocks that reach it.
/// - `out` is overwritten.
///
/// The loops are compiled for AVX-512, AVX2 and baseline x86-64 and the best one the CPU runs is chosen at load time
/// (Swift cannot compile one function for a wider instruction set than the rest of the program).
void heft_scan_f32(const float *x, size_t n, const uint32_t *bounds, int nbounds, heft_grid *grid,
                   uint32_t *block_max, heft_run_stats *out);

/// `heft_scan_f32` over `n` values stored as whole blocks of ggml type `type` (n a multiple of its block size),
/// each block of HEFT_BLOCK values dequantized into L1 first (as `heft_dequantize`). Returns 0, scanning nothing,
/// for a type `heft_dequantize` does not implement.
int heft_scan_blocks(uint32_t type, const void *source, size_t n, const uint32_t *bounds, int nbounds,
                     heft_grid *grid, uint32_t *block_max, heft_run_stats *out);

/// Counts finite values of `x` outside [lo, hi] (x < lo or x > hi: outliers, every finite value when lo > hi) and,
/// for b < nbounds, those with |x| bit pattern below bounds[b].
void heft_count_f32(const float *x, size_t n, float lo, float hi, const uint32_t *bounds, int nbounds,
                    uint64_t *outliers, uint64_t *near);

/// Counts finite values outside [lo, hi] among `n` values stored as whole blocks of ggml type `type` (as
/// `heft_scan_blocks` takes them; every finite value when lo > hi). When lo < 0 < hi it reads again only the blocks
/// whose scales allow a magnitude past the nearer end (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K; every block of
/// the other types), and counts Q4_0, Q5_0 and Q8_0 blocks with a finite scale on their codes; any other range is
/// checked on every dequantized block. Returns 0 for a type `heft_dequantize` does not implement.
uint64_t heft_count_blocks(uint32_t type, const void *source, size_t n, float lo, float hi);

/// An upper bound on |value| over one stored block of ggml type `type`, from its scales alone (Q4_1, Q5_1, Q4_K,
/// Q5_K, Q6_K), widened past the float32 roundings of the reference's arithmetic; NaN for a NaN scale; negative for
/// a type without one here. `heft_count_blocks` skips the blocks it proves inside a range that holds 0 (every
/// magnitude at most the nearer end).
double heft_block_bound(uint32_t type, const void *source);

/// Dequantizes `blocks` whole blocks of ggml type `type` (its GGUF type id) from `source` into `destination`, bit
/// for bit as gguf-py does. Returns 1, or 0 for a type this file does not implement (the caller's Swift code does).
/// Implemented: F16 (1), Q4_0 (2), Q4_1 (3), Q5_0 (6), Q5_1 (7), Q8_0 (8), Q2_K (10), Q3_K (11), Q4_K (12), Q5_K (13),
/// Q6_K (14), IQ2_XXS (16), IQ2_XS (17), IQ3_XXS (18), IQ1_S (19), IQ4_NL (20), IQ3_S (21), IQ2_S (22), IQ4_XS (23),
/// IQ1_M (29), BF16 (30), TQ1_0 (34), TQ2_0 (35), MXFP4 (39), NVFP4 (40), and HEFT_TYPE_F8_E4M3 / HEFT_TYPE_F8_E5M2:
/// every type gguf-py dequantizes except F32
/// (F16, BF16 and F8 with one value per "block", so that `heft_scan_blocks` widens them into L1 as it goes).
int heft_dequantize(uint32_t type, const void *source, size_t blocks, float *destination);

/// Widens `n` values of F16 (ggml type 1), BF16 (30), HEFT_TYPE_F8_E4M3 or HEFT_TYPE_F8_E5M2 at `source` (any
/// alignment) to float32, exactly; every F8 NaN becomes the quiet NaN 0x7FC00000 with its sign. Returns 0 for any
/// other type.
int heft_widen(uint32_t type, const void *source, size_t n, float *destination);

/// How a checkpoint packs low-bit codes into 32-bit words (`heft_packed.method`).
enum {
    /// GPTQ: `qweight` [rows / (32 / bits)][columns], codes packed down the input rows, lowest bits first;
    /// `qzeros` [groups][columns / (32 / bits)]; `scales` [groups][columns]; value = scale · (code − (zero + offset)).
    HEFT_PACKED_GPTQ = 0,
    /// AWQ (GEMM layout): `qweight` and `qzeros` [·][columns / 8], nibble t of a word holding column 8·c + (0, 2, 4,
    /// 6, 1, 3, 5, 7)[t]; value = scale · (code − zero).
    HEFT_PACKED_AWQ = 1,
    /// MLX (affine): `weight` [rows][columns / (32 / bits)], lowest bits first; `scales` and `biases`
    /// [rows][columns / group]; value = scale · code + bias, rounded once.
    HEFT_PACKED_MLX = 2,
    /// One 8-bit code a value (int8, or F8 E4M3 / E5M2 as `code_type` says) times the scale of its block of
    /// `block_rows` × `group_size` values: `scales` [ceil(rows / block_rows)][scale_columns] (per tensor, per row,
    /// per group or per 128 × 128 block); value = code · scale in float32.
    HEFT_PACKED_SCALED = 3,
    /// compressed-tensors' pack-quantized: `weight_packed` [rows][ceil(columns / (32 / bits))], lowest bits first,
    /// each code stored as signed + 2^(bits − 1) (`zero_offset`); `weight_scale` [rows][scale_columns] (0: one
    /// scale), the column's group j / group_size or `groups[j]`; zero points (`zero_layout`) none (the offset),
    /// int32 packed down the rows [ceil(rows / (32 / bits))][scale_columns] with the same offset, or int8 signed;
    /// value = scale · (code − zero).
    HEFT_PACKED_COMPRESSED = 4,
    /// bitsandbytes 4-bit: the weight flattened row-major, two codes a byte (the first in the high nibble), each
    /// the index into NF4's or FP4's table (`code_type` 0 or 1) times its block's absmax (`group_size` values a
    /// block). The absmax is float32 (`scales`), or with double quantization (`zero_layout` 1) a byte (`scales`)
    /// decoded as `biases`[byte] (float32 [256]) × `zeros`[block / block_rows] (float32) + `offset`, in float32.
    HEFT_PACKED_BNB4 = 5,
    /// MLX's floating-point modes: `weight` [rows][columns · bits / 32], lowest bits first, and one byte of scale per
    /// `group_size` values, `scales` [rows][columns / group_size]; `code_type` 0 (mxfp4: E2M1 codes, E8M0 scales,
    /// groups of 32), 1 (nvfp4: E2M1 codes, E4M3 scales, groups of 16) or 2 (mxfp8: E4M3 codes, E8M0 scales);
    /// value = code's value · scale's value, exact in float32 (E8M0 s reads as 2^(s − 127), and 0 as 2^−127 and
    /// 255 as +Inf, as mlx's `dequantize_scale` does). NVFP4 checkpoints of ModelOpt and compressed-tensors lie the
    /// same way (bytes [rows][columns / 2], E4M3 scales [rows][columns / 16]) with a tensor-wide second scale:
    /// `zero_layout` 1 multiplies each group's scale by `post_scale`, 2 divides it by `post_scale`.
    HEFT_PACKED_MLX_FP = 6,
};

/// A packed weight as a logical matrix of `rows` × `columns` values, enumerated row by row (AWQ's columns in the
/// order they are stored). The caller has checked every shape, and every `groups` entry against the scales' rows.
typedef struct {
    int32_t method;
    /// 2, 4 or 8.
    int32_t bits;
    /// The scales' and biases' ggml type: F32 (0), F16 (1) or BF16 (30).
    int32_t scale_type;
    /// Added to every stored GPTQ zero: 1 for GPTQ's original checkpoint format, 0 for its v2.
    int32_t zero_offset;
    size_t rows, columns;
    /// Rows (GPTQ without `groups`, AWQ) or columns (MLX) that share a scale.
    size_t group_size;
    const uint32_t *codes;
    const uint32_t *zeros;
    const void *scales;
    const void *biases;
    /// GPTQ's `g_idx`: the group of each row, or NULL.
    const int32_t *groups;
    /// HEFT_PACKED_SCALED: the codes' type (ggml's I8 = 24, HEFT_TYPE_F8_E4M3 or HEFT_TYPE_F8_E5M2), the rows
    /// sharing a scale, and the scales a row of blocks holds (0: one scale for every row).
    int32_t code_type;
    size_t block_rows;
    size_t scale_columns;
    /// HEFT_PACKED_COMPRESSED: 0 without zero points, 1 packed down the rows, 2 int8.
    int32_t zero_layout;
    /// HEFT_PACKED_BNB4: added to each doubly quantized absmax.
    float offset;
    /// HEFT_PACKED_SCALED: a factor applied after the scale (bitsandbytes int8: float32(1 / 127)), or 0.
    float post_scale;
} heft_packed;

/// Values [start, start + count) of a packed weight, as float32, into `out`.
void heft_dequantize_packed(const heft_packed *p, size_t start, size_t count, float *out);

/// Values and bytes per block of a type `heft_dequantize` implements; returns 0 for any other type.
int heft_block_layout(uint32_t type, size_t *values, size_t *bytes);

/// The instruction sets the kernels are built for.
enum {
    /// Baseline code without x86-only tricks (the cell count's MXCSR rounding): what arm64 runs, forced on x86.
    HEFT_ISA_GENERIC = 0,
    /// Baseline x86-64 (SSE2), or arm64's baseline (NEON).
    HEFT_ISA_BASELINE = 1,
    /// x86-64-v3: AVX2, FMA, BMI2, F16C.
    HEFT_ISA_AVX2 = 2,
    /// x86-64-v4: AVX-512 F, BW, DQ, VL.
    HEFT_ISA_AVX512 = 3,
};

/// The instruction set the kernels run: the best this CPU supports, or the one the environment variable
/// `HEFT_KERNELS` names (`avx512`, `avx2`, `baseline`, `generic`) when the CPU supports it. Chosen once.
int heft_kernel_isa(void);

/// The name of `heft_kernel_isa()`: "avx512", "avx2", "baseline" or "generic".
const char *heft_kernel_name(void);

#endif
