# Compiler warnings as an INTERFACE target, linked by every target of ours.
add_library(colima_warnings INTERFACE)
target_compile_options(colima_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                 -Wnon-virtual-dtor -Wold-style-cast
                                                 -Wno-missing-field-initializers)
if(COLIMA_WERROR)
  target_compile_options(colima_warnings INTERFACE -Werror)
endif()
if(COLIMA_SANITIZE)
  add_compile_options(-fsanitize=${COLIMA_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${COLIMA_SANITIZE})
endif()
if(COLIMA_SANITIZE MATCHES "undefined")
  # A UBSan report fails the test that triggered it instead of scrolling past.
  add_compile_options(-fno-sanitize-recover=undefined)
endif()
if(COLIMA_FUZZ)
  # Coverage for libFuzzer in every object; only the fuzz targets link its main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
