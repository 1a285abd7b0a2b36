// SPDX-License-Identifier: MIT
// Grid and block shapes of the CUDA kernels, as constexpr functions that the
// launchers call and the host tests check (no CUDA header needed).
#pragma once

#include "cuda/block_math.h"

#include <cstdint>

namespace dash::cuda {

// ---- Matrix-vector products (decode GEMV)

// 8 warps per block. W warps share one row (splitting its chunks), so a block
// computes 8 / W rows; W grows while the grid has fewer than two blocks per
// SM and every warp of a row still gets at least two full passes of 32
// chunks.
inline constexpr int kGemvThreads = 256;
inline constexpr int kGemvWarps = kGemvThreads / 32;
// Token rows one launch multiplies with the same weights (decode: 1).
inline constexpr int kMaxGemvTokens = 4;
// From this many tokens on, full-precision products go to cuBLAS.
inline constexpr int kCublasMinTokens = 8;

struct GemvGeometry {
    int32_t warpsPerRow = 1;
    int32_t rowsPerBlock = kGemvWarps;
    int64_t blocks = 0;
};

DASH_HD constexpr GemvGeometry gemvGeometry(int64_t rows, int64_t chunksPerRow, int smCount) {
    GemvGeometry g;
    const int64_t wantBlocks = 2 * static_cast<int64_t>(smCount > 0 ? smCount : 1);
    int32_t w = 1;
    while (w < kGemvWarps) {
        const int32_t perBlock = kGemvWarps / w;
        const int64_t blocks = (rows + perBlock - 1) / perBlock;
        if (blocks >= wantBlocks || chunksPerRow < static_cast<int64_t>(2) * 32 * (2 * w))
            break;
        w *= 2;
    }
    g.warpsPerRow = w;
    g.rowsPerBlock = kGemvWarps / w;
    g.blocks = (rows + g.rowsPerBlock - 1) / g.rowsPerBlock;
    return g;
}

// ---- Attention (split-K over the cached positions)

// Four warps per block; each block scores a slice of the positions for one
// (query token, head) and keeps a running max, sum and weighted value sum.
inline constexpr int kAttentionThreads = 128;
inline constexpr int kAttentionWarps = kAttentionThreads / 32;
inline constexpr int kMaxHeadDim = 256; // 8 values per lane
inline constexpr int kMinSplitPositions = 32;
inline constexpr int kMaxAttentionSplits = 64;

// Splits of `positions` keys for `queries` (token, head) pairs: enough blocks
// for two per SM, no split shorter than kMinSplitPositions.
DASH_HD constexpr int32_t attentionSplits(int64_t positions, int64_t queries, int smCount) {
    if (positions <= 0 || queries <= 0)
        return 1;
    const int64_t wantBlocks = 2 * static_cast<int64_t>(smCount > 0 ? smCount : 1);
    int64_t splits = (wantBlocks + queries - 1) / queries;
    const int64_t bySize = (positions + kMinSplitPositions - 1) / kMinSplitPositions;
    if (splits > bySize)
        splits = bySize;
    if (splits > kMaxAttentionSplits)
        splits = kMaxAttentionSplits;
    return static_cast<int32_t>(splits < 1 ? 1 : splits);
}

// Positions [begin, end) of split s when `length` keys are cut into `splits`
// equal slices (the last ones may be short or empty).
struct SplitRange {
    int64_t begin = 0;
    int64_t end = 0;
};
DASH_HD constexpr SplitRange splitRange(int64_t length, int32_t splits, int32_t s) {
    const int64_t chunk = (length + splits - 1) / splits;
    int64_t begin = chunk * s;
    if (begin > length)
        begin = length;
    int64_t end = begin + chunk;
    if (end > length)
        end = length;
    return {begin, end};
}

// Values of a head that one lane holds (lane l holds l, l + 32, ...).
DASH_HD constexpr int32_t headValuesPerLane(int32_t headDim) {
    return (headDim + 31) / 32;
}

// ---- Row-wise kernels (RMSNorm, RoPE, compensation, embedding)

inline constexpr int kRowThreads = 256;

// ---- The DASH scorer (one block per token)

inline constexpr int kScorerThreads = 256;
inline constexpr int kMaxScorerHidden = 1024;

// The block's threads as `slices` x hidden units: thread (s, j) sums W1's
// rows c = s, s + slices, ... for hidden unit j; with more hidden units than
// threads each thread takes several units and there is one slice.
DASH_HD constexpr int32_t scorerSlices(int32_t hidden) {
    return hidden <= 0 ? 0 : (hidden >= kScorerThreads ? 1 : kScorerThreads / hidden);
}

} // namespace dash::cuda
