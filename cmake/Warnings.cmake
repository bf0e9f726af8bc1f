# Compiler warnings as an INTERFACE target, linked by every target of ours.
add_library(colima_warnings INTERFACE)
target_compile_options(colima_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                 -Wnon-virtual-dtor -Wold-style-cast
                                                 -Wno-missing-field-initializers)
if(COLIMA_UNITY AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # In a unity batch GCC sees a test fixture of one source's anonymous namespace as a base of a
  # class from an included file; that is what unity builds are, not a defect of the code.
  target_compile_options(colima_warnings INTERFACE -Wno-subobject-linkage)
endif()
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
