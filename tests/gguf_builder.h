// SPDX-License-Identifier: MIT
// A small GGUF v2/v3 writer for tests: metadata of every value type, tensors of
// any type from raw bytes, chosen alignment. It writes well-formed files only;
// tests that need a broken file corrupt the bytes, using GgufLayout to find the
// field they want.
//
//   GgufBuilder b;
//   b.add("general.architecture", "llama");
//   b.add("llama.block_count", uint32_t{2});
//   b.add("tokenizer.ggml.tokens", GgufMeta::stringArray({"<s>", "a"}));
//   b.addF32Tensor("token_embd.weight", {dim, vocab}, values);
//   std::vector<uint8_t> bytes = b.build();
#pragma once

#include "core/gguf/gguf.h"
#include "core/util/status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dash::test {

// One encoded metadata value. Scalars convert implicitly from the matching C++
// type (int32_t -> i32, uint64_t -> u64, float -> f32, double -> f64, ...), so
// add("k", 5) stores an i32 and add("k", 5u) a u32.
class GgufMeta {
public:
    GgufMeta(uint8_t v);
    GgufMeta(int8_t v);
    GgufMeta(uint16_t v);
    GgufMeta(int16_t v);
    GgufMeta(uint32_t v);
    GgufMeta(int32_t v);
    GgufMeta(uint64_t v);
    GgufMeta(int64_t v);
    GgufMeta(float v);
    GgufMeta(double v);
    GgufMeta(bool v);
    GgufMeta(const char* v);
    GgufMeta(std::string_view v);
    GgufMeta(const std::string& v);

    static GgufMeta stringArray(const std::vector<std::string>& values);
    static GgufMeta f32Array(const std::vector<float>& values);
    static GgufMeta i32Array(const std::vector<int32_t>& values);
    static GgufMeta u32Array(const std::vector<uint32_t>& values);
    // Any array, including arrays of arrays; every element must have type `elementType`.
    static GgufMeta array(GgufValueType elementType, const std::vector<GgufMeta>& elements);

    GgufValueType type() const { return m_type; }
    // The value's bytes as stored after its type tag.
    const std::vector<uint8_t>& payload() const { return m_payload; }

private:
    GgufMeta(GgufValueType type, std::vector<uint8_t> payload)
        : m_type(type), m_payload(std::move(payload)) {}

    GgufValueType m_type;
    std::vector<uint8_t> m_payload;
};

// Where build() put things, for tests that patch the bytes.
struct GgufLayout {
    std::vector<size_t> metadataOffsets;    // start of each key/value pair (its key length)
    std::vector<size_t> tensorInfoOffsets;  // start of each tensor info (its name length)
    std::vector<size_t> tensorOffsetFields; // the u64 relative data offset of each tensor info
    size_t dataOffset = 0;                  // start of the aligned data section
    std::vector<size_t> tensorDataOffsets;  // absolute start of each tensor's bytes
};

class GgufBuilder {
public:
    explicit GgufBuilder(uint32_t version = 3) : m_version(version) {}

    GgufBuilder& setVersion(uint32_t version);
    // Aligns the data section and every tensor to `alignment` and records it as
    // general.alignment (u32). Without it the GGUF default of 32 applies.
    GgufBuilder& setAlignment(uint64_t alignment);

    // Appends a key, or replaces the value of an existing key in place.
    GgufBuilder& add(const std::string& key, GgufMeta value);

    // `shape` in ggml order (shape[0] contiguous); `data` holds the tensor's
    // bytes as the file stores them (whole blocks for quantised types).
    GgufBuilder& addTensor(const std::string& name, std::vector<uint64_t> shape, TensorType type,
                           std::vector<uint8_t> data);
    GgufBuilder& addF32Tensor(const std::string& name, std::vector<uint64_t> shape,
                              const std::vector<float>& values);
    // Stores `values` rounded to half precision.
    GgufBuilder& addF16Tensor(const std::string& name, std::vector<uint64_t> shape,
                              const std::vector<float>& values);

    std::vector<uint8_t> build(GgufLayout* layout = nullptr) const;
    Status writeTo(const std::string& path) const;

private:
    struct Tensor {
        std::string name;
        std::vector<uint64_t> shape;
        TensorType type;
        std::vector<uint8_t> data;
    };

    uint32_t m_version;
    uint64_t m_alignment = 32;
    std::vector<std::pair<std::string, GgufMeta>> m_metadata;
    std::vector<Tensor> m_tensors;
};

// Little-endian stores into a built file, for corrupting a field in place.
void pokeU32(std::vector<uint8_t>& bytes, size_t at, uint32_t value);
void pokeU64(std::vector<uint8_t>& bytes, size_t at, uint64_t value);

} // namespace dash::test
