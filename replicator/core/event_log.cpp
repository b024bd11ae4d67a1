#include "core/event_log.h"

#include "gotext/duration.h"

namespace hs::core {

std::string LogValue::str() const {
  switch (kind) {
    case Kind::integer: return std::to_string(number);
    case Kind::duration: return gotext::format_duration(std::chrono::nanoseconds(number));
    default: return text;
  }
}

}  // namespace hs::core
