#pragma once
// What a device kind tells the generic pipeline mapper: how much each device holds,
// how far a layer may be split across devices, and whether to split tensors before
// adding pipeline stages (GPUs inside an NVSwitch domain) or after (wafers, LPUs).

#include <string>

#include "sim/core/units.h"

namespace wafersim {

struct MappingPolicy {
  Bytes capacity_per_device{0};  ///< usable bytes for weights + KV + activations
  int max_tp = 1;                ///< devices one stage may span (GPU: NVLink domain)
  bool tp_first = false;         ///< GPUs: tensor parallel first, pipeline across domains
  /// For messages about capacity in the device's own units ("per core").
  std::int64_t capacity_units = 1;     ///< e.g. usable cores per wafer
  std::string capacity_unit_name;      ///< e.g. "core"; empty = whole device
  std::string device_noun = "device";  ///< "GPU", "wafer", "chip"
  /// > 0: weights live in a separate store of this many bytes per device and are
  /// streamed in each step (wafer weight streaming); capacity_per_device then holds
  /// only the KV cache and activations.
  Bytes weight_store_per_device{0};
  /// > 0: the step's tokens stream through the stages in chunks of this many tokens
  /// (micro-batches), so a stage holds one chunk's activations, not the whole step's
  /// (LPU prefill, A-274). 0 = the whole step's activations are resident.
  std::int64_t activation_chunk_tokens = 0;
  /// How results name this device's memory, so no layer above tests a kind:
  /// the level a memory-bound op reads its weights from ("HBM", "SRAM"; "" = unnamed),
  /// where streamed weights come in (with weight_store_per_device > 0: "the wafer I/O"),
  /// and the header of the op-note column of `explain`.
  std::string weight_memory_name;
  std::string weight_stream_path = "the device I/O";
  std::string op_note_header = "note";
};

}  // namespace wafersim
