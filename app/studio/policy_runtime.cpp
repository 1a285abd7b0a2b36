// SPDX-License-Identifier: MIT
#include "app/studio/policy_runtime.h"

#include "app/studio/policy_catalog.h"
#include "core/dash/dash_policy.h"
#include "core/dash/policy_spec.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace dash::studio {

namespace {

std::string localPath(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

QString fileName(const QString& path) {
    return QFileInfo(path).fileName();
}

// What the tuned knob of `kind` means, with its value.
QString knobText(PolicyKind kind, double knob) {
    const QString v = QString::number(knob, 'g', 4);
    switch (kind) {
    case PolicyKind::EarlyExit:
        return QCoreApplication::translate("PolicyRuntime", "exit threshold %1").arg(v);
    case PolicyKind::SkipDecode:
        return QCoreApplication::translate("PolicyRuntime", "computed-layer fraction %1").arg(v);
    case PolicyKind::AdaSkip:
    case PolicyKind::StaticSimilarity:
        return QCoreApplication::translate("PolicyRuntime", "%1 layers skipped").arg(v);
    case PolicyKind::RandomSkip:
        return QCoreApplication::translate("PolicyRuntime", "skip probability %1").arg(v);
    case PolicyKind::Dash:
        return QCoreApplication::translate("PolicyRuntime", "cost bias %1").arg(v);
    case PolicyKind::Full:
        break;
    }
    return v;
}

} // namespace

Expected<BuiltPolicy> buildPolicy(const PolicySpec& spec, Engine& engine,
                                  const PolicyBuildOptions& options) {
    const Model& model = engine.model();
    const QList<PolicyEntry> entries = policyEntries();
    const PolicyEntry* entry = findPolicy(entries, spec.kind);
    if (!entry)
        return invalidError("policy '" + spec.kind.toStdString() + "' is not part of this build");
    auto status = [&](const QString& text) {
        if (options.onStatus)
            options.onStatus(text);
    };
    if (entry->takesFile && spec.filePath.isEmpty())
        return invalidError(
            QCoreApplication::translate("PolicyRuntime", "choose a policy file").toStdString());
    if (entry->needsCalibration && spec.calibrationPath.isEmpty())
        return invalidError(QCoreApplication::translate(
                                "PolicyRuntime",
                                "static similarity skipping ranks layers by a calibration file; "
                                "choose one or compute it (Tools ▸ Calibrate…)")
                                .toStdString());

    PolicyRequest request;
    request.kind = entry->takesFile ? std::string("file") : spec.kind.toStdString();
    request.filePath = localPath(spec.filePath);
    request.calibrationPath = localPath(spec.calibrationPath);
    request.tuneTextPath = localPath(spec.tuneTextPath);
    request.tuneWindows = std::max(1, spec.tuneWindows);
    request.tuneContext = kTuneWindowTokens;
    if (entry->takesFile)
        request.async = spec.async;
    if (entry->takesRatio)
        request.targetRatio = spec.targetRatio;
    dash::PolicyBuildOptions core;
    core.cancel = options.cancel;

    if (entry->takesFile)
        status(QCoreApplication::translate("PolicyRuntime", "Loading %1…")
                   .arg(fileName(spec.filePath)));
    DASH_ASSIGN_OR_RETURN(dash::BuiltPolicy built, loadPolicy(request, model, core));
    BuiltPolicy out;
    out.fileSha256 = built.fileSha256;
    if (entry->takesFile) {
        if (built.policy->kind() == PolicyKind::Dash) {
            const auto& dashPolicy = static_cast<const DashPolicy&>(*built.policy);
            const Json& training = dashPolicy.training();
            out.note =
                training["target_ratio"].isNumber()
                    ? QCoreApplication::translate("PolicyRuntime", "%1: DASH, trained for %2×, %3")
                          .arg(fileName(spec.filePath),
                               QString::number(training["target_ratio"].asNumber(), 'f', 2),
                               knobText(PolicyKind::Dash, dashPolicy.knob()))
                    : QCoreApplication::translate("PolicyRuntime", "%1: DASH, %2")
                          .arg(fileName(spec.filePath),
                               knobText(PolicyKind::Dash, dashPolicy.knob()));
        } else {
            out.note =
                QCoreApplication::translate("PolicyRuntime", "%1: %2 from a policy file")
                    .arg(fileName(spec.filePath), QString::fromStdString(built.policy->name()));
        }
        out.policy = std::move(built.policy);
        return out;
    }
    if (!entry->takesRatio || !built.policy->tunable()) {
        out.note = QCoreApplication::translate("PolicyRuntime", "every layer at full precision");
        out.policy = std::move(built.policy);
        return out;
    }

    const int64_t window = tuneWindowTokens(request, engine);
    const bool fromText = tuningNeedsText(*built.policy, window);
    if (fromText && spec.tuneTextPath.isEmpty())
        return invalidError(
            QCoreApplication::translate(
                "PolicyRuntime", "%1 is tuned on held-out text; choose the text in Preferences")
                .arg(entry->label)
                .toStdString());
    // Only the windows the tuning evaluates are read (they come first).
    request.tuneMaxTokens = request.tuneWindows * window;
    status(fromText ? QCoreApplication::translate("PolicyRuntime", "Tuning %1 to %2× on %3…")
                          .arg(entry->label, QString::number(spec.targetRatio, 'f', 2),
                               fileName(spec.tuneTextPath))
                    : QCoreApplication::translate("PolicyRuntime", "Tuning %1 to %2×…")
                          .arg(entry->label, QString::number(spec.targetRatio, 'f', 2)));
    DASH_TRY(tunePolicy(built, request, engine, core));
    const PolicyKind kind = built.policy->kind();
    const TuneResult& tuned = *built.tuning;
    out.policy = std::move(built.policy);
    out.tuning = tuned;
    out.heldOutTokens = built.heldOutTokens;
    out.note = fromText
                   ? QCoreApplication::translate(
                         "PolicyRuntime", "%1 tuned to %2×: %3 gives %4× on %5 held-out tokens")
                         .arg(entry->label, QString::number(spec.targetRatio, 'f', 2),
                              knobText(kind, tuned.knob), QString::number(tuned.ratio, 'f', 3),
                              QString::number(out.heldOutTokens))
                   : QCoreApplication::translate("PolicyRuntime", "%1 tuned to %2×: %3 gives %4×")
                         .arg(entry->label, QString::number(spec.targetRatio, 'f', 2),
                              knobText(kind, tuned.knob), QString::number(tuned.ratio, 'f', 3));
    return out;
}

Expected<Policy*> PolicyRuntime::activate(const PolicySpec& spec, Engine& engine,
                                          const PolicyBuildOptions& options, bool* rebuilt) {
    if (rebuilt)
        *rebuilt = false;
    if (m_spec && *m_spec == spec && m_model == &engine.model() && m_built.policy)
        return m_built.policy.get();
    clear();
    engine.setKvMode(spec.kvMode);
    if (rebuilt)
        *rebuilt = true;
    DASH_ASSIGN_OR_RETURN(BuiltPolicy built, buildPolicy(spec, engine, options));
    DASH_TRY(built.policy->prepare(engine));
    m_built = std::move(built);
    m_spec = spec;
    m_model = &engine.model();
    return m_built.policy.get();
}

void PolicyRuntime::clear() {
    m_spec.reset();
    m_model = nullptr;
    m_built = BuiltPolicy{};
}

bool PolicyRuntime::probesContext() const {
    return m_built.policy && m_built.policy->kind() == PolicyKind::AdaSkip;
}

} // namespace dash::studio
