// SPDX-License-Identifier: MIT
// Tokenizers: the demo model's SentencePiece tokenizer and the tiny Qwen2
// byte-level BPE tokenizer against ids produced by independent tools (the
// SentencePiece library and a plain Python BPE encoder), decode round trips,
// behaviour on small hand-made vocabularies whose results are worked out by
// hand, streaming UTF-8 tails, and GGUF metadata errors.
#include "gguf_builder.h"
#include "test_support.h"
#include "tokenizer_vocab.h"

#include "core/gguf/gguf.h"
#include "core/model/tokenizer.h"
#include "core/util/json.h"
#include "core/util/unicode.h"

#include <QElapsedTimer>
#include <QtTest>

#include <fstream>
#include <sstream>

using namespace dash;
using test::GgufBuilder;
using test::GgufMeta;
using test::gpt2Spell;
using test::VocabBuilder;

namespace {

using Ids = std::vector<int32_t>;

QString idsText(const Ids& ids) {
    QStringList parts;
    for (const int32_t id : ids)
        parts << QString::number(id);
    return parts.join(QLatin1Char(' '));
}

std::vector<std::string> strings(const StringList& list) {
    std::vector<std::string> out;
    for (size_t i = 0; i < list.size(); ++i)
        out.emplace_back(list[i]);
    return out;
}

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

bool allInRange(const Ids& ids, int32_t vocabSize) {
    for (const int32_t id : ids)
        if (id < 0 || id >= vocabSize)
            return false;
    return true;
}

std::unique_ptr<Tokenizer> loadTokenizer(const std::string& path) {
    auto file = GgufFile::open(path);
    if (!file.ok()) {
        qWarning("%s", file.error().message().c_str());
        return nullptr;
    }
    auto tok = Tokenizer::fromGguf(**file);
    if (!tok.ok()) {
        qWarning("%s", tok.error().message().c_str());
        return nullptr;
    }
    return std::move(*tok);
}

std::unique_ptr<Tokenizer> make(TokenizerData data) {
    auto tok = Tokenizer::create(std::move(data));
    if (!tok.ok()) {
        qWarning("%s", tok.error().message().c_str());
        return nullptr;
    }
    return std::move(*tok);
}

// Rows (text, ids) from a reference list [{"text", "ids"}].
void addReferenceRows(const Json& cases) {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QList<int>>("ids");
    for (size_t i = 0; i < cases.size(); ++i) {
        const std::string& text = cases[i]["text"].asString();
        QList<int> ids;
        for (const int64_t id : cases[i]["ids"].toInts())
            ids << static_cast<int>(id);
        const QByteArray name = QByteArray::number(static_cast<int>(i)) + ": " +
                                QByteArray::fromStdString(text.substr(0, 40));
        QTest::newRow(name.constData()) << QByteArray::fromStdString(text) << ids;
    }
}

// SentencePiece-style vocabulary: <unk>, <s>, </s>, then the given pieces.
struct SpmVocab {
    VocabBuilder v{"llama"};
    int32_t unk = v.add("<unk>", 0.0f, TokenKind::Unknown);
    int32_t bos = v.add("<s>", 0.0f, TokenKind::Control);
    int32_t eos = v.add("</s>", 0.0f, TokenKind::Control);

    SpmVocab() {
        v.data().unkId = unk;
        v.data().bosId = bos;
        v.data().eosId = eos;
        v.data().addSpacePrefix = false;
    }
};

// Byte-level vocabulary with the 256 byte symbols and a pre-tokenizer.
VocabBuilder bpeVocab(const char* pre) {
    VocabBuilder v("gpt2");
    v.data().pre = pre;
    v.addGpt2Bytes();
    return v;
}

Ids bpeIds(const VocabBuilder& v, std::initializer_list<std::string_view> raws) {
    Ids out;
    for (const std::string_view raw : raws)
        out.push_back(v.bpeId(raw));
    return out;
}

std::vector<uint8_t> tokenizerGguf(const std::function<void(GgufBuilder&)>& edit) {
    GgufBuilder b;
    b.add("general.architecture", "llama");
    b.add("tokenizer.ggml.model", "llama");
    b.add("tokenizer.ggml.tokens", GgufMeta::stringArray({"<unk>", "<s>", "</s>", "a", "b"}));
    b.add("tokenizer.ggml.scores", GgufMeta::f32Array({0, 0, 0, -1, -2}));
    b.add("tokenizer.ggml.token_type", GgufMeta::i32Array({2, 3, 3, 1, 1}));
    edit(b);
    return b.build();
}

Expected<TokenizerData> dataFrom(std::vector<uint8_t> bytes) {
    auto file = GgufFile::fromBytes(std::move(bytes), "tok.gguf");
    if (!file.ok())
        return file.error();
    return TokenizerData::fromGguf(**file);
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    void demoReference_data();
    void demoReference();
    void demoWikitext();
    void qwen2Reference_data();
    void qwen2Reference();
    void qwen2Wikitext();

    void spmMergesByPieceScore();
    void spmLeftmostOnTies();
    void spmSpacePrefix();
    void spmByteFallback();
    void spmUnknownWithoutByteTokens();
    void spmControlTokensNotFromText();
    void spmUserDefinedKeptWhole();
    void spmInvalidUtf8();
    void spmEmptyAndSpecial();

    void bpeMergesByRank();
    void bpeSpecialTokensKeptWhole();
    void bpeContractions();
    void bpeDigits();
    void bpeWhitespaceRuns();
    void bpeInvalidUtf8();
    void bpeEmptyAndSpecial();
    void bpeUnknownPreTokenizer();
    void bpeParseSpecial();
    void bpeIgnoreMerges();
    void bosDefaultsPerPreTokenizer_data();
    void bosDefaultsPerPreTokenizer();
    void addBosWithoutBosToken();
    void stringIndex();

    void createRejectsBadData();
    void utf8Validation();
    void gpt2ByteTable();
    void incompleteUtf8Tail();

    void ggufFields();
    void ggufDefaults();
    void ggufMissingTokens();
    void ggufScoresLengthMismatch();
    void ggufTokenTypeOutOfRange();
    void ggufBadMerge();
    void ggufBosOutOfRange();
    void ggufGpt2WithoutMerges();

private:
    const Tokenizer* demo();
    const Tokenizer* qwen2();

    std::unique_ptr<Tokenizer> m_demo;
    std::unique_ptr<Tokenizer> m_qwen2;
};

const Tokenizer* TestTokenizer::demo() {
    if (!m_demo)
        m_demo = loadTokenizer(test::modelPath("dash-demo-16L.gguf"));
    return m_demo.get();
}

const Tokenizer* TestTokenizer::qwen2() {
    if (!m_qwen2)
        m_qwen2 = loadTokenizer(test::modelPath("dash-tiny-qwen2.gguf"));
    return m_qwen2.get();
}

// tokens.json was written by SentencePiece itself from the demo model's
// .model file; ids include the leading BOS.
void TestTokenizer::demoReference_data() {
    const std::string path = test::modelPath("reference/tokens.json");
    if (!test::filesExist({path, test::modelPath("dash-demo-16L.gguf")})) {
        addReferenceRows(Json(Json::Array{}));
        QTest::newRow(test::kMissingSharedRow) << QByteArray() << QList<int>();
        return;
    }
    auto json = readJsonFile(path);
    QVERIFY2(json.ok(), json.ok() ? "" : json.error().message().c_str());
    QVERIFY(json->isArray() && json->size() > 0);
    addReferenceRows(*json);
}

void TestTokenizer::demoReference() {
    if (test::isMissingSharedRow()) {
        DASH_REQUIRE_FILE(test::modelPath("reference/tokens.json"));
        DASH_REQUIRE_FILE(test::modelPath("dash-demo-16L.gguf"));
    }
    QFETCH(QByteArray, text);
    QFETCH(QList<int>, ids);
    const Tokenizer* tok = demo();
    QVERIFY(tok);
    QCOMPARE(tok->data().model, std::string("llama"));
    const std::string s = text.toStdString();
    const Ids got = tok->encode(s, true);
    QCOMPARE(idsText(got), idsText(Ids(ids.begin(), ids.end())));
    // The prefix rule's space is dropped again, so decoding restores the text.
    QCOMPARE(QByteArray::fromStdString(tok->decode(got)), text);
    QCOMPARE(QByteArray::fromStdString(tok->decode(tok->encode(s, false))), text);
}

void TestTokenizer::demoWikitext() {
    const std::string path = test::dataPath("wikitext2_test.txt");
    DASH_REQUIRE_FILE(path);
    DASH_REQUIRE_FILE(test::modelPath("dash-demo-16L.gguf"));
    const Tokenizer* tok = demo();
    QVERIFY(tok);
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    QVERIFY(text.size() > 1000000);
    QElapsedTimer timer;
    timer.start();
    const Ids ids = tok->encode(text, true);
    qInfo("demo tokenizer: %zu bytes -> %zu tokens in %lld ms", text.size(), ids.size(),
          static_cast<long long>(timer.elapsed()));
    QVERIFY(allInRange(ids, tok->vocabSize()));
    // A trained 2k vocabulary compresses English to well under one token per byte.
    QVERIFY(ids.size() < text.size() / 2);
    QVERIFY(tok->decode(ids) == text);
}

// The reference ids come from a plain GPT-2-style BPE encoder in Python with
// the Qwen2 pre-tokenizer regex.
void TestTokenizer::qwen2Reference_data() {
    const std::string path = test::modelPath("dash-tiny-qwen2.reference.json");
    if (!test::filesExist({path, test::modelPath("dash-tiny-qwen2.gguf")})) {
        addReferenceRows(Json(Json::Array{}));
        QTest::newRow(test::kMissingSharedRow) << QByteArray() << QList<int>();
        return;
    }
    auto json = readJsonFile(path);
    QVERIFY2(json.ok(), json.ok() ? "" : json.error().message().c_str());
    const Json* cases = json->find("tokens");
    QVERIFY(cases && cases->isArray() && cases->size() > 0);
    addReferenceRows(*cases);
}

void TestTokenizer::qwen2Reference() {
    if (test::isMissingSharedRow()) {
        DASH_REQUIRE_FILE(test::modelPath("dash-tiny-qwen2.reference.json"));
        DASH_REQUIRE_FILE(test::modelPath("dash-tiny-qwen2.gguf"));
    }
    QFETCH(QByteArray, text);
    QFETCH(QList<int>, ids);
    const Tokenizer* tok = qwen2();
    QVERIFY(tok);
    QCOMPARE(tok->data().pre, std::string("qwen2"));
    const std::string s = text.toStdString();
    const Ids got = tok->encode(s, true);
    QCOMPARE(idsText(got), idsText(Ids(ids.begin(), ids.end())));
    QCOMPARE(QByteArray::fromStdString(tok->decode(got)), text);
}

void TestTokenizer::qwen2Wikitext() {
    const std::string path = test::dataPath("wikitext2_test.txt");
    DASH_REQUIRE_FILE(path);
    DASH_REQUIRE_FILE(test::modelPath("dash-tiny-qwen2.gguf"));
    const Tokenizer* tok = qwen2();
    QVERIFY(tok);
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    QElapsedTimer timer;
    timer.start();
    const Ids ids = tok->encode(text, true);
    qInfo("qwen2 tokenizer: %zu bytes -> %zu tokens in %lld ms", text.size(), ids.size(),
          static_cast<long long>(timer.elapsed()));
    QVERIFY(allInRange(ids, tok->vocabSize()));
    QVERIFY(ids.size() < text.size() / 2);
    QVERIFY(tok->decode(ids) == text);
}

// The pair merged first is the one whose merged piece scores best, whatever
// the length of the result; a greedy longest match would differ.
void TestTokenizer::spmMergesByPieceScore() {
    {
        SpmVocab s;
        const int32_t a = s.v.add("a", -10);
        s.v.add("b", -10);
        s.v.add("c", -10);
        s.v.add("ab", -5);
        const int32_t bc = s.v.add("bc", -1);
        auto tok = make(s.v.data());
        QVERIFY(tok);
        // bc (-1) beats ab (-5); "abc" is not a piece, so a + bc stays.
        QCOMPARE(idsText(tok->encode("abc", false)), idsText({a, bc}));
    }
    {
        SpmVocab s;
        s.v.add("a", -10);
        s.v.add("b", -10);
        const int32_t c = s.v.add("c", -10);
        const int32_t ab = s.v.add("ab", -1);
        s.v.add("bc", -5);
        auto tok = make(s.v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("abc", false)), idsText({ab, c}));
    }
    {
        // bc then a+bc: a piece reached through a lower-scoring intermediate.
        SpmVocab s;
        s.v.add("a", -10);
        s.v.add("b", -10);
        s.v.add("c", -10);
        s.v.add("ab", -5);
        s.v.add("bc", -1);
        const int32_t abc = s.v.add("abc", -20);
        auto tok = make(s.v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("abc", false)), idsText({abc}));
    }
    {
        // "abcd": cd (-1) first, then ab (-2); "abc" is never reachable.
        SpmVocab s;
        for (const char* ch : {"a", "b", "c", "d"})
            s.v.add(ch, -10);
        const int32_t ab = s.v.add("ab", -2), cd = s.v.add("cd", -1);
        s.v.add("abc", -9);
        auto tok = make(s.v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("abcd", false)), idsText({ab, cd}));
    }
}

void TestTokenizer::spmLeftmostOnTies() {
    SpmVocab s;
    const int32_t a = s.v.add("a", -2), aa = s.v.add("aa", -1);
    auto tok = make(s.v.data());
    QVERIFY(tok);
    QCOMPARE(idsText(tok->encode("aaa", false)), idsText({aa, a}));
    QCOMPARE(idsText(tok->encode("aaaa", false)), idsText({aa, aa}));
    QCOMPARE(idsText(tok->encode("aaaaa", false)), idsText({aa, aa, a}));
}

void TestTokenizer::spmSpacePrefix() {
    SpmVocab s;
    const int32_t mark = s.v.add("\xE2\x96\x81", -5);
    const int32_t a = s.v.add("a", -6);
    s.v.add("b", -6);
    const int32_t ma = s.v.add("\xE2\x96\x81"
                               "a",
                               -1),
                  mb = s.v.add("\xE2\x96\x81"
                               "b",
                               -1);
    s.v.data().addSpacePrefix = true;
    auto tok = make(s.v.data());
    QVERIFY(tok);
    QCOMPARE(idsText(tok->encode("a b", false)), idsText({ma, mb}));
    QCOMPARE(idsText(tok->encode(" a", false)), idsText({mark, ma}));
    QCOMPARE(idsText(tok->encode("a  ", false)), idsText({ma, mark, mark}));
    QCOMPARE(tok->decode({ma, mb}), std::string("a b"));
    QCOMPARE(tok->decode({mark, ma}), std::string(" a"));
    QCOMPARE(tok->decode({s.bos, ma, mb, s.eos}), std::string("a b"));
    // Only the first piece loses its space; a lone token keeps what it shows.
    QCOMPARE(tok->tokenBytes(mb), std::string(" b"));

    s.v.data().addSpacePrefix = false;
    auto plain = make(s.v.data());
    QVERIFY(plain);
    QCOMPARE(idsText(plain->encode("a b", false)), idsText({a, mb}));
    QCOMPARE(plain->decode({a, mb}), std::string("a b"));
    QCOMPARE(plain->decode({mb}), std::string(" b"));
}

void TestTokenizer::spmByteFallback() {
    SpmVocab s;
    s.v.addByteTokens();
    const int32_t byte0 = s.v.find("<0x00>");
    const int32_t a = s.v.add("a", -1);
    auto tok = make(s.v.data());
    QVERIFY(tok);
    // U+00E9 is C3 A9, U+1F600 is F0 9F 98 80.
    QCOMPARE(idsText(tok->encode("a\xC3\xA9", false)), idsText({a, byte0 + 0xC3, byte0 + 0xA9}));
    QCOMPARE(idsText(tok->encode("\xF0\x9F\x98\x80"
                                 "a",
                                 false)),
             idsText({byte0 + 0xF0, byte0 + 0x9F, byte0 + 0x98, byte0 + 0x80, a}));
    QCOMPARE(tok->decode(tok->encode("a\xC3\xA9", true)), std::string("a\xC3\xA9"));
    QCOMPARE(tok->tokenBytes(byte0 + 0x41), std::string("A"));
}

void TestTokenizer::spmUnknownWithoutByteTokens() {
    SpmVocab s;
    const int32_t a = s.v.add("a", -1);
    auto tok = make(s.v.data());
    QVERIFY(tok);
    QCOMPARE(idsText(tok->encode("a\xC3\xA9"
                                 "a",
                                 false)),
             idsText({a, s.unk, a}));
    // One unknown token per character, not per byte.
    QCOMPARE(idsText(tok->encode("\xE6\x97\xA5\xE6\x9C\xAC", false)), idsText({s.unk, s.unk}));
}

// Pieces of control, unknown and byte tokens are text like any other here.
void TestTokenizer::spmControlTokensNotFromText() {
    SpmVocab s;
    s.v.addByteTokens();
    const int32_t lt = s.v.add("<", -3), gt = s.v.add(">", -3), sl = s.v.add("/", -3);
    const int32_t ch = s.v.add("s", -3), ltS = s.v.add("<s", -1);
    for (const char* c : {"u", "n", "k", "0", "x", "4", "1"})
        s.v.add(c, -3);
    s.v.add("<u", -1);
    s.v.add("<un", -1);
    s.v.add("<unk", -1);
    s.v.add("<0", -1);
    s.v.add("<0x", -1);
    s.v.add("<0x4", -1);
    s.v.add("<0x41", -1);
    auto tok = make(s.v.data());
    QVERIFY(tok);
    QCOMPARE(idsText(tok->encode("<s></s>", false, false)), idsText({ltS, gt, lt, sl, ch, gt}));
    for (const char* text : {"<s>", "</s>", "<unk>", "<0x41>"}) {
        const Ids ids = tok->encode(text, false, false);
        for (const int32_t id : ids) {
            const TokenKind kind = tok->data().kinds[static_cast<size_t>(id)];
            QVERIFY2(kind == TokenKind::Normal, text);
        }
        QCOMPARE(tok->decode(ids), std::string(text));
    }
    // Parsed, control and unknown tokens come from their text (as llama.cpp
    // does); byte tokens never do.
    QCOMPARE(idsText(tok->encode("<s></s>", false, true)), idsText({s.bos, s.eos}));
    QCOMPARE(idsText(tok->encode("<unk>", false, true)), idsText({s.unk}));
    QCOMPARE(idsText(tok->encode("<s></s>", false)), idsText({s.bos, s.eos})); // the default
    for (const int32_t id : tok->encode("<0x41>", false, true))
        QCOMPARE(tok->data().kinds[static_cast<size_t>(id)], TokenKind::Normal);
}

void TestTokenizer::spmUserDefinedKeptWhole() {
    SpmVocab s;
    const int32_t a = s.v.add("a", -3), b = s.v.add("b", -3);
    for (const char* c : {"<", ">", "r"})
        s.v.add(c, -3);
    s.v.add("a<", 0); // would win if the user-defined piece were not cut out first
    const int32_t br = s.v.add("<br>", 0, TokenKind::UserDefined);
    auto tok = make(s.v.data());
    QVERIFY(tok);
    QCOMPARE(idsText(tok->encode("a<br>b", false)), idsText({a, br, b}));
    QCOMPARE(idsText(tok->encode("<br><br>", false)), idsText({br, br}));
    QCOMPARE(tok->decode({a, br, b}), std::string("a<br>b"));
}

void TestTokenizer::spmInvalidUtf8() {
    {
        SpmVocab s;
        s.v.addByteTokens();
        const int32_t byte0 = s.v.find("<0x00>");
        const int32_t a = s.v.add("a", -1);
        auto tok = make(s.v.data());
        QVERIFY(tok);
        // A stray byte, a truncated sequence, a surrogate, an overlong form.
        const std::string bad = "a\xFF\xC3"
                                "a\xED\xA0\x80\xC0\xAF";
        const Ids ids = tok->encode(bad, false);
        QCOMPARE(idsText(ids), idsText({a, byte0 + 0xFF, byte0 + 0xC3, a, byte0 + 0xED,
                                        byte0 + 0xA0, byte0 + 0x80, byte0 + 0xC0, byte0 + 0xAF}));
        QCOMPARE(tok->decode(ids), bad);
    }
    {
        SpmVocab s;
        const int32_t a = s.v.add("a", -1);
        const int32_t replacement = s.v.add("\xEF\xBF\xBD", -1);
        auto tok = make(s.v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("a\xFF"
                                     "a",
                                     false)),
                 idsText({a, replacement, a}));
    }
    {
        SpmVocab s;
        const int32_t a = s.v.add("a", -1);
        auto tok = make(s.v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("a\xFF", false)), idsText({a, s.unk}));
    }
}

void TestTokenizer::spmEmptyAndSpecial() {
    SpmVocab s;
    const int32_t a = s.v.add("a", -1);
    s.v.data().addBos = true;
    s.v.data().addSpacePrefix = true;
    auto tok = make(s.v.data());
    QVERIFY(tok);
    QCOMPARE(idsText(tok->encode("", true)), idsText({s.bos}));
    QCOMPARE(idsText(tok->encode("", false)), idsText({}));
    QCOMPARE(tok->decode({}), std::string());
    QCOMPARE(tok->decode({s.bos, s.eos}), std::string());

    s.v.data().addSpacePrefix = false;
    s.v.data().addEos = true;
    auto both = make(s.v.data());
    QVERIFY(both);
    QCOMPARE(idsText(both->encode("a", true)), idsText({s.bos, a, s.eos}));
    QCOMPARE(idsText(both->encode("a", false)), idsText({a}));
    QCOMPARE(both->decode({s.bos, a, s.eos}), std::string("a"));
    QCOMPARE(both->tokenBytes(s.bos), std::string());
    // Ids outside the vocabulary are ignored, not a crash.
    QCOMPARE(both->decode({-5, a, 1 << 20}), std::string("a"));
    QCOMPARE(both->tokenBytes(-1), std::string());
}

void TestTokenizer::bpeMergesByRank() {
    {
        VocabBuilder v = bpeVocab("qwen2");
        const int32_t bc = v.addMerge("b", "c");
        v.addMerge("a", "b");
        auto tok = make(v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("abc", false)), idsText({v.bpeId("a"), bc}));
    }
    {
        VocabBuilder v = bpeVocab("qwen2");
        const int32_t ab = v.addMerge("a", "b");
        v.addMerge("b", "c");
        auto tok = make(v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("abc", false)), idsText({ab, v.bpeId("c")}));
    }
    {
        VocabBuilder v = bpeVocab("qwen2");
        v.addMerge("b", "c");
        v.addMerge("a", "b");
        const int32_t abc = v.addMerge("a", "bc");
        auto tok = make(v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("abc", false)), idsText({abc}));
        QCOMPARE(tok->decode({abc}), std::string("abc"));
    }
    {
        VocabBuilder v = bpeVocab("qwen2");
        const int32_t aa = v.addMerge("a", "a");
        auto tok = make(v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("aaa", false)), idsText({aa, v.bpeId("a")}));
    }
}

void TestTokenizer::bpeSpecialTokensKeptWhole() {
    VocabBuilder v = bpeVocab("qwen2");
    v.addMerge("|", ">");
    const int32_t s = v.add("<|s|>", 0, TokenKind::Control);
    const int32_t bang = v.add("<|s|>!", 0, TokenKind::UserDefined);
    auto tok = make(v.data());
    QVERIFY(tok);
    const int32_t x = v.bpeId("x"), y = v.bpeId("y");
    QCOMPARE(idsText(tok->encode("x<|s|>y", false)), idsText({x, s, y}));
    QCOMPARE(idsText(tok->encode("x<|s|>!y", false)), idsText({x, bang, y}));
    QCOMPARE(idsText(tok->encode("<|s|><|s|>", false)), idsText({s, s}));
    QCOMPARE(idsText(tok->encode("<|s|", false)), idsText(bpeIds(v, {"<", "|", "s", "|"})));
    for (const char* text : {"x<|s|>y", "x<|s|>!y", "<|s|", "|s|><|s"})
        QCOMPARE(tok->decode(tok->encode(text, true)), std::string(text));
}

// Words are cut before merging, so a merge never spans two words.
void TestTokenizer::bpeContractions() {
    auto build = [](const char* pre) {
        VocabBuilder v = bpeVocab(pre);
        v.addMerge("t", "'");
        v.addMerge("'", "s");
        v.addMerge("'", "S");
        v.addMerge("'", "l");
        v.addMerge("'l", "l");
        return v;
    };
    VocabBuilder q = build("qwen2");
    auto qwen = make(q.data());
    QVERIFY(qwen);
    QCOMPARE(idsText(qwen->encode("it's", false)), idsText(bpeIds(q, {"i", "t", "'s"})));
    QCOMPARE(idsText(qwen->encode("IT'S", false)), idsText(bpeIds(q, {"I", "T", "'S"})));
    QCOMPARE(idsText(qwen->encode("we'll", false)), idsText(bpeIds(q, {"w", "e", "'ll"})));

    // GPT-2's contractions are lower case only.
    VocabBuilder g = build("gpt2");
    auto gpt2 = make(g.data());
    QVERIFY(gpt2);
    QCOMPARE(idsText(gpt2->encode("it's", false)), idsText(bpeIds(g, {"i", "t", "'s"})));
    QCOMPARE(idsText(gpt2->encode("IT'S", false)), idsText(bpeIds(g, {"I", "T", "'", "S"})));
}

// Qwen2 and SmolLM split numbers into single digits, Llama-3 into groups of
// up to three, GPT-2 keeps them whole; SmolLM's digits also leave the space
// before them a word of its own.
void TestTokenizer::bpeDigits() {
    auto build = [](const char* pre) {
        VocabBuilder v = bpeVocab(pre);
        v.addMerge("3", "4");
        v.addMerge("1", "2");
        v.addMerge("12", "3");
        return v;
    };
    VocabBuilder q = build("qwen2");
    VocabBuilder l = build("llama-bpe");
    VocabBuilder l3 = build("llama3");
    VocabBuilder g = build("gpt-2");
    VocabBuilder sm = build("smollm");
    sm.addMerge(" ", "1");
    g.addMerge(" ", "1");
    auto qwen = make(q.data());
    auto llama = make(l.data());
    auto llama3 = make(l3.data());
    auto gpt2 = make(g.data());
    auto smollm = make(sm.data());
    QVERIFY(qwen && llama && llama3 && gpt2 && smollm);
    QCOMPARE(idsText(qwen->encode("12345", false)), idsText(bpeIds(q, {"1", "2", "3", "4", "5"})));
    QCOMPARE(idsText(llama->encode("12345", false)), idsText(bpeIds(l, {"123", "4", "5"})));
    QCOMPARE(idsText(llama3->encode("12345", false)), idsText(bpeIds(l3, {"123", "4", "5"})));
    QCOMPARE(idsText(gpt2->encode("12345", false)), idsText(bpeIds(g, {"12", "34", "5"})));
    QCOMPARE(idsText(smollm->encode("12345", false)),
             idsText(bpeIds(sm, {"1", "2", "3", "4", "5"})));
    QCOMPARE(idsText(gpt2->encode("a 1", false)), idsText(bpeIds(g, {"a", " 1"})));
    QCOMPARE(idsText(smollm->encode("a 1", false)), idsText(bpeIds(sm, {"a", " ", "1"})));

    // A byte-level vocabulary without a pre-tokenizer name is refused.
    for (const char* pre : {"", "default"}) {
        auto tok = Tokenizer::create(bpeVocab(pre).data());
        QVERIFY(!tok.ok());
        QCOMPARE(tok.error().code(), ErrorCode::Unsupported);
        QVERIFY(contains(tok.error().message(), "tokenizer.ggml.pre"));
    }
}

void TestTokenizer::bpeWhitespaceRuns() {
    VocabBuilder v = bpeVocab("qwen2");
    v.addMerge(" ", " ");
    v.addMerge(" ", "b");
    v.addMerge(" ", "\n");
    auto tok = make(v.data());
    QVERIFY(tok);
    // \s+(?!\S) leaves the last space of a run to the word after it.
    QCOMPARE(idsText(tok->encode("a    b", false)), idsText(bpeIds(v, {"a", "  ", " ", " b"})));
    QCOMPARE(idsText(tok->encode("a  ", false)), idsText(bpeIds(v, {"a", "  "})));
    // "\s*[\r\n]+" takes the spaces before newlines into their word.
    QCOMPARE(idsText(tok->encode("a \n\nb", false)), idsText(bpeIds(v, {"a", " \n", "\n", "b"})));
}

void TestTokenizer::bpeInvalidUtf8() {
    VocabBuilder v = bpeVocab("qwen2");
    v.addMerge("a", "b");
    auto tok = make(v.data());
    QVERIFY(tok);
    QCOMPARE(idsText(tok->encode("a\xFF"
                                 "b",
                                 false)),
             idsText(bpeIds(v, {"a", "\xFF", "b"})));
    QCOMPARE(idsText(tok->encode("ab", false)), idsText(bpeIds(v, {"ab"})));
    for (const std::string text :
         {std::string("a\xFF"
                      "b"),
          std::string("\xE2\x82"), std::string("x\xED\xA0\x80y"), std::string("\xC0\xAF", 2),
          std::string("a\0b", 3), std::string("\xF4\x90\x80\x80")}) {
        const Ids ids = tok->encode(text, true);
        QVERIFY(allInRange(ids, tok->vocabSize()));
        QCOMPARE(tok->decode(ids), text);
    }
}

void TestTokenizer::bpeEmptyAndSpecial() {
    VocabBuilder v = bpeVocab("qwen2");
    const int32_t bos = v.add("<|bos|>", 0, TokenKind::Control);
    const int32_t eos = v.add("<|eos|>", 0, TokenKind::Control);
    v.data().bosId = bos;
    v.data().eosId = eos;
    const int32_t a = v.bpeId("a");
    {
        auto tok = make(v.data());
        QVERIFY(tok);
        QCOMPARE(idsText(tok->encode("", true)), idsText({}));
        QCOMPARE(idsText(tok->encode("a", true)), idsText({a}));
        QCOMPARE(tok->decode({}), std::string());
        // Special tokens typed in the text come back as text.
        QCOMPARE(tok->decode({a, eos}), std::string("a<|eos|>"));
    }
    v.data().addBos = true;
    v.data().addEos = true;
    auto tok = make(v.data());
    QVERIFY(tok);
    QCOMPARE(idsText(tok->encode("", true)), idsText({bos, eos}));
    QCOMPARE(idsText(tok->encode("a", true)), idsText({bos, a, eos}));
    QCOMPARE(idsText(tok->encode("a", false)), idsText({a}));
    QCOMPARE(tok->decode({bos, a, eos}), std::string("a"));
    QCOMPARE(tok->decode(tok->encode("<|bos|>a<|eos|>", true)), std::string("<|bos|>a<|eos|>"));
}

void TestTokenizer::bpeUnknownPreTokenizer() {
    VocabBuilder v = bpeVocab("no-such-pre");
    auto tok = Tokenizer::create(v.data());
    QVERIFY(!tok.ok());
    QCOMPARE(tok.error().code(), ErrorCode::Unsupported);
    QVERIFY(contains(tok.error().message(), "tokenizer.ggml.pre"));
    QVERIFY(contains(tok.error().message(), "no-such-pre"));
}

// Control tokens come from their text only when special tokens are parsed;
// user-defined tokens always do.
void TestTokenizer::bpeParseSpecial() {
    VocabBuilder v = bpeVocab("qwen2");
    const int32_t ctl = v.add("<|s|>", 0, TokenKind::Control);
    const int32_t user = v.add("<u>", 0, TokenKind::UserDefined);
    auto tok = make(v.data());
    QVERIFY(tok);
    const int32_t x = v.bpeId("x"), y = v.bpeId("y");
    QCOMPARE(idsText(tok->encode("x<|s|>y<u>", false, true)), idsText({x, ctl, y, user}));
    QCOMPARE(idsText(tok->encode("x<|s|>y<u>", false, false)),
             idsText(bpeIds(v, {"x", "<", "|", "s", "|", ">", "y"})) + " " + QString::number(user));
    QCOMPARE(tok->decode(tok->encode("x<|s|>y<u>", false, false)), std::string("x<|s|>y<u>"));
}

// llama-bpe emits a word that is itself a token whole, even where the merges
// by rank would split it ("b c" merges first, and no merge joins "a" + "bc");
// qwen2 follows the merges.
void TestTokenizer::bpeIgnoreMerges() {
    auto build = [](const char* pre) {
        VocabBuilder v = bpeVocab(pre);
        v.addMerge("b", "c");
        v.add(gpt2Spell("abc"));
        return v;
    };
    VocabBuilder l = build("llama-bpe"), q = build("qwen2");
    auto llama = make(l.data());
    auto qwen = make(q.data());
    QVERIFY(llama && qwen);
    QVERIFY(llama->preTokenizer().ignoreMerges);
    QVERIFY(!qwen->preTokenizer().ignoreMerges);
    QCOMPARE(idsText(llama->encode("abc", false)), idsText({l.bpeId("abc")}));
    QCOMPARE(idsText(qwen->encode("abc", false)), idsText(bpeIds(q, {"a", "bc"})));
    // Only the BPE model's own tokens count: a control token spelled like the
    // word does not.
    VocabBuilder c = bpeVocab("llama-bpe");
    c.addMerge("b", "c");
    c.add("abc", 0, TokenKind::Control);
    auto control = make(c.data());
    QVERIFY(control);
    QCOMPARE(idsText(control->encode("abc", false, false)), idsText(bpeIds(c, {"a", "bc"})));
}

void TestTokenizer::bosDefaultsPerPreTokenizer_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("pre");
    QTest::addColumn<int>("fileSays"); // -1: key absent
    QTest::addColumn<bool>("addsBos");
    QTest::newRow("llama-bpe default") << "gpt2"
                                       << "llama-bpe" << -1 << true;
    QTest::newRow("llama3 default") << "gpt2"
                                    << "llama3" << -1 << true;
    QTest::newRow("llama-bpe, file says no") << "gpt2"
                                             << "llama-bpe" << 0 << false;
    QTest::newRow("qwen2 default") << "gpt2"
                                   << "qwen2" << -1 << false;
    QTest::newRow("qwen2, file says yes") << "gpt2"
                                          << "qwen2" << 1 << true;
    QTest::newRow("smollm default") << "gpt2"
                                    << "smollm" << -1 << false;
    QTest::newRow("gpt-2 default") << "gpt2"
                                   << "gpt-2" << -1 << false;
    QTest::newRow("sentencepiece default") << "llama"
                                           << "" << -1 << true;
}

// BOS when the file does not say, as the family's reference tokenizer adds it.
void TestTokenizer::bosDefaultsPerPreTokenizer() {
    QFETCH(QString, model);
    QFETCH(QString, pre);
    QFETCH(int, fileSays);
    QFETCH(bool, addsBos);
    auto data = dataFrom(tokenizerGguf([&](GgufBuilder& b) {
        b.add("tokenizer.ggml.model", model.toStdString());
        if (!pre.isEmpty())
            b.add("tokenizer.ggml.pre", pre.toStdString());
        if (model == "gpt2")
            b.add("tokenizer.ggml.merges", GgufMeta::stringArray({"a b"}));
        b.add("tokenizer.ggml.bos_token_id", 1u);
        if (fileSays >= 0)
            b.add("tokenizer.ggml.add_bos_token", fileSays == 1);
    }));
    QVERIFY2(data.ok(), data.ok() ? "" : data.error().message().c_str());
    QCOMPARE(data->addBos, addsBos);
    QCOMPARE(data->addBosFromFile, fileSays >= 0);
    auto tok = Tokenizer::create(std::move(*data));
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message().c_str());
    const Ids ids = (*tok)->encode("a", true);
    QCOMPARE(!ids.empty() && ids.front() == 1, addsBos);
}

// Asked to add a BOS it does not have, the tokenizer is refused (as the
// reference refuses it) instead of silently adding nothing.
void TestTokenizer::addBosWithoutBosToken() {
    auto data = dataFrom(tokenizerGguf([](GgufBuilder& b) {
        b.add("tokenizer.ggml.model", "gpt2");
        b.add("tokenizer.ggml.pre", "llama-bpe");
        b.add("tokenizer.ggml.merges", GgufMeta::stringArray({"a b"}));
    }));
    QVERIFY(data.ok());
    QVERIFY(data->addBos);
    auto tok = Tokenizer::create(std::move(*data));
    QVERIFY(!tok.ok());
    QVERIFY(contains(tok.error().message(), "tokenizer.ggml.bos_token_id"));
    VocabBuilder v = bpeVocab("qwen2");
    v.data().addEos = true;
    auto eos = Tokenizer::create(v.data());
    QVERIFY(!eos.ok());
    QVERIFY(contains(eos.error().message(), "tokenizer.ggml.eos_token_id"));
}

// The flat vocabulary tables: lookups of strings and of concatenations,
// first id kept for duplicates, a subset index, empty strings.
void TestTokenizer::stringIndex() {
    StringList list{"", "a", "ab", "b", "ab", "\xC4\xA0the", "x"};
    QCOMPARE(list.size(), size_t(7));
    QCOMPARE(list[2], std::string_view("ab"));
    QCOMPARE(list.back(), std::string_view("x"));
    const StringIndex all(list);
    QCOMPARE(all.find("ab"), 2); // not 4
    QCOMPARE(all.find(""), 0);
    QCOMPARE(all.find("abc"), -1);
    QCOMPARE(all.findConcat("a", "b"), 2);
    QCOMPARE(all.findConcat("", "x"), 6);
    QCOMPARE(all.findConcat("\xC4\xA0", "the"), 5);
    QCOMPARE(all.findConcat("a", "bb"), -1);
    const StringIndex odd(list, [](int32_t id) { return id % 2 == 0; });
    QCOMPARE(odd.find("ab"), 2);
    QCOMPARE(odd.find("a"), -1);
    QCOMPARE(odd.find("x"), 6);
    // Many entries, looked up one by one and in batches.
    StringList big;
    for (int i = 0; i < 5000; ++i)
        big.push_back("tok" + std::to_string(i));
    const StringIndex index(big);
    std::vector<StringQuery> queries;
    std::vector<std::string> keep;
    for (int i = 0; i < 5000; i += 7) {
        QCOMPARE(index.find("tok" + std::to_string(i)), i);
        keep.push_back(std::to_string(i));
    }
    for (const std::string& k : keep)
        queries.push_back({"tok", k});
    queries.push_back({"tok", "5000"});
    std::vector<int32_t> ids(queries.size());
    index.findMany(queries.data(), ids.data(), queries.size());
    for (size_t i = 0; i + 1 < queries.size(); ++i)
        QCOMPARE(ids[i], static_cast<int32_t>(7 * i));
    QCOMPARE(ids.back(), -1);
}

void TestTokenizer::createRejectsBadData() {
    {
        SpmVocab s;
        s.v.add("a");
        s.v.data().scores.pop_back();
        auto tok = Tokenizer::create(s.v.data());
        QVERIFY(!tok.ok());
        QVERIFY(contains(tok.error().message(), "scores"));
    }
    {
        SpmVocab s;
        s.v.data().bosId = 3;
        auto tok = Tokenizer::create(s.v.data());
        QVERIFY(!tok.ok());
        QVERIFY(contains(tok.error().message(), "BOS"));
    }
    {
        SpmVocab s;
        s.v.data().model = "t5";
        auto tok = Tokenizer::create(s.v.data());
        QVERIFY(!tok.ok());
        QCOMPARE(tok.error().code(), ErrorCode::Unsupported);
        QVERIFY(contains(tok.error().message(), "'t5'"));
    }
    {
        TokenizerData empty;
        empty.model = "llama";
        QVERIFY(!Tokenizer::create(empty).ok());
    }
}

void TestTokenizer::utf8Validation() {
    QVERIFY(isValidUtf8(""));
    QVERIFY(isValidUtf8("plain ASCII"));
    QVERIFY(isValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
    QVERIFY(isValidUtf8("\xF4\x8F\xBF\xBF")); // U+10FFFF
    QVERIFY(isValidUtf8("\xEF\xBF\xBD"));
    QVERIFY(!isValidUtf8("\xC0\xAF"));         // overlong '/'
    QVERIFY(!isValidUtf8("\xE0\x80\xAF"));     // overlong
    QVERIFY(!isValidUtf8("\xED\xA0\x80"));     // surrogate U+D800
    QVERIFY(!isValidUtf8("\xF4\x90\x80\x80")); // above U+10FFFF
    QVERIFY(!isValidUtf8("\x80"));
    QVERIFY(!isValidUtf8("\xE2\x82"));
    QVERIFY(!isValidUtf8("\xFE"));
    QCOMPARE(utf8CharLength("\xE2\x82\xAC", 0), size_t(3));
    QCOMPARE(utf8CharLength("\xE2\x82", 0), size_t(0));
    QCOMPARE(utf8Decode("\xE2\x82\xAC", 0, 3), char32_t(0x20AC));
    QCOMPARE(utf8Decode("\xF0\x9F\x98\x80", 0, 4), char32_t(0x1F600));
    for (const char32_t cp : {U'\x41', U'\xE9', U'\x20AC', U'\x1F600', U'\x10FFFF'}) {
        std::string s;
        appendUtf8(s, cp);
        QVERIFY(isValidUtf8(s));
        QCOMPARE(utf8CharLength(s, 0), s.size());
        QCOMPARE(utf8Decode(s, 0, s.size()), cp);
    }
}

void TestTokenizer::gpt2ByteTable() {
    const std::u32string expected = test::gpt2Alphabet();
    for (int b = 0; b < 256; ++b) {
        QCOMPARE(gpt2ByteToCodepoint(static_cast<unsigned char>(b)), expected[b]);
        QCOMPARE(gpt2CodepointToByte(expected[b]), b);
    }
    // Well-known spellings: space is "Ġ" (U+0120), newline "Ċ" (U+010A).
    QCOMPARE(gpt2ByteToCodepoint(' '), char32_t(0x120));
    QCOMPARE(gpt2ByteToCodepoint('\n'), char32_t(0x10A));
    QCOMPARE(gpt2ByteToCodepoint('A'), char32_t('A'));
    QCOMPARE(gpt2CodepointToByte(U' '), -1);
    QCOMPARE(gpt2CodepointToByte(0x144), -1);
}

void TestTokenizer::incompleteUtf8Tail() {
    struct Case {
        std::string in;
        std::string kept;
        std::string tail;
    };
    const Case cases[] = {
        {"", "", ""},
        {"abc", "abc", ""},
        {"a\xC3", "a", "\xC3"},
        {"a\xC3\xA9", "a\xC3\xA9", ""},
        {"a\xE2\x82", "a", "\xE2\x82"},
        {"a\xE2", "a", "\xE2"},
        {"\xE2\x82\xAC\xE2", "\xE2\x82\xAC", "\xE2"},
        {"a\xF0\x9F\x98", "a", "\xF0\x9F\x98"},
        {"a\xF0\x9F\x98\x80", "a\xF0\x9F\x98\x80", ""},
        // No continuation could complete these: they are printed as they are.
        {"a\xFF", "a\xFF", ""},
        {"a\x80", "a\x80", ""},
        {"a\xE0\x80", "a\xE0\x80", ""},
        {"a\xED\xA0", "a\xED\xA0", ""},
        {"a\xF4\x90", "a\xF4\x90", ""},
        {"\x80\x80\x80", "\x80\x80\x80", ""},
    };
    for (const Case& c : cases) {
        std::string bytes = c.in;
        const std::string tail = takeIncompleteUtf8Tail(bytes);
        QCOMPARE(QByteArray::fromStdString(bytes), QByteArray::fromStdString(c.kept));
        QCOMPARE(QByteArray::fromStdString(tail), QByteArray::fromStdString(c.tail));
    }
}

void TestTokenizer::ggufFields() {
    auto data = dataFrom(tokenizerGguf([](GgufBuilder& b) {
        b.add("tokenizer.ggml.pre", "default");
        b.add("tokenizer.ggml.unknown_token_id", 0u);
        b.add("tokenizer.ggml.bos_token_id", 1u);
        b.add("tokenizer.ggml.eos_token_id", 2u);
        b.add("tokenizer.ggml.padding_token_id", 4u);
        b.add("tokenizer.ggml.add_bos_token", false);
        b.add("tokenizer.ggml.add_eos_token", true);
        b.add("tokenizer.ggml.add_space_prefix", false);
    }));
    QVERIFY2(data.ok(), data.ok() ? "" : data.error().message().c_str());
    QCOMPARE(data->model, std::string("llama"));
    QCOMPARE(data->pre, std::string("default"));
    QCOMPARE(strings(data->tokens), (std::vector<std::string>{"<unk>", "<s>", "</s>", "a", "b"}));
    QCOMPARE(data->scores, (std::vector<float>{0, 0, 0, -1, -2}));
    QCOMPARE(data->kinds.size(), size_t(5));
    QCOMPARE(data->kinds[0], TokenKind::Unknown);
    QCOMPARE(data->kinds[1], TokenKind::Control);
    QCOMPARE(data->kinds[3], TokenKind::Normal);
    QCOMPARE(data->unkId, 0);
    QCOMPARE(data->bosId, 1);
    QCOMPARE(data->eosId, 2);
    QCOMPARE(data->padId, 4);
    QVERIFY(!data->addBos);
    QVERIFY(data->addEos);
    QVERIFY(!data->addSpacePrefix);
    auto tok = Tokenizer::create(*data);
    QVERIFY(tok.ok());
    QCOMPARE(idsText((*tok)->encode("ab", true)), idsText({3, 4, 2}));
}

void TestTokenizer::ggufDefaults() {
    auto spm = dataFrom(tokenizerGguf([](GgufBuilder&) {}));
    QVERIFY2(spm.ok(), spm.ok() ? "" : spm.error().message().c_str());
    QVERIFY(spm->addBos);
    QVERIFY(!spm->addEos);
    QVERIFY(spm->addSpacePrefix);
    QCOMPARE(spm->unkId, 0);
    QCOMPARE(spm->bosId, 1);
    QCOMPARE(spm->eosId, 2);
    QCOMPARE(spm->padId, -1);

    auto bpe = dataFrom(tokenizerGguf([](GgufBuilder& b) {
        b.add("tokenizer.ggml.model", "gpt2");
        b.add("tokenizer.ggml.merges", GgufMeta::stringArray({"a b"}));
    }));
    QVERIFY2(bpe.ok(), bpe.ok() ? "" : bpe.error().message().c_str());
    QVERIFY(!bpe->addBos);
    QCOMPARE(bpe->bosId, -1);
    QCOMPARE(strings(bpe->merges), std::vector<std::string>{"a b"});
}

void TestTokenizer::ggufMissingTokens() {
    GgufBuilder b;
    b.add("tokenizer.ggml.model", "llama");
    b.add("tokenizer.ggml.scores", GgufMeta::f32Array({0}));
    auto data = dataFrom(b.build());
    QVERIFY(!data.ok());
    QVERIFY(contains(data.error().message(), "tokenizer.ggml.tokens"));
    QVERIFY(contains(data.error().message(), "tok.gguf"));

    GgufBuilder wrongType;
    wrongType.add("tokenizer.ggml.model", "llama");
    wrongType.add("tokenizer.ggml.tokens", GgufMeta::i32Array({1, 2}));
    auto typed = dataFrom(wrongType.build());
    QVERIFY(!typed.ok());
    QVERIFY(contains(typed.error().message(), "tokenizer.ggml.tokens"));
}

void TestTokenizer::ggufScoresLengthMismatch() {
    auto data = dataFrom(tokenizerGguf([](GgufBuilder& b) {
        b.add("tokenizer.ggml.scores", GgufMeta::f32Array({0, 0, 0}));
    }));
    QVERIFY(!data.ok());
    QVERIFY(contains(data.error().message(), "tokenizer.ggml.scores"));
    QVERIFY(contains(data.error().message(), "3"));
    QVERIFY(contains(data.error().message(), "5"));
}

void TestTokenizer::ggufTokenTypeOutOfRange() {
    auto data = dataFrom(tokenizerGguf([](GgufBuilder& b) {
        b.add("tokenizer.ggml.token_type", GgufMeta::i32Array({2, 3, 3, 1, 42}));
    }));
    QVERIFY(!data.ok());
    QVERIFY(contains(data.error().message(), "tokenizer.ggml.token_type"));
    QVERIFY(contains(data.error().message(), "42"));
}

void TestTokenizer::ggufBadMerge() {
    for (const char* bad : {"ab", "a ", " b", ""}) {
        auto data = dataFrom(tokenizerGguf([&](GgufBuilder& b) {
            b.add("tokenizer.ggml.model", "gpt2");
            b.add("tokenizer.ggml.merges", GgufMeta::stringArray({"a b", bad}));
        }));
        QVERIFY2(!data.ok(), bad);
        QVERIFY(contains(data.error().message(), "tokenizer.ggml.merges"));
        QVERIFY(contains(data.error().message(), "entry 1"));
    }
}

void TestTokenizer::ggufBosOutOfRange() {
    auto data =
        dataFrom(tokenizerGguf([](GgufBuilder& b) { b.add("tokenizer.ggml.bos_token_id", 99u); }));
    QVERIFY(!data.ok());
    QVERIFY(contains(data.error().message(), "tokenizer.ggml.bos_token_id"));
    QVERIFY(contains(data.error().message(), "99"));

    auto file = GgufFile::fromBytes(
        tokenizerGguf([](GgufBuilder& b) { b.add("tokenizer.ggml.eos_token_id", int32_t{-7}); }),
        "tok.gguf");
    QVERIFY(file.ok());
    auto tok = Tokenizer::fromGguf(**file);
    QVERIFY(!tok.ok());
    QVERIFY(contains(tok.error().message(), "tokenizer.ggml.eos_token_id"));
}

void TestTokenizer::ggufGpt2WithoutMerges() {
    auto data =
        dataFrom(tokenizerGguf([](GgufBuilder& b) { b.add("tokenizer.ggml.model", "gpt2"); }));
    QVERIFY(!data.ok());
    QVERIFY(contains(data.error().message(), "tokenizer.ggml.merges"));
}

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
