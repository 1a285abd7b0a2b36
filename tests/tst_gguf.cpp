// SPDX-License-Identifier: MIT
// GGUF reader: valid v2/v3 files written by GgufBuilder, typed metadata access,
// tensor infos and alignment, and one corrupted field at a time, each of which
// must fail with a message that names the problem.
#include "gguf_builder.h"
#include "test_support.h"

#include "core/gguf/gguf.h"
#include "core/gguf/quant.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace dash;
using test::GgufBuilder;
using test::GgufLayout;
using test::GgufMeta;

namespace {

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

std::vector<uint8_t> pattern(size_t n, uint8_t salt) {
    std::vector<uint8_t> b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(i * 131 + salt);
    return b;
}

uint64_t readU64(const std::vector<uint8_t>& b, size_t at) {
    uint64_t v;
    std::memcpy(&v, b.data() + at, sizeof v);
    return v;
}

// Position of the u32 type tag of metadata pair `index`, just after its key.
size_t valueTypeAt(const std::vector<uint8_t>& b, const GgufLayout& l, size_t index) {
    return l.metadataOffsets[index] + 8 + readU64(b, l.metadataOffsets[index]);
}

// A small file: two metadata pairs (a string, an array) and two tensors.
GgufBuilder smallFile(uint32_t version = 3) {
    GgufBuilder b(version);
    b.add("general.architecture", "llama");
    b.add("tokenizer.ggml.tokens", GgufMeta::stringArray({"<s>", "a", "bc"}));
    b.addF32Tensor("a", {4, 3}, std::vector<float>(12, 0.25f));
    b.addTensor("b", {32}, TensorType::Q8_0, pattern(34, 3));
    return b;
}

using Parsed = Expected<std::unique_ptr<GgufFile>>;

Parsed parse(std::vector<uint8_t> bytes) {
    return GgufFile::fromBytes(std::move(bytes), "t.gguf");
}

// The parse must fail with `code` and a message holding every part.
void expectError(const Parsed& r, ErrorCode code, std::initializer_list<std::string> parts) {
    QVERIFY2(!r.ok(), "parsed, but should have failed");
    const std::string& msg = r.error().message();
    QVERIFY2(r.error().code() == code, msg.c_str());
    QVERIFY2(msg.rfind("t.gguf: ", 0) == 0, msg.c_str());
    for (const std::string& part : parts)
        QVERIFY2(contains(msg, part), qPrintable(QStringLiteral("'%1' lacks '%2'")
                                                     .arg(QString::fromStdString(msg))
                                                     .arg(QString::fromStdString(part))));
}

template <class T>
void expectGetterError(const Expected<T>& r, ErrorCode code,
                       std::initializer_list<std::string> parts) {
    QVERIFY2(!r.ok(), "getter succeeded, but should have failed");
    const std::string& msg = r.error().message();
    QVERIFY2(r.error().code() == code, msg.c_str());
    for (const std::string& part : parts)
        QVERIFY2(contains(msg, part), qPrintable(QStringLiteral("'%1' lacks '%2'")
                                                     .arg(QString::fromStdString(msg))
                                                     .arg(QString::fromStdString(part))));
}

#define EXPECT_ERROR(...)                                                                          \
    do {                                                                                           \
        expectError(__VA_ARGS__);                                                                  \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)

#define EXPECT_GETTER_ERROR(...)                                                                   \
    do {                                                                                           \
        expectGetterError(__VA_ARGS__);                                                            \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)

#define REQUIRE_OK(expr)                                                                           \
    do {                                                                                           \
        const auto& requireOk_ = (expr);                                                           \
        QVERIFY2(requireOk_.ok(), requireOk_.ok() ? "" : requireOk_.error().message().c_str());    \
    } while (false)

// Every metadata type once, plus arrays, for the getter tests.
std::unique_ptr<GgufFile> typedFile() {
    GgufBuilder b;
    b.add("u8", uint8_t{255}).add("i8", int8_t{-128});
    b.add("u16", uint16_t{65535}).add("i16", int16_t{-32768});
    b.add("u32", uint32_t{4294967295u}).add("i32", int32_t{std::numeric_limits<int32_t>::min()});
    b.add("u64", kU64Max).add("i64", std::numeric_limits<int64_t>::min());
    b.add("i32.small", int32_t{5}).add("i8.negative", int8_t{-1});
    b.add("u64.fits", uint64_t{9007199254740993ull});
    b.add("f32", 0.1f).add("f64", 0.1).add("bool.true", true).add("bool.false", false);
    b.add("string", std::string("h\xC3\xA9llo\0world", 12));
    b.add("string.empty", "");
    b.add("strings", GgufMeta::stringArray({"<s>", "", "\xE4\xB8\xAD"}));
    b.add("floats", GgufMeta::f32Array({0.5f, -1.25f, 3e-8f}));
    b.add("ints", GgufMeta::i32Array({-3, 0, 2147483647}));
    b.add("uints", GgufMeta::u32Array({7, 8}));
    b.add("bytes", GgufMeta::array(GgufValueType::U8, {uint8_t{1}, uint8_t{254}}));
    b.add("empty", GgufMeta::f32Array({}));
    b.add("nested", GgufMeta::array(GgufValueType::Array,
                                    {GgufMeta::i32Array({1, 2}), GgufMeta::stringArray({"x"})}));
    auto f = GgufFile::fromBytes(b.build(), "typed.gguf");
    return f.ok() ? std::move(f).value() : nullptr;
}

} // namespace

class TestGguf : public QObject {
    Q_OBJECT

private slots:
    void parsesVersions_data();
    void parsesVersions();
    void metadataTypes();
    void integerWidening();
    void wrongTypeNamesKey();
    void missingKey();
    void fallbacks();
    void arrays();
    void tensorInfos();
    void alignment_data();
    void alignment();
    void badAlignment();
    void truncatedPrefixes();
    void wrongMagic();
    void unsupportedVersion_data();
    void unsupportedVersion();
    void absurdCounts();
    void absurdStringLengths();
    void absurdArrayLengths();
    void unknownValueTypes();
    void tensorOffsetPastEnd();
    void unalignedTensorOffset();
    void unknownTensorType_data();
    void unknownTensorType();
    void badDimensions();
    void byteSizeOverflow();
    void duplicateTensorNames();
    void openFromDisk();
    void openErrors();
    void demoModel();
};

void TestGguf::parsesVersions_data() {
    QTest::addColumn<uint32_t>("version");
    QTest::newRow("v2") << 2u;
    QTest::newRow("v3") << 3u;
}

void TestGguf::parsesVersions() {
    QFETCH(uint32_t, version);
    GgufLayout layout;
    const std::vector<uint8_t> bytes = smallFile(version).build(&layout);
    auto r = parse(bytes);
    REQUIRE_OK(r);
    const GgufFile& f = **r;
    QCOMPARE(f.version(), version);
    QCOMPARE(f.path(), std::string("t.gguf"));
    QCOMPARE(f.fileSize(), uint64_t{bytes.size()});
    QCOMPARE(f.alignment(), uint64_t{32});
    QCOMPARE(f.dataOffset(), uint64_t{layout.dataOffset});
    QVERIFY(std::equal(f.bytes().begin(), f.bytes().end(), bytes.begin(), bytes.end()));
    QCOMPARE(f.metadata().size(), size_t{2});
    QCOMPARE(f.metadata()[0].first, std::string("general.architecture"));
    QCOMPARE(f.metadata()[1].first, std::string("tokenizer.ggml.tokens"));
    QCOMPARE(*f.getString("general.architecture"), std::string("llama"));
    QCOMPARE(f.tensors().size(), size_t{2});
    QCOMPARE(f.tensors()[0].name, std::string("a"));
    QCOMPARE(f.tensors()[1].name, std::string("b"));
}

void TestGguf::metadataTypes() {
    auto f = typedFile();
    QVERIFY(f);
    const std::pair<const char*, GgufValueType> types[] = {
        {"u8", GgufValueType::U8},          {"i8", GgufValueType::I8},
        {"u16", GgufValueType::U16},        {"i16", GgufValueType::I16},
        {"u32", GgufValueType::U32},        {"i32", GgufValueType::I32},
        {"u64", GgufValueType::U64},        {"i64", GgufValueType::I64},
        {"f32", GgufValueType::F32},        {"f64", GgufValueType::F64},
        {"bool.true", GgufValueType::Bool}, {"string", GgufValueType::String},
        {"strings", GgufValueType::Array},
    };
    for (const auto& [key, type] : types) {
        const GgufValue* v = f->find(key);
        QVERIFY2(v, key);
        QVERIFY2(v->type == type, key);
    }
    QVERIFY(!f->find("absent"));
    QVERIFY(f->has("u8") && !f->has("absent"));

    QCOMPARE(*f->getFloat("f32"), static_cast<double>(0.1f));
    QCOMPARE(*f->getFloat("f64"), 0.1);
    QCOMPARE(*f->getBool("bool.true"), true);
    QCOMPARE(*f->getBool("bool.false"), false);
    QCOMPARE(*f->getString("string"), std::string("h\xC3\xA9llo\0world", 12));
    QCOMPARE(*f->getString("string.empty"), std::string());
}

void TestGguf::integerWidening() {
    auto f = typedFile();
    QVERIFY(f);
    QCOMPARE(*f->getUInt("u8"), uint64_t{255});
    QCOMPARE(*f->getUInt("u16"), uint64_t{65535});
    QCOMPARE(*f->getUInt("u32"), uint64_t{4294967295u});
    QCOMPARE(*f->getUInt("u64"), kU64Max);
    QCOMPARE(*f->getUInt("i32.small"), uint64_t{5});
    QCOMPARE(*f->getUInt("u64.fits"), uint64_t{9007199254740993ull});
    QCOMPARE(*f->getInt("i8"), int64_t{-128});
    QCOMPARE(*f->getInt("i16"), int64_t{-32768});
    QCOMPARE(*f->getInt("i32"), int64_t{std::numeric_limits<int32_t>::min()});
    QCOMPARE(*f->getInt("i64"), std::numeric_limits<int64_t>::min());
    QCOMPARE(*f->getInt("u8"), int64_t{255});
    QCOMPARE(*f->getInt("u32"), int64_t{4294967295u});

    EXPECT_GETTER_ERROR(f->getUInt("i8.negative"), ErrorCode::Invalid,
                        {"'i8.negative'", "negative", "-1"});
    EXPECT_GETTER_ERROR(f->getUInt("i64"), ErrorCode::Invalid, {"'i64'", "negative"});
    EXPECT_GETTER_ERROR(f->getInt("u64"), ErrorCode::Invalid, {"'u64'", "too large"});
}

void TestGguf::wrongTypeNamesKey() {
    auto f = typedFile();
    QVERIFY(f);
    EXPECT_GETTER_ERROR(f->getString("u32"), ErrorCode::Invalid,
                        {"typed.gguf", "'u32'", "type u32", "string"});
    EXPECT_GETTER_ERROR(f->getUInt("f32"), ErrorCode::Invalid, {"'f32'", "type f32"});
    EXPECT_GETTER_ERROR(f->getInt("string"), ErrorCode::Invalid, {"'string'", "type string"});
    EXPECT_GETTER_ERROR(f->getUInt("bool.true"), ErrorCode::Invalid, {"'bool.true'", "bool"});
    EXPECT_GETTER_ERROR(f->getFloat("i32"), ErrorCode::Invalid, {"'i32'", "type i32", "float"});
    EXPECT_GETTER_ERROR(f->getBool("u8"), ErrorCode::Invalid, {"'u8'", "type u8", "bool"});
    EXPECT_GETTER_ERROR(f->getString("strings"), ErrorCode::Invalid, {"'strings'", "array"});
    EXPECT_GETTER_ERROR(f->getStringArray("floats"), ErrorCode::Invalid, {"'floats'"});
    EXPECT_GETTER_ERROR(f->getStringArray("string"), ErrorCode::Invalid, {"'string'"});
    EXPECT_GETTER_ERROR(f->getF32Array("strings"), ErrorCode::Invalid, {"'strings'"});
    EXPECT_GETTER_ERROR(f->getF32Array("f32"), ErrorCode::Invalid, {"'f32'"});
    EXPECT_GETTER_ERROR(f->getI32Array("floats"), ErrorCode::Invalid, {"'floats'"});
    EXPECT_GETTER_ERROR(f->getI32Array("bytes"), ErrorCode::Invalid, {"'bytes'"});
}

void TestGguf::missingKey() {
    auto f = typedFile();
    QVERIFY(f);
    const std::initializer_list<std::string> parts = {"typed.gguf", "'no.such.key'", "missing"};
    EXPECT_GETTER_ERROR(f->getUInt("no.such.key"), ErrorCode::NotFound, parts);
    EXPECT_GETTER_ERROR(f->getInt("no.such.key"), ErrorCode::NotFound, parts);
    EXPECT_GETTER_ERROR(f->getFloat("no.such.key"), ErrorCode::NotFound, parts);
    EXPECT_GETTER_ERROR(f->getBool("no.such.key"), ErrorCode::NotFound, parts);
    EXPECT_GETTER_ERROR(f->getString("no.such.key"), ErrorCode::NotFound, parts);
    EXPECT_GETTER_ERROR(f->getStringArray("no.such.key"), ErrorCode::NotFound, parts);
    EXPECT_GETTER_ERROR(f->getF32Array("no.such.key"), ErrorCode::NotFound, parts);
    EXPECT_GETTER_ERROR(f->getI32Array("no.such.key"), ErrorCode::NotFound, parts);
}

void TestGguf::fallbacks() {
    auto f = typedFile();
    QVERIFY(f);
    QCOMPARE(*f->getUInt("absent", 7), uint64_t{7});
    QCOMPARE(*f->getUInt("u16", 7), uint64_t{65535});
    QCOMPARE(*f->getFloat("absent", 2.5), 2.5);
    QCOMPARE(*f->getFloat("f64", 2.5), 0.1);
    QCOMPARE(*f->getBool("absent", true), true);
    QCOMPARE(*f->getBool("bool.false", true), false);
    // A present key of the wrong type is an error, not the fallback.
    EXPECT_GETTER_ERROR(f->getUInt("string", 7), ErrorCode::Invalid, {"'string'"});
    EXPECT_GETTER_ERROR(f->getFloat("u8", 2.5), ErrorCode::Invalid, {"'u8'"});
    EXPECT_GETTER_ERROR(f->getBool("f32", true), ErrorCode::Invalid, {"'f32'"});
    EXPECT_GETTER_ERROR(f->getUInt("i8.negative", 7), ErrorCode::Invalid, {"negative"});
}

void TestGguf::arrays() {
    auto f = typedFile();
    QVERIFY(f);
    auto strings = f->getStringArray("strings");
    REQUIRE_OK(strings);
    QCOMPARE(strings->size(), size_t{3});
    QCOMPARE((*strings)[0], std::string_view("<s>"));
    QCOMPARE((*strings)[1], std::string_view(""));
    QCOMPARE((*strings)[2], std::string_view("\xE4\xB8\xAD"));

    auto floats = f->getF32Array("floats");
    REQUIRE_OK(floats);
    QCOMPARE(*floats, (std::vector<float>{0.5f, -1.25f, 3e-8f}));
    auto ints = f->getI32Array("ints");
    REQUIRE_OK(ints);
    QCOMPARE(*ints, (std::vector<int32_t>{-3, 0, 2147483647}));
    auto uints = f->getI32Array("uints");
    REQUIRE_OK(uints);
    QCOMPARE(*uints, (std::vector<int32_t>{7, 8}));
    auto empty = f->getF32Array("empty");
    REQUIRE_OK(empty);
    QVERIFY(empty->empty());

    const GgufValue* bytes = f->find("bytes");
    QVERIFY(bytes && bytes->arrayType == GgufValueType::U8);
    QCOMPARE(bytes->arrayCount, uint64_t{2});
    QCOMPARE(bytes->arrayData[0], uint8_t{1});
    QCOMPARE(bytes->arrayData[1], uint8_t{254});

    const GgufValue* nested = f->find("nested");
    QVERIFY(nested && nested->type == GgufValueType::Array);
    QVERIFY(nested->arrayType == GgufValueType::Array);
    QCOMPARE(nested->arrayCount, uint64_t{2});
    // The pair after the nested array must still be found where it is.
    QVERIFY(f->metadata().back().first == "nested");
}

void TestGguf::tensorInfos() {
    struct Spec {
        const char* name;
        std::vector<uint64_t> shape;
        TensorType type;
        size_t bytes; // from the block size of the type
    };
    const std::vector<Spec> specs = {
        {"vec.f32", {5}, TensorType::F32, 5 * 4},
        {"mat.f16", {6, 3}, TensorType::F16, 18 * 2},
        {"cube.bf16", {2, 3, 4}, TensorType::BF16, 24 * 2},
        {"q8.4d", {64, 2, 1, 3}, TensorType::Q8_0, 12 * 34},
        {"q4k", {256, 2}, TensorType::Q4_K, 2 * 144},
        {"q6k", {512}, TensorType::Q6_K, 2 * 210},
    };
    GgufBuilder b(2);
    std::vector<std::vector<uint8_t>> contents;
    for (size_t i = 0; i < specs.size(); ++i) {
        contents.push_back(pattern(specs[i].bytes, static_cast<uint8_t>(i)));
        b.addTensor(specs[i].name, specs[i].shape, specs[i].type, contents.back());
    }
    GgufLayout layout;
    auto r = parse(b.build(&layout));
    REQUIRE_OK(r);
    const GgufFile& f = **r;
    QCOMPARE(f.tensors().size(), specs.size());
    for (size_t i = 0; i < specs.size(); ++i) {
        const GgufTensorInfo& t = f.tensors()[i];
        QCOMPARE(t.name, std::string(specs[i].name));
        QCOMPARE(t.shape, specs[i].shape);
        QVERIFY(t.type == specs[i].type);
        uint64_t elements = 1;
        for (uint64_t d : specs[i].shape)
            elements *= d;
        QCOMPARE(t.elementCount, elements);
        QCOMPARE(t.cols(), specs[i].shape[0]);
        QCOMPARE(t.rows(), elements / specs[i].shape[0]);
        QCOMPARE(t.byteSize, uint64_t{specs[i].bytes});
        QCOMPARE(t.offset, uint64_t{layout.tensorDataOffsets[i]});
        QCOMPARE(t.offset % 32, uint64_t{0});
        QVERIFY(std::memcmp(f.tensorData(t), contents[i].data(), contents[i].size()) == 0);
        QCOMPARE(f.findTensor(specs[i].name), &t);
    }
    QVERIFY(!f.findTensor("absent"));
}

void TestGguf::alignment_data() {
    QTest::addColumn<uint64_t>("alignment");
    QTest::newRow("1") << uint64_t{1};
    QTest::newRow("8") << uint64_t{8};
    QTest::newRow("default 32") << uint64_t{0};
    QTest::newRow("64") << uint64_t{64};
    QTest::newRow("256") << uint64_t{256};
    QTest::newRow("4096") << uint64_t{4096};
}

void TestGguf::alignment() {
    QFETCH(uint64_t, alignment);
    GgufBuilder b;
    b.add("general.name", "aligned");
    if (alignment)
        b.setAlignment(alignment);
    const uint64_t expected = alignment ? alignment : 32;
    // Odd sizes so that each tensor needs padding after it.
    const std::vector<std::vector<uint8_t>> contents = {pattern(12, 1), pattern(6, 2),
                                                        pattern(34, 3)};
    b.addTensor("x", {3}, TensorType::F32, contents[0]);
    b.addTensor("y", {3}, TensorType::F16, contents[1]);
    b.addTensor("z", {32}, TensorType::Q8_0, contents[2]);
    auto r = parse(b.build());
    REQUIRE_OK(r);
    const GgufFile& f = **r;
    QCOMPARE(f.alignment(), expected);
    QCOMPARE(f.dataOffset() % expected, uint64_t{0});
    if (alignment)
        QCOMPARE(*f.getUInt("general.alignment"), alignment);
    for (size_t i = 0; i < f.tensors().size(); ++i) {
        const GgufTensorInfo& t = f.tensors()[i];
        QCOMPARE(t.offset % expected, uint64_t{0});
        QVERIFY(t.offset >= f.dataOffset());
        QVERIFY(std::memcmp(f.tensorData(t), contents[i].data(), contents[i].size()) == 0);
    }
}

void TestGguf::badAlignment() {
    for (uint32_t a : {0u, 48u, 3u, 131072u}) {
        GgufBuilder b = smallFile();
        b.add("general.alignment", a);
        EXPECT_ERROR(parse(b.build()), ErrorCode::Invalid,
                     {"general.alignment " + std::to_string(a), "power of two"});
    }
    GgufBuilder negative = smallFile();
    negative.add("general.alignment", int32_t{-32});
    EXPECT_ERROR(parse(negative.build()), ErrorCode::Invalid, {"general.alignment"});
    GgufBuilder text = smallFile();
    text.add("general.alignment", "32");
    EXPECT_ERROR(parse(text.build()), ErrorCode::Invalid,
                 {"general.alignment has type string", "integer"});
}

void TestGguf::truncatedPrefixes() {
    GgufLayout layout;
    const std::vector<uint8_t> bytes = smallFile().build(&layout);
    const size_t infosEnd = layout.tensorOffsetFields.back() + 8;
    const size_t dataEnd = layout.tensorDataOffsets.back() + 34; // tensor 'b' is one Q8_0 block
    for (size_t n = 0; n <= bytes.size(); ++n) {
        auto r = parse(std::vector<uint8_t>(bytes.begin(), bytes.begin() + n));
        const QByteArray where = QByteArray::number(qulonglong(n));
        if (n >= dataEnd) { // only padding after the last tensor is missing
            QVERIFY2(r.ok(), where.constData());
            continue;
        }
        QVERIFY2(!r.ok(), where.constData());
        const std::string& msg = r.error().message();
        QVERIFY2(r.error().code() == ErrorCode::Invalid, msg.c_str());
        QVERIFY2(msg.rfind("t.gguf: ", 0) == 0, msg.c_str());
        if (n < 4)
            QVERIFY2(contains(msg, "too short"), msg.c_str());
        else if (n < infosEnd)
            QVERIFY2(contains(msg, "truncated"), msg.c_str());
        else
            QVERIFY2(contains(msg, "past the end of the file"), msg.c_str());
    }
}

void TestGguf::wrongMagic() {
    std::vector<uint8_t> bytes = smallFile().build();
    std::memcpy(bytes.data(), "GGML", 4);
    EXPECT_ERROR(parse(bytes), ErrorCode::Invalid, {"not a GGUF file", "'GGML'"});
    const uint8_t binary[4] = {0x00, 0xFF, 'G', 0x7F};
    std::memcpy(bytes.data(), binary, 4);
    EXPECT_ERROR(parse(bytes), ErrorCode::Invalid, {"magic is '??G?'"});
    EXPECT_ERROR(parse({'G', 'G', 'U'}), ErrorCode::Invalid, {"3 bytes", "too short"});
}

void TestGguf::unsupportedVersion_data() {
    QTest::addColumn<uint32_t>("version");
    QTest::newRow("0") << 0u;
    QTest::newRow("1") << 1u;
    QTest::newRow("4") << 4u;
    QTest::newRow("max") << 0xFFFFFFFFu;
}

void TestGguf::unsupportedVersion() {
    QFETCH(uint32_t, version);
    EXPECT_ERROR(parse(smallFile(version).build()), ErrorCode::Unsupported,
                 {"GGUF version " + std::to_string(version), "not supported"});
}

void TestGguf::absurdCounts() {
    const std::vector<uint8_t> good = smallFile().build();
    std::vector<uint8_t> b = good;
    test::pokeU64(b, 8, uint64_t{1} << 40);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"absurd tensor count 1099511627776"});
    b = good;
    test::pokeU64(b, 8, (uint64_t{1} << 20) + 1);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"absurd tensor count 1048577", "limit"});
    b = good;
    test::pokeU64(b, 16, kU64Max);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid,
                 {"absurd metadata count " + std::to_string(kU64Max)});
    // Below the limit but more pairs than the file has bytes for.
    b = good;
    test::pokeU64(b, 16, 1000);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"absurd metadata count 1000", "remain"});
}

void TestGguf::absurdStringLengths() {
    GgufLayout l;
    const std::vector<uint8_t> good = smallFile().build(&l);
    std::vector<uint8_t> b = good;
    test::pokeU64(b, l.metadataOffsets[0], uint64_t{1} << 60);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid,
                 {"metadata key #0", "offset 24", "absurd length of 1152921504606846976"});
    // A length that passes the sanity limit but runs past the end.
    b = good;
    const size_t keyAt = l.metadataOffsets[1];
    test::pokeU64(b, keyAt, b.size() - (keyAt + 8) + 1);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"truncated", "metadata key #1"});
    // The string value of 'general.architecture'.
    b = good;
    test::pokeU64(b, valueTypeAt(b, l, 0) + 4, kU64Max);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"'general.architecture'", "absurd length"});
    b = good;
    test::pokeU64(b, l.tensorInfoOffsets[1], uint64_t{1} << 62);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"name of tensor #1", "absurd length"});
}

void TestGguf::absurdArrayLengths() {
    GgufBuilder builder;
    builder.add("floats", GgufMeta::f32Array({1, 2, 3}));
    builder.add("strings", GgufMeta::stringArray({"a", "b"}));
    builder.add("nested", GgufMeta::array(GgufValueType::Array, {GgufMeta::i32Array({1})}));
    GgufLayout l;
    const std::vector<uint8_t> good = builder.build(&l);
    const auto countAt = [&](size_t index) { return valueTypeAt(good, l, index) + 8; };

    std::vector<uint8_t> b = good;
    test::pokeU64(b, countAt(0), uint64_t{1} << 61);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid,
                 {"'floats'", "claims 2305843009213693952 elements of 4 bytes"});
    b = good;
    test::pokeU64(b, countAt(1), uint64_t{1} << 40);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"'strings'", "claims 1099511627776 strings"});
    b = good;
    test::pokeU64(b, countAt(2), kU64Max);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"'nested'", "nested arrays"});
}

void TestGguf::unknownValueTypes() {
    GgufLayout l;
    const std::vector<uint8_t> good = smallFile().build(&l);
    std::vector<uint8_t> b = good;
    test::pokeU32(b, valueTypeAt(b, l, 0), 13);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"'general.architecture'", "unknown value type 13"});
    b = good;
    test::pokeU32(b, valueTypeAt(b, l, 1) + 4, 0xFFFFFFFF);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid,
                 {"'tokenizer.ggml.tokens'", "unknown element type 4294967295"});
    // Arrays of arrays of arrays go deeper than GGUF uses.
    GgufBuilder deep;
    deep.add("deep",
             GgufMeta::array(GgufValueType::Array,
                             {GgufMeta::array(GgufValueType::Array, {GgufMeta::i32Array({1})})}));
    EXPECT_ERROR(parse(deep.build()), ErrorCode::Invalid, {"'deep'", "nests arrays too deeply"});
}

void TestGguf::tensorOffsetPastEnd() {
    GgufLayout l;
    const std::vector<uint8_t> good = smallFile().build(&l);
    for (uint64_t offset : {uint64_t{1} << 20, kU64Max - 31, uint64_t{good.size()} / 32 * 32}) {
        std::vector<uint8_t> b = good;
        test::pokeU64(b, l.tensorOffsetFields[1], offset);
        EXPECT_ERROR(parse(b), ErrorCode::Invalid,
                     {"tensor 'b'", "34 bytes",
                      "past the end of the file (" + std::to_string(good.size()) + ")"});
    }
}

void TestGguf::unalignedTensorOffset() {
    GgufLayout l;
    std::vector<uint8_t> b = smallFile().build(&l);
    test::pokeU64(b, l.tensorOffsetFields[1], 8);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"tensor 'b'", "offset 8", "not aligned to 32"});
    GgufBuilder wide = smallFile();
    wide.setAlignment(64);
    b = wide.build(&l);
    test::pokeU64(b, l.tensorOffsetFields[1], 32);
    EXPECT_ERROR(parse(b), ErrorCode::Invalid, {"tensor 'b'", "offset 32", "not aligned to 64"});
}

void TestGguf::unknownTensorType_data() {
    QTest::addColumn<uint32_t>("type");
    QTest::newRow("4 (retired)") << 4u;
    QTest::newRow("17") << 17u;
    QTest::newRow("99") << 99u;
    QTest::newRow("max") << 0xFFFFFFFFu;
}

void TestGguf::unknownTensorType() {
    QFETCH(uint32_t, type);
    GgufLayout l;
    std::vector<uint8_t> b = smallFile().build(&l);
    const size_t typeAt = l.tensorOffsetFields[0] - 4;
    test::pokeU32(b, typeAt, type);
    EXPECT_ERROR(parse(b), ErrorCode::Unsupported,
                 {"tensor 'a'", "unknown or unsupported type " + std::to_string(type),
                  "offset " + std::to_string(typeAt)});
}

void TestGguf::badDimensions() {
    auto withTensor = [](std::vector<uint64_t> shape, TensorType type) {
        GgufBuilder b;
        b.addTensor("w", std::move(shape), type, pattern(64, 0));
        return parse(b.build());
    };
    EXPECT_ERROR(withTensor({}, TensorType::F32), ErrorCode::Invalid,
                 {"tensor 'w'", "has 0 dimensions"});
    EXPECT_ERROR(withTensor({2, 2, 2, 1, 2}, TensorType::F32), ErrorCode::Invalid,
                 {"tensor 'w'", "has 5 dimensions"});
    EXPECT_ERROR(withTensor({4, 0}, TensorType::F32), ErrorCode::Invalid,
                 {"tensor 'w'", "absurd dimension 1 = 0"});
    EXPECT_ERROR(withTensor({(uint64_t{1} << 40) + 1}, TensorType::F32), ErrorCode::Invalid,
                 {"tensor 'w'", "absurd dimension 0"});
    EXPECT_ERROR(withTensor({1u << 30, 1u << 30, 1u << 30}, TensorType::F32), ErrorCode::Invalid,
                 {"tensor 'w'", "element count overflows"});
    EXPECT_ERROR(withTensor({33}, TensorType::Q8_0), ErrorCode::Invalid,
                 {"tensor 'w'", "row of 33 elements", "multiple of 32", "Q8_0"});
    EXPECT_ERROR(withTensor({128, 3}, TensorType::Q4_K), ErrorCode::Invalid,
                 {"tensor 'w'", "multiple of 256"});
}

void TestGguf::byteSizeOverflow() {
    // 2^31 x 2^31 F32 values take 2^64 bytes, which a 64-bit size wraps to 0.
    GgufBuilder b;
    b.addTensor("huge", {uint64_t{1} << 31, uint64_t{1} << 31}, TensorType::F32, {});
    EXPECT_ERROR(parse(b.build()), ErrorCode::Invalid, {"tensor 'huge'", "overflows"});
}

void TestGguf::duplicateTensorNames() {
    GgufBuilder b = smallFile();
    b.addF32Tensor("a", {2}, {1, 2});
    EXPECT_ERROR(parse(b.build()), ErrorCode::Invalid, {"tensor 'a' appears twice"});
}

void TestGguf::openFromDisk() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("small.gguf")).toStdString();
    GgufBuilder builder = smallFile();
    builder.setAlignment(128);
    REQUIRE_OK(builder.writeTo(path));
    auto r = GgufFile::open(path);
    REQUIRE_OK(r);
    const GgufFile& f = **r;
    const std::vector<uint8_t> bytes = builder.build();
    QCOMPARE(f.path(), path);
    QCOMPARE(f.fileSize(), uint64_t{bytes.size()});
    QVERIFY(std::equal(f.bytes().begin(), f.bytes().end(), bytes.begin(), bytes.end()));
    QCOMPARE(f.alignment(), uint64_t{128});
    QCOMPARE(*f.getString("general.architecture"), std::string("llama"));
    const GgufTensorInfo* b = f.findTensor("b");
    QVERIFY(b);
    const std::vector<uint8_t> expected = pattern(34, 3);
    QVERIFY(std::memcmp(f.tensorData(*b), expected.data(), expected.size()) == 0);
}

void TestGguf::openErrors() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string missing = dir.filePath(QStringLiteral("missing.gguf")).toStdString();
    auto r = GgufFile::open(missing);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code(), ErrorCode::Io);
    QVERIFY2(contains(r.error().message(), "'" + missing + "'"), r.error().message().c_str());

    const std::string dirPath = dir.path().toStdString();
    auto d = GgufFile::open(dirPath);
    QVERIFY(!d.ok());
    QVERIFY2(contains(d.error().message(), "'" + dirPath + "' is a directory, not a regular file"),
             d.error().message().c_str());

    const std::string empty = dir.filePath(QStringLiteral("empty.gguf")).toStdString();
    QFile emptyFile(QString::fromStdString(empty));
    QVERIFY(emptyFile.open(QIODevice::WriteOnly));
    emptyFile.close();
    auto e = GgufFile::open(empty);
    QVERIFY(!e.ok());
    QVERIFY2(contains(e.error().message(), empty + ": not a GGUF file"),
             e.error().message().c_str());
}

void TestGguf::demoModel() {
    const std::string path = test::modelPath("dash-demo-16L.gguf");
    DASH_REQUIRE_FILE(path);
    auto r = GgufFile::open(path);
    REQUIRE_OK(r);
    const GgufFile& f = **r;
    QCOMPARE(*f.getString("general.architecture"), std::string("llama"));
    QCOMPARE(*f.getUInt("llama.block_count"), uint64_t{16});
    const uint64_t dim = *f.getUInt("llama.embedding_length");
    const uint64_t heads = *f.getUInt("llama.attention.head_count");
    const uint64_t kvDim = dim / heads * *f.getUInt("llama.attention.head_count_kv");
    const uint64_t ffn = *f.getUInt("llama.feed_forward_length");
    const uint64_t vocab = f.getStringArray("tokenizer.ggml.tokens")->size();

    struct Expect {
        std::string name;
        std::vector<uint64_t> shape;
        TensorType type;
    };
    std::vector<Expect> expected = {
        {"token_embd.weight", {dim, vocab}, TensorType::F16},
        {"output_norm.weight", {dim}, TensorType::F32},
        {"output.weight", {dim, vocab}, TensorType::F16},
    };
    for (int i = 0; i < 16; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        expected.push_back({p + "attn_norm.weight", {dim}, TensorType::F32});
        expected.push_back({p + "ffn_norm.weight", {dim}, TensorType::F32});
        expected.push_back({p + "attn_q.weight", {dim, dim}, TensorType::F16});
        expected.push_back({p + "attn_k.weight", {dim, kvDim}, TensorType::F16});
        expected.push_back({p + "attn_v.weight", {dim, kvDim}, TensorType::F16});
        expected.push_back({p + "attn_output.weight", {dim, dim}, TensorType::F16});
        expected.push_back({p + "ffn_gate.weight", {dim, ffn}, TensorType::F16});
        expected.push_back({p + "ffn_up.weight", {dim, ffn}, TensorType::F16});
        expected.push_back({p + "ffn_down.weight", {ffn, dim}, TensorType::F16});
    }
    QCOMPARE(f.tensors().size(), expected.size());
    for (const Expect& e : expected) {
        const GgufTensorInfo* t = f.findTensor(e.name);
        QVERIFY2(t, e.name.c_str());
        QCOMPARE(t->shape, e.shape);
        QVERIFY2(t->type == e.type, e.name.c_str());
    }
    QVERIFY(!f.findTensor("blk.16.attn_q.weight"));

    // RMSNorm weights of a trained model: finite, mostly positive.
    auto norm = dequantizeTensor(f, *f.findTensor("blk.15.ffn_norm.weight"));
    REQUIRE_OK(norm);
    int positive = 0;
    for (float v : *norm) {
        QVERIFY(std::isfinite(v));
        positive += v > 0;
    }
    QVERIFY(positive > static_cast<int>(dim) / 2);
    auto embd = dequantizeTensor(f, *f.findTensor("token_embd.weight"));
    REQUIRE_OK(embd);
    QCOMPARE(embd->size(), size_t(dim * vocab));
    for (float v : *embd)
        QVERIFY(std::isfinite(v));
}

QTEST_GUILESS_MAIN(TestGguf)
#include "tst_gguf.moc"
