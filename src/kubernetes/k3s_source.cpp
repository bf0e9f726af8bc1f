#include "colima/kubernetes/k3s_source.hpp"

#include "colima/process/interrupt.hpp"
#include "colima/util/error.hpp"
#include "colima/util/file_lock.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <regex>
#include <thread>
#include <unistd.h>
#include <vector>

namespace colima::kubernetes {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_default_base = "https://github.com/k3s-io/k3s/releases/download";

// What a user without access to the release page can do instead, as a hint.
constexpr const char* k_offline_hint =
    "without access to k3s releases, have colima build Kubernetes itself from the Go module "
    "proxy: colima start --kubernetes --kubernetes-version v1.35.4; or set COLIMA_K3S_BINARY "
    "(and COLIMA_K3S_IMAGES) to local files, or COLIMA_K3S_MIRROR to a URL or directory laid "
    "out as <base>/<version>/<file>";

// The names of one architecture's files on the release page.
struct ReleaseNames {
  std::string binary;
  std::string images;
  std::string sums;
};

ReleaseNames release_names(const std::string& arch) {
  if (arch == "x86_64") {
    return {"k3s", "k3s-airgap-images-amd64.tar.gz", "sha256sum-amd64.txt"};
  }
  if (arch == "aarch64") {
    return {"k3s-arm64", "k3s-airgap-images-arm64.tar.gz", "sha256sum-arm64.txt"};
  }
  throw UsageError(fmt::format("unsupported guest architecture '{}' for k3s, expected x86_64 or "
                               "aarch64",
                               util::printable(arch)));
}

// Where release files come from: a base URL (curl fetches <base>/<version>/<file>, the
// version's '+' written %2B) or a local directory (<base>/<version>/<file> is copied).
struct Origin {
  bool directory = false;
  std::string base;
  // Where the file of the version is.
  std::string location(const std::string& version, const std::string& file) const {
    if (directory) {
      return (fs::path(base) / version / file).string();
    }
    std::string encoded = version;
    encoded.replace(encoded.find('+'), 1, "%2B");
    return base + "/" + encoded + "/" + file;
  }
};

std::string without_trailing_slashes(std::string text) {
  while (text.size() > 1 && text.ends_with("/")) {
    text.pop_back();
  }
  return text;
}

Origin origin_of(const util::Environment& environment) {
  std::optional<std::string> mirror = environment.get_non_empty("COLIMA_K3S_MIRROR");
  if (!mirror) {
    return Origin{false, k_default_base};
  }
  if (util::has_control_character(*mirror)) {
    throw UsageError(
        fmt::format("COLIMA_K3S_MIRROR '{}' holds a control character", util::printable(*mirror)));
  }
  std::string lower = util::to_lower(*mirror);
  if (lower.starts_with("https://") || lower.starts_with("file://")) {
    return Origin{false, without_trailing_slashes(*mirror)};
  }
  if (lower.starts_with("http://")) {
    if (environment.get("COLIMA_INSECURE_MIRROR") != "1") {
      throw UsageError(fmt::format(
          "refusing the plain-http COLIMA_K3S_MIRROR '{}': the sha256 sums come from the same "
          "mirror, so anyone on the way could replace the files and their sums alike; use "
          "https, or set COLIMA_INSECURE_MIRROR=1 to accept it",
          *mirror));
    }
    return Origin{false, without_trailing_slashes(*mirror)};
  }
  if (mirror->find("://") != std::string::npos) {
    throw UsageError(fmt::format("unsupported COLIMA_K3S_MIRROR '{}', expected an https://, "
                                 "http:// or file:// URL or a local directory",
                                 *mirror));
  }
  std::error_code error;
  fs::path directory = fs::absolute(*mirror, error);
  if (error || !fs::is_directory(directory, error)) {
    throw UsageError(fmt::format("COLIMA_K3S_MIRROR '{}' is neither a URL nor a directory, "
                                 "expected a URL or a directory laid out as "
                                 "<base>/<version>/<file>",
                                 *mirror));
  }
  return Origin{true, without_trailing_slashes(directory.string())};
}

// The path a variable names, which must be a regular file.
fs::path local_file(const util::Environment& environment, const std::string& name) {
  std::string value = environment.get(name).value_or("");
  std::error_code error;
  fs::file_status status = fs::status(value, error);
  if (!fs::exists(status)) {
    throw UsageError(fmt::format("{} is '{}', which does not exist; name a file or unset it", name,
                                 util::printable(value)));
  }
  if (!fs::is_regular_file(status)) {
    throw UsageError(fmt::format("{} is '{}', which is not a regular file; name a file or unset it",
                                 name, util::printable(value)));
  }
  return fs::absolute(value);
}

// The files given by $COLIMA_K3S_BINARY and $COLIMA_K3S_IMAGES, when the first is set.
std::optional<K3sFiles> local_files(const util::Environment& environment) {
  bool binary = environment.get_non_empty("COLIMA_K3S_BINARY").has_value();
  bool images = environment.get_non_empty("COLIMA_K3S_IMAGES").has_value();
  if (!binary) {
    if (images) {
      throw UsageError("COLIMA_K3S_IMAGES is set without COLIMA_K3S_BINARY; set both to use "
                       "local k3s files, or unset it");
    }
    return std::nullopt;
  }
  K3sFiles files{local_file(environment, "COLIMA_K3S_BINARY"), {}};
  if (images) {
    files.images = local_file(environment, "COLIMA_K3S_IMAGES");
    std::string name = files.images.filename().string();
    if (!name.ends_with(".tar") && !name.ends_with(".tar.gz") && !name.ends_with(".tar.zst")) {
      throw UsageError(fmt::format("COLIMA_K3S_IMAGES is '{}', expected a .tar, .tar.gz or "
                                   ".tar.zst air-gap images archive",
                                   util::printable(files.images.string())));
    }
  }
  return files;
}

// The sum a sha256sum-style text gives for the file ("<sum>  <name>" or "<sum> *<name>").
std::optional<std::string> sum_for(const std::string& sums, const std::string& file) {
  for (const std::string& raw : util::split(sums, '\n')) {
    std::string line = util::trim(raw);
    std::size_t space = line.find_first_of(" \t");
    if (space != 64) {
      continue;
    }
    std::string name = util::trim(line.substr(space));
    if (name.starts_with("*")) {
      name.erase(0, 1);
    }
    if (name.starts_with("./")) {
      name.erase(0, 2);
    }
    std::string sum = util::to_lower(line.substr(0, 64));
    if (name == file && sum.find_first_not_of("0123456789abcdef") == std::string::npos) {
      return sum;
    }
  }
  return std::nullopt;
}

// The sha256 of dir/file, computed by sha256sum in dir so that its output names the file
// exactly as given.
std::string sha256_of(process::Runner& runner, const fs::path& dir, const std::string& file) {
  process::Result result =
      process::run_checked(runner, process::Command{.argv = {"sha256sum", "--", file}, .cwd = dir},
                           fmt::format("cannot compute the sha256 of '{}'", (dir / file).string()));
  return util::to_lower(util::trim(result.out).substr(0, 64));
}

std::string first_line(const std::string& text) {
  return util::split(util::trim(text), '\n').front();
}

// Puts what location holds at part; the reason when it cannot.
std::optional<std::string> get(process::Runner& runner, const Origin& origin,
                               const std::string& location, const fs::path& part) {
  std::error_code error;
  fs::remove(part, error);
  if (origin.directory) {
    if (!fs::is_regular_file(location, error)) {
      return "no such file";
    }
    if (!fs::copy_file(location, part, error)) {
      return error.message();
    }
    return std::nullopt;
  }
  std::vector<std::string> argv = {"curl",         "--fail",  "--location", "--silent",
                                   "--show-error", "--retry", "2"};
  if (util::to_lower(origin.base).starts_with("https://")) {
    // A redirect must not leave https for a channel anyone on the way could rewrite.
    argv.insert(argv.end(), {"--proto-redir", "=https"});
  }
  argv.insert(argv.end(), {"--output", part.string(), "--", location});
  process::Result result = runner.run(process::Command{.argv = argv});
  if (!result.ok()) {
    fs::remove(part, error);
    std::string why = first_line(result.err);
    return why.empty() ? fmt::format("curl exited with status {}", result.exit_code) : why;
  }
  return std::nullopt;
}

} // namespace

K3sSource::K3sSource(process::Runner& runner, std::filesystem::path cache_root,
                     util::Environment environment, util::Progress& progress)
    : m_runner(runner), m_cache_root(std::move(cache_root)), m_environment(std::move(environment)),
      m_progress(progress) {}

K3sFiles K3sSource::fetch(const std::string& version, const std::string& arch) {
  static const std::regex k_version(R"(^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$)");
  if (!std::regex_match(version, k_version)) {
    throw UsageError(fmt::format("invalid k3s version '{}', expected "
                                 "v<major>.<minor>.<patch>+k3s<n> such as v1.35.0+k3s1",
                                 util::printable(version)));
  }
  ReleaseNames names = release_names(arch);
  if (std::optional<K3sFiles> local = local_files(m_environment)) {
    spdlog::debug("k3s: using the local files '{}' and '{}'", local->binary.string(),
                  local->images.string());
    return *local;
  }
  Origin origin = origin_of(m_environment);
  std::string key = version + "-" + arch;
  fs::path dir = m_cache_root / key;
  K3sFiles files{dir / names.binary, dir / names.images};

  // One fetch of a version at a time: a second colima waits, then takes the first one's files.
  util::create_directories(m_cache_root);
  fs::path lock_path = m_cache_root / ("." + key + ".lock");
  std::string owner = fmt::format("pid {}: fetching k3s {}", ::getpid(), key);
  std::optional<util::FileLock> lock = util::FileLock::try_lock(lock_path, owner);
  if (!lock) {
    m_progress.stage(fmt::format("waiting for another colima fetching k3s {} ({})", key,
                                 util::FileLock::owner_of(lock_path)));
    while (!(lock = util::FileLock::try_lock(lock_path, owner))) {
      process::throw_if_interrupted("waiting for another colima to fetch k3s");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }

  // The cache: the sums file lands last, so its presence means a complete pair, whose files
  // must still match it.
  std::error_code error;
  if (fs::exists(dir / names.sums, error)) {
    std::string sums = util::read_file(dir / names.sums).value_or("");
    std::optional<std::string> damaged;
    for (const std::string& file : {names.binary, names.images}) {
      std::optional<std::string> expected = sum_for(sums, file);
      if (!expected || !fs::is_regular_file(dir / file, error) ||
          sha256_of(m_runner, dir, file) != *expected) {
        damaged = file;
        break;
      }
    }
    if (!damaged) {
      spdlog::debug("k3s: using the cached '{}'", dir.string());
      return files;
    }
    m_progress.warn(fmt::format("the cached '{}' no longer matches its sha256 sum: fetching k3s "
                                "{} again",
                                (dir / *damaged).string(), version));
    fs::remove_all(dir, error);
  }

  std::vector<std::string> looked = {fmt::format("'{}': not cached", dir.string()),
                                     "COLIMA_K3S_BINARY: not set"};
  if (!m_environment.get_non_empty("COLIMA_K3S_MIRROR")) {
    looked.emplace_back("COLIMA_K3S_MIRROR: not set");
  }
  auto unavailable = [&](const std::string& location, const std::string& why) {
    looked.push_back(fmt::format("'{}': {}", location, why));
    fs::remove(dir, error); // only when empty: files an earlier step checked stay
    return Error(fmt::format("cannot get k3s {} for {}; colima looked at:\n  {}\n{}", version, arch,
                             util::join(looked, "\n  "), k_offline_hint));
  };
  auto land = [&](const fs::path& from, const fs::path& to) {
    fs::rename(from, to, error);
    if (error) {
      throw Error(fmt::format("cannot rename '{}' to '{}': {}", from.string(), to.string(),
                              error.message()));
    }
  };

  util::create_directories(dir);
  std::string sums_location = origin.location(version, names.sums);
  fs::path sums_part = dir / (names.sums + ".part");
  m_progress.stage(fmt::format("downloading '{}'", sums_location));
  if (auto why = get(m_runner, origin, sums_location, sums_part)) {
    throw unavailable(sums_location, *why);
  }
  std::string sums = util::read_file(sums_part).value_or("");
  for (const std::string& file : {names.binary, names.images}) {
    std::optional<std::string> expected = sum_for(sums, file);
    if (!expected) {
      fs::remove(sums_part, error);
      throw Error(fmt::format("the sums file '{}' has no sha256 line for '{}': it does not belong "
                              "to k3s {}; check the mirror",
                              sums_location, file, version));
    }
    // A file that an earlier, interrupted fetch already checked and kept.
    if (fs::is_regular_file(dir / file, error) && sha256_of(m_runner, dir, file) == *expected) {
      continue;
    }
    std::string location = origin.location(version, file);
    std::string part = file + ".part";
    m_progress.stage(fmt::format("downloading '{}'", location));
    if (auto why = get(m_runner, origin, location, dir / part)) {
      throw unavailable(location, *why);
    }
    std::string actual = sha256_of(m_runner, dir, part);
    if (actual != *expected) {
      fs::remove_all(dir, error);
      throw Error(fmt::format("'{}' from '{}' has sha256 {}, but '{}' says {}: the file was "
                              "deleted and nothing was cached; check the mirror and try again",
                              file, location, actual, sums_location, *expected));
    }
    land(dir / part, dir / file);
  }
  land(sums_part, dir / names.sums);
  m_progress.info(fmt::format("k3s {} for {} is in '{}'", version, arch, dir.string()));
  return files;
}

} // namespace colima::kubernetes
