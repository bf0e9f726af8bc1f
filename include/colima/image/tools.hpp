#pragma once

#include "colima/process/runner.hpp"
#include "colima/util/environment.hpp"

#include <array>
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace colima::image {

// The guest programs Debian does not package, built from the Go module proxy for images of the
// containerd runtime: nerdctl, and buildkitd with buildctl. Pinned versions, recorded in the
// image manifest.
struct GuestTools {
  std::string nerdctl = "v2.3.5";
  // The version of nerdctl's tigron module, which nerdctl's module archive lacks.
  std::string tigron = "v0.0.0-20260121031139-a630881afd01";
  std::string buildkit = "v0.33.0";

  // What the manifest records: program -> version.
  std::map<std::string, std::string> versions() const {
    return {{"nerdctl", nerdctl}, {"buildkit", buildkit}};
  }
  // The cache directory name for an architecture, e.g. `x86_64-nerdctl-v2.3.5-buildkit-v0.33.0`.
  std::string key(const std::string& arch) const {
    return arch + "-nerdctl-" + nerdctl + "-buildkit-" + buildkit;
  }
};

// The programs ToolBuilder makes: the names in its cache directory and in the guest's
// /usr/local/bin.
inline constexpr std::array<const char*, 3> k_guest_programs = {"nerdctl", "buildkitd", "buildctl"};

// Whether images of the runtime carry the GuestTools (containerd).
bool needs_guest_tools(const std::string& runtime);

// The Go toolchain: $COLIMA_GO, else `go` on PATH, else /usr/local/go/bin/go. Throws
// colima::Error with the remedy when there is none.
std::filesystem::path find_go(const util::Environment& environment);

// Builds the GuestTools for a guest architecture with the shipped templates/image/build-tools.sh
// and caches them under <root>/<key>/ (nerdctl, buildkitd, buildctl).
class ToolBuilder {
public:
  ToolBuilder(process::Runner& runner, std::filesystem::path root, util::Environment environment,
              GuestTools tools = {});

  // The cached programs for the architecture, when they are all there.
  std::optional<std::filesystem::path> find(const std::string& arch) const;
  // Builds the programs (or takes them from the cache) and returns their directory. Go's module
  // and build caches default to <root>/go/. Stops early when cancel becomes true. Throws
  // colima::Error naming the program that failed and the log that says why.
  std::filesystem::path build(const std::string& arch, const std::atomic<bool>& cancel);

  const GuestTools& tools() const { return m_tools; }

private:
  process::Runner& m_runner;
  std::filesystem::path m_root;
  util::Environment m_environment;
  GuestTools m_tools;
};

} // namespace colima::image
