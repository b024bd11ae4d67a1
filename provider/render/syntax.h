#pragma once
// Syntax checks for the values an AppSpec carries. Each returns "" when the value is fine, else a
// sentence saying what is wrong (validate() turns it into a FieldError's detail).
// They follow the rules of the system that will consume the value: Kubernetes' API validation for
// names, ports and quantities, Go's time.ParseDuration for durations (the replicator parses them the
// same way), robfig/cron's standard parser for CronJob schedules (what the CronJob controller uses).

#include <string>

namespace hs::render::syntax {

// RFC 1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, <= max_len.
std::string check_dns1123_label(const std::string& s, size_t max_len = 63);

// Kubernetes IANA_SVC_NAME (container port names): <= 15, [a-z0-9-], a letter, no "--", no edge '-'.
std::string check_port_name(const std::string& s);

// Environment variable name as Kubernetes has always accepted it: [-._a-zA-Z][-._a-zA-Z0-9]*.
std::string check_env_name(const std::string& s);

// A Go duration (parsed by hs::config::parse_duration, as the replicator does) that must be > 0.
std::string check_positive_duration(const std::string& s);

// Cron schedule: 5 fields (minute hour day-of-month month day-of-week) with *, ?, lists, ranges,
// steps and month/day names, or @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly/@every D.
std::string check_cron(const std::string& s);

// IANA time zone name ("UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5").
std::string check_time_zone(const std::string& s);

// http:// or https:// URL with a host (and optional port, path, query).
std::string check_http_url(const std::string& s);

// Absolute path without empty, "." or ".." components and without a trailing '/'.
std::string check_clean_absolute_path(const std::string& s);

// Kubernetes resource quantity ("100m", "0.5", "128Mi", "1e3").
std::string check_quantity(const std::string& s);

// Container image reference: non-empty, no whitespace or control characters.
std::string check_image(const std::string& s);

}  // namespace hs::render::syntax
