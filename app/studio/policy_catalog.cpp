// SPDX-License-Identifier: MIT
#include "app/studio/policy_catalog.h"

#include <QCoreApplication>

namespace dash::studio {

QList<PolicyEntry> policyEntries() {
    // Baseline kinds are core's policyKindName()s, so runs name them alike.
    return {
        {QStringLiteral("full"), QCoreApplication::translate("PolicyCatalog", "Full precision"),
         false, false, false},
        {policyFileKind(), QCoreApplication::translate("PolicyCatalog", "DASH policy file"), false,
         true, false},
        {QStringLiteral("early-exit"), QCoreApplication::translate("PolicyCatalog", "Early-Exit"),
         true, false, false},
        {QStringLiteral("skipdecode"), QCoreApplication::translate("PolicyCatalog", "SkipDecode"),
         true, false, false},
        {QStringLiteral("adaskip"), QCoreApplication::translate("PolicyCatalog", "AdaSkip"), true,
         false, false},
        {QStringLiteral("random"), QCoreApplication::translate("PolicyCatalog", "RandomSkip"), true,
         false, false},
        {QStringLiteral("static"),
         QCoreApplication::translate("PolicyCatalog", "Static similarity"), true, false, true},
    };
}

const PolicyEntry* findPolicy(const QList<PolicyEntry>& entries, const QString& kind) {
    for (const PolicyEntry& e : entries)
        if (e.kind == kind)
            return &e;
    return nullptr;
}

} // namespace dash::studio
