// SPDX-License-Identifier: MIT
#include "app/studio/policy_picker.h"

#include "app/studio/elided_label.h"
#include "app/studio/inference_client.h"

#include <QActionGroup>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QSignalBlocker>
#include <QTimer>
#include <QToolButton>

#include <utility>

namespace dash::studio {

namespace {

QString startDirectory(const QString& path) {
    return path.isEmpty() ? QDir::homePath() : QFileInfo(path).absolutePath();
}

} // namespace

PolicyPicker::PolicyPicker(QWidget* parent) : QWidget(parent), m_entries(policyEntries()) {
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("policyPicker"));
    m_kind->setToolTip(tr("The policy that chooses how each layer runs for each token"));
    for (const PolicyEntry& e : m_entries)
        m_kind->addItem(e.takesFile ? tr("%1…").arg(e.label) : e.label, e.kind);
    // Long entries show in the popup; the closed box stays narrow.
    m_kind->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_kind->setMinimumContentsLength(14);

    m_ratio = new QDoubleSpinBox(this);
    m_ratio->setObjectName(QStringLiteral("policyRatio"));
    m_ratio->setRange(1.0, 16.0);
    m_ratio->setSingleStep(0.1);
    m_ratio->setDecimals(2);
    m_ratio->setSuffix(QStringLiteral("×"));
    m_ratio->setKeyboardTracking(false); // one tuning per value, not per keystroke
    m_ratio->setToolTip(tr("Target nominal acceleration ratio (4·L / Σ states)"));

    m_fileMenu = new QMenu(this);
    m_fileButton = new QToolButton(this);
    m_fileButton->setObjectName(QStringLiteral("policyFileButton"));
    m_fileButton->setPopupMode(QToolButton::MenuButtonPopup);
    m_fileButton->setMenu(m_fileMenu);
    m_fileButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    connect(m_fileButton, &QToolButton::clicked, this, &PolicyPicker::chooseFile);

    auto* calibrationMenu = new QMenu(this);
    m_calibrationMenu = calibrationMenu;
    calibrationMenu->addAction(tr("Open Calibration File…"), this,
                               &PolicyPicker::chooseCalibration);
    calibrationMenu->addAction(tr("Compute Calibration…"), this,
                               &PolicyPicker::calibrationJobRequested);
    m_calibrationButton = new QToolButton(this);
    m_calibrationButton->setObjectName(QStringLiteral("policyCalibrationButton"));
    m_calibrationButton->setPopupMode(QToolButton::InstantPopup);
    m_calibrationButton->setMenu(calibrationMenu);

    auto* options = new QMenu(this);
    options->addSection(tr("K/V of skipped layers"));
    auto* kvGroup = new QActionGroup(this);
    m_projectKv = options->addAction(tr("Project from the compensated input"));
    m_maskKv = options->addAction(tr("Mask the position"));
    for (QAction* a : {m_projectKv, m_maskKv}) {
        a->setCheckable(true);
        kvGroup->addAction(a);
    }
    options->addSeparator();
    m_async = options->addAction(tr("Asynchronous DASH decisions"));
    m_async->setCheckable(true);
    m_async->setToolTip(
        tr("Score layer i+1 on an idle worker thread while layer i runs (eq. 19–20); "
           "off: decide from the exact hidden state"));
    m_optionsButton = new QToolButton(this);
    m_optionsButton->setObjectName(QStringLiteral("policyOptions"));
    m_optionsButton->setText(tr("Options"));
    m_optionsButton->setPopupMode(QToolButton::InstantPopup);
    m_optionsButton->setMenu(options);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("policyProgress"));
    m_progress->setRange(0, 0);
    m_progress->setMaximumWidth(80);
    m_progress->setTextVisible(false);
    m_progress->hide();
    m_status = new ElidedLabel(this);
    m_status->setObjectName(QStringLiteral("policyStatus"));
    m_status->setMinimumChars(0);
    m_status->setMaximumWidth(360);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("policyError"));
    m_error->setWordWrap(true);
    m_error->setMaximumWidth(480);
    m_error->setMinimumWidth(120);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b2182b; font-weight: bold; }"));
    m_error->hide();

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_kind);
    layout->addWidget(m_ratio);
    layout->addWidget(m_fileButton);
    layout->addWidget(m_calibrationButton);
    layout->addWidget(m_optionsButton);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_error, 1);
    layout->addStretch(0); // spare room stays to the right, not in the ratio box
    setFocusProxy(m_kind);

    // Restore the last choices without announcing each one.
    m_ratio->setValue(m_settings.policyRatio());
    m_file = m_settings.policyFile();
    m_calibrationFile = m_settings.calibrationFile();
    (m_settings.kvMode() == QLatin1String("mask") ? m_maskKv : m_projectKv)->setChecked(true);
    m_async->setChecked(m_settings.asyncPolicy());
    m_heldOutText = m_settings.heldOutText();
    m_tuneWindows = m_settings.tuneWindows();
    updateRecentMenu();
    updateButtons();
    updateVisibility();

    m_appliedIndex = m_kind->currentIndex();
    connect(m_kind, &QComboBox::currentIndexChanged, this, &PolicyPicker::onKindChanged);
    connect(m_kind, &QComboBox::activated, this, &PolicyPicker::onKindActivated);
    connect(m_ratio, &QDoubleSpinBox::valueChanged, this, [this](double ratio) {
        m_settings.setPolicyRatio(ratio);
        emitChanged();
    });
    connect(kvGroup, &QActionGroup::triggered, this, [this] {
        m_settings.setKvMode(m_maskKv->isChecked() ? QStringLiteral("mask")
                                                   : QStringLiteral("project"));
        emitChanged();
    });
    connect(m_async, &QAction::toggled, this, [this](bool on) {
        m_settings.setAsyncPolicy(on);
        emitChanged();
    });
}

PolicySpec PolicyPicker::policy() const {
    PolicySpec spec;
    spec.kind = m_kind->currentData().toString();
    const PolicyEntry* entry = findPolicy(m_entries, spec.kind);
    if (!entry)
        return spec;
    // Only what changes this policy's decisions, so that an unrelated setting
    // does not re-run (or re-tune) it.
    if (entry->takesRatio) {
        spec.targetRatio = m_ratio->value();
        spec.tuneTextPath = m_heldOutText;
        spec.tuneWindows = m_tuneWindows;
    }
    if (entry->takesFile) {
        spec.filePath = m_file;
        spec.async = m_async->isChecked();
    }
    if (entry->needsCalibration)
        spec.calibrationPath = m_calibrationFile;
    spec.kvMode = m_maskKv->isChecked() ? KvMode::Mask : KvMode::Project;
    return spec;
}

bool PolicyPicker::setPolicyKind(const QString& kind) {
    const int index = m_kind->findData(kind);
    if (index < 0)
        return false;
    // Asked for by code (restored settings, a finished job): applied even
    // when its file is missing, which the error line then says.
    m_settingKind = true;
    m_kind->setCurrentIndex(index);
    m_settingKind = false;
    return true;
}

void PolicyPicker::setRatio(double ratio) {
    m_ratio->setValue(ratio);
}

void PolicyPicker::setPolicyFile(const QString& path) {
    m_file = path;
    m_settings.setPolicyFile(path);
    m_settings.addRecentPolicyFile(path);
    updateRecentMenu();
    updateButtons();
    m_pendingKind.clear();
    const int index = m_kind->findData(policyFileKind());
    if (m_kind->currentIndex() != index)
        setPolicyKind(policyFileKind()); // announces the change
    else
        emitChanged();
}

void PolicyPicker::setCalibrationFile(const QString& path) {
    m_calibrationFile = path;
    m_settings.setCalibrationFile(path);
    updateButtons();
    // A policy chosen while its calibration was missing starts now.
    const QString pending = std::exchange(m_pendingKind, QString());
    const PolicyEntry* entry = findPolicy(m_entries, pending);
    if (entry && entry->needsCalibration && m_kind->currentData().toString() != pending)
        setPolicyKind(pending);
    else
        emitChanged();
}

void PolicyPicker::setKvMode(KvMode mode) {
    (mode == KvMode::Mask ? m_maskKv : m_projectKv)->trigger();
}

void PolicyPicker::setAsync(bool async) {
    m_async->setChecked(async);
}

void PolicyPicker::reloadSettings() {
    const QString text = m_settings.heldOutText();
    const int windows = m_settings.tuneWindows();
    if (text == m_heldOutText && windows == m_tuneWindows)
        return;
    m_heldOutText = text;
    m_tuneWindows = windows;
    emitChanged();
}

void PolicyPicker::attach(InferenceClient* client) {
    connect(client, &InferenceClient::policyPreparing, this, &PolicyPicker::onPreparing);
    connect(client, &InferenceClient::snapshotReady, this, &PolicyPicker::onSnapshot);
    connect(client, &InferenceClient::busyChanged, this, [this](bool busy) {
        if (!busy)
            m_progress->hide();
    });
}

QString PolicyPicker::errorText() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

bool PolicyPicker::errorShown() const {
    return !m_error->isHidden();
}

bool PolicyPicker::progressShown() const {
    return !m_progress->isHidden();
}

QString PolicyPicker::statusText() const {
    return m_status->fullText();
}

bool PolicyPicker::missingFile(const PolicyEntry& entry) const {
    return (entry.takesFile && m_file.isEmpty()) ||
           (entry.needsCalibration && m_calibrationFile.isEmpty());
}

void PolicyPicker::onKindChanged(int index) {
    const PolicyEntry* entry = findPolicy(m_entries, m_kind->itemData(index).toString());
    if (!m_settingKind && entry && missingFile(*entry)) {
        // Chosen by the user without its file: the current policy and its
        // results stay until a file is chosen; cancelling changes nothing.
        m_pendingKind = entry->kind;
        {
            const QSignalBlocker block(m_kind);
            m_kind->setCurrentIndex(m_appliedIndex);
        }
        if (entry->takesFile)
            QTimer::singleShot(0, this, &PolicyPicker::chooseFile);
        else
            QTimer::singleShot(0, this, [this] {
                m_calibrationMenu->popup(m_kind->mapToGlobal(QPoint(0, m_kind->height())));
            });
        return;
    }
    m_appliedIndex = index;
    updateVisibility();
    emitChanged();
}

void PolicyPicker::onKindActivated() {
    const PolicyEntry* entry = findPolicy(m_entries, m_kind->currentData().toString());
    if (!entry)
        return;
    // Re-choosing a policy whose file went missing asks for one.
    if (entry->takesFile && m_file.isEmpty())
        chooseFile();
    else if (entry->needsCalibration && m_calibrationFile.isEmpty())
        QTimer::singleShot(0, m_calibrationButton, &QToolButton::showMenu);
}

void PolicyPicker::updateVisibility() {
    const PolicyEntry* entry = findPolicy(m_entries, m_kind->currentData().toString());
    m_ratio->setVisible(entry && entry->takesRatio);
    m_fileButton->setVisible(entry && entry->takesFile);
    m_calibrationButton->setVisible(entry && entry->needsCalibration);
    m_async->setEnabled(entry && entry->takesFile);
}

void PolicyPicker::updateRecentMenu() {
    m_fileMenu->clear();
    m_fileMenu->addAction(tr("Open Policy File…"), this, &PolicyPicker::chooseFile);
    const QStringList recent = m_settings.recentPolicyFiles();
    if (!recent.isEmpty()) {
        m_fileMenu->addSection(tr("Recent"));
        for (const QString& path : recent) {
            QAction* a = m_fileMenu->addAction(QFileInfo(path).fileName(), this,
                                               [this, path] { setPolicyFile(path); });
            a->setToolTip(path);
            a->setStatusTip(path);
        }
        m_fileMenu->addSeparator();
        m_fileMenu->addAction(tr("Clear Recent"), this, [this] {
            m_settings.clearRecentPolicyFiles();
            updateRecentMenu();
        });
    }
}

void PolicyPicker::updateButtons() {
    // File names are cut to a fixed width; the tooltip has the whole path.
    const auto fit = [](const QWidget* w, const QString& text) {
        return w->fontMetrics().elidedText(text, Qt::ElideMiddle,
                                           w->fontMetrics().averageCharWidth() * 18);
    };
    m_fileButton->setText(
        fit(m_fileButton, m_file.isEmpty() ? tr("Choose file…") : QFileInfo(m_file).fileName()));
    m_fileButton->setToolTip(m_file.isEmpty() ? tr("Open a .policy file")
                                              : QDir::toNativeSeparators(m_file));
    m_calibrationButton->setText(
        fit(m_calibrationButton, m_calibrationFile.isEmpty()
                                     ? tr("Calibration…")
                                     : QFileInfo(m_calibrationFile).fileName()));
    m_calibrationButton->setToolTip(
        m_calibrationFile.isEmpty()
            ? tr("Static similarity skipping ranks layers by a calibration file")
            : QDir::toNativeSeparators(m_calibrationFile));
}

void PolicyPicker::chooseFile() {
    // Non-blocking, so that results keep arriving while the dialog is open.
    auto* dialog = new QFileDialog(this, tr("Open Policy File"), startDirectory(m_file),
                                   tr("DASH policies (*.policy *.json);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, &PolicyPicker::setPolicyFile);
    dialog->open();
}

void PolicyPicker::chooseCalibration() {
    auto* dialog =
        new QFileDialog(this, tr("Open Calibration File"), startDirectory(m_calibrationFile),
                        tr("Calibrations (*.json);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, &PolicyPicker::setCalibrationFile);
    dialog->open();
}

void PolicyPicker::emitChanged() {
    emit policyChanged(policy());
}

void PolicyPicker::onPreparing(const QString& message) {
    m_progress->show();
    m_status->setFullText(message);
}

void PolicyPicker::onSnapshot(const SnapshotPtr& snapshot) {
    m_progress->hide();
    if (!(snapshot->policy == policy()))
        return;
    showError(snapshot->policyError);
    m_status->setFullText(snapshot->policyError.isEmpty() ? snapshot->policyNote : QString());
}

void PolicyPicker::showError(const QString& text) {
    m_error->setText(text);
    m_error->setToolTip(text);
    m_error->setVisible(!text.isEmpty());
}

} // namespace dash::studio
