// `colima nerdctl`: nerdctl in the VM of a containerd profile, and the shim that makes `nerdctl`
// on the host mean it.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/lima/driver.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"

#include <fmt/format.h>
#include <fstream>

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

// The first bytes of a file, enough to recognise a shim without reading a whole binary; empty
// when it cannot be read.
std::string head_of(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::string head(4096, '\0');
  stream.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(stream.gcount()));
  return head;
}

// Ours (the marker line), or one upstream Colima wrote: an sh script whose command is
// `<colima> nerdctl --profile <name> -- "$@"`.
bool is_colima_shim(const std::string& text) {
  if (!text.starts_with("#!/usr/bin/env sh\n") && !text.starts_with("#!/bin/sh\n")) {
    return false;
  }
  return text.find(k_shim_marker) != std::string::npos ||
         (text.find(" nerdctl --profile ") != std::string::npos &&
          text.find(" -- \"$@\"") != std::string::npos);
}

// The runtime the profile's VM was last started with, else the one its colima.yaml names;
// empty when it has neither.
std::string runtime_of(const config::Paths& paths, const config::Profile& profile) {
  if (auto state = config::load_settings(paths.state_file(profile))) {
    return state->settings.runtime;
  }
  if (auto saved = config::load_settings(paths.settings_file(profile))) {
    return saved->settings.runtime;
  }
  return "";
}

// `colima start [--profile NAME] --runtime containerd` for the profile.
std::string start_with_containerd(const config::Profile& profile) {
  return fmt::format("colima start{} --runtime containerd",
                     profile.is_default() ? "" : " --profile " + profile.short_name());
}

// Throws Error unless the profile runs containerd, with the runtime it has and the remedy.
void require_containerd(const config::Paths& paths, const config::Profile& profile) {
  std::string runtime = runtime_of(paths, profile);
  if (runtime == "containerd") {
    return;
  }
  if (runtime.empty()) {
    throw Error(fmt::format("nerdctl only supports the containerd runtime: profile '{}' has no "
                            "runtime yet; start it with '{}'",
                            profile.short_name(), start_with_containerd(profile)));
  }
  throw Error(fmt::format("nerdctl only supports the containerd runtime: profile '{}' uses '{}'; "
                          "name a containerd profile with --profile, or create one with 'colima "
                          "start --profile NAME --runtime containerd'",
                          profile.short_name(), runtime));
}

// The argv run in the guest: `sudo [env K=V...] nerdctl args...`, each variable one word.
std::vector<std::string> guest_nerdctl_argv(const util::Environment& environment,
                                            const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"sudo"};
  std::vector<std::string> passed;
  for (const auto& [name, value] : environment.variables()) {
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
  return argv;
}

// The hint for a shim that cannot be written where asked.
constexpr std::string_view k_unwritable_hint =
    "choose a writable place with --path, e.g. --path ~/.local/bin/nerdctl, or run colima as a "
    "user who may write there";

} // namespace

std::string nerdctl_shim(const std::string& profile, const fs::path& colima_binary) {
  return fmt::format("#!/usr/bin/env sh\n{} for profile '{}'; `colima nerdctl install` wrote "
                     "it.\n\nexec {} nerdctl --profile {} -- \"$@\"\n",
                     k_shim_marker, profile, sh_quote(colima_binary.string()), sh_quote(profile));
}

int App::nerdctl(const config::Profile& profile, const std::vector<std::string>& args) {
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.find(profile);
  if (!instance) {
    throw Error(fmt::format("{} does not exist: start it with '{}'", profile.display_name(),
                            start_with_containerd(profile)));
  }
  require_containerd(m_paths, profile);
  if (!instance->running()) {
    throw Error(fmt::format("{} is not running: start it with 'colima start{}'",
                            profile.display_name(), profile.argument()));
  }
  // Lima quotes every word of the command for the guest's shell, so each stays one argument.
  return driver.shell_interactive(profile, guest_nerdctl_argv(m_environment, args),
                                  guest_workdir(profile).value_or("/"));
}

void App::install_nerdctl(const config::Profile& profile, const fs::path& path, bool force,
                          const fs::path& colima_binary) {
  require_containerd(m_paths, profile);
  std::error_code error;
  fs::file_status existing = fs::symlink_status(path, error);
  if (fs::is_directory(existing)) {
    throw Error(fmt::format("'{}' is a directory: give --path the file to write, e.g. '{}'",
                            path.string(), (path / "nerdctl").string()));
  }
  if (fs::exists(existing) && !is_colima_shim(head_of(path))) {
    if (!force) {
      throw Error(fmt::format("'{}' exists and is not a colima shim: use --force to replace it",
                              path.string()));
    }
    fs::path moved = path.string() + ".moved";
    fs::rename(path, moved, error);
    if (error) {
      throw Error(fmt::format("cannot move '{}' to '{}': {}; {}", path.string(), moved.string(),
                              error.message(), k_unwritable_hint));
    }
    m_progress.info(fmt::format("moved '{}' to '{}'", path.string(), moved.string()));
  }
  try {
    // Directories colima creates here are for programs, readable by everyone, as `mkdir -p`.
    util::create_directories(path.parent_path(), fs::perms(0755));
    util::atomic_write(path, nerdctl_shim(profile.short_name(), colima_binary), fs::perms(0755));
  } catch (const Error& failure) {
    throw Error(fmt::format("{}; {}", failure.what(), k_unwritable_hint));
  }
  m_progress.info(fmt::format("nerdctl is installed at '{}'; it runs 'colima nerdctl' for {}",
                              path.string(), profile.display_name()));
}

} // namespace colima::app
