// docs/modeling-assumptions.md is the one list of modeling assumptions: every
// entry is a `### A-NN Title` heading, ids are unique, and every `A-NN` cited in
// the code, the configs or the other docs names an entry that exists (ranges such
// as "A-70 .. A-89" name blocks and are not checked id by id).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path root() { return fs::path(WAFERSIM_SOURCE_DIR); }

// Ids defined by `### A-NN ` headings, with the line of each.
std::map<int, int> defined_ids(const std::string& text, std::vector<std::string>& problems) {
  std::map<int, int> ids;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  const std::regex heading(R"(^### A-(\d+) \S)");
  const std::regex other_style(R"(^(\*\*|- \*\*|#{1,2} |#{4,} )A-\d+)");
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (std::regex_search(line, m, heading)) {
      const int id = std::stoi(m[1]);
      if (!ids.emplace(id, n).second)
        problems.push_back("A-" + std::to_string(id) + " defined twice (line " + std::to_string(n) + ")");
    } else if (std::regex_search(line, other_style)) {
      problems.push_back("line " + std::to_string(n) + " defines an assumption in another format: " + line);
    }
  }
  return ids;
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
  const std::regex cite(R"(\bA-(\d{2,3})\b)");
  std::set<std::string> missing;
  for (const char* dir : {"sim", "models", "configs", "docs", "bench", "charts", "scripts"}) {
    for (const auto& e : fs::recursive_directory_iterator(root() / dir)) {
      if (!e.is_regular_file()) continue;
      const auto ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".h" && ext != ".yaml" && ext != ".md" && ext != ".py" && ext != ".sh") continue;
      // A range ("A-70 .. A-89") names a block of ids, not each id in it.
      const std::string text =
          std::regex_replace(read(e.path()), std::regex(R"(A-\d+\s*(\.\.|–|-)\s*A-\d+)"), "(range)");
      for (std::sregex_iterator it(text.begin(), text.end(), cite), end; it != end; ++it) {
        const int id = std::stoi((*it)[1]);
        if (!ids.count(id))
          missing.insert("A-" + std::to_string(id) + " cited in " + fs::relative(e.path(), root()).string());
      }
    }
  }
  for (const auto& m : missing) ADD_FAILURE() << m << " is not in docs/modeling-assumptions.md";
}
