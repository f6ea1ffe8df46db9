// `wafersim merge DIR/NAME`: the shards of a sharded run made into one run's files
// (results.csv/json, resolved.yaml, charts), with the same summary `run` prints.

#include <fmt/format.h>
#include <ostream>

#include "sim/cli/cli_common.h"
#include "sim/scenario/shard_merge.h"

namespace wafersim::cli {

int cmd_merge(const Context& ctx, const std::string& dir, bool quiet) {
  const MergeOutcome outcome = merge_shards(dir, ctx.config_root);
  if (!quiet) print_sweep_summary(ctx, outcome.rows, outcome.varying);
  ctx.out << fmt::format("\n{} points from {} shards → {}/\n", outcome.rows.size(), outcome.shards,
                         outcome.dir.string());
  for (const auto& c : outcome.charts)
    if (c.size() > 4 && c.substr(c.size() - 4) == ".png") ctx.out << "  chart: " << c << "\n";
  return kOk;
}

}  // namespace wafersim::cli
