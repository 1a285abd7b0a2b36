// SPDX-License-Identifier: MIT
// Tokenizers against independent reference tokenizers, one fixture per
// family in tests/fixtures/tokenizers/: a small vocabulary laid out as a GGUF
// file carries it, and the ids the reference gives for a corpus of tricky
// texts (whitespace runs, newlines, digits, punctuation, accents, CJK, emoji,
// typed control tokens, the empty string), with and without special-token
// parsing. tests/tools/make_tokenizer_fixtures.py wrote them: SentencePiece's
// ids come from python3-sentencepiece, byte-level BPE's from the npm package
// @huggingface/tokenizers (each fixture's "about" says which version).
//
// Each vocabulary is written to GGUF and read back through
// Tokenizer::fromGguf, so the defaults a file leaves out (BOS for llama-bpe)
// are checked too.
#include "gguf_builder.h"

#include "core/gguf/gguf.h"
#include "core/model/tokenizer.h"
#include "core/util/json.h"

#include <QtTest>

#include <map>

using namespace dash;
using test::GgufBuilder;
using test::GgufMeta;

namespace {

const char* const kFamilies[] = {"spm-llama2", "bpe-llama3", "bpe-qwen2", "bpe-smollm", "bpe-gpt2"};

QString idsText(const std::vector<int32_t>& ids) {
    QStringList parts;
    for (const int32_t id : ids)
        parts << QString::number(id);
    return parts.join(QLatin1Char(' '));
}

std::vector<int32_t> intsOf(const Json& array) {
    std::vector<int32_t> out;
    for (const int64_t v : array.toInts())
        out.push_back(static_cast<int32_t>(v));
    return out;
}

// The fixture's vocabulary as a GGUF file: its "gguf" scalars as they are
// (strings, integers as u32, booleans) and the arrays.
Expected<std::unique_ptr<Tokenizer>> tokenizerOf(const Json& fixture, const std::string& name) {
    GgufBuilder b;
    b.add("general.architecture", "llama");
    for (const auto& [key, value] : fixture["gguf"].asObject()) {
        if (value.isString())
            b.add(key, value.asString());
        else if (value.isBool())
            b.add(key, value.asBool());
        else
            b.add(key, static_cast<uint32_t>(value.asInt()));
    }
    std::vector<std::string> tokens;
    for (const Json& t : fixture["tokens"].asArray())
        tokens.push_back(t.asString());
    b.add("tokenizer.ggml.tokens", GgufMeta::stringArray(tokens));
    b.add("tokenizer.ggml.token_type", GgufMeta::i32Array(intsOf(fixture["token_types"])));
    if (const Json* scores = fixture.find("scores")) {
        std::vector<float> values;
        for (const double v : scores->toDoubles())
            values.push_back(static_cast<float>(v));
        b.add("tokenizer.ggml.scores", GgufMeta::f32Array(values));
    }
    if (const Json* merges = fixture.find("merges")) {
        std::vector<std::string> values;
        for (const Json& m : merges->asArray())
            values.push_back(m.asString());
        b.add("tokenizer.ggml.merges", GgufMeta::stringArray(values));
    }
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file,
                          GgufFile::fromBytes(b.build(), name + ".gguf"));
    return Tokenizer::fromGguf(*file);
}

} // namespace

class TestTokenizerReference : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void encode_data();
    void encode();
    void decode_data();
    void decode();
    void fixturesExerciseTheRules();

private:
    void addRows();

    std::map<std::string, Json> m_fixtures;
    std::map<std::string, std::unique_ptr<Tokenizer>> m_tokenizers;
};

void TestTokenizerReference::initTestCase() {
    for (const char* family : kFamilies) {
        const std::string path = std::string(DASH_FIXTURE_DIR "/tokenizers/") + family + ".json";
        auto json = readJsonFile(path);
        QVERIFY2(json.ok(), json.ok() ? "" : json.error().message().c_str());
        QVERIFY2(json->find("cases") && (*json)["cases"].size() > 30, family);
        auto tok = tokenizerOf(*json, family);
        QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message().c_str());
        m_tokenizers[family] = std::move(*tok);
        m_fixtures[family] = std::move(*json);
    }
}

void TestTokenizerReference::addRows() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<int>("index");
    for (const auto& [family, fixture] : m_fixtures) {
        const Json& cases = fixture["cases"];
        for (size_t i = 0; i < cases.size(); ++i) {
            const QByteArray name = QByteArray::fromStdString(family) + " " +
                                    QByteArray::number(static_cast<int>(i)) + ": " +
                                    QByteArray::fromStdString(cases[i]["text"].asString())
                                        .left(32)
                                        .replace('\n', "\\n");
            QTest::newRow(name.constData())
                << QString::fromStdString(family) << static_cast<int>(i);
        }
    }
}

void TestTokenizerReference::encode_data() {
    addRows();
}

// BOS/EOS as the reference adds them; control-token text kept as text unless
// special tokens are parsed.
void TestTokenizerReference::encode() {
    QFETCH(QString, family);
    QFETCH(int, index);
    const std::string key = family.toStdString();
    const Json& c = m_fixtures.at(key)["cases"][static_cast<size_t>(index)];
    const Tokenizer& tok = *m_tokenizers.at(key);
    const std::string& text = c["text"].asString();
    QCOMPARE(idsText(tok.encode(text, true, false)), idsText(intsOf(c["ids"])));
    // null where the reference cannot express the rule (SentencePiece cannot
    // make its unknown piece user-defined); tst_tokenizer checks that by hand.
    if (!c["ids_parse_special"].isNull())
        QCOMPARE(idsText(tok.encode(text, true, true)), idsText(intsOf(c["ids_parse_special"])));
}

void TestTokenizerReference::decode_data() {
    addRows();
}

// Decoding the reference's ids gives the text back; SentencePiece cannot
// tell a typed U+2581 from the space it stands for, so that decodes as a space.
void TestTokenizerReference::decode() {
    QFETCH(QString, family);
    QFETCH(int, index);
    const std::string key = family.toStdString();
    const Json& c = m_fixtures.at(key)["cases"][static_cast<size_t>(index)];
    const Tokenizer& tok = *m_tokenizers.at(key);
    QByteArray text = QByteArray::fromStdString(c["text"].asString());
    if (key == "spm-llama2")
        text.replace("\xE2\x96\x81", " ");
    QCOMPARE(QByteArray::fromStdString(tok.decode(intsOf(c["ids"]))), text);
}

// The fixtures reach the rules they are meant to check: without these the
// comparisons above could pass on vocabularies that never exercise them.
void TestTokenizerReference::fixturesExerciseTheRules() {
    auto idsFor = [&](const char* family, const std::string& text, bool parsed) {
        for (const Json& c : m_fixtures.at(family)["cases"].asArray())
            if (c["text"].asString() == text)
                return intsOf(c[parsed ? "ids_parse_special" : "ids"]);
        return std::vector<int32_t>{-1};
    };
    // ignore_merges: the token " xyzzy", which no merge reaches, in Llama-3
    // only.
    auto idOf = [&](const char* family, std::string_view piece) {
        const Tokenizer& tok = *m_tokenizers.at(family);
        for (int32_t id = 0; id < tok.vocabSize(); ++id)
            if (tok.pieceView(id) == piece)
                return id;
        return -1;
    };
    auto has = [](const std::vector<int32_t>& ids, int32_t id) {
        return id >= 0 && std::find(ids.begin(), ids.end(), id) != ids.end();
    };
    const Tokenizer& llama3 = *m_tokenizers.at("bpe-llama3");
    QVERIFY(has(idsFor("bpe-llama3", "say xyzzy now", false), idOf("bpe-llama3", "\xC4\xA0xyzzy")));
    QVERIFY(idOf("bpe-qwen2", "\xC4\xA0xyzzy") >= 0);
    QVERIFY(!has(idsFor("bpe-qwen2", "say xyzzy now", false), idOf("bpe-qwen2", "\xC4\xA0xyzzy")));
    // BOS by the llama-bpe default (the fixture's GGUF leaves add_bos_token out).
    QVERIFY(!llama3.data().addBosFromFile);
    QVERIFY(llama3.data().addBos);
    QCOMPARE(idsFor("bpe-llama3", "", false), std::vector<int32_t>{llama3.bos()});
    QCOMPARE(idsFor("spm-llama2", "", false), std::vector<int32_t>{1});
    QVERIFY(idsFor("bpe-qwen2", "", false).empty());
    // Typed control tokens differ between the two modes.
    QVERIFY(idsFor("bpe-qwen2", "a<|endoftext|>b", false) !=
            idsFor("bpe-qwen2", "a<|endoftext|>b", true));
    QCOMPARE(idsFor("bpe-qwen2", "a<|endoftext|>b", true).size(), size_t(3));
    QVERIFY(idsFor("spm-llama2", "<s>hello</s>", false) !=
            idsFor("spm-llama2", "<s>hello</s>", true));
    // User-defined tokens are whole in both modes.
    const std::vector<int32_t> tool =
        idsFor("bpe-qwen2", "<tool_call>{\"a\": 1}</tool_call>", false);
    QCOMPARE(tool.front(), static_cast<int32_t>(m_tokenizers.at("bpe-qwen2")->vocabSize() - 2));
    // Byte fallback and multi-byte merges are reached.
    const Tokenizer& spm = *m_tokenizers.at("spm-llama2");
    bool byteToken = false;
    for (const int32_t id : idsFor("spm-llama2", "line one\nline two\n\nline four", false))
        byteToken = byteToken || spm.kind(id) == TokenKind::Byte;
    QVERIFY(byteToken);
}

QTEST_GUILESS_MAIN(TestTokenizerReference)
#include "tst_tokenizer_reference.moc"
