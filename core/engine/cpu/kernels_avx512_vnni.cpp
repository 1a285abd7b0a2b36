// SPDX-License-Identifier: MIT
// AVX-512 VNNI kernels of tiled integer matrices: vpdpbusd sums four
// products of unsigned codes and signed activation bytes per lane, so 8-bit
// codes need no sign trick and the code offset is removed once per block.
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

#define DASH_TARGET                                                                                \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c")))

namespace dash::cpu {

#define DASH_VNNI 1
#define DASH_TILED_ENTRY tiledAvx512Vnni
#include "core/engine/cpu/kernels_avx512_tiled.inc"

} // namespace dash::cpu
