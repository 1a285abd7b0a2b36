// SPDX-License-Identifier: MIT
// The evaluation datasets: tiny files written by the test (both layouts,
// quoting, malformed rows), and the real copies in ../shared/data.
#include "test_support.h"

#include "core/eval/csv.h"
#include "core/eval/datasets.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace dash;
using namespace dash::eval;

class TestEvalDatasets : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::string write(const std::string& name, const std::string& text) {
        const std::string path = m_dir.filePath(QString::fromStdString(name)).toStdString();
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

private slots:
    void csvQuoting() {
        // A quoted field with a comma, a doubled quote and a line break; CRLF ends.
        auto r = parseCsv("a,\"b,\"\"c\"\"\nd\",e\r\n\r\nf,,\n", "x.csv");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
        QCOMPARE(r->size(), size_t{2});
        QCOMPARE((*r)[0].line, int64_t{1});
        QCOMPARE((*r)[0].fields.size(), size_t{3});
        QCOMPARE((*r)[0].fields[1], std::string("b,\"c\"\nd"));
        QCOMPARE((*r)[0].fields[2], std::string("e"));
        QCOMPARE((*r)[1].line, int64_t{4}); // after the quoted line break and a blank line
        QCOMPARE((*r)[1].fields, (std::vector<std::string>{"f", "", ""}));
    }

    void csvErrorsNameTheLine() {
        auto open = parseCsv("a,b\nc,\"d\ne\n", "x.csv");
        QVERIFY(!open.ok());
        QCOMPARE(open.error().message(),
                 std::string("x.csv:2: quoted field is not closed before the end of the file"));
        auto stray = parseCsv("a,b\nc,d\"e\n", "x.csv");
        QVERIFY(!stray.ok());
        QVERIFY(stray.error().message().rfind("x.csv:2: quote inside unquoted field 2", 0) == 0);
        auto after = parseCsv("\"a\"b,c\n", "x.csv");
        QVERIFY(!after.ok());
        QVERIFY(after.error().message().rfind("x.csv:1: text after the closing quote", 0) == 0);
    }

    void wikiText() {
        const std::string path = write("wiki.raw", " = Title = \n\n Some text , here .\n");
        auto w = readWikiText(path);
        QVERIFY(w.ok());
        QCOMPARE(w->lines, int64_t{3});
        QCOMPARE(w->text, std::string(" = Title = \n\n Some text , here .\n"));
        auto bad = readWikiText(write("bad.raw", "fine\nstill fine\nbroken \xC3\x28 here\n"));
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().message().find("bad.raw:3: invalid UTF-8") != std::string::npos);
        QVERIFY(!readWikiText(write("empty.raw", "")).ok());
        QVERIFY(!readWikiText(m_dir.filePath("absent.raw").toStdString()).ok());
    }

    void summariesJsonl() {
        const std::string path = write(
            "s.jsonl", "{\"id\": \"a\", \"article\": \"Art one.\", \"highlights\": \"H1\"}\n"
                       "\n"
                       "{\"article\": \"Art two.\", \"highlights\": 5}\n"
                       "not json\n"
                       "{\"id\": \"d\", \"article\": \"Art four.\", \"highlights\": \"H4\"}\n");
        auto strict = readSummaries(path);
        QVERIFY(!strict.ok());
        QVERIFY2(strict.error().message().find("s.jsonl:3: 'highlights' is number") !=
                     std::string::npos,
                 strict.error().message().c_str());
        ReadOptions skip;
        skip.malformed = MalformedRows::Skip;
        auto lenient = readSummaries(path, skip);
        QVERIFY(lenient.ok());
        QCOMPARE(lenient->items.size(), size_t{2});
        QCOMPARE(lenient->items[1].id, std::string("d"));
        QCOMPARE(lenient->items[1].line, int64_t{5});
        QCOMPARE(lenient->report.rows, int64_t{4});
        QCOMPARE(lenient->report.skipped.size(), size_t{2});
        QCOMPARE(lenient->report.skipped[0].line, int64_t{3});
        QCOMPARE(lenient->report.skipped[1].line, int64_t{4});
        QVERIFY(lenient->report.skipped[1].reason.rfind("not JSON", 0) == 0);
    }

    void summariesCsv() {
        const std::string path =
            write("s.csv", "id,article,highlights\n"
                           "1,\"Hello, world.\nSecond line.\",\"A \"\"quoted\"\" one\"\n"
                           "2,too few\n"
                           "3,Plain article,Plain summary\n");
        auto strict = readSummaries(path);
        QVERIFY(!strict.ok());
        QVERIFY2(strict.error().message().find("s.csv:4: 2 fields, the header has 3") !=
                     std::string::npos,
                 strict.error().message().c_str());
        ReadOptions skip;
        skip.malformed = MalformedRows::Skip;
        auto r = readSummaries(path, skip);
        QVERIFY(r.ok());
        QCOMPARE(r->items.size(), size_t{2});
        QCOMPARE(r->items[0].article, std::string("Hello, world.\nSecond line."));
        QCOMPARE(r->items[0].highlights, std::string("A \"quoted\" one"));
        QCOMPARE(r->items[1].line, int64_t{5});
        QCOMPARE(r->report.skipped.size(), size_t{1});
        auto noHeader = readSummaries(write("n.csv", "a,b\nc,d\n"));
        QVERIFY(!noHeader.ok());
        QVERIFY(noHeader.error().message().find("'article' and 'highlights'") != std::string::npos);
    }

    void mmluOriginal() {
        const std::string path =
            write("high_school_physics_test.csv", "What is 1+1?,1,2,3,4,B\n"
                                                  "\"A question, with a comma\",\"x\",y,z,w,D\n"
                                                  "Bad answer,1,2,3,4,E\n"
                                                  "Too few,1,2,3,A\n");
        QCOMPARE(mmluSubjectFromFileName(path), std::string("high_school_physics"));
        auto strict = readMmluCsv(path);
        QVERIFY(!strict.ok());
        QVERIFY2(strict.error().message().find("high_school_physics_test.csv:3: answer 'E'") !=
                     std::string::npos,
                 strict.error().message().c_str());
        ReadOptions skip;
        skip.malformed = MalformedRows::Skip;
        auto r = readMmluCsv(path, skip);
        QVERIFY(r.ok());
        QCOMPARE(r->items.size(), size_t{2});
        QCOMPARE(r->items[0].subject, std::string("high_school_physics"));
        QCOMPARE(r->items[0].answer, 1);
        QCOMPARE(r->items[1].question, std::string("A question, with a comma"));
        QCOMPARE(r->items[1].choices, (std::vector<std::string>{"x", "y", "z", "w"}));
        QCOMPARE(r->items[1].answer, 3);
        QCOMPARE(r->report.skipped.size(), size_t{2});
        QCOMPARE(r->report.skipped[1].line, int64_t{4});
    }

    void mmluHeaderVariant() {
        // A leading index column, a subject column, answers as letters or 0-3.
        const std::string path = write("mmlu_val.csv", ",question,A,B,C,D,answer,subject\n"
                                                       "0,Q one,a,b,c,d,C,anatomy\n"
                                                       "1,Q two,a,b,c,d,0,virology\n");
        auto r = readMmluCsv(path);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
        QCOMPARE(r->items.size(), size_t{2});
        QCOMPARE(r->items[0].answer, 2);
        QCOMPARE(r->items[0].subject, std::string("anatomy"));
        QCOMPARE(r->items[1].answer, 0);
        QCOMPARE(r->items[1].question, std::string("Q two"));
        QCOMPARE(r->items[1].line, int64_t{3});
    }

    void arcBothLayouts() {
        const std::string path = write(
            "arc.jsonl",
            "{\"id\": \"hf\", \"question\": \"Q1?\", \"choices\": {\"text\": [\"a\", \"b\", "
            "\"c\"], "
            "\"label\": [\"A\", \"B\", \"C\"]}, \"answerKey\": \"C\"}\n"
            "{\"id\": \"ai2\", \"question\": {\"stem\": \"Q2?\", \"choices\": [{\"text\": \"one\", "
            "\"label\": \"1\"}, {\"text\": \"two\", \"label\": \"2\"}]}, \"answerKey\": \"2\"}\n"
            "{\"id\": \"bad\", \"question\": \"Q3?\", \"choices\": {\"text\": [\"a\", \"b\"], "
            "\"label\": [\"A\", \"B\"]}, \"answerKey\": \"D\"}\n"
            "{\"id\": \"bad2\", \"question\": {\"stem\": \"Q4?\"}, \"answerKey\": \"A\"}\n");
        auto strict = readArcJsonl(path);
        QVERIFY(!strict.ok());
        QVERIFY2(strict.error().message().find("arc.jsonl:3: answerKey 'D'") != std::string::npos,
                 strict.error().message().c_str());
        ReadOptions skip;
        skip.malformed = MalformedRows::Skip;
        auto r = readArcJsonl(path, skip);
        QVERIFY(r.ok());
        QCOMPARE(r->items.size(), size_t{2});
        QCOMPARE(r->items[0].question, std::string("Q1?"));
        QCOMPARE(r->items[0].answer, 2);
        QCOMPARE(r->items[1].question, std::string("Q2?"));
        QCOMPARE(r->items[1].choices, (std::vector<std::string>{"one", "two"}));
        QCOMPARE(r->items[1].labels, (std::vector<std::string>{"1", "2"}));
        QCOMPARE(r->items[1].answer, 1);
        QCOMPARE(r->report.skipped.size(), size_t{2});
        QCOMPARE(r->report.skipped[1].line, int64_t{4});
        QVERIFY(r->report.skipped[1].reason.find("question.choices") != std::string::npos);
    }

    void realFiles() {
        const std::string wiki = test::dataPath("wikitext2_test.raw");
        const std::string arcTest = test::dataPath("arc/ARC-Challenge-Test.jsonl");
        const std::string arcDev = test::dataPath("arc/ARC-Challenge-Dev.letters-only.jsonl");
        const std::string mmlu = test::dataPath("mmlu");
        const std::string cnn1 = test::dataPath("cnndm/cnndm_test_summeval100.jsonl");
        const std::string cnn2 = test::dataPath("cnndm/cnndm_test_realsumm100.jsonl");
        for (const std::string& p : {wiki, arcTest, arcDev, mmlu, cnn1, cnn2})
            DASH_REQUIRE_FILE(p);
        auto w = readWikiText(wiki);
        QVERIFY(w.ok());
        QCOMPARE(w->text.size(), size_t{1290590}); // the README's byte count
        auto arc = readArcJsonl(arcTest);
        QVERIFY2(arc.ok(), arc.ok() ? "" : arc.error().message().c_str());
        QCOMPARE(arc->items.size(), size_t{1172});
        auto dev = readArcJsonl(arcDev); // AI2 layout
        QVERIFY2(dev.ok(), dev.ok() ? "" : dev.error().message().c_str());
        QCOMPARE(dev->items.size(), size_t{294});
        auto test = readMmluDirectory(mmlu + "/test", "test");
        QVERIFY2(test.ok(), test.ok() ? "" : test.error().message().c_str());
        QCOMPARE(test->items.size(), size_t{14042}); // MMLU's test split
        auto mdev = readMmluDirectory(mmlu + "/dev", "dev");
        QVERIFY(mdev.ok());
        QCOMPARE(mdev->items.size(), size_t{57 * 5});
        for (const std::string& p : {cnn1, cnn2}) {
            auto s = readSummaries(p);
            QVERIFY2(s.ok(), s.ok() ? "" : s.error().message().c_str());
            QCOMPARE(s->items.size(), size_t{100});
        }
    }
};

QTEST_GUILESS_MAIN(TestEvalDatasets)
#include "tst_eval_datasets.moc"
