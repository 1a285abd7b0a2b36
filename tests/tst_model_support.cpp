// SPDX-License-Identifier: MIT
// What the engine runs and what it refuses, on tiny GGUF models written with
// the keys and tensors of real files: RoPE scaling (Llama-3.x frequency
// factors from rope_freqs.weight, linear scaling) against a float64
// computation of the published formulas; every refusal with its message;
// vocabulary-only files; the report `dash-cli info` prints, on each of them.
#include "tiny_model.h"

#include "core/engine/backend_registry.h"
#include "core/model/model.h"
#include "core/model/model_report.h"

#include <QtTest>

#include <cmath>
#include <numbers>
#include <random>

using namespace dash;
using test::GgufMeta;
using test::TinyModel;
using test::TinyModelSpec;

namespace {

std::shared_ptr<const GgufFile> fileOf(const TinyModel& tiny, const std::string& name) {
    auto file = GgufFile::fromBytes(tiny.build(), name);
    if (!file.ok())
        qFatal("%s", file.error().message().c_str());
    return std::shared_ptr<const GgufFile>(std::move(file).value());
}

Expected<std::shared_ptr<Model>> loadTiny(const TinyModel& tiny) {
    return Model::fromFile(fileOf(tiny, "tiny.gguf"));
}

bool mentions(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Llama-3's rotary frequencies as published (Hugging Face's
// _compute_llama3_parameters), in float64: high frequencies kept, low ones
// divided by `factor`, a smooth mix between.
struct Llama3Scaling {
    double factor = 8;
    double lowFreqFactor = 1;
    double highFreqFactor = 4;
    double originalContext = 8192;
};

std::vector<double> llama3InverseFrequencies(double base, int headDim, const Llama3Scaling& s) {
    std::vector<double> out;
    const double lowWavelen = s.originalContext / s.lowFreqFactor;
    const double highWavelen = s.originalContext / s.highFreqFactor;
    for (int i = 0; i < headDim / 2; ++i) {
        const double f = 1.0 / std::pow(base, 2.0 * i / headDim);
        const double wavelen = 2 * std::numbers::pi / f;
        if (wavelen < highWavelen) {
            out.push_back(f);
        } else if (wavelen > lowWavelen) {
            out.push_back(f / s.factor);
        } else {
            const double smooth = (s.originalContext / wavelen - s.lowFreqFactor) /
                                  (s.highFreqFactor - s.lowFreqFactor);
            out.push_back((1 - smooth) * f / s.factor + smooth * f);
        }
    }
    return out;
}

// What llama.cpp's converter writes as rope_freqs.weight for that scaling:
// the divisor of each frequency.
std::vector<float> llama3FreqFactors(double base, int headDim, const Llama3Scaling& s) {
    const std::vector<double> scaled = llama3InverseFrequencies(base, headDim, s);
    std::vector<float> out;
    for (int i = 0; i < headDim / 2; ++i)
        out.push_back(static_cast<float>(1.0 / std::pow(base, 2.0 * i / headDim) /
                                         scaled[static_cast<size_t>(i)]));
    return out;
}

// Rotates one head in float64: pairs (2i, 2i+1) or (i, i + d/2).
std::vector<double> rotate(const std::vector<float>& x, const std::vector<double>& theta,
                           int64_t position, bool adjacent) {
    const size_t half = theta.size();
    std::vector<double> out(x.begin(), x.end());
    for (size_t i = 0; i < half; ++i) {
        const size_t a = adjacent ? 2 * i : i;
        const size_t b = adjacent ? 2 * i + 1 : i + half;
        const double angle = static_cast<double>(position) * theta[i];
        out[a] = x[a] * std::cos(angle) - x[b] * std::sin(angle);
        out[b] = x[a] * std::sin(angle) + x[b] * std::cos(angle);
    }
    return out;
}

// Largest |backend rope - float64 rope| over heads and positions.
double ropeError(const std::shared_ptr<Model>& model, const std::vector<double>& theta) {
    auto backend = createBackend("cpu", model, BackendOptions{});
    if (!backend.ok())
        qFatal("%s", backend.error().message().c_str());
    const ModelConfig& c = model->config();
    const std::vector<int64_t> positions = {0, 1, 17, 1000, 8191, 20000};
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1, 1);
    const size_t width = static_cast<size_t>(c.heads * c.headDim);
    std::vector<float> v(positions.size() * width);
    for (float& x : v)
        x = u(rng);
    const std::vector<float> input = v;
    const Status st =
        (*backend)->rope(v, static_cast<int64_t>(positions.size()), c.heads, positions);
    if (!st.ok())
        qFatal("%s", st.error().message().c_str());
    double worst = 0;
    for (size_t t = 0; t < positions.size(); ++t)
        for (int32_t h = 0; h < c.heads; ++h) {
            const size_t at = t * width + static_cast<size_t>(h * c.headDim);
            const std::vector<float> head(input.begin() + static_cast<std::ptrdiff_t>(at),
                                          input.begin() +
                                              static_cast<std::ptrdiff_t>(at + c.headDim));
            const std::vector<double> want =
                rotate(head, theta, positions[t], c.ropeLayout == RopeLayout::AdjacentPairs);
            for (int32_t k = 0; k < c.headDim; ++k)
                worst = std::max(
                    worst, std::abs(v[at + static_cast<size_t>(k)] - want[static_cast<size_t>(k)]));
        }
    return worst;
}

std::vector<double> plainInverseFrequencies(double base, int headDim) {
    std::vector<double> out;
    for (int i = 0; i < headDim / 2; ++i)
        out.push_back(std::pow(base, -2.0 * i / headDim));
    return out;
}

} // namespace

class TestModelSupport : public QObject {
    Q_OBJECT

private slots:
    void llama3FrequencyScaling();
    void linearScaling_data();
    void linearScaling();
    void ropeKeysRefused_data();
    void ropeKeysRefused();
    void refusals_data();
    void refusals();
    void vocabularyOnly();
    void reportOfRunnableModel();
    void reportOfRefusedFile();
};

// A Llama-3.1-style file: rope_freqs.weight holds the converter's factors for
// factor 8, low/high frequency factors 1/4, original context 8192; base
// 500000 and head dimension 16 put frequencies in all three bands.
void TestModelSupport::llama3FrequencyScaling() {
    const double base = 500000;
    const int headDim = 16;
    const Llama3Scaling scaling;
    TinyModelSpec spec;
    spec.dim = 64;
    spec.heads = 4;
    spec.ropeFreqFactors = llama3FreqFactors(base, headDim, scaling);
    TinyModel tiny = test::makeTinyModel(spec);
    tiny.setMetadata("llama.rope.freq_base", static_cast<float>(base));
    auto model = loadTiny(tiny);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message().c_str());
    const ModelConfig& c = (*model)->config();
    QCOMPARE(c.ropeScaling(), RopeScaling::FrequencyFactors);
    QCOMPARE(c.ropeFreqFactors.size(), size_t(headDim / 2));

    // The three bands are all present.
    const std::vector<double> want = llama3InverseFrequencies(base, headDim, scaling);
    const std::vector<double> plain = plainInverseFrequencies(base, headDim);
    int kept = 0, divided = 0, smoothed = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        const double ratio = plain[i] / want[i];
        kept += std::abs(ratio - 1) < 1e-12;
        divided += std::abs(ratio - scaling.factor) < 1e-9;
        smoothed += ratio > 1 + 1e-6 && ratio < scaling.factor - 1e-6;
    }
    QVERIFY(kept > 0 && divided > 0 && smoothed > 0);

    // The engine's frequencies, within the rounding of the F32 factors.
    const std::vector<double> got = ropeInverseFrequencies(c);
    QCOMPARE(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
        QVERIFY2(std::abs(got[i] / want[i] - 1) < 1e-7, qPrintable(QString::number(i)));

    // The CPU backend rotates with them.
    const double error = ropeError(*model, want);
    qInfo("llama3 scaling: max |rope - float64| = %.3g", error);
    QVERIFY(error < 2e-4);
    // ... and the unscaled rotation is measurably different (the check can fail).
    QVERIFY(ropeError(*model, plain) > 1e-2);
}

void TestModelSupport::linearScaling_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("key");
    QTest::newRow("llama rope.scaling") << "llama"
                                        << "rope.scaling.factor";
    QTest::newRow("qwen2 rope.scaling") << "qwen2"
                                        << "rope.scaling.factor";
    QTest::newRow("llama legacy scale_linear") << "llama"
                                               << "rope.scale_linear";
}

// Linear scaling divides every frequency by the factor (positions stretched),
// in both rotation layouts.
void TestModelSupport::linearScaling() {
    QFETCH(QString, arch);
    QFETCH(QString, key);
    TinyModelSpec spec;
    spec.arch = arch.toStdString();
    TinyModel tiny = test::makeTinyModel(spec);
    const std::string a = spec.arch + ".";
    if (key != "rope.scale_linear")
        tiny.setMetadata(a + "rope.scaling.type", "linear");
    tiny.setMetadata(a + key.toStdString(), 4.0f);
    tiny.setMetadata(a + "rope.scaling.original_context_length", 16u);
    auto model = loadTiny(tiny);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message().c_str());
    const ModelConfig& c = (*model)->config();
    QCOMPARE(c.ropeScaling(), RopeScaling::Linear);
    QCOMPARE(c.ropeLinearFactor, 4.0);
    QCOMPARE(c.ropeOriginalContext, 16);
    std::vector<double> want = plainInverseFrequencies(c.ropeBase, c.headDim);
    for (double& t : want)
        t /= 4;
    QVERIFY(ropeError(*model, want) < 2e-4);
    QVERIFY(ropeError(*model, plainInverseFrequencies(c.ropeBase, c.headDim)) > 1e-2);
}

void TestModelSupport::ropeKeysRefused_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value"); // "s:text" string, "f:1.5" float
    QTest::addColumn<QString>("message");
    QTest::newRow("yarn") << "rope.scaling.type"
                          << "s:yarn"
                          << "'llama.rope.scaling.type' = 'yarn'";
    QTest::newRow("longrope") << "rope.scaling.type"
                              << "s:longrope"
                              << "'llama.rope.scaling.type' = 'longrope'";
    QTest::newRow("yarn key") << "rope.scaling.yarn_log_multiplier"
                              << "f:0.1"
                              << "'llama.rope.scaling.yarn_log_multiplier' asks for YaRN";
    QTest::newRow("attention factor") << "rope.scaling.attn_factor"
                                      << "f:1.5"
                                      << "'llama.rope.scaling.attn_factor'";
    QTest::newRow("linear without factor") << "rope.scaling.type"
                                           << "s:linear"
                                           << "'llama.rope.scaling.factor' is missing";
    QTest::newRow("negative factor") << "rope.scaling.factor"
                                     << "f:-2"
                                     << "'llama.rope.scaling.factor' = -2";
}

void TestModelSupport::ropeKeysRefused() {
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, message);
    TinyModel tiny = test::makeTinyModel(TinyModelSpec{});
    const std::string v = value.mid(2).toStdString();
    if (value.startsWith("s:"))
        tiny.setMetadata("llama." + key.toStdString(), v);
    else
        tiny.setMetadata("llama." + key.toStdString(), std::stof(v));
    auto model = loadTiny(tiny);
    QVERIFY(!model.ok());
    qInfo("%s", model.error().message().c_str());
    QVERIFY2(mentions(model.error().message(), message.toStdString()),
             model.error().message().c_str());
}

void TestModelSupport::refusals_data() {
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown tensor in a layer") << "tensor blk.0.attn_q_norm.weight"
                                               << "tensor 'blk.0.attn_q_norm.weight' is not part";
    QTest::newRow("expert tensor") << "tensor blk.1.ffn_gate_exps.weight"
                                   << "tensor 'blk.1.ffn_gate_exps.weight' is not part";
    QTest::newRow("layer beyond block_count") << "tensor blk.2.attn_norm.weight"
                                              << "tensor 'blk.2.attn_norm.weight' is not part";
    QTest::newRow("output bias") << "tensor blk.0.attn_output.bias"
                                 << "tensor 'blk.0.attn_output.bias' is not part";
    QTest::newRow("unknown top-level tensor") << "tensor pos_embd.weight"
                                              << "tensor 'pos_embd.weight' is not part";
    QTest::newRow("sliding window") << "u32 llama.attention.sliding_window 4096"
                                    << "'llama.attention.sliding_window' asks for sliding-window";
    QTest::newRow("attention soft-capping") << "f32 llama.attn_logit_softcapping 50"
                                            << "asks for attention logit soft-capping";
    QTest::newRow("final soft-capping") << "f32 llama.final_logit_softcapping 30"
                                        << "asks for final logit soft-capping";
    QTest::newRow("experts") << "u32 llama.expert_count 8"
                             << "'llama.expert_count' = 8 asks for a mixture of experts";
    QTest::newRow("head dimension of its own") << "u32 llama.attention.key_length 32"
                                               << "'llama.attention.key_length' = 32 differs";
    QTest::newRow("unknown architecture key") << "u32 llama.some_new_variant 1"
                                              << "'llama.some_new_variant' describes an "
                                                 "architecture variant";
    QTest::newRow("layer norm instead of RMS norm")
        << "f32 llama.attention.layer_norm_epsilon 0.00001"
        << "'llama.attention.layer_norm_epsilon' describes";
    QTest::newRow("split file") << "u32 split.count 3"
                                << "'split.count' = 3";
    QTest::newRow("unknown architecture") << "str general.architecture gemma2"
                                          << "architecture 'gemma2' is not supported";
    QTest::newRow("vocab_size disagrees") << "u32 llama.vocab_size 97"
                                          << "'llama.vocab_size' = 97 differs";
    QTest::newRow("rope_freqs wrong shape") << "rope_freqs 4"
                                            << "tensor 'rope_freqs.weight' has shape [4]";
    QTest::newRow("rope_freqs not positive") << "rope_freqs 8 zero"
                                             << "'rope_freqs.weight' value 3 = 0";
    QTest::newRow("unknown pre-tokenizer")
        << "gpt2 tekken"
        << "pre-tokenizer 'tekken' (tokenizer.ggml.pre) is not supported";
    QTest::newRow("byte-level without pre-tokenizer") << "gpt2 "
                                                      << "tokenizer.ggml.pre is missing";
    QTest::newRow("whitespace normaliser") << "bool tokenizer.ggml.remove_extra_whitespaces 1"
                                           << "'tokenizer.ggml.remove_extra_whitespaces' = true";
    QTest::newRow("add_bos without a BOS") << "nobos"
                                           << "adds BOS (tokenizer.ggml.add_bos_token";
}

// Each file that the engine cannot run exactly is refused at load with a
// message naming what it does not support.
void TestModelSupport::refusals() {
    QFETCH(QString, edit);
    QFETCH(QString, message);
    TinyModel tiny = test::makeTinyModel(TinyModelSpec{});
    const QStringList e = edit.split(' ');
    if (e[0] == "tensor") {
        tiny.tensors.push_back(
            {e[1].toStdString(), {64}, TensorType::F32, std::vector<float>(64, 1.0f), {}});
    } else if (e[0] == "u32") {
        tiny.setMetadata(e[1].toStdString(), static_cast<uint32_t>(e[2].toUInt()));
    } else if (e[0] == "f32") {
        tiny.setMetadata(e[1].toStdString(), e[2].toFloat());
    } else if (e[0] == "str") {
        tiny.setMetadata(e[1].toStdString(), e[2].toStdString());
    } else if (e[0] == "bool") {
        tiny.setMetadata(e[1].toStdString(), e[2] == "1");
    } else if (e[0] == "rope_freqs") {
        std::vector<float> values(e[1].toUInt(), 1.0f);
        if (e.size() > 2)
            values[3] = 0.0f;
        tiny.tensors.push_back({"rope_freqs.weight", {values.size()}, TensorType::F32, values, {}});
    } else if (e[0] == "gpt2") {
        // A byte-level vocabulary of the same size: 96 single-byte tokens.
        std::vector<std::string> tokens;
        for (int b = 0; b < 96; ++b)
            tokens.emplace_back(1, static_cast<char>('!' + b % 94));
        tokens[94] = "<|a|>";
        tokens[95] = "<|b|>";
        tiny.setMetadata("tokenizer.ggml.model", "gpt2");
        tiny.setMetadata("tokenizer.ggml.tokens", GgufMeta::stringArray(tokens));
        tiny.setMetadata("tokenizer.ggml.merges", GgufMeta::stringArray({"! \""}));
        tiny.removeMetadata("tokenizer.ggml.scores");
        tiny.removeMetadata("tokenizer.ggml.token_type");
        if (!e[1].isEmpty())
            tiny.setMetadata("tokenizer.ggml.pre", e[1].toStdString());
    } else if (e[0] == "nobos") {
        // SentencePiece adds BOS by default; "none" (-1) leaves nothing to add.
        tiny.setMetadata("tokenizer.ggml.bos_token_id", static_cast<int32_t>(-1));
    }
    auto model = loadTiny(tiny);
    QVERIFY2(!model.ok(), "the model loaded");
    qInfo("%s", model.error().message().c_str());
    QVERIFY2(mentions(model.error().message(), message.toStdString()),
             model.error().message().c_str());
    // info describes it without crashing, with the same reason.
    const ModelReport report = describeModelFile(fileOf(tiny, "tiny.gguf"));
    QCOMPARE(report.kind, ModelReport::Kind::Refused);
    QCOMPARE(report.refusal, model.error().message());
}

// A vocabulary-only file: the tokenizer loads, the model is refused with the
// reason, and the report says what it is.
void TestModelSupport::vocabularyOnly() {
    const TinyModel vocab = test::makeTinyModel(TinyModelSpec{}).vocabularyOnly();
    const auto file = fileOf(vocab, "vocab.gguf");
    QVERIFY(file->tensors().empty());
    QVERIFY(isVocabularyOnly(*file));
    auto tok = Tokenizer::fromGguf(*file);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message().c_str());
    QCOMPARE((*tok)->vocabSize(), 96);
    const std::vector<int32_t> ids = (*tok)->encode("ab c", true);
    QCOMPARE(ids.front(), 1);
    QCOMPARE((*tok)->decode(ids), std::string("ab c"));

    auto model = Model::fromFile(file);
    QVERIFY(!model.ok());
    QCOMPARE(model.error().code(), ErrorCode::Unsupported);
    QVERIFY(mentions(model.error().message(), "vocab.gguf holds only a vocabulary"));

    const ModelReport report = describeModelFile(file);
    QCOMPARE(report.kind, ModelReport::Kind::VocabularyOnly);
    QVERIFY(!report.runs());
    QVERIFY(report.tokenizer);
    QCOMPARE(report.tokenizer->kind, std::string("sentencepiece"));
    QCOMPARE(report.tokenizer->bosPiece, std::string("<s>"));
    QVERIFY(report.config); // the hyperparameters are in the metadata
    QCOMPARE(report.config->layers, 2);
    QCOMPARE(report.mappedWeightBytes, uint64_t(0));
    QCOMPARE(report.parameters, uint64_t(0));
}

void TestModelSupport::reportOfRunnableModel() {
    TinyModelSpec spec;
    spec.weightType = TensorType::Q8_0;
    spec.dim = 64;
    spec.ffn = 96;
    spec.ropeFreqFactors = std::vector<float>(8, 2.0f);
    const TinyModel tiny = test::makeTinyModel(spec);
    const ModelReport r = describeModelFile(fileOf(tiny, "tiny.gguf"));
    QCOMPARE(r.kind, ModelReport::Kind::Model);
    QVERIFY(r.refusal.empty());
    QVERIFY(r.config && r.tokenizer);
    QCOMPARE(r.config->ropeScaling(), RopeScaling::FrequencyFactors);
    QCOMPARE(r.tokenizer->addBos, true);
    QCOMPARE(r.tokenizer->addBosFromFile, false);
    // Every tensor counted once, by type; sizes add up to the file's.
    uint64_t tensors = 0, bytes = 0;
    for (const auto& [type, w] : r.weightTypes) {
        tensors += w.tensors;
        bytes += w.bytes;
    }
    const auto file = fileOf(tiny, "tiny.gguf");
    QCOMPARE(tensors, uint64_t(file->tensors().size()));
    QCOMPARE(bytes, r.mappedWeightBytes);
    QVERIFY(r.weightTypes.count("Q8_0") && r.weightTypes.count("F32"));
    QCOMPARE(r.cpuRepackedBytes, r.weightTypes.at("Q8_0").bytes); // repacked at its own size
    // K and V of every layer in F32: 2 layers * 2 * kvDim (2 heads of 16).
    QCOMPARE(r.kvBytesPerToken, uint64_t(2 * 2 * 32 * 4));
    QCOMPARE(r.kvBytesAtContext, r.kvBytesPerToken * 64);
}

void TestModelSupport::reportOfRefusedFile() {
    TinyModel tiny = test::makeTinyModel(TinyModelSpec{});
    tiny.setMetadata("general.architecture", "mamba");
    const ModelReport r = describeModelFile(fileOf(tiny, "mamba.gguf"));
    QCOMPARE(r.kind, ModelReport::Kind::Refused);
    QVERIFY(mentions(r.refusal, "architecture 'mamba' is not supported"));
    QVERIFY(!r.config);
    QVERIFY(mentions(r.configError, "mamba"));
    QVERIFY(r.tokenizer); // the vocabulary is still described
    QVERIFY(r.parameters > 0);
}

QTEST_GUILESS_MAIN(TestModelSupport)
#include "tst_model_support.moc"
