// SPDX-License-Identifier: MIT
// Deterministic randomized inputs through both tokenizers: random bytes
// (mostly invalid UTF-8), random characters from many scripts, whitespace runs
// and fragments of special tokens. Every input must encode without a crash to
// ids inside the vocabulary, and decode must give the input back: always for
// byte-level BPE, and for SentencePiece whenever the input does not itself
// contain "▁" (U+2581, which SentencePiece uses to spell a space). Meant to run
// under ASan/UBSan too.
#include "test_support.h"
#include "tokenizer_vocab.h"

#include "core/gguf/gguf.h"
#include "core/model/tokenizer.h"
#include "core/util/unicode.h"

#include <QtTest>

#include <random>

using namespace dash;
using test::VocabBuilder;

namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";

const char* const kFragments[] = {
    "<|im_start|>", "<|im_end|>",  "<|endoftext|>", "<|im_", "start|>", "<|",   "|>",  "<s>",
    "</s>",         "<unk>",       "<0x41>",        "<br>",  "'s",      "'LL",  "'re", " ",
    "  ",           "\n",          "\r\n",          "\t",    "1234567", "3.14", "the", " The",
    "\xE2\x96\x81", "\xEF\xBF\xBD"};

class InputGenerator {
public:
    explicit InputGenerator(uint64_t seed) : m_rng(seed) {}

    std::string next() {
        std::string out;
        const int parts = pick(0, 40);
        for (int i = 0; i < parts; ++i) {
            switch (pick(0, 5)) {
            case 0:
                out += static_cast<char>(pick(0, 255));
                break;
            case 1:
                out += static_cast<char>(pick(0x20, 0x7E));
                break;
            case 2:
                appendUtf8(out, randomCodepoint());
                break;
            case 3:
                out += kFragments[pick(0, static_cast<int>(std::size(kFragments)) - 1)];
                break;
            case 4: { // a character cut short
                std::string c;
                appendUtf8(c, randomCodepoint());
                out += c.substr(0, static_cast<size_t>(pick(1, static_cast<int>(c.size()))));
                break;
            }
            default:
                out.append(static_cast<size_t>(pick(1, 6)), " \n\t"[pick(0, 2)]);
                break;
            }
        }
        return out;
    }

    // Valid UTF-8 only (no cut characters, no stray bytes).
    std::string nextValid() {
        std::string out;
        const int parts = pick(0, 40);
        for (int i = 0; i < parts; ++i) {
            if (pick(0, 2) == 0)
                out += kFragments[pick(0, static_cast<int>(std::size(kFragments)) - 1)];
            else
                appendUtf8(out, randomCodepoint());
        }
        return out;
    }

    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }

private:
    char32_t randomCodepoint() {
        static const char32_t ranges[][2] = {
            {0x20, 0x7E},     {0x00, 0x1F},       {0xA0, 0xFF},        {0x100, 0x24F},
            {0x300, 0x36F},   {0x391, 0x3C9},     {0x400, 0x4FF},      {0x2000, 0x206F},
            {0x2580, 0x259F}, {0x3040, 0x30FF},   {0x4E00, 0x9FFF},    {0xAC00, 0xD7A3},
            {0xFFF0, 0xFFFD}, {0x1F300, 0x1F6FF}, {0x10000, 0x10FFFF},
        };
        const auto& r = ranges[pick(0, static_cast<int>(std::size(ranges)) - 1)];
        return static_cast<char32_t>(pick(static_cast<int>(r[0]), static_cast<int>(r[1])));
    }

    std::mt19937_64 m_rng;
};

std::unique_ptr<Tokenizer> load(const std::string& path) {
    auto file = GgufFile::open(path);
    if (!file.ok())
        return nullptr;
    auto tok = Tokenizer::fromGguf(**file);
    return tok.ok() ? std::move(*tok) : nullptr;
}

std::unique_ptr<Tokenizer> make(TokenizerData data) {
    auto tok = Tokenizer::create(std::move(data));
    if (!tok.ok())
        qWarning("%s", tok.error().message().c_str());
    return tok.ok() ? std::move(*tok) : nullptr;
}

QByteArray show(const std::string& s) {
    return QByteArray::fromStdString(s).toHex(' ');
}

// Ids in range with and without BOS/EOS and special-token parsing;
// decode(encode(x)) == x where `roundTrip`. decode inverts encode with
// addSpecial = true: it drops the BOS that adds, so a BOS typed at the start of
// the text would be lost after encode(x, false). Control tokens typed in the
// text round-trip when they are kept as text (and in byte-level BPE, whose
// special tokens decode to their text, also when parsed).
void checkOne(const Tokenizer& tok, const std::string& input, bool roundTrip) {
    const bool bpe = std::string_view(tok.kindName()) == "byte-level-bpe";
    for (const bool addSpecial : {true, false}) {
        for (const bool parseSpecial : {true, false}) {
            const std::vector<int32_t> ids = tok.encode(input, addSpecial, parseSpecial);
            for (const int32_t id : ids)
                QVERIFY2(id >= 0 && id < tok.vocabSize(), show(input).constData());
            if (roundTrip && addSpecial && (bpe || !parseSpecial))
                QVERIFY2(tok.decode(ids) == input, show(input).constData());
        }
    }
}

} // namespace

class TestFuzzTokenizer : public QObject {
    Q_OBJECT

private slots:
    void demoSpm();
    void qwen2Bpe();
    void handMadeSpm();
    void handMadeBpe();
    void streamingTail();
};

void TestFuzzTokenizer::demoSpm() {
    const std::string path = test::modelPath("dash-demo-16L.gguf");
    DASH_REQUIRE_FILE(path);
    auto tok = load(path);
    QVERIFY(tok);
    InputGenerator gen(1);
    for (int i = 0; i < 3000; ++i) {
        const std::string input = i % 2 ? gen.next() : gen.nextValid();
        checkOne(*tok, input, input.find(kSpaceMark) == std::string::npos);
        // Byte fallback covers every byte: no control or unknown token from
        // text unless special tokens are parsed.
        for (const int32_t id : tok->encode(input, false, false)) {
            const TokenKind kind = tok->data().kinds[static_cast<size_t>(id)];
            QVERIFY2(kind != TokenKind::Control && kind != TokenKind::Unknown,
                     show(input).constData());
        }
    }
}

void TestFuzzTokenizer::qwen2Bpe() {
    const std::string path = test::modelPath("dash-tiny-qwen2.gguf");
    DASH_REQUIRE_FILE(path);
    auto tok = load(path);
    QVERIFY(tok);
    InputGenerator gen(2);
    for (int i = 0; i < 3000; ++i) {
        const std::string input = i % 2 ? gen.next() : gen.nextValid();
        checkOne(*tok, input, true);
    }
}

void TestFuzzTokenizer::handMadeSpm() {
    VocabBuilder v("llama");
    v.data().unkId = v.add("<unk>", 0, TokenKind::Unknown);
    v.data().bosId = v.add("<s>", 0, TokenKind::Control);
    v.data().eosId = v.add("</s>", 0, TokenKind::Control);
    v.data().addBos = true;
    v.data().addEos = true;
    float score = -1;
    for (const char* piece :
         {"\xE2\x96\x81", "a", "b", "<", ">", "s", "|",
          "\xE2\x96\x81"
          "a",
          "ab",
          "\xE2\x96\x81"
          "ab",
          "<s", "s>", "\xE2\x96\x81\xE2\x96\x81", "a\xE2\x96\x81", "\xE6\x97\xA5"})
        v.add(piece, score--);
    v.add("<br>", 0, TokenKind::UserDefined);
    v.add("<|im_start|>", 0, TokenKind::UserDefined);
    VocabBuilder withBytes = v;
    withBytes.addByteTokens();
    auto fallback = make(withBytes.data());
    auto unknown = make(v.data());
    QVERIFY(fallback && unknown);
    InputGenerator gen(3);
    for (int i = 0; i < 2000; ++i) {
        const std::string input = i % 2 ? gen.next() : gen.nextValid();
        checkOne(*fallback, input, input.find(kSpaceMark) == std::string::npos);
        checkOne(*unknown, input, false);
    }
}

void TestFuzzTokenizer::handMadeBpe() {
    for (const char* pre : {"qwen2", "llama-bpe", "gpt2"}) {
        VocabBuilder v("gpt2");
        v.data().pre = pre;
        v.addGpt2Bytes();
        v.addMerge(" ", "t");
        v.addMerge("h", "e");
        v.addMerge(" t", "he");
        v.addMerge("1", "2");
        v.addMerge("'", "s");
        v.addMerge("\xE2", "\x96");
        v.addMerge(" ", " ");
        v.data().bosId = v.add("<|endoftext|>", 0, TokenKind::Control);
        v.data().eosId = v.data().bosId;
        v.data().addBos = true;
        v.add("<|im_start|>", 0, TokenKind::Control);
        v.add("<|im_start|>x", 0, TokenKind::UserDefined);
        auto tok = make(v.data());
        QVERIFY(tok);
        InputGenerator gen(4);
        for (int i = 0; i < 1000; ++i) {
            const std::string input = i % 2 ? gen.next() : gen.nextValid();
            checkOne(*tok, input, true);
        }
    }
}

// Streaming: valid text cut anywhere splits into a valid head and a tail that
// is the start of the next character.
void TestFuzzTokenizer::streamingTail() {
    InputGenerator gen(5);
    for (int i = 0; i < 5000; ++i) {
        const std::string text = gen.nextValid();
        const size_t cut = static_cast<size_t>(gen.pick(0, static_cast<int>(text.size())));
        std::string head = text.substr(0, cut);
        const std::string tail = takeIncompleteUtf8Tail(head);
        QVERIFY(isValidUtf8(head));
        QVERIFY(tail.size() < 4);
        QCOMPARE(head + tail, text.substr(0, cut));
        QVERIFY(utf8CharLength(text, head.size()) > tail.size() || tail.empty());
    }
}

QTEST_GUILESS_MAIN(TestFuzzTokenizer)
#include "tst_fuzz_tokenizer.moc"
