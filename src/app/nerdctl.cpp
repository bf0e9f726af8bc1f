// `colima nerdctl`: nerdctl in the VM of a containerd profile, and the shim that makes `nerdctl`
// on the host mean it.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/lima/driver.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

// The shim's marker line: a file that carries it is colima's to replace.
constexpr std::string_view k_shim_marker = "# colima nerdctl shim";

// A word for sh, single-quoted when it needs to be.
std::string sh_quote(const std::string& word) {
  bool plain = !word.empty() &&
               word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                      "OPQRSTUVWXYZ0123456789/._-+@%=,:") == std::string::npos;
  if (plain) {
    return word;
  }
  std::string quoted = "'";
  for (char c : word) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

bool is_colima_shim(const std::string& text) {
  // Ours, or one upstream Colima wrote: `<colima> nerdctl --profile <name> -- "$@"`.
  return text.find(k_shim_marker) != std::string::npos ||
         (text.starts_with("#!") && text.find(" nerdctl --profile ") != std::string::npos &&
          text.find("-- \"$@\"") != std::string::npos);
}

} // namespace

std::string nerdctl_shim(const std::string& profile, const fs::path& colima_binary) {
  return fmt::format("#!/usr/bin/env sh\n{} for profile '{}'; `colima nerdctl install` wrote "
                     "it.\n\nexec {} nerdctl --profile {} -- \"$@\"\n",
                     k_shim_marker, profile, sh_quote(colima_binary.string()), sh_quote(profile));
}

int App::nerdctl(const config::Profile& profile, const std::vector<std::string>& args) {
  auto state = config::load_settings(m_paths.state_file(profile));
  std::string runtime = state ? state->settings.runtime : "";
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.find(profile);
  if (!instance) {
    throw Error(profile.display_name() + " does not exist: start it with 'colima start " +
                "--runtime containerd'");
  }
  if (runtime != "containerd") {
    throw Error(fmt::format("nerdctl only supports the containerd runtime: {} uses '{}'; start a "
                            "profile with 'colima start --profile NAME --runtime containerd'",
                            profile.display_name(), runtime));
  }
  if (!instance->running()) {
    throw Error(profile.display_name() + " is not running: start it with 'colima start " +
                profile.short_name() + "'");
  }
  std::vector<std::string> argv = {"sudo"};
  std::vector<std::string> passed;
  for (const auto& [name, value] : m_environment.variables()) {
    if (name.starts_with("CONTAINERD_") || name.starts_with("NERDCTL_")) {
      passed.push_back(name + "=" + value);
    }
  }
  if (!passed.empty()) {
    argv.push_back("env");
    argv.insert(argv.end(), passed.begin(), passed.end());
  }
  argv.push_back("nerdctl");
  argv.insert(argv.end(), args.begin(), args.end());
  return driver.shell_interactive(profile, argv, guest_workdir(profile).value_or("/"));
}

void App::install_nerdctl(const config::Profile& profile, const fs::path& path, bool force,
                          const fs::path& colima_binary) {
  auto state = config::load_settings(m_paths.state_file(profile));
  auto saved = config::load_settings(m_paths.settings_file(profile));
  std::string runtime = state ? state->settings.runtime : saved ? saved->settings.runtime : "";
  if (runtime != "containerd") {
    throw Error(fmt::format("nerdctl only supports the containerd runtime: {} uses '{}'; start a "
                            "profile with 'colima start --profile NAME --runtime containerd'",
                            profile.display_name(), runtime.empty() ? "none yet" : runtime));
  }
  std::error_code error;
  if (fs::exists(fs::symlink_status(path, error))) {
    std::string existing = util::read_file(path).value_or("");
    if (!is_colima_shim(existing)) {
      if (!force) {
        throw Error(fmt::format("'{}' exists and colima did not write it: use --force to replace "
                                "it (it is kept as '{}.moved')",
                                path.string(), path.string()));
      }
      fs::path moved = path.string() + ".moved";
      fs::rename(path, moved, error);
      if (error) {
        throw Error(fmt::format("cannot move '{}' to '{}': {}", path.string(), moved.string(),
                                error.message()));
      }
      m_progress.info(fmt::format("moved '{}' to '{}'", path.string(), moved.string()));
    }
  }
  try {
    util::atomic_write(path, nerdctl_shim(profile.short_name(), colima_binary), fs::perms(0755));
  } catch (const Error& failure) {
    throw Error(fmt::format("{}: choose a writable place with --path, e.g. --path ~/.local/bin/"
                            "nerdctl",
                            failure.what()));
  }
  m_progress.info(fmt::format("nerdctl is installed at '{}'; it runs 'colima nerdctl' for {}",
                              path.string(), profile.display_name()));
}

} // namespace colima::app
