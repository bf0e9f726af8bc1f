#include "colima/cli/run.hpp"

int main(int argc, char** argv) {
  return colima::cli::run(argc, argv);
}
