// SPDX-License-Identifier: MIT
// DASH's scoring model on the device: the decision for layer `next`, written
// to device memory (and to a SWITCH conditional node's handle), so that the
// compute stream never waits for the host.
#include "cuda/cuda_check.h"
#include "cuda/kernels.h"
#include "cuda/launch_geometry.h"

namespace dash::cuda {

namespace {

__device__ double blockSum(double v) {
    __shared__ double warpTotals[32];
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        v += __shfl_xor_sync(0xFFFFFFFFu, v, offset);
    const int warp = static_cast<int>(threadIdx.x >> 5);
    if ((threadIdx.x & 31) == 0)
        warpTotals[warp] = v;
    __syncthreads();
    double total = 0;
    for (int w = 0; w < static_cast<int>(blockDim.x / 32); ++w)
        total += warpTotals[w];
    return total;
}

/*
 * One block per token. (1) h~ = gamma ⊙ x (alpha ⊙ x when the token skips
 * layer next - 1, identity without alpha) into shared memory, with its sum of
 * squares in double; ĥ = h~ / rms(h~). (2) pre = constant[next][current] +
 * W1t^T ĥ: the threads form `slices` x hidden units; thread (s, j) runs a
 * fused multiply-add chain over rows c = s, s + slices, ... of W1t (rows are
 * hidden-contiguous, so a warp's loads coalesce), and the slices are added
 * in order (one slice: the chain starts from the constant, exactly the host
 * reference's order). (3) Threads 0..3 score one candidate each with
 * block_math.h's candidateScore; thread 0 picks the first highest allowed
 * score (or the forced state), writes the state code and the scores, and
 * sets the layer's SWITCH handle to the state's index.
 */
__global__ void __launch_bounds__(kScorerThreads)
    scorerKernel(const __grid_constant__ ScorerLaunch a) {
    extern __shared__ float shared[];
    float* approx = shared;          // [dim]
    float* partial = approx + a.dim; // [slices][hidden]
    const int slices = scorerSlices(a.hidden);
    float* pre = partial + slices * a.hidden; // [hidden]
    __shared__ float raw[4];

    const int i = static_cast<int>(blockIdx.x);
    const int current =
        a.current.codes
            ? static_cast<int>(a.current.codes[static_cast<int64_t>(i) * a.current.stride])
            : 4;
    const bool skip = current == 0;
    const float* scale = skip ? a.alpha : a.gamma;
    const int scaleSize = skip ? a.alphaSize : a.gammaSize;
    const float* x = a.input + static_cast<int64_t>(i) * a.dim;
    double ss = 0;
    for (int c = static_cast<int>(threadIdx.x); c < a.dim; c += blockDim.x) {
        const float f = scaleSize == 0 ? 1.0f : (scaleSize == 1 ? scale[0] : scale[c]);
        const float v = __fmul_rn(f, x[c]);
        approx[c] = v;
        ss += static_cast<double>(v) * v;
    }
    ss = blockSum(ss);
    const double rms = sqrt(ss / a.dim);
    const float inv = rms > 0 ? static_cast<float>(1.0 / rms) : 0.0f;

    const int index = stateIndexOfCode(current) < 0 ? 3 : stateIndexOfCode(current);
    const float* constant = a.constant + (static_cast<int64_t>(a.next) * 4 + index) * a.hidden;
    if (slices == 1) {
        for (int j = static_cast<int>(threadIdx.x); j < a.hidden; j += blockDim.x) {
            float p = constant[j];
            for (int c = 0; c < a.dim; ++c)
                p = fmaf(__fmul_rn(approx[c], inv), a.w1t[static_cast<int64_t>(c) * a.hidden + j],
                         p);
            pre[j] = p;
        }
    } else {
        const int s = static_cast<int>(threadIdx.x) / a.hidden;
        const int j = static_cast<int>(threadIdx.x) % a.hidden;
        if (s < slices) {
            float p = 0.0f;
            for (int c = s; c < a.dim; c += slices)
                p = fmaf(__fmul_rn(approx[c], inv), a.w1t[static_cast<int64_t>(c) * a.hidden + j],
                         p);
            partial[s * a.hidden + j] = p;
        }
        __syncthreads();
        for (int jj = static_cast<int>(threadIdx.x); jj < a.hidden; jj += blockDim.x) {
            float p = constant[jj];
            for (int k = 0; k < slices; ++k)
                p += partial[k * a.hidden + jj];
            pre[jj] = p;
        }
    }
    __syncthreads();
    if (threadIdx.x < 4) {
        const int k = static_cast<int>(threadIdx.x);
        raw[k] = candidateScore(pre, a.candidate + static_cast<int64_t>(k) * a.hidden, a.w2,
                                a.hidden, a.b2, a.lambda, k, current, a.costBias, a.costs[k]);
    }
    __syncthreads();
    if (threadIdx.x != 0)
        return;
    const bool allowed[4] = {a.next < a.layers - 1, a.allowInt4, a.allowInt8, true};
    const float scores[4] = {raw[0], raw[1], raw[2], raw[3]};
    const int choice = chooseCandidate(scores, allowed);
    const int code = a.forced >= 0 ? a.forced : stateCode(choice);
    a.chosen[static_cast<int64_t>(i) * a.chosenStride] = static_cast<uint8_t>(code);
    if (a.scores) {
        for (int k = 0; k < 4; ++k)
            a.scores[static_cast<int64_t>(i) * 4 + k] =
                allowed[k] ? scores[k] : __int_as_float(0x7FC00000);
    }
    if (a.conditional != 0)
        cudaGraphSetConditional(a.conditional, static_cast<unsigned>(stateIndexOfCode(code)));
}

} // namespace

size_t scorerSharedBytes(int32_t dim, int32_t hidden) {
    const int slices = scorerSlices(hidden);
    return sizeof(float) * (static_cast<size_t>(dim) + static_cast<size_t>(slices) * hidden +
                            static_cast<size_t>(hidden));
}

Status prepareScorer(int32_t dim, int32_t hidden) {
    const size_t shared = scorerSharedBytes(dim, hidden);
    int device = 0;
    DASH_CUDA_TRY(cudaGetDevice(&device));
    int optIn = 0;
    DASH_CUDA_TRY(cudaDeviceGetAttribute(&optIn, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    if (shared > static_cast<size_t>(optIn))
        return unsupportedError("the DASH scorer needs " + std::to_string(shared) +
                                " bytes of shared memory for a hidden size of " +
                                std::to_string(dim) + "; the GPU offers " + std::to_string(optIn));
    DASH_CUDA_TRY(cudaFuncSetAttribute(scorerKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(shared)));
    return {};
}

Status launchScorer(const ScorerLaunch& a, cudaStream_t stream) {
    if (a.count <= 0)
        return {};
    if (a.hidden <= 0 || a.hidden > kMaxScorerHidden)
        return unsupportedError("scorer: " + std::to_string(a.hidden) + " hidden units");
    if (a.next < 1 || a.next >= a.layers)
        return internalError("scorer: layer " + std::to_string(a.next) + " is not decided");
    if (a.conditional != 0 && a.count != 1)
        return internalError("scorer: a SWITCH handle is set for one token only");
    if (!a.input || !a.chosen || !a.gamma || !a.w1t || !a.constant || !a.candidate || !a.w2)
        return internalError("scorer: a null buffer");
    const size_t shared = scorerSharedBytes(a.dim, a.hidden);
    scorerKernel<<<static_cast<unsigned>(a.count), kScorerThreads, shared, stream>>>(a);
    DASH_CUDA_LAUNCHED("DASH scorer");
    return {};
}

} // namespace dash::cuda
