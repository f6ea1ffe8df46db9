#pragma once
// What the build knows about itself: version, git hash and the source tree it
// came from. Kept in one generated file (build_info.cpp.in) so that a change of
// commit or checkout recompiles one translation unit, not the whole library.

namespace wafersim {

const char* build_version();
const char* build_git_hash();
// The source tree at configure time: the last place searched for configs/ and
// charts/ when neither is found beside the working directory or the binary.
const char* build_source_dir();

}  // namespace wafersim
