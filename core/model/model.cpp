// SPDX-License-Identifier: MIT
#include "core/model/model.h"

#include "core/gguf/quant.h"
#include "core/util/sha256.h"

#include <cassert>
#include <cmath>
#include <cstring>
#include <sstream>

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

Expected<ModelConfig> readModelConfig(const GgufFile& file) {
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
    if (!(c.ropeBase > 1))
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
    const GgufTensorInfo* embd = file.findTensor("token_embd.weight");
    if (!embd)
        return notFoundError(file.path() + ": missing tensor 'token_embd.weight'");
    if (embd->shape.size() != 2 || embd->shape[0] != static_cast<uint64_t>(c.dim) ||
        embd->shape[1] > (1u << 24))
        return invalidError(file.path() + ": tensor 'token_embd.weight' has shape " +
                            shapeText(embd->shape) + ", expected [" + std::to_string(c.dim) +
                            ", vocab]");
    c.vocabSize = static_cast<int32_t>(embd->shape[1]);
    c.tiedOutput = file.findTensor("output.weight") == nullptr;
    c.qkvBias = file.findTensor("blk.0.attn_q.bias") != nullptr;
    return c;
}

Expected<std::shared_ptr<Model>> Model::load(const std::string& path) {
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::open(path));
    return fromFile(std::move(file));
}

Expected<std::shared_ptr<Model>> Model::fromFile(std::shared_ptr<const GgufFile> file) {
    std::shared_ptr<Model> model(new Model);
    model->m_file = file;
    DASH_ASSIGN_OR_RETURN(model->m_config, readModelConfig(*file));
    const ModelConfig& c = model->m_config;

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
