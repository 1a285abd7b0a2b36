// SPDX-License-Identifier: MIT
// How much can any input-aware skip/full policy gain over static skipping on a
// text? Three measurements, all with the engine's compensation as configured:
//
// - The oracle. For every token t of every window and every skip count k, a
//   set S_t(k) of inner layers (1 .. L-2) whose skipping costs that token the
//   least, found with the true loss of the token's own prediction, the rest of
//   the window at full precision (the KV cache of earlier positions is the full
//   model's):
//     nll: loss_t(S) = log p_full(x_{t+1}) - log p_S(x_{t+1})  (uses the label)
//     kl:  loss_t(S) = KL(p_full(.|t) || p_S(.|t))              (label-free)
//   The last position of a window, whose next token the window does not hold,
//   is scored by kl in both modes. Search: greedy (grow S one layer at a time,
//   each time adding the layer whose addition costs least; sets are nested) or
//   exhaustive (every subset; exact, for small models).
// - The budget. Static skipping at ratio r skips k̄ = L(1 - 1/r) layers of
//   every token (the fraction spread over positions as RankedSkipPolicy does).
//   The oracle spends the same number of skips per window: per token
//   (every token the static count, only the sets differ) or shared (the
//   window's total shared among its tokens by exact dynamic programming over
//   the loss curves).
// - The best static set: greedy layer removal on held-out text (remove the
//   layer whose removal raises the held-out NLL least, repeat), since the
//   calibration's similarity ranking need not be the best static choice.
//
// The oracle's decisions are then replayed all at once (evaluateStateTable),
// where tokens do interact through the KV cache: its perplexity there is the
// measured headroom, its isolated estimate (the curves summed) an upper bound
// of what per-token choices could give without interactions.
#pragma once

#include "core/dash/baselines.h"
#include "core/dash/evaluation.h"
#include "core/dash/state_table.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"

#include <functional>
#include <string>
#include <vector>

namespace dash {

// The windows evaluatePolicy uses for the same options: start offsets into
// the text, each `context` tokens long.
std::vector<int64_t> evaluationWindows(int64_t textTokens, const EvaluationOptions& options,
                                       int64_t context);

// The window of `context` tokens of `ids` at `start`; an error names a window
// that leaves the text.
Expected<std::span<const int32_t>> textWindow(const std::vector<int32_t>& ids, int64_t start,
                                              int64_t context);

enum class OracleLoss { Nll, Kl };
const char* oracleLossName(OracleLoss loss);
Expected<OracleLoss> parseOracleLoss(const std::string& text);

enum class OracleSearch { Greedy, Exhaustive };

struct OracleOptions {
    EvaluationOptions windows; // which windows (context, maxTokens, maxWindows, spread)
    int32_t maxSkips = -1;     // < 0: every inner layer (L - 2)
    OracleLoss loss = OracleLoss::Nll;
    OracleSearch search = OracleSearch::Greedy;
    const CancelToken* cancel = nullptr;
    std::function<void(int64_t done, int64_t total)> onProgress; // in tokens
};

struct TokenCurve {
    std::vector<std::vector<int32_t>> sets; // [k]: the chosen skip set of size k
    std::vector<double> loss;               // [k]: its loss (nats), loss[0] = 0
};

struct OracleCurves {
    int32_t layers = 0;
    int64_t context = 0;
    OracleLoss loss = OracleLoss::Nll;
    OracleSearch search = OracleSearch::Greedy;
    std::vector<int64_t> windowStarts; // offsets into the text
    std::vector<TokenCurve> tokens;    // [window * context + t]
    int64_t trials = 0;                // single-token passes run
};

// Curves as JSON, for reuse (computing them costs about (L-2)(L-1)/2
// single-token passes per token). The hashes name the model and the text.
Json oracleCurvesToJson(const OracleCurves& curves, const std::string& modelSha256,
                        const std::string& textSha256);
// Checks the format and that the curves were made for this model and text.
Expected<OracleCurves> oracleCurvesFromJson(const Json& json, int32_t layers,
                                            const std::string& modelSha256,
                                            const std::string& textSha256);

// Needs a model of at least 3 layers. Leaves the engine reset.
Expected<OracleCurves> computeOracleCurves(Engine& engine, const std::vector<int32_t>& ids,
                                           const OracleOptions& options);

// Skips of a static policy at `ratio` for the token at window position
// `position`: floor(k̄) plus one for the fraction of positions RankedSkipPolicy
// gives the extra layer, k̄ = L(1 - 1/ratio) clamped to [0, L-2].
int32_t staticSkipCount(int32_t layers, double ratio, int64_t position);

enum class OracleBudget { PerToken, Shared };
const char* oracleBudgetName(OracleBudget budget);

struct OracleAssignment {
    StateTable states;          // [window * context + t][layer]
    std::vector<int32_t> skips; // [window * context + t]
    double estimatedLoss = 0;   // mean curve loss over the scored positions (nats)
};

// The oracle's decisions at `ratio`. Shared: per window, the skip counts that
// minimise the summed curve losses with the window's static total (exact for
// the given curves).
OracleAssignment assignOracle(const OracleCurves& curves, double ratio, OracleBudget budget);

// Replays a state table over windows (row window * context + t), every window
// from an empty cache; perplexity and nominal ratio as evaluatePolicy reports.
Expected<EvaluationResult>
evaluateStateTable(Engine& engine, const std::vector<int32_t>& ids,
                   const std::vector<int64_t>& windowStarts, int64_t context,
                   const StateTable& states, const CancelToken* cancel = nullptr,
                   const std::function<void(int64_t done)>& onWindow = {});

struct StaticSearchOptions {
    EvaluationOptions windows; // held-out windows scored for each candidate
    int32_t maxSkips = -1;     // < 0: every inner layer
    const CancelToken* cancel = nullptr;
    std::function<void(int32_t skips, int32_t layer, double nll)> onStep;
};

struct StaticSearchResult {
    std::vector<int32_t> order; // layers in the order greedy removal skipped them
    std::vector<double> nll;    // [k]: mean NLL per scored token with order[0..k) skipped
    int64_t evaluations = 0;
};

// Greedy layer removal with the engine's compensation. Leaves the engine reset.
Expected<StaticSearchResult> searchStaticOrder(Engine& engine, const std::vector<int32_t>& heldOut,
                                               const StaticSearchOptions& options);

// Static skipping in a given order with a given compensation (the best static
// set of a search, with or without alpha). Reports itself as static skipping.
class OrderedSkipPolicy : public RankedSkipPolicy {
public:
    OrderedSkipPolicy(int32_t layers, std::vector<int32_t> order, Compensation compensation,
                      double skipLayers = 4)
        : RankedSkipPolicy(layers, skipLayers), m_order(std::move(order)),
          m_compensation(std::move(compensation)) {}
    PolicyKind kind() const override { return PolicyKind::StaticSimilarity; }
    Json parameters() const override;
    Status prepare(Engine& engine) const override;
    std::vector<int32_t> order() const override { return m_order; }

private:
    std::vector<int32_t> m_order;
    Compensation m_compensation;
};

} // namespace dash
