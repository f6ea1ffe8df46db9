#include <iostream>

#include "sim/cli/cli_app.h"

int main(int argc, char** argv) { return wafersim::cli::run(argc, argv, std::cout, std::cerr); }
