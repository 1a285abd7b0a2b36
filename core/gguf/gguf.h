// SPDX-License-Identifier: MIT
// GGUF v2/v3 reader. The file is memory-mapped (or held in a caller's buffer)
// and every count, length, offset and tensor extent is checked against the
// bytes that remain before it is used; a bad file yields an Error naming the
// field, tensor or offset, never a crash.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dash {

enum class GgufValueType : uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
};

// ggml tensor type ids as stored in GGUF tensor infos.
enum class TensorType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    BF16 = 30,
};

const char* valueTypeName(GgufValueType type);
// Bytes of one value of a scalar type; 0 for strings and arrays.
uint64_t ggufScalarSize(GgufValueType type);

// One metadata value. Scalars are decoded; strings and arrays point into the
// mapped file (valid while the GgufFile lives).
struct GgufValue {
    GgufValueType type = GgufValueType::U8;
    union {
        uint64_t u;
        int64_t i;
        double f;
        bool b;
    } scalar{};
    std::string_view string;                     // type == String
    GgufValueType arrayType = GgufValueType::U8; // type == Array
    uint64_t arrayCount = 0;
    const uint8_t* arrayData = nullptr;         // raw elements (fixed-size types)
    std::vector<std::string_view> arrayStrings; // arrayType == String
};

struct GgufTensorInfo {
    std::string name;
    std::vector<uint64_t> shape; // ggml order: shape[0] is the contiguous (innermost) dimension
    TensorType type = TensorType::F32;
    uint64_t offset = 0;   // absolute byte offset in the file
    uint64_t byteSize = 0; // bytes of data
    uint64_t elementCount = 0;

    uint64_t rows() const; // product of shape[1..]
    uint64_t cols() const { return shape.empty() ? 1 : shape[0]; }
};

class GgufFile {
public:
    // Maps `path` read-only and parses it.
    static Expected<std::unique_ptr<GgufFile>> open(const std::string& path);
    // Parses a copy of `bytes` (tests and fuzzing). `name` is used in messages.
    static Expected<std::unique_ptr<GgufFile>> fromBytes(std::vector<uint8_t> bytes,
                                                         std::string name = "<memory>");

    ~GgufFile();
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;

    const std::string& path() const { return m_path; }
    uint32_t version() const { return m_version; }
    uint64_t fileSize() const { return m_size; }
    uint64_t alignment() const { return m_alignment; }
    uint64_t dataOffset() const { return m_dataOffset; }

    // Metadata in file order.
    const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return m_metadata; }
    const GgufValue* find(std::string_view key) const;
    bool has(std::string_view key) const { return find(key) != nullptr; }

    // Typed access. Integer getters accept any integer type whose value fits;
    // float getters accept F32/F64. Errors name the key and the stored type.
    Expected<uint64_t> getUInt(std::string_view key) const;
    Expected<int64_t> getInt(std::string_view key) const;
    Expected<double> getFloat(std::string_view key) const;
    Expected<bool> getBool(std::string_view key) const;
    Expected<std::string> getString(std::string_view key) const;
    Expected<std::vector<std::string_view>> getStringArray(std::string_view key) const;
    Expected<std::vector<float>> getF32Array(std::string_view key) const;
    Expected<std::vector<int32_t>> getI32Array(std::string_view key) const;

    // Same, with a default when the key is absent (a wrong type is still an error).
    Expected<uint64_t> getUInt(std::string_view key, uint64_t fallback) const;
    Expected<double> getFloat(std::string_view key, double fallback) const;
    Expected<bool> getBool(std::string_view key, bool fallback) const;

    const std::vector<GgufTensorInfo>& tensors() const { return m_tensors; }
    const GgufTensorInfo* findTensor(std::string_view name) const;
    // Bytes of a tensor's data; its extent was checked at open.
    const uint8_t* tensorData(const GgufTensorInfo& info) const { return m_data + info.offset; }

    // Whether the bytes are a read-only private mapping of the file (pages a
    // reader no longer needs may be unmapped), not a caller's buffer.
    bool mapped() const { return m_mapping != nullptr; }

    // The whole file (for hashing).
    std::span<const uint8_t> bytes() const { return {m_data, static_cast<size_t>(m_size)}; }

private:
    GgufFile() = default;
    Status parse();

    std::string m_path;
    const uint8_t* m_data = nullptr;
    uint64_t m_size = 0;
    void* m_mapping = nullptr; // mmap base, when mapped
    std::vector<uint8_t> m_owned;
    uint32_t m_version = 0;
    uint64_t m_alignment = 32;
    uint64_t m_dataOffset = 0;
    std::vector<std::pair<std::string, GgufValue>> m_metadata;
    std::vector<GgufTensorInfo> m_tensors;
};

} // namespace dash
