// SPDX-License-Identifier: MIT
#include "core/model/model.h"

#include "core/gguf/quant.h"
#include "core/util/sha256.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <sstream>
#include <sys/mman.h>
#include <unistd.h>

namespace dash {

namespace {

std::string shapeText(const std::vector<uint64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

class WeightLoader {
public:
    explicit WeightLoader(const GgufFile& file) : m_file(file) {}

    Expected<const GgufTensorInfo*> find(const std::string& name,
                                         std::vector<uint64_t> expected) const {
        const GgufTensorInfo* t = m_file.findTensor(name);
        if (!t)
            return notFoundError(m_file.path() + ": missing tensor '" + name + "'");
        if (t->shape != expected)
            return invalidError(m_file.path() + ": tensor '" + name + "' has shape " +
                                shapeText(t->shape) + ", expected " + shapeText(expected));
        return t;
    }

    // A [rows, cols] matrix (ggml shape [cols, rows]) as the file stores it.
    Expected<WeightTensor> matrix(const std::string& name, int32_t rows, int32_t cols) const {
        DASH_ASSIGN_OR_RETURN(const GgufTensorInfo* t, find(name, {static_cast<uint64_t>(cols),
                                                                   static_cast<uint64_t>(rows)}));
        if (!canDequantize(t->type))
            return unsupportedError(m_file.path() + ": tensor '" + name + "' has type " +
                                    tensorTypeName(t->type) + ", which this engine cannot read");
        auto bytes = rowBytes(t->type, static_cast<uint64_t>(cols));
        if (!bytes.ok())
            return bytes.error().withContext(m_file.path() + ": tensor '" + name + "'");
        WeightTensor w;
        w.name = name;
        w.type = t->type;
        w.rows = rows;
        w.cols = cols;
        w.data = m_file.tensorData(*t);
        w.rowBytes = static_cast<size_t>(*bytes);
        return w;
    }

    Expected<std::vector<float>> vector(const std::string& name, int32_t size) const {
        DASH_ASSIGN_OR_RETURN(const GgufTensorInfo* t, find(name, {static_cast<uint64_t>(size)}));
        std::vector<float> out(static_cast<size_t>(size));
        auto st = dequantize(t->type, m_file.tensorData(*t), out.data(), t->elementCount);
        if (!st.ok())
            return st.error().withContext(m_file.path() + ": tensor '" + name + "'");
        return out;
    }

private:
    const GgufFile& m_file;
};

Expected<int32_t> positiveInt(const GgufFile& file, const std::string& key, int64_t max) {
    DASH_ASSIGN_OR_RETURN(uint64_t v, file.getUInt(key));
    if (v == 0 || v > static_cast<uint64_t>(max))
        return invalidError(file.path() + ": metadata '" + key + "' = " + std::to_string(v) +
                            " is out of range (1 to " + std::to_string(max) + ")");
    return static_cast<int32_t>(v);
}

} // namespace

const char* ropeLayoutName(RopeLayout layout) {
    return layout == RopeLayout::AdjacentPairs ? "adjacent-pairs" : "half-split";
}

const char* layerMatrixName(LayerMatrix which) {
    switch (which) {
    case LayerMatrix::Q:
        return "attn_q";
    case LayerMatrix::K:
        return "attn_k";
    case LayerMatrix::V:
        return "attn_v";
    case LayerMatrix::O:
        return "attn_output";
    case LayerMatrix::Gate:
        return "ffn_gate";
    case LayerMatrix::Up:
        return "ffn_up";
    case LayerMatrix::Down:
        return "ffn_down";
    }
    return "?";
}

void WeightTensor::readRow(int32_t row, float* out) const {
    // The extent was checked at load, so a failure here is a broken invariant.
    const Status st = dequantize(type, data + rowBytes * static_cast<size_t>(row), out,
                                 static_cast<uint64_t>(cols));
    assert(st.ok());
    (void)st;
}

const char* ropeScalingName(RopeScaling scaling) {
    switch (scaling) {
    case RopeScaling::None:
        return "none";
    case RopeScaling::Linear:
        return "linear";
    case RopeScaling::FrequencyFactors:
        return "llama3-frequency-factors";
    case RopeScaling::LinearAndFactors:
        return "linear+frequency-factors";
    }
    return "?";
}

RopeScaling ModelConfig::ropeScaling() const {
    const bool linear = ropeLinearFactor != 1.0;
    const bool factors = !ropeFreqFactors.empty();
    return linear && factors ? RopeScaling::LinearAndFactors
           : linear          ? RopeScaling::Linear
           : factors         ? RopeScaling::FrequencyFactors
                             : RopeScaling::None;
}

std::vector<double> ropeInverseFrequencies(const ModelConfig& c) {
    const int32_t half = c.headDim / 2;
    std::vector<double> out(static_cast<size_t>(std::max(half, 0)));
    for (int32_t i = 0; i < half; ++i) {
        double theta = std::pow(c.ropeBase, -2.0 * i / c.headDim) / c.ropeLinearFactor;
        if (!c.ropeFreqFactors.empty())
            theta /= static_cast<double>(c.ropeFreqFactors[static_cast<size_t>(i)]);
        out[static_cast<size_t>(i)] = theta;
    }
    return out;
}

namespace {

// Keys under "<arch>." that this engine reads, or knows to change nothing.
// Any other key describes a variant of the architecture that is not
// implemented here, and the file is refused rather than run wrongly.
const char* const kKnownArchKeys[] = {
    "context_length",
    "embedding_length",
    "block_count",
    "feed_forward_length",
    "attention.head_count",
    "attention.head_count_kv",
    "attention.layer_norm_rms_epsilon",
    "attention.key_length",   // checked: must equal the head dimension
    "attention.value_length", // checked: must equal the head dimension
    "rope.freq_base",
    "rope.dimension_count", // checked: must equal the head dimension
    "rope.scaling.type",
    "rope.scaling.factor",
    "rope.scale_linear",
    "rope.scaling.original_context_length",
    "rope.scaling.finetuned",
    "rope.scaling.attn_factor", // checked: must be 1
    "vocab_size",               // checked against token_embd.weight
    "expert_count",             // checked: must be 0
    "expert_used_count",        // checked: must be 0
    "tensor_data_layout",       // written by old llama converters; no effect
};

// Keys with a reason of their own.
struct RefusedKey {
    const char* suffix;
    const char* what;
};
const RefusedKey kRefusedArchKeys[] = {
    {"attention.sliding_window", "sliding-window attention"},
    {"attn_logit_softcapping", "attention logit soft-capping"},
    {"final_logit_softcapping", "final logit soft-capping"},
    {"rope.scaling.yarn_log_multiplier", "YaRN rotary scaling"},
    {"rope.scaling.yarn_ext_factor", "YaRN rotary scaling"},
    {"rope.scaling.yarn_attn_factor", "YaRN rotary scaling"},
    {"rope.scaling.yarn_beta_fast", "YaRN rotary scaling"},
    {"rope.scaling.yarn_beta_slow", "YaRN rotary scaling"},
    {"attention.clamp_kqv", "clamped attention projections"},
    {"logit_scale", "scaled output logits"},
    {"embedding_scale", "scaled embeddings"},
    {"residual_scale", "scaled residuals"},
    {"attention.scale", "a custom attention scale"},
};

Status checkArchitectureKeys(const GgufFile& file, const std::string& arch) {
    const std::string prefix = arch + ".";
    for (const auto& [key, value] : file.metadata()) {
        if (key.compare(0, prefix.size(), prefix) != 0)
            continue;
        const std::string_view suffix = std::string_view(key).substr(prefix.size());
        for (const RefusedKey& r : kRefusedArchKeys)
            if (suffix == r.suffix)
                return unsupportedError(file.path() + ": metadata '" + key + "' asks for " +
                                        r.what + ", which this engine does not implement");
        const bool known = std::any_of(std::begin(kKnownArchKeys), std::end(kKnownArchKeys),
                                       [&](const char* k) { return suffix == k; });
        if (!known)
            return unsupportedError(file.path() + ": metadata '" + key +
                                    "' describes an architecture variant this engine does not "
                                    "implement; refusing rather than ignore it");
    }
    if (file.has("split.count")) {
        DASH_ASSIGN_OR_RETURN(const uint64_t parts, file.getUInt("split.count"));
        if (parts > 1)
            return unsupportedError(file.path() +
                                    ": metadata 'split.count' = " + std::to_string(parts) +
                                    ": this is one part of a split model; merge the parts into "
                                    "one file first (llama-gguf-split --merge)");
    }
    return {};
}

// A key that must hold `expected` when present.
Status checkEqual(const GgufFile& file, const std::string& key, uint64_t expected,
                  const std::string& why) {
    if (!file.has(key))
        return {};
    DASH_ASSIGN_OR_RETURN(const uint64_t v, file.getUInt(key));
    if (v == expected)
        return {};
    return unsupportedError(file.path() + ": metadata '" + key + "' = " + std::to_string(v) + " " +
                            why);
}

// rope.scaling.*: none, or linear with a factor; YaRN, LongRoPE and unknown
// kinds are refused naming the key.
Status readRopeScaling(const GgufFile& file, const std::string& a, ModelConfig& c) {
    const std::string typeKey = a + "rope.scaling.type";
    const std::string factorKey = a + "rope.scaling.factor";
    const std::string legacyKey = a + "rope.scale_linear";
    std::string type;
    if (file.has(typeKey)) {
        DASH_ASSIGN_OR_RETURN(type, file.getString(typeKey));
    }
    if (!type.empty() && type != "none" && type != "linear")
        return unsupportedError(file.path() + ": metadata '" + typeKey + "' = '" + type +
                                "': only linear rotary scaling (and Llama-3's rope_freqs.weight) "
                                "is supported");
    double factor = 0;
    const std::string& key = file.has(factorKey) ? factorKey : legacyKey;
    if (file.has(key)) {
        DASH_ASSIGN_OR_RETURN(factor, file.getFloat(key));
        if (!(factor >= 0) || !std::isfinite(factor))
            return invalidError(file.path() + ": metadata '" + key +
                                "' = " + std::to_string(factor) + " is out of range");
    } else if (type == "linear") {
        return notFoundError(file.path() + ": metadata '" + typeKey + "' is linear but '" +
                             factorKey + "' is missing");
    }
    // As llama.cpp reads them: a factor of 0 means none; a factor without a
    // type is linear; type "none" scales nothing.
    if (type != "none" && factor > 0)
        c.ropeLinearFactor = factor;
    const std::string attnKey = a + "rope.scaling.attn_factor";
    if (file.has(attnKey)) {
        DASH_ASSIGN_OR_RETURN(const double attn, file.getFloat(attnKey));
        if (attn != 1.0)
            return unsupportedError(file.path() + ": metadata '" + attnKey +
                                    "' = " + std::to_string(attn) +
                                    ": scaled attention (YaRN-style) is not supported");
    }
    const std::string originalKey = a + "rope.scaling.original_context_length";
    if (file.has(originalKey)) {
        DASH_ASSIGN_OR_RETURN(c.ropeOriginalContext, positiveInt(file, originalKey, 1 << 24));
    }
    return {};
}

} // namespace

Expected<ModelConfig> readModelMetadata(const GgufFile& file) {
    ModelConfig c;
    DASH_ASSIGN_OR_RETURN(c.architectureName, file.getString("general.architecture"));
    if (c.architectureName == "llama") {
        c.architecture = Architecture::Llama;
        c.ropeLayout = RopeLayout::AdjacentPairs;
    } else if (c.architectureName == "qwen2") {
        c.architecture = Architecture::Qwen2;
        c.ropeLayout = RopeLayout::HalfSplit;
    } else {
        return unsupportedError(file.path() + ": architecture '" + c.architectureName +
                                "' is not supported (llama and qwen2 are)");
    }
    if (file.has("general.name")) {
        DASH_ASSIGN_OR_RETURN(c.name, file.getString("general.name"));
    }
    DASH_TRY(checkArchitectureKeys(file, c.architectureName));
    const std::string a = c.architectureName + ".";
    DASH_ASSIGN_OR_RETURN(c.layers, positiveInt(file, a + "block_count", 1024));
    DASH_ASSIGN_OR_RETURN(c.dim, positiveInt(file, a + "embedding_length", 1 << 17));
    DASH_ASSIGN_OR_RETURN(c.heads, positiveInt(file, a + "attention.head_count", 4096));
    if (file.has(a + "attention.head_count_kv")) {
        DASH_ASSIGN_OR_RETURN(c.kvHeads, positiveInt(file, a + "attention.head_count_kv", 4096));
    } else {
        c.kvHeads = c.heads;
    }
    DASH_ASSIGN_OR_RETURN(c.ffnDim, positiveInt(file, a + "feed_forward_length", 1 << 20));
    DASH_ASSIGN_OR_RETURN(c.contextLength, positiveInt(file, a + "context_length", 1 << 24));
    DASH_ASSIGN_OR_RETURN(double eps, file.getFloat(a + "attention.layer_norm_rms_epsilon"));
    DASH_ASSIGN_OR_RETURN(c.ropeBase, file.getFloat(a + "rope.freq_base", 10000.0));
    if (!(eps > 0 && eps < 1))
        return invalidError(file.path() + ": metadata '" + a +
                            "attention.layer_norm_rms_epsilon' = " + std::to_string(eps) +
                            " is out of range");
    if (!(c.ropeBase > 1) || !std::isfinite(c.ropeBase))
        return invalidError(file.path() + ": metadata '" + a +
                            "rope.freq_base' = " + std::to_string(c.ropeBase) + " is out of range");
    c.rmsEps = static_cast<float>(eps);
    if (c.dim % c.heads != 0)
        return invalidError(file.path() + ": embedding_length " + std::to_string(c.dim) +
                            " is not divisible by head_count " + std::to_string(c.heads));
    if (c.heads % c.kvHeads != 0)
        return invalidError(file.path() + ": head_count " + std::to_string(c.heads) +
                            " is not a multiple of head_count_kv " + std::to_string(c.kvHeads));
    c.headDim = c.dim / c.heads;
    if (c.headDim % 2 != 0)
        return invalidError(file.path() + ": head dimension " + std::to_string(c.headDim) +
                            " is odd; rotary embeddings need pairs");
    if (file.has(a + "rope.dimension_count")) {
        DASH_ASSIGN_OR_RETURN(uint64_t ropeDims, file.getUInt(a + "rope.dimension_count"));
        if (ropeDims != static_cast<uint64_t>(c.headDim))
            return unsupportedError(file.path() +
                                    ": partial rotary embeddings (rope.dimension_count " +
                                    std::to_string(ropeDims) + " of head dimension " +
                                    std::to_string(c.headDim) + ") are not supported");
    }
    const std::string headDimWhy =
        "differs from embedding_length / head_count = " + std::to_string(c.headDim) +
        ": a head dimension of its own is not supported";
    DASH_TRY(
        checkEqual(file, a + "attention.key_length", static_cast<uint64_t>(c.headDim), headDimWhy));
    DASH_TRY(checkEqual(file, a + "attention.value_length", static_cast<uint64_t>(c.headDim),
                        headDimWhy));
    DASH_TRY(checkEqual(file, a + "expert_count", 0,
                        "asks for a mixture of experts, which this "
                        "engine does not implement"));
    DASH_TRY(checkEqual(file, a + "expert_used_count", 0,
                        "asks for a mixture of experts, which this engine does not implement"));
    DASH_TRY(readRopeScaling(file, a, c));
    return c;
}

Expected<ModelConfig> readModelConfig(const GgufFile& file) {
    DASH_ASSIGN_OR_RETURN(ModelConfig c, readModelMetadata(file));
    const GgufTensorInfo* embd = file.findTensor("token_embd.weight");
    if (!embd)
        return notFoundError(file.path() + ": missing tensor 'token_embd.weight'");
    if (embd->shape.size() != 2 || embd->shape[0] != static_cast<uint64_t>(c.dim) ||
        embd->shape[1] > (1u << 24))
        return invalidError(file.path() + ": tensor 'token_embd.weight' has shape " +
                            shapeText(embd->shape) + ", expected [" + std::to_string(c.dim) +
                            ", vocab]");
    c.vocabSize = static_cast<int32_t>(embd->shape[1]);
    DASH_TRY(checkEqual(
        file, c.architectureName + ".vocab_size", static_cast<uint64_t>(c.vocabSize),
        "differs from the rows of token_embd.weight (" + std::to_string(c.vocabSize) + ")"));
    c.tiedOutput = file.findTensor("output.weight") == nullptr;
    c.qkvBias = file.findTensor("blk.0.attn_q.bias") != nullptr;
    // Llama-3.x frequency factors: frequency i is divided by factor i.
    if (file.findTensor("rope_freqs.weight")) {
        WeightLoader w(file);
        DASH_ASSIGN_OR_RETURN(c.ropeFreqFactors, w.vector("rope_freqs.weight", c.headDim / 2));
        for (size_t i = 0; i < c.ropeFreqFactors.size(); ++i) {
            const float f = c.ropeFreqFactors[i];
            if (!(f > 0) || !std::isfinite(f))
                return invalidError(file.path() + ": tensor 'rope_freqs.weight' value " +
                                    std::to_string(i) + " = " + std::to_string(f) +
                                    " is not a positive frequency factor");
        }
    }
    return c;
}

bool isVocabularyOnly(const GgufFile& file) {
    return file.tensors().empty() && file.has("tokenizer.ggml.tokens");
}

namespace {

// Every tensor of the file is one this engine reads: an extra one (a norm
// of a variant, an expert, a bias the layout lacks) would otherwise be
// ignored and the results silently wrong.
Status checkTensorNames(const GgufFile& file, const ModelConfig& c) {
    static const char* const kLayerTensors[] = {
        "attn_norm.weight",   "ffn_norm.weight", "attn_q.weight", "attn_k.weight",  "attn_v.weight",
        "attn_output.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"};
    static const char* const kBiases[] = {"attn_q.bias", "attn_k.bias", "attn_v.bias"};
    for (const GgufTensorInfo& t : file.tensors()) {
        const std::string_view name = t.name;
        if (name == "token_embd.weight" || name == "output_norm.weight" ||
            name == "output.weight" || name == "rope_freqs.weight")
            continue;
        if (name.substr(0, 4) == "blk.") {
            size_t pos = 4;
            int64_t layer = 0;
            while (pos < name.size() && pos < 12 && name[pos] >= '0' && name[pos] <= '9')
                layer = layer * 10 + (name[pos++] - '0');
            if (pos > 4 && pos < name.size() && name[pos] == '.' && layer < c.layers) {
                const std::string_view rest = name.substr(pos + 1);
                const auto is = [&](const char* k) { return rest == k; };
                if (std::any_of(std::begin(kLayerTensors), std::end(kLayerTensors), is) ||
                    (c.qkvBias && std::any_of(std::begin(kBiases), std::end(kBiases), is)))
                    continue;
            }
        }
        return unsupportedError(file.path() + ": tensor '" + t.name + "' is not part of the " +
                                c.architectureName +
                                " layout this engine runs; refusing rather than ignore it");
    }
    return {};
}

} // namespace

namespace {

// What loading read from a mapped file (the metadata: for a 151936-token
// vocabulary about 4 MB of strings, scores and types; the norms and biases,
// copied into vectors) is held elsewhere by now: unmap every page, as the CPU
// backend does for the tensors it repacks. MADV_DONTNEED on a read-only
// private file mapping drops only this process's page-table entries; what is
// read later (a weight matrix, a metadata value) maps the file's unchanged
// bytes again.
void dropLoadedPages(const GgufFile& file) {
    if (!file.mapped())
        return;
    const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    const uint64_t end = (file.fileSize() + page - 1) / page * page; // the mapping's extent
    if (end > 0)
        madvise(const_cast<uint8_t*>(file.bytes().data()), end, MADV_DONTNEED);
}

} // namespace

Expected<std::shared_ptr<Model>> Model::load(const std::string& path) {
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::open(path));
    return fromFile(std::move(file));
}

Expected<std::shared_ptr<Model>> Model::fromFile(std::shared_ptr<const GgufFile> file) {
    if (isVocabularyOnly(*file))
        return unsupportedError(file->path() +
                                " holds only a vocabulary (no tensors): it can tokenize and "
                                "detokenize text, but running it needs the model's weights");
    std::shared_ptr<Model> model(new Model);
    model->m_file = file;
    DASH_ASSIGN_OR_RETURN(model->m_config, readModelConfig(*file));
    const ModelConfig& c = model->m_config;
    DASH_TRY(checkTensorNames(*file, c));

    DASH_ASSIGN_OR_RETURN(model->m_tokenizer, Tokenizer::fromGguf(*file));
    if (model->m_tokenizer->vocabSize() > c.vocabSize)
        return invalidError(file->path() + ": the tokenizer has " +
                            std::to_string(model->m_tokenizer->vocabSize()) +
                            " tokens but token_embd.weight has only " +
                            std::to_string(c.vocabSize) + " rows");

    WeightLoader w(*file);
    DASH_ASSIGN_OR_RETURN(model->m_tokenEmbedding,
                          w.matrix("token_embd.weight", c.vocabSize, c.dim));
    if (c.tiedOutput) {
        model->m_output = model->m_tokenEmbedding;
    } else {
        DASH_ASSIGN_OR_RETURN(model->m_output, w.matrix("output.weight", c.vocabSize, c.dim));
    }
    DASH_ASSIGN_OR_RETURN(model->m_outputNorm, w.vector("output_norm.weight", c.dim));

    model->m_layers.resize(static_cast<size_t>(c.layers));
    for (int32_t i = 0; i < c.layers; ++i) {
        LayerWeights& l = model->m_layers[static_cast<size_t>(i)];
        const std::string p = "blk." + std::to_string(i) + ".";
        DASH_ASSIGN_OR_RETURN(l.attnNorm, w.vector(p + "attn_norm.weight", c.dim));
        DASH_ASSIGN_OR_RETURN(l.ffnNorm, w.vector(p + "ffn_norm.weight", c.dim));
        for (int k = 0; k < kLayerMatrixCount; ++k) {
            const auto which = static_cast<LayerMatrix>(k);
            const bool attnOut = which == LayerMatrix::O;
            const bool down = which == LayerMatrix::Down;
            const bool kv = which == LayerMatrix::K || which == LayerMatrix::V;
            const bool ffnIn = which == LayerMatrix::Gate || which == LayerMatrix::Up;
            const int32_t rows = attnOut || down ? c.dim
                                 : kv            ? c.kvDim()
                                 : ffnIn         ? c.ffnDim
                                                 : c.qDim();
            const int32_t cols = attnOut ? c.qDim() : down ? c.ffnDim : c.dim;
            DASH_ASSIGN_OR_RETURN(l.matrices[k],
                                  w.matrix(p + layerMatrixName(which) + ".weight", rows, cols));
        }
        if (c.qkvBias) {
            DASH_ASSIGN_OR_RETURN(l.bq, w.vector(p + "attn_q.bias", c.qDim()));
            DASH_ASSIGN_OR_RETURN(l.bk, w.vector(p + "attn_k.bias", c.kvDim()));
            DASH_ASSIGN_OR_RETURN(l.bv, w.vector(p + "attn_v.bias", c.kvDim()));
        }
    }
    dropLoadedPages(*file);
    return model;
}

uint64_t Model::parameterCount() const {
    uint64_t n = 0;
    for (const auto& t : m_file->tensors())
        n += t.elementCount;
    return n;
}

uint64_t Model::decodeWeightBytes() const {
    uint64_t bytes = m_output.byteSize() + m_outputNorm.size() * 4;
    for (const auto& l : m_layers) {
        for (const WeightTensor& m : l.matrices)
            bytes += m.byteSize();
        bytes +=
            (l.attnNorm.size() + l.ffnNorm.size() + l.bq.size() + l.bk.size() + l.bv.size()) * 4;
    }
    return bytes;
}

std::string Model::sha256() const {
    std::lock_guard<std::mutex> lock(m_hashMutex);
    if (m_sha256.empty()) {
        const auto bytes = m_file->bytes();
        Sha256 hasher;
        hasher.update(bytes.data(), bytes.size());
        m_sha256 = toHex(hasher.finish());
    }
    return m_sha256;
}

std::string Model::summary() const {
    const ModelConfig& c = m_config;
    std::ostringstream s;
    s << c.architectureName << ", " << parameterCount() << " parameters, " << c.layers
      << " layers, dim " << c.dim << ", " << c.heads << " heads (" << c.kvHeads << " KV), ffn "
      << c.ffnDim << ", vocab " << c.vocabSize << ", context " << c.contextLength << ", weights "
      << tensorTypeName(m_layers.empty() ? m_output.type : m_layers[0].matrix(LayerMatrix::Q).type)
      << (c.tiedOutput ? ", tied output" : "");
    return s.str();
}

} // namespace dash
