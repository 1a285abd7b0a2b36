// SPDX-License-Identifier: MIT
// Tools ▸ Evaluate…: the evaluation of `dash-cli eval` (core/eval/eval_run.h,
// methods x ratios x tasks, one resumable cell file each) as a job of the
// job runner, and a results view of an evaluation folder: Table 1's rows in
// a table, the tables the core wrote (results.csv/json, table1.tex,
// table3.*) copied elsewhere, and the Pareto figure (eval_figure.h) written
// as SVG, PDF or PNG by the file name's suffix.
#pragma once

#include "app/studio/job_dialogs.h"
#include "core/eval/eval_run.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace dash::studio {

struct EvalJobSettings {
    QString modelPath;
    QString outDir;
    eval::EvalPlan plan; // paths in the local 8-bit encoding
    int threads = 0;
};

// Runs the plan's shard into outDir, then writes the tables (and Table 3
// when the methods hold its rows) from the cells finished so far; a cancelled
// run writes them too and keeps its cells, so the next run resumes.
std::unique_ptr<Job> makeEvalJob(const EvalJobSettings& settings);

// Table 1 of an evaluation folder: one row per method, a column per ratio
// and task (the primary metric: perplexity; ROUGE-L F1 and accuracies in
// percent; speedup), full precision's values in every ratio's columns.
struct EvalTable {
    QStringList columns; // "method", then "<ratio>× <task>"
    QList<QStringList> rows;
};
Expected<EvalTable> readEvalTable(const QString& dir);

// How many finished cell files `dir`/cells holds.
int finishedCellCount(const QString& dir);

class EvalJobDialog : public JobDialog {
    Q_OBJECT
public:
    // `dataDir`: where the default data files are looked for (the shared
    // data folder: wikitext2_test.txt, cnndm/, mmlu/, arc/).
    EvalJobDialog(const JobDefaults& defaults, const QString& dataDir, QWidget* parent = nullptr);

    Expected<EvalJobSettings> settings() const;
    // Form setters (also for tests): comma lists as in dash-cli eval.
    void setModelPath(const QString& path);
    void setOutputDir(const QString& dir);
    void setTasks(const QString& tasks);
    void setMethods(const QString& methods);
    void setRatios(const QString& ratios);
    void setLimits(const QString& limits); // "N" or "task=N,..."
    void setShard(int k, int n);
    void setWikitextPath(const QString& path);

    // Shows the results of `dir` (the form's folder when empty); an error
    // when it holds none.
    Status showResults(const QString& dir = {});
    QString resultsDir() const { return m_resultsDir; }
    // Copies the table files of the shown results into `dir`; the copied
    // paths.
    Expected<QStringList> exportTables(const QString& dir);
    // Writes the Pareto figure of the shown results (format by suffix).
    Status exportFigure(const QString& path);
    QLabel* resumeLabel() const { return m_resume; }

protected:
    Expected<std::unique_ptr<Job>> createJob() override;

private:
    void updateResumeNote();

    int m_threads;
    QString m_resultsDir;
    PathField* m_model;
    QLineEdit* m_tasks;
    QLineEdit* m_methods;
    QLineEdit* m_ratios;
    QLineEdit* m_limits;
    PathField* m_wikitext;
    QLineEdit* m_cnndm;
    QLineEdit* m_mmlu;
    PathField* m_arc;
    PathField* m_tune;
    PathField* m_calibration;
    QSpinBox* m_shardK;
    QSpinBox* m_shardN;
    QLineEdit* m_out;
    QLabel* m_resume;
    QPushButton* m_open;
    QPushButton* m_exportTables;
    QPushButton* m_exportFigure;
};

} // namespace dash::studio
