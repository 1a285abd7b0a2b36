// SPDX-License-Identifier: MIT
// An RFC 4180 CSV reader: comma-separated fields, records ended by LF or
// CRLF, fields in double quotes may hold commas, line breaks and doubled
// quotes (""). A quote inside an unquoted field, text after a closing quote
// or a quoted field left open at the end of the file is an error naming the
// file and the line.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dash::eval {

struct CsvRecord {
    int64_t line = 0; // 1-based line on which the record starts
    std::vector<std::string> fields;
};

// Every record of `text` (`fileName` only names it in errors). Blank lines
// (no characters before the line break) hold no record and are passed over.
Expected<std::vector<CsvRecord>> parseCsv(std::string_view text, const std::string& fileName);

} // namespace dash::eval
