// SPDX-License-Identifier: MIT
#include "gguf_builder.h"

#include "core/gguf/quant.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dash::test {

namespace {

template <class T>
void append(std::vector<uint8_t>& out, T value) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    out.insert(out.end(), raw, raw + sizeof(T));
}

void appendString(std::vector<uint8_t>& out, std::string_view s) {
    append<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

template <class T>
std::vector<uint8_t> encode(T value) {
    std::vector<uint8_t> out;
    append(out, value);
    return out;
}

std::vector<uint8_t> encodeString(std::string_view s) {
    std::vector<uint8_t> out;
    appendString(out, s);
    return out;
}

template <class T>
std::vector<uint8_t> encodeArray(GgufValueType elementType, const std::vector<T>& values) {
    std::vector<uint8_t> out;
    append<uint32_t>(out, static_cast<uint32_t>(elementType));
    append<uint64_t>(out, values.size());
    for (const T& v : values)
        append(out, v);
    return out;
}

void padTo(std::vector<uint8_t>& out, uint64_t alignment) {
    out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
}

} // namespace

GgufMeta::GgufMeta(uint8_t v) : GgufMeta(GgufValueType::U8, encode(v)) {}
GgufMeta::GgufMeta(int8_t v) : GgufMeta(GgufValueType::I8, encode(v)) {}
GgufMeta::GgufMeta(uint16_t v) : GgufMeta(GgufValueType::U16, encode(v)) {}
GgufMeta::GgufMeta(int16_t v) : GgufMeta(GgufValueType::I16, encode(v)) {}
GgufMeta::GgufMeta(uint32_t v) : GgufMeta(GgufValueType::U32, encode(v)) {}
GgufMeta::GgufMeta(int32_t v) : GgufMeta(GgufValueType::I32, encode(v)) {}
GgufMeta::GgufMeta(uint64_t v) : GgufMeta(GgufValueType::U64, encode(v)) {}
GgufMeta::GgufMeta(int64_t v) : GgufMeta(GgufValueType::I64, encode(v)) {}
GgufMeta::GgufMeta(float v) : GgufMeta(GgufValueType::F32, encode(v)) {}
GgufMeta::GgufMeta(double v) : GgufMeta(GgufValueType::F64, encode(v)) {}
GgufMeta::GgufMeta(bool v) : GgufMeta(GgufValueType::Bool, encode<uint8_t>(v ? 1 : 0)) {}
GgufMeta::GgufMeta(const char* v) : GgufMeta(std::string_view(v)) {}
GgufMeta::GgufMeta(std::string_view v) : GgufMeta(GgufValueType::String, encodeString(v)) {}
GgufMeta::GgufMeta(const std::string& v) : GgufMeta(std::string_view(v)) {}

GgufMeta GgufMeta::stringArray(const std::vector<std::string>& values) {
    std::vector<uint8_t> out;
    append<uint32_t>(out, static_cast<uint32_t>(GgufValueType::String));
    append<uint64_t>(out, values.size());
    for (const std::string& s : values)
        appendString(out, s);
    return GgufMeta(GgufValueType::Array, std::move(out));
}

GgufMeta GgufMeta::f32Array(const std::vector<float>& values) {
    return GgufMeta(GgufValueType::Array, encodeArray(GgufValueType::F32, values));
}

GgufMeta GgufMeta::i32Array(const std::vector<int32_t>& values) {
    return GgufMeta(GgufValueType::Array, encodeArray(GgufValueType::I32, values));
}

GgufMeta GgufMeta::u32Array(const std::vector<uint32_t>& values) {
    return GgufMeta(GgufValueType::Array, encodeArray(GgufValueType::U32, values));
}

GgufMeta GgufMeta::array(GgufValueType elementType, const std::vector<GgufMeta>& elements) {
    std::vector<uint8_t> out;
    append<uint32_t>(out, static_cast<uint32_t>(elementType));
    append<uint64_t>(out, elements.size());
    for (const GgufMeta& e : elements)
        out.insert(out.end(), e.payload().begin(), e.payload().end());
    return GgufMeta(GgufValueType::Array, std::move(out));
}

GgufBuilder& GgufBuilder::setVersion(uint32_t version) {
    m_version = version;
    return *this;
}

GgufBuilder& GgufBuilder::setAlignment(uint64_t alignment) {
    m_alignment = alignment;
    return add("general.alignment", static_cast<uint32_t>(alignment));
}

GgufBuilder& GgufBuilder::add(const std::string& key, GgufMeta value) {
    for (auto& [k, v] : m_metadata) {
        if (k == key) {
            v = std::move(value);
            return *this;
        }
    }
    m_metadata.emplace_back(key, std::move(value));
    return *this;
}

GgufBuilder& GgufBuilder::addTensor(const std::string& name, std::vector<uint64_t> shape,
                                    TensorType type, std::vector<uint8_t> data) {
    m_tensors.push_back({name, std::move(shape), type, std::move(data)});
    return *this;
}

GgufBuilder& GgufBuilder::addF32Tensor(const std::string& name, std::vector<uint64_t> shape,
                                       const std::vector<float>& values) {
    std::vector<uint8_t> data(values.size() * sizeof(float));
    if (!values.empty())
        std::memcpy(data.data(), values.data(), data.size());
    return addTensor(name, std::move(shape), TensorType::F32, std::move(data));
}

GgufBuilder& GgufBuilder::addF16Tensor(const std::string& name, std::vector<uint64_t> shape,
                                       const std::vector<float>& values) {
    std::vector<uint8_t> data;
    data.reserve(values.size() * 2);
    for (float v : values)
        append(data, floatToHalf(v));
    return addTensor(name, std::move(shape), TensorType::F16, std::move(data));
}

std::vector<uint8_t> GgufBuilder::build(GgufLayout* layout) const {
    GgufLayout local;
    GgufLayout& l = layout ? *layout : local;
    l = GgufLayout{};

    std::vector<uint8_t> out = {'G', 'G', 'U', 'F'};
    append<uint32_t>(out, m_version);
    append<uint64_t>(out, m_tensors.size());
    append<uint64_t>(out, m_metadata.size());

    for (const auto& [key, value] : m_metadata) {
        l.metadataOffsets.push_back(out.size());
        appendString(out, key);
        append<uint32_t>(out, static_cast<uint32_t>(value.type()));
        out.insert(out.end(), value.payload().begin(), value.payload().end());
    }

    // Relative offsets: each tensor starts on an alignment boundary of the data section.
    uint64_t relative = 0;
    for (const Tensor& t : m_tensors) {
        l.tensorInfoOffsets.push_back(out.size());
        appendString(out, t.name);
        append<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
        for (uint64_t d : t.shape)
            append<uint64_t>(out, d);
        append<uint32_t>(out, static_cast<uint32_t>(t.type));
        l.tensorOffsetFields.push_back(out.size());
        append<uint64_t>(out, relative);
        l.tensorDataOffsets.push_back(relative);
        relative = (relative + t.data.size() + m_alignment - 1) / m_alignment * m_alignment;
    }

    padTo(out, m_alignment);
    l.dataOffset = out.size();
    for (size_t i = 0; i < m_tensors.size(); ++i) {
        l.tensorDataOffsets[i] += l.dataOffset;
        out.insert(out.end(), m_tensors[i].data.begin(), m_tensors[i].data.end());
        padTo(out, m_alignment);
    }
    return out;
}

Status GgufBuilder::writeTo(const std::string& path) const {
    const std::vector<uint8_t> bytes = build();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        return ioError("cannot create '" + path + "': " + std::strerror(errno));
    const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
    const bool closed = std::fclose(f) == 0;
    if (written != bytes.size() || !closed)
        return ioError("cannot write '" + path + "': " + std::strerror(errno));
    return {};
}

void pokeU32(std::vector<uint8_t>& bytes, size_t at, uint32_t value) {
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

void pokeU64(std::vector<uint8_t>& bytes, size_t at, uint64_t value) {
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

} // namespace dash::test
