// SPDX-License-Identifier: MIT
#include "core/gguf/gguf.h"

#include "core/gguf/quant.h"
#include "core/util/input_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>

namespace dash {

namespace {

constexpr uint64_t kMaxTensors = 1u << 20; // far above any real model
constexpr uint64_t kMaxMetadata = 1u << 20;
constexpr uint64_t kMaxDims = 4;
constexpr uint64_t kMaxStringBytes = 1u << 26; // 64 MiB: a tokenizer blob, never more
constexpr uint64_t kMaxArrayNesting = 2;

// Sequential reader over [data, data+size) that checks every read against the
// bytes left and reports the offset at which a field was expected.
class Cursor {
public:
    Cursor(const uint8_t* data, uint64_t size, const std::string& name)
        : m_data(data), m_size(size), m_name(name) {}

    uint64_t offset() const { return m_pos; }
    uint64_t left() const { return m_size - m_pos; }
    const std::string& name() const { return m_name; }

    Error truncated(const std::string& what, uint64_t need) const {
        return invalidError(m_name + ": truncated file: " + what + " needs " +
                            std::to_string(need) + " bytes at offset " + std::to_string(m_pos) +
                            " but only " + std::to_string(left()) + " remain");
    }

    template <class T>
    Expected<T> read(const std::string& what) {
        if (left() < sizeof(T))
            return truncated(what, sizeof(T));
        T v;
        std::memcpy(&v, m_data + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }

    Expected<std::string_view> readString(const std::string& what) {
        uint64_t at = m_pos;
        auto n = read<uint64_t>(what + " length");
        if (!n.ok())
            return n.error();
        if (*n > kMaxStringBytes)
            return invalidError(m_name + ": " + what + " at offset " + std::to_string(at) +
                                " claims an absurd length of " + std::to_string(*n) + " bytes");
        if (*n > left())
            return truncated(what + " of length " + std::to_string(*n), *n);
        std::string_view s(reinterpret_cast<const char*>(m_data + m_pos), *n);
        m_pos += *n;
        return s;
    }

    Expected<const uint8_t*> take(uint64_t bytes, const std::string& what) {
        if (bytes > left())
            return truncated(what, bytes);
        const uint8_t* p = m_data + m_pos;
        m_pos += bytes;
        return p;
    }

private:
    const uint8_t* m_data;
    uint64_t m_size;
    uint64_t m_pos = 0;
    const std::string& m_name;
};

bool knownValueType(uint32_t t) {
    return t <= static_cast<uint32_t>(GgufValueType::F64);
}

bool isIntegerType(GgufValueType t) {
    switch (t) {
    case GgufValueType::U8:
    case GgufValueType::I8:
    case GgufValueType::U16:
    case GgufValueType::I16:
    case GgufValueType::U32:
    case GgufValueType::I32:
    case GgufValueType::U64:
    case GgufValueType::I64:
        return true;
    default:
        return false;
    }
}

bool isSignedType(GgufValueType t) {
    return t == GgufValueType::I8 || t == GgufValueType::I16 || t == GgufValueType::I32 ||
           t == GgufValueType::I64;
}

// Decodes a fixed-size scalar from raw little-endian bytes.
void decodeScalar(GgufValueType t, const uint8_t* p, GgufValue& v) {
    auto load = [&](auto tag) {
        decltype(tag) x;
        std::memcpy(&x, p, sizeof x);
        return x;
    };
    switch (t) {
    case GgufValueType::U8:
        v.scalar.u = load(uint8_t{});
        break;
    case GgufValueType::I8:
        v.scalar.i = load(int8_t{});
        break;
    case GgufValueType::U16:
        v.scalar.u = load(uint16_t{});
        break;
    case GgufValueType::I16:
        v.scalar.i = load(int16_t{});
        break;
    case GgufValueType::U32:
        v.scalar.u = load(uint32_t{});
        break;
    case GgufValueType::I32:
        v.scalar.i = load(int32_t{});
        break;
    case GgufValueType::U64:
        v.scalar.u = load(uint64_t{});
        break;
    case GgufValueType::I64:
        v.scalar.i = load(int64_t{});
        break;
    case GgufValueType::F32:
        v.scalar.f = load(float{});
        break;
    case GgufValueType::F64:
        v.scalar.f = load(double{});
        break;
    case GgufValueType::Bool:
        v.scalar.b = load(uint8_t{}) != 0;
        break;
    default:
        break;
    }
}

// A count read from the header must fit both a sanity limit and the bytes left,
// so that reserving for it cannot exhaust memory.
Status checkCount(const Cursor& c, uint64_t count, uint64_t limit, uint64_t minEntryBytes,
                  const char* what, const char* entries) {
    if (count > limit)
        return invalidError(c.name() + ": absurd " + what + " " + std::to_string(count) +
                            " (the limit is " + std::to_string(limit) + ")");
    if (count > c.left() / minEntryBytes)
        return invalidError(c.name() + ": absurd " + what + " " + std::to_string(count) + ": its " +
                            entries + " need at least " + std::to_string(count * minEntryBytes) +
                            " bytes but only " + std::to_string(c.left()) + " remain at offset " +
                            std::to_string(c.offset()) + " (or the file is truncated)");
    return {};
}

Status readValue(Cursor& c, GgufValueType type, GgufValue& v, const std::string& what,
                 const std::string& file, int depth) {
    v.type = type;
    if (type == GgufValueType::String) {
        auto s = c.readString(what);
        if (!s.ok())
            return s.error();
        v.string = *s;
        return {};
    }
    if (type == GgufValueType::Array) {
        if (depth >= static_cast<int>(kMaxArrayNesting))
            return invalidError(file + ": " + what + " nests arrays too deeply");
        uint64_t at = c.offset();
        auto et = c.read<uint32_t>(what + " element type");
        if (!et.ok())
            return et.error();
        if (!knownValueType(*et))
            return invalidError(file + ": " + what + " has unknown element type " +
                                std::to_string(*et) + " at offset " + std::to_string(at));
        auto n = c.read<uint64_t>(what + " element count");
        if (!n.ok())
            return n.error();
        v.arrayType = static_cast<GgufValueType>(*et);
        v.arrayCount = *n;
        uint64_t size = ggufScalarSize(v.arrayType);
        if (size) {
            if (*n > c.left() / size)
                return invalidError(file + ": " + what + " claims " + std::to_string(*n) +
                                    " elements of " + std::to_string(size) + " bytes at offset " +
                                    std::to_string(at) + " but only " + std::to_string(c.left()) +
                                    " bytes remain (or the file is truncated)");
            auto p = c.take(*n * size, what + " elements");
            if (!p.ok())
                return p.error();
            v.arrayData = *p;
            return {};
        }
        if (v.arrayType == GgufValueType::String) {
            // Each string needs at least its 8-byte length.
            if (*n > c.left() / 8)
                return invalidError(file + ": " + what + " claims " + std::to_string(*n) +
                                    " strings at offset " + std::to_string(at) + " but only " +
                                    std::to_string(c.left()) +
                                    " bytes remain (or the file is truncated)");
            v.arrayStrings.reserve(*n);
            for (uint64_t i = 0; i < *n; ++i) {
                auto s = c.readString(what + "[" + std::to_string(i) + "]");
                if (!s.ok())
                    return s.error();
                v.arrayStrings.push_back(*s);
            }
            return {};
        }
        // Arrays of arrays: parse to validate, keep nothing.
        if (*n > c.left() / 12)
            return invalidError(file + ": " + what + " claims " + std::to_string(*n) +
                                " nested arrays at offset " + std::to_string(at) + " but only " +
                                std::to_string(c.left()) +
                                " bytes remain (or the file is truncated)");
        for (uint64_t i = 0; i < *n; ++i) {
            GgufValue inner;
            DASH_TRY(readValue(c, GgufValueType::Array, inner, what + "[" + std::to_string(i) + "]",
                               file, depth + 1));
        }
        return {};
    }
    auto p = c.take(ggufScalarSize(type), what);
    if (!p.ok())
        return p.error();
    decodeScalar(type, *p, v);
    return {};
}

} // namespace

uint64_t ggufScalarSize(GgufValueType t) {
    switch (t) {
    case GgufValueType::U8:
    case GgufValueType::I8:
    case GgufValueType::Bool:
        return 1;
    case GgufValueType::U16:
    case GgufValueType::I16:
        return 2;
    case GgufValueType::U32:
    case GgufValueType::I32:
    case GgufValueType::F32:
        return 4;
    case GgufValueType::U64:
    case GgufValueType::I64:
    case GgufValueType::F64:
        return 8;
    case GgufValueType::String:
    case GgufValueType::Array:
        return 0;
    }
    return 0;
}

const char* valueTypeName(GgufValueType type) {
    switch (type) {
    case GgufValueType::U8:
        return "u8";
    case GgufValueType::I8:
        return "i8";
    case GgufValueType::U16:
        return "u16";
    case GgufValueType::I16:
        return "i16";
    case GgufValueType::U32:
        return "u32";
    case GgufValueType::I32:
        return "i32";
    case GgufValueType::F32:
        return "f32";
    case GgufValueType::Bool:
        return "bool";
    case GgufValueType::String:
        return "string";
    case GgufValueType::Array:
        return "array";
    case GgufValueType::U64:
        return "u64";
    case GgufValueType::I64:
        return "i64";
    case GgufValueType::F64:
        return "f64";
    }
    return "unknown";
}

uint64_t GgufTensorInfo::rows() const {
    uint64_t r = 1;
    for (size_t i = 1; i < shape.size(); ++i)
        r *= shape[i];
    return r;
}

Expected<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
    // Opened without blocking and checked to be a regular file: a FIFO or a
    // device is refused at once (mapping one would hang or fail obscurely).
    DASH_ASSIGN_OR_RETURN(RegularFile regular, openRegularFile(path));
    const int fd = regular.fd;
    std::unique_ptr<GgufFile> file(new GgufFile);
    file->m_path = path;
    file->m_size = regular.size;
    if (file->m_size > 0) {
        void* base = ::mmap(nullptr, file->m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (base == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            return ioError("cannot map '" + path + "': " + std::strerror(err));
        }
        file->m_mapping = base;
        file->m_data = static_cast<const uint8_t*>(base);
    }
    ::close(fd);
    DASH_TRY(file->parse());
    return file;
}

Expected<std::unique_ptr<GgufFile>> GgufFile::fromBytes(std::vector<uint8_t> bytes,
                                                        std::string name) {
    std::unique_ptr<GgufFile> file(new GgufFile);
    file->m_path = std::move(name);
    file->m_owned = std::move(bytes);
    file->m_data = file->m_owned.data();
    file->m_size = file->m_owned.size();
    DASH_TRY(file->parse());
    return file;
}

GgufFile::~GgufFile() {
    if (m_mapping)
        ::munmap(m_mapping, m_size);
}

Status GgufFile::parse() {
    const std::string& name = m_path;
    Cursor c(m_data, m_size, name);
    if (m_size < 4)
        return invalidError(name + ": not a GGUF file: " + std::to_string(m_size) +
                            " bytes is too short for the magic");
    if (std::memcmp(m_data, "GGUF", 4) != 0) {
        char shown[5] = {};
        for (int i = 0; i < 4; ++i)
            shown[i] = (m_data[i] >= 32 && m_data[i] < 127) ? static_cast<char>(m_data[i]) : '?';
        return invalidError(name + ": not a GGUF file: magic is '" + shown + "', expected 'GGUF'");
    }
    DASH_TRY(c.take(4, "magic"));
    auto version = c.read<uint32_t>("version");
    if (!version.ok())
        return version.error();
    if (*version != 2 && *version != 3)
        return unsupportedError(name + ": GGUF version " + std::to_string(*version) +
                                " is not supported (only 2 and 3)");
    m_version = *version;
    auto tensorCount = c.read<uint64_t>("tensor count");
    if (!tensorCount.ok())
        return tensorCount.error();
    auto kvCount = c.read<uint64_t>("metadata count");
    if (!kvCount.ok())
        return kvCount.error();
    // Lower bounds on the bytes each entry takes: a tensor info has a name length,
    // a dimension count, one dimension, a type and an offset (8+4+8+4+8 > 24); a
    // key/value pair a key length, a type and a value (8+4+1 > 12).
    DASH_TRY(checkCount(c, *tensorCount, kMaxTensors, 24, "tensor count", "tensor infos"));
    DASH_TRY(checkCount(c, *kvCount, kMaxMetadata, 12, "metadata count", "key/value pairs"));

    m_metadata.reserve(*kvCount);
    for (uint64_t i = 0; i < *kvCount; ++i) {
        auto key = c.readString("metadata key #" + std::to_string(i));
        if (!key.ok())
            return key.error();
        uint64_t at = c.offset();
        auto type = c.read<uint32_t>("type of metadata '" + std::string(*key) + "'");
        if (!type.ok())
            return type.error();
        if (!knownValueType(*type))
            return invalidError(name + ": metadata '" + std::string(*key) +
                                "' has unknown value type " + std::to_string(*type) +
                                " at offset " + std::to_string(at));
        GgufValue value;
        DASH_TRY(readValue(c, static_cast<GgufValueType>(*type), value,
                           "metadata '" + std::string(*key) + "'", name, 0));
        m_metadata.emplace_back(std::string(*key), std::move(value));
    }

    if (const GgufValue* a = find("general.alignment")) {
        if (!isIntegerType(a->type))
            return invalidError(name + ": general.alignment has type " + valueTypeName(a->type) +
                                ", expected an integer");
        uint64_t align = isSignedType(a->type) ? static_cast<uint64_t>(a->scalar.i) : a->scalar.u;
        if (align == 0 || (align & (align - 1)) != 0 || align > 65536)
            return invalidError(name + ": general.alignment " + std::to_string(align) +
                                " is not a power of two up to 65536");
        m_alignment = align;
    }

    m_tensors.reserve(*tensorCount);
    for (uint64_t i = 0; i < *tensorCount; ++i) {
        GgufTensorInfo info;
        auto tname = c.readString("name of tensor #" + std::to_string(i));
        if (!tname.ok())
            return tname.error();
        info.name = std::string(*tname);
        const std::string label = "tensor '" + info.name + "'";
        auto nd = c.read<uint32_t>("dimension count of " + label);
        if (!nd.ok())
            return nd.error();
        if (*nd == 0 || *nd > kMaxDims)
            return invalidError(name + ": " + label + " has " + std::to_string(*nd) +
                                " dimensions (1 to 4 allowed)");
        uint64_t elements = 1;
        for (uint32_t d = 0; d < *nd; ++d) {
            auto ne = c.read<uint64_t>("dimension " + std::to_string(d) + " of " + label);
            if (!ne.ok())
                return ne.error();
            if (*ne == 0 || *ne > (uint64_t{1} << 40))
                return invalidError(name + ": " + label + " has absurd dimension " +
                                    std::to_string(d) + " = " + std::to_string(*ne));
            if (elements > std::numeric_limits<uint64_t>::max() / *ne)
                return invalidError(name + ": " + label + " element count overflows");
            elements *= *ne;
            info.shape.push_back(*ne);
        }
        uint64_t typeAt = c.offset();
        auto type = c.read<uint32_t>("type of " + label);
        if (!type.ok())
            return type.error();
        info.type = static_cast<TensorType>(*type);
        const TypeTraits* traits = typeTraits(info.type);
        if (!traits)
            return unsupportedError(name + ": " + label + " has unknown or unsupported type " +
                                    std::to_string(*type) + " at offset " + std::to_string(typeAt));
        if (info.shape[0] % traits->blockElements != 0)
            return invalidError(name + ": " + label + " has a row of " +
                                std::to_string(info.shape[0]) + " elements, not a multiple of " +
                                std::to_string(traits->blockElements) + " required by type " +
                                traits->name);
        auto off = c.read<uint64_t>("data offset of " + label);
        if (!off.ok())
            return off.error();
        info.offset = *off; // relative for now
        info.elementCount = elements;
        // F32 with 2^62 elements would wrap a plain multiplication to 0 bytes.
        auto bytes = rowBytes(info.type, elements);
        if (!bytes.ok())
            return bytes.error().withContext(name + ": " + label);
        info.byteSize = *bytes;
        m_tensors.push_back(std::move(info));
    }

    uint64_t end = c.offset();
    m_dataOffset = (end + m_alignment - 1) / m_alignment * m_alignment;
    if (m_dataOffset > m_size && !m_tensors.empty())
        return invalidError(name + ": tensor data would start at offset " +
                            std::to_string(m_dataOffset) + ", past the end of the file (" +
                            std::to_string(m_size) + " bytes)");

    std::unordered_set<std::string_view> seen;
    seen.reserve(m_tensors.size());
    for (GgufTensorInfo& t : m_tensors) {
        if (!seen.insert(t.name).second)
            return invalidError(name + ": tensor '" + t.name + "' appears twice");
        if (t.offset % m_alignment != 0)
            return invalidError(name + ": tensor '" + t.name + "' data offset " +
                                std::to_string(t.offset) + " is not aligned to " +
                                std::to_string(m_alignment));
        uint64_t start = m_dataOffset + t.offset;
        if (t.offset > m_size || start > m_size || t.byteSize > m_size - start)
            return invalidError(name + ": tensor '" + t.name + "' (" + std::to_string(t.byteSize) +
                                " bytes at offset " + std::to_string(start) + ") ends at " +
                                std::to_string(start + t.byteSize) +
                                ", past the end of the file (" + std::to_string(m_size) + ")");
        t.offset = start;
    }
    return {};
}

const GgufValue* GgufFile::find(std::string_view key) const {
    for (const auto& [k, v] : m_metadata)
        if (k == key)
            return &v;
    return nullptr;
}

namespace {

Error wrongType(const std::string& file, std::string_view key, GgufValueType actual,
                const char* expected) {
    return invalidError(file + ": metadata '" + std::string(key) + "' has type " +
                        valueTypeName(actual) + ", expected " + expected);
}

Error missingKey(const std::string& file, std::string_view key) {
    return notFoundError(file + ": metadata '" + std::string(key) + "' is missing");
}

} // namespace

Expected<uint64_t> GgufFile::getUInt(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v)
        return missingKey(m_path, key);
    if (!isIntegerType(v->type))
        return wrongType(m_path, key, v->type, "an unsigned integer");
    if (isSignedType(v->type)) {
        if (v->scalar.i < 0)
            return invalidError(m_path + ": metadata '" + std::string(key) + "' is negative (" +
                                std::to_string(v->scalar.i) + ")");
        return static_cast<uint64_t>(v->scalar.i);
    }
    return v->scalar.u;
}

Expected<uint64_t> GgufFile::getUInt(std::string_view key, uint64_t fallback) const {
    if (!has(key))
        return fallback;
    return getUInt(key);
}

Expected<int64_t> GgufFile::getInt(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v)
        return missingKey(m_path, key);
    if (!isIntegerType(v->type))
        return wrongType(m_path, key, v->type, "an integer");
    if (isSignedType(v->type))
        return v->scalar.i;
    if (v->scalar.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return invalidError(m_path + ": metadata '" + std::string(key) + "' is too large");
    return static_cast<int64_t>(v->scalar.u);
}

Expected<double> GgufFile::getFloat(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v)
        return missingKey(m_path, key);
    if (v->type != GgufValueType::F32 && v->type != GgufValueType::F64)
        return wrongType(m_path, key, v->type, "a float");
    return v->scalar.f;
}

Expected<double> GgufFile::getFloat(std::string_view key, double fallback) const {
    if (!has(key))
        return fallback;
    return getFloat(key);
}

Expected<bool> GgufFile::getBool(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v)
        return missingKey(m_path, key);
    if (v->type != GgufValueType::Bool)
        return wrongType(m_path, key, v->type, "a bool");
    return v->scalar.b;
}

Expected<bool> GgufFile::getBool(std::string_view key, bool fallback) const {
    if (!has(key))
        return fallback;
    return getBool(key);
}

Expected<std::string> GgufFile::getString(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v)
        return missingKey(m_path, key);
    if (v->type != GgufValueType::String)
        return wrongType(m_path, key, v->type, "a string");
    return std::string(v->string);
}

Expected<std::vector<std::string_view>> GgufFile::getStringArray(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v)
        return missingKey(m_path, key);
    if (v->type != GgufValueType::Array || v->arrayType != GgufValueType::String)
        return wrongType(m_path, key, v->type, "an array of strings");
    return v->arrayStrings;
}

Expected<std::vector<float>> GgufFile::getF32Array(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v)
        return missingKey(m_path, key);
    if (v->type != GgufValueType::Array || v->arrayType != GgufValueType::F32)
        return wrongType(m_path, key, v->type, "an array of f32");
    std::vector<float> out(v->arrayCount);
    if (!out.empty())
        std::memcpy(out.data(), v->arrayData, out.size() * sizeof(float));
    return out;
}

Expected<std::vector<int32_t>> GgufFile::getI32Array(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v)
        return missingKey(m_path, key);
    if (v->type != GgufValueType::Array ||
        (v->arrayType != GgufValueType::I32 && v->arrayType != GgufValueType::U32))
        return wrongType(m_path, key, v->type, "an array of i32");
    std::vector<int32_t> out(v->arrayCount);
    if (!out.empty())
        std::memcpy(out.data(), v->arrayData, out.size() * sizeof(int32_t));
    return out;
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view name) const {
    for (const auto& t : m_tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

} // namespace dash
