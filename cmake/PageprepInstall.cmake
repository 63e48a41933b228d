# `cmake --install BUILD --prefix P` installs:
#   P/bin/pageprep                          the CLI
#   P/lib/libpageprep.so.*                  the library (OpenCV, Tesseract and the
#                                           CUDA runtime are private to it)
#   P/include/pageprep/engine.hpp           the public API
#   P/lib/cmake/pageprep/                   pageprepConfig.cmake, its version file and
#                                           the exported target pageprep::pageprep
# so that a separate project does
#   find_package(pageprep 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE pageprep::pageprep)
# (tests/install/ builds and runs such a project against an installed tree).
include(CMakePackageConfigHelpers)

set(PAGEPREP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pageprep)

install(TARGETS pageprep_lib EXPORT pageprepTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/host/include/pageprep
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(EXPORT pageprepTargets NAMESPACE pageprep:: DESTINATION ${PAGEPREP_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pageprepConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/pageprepConfig.cmake INSTALL_DESTINATION ${PAGEPREP_CMAKE_DIR})
# 0.x: a minor version may change the API, so only the same minor matches.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pageprepConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pageprepConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/pageprepConfigVersion.cmake
  DESTINATION ${PAGEPREP_CMAKE_DIR})
