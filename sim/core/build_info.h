#pragma once
// What the build knows about itself: version and git hash (no source path: data
// folders are found beside the binary, install_layout.h). Kept in one generated
// file (build_info.cpp.in) so that a change of commit recompiles one translation
// unit, not the whole library.

namespace wafersim {

const char* build_version();
const char* build_git_hash();

}  // namespace wafersim
