// SPDX-License-Identifier: MIT
// Reference traces for the app's tests, computed straight from core's Engine
// the way `dash-cli trace --json` computes them: a fresh engine, the prompt
// with BOS/EOS as the model's metadata says, greedy generation, and the last
// generated token fed back so that every id has cells.
#pragma once

#include "core/engine/engine.h"
#include "core/engine/generate.h"
#include "core/model/model.h"

#include <QString>
#include <QtTest>

#include <memory>
#include <string>
#include <vector>

namespace dash::test {

struct ReferenceRun {
    std::vector<int32_t> promptIds;
    std::vector<int32_t> generated;
    Trace trace;
};

inline ReferenceRun referenceRun(const std::shared_ptr<const Model>& model, const QString& prompt,
                                 int32_t generateTokens) {
    ReferenceRun run;
    Engine engine(model, EngineOptions{2, 0});
    const QByteArray utf8 = prompt.toUtf8();
    run.promptIds = model->tokenizer().encode(
        std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())), true);
    ForwardOptions forward;
    forward.trace = &run.trace;
    if (generateTokens == 0) {
        auto logits = engine.forward(run.promptIds, forward);
        if (!logits.ok())
            qFatal("reference forward failed: %s", logits.error().message().c_str());
        return run;
    }
    GenerateOptions options;
    options.maxNewTokens = generateTokens;
    options.forward = forward;
    auto result = generate(engine, run.promptIds, options);
    if (!result.ok())
        qFatal("reference generation failed: %s", result.error().message().c_str());
    run.generated = result->generated;
    const int32_t last[1] = {run.generated.back()};
    auto logits = engine.forward(last, forward);
    if (!logits.ok())
        qFatal("reference forward failed: %s", logits.error().message().c_str());
    return run;
}

inline std::shared_ptr<const Model> loadModelOrFail(const std::string& path) {
    auto model = Model::load(path);
    if (!model.ok())
        qFatal("cannot load %s: %s", path.c_str(), model.error().message().c_str());
    return std::move(model).value();
}

} // namespace dash::test
