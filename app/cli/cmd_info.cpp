// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/gguf/quant.h"
#include "core/model/model_report.h"

#include <algorithm>
#include <cstdio>

namespace dash::cli {

namespace {

// A metadata value as JSON; long arrays are summarised unless `full`.
Json valueJson(const GgufValue& v, bool full) {
    switch (v.type) {
    case GgufValueType::U8:
    case GgufValueType::U16:
    case GgufValueType::U32:
    case GgufValueType::U64:
        return Json(v.scalar.u);
    case GgufValueType::I8:
    case GgufValueType::I16:
    case GgufValueType::I32:
    case GgufValueType::I64:
        return Json(v.scalar.i);
    case GgufValueType::F32:
    case GgufValueType::F64:
        return Json(v.scalar.f);
    case GgufValueType::Bool:
        return Json(v.scalar.b);
    case GgufValueType::String:
        return Json(v.string);
    case GgufValueType::Array:
        if (full && v.arrayType == GgufValueType::String)
            return Json::array(v.arrayStrings);
        return Json(std::string("array of ") + std::to_string(v.arrayCount) + " " +
                    valueTypeName(v.arrayType));
    }
    return Json();
}

std::string bytesText(uint64_t bytes) {
    char buf[32];
    if (bytes >= (1ull << 30))
        std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1ull << 30));
    else if (bytes >= (1ull << 20))
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1ull << 20));
    else if (bytes >= 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
    else
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    return buf;
}

Json ropeJson(const ModelConfig& c) {
    Json r = Json::object();
    r.set("layout", ropeLayoutName(c.ropeLayout));
    r.set("base", c.ropeBase);
    r.set("scaling", ropeScalingName(c.ropeScaling()));
    r.set("linear_factor", c.ropeLinearFactor);
    if (!c.ropeFreqFactors.empty()) {
        const auto [lo, hi] =
            std::minmax_element(c.ropeFreqFactors.begin(), c.ropeFreqFactors.end());
        Json f = Json::object();
        f.set("count", static_cast<uint64_t>(c.ropeFreqFactors.size()));
        f.set("min", static_cast<double>(*lo));
        f.set("max", static_cast<double>(*hi));
        r.set("frequency_factors", std::move(f));
    }
    if (c.ropeOriginalContext > 0)
        r.set("original_context", c.ropeOriginalContext);
    return r;
}

Json configJson(const ModelConfig& c, bool tensors) {
    Json m = Json::object();
    m.set("architecture", c.architectureName);
    if (!c.name.empty())
        m.set("name", c.name);
    m.set("layers", c.layers);
    m.set("dim", c.dim);
    m.set("heads", c.heads);
    m.set("kv_heads", c.kvHeads);
    m.set("head_dim", c.headDim);
    m.set("ffn_dim", c.ffnDim);
    if (tensors) {
        m.set("vocab", c.vocabSize);
        m.set("qkv_bias", c.qkvBias);
        m.set("tied_output", c.tiedOutput);
    }
    m.set("context_length", c.contextLength);
    m.set("rms_eps", c.rmsEps);
    m.set("rope", ropeJson(c));
    return m;
}

Json tokenizerJson(const TokenizerReport& t) {
    Json j = Json::object();
    j.set("kind", t.kind);
    j.set("model", t.model);
    if (t.kind == "byte-level-bpe") {
        j.set("pre", t.pre);
        j.set("pre_family", t.preFamily);
        j.set("ignore_merges", t.ignoreMerges);
        j.set("merges", static_cast<uint64_t>(t.merges));
    } else {
        j.set("add_space_prefix", t.addSpacePrefix);
    }
    j.set("vocab", t.vocabSize);
    Json bos = Json::object();
    bos.set("id", t.bosId);
    bos.set("piece", t.bosPiece);
    bos.set("added", t.addBos);
    bos.set("added_because",
            t.addBosFromFile ? "tokenizer.ggml.add_bos_token" : "the default of this tokenizer");
    j.set("bos", std::move(bos));
    Json eos = Json::object();
    eos.set("id", t.eosId);
    eos.set("piece", t.eosPiece);
    eos.set("added", t.addEos);
    j.set("eos", std::move(eos));
    j.set("control_tokens", static_cast<uint64_t>(t.controlTokens));
    j.set("user_defined_tokens", static_cast<uint64_t>(t.userDefinedTokens));
    j.set("byte_tokens", static_cast<uint64_t>(t.byteTokens));
    // What tokenize and the prompt paths do with typed control tokens.
    j.set("parse_special_default", true);
    return j;
}

void printText(const std::string& path, const GgufFile& f, const ModelReport& r, const Json& meta,
               bool tensors) {
    std::printf("%s: GGUF v%u, %s, %zu tensors\n", path.c_str(), f.version(),
                bytesText(f.fileSize()).c_str(), f.tensors().size());
    switch (r.kind) {
    case ModelReport::Kind::Model:
        std::printf("kind: model (this engine runs it)\n");
        break;
    case ModelReport::Kind::VocabularyOnly:
        std::printf("kind: vocabulary only (tokenize, detokenize and info use it; nothing runs "
                    "it)\n");
        break;
    case ModelReport::Kind::Refused:
        std::printf("kind: refused: %s\n", r.refusal.c_str());
        break;
    }
    if (r.config) {
        const ModelConfig& c = *r.config;
        std::printf("model: %s%s%s, %d layers, dim %d, %d heads (%d KV, head dim %d), ffn %d, "
                    "context %d, rms eps %g",
                    c.architectureName.c_str(), c.name.empty() ? "" : " ",
                    c.name.empty() ? "" : ("\"" + c.name + "\"").c_str(), c.layers, c.dim, c.heads,
                    c.kvHeads, c.headDim, c.ffnDim, c.contextLength, c.rmsEps);
        if (c.vocabSize > 0)
            std::printf(", vocab %d%s%s", c.vocabSize, c.tiedOutput ? ", tied output" : "",
                        c.qkvBias ? ", q/k/v biases" : "");
        std::printf("\n");
        std::printf("rope: %s, base %g, scaling %s", ropeLayoutName(c.ropeLayout), c.ropeBase,
                    ropeScalingName(c.ropeScaling()));
        if (c.ropeLinearFactor != 1.0)
            std::printf(" (positions / %g)", c.ropeLinearFactor);
        if (!c.ropeFreqFactors.empty()) {
            const auto [lo, hi] =
                std::minmax_element(c.ropeFreqFactors.begin(), c.ropeFreqFactors.end());
            std::printf(" (rope_freqs.weight: %zu factors from %g to %g)", c.ropeFreqFactors.size(),
                        *lo, *hi);
        }
        if (c.ropeOriginalContext > 0)
            std::printf(", original context %d", c.ropeOriginalContext);
        std::printf("\n");
    } else {
        std::printf("model: %s\n", r.configError.c_str());
    }
    if (r.tokenizer) {
        const TokenizerReport& t = *r.tokenizer;
        std::printf("tokenizer: %s (tokenizer.ggml.model %s), %d tokens", t.kind.c_str(),
                    t.model.c_str(), t.vocabSize);
        if (t.kind == "byte-level-bpe")
            std::printf(", %zu merges, pre-tokenizer %s (%s)%s", t.merges, t.pre.c_str(),
                        t.preFamily.c_str(), t.ignoreMerges ? ", ignore_merges" : "");
        else
            std::printf(", space prefix %s", t.addSpacePrefix ? "added" : "not added");
        std::printf("\n  BOS %d %s %s (%s), EOS %d %s %s\n", t.bosId,
                    Json(t.bosPiece).dump().c_str(), t.addBos ? "added" : "not added",
                    t.addBosFromFile ? "tokenizer.ggml.add_bos_token" : "default of this tokenizer",
                    t.eosId, Json(t.eosPiece).dump().c_str(), t.addEos ? "added" : "not added");
        std::printf("  %zu control, %zu user-defined, %zu byte tokens; typed control tokens are "
                    "parsed by default (tokenize --no-parse-special keeps them as text)\n",
                    t.controlTokens, t.userDefinedTokens, t.byteTokens);
    } else {
        std::printf("tokenizer: %s\n", r.tokenizerError.c_str());
    }
    if (!r.weightTypes.empty()) {
        std::printf("weights:");
        const char* sep = " ";
        for (const auto& [type, w] : r.weightTypes) {
            std::printf("%s%s %zu tensors %s", sep, type.c_str(), w.tensors,
                        bytesText(w.bytes).c_str());
            sep = ", ";
        }
        std::printf("; %llu parameters\n", static_cast<unsigned long long>(r.parameters));
    }
    if (r.config && r.kind != ModelReport::Kind::VocabularyOnly) {
        std::printf("memory: %s of weights in the file", bytesText(r.mappedWeightBytes).c_str());
        if (r.cpuRepackedBytes > 0)
            std::printf(" (%s repacked by the CPU backend in place of the file's pages)",
                        bytesText(r.cpuRepackedBytes).c_str());
        std::printf(", KV cache %s per token (%s at the context of %d)\n",
                    bytesText(r.kvBytesPerToken).c_str(), bytesText(r.kvBytesAtContext).c_str(),
                    r.config->contextLength);
    }
    std::printf("metadata:\n");
    for (const auto& [key, value] : meta.asObject())
        std::printf("  %-44s %s\n", key.c_str(),
                    value.isString() ? value.asString().c_str() : value.dump().c_str());
    if (tensors)
        for (const auto& t : f.tensors())
            std::printf("  %-32s %-5s %s\n", t.name.c_str(), tensorTypeName(t.type).c_str(),
                        Json::array(t.shape).dump().c_str());
}

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv, {"model"}, {"json", "tensors"});
    if (!args.ok())
        return fail("info", args.error());
    auto path = args->required("model");
    if (!path.ok())
        return fail("info", path.error());
    auto opened = GgufFile::open(*path);
    if (!opened.ok())
        return fail("info", opened.error());
    // Shared, so that the file outlives a model that failed to load from it.
    const std::shared_ptr<const GgufFile> file(std::move(opened).value());
    const GgufFile& f = *file;
    const ModelReport report = describeModelFile(file);

    Json out = Json::object();
    out.set("path", *path);
    out.set("gguf_version", f.version());
    out.set("file_size", f.fileSize());
    out.set("tensor_count", static_cast<uint64_t>(f.tensors().size()));
    out.set("kind", modelReportKindName(report.kind));
    out.set("runs", report.runs());
    if (!report.refusal.empty())
        out.set(report.kind == ModelReport::Kind::VocabularyOnly ? "note" : "refusal",
                report.refusal);
    if (report.config)
        out.set("model", configJson(*report.config, !f.tensors().empty()));
    else
        out.set("model_error", report.configError);
    if (report.tokenizer)
        out.set("tokenizer", tokenizerJson(*report.tokenizer));
    else
        out.set("tokenizer_error", report.tokenizerError);
    Json weights = Json::object();
    Json types = Json::object();
    for (const auto& [type, w] : report.weightTypes) {
        Json t = Json::object();
        t.set("tensors", static_cast<uint64_t>(w.tensors));
        t.set("elements", w.elements);
        t.set("bytes", w.bytes);
        types.set(type, std::move(t));
    }
    weights.set("types", std::move(types));
    weights.set("parameters", report.parameters);
    out.set("weights", std::move(weights));
    Json memory = Json::object();
    memory.set("mapped_weight_bytes", report.mappedWeightBytes);
    memory.set("cpu_repacked_bytes", report.cpuRepackedBytes);
    memory.set("kv_cache_bytes_per_token", report.kvBytesPerToken);
    memory.set("kv_cache_bytes_at_context", report.kvBytesAtContext);
    out.set("memory", std::move(memory));
    Json meta = Json::object();
    for (const auto& [key, value] : f.metadata())
        meta.set(key, valueJson(value, false));
    out.set("metadata", meta);
    if (args->flag("tensors")) {
        Json tensors = Json(Json::Array{});
        for (const auto& t : f.tensors()) {
            Json e = Json::object();
            e.set("name", t.name);
            e.set("type", tensorTypeName(t.type));
            e.set("shape", Json::array(t.shape));
            e.set("offset", t.offset);
            e.set("bytes", t.byteSize);
            tensors.push(std::move(e));
        }
        out.set("tensors", std::move(tensors));
    }

    // A refused file is described; the exit status and the last line on
    // standard error say that it cannot run and why.
    if (args->flag("json"))
        printJson(out);
    else
        printText(*path, f, report, meta, args->flag("tensors"));
    if (report.kind == ModelReport::Kind::Refused) {
        // Model::load's reasons mostly name the file already.
        const bool named = report.refusal.rfind(*path, 0) == 0;
        return fail("info", "refused: " + (named ? "" : *path + ": ") + report.refusal);
    }
    return 0;
}

} // namespace

const Command kInfoCommand = {"info",
                              "describe a GGUF file and what this engine does with it or refuses",
                              "--model FILE.gguf [--tensors] [--json]", run};

} // namespace dash::cli
