#pragma once

#include "vm_session.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

namespace colima::e2e {

// The base of every real-VM test: one VmSession (one HOME, one VM per runtime) shared by all
// suites of the binary, which run in link order (tests/e2e/CMakeLists.txt): start, the
// docker engine on the running VM, then persistence across stop, restart, update and delete.
// Fails (CI) or skips when the tier cannot run here.
class VmTest : public ::testing::Test {
protected:
  void SetUp() override;

  static VmSession& vm();
  // `colima status --json`, parsed.
  static nlohmann::json status_json();
  // Builds a root filesystem of a static busybox under HOME and imports it as an image.
  static process::Result import_busybox(const std::string& busybox, const std::string& image,
                                        const std::string& platform = {});
};

} // namespace colima::e2e
