// SPDX-License-Identifier: MIT
#include "app/studio/settings_dialog.h"

#include "app/studio/inference_client.h"
#include "app/studio/studio_settings.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <QThread>
#include <QToolButton>

namespace dash::studio {

SettingsDialog::SettingsDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Preferences"));
    m_debounce = new QSpinBox(this);
    // The minimum, -1, stands for InferenceClient::kAutoDebounce.
    m_debounce->setRange(InferenceClient::kAutoDebounce, 5000);
    m_debounce->setSuffix(tr(" ms"));
    m_debounce->setSpecialValueText(tr("automatic"));
    m_debounce->setToolTip(
        tr("How long typing must pause before the prompt runs again. Automatic: as long as the "
           "median of the last %1 runs took, at most %2 ms (%2 ms until a run finished), so that "
           "keys typed faster than a run takes start no run, and the heatmaps follow the last key "
           "within about two run times")
            .arg(InferenceClient::kAutoDebounceRuns)
            .arg(InferenceClient::kAutoDebounceMaxMs));
    m_threads = new QSpinBox(this);
    m_threads->setRange(0, 1024);
    m_threads->setSpecialValueText(tr("automatic (%1)").arg(QThread::idealThreadCount()));
    m_threads->setToolTip(tr("CPU threads of the engine; a change reloads the model"));

    const StudioSettings settings;
    m_autoSave = new QCheckBox(tr("Save every finished run to the run store"), this);
    m_autoSave->setChecked(settings.autoSaveRuns());
    m_autoSaveDelay = new QSpinBox(this);
    m_autoSaveDelay->setRange(0, 600000);
    m_autoSaveDelay->setSingleStep(500);
    m_autoSaveDelay->setSuffix(tr(" ms"));
    m_autoSaveDelay->setValue(settings.autoSaveDelayMs());
    m_autoSaveDelay->setToolTip(
        tr("A run is saved once the results stay unchanged this long, so that typing saves one "
           "run rather than one per keystroke"));
    m_heldOutText = new QLineEdit(settings.heldOutText(), this);
    m_heldOutText->setToolTip(tr("Text on which policies whose ratio depends on the input "
                                 "(Early-Exit) are tuned, and the default text of calibration"));
    auto* browse = new QToolButton(this);
    browse->setText(QStringLiteral("…"));
    connect(browse, &QToolButton::clicked, this, [this] {
        auto* dialog = new QFileDialog(this, tr("Held-Out Text"),
                                       QFileInfo(m_heldOutText->text()).absolutePath(),
                                       tr("Text (*.txt);;All files (*)"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFile);
        connect(dialog, &QFileDialog::fileSelected, m_heldOutText, &QLineEdit::setText);
        dialog->open();
    });
    auto* heldOut = new QHBoxLayout;
    heldOut->addWidget(m_heldOutText, 1);
    heldOut->addWidget(browse);
    m_tuneWindows = new QSpinBox(this);
    m_tuneWindows->setRange(1, 1024);
    m_tuneWindows->setValue(settings.tuneWindows());
    m_tuneWindows->setToolTip(tr("Windows of held-out text read by each tuning step"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* form = new QFormLayout(this);
    form->addRow(tr("Re-run after typing pauses for"), m_debounce);
    form->addRow(tr("Engine threads"), m_threads);
    form->addRow(QString(), m_autoSave);
    form->addRow(tr("Save a run once results settle for"), m_autoSaveDelay);
    form->addRow(tr("Held-out text"), heldOut);
    form->addRow(tr("Held-out windows per tuning step"), m_tuneWindows);
    form->addRow(buttons);
}

void SettingsDialog::setDebounceMs(int ms) {
    m_debounce->setValue(ms);
}

int SettingsDialog::debounceMs() const {
    return m_debounce->value();
}

void SettingsDialog::setThreads(int threads) {
    m_threads->setValue(threads);
}

int SettingsDialog::threads() const {
    return m_threads->value();
}

void SettingsDialog::accept() {
    StudioSettings settings;
    settings.setAutoSaveRuns(m_autoSave->isChecked());
    settings.setAutoSaveDelayMs(m_autoSaveDelay->value());
    settings.setHeldOutText(m_heldOutText->text().trimmed());
    settings.setTuneWindows(m_tuneWindows->value());
    QDialog::accept();
}

} // namespace dash::studio
