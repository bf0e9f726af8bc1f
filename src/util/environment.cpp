#include "colima/util/environment.hpp"

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

void Environment::set(const std::string& name, const std::string& value) {
  m_variables[name] = value;
}

} // namespace colima::util
