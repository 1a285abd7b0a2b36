// SPDX-License-Identifier: MIT
// The CPU backend's weights at load: GGUF blocks repacked while the rows read
// are handed back (repackBlocks' `consumed` reports), and the pages of a
// mapped file unmapped as its quantised tensors are repacked or its float
// matrices copied into one arena, the file's bytes unchanged for whoever
// reads them later.
#include "tiny_model.h"

#include "core/engine/cpu/cpu_weights.h"
#include "core/engine/cpu/tiled_layout.h"
#include "core/gguf/quant.h"
#include "core/model/model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace dash;

namespace {

// Random Q8_0 blocks [rows][cols / 32]: f16 scale then 32 int8 values.
std::vector<uint8_t> randomQ8Blocks(int32_t rows, int32_t cols, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> scale(0.001f, 0.05f);
    std::uniform_int_distribution<int> value(-127, 127);
    const size_t blocks = static_cast<size_t>(rows) * static_cast<size_t>(cols / 32);
    std::vector<uint8_t> out(blocks * 34);
    for (size_t b = 0; b < blocks; ++b) {
        const uint16_t h = floatToHalf(scale(rng));
        std::memcpy(&out[b * 34], &h, 2);
        for (int k = 0; k < 32; ++k)
            out[b * 34 + 2 + k] = static_cast<uint8_t>(static_cast<int8_t>(value(rng)));
    }
    return out;
}

bool sameTiled(const cpu::Matrix& a, const cpu::Matrix& b) {
    if (a.type != b.type || a.rows != b.rows || a.cols != b.cols)
        return false;
    const cpu::TiledFormat& f = cpu::tiledFormat(a.type);
    const size_t codes = static_cast<size_t>(a.tiles()) * a.blocks() * f.codeBytes;
    const size_t params =
        static_cast<size_t>(a.tiles()) * (a.blocks() / f.blocksPerSuper) * f.paramBytes;
    return std::memcmp(a.data, b.data, codes) == 0 && std::memcmp(a.params, b.params, params) == 0;
}

// Pages of [data, data + bytes) that this process maps now (bit 63 of each
// page's /proc/self/pagemap entry), or -1 where pagemap cannot be read.
int64_t mappedPages(const uint8_t* data, size_t bytes) {
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const uintptr_t first = reinterpret_cast<uintptr_t>(data) / page;
    const uintptr_t last = (reinterpret_cast<uintptr_t>(data) + bytes + page - 1) / page;
    const int fd = ::open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0)
        return -1;
    std::vector<uint64_t> entries(last - first);
    const auto want = static_cast<ssize_t>(entries.size() * sizeof(uint64_t));
    const ssize_t got =
        ::pread(fd, entries.data(), static_cast<size_t>(want), static_cast<off_t>(first * 8));
    ::close(fd);
    if (got != want)
        return -1;
    int64_t present = 0;
    for (uint64_t e : entries)
        present += static_cast<int64_t>(e >> 63);
    return present;
}

// A qwen2-layout model (tied embedding) with Q8_0 matrices; its embedding
// 2048 x 256 is 557 KB of blocks (136 pages of 4 KiB).
test::TinyModelSpec quantisedSpec() {
    test::TinyModelSpec spec;
    spec.arch = "qwen2";
    spec.dim = 256;
    spec.heads = 4;
    spec.kvHeads = 2;
    spec.ffn = 512;
    spec.vocab = 2048;
    spec.weightType = TensorType::Q8_0;
    return spec;
}

// `bytes` written to a file in `dir` and loaded from it (mapped) into `model`;
// false, after saying why, when any step fails.
bool loadMapped(const std::vector<uint8_t>& bytes, const QTemporaryDir& dir,
                std::shared_ptr<const Model>& model) {
    if (!dir.isValid()) {
        qWarning("no temporary directory");
        return false;
    }
    const std::string path = dir.filePath("model.gguf").toStdString();
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        if (!out.good()) {
            qWarning("cannot write %s", path.c_str());
            return false;
        }
    }
    auto loaded = Model::load(path);
    if (!loaded.ok()) {
        qWarning("%s", loaded.error().message().c_str());
        return false;
    }
    model = std::move(loaded).value();
    if (!model->file().mapped()) {
        qWarning("%s is not mapped", path.c_str());
        return false;
    }
    return true;
}

} // namespace

class TestCpuWeights : public QObject {
    Q_OBJECT
private slots:
    void repackReportsRowsInOrder();
    void repackReadsNoRowAfterReporting();
    void mappedFileGivesPagesBack();
    void floatMatricesLeaveTheFile_data();
    void floatMatricesLeaveTheFile();
    void copyOnlyWithHeadroom();
    void callerBufferLeftAlone();
};

// 3000 rows of 896 columns (952 bytes a row): a report about every 1 MiB of
// source, i.e. every 68 tiles (1088 rows), then one at the end.
void TestCpuWeights::repackReportsRowsInOrder() {
    const int32_t rows = 3000, cols = 896;
    const std::vector<uint8_t> src = randomQ8Blocks(rows, cols, 7);
    std::vector<int32_t> reports;
    auto streamed = cpu::repackBlocks(TensorType::Q8_0, rows, cols, src.data(),
                                      [&](int32_t r) { reports.push_back(r); });
    QVERIFY(streamed.ok());
    QCOMPARE(reports, (std::vector<int32_t>{1088, 2176, 3000}));
    auto whole = cpu::repackBlocks(TensorType::Q8_0, rows, cols, src.data());
    QVERIFY(whole.ok());
    QVERIFY(sameTiled(*streamed, *whole));
}

// The contract the page release relies on: rows reported as read are not read
// again. Overwriting them as soon as they are reported must not change the
// result (Q8_0 and Q4_K, whose blocks span 32 and 256 columns).
void TestCpuWeights::repackReadsNoRowAfterReporting() {
    const int32_t rows = 2500, cols = 1024;
    for (TensorType type : {TensorType::Q8_0, TensorType::Q4_K}) {
        const TypeTraits* traits = typeTraits(type);
        const size_t rowBytes =
            static_cast<size_t>(cols / traits->blockElements) * traits->blockBytes;
        std::vector<uint8_t> src(rowBytes * rows);
        std::mt19937 rng(11);
        for (uint8_t& b : src)
            b = static_cast<uint8_t>(rng());
        // Q4_K scales are f16: keep them finite so that equal bytes mean equal values.
        if (type == TensorType::Q4_K)
            for (size_t b = 0; b < src.size(); b += traits->blockBytes) {
                const uint16_t d = floatToHalf(0.01f), dmin = floatToHalf(0.002f);
                std::memcpy(&src[b], &d, 2);
                std::memcpy(&src[b + 2], &dmin, 2);
            }
        const std::vector<uint8_t> clean = src;
        int32_t reported = 0, reports = 0;
        auto streamed = cpu::repackBlocks(type, rows, cols, src.data(), [&](int32_t r) {
            QVERIFY(r > reported && r <= rows);
            std::memset(src.data() + reported * rowBytes, 0xFF, (r - reported) * rowBytes);
            reported = r;
            ++reports;
        });
        QVERIFY(streamed.ok());
        QCOMPARE(reported, rows);
        QVERIFY(reports > 1);
        auto whole = cpu::repackBlocks(type, rows, cols, clean.data());
        QVERIFY(whole.ok());
        QVERIFY2(sameTiled(*streamed, *whole), tensorTypeName(type).c_str());
    }
}

// Loaded from a file, the quantised tensors' pages are unmapped once repacked
// (pagemap shows none of the embedding's pages mapped), their bytes read back
// unchanged afterwards, and the repacked weights are those of the same model
// held in memory.
void TestCpuWeights::mappedFileGivesPagesBack() {
    const std::vector<uint8_t> bytes = test::buildTinyModel(quantisedSpec());
    QTemporaryDir dir;
    std::shared_ptr<const Model> model;
    QVERIFY(loadMapped(bytes, dir, model));
    const WeightTensor& embd = model->tokenEmbedding();
    QCOMPARE(embd.type, TensorType::Q8_0);
    // Touched whole: every page of it mapped.
    const std::vector<uint8_t> before(embd.data, embd.data + embd.byteSize());
    const int64_t pagesBefore = mappedPages(embd.data, embd.byteSize());
    if (pagesBefore < 0)
        QSKIP("/proc/self/pagemap cannot be read here");
    QVERIFY(pagesBefore >= static_cast<int64_t>(embd.byteSize() / sysconf(_SC_PAGESIZE)));

    auto weights = cpu::CpuWeights::of(*model);
    QVERIFY(weights.ok());
    // Only the pages the tensor shares with its neighbours may stay mapped.
    QVERIFY2(mappedPages(embd.data, embd.byteSize()) <= 2,
             std::to_string(mappedPages(embd.data, embd.byteSize())).c_str());
    const WeightTensor& down = model->layer(1).matrices[static_cast<int>(LayerMatrix::Down)];
    QVERIFY(mappedPages(down.data, down.byteSize()) <= 2);
    QVERIFY(std::memcmp(before.data(), embd.data, before.size()) == 0);

    std::string error;
    std::shared_ptr<Model> inMemory = test::loadModelBytes(bytes, "q8", &error);
    QVERIFY2(inMemory, error.c_str());
    auto reference = cpu::CpuWeights::of(*inMemory);
    QVERIFY(reference.ok());
    QVERIFY(sameTiled((*weights)->tokenEmbedding, (*reference)->tokenEmbedding));
    for (size_t l = 0; l < (*weights)->layers.size(); ++l)
        for (int k = 0; k < kLayerMatrixCount; ++k)
            QVERIFY(
                sameTiled((*weights)->layers[l].matrices[k], (*reference)->layers[l].matrices[k]));
}

void TestCpuWeights::floatMatricesLeaveTheFile_data() {
    QTest::addColumn<QString>("arch");
    QTest::newRow("llama (untied head)") << "llama";
    QTest::newRow("qwen2 (tied head)") << "qwen2";
}

// Loaded from a file, the F16 matrices that every token streams (the layers'
// and the head) are copied out of the mapping, byte for byte, and their pages
// of the file unmapped; an untied embedding, read a row per token, stays
// where the file maps it.
void TestCpuWeights::floatMatricesLeaveTheFile() {
    QFETCH(QString, arch);
    test::TinyModelSpec spec;
    spec.arch = arch.toStdString();
    spec.dim = 256;
    spec.ffn = 1024; // ffn_down: 256 x 1024 halves, 128 pages of 4 KiB
    spec.vocab = 1024;
    spec.weightType = TensorType::F16;
    QTemporaryDir dir;
    std::shared_ptr<const Model> model;
    QVERIFY(loadMapped(test::buildTinyModel(spec), dir, model));
    const uint8_t* fileBegin = model->file().bytes().data();
    const uint8_t* fileEnd = fileBegin + model->file().bytes().size();
    auto inFile = [&](const uint8_t* p) { return p >= fileBegin && p < fileEnd; };
    const WeightTensor& down = model->layer(1).matrices[static_cast<int>(LayerMatrix::Down)];
    QCOMPARE(down.type, TensorType::F16);
    const std::vector<uint8_t> before(down.data, down.data + down.byteSize());
    const int64_t pagesBefore = mappedPages(down.data, down.byteSize());
    if (pagesBefore < 0)
        QSKIP("/proc/self/pagemap cannot be read here");
    QVERIFY(pagesBefore >= static_cast<int64_t>(down.byteSize() / sysconf(_SC_PAGESIZE)));

    if (!cpu::copyFloatWeights(model->file().bytes().size(), cpu::availableMemory()))
        QSKIP("less than 1 GiB of memory available: the float weights stay mapped");
    auto weights = cpu::CpuWeights::of(*model);
    QVERIFY(weights.ok());
    QVERIFY2(mappedPages(down.data, down.byteSize()) <= 2,
             std::to_string(mappedPages(down.data, down.byteSize())).c_str());
    QCOMPARE((*weights)->floatPlacement, std::string("huge-page copy"));
    // The arena starts on a 2 MiB boundary with the first layer's first matrix.
    QCOMPARE(reinterpret_cast<uintptr_t>((*weights)->layers[0].matrices[0].data) % (2u << 20),
             uintptr_t{0});
    for (size_t l = 0; l < (*weights)->layers.size(); ++l)
        for (int k = 0; k < kLayerMatrixCount; ++k) {
            const cpu::Matrix& m = (*weights)->layers[l].matrices[k];
            const WeightTensor& t = model->layer(static_cast<int32_t>(l)).matrices[k];
            QCOMPARE(m.type, cpu::MatrixType::F16);
            QVERIFY(!inFile(m.data));
            QCOMPARE(reinterpret_cast<uintptr_t>(m.data) % 64, uintptr_t{0});
            QVERIFY(std::memcmp(m.data, t.data, t.byteSize()) == 0);
        }
    QVERIFY(std::memcmp(before.data(), down.data, before.size()) == 0);
    // The DASH states' copies read the file's values and give the pages back.
    QVERIFY(cpu::quantizedLayers(*model, cpu::MatrixType::Int8, 32).ok());
    QVERIFY2(mappedPages(down.data, down.byteSize()) <= 2,
             std::to_string(mappedPages(down.data, down.byteSize())).c_str());
    const cpu::Matrix& head = (*weights)->output;
    const WeightTensor& headTensor =
        model->config().tiedOutput ? model->tokenEmbedding() : model->output();
    QVERIFY(!inFile(head.data));
    QVERIFY(std::memcmp(head.data, headTensor.data, headTensor.byteSize()) == 0);
    QCOMPARE(inFile((*weights)->tokenEmbedding.data), !model->config().tiedOutput);
}

// The copy is made only while kCopyHeadroom stays available; an unknown
// amount (0) or one below the headroom never allows it. What this process may
// use is at most what the system has available.
void TestCpuWeights::copyOnlyWithHeadroom() {
    const uint64_t gib = uint64_t{1} << 30;
    QVERIFY(!cpu::copyFloatWeights(1, 0));
    QVERIFY(!cpu::copyFloatWeights(1, cpu::kCopyHeadroom - 1));
    QVERIFY(!cpu::copyFloatWeights(gib, cpu::kCopyHeadroom + gib - 1));
    QVERIFY(cpu::copyFloatWeights(gib, cpu::kCopyHeadroom + gib));
    QVERIFY(!cpu::copyFloatWeights(UINT64_MAX, 4 * gib));
    uint64_t meminfo = 0;
    std::ifstream in("/proc/meminfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("MemAvailable:", 0) == 0)
            meminfo = std::stoull(line.substr(13)) * 1024;
    if (meminfo == 0)
        QSKIP("/proc/meminfo has no MemAvailable here");
    const uint64_t available = cpu::availableMemory();
    QVERIFY(available > 0);
    // MemAvailable moves between the two reads: allow 64 MiB of drift.
    QVERIFY(available <= meminfo + (uint64_t{64} << 20));
}

// A model held in the caller's buffer is not a mapping: its bytes must stay
// as they are (unmapping heap pages would zero them).
void TestCpuWeights::callerBufferLeftAlone() {
    const std::vector<uint8_t> bytes = test::buildTinyModel(quantisedSpec());
    std::string error;
    std::shared_ptr<Model> model = test::loadModelBytes(bytes, "q8", &error);
    QVERIFY2(model, error.c_str());
    QVERIFY(!model->file().mapped());
    const auto held = model->file().bytes();
    auto weights = cpu::CpuWeights::of(*model);
    QVERIFY(weights.ok());
    QVERIFY((*weights)->floatPlacement.empty()); // Q8_0 matrices only
    QCOMPARE(held.size(), bytes.size());
    QVERIFY(std::memcmp(held.data(), bytes.data(), bytes.size()) == 0);
}

QTEST_GUILESS_MAIN(TestCpuWeights)
#include "tst_cpu_weights.moc"
