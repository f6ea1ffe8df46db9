#pragma once
// Imports a Hugging Face `config.json` into a ModelSpec. Supported model_type:
// llama, mistral, mixtral, qwen2, deepseek_v3, gpt2, bert. Missing or inconsistent
// fields are InputErrors naming the file and the key.

#include <string>

#include "sim/workload/model_spec.h"

namespace wafersim {

class HfImport {
 public:
  /// Reads `path` (a config.json); `name` defaults to the file's parent folder name.
  [[nodiscard]] static ModelSpec from_file(const std::string& path);
  /// Parses JSON text; `source` names it in messages.
  [[nodiscard]] static ModelSpec from_text(const std::string& json_text, const std::string& source,
                                           const std::string& name);
};

}  // namespace wafersim
