#include "colima/image/downloader.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>

namespace colima::image {

namespace fs = std::filesystem;

namespace {

std::string join_url(std::string base, const std::string& path) {
  while (base.ends_with("/")) {
    base.pop_back();
  }
  return base + "/" + path;
}

std::string curl_error(const process::Result& result) {
  std::string why = util::trim(result.err);
  return why.empty() ? fmt::format("curl exited with status {}", result.exit_code) : why;
}

} // namespace

Downloader::Downloader(process::Runner& runner, Store& store, util::Progress& progress)
    : m_runner(runner), m_store(store), m_progress(progress) {}

CachedImage Downloader::download(const ImageSpec& spec, const std::string& mirror) {
  std::string manifest_url = join_url(mirror, spec.key() + "/manifest.json");
  std::string disk_url = join_url(mirror, spec.key() + "/disk.qcow2");
  process::Result fetched = m_runner.run(process::Command{
      .argv = {"curl", "--fail", "--location", "--silent", "--show-error", "--", manifest_url}});
  if (!fetched.ok()) {
    throw Error(fmt::format("cannot download the image manifest '{}': {}", manifest_url,
                            curl_error(fetched)));
  }
  nlohmann::json json = nlohmann::json::parse(fetched.out, nullptr, false);
  if (json.is_discarded()) {
    throw Error(fmt::format("the image manifest '{}' is not JSON", manifest_url));
  }
  Manifest manifest = Manifest::from_json(json);
  if (manifest.spec.key() != spec.key()) {
    throw Error(fmt::format("the image manifest '{}' describes the image '{}', not '{}'",
                            manifest_url, manifest.spec.key(), spec.key()));
  }
  if (manifest.sha256.size() != 64) {
    throw Error(fmt::format("the image manifest '{}' has no sha256 to check the disk against",
                            manifest_url));
  }

  fs::path work = m_store.root() / ".downloads" / spec.key();
  util::create_directories(work);
  fs::path part = work / "disk.qcow2";
  std::error_code ignored;
  std::uintmax_t have = fs::exists(part, ignored) ? fs::file_size(part, ignored) : 0;
  m_progress.stage(have > 0 ? fmt::format("resuming the download of '{}' at {} MiB", disk_url,
                                          have / (1024 * 1024))
                            : fmt::format("downloading '{}'", disk_url));
  int shown = -1;
  process::Command curl{.argv = {"curl", "--fail", "--location", "--silent", "--show-error",
                                 "--continue-at", "-", "--output", part.string(), "--", disk_url}};
  curl.watchdog = [&]() -> std::optional<std::string> {
    std::error_code error;
    std::uintmax_t size = fs::file_size(part, error);
    if (!error && manifest.size > 0) {
      int percent = static_cast<int>(size * 100 / manifest.size);
      if (percent / 10 > shown / 10) {
        shown = percent;
        m_progress.stage(fmt::format("downloading {}: {}% of {} MiB", spec.key(),
                                     std::min(percent, 100), manifest.size / (1024 * 1024)));
      }
    }
    return std::nullopt;
  };
  process::Result got = m_runner.run(curl);
  if (!got.ok()) {
    throw Error(fmt::format("cannot download '{}': {} (run 'colima start' again to resume)",
                            disk_url, curl_error(got)));
  }

  if (shown < 100) {
    m_progress.stage(
        fmt::format("downloading {}: 100% of {} MiB", spec.key(), manifest.size / (1024 * 1024)));
  }
  m_progress.stage("checking the downloaded image");
  process::Result sum =
      process::run_checked(m_runner, process::Command{.argv = {"sha256sum", part.string()}},
                           "cannot hash the downloaded image");
  std::string actual = util::split(util::trim(sum.out), ' ').front();
  if (actual != manifest.sha256) {
    fs::remove_all(work, ignored);
    throw Error(fmt::format("the image downloaded from '{}' has sha256 {}, its manifest says {}: "
                            "it was deleted; check the mirror and start again",
                            disk_url, actual, manifest.sha256));
  }
  manifest.source = disk_url;
  manifest.size = fs::file_size(part, ignored);
  CachedImage image = m_store.install(work, manifest);
  m_progress.info(fmt::format("downloaded '{}'", image.disk().string()));
  return image;
}

} // namespace colima::image
