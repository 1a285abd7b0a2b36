#include "core/quant.h"

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

Status dequantize(TensorType type, const void* src, float* dst, uint64_t elements) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    switch (type) {
    case TensorType::F32:
        std::memcpy(dst, src, elements * sizeof(float));
        return {};
    case TensorType::F16:
        for (uint64_t i = 0; i < elements; ++i) {
            uint16_t h;
            std::memcpy(&h, bytes + 2 * i, 2);
            dst[i] = halfToFloat(h);
        }
        return {};
    case TensorType::BF16:
        for (uint64_t i = 0; i < elements; ++i) {
            uint16_t h;
            std::memcpy(&h, bytes + 2 * i, 2);
            dst[i] = bf16ToFloat(h);
        }
        return {};
    default:
        return unsupportedError("dequantisation of " + tensorTypeName(type) +
                                " is not implemented");
    }
}

} // namespace dash
