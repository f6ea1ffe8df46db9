// Runs the wafersim binary on every case of tests/bad_inputs/ and checks that it
// fails cleanly: exit code 2, the expected message, and no crash or sanitizer report.
//
// A case is NAME.expected (the message fragment, first line) plus either
// NAME.args (command-line arguments, one per line; "{dir}" is the corpus folder)
// or NAME.yaml (checked with `wafersim check NAME.yaml`).

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace {

struct Outcome {
  int code = -1;
  bool signaled = false;
  std::string output;
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Outcome run(const std::vector<std::string>& args) {
  std::string cmd = quote(WAFERSIM_BINARY);
  for (const auto& a : args) {
    cmd += ' ';
    cmd += quote(a);
  }
  cmd += " 2>&1";
  Outcome o;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return o;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) o.output.append(buf.data(), n);
  const int status = ::pclose(p);
  o.signaled = WIFSIGNALED(status);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::string read_first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::vector<std::string> cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(WAFERSIM_BAD_INPUTS))
    if (e.path().extension() == ".expected") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class BadInput : public ::testing::TestWithParam<std::string> {};

TEST_P(BadInput, ExitsTwoWithTheExpectedMessage) {
  const fs::path dir = WAFERSIM_BAD_INPUTS;
  const std::string name = GetParam();
  std::vector<std::string> args;
  if (fs::exists(dir / (name + ".args"))) {
    std::ifstream in(dir / (name + ".args"));
    std::string line;
    while (std::getline(in, line)) {
      if (auto pos = line.find("{dir}"); pos != std::string::npos) line.replace(pos, 5, dir.string());
      if (!line.empty()) args.push_back(line);
    }
  } else {
    args = {"check", (dir / (name + ".yaml")).string()};
  }
  std::string expected = read_first_line(dir / (name + ".expected"));
  if (auto pos = expected.find("{dir}"); pos != std::string::npos) expected.replace(pos, 5, dir.string());
  const Outcome o = run(args);
  EXPECT_FALSE(o.signaled) << o.output;
  EXPECT_EQ(o.code, 2) << o.output;
  EXPECT_NE(o.output.find(expected), std::string::npos) << "expected: " << expected << "\ngot: " << o.output;
  EXPECT_EQ(o.output.find("runtime error"), std::string::npos) << o.output;
  EXPECT_EQ(o.output.find("Sanitizer"), std::string::npos) << o.output;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
