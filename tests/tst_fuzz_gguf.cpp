// SPDX-License-Identifier: MIT
// Deterministic mutation fuzzing of the GGUF reader: thousands of corrupted
// variants of valid files (bit flips, boundary bytes, huge length and count
// fields, truncation, inserted and deleted bytes) must each either parse into a
// file that reads back cleanly or fail with a message naming the file. Meant to
// run under ASan/UBSan, where a stray read fails the test.
#include "gguf_builder.h"
#include "gguf_exercise.h"

#include "core/gguf/gguf.h"

#include <QtTest>

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>

using namespace dash;

namespace {

// A seed file and the positions of its length, count, offset and type fields.
struct Seed {
    std::vector<uint8_t> bytes;
    std::vector<size_t> u64Fields;
    std::vector<size_t> u32Fields;
};

uint64_t readU64(const std::vector<uint8_t>& b, size_t at) {
    uint64_t v;
    std::memcpy(&v, b.data() + at, sizeof v);
    return v;
}

Seed makeSeed(const test::GgufBuilder& builder) {
    Seed s;
    test::GgufLayout layout;
    s.bytes = builder.build(&layout);
    s.u32Fields = {4};     // version
    s.u64Fields = {8, 16}; // tensor and metadata counts
    for (size_t at : layout.metadataOffsets) {
        s.u64Fields.push_back(at); // key length
        const size_t typeAt = at + 8 + readU64(s.bytes, at);
        s.u32Fields.push_back(typeAt);
        s.u64Fields.push_back(typeAt + 4); // string length, or array element type + count
        s.u64Fields.push_back(typeAt + 8);
    }
    for (size_t i = 0; i < layout.tensorInfoOffsets.size(); ++i) {
        const size_t at = layout.tensorInfoOffsets[i];
        s.u64Fields.push_back(at); // name length
        const size_t dimsAt = at + 8 + readU64(s.bytes, at);
        s.u32Fields.push_back(dimsAt);
        for (size_t d = dimsAt + 4; d < layout.tensorOffsetFields[i] - 4; d += 8)
            s.u64Fields.push_back(d);
        s.u32Fields.push_back(layout.tensorOffsetFields[i] - 4); // tensor type
        s.u64Fields.push_back(layout.tensorOffsetFields[i]);
    }
    return s;
}

std::vector<uint8_t> blockBytes(size_t n, uint8_t salt) {
    std::vector<uint8_t> b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(i * 37 + salt);
    return b;
}

std::vector<Seed> makeSeeds() {
    std::vector<Seed> seeds;
    {
        test::GgufBuilder b(3);
        b.add("general.architecture", "llama");
        b.add("u8", uint8_t{7}).add("i8", int8_t{-7}).add("u16", uint16_t{700});
        b.add("i16", int16_t{-700}).add("u32", 70000u).add("i32", -70000);
        b.add("u64", uint64_t{1} << 40).add("i64", -(int64_t{1} << 40));
        b.add("f32", 0.5f).add("f64", 0.25).add("bool", true);
        b.add("tokens", test::GgufMeta::stringArray({"<s>", "</s>", "hello", ""}));
        b.add("scores", test::GgufMeta::f32Array({0.0f, -1.0f, -2.5f}));
        b.add("types", test::GgufMeta::i32Array({1, 3, 1}));
        b.add("nested",
              test::GgufMeta::array(GgufValueType::Array, {test::GgufMeta::i32Array({1, 2}),
                                                           test::GgufMeta::stringArray({"x"})}));
        b.addF32Tensor("f32", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
        b.addF16Tensor("f16", {8}, {1, -1, 0.5f, 2, 3, 4, 5, 6});
        b.addTensor("bf16", {4}, TensorType::BF16, blockBytes(8, 1));
        b.addTensor("q8_0", {32, 2}, TensorType::Q8_0, blockBytes(68, 2));
        b.addTensor("q5_0", {32}, TensorType::Q5_0, blockBytes(22, 3));
        b.addTensor("q4_k", {256}, TensorType::Q4_K, blockBytes(144, 4));
        b.addTensor("q6_k", {256}, TensorType::Q6_K, blockBytes(210, 5));
        b.addTensor("q2_k", {256}, TensorType::Q2_K, blockBytes(84, 6));
        seeds.push_back(makeSeed(b));
    }
    {
        test::GgufBuilder b(2);
        b.setAlignment(64);
        b.add("general.name", "tiny").add("block_count", 2u);
        b.addTensor("q4_0", {64}, TensorType::Q4_0, blockBytes(36, 7));
        b.addTensor("q5_k", {256}, TensorType::Q5_K, blockBytes(176, 8));
        b.addTensor("q4_1", {32, 1, 1, 2}, TensorType::Q4_1, blockBytes(40, 9));
        seeds.push_back(makeSeed(b));
    }
    {
        test::GgufBuilder b(3);
        b.add("only", "metadata");
        seeds.push_back(makeSeed(b));
    }
    return seeds;
}

class Mutator {
public:
    explicit Mutator(uint32_t seed) : m_rng(seed) {}

    size_t below(size_t n) {
        return n ? std::uniform_int_distribution<size_t>(0, n - 1)(m_rng) : 0;
    }

    void mutate(const Seed& seed, std::vector<uint8_t>& b) {
        static const uint8_t kBytes[] = {0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF};
        static const uint32_t kU32[] = {0,  1,  2,  3,   4,      5,          9,         12,
                                        13, 30, 31, 255, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF};
        const uint64_t kU64[] = {0,
                                 1,
                                 7,
                                 32,
                                 uint64_t{1} << 31,
                                 uint64_t{1} << 32,
                                 (uint64_t{1} << 40) + 1,
                                 uint64_t{1} << 62,
                                 uint64_t{1} << 63,
                                 std::numeric_limits<uint64_t>::max(),
                                 std::numeric_limits<uint64_t>::max() - 31,
                                 b.size(),
                                 b.size() + 1};
        switch (below(9)) {
        case 0: // bit flip
            if (!b.empty())
                b[below(b.size())] ^= static_cast<uint8_t>(1u << below(8));
            break;
        case 1: // boundary byte
            if (!b.empty())
                b[below(b.size())] = kBytes[below(std::size(kBytes))];
            break;
        case 2: { // length, count, dimension or offset set to a boundary value
            const size_t at = seed.u64Fields[below(seed.u64Fields.size())];
            if (at + 8 <= b.size())
                test::pokeU64(b, at, kU64[below(std::size(kU64))]);
            break;
        }
        case 3: { // version, value type, dimension count or tensor type
            const size_t at = seed.u32Fields[below(seed.u32Fields.size())];
            if (at + 4 <= b.size())
                test::pokeU32(b, at, kU32[below(std::size(kU32))]);
            break;
        }
        case 4: // truncation
            b.resize(below(b.size() + 1));
            break;
        case 5: { // inserted bytes
            const size_t at = below(b.size() + 1);
            std::vector<uint8_t> extra(1 + below(16));
            for (uint8_t& x : extra)
                x = static_cast<uint8_t>(m_rng());
            b.insert(b.begin() + static_cast<ptrdiff_t>(at), extra.begin(), extra.end());
            break;
        }
        case 6: { // deleted bytes
            const size_t at = below(b.size() + 1);
            const size_t n = std::min(b.size() - at, 1 + below(16));
            b.erase(b.begin() + static_cast<ptrdiff_t>(at),
                    b.begin() + static_cast<ptrdiff_t>(at + n));
            break;
        }
        case 7: // a boundary u64 anywhere
            if (b.size() >= 8)
                test::pokeU64(b, below(b.size() - 7), kU64[below(std::size(kU64))]);
            break;
        default: { // a chunk copied over another place
            if (b.size() < 2)
                break;
            const size_t from = below(b.size()), to = below(b.size());
            const size_t n = std::min({b.size() - from, b.size() - to, 1 + below(32)});
            std::memmove(b.data() + to, b.data() + from, n);
            break;
        }
        }
    }

private:
    std::mt19937 m_rng;
};

} // namespace

class TestFuzzGguf : public QObject {
    Q_OBJECT

private slots:
    void seedsParse();
    void mutatedInputs();
};

void TestFuzzGguf::seedsParse() {
    for (const Seed& s : makeSeeds()) {
        auto file = GgufFile::fromBytes(s.bytes, "seed.gguf");
        QVERIFY2(file.ok(), file.ok() ? "" : file.error().message().c_str());
        auto st = test::exerciseGguf(**file);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message().c_str());
    }
}

void TestFuzzGguf::mutatedInputs() {
    const std::vector<Seed> seeds = makeSeeds();
    Mutator mutator(20240607);
    int parsed = 0, rejected = 0;
    constexpr int kIterations = 20000;
    for (int i = 0; i < kIterations; ++i) {
        const Seed& seed = seeds[mutator.below(seeds.size())];
        std::vector<uint8_t> bytes = seed.bytes;
        const size_t mutations = 1 + mutator.below(3);
        for (size_t m = 0; m < mutations; ++m)
            mutator.mutate(seed, bytes);
        auto file = GgufFile::fromBytes(bytes, "mutant.gguf");
        if (file.ok()) {
            ++parsed;
            auto st = test::exerciseGguf(**file);
            // QVERIFY2 evaluates its message even on success: build it only on failure.
            if (!st.ok())
                QFAIL(qPrintable(QStringLiteral("input %1: %2")
                                     .arg(i)
                                     .arg(QString::fromStdString(st.error().message()))));
        } else {
            ++rejected;
            const Error& e = file.error();
            QVERIFY2(e.message().rfind("mutant.gguf: ", 0) == 0, e.message().c_str());
            QVERIFY2(e.code() == ErrorCode::Invalid || e.code() == ErrorCode::Unsupported,
                     e.message().c_str());
        }
    }
    qInfo("%d inputs: %d parsed, %d rejected", kIterations, parsed, rejected);
    // Both outcomes must be common, or the mutations are not probing the reader.
    QVERIFY(parsed > kIterations / 20);
    QVERIFY(rejected > kIterations / 4);
}

QTEST_GUILESS_MAIN(TestFuzzGguf)
#include "tst_fuzz_gguf.moc"
