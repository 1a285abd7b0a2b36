// SPDX-License-Identifier: MIT
#include "core/eval/csv.h"

namespace dash::eval {

Expected<std::vector<CsvRecord>> parseCsv(std::string_view text, const std::string& fileName) {
    std::vector<CsvRecord> records;
    int64_t line = 1;
    size_t i = 0;
    // UTF-8 byte order mark: not part of the first field.
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        i = 3;
    auto where = [&](int64_t l) { return fileName + ":" + std::to_string(l) + ": "; };
    while (i < text.size()) {
        // A blank line (LF or CRLF alone) holds no record.
        if (text[i] == '\n' || (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
            i += text[i] == '\r' ? 2 : 1;
            ++line;
            continue;
        }
        CsvRecord record;
        record.line = line;
        std::string field;
        bool endOfRecord = false;
        while (!endOfRecord) {
            field.clear();
            if (i < text.size() && text[i] == '"') {
                const int64_t opened = line;
                ++i;
                bool closed = false;
                while (i < text.size()) {
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < text.size() && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\n')
                        ++line;
                    field += c;
                    ++i;
                }
                if (!closed)
                    return invalidError(where(opened) +
                                        "quoted field is not closed before the end of the file");
                if (i < text.size() && text[i] != ',' && text[i] != '\n' &&
                    !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n'))
                    return invalidError(where(line) + "text after the closing quote of field " +
                                        std::to_string(record.fields.size() + 1));
            } else {
                while (i < text.size() && text[i] != ',' && text[i] != '\n' &&
                       !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
                    if (text[i] == '"')
                        return invalidError(where(line) + "quote inside unquoted field " +
                                            std::to_string(record.fields.size() + 1));
                    field += text[i];
                    ++i;
                }
            }
            record.fields.push_back(field);
            if (i >= text.size()) {
                endOfRecord = true;
            } else if (text[i] == ',') {
                ++i;
            } else {
                i += text[i] == '\r' ? 2 : 1;
                ++line;
                endOfRecord = true;
            }
        }
        records.push_back(std::move(record));
    }
    return records;
}

} // namespace dash::eval
