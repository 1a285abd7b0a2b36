// SPDX-License-Identifier: MIT
#include "gguf_exercise.h"

#include "core/gguf/quant.h"

#include <string>

namespace dash::test {

namespace {

// A getter may refuse a value of another type, but its error must say which key.
template <class T>
Status checkGetter(const Expected<T>& result, const std::string& key, const char* getter) {
    if (!result.ok() && result.error().message().find(key) == std::string::npos)
        return internalError(std::string(getter) + " error does not name key '" + key +
                             "': " + result.error().message());
    return {};
}

Status exerciseMetadata(const GgufFile& file) {
    for (const auto& [key, value] : file.metadata()) {
        // With duplicate keys every getter sees the first one.
        if (file.find(key) != &value)
            continue;
        DASH_TRY(checkGetter(file.getUInt(key), key, "getUInt"));
        DASH_TRY(checkGetter(file.getInt(key), key, "getInt"));
        DASH_TRY(checkGetter(file.getFloat(key), key, "getFloat"));
        DASH_TRY(checkGetter(file.getBool(key), key, "getBool"));
        DASH_TRY(checkGetter(file.getString(key), key, "getString"));
        DASH_TRY(checkGetter(file.getStringArray(key), key, "getStringArray"));
        DASH_TRY(checkGetter(file.getF32Array(key), key, "getF32Array"));
        DASH_TRY(checkGetter(file.getI32Array(key), key, "getI32Array"));
        if (value.type == GgufValueType::Array && value.arrayType == GgufValueType::String &&
            value.arrayStrings.size() != value.arrayCount)
            return internalError("metadata '" + key + "' holds " +
                                 std::to_string(value.arrayStrings.size()) + " of " +
                                 std::to_string(value.arrayCount) + " strings");
    }
    return {};
}

Status exerciseTensor(const GgufFile& file, const GgufTensorInfo& t) {
    const std::string label = "tensor '" + t.name + "'";
    if (file.findTensor(t.name) != &t)
        return internalError(label + " is not the one findTensor() returns");
    uint64_t elements = 1;
    for (uint64_t d : t.shape)
        elements *= d;
    if (t.shape.empty() || elements != t.elementCount)
        return internalError(label + " has an element count that does not match its shape");
    auto bytes = rowBytes(t.type, t.elementCount);
    if (!bytes.ok() || *bytes != t.byteSize)
        return internalError(label + " has a byte size that does not match its type");
    if (t.offset < file.dataOffset() || t.offset % file.alignment() != 0)
        return internalError(label + " starts at " + std::to_string(t.offset) +
                             ", outside the aligned data section");
    if (t.offset > file.fileSize() || t.byteSize > file.fileSize() - t.offset)
        return internalError(label + " extends past the end of the file");
    if (!canDequantize(t.type))
        return {};
    auto values = dequantizeTensor(file, t);
    if (!values.ok())
        return internalError(label + " failed to dequantise: " + values.error().message());
    if (values->size() != t.elementCount)
        return internalError(label + " dequantised to the wrong number of values");
    return {};
}

} // namespace

Status exerciseGguf(const GgufFile& file) {
    DASH_TRY(exerciseMetadata(file));
    for (const GgufTensorInfo& t : file.tensors())
        DASH_TRY(exerciseTensor(file, t));
    return {};
}

} // namespace dash::test
