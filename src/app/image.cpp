// The guest disk image of a new VM: the user's --disk-image, colima's cache, a download from
// an image mirror or a fresh build; and `colima image build|list`.
#include "colima/app/app.hpp"
#include "colima/image/builder.hpp"
#include "colima/image/downloader.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>

namespace colima::app {

namespace fs = std::filesystem;

std::string App::image_suite() const {
  return m_environment.get_non_empty("COLIMA_IMAGE_SUITE").value_or("trixie");
}

std::string App::check_disk_image(const config::Settings& settings, bool warn) {
  fs::path image = settings.disk_image;
  std::error_code error;
  if (!fs::is_regular_file(image, error)) {
    throw UsageError(fmt::format("invalid disk image '{}': no such file", image.string()));
  }
  process::Result info =
      m_runner.run(process::Command{.argv = {"qemu-img", "info", "--output=json", image.string()}});
  nlohmann::json json = nlohmann::json::parse(info.out, nullptr, false);
  std::string format = json.is_object() ? json.value("format", "") : "";
  if (!info.ok() || format.empty()) {
    throw UsageError(fmt::format("invalid disk image '{}': {}", image.string(),
                                 info.ok() ? "not a disk image" : util::trim(info.err)));
  }
  if (format != "raw" && format != "qcow2") {
    if (!settings.force_disk_image) {
      throw UsageError(fmt::format("invalid disk image '{}': a {} image, not raw or qcow2; "
                                   "--force-disk-image lets Lima convert it",
                                   image.string(), format));
    }
    if (warn) {
      m_progress.warn(fmt::format("the disk image '{}' is a {} image, not raw or qcow2: Lima "
                                  "converts it, as --force-disk-image asks",
                                  image.string(), format));
    }
  }
  fs::path absolute = fs::absolute(image, error);
  if (error) {
    throw Error(
        fmt::format("cannot resolve the disk image '{}': {}", image.string(), error.message()));
  }
  return absolute.string();
}

namespace {

// The disk, and the kernel, initrd and command line a build left beside it (all three, or no
// direct boot).
std::pair<std::string, std::optional<lima::DirectBoot>> bootable(const image::CachedImage& image) {
  std::optional<lima::DirectBoot> boot;
  std::string cmdline = util::trim(util::read_file(image.cmdline()).value_or(""));
  std::error_code error;
  if (!cmdline.empty() && fs::is_regular_file(image.kernel(), error) &&
      fs::is_regular_file(image.initrd(), error)) {
    boot = lima::DirectBoot{image.kernel().string(), image.initrd().string(), cmdline};
  }
  return {image.disk().string(), boot};
}

} // namespace

std::pair<std::string, std::optional<lima::DirectBoot>>
App::choose_image(const config::Settings& settings, const std::string& arch) {
  if (!settings.disk_image.empty()) {
    return {check_disk_image(settings, true), std::nullopt};
  }
  image::Store store(m_paths.cache_dir() / "images");
  image::ImageSpec spec{image_suite(), arch, settings.runtime};
  if (auto cached = store.find(spec, image::recipe_id(spec.runtime))) {
    image::verify_image(m_runner, *cached, m_progress);
    return bootable(*cached);
  }
  if (auto downloaded = store.find_downloaded(spec)) {
    image::verify_image(m_runner, *downloaded, m_progress);
    return bootable(*downloaded);
  }
  if (!settings.disk_image_mirror.empty()) {
    image::Downloader downloader(m_runner, store, m_progress);
    return bootable(downloader.download(spec, settings.disk_image_mirror));
  }
  image::Builder builder(m_runner, store, m_progress, m_environment);
  return bootable(builder.build(spec, image::debian_mirror(m_environment)));
}

void App::build_image(const std::string& arch, const std::string& runtime,
                      const std::string& suite) {
  std::string normal = config::normalize_arch(arch).value_or("");
  if (normal.empty()) {
    throw UsageError(fmt::format("invalid architecture '{}' (valid: x86_64, aarch64, host)", arch));
  }
  if (runtime != "docker" && runtime != "containerd" && runtime != "incus" && runtime != "none") {
    throw UsageError(
        fmt::format("invalid runtime '{}'{}", runtime,
                    util::did_you_mean(runtime, {"docker", "containerd", "incus", "none"})));
  }
  image::Store store(m_paths.cache_dir() / "images");
  image::Builder builder(m_runner, store, m_progress, m_environment);
  image::CachedImage image =
      builder.build(image::ImageSpec{suite.empty() ? image_suite() : suite, normal, runtime},
                    image::debian_mirror(m_environment));
  m_progress.info("built '" + image.disk().string() + "'");
}

std::vector<std::string> App::list_images() {
  std::vector<std::string> lines;
  image::Store store(m_paths.cache_dir() / "images");
  for (const auto& image : store.list()) {
    const image::Manifest& m = image.manifest;
    lines.push_back(fmt::format("{:<28} {:>6}MiB  kernel {}  built {}  {}", m.spec.key(),
                                m.size / (1024 * 1024), m.kernel_version, m.built_at,
                                image.disk().string()));
  }
  return lines;
}

} // namespace colima::app
