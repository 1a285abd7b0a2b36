// SPDX-License-Identifier: MIT
#include "profiler/chrome_trace.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dash {

namespace {

constexpr int kProcessId = 1;

int threadId(StreamKind kind) {
    return kind == StreamKind::Policy ? 2 : 1;
}

Json metadata(const char* what, int tid, const std::string& name) {
    Json e = Json::object();
    e.set("name", what);
    e.set("ph", "M");
    e.set("pid", kProcessId);
    if (tid > 0)
        e.set("tid", tid);
    Json args = Json::object();
    args.set("name", name);
    e.set("args", std::move(args));
    return e;
}

} // namespace

Json chromeTrace(const std::vector<Span>& spans, const std::string& processName) {
    Json events{Json::Array{}};
    events.push(metadata("process_name", 0, processName));
    events.push(metadata("thread_name", threadId(StreamKind::Compute), "compute stream"));
    events.push(metadata("thread_name", threadId(StreamKind::Policy), "policy stream"));
    for (const Span& s : spans) {
        Json e = Json::object();
        std::string name = s.layer >= 0 ? "layer " + std::to_string(s.layer) : "step";
        if (s.stream == StreamKind::Policy)
            name = "decide " + name;
        e.set("name", name);
        e.set("cat", s.stream == StreamKind::Policy ? "policy" : "compute");
        e.set("ph", "X");
        e.set("ts", static_cast<double>(s.startNs) / 1e3);
        e.set("dur", static_cast<double>(s.endNs - s.startNs) / 1e3);
        e.set("pid", kProcessId);
        e.set("tid", threadId(s.stream));
        Json args = Json::object();
        args.set("first_token", s.firstToken);
        args.set("tokens", s.tokenCount);
        args.set("layer", s.layer);
        e.set("args", std::move(args));
        events.push(std::move(e));
    }
    Json doc = Json::object();
    doc.set("traceEvents", std::move(events));
    doc.set("displayTimeUnit", "ns");
    return doc;
}

Status writeChromeTrace(const std::string& path, const std::vector<Span>& spans,
                        const std::string& processName) {
    const std::string text = chromeTrace(spans, processName).dump();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        return ioError("cannot write the trace '" + path + "': " + std::strerror(errno));
    const size_t written = std::fwrite(text.data(), 1, text.size(), f);
    const bool closed = std::fclose(f) == 0;
    if (written != text.size() || !closed)
        return ioError("cannot write the trace '" + path + "': " + std::strerror(errno));
    return {};
}

} // namespace dash
