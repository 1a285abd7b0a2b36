// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4) of byte strings and files, through OpenSSL's libcrypto
// (EVP, which uses the CPU's SHA extensions where present): the identity of a
// model or policy file in the run store.
#pragma once

#include "core/util/cancel.h"
#include "core/util/status.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace dash {

// Incremental hasher: update() any number of times, then finish() once.
class Sha256 {
public:
    using Digest = std::array<uint8_t, 32>;

    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
    Digest finish();

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

// Lower-case hex of a digest (64 characters).
std::string toHex(const Sha256::Digest& digest);
std::string sha256Hex(std::string_view bytes);
// Hashes a file in chunks; checks `cancel` between chunks (multi-GB models).
// Errors name the file.
Expected<std::string> sha256File(const std::string& path, const CancelToken* cancel = nullptr);

} // namespace dash
