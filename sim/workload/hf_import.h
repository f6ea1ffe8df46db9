#pragma once
// Imports a Hugging Face `config.json` into a ModelSpec. Supported model_type: see
// HfModelTypes::supported() (Llama, Mistral, Mixtral, Qwen2/3, Qwen3-MoE, Gemma 2/3,
// Phi-3, gpt-oss, Llama 4, DeepSeek-V2/V3, GPT-2, BERT). Missing or inconsistent
// fields are InputErrors naming the file and the key.

#include <string>

#include "sim/workload/model_spec.h"

namespace wafersim {

class HfImport {
 public:
  /// Reads `path` (a config.json); the model is named after `_name_or_path`'s last
  /// part when present, else the folder holding config.json, else the file's stem.
  [[nodiscard]] static ModelSpec from_file(const std::string& path);
  /// Parses JSON text; `source` names it in messages.
  [[nodiscard]] static ModelSpec from_text(const std::string& json_text, const std::string& source,
                                           const std::string& name);
};

}  // namespace wafersim
