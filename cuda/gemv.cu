// SPDX-License-Identifier: MIT
// Matrix products for a few tokens at a time (decode and small passes), in
// every weight format, with the Q/K/V projections fused into one launch and
// gate/up/SwiGLU into another.
#include "cuda/cuda_check.h"
#include "cuda/kernels.h"
#include "cuda/launch_geometry.h"

#include <algorithm>

namespace dash::cuda {

namespace {

template <DeviceFormat F>
struct Format;
template <>
struct Format<DeviceFormat::F16> {
    static constexpr int perWord = 2;
    static constexpr bool integer = false;
    __device__ static void unpack(uint32_t w, float* out) { unpackHalfWord(w, out); }
};
template <>
struct Format<DeviceFormat::BF16> {
    static constexpr int perWord = 2;
    static constexpr bool integer = false;
    __device__ static void unpack(uint32_t w, float* out) { unpackBf16Word(w, out); }
};
template <>
struct Format<DeviceFormat::Int8> {
    static constexpr int perWord = 4;
    static constexpr bool integer = true;
    __device__ static void unpack(uint32_t w, float* out) { unpackInt8Word(w, out); }
};
template <>
struct Format<DeviceFormat::Int4> {
    static constexpr int perWord = 8;
    static constexpr bool integer = true;
    __device__ static void unpack(uint32_t w, float* out) { unpackInt4Word(w, out); }
};

// Weights are read once per token: a streaming (evict-first) 128-bit load.
__device__ __forceinline__ uint4 loadWeights(const uint4* p) {
    return __ldcs(p);
}

// N consecutive activations (N = 2, 4 or 8; 8-byte or 16-byte aligned).
template <int N>
__device__ __forceinline__ void loadActivations(const float* p, float* out) {
    if constexpr (N == 2) {
        const float2 v = __ldg(reinterpret_cast<const float2*>(p));
        out[0] = v.x;
        out[1] = v.y;
    } else {
#pragma unroll
        for (int i = 0; i < N / 4; ++i) {
            const float4 v = __ldg(reinterpret_cast<const float4*>(p) + i);
            out[4 * i] = v.x;
            out[4 * i + 1] = v.y;
            out[4 * i + 2] = v.z;
            out[4 * i + 3] = v.w;
        }
    }
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        v += __shfl_xor_sync(0xFFFFFFFFu, v, offset);
    return v;
}

// One lane's share of row r: chunks laneInRow, laneInRow + lanesPerRow, ...
// Each chunk is one 128-bit load, unpacked word by word in registers and
// multiplied with every token's activations (a fused multiply-add chain per
// chunk, as block_math.h's chunkDot), then scaled by its group's scale.
template <DeviceFormat F, int NT, bool Glu>
__device__ void rowShare(const DeviceMatrix& m, const DeviceMatrix& up, int64_t r, int32_t cols,
                         const float* const* x, int count, int laneInRow, int lanesPerRow,
                         float* acc, float* accUp) {
    using Fmt = Format<F>;
    constexpr int P = Fmt::perWord;
    constexpr int E = 4 * P;
    const int64_t chunks = cols / E;
    const uint4* w = reinterpret_cast<const uint4*>(m.data) + r * chunks;
    const uint4* wu = Glu ? reinterpret_cast<const uint4*>(up.data) + r * chunks : nullptr;
    const int64_t groups = Fmt::integer ? cols / m.group : 0;
    const float* scales = Fmt::integer ? m.scales + r * groups : nullptr;
    const float* upScales = Fmt::integer && Glu ? up.scales + r * groups : nullptr;
    for (int64_t c = laneInRow; c < chunks; c += lanesPerRow) {
        const uint4 raw = loadWeights(w + c);
        uint4 rawUp = make_uint4(0, 0, 0, 0);
        if constexpr (Glu)
            rawUp = loadWeights(wu + c);
        const uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
        const uint32_t upWords[4] = {rawUp.x, rawUp.y, rawUp.z, rawUp.w};
        float part[NT];
        float partUp[NT];
#pragma unroll
        for (int t = 0; t < NT; ++t)
            part[t] = partUp[t] = 0.0f;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            float wv[P];
            float wuv[P];
            Fmt::unpack(words[i], wv);
            if constexpr (Glu)
                Fmt::unpack(upWords[i], wuv);
#pragma unroll
            for (int t = 0; t < NT; ++t) {
                if (t < count) {
                    float xv[P];
                    loadActivations<P>(x[t] + c * E + i * P, xv);
#pragma unroll
                    for (int e = 0; e < P; ++e) {
                        part[t] = fusedMultiplyAdd(wv[e], xv[e], part[t]);
                        if constexpr (Glu)
                            partUp[t] = fusedMultiplyAdd(wuv[e], xv[e], partUp[t]);
                    }
                }
            }
        }
        if constexpr (Fmt::integer) {
            const int64_t g = (c * E) / m.group;
            const float s = __ldg(scales + g);
            const float su = Glu ? __ldg(upScales + g) : 0.0f;
#pragma unroll
            for (int t = 0; t < NT; ++t) {
                acc[t] = fusedMultiplyAdd(s, part[t], acc[t]);
                if constexpr (Glu)
                    accUp[t] = fusedMultiplyAdd(su, partUp[t], accUp[t]);
            }
        } else {
#pragma unroll
            for (int t = 0; t < NT; ++t) {
                acc[t] += part[t];
                if constexpr (Glu)
                    accUp[t] += partUp[t];
            }
        }
    }
}

__device__ __forceinline__ int32_t tokenRow(const TokenRows& rows, int i) {
    return rows.index ? rows.index[rows.first + i] : rows.first + i;
}

/*
 * y[token][r] = x[token] · W[r] (+ bias, += y for residuals) for up to NT
 * tokens that share each weight load. 8 warps per block; `warpsPerRow` warps
 * split one row's 16-byte chunks between their lanes (lane l of warp part p
 * takes chunks (32p + l) + k·32W), so a block covers 8 / W rows. Each lane
 * keeps one float per token, the warp adds its lanes with shuffles, and W > 1
 * warps add their sums through shared memory in warp order.
 *
 * The launch's rows are the segments' rows one after the other (Q, K, V);
 * with Glu, row r is gate row r and up row r together and the result is
 * silu(gate) ⊙ up. The state (fixed, or read from device memory, the same for
 * every thread) picks the weights: a skipped token computes nothing, except
 * segments marked skipUsesFull (K/V in the Project KV mode), which run at
 * full precision. Missing weights (INT8/INT4 states never loaded) give NaN
 * rather than a silently wrong result.
 */
// Decode launches (one token) keep to 85 registers so that three blocks fit
// an SM (24 warps hide the loads' latency); multi-token launches keep their
// accumulators in registers instead.
template <int NT, bool Glu>
__global__ void __launch_bounds__(kGemvThreads, NT == 1 ? 3 : 1)
    gemvKernel(const __grid_constant__ GemvLaunch a, int32_t warpsPerRow) {
    const int warp = static_cast<int>(threadIdx.x >> 5);
    const int lane = static_cast<int>(threadIdx.x & 31);
    const int W = warpsPerRow;
    const int part = warp % W;
    const int64_t row = static_cast<int64_t>(blockIdx.x) * (kGemvWarps / W) + warp / W;

    const int code =
        a.state.device ? static_cast<int>(*a.state.device) : static_cast<int>(a.state.fixed);
    int seg = -1;
    int64_t r = row;
    if (Glu) {
        if (r < a.segments[0].rows)
            seg = 0;
    } else {
        for (int s = 0; s < a.segmentCount; ++s) {
            if (r < a.segments[s].rows) {
                seg = s;
                break;
            }
            r -= a.segments[s].rows;
        }
    }
    int effective = code;
    if (code == 0 && seg >= 0 && a.segments[seg].skipUsesFull)
        effective = 4;
    const bool active = seg >= 0 && effective != 0;
    const int slot = stateSlot(effective);
    const DeviceMatrix& m = a.segments[active ? seg : 0].weights.byState[slot];
    const DeviceMatrix& up = a.segments[Glu ? 1 : 0].weights.byState[slot];
    const bool present = active && m.data && (!Glu || up.data);

    const int count = a.tokens.count < NT ? a.tokens.count : NT;
    float acc[NT];
    float accUp[NT];
    const float* x[NT];
#pragma unroll
    for (int t = 0; t < NT; ++t) {
        acc[t] = accUp[t] = 0.0f;
        x[t] = a.x + static_cast<int64_t>(tokenRow(a.tokens, t < count ? t : 0)) * a.xStride;
    }
    if (present) {
        const int laneInRow = part * 32 + lane;
        const int lanesPerRow = 32 * W;
        switch (m.format) {
        case DeviceFormat::F16:
            rowShare<DeviceFormat::F16, NT, Glu>(m, up, r, a.cols, x, count, laneInRow, lanesPerRow,
                                                 acc, accUp);
            break;
        case DeviceFormat::BF16:
            rowShare<DeviceFormat::BF16, NT, Glu>(m, up, r, a.cols, x, count, laneInRow,
                                                  lanesPerRow, acc, accUp);
            break;
        case DeviceFormat::Int8:
            rowShare<DeviceFormat::Int8, NT, Glu>(m, up, r, a.cols, x, count, laneInRow,
                                                  lanesPerRow, acc, accUp);
            break;
        case DeviceFormat::Int4:
            rowShare<DeviceFormat::Int4, NT, Glu>(m, up, r, a.cols, x, count, laneInRow,
                                                  lanesPerRow, acc, accUp);
            break;
        }
    }
#pragma unroll
    for (int t = 0; t < NT; ++t) {
        acc[t] = warpSum(acc[t]);
        if (Glu)
            accUp[t] = warpSum(accUp[t]);
    }
    if (W > 1) {
        __shared__ float partial[kGemvWarps][2 * NT];
        if (lane == 0) {
#pragma unroll
            for (int t = 0; t < NT; ++t) {
                partial[warp][t] = acc[t];
                partial[warp][NT + t] = accUp[t];
            }
        }
        __syncthreads();
        if (part != 0)
            return;
#pragma unroll
        for (int t = 0; t < NT; ++t) {
            float s = 0.0f, su = 0.0f;
            for (int p = 0; p < W; ++p) {
                s += partial[warp + p][t];
                su += partial[warp + p][NT + t];
            }
            acc[t] = s;
            accUp[t] = su;
        }
    }
    if (lane != 0 || !active)
        return;
    const GemvSegment& S = a.segments[seg];
#pragma unroll
    for (int t = 0; t < NT; ++t) {
        if (t >= count)
            break;
        float v = acc[t] + (S.bias ? S.bias[r] : 0.0f);
        if (Glu) {
            const float u = accUp[t] + (a.segments[1].bias ? a.segments[1].bias[r] : 0.0f);
            v = v / (1.0f + expf(-v)) * u;
        }
        if (!present)
            v = __int_as_float(0x7FC00000); // NaN: the state's weights are not loaded
        float* y = S.y + static_cast<int64_t>(tokenRow(a.tokens, t)) * S.yStride + r;
        *y = a.accumulate ? *y + v : v;
    }
}

Status checkMatrix(const DeviceMatrix& m, int32_t rows, int32_t cols, const char* what) {
    if (!m.data)
        return {};
    if (m.rows != rows || m.cols != cols)
        return internalError(std::string("gemv: ") + what + " is [" + std::to_string(m.rows) +
                             ", " + std::to_string(m.cols) + "], the launch wants [" +
                             std::to_string(rows) + ", " + std::to_string(cols) + "]");
    const bool integer = m.format == DeviceFormat::Int8 || m.format == DeviceFormat::Int4;
    if (integer && (!m.scales || m.group <= 0 || m.group % 32 != 0 || cols % m.group != 0))
        return internalError(std::string("gemv: ") + what + " has no valid scales/group");
    return {};
}

template <int NT, bool Glu>
Status launchOne(const GemvLaunch& a, const GemvGeometry& g, cudaStream_t stream) {
    gemvKernel<NT, Glu>
        <<<static_cast<unsigned>(g.blocks), kGemvThreads, 0, stream>>>(a, g.warpsPerRow);
    DASH_CUDA_LAUNCHED(Glu ? "gemv (gate/up/swiglu)" : "gemv");
    return {};
}

} // namespace

Status launchGemv(const GemvLaunch& a, int smCount, cudaStream_t stream) {
    if (a.cols <= 0 || a.cols % kColumnMultiple != 0)
        return internalError("gemv: " + std::to_string(a.cols) +
                             " columns (need a positive multiple of 8)");
    if (a.segmentCount < 1 || a.segmentCount > 3 || (a.gluPair && a.segmentCount != 2))
        return internalError("gemv: " + std::to_string(a.segmentCount) + " segments");
    if (!a.x || a.xStride < a.cols)
        return internalError("gemv: no activations or a row stride below the columns");
    if (a.tokens.count <= 0)
        return {};
    int64_t rows = 0;
    for (int s = 0; s < a.segmentCount; ++s) {
        const GemvSegment& seg = a.segments[s];
        const bool needsOutput = !(a.gluPair && s == 1); // up's result goes to the gate's y
        if (seg.rows <= 0 || (needsOutput && (!seg.y || seg.yStride < seg.rows)))
            return internalError("gemv: segment " + std::to_string(s) + " has no output");
        for (int k = 0; k < 3; ++k)
            DASH_TRY(checkMatrix(seg.weights.byState[k], seg.rows, a.cols, "a segment's matrix"));
        rows += seg.rows;
    }
    if (a.gluPair) {
        if (a.segments[0].rows != a.segments[1].rows)
            return internalError("gemv: gate and up differ in rows");
        rows = a.segments[0].rows;
    }
    const GemvGeometry g = gemvGeometry(rows, a.cols / kHalfPerChunk, smCount);
    for (int32_t first = 0; first < a.tokens.count; first += kMaxGemvTokens) {
        GemvLaunch part = a;
        part.tokens.first = a.tokens.first + first;
        part.tokens.count = std::min(kMaxGemvTokens, a.tokens.count - first);
        const bool single = part.tokens.count == 1;
        const Status launched =
            single ? (a.gluPair ? launchOne<1, true>(part, g, stream)
                                : launchOne<1, false>(part, g, stream))
                   : (a.gluPair ? launchOne<kMaxGemvTokens, true>(part, g, stream)
                                : launchOne<kMaxGemvTokens, false>(part, g, stream));
        DASH_TRY(launched);
    }
    return {};
}

} // namespace dash::cuda
