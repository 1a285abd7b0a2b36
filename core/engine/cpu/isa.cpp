// SPDX-License-Identifier: MIT
#include "core/engine/cpu/isa.h"

#include <fstream>

namespace dash::cpu {

namespace {

bool cpuHas(Isa isa) {
    switch (isa) {
    case Isa::Scalar:
        return true;
    case Isa::Avx2:
#if defined(__x86_64__)
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("f16c");
#else
        return false;
#endif
    }
    return false;
}

constexpr Isa kAll[] = {Isa::Scalar, Isa::Avx2};

} // namespace

const char* isaName(Isa isa) {
    switch (isa) {
    case Isa::Scalar:
        return "scalar";
    case Isa::Avx2:
        return "avx2";
    }
    return "?";
}

Expected<Isa> parseIsa(const std::string& name) {
    for (Isa isa : kAll) {
        if (name != isaName(isa))
            continue;
        if (!cpuHas(isa))
            return unsupportedError("this CPU cannot run the '" + name + "' kernels");
        return isa;
    }
    return invalidError("unknown instruction set '" + name + "' (expected one of " + isaNames() +
                        ")");
}

Isa bestIsa() {
    static const Isa best = supportedIsas().back();
    return best;
}

std::vector<Isa> supportedIsas() {
    std::vector<Isa> out;
    for (Isa isa : kAll)
        if (cpuHas(isa))
            out.push_back(isa);
    return out;
}

std::string processorName() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) != 0)
            continue;
        const size_t colon = line.find(':');
        if (colon == std::string::npos)
            break;
        const size_t begin = line.find_first_not_of(" \t", colon + 1);
        return begin == std::string::npos ? std::string() : line.substr(begin);
    }
#if defined(__x86_64__)
    return "x86-64";
#elif defined(__aarch64__)
    return "arm64";
#else
    return "unknown processor";
#endif
}

std::string isaNames() {
    std::string out;
    for (Isa isa : kAll)
        out += std::string(out.empty() ? "" : ", ") + isaName(isa);
    return out;
}

} // namespace dash::cpu
