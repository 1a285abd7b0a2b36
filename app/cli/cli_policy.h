// SPDX-License-Identifier: MIT
// Choosing a policy on the command line (the options below become a
// dash::PolicyRequest, built by core/dash/policy_spec.h):
//   --policy full|early-exit|skipdecode|adaskip|random|static|FILE.policy
//   --ratio R          tune the policy's knob to nominal ratio R
//   --tune-file TEXT   held-out text for tuning policies whose ratio depends on the input
//   --calibration C    layer ranking for 'static' (from dash-cli calibrate)
//   --kv-mode project|mask
//   --sync             DASH decides from exact hidden states (nothing runs aside)
#pragma once

#include "app/cli/cli_common.h"
#include "core/dash/policy.h"

#include <memory>
#include <set>
#include <string>

namespace dash::cli {

inline const std::set<std::string> kPolicyOptions = {"policy", "ratio", "calibration", "tune-file",
                                                     "kv-mode"};
inline const std::set<std::string> kPolicyFlags = {"sync"};

// Builds the policy and configures the engine for it (KV mode, tuning,
// compensation). Prints the tuning result to stderr unless quiet.
Expected<std::unique_ptr<Policy>> policyFromArgs(const Args& args, const Model& model,
                                                 Engine& engine, bool quiet);

} // namespace dash::cli
