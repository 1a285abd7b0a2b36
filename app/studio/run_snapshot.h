// SPDX-License-Identifier: MIT
// The values that cross the UI/worker thread boundary: what to run, what a
// loaded model is, and the immutable result of one run.
#pragma once

#include "core/engine/engine.h"
#include "core/engine/trace.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace dash::studio {

// Which policy chooses the layer states of a run (kinds: PolicyCatalog), and
// everything that changes its decisions.
struct PolicySpec {
    QString kind = QStringLiteral("full");
    double targetRatio = 1.0; // requested nominal acceleration, for policies that take one
    QString filePath;         // policy file, for policies read from disk
    QString calibrationPath;  // layer ranking of static similarity skipping
    // Held-out text on which policies whose ratio depends on the text are tuned.
    QString tuneTextPath;
    int tuneWindows = 8; // held-out windows per tuning evaluation
    KvMode kvMode = KvMode::Project;
    bool async = true; // DASH scores layer i+1 aside on an idle worker while layer i runs

    bool operator==(const PolicySpec&) const = default;
};

struct RunRequest {
    quint64 generation = 0; // larger is newer; results of older generations are stale
    QString prompt;
    int32_t generateTokens = 0; // greedy tokens after the prefill
    PolicySpec policy;
    // Also run the prompt at full precision (on a second engine with its own
    // KV cache) for RunSnapshot::deltaLogProbs and klFromFull.
    bool referenceFull = false;
    // False: run the whole prompt again instead of reusing the KV cache of
    // its common prefix (a timing of the full prefill).
    bool reuseCache = true;
};

struct ModelInfo {
    QString path;
    QString name; // general.name, else the file name
    QString architecture;
    QString summary;
    QString metadataJson; // scalar GGUF metadata as a JSON object
    int32_t layers = 0;
    int32_t contextLength = 0;
    int32_t vocabSize = 0;
    int32_t threads = 0;
};

// One finished run. Produced once on the worker thread, then only read: every
// view holds the same shared_ptr<const RunSnapshot>.
struct RunSnapshot {
    quint64 generation = 0;
    QString modelPath;
    QString backend;
    QString backendDetail; // BackendInfo::detail of the engine that ran it
    PolicySpec policy;
    QString prompt;
    std::vector<int32_t> promptIds;
    std::vector<int32_t> generatedIds;
    QString generatedText;
    // [prompt token] log p(token | earlier tokens) under the run's policy; NaN
    // for the first token, which nothing predicts.
    std::vector<float> promptLogProbs;
    // With RunRequest::referenceFull, per prompt token t (NaN at t = 0):
    // log p_policy(t | <t) - log p_full(t | <t), and the KL divergence
    // KL(p_full || p_policy) of the next-token distributions that predict t,
    // in nats. Both 0 for the full-precision policy; empty without reference.
    std::vector<float> deltaLogProbs;
    std::vector<float> klFromFull;
    // Display text of every traced token: the prompt ids, then the generated ids.
    QStringList tokenTexts;
    // Cells of every token. Cells of reused tokens come from the KV cache of
    // earlier runs; passes and spans hold only the work this run did.
    Trace trace;
    int32_t reusedTokens = 0; // leading prompt tokens taken from the KV cache
    int64_t prefillNs = 0;
    int64_t decodeNs = 0;
    int64_t wallNs = 0; // the whole request on the worker, tokenisation included
    // The policy that ran, as built from `policy`: its kind ("dash" for a DASH
    // policy file), parameters as a JSON object (tuned knob included), the
    // SHA-256 of its file, and a line on how it was made (tuning result).
    QString policyKind;
    QString policyParametersJson;
    QString policyFileSha256;
    QString policyNote;
    QString policyError; // the policy could not be built; `error` says so too
    QString error;       // empty on success

    bool ok() const { return error.isEmpty(); }
    int32_t tokenCount() const { return trace.tokenCount(); }
    bool isGenerated(int32_t token) const {
        return token >= static_cast<int32_t>(promptIds.size());
    }
    // The one ms/token of the app, as `dash-cli run` prints it: wall time of
    // this run's forward passes over the tokens they computed (tokens reused
    // from the KV cache were not computed and do not count); NaN without passes.
    double msPerToken() const;
    // The same over the passes that started at a prompt token (prefill) and
    // over the passes of generated tokens (decode, one token each).
    double prefillMsPerToken() const;
    double decodeMsPerToken() const;
    // Σ states / (4·L) of one token: 1 at full precision, 0 when every layer skipped.
    double computeFraction(int32_t token) const;
    double nominalRatio() const { return trace.nominalRatio(); }
    double overlap() const { return policyOverlap(trace.spans); }
    // Mean of the finite promptLogProbs; NaN when there are none.
    double promptLogLikelihood() const;
};

using SnapshotPtr = std::shared_ptr<const RunSnapshot>;

} // namespace dash::studio

Q_DECLARE_METATYPE(dash::studio::SnapshotPtr)
Q_DECLARE_METATYPE(dash::studio::ModelInfo)
