// SPDX-License-Identifier: MIT
// Inputs for sweep tests on the demo model, written to a directory: short
// slices of the shared test and validation texts, a calibration on two
// windows, and DASH policy files with an untrained scorer (enough to load,
// tune and run) marked as trained for given ratios:
//   dash-1.5.policy, dash-2.0.policy     variant "dash"
//   skip-a.policy, skip-b.policy         variant "dash-skip", both for 2.0
// and a baseline saved as a policy file (not DASH).
#pragma once

#include "core/model/model.h"

#include <memory>
#include <string>

namespace dash::test {

struct SweepFixture {
    std::shared_ptr<const Model> model;
    std::string testText;
    std::string tuneText;
    std::string calibration;
    std::string dash15;
    std::string dash20;
    std::string skipA;
    std::string skipB;
    std::string baselineFile;
};

// Writes the files under `dir`; the error says what failed.
Expected<SweepFixture> makeSweepFixture(const std::string& modelPath, const std::string& testSource,
                                        const std::string& tuneSource, const std::string& dir);

} // namespace dash::test
