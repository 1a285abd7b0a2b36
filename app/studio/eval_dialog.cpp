// SPDX-License-Identifier: MIT
#include "app/studio/eval_dialog.h"

#include "app/studio/eval_figure.h"
#include "app/studio/figure_spec.h"
#include "core/dash/policy.h"
#include "core/eval/eval_ablation.h"
#include "core/eval/eval_tables.h"
#include "core/model/model.h"

#include <QBoxLayout>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>

#include <algorithm>
#include <cmath>

namespace dash::studio {

namespace {

std::string localPath(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

class EvalJob : public Job {
public:
    explicit EvalJob(EvalJobSettings s) : m_s(std::move(s)) {}
    QString title() const override { return EvalJobDialog::tr("Evaluation"); }

    Expected<JobResult> run(JobContext& context) override {
        context.phase(EvalJobDialog::tr("Loading the model"));
        context.log(EvalJobDialog::tr("Loading %1").arg(m_s.modelPath));
        DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, Model::load(localPath(m_s.modelPath)));
        EngineOptions options;
        options.threads = m_s.threads;
        Engine engine(model, options);

        std::vector<eval::CellResult> finished;
        eval::EvalObserver observer;
        observer.cancel = context.cancel();
        observer.onCellStarted = [&context](const eval::EvalCell& c, size_t index, size_t total) {
            // One phase per cell: the progress bar and ETA follow its items.
            context.phase(EvalJobDialog::tr("Cell %1 of %2: %3, %4 at %5×")
                              .arg(index + 1)
                              .arg(total)
                              .arg(QString::fromLatin1(eval::taskName(c.task)),
                                   QString::fromStdString(eval::methodLabel(c.method)),
                                   QString::number(c.ratio, 'f', 2)));
        };
        observer.onItems = [&context](int64_t done, int64_t total) {
            context.progress(done, total);
        };
        observer.onNote = [&context](const std::string& note) {
            context.log(QString::fromStdString(note));
        };
        observer.onCellFinished = [&](const eval::CellResult& c, bool reused, size_t index,
                                      size_t total) {
            finished.push_back(c);
            const auto it = c.metrics.find(eval::primaryMetric(c.task));
            context.log(EvalJobDialog::tr("[%1/%2] %3, %4 at %5×: %6 %7, nominal %8×%9")
                            .arg(index + 1)
                            .arg(total)
                            .arg(QString::fromLatin1(eval::taskName(c.task)),
                                 QString::fromStdString(c.method),
                                 QString::number(c.targetRatio, 'f', 2),
                                 QString::fromLatin1(eval::primaryMetric(c.task)),
                                 QString::number(it == c.metrics.end() ? 0.0 : it->second, 'f', 4),
                                 QString::number(c.nominalRatio, 'f', 3),
                                 reused ? EvalJobDialog::tr(" (stored earlier, not recomputed)")
                                        : QString()));
        };
        const std::string out = localPath(m_s.outDir);
        auto result =
            eval::runEvaluation(engine, localPath(m_s.modelPath), m_s.plan, out, observer);
        const bool cancelled = !result.ok() && result.error().code() == ErrorCode::Cancelled;
        if (!result.ok() && !cancelled)
            return result.error();
        // The tables of the cells finished so far, a cancelled run's too.
        const eval::TableLayout layout = eval::planLayout(m_s.plan);
        const int cellCount = static_cast<int>(finished.size());
        DASH_TRY(eval::writeTables(out, layout, finished));
        const eval::AblationMap ablation = eval::defaultAblationMap(layout);
        if (!ablation.empty())
            DASH_TRY(eval::writeAblationTables(out, layout, finished, ablation));
        if (cancelled) {
            context.log(QCoreApplication::translate(
                "Jobs",
                "Cancelled: the %n finished cell(s) stay in the folder; starting again "
                "resumes from them",
                nullptr, cellCount));
            return result.error();
        }
        JobResult r;
        r.summary = EvalJobDialog::tr("%n cell(s)", nullptr, cellCount);
        r.files << QDir(m_s.outDir).filePath(QStringLiteral("results.csv"))
                << QDir(m_s.outDir).filePath(QStringLiteral("table1.tex"));
        return r;
    }

private:
    EvalJobSettings m_s;
};

QStringList splitList(const QString& text) {
    QStringList items;
    for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!item.trimmed().isEmpty())
            items << item.trimmed();
    return items;
}

Expected<int64_t> parseCount(const QString& text) {
    bool ok = false;
    const qlonglong v = text.trimmed().toLongLong(&ok);
    if (!ok || v < 0)
        return invalidError(EvalJobDialog::tr("limits must be counts >= 0, got '%1'")
                                .arg(text.trimmed())
                                .toStdString());
    return static_cast<int64_t>(v);
}

// A cell value as table1.tex prints it.
QString cellValue(const eval::CellResult* c) {
    if (!c)
        return QStringLiteral("--");
    const auto it = c->metrics.find(eval::primaryMetric(c->task));
    if (it == c->metrics.end() || !std::isfinite(it->second))
        return QStringLiteral("--");
    if (c->task == eval::Task::Speed)
        return QString::number(it->second, 'f', 2) + QStringLiteral("×");
    return c->task == eval::Task::WikiText2 ? QString::number(it->second, 'f', 2)
                                            : QString::number(100.0 * it->second, 'f', 1);
}

} // namespace

std::unique_ptr<Job> makeEvalJob(const EvalJobSettings& settings) {
    return std::make_unique<EvalJob>(settings);
}

int finishedCellCount(const QString& dir) {
    if (dir.isEmpty())
        return 0;
    return static_cast<int>(QDir(QDir(dir).filePath(QStringLiteral("cells")))
                                .entryList({QStringLiteral("*.json")}, QDir::Files)
                                .size());
}

Expected<EvalTable> readEvalTable(const QString& dir) {
    DASH_ASSIGN_OR_RETURN(eval::TableLayout layout, eval::readLayout(localPath(dir)));
    DASH_ASSIGN_OR_RETURN(std::vector<eval::CellResult> cells, eval::readCells(localPath(dir)));
    auto find = [&](eval::Task task, const std::string& method,
                    double ratio) -> const eval::CellResult* {
        const double want = method == "full" ? 1.0 : ratio;
        for (const eval::CellResult& c : cells)
            if (c.task == task && c.method == method &&
                std::lround(c.targetRatio * 100) == std::lround(want * 100))
                return &c;
        return nullptr;
    };
    EvalTable table;
    table.columns << EvalJobDialog::tr("method");
    for (double r : layout.ratios)
        for (eval::Task t : layout.tasks)
            table.columns << QStringLiteral("%1× %2").arg(QString::number(r, 'f', 2),
                                                          QString::fromLatin1(eval::taskName(t)));
    for (const std::string& method : layout.methods) {
        QStringList row{QString::fromStdString(method)};
        for (double r : layout.ratios)
            for (eval::Task t : layout.tasks)
                row << cellValue(find(t, method, r));
        table.rows << row;
    }
    return table;
}

EvalJobDialog::EvalJobDialog(const JobDefaults& defaults, const QString& dataDir, QWidget* parent)
    : JobDialog(parent), m_threads(defaults.threads) {
    setWindowTitle(tr("Evaluate"));
    m_model = new PathField(PathField::Mode::Open, tr("GGUF models (*.gguf)"), this);
    m_model->setPath(defaults.modelPath);
    m_tasks = new QLineEdit(QStringLiteral("wikitext2"), this);
    m_tasks->setToolTip(tr("Comma-separated: wikitext2, cnndm, mmlu, arc, speed"));
    m_methods =
        new QLineEdit(QStringLiteral("full, early-exit, skipdecode, adaskip, random"), this);
    m_methods->setToolTip(
        tr("Comma-separated: full, early-exit, skipdecode, adaskip, random, static, dash:FILE"));
    m_ratios = new QLineEdit(QStringLiteral("1.33, 1.67, 2.0"), this);
    m_limits = new QLineEdit(this);
    m_limits->setPlaceholderText(tr("all items; or N; or task=N, …"));
    m_wikitext =
        new PathField(PathField::Mode::Open, tr("Text (*.txt *.raw);;All files (*)"), this);
    m_cnndm = new QLineEdit(this);
    m_cnndm->setPlaceholderText(tr("CNN/DM JSONL or CSV files, separated by ;"));
    m_mmlu = new QLineEdit(this);
    m_mmlu->setPlaceholderText(tr("folder with dev/ and test/"));
    m_arc = new PathField(PathField::Mode::Open, tr("JSONL (*.jsonl);;All files (*)"), this);
    m_tune = new PathField(PathField::Mode::Open, tr("Text (*.txt);;All files (*)"), this);
    m_tune->setPath(defaults.textPath);
    m_calibration = new PathField(PathField::Mode::Open, tr("Calibrations (*.json)"), this);
    m_shardK = new QSpinBox(this);
    m_shardK->setRange(1, 100000);
    m_shardN = new QSpinBox(this);
    m_shardN->setRange(1, 100000);
    auto* shard = new QWidget(this);
    auto* shardLayout = new QHBoxLayout(shard);
    shardLayout->setContentsMargins(0, 0, 0, 0);
    shardLayout->addWidget(m_shardK);
    shardLayout->addWidget(new QLabel(tr("of"), shard));
    shardLayout->addWidget(m_shardN);
    shardLayout->addStretch(1);
    m_out = new QLineEdit(this);
    auto* outRow = new QWidget(this);
    auto* outLayout = new QHBoxLayout(outRow);
    outLayout->setContentsMargins(0, 0, 0, 0);
    outLayout->addWidget(m_out, 1);
    auto* browse = new QToolButton(outRow);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Choose the output folder"));
    outLayout->addWidget(browse);
    m_resume = new QLabel(this);
    m_resume->setObjectName(QStringLiteral("evalResumeNote"));
    m_resume->setWordWrap(true);

    // Defaults from the data folder, where its files are.
    const QDir data(dataDir);
    if (!dataDir.isEmpty()) {
        if (QFileInfo::exists(data.filePath(QStringLiteral("wikitext2_test.txt"))))
            m_wikitext->setPath(data.filePath(QStringLiteral("wikitext2_test.txt")));
        const QStringList cnndm =
            QDir(data.filePath(QStringLiteral("cnndm")))
                .entryList({QStringLiteral("*.jsonl")}, QDir::Files, QDir::Name);
        QStringList cnndmPaths;
        for (const QString& f : cnndm)
            cnndmPaths << data.filePath(QStringLiteral("cnndm/") + f);
        m_cnndm->setText(cnndmPaths.join(QLatin1Char(';')));
        if (QFileInfo(data.filePath(QStringLiteral("mmlu"))).isDir())
            m_mmlu->setText(data.filePath(QStringLiteral("mmlu")));
        if (QFileInfo::exists(data.filePath(QStringLiteral("arc/ARC-Challenge-Test.jsonl"))))
            m_arc->setPath(data.filePath(QStringLiteral("arc/ARC-Challenge-Test.jsonl")));
        if (m_tune->path().isEmpty() &&
            QFileInfo::exists(data.filePath(QStringLiteral("wikitext2_valid.txt"))))
            m_tune->setPath(data.filePath(QStringLiteral("wikitext2_valid.txt")));
    }
    m_out->setText(QDir::home().filePath(QStringLiteral("dash-eval")));

    form()->addRow(tr("Model"), m_model);
    form()->addRow(tr("Tasks"), m_tasks);
    form()->addRow(tr("Methods"), m_methods);
    form()->addRow(tr("Ratios"), m_ratios);
    form()->addRow(tr("Items per task"), m_limits);
    form()->addRow(tr("WikiText-2"), m_wikitext);
    form()->addRow(tr("CNN/DM"), m_cnndm);
    form()->addRow(tr("MMLU"), m_mmlu);
    form()->addRow(tr("ARC"), m_arc);
    form()->addRow(tr("Held-out text (tuning)"), m_tune);
    form()->addRow(tr("Calibration (static)"), m_calibration);
    form()->addRow(tr("Shard"), shard);
    form()->addRow(tr("Output folder"), outRow);
    form()->addRow(QString(), m_resume);

    // The results view: Table 1 in the job dialog's table, and the exports.
    m_open = new QPushButton(tr("Show Results"), this);
    m_open->setToolTip(tr("Show the results of the output folder"));
    m_exportTables = new QPushButton(tr("Export Tables…"), this);
    m_exportFigure = new QPushButton(tr("Export Pareto Figure…"), this);
    m_exportTables->setEnabled(false);
    m_exportFigure->setEnabled(false);
    auto* resultButtons = new QHBoxLayout;
    resultButtons->addWidget(m_open);
    resultButtons->addWidget(m_exportTables);
    resultButtons->addWidget(m_exportFigure);
    resultButtons->addStretch(1);
    if (auto* box = qobject_cast<QBoxLayout*>(layout()))
        box->insertLayout(box->count() - 1, resultButtons);

    connect(m_out, &QLineEdit::textChanged, this, &EvalJobDialog::updateResumeNote);
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Output folder"), m_out->text());
        if (!dir.isEmpty())
            m_out->setText(dir);
    });
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (Status st = showResults(); !st.ok()) {
            resultTable()->hide();
            m_resume->setText(QString::fromStdString(st.error().message()));
        }
    });
    connect(m_exportTables, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Export the tables to"));
        if (dir.isEmpty())
            return;
        if (auto copied = exportTables(dir); !copied.ok())
            m_resume->setText(QString::fromStdString(copied.error().message()));
    });
    connect(m_exportFigure, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Export the Pareto figure"), QString(),
                                         tr("PDF (*.pdf);;SVG (*.svg);;PNG (*.png)"));
        if (path.isEmpty())
            return;
        if (Status st = exportFigure(path); !st.ok())
            m_resume->setText(QString::fromStdString(st.error().message()));
    });
    connect(this, &JobDialog::jobFinished, this, [this](const JobOutcome&) {
        // A cancelled run wrote the tables of its finished cells too.
        (void)showResults();
        updateResumeNote();
    });
    updateResumeNote();
    resize(700, 780); // the form's rows, the log and Table 1
}

void EvalJobDialog::updateResumeNote() {
    const int n = finishedCellCount(m_out->text().trimmed());
    m_resume->setText(n > 0 ? tr("This folder holds %n finished cell(s): the run resumes from "
                                 "them and computes only the missing cells.",
                                 nullptr, n)
                            : tr("A new evaluation: the folder holds no finished cells."));
}

void EvalJobDialog::setModelPath(const QString& path) {
    m_model->setPath(path);
}
void EvalJobDialog::setOutputDir(const QString& dir) {
    m_out->setText(dir);
}
void EvalJobDialog::setTasks(const QString& tasks) {
    m_tasks->setText(tasks);
}
void EvalJobDialog::setMethods(const QString& methods) {
    m_methods->setText(methods);
}
void EvalJobDialog::setRatios(const QString& ratios) {
    m_ratios->setText(ratios);
}
void EvalJobDialog::setLimits(const QString& limits) {
    m_limits->setText(limits);
}
void EvalJobDialog::setShard(int k, int n) {
    m_shardN->setValue(n);
    m_shardK->setValue(k);
}
void EvalJobDialog::setWikitextPath(const QString& path) {
    m_wikitext->setPath(path);
}

Expected<EvalJobSettings> EvalJobDialog::settings() const {
    EvalJobSettings s;
    s.modelPath = m_model->path();
    s.outDir = m_out->text().trimmed();
    s.threads = m_threads;
    eval::EvalPlan& plan = s.plan;
    for (const QString& t : splitList(m_tasks->text())) {
        DASH_ASSIGN_OR_RETURN(eval::Task task, eval::parseTask(t.toStdString()));
        plan.tasks.push_back(task);
    }
    for (const QString& item : splitList(m_methods->text())) {
        const std::string m = item.startsWith(QLatin1String("dash:"))
                                  ? "dash:" + localPath(item.mid(5))
                                  : item.toStdString();
        if (const auto dash = eval::parseDashMethod(m)) {
            if (dash->file.empty())
                return invalidError(
                    tr("method '%1' needs a policy file (dash:FILE)").arg(item).toStdString());
        } else {
            DASH_ASSIGN_OR_RETURN(PolicyKind kind, parsePolicyKind(m));
            (void)kind;
        }
        plan.methods.push_back(m);
    }
    for (const QString& r : splitList(m_ratios->text())) {
        bool ok = false;
        const double v = r.toDouble(&ok);
        if (!ok || !(v >= 1.0) || v > 64)
            return invalidError(
                tr("ratios must be numbers from 1 to 64, got '%1'").arg(r).toStdString());
        plan.ratios.push_back(v);
    }
    for (const QString& item : splitList(m_limits->text())) {
        const qsizetype eq = item.indexOf(QLatin1Char('='));
        if (eq < 0) {
            DASH_ASSIGN_OR_RETURN(int64_t n, parseCount(item));
            for (eval::Task t : {eval::Task::WikiText2, eval::Task::CnnDm, eval::Task::Mmlu,
                                 eval::Task::Arc, eval::Task::Speed})
                if (!plan.limits.count(t))
                    plan.limits[t] = n;
            continue;
        }
        DASH_ASSIGN_OR_RETURN(eval::Task t, eval::parseTask(item.left(eq).trimmed().toStdString()));
        DASH_ASSIGN_OR_RETURN(plan.limits[t], parseCount(item.mid(eq + 1)));
    }
    auto uses = [&plan](eval::Task t) {
        return std::find(plan.tasks.begin(), plan.tasks.end(), t) != plan.tasks.end();
    };
    // Only the files of the chosen tasks: they are hashed into the cells' keys
    // (as with dash-cli eval, which reads only the options given).
    if (uses(eval::Task::WikiText2) || uses(eval::Task::Speed))
        plan.files.wikitext = localPath(m_wikitext->path());
    if (uses(eval::Task::CnnDm))
        for (const QString& f : m_cnndm->text().split(QLatin1Char(';'), Qt::SkipEmptyParts))
            if (!f.trimmed().isEmpty())
                plan.files.cnndm.push_back(localPath(f.trimmed()));
    if (uses(eval::Task::Mmlu))
        plan.files.mmluDir = localPath(m_mmlu->text().trimmed());
    if (uses(eval::Task::Arc))
        plan.files.arc = localPath(m_arc->path());
    plan.tuneTextPath = localPath(m_tune->path());
    plan.calibrationPath = localPath(m_calibration->path());
    plan.shardIndex = m_shardK->value() - 1;
    plan.shardCount = m_shardN->value();
    if (!s.outDir.isEmpty())
        plan.storePath = localPath(QDir(s.outDir).filePath(QStringLiteral("runs.sqlite")));
    return s;
}

Expected<std::unique_ptr<Job>> EvalJobDialog::createJob() {
    DASH_ASSIGN_OR_RETURN(EvalJobSettings s, settings());
    if (s.modelPath.isEmpty())
        return invalidError(tr("the model is missing").toStdString());
    if (s.outDir.isEmpty())
        return invalidError(tr("the output folder is missing").toStdString());
    if (s.plan.tasks.empty())
        return invalidError(tr("choose at least one task").toStdString());
    if (s.plan.methods.empty())
        return invalidError(tr("choose at least one method").toStdString());
    if (s.plan.ratios.empty())
        return invalidError(tr("choose at least one ratio").toStdString());
    if (s.plan.shardIndex >= s.plan.shardCount)
        return invalidError(tr("the shard must be K of N with K <= N").toStdString());
    return makeEvalJob(s);
}

Status EvalJobDialog::showResults(const QString& dir) {
    const QString folder = dir.isEmpty() ? m_out->text().trimmed() : dir;
    DASH_ASSIGN_OR_RETURN(EvalTable table, readEvalTable(folder));
    QTableWidget* view = resultTable();
    view->clear();
    view->setColumnCount(static_cast<int>(table.columns.size()));
    view->setHorizontalHeaderLabels(table.columns);
    view->setRowCount(static_cast<int>(table.rows.size()));
    for (int row = 0; row < table.rows.size(); ++row)
        for (int col = 0; col < table.rows[row].size(); ++col)
            view->setItem(row, col, new QTableWidgetItem(table.rows[row][col]));
    view->resizeColumnsToContents();
    view->show();
    m_resultsDir = folder;
    m_exportTables->setEnabled(true);
    m_exportFigure->setEnabled(true);
    return {};
}

Expected<QStringList> EvalJobDialog::exportTables(const QString& dir) {
    if (m_resultsDir.isEmpty())
        return invalidError(tr("no results are shown").toStdString());
    QStringList copied;
    const QDir from(m_resultsDir);
    const QDir to(dir);
    for (const char* name :
         {"results.csv", "results.json", "table1.tex", "table3.csv", "table3.tex"}) {
        const QString source = from.filePath(QString::fromLatin1(name));
        if (!QFileInfo::exists(source))
            continue;
        const QString target = to.filePath(QString::fromLatin1(name));
        QFile::remove(target);
        if (!QFile::copy(source, target))
            return ioError(tr("cannot copy %1 to %2").arg(source, target).toStdString());
        copied << target;
    }
    if (copied.isEmpty())
        return ioError(tr("%1 holds no tables").arg(m_resultsDir).toStdString());
    return copied;
}

Status EvalJobDialog::exportFigure(const QString& path) {
    if (m_resultsDir.isEmpty())
        return invalidError(tr("no results are shown").toStdString());
    const auto format = figureFormatFromPath(path);
    if (!format)
        return invalidError(tr("the figure's file name must end in .svg, .pdf or .png: %1")
                                .arg(path)
                                .toStdString());
    DASH_ASSIGN_OR_RETURN(
        Json json,
        readJsonFile(localPath(QDir(m_resultsDir).filePath(QStringLiteral("results.json")))));
    DASH_ASSIGN_OR_RETURN(ParetoData data, paretoFromResults(json, QString()));
    FigureSpec spec;
    spec.kind = FigureKind::SimilarityCurves; // the one-column size, as --export-figure pareto
    spec.sizeMm = defaultFigureSizeMm(spec.kind);
    spec.format = *format;
    if (const QString error = writePareto(data, spec, path); !error.isEmpty())
        return ioError(error.toStdString());
    return {};
}

} // namespace dash::studio
