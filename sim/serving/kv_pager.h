#pragma once
// Paged KV-cache memory: the KV capacity left beside the weights is cut into
// blocks of `block_tokens` tokens; a sequence holds ceil(tokens / block_tokens)
// blocks and grows a block at a time. Leaves out fragmentation inside the memory
// system and prefix sharing between requests. Units: blocks and tokens.

#include <cstdint>

namespace wafersim::serving {

class KvPager {
 public:
  KvPager(std::int64_t total_blocks, std::int64_t block_tokens) : total_(total_blocks), block_tokens_(block_tokens) {}

  [[nodiscard]] std::int64_t blocks_for(std::int64_t tokens) const {
    return (tokens + block_tokens_ - 1) / block_tokens_;
  }
  [[nodiscard]] std::int64_t free_blocks() const { return total_ - used_; }
  [[nodiscard]] std::int64_t used_blocks() const { return used_; }
  [[nodiscard]] std::int64_t peak_blocks() const { return peak_; }
  [[nodiscard]] std::int64_t total_blocks() const { return total_; }
  [[nodiscard]] std::int64_t block_tokens() const { return block_tokens_; }

  /// Takes `n` blocks when that many are free; false (and nothing taken) otherwise.
  bool take(std::int64_t n) {
    if (n > free_blocks()) return false;
    used_ += n;
    if (used_ > peak_) peak_ = used_;
    return true;
  }
  void give_back(std::int64_t n) { used_ -= n; }

 private:
  std::int64_t total_, block_tokens_;
  std::int64_t used_ = 0, peak_ = 0;
};

}  // namespace wafersim::serving
