// SPDX-License-Identifier: MIT
// Tensor types: half/bfloat conversion against ldexp-based references, and
// dequantisation of every supported block format against blocks this test packs
// itself from integers and scales it chose.
#include "gguf_builder.h"

#include "core/gguf/gguf.h"
#include "core/gguf/quant.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace dash;

Q_DECLARE_METATYPE(dash::TensorType)

namespace {

// Half value from its fields: subnormals m * 2^-24, normals (1024 + m) * 2^(e-25).
double refHalf(uint16_t h) {
    const int e = (h >> 10) & 0x1F;
    const int m = h & 0x3FF;
    double v;
    if (e == 0)
        v = std::ldexp(m, -24);
    else if (e == 31)
        v = m ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    else
        v = std::ldexp(1024 + m, e - 25);
    return (h & 0x8000) ? -v : v;
}

// bfloat16 value from its fields: 8 exponent bits (bias 127), 7 mantissa bits.
double refBf16(uint16_t h) {
    const int e = (h >> 7) & 0xFF;
    const int m = h & 0x7F;
    double v;
    if (e == 0)
        v = std::ldexp(m, -133);
    else if (e == 255)
        v = m ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    else
        v = std::ldexp(128 + m, e - 134);
    return (h & 0x8000) ? -v : v;
}

// Round-to-nearest-even by search: positive bit patterns 0..inf are ordered by
// value, and the infinity pattern stands for the next power of two (where the
// exponent range would continue), so values from halfway to it up round to it.
uint16_t refRound(double x, uint16_t infBits, double infValue, double (*value)(uint16_t)) {
    const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
    const double a = std::fabs(x);
    auto at = [&](uint16_t p) { return p == infBits ? infValue : value(p); };
    if (a >= infValue)
        return sign | infBits;
    uint16_t lo = 0, hi = infBits; // at(lo) <= a < at(hi)
    while (hi - lo > 1) {
        const uint16_t mid = static_cast<uint16_t>((lo + hi) / 2);
        if (at(mid) <= a)
            lo = mid;
        else
            hi = mid;
    }
    const double below = a - at(lo), above = at(hi) - a;
    if (below < above)
        return sign | lo;
    if (above < below)
        return sign | hi;
    return sign | ((lo & 1) ? hi : lo);
}

uint16_t refFloatToHalf(float x) {
    return refRound(x, 0x7C00, 65536.0, refHalf);
}

uint16_t refFloatToBf16(float x) {
    return refRound(x, 0x7F80, std::ldexp(1.0, 128), refBf16);
}

uint32_t floatBits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

float bitsFloat(uint32_t b) {
    float f;
    std::memcpy(&f, &b, sizeof f);
    return f;
}

// Floats to probe a 16-bit format: every midpoint between neighbouring positive
// values, one float step either side of it, and a stride through all floats.
std::vector<float> roundingProbes(uint16_t infBits, double (*value)(uint16_t)) {
    std::vector<float> probes;
    for (uint16_t p = 0; p < infBits - 1; ++p) {
        const float mid = static_cast<float>((value(p) + value(p + 1)) / 2);
        probes.push_back(mid);
        probes.push_back(std::nextafter(mid, 0.0f));
        probes.push_back(std::nextafter(mid, std::numeric_limits<float>::infinity()));
    }
    for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 65521)
        probes.push_back(bitsFloat(static_cast<uint32_t>(b)));
    return probes;
}

void putU16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v & 0xFF));
    out.push_back(static_cast<uint8_t>(v >> 8));
}

// Packed blocks plus, per element, the value the format defines. Scales are
// halves (11 significant bits) and quants at most 8 bits, so every product of
// scale, sub-scale and quant is exact in float, and each value is a single
// rounding of an exact product or sum: the decoder must match it exactly.
struct Encoded {
    std::vector<uint8_t> bytes;
    std::vector<double> expected;
};

class BlockMaker {
public:
    explicit BlockMaker(uint32_t seed) : m_rng(seed) {}

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }

    // A positive half between 2^-10 and 2^5 with random mantissa.
    uint16_t scaleHalf() {
        return static_cast<uint16_t>((uniform(5, 20) << 10) | uniform(0, 1023));
    }
    // Any sign, for Q4_1/Q5_1 minimums.
    uint16_t signedHalf() { return static_cast<uint16_t>(scaleHalf() | (uniform(0, 1) << 15)); }

    Encoded q8_0(int blocks) {
        Encoded e;
        for (int b = 0; b < blocks; ++b) {
            const uint16_t d = scaleHalf();
            putU16(e.bytes, d);
            for (int i = 0; i < 32; ++i) {
                const int q = uniform(-128, 127);
                e.bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
                e.expected.push_back(refHalf(d) * q);
            }
        }
        return e;
    }

    // Q4_0/Q4_1/Q5_0/Q5_1: 32 values; value i keeps its low 4 bits in byte i % 16
    // of qs (low nibble for i < 16, high for i >= 16) and, for 5-bit types, its
    // fifth bit in bit i of the little-endian u32 qh.
    Encoded legacy(int blocks, int bits, bool withMin) {
        Encoded e;
        const int offset = withMin ? 0 : (1 << (bits - 1));
        for (int b = 0; b < blocks; ++b) {
            const uint16_t d = scaleHalf();
            const uint16_t m = withMin ? signedHalf() : 0;
            int q[32];
            for (int& v : q)
                v = uniform(0, (1 << bits) - 1);
            putU16(e.bytes, d);
            if (withMin)
                putU16(e.bytes, m);
            if (bits == 5) {
                uint32_t qh = 0;
                for (int i = 0; i < 32; ++i)
                    qh |= static_cast<uint32_t>((q[i] >> 4) & 1) << i;
                for (int k = 0; k < 4; ++k)
                    e.bytes.push_back(static_cast<uint8_t>(qh >> (8 * k)));
            }
            uint8_t qs[16] = {};
            for (int i = 0; i < 32; ++i)
                qs[i % 16] |= static_cast<uint8_t>((q[i] & 0xF) << (i < 16 ? 0 : 4));
            e.bytes.insert(e.bytes.end(), qs, qs + 16);
            for (int i = 0; i < 32; ++i) {
                const double min = withMin ? refHalf(m) : 0.0;
                e.expected.push_back(refHalf(d) * (q[i] - offset) + min);
            }
        }
        return e;
    }

    // Q4_K/Q5_K: 256 values in 8 sub-blocks of 32, each with a 6-bit scale and
    // 6-bit min. Value i = 32s + l keeps its low 4 bits in qs[32*(s/2) + l]
    // (low nibble for even s, high for odd s) and, for Q5_K, its fifth bit in
    // bit s of qh[l]. x = d * scale[s] * q - dmin * min[s].
    Encoded kQuant(int blocks, int bits) {
        Encoded e;
        for (int b = 0; b < blocks; ++b) {
            const uint16_t d = scaleHalf();
            const uint16_t dmin = scaleHalf();
            int sc[8], mn[8], q[256];
            for (int j = 0; j < 8; ++j) {
                sc[j] = uniform(0, 63);
                mn[j] = uniform(0, 63);
            }
            for (int& v : q)
                v = uniform(0, (1 << bits) - 1);
            putU16(e.bytes, d);
            putU16(e.bytes, dmin);
            // Scales 0-3 and mins 0-3 fill the low 6 bits of bytes 0-3 and 4-7;
            // scales/mins 4-7 put their low 4 bits in the nibbles of bytes 8-11
            // and their top 2 bits in bits 6-7 of bytes 0-3 / 4-7.
            uint8_t s[12] = {};
            for (int j = 0; j < 4; ++j) {
                s[j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
                s[j + 4] = static_cast<uint8_t>(mn[j] | ((mn[j + 4] >> 4) << 6));
                s[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
            }
            e.bytes.insert(e.bytes.end(), s, s + 12);
            if (bits == 5) {
                uint8_t qh[32] = {};
                for (int i = 0; i < 256; ++i)
                    qh[i % 32] |= static_cast<uint8_t>(((q[i] >> 4) & 1) << (i / 32));
                e.bytes.insert(e.bytes.end(), qh, qh + 32);
            }
            uint8_t qs[128] = {};
            for (int i = 0; i < 256; ++i) {
                const int sub = i / 32;
                qs[32 * (sub / 2) + i % 32] |=
                    static_cast<uint8_t>((q[i] & 0xF) << (4 * (sub % 2)));
            }
            e.bytes.insert(e.bytes.end(), qs, qs + 128);
            for (int i = 0; i < 256; ++i) {
                e.expected.push_back(refHalf(d) * sc[i / 32] * q[i] - refHalf(dmin) * mn[i / 32]);
            }
        }
        return e;
    }

    // Q6_K: 256 values, 16 signed 8-bit scales (one per 16 values). Value
    // i = 128h + 32k + l (k = 0..3) keeps its low 4 bits in ql[64h + 32(k%2) + l]
    // (low nibble for k < 2, high for k >= 2) and its top 2 bits in bits 2k..2k+1
    // of qh[32h + l]. x = d * scale[i/16] * (q - 32).
    Encoded q6K(int blocks) {
        Encoded e;
        for (int b = 0; b < blocks; ++b) {
            const uint16_t d = scaleHalf();
            int sc[16], q[256];
            for (int& v : sc)
                v = uniform(-128, 127);
            for (int& v : q)
                v = uniform(0, 63);
            uint8_t ql[128] = {}, qh[64] = {};
            for (int i = 0; i < 256; ++i) {
                const int h = i / 128, k = (i % 128) / 32, l = i % 32;
                ql[64 * h + 32 * (k % 2) + l] |=
                    static_cast<uint8_t>((q[i] & 0xF) << (4 * (k / 2)));
                qh[32 * h + l] |= static_cast<uint8_t>((q[i] >> 4) << (2 * k));
            }
            e.bytes.insert(e.bytes.end(), ql, ql + 128);
            e.bytes.insert(e.bytes.end(), qh, qh + 64);
            for (int v : sc)
                e.bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(v)));
            putU16(e.bytes, d);
            for (int i = 0; i < 256; ++i) {
                e.expected.push_back(refHalf(d) * sc[i / 16] * (q[i] - 32));
            }
        }
        return e;
    }

    Encoded make(TensorType type, int blocks) {
        switch (type) {
        case TensorType::Q8_0:
            return q8_0(blocks);
        case TensorType::Q4_0:
            return legacy(blocks, 4, false);
        case TensorType::Q4_1:
            return legacy(blocks, 4, true);
        case TensorType::Q5_0:
            return legacy(blocks, 5, false);
        case TensorType::Q5_1:
            return legacy(blocks, 5, true);
        case TensorType::Q4_K:
            return kQuant(blocks, 4);
        case TensorType::Q5_K:
            return kQuant(blocks, 5);
        case TensorType::Q6_K:
            return q6K(blocks);
        default:
            return {};
        }
    }

private:
    std::mt19937 m_rng;
};

// Block sizes from the field lists of each format (scales, mins, packed bits).
struct BlockSize {
    TensorType type;
    uint64_t elements;
    uint64_t bytes;
};
const BlockSize kBlockSizes[] = {
    {TensorType::F32, 1, 4},
    {TensorType::F16, 1, 2},
    {TensorType::BF16, 1, 2},
    {TensorType::Q4_0, 32, 2 + 32 / 2},
    {TensorType::Q4_1, 32, 2 + 2 + 32 / 2},
    {TensorType::Q5_0, 32, 2 + 4 + 32 / 2},
    {TensorType::Q5_1, 32, 2 + 2 + 4 + 32 / 2},
    {TensorType::Q8_0, 32, 2 + 32},
    {TensorType::Q8_1, 32, 2 + 2 + 32},
    {TensorType::Q2_K, 256, 256 / 16 + 256 / 4 + 2 + 2},
    {TensorType::Q3_K, 256, 256 / 8 + 256 / 4 + 12 + 2},
    {TensorType::Q4_K, 256, 2 + 2 + 12 + 256 / 2},
    {TensorType::Q5_K, 256, 2 + 2 + 12 + 256 / 8 + 256 / 2},
    {TensorType::Q6_K, 256, 256 / 2 + 256 / 4 + 16 + 2},
    {TensorType::Q8_K, 256, 4 + 256 + 16 * 2},
};

void compareDecoded(const Encoded& e, const std::vector<float>& got) {
    QCOMPARE(got.size(), e.expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
        const float want = static_cast<float>(e.expected[i]);
        if (got[i] != want)
            QFAIL(qPrintable(QStringLiteral("element %1: got %2, want %3")
                                 .arg(i)
                                 .arg(got[i], 0, 'g', 9)
                                 .arg(want, 0, 'g', 9)));
    }
}

} // namespace

class TestQuant : public QObject {
    Q_OBJECT

private slots:
    void halfToFloatAllPatterns();
    void floatToHalfRoundTrip();
    void floatToHalfRounding();
    void floatToHalfSpecialCases();
    void bf16ToFloatAllPatterns();
    void floatToBf16Rounding();
    void floatToBf16SpecialCases();
    void blockSizes();
    void rowBytesErrors();
    void dequantizeBlocks_data();
    void dequantizeBlocks();
    void dequantizePlainTypes();
    void dequantizeErrors();
    void dequantizeTensorFromFile();
    void dequantizeTensorErrors();
    void quantizeRoundTrip_data();
    void quantizeRoundTrip();
    void quantizeErrors();
};

void TestQuant::halfToFloatAllPatterns() {
    for (uint32_t h = 0; h < 65536; ++h) {
        const float got = halfToFloat(static_cast<uint16_t>(h));
        const double want = refHalf(static_cast<uint16_t>(h));
        if (std::isnan(want)) {
            QVERIFY2(std::isnan(got), qPrintable(QString::number(h, 16)));
            QCOMPARE(std::signbit(got), (h & 0x8000) != 0);
        } else if (floatBits(got) != floatBits(static_cast<float>(want))) {
            QFAIL(qPrintable(QStringLiteral("half 0x%1: got %2, want %3")
                                 .arg(h, 4, 16, QLatin1Char('0'))
                                 .arg(got, 0, 'g', 9)
                                 .arg(want, 0, 'g', 9)));
        }
    }
}

void TestQuant::floatToHalfRoundTrip() {
    // Every half is a float, so the way back must be exact (NaNs stay NaNs).
    for (uint32_t h = 0; h < 65536; ++h) {
        const uint16_t back = floatToHalf(halfToFloat(static_cast<uint16_t>(h)));
        if (std::isnan(refHalf(static_cast<uint16_t>(h)))) {
            QVERIFY(std::isnan(refHalf(back)));
            QCOMPARE((back & 0x8000) != 0, (h & 0x8000) != 0);
        } else {
            QCOMPARE(back, static_cast<uint16_t>(h));
        }
    }
}

void TestQuant::floatToHalfRounding() {
    for (float x : roundingProbes(0x7C00, refHalf)) {
        for (float v : {x, -x}) {
            if (std::isnan(v)) {
                QVERIFY(std::isnan(refHalf(floatToHalf(v))));
                continue;
            }
            const uint16_t got = floatToHalf(v), want = refFloatToHalf(v);
            if (got != want)
                QFAIL(qPrintable(QStringLiteral("float %1 (0x%2): got 0x%3, want 0x%4")
                                     .arg(v, 0, 'g', 9)
                                     .arg(floatBits(v), 8, 16, QLatin1Char('0'))
                                     .arg(got, 4, 16, QLatin1Char('0'))
                                     .arg(want, 4, 16, QLatin1Char('0'))));
        }
    }
}

void TestQuant::floatToHalfSpecialCases() {
    const float inf = std::numeric_limits<float>::infinity();
    // Largest half 65504; halfway to the next step (65536) is 65520, a tie that
    // goes to the even pattern 0x7C00, infinity.
    QCOMPARE(floatToHalf(65504.0f), uint16_t{0x7BFF});
    QCOMPARE(floatToHalf(65519.996f), uint16_t{0x7BFF});
    QCOMPARE(floatToHalf(65520.0f), uint16_t{0x7C00});
    QCOMPARE(floatToHalf(1e10f), uint16_t{0x7C00});
    QCOMPARE(floatToHalf(-1e10f), uint16_t{0xFC00});
    QCOMPARE(floatToHalf(inf), uint16_t{0x7C00});
    QCOMPARE(floatToHalf(-inf), uint16_t{0xFC00});
    // Ties to even around 1.0, whose step is 2^-10.
    QCOMPARE(floatToHalf(1.0f + std::ldexp(1.0f, -11)), uint16_t{0x3C00});
    QCOMPARE(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), uint16_t{0x3C02});
    // Subnormals count 2^-24 steps.
    QCOMPARE(floatToHalf(std::ldexp(1.0f, -24)), uint16_t{0x0001});
    QCOMPARE(floatToHalf(std::ldexp(1.0f, -25)), uint16_t{0x0000});
    QCOMPARE(floatToHalf(-std::ldexp(1.0f, -25)), uint16_t{0x8000});
    QCOMPARE(floatToHalf(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), uint16_t{0x0001});
    QCOMPARE(floatToHalf(std::ldexp(3.0f, -25)), uint16_t{0x0002});
    QCOMPARE(floatToHalf(std::ldexp(1023.5f, -24)), uint16_t{0x0400});
    QCOMPARE(floatToHalf(std::ldexp(1.0f, -14)), uint16_t{0x0400});
    QCOMPARE(floatToHalf(std::numeric_limits<float>::min()), uint16_t{0x0000});
    QCOMPARE(floatToHalf(std::numeric_limits<float>::denorm_min()), uint16_t{0x0000});
    // NaN stays NaN with its sign, even when its payload lies below the half's mantissa.
    for (uint32_t bits : {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0xFF800001u}) {
        const uint16_t h = floatToHalf(bitsFloat(bits));
        QVERIFY2((h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0, qPrintable(QString::number(h, 16)));
        QCOMPARE((h & 0x8000) != 0, (bits & 0x80000000u) != 0);
    }
}

void TestQuant::bf16ToFloatAllPatterns() {
    for (uint32_t h = 0; h < 65536; ++h) {
        const float got = bf16ToFloat(static_cast<uint16_t>(h));
        const double want = refBf16(static_cast<uint16_t>(h));
        if (std::isnan(want)) {
            QVERIFY(std::isnan(got));
            QCOMPARE(std::signbit(got), (h & 0x8000) != 0);
        } else {
            QCOMPARE(floatBits(got), floatBits(static_cast<float>(want)));
        }
    }
}

void TestQuant::floatToBf16Rounding() {
    for (float x : roundingProbes(0x7F80, refBf16)) {
        for (float v : {x, -x}) {
            if (std::isnan(v)) {
                QVERIFY(std::isnan(refBf16(floatToBf16(v))));
                continue;
            }
            const uint16_t got = floatToBf16(v), want = refFloatToBf16(v);
            if (got != want)
                QFAIL(qPrintable(QStringLiteral("float %1 (0x%2): got 0x%3, want 0x%4")
                                     .arg(v, 0, 'g', 9)
                                     .arg(floatBits(v), 8, 16, QLatin1Char('0'))
                                     .arg(got, 4, 16, QLatin1Char('0'))
                                     .arg(want, 4, 16, QLatin1Char('0'))));
        }
    }
}

void TestQuant::floatToBf16SpecialCases() {
    // 1 + 2^-8 lies halfway between 1.0 and 1 + 2^-7: ties go to the even 1.0.
    QCOMPARE(floatToBf16(1.0f + std::ldexp(1.0f, -8)), uint16_t{0x3F80});
    QCOMPARE(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), uint16_t{0x3F82});
    QCOMPARE(floatToBf16(std::numeric_limits<float>::max()), uint16_t{0x7F80});
    QCOMPARE(floatToBf16(-std::numeric_limits<float>::infinity()), uint16_t{0xFF80});
    for (uint32_t bits : {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0xFF800001u}) {
        const uint16_t h = floatToBf16(bitsFloat(bits));
        QVERIFY2((h & 0x7F80) == 0x7F80 && (h & 0x007F) != 0, qPrintable(QString::number(h, 16)));
        QCOMPARE((h & 0x8000) != 0, (bits & 0x80000000u) != 0);
    }
}

void TestQuant::blockSizes() {
    for (const BlockSize& s : kBlockSizes) {
        const TypeTraits* t = typeTraits(s.type);
        QVERIFY2(t, qPrintable(QString::fromStdString(tensorTypeName(s.type))));
        QCOMPARE(uint64_t{t->blockElements}, s.elements);
        QCOMPARE(uint64_t{t->blockBytes}, s.bytes);
        auto bytes = rowBytes(s.type, 3 * s.elements);
        QVERIFY(bytes.ok());
        QCOMPARE(*bytes, 3 * s.bytes);
    }
    QCOMPARE(tensorTypeName(TensorType::Q4_K), std::string("Q4_K"));
    QCOMPARE(tensorTypeName(static_cast<TensorType>(17)), std::string("type 17"));
    QVERIFY(!typeTraits(static_cast<TensorType>(4)));
}

void TestQuant::rowBytesErrors() {
    auto partial = rowBytes(TensorType::Q4_K, 300);
    QVERIFY(!partial.ok());
    QCOMPARE(partial.error().code(), ErrorCode::Invalid);
    QVERIFY2(partial.error().message().find("300") != std::string::npos &&
                 partial.error().message().find("Q4_K") != std::string::npos,
             partial.error().message().c_str());

    auto unknown = rowBytes(static_cast<TensorType>(17), 32);
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code(), ErrorCode::Unsupported);
    QVERIFY(unknown.error().message().find("type 17") != std::string::npos);

    // 2^62 F32 values are 2^64 bytes: one past what uint64_t holds.
    auto overflow = rowBytes(TensorType::F32, uint64_t{1} << 62);
    QVERIFY(!overflow.ok());
    QVERIFY(overflow.error().message().find("overflows") != std::string::npos);
    auto q8 = rowBytes(TensorType::Q8_0, std::numeric_limits<uint64_t>::max() / 32 * 32);
    QVERIFY(!q8.ok());
    QVERIFY(q8.error().message().find("overflows") != std::string::npos);
    auto fits = rowBytes(TensorType::F32, (uint64_t{1} << 62) - 1);
    QVERIFY(fits.ok());
    QCOMPARE(*fits, ((uint64_t{1} << 62) - 1) * 4);
}

void TestQuant::dequantizeBlocks_data() {
    QTest::addColumn<TensorType>("type");
    QTest::newRow("Q8_0") << TensorType::Q8_0;
    QTest::newRow("Q4_0") << TensorType::Q4_0;
    QTest::newRow("Q4_1") << TensorType::Q4_1;
    QTest::newRow("Q5_0") << TensorType::Q5_0;
    QTest::newRow("Q5_1") << TensorType::Q5_1;
    QTest::newRow("Q4_K") << TensorType::Q4_K;
    QTest::newRow("Q5_K") << TensorType::Q5_K;
    QTest::newRow("Q6_K") << TensorType::Q6_K;
}

void TestQuant::dequantizeBlocks() {
    QFETCH(TensorType, type);
    const TypeTraits* traits = typeTraits(type);
    QVERIFY(traits);
    QVERIFY(canDequantize(type));
    BlockMaker maker(1234 + static_cast<uint32_t>(type));
    for (int blocks : {1, 7}) {
        const Encoded e = maker.make(type, blocks);
        QCOMPARE(e.bytes.size(), size_t{traits->blockBytes} * blocks);
        // Blocks in a file sit at any byte offset; decode from an odd address.
        std::vector<uint8_t> shifted(e.bytes.size() + 1);
        std::memcpy(shifted.data() + 1, e.bytes.data(), e.bytes.size());
        std::vector<float> got(e.expected.size(), -12345.0f);
        auto st = dequantize(type, shifted.data() + 1, got.data(), got.size());
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message().c_str());
        compareDecoded(e, got);
        if (QTest::currentTestFailed())
            return;
    }
}

void TestQuant::dequantizePlainTypes() {
    std::mt19937 rng(7);
    std::vector<uint16_t> halves(300);
    for (uint16_t& h : halves)
        h = static_cast<uint16_t>(rng());
    std::vector<float> out(halves.size());
    QVERIFY(dequantize(TensorType::F16, halves.data(), out.data(), halves.size()).ok());
    for (size_t i = 0; i < halves.size(); ++i) {
        if (std::isnan(refHalf(halves[i])))
            QVERIFY(std::isnan(out[i]));
        else
            QCOMPARE(floatBits(out[i]), floatBits(static_cast<float>(refHalf(halves[i]))));
    }
    QVERIFY(dequantize(TensorType::BF16, halves.data(), out.data(), halves.size()).ok());
    for (size_t i = 0; i < halves.size(); ++i) {
        if (std::isnan(refBf16(halves[i])))
            QVERIFY(std::isnan(out[i]));
        else
            QCOMPARE(floatBits(out[i]), floatBits(static_cast<float>(refBf16(halves[i]))));
    }
    const std::vector<float> floats = {1.5f, -0.0f, 3e38f, -7.25f};
    std::vector<float> copy(floats.size());
    QVERIFY(dequantize(TensorType::F32, floats.data(), copy.data(), floats.size()).ok());
    for (size_t i = 0; i < floats.size(); ++i)
        QCOMPARE(floatBits(copy[i]), floatBits(floats[i]));
}

void TestQuant::dequantizeErrors() {
    std::vector<uint8_t> raw(1024);
    std::vector<float> out(1024);
    auto partial = dequantize(TensorType::Q4_K, raw.data(), out.data(), 255);
    QVERIFY(!partial.ok());
    QCOMPARE(partial.error().code(), ErrorCode::Invalid);
    QVERIFY2(partial.error().message().find("255") != std::string::npos &&
                 partial.error().message().find("Q4_K") != std::string::npos,
             partial.error().message().c_str());
    auto partialQ8 = dequantize(TensorType::Q8_0, raw.data(), out.data(), 33);
    QVERIFY(!partialQ8.ok());
    QVERIFY(partialQ8.error().message().find("Q8_0") != std::string::npos);

    QVERIFY(!canDequantize(TensorType::Q2_K));
    auto unsupported = dequantize(TensorType::Q2_K, raw.data(), out.data(), 256);
    QVERIFY(!unsupported.ok());
    QCOMPARE(unsupported.error().code(), ErrorCode::Unsupported);
    QVERIFY(unsupported.error().message().find("Q2_K") != std::string::npos);
    auto unknown = dequantize(static_cast<TensorType>(99), raw.data(), out.data(), 32);
    QVERIFY(!unknown.ok());
    QVERIFY(unknown.error().message().find("type 99") != std::string::npos);

    QVERIFY(dequantize(TensorType::Q6_K, raw.data(), out.data(), 0).ok());
}

void TestQuant::dequantizeTensorFromFile() {
    BlockMaker maker(99);
    const Encoded q6 = maker.make(TensorType::Q6_K, 3);  // shape {256, 3}
    const Encoded q51 = maker.make(TensorType::Q5_1, 4); // shape {64, 2}
    const std::vector<float> f16Values = {0.5f, -2.0f, 1024.0f, 3.0f};
    test::GgufBuilder b;
    b.setAlignment(64);
    b.addTensor("q6", {256, 3}, TensorType::Q6_K, q6.bytes);
    b.addTensor("q51", {64, 2}, TensorType::Q5_1, q51.bytes);
    b.addF16Tensor("f16", {2, 2}, f16Values);
    auto file = GgufFile::fromBytes(b.build(), "quant.gguf");
    QVERIFY2(file.ok(), file.ok() ? "" : file.error().message().c_str());

    auto v6 = dequantizeTensor(**file, *(*file)->findTensor("q6"));
    QVERIFY(v6.ok());
    compareDecoded(q6, *v6);
    auto v51 = dequantizeTensor(**file, *(*file)->findTensor("q51"));
    QVERIFY(v51.ok());
    compareDecoded(q51, *v51);
    auto vf = dequantizeTensor(**file, *(*file)->findTensor("f16"));
    QVERIFY(vf.ok());
    QCOMPARE(*vf, f16Values); // all exactly representable in half
}

void TestQuant::dequantizeTensorErrors() {
    std::vector<uint8_t> q2(84 * 2, 0x5A);
    test::GgufBuilder b;
    b.addTensor("q2k.weight", {512}, TensorType::Q2_K, q2);
    b.addF32Tensor("f32.weight", {8}, std::vector<float>(8, 1.0f));
    auto file = GgufFile::fromBytes(b.build(), "errors.gguf");
    QVERIFY(file.ok());
    const GgufFile& f = **file;

    auto q2v = dequantizeTensor(f, *f.findTensor("q2k.weight"));
    QVERIFY(!q2v.ok());
    QCOMPARE(q2v.error().code(), ErrorCode::Unsupported);
    QVERIFY2(q2v.error().message().find("q2k.weight") != std::string::npos &&
                 q2v.error().message().find("Q2_K") != std::string::npos,
             q2v.error().message().c_str());

    GgufTensorInfo past = *f.findTensor("f32.weight");
    past.offset = f.fileSize() - 16; // 32 bytes from 16 before the end
    auto pastV = dequantizeTensor(f, past);
    QVERIFY(!pastV.ok());
    QVERIFY2(pastV.error().message().find("f32.weight") != std::string::npos &&
                 pastV.error().message().find("outside the file") != std::string::npos,
             pastV.error().message().c_str());

    GgufTensorInfo mismatched = *f.findTensor("f32.weight");
    mismatched.elementCount = 9;
    auto mismatchedV = dequantizeTensor(f, mismatched);
    QVERIFY(!mismatchedV.ok());
    QVERIFY2(mismatchedV.error().message().find("36") != std::string::npos,
             mismatchedV.error().message().c_str());
}

void TestQuant::quantizeRoundTrip_data() {
    QTest::addColumn<TensorType>("type");
    QTest::addColumn<double>("bound");
    // Relative RMS error of uniform values: a step of range / levels rounds
    // to about step / sqrt(12); the bounds leave room for K-quant scales
    // rounded up to whole steps.
    QTest::newRow("Q8_0") << TensorType::Q8_0 << 0.01;
    QTest::newRow("Q6_K") << TensorType::Q6_K << 0.03;
    QTest::newRow("Q5_0") << TensorType::Q5_0 << 0.05;
    QTest::newRow("Q5_1") << TensorType::Q5_1 << 0.05;
    QTest::newRow("Q4_0") << TensorType::Q4_0 << 0.1;
    QTest::newRow("Q4_1") << TensorType::Q4_1 << 0.1;
    QTest::newRow("Q4_K") << TensorType::Q4_K << 0.1;
}

// quantize() then the independent block decoder gives back the values within
// the type's resolution: per block (of 32 or 256) the relative RMS error stays
// under the bound, and no value moves by more than a quarter of its block's
// largest magnitude (a wrong scale or a misplaced code would).
void TestQuant::quantizeRoundTrip() {
    QFETCH(TensorType, type);
    QFETCH(double, bound);
    QVERIFY(canQuantize(type));
    const TypeTraits* traits = typeTraits(type);
    const int blocks = 24;
    const size_t count = static_cast<size_t>(blocks) * traits->blockElements;
    std::mt19937 rng(static_cast<uint32_t>(type) + 7);
    std::vector<float> x(count);
    for (size_t i = 0; i < count; i += 32) {
        const float scale = std::exp(std::uniform_real_distribution<float>(-3.0f, 3.0f)(rng));
        const float shift = std::uniform_real_distribution<float>(-0.5f, 0.5f)(rng);
        for (size_t k = i; k < i + 32; ++k)
            x[k] = scale * (shift + std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng));
    }
    std::fill(x.begin() + 64, x.begin() + 96, 0.0f); // an all-zero sub-block
    std::vector<uint8_t> bytes(rowBytes(type, count).value());
    QVERIFY(quantize(type, x.data(), bytes.data(), count).ok());
    std::vector<float> back(count);
    QVERIFY(dequantize(type, bytes.data(), back.data(), count).ok());
    for (size_t b = 0; b < count; b += traits->blockElements) {
        double err = 0, ref = 0, amax = 0;
        for (size_t k = b; k < b + traits->blockElements; ++k) {
            err += (back[k] - x[k]) * static_cast<double>(back[k] - x[k]);
            ref += static_cast<double>(x[k]) * x[k];
            amax = std::max(amax, std::fabs(static_cast<double>(x[k])));
        }
        if (ref > 0)
            QVERIFY2(std::sqrt(err / ref) < bound,
                     qPrintable(QString("block %1: relative RMS error %2")
                                    .arg(b / traits->blockElements)
                                    .arg(std::sqrt(err / ref))));
        for (size_t k = b; k < b + traits->blockElements; ++k)
            QVERIFY2(std::fabs(back[k] - x[k]) <= 0.25 * amax + 1e-30,
                     qPrintable(QString("value %1: %2 -> %3").arg(k).arg(x[k]).arg(back[k])));
    }
    for (int k = 64; k < 96 && traits->blockElements == 32; ++k)
        QCOMPARE(back[static_cast<size_t>(k)], 0.0f);
}

void TestQuant::quantizeErrors() {
    std::vector<float> x(300, 1.0f);
    std::vector<uint8_t> out(4096);
    auto partial = quantize(TensorType::Q4_K, x.data(), out.data(), 300);
    QVERIFY(!partial.ok());
    QVERIFY(partial.error().message().find("Q4_K") != std::string::npos);
    QVERIFY(!canQuantize(TensorType::Q2_K));
    QVERIFY(!quantize(TensorType::Q2_K, x.data(), out.data(), 256).ok());
    QVERIFY(!quantize(TensorType::F16, x.data(), out.data(), 32).ok());
}

QTEST_GUILESS_MAIN(TestQuant)
#include "tst_quant.moc"
