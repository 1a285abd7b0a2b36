// SPDX-License-Identifier: MIT
#include "bench_models.h"

#include "core/gguf/quant.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace dash::bench {

namespace {

constexpr uint64_t kAlignment = 32;
constexpr const char* kMarkerKey = "dash.bench.model";

uint64_t alignUp(uint64_t v) {
    return (v + kAlignment - 1) / kAlignment * kAlignment;
}

// A GGUF v3 file written in one pass: metadata and tensor infos first, then
// each tensor's bytes from a callback.
class GgufWriter {
public:
    void keyU32(const std::string& key, uint32_t v) {
        begin(key, GgufValueType::U32);
        put(v);
    }
    void keyF32(const std::string& key, float v) {
        begin(key, GgufValueType::F32);
        put(v);
    }
    void keyString(const std::string& key, const std::string& v) {
        begin(key, GgufValueType::String);
        string(v);
    }
    void keyStrings(const std::string& key, const std::vector<std::string>& v) {
        begin(key, GgufValueType::Array);
        put(static_cast<uint32_t>(GgufValueType::String));
        put(static_cast<uint64_t>(v.size()));
        for (const std::string& s : v)
            string(s);
    }
    template <class T>
    void keyArray(const std::string& key, GgufValueType type, const std::vector<T>& v) {
        begin(key, GgufValueType::Array);
        put(static_cast<uint32_t>(type));
        put(static_cast<uint64_t>(v.size()));
        for (const T& e : v)
            put(e);
    }
    // A value read from another file (scalars, strings, arrays of either).
    Status copy(const std::string& key, const GgufValue& v) {
        begin(key, v.type);
        if (v.type == GgufValueType::String) {
            string(std::string(v.string));
            return {};
        }
        if (v.type != GgufValueType::Array)
            return putScalar(v.type, v.scalar.u);
        put(static_cast<uint32_t>(v.arrayType));
        put(v.arrayCount);
        if (v.arrayType == GgufValueType::String) {
            for (std::string_view s : v.arrayStrings)
                string(std::string(s));
            return {};
        }
        const size_t size = static_cast<size_t>(ggufScalarSize(v.arrayType));
        if (size == 0)
            return unsupportedError("cannot copy '" + key + "': nested arrays");
        m_header.insert(m_header.end(), v.arrayData, v.arrayData + size * v.arrayCount);
        return {};
    }

    void tensor(const std::string& name, std::vector<uint64_t> shape, TensorType type) {
        uint64_t n = 1;
        for (uint64_t d : shape)
            n *= d;
        m_tensors.push_back({name, std::move(shape), type, rowBytes(type, n).value()});
    }

    using DataFn = std::function<Status(size_t index, std::FILE* out)>;
    Status write(const std::string& path, const DataFn& data) {
        std::vector<uint8_t> head;
        auto put32 = [&](uint32_t v) { append(head, v); };
        put32(0x46554747); // "GGUF"
        put32(3);
        append(head, static_cast<uint64_t>(m_tensors.size()));
        append(head, m_keys);
        head.insert(head.end(), m_header.begin(), m_header.end());
        uint64_t offset = 0;
        for (const Tensor& t : m_tensors) {
            append(head, static_cast<uint64_t>(t.name.size()));
            head.insert(head.end(), t.name.begin(), t.name.end());
            put32(static_cast<uint32_t>(t.shape.size()));
            for (uint64_t d : t.shape)
                append(head, d);
            put32(static_cast<uint32_t>(t.type));
            append(head, offset);
            offset = alignUp(offset + t.bytes);
        }
        head.resize(alignUp(head.size()), 0);
        const std::string tmp = path + ".partial";
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(tmp.c_str(), "wb"),
                                                            &std::fclose);
        if (!out)
            return ioError("cannot write '" + tmp + "': " + std::strerror(errno));
        if (std::fwrite(head.data(), 1, head.size(), out.get()) != head.size())
            return ioError("cannot write '" + tmp + "'");
        for (size_t i = 0; i < m_tensors.size(); ++i) {
            const long before = std::ftell(out.get());
            DASH_TRY(data(i, out.get()));
            const long written = std::ftell(out.get()) - before;
            if (written != static_cast<long>(m_tensors[i].bytes))
                return ioError("tensor '" + m_tensors[i].name + "': wrote " +
                               std::to_string(written) + " bytes, expected " +
                               std::to_string(m_tensors[i].bytes));
            const std::vector<uint8_t> pad(alignUp(m_tensors[i].bytes) - m_tensors[i].bytes, 0);
            if (!pad.empty() && std::fwrite(pad.data(), 1, pad.size(), out.get()) != pad.size())
                return ioError("cannot write '" + tmp + "'");
        }
        if (std::fclose(out.release()) != 0)
            return ioError("cannot finish '" + tmp + "'");
        std::error_code ec;
        std::filesystem::rename(tmp, path, ec);
        if (ec)
            return ioError("cannot rename '" + tmp + "': " + ec.message());
        return {};
    }

private:
    struct Tensor {
        std::string name;
        std::vector<uint64_t> shape;
        TensorType type;
        uint64_t bytes;
    };

    template <class T>
    static void append(std::vector<uint8_t>& v, T x) {
        uint8_t raw[sizeof(T)];
        std::memcpy(raw, &x, sizeof(T));
        v.insert(v.end(), raw, raw + sizeof(T));
    }
    template <class T>
    void put(T v) {
        append(m_header, v);
    }
    void string(const std::string& s) {
        put(static_cast<uint64_t>(s.size()));
        m_header.insert(m_header.end(), s.begin(), s.end());
    }
    void begin(const std::string& key, GgufValueType type) {
        ++m_keys;
        string(key);
        put(static_cast<uint32_t>(type));
    }
    Status putScalar(GgufValueType t, uint64_t bits) {
        // The reader decoded scalars into a 64-bit union: re-encode them.
        switch (t) {
        case GgufValueType::F32: {
            double d;
            std::memcpy(&d, &bits, 8);
            put(static_cast<float>(d));
            return {};
        }
        case GgufValueType::F64:
            put(bits);
            return {};
        default: {
            const size_t size = static_cast<size_t>(ggufScalarSize(t));
            if (size == 0)
                return unsupportedError("cannot copy a value of type " +
                                        std::to_string(static_cast<uint32_t>(t)));
            uint8_t raw[8];
            std::memcpy(raw, &bits, 8);
            m_header.insert(m_header.end(), raw, raw + size);
            return {};
        }
        }
    }

    std::vector<uint8_t> m_header;
    uint64_t m_keys = 0;
    std::vector<Tensor> m_tensors;
};

// Whether `path` is a GGUF file this code wrote with `marker`.
bool cached(const std::string& path, const std::string& marker) {
    if (!std::filesystem::exists(path))
        return false;
    auto file = GgufFile::open(path);
    if (!file.ok())
        return false;
    auto value = (*file)->getString(kMarkerKey);
    return value.ok() && *value == marker;
}

// Rows of `cols` values encoded as `type`.
Status writeRows(std::FILE* out, TensorType type, const float* values, uint64_t rows,
                 uint64_t cols) {
    const uint64_t count = rows * cols;
    std::vector<uint8_t> bytes;
    if (type == TensorType::F32) {
        bytes.resize(count * 4);
        std::memcpy(bytes.data(), values, bytes.size());
    } else if (type == TensorType::F16) {
        bytes.resize(count * 2);
        for (uint64_t i = 0; i < count; ++i) {
            const uint16_t h = floatToHalf(values[i]);
            std::memcpy(bytes.data() + 2 * i, &h, 2);
        }
    } else {
        DASH_ASSIGN_OR_RETURN(uint64_t size, rowBytes(type, count));
        bytes.resize(size);
        DASH_TRY(quantize(type, values, bytes.data(), count));
    }
    if (std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size())
        return ioError("short write");
    return {};
}

// Uniform values in [-scale, scale) from xorshift64*.
class Random {
public:
    explicit Random(uint64_t seed) : m_state(seed * 0x9E3779B97F4A7C15ull + 1) {}
    float next(float scale) {
        m_state ^= m_state >> 12;
        m_state ^= m_state << 25;
        m_state ^= m_state >> 27;
        const uint64_t r = m_state * 0x2545F4914F6CDD1Dull;
        return scale * (static_cast<float>(r >> 40) * (2.0f / 16777216.0f) - 1.0f);
    }

private:
    uint64_t m_state;
};

} // namespace

Expected<std::string> qwenShapedModel(const std::string& dir, const std::string& format) {
    const uint32_t layers = 24, dim = 896, heads = 14, kvHeads = 2, ffn = 4864, vocab = 151936;
    const uint32_t kvDim = kvHeads * (dim / heads);
    TensorType matrixType;
    if (format == "F16")
        matrixType = TensorType::F16;
    else if (format == "Q8_0")
        matrixType = TensorType::Q8_0;
    else if (format == "Q4_0")
        matrixType = TensorType::Q4_0;
    else if (format == "Q4_K")
        matrixType = TensorType::Q4_K;
    else
        return invalidError("unknown synthetic model format '" + format +
                            "' (F16, Q8_0, Q4_0 or Q4_K)");
    const std::string marker = "qwen2.5-0.5b shape " + format + " v1";
    const std::string path = dir + "/qwen2.5-0.5b-shape-" + format + ".gguf";
    if (cached(path, marker))
        return path;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);

    auto typeOf = [&](uint64_t cols) {
        if (matrixType == TensorType::Q4_K && cols % 256 != 0)
            return TensorType::Q5_0;
        return matrixType;
    };
    GgufWriter w;
    w.keyString("general.architecture", "qwen2");
    w.keyString("general.name", "synthetic Qwen2.5-0.5B shape, " + format + ", random weights");
    w.keyString(kMarkerKey, marker);
    w.keyU32("qwen2.block_count", layers);
    w.keyU32("qwen2.embedding_length", dim);
    w.keyU32("qwen2.attention.head_count", heads);
    w.keyU32("qwen2.attention.head_count_kv", kvHeads);
    w.keyU32("qwen2.feed_forward_length", ffn);
    w.keyU32("qwen2.context_length", kQwenShapedContext);
    w.keyF32("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
    w.keyF32("qwen2.rope.freq_base", 1000000.0f);
    // SentencePiece-style: unknown, BOS, EOS, 256 byte tokens, then fillers.
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<float> scores = {0, 0, 0};
    std::vector<int32_t> kinds = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        tokens.push_back(name);
        scores.push_back(0);
        kinds.push_back(6);
    }
    while (tokens.size() < vocab) {
        scores.push_back(-static_cast<float>(tokens.size()));
        tokens.push_back("\xE2\x96\x81t" + std::to_string(tokens.size()));
        kinds.push_back(1);
    }
    w.keyString("tokenizer.ggml.model", "llama");
    w.keyStrings("tokenizer.ggml.tokens", tokens);
    w.keyArray("tokenizer.ggml.scores", GgufValueType::F32, scores);
    w.keyArray("tokenizer.ggml.token_type", GgufValueType::I32, kinds);
    w.keyU32("tokenizer.ggml.unknown_token_id", 0);
    w.keyU32("tokenizer.ggml.bos_token_id", 1);
    w.keyU32("tokenizer.ggml.eos_token_id", 2);

    struct Spec {
        std::vector<uint64_t> shape; // ggml order
        TensorType type;
        float scale; // of the random values; 0: all ones (norms)
    };
    std::vector<Spec> specs;
    auto add = [&](const std::string& name, std::vector<uint64_t> shape, TensorType type,
                   float scale) {
        w.tensor(name, shape, type);
        specs.push_back({std::move(shape), type, scale});
    };
    const TensorType embedType = matrixType == TensorType::Q4_K ? TensorType::Q8_0 : matrixType;
    add("token_embd.weight", {dim, vocab}, embedType, 0.05f);
    add("output_norm.weight", {dim}, TensorType::F32, 0);
    for (uint32_t i = 0; i < layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        add(p + "attn_norm.weight", {dim}, TensorType::F32, 0);
        add(p + "attn_q.weight", {dim, dim}, typeOf(dim), 0.05f);
        add(p + "attn_q.bias", {dim}, TensorType::F32, 0.02f);
        add(p + "attn_k.weight", {dim, kvDim}, typeOf(dim), 0.05f);
        add(p + "attn_k.bias", {kvDim}, TensorType::F32, 0.02f);
        add(p + "attn_v.weight", {dim, kvDim}, typeOf(dim), 0.05f);
        add(p + "attn_v.bias", {kvDim}, TensorType::F32, 0.02f);
        add(p + "attn_output.weight", {dim, dim}, typeOf(dim), 0.05f);
        add(p + "ffn_norm.weight", {dim}, TensorType::F32, 0);
        add(p + "ffn_gate.weight", {dim, ffn}, typeOf(dim), 0.05f);
        add(p + "ffn_up.weight", {dim, ffn}, typeOf(dim), 0.05f);
        add(p + "ffn_down.weight", {ffn, dim}, typeOf(ffn), 0.03f);
    }
    Status st = w.write(path, [&](size_t index, std::FILE* out) -> Status {
        const Spec& s = specs[index];
        const uint64_t cols = s.shape[0];
        const uint64_t rows = s.shape.size() > 1 ? s.shape[1] : 1;
        Random random(index + 1);
        const uint64_t chunk = 256;
        std::vector<float> values;
        for (uint64_t r = 0; r < rows; r += chunk) {
            const uint64_t n = std::min(chunk, rows - r);
            values.resize(n * cols);
            for (float& v : values)
                v = s.scale == 0 ? 1.0f : random.next(s.scale);
            DASH_TRY(writeRows(out, s.type, values.data(), n, cols));
        }
        return {};
    });
    if (!st.ok())
        return st.error().withContext(path);
    return path;
}

Expected<std::string> requantizedModel(const std::string& source, TensorType type,
                                       const std::string& dir) {
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> in, GgufFile::open(source));
    const std::string stem = std::filesystem::path(source).stem().string();
    const std::string path = dir + "/" + stem + "-" + tensorTypeName(type) + ".gguf";
    const std::string marker = stem + " requantized " + tensorTypeName(type) + " v1 (" +
                               std::to_string(in->fileSize()) + " bytes)";
    if (cached(path, marker))
        return path;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const uint32_t block = typeTraits(type)->blockElements;
    GgufWriter w;
    for (const auto& [key, value] : in->metadata())
        if (key != kMarkerKey && key != "general.alignment")
            DASH_TRY(w.copy(key, value));
    w.keyString(kMarkerKey, marker);
    std::vector<TensorType> types;
    for (const GgufTensorInfo& t : in->tensors()) {
        const bool matrix = t.shape.size() == 2 && t.cols() % block == 0 &&
                            (type == TensorType::F32 || t.type == TensorType::F16 ||
                             t.type == TensorType::F32 || t.type == TensorType::BF16);
        types.push_back(matrix ? type : t.type);
        w.tensor(t.name, t.shape, types.back());
    }
    Status st = w.write(path, [&](size_t index, std::FILE* out) -> Status {
        const GgufTensorInfo& t = in->tensors()[index];
        if (types[index] == t.type) {
            const uint8_t* data = in->tensorData(t);
            if (std::fwrite(data, 1, t.byteSize, out) != t.byteSize)
                return ioError("short write");
            return {};
        }
        DASH_ASSIGN_OR_RETURN(std::vector<float> values, dequantizeTensor(*in, t));
        return writeRows(out, types[index], values.data(), t.rows(), t.cols());
    });
    if (!st.ok())
        return st.error().withContext(path);
    return path;
}

} // namespace dash::bench
