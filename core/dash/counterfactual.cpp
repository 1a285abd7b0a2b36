// SPDX-License-Identifier: MIT
#include "core/dash/counterfactual.h"

#include "core/util/log_softmax.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace dash {

int64_t CounterfactualResult::nextToken() const {
    const int64_t next = cell.token + 1;
    return next < static_cast<int64_t>(deltaLogProbs.size()) ? next : -1;
}

Expected<CounterfactualResult> runCounterfactual(Engine& engine, std::span<const int32_t> tokens,
                                                 const StateTable& table,
                                                 const CounterfactualCell& cell,
                                                 const CancelToken* cancel) {
    const ModelConfig& c = engine.model().config();
    const auto count = static_cast<int64_t>(tokens.size());
    if (count == 0)
        return invalidError("counterfactual: no tokens");
    if (table.layers != c.layers)
        return invalidError("counterfactual: the state table has " + std::to_string(table.layers) +
                            " layers, the model " + std::to_string(c.layers));
    if (cell.token < 0 || cell.token >= count || cell.token >= table.tokens())
        return invalidError("counterfactual: token " + std::to_string(cell.token) +
                            " is outside the " + std::to_string(std::min(count, table.tokens())) +
                            " tokens with states");
    if (cell.layer < 0 || cell.layer >= c.layers)
        return invalidError("counterfactual: no layer " + std::to_string(cell.layer));
    if (count > engine.maxContext())
        return invalidError("counterfactual: " + std::to_string(count) +
                            " tokens exceed the context of " + std::to_string(engine.maxContext()));

    CounterfactualResult result;
    result.cell = cell;
    result.originalState = table.at(cell.token, cell.layer);
    result.originalLogProbs.assign(static_cast<size_t>(count), kNoValue);
    result.deltaLogProbs.assign(static_cast<size_t>(count), kNoValue);
    result.kl.assign(static_cast<size_t>(count), kNoValue);

    const auto vocab = static_cast<size_t>(c.vocabSize);
    const int64_t k = cell.token;
    std::vector<double> logA;
    std::vector<double> logB;
    auto logProb = [&](std::span<const float> row, int32_t target) {
        logSoftmax(row, logA);
        return static_cast<float>(logA[static_cast<size_t>(target)]);
    };

    engine.reset();
    StateTableController original(table, 0);
    ForwardOptions options;
    options.allLogits = true;
    options.cancel = cancel;
    options.controller = &original;
    // The shared prefix: rows 0..k-1 predict tokens 1..k, which the cell
    // cannot reach.
    if (k > 0) {
        DASH_ASSIGN_OR_RETURN(std::span<const float> prefix,
                              engine.forward(tokens.first(static_cast<size_t>(k)), options));
        for (int64_t r = 0; r < k; ++r)
            result.originalLogProbs[static_cast<size_t>(r + 1)] =
                logProb(prefix.subspan(static_cast<size_t>(r) * vocab, vocab), tokens[r + 1]);
    }
    const std::span<const int32_t> suffix = tokens.subspan(static_cast<size_t>(k));
    original.setFirstRow(k);
    DASH_ASSIGN_OR_RETURN(std::span<const float> first, engine.forward(suffix, options));
    const std::vector<float> kept(first.begin(), first.end()); // [count - k][vocab]

    StateTable forcedTable = table;
    forcedTable.at(cell.token, cell.layer) = cell.state;
    StateTableController forced(forcedTable, k);
    engine.truncate(k);
    options.controller = &forced;
    DASH_ASSIGN_OR_RETURN(std::span<const float> second, engine.forward(suffix, options));

    result.forcedLogProbs = result.originalLogProbs; // the shared prefix
    for (int64_t t = 1; t <= k; ++t) {
        result.deltaLogProbs[static_cast<size_t>(t)] = 0.0f;
        result.kl[static_cast<size_t>(t)] = 0.0f;
    }
    // Row j of both suffix runs predicts token k + j + 1.
    for (int64_t j = 0; k + j + 1 < count; ++j) {
        const auto t = static_cast<size_t>(k + j + 1);
        const auto target = static_cast<size_t>(tokens[t]);
        logSoftmax(std::span<const float>(kept).subspan(static_cast<size_t>(j) * vocab, vocab),
                   logA);
        logSoftmax(second.subspan(static_cast<size_t>(j) * vocab, vocab), logB);
        double divergence = 0;
        for (size_t v = 0; v < vocab; ++v)
            divergence += std::exp(logA[v]) * (logA[v] - logB[v]);
        result.originalLogProbs[t] = static_cast<float>(logA[target]);
        result.forcedLogProbs[t] = static_cast<float>(logB[target]);
        result.deltaLogProbs[t] = static_cast<float>(logB[target] - logA[target]);
        // Rounding can make a zero divergence slightly negative.
        result.kl[t] = static_cast<float>(std::max(0.0, divergence));
    }
    engine.reset();
    return result;
}

} // namespace dash
