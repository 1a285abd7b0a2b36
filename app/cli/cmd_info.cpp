// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/gguf/quant.h"

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

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv, {"model"}, {"json", "tensors"});
    if (!args.ok())
        return fail("info", args.error());
    auto path = args->required("model");
    if (!path.ok())
        return fail("info", path.error());
    auto file = GgufFile::open(*path);
    if (!file.ok())
        return fail("info", file.error());
    const GgufFile& f = **file;

    Json out = Json::object();
    out.set("path", *path);
    out.set("gguf_version", f.version());
    out.set("file_size", f.fileSize());
    out.set("tensor_count", static_cast<uint64_t>(f.tensors().size()));
    // The model part is optional: info also describes files this engine cannot run.
    auto model = Model::fromFile(std::move(file).value());
    if (model.ok()) {
        const ModelConfig& c = (*model)->config();
        Json m = Json::object();
        m.set("architecture", c.architectureName);
        m.set("layers", c.layers);
        m.set("dim", c.dim);
        m.set("heads", c.heads);
        m.set("kv_heads", c.kvHeads);
        m.set("head_dim", c.headDim);
        m.set("ffn_dim", c.ffnDim);
        m.set("vocab", c.vocabSize);
        m.set("context_length", c.contextLength);
        m.set("rms_eps", c.rmsEps);
        m.set("rope_base", c.ropeBase);
        m.set("rope_layout", ropeLayoutName(c.ropeLayout));
        m.set("qkv_bias", c.qkvBias);
        m.set("tied_output", c.tiedOutput);
        m.set("parameters", (*model)->parameterCount());
        m.set("tokenizer", (*model)->tokenizer().data().model);
        out.set("model", std::move(m));
    } else {
        out.set("model_error", model.error().message());
    }
    const GgufFile& g = model.ok() ? (*model)->file() : f;
    Json meta = Json::object();
    for (const auto& [key, value] : g.metadata())
        meta.set(key, valueJson(value, false));
    out.set("metadata", std::move(meta));
    if (args->flag("tensors")) {
        Json tensors = Json(Json::Array{});
        for (const auto& t : g.tensors()) {
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

    if (args->flag("json")) {
        printJson(out);
        return model.ok() ? 0 : 1;
    }
    std::printf("%s: GGUF v%u, %llu bytes, %zu tensors\n", path->c_str(), g.version(),
                static_cast<unsigned long long>(g.fileSize()), g.tensors().size());
    if (model.ok())
        std::printf("model: %s\n", (*model)->summary().c_str());
    else
        std::printf("model: cannot be run: %s\n", model.error().message().c_str());
    for (const auto& [key, value] : out["metadata"].asObject())
        std::printf("  %-44s %s\n", key.c_str(),
                    value.isString() ? value.asString().c_str() : value.dump().c_str());
    if (args->flag("tensors"))
        for (const auto& t : g.tensors())
            std::printf("  %-32s %-5s %s\n", t.name.c_str(), tensorTypeName(t.type).c_str(),
                        Json::array(t.shape).dump().c_str());
    return model.ok() ? 0 : 1;
}

} // namespace

const Command kInfoCommand = {"info", "describe a GGUF file: model configuration and metadata",
                              "--model FILE.gguf [--tensors] [--json]", run};

} // namespace dash::cli
