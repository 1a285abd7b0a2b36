// SPDX-License-Identifier: MIT
// The instruction sets the CPU kernels are written for, chosen at run time:
// one portable binary uses the best set the processor (and the operating
// system) allows, and the scalar kernels are the reference the others are
// tested against. Nothing is compiled for the build machine's own CPU: every
// SIMD function names its instruction set in __attribute__((target(...))).
//
// The sets form a ladder; each one includes everything below it:
//   scalar        portable C++
//   avx2          AVX2, FMA, F16C (256-bit; integer dot products through
//                 vpmaddubsw with the sign trick)
//   avx512        AVX-512 F, BW, VL, DQ (512-bit; the same integer method)
//   avx512-vnni   + AVX-512 VNNI: vpdpbusd, four byte products a lane
//   avx512-bf16   + AVX-512 BF16: BF16 weights through vdpbf16ps
//   amx           + AMX-TILE and AMX-INT8 with the OS's permission for tile
//                 state (arch_prctl ARCH_REQ_XCOMP_PERM): tdpbsud tiles for
//                 batched integer products
#pragma once

#include "core/util/status.h"

#include <string>
#include <vector>

namespace dash::cpu {

enum class Isa : uint8_t {
    Scalar,
    Avx2,
    Avx512,
    Avx512Vnni,
    Avx512Bf16,
    Amx,
};

// Whether `isa` includes every instruction of `level` (the ladder above).
inline bool hasLevel(Isa isa, Isa level) {
    return static_cast<uint8_t>(isa) >= static_cast<uint8_t>(level);
}

const char* isaName(Isa isa); // "scalar", "avx2", "avx512", "avx512-vnni", ...
Expected<Isa> parseIsa(const std::string& name);
// The best set this CPU supports.
Isa bestIsa();
// Every set this CPU supports, scalar first.
std::vector<Isa> supportedIsas();
// Every set this build has kernels for, scalar first.
std::vector<Isa> allIsas();
// Why this CPU cannot run `isa` ("" when it can): the CPUID feature missing,
// or the operating system's refusal.
std::string isaUnsupportedReason(Isa isa);
// The processor's model name (from /proc/cpuinfo), or its architecture.
std::string processorName();
// Comma-separated names of every set this build has kernels for.
std::string isaNames();

} // namespace dash::cpu
