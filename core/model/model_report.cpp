// SPDX-License-Identifier: MIT
#include "core/model/model_report.h"

#include "core/gguf/quant.h"
#include "core/model/model.h"
#include "core/model/tokenizer.h"

namespace dash {

namespace {

TokenizerReport tokenizerReport(const Tokenizer& tok) {
    const TokenizerData& d = tok.data();
    TokenizerReport r;
    r.kind = tok.kindName();
    r.model = d.model;
    r.pre = d.pre;
    const PreTokenizerInfo pre = tok.preTokenizer();
    r.preFamily = pre.family;
    r.ignoreMerges = pre.ignoreMerges;
    r.vocabSize = tok.vocabSize();
    r.merges = d.merges.size();
    r.bosId = d.bosId;
    r.eosId = d.eosId;
    r.bosPiece = tok.piece(d.bosId);
    r.eosPiece = tok.piece(d.eosId);
    r.addBos = d.addBos;
    r.addBosFromFile = d.addBosFromFile;
    r.addEos = d.addEos;
    r.addSpacePrefix = d.model == "llama" && d.addSpacePrefix;
    for (int32_t id = 0; id < tok.vocabSize(); ++id) {
        switch (tok.kind(id)) {
        case TokenKind::Control:
            ++r.controlTokens;
            break;
        case TokenKind::UserDefined:
            ++r.userDefinedTokens;
            break;
        case TokenKind::Byte:
            ++r.byteTokens;
            break;
        default:
            break;
        }
    }
    return r;
}

bool isMatrixOfLayerOrHead(const GgufTensorInfo& t) {
    return t.shape.size() == 2;
}

} // namespace

const char* modelReportKindName(ModelReport::Kind kind) {
    switch (kind) {
    case ModelReport::Kind::Model:
        return "model";
    case ModelReport::Kind::VocabularyOnly:
        return "vocabulary-only";
    case ModelReport::Kind::Refused:
        return "refused";
    }
    return "?";
}

ModelReport describeModelFile(std::shared_ptr<const GgufFile> file) {
    ModelReport r;
    const GgufFile& f = *file;

    // Metadata alone first, so that a file without tensors is described too.
    auto metadata = readModelMetadata(f);
    if (metadata.ok())
        r.config = *metadata;
    else
        r.configError = metadata.error().message();

    if (f.has("tokenizer.ggml.tokens") || f.has("tokenizer.ggml.model")) {
        auto tok = Tokenizer::fromGguf(f);
        if (tok.ok())
            r.tokenizer = tokenizerReport(**tok);
        else
            r.tokenizerError = tok.error().message();
    } else {
        r.tokenizerError = "the file has no tokenizer (tokenizer.ggml.tokens)";
    }

    for (const GgufTensorInfo& t : f.tensors()) {
        WeightTypeReport& w = r.weightTypes[tensorTypeName(t.type)];
        ++w.tensors;
        w.elements += t.elementCount;
        w.bytes += t.byteSize;
        r.parameters += t.elementCount;
        r.mappedWeightBytes += t.byteSize;
        if (!isMatrixOfLayerOrHead(t) || t.type == TensorType::F32 || t.type == TensorType::F16 ||
            t.type == TensorType::BF16)
            continue;
        r.cpuRepackedBytes += t.byteSize;
    }

    if (isVocabularyOnly(f)) {
        r.kind = ModelReport::Kind::VocabularyOnly;
        r.refusal = "the file holds only a vocabulary (no tensors): it can tokenize and "
                    "detokenize text, but running it needs the model's weights";
    } else {
        auto model = Model::fromFile(file);
        if (model.ok()) {
            r.kind = ModelReport::Kind::Model;
            r.config = (*model)->config();
        } else {
            r.kind = ModelReport::Kind::Refused;
            r.refusal = model.error().message();
            auto full = readModelConfig(f);
            if (full.ok())
                r.config = *full;
        }
    }
    if (r.config) {
        const ModelConfig& c = *r.config;
        r.kvBytesPerToken = 2ull * static_cast<uint64_t>(c.layers) *
                            static_cast<uint64_t>(c.kvDim()) * sizeof(float);
        r.kvBytesAtContext = r.kvBytesPerToken * static_cast<uint64_t>(c.contextLength);
    }
    return r;
}

} // namespace dash
