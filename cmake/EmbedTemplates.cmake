# Embeds the files of templates/ into the binary: a generated source defines
# colima::templates::find(name), so the product never reads templates from disk at run time.
function(colima_embed_templates target)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_templates.cpp")
  set(inputs)
  foreach(name IN LISTS ARGN)
    list(APPEND inputs "${PROJECT_SOURCE_DIR}/templates/${name}")
  endforeach()
  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${CMAKE_COMMAND}" -DOUT=${out} -DROOT=${PROJECT_SOURCE_DIR}/templates
            "-DNAMES=${ARGN}" -P "${PROJECT_SOURCE_DIR}/cmake/embed.cmake"
    DEPENDS ${inputs} "${PROJECT_SOURCE_DIR}/cmake/embed.cmake"
    COMMENT "embedding templates"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
