#include "colima/kubernetes/builder.hpp"

#include "colima/config/kubernetes.hpp"
#include "colima/image/tools.hpp"
#include "colima/process/interrupt.hpp"
#include "colima/util/error.hpp"
#include "colima/util/file_lock.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace colima::kubernetes {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_error_prefix = "build-kubernetes: error: ";

void check_arguments(const std::string& version, const std::string& arch) {
  if (config::kubernetes_distribution(version) != config::KubernetesDistribution::kubernetes) {
    throw UsageError(fmt::format("'{}' is a k3s release, which colima cannot build: use a "
                                 "Kubernetes version such as {}",
                                 version, config::k_built_kubernetes_version));
  }
  if (arch != "x86_64" && arch != "aarch64") {
    throw UsageError(
        fmt::format("invalid architecture '{}' for kubernetes (valid: x86_64, aarch64)", arch));
  }
}

// Removes the work directories of earlier builds of the entry that were killed before they
// could clean up (the script makes `.<key>.build-XXXXXX` beside the entry). Only under the lock.
void remove_leftovers(const fs::path& root, const std::string& key) {
  std::string prefix = "." + key + ".build-";
  std::error_code error;
  for (const auto& item : fs::directory_iterator(root, error)) {
    if (item.path().filename().string().starts_with(prefix) && item.is_directory(error)) {
      // A build may leave read-only module copies: make them removable first.
      for (const auto& inner : fs::recursive_directory_iterator(item.path(), error)) {
        if (inner.is_directory(error)) {
          fs::permissions(inner.path(), fs::perms::owner_all, fs::perm_options::add, error);
        }
      }
      fs::permissions(item.path(), fs::perms::owner_all, fs::perm_options::add, error);
      fs::remove_all(item.path(), error);
    }
  }
}

} // namespace

Builder::Builder(process::Runner& runner, fs::path root, util::Environment environment)
    : m_runner(runner), m_root(std::move(root)), m_environment(std::move(environment)) {}

fs::path Builder::entry(const std::string& version, const std::string& arch) const {
  return m_root / (version + "-" + arch);
}

std::optional<Bundle> Builder::find(const std::string& version, const std::string& arch) const {
  fs::path dir = entry(version, arch);
  std::error_code error;
  if (!fs::is_regular_file(dir / "manifest.json", error) ||
      !fs::is_regular_file(dir / "bundle.tar", error)) {
    return std::nullopt;
  }
  try {
    Bundle bundle = read_bundle(dir);
    if (bundle.kubernetes != version || bundle.arch != arch || bundle.etcd.empty() ||
        !bundle.images.contains("pause") || !bundle.images.contains("coredns")) {
      return std::nullopt;
    }
    return bundle;
  } catch (const Error&) {
    return std::nullopt;
  }
}

Bundle Builder::build(const std::string& version, const std::string& arch,
                      const std::atomic<bool>& cancel, util::Progress& progress) {
  check_arguments(version, arch);
  if (auto cached = find(version, arch)) {
    return *cached;
  }
  std::string key = version + "-" + arch;
  util::create_directories(m_root);
  // One build of an entry at a time: a second colima waits, then takes the first one's bundle.
  fs::path lock_path = m_root / ("." + key + ".lock");
  std::string owner = fmt::format("pid {}: building kubernetes {}", ::getpid(), key);
  std::optional<util::FileLock> lock = util::FileLock::try_lock(lock_path, owner);
  if (!lock) {
    progress.stage(fmt::format("waiting for another colima building kubernetes {} ({})", key,
                               util::FileLock::owner_of(lock_path)));
    while (!(lock = util::FileLock::try_lock(lock_path, owner))) {
      process::throw_if_interrupted("waiting for the kubernetes build of another colima");
      if (cancel.load()) {
        throw Error(fmt::format("building kubernetes {} was cancelled", key));
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (auto built = find(version, arch)) {
      return *built;
    }
  }
  fs::path go = image::find_go(m_environment);
  remove_leftovers(m_root, key);
  fs::path script = m_root / ("." + key + "-build-kubernetes.sh");
  util::atomic_write(script, templates::find("kubernetes/build-kubernetes.sh").value(),
                     fs::perms(0755));

  process::Command command{.argv = {"bash", script.string(), "--go", go.string(), "--version",
                                    version, "--arch", arch, "--output",
                                    entry(version, arch).string()}};
  if (!m_environment.get_non_empty("GOMODCACHE")) {
    command.env["GOMODCACHE"] = (m_root / "go" / "mod").string();
  }
  if (!m_environment.get_non_empty("GOCACHE")) {
    command.env["GOCACHE"] = (m_root / "go" / "build").string();
  }
  std::string phase = "start";
  std::string first_error;
  command.on_line = [&](process::Stream stream, std::string_view line) {
    if (stream == process::Stream::out && line.starts_with("phase: ")) {
      phase = std::string(line.substr(7));
      if (phase != "done") {
        progress.stage(fmt::format("building kubernetes {} for {}: {}", version, arch, phase));
      }
    } else if (stream == process::Stream::out && line.starts_with("note: ")) {
      progress.warn(line.substr(6));
    } else if (stream == process::Stream::err && first_error.empty() &&
               line.starts_with(k_error_prefix)) {
      first_error = util::trim(line.substr(k_error_prefix.size()));
    }
  };
  command.watchdog = [&]() -> std::optional<std::string> {
    if (cancel.load()) {
      return std::string("cancelled");
    }
    return std::nullopt;
  };
  process::Result result = m_runner.run(command);
  std::error_code ignored;
  fs::remove(script, ignored);
  fs::path log = m_root / (key + ".build.log");
  util::atomic_write(log, result.out + result.err, fs::perms(0644));
  if (!result.ok()) {
    std::string reason = result.aborted        ? *result.aborted
                         : first_error.empty() ? fmt::format("exit status {}", result.exit_code)
                                               : first_error;
    throw Error(fmt::format("building kubernetes {} for {} failed at '{}': {}; see '{}'", version,
                            arch, phase, reason, log.string()));
  }
  if (auto built = find(version, arch)) {
    return *built;
  }
  throw Error(fmt::format("building kubernetes {} for {} made no complete bundle in '{}'; see '{}'",
                          version, arch, entry(version, arch).string(), log.string()));
}

} // namespace colima::kubernetes
