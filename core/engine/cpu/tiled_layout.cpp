// SPDX-License-Identifier: MIT
#include "core/engine/cpu/tiled_layout.h"

#include "core/engine/quantize.h"
#include "core/gguf/quant.h"

#include <algorithm>
#include <cstring>

namespace dash::cpu {

namespace {

// INT8 and INT4 share Q8_0's and Q4_0's layout: half scales, 32 weights each.
constexpr TiledFormat kQ8_0{8, 512, 1, 32, 128, ParamKind::ScaleF16};
constexpr TiledFormat kQ4_0{4, 256, 1, 32, 8, ParamKind::ScaleF16};
constexpr TiledFormat kQ5_0{5, 320, 1, 32, 16, ParamKind::ScaleF16};
constexpr TiledFormat kQ4_1{4, 256, 1, 64, 0, ParamKind::ScaleMinF16};
constexpr TiledFormat kQ5_1{5, 320, 1, 64, 0, ParamKind::ScaleMinF16};
constexpr TiledFormat kQ4_K{4, 256, 8, 64 + 8 * 32, 0, ParamKind::KQuant};
constexpr TiledFormat kQ5_K{5, 320, 8, 64 + 8 * 32, 0, ParamKind::KQuant};
constexpr TiledFormat kQ6_K{6, 384, 8, 32 + 8 * 32, 32, ParamKind::Q6K};

float loadHalf(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return halfToFloat(h);
}

// Writes the 16 x 32 codes of one (tile, block) in the layout of the header.
void packTileCodes(const TiledFormat& f, const uint8_t codes[kTileRows][kBlock], uint8_t* dst) {
    std::memset(dst, 0, static_cast<size_t>(f.codeBytes));
    if (f.codeBits == 8) {
        for (int q = 0; q < 8; ++q)
            for (int r = 0; r < kTileRows; ++r)
                for (int j = 0; j < 4; ++j)
                    dst[q * 64 + r * 4 + j] = codes[r][4 * q + j];
        return;
    }
    for (int p = 0; p < 4; ++p)
        for (int r = 0; r < kTileRows; ++r)
            for (int j = 0; j < 4; ++j)
                dst[p * 64 + r * 4 + j] = static_cast<uint8_t>(
                    (codes[r][4 * p + j] & 0x0F) | ((codes[r][4 * (p + 4) + j] & 0x0F) << 4));
    for (int plane = 0; plane < f.codeBits - 4; ++plane) {
        uint8_t* bits = dst + 256 + plane * 64;
        for (int q = 0; q < 8; ++q)
            for (int r = 0; r < kTileRows; ++r)
                for (int j = 0; j < 4; ++j) {
                    const int bit = q * 64 + r * 4 + j;
                    if ((codes[r][4 * q + j] >> (4 + plane)) & 1)
                        bits[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
                }
    }
}

// ggml's 6-bit scale and min of sub-block j of a Q4_K/Q5_K block (see quant.cpp).
void kScaleMin(const uint8_t* s, int j, uint8_t& scale, uint8_t& min) {
    if (j < 4) {
        scale = s[j] & 0x3F;
        min = s[j + 4] & 0x3F;
    } else {
        scale = static_cast<uint8_t>((s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4));
        min = static_cast<uint8_t>((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
    }
}

// Storage of a tiled matrix.
struct TiledStorage {
    std::vector<uint8_t> codes;
    std::vector<uint8_t> params;
};

Matrix tiledMatrix(MatrixType type, int32_t rows, int32_t cols,
                   std::shared_ptr<TiledStorage>& owned) {
    Matrix m;
    m.type = type;
    m.rows = rows;
    m.cols = cols;
    m.group = kBlock;
    const TiledFormat& f = tiledFormat(type);
    const size_t tiles = static_cast<size_t>(m.tiles());
    owned = std::make_shared<TiledStorage>();
    owned->codes.assign(tiles * m.blocks() * f.codeBytes, 0);
    owned->params.assign(tiles * (m.blocks() / f.blocksPerSuper) * f.paramBytes, 0);
    m.data = owned->codes.data();
    m.params = owned->params.data();
    m.storage = owned;
    return m;
}

// Decodes one GGUF block of `type` for row r of a tile: the 32 (or 256)
// codes into codes[r][...] of each 32-column block and the factors into the
// tile's params. `super` is the block's super-block parameter area.
void repackGgufBlock(TensorType type, const uint8_t* b, int r, uint8_t (*codes)[kTileRows][kBlock],
                     uint8_t* params) {
    auto storeHalf = [](uint8_t* dst, int r, const uint8_t* src) {
        std::memcpy(dst + 2 * r, src, 2);
    };
    switch (type) {
    case TensorType::Q8_0:
        storeHalf(params, r, b);
        for (int k = 0; k < 32; ++k)
            codes[0][r][k] = static_cast<uint8_t>(static_cast<int8_t>(b[2 + k]) + 128);
        return;
    case TensorType::Q4_0:
    case TensorType::Q4_1: {
        const int head = type == TensorType::Q4_0 ? 2 : 4;
        storeHalf(params, r, b);
        if (type == TensorType::Q4_1)
            storeHalf(params + 32, r, b + 2);
        for (int j = 0; j < 16; ++j) {
            codes[0][r][j] = b[head + j] & 0x0F;
            codes[0][r][j + 16] = b[head + j] >> 4;
        }
        return;
    }
    case TensorType::Q5_0:
    case TensorType::Q5_1: {
        const int head = type == TensorType::Q5_0 ? 2 : 4;
        storeHalf(params, r, b);
        if (type == TensorType::Q5_1)
            storeHalf(params + 32, r, b + 2);
        uint32_t qh;
        std::memcpy(&qh, b + head, 4);
        const uint8_t* qs = b + head + 4;
        for (int j = 0; j < 16; ++j) {
            codes[0][r][j] = static_cast<uint8_t>((qs[j] & 0x0F) | (((qh >> j) & 1u) << 4));
            codes[0][r][j + 16] =
                static_cast<uint8_t>((qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4));
        }
        return;
    }
    case TensorType::Q4_K:
    case TensorType::Q5_K: {
        const bool five = type == TensorType::Q5_K;
        storeHalf(params, r, b);
        storeHalf(params + 32, r, b + 2);
        const uint8_t* scales = b + 4;
        const uint8_t* qh = b + 16;
        const uint8_t* qs = b + (five ? 48 : 16);
        for (int s = 0; s < 8; ++s) {
            uint8_t sc, mn;
            kScaleMin(scales, s, sc, mn);
            params[64 + s * 32 + r] = sc;
            params[64 + s * 32 + 16 + r] = mn;
            const int c = s / 2;
            for (int l = 0; l < 32; ++l) {
                const uint8_t byte = qs[32 * c + l];
                uint8_t n = s % 2 ? byte >> 4 : byte & 0x0F;
                if (five)
                    n = static_cast<uint8_t>(n | (((qh[l] >> s) & 1) << 4));
                codes[s][r][l] = n;
            }
        }
        return;
    }
    case TensorType::Q6_K: {
        const uint8_t* ql = b;
        const uint8_t* qh = b + 128;
        const uint8_t* sc = b + 192;
        storeHalf(params, r, b + 208);
        // Value 128h + 32i + l (i = 0..3, l < 32) of the block: low bits from
        // ql[64h + l + 32 (i % 2)] (nibble i / 2), high bits from qh[32h + l] >> 2i.
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < 4; ++i)
                for (int l = 0; l < 32; ++l) {
                    const uint8_t lo = ql[64 * h + l + 32 * (i % 2)];
                    const int nib = i / 2 ? lo >> 4 : lo & 0x0F;
                    const int hi = (qh[32 * h + l] >> (2 * i)) & 3;
                    const int v = 128 * h + 32 * i + l;
                    codes[v / 32][r][v % 32] = static_cast<uint8_t>(nib | (hi << 4));
                }
        for (int s = 0; s < 16; ++s)
            params[32 + (s / 2) * 32 + (s % 2) * 16 + r] = sc[s];
        return;
    }
    default:
        return;
    }
}

} // namespace

const TiledFormat& tiledFormat(MatrixType type) {
    switch (type) {
    case MatrixType::Int8:
    case MatrixType::Q8_0:
        return kQ8_0;
    case MatrixType::Int4:
    case MatrixType::Q4_0:
        return kQ4_0;
    case MatrixType::Q4_1:
        return kQ4_1;
    case MatrixType::Q5_0:
        return kQ5_0;
    case MatrixType::Q5_1:
        return kQ5_1;
    case MatrixType::Q4_K:
        return kQ4_K;
    case MatrixType::Q5_K:
        return kQ5_K;
    case MatrixType::Q6_K:
        return kQ6_K;
    default:
        return kQ8_0; // not tiled: callers check isTiled first
    }
}

void unpackTileCodes(const TiledFormat& f, const uint8_t* src, uint8_t codes[kTileRows][kBlock]) {
    if (f.codeBits == 8) {
        for (int q = 0; q < 8; ++q)
            for (int r = 0; r < kTileRows; ++r)
                for (int j = 0; j < 4; ++j)
                    codes[r][4 * q + j] = src[q * 64 + r * 4 + j];
        return;
    }
    for (int p = 0; p < 4; ++p)
        for (int r = 0; r < kTileRows; ++r)
            for (int j = 0; j < 4; ++j) {
                const uint8_t byte = src[p * 64 + r * 4 + j];
                codes[r][4 * p + j] = byte & 0x0F;
                codes[r][4 * (p + 4) + j] = byte >> 4;
            }
    for (int plane = 0; plane < f.codeBits - 4; ++plane) {
        const uint8_t* bits = src + 256 + plane * 64;
        for (int q = 0; q < 8; ++q)
            for (int r = 0; r < kTileRows; ++r)
                for (int j = 0; j < 4; ++j) {
                    const int bit = q * 64 + r * 4 + j;
                    if ((bits[bit / 8] >> (bit % 8)) & 1)
                        codes[r][4 * q + j] |= static_cast<uint8_t>(1u << (4 + plane));
                }
    }
}

void blockFactors(const Matrix& w, int32_t tile, int32_t block, BlockFactors& out) {
    const TiledFormat& f = tiledFormat(w.type);
    const uint8_t* p = tileParams(w, tile, block / f.blocksPerSuper);
    const int sub = block % f.blocksPerSuper;
    for (int r = 0; r < kTileRows; ++r) {
        switch (f.params) {
        case ParamKind::ScaleF16:
            out.scale[r] = loadHalf(p + 2 * r);
            out.bias[r] = 0;
            break;
        case ParamKind::ScaleMinF16:
            out.scale[r] = loadHalf(p + 2 * r);
            out.bias[r] = loadHalf(p + 32 + 2 * r);
            break;
        case ParamKind::KQuant:
            out.scale[r] = loadHalf(p + 2 * r) * static_cast<float>(p[64 + sub * 32 + r]);
            out.bias[r] =
                -(loadHalf(p + 32 + 2 * r) * static_cast<float>(p[64 + sub * 32 + 16 + r]));
            break;
        case ParamKind::Q6K:
            out.scale[r] = loadHalf(p + 2 * r);
            out.bias[r] = 0;
            break;
        }
    }
}

void q6Scales(const Matrix& w, int32_t tile, int32_t block, int8_t sc[2][kTileRows]) {
    const uint8_t* p = tileParams(w, tile, block / 8) + 32 + (block % 8) * 32;
    for (int h = 0; h < 2; ++h)
        for (int r = 0; r < kTileRows; ++r)
            sc[h][r] = static_cast<int8_t>(p[h * 16 + r]);
}

bool isTiled(MatrixType type) {
    switch (type) {
    case MatrixType::F32:
    case MatrixType::F16:
    case MatrixType::BF16:
        return false;
    default:
        return true;
    }
}

bool tiledTypeOf(TensorType type, MatrixType& out) {
    switch (type) {
    case TensorType::Q8_0:
        out = MatrixType::Q8_0;
        return true;
    case TensorType::Q4_0:
        out = MatrixType::Q4_0;
        return true;
    case TensorType::Q4_1:
        out = MatrixType::Q4_1;
        return true;
    case TensorType::Q5_0:
        out = MatrixType::Q5_0;
        return true;
    case TensorType::Q5_1:
        out = MatrixType::Q5_1;
        return true;
    case TensorType::Q4_K:
        out = MatrixType::Q4_K;
        return true;
    case TensorType::Q5_K:
        out = MatrixType::Q5_K;
        return true;
    case TensorType::Q6_K:
        out = MatrixType::Q6_K;
        return true;
    default:
        return false;
    }
}

Expected<Matrix> repackBlocks(TensorType type, int32_t rows, int32_t cols, const uint8_t* src,
                              const std::function<void(int32_t rows)>& consumed) {
    MatrixType mt;
    if (!tiledTypeOf(type, mt))
        return invalidError("no integer kernels for " + tensorTypeName(type) + " blocks");
    const TypeTraits* traits = typeTraits(type);
    if (rows <= 0 || cols <= 0 || cols % static_cast<int32_t>(traits->blockElements) != 0)
        return invalidError("a " + std::to_string(rows) + " x " + std::to_string(cols) + " " +
                            tensorTypeName(type) + " matrix is not whole rows of blocks of " +
                            std::to_string(traits->blockElements));
    std::shared_ptr<TiledStorage> owned;
    Matrix m = tiledMatrix(mt, rows, cols, owned);
    const TiledFormat& f = tiledFormat(mt);
    const int32_t blocks = m.blocks();
    const int32_t perGguf = static_cast<int32_t>(traits->blockElements) / kBlock; // 1 or 8
    const size_t rowBytes =
        static_cast<size_t>(cols / static_cast<int32_t>(traits->blockElements)) *
        traits->blockBytes;
    // Tiles per call of `consumed`: about 1 MiB of source rows.
    const int32_t tilesPerReport = static_cast<int32_t>(
        std::max<size_t>(1, (size_t{1} << 20) / (rowBytes * static_cast<size_t>(kTileRows))));
    uint8_t codes[8][kTileRows][kBlock];
    for (int32_t t = 0; t < m.tiles(); ++t) {
        if (consumed && t > 0 && t % tilesPerReport == 0)
            consumed(t * kTileRows);
        for (int32_t g = 0; g < blocks / perGguf; ++g) {
            std::memset(codes, 0, sizeof codes);
            uint8_t* params =
                owned->params.data() + (static_cast<size_t>(t) * (blocks / f.blocksPerSuper) + g) *
                                           static_cast<size_t>(f.paramBytes);
            for (int r = 0; r < kTileRows; ++r) {
                const int32_t row = t * kTileRows + r;
                if (row >= rows)
                    break;
                repackGgufBlock(type,
                                src + static_cast<size_t>(row) * rowBytes +
                                    static_cast<size_t>(g) * traits->blockBytes,
                                r, codes, params);
            }
            for (int32_t s = 0; s < perGguf; ++s)
                packTileCodes(f, codes[s],
                              owned->codes.data() +
                                  (static_cast<size_t>(t) * blocks + g * perGguf + s) *
                                      static_cast<size_t>(f.codeBytes));
        }
    }
    if (consumed)
        consumed(rows);
    return m;
}

Expected<Matrix> makeIntMatrix(MatrixType type, int32_t rows, int32_t cols, int32_t group,
                               const int8_t* q, const float* scales) {
    if (type != MatrixType::Int8 && type != MatrixType::Int4)
        return invalidError(std::string("not an integer matrix type: ") + matrixTypeName(type));
    if (group <= 0 || group % kBlock != 0)
        return invalidError("quantisation group " + std::to_string(group) +
                            " is not a positive multiple of 32");
    if (cols % group != 0)
        return invalidError("a row of " + std::to_string(cols) +
                            " values is not a whole number of groups of " + std::to_string(group));
    std::shared_ptr<TiledStorage> owned;
    Matrix m = tiledMatrix(type, rows, cols, owned);
    m.group = group;
    const TiledFormat& f = tiledFormat(type);
    const int offset = f.offset;
    const int32_t groups = cols / group;
    uint8_t codes[kTileRows][kBlock];
    for (int32_t t = 0; t < m.tiles(); ++t) {
        for (int32_t b = 0; b < m.blocks(); ++b) {
            std::memset(codes, 0, sizeof codes);
            uint8_t* a = owned->params.data() + (static_cast<size_t>(t) * m.blocks() + b) *
                                                    static_cast<size_t>(f.paramBytes);
            for (int r = 0; r < kTileRows; ++r) {
                const int32_t row = t * kTileRows + r;
                if (row >= rows)
                    break;
                const float scale = scales[static_cast<size_t>(row) * groups + b * kBlock / group];
                const uint16_t half = floatToHalf(scale);
                if (halfToFloat(half) != scale)
                    return invalidError("scale " + std::to_string(scale) + " of row " +
                                        std::to_string(row) + ", group " +
                                        std::to_string(b * kBlock / group) +
                                        " is not a half-precision value");
                std::memcpy(a + 2 * r, &half, 2);
                const int8_t* src = q + static_cast<size_t>(row) * cols + b * kBlock;
                for (int k = 0; k < kBlock; ++k)
                    codes[r][k] = static_cast<uint8_t>(src[k] + offset);
            }
            packTileCodes(f, codes,
                          owned->codes.data() + (static_cast<size_t>(t) * m.blocks() + b) *
                                                    static_cast<size_t>(f.codeBytes));
        }
    }
    return m;
}

Expected<Matrix> quantizeMatrix(const float* values, int32_t rows, int32_t cols, MatrixType type,
                                int32_t group) {
    if (type != MatrixType::Int8 && type != MatrixType::Int4)
        return invalidError(std::string("cannot quantise to ") + matrixTypeName(type));
    DASH_ASSIGN_OR_RETURN(
        GroupQuantized q,
        quantizeGroups(values, rows, cols, type == MatrixType::Int8 ? 127 : 7, group));
    return fromQuantized(q);
}

Expected<Matrix> fromQuantized(const GroupQuantized& q) {
    return makeIntMatrix(q.qmax == 127 ? MatrixType::Int8 : MatrixType::Int4, q.rows, q.cols,
                         q.group, q.q.data(), q.scales.data());
}

} // namespace dash::cpu
