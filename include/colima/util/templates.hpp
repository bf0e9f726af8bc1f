#pragma once

#include <optional>
#include <string_view>

namespace colima::templates {

// The content of a file of templates/ embedded at build time, or nullopt for an unknown name.
std::optional<std::string_view> find(std::string_view name);

} // namespace colima::templates
