# Script mode: writes OUT, a C++ source holding each file NAMES (relative to ROOT) as bytes.
set(body "")
set(table "")
set(index 0)
foreach(name IN LISTS NAMES)
  file(READ "${ROOT}/${name}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR size "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(APPEND body "const char k_data_${index}[] = {${bytes} '\\0'};\n")
  string(APPEND table "    {\"${name}\", std::string_view(k_data_${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from templates/ by cmake/embed.cmake; do not edit.
#include \"colima/util/templates.hpp\"

#include <array>
#include <utility>

namespace colima::templates {
namespace {
${body}
const std::pair<std::string_view, std::string_view> k_files[] = {
${table}};
} // namespace

std::optional<std::string_view> find(std::string_view name) {
  for (const auto& [file, content] : k_files) {
    if (file == name) {
      return content;
    }
  }
  return std::nullopt;
}
} // namespace colima::templates
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
