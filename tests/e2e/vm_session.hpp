#pragma once

#include "colima/process/posix_runner.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace colima::e2e {

// A fresh HOME for one real-VM test suite, and the colima binary run in it. Guest images are
// cached in $COLIMA_E2E_CACHE (default /var/tmp/colima-e2e-cache), outside the repository, so
// a second run does not build them again.
class VmSession {
public:
  VmSession();
  ~VmSession();
  VmSession(const VmSession&) = delete;
  VmSession& operator=(const VmSession&) = delete;

  // Runs colima with args in the session's HOME (the working directory too unless cwd is
  // given); output captured. env adds to (or, for COLIMA_CACHE_HOME, replaces) the session's
  // environment.
  process::Result colima(std::vector<std::string> args, const std::string& stdin_data = {},
                         std::map<std::string, std::string> env = {},
                         const std::filesystem::path& cwd = {});
  // Runs another program (docker, kubectl...) with the session's HOME.
  process::Result run(std::vector<std::string> argv, const std::string& stdin_data = {},
                      std::map<std::string, std::string> env = {});
  // Fails the calling test with the reason when the real-VM tier cannot run here; skips
  // instead when COLIMA_REQUIRE_ALL_TIERS is not 1.
  static std::string unavailable_reason();

  const std::filesystem::path& home() const { return m_home; }
  // The guest image cache the session's colima uses unless a test sets COLIMA_CACHE_HOME.
  static std::filesystem::path cache();

private:
  std::filesystem::path m_home;
  process::PosixRunner m_runner;
};

// Whether a missing prerequisite fails the tier (CI) instead of skipping it.
bool all_tiers_required();

} // namespace colima::e2e
