// SPDX-License-Identifier: MIT
#include "app/studio/policy_runtime.h"

#include "app/studio/policy_catalog.h"
#include "core/dash/baselines.h"
#include "core/dash/calibration.h"
#include "core/dash/dash_policy.h"
#include "core/dash/policy_file.h"
#include "core/model/tokenizer.h"
#include "core/util/sha256.h"

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

Expected<Calibration> loadCalibrationFor(const QString& path, const Model& model) {
    if (path.isEmpty())
        return invalidError(
            QCoreApplication::translate(
                "PolicyRuntime",
                "static similarity skipping ranks layers by a calibration file; choose one or "
                "compute it (Tools ▸ Calibrate…)")
                .toStdString());
    DASH_ASSIGN_OR_RETURN(Calibration calibration, loadCalibration(localPath(path)));
    if (!calibration.modelSha256.empty() && calibration.modelSha256 != model.sha256())
        return invalidError(localPath(path) + ": calibration was made for another model (sha256 " +
                            calibration.modelSha256.substr(0, 12) + "…, not " +
                            model.sha256().substr(0, 12) + "…)");
    return calibration;
}

} // namespace

Expected<std::vector<int32_t>> readTextTokens(const QString& path, const Tokenizer& tokenizer,
                                              int64_t tokens) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ioError("cannot open '" + localPath(path) +
                       "': " + file.errorString().toStdString());
    if (tokens <= 0) {
        const QByteArray text = file.readAll();
        if (file.error() != QFileDevice::NoError)
            return ioError("cannot read '" + localPath(path) +
                           "': " + file.errorString().toStdString());
        return tokenizer.encode(
            std::string_view(text.constData(), static_cast<size_t>(text.size())));
    }
    // Start with a generous guess of bytes per token and read more while the
    // text falls short; a cut inside a word only affects the last tokens.
    qint64 bytes = std::max<qint64>(4096, std::min<qint64>(tokens, qint64(1) << 40) * 8);
    for (;;) {
        file.seek(0);
        const QByteArray text = file.read(bytes);
        if (text.isNull() && file.error() != QFileDevice::NoError)
            return ioError("cannot read '" + localPath(path) +
                           "': " + file.errorString().toStdString());
        std::vector<int32_t> ids =
            tokenizer.encode(std::string_view(text.constData(), static_cast<size_t>(text.size())));
        const bool whole = text.size() < bytes || file.atEnd();
        if (static_cast<int64_t>(ids.size()) > tokens || whole) {
            if (static_cast<int64_t>(ids.size()) > tokens)
                ids.resize(static_cast<size_t>(tokens));
            return ids;
        }
        bytes *= 2;
    }
}

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

    BuiltPolicy out;
    if (entry->takesFile) {
        if (spec.filePath.isEmpty())
            return invalidError(
                QCoreApplication::translate("PolicyRuntime", "choose a policy file").toStdString());
        status(QCoreApplication::translate("PolicyRuntime", "Loading %1…")
                   .arg(fileName(spec.filePath)));
        DASH_ASSIGN_OR_RETURN(out.policy, loadPolicyFile(localPath(spec.filePath), model));
        DASH_ASSIGN_OR_RETURN(out.fileSha256, sha256File(localPath(spec.filePath), options.cancel));
        if (out.policy->kind() == PolicyKind::Dash) {
            auto& dashPolicy = static_cast<DashPolicy&>(*out.policy);
            dashPolicy.runtime().async = spec.async;
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
                    .arg(fileName(spec.filePath), QString::fromStdString(out.policy->name()));
        }
        return out;
    }

    DASH_ASSIGN_OR_RETURN(PolicyKind kind, parsePolicyKind(spec.kind.toStdString()));
    std::optional<Calibration> calibration;
    if (entry->needsCalibration) {
        DASH_ASSIGN_OR_RETURN(calibration, loadCalibrationFor(spec.calibrationPath, model));
    }
    DASH_ASSIGN_OR_RETURN(out.policy,
                          makeBaseline(kind, model, calibration ? &*calibration : nullptr));
    if (!entry->takesRatio || !out.policy->tunable()) {
        out.note = QCoreApplication::translate("PolicyRuntime", "every layer at full precision");
        return out;
    }

    TuneOptions tune;
    tune.target = spec.targetRatio;
    tune.context =
        std::min<int64_t>({kTuneWindowTokens, model.config().contextLength, engine.maxContext()});
    tune.windows = std::max(1, spec.tuneWindows);
    tune.cancel = options.cancel;
    std::vector<int32_t> heldOut;
    const bool fromText = !out.policy->predictedRatio(tune.context).has_value();
    if (fromText) {
        if (spec.tuneTextPath.isEmpty())
            return invalidError(
                QCoreApplication::translate(
                    "PolicyRuntime", "%1 is tuned on held-out text; choose the text in Preferences")
                    .arg(entry->label)
                    .toStdString());
        DASH_ASSIGN_OR_RETURN(heldOut, readTextTokens(spec.tuneTextPath, model.tokenizer(),
                                                      tune.windows * tune.context));
        out.heldOutTokens = static_cast<int64_t>(heldOut.size());
    }
    status(fromText ? QCoreApplication::translate("PolicyRuntime", "Tuning %1 to %2× on %3…")
                          .arg(entry->label, QString::number(spec.targetRatio, 'f', 2),
                               fileName(spec.tuneTextPath))
                    : QCoreApplication::translate("PolicyRuntime", "Tuning %1 to %2×…")
                          .arg(entry->label, QString::number(spec.targetRatio, 'f', 2)));
    auto tuned = tuneToRatio(*out.policy, engine, heldOut, tune);
    if (!tuned.ok()) {
        if (tuned.error().code() == ErrorCode::Cancelled || !fromText)
            return tuned.error();
        return tuned.error().withContext(localPath(spec.tuneTextPath));
    }
    out.tuning = *tuned;
    out.note = fromText
                   ? QCoreApplication::translate(
                         "PolicyRuntime", "%1 tuned to %2×: %3 gives %4× on %5 held-out tokens")
                         .arg(entry->label, QString::number(spec.targetRatio, 'f', 2),
                              knobText(kind, tuned->knob), QString::number(tuned->ratio, 'f', 3),
                              QString::number(out.heldOutTokens))
                   : QCoreApplication::translate("PolicyRuntime", "%1 tuned to %2×: %3 gives %4×")
                         .arg(entry->label, QString::number(spec.targetRatio, 'f', 2),
                              knobText(kind, tuned->knob), QString::number(tuned->ratio, 'f', 3));
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
