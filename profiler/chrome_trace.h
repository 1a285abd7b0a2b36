// SPDX-License-Identifier: MIT
// Spans as a Chrome trace-event JSON document, which chrome://tracing and
// ui.perfetto.dev open: one complete event ("ph": "X") per span, times in
// microseconds, the compute and policy streams as two named threads of one
// process, the token range and layer in each event's args.
#pragma once

#include "core/engine/trace.h"
#include "core/util/json.h"
#include "core/util/status.h"

#include <string>
#include <vector>

namespace dash {

// `processName` names the process row ("dash cuda decode", ...).
Json chromeTrace(const std::vector<Span>& spans, const std::string& processName);

// Writes chromeTrace(...) to `path`; an error names the file.
Status writeChromeTrace(const std::string& path, const std::vector<Span>& spans,
                        const std::string& processName);

} // namespace dash
