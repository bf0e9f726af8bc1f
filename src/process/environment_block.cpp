#include "environment_block.hpp"

#include <algorithm>
#include <map>
#include <unistd.h>

extern char** environ;

namespace colima::process {

EnvironmentBlock::EnvironmentBlock(const Command& command) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    auto equals = text.find('=');
    if (equals != std::string::npos) {
      variables[text.substr(0, equals)] = text.substr(equals + 1);
    }
  }
  for (const auto& name : command.unset_env) {
    variables.erase(name);
  }
  for (const auto& [name, value] : command.env) {
    variables[name] = value;
  }
  for (const auto& [name, value] : variables) {
    m_entries.push_back(name + "=" + value);
  }
  for (auto& entry : m_entries) {
    m_pointers.push_back(entry.data());
  }
  m_pointers.push_back(nullptr);
}

} // namespace colima::process
