// SPDX-License-Identifier: MIT
// The tiled layout of every integer weight type, shared by all instruction
// sets.
//
// Rows are grouped in tiles of 16 (the last tile padded with zero rows),
// columns in blocks of 32. Every weight is an unsigned code n (0..255) and
// its value an affine function of n fixed per block and row:
//
//   type   bits  value                                   params per (tile, super-block)
//   Int8   8     a·(n − 128)   a f16 per 32              a[16] f16 (32 B), super = 1 block
//   Int4   4     a·(n − 8)                               a[16] f16 (32 B)
//   Q8_0   8     as Int8                                 as Int8
//   Q4_0   4     as Int4                                 as Int4
//   Q5_0   5     a·(n − 16)                              a[16] f16 (32 B)
//   Q4_1   4     a·n + m       a, m f16 per 32           a[16], m[16] f16 (64 B)
//   Q5_1   5     a·n + m                                 a[16], m[16] f16 (64 B)
//   Q4_K   4     d·sc·n − dmin·mn, per 256: d, dmin f16; per 32: 6-bit sc, mn
//                                                        d[16], dmin[16] f16, then per
//                                                        block sc[16], mn[16] u8 (320 B)
//   Q5_K   5     as Q4_K                                 as Q4_K (320 B)
//   Q6_K   6     d·sc·(n − 32), per 256: d f16; per 16: i8 sc
//                                                        d[16] f16, then per block
//                                                        sc[2][16] i8 (288 B)
//
// Codes of tile t, block b start at data + (t · blocks + b) · codeBytes:
//   8-bit: byte q·64 + r·4 + j holds n(row r, column 4q + j), q = 0..7;
//   4-bit: byte p·64 + r·4 + j holds n(r, 4p + j) in its low nibble and
//          n(r, 4(p + 4) + j) in its high nibble, p = 0..3 (bits 0-3 of the
//          5- and 6-bit codes likewise);
//   5-bit: then 64 bytes whose bit q·64 + r·4 + j is bit 4 of n(r, 4q + j):
//          64-bit word q is the mask of the 64 bytes of quad q;
//   6-bit: then another 64 bytes holding bit 5 the same way.
// So the 64 bytes of quad q (columns 4q..4q+3 of 16 rows) are one vector
// operand of vpdpbusd (16 lanes, one row each), of two vpmaddubsw (8 rows
// each) and one row of an AMX B tile.
//
// The kernels quantise activations per block of 32 (QuantizedActivations,
// kernels.h) and compute per block the exact integer D = Σ n·q_x; the value
// offset c (128, 8, 16, 32) becomes c · Σ q_x, subtracted in integers.
#pragma once

#include "core/engine/cpu/matmul.h"

#include <cstdint>

namespace dash::cpu {

constexpr int kTileRows = 16;
constexpr int kBlock = 32;

enum class ParamKind : uint8_t {
    ScaleF16,    // Q8_0, Q4_0, Q5_0, Int8, Int4
    ScaleMinF16, // Q4_1, Q5_1
    KQuant,      // Q4_K, Q5_K
    Q6K,         // Q6_K
};

struct TiledFormat {
    int codeBits;       // 8, 4, 5 or 6
    int codeBytes;      // per (tile, block)
    int blocksPerSuper; // 1, or 8 for the K-quants
    int paramBytes;     // per (tile, super-block)
    int offset;         // c: value = a·(n − c) (0 for Q4_1, Q5_1, Q4_K, Q5_K)
    ParamKind params;
};

const TiledFormat& tiledFormat(MatrixType type);

inline const uint8_t* tileCodes(const Matrix& w, int32_t tile, int32_t block) {
    return w.data + (static_cast<size_t>(tile) * w.blocks() + block) *
                        static_cast<size_t>(tiledFormat(w.type).codeBytes);
}
inline const uint8_t* tileParams(const Matrix& w, int32_t tile, int32_t super) {
    const TiledFormat& f = tiledFormat(w.type);
    return w.params + (static_cast<size_t>(tile) * (w.blocks() / f.blocksPerSuper) + super) *
                          static_cast<size_t>(f.paramBytes);
}

// The 16 x 32 codes of one (tile, block): codes[r][k].
void unpackTileCodes(const TiledFormat& f, const uint8_t* src, uint8_t codes[kTileRows][kBlock]);

// The float factors of one (tile, block) for row r, such that
//   value(r, k) = scale[r] · (n − offset) + bias[r]:
// symmetric types: scale = a, bias = 0; Q4_1/Q5_1: scale = a, bias = m;
// Q4_K/Q5_K: scale = d·sc, bias = −dmin·mn; Q6_K: scale = d, bias = 0, and
// the integer scale of each half of the block comes from q6Scales.
struct BlockFactors {
    float scale[kTileRows];
    float bias[kTileRows];
};
void blockFactors(const Matrix& w, int32_t tile, int32_t block, BlockFactors& out);
// Q6_K: the integer scale sc[h][r] of each half h (16 columns) of the block.
void q6Scales(const Matrix& w, int32_t tile, int32_t block, int8_t sc[2][kTileRows]);

} // namespace dash::cpu
