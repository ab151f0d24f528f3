#ifndef HEFT_IQ_TABLES_H
#define HEFT_IQ_TABLES_H

#include <stdint.h>

// The format tables of the IQ and FP4 block types (IQTables.c), as ggml-common.h stores them: row i of a grid packs
// its values one per byte, value k in byte k (little-endian). Shared by the C dequantizers and the Swift code.

/// `iq2xxs_grid`: 256 rows of 8 values from [8, 25, 43].
extern const uint64_t heft_iq2xxs_grid[256];
/// `iq2xs_grid`: 512 rows of 8 values from [8, 25, 43].
extern const uint64_t heft_iq2xs_grid[512];
/// `iq2s_grid`: 1024 rows of 8 values from [8, 25, 43].
extern const uint64_t heft_iq2s_grid[1024];
/// `iq3xxs_grid`: 256 rows of 4 values from [4, 12, 20, 28, 36, 44, 52, 62].
extern const uint32_t heft_iq3xxs_grid[256];
/// `iq3s_grid`: 512 rows of 4 values from [1, 3, 5, 7, 9, 11, 13, 15].
extern const uint32_t heft_iq3s_grid[512];
/// `iq1s_grid`: 2048 rows of 8 int8 values from [-1, 0, 1].
extern const uint64_t heft_iq1s_grid[2048];
/// `ksigns_iq2xs`: the eighth sign bit (parity) added to a 7-bit sign index.
extern const uint8_t heft_ksigns_iq2xs[128];
/// `kvalues_iq4nl`: the 16 levels of IQ4_NL and IQ4_XS.
extern const int8_t heft_kvalues_iq4nl[16];
/// `kvalues_mxfp4`: E2M1 values doubled (MXFP4, NVFP4).
extern const int8_t heft_kvalues_mxfp4[16];

#endif
