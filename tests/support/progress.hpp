#pragma once

#include "colima/util/progress.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace colima::test {

// Progress for tests: shows nothing and keeps the warnings, for a test to read.
class QuietProgress : public util::Progress {
public:
  void stage(std::string_view) override {}
  void info(std::string_view) override {}
  void warn(std::string_view text) override { warnings.emplace_back(text); }
  std::vector<std::string> warnings;
};

} // namespace colima::test
