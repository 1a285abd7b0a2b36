// SPDX-License-Identifier: MIT
// libFuzzer entry point for the GGUF reader: any input must either parse into a
// file whose metadata and tensors can all be read back, or fail with a message.
#include "gguf_exercise.h"

#include "core/gguf/gguf.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = dash::GgufFile::fromBytes(std::vector<uint8_t>(data, data + size), "fuzz.gguf");
    if (!file.ok()) {
        if (file.error().message().empty())
            __builtin_trap();
        return 0;
    }
    if (!dash::test::exerciseGguf(**file).ok())
        __builtin_trap();
    return 0;
}
