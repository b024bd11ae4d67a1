// Exact decimal numbers: terraform's arbitrary-precision numbers without a bignum library.
// The canonical text makes equality a string compare and is what the codecs send as a string.
#include <charconv>
#include <cstdio>
#include <cmath>

#include "tfplugin/value.h"

namespace tfplugin {
namespace {

// Longest canonical text accepted: 1e300 is 301 digits; a claimed 1e1000000000 must not make us
// allocate a gigabyte.
constexpr size_t kMaxDigits = 4096;

// value = sign * digits * 10^exponent, digits without leading or trailing zeros.
std::optional<std::string> canonicalize(std::string_view s) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  std::string digits;
  int64_t exponent = 0;
  bool any = false, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (digits.empty() && c == '0') {
        if (dot) --exponent;
        continue;
      }
      if (digits.size() > kMaxDigits) return std::nullopt;
      digits.push_back(c);
      if (dot) --exponent;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any) return std::nullopt;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return std::nullopt;
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
    if (i == s.size()) return std::nullopt;
    int64_t e = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      if (e > 1000000) return std::nullopt;
      e = e * 10 + (s[i] - '0');
    }
    exponent += eneg ? -e : e;
  }
  if (digits.empty()) return std::string("0");
  while (digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  int64_t int_len = static_cast<int64_t>(digits.size()) + exponent;  // digits before the point
  if (int_len > static_cast<int64_t>(kMaxDigits) || -exponent > static_cast<int64_t>(kMaxDigits)) return std::nullopt;
  std::string out = negative ? "-" : "";
  if (exponent >= 0) {
    out += digits;
    out.append(static_cast<size_t>(exponent), '0');
  } else if (int_len > 0) {
    out += digits.substr(0, static_cast<size_t>(int_len));
    out += '.';
    out += digits.substr(static_cast<size_t>(int_len));
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-int_len), '0');
    out += digits;
  }
  return out;
}

}  // namespace

Number::Number(double v) {
  if (!std::isfinite(v)) throw ValueError("a terraform number must be finite");
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  text_ = *canonicalize(std::string_view(buf, r.ptr - buf));
}

std::optional<Number> Number::parse(std::string_view text) {
  auto c = canonicalize(text);
  if (!c) return std::nullopt;
  return Number(std::move(*c));
}

bool Number::is_integer() const {
  return text_.find('.') == std::string::npos;
}

bool Number::fits_int64() const {
  if (!is_integer()) return false;
  int64_t v;
  auto r = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  return r.ec == std::errc() && r.ptr == text_.data() + text_.size();
}

int64_t Number::as_int64() const {
  int64_t v;
  auto r = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (r.ec != std::errc() || r.ptr != text_.data() + text_.size())
    throw ValueError("number " + text_ + " is not a 64-bit integer");
  return v;
}

double Number::as_double() const {
  double v = 0;
  std::from_chars(text_.data(), text_.data() + text_.size(), v);  // out of range: +-inf or 0, as strtod
  return v;
}

bool Number::is_exact_double() const {
  double d = as_double();
  if (!std::isfinite(d)) return false;
  // glibc prints the exact binary value; 1100 fraction digits cover every double.
  std::string buf(1500, '\0');
  int n = std::snprintf(buf.data(), buf.size(), "%.1100f", d);
  if (n <= 0 || static_cast<size_t>(n) >= buf.size()) return false;
  auto exact = canonicalize(std::string_view(buf.data(), static_cast<size_t>(n)));
  return exact && *exact == text_;
}

bool Number::operator<(const Number& o) const {
  bool an = text_[0] == '-', bn = o.text_[0] == '-';
  if (an != bn) return an;
  auto magnitude_less = [](std::string_view a, std::string_view b) {
    auto ai = a.find('.'), bi = b.find('.');
    size_t al = ai == std::string_view::npos ? a.size() : ai, bl = bi == std::string_view::npos ? b.size() : bi;
    if (al != bl) return al < bl;
    return a < b;  // same integer length: lexicographic works ('.' sorts before digits)
  };
  std::string_view a = an ? std::string_view(text_).substr(1) : text_;
  std::string_view b = bn ? std::string_view(o.text_).substr(1) : o.text_;
  if (a == b) return false;
  return an ? magnitude_less(b, a) : magnitude_less(a, b);
}

}  // namespace tfplugin
