// SPDX-License-Identifier: MIT
#include "core/eval/datasets.h"

#include "core/eval/csv.h"
#include "core/util/input_file.h"
#include "core/util/json.h"
#include "core/util/unicode.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <optional>

namespace dash::eval {

namespace {

std::string where(const std::string& file, int64_t line) {
    return file + ":" + std::to_string(line) + ": ";
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return {};
    const size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// Keeps a row or handles its problem as the options say: Fail returns the
// error, Skip records it.
Status rowProblem(ReadReport& report, const ReadOptions& options, const std::string& file,
                  int64_t line, const std::string& reason) {
    if (options.malformed == MalformedRows::Fail)
        return invalidError(where(file, line) + reason);
    report.skipped.push_back({file, line, reason});
    return {};
}

// Calls `row(line, text)` for every non-blank line of a JSONL file.
Status forEachJsonLine(const std::string& text,
                       const std::function<Status(int64_t, std::string_view)>& row) {
    int64_t line = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        ++line;
        size_t end = text.find('\n', pos);
        if (end == std::string::npos)
            end = text.size();
        std::string_view s(text.data() + pos, end - pos);
        pos = end + 1;
        if (trim(std::string(s)).empty())
            continue;
        DASH_TRY(row(line, s));
    }
    return {};
}

// A string member of `object`, or why not.
Expected<std::string> stringMember(const Json& object, const char* key) {
    const Json* v = object.find(key);
    if (!v)
        return invalidError(std::string("no '") + key + "' field");
    if (!v->isString())
        return invalidError(std::string("'") + key + "' is " + jsonTypeName(v->type()) +
                            ", not a string");
    return v->asString();
}

int answerIndex(const std::vector<std::string>& labels, const std::string& key) {
    for (size_t i = 0; i < labels.size(); ++i)
        if (labels[i] == key)
            return static_cast<int>(i);
    return -1;
}

// One ARC row in either layout.
Expected<ChoiceQuestion> arcQuestion(const Json& row) {
    if (!row.isObject())
        return invalidError(std::string("the row is ") + jsonTypeName(row.type()) +
                            ", not an object");
    ChoiceQuestion q;
    if (const Json* id = row.find("id"); id && id->isString())
        q.id = id->asString();
    const Json* question = row.find("question");
    if (!question)
        return invalidError("no 'question' field");
    const Json* choices = nullptr;
    if (question->isString()) {
        // HF-style: choices {text: [...], label: [...]}.
        q.question = question->asString();
        const Json* c = row.find("choices");
        if (!c || !c->isObject())
            return invalidError("'choices' must be an object {text, label}");
        const Json* text = c->find("text");
        const Json* label = c->find("label");
        if (!text || !text->isArray() || !label || !label->isArray())
            return invalidError("'choices' needs arrays 'text' and 'label'");
        if (text->size() != label->size())
            return invalidError("'choices' has " + std::to_string(text->size()) + " texts but " +
                                std::to_string(label->size()) + " labels");
        for (size_t i = 0; i < text->size(); ++i) {
            if (!(*text)[i].isString() || !(*label)[i].isString())
                return invalidError("choice " + std::to_string(i + 1) +
                                    ": text and label must be strings");
            q.choices.push_back((*text)[i].asString());
            q.labels.push_back((*label)[i].asString());
        }
    } else if (question->isObject()) {
        // AI2: question {stem, choices: [{text, label}]}.
        DASH_ASSIGN_OR_RETURN(q.question, stringMember(*question, "stem"));
        choices = question->find("choices");
        if (!choices || !choices->isArray())
            return invalidError("'question.choices' must be an array of {text, label}");
        for (size_t i = 0; i < choices->size(); ++i) {
            const Json& c = (*choices)[i];
            if (!c.isObject())
                return invalidError("choice " + std::to_string(i + 1) + " is not an object");
            auto text = stringMember(c, "text");
            auto label = stringMember(c, "label");
            if (!text.ok() || !label.ok())
                return invalidError("choice " + std::to_string(i + 1) + ": " +
                                    (!text.ok() ? text.error() : label.error()).message());
            q.choices.push_back(*text);
            q.labels.push_back(*label);
        }
    } else {
        return invalidError("'question' must be a string or an object with 'stem'");
    }
    if (q.choices.size() < 2)
        return invalidError("fewer than two choices");
    DASH_ASSIGN_OR_RETURN(std::string key, stringMember(row, "answerKey"));
    q.answer = answerIndex(q.labels, key);
    if (q.answer < 0)
        return invalidError("answerKey '" + key + "' is not one of the choice labels");
    return q;
}

// How the columns of an MMLU CSV map to fields.
struct MmluColumns {
    bool header = false;
    int question = 0;
    int choices[4] = {1, 2, 3, 4};
    int answer = 5;
    int subject = -1;
    size_t count = 6;
};

// The header+index variant: a first record naming question, A..D and answer.
std::optional<MmluColumns> headerColumns(const std::vector<std::string>& fields) {
    MmluColumns c;
    c.header = true;
    c.count = fields.size();
    int found = 0;
    c.question = c.answer = -1;
    for (int i = 0; i < 4; ++i)
        c.choices[i] = -1;
    for (size_t i = 0; i < fields.size(); ++i) {
        const std::string name = lower(trim(fields[i]));
        const int col = static_cast<int>(i);
        if (name == "question" || name == "input")
            c.question = col, ++found;
        else if (name == "answer" || name == "target")
            c.answer = col, ++found;
        else if (name == "subject")
            c.subject = col;
        else if (name.size() == 1 && name[0] >= 'a' && name[0] <= 'd')
            c.choices[name[0] - 'a'] = col, ++found;
    }
    if (found != 6 || c.question < 0 || c.answer < 0 ||
        std::count(std::begin(c.choices), std::end(c.choices), -1) > 0)
        return std::nullopt;
    return c;
}

} // namespace

Expected<WikiText> readWikiText(const std::string& path) {
    DASH_ASSIGN_OR_RETURN(std::string text, readInputFile(path, kTextInput));
    if (text.empty())
        return invalidError(path + ": the file is empty");
    WikiText w;
    int64_t line = 1;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] == '\0')
            return invalidError(where(path, line) + "NUL byte: not a text file");
        if (i == text.size() || text[i] == '\n') {
            if (!isValidUtf8(std::string_view(text).substr(start, i - start)))
                return invalidError(where(path, line) + "invalid UTF-8");
            start = i + 1;
            if (i < text.size())
                ++line;
        }
    }
    w.lines = text.back() == '\n' ? line - 1 : line;
    w.text = std::move(text);
    return w;
}

Expected<SummaryDataset> readSummaries(const std::string& path, const ReadOptions& options) {
    DASH_ASSIGN_OR_RETURN(std::string text, readInputFile(path, kTextInput));
    SummaryDataset data;
    const bool csv = lower(std::filesystem::path(path).extension().string()) == ".csv";
    auto keep = [&](SummaryItem item) -> Status {
        if (trim(item.article).empty())
            return rowProblem(data.report, options, path, item.line, "the article is empty");
        if (trim(item.highlights).empty())
            return rowProblem(data.report, options, path, item.line, "the highlights are empty");
        if (item.id.empty())
            item.id = path + ":" + std::to_string(item.line);
        data.items.push_back(std::move(item));
        return {};
    };
    if (csv) {
        DASH_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, parseCsv(text, path));
        if (records.empty())
            return invalidError(path + ": no header row");
        int article = -1, highlights = -1, id = -1;
        const CsvRecord& header = records.front();
        for (size_t i = 0; i < header.fields.size(); ++i) {
            const std::string name = lower(trim(header.fields[i]));
            if (name == "article")
                article = static_cast<int>(i);
            else if (name == "highlights")
                highlights = static_cast<int>(i);
            else if (name == "id")
                id = static_cast<int>(i);
        }
        if (article < 0 || highlights < 0)
            return invalidError(where(path, header.line) +
                                "the header must name the columns 'article' and 'highlights'");
        for (size_t r = 1; r < records.size(); ++r) {
            const CsvRecord& rec = records[r];
            ++data.report.rows;
            if (rec.fields.size() != header.fields.size()) {
                DASH_TRY(rowProblem(data.report, options, path, rec.line,
                                    std::to_string(rec.fields.size()) + " fields, the header has " +
                                        std::to_string(header.fields.size())));
                continue;
            }
            SummaryItem item;
            item.line = rec.line;
            item.article = rec.fields[static_cast<size_t>(article)];
            item.highlights = rec.fields[static_cast<size_t>(highlights)];
            if (id >= 0)
                item.id = rec.fields[static_cast<size_t>(id)];
            DASH_TRY(keep(std::move(item)));
        }
    } else {
        DASH_TRY(forEachJsonLine(text, [&](int64_t line, std::string_view s) -> Status {
            ++data.report.rows;
            auto row = Json::parse(s);
            if (!row.ok())
                return rowProblem(data.report, options, path, line,
                                  "not JSON: " + row.error().message());
            if (!row->isObject())
                return rowProblem(data.report, options, path, line, "the row is not an object");
            auto article = stringMember(*row, "article");
            auto highlights = stringMember(*row, "highlights");
            if (!article.ok() || !highlights.ok())
                return rowProblem(data.report, options, path, line,
                                  (!article.ok() ? article.error() : highlights.error()).message());
            SummaryItem item;
            item.line = line;
            item.article = *article;
            item.highlights = *highlights;
            if (const Json* id = row->find("id"); id && id->isString())
                item.id = id->asString();
            return keep(std::move(item));
        }));
    }
    if (data.items.empty())
        return invalidError(path + ": no usable rows (" + std::to_string(data.report.rows) +
                            " read, " + std::to_string(data.report.skipped.size()) + " malformed)");
    return data;
}

std::string mmluSubjectFromFileName(const std::string& path) {
    std::string name = std::filesystem::path(path).stem().string();
    for (const char* suffix : {"_validation", "_test", "_dev", "_val"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            name.resize(name.size() - s.size());
            break;
        }
    }
    return name;
}

Expected<ChoiceDataset> readMmluCsv(const std::string& path, const ReadOptions& options) {
    DASH_ASSIGN_OR_RETURN(std::string text, readInputFile(path, kTextInput));
    DASH_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, parseCsv(text, path));
    ChoiceDataset data;
    if (records.empty())
        return invalidError(path + ": the file holds no rows");
    MmluColumns columns;
    size_t first = 0;
    if (auto header = headerColumns(records.front().fields)) {
        columns = *header;
        first = 1;
    }
    const std::string fileSubject = mmluSubjectFromFileName(path);
    for (size_t r = first; r < records.size(); ++r) {
        const CsvRecord& rec = records[r];
        ++data.report.rows;
        if (rec.fields.size() != columns.count) {
            DASH_TRY(rowProblem(
                data.report, options, path, rec.line,
                std::to_string(rec.fields.size()) + " fields, expected " +
                    std::to_string(columns.count) +
                    (columns.header ? " (as the header)" : " (question, four choices, answer)")));
            continue;
        }
        ChoiceQuestion q;
        q.line = rec.line;
        q.id = fileSubject + ":" + std::to_string(rec.line);
        q.subject =
            columns.subject >= 0 ? rec.fields[static_cast<size_t>(columns.subject)] : fileSubject;
        q.question = rec.fields[static_cast<size_t>(columns.question)];
        for (int i = 0; i < 4; ++i) {
            q.choices.push_back(rec.fields[static_cast<size_t>(columns.choices[i])]);
            q.labels.push_back(std::string(1, static_cast<char>('A' + i)));
        }
        // The answer: a letter A-D, or (header variant) an index 0-3.
        const std::string answer = trim(rec.fields[static_cast<size_t>(columns.answer)]);
        if (answer.size() == 1 && answer[0] >= 'A' && answer[0] <= 'D')
            q.answer = answer[0] - 'A';
        else if (columns.header && answer.size() == 1 && answer[0] >= '0' && answer[0] <= '3')
            q.answer = answer[0] - '0';
        else {
            DASH_TRY(rowProblem(data.report, options, path, rec.line,
                                "answer '" + answer + "' is not one of A, B, C, D"));
            continue;
        }
        if (trim(q.question).empty()) {
            DASH_TRY(rowProblem(data.report, options, path, rec.line, "the question is empty"));
            continue;
        }
        data.items.push_back(std::move(q));
    }
    return data;
}

Expected<ChoiceDataset> readMmluDirectory(const std::string& directory, const std::string& split,
                                          const ReadOptions& options) {
    std::error_code ec;
    if (!std::filesystem::is_directory(directory, ec))
        return notFoundError(directory + ": not a directory");
    std::vector<std::string> files;
    const std::string suffix = "_" + split + ".csv";
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            files.push_back(entry.path().string());
    }
    if (ec)
        return ioError(directory + ": " + ec.message());
    if (files.empty())
        return notFoundError(directory + ": no *" + suffix + " files");
    std::sort(files.begin(), files.end());
    ChoiceDataset all;
    for (const std::string& f : files) {
        DASH_ASSIGN_OR_RETURN(ChoiceDataset one, readMmluCsv(f, options));
        all.report.rows += one.report.rows;
        for (RowProblem& p : one.report.skipped)
            all.report.skipped.push_back(std::move(p));
        for (ChoiceQuestion& q : one.items)
            all.items.push_back(std::move(q));
    }
    return all;
}

Expected<ChoiceDataset> readArcJsonl(const std::string& path, const ReadOptions& options) {
    DASH_ASSIGN_OR_RETURN(std::string text, readInputFile(path, kTextInput));
    ChoiceDataset data;
    DASH_TRY(forEachJsonLine(text, [&](int64_t line, std::string_view s) -> Status {
        ++data.report.rows;
        auto row = Json::parse(s);
        if (!row.ok())
            return rowProblem(data.report, options, path, line,
                              "not JSON: " + row.error().message());
        auto q = arcQuestion(*row);
        if (!q.ok())
            return rowProblem(data.report, options, path, line, q.error().message());
        q->line = line;
        if (q->id.empty())
            q->id = path + ":" + std::to_string(line);
        data.items.push_back(std::move(*q));
        return {};
    }));
    if (data.items.empty())
        return invalidError(path + ": no usable rows (" + std::to_string(data.report.rows) +
                            " read, " + std::to_string(data.report.skipped.size()) + " malformed)");
    return data;
}

} // namespace dash::eval
