#include "sim/config/yaml_loader.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace wafersim {
namespace {

/// Offset of the first byte that does not start or continue a well-formed UTF-8
/// sequence (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF), or npos.
/// YAML is UTF-8 text, and every string a config holds may end up in JSON output.
std::size_t first_invalid_utf8(const std::string& s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = byte(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80) {
      n = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // beyond U+10FFFF
    } else {
      return i;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const unsigned char b = byte(i + k);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i;
    }
    i += n + 1;
  }
  return std::string::npos;
}

/// Builds ConfigNodes from parser events; throws InputError at the first structural
/// problem (the tree cannot be trusted after one).
class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(std::string file) : file_(std::move(file)) {}

  ConfigNode take_root() { return std::move(root_); }
  bool has_root() const { return has_root_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(ConfigNode::make_null(to_mark(mark), ""), mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) fail(mark, "alias refers to an unknown anchor");
    nodes_ += it->second.node_count();
    check_budget(mark);
    ConfigNode copy = it->second;
    add(std::move(copy), mark, 0);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const bool quoted = (tag == "!");
    if (const std::size_t bad = first_invalid_utf8(value); bad != std::string::npos)
      fail(mark,
           fmt::format("text is not valid UTF-8 (byte 0x{:02X} at offset {} of the value); save the file as UTF-8",
                       static_cast<unsigned char>(value[bad]), bad));
    if (!quoted && (value == "~" || value == "null" || value == "Null" || value == "NULL")) {
      add(ConfigNode::make_null(to_mark(mark), ""), mark, anchor);
      return;
    }
    add(ConfigNode::make_scalar(value, to_mark(mark), "", quoted), mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(ConfigNode::make_sequence(to_mark(mark), ""), mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(ConfigNode::make_map(to_mark(mark), ""), mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    ConfigNode node;
    YAML::anchor_t anchor = 0;
    bool expecting_key = true;  // maps only
    std::string pending_key;
    SourceMark pending_key_mark;
  };

  SourceMark to_mark(const YAML::Mark& m) const { return SourceMark{file_, m.line + 1, m.column + 1}; }

  [[noreturn]] void fail(const YAML::Mark& m, const std::string& message) const {
    throw InputError(Diagnostic{file_, m.line + 1, m.column + 1, current_path(), message});
  }

  std::string current_path() const {
    if (stack_.empty()) return "";
    const Open& top = stack_.back();
    if (top.node.is_map() && !top.expecting_key) return join_path(top.node.path(), top.pending_key);
    return top.node.path();
  }

  void check_budget(const YAML::Mark& mark) const {
    if (nodes_ > YamlLoader::kMaxNodes)
      fail(mark, "document too large: more than " + std::to_string(YamlLoader::kMaxNodes) +
                     " nodes (after expanding aliases)");
  }

  void open(ConfigNode node, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (static_cast<int>(stack_.size()) >= YamlLoader::kMaxDepth)
      fail(mark, "nesting deeper than " + std::to_string(YamlLoader::kMaxDepth) + " levels");
    if (!stack_.empty() && stack_.back().node.is_map() && stack_.back().expecting_key)
      fail(mark, "map keys must be plain values, not lists or maps");
    ++nodes_;
    check_budget(mark);
    node.set_path(current_path_for_child());
    stack_.push_back(Open{std::move(node), anchor, true, "", {}});
  }

  std::string current_path_for_child() const {
    if (stack_.empty()) return "";
    const Open& top = stack_.back();
    if (top.node.is_map()) return join_path(top.node.path(), top.pending_key);
    return top.node.path() + "[" + std::to_string(top.node.size()) + "]";
  }

  void close() {
    Open done = std::move(stack_.back());
    stack_.pop_back();
    if (done.anchor != 0) anchors_[done.anchor] = done.node;
    attach(std::move(done.node));
  }

  void add(ConfigNode node, const YAML::Mark& mark, YAML::anchor_t anchor) {
    ++nodes_;
    check_budget(mark);
    if (!stack_.empty() && stack_.back().node.is_map() && stack_.back().expecting_key) {
      Open& top = stack_.back();
      if (!node.is_scalar()) fail(mark, "map keys must be plain values");
      if (top.node.has(node.scalar()))
        throw InputError(Diagnostic{file_, mark.line + 1, mark.column + 1, join_path(top.node.path(), node.scalar()),
                                    "duplicate key '" + node.scalar() + "'"});
      top.pending_key = node.scalar();
      top.pending_key_mark = node.mark();
      top.expecting_key = false;
      return;
    }
    node.set_path(current_path_for_child());
    if (anchor != 0) anchors_[anchor] = node;
    attach(std::move(node));
  }

  void attach(ConfigNode node) {
    if (stack_.empty()) {
      root_ = std::move(node);
      has_root_ = true;
      return;
    }
    Open& top = stack_.back();
    if (top.node.is_map()) {
      node.set_path(join_path(top.node.path(), top.pending_key));
      top.node.insert(top.pending_key, std::move(node), top.pending_key_mark);
      top.expecting_key = true;
    } else {
      top.node.append(std::move(node));
    }
  }

  std::string file_;
  std::vector<Open> stack_;
  std::map<YAML::anchor_t, ConfigNode> anchors_;
  std::size_t nodes_ = 0;
  ConfigNode root_;
  bool has_root_ = false;
};

ConfigNode parse(std::istream& in, const std::string& name) {
  TreeBuilder builder(name);
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder) || !builder.has_root())
      throw InputError(Diagnostic{name, 0, 0, "", "file is empty (expected a map with a 'kind:' key)"});
    TreeBuilder second(name);
    if (parser.HandleNextDocument(second))
      throw InputError(Diagnostic{name, 0, 0, "", "more than one YAML document in the file (expected one)"});
  } catch (const YAML::DeepRecursion& e) {
    throw InputError(Diagnostic{name, e.mark.line + 1, e.mark.column + 1, "",
                                "nesting too deep (at most " + std::to_string(YamlLoader::kMaxDepth) + " levels)"});
  } catch (const YAML::Exception& e) {
    throw InputError(Diagnostic{name, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg});
  }
  return builder.take_root();
}

}  // namespace

ConfigNode YamlLoader::load_file(const std::string& path, const std::string& display_name) {
  const std::string name = display_name.empty() ? path : display_name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Diagnostic{name, 0, 0, "", "cannot open file"});
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size > kMaxFileBytes)
    throw InputError(Diagnostic{
        name, 0, 0, "",
        "file too large (" + std::to_string(size) + " bytes; at most " + std::to_string(kMaxFileBytes) + ")"});
  in.seekg(0);
  std::ostringstream text;
  text << in.rdbuf();
  return load_string(text.str(), name);
}

ConfigNode YamlLoader::load_string(const std::string& text, const std::string& name) {
  if (text.size() > kMaxFileBytes) throw InputError(Diagnostic{name, 0, 0, "", "input too large"});
  if (text.find('\0') != std::string::npos)
    throw InputError(Diagnostic{name, 0, 0, "", "not a text file (contains NUL bytes)"});
  // yaml-cpp recurses once per flow bracket before our depth check can see it;
  // refuse absurd bracket nesting up front so the parser's stack stays small.
  int depth = 0, line = 1;
  for (char c : text) {
    if (c == '\n') ++line;
    if (c == '[' || c == '{') {
      if (++depth > kMaxDepth)
        throw InputError(Diagnostic{name, line, 0, "", "nesting deeper than " + std::to_string(kMaxDepth) + " levels"});
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  std::istringstream in(text);
  return parse(in, name);
}

}  // namespace wafersim
