// SPDX-License-Identifier: MIT
// Evaluation datasets read from the files a user points at.
//
//   WikiText-2   raw or tokenized text (one file; the same reader)
//   CNN/DM       JSONL {id?, article, highlights} or CSV with a header naming
//                article and highlights (id optional); RFC 4180 quoting
//   MMLU         CSV, either the original layout (no header; question, four
//                choices, answer letter A-D; the subject from the file name,
//                <subject>_<split>.csv) or the header+index variant (a
//                header naming question, A, B, C, D and answer, an optional
//                leading index column and an optional subject column)
//   ARC          JSONL, HF-style {id, question, choices: {text, label},
//                answerKey} or AI2's {id, question: {stem, choices: [{text,
//                label}]}, answerKey}, on any line
//
// A malformed row either fails the read with "file:line: reason"
// (MalformedRows::Fail, the default) or is left out and listed in the
// dataset's report (MalformedRows::Skip); it is never dropped unreported.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dash::eval {

enum class MalformedRows { Fail, Skip };

struct ReadOptions {
    MalformedRows malformed = MalformedRows::Fail;
};

// A row left out, and why.
struct RowProblem {
    std::string file;
    int64_t line = 0;
    std::string reason;
    std::string text() const { return file + ":" + std::to_string(line) + ": " + reason; }
};

struct ReadReport {
    int64_t rows = 0;                // rows read (kept and left out)
    std::vector<RowProblem> skipped; // MalformedRows::Skip only
};

struct WikiText {
    std::string text; // the file's bytes, unchanged
    int64_t lines = 0;
};

// Refuses an empty file, NUL bytes and invalid UTF-8 (naming the line).
Expected<WikiText> readWikiText(const std::string& path);

struct SummaryItem {
    std::string id; // the row's id, else "<file>:<line>"
    std::string article;
    std::string highlights; // the reference summary
    int64_t line = 0;
};

struct SummaryDataset {
    std::vector<SummaryItem> items;
    ReadReport report;
};

// .csv files are read as CSV, anything else as JSONL.
Expected<SummaryDataset> readSummaries(const std::string& path, const ReadOptions& options = {});

struct ChoiceQuestion {
    std::string id;
    std::string subject; // MMLU: from the file name or the subject column
    std::string question;
    std::vector<std::string> choices;
    std::vector<std::string> labels; // "A".."D" (ARC may use "1".."4")
    int answer = 0;                  // index into choices
    int64_t line = 0;
};

struct ChoiceDataset {
    std::vector<ChoiceQuestion> items;
    ReadReport report;
};

// The MMLU subject of a file name: "dir/high_school_physics_test.csv" ->
// "high_school_physics" (a trailing _dev, _val, _validation or _test is
// dropped).
std::string mmluSubjectFromFileName(const std::string& path);

Expected<ChoiceDataset> readMmluCsv(const std::string& path, const ReadOptions& options = {});
// Every <subject>_<split>.csv file directly in `directory`, in name order.
Expected<ChoiceDataset> readMmluDirectory(const std::string& directory, const std::string& split,
                                          const ReadOptions& options = {});

Expected<ChoiceDataset> readArcJsonl(const std::string& path, const ReadOptions& options = {});

} // namespace dash::eval
