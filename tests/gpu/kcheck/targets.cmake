# pageprep-kcheck, the kernels-only device check (tests/gpu/README.md):
# included by the standalone project beside it (CUDA + C++ standard library
# only) and by tests/CMakeLists.txt in the full build. Needs pageprep_kernels
# built with the CUDA schedules.
set(PAGEPREP_KCHECK_DIR ${CMAKE_CURRENT_LIST_DIR})
add_executable(pageprep-kcheck
  ${PAGEPREP_KCHECK_DIR}/kcheck_main.cpp ${PAGEPREP_KCHECK_DIR}/pages.cpp
  ${PAGEPREP_KCHECK_DIR}/naive.cpp ${PAGEPREP_KCHECK_DIR}/parity.cpp
  ${PAGEPREP_KCHECK_DIR}/bench.cpp ${PAGEPREP_KCHECK_DIR}/geometry_parity.cpp
  ${PAGEPREP_KCHECK_DIR}/dewarp_parity.cpp)
target_link_libraries(pageprep-kcheck PRIVATE pageprep_kernels CUDA::cudart_static)
pageprep_set_warnings(pageprep-kcheck)
# Static C++ runtime: the binary needs nothing of the lent machine but glibc's
# core libraries and the CUDA driver (check_self_contained.sh enforces it).
target_link_options(pageprep-kcheck PRIVATE -static-libstdc++ -static-libgcc)
