// SPDX-License-Identifier: MIT
// Policy files: one self-describing JSON file per policy.
//   {"format": "dash-policy", "version": 1, "kind": "dash", "created": ...,
//    "model": {"sha256", "architecture", "layers", "dim", "name", "file"},
//    "state": {...kind-specific: parameters, calibration, scorer, training...},
//    "checksum": sha256 of kind + model sha256 + state}
// Loading checks the format, the version, the checksum (corruption) and that
// the file was made for the loaded model.
#pragma once

#include "core/dash/calibration.h"
#include "core/dash/policy.h"
#include "core/model/model.h"

#include <memory>
#include <string>

namespace dash {

constexpr int kPolicyFileVersion = 1;

Json policyState(const Policy& policy);
Json policyFileJson(const Policy& policy, const Model& model);
Status savePolicyFile(const std::string& path, const Policy& policy, const Model& model);
Expected<std::unique_ptr<Policy>> policyFromFileJson(const Json& json, const Model& model);
Expected<std::unique_ptr<Policy>> loadPolicyFile(const std::string& path, const Model& model);

// A baseline (or full precision) of `kind` at its default knob. Static
// similarity needs a calibration (its layer ranking); DASH cannot be made this
// way (it needs a trained policy file).
Expected<std::unique_ptr<Policy>> makeBaseline(PolicyKind kind, const Model& model,
                                               const Calibration* calibration);

} // namespace dash
