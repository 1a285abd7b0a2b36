// SPDX-License-Identifier: MIT
#include "core/engine/cpu/cpu_weights.h"

#include "core/engine/quantize.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sys/mman.h>
#include <unistd.h>

namespace dash::cpu {

namespace {

// Types without integer kernels (none that the loader accepts today) are
// dequantised once, kept as F16 unless a value does not fit in half precision.
Expected<Matrix> dequantized(const WeightTensor& t) {
    std::vector<float> values(static_cast<size_t>(t.rows) * static_cast<size_t>(t.cols));
    for (int32_t r = 0; r < t.rows; ++r)
        t.readRow(r, values.data() + static_cast<size_t>(r) * t.cols);
    bool fitsHalf = true;
    for (float v : values) {
        if (!std::isfinite(v) || std::fabs(v) > 65504.0f) {
            fitsHalf = false;
            break;
        }
    }
    if (!fitsHalf)
        return makeF32Matrix(t.rows, t.cols, std::move(values));
    std::vector<uint16_t> halves(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        halves[i] = floatToHalf(values[i]);
    return makeF16Matrix(t.rows, t.cols, std::move(halves));
}

// Once rows of a tensor are repacked their bytes in the file are not read
// again on the CPU: unmap their pages, so that a quantised model is not
// resident twice (file and repacked copy). MADV_DONTNEED on a read-only
// private file mapping drops only this process's page-table entries: nothing
// was ever written there, so a later read (a CUDA upload, the DASH states'
// quantisation) maps the file's unchanged bytes again, and the page cache
// keeps them for the kernel to reclaim or for the next load. MADV_PAGEOUT
// would evict the cache too, but only for files this process may write.
// With `partial`, every page that [begin, end) touches is dropped, those it
// shares with a neighbouring tensor included (dropping a page of this mapping
// never loses anything: a later read maps it again); without, only the pages
// inside it, so that the rows being read next do not fault their page in
// again (which would map 64 KiB around it, fault-around, behind it too).
void dropMappedPages(const uint8_t* begin, const uint8_t* end, bool partial) {
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto b = reinterpret_cast<uintptr_t>(begin);
    const auto e = reinterpret_cast<uintptr_t>(end);
    const auto first = partial ? b / page * page : (b + page - 1) / page * page;
    const auto last = partial ? (e + page - 1) / page * page : e / page * page;
    if (last > first)
        madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

// One anonymous mapping for the float matrices of a mapped model, aligned to
// 2 MiB and advised for transparent huge pages. The decode kernels stream
// every weight once per token; on the 0.5B shape they decoded about 3-11 %
// faster from this copy than from the file's page-cache pages (one run of
// six the other way; docs/results.md, "F16 weights out of the page cache").
// Where the kernel gives no huge pages the copy is still one anonymous range.
class WeightArena {
public:
    static constexpr size_t kHuge = size_t{2} << 20;

    // Null when the mapping cannot be made: the weights then stay where the
    // file maps them, which the kernels read as well.
    static std::shared_ptr<WeightArena> create(size_t bytes) {
        // Whole huge pages, so that the last one can be huge too.
        const size_t size = (bytes + kHuge - 1) / kHuge * kHuge;
        void* raw = ::mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            return nullptr;
        // Keep the 2 MiB-aligned part; give back what lies before and after.
        const auto start = reinterpret_cast<uintptr_t>(raw);
        const uintptr_t aligned = (start + kHuge - 1) / kHuge * kHuge;
        if (aligned > start)
            ::munmap(raw, aligned - start);
        if (const uintptr_t tail = start + size + kHuge - (aligned + size); tail > 0)
            ::munmap(reinterpret_cast<void*>(aligned + size), tail);
        auto* base = reinterpret_cast<uint8_t*>(aligned);
        ::madvise(base, size, MADV_HUGEPAGE); // advice: an error changes nothing
        return std::shared_ptr<WeightArena>(new WeightArena(base, size));
    }
    ~WeightArena() { ::munmap(m_base, m_size); }
    WeightArena(const WeightArena&) = delete;
    WeightArena& operator=(const WeightArena&) = delete;

    // `bytes` of the arena, 64-byte aligned; null when they do not fit.
    uint8_t* take(size_t bytes) {
        if (aligned64(bytes) > m_size - m_used)
            return nullptr;
        uint8_t* out = m_base + m_used;
        m_used += aligned64(bytes);
        return out;
    }
    static size_t aligned64(size_t bytes) { return (bytes + 63) / 64 * 64; }

private:
    WeightArena(uint8_t* base, size_t size) : m_base(base), m_size(size) {}
    uint8_t* m_base;
    size_t m_size;
    size_t m_used = 0;
};

// The first number in `path`, or `fallback` when it holds none ("max").
uint64_t numberIn(const char* path, uint64_t fallback) {
    std::ifstream in(path);
    uint64_t value = 0;
    return in >> value ? value : fallback;
}

bool isFloat(TensorType type) {
    return type == TensorType::F32 || type == TensorType::F16 || type == TensorType::BF16;
}

// A float tensor of the mapped file copied into `arena`, its pages of the
// file unmapped about every MiB as the copy goes.
Expected<Matrix> copiedMatrix(const WeightTensor& t, const std::shared_ptr<WeightArena>& arena) {
    DASH_ASSIGN_OR_RETURN(Matrix m, cpuMatrix(t));
    uint8_t* copy = arena->take(t.byteSize());
    if (!copy)
        return cpuMatrix(t, true);
    constexpr size_t kStep = size_t{1} << 20;
    for (size_t done = 0; done < t.byteSize(); done += kStep) {
        const size_t n = std::min(kStep, t.byteSize() - done);
        std::memcpy(copy + done, t.data + done, n);
        dropMappedPages(t.data + done, t.data + done + n, false);
    }
    m.data = copy;
    m.storage = arena;
    return m;
}

} // namespace

uint64_t availableMemory() {
    uint64_t available = 0;
    std::ifstream meminfo("/proc/meminfo");
    for (std::string line; std::getline(meminfo, line);)
        if (line.rfind("MemAvailable:", 0) == 0)
            available = std::strtoull(line.c_str() + 13, nullptr, 10) * 1024;
    // A memory cgroup's limit (v2, then v1) bounds what this process may use.
    constexpr uint64_t kNone = UINT64_MAX;
    const std::pair<const char*, const char*> limits[] = {
        {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
        {"/sys/fs/cgroup/memory/memory.limit_in_bytes",
         "/sys/fs/cgroup/memory/memory.usage_in_bytes"}};
    for (const auto& [limitPath, usagePath] : limits) {
        const uint64_t limit = numberIn(limitPath, kNone);
        const uint64_t usage = numberIn(usagePath, kNone);
        if (limit != kNone && usage != kNone)
            available = std::min(available, limit > usage ? limit - usage : 0);
    }
    return available;
}

bool copyFloatWeights(uint64_t bytes, uint64_t available) {
    return available >= kCopyHeadroom && bytes <= available - kCopyHeadroom;
}

Expected<Matrix> cpuMatrix(const WeightTensor& t, bool dropFilePages) {
    Matrix m;
    m.rows = t.rows;
    m.cols = t.cols;
    switch (t.type) {
    case TensorType::F32:
        m.type = MatrixType::F32;
        m.data = t.data;
        return m;
    case TensorType::F16:
        m.type = MatrixType::F16;
        m.data = t.data;
        return m;
    case TensorType::BF16:
        m.type = MatrixType::BF16;
        m.data = t.data;
        return m;
    default:
        break;
    }
    MatrixType tiled;
    if (!tiledTypeOf(t.type, tiled))
        return dequantized(t);
    // Dropped as the repacking goes (the rows read so far, about every MiB),
    // so that at most the repacked tensor and 1 MiB of its source are
    // resident at once.
    const uint8_t* dropped = t.data;
    std::function<void(int32_t)> consumed;
    if (dropFilePages)
        consumed = [&](int32_t rows) {
            const uint8_t* end = t.data + static_cast<size_t>(rows) * t.rowBytes;
            dropMappedPages(dropped, end, false);
            dropped = end;
        };
    auto repacked = repackBlocks(t.type, t.rows, t.cols, t.data, consumed);
    if (!repacked.ok())
        return repacked.error().withContext(t.name);
    return repacked;
}

Expected<std::shared_ptr<const CpuWeights>> CpuWeights::of(const Model& model) {
    return model.derived<CpuWeights>("cpu", [&]() -> Expected<std::shared_ptr<const CpuWeights>> {
        auto w = std::make_shared<CpuWeights>();
        const int32_t layers = model.config().layers;
        const bool mapped = model.file().mapped();
        const bool tied = model.config().tiedOutput;
        // The float matrices that every token streams (the layers' and the
        // output head, the embedding where it is the head too) move from the
        // file's mapping into one arena; an untied embedding, of which a
        // token reads one row, stays mapped.
        std::vector<const WeightTensor*> streamed;
        for (int32_t i = 0; i < layers; ++i)
            for (const WeightTensor& t : model.layer(i).matrices)
                streamed.push_back(&t);
        streamed.push_back(tied ? &model.tokenEmbedding() : &model.output());
        size_t arenaBytes = 0;
        for (const WeightTensor* t : streamed)
            if (isFloat(t->type))
                arenaBytes += WeightArena::aligned64(t->byteSize());
        const std::shared_ptr<WeightArena> arena =
            mapped && arenaBytes > 0 && copyFloatWeights(arenaBytes, availableMemory())
                ? WeightArena::create(arenaBytes)
                : nullptr;
        if (arenaBytes > 0)
            w->floatPlacement = !mapped ? "in memory" : arena ? "huge-page copy" : "file mapping";
        auto matrix = [&](const WeightTensor& t) -> Expected<Matrix> {
            const bool copy = arena && isFloat(t.type) &&
                              std::find(streamed.begin(), streamed.end(), &t) != streamed.end();
            return copy ? copiedMatrix(t, arena) : cpuMatrix(t, mapped);
        };
        w->layers.resize(static_cast<size_t>(layers));
        for (int32_t i = 0; i < layers; ++i)
            for (int k = 0; k < kLayerMatrixCount; ++k) {
                DASH_ASSIGN_OR_RETURN(w->layers[static_cast<size_t>(i)].matrices[k],
                                      matrix(model.layer(i).matrices[k]));
            }
        DASH_ASSIGN_OR_RETURN(w->tokenEmbedding, matrix(model.tokenEmbedding()));
        if (tied) {
            w->output = w->tokenEmbedding;
        } else {
            DASH_ASSIGN_OR_RETURN(w->output, matrix(model.output()));
        }
        // Pages a tensor shares with its neighbours, and those a fault mapped
        // around it (fault-around): once all are repacked or copied, drop
        // every page of every such tensor.
        if (mapped) {
            auto sweep = [](const WeightTensor& t, const Matrix& m) {
                if (m.data != t.data)
                    dropMappedPages(t.data, t.data + t.byteSize(), true);
            };
            for (int32_t i = 0; i < layers; ++i)
                for (int k = 0; k < kLayerMatrixCount; ++k)
                    sweep(model.layer(i).matrices[k],
                          w->layers[static_cast<size_t>(i)].matrices[k]);
            sweep(model.tokenEmbedding(), w->tokenEmbedding);
            sweep(model.output(), w->output);
        }
        return std::shared_ptr<const CpuWeights>(std::move(w));
    });
}

Expected<std::shared_ptr<const std::vector<LayerMatrices>>>
quantizedLayers(const Model& model, MatrixType type, int32_t group) {
    using Layers = std::vector<LayerMatrices>;
    const std::string key =
        std::string("cpu.") + matrixTypeName(type) + ".g" + std::to_string(group);
    return model.derived<Layers>(key, [&]() -> Expected<std::shared_ptr<const Layers>> {
        const int32_t layers = model.config().layers;
        auto out = std::make_shared<Layers>(static_cast<size_t>(layers));
        const LayerState state = type == MatrixType::Int8 ? LayerState::Int8 : LayerState::Int4;
        for (int32_t i = 0; i < layers; ++i) {
            for (int k = 0; k < kLayerMatrixCount; ++k) {
                const WeightTensor& t = model.layer(i).matrices[k];
                DASH_ASSIGN_OR_RETURN(GroupQuantized q, quantizeWeight(t, state, group));
                // Reading the file's values mapped its pages again; the
                // full-precision weights are repacked or copied (or read in
                // place, which maps them again when it needs them).
                if (model.file().mapped())
                    dropMappedPages(t.data, t.data + t.byteSize(), true);
                DASH_ASSIGN_OR_RETURN((*out)[static_cast<size_t>(i)].matrices[k], fromQuantized(q));
            }
        }
        return std::shared_ptr<const Layers>(std::move(out));
    });
}

} // namespace dash::cpu
