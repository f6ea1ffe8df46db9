#include "sim/workload/model_loader.h"

#include "sim/core/error.h"
#include "sim/workload/hf_import.h"

namespace wafersim {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

ModelSpec ModelLoader::load(ConfigLibrary& library, const std::string& name_or_path, const std::string& what) {
  if (ends_with(name_or_path, ".json")) return HfImport::from_file(name_or_path);
  LoadedConfig config = library.load(name_or_path, {ConfigFolder::Models}, what);
  if (config.kind != "model")
    throw InputError(
        Diagnostic{config.source, 0, 0, what, "'" + config.name + "' is a " + config.kind + ", not a model"});
  return parse(config);
}

ModelSpec ModelLoader::parse(const LoadedConfig& config) {
  if (config.kind != "model")
    throw InputError(
        Diagnostic{config.source, 0, 0, "kind", "'" + config.name + "' is a " + config.kind + ", not a model"});
  Diagnostics d;
  ModelSpec spec;
  model_schema().parse(config.node, spec, d);
  d.throw_if_any();
  spec.name = config.name;
  return spec;
}

}  // namespace wafersim
