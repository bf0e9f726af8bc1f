#pragma once

#include "colima/image/store.hpp"
#include "colima/image/tools.hpp"
#include "colima/process/runner.hpp"
#include "colima/util/environment.hpp"
#include "colima/util/progress.hpp"

#include <filesystem>
#include <string>

namespace colima::image {

// The Debian mirror guest images are built from: $COLIMA_DEBIAN_MIRROR, else the first URI of
// the host's apt sources (deb822 or one-line format) read from apt_dir. Throws colima::Error
// naming the variable to set when there is none.
std::string debian_mirror(const util::Environment& environment,
                          const std::filesystem::path& apt_dir = "/etc/apt");

// Builds guest images from Debian packages with the shipped templates/image/build-image.sh,
// showing its phases as progress, and installs them into the store with a manifest. Images of
// the containerd runtime also carry nerdctl and buildkit, which ToolBuilder makes meanwhile.
class Builder {
public:
  // The environment supplies COLIMA_GO, GOMODCACHE and GOCACHE for the containerd image's
  // Go-built programs.
  Builder(process::Runner& runner, Store& store, util::Progress& progress,
          util::Environment environment);

  // Builds the image for spec from mirror; replaces an existing one. Throws colima::Error with
  // the phase that failed and the builder's last error line; nothing is left in the cache then.
  CachedImage build(const ImageSpec& spec, const std::string& mirror);

private:
  class Overlay;

  process::Runner& m_runner;
  Store& m_store;
  util::Progress& m_progress;
  util::Environment m_environment;
};

} // namespace colima::image
