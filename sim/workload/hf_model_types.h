#pragma once
// The per-model_type readers of HfImport: which config.json keys give which
// ModelSpec shapes for each supported Hugging Face model_type. Multimodal configs
// (gemma3, llama4) import their language model (text_config); the vision encoder is
// left out. Fields that change cost but not shapes (rope scaling, soft-caps,
// activation names) are not read.

#include <string>
#include <vector>

#include "sim/workload/hf_fields.h"
#include "sim/workload/model_spec.h"

namespace wafersim {

class HfModelTypes {
 public:
  /// The model_type values HfImport accepts, sorted.
  [[nodiscard]] static const std::vector<std::string>& supported();
  /// Fills `m` from the fields of a config of `type` (one of supported()).
  static void read(HfFields& f, const std::string& type, ModelSpec& m);
};

}  // namespace wafersim
