// SPDX-License-Identifier: MIT
#include "core/gguf/quant.h"

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
