#pragma once

#include "colima/process/runner.hpp"
#include "colima/util/environment.hpp"
#include "colima/util/progress.hpp"

#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace colima::kubernetes {

// A built Kubernetes for one guest architecture, as its manifest.json describes it: the
// programs in <dir>/bin, the OCI image tars in <dir>/images, and <archive>, the uncompressed
// tar of both with the manifest that colima copies into the guest.
struct Bundle {
  std::filesystem::path dir;
  std::filesystem::path archive;
  std::string kubernetes;
  std::string etcd;
  std::string coredns;
  std::string pause;
  std::string arch;
  // Image -> the reference it is imported as, e.g. pause -> colima.local/kubernetes/pause:3.10.1.
  std::map<std::string, std::string> images;
};

// Reads <dir>/manifest.json. Throws colima::Error naming the file when it is missing or not a
// manifest.
Bundle read_bundle(const std::filesystem::path& dir);

// Builds upstream Kubernetes (control plane, kubelet, kube-proxy, kubectl, etcd, CoreDNS and
// the pause image) from the Go module proxy with the shipped
// templates/kubernetes/build-kubernetes.sh, and caches each version and architecture under
// <root>/<version>-<arch>/.
class Builder {
public:
  // Go's module and build caches default to <root>/go/ unless GOMODCACHE or GOCACHE is set in
  // environment.
  Builder(process::Runner& runner, std::filesystem::path root, util::Environment environment);

  // The cached bundle, when its entry is complete (manifest.json for this version and
  // architecture, and bundle.tar).
  std::optional<Bundle> find(const std::string& version, const std::string& arch) const;
  // The cached bundle, else builds it, showing the script's phases as progress. One colima
  // builds an entry at a time: a second one waits for the first and takes its result. Stops
  // early when cancel becomes true. Throws colima::Error naming the failed phase and the build
  // log (<root>/<version>-<arch>.build.log); UsageError for a version that is not a plain
  // Kubernetes release or an unknown architecture.
  Bundle build(const std::string& version, const std::string& arch, const std::atomic<bool>& cancel,
               util::Progress& progress);

  // The cache entry's directory.
  std::filesystem::path entry(const std::string& version, const std::string& arch) const;

private:
  process::Runner& m_runner;
  std::filesystem::path m_root;
  util::Environment m_environment;
};

} // namespace colima::kubernetes
