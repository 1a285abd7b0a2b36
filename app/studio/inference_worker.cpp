// SPDX-License-Identifier: MIT
#include "app/studio/inference_worker.h"

#include "app/studio/run_record.h"
#include "app/studio/token_text.h"
#include "core/dash/token_divergence.h"
#include "core/engine/backend_registry.h"
#include "core/engine/generate.h"
#include "core/engine/sampler.h"
#include "core/util/clock.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMutexLocker>

#include <algorithm>
#include <cmath>

namespace dash::studio {

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) {
    qRegisterMetaType<SnapshotPtr>();
    qRegisterMetaType<ProbeResultPtr>();
    qRegisterMetaType<ModelInfo>();
}

InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::requestLoad(quint64 generation, const QString& path, int threads) {
    QMutexLocker lock(&m_mutex);
    m_pendingLoad = LoadRequest{generation, path, threads};
    m_pendingRun.reset();
    for (auto& probe : m_pendingProbe)
        probe.reset();
    if (m_running)
        m_cancel.cancel();
    scheduleLocked();
}

void InferenceWorker::setBackend(const QString& id) {
    QMutexLocker lock(&m_mutex);
    m_backend = id;
}

void InferenceWorker::requestRun(const RunRequest& request) {
    QMutexLocker lock(&m_mutex);
    m_pendingRun = request;
    if (m_running && !(m_preparing && request.policy == m_preparingPolicy))
        m_cancel.cancel();
    scheduleLocked();
}

void InferenceWorker::requestProbe(const ProbeRequest& request) {
    QMutexLocker lock(&m_mutex);
    const int kind = static_cast<int>(request.kind);
    m_pendingProbe[kind] = request;
    if (m_running && m_runningProbe == kind)
        m_cancel.cancel();
    scheduleLocked();
}

void InferenceWorker::cancelAll() {
    QMutexLocker lock(&m_mutex);
    m_pendingLoad.reset();
    m_pendingRun.reset();
    for (auto& probe : m_pendingProbe)
        probe.reset();
    if (m_running)
        m_cancel.cancel();
}

void InferenceWorker::setRunStartHook(std::function<void(const RunRequest&)> hook) {
    QMutexLocker lock(&m_mutex);
    m_runStartHook = std::move(hook);
}

void InferenceWorker::scheduleLocked() {
    if (m_scheduled)
        return;
    m_scheduled = true;
    QMetaObject::invokeMethod(this, &InferenceWorker::drainQueue, Qt::QueuedConnection);
}

void InferenceWorker::drainQueue() {
    for (;;) {
        std::optional<LoadRequest> load;
        std::optional<RunRequest> run;
        std::optional<ProbeRequest> probe;
        std::function<void(const RunRequest&)> hook;
        {
            QMutexLocker lock(&m_mutex);
            m_running = false;
            m_runningProbe = -1;
            // The lens first: it answers a selection and is quick.
            std::optional<ProbeRequest>* nextProbe = nullptr;
            for (int kind :
                 {static_cast<int>(ProbeKind::Lens), static_cast<int>(ProbeKind::Counterfactual)}) {
                if (!nextProbe && m_pendingProbe[kind])
                    nextProbe = &m_pendingProbe[kind];
            }
            if (m_pendingLoad) {
                load = std::move(m_pendingLoad);
                m_pendingLoad.reset();
            } else if (m_pendingRun) {
                run = std::move(m_pendingRun);
                m_pendingRun.reset();
                m_running = true;
                m_cancel.reset();
                hook = m_runStartHook;
            } else if (nextProbe) {
                probe = std::move(*nextProbe);
                nextProbe->reset();
                m_running = true;
                m_runningProbe = static_cast<int>(probe->kind);
                m_cancel.reset();
            } else {
                m_scheduled = false;
                return;
            }
        }
        if (load) {
            this->load(*load);
            continue;
        }
        if (probe) {
            emit probeFinished(this->probe(*probe));
            continue;
        }
        if (hook)
            hook(*run);
        if (SnapshotPtr snapshot = execute(*run))
            emit runFinished(snapshot);
        else
            emit runCancelled(run->generation);
    }
}

void InferenceWorker::load(const LoadRequest& request) {
    auto model = Model::load(QFile::encodeName(request.path).toStdString());
    if (!model.ok()) {
        emit modelLoadFailed(request.generation, request.path,
                             QString::fromStdString(model.error().message()));
        return;
    }
    m_engine.reset();
    m_refEngine.reset();
    m_refTokens.clear();
    m_probeEngine.reset();
    m_model = std::move(model).value();
    m_threads = request.threads;
    const QString backend = buildEngine(request.threads);
    if (!m_engine) {
        emit modelLoadFailed(request.generation, request.path, backend);
        return;
    }
    m_modelPath = request.path;
    m_cache = Trace{};
    m_cache.layers = m_model->config().layers;
    m_cacheLogProbs.clear();
    m_policy.clear();

    const ModelConfig& c = m_model->config();
    ModelInfo info;
    info.path = request.path;
    info.name =
        c.name.empty() ? QFileInfo(request.path).fileName() : QString::fromStdString(c.name);
    info.architecture = QString::fromStdString(c.architectureName);
    info.summary = QString::fromStdString(m_model->summary()) + QStringLiteral(" · ") + backend;
    info.metadataJson = QString::fromStdString(modelMetadataJson(m_model->file()));
    info.layers = c.layers;
    info.contextLength = static_cast<int32_t>(m_engine->maxContext());
    info.vocabSize = c.vocabSize;
    info.threads = m_engine->threads();
    emit modelLoaded(request.generation, info);
}

SnapshotPtr InferenceWorker::execute(const RunRequest& request) {
    QElapsedTimer wall;
    wall.start();
    auto snap = std::make_shared<RunSnapshot>();
    snap->generation = request.generation;
    snap->prompt = request.prompt;
    snap->policy = request.policy;
    if (m_engine) {
        QMutexLocker lock(&m_mutex);
        const bool rebuild = m_backend != m_engineBackend;
        lock.unlock();
        if (rebuild) {
            // Another backend: a new engine, so nothing of the old KV cache stays.
            buildEngine(m_threads);
            m_refEngine.reset();
            m_probeEngine.reset();
            m_refTokens.clear();
            m_cache = Trace{};
            m_cache.layers = m_model->config().layers;
            m_cacheLogProbs.clear();
            m_policy.clear();
        }
    }
    if (!m_engine) {
        snap->error = tr("No model is loaded.");
        return snap;
    }
    snap->backend = QString::fromStdString(m_engine->backend().info().name);
    snap->backendDetail = QString::fromStdString(m_engine->backend().info().detail);
    snap->modelPath = m_modelPath;
    snap->trace.layers = m_model->config().layers;
    Status status = compute(request, *snap);
    if (!status.ok()) {
        if (status.error().code() == ErrorCode::Cancelled)
            return nullptr;
        snap->error = QString::fromStdString(status.error().message());
        snap->trace = Trace{};
        snap->trace.layers = m_model->config().layers;
    }
    const Tokenizer& tokenizer = m_model->tokenizer();
    for (int32_t id : snap->trace.tokens)
        snap->tokenTexts.push_back(tokenDisplayText(tokenizer, id));
    snap->wallNs = wall.nsecsElapsed();
    return snap;
}

Expected<std::unique_ptr<Engine>> InferenceWorker::sideEngine() const {
    BackendOptions options;
    options.threads = m_threads;
    auto backend = createBackend(m_engineBackend.toStdString(), m_model, options);
    if (!backend.ok())
        backend = createBackend("cpu", m_model, options);
    if (!backend.ok())
        return backend.error();
    return std::make_unique<Engine>(m_model, std::move(backend).value());
}

Expected<Engine*> InferenceWorker::probeEngine() {
    if (!m_probeEngine) {
        DASH_ASSIGN_OR_RETURN(m_probeEngine, sideEngine());
    }
    m_probeEngine->setKvMode(m_engine->kvMode());
    if (m_engine->quantizedGroup() > 0)
        DASH_TRY(m_probeEngine->enableQuantizedStates(m_engine->quantizedGroup()));
    DASH_TRY(m_probeEngine->setCompensation(m_engine->compensation()));
    return m_probeEngine.get();
}

ProbeResultPtr InferenceWorker::probe(const ProbeRequest& request) {
    auto result = std::make_shared<ProbeResult>();
    result->request = request;
    const RunSnapshot* snap = request.snapshot.get();
    if (!m_engine || !m_model) {
        result->error = tr("No model is loaded.");
        return result;
    }
    if (!snap || !snap->ok() || snap->trace.tokenCount() == 0) {
        result->error = tr("There is no run to probe.");
        return result;
    }
    // The main engine holds the compensation, KV mode and quantised states
    // of the policy that ran last; another run's cells would replay wrongly.
    if (snap->modelPath != m_modelPath || !(snap->policy == m_cachePolicy)) {
        result->error = tr("This run's model or policy is no longer the active one; "
                           "run it again to probe it.");
        return result;
    }
    const Trace& trace = snap->trace;
    StateTable table(trace.tokenCount(), trace.layers);
    for (size_t i = 0; i < table.cells.size() && i < trace.states.size(); ++i)
        table.cells[i] = static_cast<LayerState>(trace.states[i]);
    auto engine = probeEngine();
    if (!engine.ok()) {
        result->error = QString::fromStdString(engine.error().message());
        return result;
    }
    Status status;
    if (request.kind == ProbeKind::Counterfactual) {
        auto cf = runCounterfactual(**engine, trace.tokens, table,
                                    {request.token, request.layer, request.state}, &m_cancel);
        if (cf.ok())
            result->counterfactual = std::move(cf).value();
        else
            status = cf.error();
    } else {
        auto lens =
            runLogitLens(**engine, trace.tokens, &table, request.token, request.topK, &m_cancel);
        if (lens.ok()) {
            result->lens = std::move(lens).value();
            const Tokenizer& tokenizer = m_model->tokenizer();
            for (const auto& layer : result->lens.layers) {
                QStringList texts;
                for (const LensCandidate& c : layer)
                    texts << tokenDisplayText(tokenizer, c.id);
                result->lensTexts.push_back(texts);
            }
        } else {
            status = lens.error();
        }
    }
    if (!status.ok()) {
        if (status.error().code() == ErrorCode::Cancelled)
            result->cancelled = true;
        else
            result->error = QString::fromStdString(status.error().message());
    }
    return result;
}

QString InferenceWorker::buildEngine(int threads) {
    QString wanted;
    {
        QMutexLocker lock(&m_mutex);
        wanted = m_backend;
    }
    m_engine.reset(); // frees the previous engine's device memory first
    BackendOptions options;
    options.threads = threads;
    QString note;
    auto backend = createBackend(wanted.toStdString(), m_model, options);
    if (!backend.ok()) {
        note = tr("%1 unavailable, running on the CPU: %2")
                   .arg(wanted, QString::fromStdString(backend.error().message()));
        backend = createBackend("cpu", m_model, options);
        if (!backend.ok()) {
            m_engineBackend.clear();
            return QString::fromStdString(backend.error().message());
        }
    }
    m_engine = std::make_unique<Engine>(m_model, std::move(backend).value());
    m_engineBackend = wanted;
    const BackendInfo& info = m_engine->backend().info();
    if (note.isEmpty())
        note = QString::fromStdString(info.name + ": " + info.device + ", " + info.detail);
    emit backendSelected(QString::fromStdString(info.name), note);
    return note;
}

Expected<Policy*> InferenceWorker::activatePolicy(const RunRequest& request, RunSnapshot& snap) {
    {
        QMutexLocker lock(&m_mutex);
        m_preparing = true;
        m_preparingPolicy = request.policy;
    }
    PolicyBuildOptions options;
    options.cancel = &m_cancel;
    options.onStatus = [this, generation = request.generation](const QString& message) {
        emit policyPreparing(generation, message);
    };
    bool rebuilt = false;
    auto policy = m_policy.activate(request.policy, *m_engine, options, &rebuilt);
    bool superseded = false;
    {
        QMutexLocker lock(&m_mutex);
        m_preparing = false;
        superseded = m_pendingRun.has_value();
    }
    if (rebuilt) {
        // Tuning ran the engine, and the policy computes other cells.
        m_engine->reset();
        m_cache.clear();
        m_cache.layers = m_model->config().layers;
        m_cacheLogProbs.clear();
    }
    if (!policy.ok()) {
        if (policy.error().code() != ErrorCode::Cancelled)
            snap.policyError = QString::fromStdString(policy.error().message());
        return policy.error();
    }
    // A newer request arrived while this one built the policy: it runs next,
    // with the policy ready.
    if (superseded)
        return cancelledError();
    const BuiltPolicy& built = m_policy.built();
    snap.policyKind = QString::fromStdString((*policy)->name());
    snap.policyParametersJson = QString::fromStdString((*policy)->parameters().dump());
    snap.policyFileSha256 = QString::fromStdString(built.fileSha256);
    snap.policyNote = built.note;
    return policy;
}

Status InferenceWorker::compute(const RunRequest& request, RunSnapshot& snap) {
    const Tokenizer& tokenizer = m_model->tokenizer();
    const QByteArray utf8 = request.prompt.toUtf8();
    snap.promptIds =
        tokenizer.encode(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())));
    const std::vector<int32_t>& ids = snap.promptIds;
    // The policy comes first, so that a policy that cannot be built says so
    // even before anything is typed.
    DASH_ASSIGN_OR_RETURN(Policy * policy, activatePolicy(request, snap));
    if (ids.empty())
        return {};
    const int64_t context = m_engine->maxContext();
    const auto promptTokens = static_cast<int64_t>(ids.size());
    if (promptTokens > context)
        return invalidError("the prompt has " + std::to_string(promptTokens) +
                            " tokens; the model's context holds " + std::to_string(context));
    // Generated tokens are fed back, so prompt and generation share the context.
    const auto newTokens = static_cast<int32_t>(
        std::clamp<int64_t>(request.generateTokens, 0, context - promptTokens));

    // Attention is causal: the cells of a common prefix do not depend on what
    // follows, so the cached prefix is kept. At least one token runs, because
    // generation starts from the last prompt token's logits. The last reused
    // token runs again too: its logits give the likelihood of the first new one.
    size_t reuse = 0;
    const bool referenceCached = m_cacheHasReference &&
                                 m_cacheDelta.size() == m_cacheLogProbs.size() &&
                                 m_cacheKl.size() == m_cacheLogProbs.size();
    if (request.reuseCache && request.policy == m_cachePolicy && !m_policy.probesContext() &&
        (!request.referenceFull || referenceCached)) {
        const size_t limit =
            std::min({m_cache.tokens.size(), ids.size() - 1, m_cacheLogProbs.size()});
        while (reuse < limit && m_cache.tokens[reuse] == ids[reuse])
            ++reuse;
    }
    if (reuse > 0)
        --reuse;
    m_engine->truncate(static_cast<int64_t>(reuse));
    m_cache.truncate(static_cast<int32_t>(reuse));
    m_cache.passes.clear();
    m_cache.spans.clear();
    m_cache.clockOriginNs = 0;
    m_cachePolicy = request.policy;
    m_cacheLogProbs.resize(reuse == 0 ? 0 : reuse + 1);
    m_cacheDelta.resize(m_cacheLogProbs.size());
    m_cacheKl.resize(m_cacheLogProbs.size());
    m_cacheHasReference = request.referenceFull;
    snap.reusedTokens = static_cast<int32_t>(reuse);

    // AdaSkip ranks the layers on the whole prompt before running it.
    if (m_policy.probesContext())
        DASH_TRY(policy->probe(*m_engine, ids));
    const std::unique_ptr<LayerController> controller = policy->makeController();
    ForwardOptions forward;
    forward.trace = &m_cache;
    forward.cancel = &m_cancel;
    forward.controller = controller.get();
    const Status status = runTokens(request, ids, reuse, newTokens, forward, snap);
    // Each forward call leaves the cache and the trace in step, even when it
    // fails; anything else is a broken invariant, and starting afresh is safe.
    if (m_engine->position() != m_cache.tokenCount()) {
        m_engine->reset();
        m_cache.clear();
        m_cacheLogProbs.clear();
    }
    if (!status.ok()) {
        m_cacheHasReference = false;
        return status;
    }
    snap.promptLogProbs = m_cacheLogProbs;
    if (request.referenceFull) {
        snap.deltaLogProbs = m_cacheDelta;
        snap.klFromFull = m_cacheKl;
    }
    snap.trace = m_cache;
    return {};
}

Status InferenceWorker::compareWithFull(const RunRequest& request, const std::vector<int32_t>& ids,
                                        size_t reuse, std::span<const float> logits) {
    if (m_cacheDelta.empty()) {
        m_cacheDelta.push_back(kNoValue);
        m_cacheKl.push_back(kNoValue);
    }
    const size_t count = ids.size();
    if (request.policy.kind == QStringLiteral("full")) {
        // The policy is the reference: nothing changes, by definition.
        for (size_t p = reuse; p + 1 < count; ++p) {
            m_cacheDelta.push_back(0.0f);
            m_cacheKl.push_back(0.0f);
        }
        return {};
    }
    if (!m_refEngine) {
        DASH_ASSIGN_OR_RETURN(m_refEngine, sideEngine());
        m_refTokens.clear();
    }
    // The reference keeps its own common prefix, but never past `reuse`: its
    // logits must cover every position the policy computed.
    size_t common = 0;
    const size_t limit = std::min(m_refTokens.size(), reuse);
    while (common < limit && m_refTokens[common] == ids[common])
        ++common;
    m_refEngine->truncate(static_cast<int64_t>(common));
    m_refTokens.resize(common);
    const std::vector<int32_t> suffix(ids.begin() + static_cast<std::ptrdiff_t>(common), ids.end());
    ForwardOptions options;
    options.allLogits = true;
    options.cancel = &m_cancel;
    DASH_ASSIGN_OR_RETURN(std::span<const float> full, m_refEngine->forward(suffix, options));
    m_refTokens = ids;

    // Row p - reuse of `logits` and row p - common of `full` both predict p + 1.
    const auto vocab = static_cast<size_t>(m_model->config().vocabSize);
    if (reuse + 1 >= count)
        return {};
    const size_t rows = count - 1 - reuse;
    DASH_ASSIGN_OR_RETURN(const std::vector<TokenDivergence> divergence,
                          compareNextTokens(logits.first(rows * vocab),
                                            full.subspan((reuse - common) * vocab, rows * vocab),
                                            std::span<const int32_t>(ids).subspan(reuse + 1),
                                            static_cast<int32_t>(vocab)));
    for (const TokenDivergence& d : divergence) {
        m_cacheDelta.push_back(static_cast<float>(d.deltaLogP));
        m_cacheKl.push_back(static_cast<float>(d.klFromFull));
    }
    return {};
}

Status InferenceWorker::runTokens(const RunRequest& request, const std::vector<int32_t>& ids,
                                  size_t reuse, int32_t newTokens, const ForwardOptions& forward,
                                  RunSnapshot& snap) {
    const Tokenizer& tokenizer = m_model->tokenizer();
    const std::vector<int32_t> suffix(ids.begin() + static_cast<std::ptrdiff_t>(reuse), ids.end());
    ForwardOptions prompt = forward;
    prompt.allLogits = true;
    const int64_t start = steadyNowNs();
    DASH_ASSIGN_OR_RETURN(std::span<const float> logits, m_engine->forward(suffix, prompt));
    snap.prefillNs = steadyNowNs() - start;

    // Row j of the logits predicts position reuse + j + 1.
    const auto vocab = static_cast<size_t>(m_model->config().vocabSize);
    if (m_cacheLogProbs.empty())
        m_cacheLogProbs.push_back(kNoValue);
    for (size_t j = 0; j + 1 < suffix.size(); ++j)
        m_cacheLogProbs.push_back(static_cast<float>(
            logProbability(logits.subspan(j * vocab, vocab), ids[reuse + j + 1])));
    if (request.referenceFull)
        DASH_TRY(compareWithFull(request, ids, reuse, logits));
    if (newTokens == 0)
        return {};

    const int64_t decodeStart = steadyNowNs();
    // Greedy, as generate() samples by default.
    const int32_t first = argmax(logits.subspan((suffix.size() - 1) * vocab, vocab));
    snap.generatedIds = {first};
    if (newTokens > 1 && first != tokenizer.eos()) {
        GenerateOptions options;
        options.maxNewTokens = newTokens - 1;
        options.forward = forward;
        DASH_ASSIGN_OR_RETURN(GenerateResult result, generate(*m_engine, {first}, options));
        snap.generatedIds.insert(snap.generatedIds.end(), result.generated.begin(),
                                 result.generated.end());
    }
    // The last generated token is fed too, so that every id has cells (as
    // `dash-cli trace --n` does).
    const int32_t last[1] = {snap.generatedIds.back()};
    DASH_TRY(m_engine->forward(last, forward));
    snap.decodeNs = steadyNowNs() - decodeStart;
    const std::string text = tokenizer.decode(snap.generatedIds);
    snap.generatedText = QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
    return {};
}

} // namespace dash::studio
