#include "sim/core/text.h"

#include <algorithm>

namespace wafersim {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  // A candidate that extends the word, or that the word extends, is the likeliest intent
  // ("h100" → "h100-sxm5", "decoding" → "decode").
  if (word.size() >= 3) {
    const std::string* prefix = nullptr;
    for (const auto& c : candidates) {
      std::size_t common = 0;
      while (common < c.size() && common < word.size() && c[common] == word[common]) ++common;
      const bool related = c.rfind(word, 0) == 0 || (c.size() >= 3 && word.substr(0, c.size()) == c) ||
                           (common >= 5 && common * 4 >= std::min(c.size(), word.size()) * 3);
      if (related && (prefix == nullptr || c.size() < prefix->size())) prefix = &c;
    }
    if (prefix != nullptr) return " (did you mean '" + *prefix + "'?)";
  }
  std::size_t best = std::string::npos;
  const std::string* pick = nullptr;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      pick = &c;
    }
  }
  std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  if (pick == nullptr || best > limit) return "";
  return " (did you mean '" + *pick + "'?)";
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += "'" + s + "'";
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.emplace_back(text.substr(start));
      return parts;
    }
    parts.emplace_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string trim(std::string_view text) {
  std::size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  std::size_t e = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(b, e - b + 1));
}

}  // namespace wafersim
