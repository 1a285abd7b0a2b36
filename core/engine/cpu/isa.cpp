// SPDX-License-Identifier: MIT
#include "core/engine/cpu/isa.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace dash::cpu {

namespace {

constexpr Isa kAll[] = {Isa::Scalar,     Isa::Avx2,       Isa::Avx512,
                        Isa::Avx512Vnni, Isa::Avx512Bf16, Isa::Amx};

#if defined(__x86_64__)

// What CPUID and XGETBV report, read once.
struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
    bool avx512vnni = false, avx512bf16 = false;
    bool amxTile = false, amxInt8 = false;
    bool osAvx = false, osAvx512 = false, osAmx = false; // XCR0 state bits
    std::string amxRefusal;                              // the OS refused tile state: why
};

uint64_t readXcr0() {
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

// Linux keeps AMX tile data out of a process's state until it asks for it.
std::string requestAmxPermission() {
    constexpr long kArchReqXcompPerm = 0x1023;
    constexpr long kXfeatureXtiledata = 18;
    if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0)
        return std::string("arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) failed: ") +
               std::strerror(errno);
    return {};
}

CpuFeatures detect() {
    CpuFeatures f;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return f;
    const bool osxsave = c & (1u << 27);
    f.fma = c & (1u << 12);
    f.f16c = c & (1u << 29);
    if (osxsave) {
        const uint64_t xcr0 = readXcr0();
        f.osAvx = (xcr0 & 0x6) == 0x6;         // XMM and YMM state
        f.osAvx512 = (xcr0 & 0xE6) == 0xE6;    // + opmask, ZMM_Hi256, Hi16_ZMM
        f.osAmx = (xcr0 & 0x60000) == 0x60000; // XTILECFG and XTILEDATA
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.avx2 = b & (1u << 5);
        f.avx512f = b & (1u << 16);
        f.avx512dq = b & (1u << 17);
        f.avx512bw = b & (1u << 30);
        f.avx512vl = b & (1u << 31);
        f.avx512vnni = c & (1u << 11);
        f.amxTile = d & (1u << 24);
        f.amxInt8 = d & (1u << 25);
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d))
        f.avx512bf16 = a & (1u << 5);
    if (f.amxTile && f.amxInt8 && f.osAmx)
        f.amxRefusal = requestAmxPermission();
    return f;
}

const CpuFeatures& features() {
    static const CpuFeatures f = detect();
    return f;
}

#endif

} // namespace

std::string isaUnsupportedReason(Isa isa) {
    if (isa == Isa::Scalar)
        return {};
#if defined(__x86_64__)
    const CpuFeatures& f = features();
    if (!(f.avx2 && f.fma && f.f16c))
        return "the CPU lacks AVX2, FMA or F16C";
    if (!f.osAvx)
        return "the operating system does not save AVX state";
    if (isa == Isa::Avx2)
        return {};
    if (!(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq))
        return "the CPU lacks AVX-512 F, BW, VL or DQ";
    if (!f.osAvx512)
        return "the operating system does not save AVX-512 state";
    if (isa == Isa::Avx512)
        return {};
    if (!f.avx512vnni)
        return "the CPU lacks AVX-512 VNNI";
    if (isa == Isa::Avx512Vnni)
        return {};
    if (!f.avx512bf16)
        return "the CPU lacks AVX-512 BF16";
    if (isa == Isa::Avx512Bf16)
        return {};
    if (!(f.amxTile && f.amxInt8))
        return "the CPU lacks AMX-TILE or AMX-INT8 (CPUID leaf 7)";
    if (!f.osAmx)
        return "the operating system does not enable AMX tile state (XCR0)";
    return f.amxRefusal;
#else
    return "not an x86-64 processor";
#endif
}

const char* isaName(Isa isa) {
    switch (isa) {
    case Isa::Scalar:
        return "scalar";
    case Isa::Avx2:
        return "avx2";
    case Isa::Avx512:
        return "avx512";
    case Isa::Avx512Vnni:
        return "avx512-vnni";
    case Isa::Avx512Bf16:
        return "avx512-bf16";
    case Isa::Amx:
        return "amx";
    }
    return "?";
}

Expected<Isa> parseIsa(const std::string& name) {
    for (Isa isa : kAll) {
        if (name != isaName(isa))
            continue;
        const std::string reason = isaUnsupportedReason(isa);
        if (!reason.empty())
            return unsupportedError("this CPU cannot run the '" + name + "' kernels: " + reason);
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
        if (isaUnsupportedReason(isa).empty())
            out.push_back(isa);
    return out;
}

std::vector<Isa> allIsas() {
    return {std::begin(kAll), std::end(kAll)};
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
