// SPDX-License-Identifier: MIT
#include "cuda/gpu_layout.h"

#include "core/gguf/quant.h"

#include <cmath>
#include <cstring>

namespace dash::cuda {

const char* deviceFormatName(DeviceFormat format) {
    switch (format) {
    case DeviceFormat::F16:
        return "f16";
    case DeviceFormat::BF16:
        return "bf16";
    case DeviceFormat::Int8:
        return "int8";
    case DeviceFormat::Int4:
        return "int4";
    }
    return "unknown";
}

int32_t chunkWeights(DeviceFormat format) {
    switch (format) {
    case DeviceFormat::F16:
    case DeviceFormat::BF16:
        return kHalfPerChunk;
    case DeviceFormat::Int8:
        return kInt8PerChunk;
    case DeviceFormat::Int4:
        return kInt4PerChunk;
    }
    return 0;
}

size_t HostMatrix::rowBytes() const {
    switch (format) {
    case DeviceFormat::F16:
    case DeviceFormat::BF16:
        return static_cast<size_t>(cols) * 2;
    case DeviceFormat::Int8:
        return static_cast<size_t>(cols);
    case DeviceFormat::Int4:
        return static_cast<size_t>(cols) / 2;
    }
    return 0;
}

size_t HostMatrix::chunksPerRow() const {
    return static_cast<size_t>(cols) / static_cast<size_t>(chunkWeights(format));
}

Status checkDeviceShape(const std::string& name, int64_t rows, int64_t cols) {
    if (rows <= 0 || cols <= 0 || rows > INT32_MAX || cols > INT32_MAX)
        return invalidError("tensor '" + name + "' has shape [" + std::to_string(rows) + ", " +
                            std::to_string(cols) + "], which the CUDA backend cannot hold");
    if (cols % kColumnMultiple != 0)
        return unsupportedError("tensor '" + name + "' has rows of " + std::to_string(cols) +
                                " values; the CUDA backend needs a multiple of " +
                                std::to_string(kColumnMultiple) + " (16-byte aligned rows)");
    return {};
}

Expected<HostMatrix> packQuantized(const GroupQuantized& q) {
    HostMatrix m;
    if (q.qmax == 127)
        m.format = DeviceFormat::Int8;
    else if (q.qmax == 7)
        m.format = DeviceFormat::Int4;
    else
        return invalidError("cannot pack weights quantised to +-" + std::to_string(q.qmax) +
                            " (expected 127 for INT8 or 7 for INT4)");
    if (q.group <= 0 || q.group % 32 != 0 || q.cols % q.group != 0)
        return invalidError("cannot pack rows of " + std::to_string(q.cols) +
                            " weights in groups of " + std::to_string(q.group));
    const size_t count = static_cast<size_t>(q.rows) * static_cast<size_t>(q.cols);
    if (q.q.size() != count ||
        q.scales.size() != static_cast<size_t>(q.rows) * static_cast<size_t>(q.cols / q.group))
        return invalidError("quantised weights hold " + std::to_string(q.q.size()) +
                            " values and " + std::to_string(q.scales.size()) +
                            " scales, which do not fit [" + std::to_string(q.rows) + ", " +
                            std::to_string(q.cols) + "] in groups of " + std::to_string(q.group));
    m.rows = q.rows;
    m.cols = q.cols;
    m.group = q.group;
    m.scales = q.scales;
    if (m.format == DeviceFormat::Int8) {
        m.data.resize(count);
        std::memcpy(m.data.data(), q.q.data(), count);
        return m;
    }
    m.data.assign(count / 2, 0);
    const size_t chunks = count / kInt4PerChunk; // rows are whole chunks: cols % 32 == 0
    for (size_t c = 0; c < chunks; ++c) {
        const int8_t* src = q.q.data() + c * kInt4PerChunk;
        uint32_t words[4] = {0, 0, 0, 0};
        for (int i = 0; i < 4; ++i) {
            for (int e = 0; e < 8; ++e) {
                const int v = src[8 * i + e];
                if (v < -7 || v > 7)
                    return invalidError("INT4 weight " + std::to_string(v) + " at " +
                                        std::to_string(c * kInt4PerChunk + 8 * i + e) +
                                        " is outside [-7, 7]");
                words[i] |= static_cast<uint32_t>(v + 8) << nibbleShift(e);
            }
        }
        std::memcpy(m.data.data() + c * 16, words, 16);
    }
    return m;
}

Expected<GroupQuantized> unpackQuantized(const HostMatrix& m) {
    if (m.format != DeviceFormat::Int8 && m.format != DeviceFormat::Int4)
        return invalidError(std::string("a ") + deviceFormatName(m.format) +
                            " matrix holds no quantised weights");
    GroupQuantized q;
    q.rows = m.rows;
    q.cols = m.cols;
    q.group = m.group;
    q.qmax = m.format == DeviceFormat::Int8 ? 127 : 7;
    q.scales = m.scales;
    const size_t count = static_cast<size_t>(m.rows) * static_cast<size_t>(m.cols);
    q.q.resize(count);
    if (m.format == DeviceFormat::Int8) {
        std::memcpy(q.q.data(), m.data.data(), count);
        return q;
    }
    for (size_t c = 0; c < count / kInt4PerChunk; ++c) {
        uint32_t words[4];
        std::memcpy(words, m.data.data() + c * 16, 16);
        for (int i = 0; i < 4; ++i)
            for (int e = 0; e < 8; ++e)
                q.q[c * kInt4PerChunk + 8 * i + e] =
                    static_cast<int8_t>(static_cast<int>((words[i] >> nibbleShift(e)) & 0xFu) - 8);
    }
    return q;
}

Expected<HostMatrix> fullPrecisionMatrix(const WeightTensor& t) {
    DASH_TRY(checkDeviceShape(t.name, t.rows, t.cols));
    HostMatrix m;
    m.rows = t.rows;
    m.cols = t.cols;
    const size_t count = static_cast<size_t>(t.rows) * static_cast<size_t>(t.cols);
    if (t.type == TensorType::F16 || t.type == TensorType::BF16) {
        m.format = t.type == TensorType::F16 ? DeviceFormat::F16 : DeviceFormat::BF16;
        if (t.byteSize() != count * 2)
            return invalidError("tensor '" + t.name + "' holds " + std::to_string(t.byteSize()) +
                                " bytes for " + std::to_string(count) + " 16-bit values");
        m.data.assign(t.data, t.data + count * 2);
        return m;
    }
    std::vector<float> values(count);
    for (int32_t r = 0; r < t.rows; ++r)
        t.readRow(r, values.data() + static_cast<size_t>(r) * t.cols);
    bool fitsHalf = true;
    for (float v : values) {
        if (!std::isfinite(v))
            return invalidError("tensor '" + t.name + "' holds a value that is not finite");
        if (std::fabs(v) > 65504.0f)
            fitsHalf = false;
    }
    m.format = fitsHalf ? DeviceFormat::F16 : DeviceFormat::BF16;
    m.data.resize(count * 2);
    for (size_t i = 0; i < count; ++i) {
        const uint16_t bits = fitsHalf ? floatToHalf(values[i]) : floatToBf16(values[i]);
        std::memcpy(m.data.data() + 2 * i, &bits, 2);
    }
    return m;
}

void shareHalfFormat(HostMatrix& a, HostMatrix& b) {
    const auto halfAndBf16 = [](const HostMatrix& x, const HostMatrix& y) {
        return x.format == DeviceFormat::F16 && y.format == DeviceFormat::BF16;
    };
    HostMatrix* half = halfAndBf16(a, b) ? &a : halfAndBf16(b, a) ? &b : nullptr;
    if (!half)
        return;
    for (size_t i = 0; i + 1 < half->data.size(); i += 2) {
        uint16_t bits;
        std::memcpy(&bits, half->data.data() + i, 2);
        bits = floatToBf16(halfToFloat(bits));
        std::memcpy(half->data.data() + i, &bits, 2);
    }
    half->format = DeviceFormat::BF16;
}

Word128 loadChunk(const HostMatrix& m, int32_t row, int64_t chunk) {
    Word128 c;
    std::memcpy(c.w, m.data.data() + static_cast<size_t>(row) * m.rowBytes() + chunk * 16, 16);
    return c;
}

namespace {

// Unpacks chunk `chunk` of `row`; returns the weights in it.
int unpackChunk(const HostMatrix& m, int32_t row, int64_t chunk, float* w) {
    const Word128 c = loadChunk(m, row, chunk);
    switch (m.format) {
    case DeviceFormat::F16:
        unpackHalfChunk(c, w);
        return kHalfPerChunk;
    case DeviceFormat::BF16:
        unpackBf16Chunk(c, w);
        return kHalfPerChunk;
    case DeviceFormat::Int8:
        unpackInt8Chunk(c, w);
        return kInt8PerChunk;
    case DeviceFormat::Int4:
        unpackInt4Chunk(c, w);
        return kInt4PerChunk;
    }
    return 0;
}

float chunkScale(const HostMatrix& m, int32_t row, int64_t chunk) {
    if (m.format != DeviceFormat::Int8 && m.format != DeviceFormat::Int4)
        return 1.0f;
    const int64_t column = chunk * chunkWeights(m.format);
    return m.scales[static_cast<size_t>(row) * static_cast<size_t>(m.cols / m.group) +
                    static_cast<size_t>(column / m.group)];
}

bool isInteger(DeviceFormat f) {
    return f == DeviceFormat::Int8 || f == DeviceFormat::Int4;
}

} // namespace

void dequantizeRow(const HostMatrix& m, int32_t row, float* out) {
    float w[32];
    const auto chunks = static_cast<int64_t>(m.chunksPerRow());
    for (int64_t c = 0; c < chunks; ++c) {
        const int n = unpackChunk(m, row, c, w);
        const float scale = chunkScale(m, row, c);
        for (int e = 0; e < n; ++e)
            out[c * n + e] = isInteger(m.format) ? scale * w[e] : w[e];
    }
}

float referenceRowDot(const HostMatrix& m, int32_t row, const float* x) {
    float w[32];
    float acc = 0.0f;
    const auto chunks = static_cast<int64_t>(m.chunksPerRow());
    for (int64_t c = 0; c < chunks; ++c) {
        const int n = unpackChunk(m, row, c, w);
        const float partial = chunkDot(w, x + c * n, n);
        acc = isInteger(m.format) ? fusedMultiplyAdd(chunkScale(m, row, c), partial, acc)
                                  : acc + partial;
    }
    return acc;
}

} // namespace dash::cuda
