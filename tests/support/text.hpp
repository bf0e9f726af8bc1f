#pragma once

#include <string>

namespace colima::test {

// text with every occurrence of from replaced by to, left to right; a replacement is not
// searched again (e.g. a guest path moved under a test directory: "/etc/" -> "/tmp/x/etc/").
std::string replace_all(std::string text, const std::string& from, const std::string& to);

} // namespace colima::test
