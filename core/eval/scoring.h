// SPDX-License-Identifier: MIT
// Scoring a model under a policy: log-likelihoods of answer continuations
// (multiple choice), greedy summaries, and the prompts of MMLU and ARC.
//
// Policies apply as in generation: the context is one prefill pass and the
// continuation a second pass after it, both through one controller made by
// the policy for the sequence, which decides every (token, layer) state;
// Policy::probe sees the whole sequence first (AdaSkip). Summaries are
// generated greedily with the controller on every pass (prefill and each
// decode step). The states set are counted for the nominal ratio.
#pragma once

#include "core/dash/policy.h"
#include "core/engine/engine.h"
#include "core/eval/datasets.h"
#include "core/util/cancel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dash {
class Tokenizer;
}

namespace dash::eval {

// States counted over many passes: nominal ratio = 4 * cells / cost.
struct StateTally {
    double cost = 0;
    double cells = 0;
    double ratio() const { return cost > 0 ? 4.0 * cells / cost : 0.0; }
};

// A context and its continuation as token ids. The text context +
// continuation is tokenised whole and split after the longest prefix it
// shares with the tokenised context, so the continuation's ids are those the
// model sees in the joint text. When the whole does not fit in `maxTokens`,
// the context loses tokens from its start (after a leading BOS).
struct ContinuationSplit {
    std::vector<int32_t> context;
    std::vector<int32_t> continuation;
    bool truncated = false;
};

Expected<ContinuationSplit> splitContinuation(const Tokenizer& tokenizer,
                                              const std::string& context,
                                              const std::string& continuation, int64_t maxTokens);

// Sum over the continuation of log p(token | everything before it). Leaves
// the engine reset.
Expected<double> continuationLogLikelihood(Engine& engine, Policy& policy,
                                           const ContinuationSplit& split, StateTally* tally,
                                           const CancelToken* cancel = nullptr);

struct ChoiceOutcome {
    std::vector<double> logLikelihoods;
    std::vector<int64_t> continuationBytes; // length normalisation divides by these
    int predicted = -1;                     // argmax of the log-likelihood (first on ties)
    int predictedNormalised = -1;           // argmax of log-likelihood / bytes
    bool truncated = false;                 // some context lost its start
};

// Scores each continuation after `context`.
Expected<ChoiceOutcome> scoreChoices(Engine& engine, Policy& policy, const std::string& context,
                                     const std::vector<std::string>& continuations,
                                     StateTally* tally, const CancelToken* cancel = nullptr);

// MMLU's k-shot prompt: "The following are multiple choice questions (with
// answers) about <subject, '_' as spaces>.\n\n", then for each shot and the
// question "<question>\nA. <a>\nB. <b>\nC. <c>\nD. <d>\nAnswer:", each shot
// followed by " <letter>\n\n". The continuations are " A" .. " D".
std::string mmluPrompt(const ChoiceQuestion& question, const std::vector<ChoiceQuestion>& shots);
std::vector<std::string> mmluContinuations(const ChoiceQuestion& question);

// ARC: "Question: <question>\nAnswer:", continuations " <choice text>".
std::string arcPrompt(const ChoiceQuestion& question);
std::vector<std::string> arcContinuations(const ChoiceQuestion& question);

struct SummaryOptions {
    int32_t maxNewTokens = 48;
};

struct SummaryOutcome {
    std::string summary;    // up to the first line break
    bool truncated = false; // the article was cut to fit the context
    int64_t generatedTokens = 0;
};

// Greedy summary of "Article: <article>\nSummary:" (the article cut at a
// space so that the prompt and maxNewTokens fit in the engine's context),
// stopped at end of sequence or the first line break.
Expected<SummaryOutcome> greedySummary(Engine& engine, Policy& policy, const std::string& article,
                                       const SummaryOptions& options, StateTally* tally,
                                       const CancelToken* cancel = nullptr);

} // namespace dash::eval
