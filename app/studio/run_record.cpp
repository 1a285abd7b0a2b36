// SPDX-License-Identifier: MIT
#include "app/studio/run_record.h"

#include "core/gguf/gguf.h"
#include "core/util/json.h"

#ifdef DASH_HAVE_CUDA
#include "cuda/device_info.h"
#endif

#include <QFile>
#include <QSysInfo>

#include <cmath>

namespace dash::studio {

std::string cpuDeviceName() {
    QFile file(QStringLiteral("/proc/cpuinfo"));
    if (file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        while (!file.atEnd()) {
            const QByteArray line = file.readLine();
            if (line.startsWith("model name")) {
                const qsizetype colon = line.indexOf(':');
                if (colon >= 0)
                    return line.mid(colon + 1).trimmed().toStdString();
            }
        }
    }
    return QSysInfo::currentCpuArchitecture().toStdString();
}

std::string modelMetadataJson(const GgufFile& file) {
    Json out = Json::object();
    for (const auto& [key, value] : file.metadata()) {
        switch (value.type) {
        case GgufValueType::U8:
        case GgufValueType::U16:
        case GgufValueType::U32:
        case GgufValueType::U64:
            out.set(key, Json(value.scalar.u));
            break;
        case GgufValueType::I8:
        case GgufValueType::I16:
        case GgufValueType::I32:
        case GgufValueType::I64:
            out.set(key, Json(value.scalar.i));
            break;
        case GgufValueType::F32:
        case GgufValueType::F64:
            out.set(key, Json(value.scalar.f));
            break;
        case GgufValueType::Bool:
            out.set(key, Json(value.scalar.b));
            break;
        case GgufValueType::String:
            out.set(key, Json(value.string));
            break;
        case GgufValueType::Array:
            break;
        }
    }
    return out.dump();
}

RunEnvironment runEnvironment(const std::string& backend, const std::string& detail) {
    RunEnvironment e;
    e.backend = backend;
    e.deviceName = cpuDeviceName();
#ifdef DASH_HAVE_CUDA
    if (backend == "cuda") {
        auto runtime = cuda::queryRuntime();
        if (runtime.ok() && !runtime->devices.empty()) {
            auto version = [](int v) {
                return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
            };
            e.deviceName = runtime->devices.front().name;
            e.driverVersion = version(runtime->driverVersion);
            e.cudaVersion = version(runtime->runtimeVersion);
        }
    }
#endif
    if (!detail.empty())
        e.deviceName += " (" + detail + ")";
    return e;
}

RunRecord makeRunRecord(const RunSnapshot& snapshot, const ModelInfo& model,
                        const std::string& modelSha256, int64_t modelSizeBytes) {
    RunRecord r;
    r.model.path = model.path.toStdString();
    r.model.sizeBytes = modelSizeBytes;
    r.model.sha256 = modelSha256;
    r.model.architecture = model.architecture.toStdString();
    r.model.metadataJson = model.metadataJson.toStdString();

    // The kind and parameters of the policy that ran (a policy file's own
    // kind, a baseline's tuned knob), else those requested.
    r.policy.kind =
        (snapshot.policyKind.isEmpty() ? snapshot.policy.kind : snapshot.policyKind).toStdString();
    Json parameters = Json::object();
    if (!snapshot.policyParametersJson.isEmpty()) {
        auto ran = Json::parse(snapshot.policyParametersJson.toStdString());
        if (ran.ok() && ran->isObject())
            parameters = std::move(ran).value();
    }
    if (snapshot.policy.targetRatio != 1.0)
        parameters.set("target_ratio", Json(snapshot.policy.targetRatio));
    if (!snapshot.policy.filePath.isEmpty())
        parameters.set("file", Json(snapshot.policy.filePath.toStdString()));
    r.policy.parametersJson = parameters.dump();
    r.policy.fileSha256 = snapshot.policyFileSha256.toStdString();
    r.policy.kvMode = snapshot.policy.kvMode;

    r.environment =
        runEnvironment(snapshot.backend.toStdString(), snapshot.backendDetail.toStdString());
    r.environment.buildId = std::string("dash-studio ") + DASH_VERSION;
    r.environment.threads = model.threads;

    r.promptText = snapshot.prompt.toStdString();
    r.promptIds = snapshot.promptIds;
    r.generatedText = snapshot.generatedText.toStdString();
    r.generatedIds = snapshot.generatedIds;
    r.trace = snapshot.trace;
    r.metrics.nominalRatio = snapshot.nominalRatio();
    // The store refuses NaN: a run without timed passes stores 0.
    r.metrics.msPerToken = std::isfinite(snapshot.msPerToken()) ? snapshot.msPerToken() : 0.0;
    r.metrics.policyOverlap = snapshot.overlap();
    // The prompt's own perplexity: exp of the mean negative log-likelihood.
    const double logLikelihood = snapshot.promptLogLikelihood();
    if (std::isfinite(logLikelihood))
        r.metrics.perplexity = std::exp(-logLikelihood);
    return r;
}

} // namespace dash::studio
