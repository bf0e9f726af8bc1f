#include "colima/util/environment.hpp"

#include "colima/util/strings.hpp"

#include <unistd.h>

extern char** environ;

namespace colima::util {

Environment Environment::from_process() {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    variables.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return Environment(std::move(variables));
}

Environment::Environment(std::map<std::string, std::string> variables)
    : m_variables(variables.begin(), variables.end()) {}

std::optional<std::string> Environment::get(std::string_view name) const {
  auto found = m_variables.find(name);
  if (found == m_variables.end()) {
    return std::nullopt;
  }
  return found->second;
}

std::optional<std::string> Environment::get_non_empty(std::string_view name) const {
  auto value = get(name);
  if (!value || value->empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::filesystem::path> Environment::find_program(std::string_view name) const {
  for (const auto& dir : split(get_non_empty("PATH").value_or("/usr/bin:/bin"), ':')) {
    if (dir.empty()) {
      continue;
    }
    std::filesystem::path candidate = std::filesystem::path(dir) / name;
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

void Environment::set(const std::string& name, const std::string& value) {
  m_variables[name] = value;
}

} // namespace colima::util
