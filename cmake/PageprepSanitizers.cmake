# PAGEPREP_SANITIZE=thread|address|undefined builds everything with that sanitizer.
# The ThreadSanitizer suite (CTest label "tsan") is meant for a build with
# -DPAGEPREP_SANITIZE=thread -DPAGEPREP_CUDA=OFF; see README.md.
set(PAGEPREP_SANITIZE "" CACHE STRING "Sanitizer: thread, address, undefined or empty")
if(PAGEPREP_SANITIZE)
  add_compile_options(-fsanitize=${PAGEPREP_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${PAGEPREP_SANITIZE})
  # ifunc resolvers (target_clones) run before the sanitizer runtime starts.
  add_compile_definitions(PAGEPREP_NO_CPU_CLONES=1)
endif()
