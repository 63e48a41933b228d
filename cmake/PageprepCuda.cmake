# CUDA detection. Sets PAGEPREP_HAVE_CUDA (ON/OFF).
#
# nvcc lives in /usr/local/cuda on our machines and in CI; it is tried there
# when it is not on PATH. Nothing here needs a GPU: the schedules compile and
# link everywhere, and the runtime reports "no device" where there is none.
set(PAGEPREP_HAVE_CUDA OFF)
if(NOT PAGEPREP_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # Turing, Ampere (A100, consumer), Ada, Hopper as SASS; PTX for Hopper so
      # newer GPUs JIT from it.
      set(CMAKE_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90")
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(PAGEPREP_HAVE_CUDA ON)
  elseif(PAGEPREP_CUDA STREQUAL "ON")
    message(FATAL_ERROR "PAGEPREP_CUDA=ON but no CUDA compiler was found")
  else()
    message(STATUS "nvcc not found: building the CPU schedules only")
  endif()
endif()
