// SPDX-License-Identifier: MIT
#include "synthetic_task.h"

#include "tiny_model.h"

#include "core/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace dash::test {

std::vector<int32_t> sampleFromModel(const std::shared_ptr<const Model>& model, int sequences,
                                     int64_t window, uint32_t seed) {
    Engine engine(model, EngineOptions{.threads = 1});
    std::mt19937_64 rng(seed);
    const int32_t vocab = model->config().vocabSize;
    std::vector<int32_t> ids;
    std::vector<double> cumulative(static_cast<size_t>(vocab));
    for (int s = 0; s < sequences; ++s) {
        engine.reset();
        int32_t token = 1;
        ids.push_back(token);
        for (int64_t i = 1; i < window; ++i) {
            const int32_t one[] = {token};
            auto logits = engine.forward(one);
            if (!logits.ok())
                return {};
            const float top = *std::max_element(logits->begin(), logits->end());
            double total = 0;
            for (int32_t v = 0; v < vocab; ++v)
                cumulative[static_cast<size_t>(v)] = total +=
                    std::exp((*logits)[static_cast<size_t>(v)] - top);
            const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53 * total;
            token = static_cast<int32_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) -
                                         cumulative.begin());
            token = std::min(token, vocab - 1);
            ids.push_back(token);
        }
    }
    return ids;
}

SyntheticTask makeInputDependentTask(const SyntheticTaskSpec& spec, std::string* error) {
    TinyModelSpec tiny;
    tiny.layers = spec.layers;
    tiny.dim = spec.dim;
    tiny.context = spec.window;
    tiny.seed = spec.seed;
    TinyModel m = makeTinyModel(tiny);
    const auto dim = static_cast<size_t>(spec.dim);
    const auto ffn = static_cast<size_t>(tiny.ffn);
    SyntheticTask task;
    task.window = spec.window;
    task.layerKind.assign(static_cast<size_t>(spec.layers), 0);

    // The kind channel: +s for even ids (A), -s for odd ids (B).
    constexpr float kKindScale = 4.0f;
    TinyTensor* embd = m.findTensor("token_embd.weight");
    for (size_t id = 0; id * dim < embd->values.size(); ++id)
        embd->values[id * dim] = id % 2 == 0 ? kKindScale : -kKindScale;
    constexpr float kGate = 2.0f; // gate pre-activation ≈ ±kGate · normalised channel 0
    for (int32_t l = 0; l < spec.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        TinyTensor* o = m.findTensor(p + "attn_output.weight"); // [dim rows][qDim cols]
        TinyTensor* down = m.findTensor(p + "ffn_down.weight"); // [dim rows][ffn cols]
        const size_t oCols = o->values.size() / dim;
        std::fill(o->values.begin(), o->values.begin() + static_cast<long>(oCols), 0.0f);
        std::fill(down->values.begin(), down->values.begin() + static_cast<long>(ffn), 0.0f);
        if (l == 0 || l + 1 == spec.layers)
            continue;
        const int kind = l % 2 == 1 ? 1 : 2;
        task.layerKind[static_cast<size_t>(l)] = kind;
        for (float& v : o->values)
            v *= 0.01f;
        TinyTensor* gate = m.findTensor(p + "ffn_gate.weight"); // [ffn rows][dim cols]
        for (size_t j = 0; j < ffn; ++j)
            for (size_t c = 0; c < dim; ++c)
                gate->values[j * dim + c] = c == 0 ? (kind == 1 ? kGate : -kGate) : 0.0f;
        for (float& v : down->values)
            v *= 0.1f;
    }
    auto model = loadModelBytes(m.build(), "synthetic-input-dependent.gguf", error);
    if (!model)
        return task;
    task.model = model;
    task.train = sampleFromModel(task.model, spec.trainSequences, spec.window, spec.seed + 1);
    task.eval = sampleFromModel(task.model, spec.evalSequences, spec.window, spec.seed + 2);
    return task;
}

} // namespace dash::test
