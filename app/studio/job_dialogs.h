// SPDX-License-Identifier: MIT
// Dialogs that run the long jobs: a form for the job's settings, then a
// progress bar with the phase and ETA, a cancel button, the job's log and its
// results (a table), with the files it saved. Non-modal: the main window stays
// live while a job runs.
#pragma once

#include "app/studio/job_runner.h"
#include "app/studio/jobs.h"
#include "core/export/latex_table.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace dash::studio {

class SweepFigureView;

// A path with a browse button (open or save dialog).
class PathField : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Open, Save };
    PathField(Mode mode, const QString& filter, QWidget* parent = nullptr);
    QString path() const;
    void setPath(const QString& path);
    QLineEdit* edit() const { return m_edit; }

private:
    void browse();

    Mode m_mode;
    QString m_filter;
    QLineEdit* m_edit;
};

class JobDialog : public QDialog {
    Q_OBJECT
public:
    explicit JobDialog(QWidget* parent = nullptr);

    JobRunner* runner() const { return m_runner; }
    // Starts the job the form describes; false (with the reason in the log)
    // when the form is incomplete or a job runs.
    bool startJob();
    void cancelJob();
    bool running() const;
    QProgressBar* progressBar() const { return m_progress; }
    QString logText() const;
    QTableWidget* resultTable() const { return m_results; }
    QString etaText() const;

signals:
    void jobFinished(const dash::studio::JobOutcome& outcome);
    // The user wants the job's output file used (a calibration for static
    // skipping, a policy in the picker).
    void useRequested(const QString& path);

protected:
    // The job of the form, or an error naming the missing field.
    virtual Expected<std::unique_ptr<Job>> createJob() = 0;
    QFormLayout* form() const { return m_form; }
    // Shows "Use" after a successful job, for its first file.
    void setUseButtonText(const QString& text);
    void reject() override;
    // Asks whether closing may cancel the running job (No is the default).
    bool confirmCancel();

private:
    void onFinished(const JobOutcome& outcome);
    void onProgress(qint64 done, qint64 total, double eta);
    void appendLog(const QString& line);
    void setRunning(bool running);

    JobRunner* m_runner;
    QFormLayout* m_form;
    QWidget* m_formWidget;
    QProgressBar* m_progress;
    QLabel* m_phase;
    QLabel* m_eta;
    QPlainTextEdit* m_log;
    QTableWidget* m_results;
    QPushButton* m_start;
    QPushButton* m_cancel;
    QPushButton* m_use;
    QPushButton* m_close;
    QString m_useText;
    QString m_outputFile;
    bool m_closeWhenDone = false;
};

// Defaults every job dialog starts from.
struct JobDefaults {
    QString modelPath;
    QString textPath; // the held-out / calibration text setting
    int threads = 0;
};

class CalibrationJobDialog : public JobDialog {
    Q_OBJECT
public:
    explicit CalibrationJobDialog(const JobDefaults& defaults, QWidget* parent = nullptr);
    void setSettings(const CalibrationJobSettings& settings);
    CalibrationJobSettings settings() const;

protected:
    Expected<std::unique_ptr<Job>> createJob() override;

private:
    int m_threads;
    PathField* m_model;
    PathField* m_text;
    PathField* m_out;
    QSpinBox* m_sequences;
    QSpinBox* m_length;
    QComboBox* m_method;
};

class TrainingJobDialog : public JobDialog {
    Q_OBJECT
public:
    explicit TrainingJobDialog(const JobDefaults& defaults, QWidget* parent = nullptr);
    void setSettings(const TrainingJobSettings& settings);
    TrainingJobSettings settings() const;

protected:
    Expected<std::unique_ptr<Job>> createJob() override;

private:
    int m_threads;
    PathField* m_model;
    PathField* m_calibration;
    PathField* m_text;
    PathField* m_out;
    QDoubleSpinBox* m_ratio;
    QSpinBox* m_steps;
    QSpinBox* m_window;
    QSpinBox* m_seed;
    QComboBox* m_states;
    QSpinBox* m_imitation;
    QComboBox* m_imitationTarget;
    QComboBox* m_trainer;
    QDoubleSpinBox* m_learningRate;
    QComboBox* m_costs;
    QCheckBox* m_async;
    QCheckBox* m_checkpoint;
};

class SweepJobDialog : public JobDialog {
    Q_OBJECT
public:
    explicit SweepJobDialog(const JobDefaults& defaults, QWidget* parent = nullptr);
    void setSettings(const SweepJobSettings& settings);
    // The form's settings; an error when the ratio list does not parse.
    Expected<SweepJobSettings> settings() const;
    void setDatabasePath(const QString& path) { m_databasePath = path; }

    // The finished sweep's rows as a Pareto figure and a LaTeX table. Shows
    // the rows of `json` (sweepRowsJson, as the job hands them back).
    Status showSweepResult(const QByteArray& json);
    const std::vector<SweepRow>& sweepRows() const { return m_sweepRows; }
    SweepFigureView* figureView() const { return m_figure; }
    QWidget* figurePage() const { return m_figurePage; }
    // The figure's x axis: the measured speedup (else the nominal ratio).
    void setMeasuredSpeedAxis(bool measured);
    // Write the shown figure (format from the suffix: .svg, .pdf, .png) and
    // the LaTeX table; an error says why nothing was written.
    Status exportFigure(const QString& path);
    Status exportLatexTable(const QString& path);

protected:
    Expected<std::unique_ptr<Job>> createJob() override;

private:
    void updateFigure();
    void reportExport(const Status& status, const QString& path);
    void setExportStatus(const QString& text);

    int m_threads;
    QString m_databasePath;
    std::vector<SweepRow> m_sweepRows;
    QTabWidget* m_resultTabs; // the rows' table and the figure
    QWidget* m_figurePage;
    SweepFigureView* m_figure;
    QComboBox* m_figureAxis;
    QPushButton* m_exportFigure;
    QPushButton* m_exportLatex;
    QLabel* m_exportStatus;
    PathField* m_model;
    PathField* m_test;
    PathField* m_tune;
    PathField* m_calibration;
    QLineEdit* m_dashFiles;
    QList<QCheckBox*> m_methods;
    QLineEdit* m_ratios;
    QSpinBox* m_maxTokens;
    QSpinBox* m_tuneWindows;
    QSpinBox* m_repeats;
    QComboBox* m_kvMode;
    QCheckBox* m_saveToStore;
    PathField* m_json;
};

} // namespace dash::studio
