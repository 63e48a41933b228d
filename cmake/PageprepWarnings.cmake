# Warnings and floating-point policy shared by every pageprep target.
#
# -ffp-contract=off keeps the host from fusing multiply-adds, so the shared
# __host__ __device__ math gives the same bits as nvcc with --fmad=false.
function(pageprep_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -ffp-contract=off>
    $<$<COMPILE_LANGUAGE:CUDA>:--fmad=false -Xcompiler=-Wall,-Wextra,-ffp-contract=off>)
endfunction()
