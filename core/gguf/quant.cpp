// SPDX-License-Identifier: MIT
#include "core/gguf/quant.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dash {

namespace {

struct TypeEntry {
    TensorType type;
    TypeTraits traits;
};

// Sizes of the ggml types a GGUF file may hold. A file with any of them parses;
// which ones can be dequantised is decided by dequantize().
constexpr TypeEntry kTypes[] = {
    {TensorType::F32, {"F32", 1, 4}},       {TensorType::F16, {"F16", 1, 2}},
    {TensorType::Q4_0, {"Q4_0", 32, 18}},   {TensorType::Q4_1, {"Q4_1", 32, 20}},
    {TensorType::Q5_0, {"Q5_0", 32, 22}},   {TensorType::Q5_1, {"Q5_1", 32, 24}},
    {TensorType::Q8_0, {"Q8_0", 32, 34}},   {TensorType::Q8_1, {"Q8_1", 32, 36}},
    {TensorType::Q2_K, {"Q2_K", 256, 84}},  {TensorType::Q3_K, {"Q3_K", 256, 110}},
    {TensorType::Q4_K, {"Q4_K", 256, 144}}, {TensorType::Q5_K, {"Q5_K", 256, 176}},
    {TensorType::Q6_K, {"Q6_K", 256, 210}}, {TensorType::Q8_K, {"Q8_K", 256, 292}},
    {TensorType::BF16, {"BF16", 1, 2}},
};

} // namespace

const TypeTraits* typeTraits(TensorType type) {
    for (const auto& e : kTypes)
        if (e.type == type)
            return &e.traits;
    return nullptr;
}

std::string tensorTypeName(TensorType type) {
    if (const TypeTraits* t = typeTraits(type))
        return t->name;
    return "type " + std::to_string(static_cast<uint32_t>(type));
}

Expected<uint64_t> rowBytes(TensorType type, uint64_t elements) {
    const TypeTraits* t = typeTraits(type);
    if (!t)
        return unsupportedError("unknown tensor type " + tensorTypeName(type));
    if (elements % t->blockElements != 0)
        return invalidError(std::to_string(elements) + " elements is not a whole number of " +
                            t->name + " blocks of " + std::to_string(t->blockElements));
    uint64_t blocks = elements / t->blockElements;
    if (blocks > std::numeric_limits<uint64_t>::max() / t->blockBytes)
        return invalidError("byte size of " + std::to_string(elements) + " " + t->name +
                            " elements overflows");
    return blocks * t->blockBytes;
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            // Subnormal half: normalise into a float exponent.
            int shift = 0;
            while ((mantissa & 0x400u) == 0) {
                mantissa <<= 1;
                ++shift;
            }
            mantissa &= 0x3FFu;
            bits = sign | (static_cast<uint32_t>(127 - 15 + 1 - shift) << 23) | (mantissa << 13);
        }
    } else if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

uint16_t floatToHalf(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t absBits = bits & 0x7FFFFFFFu;
    if (absBits >= 0x7F800000u) // Inf or NaN
        return sign | (absBits > 0x7F800000u ? 0x7E00u : 0x7C00u);
    if (absBits >= 0x477FF000u) // rounds to >= 65520: overflow to Inf
        return sign | 0x7C00u;
    if (absBits < 0x38800000u) { // below the smallest normal half: subnormal or zero
        if (absBits < 0x33000000u)
            return sign;
        const uint32_t exponent = absBits >> 23;
        const uint32_t mantissa = (absBits & 0x7FFFFFu) | 0x800000u;
        // value = mantissa * 2^(exponent-150) and a subnormal half counts 2^-24 units.
        const uint32_t shift = 126 - exponent;
        uint32_t half = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1);
        const uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1u)))
            ++half;
        return sign | static_cast<uint16_t>(half);
    }
    // Normal: rebias the exponent, round the mantissa to 10 bits (nearest even).
    uint32_t half = ((absBits >> 13) - ((127 - 15) << 10));
    const uint32_t rest = absBits & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
        ++half;
    return sign | static_cast<uint16_t>(half);
}

uint16_t floatToBf16(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
        return static_cast<uint16_t>((bits >> 16) | 0x40u); // quiet NaN
    const uint32_t rounding = 0x7FFFu + ((bits >> 16) & 1u);
    return static_cast<uint16_t>((bits + rounding) >> 16);
}

namespace {

float loadHalf(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return halfToFloat(h);
}

// Q8_0, 34 bytes per 32 values: f16 d | i8 q[32]; x = d * q.
void dequantizeQ8_0(const uint8_t* b, float* y) {
    const float d = loadHalf(b);
    for (int j = 0; j < 32; ++j)
        y[j] = d * static_cast<float>(static_cast<int8_t>(b[2 + j]));
}

// Q4_0, 18 bytes per 32 values: f16 d | u8 qs[16]. Value j sits in the low
// nibble of qs[j], value j+16 in its high nibble; x = d * (q - 8).
void dequantizeQ4_0(const uint8_t* b, float* y) {
    const float d = loadHalf(b);
    const uint8_t* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>((qs[j] & 0x0F) - 8);
        y[j + 16] = d * static_cast<float>((qs[j] >> 4) - 8);
    }
}

// Q4_1, 20 bytes per 32 values: f16 d | f16 m | u8 qs[16] (nibbles as Q4_0);
// x = d * q + m.
void dequantizeQ4_1(const uint8_t* b, float* y) {
    const float d = loadHalf(b);
    const float m = loadHalf(b + 2);
    const uint8_t* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(qs[j] & 0x0F) + m;
        y[j + 16] = d * static_cast<float>(qs[j] >> 4) + m;
    }
}

// Q5_0, 22 bytes per 32 values: f16 d | u32 qh (LE) | u8 qs[16]. Bit i of qh is
// the fifth bit of value i; x = d * (q - 16).
void dequantizeQ5_0(const uint8_t* b, float* y) {
    const float d = loadHalf(b);
    uint32_t qh;
    std::memcpy(&qh, b + 2, sizeof qh);
    const uint8_t* qs = b + 6;
    for (int j = 0; j < 16; ++j) {
        const int lo = (qs[j] & 0x0F) | static_cast<int>(((qh >> j) & 1u) << 4);
        const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
        y[j] = d * static_cast<float>(lo - 16);
        y[j + 16] = d * static_cast<float>(hi - 16);
    }
}

// Q5_1, 24 bytes per 32 values: f16 d | f16 m | u32 qh | u8 qs[16]; x = d * q + m.
void dequantizeQ5_1(const uint8_t* b, float* y) {
    const float d = loadHalf(b);
    const float m = loadHalf(b + 2);
    uint32_t qh;
    std::memcpy(&qh, b + 4, sizeof qh);
    const uint8_t* qs = b + 8;
    for (int j = 0; j < 16; ++j) {
        const int lo = (qs[j] & 0x0F) | static_cast<int>(((qh >> j) & 1u) << 4);
        const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
        y[j] = d * static_cast<float>(lo) + m;
        y[j + 16] = d * static_cast<float>(hi) + m;
    }
}

// The 12 scale bytes of Q4_K/Q5_K hold eight 6-bit scales and eight 6-bit mins,
// one pair per 32-value sub-block. Sub-blocks 0-3 use the low 6 bits of bytes
// 0-3 (scale) and 4-7 (min); sub-blocks 4-7 take their low 4 bits from a
// nibble of bytes 8-11 and their top 2 bits from the spare bits 6-7 of bytes 0-7.
void kQuantScaleMin(const uint8_t* s, int j, int& scale, int& min) {
    if (j < 4) {
        scale = s[j] & 0x3F;
        min = s[j + 4] & 0x3F;
    } else {
        scale = (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4);
        min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// Q4_K, 144 bytes per 256 values: f16 d | f16 dmin | u8 scales[12] | u8 qs[128].
// Each 64-value chunk c uses qs[32c..32c+31]: low nibbles are sub-block 2c,
// high nibbles sub-block 2c+1; x = d * scale * q - dmin * min.
void dequantizeQ4_K(const uint8_t* b, float* y) {
    const float d = loadHalf(b);
    const float dmin = loadHalf(b + 2);
    const uint8_t* scales = b + 4;
    const uint8_t* qs = b + 16;
    for (int c = 0; c < 4; ++c) {
        int sc0, m0, sc1, m1;
        kQuantScaleMin(scales, 2 * c, sc0, m0);
        kQuantScaleMin(scales, 2 * c + 1, sc1, m1);
        const float d0 = d * static_cast<float>(sc0), min0 = dmin * static_cast<float>(m0);
        const float d1 = d * static_cast<float>(sc1), min1 = dmin * static_cast<float>(m1);
        const uint8_t* q = qs + 32 * c;
        float* out = y + 64 * c;
        for (int l = 0; l < 32; ++l) {
            out[l] = d0 * static_cast<float>(q[l] & 0x0F) - min0;
            out[l + 32] = d1 * static_cast<float>(q[l] >> 4) - min1;
        }
    }
}

// Q5_K, 176 bytes per 256 values: f16 d | f16 dmin | u8 scales[12] | u8 qh[32] |
// u8 qs[128]. Low 4 bits as Q4_K; the fifth bit of value 32s + l (sub-block s)
// is bit s of qh[l].
void dequantizeQ5_K(const uint8_t* b, float* y) {
    const float d = loadHalf(b);
    const float dmin = loadHalf(b + 2);
    const uint8_t* scales = b + 4;
    const uint8_t* qh = b + 16;
    const uint8_t* qs = b + 48;
    for (int c = 0; c < 4; ++c) {
        int sc0, m0, sc1, m1;
        kQuantScaleMin(scales, 2 * c, sc0, m0);
        kQuantScaleMin(scales, 2 * c + 1, sc1, m1);
        const float d0 = d * static_cast<float>(sc0), min0 = dmin * static_cast<float>(m0);
        const float d1 = d * static_cast<float>(sc1), min1 = dmin * static_cast<float>(m1);
        const uint8_t* q = qs + 32 * c;
        float* out = y + 64 * c;
        for (int l = 0; l < 32; ++l) {
            const int lo = (q[l] & 0x0F) | (((qh[l] >> (2 * c)) & 1) << 4);
            const int hi = (q[l] >> 4) | (((qh[l] >> (2 * c + 1)) & 1) << 4);
            out[l] = d0 * static_cast<float>(lo) - min0;
            out[l + 32] = d1 * static_cast<float>(hi) - min1;
        }
    }
}

// Q6_K, 210 bytes per 256 values: u8 ql[128] | u8 qh[64] | i8 scales[16] | f16 d.
// Each 128-value half h uses ql[64h..64h+63] and qh[32h..32h+31]; for l < 32 the
// four values l, l+32, l+64, l+96 take their low 4 bits from the low nibble of
// ql[l], ql[l+32], then the high nibble of ql[l], ql[l+32], and their top 2 bits
// from bits 0-1, 2-3, 4-5, 6-7 of qh[l]. Every 16 values share one scale;
// x = d * scale * (q - 32).
void dequantizeQ6_K(const uint8_t* b, float* y) {
    const uint8_t* ql = b;
    const uint8_t* qh = b + 128;
    const auto* scales = reinterpret_cast<const int8_t*>(b + 192);
    const float d = loadHalf(b + 208);
    for (int h = 0; h < 2; ++h) {
        const uint8_t* l4 = ql + 64 * h;
        const uint8_t* h2 = qh + 32 * h;
        const int8_t* sc = scales + 8 * h;
        float* out = y + 128 * h;
        for (int l = 0; l < 32; ++l) {
            const int s = l / 16;
            const int q0 = ((l4[l] & 0x0F) | ((h2[l] & 0x03) << 4)) - 32;
            const int q1 = ((l4[l + 32] & 0x0F) | (((h2[l] >> 2) & 0x03) << 4)) - 32;
            const int q2 = ((l4[l] >> 4) | (((h2[l] >> 4) & 0x03) << 4)) - 32;
            const int q3 = ((l4[l + 32] >> 4) | (((h2[l] >> 6) & 0x03) << 4)) - 32;
            out[l] = d * static_cast<float>(sc[s]) * static_cast<float>(q0);
            out[l + 32] = d * static_cast<float>(sc[s + 2]) * static_cast<float>(q1);
            out[l + 64] = d * static_cast<float>(sc[s + 4]) * static_cast<float>(q2);
            out[l + 96] = d * static_cast<float>(sc[s + 6]) * static_cast<float>(q3);
        }
    }
}

using BlockDecoder = void (*)(const uint8_t*, float*);

BlockDecoder blockDecoder(TensorType type) {
    switch (type) {
    case TensorType::Q8_0:
        return dequantizeQ8_0;
    case TensorType::Q4_0:
        return dequantizeQ4_0;
    case TensorType::Q4_1:
        return dequantizeQ4_1;
    case TensorType::Q5_0:
        return dequantizeQ5_0;
    case TensorType::Q5_1:
        return dequantizeQ5_1;
    case TensorType::Q4_K:
        return dequantizeQ4_K;
    case TensorType::Q5_K:
        return dequantizeQ5_K;
    case TensorType::Q6_K:
        return dequantizeQ6_K;
    default:
        return nullptr;
    }
}

} // namespace

bool canDequantize(TensorType type) {
    return type == TensorType::F32 || type == TensorType::F16 || type == TensorType::BF16 ||
           blockDecoder(type) != nullptr;
}

Status dequantize(TensorType type, const void* src, float* dst, uint64_t elements) {
    const TypeTraits* traits = typeTraits(type);
    if (!traits || !canDequantize(type))
        return unsupportedError("dequantisation of " + tensorTypeName(type) +
                                " is not implemented");
    if (elements % traits->blockElements != 0)
        return invalidError("cannot dequantise " + std::to_string(elements) + " " + traits->name +
                            " values: not a whole number of blocks of " +
                            std::to_string(traits->blockElements));
    const auto* bytes = static_cast<const uint8_t*>(src);
    switch (type) {
    case TensorType::F32:
        if (elements > 0)
            std::memcpy(dst, src, elements * sizeof(float));
        return {};
    case TensorType::F16:
        for (uint64_t i = 0; i < elements; ++i)
            dst[i] = loadHalf(bytes + 2 * i);
        return {};
    case TensorType::BF16:
        for (uint64_t i = 0; i < elements; ++i) {
            uint16_t h;
            std::memcpy(&h, bytes + 2 * i, 2);
            dst[i] = bf16ToFloat(h);
        }
        return {};
    default:
        break;
    }
    const BlockDecoder decode = blockDecoder(type);
    const uint64_t blocks = elements / traits->blockElements;
    for (uint64_t b = 0; b < blocks; ++b)
        decode(bytes + b * traits->blockBytes, dst + b * traits->blockElements);
    return {};
}

namespace {

void storeHalf(uint8_t* p, float v) {
    const uint16_t h = floatToHalf(v);
    std::memcpy(p, &h, sizeof h);
}

float roundedHalf(float v) {
    return halfToFloat(floatToHalf(v));
}

int roundClamp(float v, int lo, int hi) {
    const long r = std::lrintf(v);
    return static_cast<int>(std::clamp<long>(r, lo, hi));
}

// The value of largest magnitude, with its sign.
float signedMax(const float* x, int count) {
    float best = 0;
    for (int k = 0; k < count; ++k)
        if (std::fabs(x[k]) > std::fabs(best))
            best = x[k];
    return best;
}

void quantizeQ8_0(const float* x, uint8_t* b) {
    float amax = 0;
    for (int k = 0; k < 32; ++k)
        amax = std::max(amax, std::fabs(x[k]));
    const float d = roundedHalf(amax / 127.0f);
    storeHalf(b, d);
    const float inv = d > 0 ? 1.0f / d : 0.0f;
    for (int k = 0; k < 32; ++k)
        b[2 + k] = static_cast<uint8_t>(static_cast<int8_t>(roundClamp(x[k] * inv, -127, 127)));
}

// Q4_0 / Q5_0: d = (signed max) / -8 or / -16, so the largest magnitude maps
// to the code 0 exactly and the others round into [0, 15] or [0, 31].
void quantizeSym(const float* x, uint8_t* b, bool five) {
    const int half = five ? 16 : 8;
    const float d = roundedHalf(signedMax(x, 32) / static_cast<float>(-half));
    storeHalf(b, d);
    const float inv = d != 0 ? 1.0f / d : 0.0f;
    int q[32];
    for (int k = 0; k < 32; ++k)
        q[k] = roundClamp(x[k] * inv + static_cast<float>(half), 0, 2 * half - 1);
    uint8_t* qs = b + (five ? 6 : 2);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
        qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
        qh |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
    }
    if (five)
        std::memcpy(b + 2, &qh, 4);
}

// Q4_1 / Q5_1: d = (max - min) / levels, m = min.
void quantizeAsym(const float* x, uint8_t* b, bool five) {
    const int top = five ? 31 : 15;
    float lo = x[0], hi = x[0];
    for (int k = 1; k < 32; ++k) {
        lo = std::min(lo, x[k]);
        hi = std::max(hi, x[k]);
    }
    const float d = roundedHalf((hi - lo) / static_cast<float>(top));
    const float m = roundedHalf(lo);
    storeHalf(b, d);
    storeHalf(b + 2, m);
    const float inv = d > 0 ? 1.0f / d : 0.0f;
    int q[32];
    for (int k = 0; k < 32; ++k)
        q[k] = roundClamp((x[k] - m) * inv, 0, top);
    uint8_t* qs = b + (five ? 8 : 4);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
        qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
        qh |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
    }
    if (five)
        std::memcpy(b + 4, &qh, 4);
}

// Q4_K: per sub-block of 32 a range [lo, hi] with lo <= 0, scale (hi - lo) / 15
// and min -lo; both quantised to 6 bits against the super-block's d and dmin
// (the largest scale and min / 63); then q = round((x + min) / scale).
void quantizeQ4_K(const float* x, uint8_t* b) {
    float scale[8], mins[8];
    float maxScale = 0, maxMin = 0;
    for (int j = 0; j < 8; ++j) {
        float lo = 0, hi = x[32 * j];
        for (int k = 0; k < 32; ++k) {
            lo = std::min(lo, x[32 * j + k]);
            hi = std::max(hi, x[32 * j + k]);
        }
        scale[j] = (hi - lo) / 15.0f;
        mins[j] = -lo;
        maxScale = std::max(maxScale, scale[j]);
        maxMin = std::max(maxMin, mins[j]);
    }
    const float d = roundedHalf(maxScale / 63.0f);
    const float dmin = roundedHalf(maxMin / 63.0f);
    storeHalf(b, d);
    storeHalf(b + 2, dmin);
    int sc[8], mn[8];
    for (int j = 0; j < 8; ++j) {
        // Round the scale up so that the sub-block's range still fits 15 steps.
        sc[j] = d > 0 ? std::min(63, static_cast<int>(std::ceil(scale[j] / d))) : 0;
        mn[j] = dmin > 0 ? roundClamp(mins[j] / dmin, 0, 63) : 0;
    }
    uint8_t* s = b + 4;
    for (int j = 0; j < 4; ++j) {
        s[j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
        s[j + 4] = static_cast<uint8_t>(mn[j] | ((mn[j + 4] >> 4) << 6));
        s[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0x0F) | ((mn[j + 4] & 0x0F) << 4));
    }
    uint8_t* qs = b + 16;
    for (int c = 0; c < 4; ++c) {
        int q[2][32];
        for (int h = 0; h < 2; ++h) {
            const int j = 2 * c + h;
            const float step = d * static_cast<float>(sc[j]);
            const float offset = dmin * static_cast<float>(mn[j]);
            for (int l = 0; l < 32; ++l)
                q[h][l] = step > 0 ? roundClamp((x[32 * j + l] + offset) / step, 0, 15) : 0;
        }
        for (int l = 0; l < 32; ++l)
            qs[32 * c + l] = static_cast<uint8_t>(q[0][l] | (q[1][l] << 4));
    }
}

// Q6_K: per 16 values a scale max|x| / 31 quantised to 8 bits against the
// super-block's d (the largest / 127); q = round(x / scale) in [-32, 31].
void quantizeQ6_K(const float* x, uint8_t* b) {
    float scale[16];
    float maxScale = 0;
    for (int s = 0; s < 16; ++s) {
        float amax = 0;
        for (int k = 0; k < 16; ++k)
            amax = std::max(amax, std::fabs(x[16 * s + k]));
        scale[s] = amax / 31.0f;
        maxScale = std::max(maxScale, scale[s]);
    }
    const float d = roundedHalf(maxScale / 127.0f);
    storeHalf(b + 208, d);
    int q[256];
    for (int s = 0; s < 16; ++s) {
        const int sc = d > 0 ? std::min(127, static_cast<int>(std::ceil(scale[s] / d))) : 0;
        b[192 + s] = static_cast<uint8_t>(static_cast<int8_t>(sc));
        const float step = d * static_cast<float>(sc);
        for (int k = 0; k < 16; ++k)
            q[16 * s + k] = (step > 0 ? roundClamp(x[16 * s + k] / step, -32, 31) : 0) + 32;
    }
    uint8_t* ql = b;
    uint8_t* qh = b + 128;
    for (int h = 0; h < 2; ++h)
        for (int l = 0; l < 32; ++l) {
            const int* v = q + 128 * h + l;
            ql[64 * h + l] = static_cast<uint8_t>((v[0] & 0x0F) | ((v[64] & 0x0F) << 4));
            ql[64 * h + l + 32] = static_cast<uint8_t>((v[32] & 0x0F) | ((v[96] & 0x0F) << 4));
            qh[32 * h + l] = static_cast<uint8_t>((v[0] >> 4) | ((v[32] >> 4) << 2) |
                                                  ((v[64] >> 4) << 4) | ((v[96] >> 4) << 6));
        }
}

using BlockEncoder = void (*)(const float*, uint8_t*);

BlockEncoder blockEncoder(TensorType type) {
    switch (type) {
    case TensorType::Q8_0:
        return quantizeQ8_0;
    case TensorType::Q4_0:
        return [](const float* x, uint8_t* b) { quantizeSym(x, b, false); };
    case TensorType::Q5_0:
        return [](const float* x, uint8_t* b) { quantizeSym(x, b, true); };
    case TensorType::Q4_1:
        return [](const float* x, uint8_t* b) { quantizeAsym(x, b, false); };
    case TensorType::Q5_1:
        return [](const float* x, uint8_t* b) { quantizeAsym(x, b, true); };
    case TensorType::Q4_K:
        return quantizeQ4_K;
    case TensorType::Q6_K:
        return quantizeQ6_K;
    default:
        return nullptr;
    }
}

} // namespace

bool canQuantize(TensorType type) {
    return blockEncoder(type) != nullptr;
}

Status quantize(TensorType type, const float* src, void* dst, uint64_t elements) {
    const BlockEncoder encode = blockEncoder(type);
    if (!encode)
        return unsupportedError("quantisation to " + tensorTypeName(type) + " is not implemented");
    const TypeTraits* traits = typeTraits(type);
    if (elements % traits->blockElements != 0)
        return invalidError("cannot quantise " + std::to_string(elements) + " values to " +
                            traits->name + ": not a whole number of blocks of " +
                            std::to_string(traits->blockElements));
    auto* bytes = static_cast<uint8_t*>(dst);
    for (uint64_t b = 0; b < elements / traits->blockElements; ++b)
        encode(src + b * traits->blockElements, bytes + b * traits->blockBytes);
    return {};
}

Expected<std::vector<float>> dequantizeTensor(const GgufFile& file, const GgufTensorInfo& info) {
    const uint64_t size = file.fileSize();
    if (info.offset > size || info.byteSize > size - info.offset)
        return invalidError(file.path() + ": tensor '" + info.name + "' (" +
                            std::to_string(info.byteSize) + " bytes at offset " +
                            std::to_string(info.offset) + ") lies outside the file (" +
                            std::to_string(size) + " bytes)");
    auto bytes = rowBytes(info.type, info.elementCount);
    if (!bytes.ok())
        return bytes.error().withContext(file.path() + ": tensor '" + info.name + "'");
    if (*bytes != info.byteSize)
        return invalidError(file.path() + ": tensor '" + info.name + "' holds " +
                            std::to_string(info.byteSize) + " bytes but " +
                            std::to_string(info.elementCount) + " " + tensorTypeName(info.type) +
                            " values need " + std::to_string(*bytes));
    if (!canDequantize(info.type))
        return unsupportedError(file.path() + ": tensor '" + info.name + "': dequantisation of " +
                                tensorTypeName(info.type) + " is not implemented");
    std::vector<float> values(info.elementCount);
    auto st = dequantize(info.type, file.tensorData(info), values.data(), info.elementCount);
    if (!st.ok())
        return st.error().withContext(file.path() + ": tensor '" + info.name + "'");
    return values;
}

} // namespace dash
