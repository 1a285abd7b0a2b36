// SPDX-License-Identifier: MIT
// The GPU profiler's bookkeeping on synthetic activity records, without a
// GPU: kernel records to tagged spans through external correlation ids and
// graph node ids (zero-timestamp records dropped and counted, records outside
// every span counted), the overlap of the policy and compute streams against
// hand-worked intervals and against the core's independent computation, and
// the Chrome/Perfetto trace export.
#include "core/engine/trace.h"
#include "core/util/json.h"
#include "profiler/chrome_trace.h"
#include "profiler/kernel_records.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <random>
#include <sstream>

using namespace dash;

namespace {

constexpr uint32_t kComputeStream = 7;
constexpr uint32_t kPolicyStream = 9;

RecordMapping twoTagMapping() {
    RecordMapping m;
    m.deviceId = 0;
    m.streams = {{StreamKind::Compute, kComputeStream}, {StreamKind::Policy, kPolicyStream}};
    m.firstExternalId = 100;
    // External id 100: compute span, token 5, layer 2; 101: policy span deciding layer 3.
    m.tags = {{{StreamKind::Compute, 5, 1, 2}, 0}, {{StreamKind::Policy, 5, 1, 3}, 0}};
    m.externalIds = {{10, 100}, {11, 100}, {12, 101}, {13, 100}, {14, 100}};
    m.passOffsetsNs = {-1000};
    return m;
}

} // namespace

class TestKernelRecords : public QObject {
    Q_OBJECT

private slots:
    void recordsBecomeTaggedSpans();
    void graphNodesNameLayerAndStream();
    void clonedGraphNodesTakeTheirOriginalsTags();
    void overlapHandWorked();
    void overlapAgreesWithCore();
    void chromeTraceExport();
};

void TestKernelRecords::recordsBecomeTaggedSpans() {
    const RecordMapping m = twoTagMapping();
    std::vector<KernelRecord> records = {
        {10, 0, kComputeStream, 0, 2000, 2500}, // compute, tag 100
        {11, 0, kComputeStream, 0, 2600, 3000}, // compute, tag 100: the span grows to 3000
        {12, 0, kPolicyStream, 0, 2100, 2300},  // policy, tag 101
        {13, 0, kComputeStream, 0, 0, 0},       // no timestamps: dropped
        {14, 0, kComputeStream, 0, 2700, 0},    // half a timestamp: dropped too
        {99, 0, kComputeStream, 0, 2000, 2100}, // launched outside every span
    };
    const MappedKernels mapped = mapKernelRecords(records, m);
    QCOMPARE(mapped.untimed, size_t{2});
    QCOMPARE(mapped.unmapped, size_t{1});
    QCOMPARE(mapped.kernels.size(), size_t{3});
    QCOMPARE(mapped.spans.size(), size_t{2});
    const Span& compute = mapped.spans[0];
    QCOMPARE(compute.stream, StreamKind::Compute);
    QCOMPARE(compute.firstToken, 5);
    QCOMPARE(compute.layer, 2);
    QCOMPARE(compute.startNs, int64_t{1000}); // 2000 + offset -1000
    QCOMPARE(compute.endNs, int64_t{2000});
    const Span& policy = mapped.spans[1];
    QCOMPARE(policy.stream, StreamKind::Policy);
    QCOMPARE(policy.layer, 3);
    QCOMPARE(policy.startNs, int64_t{1100});
    QCOMPARE(policy.endNs, int64_t{1300});

    // A kernel of the compute tag that ran on the policy stream counts there.
    records = {{10, 0, kPolicyStream, 0, 5000, 5100}};
    QCOMPARE(mapKernelRecords(records, m).spans.at(0).stream, StreamKind::Policy);
    // ... unless it ran on another device, where stream ids mean nothing.
    records = {{10, 1, kPolicyStream, 0, 5000, 5100}};
    QCOMPARE(mapKernelRecords(records, m).spans.at(0).stream, StreamKind::Compute);
    // Ids of another profiler (below firstExternalId or past the tags) are not ours.
    RecordMapping other = m;
    other.externalIds = {{10, 99}, {11, 102}};
    records = {{10, 0, kComputeStream, 0, 1, 2}, {11, 0, kComputeStream, 0, 1, 2}};
    QCOMPARE(mapKernelRecords(records, other).unmapped, size_t{2});
}

void TestKernelRecords::graphNodesNameLayerAndStream() {
    RecordMapping m = twoTagMapping();
    // One graph launch inside the compute span of token 5 (layer -1: the whole step).
    m.tags = {{{StreamKind::Compute, 5, 1, -1}, 0}};
    m.externalIds = {{20, 100}};
    m.graphNodes = {{501, {0, StreamKind::Compute}},
                    {502, {1, StreamKind::Policy}},
                    {503, {1, StreamKind::Compute}}};
    const std::vector<KernelRecord> records = {
        {20, 0, kComputeStream, 501, 1000, 1200}, {20, 0, kComputeStream, 502, 1100, 1150},
        {20, 0, kComputeStream, 503, 1250, 1400}, {20, 0, kComputeStream, 503, 1400, 1500},
        {20, 0, kComputeStream, 777, 1500, 1600}, // an untagged node: the launch's tag
    };
    const MappedKernels mapped = mapKernelRecords(records, m);
    QCOMPARE(mapped.spans.size(), size_t{4});
    auto find = [&](int32_t layer, StreamKind stream) -> const Span* {
        for (const Span& s : mapped.spans)
            if (s.layer == layer && s.stream == stream)
                return &s;
        return nullptr;
    };
    const Span* policy = find(1, StreamKind::Policy);
    QVERIFY(policy);
    QCOMPARE(policy->firstToken, 5);
    QCOMPARE(policy->startNs, int64_t{100});
    QCOMPARE(policy->endNs, int64_t{150});
    const Span* layer1 = find(1, StreamKind::Compute);
    QVERIFY(layer1);
    QCOMPARE(layer1->startNs, int64_t{250});
    QCOMPARE(layer1->endNs, int64_t{500});
    QVERIFY(find(0, StreamKind::Compute));
    QVERIFY(find(-1, StreamKind::Compute));
}

void TestKernelRecords::clonedGraphNodesTakeTheirOriginalsTags() {
    RecordMapping m = twoTagMapping();
    m.tags = {{{StreamKind::Compute, 5, 1, -1}, 0}};
    m.externalIds = {{20, 100}};
    m.graphNodes = {{501, {0, StreamKind::Compute}}, {502, {1, StreamKind::Policy}}};
    // 601 and 602 are instantiation's clones of 501 and 502; 702 a clone of
    // 602 (a conditional body cloned with its graph); 603 a clone of a node
    // nobody tagged; 801..810 a chain longer than kMaxCloneDepth.
    m.clonedFrom = {{601, 501}, {602, 502}, {702, 602}, {603, 999}};
    for (uint64_t id = 801; id < 810; ++id)
        m.clonedFrom[id] = id + 1;
    m.clonedFrom[810] = 501;
    const std::vector<KernelRecord> records = {
        {20, 0, kComputeStream, 601, 1000, 1100}, {20, 0, kComputeStream, 602, 1100, 1150},
        {20, 0, kComputeStream, 702, 1150, 1200}, {20, 0, kComputeStream, 603, 1300, 1400},
        {20, 0, kComputeStream, 801, 1400, 1500},
    };
    const MappedKernels mapped = mapKernelRecords(records, m);
    QCOMPARE(mapped.kernels.size(), records.size());
    QCOMPARE(mapped.kernels[0].layer, 0);
    QCOMPARE(mapped.kernels[0].stream, StreamKind::Compute);
    for (size_t i : {size_t{1}, size_t{2}}) {
        QCOMPARE(mapped.kernels[i].layer, 1);
        QCOMPARE(mapped.kernels[i].stream, StreamKind::Policy);
    }
    // No tag up the chain, or too far up: the launch's tag.
    for (size_t i : {size_t{3}, size_t{4}}) {
        QCOMPARE(mapped.kernels[i].layer, -1);
        QCOMPARE(mapped.kernels[i].stream, StreamKind::Compute);
    }
}

void TestKernelRecords::overlapHandWorked() {
    const std::vector<Span> spans = {
        {StreamKind::Policy, 0, 1, 1, 0, 100},   {StreamKind::Policy, 0, 1, 2, 200, 300},
        {StreamKind::Policy, 0, 1, 2, 250, 280}, // inside the previous one: no double count
        {StreamKind::Compute, 0, 1, 0, 50, 150}, {StreamKind::Compute, 0, 1, 1, 120, 250},
    };
    // Policy busy [0,100) + [200,300) = 200; compute [50,250) = 200;
    // both: [50,100) + [200,250) = 100.
    OverlapSummary s = summarizeOverlap(spans);
    QCOMPARE(s.policyBusyNs, int64_t{200});
    QCOMPARE(s.computeBusyNs, int64_t{200});
    QCOMPARE(s.sharedNs, int64_t{100});
    QCOMPARE(s.overlap, 0.5);
    // Inside [0, 220): policy [0,100) + [200,220) = 120, shared [50,100) + [200,220) = 70.
    s = summarizeOverlap(spans, 0, 220);
    QCOMPARE(s.policyBusyNs, int64_t{120});
    QCOMPARE(s.sharedNs, int64_t{70});
    QCOMPARE(s.overlap, 70.0 / 120.0);
    // No policy work: nothing to hide.
    QCOMPARE(summarizeOverlap({{StreamKind::Compute, 0, 1, 0, 0, 10}}).overlap, 0.0);
    // Fully hidden.
    QCOMPARE(summarizeOverlap(
                 {{StreamKind::Compute, 0, 1, 0, 0, 10}, {StreamKind::Policy, 0, 1, 1, 2, 8}})
                 .overlap,
             1.0);
}

void TestKernelRecords::overlapAgreesWithCore() {
    std::mt19937 rng(12);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<Span> spans;
        const int count = 1 + static_cast<int>(rng() % 40);
        for (int i = 0; i < count; ++i) {
            const int64_t start = static_cast<int64_t>(rng() % 10000);
            spans.push_back({rng() % 2 ? StreamKind::Policy : StreamKind::Compute, 0, 1, 0, start,
                             start + static_cast<int64_t>(rng() % 800)});
        }
        const OverlapSummary s = summarizeOverlap(spans);
        QCOMPARE(s.policyBusyNs, busyTimeNs(spans, StreamKind::Policy));
        QCOMPARE(s.computeBusyNs, busyTimeNs(spans, StreamKind::Compute));
        QVERIFY(std::fabs(s.overlap - policyOverlap(spans)) < 1e-12);
    }
}

void TestKernelRecords::chromeTraceExport() {
    const std::vector<Span> spans = {{StreamKind::Compute, 3, 1, 4, 1500, 4000},
                                     {StreamKind::Policy, 3, 1, 5, 2000, 2500}};
    const Json doc = chromeTrace(spans, "dash test");
    const Json& events = doc["traceEvents"];
    QCOMPARE(events.size(), size_t{5}); // process + two thread names + two spans
    const Json& compute = events[3];
    QCOMPARE(compute["ph"].asString(), std::string("X"));
    QCOMPARE(compute["name"].asString(), std::string("layer 4"));
    QCOMPARE(compute["ts"].asNumber(), 1.5);
    QCOMPARE(compute["dur"].asNumber(), 2.5);
    QCOMPARE(compute["args"]["first_token"].asInt(), int64_t{3});
    const Json& policy = events[4];
    QCOMPARE(policy["name"].asString(), std::string("decide layer 5"));
    QVERIFY(policy["tid"].asInt() != compute["tid"].asInt());
    QCOMPARE(events[0]["args"]["name"].asString(), std::string("dash test"));

    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("trace.json")).toStdString();
    QVERIFY(writeChromeTrace(path, spans, "dash test").ok());
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = Json::parse(text.str());
    QVERIFY(parsed.ok());
    QCOMPARE((*parsed)["traceEvents"].size(), size_t{5});
    auto bad = writeChromeTrace("/nonexistent-dir/trace.json", spans, "x");
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message().find("/nonexistent-dir/trace.json") != std::string::npos);
}

QTEST_APPLESS_MAIN(TestKernelRecords)
#include "tst_kernel_records.moc"
