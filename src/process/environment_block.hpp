#pragma once

#include "colima/process/command.hpp"

#include <string>
#include <vector>

namespace colima::process {

// The environment a child gets: colima's own, with Command::env added and Command::unset_env
// removed, as the NULL-terminated array posix_spawn takes.
class EnvironmentBlock {
public:
  // Builds the environment for command from colima's own (environ).
  explicit EnvironmentBlock(const Command& command);
  // The entries as "NAME=value" strings, NULL-terminated; valid as long as the object.
  char* const* envp() { return m_pointers.data(); }

private:
  std::vector<std::string> m_entries;
  std::vector<char*> m_pointers;
};

} // namespace colima::process
