// SPDX-License-Identifier: MIT
#include "app/studio/job_dialogs.h"

#include "app/studio/sweep_figure.h"
#include "core/dash/policy.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTime>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace dash::studio {

namespace {

QString formatEta(double seconds) {
    if (seconds < 0)
        return QString();
    const auto s = static_cast<qint64>(std::lround(seconds));
    return s >= 3600 ? QStringLiteral("%1:%2:%3")
                           .arg(s / 3600)
                           .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
                           .arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// `base` with its extension replaced, beside the model file (or in the home
// directory when the model's directory cannot be written to).
QString outputBeside(const QString& model, const QString& suffix) {
    const QFileInfo info(model);
    const QString dir =
        QFileInfo(info.absolutePath()).isWritable() ? info.absolutePath() : QDir::homePath();
    return QDir(dir).filePath(info.completeBaseName() + suffix);
}

// "1.33, 1.67, 2"
QString ratioList(const std::vector<double>& ratios) {
    QStringList text;
    for (double r : ratios)
        text << QString::number(r);
    return text.join(QStringLiteral(", "));
}

QString missing(const char* field) {
    return JobDialog::tr("%1 is missing").arg(QString::fromLatin1(field));
}

} // namespace

PathField::PathField(Mode mode, const QString& filter, QWidget* parent)
    : QWidget(parent), m_mode(mode), m_filter(filter) {
    m_edit = new QLineEdit(this);
    auto* button = new QToolButton(this);
    button->setText(QStringLiteral("…"));
    button->setToolTip(mode == Mode::Open ? tr("Choose a file") : tr("Choose where to save"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_edit, 1);
    layout->addWidget(button);
    connect(button, &QToolButton::clicked, this, &PathField::browse);
}

QString PathField::path() const {
    return m_edit->text().trimmed();
}

void PathField::setPath(const QString& path) {
    m_edit->setText(path);
}

void PathField::browse() {
    const QString start = path().isEmpty() ? QDir::homePath() : path();
    auto* dialog = new QFileDialog(this, QString(), start, m_filter);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (m_mode == Mode::Open) {
        dialog->setFileMode(QFileDialog::ExistingFile);
    } else {
        dialog->setFileMode(QFileDialog::AnyFile);
        dialog->setAcceptMode(QFileDialog::AcceptSave);
    }
    connect(dialog, &QFileDialog::fileSelected, this, &PathField::setPath);
    dialog->open();
}

JobDialog::JobDialog(QWidget* parent) : QDialog(parent) {
    m_runner = new JobRunner(this);
    m_formWidget = new QWidget(this);
    m_form = new QFormLayout(m_formWidget);
    m_form->setContentsMargins(0, 0, 0, 0);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("jobProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_phase = new QLabel(this);
    m_phase->setObjectName(QStringLiteral("jobPhase"));
    m_eta = new QLabel(this);
    m_eta->setObjectName(QStringLiteral("jobEta"));
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("jobLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setMinimumHeight(120);
    m_results = new QTableWidget(this);
    m_results->setObjectName(QStringLiteral("jobResults"));
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->verticalHeader()->hide();
    m_results->hide();

    m_start = new QPushButton(tr("Start"), this);
    m_start->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel Job"), this);
    m_cancel->setEnabled(false);
    m_use = new QPushButton(this);
    m_use->hide();
    m_close = new QPushButton(tr("Close"), this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    buttons->addWidget(m_use);
    buttons->addWidget(m_close);

    auto* status = new QHBoxLayout;
    status->addWidget(m_progress, 1);
    status->addWidget(m_phase);
    status->addWidget(m_eta);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_formWidget);
    layout->addLayout(status);
    layout->addWidget(m_log, 1);
    layout->addWidget(m_results, 1);
    layout->addLayout(buttons);

    connect(m_start, &QPushButton::clicked, this, &JobDialog::startJob);
    connect(m_cancel, &QPushButton::clicked, this, &JobDialog::cancelJob);
    connect(m_close, &QPushButton::clicked, this, &JobDialog::reject);
    connect(m_use, &QPushButton::clicked, this, [this] {
        if (!m_outputFile.isEmpty())
            emit useRequested(m_outputFile);
    });
    connect(m_runner, &JobRunner::logged, this, &JobDialog::appendLog);
    connect(m_runner, &JobRunner::phaseChanged, this, [this](const QString& phase) {
        m_phase->setText(phase);
        m_progress->setRange(0, 0); // busy until the phase reports progress
        m_eta->clear();
    });
    connect(m_runner, &JobRunner::progressChanged, this, &JobDialog::onProgress);
    connect(m_runner, &JobRunner::finished, this, &JobDialog::onFinished);
    resize(640, 560);
}

bool JobDialog::startJob() {
    if (m_runner->running())
        return false;
    auto job = createJob();
    if (!job.ok()) {
        appendLog(tr("Cannot start: %1").arg(QString::fromStdString(job.error().message())));
        return false;
    }
    m_log->clear();
    m_results->hide();
    m_use->hide();
    m_outputFile.clear();
    appendLog(tr("Started %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    setRunning(true);
    return m_runner->start(std::move(job).value());
}

void JobDialog::cancelJob() {
    if (!m_runner->running())
        return;
    appendLog(tr("Cancelling…"));
    m_cancel->setEnabled(false);
    m_runner->cancel();
}

bool JobDialog::running() const {
    return m_runner->running();
}

QString JobDialog::logText() const {
    return m_log->toPlainText();
}

QString JobDialog::etaText() const {
    return m_eta->text();
}

void JobDialog::setUseButtonText(const QString& text) {
    m_useText = text;
}

bool JobDialog::confirmCancel() {
    QMessageBox box(QMessageBox::Question, windowTitle(),
                    tr("A job is running. Cancel it and close this window?"),
                    QMessageBox::Yes | QMessageBox::No, this);
    box.setObjectName(QStringLiteral("confirmCancelBox"));
    box.button(QMessageBox::Yes)->setText(tr("Cancel the Job"));
    box.button(QMessageBox::No)->setText(tr("Keep Running"));
    box.setDefaultButton(QMessageBox::No);
    return box.exec() == QMessageBox::Yes;
}

void JobDialog::reject() {
    // A running job is cancelled first, if the user agrees (Escape or the
    // window's close button must not throw away an hour of training); the
    // dialog closes when it has stopped.
    if (m_runner->running()) {
        if (m_closeWhenDone || !confirmCancel())
            return;
        m_closeWhenDone = true;
        cancelJob();
        return;
    }
    QDialog::reject();
}

void JobDialog::onProgress(qint64 done, qint64 total, double eta) {
    // QProgressBar holds ints; scale large totals down.
    const qint64 scale = std::max<qint64>(1, total / 1000000 + 1);
    m_progress->setRange(0, static_cast<int>(std::max<qint64>(1, total / scale)));
    m_progress->setValue(static_cast<int>(done / scale));
    m_eta->setText(eta >= 0 ? tr("ETA %1").arg(formatEta(eta)) : QString());
}

void JobDialog::onFinished(const JobOutcome& outcome) {
    setRunning(false);
    m_eta->clear();
    const double seconds = static_cast<double>(outcome.elapsedMs) / 1000.0;
    if (outcome.ok) {
        m_progress->setRange(0, 1);
        m_progress->setValue(1);
        m_phase->setText(tr("Done"));
        appendLog(
            tr("Finished in %1 s: %2").arg(QString::number(seconds, 'f', 1), outcome.message));
        for (const QString& f : outcome.result.files)
            appendLog(tr("Saved %1").arg(QDir::toNativeSeparators(f)));
        const JobResult& r = outcome.result;
        if (!r.columns.isEmpty()) {
            m_results->clear();
            m_results->setColumnCount(static_cast<int>(r.columns.size()));
            m_results->setHorizontalHeaderLabels(r.columns);
            m_results->setRowCount(static_cast<int>(r.rows.size()));
            for (int row = 0; row < r.rows.size(); ++row) {
                const QVariantList& values = r.rows[row];
                for (int col = 0; col < values.size(); ++col) {
                    const QVariant& v = values[col];
                    auto* item = new QTableWidgetItem(v.typeId() == QMetaType::Double
                                                          ? QString::number(v.toDouble(), 'f', 4)
                                                          : v.toString());
                    item->setData(Qt::UserRole, v);
                    m_results->setItem(row, col, item);
                }
            }
            m_results->resizeColumnsToContents();
            m_results->show();
        }
        if (!m_useText.isEmpty() && !r.files.isEmpty()) {
            m_outputFile = r.files.first();
            m_use->setText(m_useText);
            m_use->show();
        }
    } else {
        m_progress->setRange(0, 1);
        m_progress->setValue(0);
        m_phase->setText(outcome.cancelled ? tr("Cancelled") : tr("Failed"));
        appendLog(outcome.cancelled
                      ? tr("Cancelled after %1 s").arg(QString::number(seconds, 'f', 1))
                      : tr("Failed: %1").arg(outcome.message));
    }
    emit jobFinished(outcome);
    if (m_closeWhenDone)
        QDialog::reject();
}

void JobDialog::appendLog(const QString& line) {
    m_log->appendPlainText(line);
}

void JobDialog::setRunning(bool running) {
    m_formWidget->setEnabled(!running);
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
    if (running) {
        m_progress->setRange(0, 0);
        m_phase->clear();
    }
}

CalibrationJobDialog::CalibrationJobDialog(const JobDefaults& defaults, QWidget* parent)
    : JobDialog(parent), m_threads(defaults.threads) {
    setWindowTitle(tr("Calibrate"));
    m_model = new PathField(PathField::Mode::Open, tr("GGUF models (*.gguf)"), this);
    m_text = new PathField(PathField::Mode::Open, tr("Text (*.txt);;All files (*)"), this);
    m_out = new PathField(PathField::Mode::Save, tr("Calibrations (*.json)"), this);
    m_sequences = new QSpinBox(this);
    m_sequences->setRange(1, 100000);
    m_sequences->setValue(128);
    m_length = new QSpinBox(this);
    m_length->setRange(0, 1 << 20);
    m_length->setSpecialValueText(tr("model context"));
    m_method = new QComboBox(this);
    for (AlphaMethod m :
         {AlphaMethod::NormRatio, AlphaMethod::LeastSquares, AlphaMethod::PerChannel})
        m_method->addItem(QString::fromLatin1(alphaMethodName(m)), static_cast<int>(m));
    form()->addRow(tr("Model"), m_model);
    form()->addRow(tr("Calibration text"), m_text);
    form()->addRow(tr("Sequences"), m_sequences);
    form()->addRow(tr("Sequence length"), m_length);
    form()->addRow(tr("Alpha method"), m_method);
    form()->addRow(tr("Save as"), m_out);
    m_model->setPath(defaults.modelPath);
    m_text->setPath(defaults.textPath);
    if (!defaults.modelPath.isEmpty())
        m_out->setPath(outputBeside(defaults.modelPath, QStringLiteral(".calibration.json")));
    setUseButtonText(tr("Use for Static Similarity"));
}

void CalibrationJobDialog::setSettings(const CalibrationJobSettings& s) {
    m_model->setPath(s.modelPath);
    m_text->setPath(s.textPath);
    m_out->setPath(s.outPath);
    m_sequences->setValue(s.sequences);
    m_length->setValue(s.sequenceLength);
    m_method->setCurrentIndex(m_method->findData(static_cast<int>(s.method)));
    m_threads = s.threads;
}

CalibrationJobSettings CalibrationJobDialog::settings() const {
    CalibrationJobSettings s;
    s.modelPath = m_model->path();
    s.textPath = m_text->path();
    s.outPath = m_out->path();
    s.sequences = m_sequences->value();
    s.sequenceLength = m_length->value();
    s.method = static_cast<AlphaMethod>(m_method->currentData().toInt());
    s.threads = m_threads;
    return s;
}

Expected<std::unique_ptr<Job>> CalibrationJobDialog::createJob() {
    const CalibrationJobSettings s = settings();
    if (s.modelPath.isEmpty())
        return invalidError(missing("the model").toStdString());
    if (s.textPath.isEmpty())
        return invalidError(missing("the calibration text").toStdString());
    if (s.outPath.isEmpty())
        return invalidError(missing("the output file").toStdString());
    return makeCalibrationJob(s);
}

TrainingJobDialog::TrainingJobDialog(const JobDefaults& defaults, QWidget* parent)
    : JobDialog(parent), m_threads(defaults.threads) {
    setWindowTitle(tr("Train a DASH Policy"));
    m_model = new PathField(PathField::Mode::Open, tr("GGUF models (*.gguf)"), this);
    m_calibration = new PathField(PathField::Mode::Open, tr("Calibrations (*.json)"), this);
    m_text = new PathField(PathField::Mode::Open, tr("Text (*.txt);;All files (*)"), this);
    m_out = new PathField(PathField::Mode::Save, tr("DASH policies (*.policy)"), this);
    m_ratio = new QDoubleSpinBox(this);
    m_ratio->setRange(1.0, 16.0);
    m_ratio->setDecimals(2);
    m_ratio->setValue(2.0);
    m_ratio->setSuffix(QStringLiteral("×"));
    m_steps = new QSpinBox(this);
    m_steps->setRange(1, 1000000);
    m_steps->setValue(300);
    m_window = new QSpinBox(this);
    m_window->setRange(2, 1 << 20);
    m_window->setValue(64);
    m_seed = new QSpinBox(this);
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(1);
    m_states = new QComboBox(this);
    m_states->addItem(tr("Skip, INT4, INT8 and full precision"));
    m_states->addItem(tr("Skip and full precision only"));
    m_states->setToolTip(tr("Integer states save less time on a CPU than their nominal cost; "
                            "a skip/full policy's measured speedup follows its nominal ratio"));
    m_imitation = new QSpinBox(this);
    m_imitation->setObjectName(QStringLiteral("imitationSteps"));
    m_imitation->setRange(0, 1000000);
    m_imitation->setValue(0);
    m_imitation->setToolTip(tr("The first steps imitate the chosen decisions at the target "
                               "ratio, then the trainer continues (0: no imitation)"));
    m_imitationTarget = new QComboBox(this);
    m_imitationTarget->setObjectName(QStringLiteral("imitationTarget"));
    m_imitationTarget->addItem(tr("Static similarity skipping"),
                               static_cast<int>(ImitationTarget::Static));
    m_imitationTarget->addItem(tr("The oracle's per-token decisions"),
                               static_cast<int>(ImitationTarget::Oracle));
    m_imitationTarget->addItem(tr("The best static set"),
                               static_cast<int>(ImitationTarget::BestStatic));
    m_imitationTarget->addItem(tr("A per-token similarity forecast"),
                               static_cast<int>(ImitationTarget::Forecast));
    m_imitationTarget->setToolTip(
        tr("For a skip/full policy that decides per token, imitate the oracle (1600 steps on "
           "the demo model, then the relaxed trainer); labelling its 256 training windows "
           "takes minutes"));
    m_imitationTarget->setEnabled(false);
    connect(m_imitation, &QSpinBox::valueChanged, m_imitationTarget,
            [this](int steps) { m_imitationTarget->setEnabled(steps > 0); });
    m_trainer = new QComboBox(this);
    m_trainer->setObjectName(QStringLiteral("trainer"));
    m_trainer->addItem(tr("REINFORCE (the paper's)"), static_cast<int>(TrainerKind::Reinforce));
    m_trainer->addItem(tr("Relaxed (Gumbel-softmax, KL to full precision)"),
                       static_cast<int>(TrainerKind::Relaxed));
    m_trainer->setToolTip(
        tr("The relaxed trainer after imitating the oracle gave the best skip/full policies on "
           "the demo model (4800 steps, 1600 of them imitation, learning rate 0.006); it keeps "
           "no checkpoint"));
    m_learningRate = new QDoubleSpinBox(this);
    m_learningRate->setObjectName(QStringLiteral("learningRate"));
    m_learningRate->setRange(1e-5, 1.0);
    m_learningRate->setDecimals(5);
    m_learningRate->setSingleStep(0.001);
    m_learningRate->setValue(TrainOptions{}.learningRate);
    m_costs = new QComboBox(this);
    m_costs->addItem(tr("State codes (0, 1, 2, 4)"));
    m_costs->addItem(tr("Measured on this machine"));
    m_costs->setToolTip(tr("What each state costs in the reward and the cost bias; the target "
                           "is always the nominal ratio"));
    m_async = new QCheckBox(tr("Asynchronous decisions"), this);
    m_async->setChecked(true);
    m_checkpoint = new QCheckBox(tr("Keep a checkpoint (a cancelled training resumes)"), this);
    m_checkpoint->setObjectName(QStringLiteral("checkpoint"));
    connect(m_trainer, &QComboBox::currentIndexChanged, m_checkpoint, [this] {
        const bool reinforce =
            m_trainer->currentData().toInt() == static_cast<int>(TrainerKind::Reinforce);
        m_checkpoint->setEnabled(reinforce);
        m_checkpoint->setToolTip(reinforce ? QString()
                                           : tr("The relaxed trainer keeps no checkpoint"));
    });
    form()->addRow(tr("Model"), m_model);
    form()->addRow(tr("Calibration"), m_calibration);
    form()->addRow(tr("Training text"), m_text);
    form()->addRow(tr("Target ratio"), m_ratio);
    form()->addRow(tr("Steps"), m_steps);
    form()->addRow(tr("Window (tokens)"), m_window);
    form()->addRow(tr("Seed"), m_seed);
    form()->addRow(tr("States"), m_states);
    form()->addRow(tr("Imitation steps"), m_imitation);
    form()->addRow(tr("Imitate"), m_imitationTarget);
    // The trainer and its learning rate share a row, so that the dialog fits a laptop screen.
    auto* trainerRow = new QWidget(this);
    auto* trainerLayout = new QHBoxLayout(trainerRow);
    trainerLayout->setContentsMargins(0, 0, 0, 0);
    trainerLayout->addWidget(m_trainer, 1);
    trainerLayout->addWidget(new QLabel(tr("Learning rate"), trainerRow));
    trainerLayout->addWidget(m_learningRate);
    form()->addRow(tr("Trainer"), trainerRow);
    form()->addRow(tr("State costs"), m_costs);
    form()->addRow(QString(), m_async);
    form()->addRow(QString(), m_checkpoint);
    form()->addRow(tr("Save as"), m_out);
    m_model->setPath(defaults.modelPath);
    m_text->setPath(defaults.textPath);
    if (!defaults.modelPath.isEmpty()) {
        m_out->setPath(outputBeside(defaults.modelPath, QStringLiteral(".policy")));
        const QString calibration =
            outputBeside(defaults.modelPath, QStringLiteral(".calibration.json"));
        if (QFileInfo::exists(calibration))
            m_calibration->setPath(calibration);
    }
    setUseButtonText(tr("Use This Policy"));
}

void TrainingJobDialog::setSettings(const TrainingJobSettings& s) {
    m_model->setPath(s.modelPath);
    m_calibration->setPath(s.calibrationPath);
    m_text->setPath(s.textPath);
    m_out->setPath(s.outPath);
    m_ratio->setValue(s.targetRatio);
    m_steps->setValue(s.steps);
    m_window->setValue(s.window);
    m_seed->setValue(s.seed);
    m_states->setCurrentIndex(s.skipAndFullOnly ? 1 : 0);
    m_imitation->setValue(s.imitationSteps);
    m_imitationTarget->setCurrentIndex(
        m_imitationTarget->findData(static_cast<int>(s.imitationTarget)));
    m_trainer->setCurrentIndex(m_trainer->findData(static_cast<int>(s.trainer)));
    m_learningRate->setValue(s.learningRate);
    m_costs->setCurrentIndex(s.measuredCosts ? 1 : 0);
    m_async->setChecked(s.async);
    m_checkpoint->setChecked(!s.checkpointPath.isEmpty());
    m_threads = s.threads;
}

TrainingJobSettings TrainingJobDialog::settings() const {
    TrainingJobSettings s;
    s.modelPath = m_model->path();
    s.calibrationPath = m_calibration->path();
    s.textPath = m_text->path();
    s.outPath = m_out->path();
    s.targetRatio = m_ratio->value();
    s.steps = m_steps->value();
    s.window = m_window->value();
    s.seed = m_seed->value();
    s.skipAndFullOnly = m_states->currentIndex() == 1;
    s.imitationSteps = m_imitation->value();
    s.imitationTarget = static_cast<ImitationTarget>(m_imitationTarget->currentData().toInt());
    s.trainer = static_cast<TrainerKind>(m_trainer->currentData().toInt());
    s.learningRate = m_learningRate->value();
    s.measuredCosts = m_costs->currentIndex() == 1;
    s.async = m_async->isChecked();
    if (s.trainer == TrainerKind::Reinforce && m_checkpoint->isChecked() && !s.outPath.isEmpty())
        s.checkpointPath = s.outPath + QStringLiteral(".checkpoint");
    s.threads = m_threads;
    return s;
}

Expected<std::unique_ptr<Job>> TrainingJobDialog::createJob() {
    const TrainingJobSettings s = settings();
    if (s.modelPath.isEmpty())
        return invalidError(missing("the model").toStdString());
    if (s.calibrationPath.isEmpty())
        return invalidError(missing("the calibration (Tools ▸ Calibrate…)").toStdString());
    if (s.textPath.isEmpty())
        return invalidError(missing("the training text").toStdString());
    if (s.outPath.isEmpty())
        return invalidError(missing("the output file").toStdString());
    if (s.trainer == TrainerKind::Relaxed && s.imitationSteps > 0 &&
        s.imitationTarget == ImitationTarget::Forecast)
        return invalidError(tr("the relaxed trainer cannot imitate the similarity forecast: "
                               "choose another imitation target or REINFORCE")
                                .toStdString());
    return makeTrainingJob(s);
}

SweepJobDialog::SweepJobDialog(const JobDefaults& defaults, QWidget* parent)
    : JobDialog(parent), m_threads(defaults.threads) {
    setWindowTitle(tr("Run a Sweep"));
    m_model = new PathField(PathField::Mode::Open, tr("GGUF models (*.gguf)"), this);
    m_test = new PathField(PathField::Mode::Open, tr("Text (*.txt);;All files (*)"), this);
    m_tune = new PathField(PathField::Mode::Open, tr("Text (*.txt);;All files (*)"), this);
    m_calibration = new PathField(PathField::Mode::Open, tr("Calibrations (*.json)"), this);
    m_dashFiles = new QLineEdit(this);
    m_dashFiles->setPlaceholderText(tr("DASH policy files, separated by ;"));
    // Defaults: those of the core sweep (and so of `dash-cli sweep`).
    const SweepOptions defaultSweep;
    auto* methods = new QWidget(this);
    auto* methodsLayout = new QHBoxLayout(methods);
    methodsLayout->setContentsMargins(0, 0, 0, 0);
    for (PolicyKind kind :
         {PolicyKind::Dash, PolicyKind::EarlyExit, PolicyKind::SkipDecode, PolicyKind::AdaSkip,
          PolicyKind::RandomSkip, PolicyKind::StaticSimilarity}) {
        auto* box = new QCheckBox(QString::fromLatin1(policyKindName(kind)), methods);
        box->setChecked(std::find(defaultSweep.methods.begin(), defaultSweep.methods.end(), kind) !=
                        defaultSweep.methods.end());
        box->setProperty("kind", static_cast<int>(kind));
        methodsLayout->addWidget(box);
        m_methods << box;
    }
    m_ratios = new QLineEdit(ratioList(defaultSweep.ratios), this);
    m_maxTokens = new QSpinBox(this);
    m_maxTokens->setRange(2, 1 << 30);
    m_maxTokens->setValue(static_cast<int>(defaultSweep.maxTokens));
    m_tuneWindows = new QSpinBox(this);
    m_tuneWindows->setRange(1, 4096);
    m_tuneWindows->setValue(static_cast<int>(defaultSweep.tuneWindows));
    m_repeats = new QSpinBox(this);
    m_repeats->setRange(1, 100);
    m_repeats->setValue(defaultSweep.speedRounds);
    m_kvMode = new QComboBox(this);
    m_kvMode->addItem(tr("project"), static_cast<int>(KvMode::Project));
    m_kvMode->addItem(tr("mask"), static_cast<int>(KvMode::Mask));
    m_saveToStore = new QCheckBox(tr("Save the rows to the run store"), this);
    m_saveToStore->setChecked(true);
    m_json = new PathField(PathField::Mode::Save, tr("JSON (*.json)"), this);
    m_json->edit()->setPlaceholderText(tr("optional"));
    form()->addRow(tr("Model"), m_model);
    form()->addRow(tr("Test text"), m_test);
    form()->addRow(tr("Held-out text (tuning)"), m_tune);
    form()->addRow(tr("Calibration (static)"), m_calibration);
    form()->addRow(tr("DASH policies"), m_dashFiles);
    form()->addRow(tr("Methods"), methods);
    form()->addRow(tr("Ratios"), m_ratios);
    form()->addRow(tr("Test tokens"), m_maxTokens);
    form()->addRow(tr("Tuning windows"), m_tuneWindows);
    form()->addRow(tr("Speed repeats"), m_repeats);
    form()->addRow(tr("KV of skipped layers"), m_kvMode);
    form()->addRow(QString(), m_saveToStore);
    form()->addRow(tr("Also save JSON"), m_json);
    m_model->setPath(defaults.modelPath);
    m_tune->setPath(defaults.textPath);
    if (!defaults.textPath.isEmpty()) {
        const QString test =
            QFileInfo(defaults.textPath).dir().filePath(QStringLiteral("wikitext2_test.txt"));
        if (QFileInfo::exists(test))
            m_test->setPath(test);
    }

    // The finished sweep as a Pareto figure, with its exports, in a tab
    // beside the rows' table: one below the other would not fit a 768-pixel
    // screen under the form.
    m_figurePage = new QWidget(this);
    m_figurePage->setObjectName(QStringLiteral("sweepFigurePage"));
    m_figure = new SweepFigureView(m_figurePage);
    m_figure->setObjectName(QStringLiteral("sweepFigure"));
    m_figureAxis = new QComboBox(m_figurePage);
    m_figureAxis->addItem(tr("Perplexity against the measured speedup"), true);
    m_figureAxis->addItem(tr("Perplexity against the nominal ratio"), false);
    m_exportFigure = new QPushButton(tr("Export Figure…"), m_figurePage);
    m_exportLatex = new QPushButton(tr("Export LaTeX Table…"), m_figurePage);
    m_exportStatus = new QLabel(m_figurePage);
    m_exportStatus->setWordWrap(true);
    m_exportStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportStatus->hide(); // takes no room until there is something to say
    auto* figureButtons = new QHBoxLayout;
    figureButtons->addWidget(m_figureAxis, 1);
    figureButtons->addWidget(m_exportFigure);
    figureButtons->addWidget(m_exportLatex);
    auto* figureLayout = new QVBoxLayout(m_figurePage);
    figureLayout->setContentsMargins(4, 4, 4, 4);
    figureLayout->addWidget(m_figure, 1);
    figureLayout->addLayout(figureButtons);
    figureLayout->addWidget(m_exportStatus);
    m_resultTabs = new QTabWidget(this);
    m_resultTabs->setObjectName(QStringLiteral("sweepResultTabs"));
    if (auto* box = qobject_cast<QBoxLayout*>(layout())) {
        const int at = box->indexOf(resultTable());
        box->removeWidget(resultTable());
        box->insertWidget(at, m_resultTabs, 1);
    }
    m_resultTabs->addTab(resultTable(), tr("Table"));
    m_resultTabs->addTab(m_figurePage, tr("Pareto figure"));
    m_resultTabs->hide();
    connect(runner(), &JobRunner::started, this, [this] {
        m_resultTabs->hide();
        m_sweepRows.clear();
        m_figure->setData(ParetoData{});
    });

    connect(m_figureAxis, &QComboBox::currentIndexChanged, this, &SweepJobDialog::updateFigure);
    connect(m_exportFigure, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Export the Pareto figure"),
                                         QDir::home().filePath(QStringLiteral("sweep.pdf")),
                                         tr("PDF (*.pdf);;SVG (*.svg);;PNG (*.png)"));
        if (!path.isEmpty())
            reportExport(exportFigure(path), path);
    });
    connect(m_exportLatex, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export the LaTeX table"), QDir::home().filePath(QStringLiteral("sweep.tex")),
            tr("LaTeX files (*.tex)"));
        if (!path.isEmpty())
            reportExport(exportLatexTable(path), path);
    });
    connect(this, &JobDialog::jobFinished, this, [this](const JobOutcome& outcome) {
        if (!outcome.ok)
            return;
        m_resultTabs->show(); // the table at least
        if (Status st = showSweepResult(outcome.result.json); !st.ok())
            setExportStatus(QString::fromStdString(st.error().message()));
    });
}

Status SweepJobDialog::showSweepResult(const QByteArray& json) {
    m_sweepRows.clear();
    DASH_ASSIGN_OR_RETURN(m_sweepRows, sweepRowsFromJobJson(json));
    m_resultTabs->show();
    m_resultTabs->setCurrentWidget(m_figurePage);
    setExportStatus({});
    updateFigure();
    return {};
}

void SweepJobDialog::setMeasuredSpeedAxis(bool measured) {
    m_figureAxis->setCurrentIndex(m_figureAxis->findData(measured));
}

void SweepJobDialog::updateFigure() {
    const SweepSpeed speed =
        m_figureAxis->currentData().toBool() ? SweepSpeed::Measured : SweepSpeed::Nominal;
    auto data = paretoFromSweep(m_sweepRows, speed);
    m_figure->setData(data.ok() ? *data : ParetoData{});
    m_exportFigure->setEnabled(data.ok());
    m_exportLatex->setEnabled(!m_sweepRows.empty());
    if (!data.ok() && !m_sweepRows.empty())
        setExportStatus(QString::fromStdString(data.error().message()));
}

Status SweepJobDialog::exportFigure(const QString& path) {
    if (m_figure->data().series.isEmpty())
        return invalidError(tr("no sweep figure is shown").toStdString());
    DASH_ASSIGN_OR_RETURN(FigureSpec spec, sweepFigureSpec(path));
    if (const QString error = writePareto(m_figure->data(), spec, path); !error.isEmpty())
        return ioError(error.toStdString());
    return {};
}

Status SweepJobDialog::exportLatexTable(const QString& path) {
    if (m_sweepRows.empty())
        return invalidError(tr("no sweep result is shown").toStdString());
    if (const QString error = writeSweepLatex(m_sweepRows, path); !error.isEmpty())
        return ioError(error.toStdString());
    return {};
}

void SweepJobDialog::reportExport(const Status& status, const QString& path) {
    setExportStatus(status.ok() ? tr("Wrote %1").arg(QDir::toNativeSeparators(path))
                                : QString::fromStdString(status.error().message()));
}

void SweepJobDialog::setExportStatus(const QString& text) {
    m_exportStatus->setText(text);
    m_exportStatus->setVisible(!text.isEmpty());
}

void SweepJobDialog::setSettings(const SweepJobSettings& s) {
    const SweepOptions& o = s.sweep;
    m_model->setPath(s.modelPath);
    m_test->setPath(QFile::decodeName(o.testTextPath.c_str()));
    m_tune->setPath(QFile::decodeName(o.tuneTextPath.c_str()));
    m_calibration->setPath(QFile::decodeName(o.calibrationPath.c_str()));
    QStringList dashFiles;
    for (const std::string& f : o.dashFiles)
        dashFiles << QFile::decodeName(f.c_str());
    m_dashFiles->setText(dashFiles.join(QLatin1Char(';')));
    for (QCheckBox* box : m_methods)
        box->setChecked(std::find(o.methods.begin(), o.methods.end(),
                                  static_cast<PolicyKind>(box->property("kind").toInt())) !=
                        o.methods.end());
    m_ratios->setText(ratioList(o.ratios));
    m_maxTokens->setValue(static_cast<int>(std::min<int64_t>(o.maxTokens, 1 << 30)));
    m_tuneWindows->setValue(static_cast<int>(o.tuneWindows));
    m_repeats->setValue(o.speedRounds);
    m_kvMode->setCurrentIndex(m_kvMode->findData(static_cast<int>(o.kvMode)));
    m_saveToStore->setChecked(s.saveToStore);
    m_json->setPath(s.jsonPath);
    m_databasePath = s.databasePath;
    m_threads = s.threads;
}

Expected<SweepJobSettings> SweepJobDialog::settings() const {
    SweepJobSettings s;
    SweepOptions& o = s.sweep;
    s.modelPath = m_model->path();
    o.testTextPath = QFile::encodeName(m_test->path()).toStdString();
    o.tuneTextPath = QFile::encodeName(m_tune->path()).toStdString();
    o.calibrationPath = QFile::encodeName(m_calibration->path()).toStdString();
    for (const QString& f : m_dashFiles->text().split(QLatin1Char(';'), Qt::SkipEmptyParts))
        if (!f.trimmed().isEmpty())
            o.dashFiles.push_back(QFile::encodeName(f.trimmed()).toStdString());
    o.methods.clear();
    for (QCheckBox* box : m_methods)
        if (box->isChecked())
            o.methods.push_back(static_cast<PolicyKind>(box->property("kind").toInt()));
    o.ratios.clear();
    for (const QString& r : m_ratios->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const double v = r.trimmed().toDouble(&ok);
        if (!ok || !(v >= 1.0))
            return invalidError(
                tr("ratios must be numbers >= 1, got '%1'").arg(r.trimmed()).toStdString());
        o.ratios.push_back(v);
    }
    o.maxTokens = m_maxTokens->value();
    o.tuneWindows = m_tuneWindows->value();
    o.speedRounds = m_repeats->value();
    o.kvMode = static_cast<KvMode>(m_kvMode->currentData().toInt());
    s.saveToStore = m_saveToStore->isChecked();
    s.databasePath = m_databasePath;
    s.jsonPath = m_json->path();
    s.threads = m_threads;
    return s;
}

Expected<std::unique_ptr<Job>> SweepJobDialog::createJob() {
    DASH_ASSIGN_OR_RETURN(SweepJobSettings s, settings());
    if (s.modelPath.isEmpty())
        return invalidError(missing("the model").toStdString());
    if (s.sweep.testTextPath.empty())
        return invalidError(missing("the test text").toStdString());
    if (s.sweep.ratios.empty())
        return invalidError(missing("a ratio").toStdString());
    if (!s.saveToStore && s.jsonPath.isEmpty())
        return invalidError(
            tr("choose where the rows go: the run store or a JSON file").toStdString());
    return makeSweepJob(s);
}

} // namespace dash::studio
