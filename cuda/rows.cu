// SPDX-License-Identifier: MIT
// Row-wise kernels of a layer and of the head: RMSNorm, RoPE with the KV
// cache write, skip compensation, embedding, SwiGLU, the cuBLAS gather and
// scatter, and the greedy argmax. Elementwise products are written with
// __fmul_rn/__fadd_rn where the CPU reference computes them without fused
// multiply-adds, so that those results match it bit for bit.
#include "cuda/cuda_check.h"
#include "cuda/kernels.h"
#include "cuda/launch_geometry.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace dash::cuda {

namespace {

__device__ __forceinline__ int32_t tokenRow(const TokenRows& rows, int i) {
    return rows.index ? rows.index[rows.first + i] : rows.first + i;
}

__device__ __forceinline__ bool skipped(const StateSelect& s) {
    return s.device ? *s.device == 0 : s.fixed == LayerState::Skip;
}

__device__ __forceinline__ int codeOf(const StateCodes& s, int i) {
    return s.codes ? static_cast<int>(s.codes[static_cast<int64_t>(i) * s.stride]) : 4;
}

// Block-wide sum of one double per thread (blockDim.x a multiple of 32, <= 1024).
__device__ double blockSum(double v) {
    __shared__ double warpTotals[32];
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        v += __shfl_xor_sync(0xFFFFFFFFu, v, offset);
    const int warp = static_cast<int>(threadIdx.x >> 5);
    const int lane = static_cast<int>(threadIdx.x & 31);
    if (lane == 0)
        warpTotals[warp] = v;
    __syncthreads();
    double total = 0;
    const int warps = static_cast<int>((blockDim.x + 31) / 32);
    for (int w = 0; w < warps; ++w)
        total += warpTotals[w];
    __syncthreads(); // warpTotals may be reused by the caller's next blockSum
    return total;
}

/*
 * One block per token row: the sum of squares in double across the block
 * (threads take every 256th value, warps add with shuffles, then the block
 * through shared memory), scale = 1 / sqrt(ss / dim + eps) rounded to float
 * as the CPU does, then out = (x · scale) · weight per value. The optional
 * snapshot copies x (the layer input the DASH scorer reads later).
 */
__global__ void __launch_bounds__(kRowThreads)
    rmsNormKernel(const __grid_constant__ RmsNormLaunch a) {
    if (skipped(a.state))
        return;
    const int i = static_cast<int>(blockIdx.x);
    const int32_t t = tokenRow(a.tokens, i);
    const float* x = a.x + static_cast<int64_t>(t) * a.xStride;
    double ss = 0;
    for (int c = static_cast<int>(threadIdx.x); c < a.dim; c += blockDim.x)
        ss += static_cast<double>(x[c]) * x[c];
    ss = blockSum(ss);
    const float scale = static_cast<float>(1.0 / sqrt(ss / a.dim + static_cast<double>(a.eps)));
    float* out = a.out + static_cast<int64_t>(t) * a.outStride;
    for (int c = static_cast<int>(threadIdx.x); c < a.dim; c += blockDim.x) {
        const float v = x[c];
        out[c] = __fmul_rn(__fmul_rn(v, scale), a.weight[c]);
        if (a.snapshot)
            a.snapshot[static_cast<int64_t>(i) * a.dim + c] = v;
    }
}

// (x0, x1) rotated by the angle whose (cos, sin) is (c, s), without FMA.
__device__ __forceinline__ void rotate(float& x0, float& x1, float c, float s) {
    const float a = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
    const float b = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
    x0 = a;
    x1 = b;
}

__device__ __forceinline__ void pairIndex(RopeLayout layout, int j, int half, int& first,
                                          int& second) {
    first = layout == RopeLayout::AdjacentPairs ? 2 * j : j;
    second = layout == RopeLayout::AdjacentPairs ? 2 * j + 1 : j + half;
}

/*
 * One block per token: the (head, pair) rotations of q in place (not for a
 * skipped token) and of k straight into the cache row of the token's
 * position, v copied beside it, and the position's visibility. A skipped
 * token in the Mask KV mode only hides its position.
 */
__global__ void __launch_bounds__(kRowThreads)
    ropeStoreKernel(const __grid_constant__ RopeStoreLaunch a) {
    const int i = static_cast<int>(blockIdx.x);
    const int32_t t = tokenRow(a.tokens, i);
    const bool skip = codeOf(a.states, i) == 0;
    const int64_t pos = a.positions[t];
    if (threadIdx.x == 0)
        a.visible[pos] = (skip && !a.project) ? 0 : 1;
    if (skip && !a.project)
        return;
    const int half = a.headDim / 2;
    const float* cs = a.table + pos * half * 2;
    if (!skip) {
        float* q = a.q + static_cast<int64_t>(t) * a.qStride;
        for (int p = static_cast<int>(threadIdx.x); p < a.heads * half; p += blockDim.x) {
            const int h = p / half, j = p % half;
            int f, s;
            pairIndex(a.layout, j, half, f, s);
            float x0 = q[h * a.headDim + f], x1 = q[h * a.headDim + s];
            rotate(x0, x1, cs[2 * j], cs[2 * j + 1]);
            q[h * a.headDim + f] = x0;
            q[h * a.headDim + s] = x1;
        }
    }
    const float* k = a.k + static_cast<int64_t>(t) * a.kvStride;
    float* keyRow = a.keyCache + pos * a.kvDim;
    for (int p = static_cast<int>(threadIdx.x); p < a.kvHeads * half; p += blockDim.x) {
        const int h = p / half, j = p % half;
        int f, s;
        pairIndex(a.layout, j, half, f, s);
        float x0 = k[h * a.headDim + f], x1 = k[h * a.headDim + s];
        rotate(x0, x1, cs[2 * j], cs[2 * j + 1]);
        keyRow[h * a.headDim + f] = x0;
        keyRow[h * a.headDim + s] = x1;
    }
    const float* v = a.v + static_cast<int64_t>(t) * a.kvStride;
    float* valueRow = a.valueCache + pos * a.kvDim;
    for (int c = static_cast<int>(threadIdx.x); c < a.kvDim; c += blockDim.x)
        valueRow[c] = v[c];
}

// One block per token: every (head, pair) of v rotated in place.
__global__ void __launch_bounds__(kRowThreads) ropeKernel(const __grid_constant__ RopeLaunch a) {
    const int t = static_cast<int>(blockIdx.x);
    const int half = a.headDim / 2;
    const float* cs = a.table + static_cast<int64_t>(a.positions[t]) * half * 2;
    float* v = a.v + static_cast<int64_t>(t) * a.heads * a.headDim;
    for (int p = static_cast<int>(threadIdx.x); p < a.heads * half; p += blockDim.x) {
        const int h = p / half, j = p % half;
        int f, s;
        pairIndex(a.layout, j, half, f, s);
        float x0 = v[h * a.headDim + f], x1 = v[h * a.headDim + s];
        rotate(x0, x1, cs[2 * j], cs[2 * j + 1]);
        v[h * a.headDim + f] = x0;
        v[h * a.headDim + s] = x1;
    }
}

// One block per token: x *= alpha (scalar or per channel) where the token skips.
__global__ void __launch_bounds__(kRowThreads) scaleKernel(const __grid_constant__ ScaleLaunch a) {
    if (a.alphaSize == 0)
        return;
    const int i = static_cast<int>(blockIdx.x);
    if (!(a.all && !a.states.codes) && codeOf(a.states, i) != 0)
        return;
    float* x = a.x + static_cast<int64_t>(tokenRow(a.tokens, i)) * a.xStride;
    for (int c = static_cast<int>(threadIdx.x); c < a.dim; c += blockDim.x)
        x[c] = __fmul_rn(x[c], a.alphaSize == 1 ? a.alpha[0] : a.alpha[c]);
}

// Block (token, 256 columns): table row ids[token], converted to float.
__global__ void __launch_bounds__(kRowThreads) embedKernel(const __grid_constant__ EmbedLaunch a) {
    const int i = static_cast<int>(blockIdx.x);
    const int c = static_cast<int>(blockIdx.y * blockDim.x + threadIdx.x);
    if (c >= a.table.cols)
        return;
    const auto* row = reinterpret_cast<const uint16_t*>(a.table.data) +
                      static_cast<int64_t>(a.ids[i]) * a.table.cols;
    const uint16_t bits = row[c];
    a.x[static_cast<int64_t>(i) * a.table.cols + c] =
        a.table.format == DeviceFormat::BF16 ? bf16BitsToFloat(bits) : halfBitsToFloat(bits);
}

__global__ void swigluKernel(float* gate, const float* up, int64_t count) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= count)
        return;
    const float g = gate[i];
    gate[i] = g / (1.0f + expf(-g)) * up[i];
}

// Block (token, 256 columns): x rows converted to half or bfloat16.
__global__ void __launch_bounds__(kRowThreads)
    gatherKernel(const __grid_constant__ GatherLaunch a) {
    const int i = static_cast<int>(blockIdx.x);
    const int c = static_cast<int>(blockIdx.y * blockDim.x + threadIdx.x);
    if (c >= a.cols)
        return;
    const float v = a.x[static_cast<int64_t>(tokenRow(a.tokens, i)) * a.xStride + c];
    const int64_t o = static_cast<int64_t>(i) * a.cols + c;
    if (a.bf16)
        static_cast<__nv_bfloat16*>(a.out)[o] = __float2bfloat16_rn(v);
    else
        static_cast<__half*>(a.out)[o] = __float2half_rn(v);
}

// Block (token, 256 rows): the GEMM's row i back to its token row, + bias,
// SwiGLU with `up`, = or +=.
__global__ void __launch_bounds__(kRowThreads)
    scatterKernel(const __grid_constant__ ScatterLaunch a) {
    const int i = static_cast<int>(blockIdx.x);
    const int r = static_cast<int>(blockIdx.y * blockDim.x + threadIdx.x);
    if (r >= a.rows)
        return;
    const int64_t o = static_cast<int64_t>(i) * a.rows + r;
    float v = a.src[o] + (a.bias ? a.bias[r] : 0.0f);
    if (a.up) {
        const float u = a.up[o] + (a.upBias ? a.upBias[r] : 0.0f);
        v = v / (1.0f + expf(-v)) * u;
    }
    float* y = a.y + static_cast<int64_t>(tokenRow(a.tokens, i)) * a.yStride + r;
    *y = a.accumulate ? *y + v : v;
}

/*
 * One block of 1024 threads: each thread keeps the first highest logit of its
 * stride (NaN never wins), then a shared-memory tree keeps the higher value,
 * the lower index on ties, i.e. the first maximum as the CPU's argmax.
 * Thread 0 advances the device-side token and position for the next step.
 */
__global__ void __launch_bounds__(1024) argmaxKernel(const __grid_constant__ ArgmaxLaunch a) {
    __shared__ float bestValue[1024];
    __shared__ int32_t bestIndex[1024];
    float value = -INFINITY;
    int32_t index = -1;
    for (int32_t i = static_cast<int32_t>(threadIdx.x); i < a.vocab; i += blockDim.x) {
        const float v = a.logits[i];
        if (v != v)
            continue; // NaN
        if (index < 0 || v > value) {
            value = v;
            index = i;
        }
    }
    bestValue[threadIdx.x] = value;
    bestIndex[threadIdx.x] = index;
    __syncthreads();
    for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            const float v = bestValue[threadIdx.x + half];
            const int32_t j = bestIndex[threadIdx.x + half];
            const int32_t k = bestIndex[threadIdx.x];
            if (j >= 0 &&
                (k < 0 || v > bestValue[threadIdx.x] || (v == bestValue[threadIdx.x] && j < k))) {
                bestValue[threadIdx.x] = v;
                bestIndex[threadIdx.x] = j;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        const int32_t token = bestIndex[0] < 0 ? 0 : bestIndex[0];
        *a.token = token;
        if (a.position)
            *a.position += 1;
        if (a.history && a.counter) {
            if (*a.counter < a.historySize)
                a.history[*a.counter] = token;
            *a.counter += 1;
        }
    }
}

unsigned blocksFor(int64_t count, int threads) {
    return static_cast<unsigned>((count + threads - 1) / threads);
}

} // namespace

Status launchRmsNorm(const RmsNormLaunch& a, cudaStream_t stream) {
    if (a.tokens.count <= 0)
        return {};
    if (!a.x || !a.weight || !a.out || a.dim <= 0)
        return internalError("rmsNorm: a null buffer or no columns");
    rmsNormKernel<<<static_cast<unsigned>(a.tokens.count), kRowThreads, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("rmsNorm");
    return {};
}

Status launchRopeStore(const RopeStoreLaunch& a, cudaStream_t stream) {
    if (a.tokens.count <= 0)
        return {};
    if (!a.q || !a.k || !a.v || !a.keyCache || !a.valueCache || !a.visible || !a.positions ||
        !a.table || a.headDim % 2 != 0)
        return internalError("ropeStore: a null buffer or an odd head size");
    ropeStoreKernel<<<static_cast<unsigned>(a.tokens.count), kRowThreads, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("ropeStore");
    return {};
}

Status launchRope(const RopeLaunch& a, cudaStream_t stream) {
    if (a.count <= 0)
        return {};
    if (!a.v || !a.positions || !a.table || a.headDim % 2 != 0)
        return internalError("rope: a null buffer or an odd head size");
    ropeKernel<<<static_cast<unsigned>(a.count), kRowThreads, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("rope");
    return {};
}

Status launchScale(const ScaleLaunch& a, cudaStream_t stream) {
    if (a.tokens.count <= 0 || a.alphaSize == 0)
        return {};
    if (!a.x || !a.alpha || (a.alphaSize != 1 && a.alphaSize != a.dim))
        return internalError("scale: a null buffer or alpha of " + std::to_string(a.alphaSize) +
                             " values for " + std::to_string(a.dim) + " columns");
    scaleKernel<<<static_cast<unsigned>(a.tokens.count), kRowThreads, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("scale");
    return {};
}

Status launchEmbed(const EmbedLaunch& a, cudaStream_t stream) {
    if (a.count <= 0)
        return {};
    if (!a.table.data || !a.ids || !a.x ||
        (a.table.format != DeviceFormat::F16 && a.table.format != DeviceFormat::BF16))
        return internalError("embed: the table must be F16 or BF16");
    const dim3 grid(static_cast<unsigned>(a.count), blocksFor(a.table.cols, kRowThreads));
    embedKernel<<<grid, kRowThreads, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("embed");
    return {};
}

Status launchSwiglu(float* gate, const float* up, int64_t count, cudaStream_t stream) {
    if (count <= 0)
        return {};
    swigluKernel<<<blocksFor(count, kRowThreads), kRowThreads, 0, stream>>>(gate, up, count);
    DASH_CUDA_LAUNCHED("swiglu");
    return {};
}

Status launchGather(const GatherLaunch& a, cudaStream_t stream) {
    if (a.tokens.count <= 0)
        return {};
    const dim3 grid(static_cast<unsigned>(a.tokens.count), blocksFor(a.cols, kRowThreads));
    gatherKernel<<<grid, kRowThreads, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("gather");
    return {};
}

Status launchScatter(const ScatterLaunch& a, cudaStream_t stream) {
    if (a.tokens.count <= 0)
        return {};
    const dim3 grid(static_cast<unsigned>(a.tokens.count), blocksFor(a.rows, kRowThreads));
    scatterKernel<<<grid, kRowThreads, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("scatter");
    return {};
}

Status launchArgmax(const ArgmaxLaunch& a, cudaStream_t stream) {
    if (!a.logits || !a.token || a.vocab <= 0)
        return internalError("argmax: a null buffer or an empty vocabulary");
    argmaxKernel<<<1, 1024, 0, stream>>>(a);
    DASH_CUDA_LAUNCHED("argmax");
    return {};
}

} // namespace dash::cuda
