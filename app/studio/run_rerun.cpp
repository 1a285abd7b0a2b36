// SPDX-License-Identifier: MIT
#include "app/studio/run_rerun.h"

#include "app/studio/inference_client.h"
#include "app/studio/inference_worker.h"
#include "app/studio/policy_picker.h"
#include "app/studio/run_saver.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace dash::studio {

namespace {

QString excerpt(const std::string& text, int length) {
    QString s = QString::fromStdString(text).simplified();
    return s.size() > length ? s.left(length) + QChar(0x2026) : s;
}

} // namespace

RunRequest rerunRequest(const RunRecord& run, const PolicySpec& policy) {
    RunRequest r;
    r.prompt = QString::fromStdString(run.promptText);
    r.generateTokens = static_cast<int32_t>(run.generatedIds.size());
    r.policy = policy;
    r.reuseCache = false; // a fresh engine: nothing to reuse
    return r;
}

RunRerunner::RunRerunner(QObject* parent) : QObject(parent), m_saver(new RunSaver(this)) {
    connect(m_saver, &RunSaver::runSaved, this, [this](qint64 id, const QString& path) {
        const qint64 original = m_originalId;
        stop();
        emit finished(original, id, path);
    });
    connect(m_saver, &RunSaver::saveFailed, this, &RunRerunner::fail);
}

RunRerunner::~RunRerunner() {
    delete m_client; // joins its worker thread
}

bool RunRerunner::start(const RunRecord& original, const PolicySpec& policy) {
    if (busy())
        return false;
    m_originalId = original.id;
    const RunRequest request = rerunRequest(original, policy);
    m_client = new InferenceClient(this);
    m_client->setThreads(m_threads);
    // The backend the run had; one that cannot run here falls back to the CPU.
    if (!original.environment.backend.empty())
        m_client->worker()->setBackend(QString::fromStdString(original.environment.backend));
    // Set before the model loads: the load then runs them once.
    m_client->setGenerateTokens(request.generateTokens);
    m_client->setPolicy(request.policy);
    m_client->setReuseCache(request.reuseCache);
    m_client->setPrompt(request.prompt);
    connect(m_client, &InferenceClient::snapshotReady, this, &RunRerunner::onSnapshot);
    connect(m_client, &InferenceClient::modelLoadFailed, this,
            [this](const QString& path, const QString& message) {
                fail(tr("cannot load %1: %2").arg(path, message));
            });
    m_saver->setDatabasePath(m_databasePath);
    m_client->loadModel(QString::fromStdString(original.model.path));
    return true;
}

void RunRerunner::onSnapshot(const SnapshotPtr& snapshot) {
    if (!snapshot->ok()) {
        fail(snapshot->error);
        return;
    }
    m_saver->save(snapshot, m_client->modelInfo());
}

void RunRerunner::fail(const QString& message) {
    const qint64 original = m_originalId;
    stop();
    emit failed(original, message);
}

void RunRerunner::stop() {
    if (m_client) {
        m_client->disconnect(this);
        m_client->deleteLater(); // may be inside one of its signals
        m_client = nullptr;
    }
}

RerunDialog::RerunDialog(const RunRecord& run, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Re-run #%1 with Another Policy").arg(run.id));
    auto* what = new QLabel(this);
    what->setObjectName(QStringLiteral("rerunSummary"));
    what->setWordWrap(true);
    what->setTextInteractionFlags(Qt::TextSelectableByMouse);
    what->setText(
        tr("The prompt, model and number of generated tokens of run #%1 stay as they were; "
           "the result is saved as a new run and opened beside the original.")
            .arg(run.id));
    auto* form = new QFormLayout;
    auto* prompt = new QLabel(excerpt(run.promptText, 120), this);
    prompt->setToolTip(QString::fromStdString(run.promptText));
    prompt->setWordWrap(true);
    form->addRow(tr("Prompt:"), prompt);
    auto* model = new QLabel(QFileInfo(QString::fromStdString(run.model.path)).fileName(), this);
    model->setToolTip(QString::fromStdString(run.model.path));
    form->addRow(tr("Model:"), model);
    form->addRow(tr("Generated tokens:"), new QLabel(QString::number(run.generatedIds.size())));
    form->addRow(
        tr("Policy of the run:"),
        new QLabel(QStringLiteral("%1 %2").arg(QString::fromStdString(run.policy.kind),
                                               QString::fromStdString(run.policy.parametersJson)),
                   this));
    m_picker = new PolicyPicker(this);
    m_picker->setObjectName(QStringLiteral("rerunPolicyPicker"));
    form->addRow(tr("New policy:"), m_picker);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Re-run"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(what);
    layout->addLayout(form);
    layout->addWidget(buttons);
    m_picker->kindBox()->setFocus(Qt::OtherFocusReason);
}

PolicySpec RerunDialog::policy() const {
    return m_picker->policy();
}

} // namespace dash::studio
