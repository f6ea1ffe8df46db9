#include "sim/config/config_node.h"

#include <algorithm>

namespace wafersim {

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

ConfigNode ConfigNode::make_null(SourceMark mark, std::string path) {
  ConfigNode n;
  n.type_ = Type::Null;
  n.mark_ = std::move(mark);
  n.path_ = std::move(path);
  return n;
}

ConfigNode ConfigNode::make_scalar(std::string value, SourceMark mark, std::string path, bool quoted) {
  ConfigNode n;
  n.type_ = Type::Scalar;
  n.scalar_ = std::move(value);
  n.quoted_ = quoted;
  n.mark_ = std::move(mark);
  n.path_ = std::move(path);
  return n;
}

ConfigNode ConfigNode::make_sequence(SourceMark mark, std::string path) {
  ConfigNode n;
  n.type_ = Type::Sequence;
  n.mark_ = std::move(mark);
  n.path_ = std::move(path);
  return n;
}

ConfigNode ConfigNode::make_map(SourceMark mark, std::string path) {
  ConfigNode n;
  n.type_ = Type::Map;
  n.mark_ = std::move(mark);
  n.path_ = std::move(path);
  return n;
}

std::string ConfigNode::type_name(Type t) {
  switch (t) {
    case Type::Null:
      return "nothing";
    case Type::Scalar:
      return "a value";
    case Type::Sequence:
      return "a list";
    case Type::Map:
      return "a map";
  }
  return "?";
}

const ConfigNode* ConfigNode::find(std::string_view key) const {
  if (type_ != Type::Map) return nullptr;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      consumed_[i] = true;
      return &children_[i];
    }
  }
  return nullptr;
}

bool ConfigNode::has(std::string_view key) const { return std::find(keys_.begin(), keys_.end(), key) != keys_.end(); }

void ConfigNode::consume_all() const { std::fill(consumed_.begin(), consumed_.end(), true); }

std::vector<std::string> ConfigNode::unconsumed_keys() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (!consumed_[i]) out.push_back(keys_[i]);
  return out;
}

void ConfigNode::append(ConfigNode child) { children_.push_back(std::move(child)); }

void ConfigNode::insert(std::string key, ConfigNode child, std::optional<SourceMark> key_mark) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      key_marks_[i] = key_mark.value_or(child.mark());
      children_[i] = std::move(child);
      return;
    }
  }
  key_marks_.push_back(key_mark.value_or(child.mark()));
  keys_.push_back(std::move(key));
  children_.push_back(std::move(child));
  consumed_.push_back(false);
}

ConfigNode* ConfigNode::find_mutable(std::string_view key) {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &children_[i];
  return nullptr;
}

void ConfigNode::erase(std::string_view key) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
      key_marks_.erase(key_marks_.begin() + static_cast<std::ptrdiff_t>(i));
      children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(i));
      consumed_.erase(consumed_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

void ConfigNode::set_path(std::string path) {
  path_ = std::move(path);
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (type_ == Type::Map)
      children_[i].set_path(join_path(path_, keys_[i]));
    else
      children_[i].set_path(path_ + "[" + std::to_string(i) + "]");
  }
}

std::size_t ConfigNode::node_count() const {
  std::size_t n = 1;
  for (const auto& c : children_) n += c.node_count();
  return n;
}

Diagnostic ConfigNode::error(std::string message) const {
  return Diagnostic{mark_.file, mark_.line, mark_.column, path_, std::move(message)};
}

Diagnostic ConfigNode::error_at_key(std::string_view key, std::string message) const {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return children_[i].error(std::move(message));
  return Diagnostic{mark_.file, mark_.line, mark_.column, join_path(path_, key), std::move(message)};
}

Diagnostic ConfigNode::error_at_key_name(std::string_view key, std::string message) const {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      const SourceMark& m = key_marks_[i];
      return Diagnostic{m.file, m.line, m.column, children_[i].path(), std::move(message)};
    }
  }
  return error_at_key(key, std::move(message));
}

ConfigNode ConfigNode::merge(const ConfigNode& base, const ConfigNode& over) {
  if (!base.is_map() || !over.is_map()) return over;
  ConfigNode out = base;
  for (std::size_t i = 0; i < over.keys_.size(); ++i) {
    const std::string& key = over.keys_[i];
    if (ConfigNode* existing = out.find_mutable(key)) {
      out.insert(key, merge(*existing, over.children_[i]), over.key_marks_[i]);
    } else {
      out.insert(key, over.children_[i], over.key_marks_[i]);
    }
  }
  return out;
}

namespace {
bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  static const std::string special = ":#{}[],&*!|>'\"%@`";
  if (special.find(s.front()) != std::string::npos || s.front() == '-' || s.front() == '?') return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  return s.find('\n') != std::string::npos;
}
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}
std::string scalar_text(const ConfigNode& n) {
  return (n.quoted() || needs_quotes(n.scalar())) ? quote(n.scalar()) : n.scalar();
}
}  // namespace

std::string ConfigNode::to_yaml(int indent) const {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  std::string out;
  if (type_ == Type::Map) {
    if (children_.empty()) return pad + "{}\n";
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      const ConfigNode& c = children_[i];
      const std::string key = needs_quotes(keys_[i]) ? quote(keys_[i]) : keys_[i];
      if (c.is_scalar())
        out += pad + key + ": " + scalar_text(c) + "\n";
      else if (c.is_null())
        out += pad + key + ": null\n";
      else if (c.children_.empty())
        out += pad + key + (c.is_map() ? ": {}\n" : ": []\n");
      else
        out += pad + key + ":\n" + c.to_yaml(indent + 2);
    }
  } else if (type_ == Type::Sequence) {
    if (children_.empty()) return pad + "[]\n";
    for (const auto& c : children_) {
      if (c.is_scalar())
        out += pad + "- " + scalar_text(c) + "\n";
      else if (c.is_null())
        out += pad + "- null\n";
      else {
        std::string inner = c.to_yaml(indent + 2);
        // Put the first line of the nested block right after the dash.
        out += pad + "- " + inner.substr(static_cast<std::size_t>(indent) + 2);
      }
    }
  } else if (type_ == Type::Scalar) {
    out += pad + scalar_text(*this) + "\n";
  } else {
    out += pad + "null\n";
  }
  return out;
}

}  // namespace wafersim
