// SPDX-License-Identifier: MIT
// AMX kernels of tiled integer matrices for batches of 16 tokens and more.
//
// One tdpbsud multiplies a tile A of 16 tokens x 32 signed activation bytes
// (one block, read in place: rows `cols` bytes apart) by a tile B of 8 x 64
// unsigned code bytes, which is exactly the tiled layout of one block of 16
// weight rows (quad q, rows 0-15, 4 bytes each: tiled_layout.h), into a tile
// C of 16 tokens x 16 rows of int32 block sums D. Codes narrower than 8 bits
// are unpacked into that layout first. C goes to memory and the same
// per-block scaling as the VNNI kernels (kernels.h) adds it into 16 float
// accumulators, one per token. Q6_K runs each half of a block as its own
// product (K = 16) since the halves carry different scales.
//
// Fewer than 16 tokens (and the tokens left after whole groups of 16) go to
// the VNNI kernels.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports the deliberately undefined vectors of its own AVX-512
// intrinsics (_mm512_undefined_*) as uninitialised where they are inlined.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/engine/cpu/kernels.h"
#include "core/engine/cpu/tiled_layout.h"

#include <algorithm>
#include <cstring>
#include <immintrin.h>
#include <vector>

#define DASH_TARGET                                                                                \
    __attribute__((target(                                                                         \
        "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512bf16,amx-tile,amx-int8,fma,f16c")))

namespace dash::cpu {

namespace {

// The 64-byte tile configuration (palette 1).
struct alignas(64) TileConfig {
    uint8_t palette = 1;
    uint8_t startRow = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

// Tiles: 0 A (16 x 32 bytes), 1 B (8 x 64), 2 C (16 x 64); for Q6_K halves
// 3 A (16 x 16), 4 B (4 x 64), 5 C (16 x 64).
TileConfig tileConfig() {
    TileConfig c;
    c.rows[0] = 16;
    c.colsb[0] = 32;
    c.rows[1] = 8;
    c.colsb[1] = 64;
    c.rows[2] = 16;
    c.colsb[2] = 64;
    c.rows[3] = 16;
    c.colsb[3] = 16;
    c.rows[4] = 4;
    c.colsb[4] = 64;
    c.rows[5] = 16;
    c.colsb[5] = 64;
    return c;
}

DASH_TARGET inline __m512i addPlane(__m512i codes, const uint8_t* plane, int word, int bit) {
    uint64_t m;
    std::memcpy(&m, plane + 8 * word, 8);
    return _mm512_mask_add_epi8(codes, _cvtu64_mask64(m), codes,
                                _mm512_set1_epi8(static_cast<char>(bit)));
}

// One block's codes in the 8-bit layout (512 bytes, quad q at 64 q).
template <int Bits>
DASH_TARGET inline const uint8_t* codesAsBytes(const uint8_t* codes, uint8_t* scratch) {
    if constexpr (Bits == 8) {
        return codes;
    } else {
        const __m512i low4 = _mm512_set1_epi8(0x0F);
        for (int p = 0; p < 4; ++p) {
            const __m512i v = _mm512_loadu_si512(codes + 64 * p);
            __m512i lo = _mm512_and_si512(v, low4);
            __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
            if constexpr (Bits >= 5) {
                lo = addPlane(lo, codes + 256, p, 0x10);
                hi = addPlane(hi, codes + 256, p + 4, 0x10);
            }
            if constexpr (Bits >= 6) {
                lo = addPlane(lo, codes + 320, p, 0x20);
                hi = addPlane(hi, codes + 320, p + 4, 0x20);
            }
            _mm512_storeu_si512(scratch + 64 * p, lo);
            _mm512_storeu_si512(scratch + 64 * (p + 4), hi);
        }
        return scratch;
    }
}

DASH_TARGET inline __m512 loadHalves16(const uint8_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

DASH_TARGET inline __m512 bytesToFloat(const uint8_t* p) {
    return _mm512_cvtepi32_ps(
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}

// 16 tokens t0.. against one tile of rows.
template <int Bits, ParamKind PK>
DASH_TARGET void tileSixteen(const Matrix& w, const QuantizedActivations& a, int32_t tile,
                             int64_t t0, float* y) {
    constexpr int kOffset = PK == ParamKind::ScaleF16 ? 1 << (Bits - 1) : 0;
    constexpr bool kSplit = PK == ParamKind::Q6K;
    const int32_t blocks = w.blocks();
    const int32_t cols = w.cols;
    const TiledFormat& f = tiledFormat(w.type);
    alignas(64) uint8_t unpacked[512];
    alignas(64) int32_t c0[16][16];
    alignas(64) int32_t c1[16][16];
    __m512 yacc[16];
    for (auto& v : yacc)
        v = _mm512_setzero_ps();
    const int8_t* x = a.row(t0);
    for (int32_t b = 0; b < blocks; ++b) {
        const uint8_t* codes = codesAsBytes<Bits>(tileCodes(w, tile, b), unpacked);
        if constexpr (kSplit) {
            _tile_loadd(3, x + b * 32, cols);
            _tile_loadd(4, codes, 64);
            _tile_zero(5);
            _tile_dpbsud(5, 3, 4);
            _tile_stored(5, c0, 64);
            _tile_loadd(3, x + b * 32 + 16, cols);
            _tile_loadd(4, codes + 256, 64);
            _tile_zero(5);
            _tile_dpbsud(5, 3, 4);
            _tile_stored(5, c1, 64);
        } else {
            _tile_loadd(0, x + b * 32, cols);
            _tile_loadd(1, codes, 64);
            _tile_zero(2);
            _tile_dpbsud(2, 0, 1);
            _tile_stored(2, c0, 64);
        }
        const uint8_t* P = tileParams(w, tile, b / f.blocksPerSuper);
        const int sub = b % f.blocksPerSuper;
        __m512 av, bv = _mm512_setzero_ps();
        __m512i sc0 = _mm512_setzero_si512(), sc1 = sc0;
        if constexpr (PK == ParamKind::ScaleF16 || PK == ParamKind::Q6K) {
            av = loadHalves16(P);
        } else if constexpr (PK == ParamKind::ScaleMinF16) {
            av = loadHalves16(P);
            bv = loadHalves16(P + 32);
        } else {
            av = _mm512_mul_ps(loadHalves16(P), bytesToFloat(P + 64 + sub * 32));
            bv = _mm512_mul_ps(loadHalves16(P + 32), bytesToFloat(P + 64 + sub * 32 + 16));
        }
        if constexpr (kSplit) {
            sc0 = _mm512_cvtepi8_epi32(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(P + 32 + sub * 32)));
            sc1 = _mm512_cvtepi8_epi32(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(P + 32 + sub * 32 + 16)));
        }
        for (int i = 0; i < 16; ++i) {
            const size_t ab = static_cast<size_t>(t0 + i) * blocks + b;
            const __m512 s = _mm512_mul_ps(av, _mm512_set1_ps(a.d[ab]));
            __m512i total = _mm512_load_si512(c0[i]);
            if constexpr (kSplit) {
                const __m512i d0 = _mm512_sub_epi32(total, _mm512_set1_epi32(32 * a.sum16[2 * ab]));
                const __m512i d1 = _mm512_sub_epi32(_mm512_load_si512(c1[i]),
                                                    _mm512_set1_epi32(32 * a.sum16[2 * ab + 1]));
                total = _mm512_add_epi32(_mm512_mullo_epi32(d0, sc0), _mm512_mullo_epi32(d1, sc1));
            } else if constexpr (kOffset != 0) {
                total = _mm512_sub_epi32(total, _mm512_set1_epi32(kOffset * a.sum[ab]));
            }
            yacc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(total), s, yacc[i]);
            if constexpr (PK == ParamKind::ScaleMinF16)
                yacc[i] = _mm512_fmadd_ps(bv, _mm512_set1_ps(a.dsum[ab]), yacc[i]);
            else if constexpr (PK == ParamKind::KQuant)
                yacc[i] = _mm512_fnmadd_ps(bv, _mm512_set1_ps(a.dsum[ab]), yacc[i]);
        }
    }
    const int32_t row0 = tile * kTileRows;
    const int valid = std::min(kTileRows, w.rows - row0);
    const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1);
    for (int i = 0; i < 16; ++i)
        _mm512_mask_storeu_ps(y + (t0 + i) * w.rows + row0, mask, yacc[i]);
}

template <int Bits, ParamKind PK>
DASH_TARGET void tilesOfFormat(const Matrix& w, const QuantizedActivations& a, float* y,
                               int32_t tile0, int32_t tile1) {
    for (int32_t tile = tile0; tile < tile1; ++tile)
        for (int64_t t = 0; t + 16 <= a.n; t += 16)
            tileSixteen<Bits, PK>(w, a, tile, t, y);
}

DASH_TARGET void amxGroups(const Matrix& w, const QuantizedActivations& a, float* y, int32_t tile0,
                           int32_t tile1) {
    const TileConfig config = tileConfig();
    _tile_loadconfig(&config);
    switch (w.type) {
    case MatrixType::Int8:
    case MatrixType::Q8_0:
        tilesOfFormat<8, ParamKind::ScaleF16>(w, a, y, tile0, tile1);
        break;
    case MatrixType::Int4:
    case MatrixType::Q4_0:
        tilesOfFormat<4, ParamKind::ScaleF16>(w, a, y, tile0, tile1);
        break;
    case MatrixType::Q5_0:
        tilesOfFormat<5, ParamKind::ScaleF16>(w, a, y, tile0, tile1);
        break;
    case MatrixType::Q4_1:
        tilesOfFormat<4, ParamKind::ScaleMinF16>(w, a, y, tile0, tile1);
        break;
    case MatrixType::Q5_1:
        tilesOfFormat<5, ParamKind::ScaleMinF16>(w, a, y, tile0, tile1);
        break;
    case MatrixType::Q4_K:
        tilesOfFormat<4, ParamKind::KQuant>(w, a, y, tile0, tile1);
        break;
    case MatrixType::Q5_K:
        tilesOfFormat<5, ParamKind::KQuant>(w, a, y, tile0, tile1);
        break;
    case MatrixType::Q6_K:
        tilesOfFormat<6, ParamKind::Q6K>(w, a, y, tile0, tile1);
        break;
    default:
        break;
    }
    _tile_release();
}

} // namespace

void tiledAmx(const Matrix& w, const QuantizedActivations& a, const GroupedActivations& grouped,
              float* y, int32_t tile0, int32_t tile1) {
    const int64_t whole = a.n / 16 * 16;
    if (whole > 0)
        amxGroups(w, a, y, tile0, tile1);
    // The tokens after the last whole group of 16 (a whole number of groups
    // of 8 in `grouped`) through the VNNI kernels.
    if (whole < a.n)
        tiledAvx512Vnni(w, grouped, y, tile0, tile1, whole / grouped.width);
}

} // namespace dash::cpu
