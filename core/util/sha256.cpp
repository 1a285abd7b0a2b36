// SPDX-License-Identifier: MIT
#include "core/util/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <vector>

namespace dash {

// The EVP context. Creating it fails only when memory runs out (reported as
// std::bad_alloc, like any allocation); with a context, SHA-256 updates and
// the final step cannot fail.
struct Sha256::Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : m_context(std::make_unique<Context>()) {
    if (!m_context->ctx || EVP_DigestInit_ex(m_context->ctx, EVP_sha256(), nullptr) != 1)
        throw std::bad_alloc();
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
    if (size > 0)
        EVP_DigestUpdate(m_context->ctx, data, size);
}

Sha256::Digest Sha256::finish() {
    Digest out{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context->ctx, out.data(), &length);
    return out;
}

std::string toHex(const Sha256::Digest& digest) {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (uint8_t b : digest) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

std::string sha256Hex(std::string_view bytes) {
    Sha256 h;
    h.update(bytes);
    return toHex(h.finish());
}

Expected<std::string> sha256File(const std::string& path, const CancelToken* cancel) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file)
        return Error(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                     "cannot open '" + path + "' to hash it: " + std::strerror(errno));
    Sha256 h;
    std::vector<uint8_t> chunk(size_t{1} << 20);
    while (true) {
        if (cancel && cancel->cancelled())
            return cancelledError();
        const size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
        h.update(chunk.data(), n);
        if (n < chunk.size()) {
            if (std::ferror(file.get()))
                return ioError("reading '" + path + "' to hash it: " + std::strerror(errno));
            break;
        }
    }
    return toHex(h.finish());
}

} // namespace dash
