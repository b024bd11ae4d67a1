// JSON into the wire tree through nlohmann's SAX interface, which hands us each number's exact
// text (2^70 or 0.1 must not go through a double) and lets us stop at a depth limit.
#include <nlohmann/json.hpp>

#include "tfplugin/wire_tree.h"

namespace tfplugin::wire {
namespace {

class Builder : public nlohmann::json_sax<nlohmann::json> {
 public:
  Builder(int max_depth, std::string& error) : max_depth_(max_depth), error_(error) {}

  bool null() override { return put(Node{}); }
  bool boolean(bool v) override {
    Node n;
    n.kind = Node::Kind::Bool;
    n.b = v;
    return put(std::move(n));
  }
  bool number_integer(number_integer_t v) override {
    Node n;
    n.kind = Node::Kind::Int;
    n.i = v;
    return put(std::move(n));
  }
  bool number_unsigned(number_unsigned_t v) override {
    Node n;
    if (v <= static_cast<uint64_t>(INT64_MAX)) {
      n.kind = Node::Kind::Int;
      n.i = static_cast<int64_t>(v);
    } else {
      n.kind = Node::Kind::Uint;
      n.u = v;
    }
    return put(std::move(n));
  }
  bool number_float(number_float_t, const string_t& text) override {
    Node n;
    n.kind = Node::Kind::NumberText;
    n.s = text;
    return put(std::move(n));
  }
  bool string(string_t& v) override {
    Node n;
    n.kind = Node::Kind::String;
    n.s = std::move(v);
    return put(std::move(n));
  }
  bool binary(binary_t&) override {
    error_ = "binary values are not JSON";
    return false;
  }
  bool start_object(std::size_t) override { return open(Node::Kind::Map); }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Node::Kind::Array); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    if (error_.empty()) error_ = "invalid JSON at byte " + std::to_string(position) + ": " + e.what();
    return false;
  }

  std::optional<Node> result() { return done_ ? std::optional<Node>(std::move(root_)) : std::nullopt; }

 private:
  bool put(Node n) {
    if (stack_.empty()) {
      root_ = std::move(n);
      done_ = true;
      return true;
    }
    Node& parent = *stack_.back();
    if (parent.kind == Node::Kind::Array) {
      parent.items.push_back(std::move(n));
    } else {
      Node k;
      k.kind = Node::Kind::String;
      k.s = std::move(key_);
      parent.entries.push_back({std::move(k), std::move(n)});
    }
    return true;
  }
  bool open(Node::Kind kind) {
    if (static_cast<int>(stack_.size()) >= max_depth_) {
      error_ = "JSON nested deeper than " + std::to_string(max_depth_) + " levels";
      return false;
    }
    Node n;
    n.kind = kind;
    Node* slot;
    if (stack_.empty()) {
      root_ = std::move(n);
      slot = &root_;
    } else {
      put(std::move(n));
      Node& parent = *stack_.back();
      slot = parent.kind == Node::Kind::Array ? &parent.items.back() : &parent.entries.back().second;
    }
    stack_.push_back(slot);
    return true;
  }
  bool close() {
    stack_.pop_back();
    if (stack_.empty()) done_ = true;
    return true;
  }

  int max_depth_;
  std::string& error_;
  Node root_;
  bool done_ = false;
  std::string key_;
  // Pointers into parents' vectors stay valid: a parent only grows while it is the innermost
  // open container, and then no pointer to its children is on the stack.
  std::vector<Node*> stack_;
};

}  // namespace

std::optional<Node> parse_json(std::string_view text, int max_depth, std::string& error) {
  error.clear();
  Builder b(max_depth, error);
  bool ok =
      nlohmann::json::sax_parse(text.begin(), text.end(), &b, nlohmann::json::input_format_t::json, /*strict=*/true);
  if (!ok) {
    if (error.empty()) error = "invalid JSON";
    return std::nullopt;
  }
  return b.result();
}

}  // namespace tfplugin::wire
