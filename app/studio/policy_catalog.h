// SPDX-License-Identifier: MIT
// The policies the app offers, as a small list: adding a policy is one entry
// here plus, when it is built differently from a baseline, one case in
// buildPolicy() (policy_runtime.h).
#pragma once

#include <QList>
#include <QString>

namespace dash::studio {

struct PolicyEntry {
    QString kind;                  // stable id, stored in settings and runs
    QString label;                 // translated, for the picker
    bool takesRatio = false;       // the picker asks for a target acceleration ratio
    bool takesFile = false;        // the policy is read from a policy file
    bool needsCalibration = false; // the policy ranks layers by a calibration file
};

QList<PolicyEntry> policyEntries();
// The entry of `kind`, or null when this build has no such policy.
const PolicyEntry* findPolicy(const QList<PolicyEntry>& entries, const QString& kind);

// Kind of the entry that reads a policy file.
inline QString policyFileKind() {
    return QStringLiteral("file");
}

} // namespace dash::studio
