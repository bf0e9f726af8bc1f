#include "colima/image/builder.hpp"

#include "colima/process/interrupt.hpp"
#include "colima/util/error.hpp"
#include "colima/util/file_lock.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fmt/format.h>
#include <future>
#include <optional>
#include <thread>
#include <unistd.h>

namespace colima::image {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> uri_from_deb822(const std::string& text) {
  for (const auto& line : util::split(text, '\n')) {
    std::string trimmed = util::trim(line);
    if (trimmed.starts_with("URIs:")) {
      auto words = util::split(util::trim(trimmed.substr(5)), ' ');
      if (!words.empty() && !words[0].empty()) {
        return words[0];
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> uri_from_list(const std::string& text) {
  for (const auto& line : util::split(text, '\n')) {
    std::string trimmed = util::trim(line);
    if (!trimmed.starts_with("deb ")) {
      continue;
    }
    for (const auto& word : util::split(trimmed, ' ')) {
      if (word.find("://") != std::string::npos) {
        return word;
      }
    }
  }
  return std::nullopt;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

class RemoveOnFailure {
public:
  explicit RemoveOnFailure(fs::path path) : m_path(std::move(path)) {}
  RemoveOnFailure(const RemoveOnFailure&) = delete;
  RemoveOnFailure& operator=(const RemoveOnFailure&) = delete;
  ~RemoveOnFailure() {
    if (!m_released) {
      std::error_code ignored;
      fs::remove_all(m_path, ignored);
    }
  }
  void release() { m_released = true; }

private:
  fs::path m_path;
  bool m_released = false;
};

} // namespace

std::string debian_mirror(const util::Environment& environment, const fs::path& apt_dir) {
  if (auto mirror = environment.get_non_empty("COLIMA_DEBIAN_MIRROR")) {
    return *mirror;
  }
  if (auto text = util::read_file(apt_dir / "sources.list.d" / "debian.sources")) {
    if (auto uri = uri_from_deb822(*text)) {
      return *uri;
    }
  }
  if (auto text = util::read_file(apt_dir / "sources.list")) {
    if (auto uri = uri_from_list(*text)) {
      return *uri;
    }
  }
  throw Error("cannot find a Debian mirror in the host's apt sources: set COLIMA_DEBIAN_MIRROR");
}

Builder::Builder(process::Runner& runner, Store& store, util::Progress& progress,
                 util::Environment environment)
    : m_runner(runner), m_store(store), m_progress(progress),
      m_environment(std::move(environment)) {}

// The overlay of a containerd image: the buildkit unit now, the Go-built programs once
// ToolBuilder has them (then .ready, or .failed). build-image.sh waits for either.
class Builder::Overlay {
public:
  Overlay(ToolBuilder& tools, const ImageSpec& spec, const fs::path& dir)
      : m_dir(dir), m_spec(spec) {
    util::create_directories(dir / "etc/systemd/system", fs::perms(0755));
    util::create_directories(dir / "usr/local/bin", fs::perms(0755));
    util::atomic_write(dir / "etc/systemd/system/buildkit.service",
                       templates::find("image/buildkit.service").value(), fs::perms(0644));
    m_future = std::async(std::launch::async, [this, &tools] {
      try {
        fs::path built = tools.build(m_spec.arch, m_cancel);
        for (const char* program : k_guest_programs) {
          fs::path target = m_dir / "usr/local/bin" / program;
          std::error_code error;
          fs::copy_file(built / program, target, fs::copy_options::overwrite_existing, error);
          if (!error) {
            fs::permissions(target, fs::perms(0755), error);
          }
          if (error) {
            throw Error(fmt::format("cannot copy '{}' into the image overlay '{}': {}; check the "
                                    "permissions of both, or empty the cache with 'colima prune'",
                                    (built / program).string(), m_dir.string(), error.message()));
          }
        }
        util::atomic_write(m_dir / ".ready", "", fs::perms(0644));
      } catch (...) {
        m_failed = true;
        util::atomic_write(m_dir / ".failed", "", fs::perms(0644));
        throw;
      }
    });
  }
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;
  ~Overlay() {
    m_cancel = true;
    if (m_future.valid()) {
      m_future.wait();
    }
  }

  // Waits for the programs; rethrows the error that stopped their build unless cancel() did.
  void wait() {
    try {
      m_future.get();
    } catch (const Error&) {
      if (!m_cancelled) {
        throw;
      }
    }
  }
  // Stops the programs' build when the image build failed without them.
  void cancel() {
    m_cancelled = !m_failed;
    m_cancel = true;
  }

private:
  fs::path m_dir;
  ImageSpec m_spec;
  std::atomic<bool> m_cancel{false};
  // The build failed by itself (set before .failed is written).
  std::atomic<bool> m_failed{false};
  bool m_cancelled = false;
  std::future<void> m_future;
};

CachedImage Builder::build(const ImageSpec& spec, const std::string& mirror) {
  util::create_directories(m_store.root());
  // One build of an image at a time: a second colima waits, then takes the first one's image.
  fs::path lock_path = m_store.root() / ("." + spec.key() + ".lock");
  std::string owner = fmt::format("pid {}: building {}", ::getpid(), spec.key());
  std::optional<util::FileLock> lock = util::FileLock::try_lock(lock_path, owner);
  if (!lock) {
    m_progress.stage(fmt::format("waiting for another colima building {} ({})", spec.key(),
                                 util::FileLock::owner_of(lock_path)));
    while (!(lock = util::FileLock::try_lock(lock_path, owner))) {
      process::throw_if_interrupted("waiting for the image build of another colima");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (auto built = m_store.find(spec, recipe_id(spec.runtime))) {
      return *built;
    }
  }
  std::string pattern = (m_store.root() / ("." + spec.key() + ".build-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error(fmt::format("cannot create a build directory in '{}'", m_store.root().string()));
  }
  fs::path dir(pattern);
  RemoveOnFailure cleanup(dir);
  // Without root, mmdebstrap works as a subordinate uid that must be able to enter the
  // directory (the script keeps its own work area writable for it).
  std::error_code error;
  fs::permissions(dir, fs::perms(0755), error);
  if (error) {
    throw Error(fmt::format("cannot open the build directory '{}' to the image builder: {}",
                            dir.string(), error.message()));
  }
  fs::path script = dir / "build-image.sh";
  util::atomic_write(script, templates::find("image/build-image.sh").value(), fs::perms(0755));
  fs::path guest_init = dir / "guest-init.sh";
  util::atomic_write(guest_init, templates::find("image/guest-init.sh").value(), fs::perms(0644));

  std::string phase = "start";
  std::string first_error;
  process::Command command{.argv = {"bash", script.string(), "--arch", spec.arch, "--runtime",
                                    spec.runtime, "--suite", spec.suite, "--mirror", mirror,
                                    "--output", dir.string(), "--init", "colima", "--guest-init",
                                    guest_init.string()}};
  // nerdctl and buildkit build on the host while Debian's packages install.
  ToolBuilder tools(m_runner, m_store.root() / "tools", m_environment);
  std::optional<Overlay> overlay;
  if (needs_guest_tools(spec.runtime)) {
    if (!tools.find(spec.arch)) {
      m_progress.stage(fmt::format("building nerdctl {} and buildkit {} for {} from Go modules",
                                   tools.tools().nerdctl, tools.tools().buildkit, spec.arch));
    }
    overlay.emplace(tools, spec, dir / "overlay");
    command.argv.insert(command.argv.end(), {"--overlay", (dir / "overlay").string()});
  }
  // mkfs.ext4, sfdisk and friends live in the sbin directories, which an ordinary user's PATH
  // often lacks.
  const char* path = std::getenv("PATH");
  command.env["PATH"] =
      std::string(path != nullptr ? path : "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin";
  command.on_line = [&](process::Stream stream, std::string_view line) {
    if (stream == process::Stream::out && line.starts_with("phase: ")) {
      phase = std::string(line.substr(7));
      if (phase != "done") {
        m_progress.stage(fmt::format("building guest image {}: {}", spec.key(), phase));
      }
    } else if (stream == process::Stream::err && first_error.empty() &&
               (line.starts_with("E: ") || line.starts_with("build-image: error: "))) {
      first_error = util::trim(line);
    }
  };
  process::Result result = m_runner.run(command);
  if (overlay) {
    if (!result.ok()) {
      overlay->cancel();
    }
    // A failed program build says more than the image build that waited for it.
    overlay->wait();
  }
  fs::path log = m_store.root() / (spec.key() + ".build.log");
  if (!result.ok()) {
    util::atomic_write(log, result.out + result.err, fs::perms(0644));
    throw Error(fmt::format(
        "building the guest image {} failed at '{}': {}; see '{}'", spec.key(), phase,
        first_error.empty() ? "exit status " + std::to_string(result.exit_code) : first_error,
        log.string()));
  }
  fs::remove(script, error);
  fs::remove(guest_init, error);
  fs::path disk = dir / "disk.qcow2";
  std::uintmax_t size = fs::file_size(disk, error);
  if (error) {
    util::atomic_write(log, result.out + result.err, fs::perms(0644));
    throw Error(fmt::format("building the guest image {} made no disk '{}': the build script "
                            "ended without writing it; see '{}'",
                            spec.key(), disk.string(), log.string()));
  }

  Manifest manifest;
  manifest.spec = spec;
  manifest.recipe = recipe_id(spec.runtime);
  if (overlay) {
    manifest.tools = tools.tools().versions();
  }
  manifest.built_at = utc_now();
  process::Result sum = process::run_checked(
      m_runner, process::Command{.argv = {"sha256sum", disk.string()}}, "cannot hash the image");
  manifest.sha256 = util::split(util::trim(sum.out), ' ').front();
  manifest.size = size;
  manifest.kernel_version = util::trim(util::read_file(dir / "kernel-version").value_or(""));
  for (const auto& line : util::split(util::read_file(dir / "packages.tsv").value_or(""), '\n')) {
    auto fields = util::split(line, '\t');
    if (fields.size() == 2 && !fields[0].empty()) {
      manifest.packages[fields[0]] = fields[1];
    }
  }
  CachedImage image = m_store.install(dir, manifest);
  cleanup.release();
  return image;
}

} // namespace colima::image
