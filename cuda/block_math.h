// SPDX-License-Identifier: MIT
// The arithmetic of one weight chunk, written once for the device kernels and
// the host tests. A chunk is the 16 bytes one thread loads with one 128-bit
// load: 8 F16/BF16 weights, 16 INT8 weights or 32 INT4 weights of one row
// (see gpu_layout.h for the byte order). The kernels call exactly these
// functions, so a host test that compares them with the CPU backend checks
// the kernels' per-chunk results bit for bit; only the order in which chunk
// sums are added up across threads differs on the device.
//
// No CUDA header is needed: under nvcc the functions are __host__ __device__
// and use the device intrinsics; in a host compiler they use portable code
// with the same results (IEEE float, fused multiply-add).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#include <cuda_fp16.h>
#define DASH_HD __host__ __device__ __forceinline__
#define DASH_UNROLL _Pragma("unroll")
#else
#define DASH_HD inline
#define DASH_UNROLL
#endif

namespace dash::cuda {

// One 128-bit load as four 32-bit words (word 0 at the lowest address).
struct alignas(16) Word128 {
    uint32_t w[4];
};

// Weights per 16-byte chunk.
inline constexpr int kHalfPerChunk = 8;
inline constexpr int kInt8PerChunk = 16;
inline constexpr int kInt4PerChunk = 32;

DASH_HD float bitsToFloat(uint32_t bits) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(bits);
#else
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
#endif
}

DASH_HD uint32_t floatToBits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return bits;
#endif
}

DASH_HD float fusedMultiplyAdd(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
    return __fmaf_rn(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}

// A product and a sum rounded separately, never fused into one FMA by the
// device compiler (the host compiler does not contract in ISO C++ mode).
DASH_HD float roundedMul(float a, float b) {
#if defined(__CUDA_ARCH__)
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}

DASH_HD float roundedAdd(float a, float b) {
#if defined(__CUDA_ARCH__)
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}

// PRMT without the sign-replicate mode: byte i of the result is byte
// (selector >> 4i) & 7 of the eight bytes {b, a} (a = bytes 0-3).
DASH_HD uint32_t bytePermute(uint32_t a, uint32_t b, uint32_t selector) {
#if defined(__CUDA_ARCH__)
    return __byte_perm(a, b, selector);
#else
    const uint64_t bytes = (static_cast<uint64_t>(b) << 32) | a;
    uint32_t out = 0;
    for (int i = 0; i < 4; ++i) {
        const uint32_t index = (selector >> (4 * i)) & 7u;
        out |= static_cast<uint32_t>((bytes >> (8 * index)) & 0xFFu) << (8 * i);
    }
    return out;
#endif
}

// IEEE half bits to float, exact (subnormals, infinities and NaN included).
DASH_HD float halfBitsToFloat(uint16_t h) {
#if defined(__CUDA_ARCH__)
    return __half2float(__ushort_as_half(h));
#else
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1Fu;
    const uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0x1Fu) // infinity or NaN
        return bitsToFloat(sign | 0x7F800000u | (mantissa << 13));
    if (exponent == 0) {
        // Zero or subnormal: mantissa · 2^-24, exact in float.
        const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
        return sign ? -magnitude : magnitude;
    }
    return bitsToFloat(sign | ((exponent + 112u) << 23) | (mantissa << 13));
#endif
}

DASH_HD float bf16BitsToFloat(uint16_t h) {
    return bitsToFloat(static_cast<uint32_t>(h) << 16);
}

// Signed byte k (0..3) of `word` as a float: the byte, offset to unsigned,
// becomes the low mantissa bits of 2^23 (one PRMT), and subtracting 2^23 + 128
// leaves the signed value exactly.
DASH_HD float int8Lane(uint32_t word, int k) {
    const uint32_t bits =
        bytePermute(word ^ 0x80808080u, 0x4Bu, 0x4550u | static_cast<uint32_t>(k));
    return bitsToFloat(bits) - 8388736.0f;
}

// INT4 nibble order inside one 32-bit word of a chunk: weight e (0..7) of the
// word sits at bit nibbleShift(e). Even weights fill the low half-word and odd
// ones the high half-word, so (word >> 4j) & 0x000F000F holds weights 2j and
// 2j+1 in its two halves: the pair a half2 conversion would take at once.
DASH_HD constexpr int nibbleShift(int e) {
    return (e & 1) ? 16 + 4 * (e >> 1) : 4 * (e >> 1);
}

// Nibble at `shift` of `word` (stored as q + 8) as the float q, through the
// same 2^23 mantissa trick as int8Lane.
DASH_HD float int4Lane(uint32_t word, int shift) {
    const uint32_t bits = ((word >> shift) & 0xFu) | 0x4B000000u;
    return bitsToFloat(bits) - 8388616.0f;
}

// One 32-bit word of a chunk as floats, in column order: 2 F16/BF16
// weights, 4 INT8 or 8 INT4 weights. A chunk is four words.
DASH_HD void unpackHalfWord(uint32_t word, float out[2]) {
    out[0] = halfBitsToFloat(static_cast<uint16_t>(word & 0xFFFFu));
    out[1] = halfBitsToFloat(static_cast<uint16_t>(word >> 16));
}

DASH_HD void unpackBf16Word(uint32_t word, float out[2]) {
    out[0] = bitsToFloat(word << 16);
    out[1] = bitsToFloat(word & 0xFFFF0000u);
}

DASH_HD void unpackInt8Word(uint32_t word, float out[4]) {
    DASH_UNROLL
    for (int k = 0; k < 4; ++k)
        out[k] = int8Lane(word, k);
}

DASH_HD void unpackInt4Word(uint32_t word, float out[8]) {
    DASH_UNROLL
    for (int e = 0; e < 8; ++e)
        out[e] = int4Lane(word, nibbleShift(e));
}

// The chunk's weights as floats, in column order.
DASH_HD void unpackHalfChunk(const Word128& c, float out[kHalfPerChunk]) {
    DASH_UNROLL
    for (int i = 0; i < 4; ++i)
        unpackHalfWord(c.w[i], out + 2 * i);
}

DASH_HD void unpackBf16Chunk(const Word128& c, float out[kHalfPerChunk]) {
    DASH_UNROLL
    for (int i = 0; i < 4; ++i)
        unpackBf16Word(c.w[i], out + 2 * i);
}

DASH_HD void unpackInt8Chunk(const Word128& c, float out[kInt8PerChunk]) {
    DASH_UNROLL
    for (int i = 0; i < 4; ++i)
        unpackInt8Word(c.w[i], out + 4 * i);
}

DASH_HD void unpackInt4Chunk(const Word128& c, float out[kInt4PerChunk]) {
    DASH_UNROLL
    for (int i = 0; i < 4; ++i)
        unpackInt4Word(c.w[i], out + 8 * i);
}

// Σ w[e]·x[e] over `count` unpacked weights, one fused multiply-add per weight
// in column order starting from 0 (the kernels run the same chain word by
// word). Integer chunks are summed unscaled; the caller multiplies the chunk
// sum by the group's scale (a chunk never straddles two groups).
DASH_HD float chunkDot(const float* w, const float* x, int count) {
    float acc = 0.0f;
    DASH_UNROLL
    for (int e = 0; e < 32; ++e)
        if (e < count)
            acc = fusedMultiplyAdd(w[e], x[e], acc);
    return acc;
}

// ---- The DASH scoring model's decision arithmetic (core/dash/scorer.h)

// The state code of candidate k (Skip, Int4, Int8, Full): 0, 1, 2, 4.
DASH_HD constexpr int stateCode(int k) {
    return k == 3 ? 4 : k;
}
// Candidate index of a state code (0, 1, 2, 4 -> 0..3); -1 for other codes.
DASH_HD constexpr int stateIndexOfCode(int code) {
    return code == 4 ? 3 : (code >= 0 && code <= 2 ? code : -1);
}

// score(k) = b2 + Σ_j w2[j]·relu(pre[j] + candidate[j]) - λ·|code(k) - code(current)|
// - costBias·cost[k], the candidate's term summed in hidden-unit order.
DASH_HD float candidateScore(const float* pre, const float* candidate, const float* w2, int hidden,
                             float b2, float lambda, int k, int currentCode, float costBias,
                             float cost) {
    float s = 0.0f;
    for (int j = 0; j < hidden; ++j) {
        const float a = pre[j] + candidate[j];
        if (a > 0.0f)
            s = fusedMultiplyAdd(w2[j], a, s);
    }
    const int d = stateCode(k) - currentCode;
    const float distance = static_cast<float>(d < 0 ? -d : d);
    const float score = roundedAdd(roundedAdd(b2, s), -roundedMul(lambda, distance));
    return roundedAdd(score, -roundedMul(costBias, cost));
}

// Greedy choice among the allowed candidates (eq. 18): the first highest
// score in the order Skip, Int4, Int8, Full; Full when none compares higher
// (all NaN), exactly as the host controller chooses.
DASH_HD int chooseCandidate(const float scores[4], const bool allowed[4]) {
    int choice = 3;
    float best = -INFINITY;
    for (int k = 0; k < 4; ++k) {
        if (allowed[k] && scores[k] > best) {
            best = scores[k];
            choice = k;
        }
    }
    return choice;
}

} // namespace dash::cuda
