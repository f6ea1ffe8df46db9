// docs/modeling-assumptions.md is the one list of modeling assumptions: every
// entry is a `### A-NN Title` heading, ids are unique, and every `A-NN` cited in
// the code, the configs or the other docs names an entry that exists (ranges such
// as "A-70 .. A-89" name blocks and are not checked id by id).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path root() { return fs::path(WAFERSIM_SOURCE_DIR); }

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Digits of `text` from `at` (how many), written without std::regex: GCC 12 warns
/// (-Wmaybe-uninitialized) inside <regex> in the sanitizer build, which uses -Werror.
std::size_t digits_at(const std::string& text, std::size_t at) {
  std::size_t n = 0;
  while (at + n < text.size() && is_digit(text[at + n])) ++n;
  return n;
}

/// "A-NN" at `at`: the number of digits after "A-" (0 when there is no id there).
std::size_t id_at(const std::string& text, std::size_t at) {
  if (text.compare(at, 2, "A-") != 0) return 0;
  return digits_at(text, at + 2);
}

/// Another format for an entry: a line starting with "**", "- **", "# ", "## " or "#### " before an id.
bool other_style(const std::string& line) {
  for (const char* lead : {"**", "- **", "# ", "## "})
    if (line.rfind(lead, 0) == 0 && id_at(line, std::string(lead).size()) > 0) return true;
  std::size_t hashes = 0;
  while (hashes < line.size() && line[hashes] == '#') ++hashes;
  return hashes >= 4 && hashes < line.size() && line[hashes] == ' ' && id_at(line, hashes + 1) > 0;
}

// Ids defined by `### A-NN ` headings, with the line of each.
std::map<int, int> defined_ids(const std::string& text, std::vector<std::string>& problems) {
  std::map<int, int> ids;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::size_t d = line.rfind("### ", 0) == 0 ? id_at(line, 4) : 0;
    if (d > 0 && line.size() > 6 + d + 1 && line[6 + d] == ' ' && line[7 + d] != ' ') {
      const int id = std::stoi(line.substr(6, d));
      if (!ids.emplace(id, n).second)
        problems.push_back("A-" + std::to_string(id) + " defined twice (line " + std::to_string(n) + ")");
    } else if (other_style(line)) {
      problems.push_back("line " + std::to_string(n) + " defines an assumption in another format: " + line);
    }
  }
  return ids;
}

/// Ids cited in `text` as whole words ("A-NN", 2 or 3 digits); a range ("A-70 .. A-89",
/// "A-70–A-89", "A-70-A-89") names a block of ids, not each id in it.
std::vector<int> cited_ids(const std::string& text) {
  std::vector<int> out;
  for (std::size_t at = text.find("A-"); at != std::string::npos; at = text.find("A-", at + 1)) {
    const std::size_t d = id_at(text, at);
    if (d == 0) continue;
    std::size_t next = at + 2 + d;
    std::size_t k = next;
    while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k]))) ++k;
    std::size_t sep = text.compare(k, 2, "..") == 0       ? 2
                      : text.compare(k, 3, "\u2013") == 0 ? 3
                      : text.compare(k, 1, "-") == 0      ? 1
                                                          : 0;
    if (sep > 0) {
      k += sep;
      while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k]))) ++k;
      if (const std::size_t d2 = id_at(text, k); d2 > 0) {
        at = k + 2 + d2 - 1;  // past the range's second id
        continue;
      }
    }
    const bool whole = (at == 0 || !is_word(text[at - 1])) && (next >= text.size() || !is_word(text[next]));
    if (whole && d >= 2 && d <= 3) out.push_back(std::stoi(text.substr(at + 2, d)));
  }
  return out;
}

}  // namespace

TEST(ModelingAssumptions, OneHeadingFormatAndUniqueIds) {
  std::vector<std::string> problems;
  const auto ids = defined_ids(read(root() / "docs" / "modeling-assumptions.md"), problems);
  EXPECT_GT(ids.size(), 50u);
  for (const auto& p : problems) ADD_FAILURE() << p;
}

TEST(ModelingAssumptions, EveryCitedIdExists) {
  std::vector<std::string> problems;
  const auto ids = defined_ids(read(root() / "docs" / "modeling-assumptions.md"), problems);
  std::set<std::string> missing;
  for (const char* dir : {"sim", "models", "configs", "docs", "bench", "charts", "scripts"}) {
    for (const auto& e : fs::recursive_directory_iterator(root() / dir)) {
      if (!e.is_regular_file()) continue;
      const auto ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".h" && ext != ".yaml" && ext != ".md" && ext != ".py" && ext != ".sh") continue;
      for (const int id : cited_ids(read(e.path())))
        if (!ids.count(id))
          missing.insert("A-" + std::to_string(id) + " cited in " + fs::relative(e.path(), root()).string());
    }
  }
  for (const auto& m : missing) ADD_FAILURE() << m << " is not in docs/modeling-assumptions.md";
}
