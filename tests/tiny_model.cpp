// SPDX-License-Identifier: MIT
#include "tiny_model.h"

#include "core/gguf/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace dash::test {

namespace {

// Uniform values in [-1, 1) from a seeded generator (bit manipulation rather
// than std::uniform_real_distribution, whose output the standard leaves open).
class Uniform {
public:
    explicit Uniform(uint32_t seed) : m_rng(seed) {}
    float next() { return static_cast<float>(m_rng() >> 8) * (1.0f / 8388608.0f) - 1.0f; }

private:
    std::mt19937 m_rng;
};

void putHalf(std::vector<uint8_t>& out, size_t at, float value) {
    const uint16_t h = floatToHalf(value);
    out[at] = static_cast<uint8_t>(h & 0xFF);
    out[at + 1] = static_cast<uint8_t>(h >> 8);
}

// Q8_0 blocks: f16 scale d = max|x| / 127, then 32 int8 values round(x / d).
std::vector<uint8_t> encodeQ8_0(const std::vector<float>& values) {
    const size_t blocks = values.size() / 32;
    std::vector<uint8_t> out(blocks * 34);
    for (size_t b = 0; b < blocks; ++b) {
        const float* x = values.data() + b * 32;
        float amax = 0;
        for (int k = 0; k < 32; ++k)
            amax = std::max(amax, std::fabs(x[k]));
        const float d = amax / 127.0f;
        putHalf(out, b * 34, d);
        for (int k = 0; k < 32; ++k) {
            const long q = d > 0 ? std::clamp(std::lround(x[k] / d), -127L, 127L) : 0;
            out[b * 34 + 2 + k] = static_cast<uint8_t>(static_cast<int8_t>(q));
        }
    }
    return out;
}

// Q4_0 blocks: f16 scale d = m / -8 where m is the value of largest magnitude,
// then 16 bytes; byte j holds value j (low nibble) and value j + 16 (high),
// each as round(x / d) + 8 in [0, 15].
std::vector<uint8_t> encodeQ4_0(const std::vector<float>& values) {
    const size_t blocks = values.size() / 32;
    std::vector<uint8_t> out(blocks * 18);
    for (size_t b = 0; b < blocks; ++b) {
        const float* x = values.data() + b * 32;
        float m = 0;
        for (int k = 0; k < 32; ++k)
            if (std::fabs(x[k]) > std::fabs(m))
                m = x[k];
        const float d = m / -8.0f;
        putHalf(out, b * 18, d);
        auto nibble = [&](float v) {
            const long q = d != 0 ? std::clamp(std::lround(v / d), -8L, 7L) : 0;
            return static_cast<uint8_t>(q + 8);
        };
        for (int j = 0; j < 16; ++j)
            out[b * 18 + 2 + j] = static_cast<uint8_t>(nibble(x[j]) | (nibble(x[j + 16]) << 4));
    }
    return out;
}

std::vector<uint8_t> encodeTensor(const TinyTensor& t) {
    if (!t.raw.empty())
        return t.raw;
    switch (t.type) {
    case TensorType::Q8_0:
        return encodeQ8_0(t.values);
    case TensorType::Q4_0:
        return encodeQ4_0(t.values);
    case TensorType::F16: {
        std::vector<uint8_t> out(t.values.size() * 2);
        for (size_t i = 0; i < t.values.size(); ++i)
            putHalf(out, 2 * i, t.values[i]);
        return out;
    }
    default: {
        std::vector<uint8_t> out(t.values.size() * 4);
        std::memcpy(out.data(), t.values.data(), out.size());
        return out;
    }
    }
}

// A SentencePiece-style vocabulary: <unk>, <s>, </s>, then "▁", letters,
// "▁" + letter, letter pairs, and numbered filler pieces up to `size`.
void addVocabulary(TinyModel& m, int32_t size) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<int32_t> types = {static_cast<int32_t>(TokenKind::Unknown),
                                  static_cast<int32_t>(TokenKind::Control),
                                  static_cast<int32_t>(TokenKind::Control)};
    const std::string space = "\xE2\x96\x81"; // U+2581
    std::vector<std::string> pieces = {space};
    for (char c = 'a'; c <= 'z'; ++c)
        pieces.emplace_back(1, c);
    for (char c = 'a'; c <= 'z'; ++c)
        pieces.push_back(space + c);
    for (char a = 'a'; a <= 'z'; ++a)
        for (char b = 'a'; b <= 'z'; ++b)
            pieces.push_back(std::string{a, b});
    for (size_t i = 0; tokens.size() < static_cast<size_t>(size); ++i) {
        tokens.push_back(i < pieces.size() ? pieces[i] : space + "w" + std::to_string(i));
        types.push_back(static_cast<int32_t>(TokenKind::Normal));
    }
    tokens.resize(static_cast<size_t>(size));
    types.resize(static_cast<size_t>(size));
    std::vector<float> scores(tokens.size());
    for (size_t i = 0; i < scores.size(); ++i)
        scores[i] = i < 3 ? 0.0f : -static_cast<float>(i);
    m.setMetadata("tokenizer.ggml.model", "llama");
    m.setMetadata("tokenizer.ggml.tokens", GgufMeta::stringArray(tokens));
    m.setMetadata("tokenizer.ggml.scores", GgufMeta::f32Array(scores));
    m.setMetadata("tokenizer.ggml.token_type", GgufMeta::i32Array(types));
    m.setMetadata("tokenizer.ggml.unknown_token_id", 0u);
    m.setMetadata("tokenizer.ggml.bos_token_id", 1u);
    m.setMetadata("tokenizer.ggml.eos_token_id", 2u);
}

} // namespace

TinyTensor* TinyModel::findTensor(const std::string& name) {
    for (TinyTensor& t : tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

bool TinyModel::removeTensor(const std::string& name) {
    const auto it =
        std::find_if(tensors.begin(), tensors.end(), [&](const auto& t) { return t.name == name; });
    if (it == tensors.end())
        return false;
    tensors.erase(it);
    return true;
}

bool TinyModel::removeMetadata(const std::string& key) {
    const auto it = std::find_if(metadata.begin(), metadata.end(),
                                 [&](const auto& kv) { return kv.first == key; });
    if (it == metadata.end())
        return false;
    metadata.erase(it);
    return true;
}

void TinyModel::setMetadata(const std::string& key, GgufMeta value) {
    for (auto& [k, v] : metadata) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    metadata.emplace_back(key, std::move(value));
}

std::vector<uint8_t> TinyModel::build() const {
    GgufBuilder b;
    for (const auto& [key, value] : metadata)
        b.add(key, value);
    for (const TinyTensor& t : tensors)
        b.addTensor(t.name, t.shape, t.type, encodeTensor(t));
    return b.build();
}

TinyModel TinyModel::vocabularyOnly() const {
    TinyModel out;
    out.metadata = metadata;
    return out;
}

TinyModel TinyModel::dequantized() const {
    TinyModel out = *this;
    for (TinyTensor& t : out.tensors) {
        if (!t.raw.empty() ||
            (t.type != TensorType::F16 && t.type != TensorType::Q8_0 && t.type != TensorType::Q4_0))
            continue;
        // Encoding is this helper's own; decoding uses the core's (tested
        // against independently packed blocks in tst_quant), which handles
        // these three types.
        const std::vector<uint8_t> encoded = encodeTensor(t);
        const Status decoded = dequantize(t.type, encoded.data(), t.values.data(), t.values.size());
        if (decoded.ok())
            t.type = TensorType::F32;
    }
    return out;
}

TinyModel makeTinyModel(const TinyModelSpec& s) {
    TinyModel m;
    const bool qwen2 = s.arch == "qwen2";
    const std::string a = s.arch + ".";
    m.setMetadata("general.architecture", s.arch);
    m.setMetadata("general.name", "tiny-" + s.arch);
    m.setMetadata(a + "block_count", static_cast<uint32_t>(s.layers));
    m.setMetadata(a + "embedding_length", static_cast<uint32_t>(s.dim));
    m.setMetadata(a + "attention.head_count", static_cast<uint32_t>(s.heads));
    m.setMetadata(a + "attention.head_count_kv", static_cast<uint32_t>(s.kvHeads));
    m.setMetadata(a + "feed_forward_length", static_cast<uint32_t>(s.ffn));
    m.setMetadata(a + "context_length", static_cast<uint32_t>(s.context));
    m.setMetadata(a + "attention.layer_norm_rms_epsilon", qwen2 ? 1e-6f : 1e-5f);
    m.setMetadata(a + "rope.freq_base", qwen2 ? 1000000.0f : 10000.0f);
    addVocabulary(m, s.vocab);

    Uniform rng(s.seed);
    const auto dim = static_cast<uint64_t>(s.dim);
    const uint64_t headDim = s.heads > 0 ? dim / static_cast<uint64_t>(s.heads) : 0;
    const uint64_t qDim = headDim * static_cast<uint64_t>(s.heads);
    const uint64_t kvDim = headDim * static_cast<uint64_t>(s.kvHeads);
    const auto ffn = static_cast<uint64_t>(s.ffn);
    const auto vocab = static_cast<uint64_t>(s.vocab);

    // A [rows, cols] matrix (ggml shape {cols, rows}) of values in [-range, range).
    auto matrix = [&](const std::string& name, uint64_t rows, uint64_t cols, float range) {
        TinyTensor t{name, {cols, rows}, s.weightType, std::vector<float>(rows * cols), {}};
        for (float& v : t.values)
            v = range * rng.next();
        m.tensors.push_back(std::move(t));
    };
    auto vector = [&](const std::string& name, uint64_t size, float center, float spread) {
        TinyTensor t{name, {size}, TensorType::F32, std::vector<float>(size), {}};
        for (float& v : t.values)
            v = center + spread * rng.next();
        m.tensors.push_back(std::move(t));
    };

    // Variance 1 / cols, so that activations keep their scale through the layers.
    auto range = [](uint64_t cols) { return std::sqrt(3.0f / static_cast<float>(cols)); };
    matrix("token_embd.weight", vocab, dim, 1.0f);
    vector("output_norm.weight", dim, 1.0f, 0.1f);
    if (!qwen2)
        matrix("output.weight", vocab, dim, range(dim));
    if (!s.ropeFreqFactors.empty())
        m.tensors.push_back({"rope_freqs.weight",
                             {static_cast<uint64_t>(s.ropeFreqFactors.size())},
                             TensorType::F32,
                             s.ropeFreqFactors,
                             {}});
    for (int32_t i = 0; i < s.layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        const float outScale = static_cast<size_t>(i) < s.layerOutputScale.size()
                                   ? s.layerOutputScale[static_cast<size_t>(i)]
                                   : 1.0f;
        vector(p + "attn_norm.weight", dim, 1.0f, 0.1f);
        vector(p + "ffn_norm.weight", dim, 1.0f, 0.1f);
        matrix(p + "attn_q.weight", qDim, dim, range(dim));
        matrix(p + "attn_k.weight", kvDim, dim, range(dim));
        matrix(p + "attn_v.weight", kvDim, dim, range(dim));
        matrix(p + "attn_output.weight", dim, qDim, outScale * range(qDim));
        matrix(p + "ffn_gate.weight", ffn, dim, range(dim));
        matrix(p + "ffn_up.weight", ffn, dim, range(dim));
        matrix(p + "ffn_down.weight", dim, ffn, outScale * range(ffn));
        if (qwen2) {
            vector(p + "attn_q.bias", qDim, 0.0f, 0.1f);
            vector(p + "attn_k.bias", kvDim, 0.0f, 0.1f);
            vector(p + "attn_v.bias", kvDim, 0.0f, 0.1f);
        }
    }
    return m;
}

std::vector<uint8_t> buildTinyModel(const TinyModelSpec& spec) {
    return makeTinyModel(spec).build();
}

std::shared_ptr<Model> loadModelBytes(std::vector<uint8_t> bytes, const std::string& name,
                                      std::string* error) {
    auto file = GgufFile::fromBytes(std::move(bytes), name);
    if (!file.ok()) {
        if (error)
            *error = file.error().message();
        return nullptr;
    }
    auto model = Model::fromFile(std::shared_ptr<const GgufFile>(std::move(file).value()));
    if (!model.ok()) {
        if (error)
            *error = model.error().message();
        return nullptr;
    }
    return std::move(model).value();
}

std::shared_ptr<Model> loadTinyModel(const TinyModelSpec& spec, std::string* error) {
    return loadModelBytes(buildTinyModel(spec), "tiny-" + spec.arch + ".gguf", error);
}

} // namespace dash::test
