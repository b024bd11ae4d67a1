#pragma once
// What a provider tells the user: errors and warnings, optionally pointing at an attribute.
// Resource code reports every problem through these; it never throws on bad user input.

#include <optional>
#include <string>
#include <vector>

#include "tfplugin/attribute_path.h"

namespace tfplugin {

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string summary;                     // one line, shown after "Error: "
  std::string detail;                      // the explanation: what is wrong and what to do
  std::optional<AttributePath> attribute;  // set: terraform points at that config line
};

class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void add_error(std::string summary, std::string detail = {}, std::optional<AttributePath> at = std::nullopt);
  void add_warning(std::string summary, std::string detail = {}, std::optional<AttributePath> at = std::nullopt);
  void append(const Diagnostics& other);

  bool has_errors() const;
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

  // One line per diagnostic ("error: summary: detail (at path)"), for logs and tests.
  std::string to_string() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace tfplugin
