#pragma once

#include "colima/image/store.hpp"
#include "colima/process/runner.hpp"
#include "colima/util/progress.hpp"

#include <string>

namespace colima::image {

// Fetches guest images from a mirror: a base URL (http, https or file) that serves what
// `colima image build` writes under <cache>/images/, i.e. <mirror>/<key>/manifest.json and
// <mirror>/<key>/disk.qcow2. Runs curl through the runner.
class Downloader {
public:
  Downloader(process::Runner& runner, Store& store, util::Progress& progress);

  // Downloads the manifest, then the disk into <store>/.downloads/<key>/ (resuming what an
  // interrupted download left there), checks the disk's sha256 against the manifest and
  // installs the image into the store with its source recorded. Throws colima::Error naming
  // the URL; a disk that fails the check is deleted and nothing is installed.
  CachedImage download(const ImageSpec& spec, const std::string& mirror);

private:
  process::Runner& m_runner;
  Store& m_store;
  util::Progress& m_progress;
};

} // namespace colima::image
