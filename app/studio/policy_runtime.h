// SPDX-License-Identifier: MIT
// Policies on the inference worker: a PolicySpec becomes a dash::Policy (a
// policy file, or a baseline tuned to its target ratio) through
// core/dash/policy_spec.h, kept while the spec and the model stay the same,
// and applied to the engine before the runs.
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"
#include "core/util/status.h"

#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dash::studio {

struct PolicyBuildOptions {
    const CancelToken* cancel = nullptr;
    // Told when a slow step starts (reading held-out text, tuning); called on
    // the thread that builds.
    std::function<void(const QString&)> onStatus;
};

struct BuiltPolicy {
    std::unique_ptr<Policy> policy;
    std::string fileSha256;           // of the policy file; empty for built-in policies
    QString note;                     // how the policy was made, for the UI
    std::optional<TuneResult> tuning; // when it was tuned to spec.targetRatio
    int64_t heldOutTokens = 0;        // tokens of held-out text the tuning evaluated on
};

// Tokens in each held-out window when tuning: short windows keep tuning quick
// on models with long contexts; the model's context when that is shorter.
constexpr int64_t kTuneWindowTokens = 256;

// Builds `spec` for the engine's model (dash::loadPolicy, dash::tunePolicy).
// Policies that take a ratio are tuned to spec.targetRatio: on the first
// spec.tuneWindows windows of kTuneWindowTokens of the held-out text when
// their ratio depends on the text (the engine then runs, and its KV cache is
// cleared), else on their predicted ratio. Errors name the file at fault; a
// missing file or text is asked for in the app's words.
Expected<BuiltPolicy> buildPolicy(const PolicySpec& spec, Engine& engine,
                                  const PolicyBuildOptions& options = {});

class PolicyRuntime {
public:
    // The policy of `spec`, with the engine configured for it (KV mode,
    // compensation, reduced-precision weights). Builds it only when the spec or
    // the model changed; `rebuilt` says whether it did (the engine's KV cache
    // is then stale).
    Expected<Policy*> activate(const PolicySpec& spec, Engine& engine,
                               const PolicyBuildOptions& options, bool* rebuilt = nullptr);
    // Forgets the policy (a new model was loaded).
    void clear();

    const BuiltPolicy& built() const { return m_built; }
    // The policy looks at each sequence before running it (AdaSkip), so cells
    // computed for an earlier prompt do not carry over.
    bool probesContext() const;

private:
    std::optional<PolicySpec> m_spec;
    const Model* m_model = nullptr;
    BuiltPolicy m_built;
};

} // namespace dash::studio
