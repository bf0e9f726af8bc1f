#include "colima/image/builder.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fmt/format.h>
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

Builder::Builder(process::Runner& runner, Store& store, util::Progress& progress)
    : m_runner(runner), m_store(store), m_progress(progress) {}

CachedImage Builder::build(const ImageSpec& spec, const std::string& mirror) {
  util::create_directories(m_store.root());
  std::string pattern = (m_store.root() / ("." + spec.key() + ".build-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error(fmt::format("cannot create a build directory in '{}'", m_store.root().string()));
  }
  fs::path dir(pattern);
  RemoveOnFailure cleanup(dir);
  // Without root, mmdebstrap works as a subordinate uid that must be able to enter the
  // directory (the script keeps its own work area writable for it).
  fs::permissions(dir, fs::perms(0755));
  fs::path script = dir / "build-image.sh";
  util::atomic_write(script, templates::find("image/build-image.sh").value(), fs::perms(0755));

  std::string phase = "start";
  std::string first_error;
  process::Command command{.argv = {"bash", script.string(), "--arch", spec.arch, "--runtime",
                                    spec.runtime, "--suite", spec.suite, "--mirror", mirror,
                                    "--output", dir.string()}};
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
  if (!result.ok()) {
    fs::path log = m_store.root() / (spec.key() + ".build.log");
    util::atomic_write(log, result.out + result.err, fs::perms(0644));
    throw Error(fmt::format(
        "building the guest image {} failed at '{}': {}; see '{}'", spec.key(), phase,
        first_error.empty() ? "exit status " + std::to_string(result.exit_code) : first_error,
        log.string()));
  }
  fs::remove(script);

  Manifest manifest;
  manifest.spec = spec;
  manifest.recipe = recipe_id();
  manifest.built_at = utc_now();
  fs::path disk = dir / "disk.qcow2";
  process::Result sum = process::run_checked(
      m_runner, process::Command{.argv = {"sha256sum", disk.string()}}, "cannot hash the image");
  manifest.sha256 = util::split(util::trim(sum.out), ' ').front();
  manifest.size = fs::file_size(disk);
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
