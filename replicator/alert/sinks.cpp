#include <nlohmann/json.hpp>
#include <stdexcept>

#include "alert/http_post.h"
#include "alert/sink.h"

namespace hs::alert {
namespace {

using json = nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

class HttpSink : public Sink {
 public:
  HttpSink(std::string name, std::string url) : name_(std::move(name)), url_(std::move(url)) {}
  std::string name() const override { return name_; }
  std::string target() const override { return hs::log::redact_url(url_); }

 protected:
  void post(const std::string& url, const std::vector<std::string>& headers, const std::string& body) {
    HttpResponse r = http_post(url, headers, body);
    if (!r.ok()) throw std::runtime_error(scrub_url_secrets(r.describe(), url));
  }

  std::string name_, url_;
};

class SlackSink : public HttpSink {
 public:
  using HttpSink::HttpSink;
  void send(const Alert& a) override {
    const char* icon = a.level == hs::log::Level::error ? ":red_circle:" : ":warning:";
    json body = {{"text", std::string(icon) + " *" + a.title() + "*\n" + a.text()}};
    post(url_, {"Content-Type: application/json"}, dump(body));
  }
};

class GotifySink : public HttpSink {
 public:
  GotifySink(std::string name, std::string url, std::string token, std::optional<int64_t> priority)
      : HttpSink(std::move(name), std::move(url)), token_(std::move(token)), priority_(priority) {}
  void send(const Alert& a) override {
    std::string base = url_;
    while (!base.empty() && base.back() == '/') base.pop_back();
    const int64_t prio = priority_.value_or(a.level == hs::log::Level::error ? 8 : 5);
    json body = {{"title", a.title()}, {"message", a.text()}, {"priority", prio}};
    post(base + "/message", {"Content-Type: application/json", "X-Gotify-Key: " + token_}, dump(body));
  }

 private:
  std::string token_;
  std::optional<int64_t> priority_;
};

class NtfySink : public HttpSink {
 public:
  NtfySink(std::string name, std::string url, std::optional<std::string> topic, std::string token,
           std::optional<int64_t> priority)
      : HttpSink(std::move(name), std::move(url)),
        topic_(std::move(topic)),
        token_(std::move(token)),
        priority_(priority) {}
  void send(const Alert& a) override {
    std::string url = url_;
    if (topic_) {
      while (!url.empty() && url.back() == '/') url.pop_back();
      url += "/" + *topic_;
    }
    const int64_t prio = priority_.value_or(a.level == hs::log::Level::error ? 4 : 3);
    std::vector<std::string> headers = {
        "Content-Type: text/plain; charset=utf-8", "Title: " + a.title(), "Priority: " + std::to_string(prio),
        std::string("Tags: ") + (a.level == hs::log::Level::error ? "rotating_light" : "warning")};
    if (!token_.empty()) headers.push_back("Authorization: Bearer " + token_);
    post(url, headers, a.text());
  }

 private:
  std::optional<std::string> topic_;
  std::string token_;
  std::optional<int64_t> priority_;
};

class WebhookSink : public HttpSink {
 public:
  WebhookSink(std::string name, std::string url, std::string token)
      : HttpSink(std::move(name), std::move(url)), token_(std::move(token)) {}
  void send(const Alert& a) override {
    json event = json::parse(a.event_json, nullptr, false);
    json fields = json::object();
    if (event.is_object())
      for (auto it = event.begin(); it != event.end(); ++it)
        if (it.key() != "time" && it.key() != "level" && it.key() != "msg") fields[it.key()] = it.value();
    json body = {{"source", "homeserver-replicator"},
                 {"host", a.host},
                 {"time", event.is_object() && event.contains("time") ? event["time"] : json(nullptr)},
                 {"level", hs::log::level_name(a.level)},
                 {"msg", a.msg},
                 {"title", a.title()},
                 {"text", a.text()},
                 {"dropped", a.dropped_before},
                 {"fields", fields}};
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (!token_.empty()) headers.push_back("Authorization: Bearer " + token_);
    post(url_, headers, dump(body));
  }

 private:
  std::string token_;
};

}  // namespace

std::unique_ptr<Sink> make_sink(const hs::config::AlertSinkConfig& c, const std::string& key_path) {
  const std::string name = c.name.value_or(c.type);
  const std::string url = hs::config::read_secret(c.url, c.url_file, key_path + ".url");
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    throw hs::config::ConfigError(key_path + ".url: must start with http:// or https://");
  const std::string token = hs::config::read_secret(c.token, c.token_file, key_path + ".token");
  if (c.type == "slack") return std::make_unique<SlackSink>(name, url);
  if (c.type == "gotify") {
    if (token.empty()) throw hs::config::ConfigError(key_path + ".token: token or token-file required for gotify");
    return std::make_unique<GotifySink>(name, url, token, c.priority);
  }
  if (c.type == "ntfy") return std::make_unique<NtfySink>(name, url, c.topic, token, c.priority);
  if (c.type == "webhook") return std::make_unique<WebhookSink>(name, url, token);
  throw hs::config::ConfigError(key_path + ".type: unknown sink type \"" + c.type + "\"");
}

}  // namespace hs::alert
