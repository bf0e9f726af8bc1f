#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace colima::util {

// The environment variables colima consults, passed as a value so that code reading them can
// be tested with any environment.
class Environment {
public:
  // The variables of this process.
  static Environment from_process();

  // An environment holding exactly these variables.
  explicit Environment(std::map<std::string, std::string> variables = {});

  // The value of a variable, or nullopt when it is unset.
  std::optional<std::string> get(std::string_view name) const;

  // The value of a variable when it is set and not empty.
  std::optional<std::string> get_non_empty(std::string_view name) const;

  // The first executable regular file called name in a directory of PATH (/usr/bin:/bin
  // when PATH is unset or empty), or nullopt.
  std::optional<std::filesystem::path> find_program(std::string_view name) const;

  // Sets a variable (for tests and derived environments).
  void set(const std::string& name, const std::string& value);

  // All variables.
  const std::map<std::string, std::string, std::less<>>& variables() const { return m_variables; }

private:
  std::map<std::string, std::string, std::less<>> m_variables;
};

} // namespace colima::util
