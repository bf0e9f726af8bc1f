#include "guest_script.hpp"

#include "colima/lima/driver.hpp"
#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <chrono>
#include <fmt/format.h>

namespace colima::app {

std::string failure_reason(const process::Result& result) {
  std::string last;
  for (const auto& line : util::split(result.err, '\n')) {
    if (!util::trim(line).empty()) {
      last = util::trim(line);
    }
  }
  return last.empty() ? fmt::format("exit status {}", result.exit_code) : last;
}

process::Result run_guest_script(process::Runner& runner, const config::Paths& paths,
                                 util::Progress& progress, const config::Profile& profile,
                                 const runtime::GuestScript& script) {
  std::vector<std::string> argv = {"sudo", "sh", "-s", "--"};
  argv.insert(argv.end(), script.args.begin(), script.args.end());
  if (!script.stage.empty()) {
    progress.stage(script.stage);
  }
  lima::Driver driver(runner, paths);
  process::Result result =
      driver.shell(profile, argv, runtime::script_stdin(script), std::chrono::minutes(15));
  if (!result.ok()) {
    throw Error(fmt::format("error {}: {}{}", script.stage, failure_reason(result),
                            script.hint.empty() ? "" : "; " + script.hint));
  }
  return result;
}

} // namespace colima::app
