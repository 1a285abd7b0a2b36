// SHA-256 (FIPS 180-4) of byte strings and files: the identity of a model or
// policy file in the run store.
#pragma once

#include "core/util/cancel.h"
#include "core/util/status.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dash {

// Incremental hasher: update() any number of times, then finish() once.
class Sha256 {
public:
    using Digest = std::array<uint8_t, 32>;

    Sha256();
    void update(const void* data, size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
    Digest finish();

private:
    void compress(const uint8_t* block); // one 64-byte block

    std::array<uint32_t, 8> m_state;
    std::array<uint8_t, 64> m_buffer{};
    size_t m_buffered = 0;
    uint64_t m_length = 0; // bytes hashed so far
};

// Lower-case hex of a digest (64 characters).
std::string toHex(const Sha256::Digest& digest);
std::string sha256Hex(std::string_view bytes);
// Hashes a file in chunks; checks `cancel` between chunks (multi-GB models).
// Errors name the file.
Expected<std::string> sha256File(const std::string& path, const CancelToken* cancel = nullptr);

} // namespace dash
