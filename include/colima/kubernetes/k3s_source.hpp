#pragma once

#include "colima/process/runner.hpp"
#include "colima/util/environment.hpp"
#include "colima/util/progress.hpp"

#include <filesystem>
#include <string>

namespace colima::kubernetes {

// The two files a k3s install needs on the host, ready to copy into the guest.
struct K3sFiles {
  // The k3s executable.
  std::filesystem::path binary;
  // The air-gap images archive (.tar, .tar.gz or .tar.zst); empty when the user gave
  // $COLIMA_K3S_BINARY without $COLIMA_K3S_IMAGES, and the guest pulls its images instead.
  std::filesystem::path images;
};

// The k3s release files of one version and guest architecture, as upstream Colima takes them
// from the k3s release page: the binary (`k3s`, `k3s-arm64` on aarch64), the air-gap images
// (`k3s-airgap-images-<amd64|arm64>.tar.gz`) and the published sums
// (`sha256sum-<amd64|arm64>.txt`) that both must match. Looks, in this order, at:
// 1. $COLIMA_K3S_BINARY and $COLIMA_K3S_IMAGES: local files used as they are (the user vouches
//    for them, so no sums are checked);
// 2. $COLIMA_K3S_MIRROR: a base URL (https; http only with $COLIMA_INSECURE_MIRROR=1, since the
//    sums come from the same place; file) or a local directory, laid out like the release page
//    as <base>/<version>/<file>;
// 3. the k3s release page.
// Sources 2 and 3 are cached in <cache_root>/<version>-<arch>/ with their sums file, and the
// cache is checked again on every use. Downloads run curl, and sums sha256sum, through the
// runner.
class K3sSource {
public:
  K3sSource(process::Runner& runner, std::filesystem::path cache_root,
            util::Environment environment, util::Progress& progress);

  // The files of version (e.g. v1.35.0+k3s1) for arch (x86_64 or aarch64). Throws UsageError
  // for a version that is not v<major>.<minor>.<patch>+k3s<n>, another arch, a variable naming
  // a missing file or directory, an unsupported or plain-http mirror; colima::Error when the
  // files cannot be had (naming every place looked at and the ways to do without), when
  // another colima holds the cache, when a file does not match its published sum (the file is
  // deleted and nothing is cached) or when the sums file has no line for it.
  K3sFiles fetch(const std::string& version, const std::string& arch);

private:
  process::Runner& m_runner;
  std::filesystem::path m_cache_root;
  util::Environment m_environment;
  util::Progress& m_progress;
};

} // namespace colima::kubernetes
