// SPDX-License-Identifier: MIT
// The Pareto figure of an evaluation: its points read from a results.json
// written here (x the measured speedup of the method's speed cell at the same
// ratio, else the quality cell's nominal ratio; y the task's metric, in
// percent for accuracies), the figure drawn on an image, and the headless
// `dash-studio --export-figure pareto` with its errors.
#include "app/studio/eval_figure.h"

#include <QImage>
#include <QPainter>
#include <QProcess>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QtTest>

using namespace dash;
using namespace dash::studio;

namespace {

Json cell(const char* task, const char* method, double ratio, double nominal,
          std::map<std::string, double> metrics) {
    Json c = Json::object();
    c.set("task", task);
    c.set("method", method);
    c.set("target_ratio", ratio);
    c.set("nominal_ratio", nominal);
    Json m = Json::object();
    for (const auto& [k, v] : metrics)
        m.set(k, v);
    c.set("metrics", m);
    return c;
}

Json results(bool withSpeed) {
    Json layout = Json::object();
    std::vector<std::string> tasks = {"wikitext2", "arc"};
    if (withSpeed)
        tasks.push_back("speed");
    layout.set("tasks", Json::array(tasks));
    layout.set("methods", Json::array(std::vector<std::string>{"full", "random", "dash:p"}));
    layout.set("ratios", Json::array(std::vector<double>{1.5, 2.0}));
    Json cells = Json::array(std::vector<int>{});
    cells.push(cell("wikitext2", "full", 1.0, 1.0, {{"ppl", 30.0}}));
    cells.push(cell("arc", "full", 1.0, 1.0, {{"acc", 0.3}, {"acc_norm", 0.25}}));
    // Listed out of order: the curve is sorted by speed.
    cells.push(cell("arc", "random", 2.0, 1.98, {{"acc_norm", 0.2}}));
    cells.push(cell("arc", "random", 1.5, 1.49, {{"acc_norm", 0.225}}));
    cells.push(cell("wikitext2", "random", 1.5, 1.51, {{"ppl", 40.0}}));
    cells.push(cell("arc", "dash:p", 1.5, 1.55, {{"acc_norm", 0.24}}));
    if (withSpeed) {
        cells.push(cell("speed", "full", 1.0, 1.0, {{"speedup", 1.01}}));
        cells.push(cell("speed", "random", 1.5, 1.5, {{"speedup", 1.3}}));
        cells.push(cell("speed", "random", 2.0, 2.0, {{"speedup", 1.7}}));
        // dash:p has no speed cell: left out of a measured-speed figure.
    }
    Json j = Json::object();
    j.set("layout", layout);
    j.set("cells", cells);
    return j;
}

} // namespace

class TestEvalFigures : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void points() {
        auto nominal = paretoFromResults(results(false), QString());
        QVERIFY2(nominal.ok(), nominal.ok() ? "" : nominal.error().message().c_str());
        QCOMPARE(nominal->task, QStringLiteral("wikitext2")); // the first quality task
        QVERIFY(!nominal->measuredSpeed);
        QCOMPARE(nominal->series.size(), 2); // full and random have WikiText-2 cells
        QCOMPARE(nominal->series[1].points, QList<QPointF>{QPointF(1.51, 40.0)});

        auto arc = paretoFromResults(results(false), QStringLiteral("arc"));
        QVERIFY(arc.ok());
        QCOMPARE(arc->series.size(), 3);
        QCOMPARE(arc->series[0].method, QStringLiteral("full"));
        QCOMPARE(arc->series[0].points, QList<QPointF>{QPointF(1.0, 25.0)}); // acc_norm in %
        const QList<QPointF> random = {QPointF(1.49, 22.5), QPointF(1.98, 20.0)};
        QCOMPARE(arc->series[1].points, random);

        auto measured = paretoFromResults(results(true), QStringLiteral("arc"));
        QVERIFY(measured.ok());
        QVERIFY(measured->measuredSpeed);
        QCOMPARE(measured->series.size(), 2); // dash:p has no speed cell
        const QList<QPointF> randomMeasured = {QPointF(1.3, 22.5), QPointF(1.7, 20.0)};
        QCOMPARE(measured->series[1].points, randomMeasured);
        QCOMPARE(measured->series[0].points, QList<QPointF>{QPointF(1.01, 25.0)});
        QCOMPARE(QString::fromUtf8(paretoDataCsv(*measured)),
                 QStringLiteral("method,x,y\nfull,1.01,25\nrandom,1.3,22.5\nrandom,1.7,20\n"));

        QVERIFY(!paretoFromResults(results(false), QStringLiteral("mmlu")).ok());
        QVERIFY(!paretoFromResults(Json::object(), QString()).ok());
    }

    // The curves land where their points say: the random curve's colour
    // appears on the image, the background stays white at the corner.
    void painted() {
        auto data = paretoFromResults(results(false), QStringLiteral("arc"));
        QVERIFY(data.ok());
        FigureSpec spec;
        spec.sizeMm = QSizeF(80, 60);
        spec.format = FigureFormat::Png;
        spec.dpi = 150;
        QImage image(figurePixelSize(spec), QImage::Format_RGB32);
        image.setDotsPerMeterX(static_cast<int>(150 / kMmPerInch * 1000));
        image.setDotsPerMeterY(static_cast<int>(150 / kMmPerInch * 1000));
        image.fill(Qt::white);
        {
            QPainter p(&image);
            paintPareto(p, QRectF(QPointF(0, 0), QSizeF(image.size())), *data, spec);
        }
        int vermilion = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                vermilion += image.pixel(x, y) == qRgb(0xd5, 0x5e, 0x00);
        QVERIFY2(vermilion > 20, qPrintable(QString::number(vermilion)));
        QCOMPARE(image.pixel(image.width() - 1, image.height() - 1), qRgb(255, 255, 255));
    }

    void headless() {
        const QString json = m_dir.filePath(QStringLiteral("results.json"));
        {
            QFile f(json);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(results(true).dump(2)));
        }
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        env.remove(QStringLiteral("DISPLAY"));
        auto run = [&](const QStringList& args, QByteArray* err = nullptr) {
            QProcess p;
            p.setProcessEnvironment(env);
            p.start(QStringLiteral(DASH_STUDIO_BINARY), args);
            if (!p.waitForFinished(120000))
                return -1;
            if (err)
                *err = p.readAllStandardError();
            return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        };
        const QString svg = m_dir.filePath(QStringLiteral("pareto.svg"));
        const QString csv = m_dir.filePath(QStringLiteral("pareto.csv"));
        QByteArray err;
        QCOMPARE(run({"--export-figure", "pareto", "--results", json, "--task", "arc", "--out", svg,
                      "--data", csv},
                     &err),
                 0);
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QFile data(csv);
        QVERIFY(data.open(QIODevice::ReadOnly));
        QCOMPARE(data.readAll(), QByteArray("method,x,y\nfull,1.01,25\nrandom,1.3,22.5\n"
                                            "random,1.7,20\n"));
        const QString png = m_dir.filePath(QStringLiteral("pareto.png"));
        QCOMPARE(run({"--export-figure", "pareto", "--results", json, "--out", png, "--dpi", "100",
                      "--size", "80x60mm"}),
                 0);
        QImage image(png);
        QCOMPARE(image.size(), QSize(315, 236)); // 80 x 60 mm at 100 dpi
        // Errors: one line naming the option or the file, non-zero exit.
        QCOMPARE(run({"--export-figure", "pareto", "--out", svg}, &err), 2);
        QVERIFY2(err.contains("--results"), err.constData());
        QCOMPARE(
            run({"--export-figure", "pareto", "--results", json, "--trace", json, "--out", svg},
                &err),
            2);
        QVERIFY2(err.contains("--trace"), err.constData());
        QCOMPARE(
            run({"--export-figure", "pareto", "--results", json, "--task", "mmlu", "--out", svg},
                &err),
            1);
        QVERIFY2(err.contains("results.json") && err.contains("mmlu"), err.constData());
        QCOMPARE(run({"--export-figure", "pareto", "--results",
                      m_dir.filePath(QStringLiteral("missing.json")), "--out", svg},
                     &err),
                 1);
        QVERIFY2(err.contains("missing.json"), err.constData());
    }
};

QTEST_MAIN(TestEvalFigures)
#include "tst_eval_figures.moc"
