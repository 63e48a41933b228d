/// \file cpu_clones.hpp
/// \brief Function multiversioning for hot CPU row loops (private to kernels/cpu).
///
/// The kernels library is built for the x86-64 baseline (SSE2). A function
/// marked PAGEPREP_CPU_CLONES is compiled once per listed target and the best
/// clone is picked at load time, so loops the compiler vectorizes get AVX2
/// where the CPU has it. Results are exact in every clone (integer math, or
/// float math without reassociation).
#pragma once

///
/// Sanitizer builds (PAGEPREP_NO_CPU_CLONES, set by cmake/PageprepSanitizers)
/// use the baseline only: the clones' ifunc resolvers run before the
/// sanitizer runtime is up and crash instrumented binaries at load.
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && \
    !defined(PAGEPREP_NO_CPU_CLONES)
#define PAGEPREP_CPU_CLONES __attribute__((noinline, target_clones("avx2", "sse4.2", "default")))
#else
#define PAGEPREP_CPU_CLONES
#endif
