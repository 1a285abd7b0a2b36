// SPDX-License-Identifier: MIT
#include "core/eval/scoring.h"

#include "core/engine/generate.h"
#include "core/model/tokenizer.h"

#include <algorithm>

namespace dash::eval {

namespace {

// Runs the controller of one sequence and adds its counts to the tally.
struct CountedRun {
    std::unique_ptr<LayerController> controller;
    CountingController counter;
    explicit CountedRun(Policy& policy)
        : controller(policy.makeController()), counter(controller.get()) {}
    void addTo(StateTally* tally) const {
        if (tally) {
            tally->cost += counter.cost();
            tally->cells += counter.cells();
        }
    }
};

} // namespace

Expected<ContinuationSplit> splitContinuation(const Tokenizer& tokenizer,
                                              const std::string& context,
                                              const std::string& continuation, int64_t maxTokens) {
    const std::vector<int32_t> whole = tokenizer.encode(context + continuation, true, false);
    const std::vector<int32_t> head = tokenizer.encode(context, true, false);
    size_t common = 0;
    while (common < whole.size() && common < head.size() && whole[common] == head[common])
        ++common;
    ContinuationSplit split;
    split.context.assign(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(common));
    split.continuation.assign(whole.begin() + static_cast<std::ptrdiff_t>(common), whole.end());
    if (split.continuation.empty())
        return invalidError("the continuation '" + continuation + "' gives no tokens");
    if (split.context.empty())
        return invalidError("the context gives no tokens");
    const auto total = static_cast<int64_t>(split.context.size() + split.continuation.size());
    if (total > maxTokens) {
        const bool bos = tokenizer.bos() >= 0 && split.context.front() == tokenizer.bos();
        const int64_t keep = maxTokens - static_cast<int64_t>(split.continuation.size());
        if (keep < (bos ? 2 : 1))
            return invalidError(
                "the continuation alone (" + std::to_string(split.continuation.size()) +
                " tokens) does not fit the context of " + std::to_string(maxTokens));
        const int64_t drop = total - maxTokens;
        const auto from = static_cast<std::ptrdiff_t>(bos ? 1 : 0);
        split.context.erase(split.context.begin() + from, split.context.begin() + from + drop);
        split.truncated = true;
    }
    return split;
}

Expected<double> continuationLogLikelihood(Engine& engine, Policy& policy,
                                           const ContinuationSplit& split, StateTally* tally,
                                           const CancelToken* cancel) {
    const int32_t vocab = engine.model().config().vocabSize;
    std::vector<int32_t> all = split.context;
    all.insert(all.end(), split.continuation.begin(), split.continuation.end());
    engine.reset();
    DASH_TRY(policy.probe(engine, all));
    CountedRun run(policy);
    ForwardOptions fo;
    fo.controller = &run.counter;
    fo.cancel = cancel;
    // Prefill: the context's last logits predict the first continuation token.
    auto last = engine.forward(split.context, fo);
    if (!last.ok()) {
        engine.reset();
        return last.error();
    }
    double sum = logProbability(*last, split.continuation.front());
    const size_t n = split.continuation.size();
    if (n > 1) {
        // Continuation tokens 0 .. n-2 predict tokens 1 .. n-1.
        fo.allLogits = true;
        auto logits =
            engine.forward(std::span<const int32_t>(split.continuation.data(), n - 1), fo);
        if (!logits.ok()) {
            engine.reset();
            return logits.error();
        }
        for (size_t j = 0; j + 1 < n; ++j)
            sum += logProbability(
                logits->subspan(j * static_cast<size_t>(vocab), static_cast<size_t>(vocab)),
                split.continuation[j + 1]);
    }
    run.addTo(tally);
    engine.reset();
    return sum;
}

Expected<ChoiceOutcome> scoreChoices(Engine& engine, Policy& policy, const std::string& context,
                                     const std::vector<std::string>& continuations,
                                     StateTally* tally, const CancelToken* cancel) {
    if (continuations.empty())
        return invalidError("no continuations to score");
    ChoiceOutcome out;
    const Tokenizer& tokenizer = engine.model().tokenizer();
    for (const std::string& c : continuations) {
        DASH_ASSIGN_OR_RETURN(ContinuationSplit split,
                              splitContinuation(tokenizer, context, c, engine.maxContext()));
        out.truncated = out.truncated || split.truncated;
        DASH_ASSIGN_OR_RETURN(double ll,
                              continuationLogLikelihood(engine, policy, split, tally, cancel));
        out.logLikelihoods.push_back(ll);
        out.continuationBytes.push_back(std::max<int64_t>(1, static_cast<int64_t>(c.size())));
    }
    double best = 0, bestNorm = 0;
    for (size_t i = 0; i < continuations.size(); ++i) {
        const double ll = out.logLikelihoods[i];
        const double norm = ll / static_cast<double>(out.continuationBytes[i]);
        if (out.predicted < 0 || ll > best) {
            best = ll;
            out.predicted = static_cast<int>(i);
        }
        if (out.predictedNormalised < 0 || norm > bestNorm) {
            bestNorm = norm;
            out.predictedNormalised = static_cast<int>(i);
        }
    }
    return out;
}

namespace {

std::string questionBlock(const ChoiceQuestion& q) {
    std::string s = q.question + "\n";
    for (size_t i = 0; i < q.choices.size(); ++i)
        s += q.labels[i] + ". " + q.choices[i] + "\n";
    return s + "Answer:";
}

} // namespace

std::string mmluPrompt(const ChoiceQuestion& question, const std::vector<ChoiceQuestion>& shots) {
    std::string subject = question.subject;
    std::replace(subject.begin(), subject.end(), '_', ' ');
    std::string s =
        "The following are multiple choice questions (with answers) about " + subject + ".\n\n";
    for (const ChoiceQuestion& shot : shots)
        s += questionBlock(shot) + " " + shot.labels[static_cast<size_t>(shot.answer)] + "\n\n";
    return s + questionBlock(question);
}

std::vector<std::string> mmluContinuations(const ChoiceQuestion& question) {
    std::vector<std::string> out;
    for (const std::string& label : question.labels)
        out.push_back(" " + label);
    return out;
}

std::string arcPrompt(const ChoiceQuestion& question) {
    return "Question: " + question.question + "\nAnswer:";
}

std::vector<std::string> arcContinuations(const ChoiceQuestion& question) {
    std::vector<std::string> out;
    for (const std::string& choice : question.choices)
        out.push_back(" " + choice);
    return out;
}

Expected<SummaryOutcome> greedySummary(Engine& engine, Policy& policy, const std::string& article,
                                       const SummaryOptions& options, StateTally* tally,
                                       const CancelToken* cancel) {
    if (options.maxNewTokens < 1)
        return invalidError("a summary needs at least one new token");
    const Tokenizer& tokenizer = engine.model().tokenizer();
    const int64_t budget = engine.maxContext() - options.maxNewTokens;
    auto promptOf = [&](size_t chars) {
        return "Article: " + article.substr(0, chars) + "\nSummary:";
    };
    SummaryOutcome out;
    std::vector<int32_t> prompt = tokenizer.encode(promptOf(article.size()), true, false);
    if (static_cast<int64_t>(prompt.size()) > budget) {
        // The longest cut at a space whose prompt fits (token counts grow
        // with the characters kept).
        size_t lo = 0, hi = article.size();
        while (lo < hi) {
            const size_t mid = (lo + hi + 1) / 2;
            if (static_cast<int64_t>(tokenizer.encode(promptOf(mid), true, false).size()) <= budget)
                lo = mid;
            else
                hi = mid - 1;
        }
        const size_t space = article.rfind(' ', lo);
        const size_t cut = space == std::string::npos || space == 0 ? lo : space;
        prompt = tokenizer.encode(promptOf(cut), true, false);
        if (static_cast<int64_t>(prompt.size()) > budget || prompt.size() < 2)
            return invalidError("the summary prompt does not fit the context of " +
                                std::to_string(engine.maxContext()) + " tokens");
        out.truncated = true;
    }
    engine.reset();
    DASH_TRY(policy.probe(engine, prompt));
    CountedRun run(policy);
    GenerateOptions go;
    go.maxNewTokens = options.maxNewTokens;
    go.forward.controller = &run.counter;
    go.forward.cancel = cancel;
    // Leading white space (a line break right after "Summary:") is passed
    // over; the first line break after text ends the summary.
    auto firstLine = [](std::string text) {
        const size_t start = text.find_first_not_of(" \t\r\n");
        text = start == std::string::npos ? std::string() : text.substr(start);
        const size_t nl = text.find('\n');
        return std::make_pair(text.substr(0, nl), nl != std::string::npos);
    };
    std::vector<int32_t> generated;
    go.onToken = [&](int32_t token) {
        generated.push_back(token);
        if (tokenizer.tokenBytes(token).find('\n') == std::string::npos)
            return true;
        return !firstLine(tokenizer.decode(generated)).second;
    };
    auto result = generate(engine, prompt, go);
    engine.reset();
    if (!result.ok())
        return result.error();
    run.addTo(tally);
    out.generatedTokens = static_cast<int64_t>(result->generated.size());
    out.summary = firstLine(tokenizer.decode(result->generated)).first;
    return out;
}

} // namespace dash::eval
