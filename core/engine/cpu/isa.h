// SPDX-License-Identifier: MIT
// The instruction sets the CPU kernels are written for, chosen at run time:
// one portable binary uses the best set the processor (and the operating
// system) allows, and the scalar kernels are the reference the others are
// tested against.
#pragma once

#include "core/util/status.h"

#include <string>
#include <vector>

namespace dash::cpu {

enum class Isa : uint8_t {
    Scalar, // portable C++, no intrinsics
    Avx2,   // AVX2 + FMA + F16C
};

const char* isaName(Isa isa); // "scalar", "avx2"
Expected<Isa> parseIsa(const std::string& name);
// The best set this CPU supports.
Isa bestIsa();
// Every set this CPU supports, scalar first.
std::vector<Isa> supportedIsas();
// The processor's model name (from /proc/cpuinfo), or its architecture.
std::string processorName();
// Comma-separated names of every set this build has kernels for.
std::string isaNames();

} // namespace dash::cpu
