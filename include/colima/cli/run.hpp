#pragma once

namespace colima::cli {

// The whole program: parses argv, runs the command, catches every colima::Error once and
// prints it as `colima: error: ...`; returns the process exit status.
int run(int argc, char** argv);

} // namespace colima::cli
