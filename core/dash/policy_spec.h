// SPDX-License-Identifier: MIT
// Building a policy from a description: the one place where dash-cli
// (--policy/--ratio/--tune-file/--calibration), the sweep and dash-studio's
// policy picker turn "which policy, at which ratio" into a dash::Policy.
//
//   PolicyRequest spec;
//   spec.kind = "adaskip";
//   spec.targetRatio = 2.0;
//   spec.tuneTextPath = "wikitext2_valid.txt";
//   DASH_ASSIGN_OR_RETURN(BuiltPolicy built, buildPolicy(spec, engine));
//
// Loading (a file, or a baseline at its default knob) and tuning are also
// offered apart, for front ends that check or report something in between.
#pragma once

#include "core/dash/calibration.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy.h"
#include "core/engine/engine.h"
#include "core/util/cancel.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dash {

struct PolicyRequest {
    // A policy kind name (policyKindList(): full, early-exit, ...) or "file".
    // "dash" itself is not buildable here: a DASH policy is a trained file.
    std::string kind = "full";
    std::string filePath;        // kind "file": a policy file (DASH or a saved baseline)
    std::string calibrationPath; // "static": the layer ranking (dash-cli calibrate)
    // Tune the policy's knob to this nominal ratio; none: keep it (a file's
    // knob as saved, a baseline's default).
    std::optional<double> targetRatio;
    std::string tuneTextPath; // held-out text, for policies whose ratio depends on the text
    int64_t tuneWindows = 32; // held-out windows per tuning evaluation, spread over the text
    int64_t tuneContext = 0;  // tokens per window; <= 0: the model's context
    // Read at most this many tokens of the held-out text (<= 0: all of it).
    int64_t tuneMaxTokens = 0;
    // DASH only: decide aside from the approximation h~ (true) or from the
    // exact hidden state (false); none: as saved.
    std::optional<bool> async;
};

// dash-cli's --policy value: a kind name, else the path of a policy file.
// "dash" alone is refused (its error says to give the file).
Expected<PolicyRequest> policyRequestFromArgument(const std::string& text);

struct BuiltPolicy {
    std::unique_ptr<Policy> policy;
    std::string fileSha256;           // of the policy file; empty for built-in policies
    std::optional<TuneResult> tuning; // when it was tuned to spec.targetRatio
    bool tunedOnText = false;         // tuning evaluated held-out text (else the predicted ratio)
    int64_t heldOutTokens = 0;        // tokens of held-out text the tuning read
};

struct PolicyBuildOptions {
    const CancelToken* cancel = nullptr;
    // Already read by the caller (a sweep builds many policies from the same
    // inputs): used instead of reading spec.tuneTextPath / calibrationPath.
    const std::vector<int32_t>* heldOut = nullptr;
    const Calibration* calibration = nullptr;
};

// The calibration at `path`, refused when it was made for another model.
Expected<Calibration> loadCalibrationFor(const std::string& path, const Model& model);

// The policy of `spec` for `model`, not tuned: a policy file (checked against
// the model; its SHA-256 recorded) or a baseline at its default knob.
Expected<BuiltPolicy> loadPolicy(const PolicyRequest& spec, const Model& model,
                                 const PolicyBuildOptions& options = {});

// Whether tuning `policy` to a ratio evaluates held-out text (its ratio
// depends on the text) for windows of `windowTokens`.
bool tuningNeedsText(const Policy& policy, int64_t windowTokens);

// The window length tuning uses for `spec` on `engine`.
int64_t tuneWindowTokens(const PolicyRequest& spec, const Engine& engine);

// Tunes built.policy to spec.targetRatio (nothing when none) on the held-out
// text, or on its predicted ratio when that does not depend on the text. The
// engine then ran (its KV cache is cleared). Errors: a policy with no knob, a
// missing held-out text, an unreadable one (naming the file).
Status tunePolicy(BuiltPolicy& built, const PolicyRequest& spec, Engine& engine,
                  const PolicyBuildOptions& options = {});

// loadPolicy, then tunePolicy; the DASH async choice applied.
Expected<BuiltPolicy> buildPolicy(const PolicyRequest& spec, Engine& engine,
                                  const PolicyBuildOptions& options = {});

} // namespace dash
