// SPDX-License-Identifier: MIT
// dash-cli info, tokenize and detokenize on the files users bring: a model
// the engine runs, a vocabulary-only file (which every other command refuses
// with the reason), and files the engine refuses, which info describes with
// the refusal instead of crashing (it used to read freed memory on them).
#include "tiny_model.h"

#include "core/util/json.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace dash;
using test::TinyModel;
using test::TinyModelSpec;

namespace {

struct Run {
    int exitCode = -1;
    bool crashed = false;
    QByteArray out;
    QByteArray err;
};

Run dashCli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(DASH_CLI_BINARY), args);
    Run r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.crashed = true;
        return r;
    }
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

Json parsed(const QByteArray& text) {
    auto json = Json::parse(text.toStdString());
    if (!json.ok())
        qFatal("not JSON: %s", text.constData());
    return *json;
}

} // namespace

class TestCliModelFiles : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void infoOnModel();
    void vocabularyOnlyFile();
    void otherCommandsRefuseVocabularyOnly_data();
    void otherCommandsRefuseVocabularyOnly();
    void infoOnRefusedFiles_data();
    void infoOnRefusedFiles();
    void tokenizeSpecialParsing();
    void detokenizeErrors();

private:
    QString write(const QString& name, const TinyModel& tiny);

    QTemporaryDir m_dir;
    QString m_model;
    QString m_vocab;
};

QString TestCliModelFiles::write(const QString& name, const TinyModel& tiny) {
    const QString path = m_dir.filePath(name);
    const std::vector<uint8_t> bytes = tiny.build();
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return out ? path : QString();
}

void TestCliModelFiles::initTestCase() {
    QVERIFY(m_dir.isValid());
    TinyModelSpec spec;
    spec.ropeFreqFactors = {1, 1, 1, 1, 2, 4, 8, 8};
    const TinyModel tiny = test::makeTinyModel(spec);
    m_model = write("model.gguf", tiny);
    m_vocab = write("vocab.gguf", tiny.vocabularyOnly());
    QVERIFY(!m_model.isEmpty() && !m_vocab.isEmpty());
}

void TestCliModelFiles::infoOnModel() {
    const Run r = dashCli({"info", "--model", m_model, "--json"});
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 0);
    const Json j = parsed(r.out);
    QCOMPARE(j["kind"].asString(), std::string("model"));
    QVERIFY(j["runs"].asBool());
    QCOMPARE(j["model"]["layers"].asInt(), int64_t(2));
    QCOMPARE(j["model"]["rope"]["scaling"].asString(), std::string("llama3-frequency-factors"));
    QCOMPARE(j["model"]["rope"]["frequency_factors"]["max"].asNumber(), 8.0);
    QCOMPARE(j["tokenizer"]["kind"].asString(), std::string("sentencepiece"));
    QCOMPARE(j["tokenizer"]["bos"]["piece"].asString(), std::string("<s>"));
    QVERIFY(j["tokenizer"]["bos"]["added"].asBool());
    QVERIFY(j["weights"]["types"].find("F32"));
    QVERIFY(j["memory"]["mapped_weight_bytes"].asNumber() > 0);
    QVERIFY(j["memory"]["kv_cache_bytes_per_token"].asNumber() > 0);

    const Run text = dashCli({"info", "--model", m_model});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.contains("kind: model (this engine runs it)"));
    QVERIFY(text.out.contains("scaling llama3-frequency-factors"));
    QVERIFY(text.out.contains("tokenizer: sentencepiece"));
    QVERIFY(text.out.contains("memory: "));
}

void TestCliModelFiles::vocabularyOnlyFile() {
    const Run info = dashCli({"info", "--model", m_vocab, "--json"});
    QVERIFY(!info.crashed);
    QCOMPARE(info.exitCode, 0);
    const Json j = parsed(info.out);
    QCOMPARE(j["kind"].asString(), std::string("vocabulary-only"));
    QVERIFY(!j["runs"].asBool());
    QCOMPARE(j["tokenizer"]["vocab"].asInt(), int64_t(96));

    const Run tok = dashCli({"tokenize", "--model", m_vocab, "--text", "ab c", "--json"});
    QCOMPARE(tok.exitCode, 0);
    const Json ids = parsed(tok.out)["ids"];
    QVERIFY(ids.size() > 1);
    QCOMPARE(ids[0].asInt(), int64_t(1)); // BOS
    QStringList idList;
    for (const int64_t id : ids.toInts())
        idList << QString::number(id);
    const Run detok = dashCli({"detokenize", "--model", m_vocab, "--ids", idList.join(',')});
    QCOMPARE(detok.exitCode, 0);
    QCOMPARE(detok.out, QByteArray("ab c\n"));
}

void TestCliModelFiles::otherCommandsRefuseVocabularyOnly_data() {
    QTest::addColumn<QStringList>("args");
    QTest::newRow("generate") << QStringList{"generate", "--prompt", "ab", "--n", "2"};
    QTest::newRow("logits") << QStringList{"logits", "--prompt", "ab"};
    QTest::newRow("trace") << QStringList{"trace", "--prompt", "ab"};
    QTest::newRow("bench") << QStringList{"bench"};
}

void TestCliModelFiles::otherCommandsRefuseVocabularyOnly() {
    QFETCH(QStringList, args);
    const Run r = dashCli(args << "--model" << m_vocab);
    QVERIFY(!r.crashed);
    QVERIFY(r.exitCode != 0);
    QVERIFY2(r.err.contains("holds only a vocabulary"), r.err.constData());
    QCOMPARE(r.err.count('\n'), 1); // one line
}

void TestCliModelFiles::infoOnRefusedFiles_data() {
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("reason");
    QTest::newRow("unsupported architecture") << "arch"
                                              << "architecture 'gemma2'";
    QTest::newRow("missing tensor") << "missing"
                                    << "missing tensor 'blk.1.ffn_up.weight'";
    QTest::newRow("wrong shape") << "shape"
                                 << "tensor 'output_norm.weight' has shape";
    QTest::newRow("head count 0") << "heads"
                                  << "attention.head_count' = 0";
    QTest::newRow("extra tensor") << "extra"
                                  << "tensor 'blk.0.attn_k_norm.weight'";
    QTest::newRow("sliding window") << "swa"
                                    << "sliding-window attention";
}

// Every file that parses but cannot run: a description, the reason, exit 1.
void TestCliModelFiles::infoOnRefusedFiles() {
    QFETCH(QString, edit);
    QFETCH(QString, reason);
    TinyModel tiny = test::makeTinyModel(TinyModelSpec{});
    if (edit == "arch") {
        tiny.setMetadata("general.architecture", "gemma2");
    } else if (edit == "missing") {
        QVERIFY(tiny.removeTensor("blk.1.ffn_up.weight"));
    } else if (edit == "shape") {
        tiny.findTensor("output_norm.weight")->shape = {32};
        tiny.findTensor("output_norm.weight")->values.resize(32);
    } else if (edit == "heads") {
        tiny.setMetadata("llama.attention.head_count", 0u);
    } else if (edit == "extra") {
        tiny.tensors.push_back(
            {"blk.0.attn_k_norm.weight", {16}, TensorType::F32, std::vector<float>(16, 1.0f), {}});
    } else if (edit == "swa") {
        tiny.setMetadata("llama.attention.sliding_window", 32u);
    }
    const QString path = write(edit + ".gguf", tiny);
    for (const bool json : {true, false}) {
        QStringList args{"info", "--model", path};
        if (json)
            args << "--json";
        const Run r = dashCli(args);
        QVERIFY2(!r.crashed, qPrintable(edit));
        QCOMPARE(r.exitCode, 1);
        if (json) {
            const Json j = parsed(r.out);
            QCOMPARE(j["kind"].asString(), std::string("refused"));
            QVERIFY2(j["refusal"].asString().find(reason.toStdString()) != std::string::npos,
                     j["refusal"].asString().c_str());
            QVERIFY(j.find("metadata"));
        } else {
            QVERIFY(r.out.contains("kind: refused: "));
            QVERIFY2(r.out.contains(reason.toUtf8()), r.out.constData());
        }
    }
}

void TestCliModelFiles::tokenizeSpecialParsing() {
    const Run parsedRun =
        dashCli({"tokenize", "--model", m_vocab, "--text", "<s>a", "--no-special", "--json"});
    QCOMPARE(parsedRun.exitCode, 0);
    // As SentencePiece with <s> matched whole: the space prefix, then <s>,
    // then "a" (as "<s>hello</s>" in tests/fixtures/tokenizers/spm-llama2.json).
    // The tiny vocabulary has "▁" at 3 and "a" at 4 (tests/tiny_model.cpp).
    QCOMPARE(parsed(parsedRun.out)["ids"].toInts(), (std::vector<int64_t>{3, 1, 4}));
    QVERIFY(parsed(parsedRun.out)["parse_special"].asBool());
    const Run asText = dashCli({"tokenize", "--model", m_vocab, "--text", "<s>a", "--no-special",
                                "--no-parse-special", "--json"});
    QCOMPARE(asText.exitCode, 0);
    for (const int64_t id : parsed(asText.out)["ids"].toInts())
        QVERIFY(id != 1);
    const Run both = dashCli(
        {"tokenize", "--model", m_vocab, "--text", "x", "--parse-special", "--no-parse-special"});
    QCOMPARE(both.exitCode, 1);
    QVERIFY(both.err.contains("contradict"));
}

void TestCliModelFiles::detokenizeErrors() {
    for (const char* ids : {"1,x", "96", "-1", "1,,99999999999999999999"}) {
        const Run r = dashCli({"detokenize", "--model", m_vocab, "--ids", ids});
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("dash-cli detokenize: --ids"), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }
}

QTEST_GUILESS_MAIN(TestCliModelFiles)
#include "tst_cli_model_files.moc"
