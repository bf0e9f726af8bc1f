#include "colima/image/tools.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace colima::image {

namespace fs = std::filesystem;

namespace {

bool executable(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
}

} // namespace

bool needs_guest_tools(const std::string& runtime) {
  return runtime == "containerd";
}

fs::path find_go(const util::Environment& environment) {
  if (auto go = environment.get_non_empty("COLIMA_GO")) {
    if (!executable(*go)) {
      throw Error(fmt::format("COLIMA_GO names '{}', which is not an executable file", *go));
    }
    return *go;
  }
  if (auto go = environment.find_program("go")) {
    return *go;
  }
  if (executable("/usr/local/go/bin/go")) {
    return "/usr/local/go/bin/go";
  }
  throw Error("no Go toolchain was found, and colima builds nerdctl, buildkit and Kubernetes from "
              "Go modules: install Go (scripts/setup.sh does) or set COLIMA_GO");
}

ToolBuilder::ToolBuilder(process::Runner& runner, fs::path root, util::Environment environment,
                         GuestTools tools)
    : m_runner(runner), m_root(std::move(root)), m_environment(std::move(environment)),
      m_tools(std::move(tools)) {}

std::optional<fs::path> ToolBuilder::find(const std::string& arch) const {
  fs::path dir = m_root / m_tools.key(arch);
  for (const char* program : k_guest_programs) {
    if (!executable(dir / program)) {
      return std::nullopt;
    }
  }
  return dir;
}

fs::path ToolBuilder::build(const std::string& arch, const std::atomic<bool>& cancel) {
  if (auto cached = find(arch)) {
    return *cached;
  }
  fs::path go = find_go(m_environment);
  util::create_directories(m_root);
  std::string pattern = (m_root / ("." + m_tools.key(arch) + ".build-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error(fmt::format("cannot create a build directory in '{}'", m_root.string()));
  }
  fs::path dir(pattern);
  fs::path script = dir / "build-tools.sh";
  util::atomic_write(script, templates::find("image/build-tools.sh").value(), fs::perms(0755));

  process::Command command{.argv = {"bash", script.string(), "--go", go.string(), "--arch", arch,
                                    "--output", dir.string(), "--nerdctl", m_tools.nerdctl,
                                    "--tigron", m_tools.tigron, "--buildkit", m_tools.buildkit}};
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
    } else if (stream == process::Stream::err && line.starts_with("build-tools: error: ")) {
      first_error = util::trim(line.substr(20));
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
  if (!result.ok()) {
    fs::path log = m_root / (m_tools.key(arch) + ".build.log");
    util::atomic_write(log, result.out + result.err, fs::perms(0644));
    fs::remove_all(dir, ignored);
    throw Error(fmt::format(
        "building {} for {} failed: {}; see '{}'", phase, arch,
        result.aborted
            ? *result.aborted
            : (first_error.empty() ? fmt::format("exit status {}", result.exit_code) : first_error),
        log.string()));
  }
  fs::remove(script, ignored);
  for (const char* program : k_guest_programs) {
    if (!executable(dir / program)) {
      fs::remove_all(dir, ignored);
      throw Error(fmt::format("building the guest programs for {} made no '{}'", arch, program));
    }
  }
  fs::path target = m_root / m_tools.key(arch);
  fs::remove_all(target, ignored);
  std::error_code error;
  fs::rename(dir, target, error);
  if (error) {
    fs::remove_all(dir, ignored);
    throw Error(fmt::format("cannot move the guest programs '{}' into the cache as '{}': {}; check "
                            "the permissions of '{}', or empty the cache with 'colima prune'",
                            dir.string(), target.string(), error.message(), m_root.string()));
  }
  return target;
}

} // namespace colima::image
