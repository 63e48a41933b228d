/// \file hd.hpp
/// \brief PAGEPREP_HD marks the shared math: `__host__ __device__` under nvcc,
/// plain inline C++ otherwise. Every function in ops/ carries it, so the CPU and
/// CUDA schedules call the very same code.
#pragma once

#if defined(__CUDACC__)
#define PAGEPREP_HD __host__ __device__
#define PAGEPREP_FORCEINLINE __forceinline__
#else
#define PAGEPREP_HD
#define PAGEPREP_FORCEINLINE inline __attribute__((always_inline))
#endif
