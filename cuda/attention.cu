// SPDX-License-Identifier: MIT
// Causal grouped-query attention over the KV cache, split along the cached
// positions (flash-decoding) so that one decode token still fills the GPU.
#include "cuda/cuda_check.h"
#include "cuda/kernels.h"
#include "cuda/launch_geometry.h"

#include <cmath>

namespace dash::cuda {

namespace {

constexpr int kMaxPerLane = kMaxHeadDim / 32;

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        v += __shfl_xor_sync(0xFFFFFFFFu, v, offset);
    return v;
}

__device__ __forceinline__ int32_t tokenRow(const TokenRows& rows, int i) {
    return rows.index ? rows.index[rows.first + i] : rows.first + i;
}

__device__ __forceinline__ bool skipped(const StateSelect& s) {
    return s.device ? *s.device == 0 : s.fixed == LayerState::Skip;
}

// e^(m - M), 0 when m is -inf (a slice or warp that saw no key).
__device__ __forceinline__ float rescale(float m, float M) {
    return m == -INFINITY ? 0.0f : expf(m - M);
}

/*
 * Block (query i, head h, split s): the keys of positions in split s of
 * 0..position(i), cut into `splits` equal slices. Each of the 4 warps takes
 * every 4th key: its lanes hold q's head values l, l + 32, ... and add the
 * dot product with shuffles; the warp keeps an online softmax (running max m,
 * sum l of e^(score - m), and e^(score - m)-weighted values, rescaled when m
 * grows). Masked positions (visible = 0, except the query's own) are skipped.
 * The warps merge through shared memory; with one split the block writes the
 * normalised output, else (m, l, unnormalised values) for the combine kernel.
 */
__global__ void __launch_bounds__(kAttentionThreads)
    attentionPartialKernel(const __grid_constant__ AttentionLaunch a) {
    if (skipped(a.state))
        return;
    const int query = static_cast<int>(blockIdx.x);
    const int head = static_cast<int>(blockIdx.y);
    const int split = static_cast<int>(blockIdx.z);
    const int warp = static_cast<int>(threadIdx.x >> 5);
    const int lane = static_cast<int>(threadIdx.x & 31);
    const int32_t t = tokenRow(a.tokens, query);
    const int64_t last = a.positions[t];
    const SplitRange range = splitRange(last + 1, a.splits, split);
    const int kvHead = head / (a.heads / a.kvHeads);
    const int perLane = headValuesPerLane(a.headDim);

    float q[kMaxPerLane];
    float acc[kMaxPerLane];
    const float* qh = a.q + static_cast<int64_t>(t) * a.qStride + head * a.headDim;
#pragma unroll
    for (int i = 0; i < kMaxPerLane; ++i) {
        const int d = lane + 32 * i;
        q[i] = (i < perLane && d < a.headDim) ? qh[d] : 0.0f;
        acc[i] = 0.0f;
    }
    float m = -INFINITY;
    float l = 0.0f;
    for (int64_t j = range.begin + warp; j < range.end; j += kAttentionWarps) {
        if (a.visible && !a.visible[j] && j != last)
            continue;
        const float* k = a.keys + j * a.kvStride + kvHead * a.headDim;
        const float* v = a.values + j * a.kvStride + kvHead * a.headDim;
        float dot = 0.0f;
#pragma unroll
        for (int i = 0; i < kMaxPerLane; ++i) {
            const int d = lane + 32 * i;
            if (i < perLane && d < a.headDim)
                dot = fmaf(q[i], k[d], dot);
        }
        const float score = warpSum(dot) * a.scale;
        const float mNew = fmaxf(m, score);
        const float correction = rescale(m, mNew);
        const float p = expf(score - mNew);
        l = l * correction + p;
#pragma unroll
        for (int i = 0; i < kMaxPerLane; ++i) {
            const int d = lane + 32 * i;
            if (i < perLane && d < a.headDim)
                acc[i] = acc[i] * correction + p * v[d];
        }
        m = mNew;
    }

    __shared__ float warpMax[kAttentionWarps];
    __shared__ float warpSumL[kAttentionWarps];
    __shared__ float warpAcc[kAttentionWarps][kMaxHeadDim];
    if (lane == 0) {
        warpMax[warp] = m;
        warpSumL[warp] = l;
    }
#pragma unroll
    for (int i = 0; i < kMaxPerLane; ++i) {
        const int d = lane + 32 * i;
        if (i < perLane && d < a.headDim)
            warpAcc[warp][d] = acc[i];
    }
    __syncthreads();
    float M = -INFINITY;
    for (int w = 0; w < kAttentionWarps; ++w)
        M = fmaxf(M, warpMax[w]);
    float L = 0.0f;
    for (int w = 0; w < kAttentionWarps; ++w)
        L += warpSumL[w] * rescale(warpMax[w], M);
    const int64_t slot = (static_cast<int64_t>(query) * a.heads + head) * a.splits + split;
    float* partial = a.partials ? a.partials + slot * (a.headDim + 2) : nullptr;
    if (a.splits > 1 && threadIdx.x == 0) {
        partial[0] = M;
        partial[1] = L;
    }
    for (int d = static_cast<int>(threadIdx.x); d < a.headDim; d += kAttentionThreads) {
        float o = 0.0f;
        for (int w = 0; w < kAttentionWarps; ++w)
            o += warpAcc[w][d] * rescale(warpMax[w], M);
        if (a.splits > 1)
            partial[2 + d] = o;
        else
            a.out[static_cast<int64_t>(t) * a.outStride + head * a.headDim + d] = o / L;
    }
}

/*
 * Block (query i, head h): merges the splits' (m_s, l_s, o_s) into
 * Σ_s o_s·e^(m_s - M) / Σ_s l_s·e^(m_s - M), M = max_s m_s. Every query sees
 * at least its own position, so the sum is positive.
 */
__global__ void attentionCombineKernel(const __grid_constant__ AttentionLaunch a) {
    if (skipped(a.state))
        return;
    const int query = static_cast<int>(blockIdx.x);
    const int head = static_cast<int>(blockIdx.y);
    const int32_t t = tokenRow(a.tokens, query);
    const int64_t base = (static_cast<int64_t>(query) * a.heads + head) * a.splits;
    const int stride = a.headDim + 2;
    float M = -INFINITY;
    for (int s = 0; s < a.splits; ++s)
        M = fmaxf(M, a.partials[(base + s) * stride]);
    float L = 0.0f;
    for (int s = 0; s < a.splits; ++s)
        L += a.partials[(base + s) * stride + 1] * rescale(a.partials[(base + s) * stride], M);
    for (int d = static_cast<int>(threadIdx.x); d < a.headDim; d += blockDim.x) {
        float o = 0.0f;
        for (int s = 0; s < a.splits; ++s)
            o += a.partials[(base + s) * stride + 2 + d] *
                 rescale(a.partials[(base + s) * stride], M);
        a.out[static_cast<int64_t>(t) * a.outStride + head * a.headDim + d] = o / L;
    }
}

} // namespace

Status launchAttention(const AttentionLaunch& a, cudaStream_t stream) {
    if (a.tokens.count <= 0)
        return {};
    if (a.headDim <= 0 || a.headDim > kMaxHeadDim)
        return unsupportedError("attention: head size " + std::to_string(a.headDim) +
                                " (the CUDA kernels take 1.." + std::to_string(kMaxHeadDim) + ")");
    if (a.heads <= 0 || a.kvHeads <= 0 || a.heads % a.kvHeads != 0)
        return internalError("attention: " + std::to_string(a.heads) + " heads over " +
                             std::to_string(a.kvHeads) + " KV heads");
    if (a.splits < 1 || a.splits > kMaxAttentionSplits || (a.splits > 1 && !a.partials))
        return internalError("attention: " + std::to_string(a.splits) +
                             " splits without a workspace");
    if (!a.q || !a.keys || !a.values || !a.positions || !a.out)
        return internalError("attention: a null buffer");
    // Queries on x, whose limit (2^31 - 1) no pass reaches; y and z stop at 65535.
    const dim3 grid(static_cast<unsigned>(a.tokens.count), static_cast<unsigned>(a.heads),
                    static_cast<unsigned>(a.splits));
    attentionPartialKernel<<<grid, kAttentionThreads, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("attention (partial)");
    if (a.splits > 1) {
        const unsigned threads = static_cast<unsigned>(((a.headDim + 31) / 32) * 32);
        attentionCombineKernel<<<dim3(static_cast<unsigned>(a.tokens.count),
                                      static_cast<unsigned>(a.heads)),
                                 threads, 0, stream>>>(a);
        DASH_CUDA_LAUNCHED("attention (combine)");
    }
    return {};
}

} // namespace dash::cuda
