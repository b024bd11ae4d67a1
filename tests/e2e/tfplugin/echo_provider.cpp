// tfplugin-echo: a test-only provider whose resource has an attribute or block of every type kind
// and nesting mode. It stores what it is given (plus a few computed values), so real terraform
// can check that every kind survives plan -> apply -> state -> re-plan unchanged.
#include <stdexcept>

#include "tfplugin/provider.h"
#include "tfplugin/server.h"

using namespace tfplugin;

namespace {

Block item_block() {
  return Block{{attr("key", Type::string()).required_(), attr("value", Type::string()).optional_()}};
}

Schema thing_schema() {
  Schema s;
  s.version = 1;
  s.block.attributes = {
      attr("id", Type::string()).computed_(),
      attr("name", Type::string()).required_().description("Changing it replaces the thing."),
      attr("name_length", Type::number()).computed_(),
      attr("count_value", Type::number()).optional_(),
      attr("enabled", Type::boolean()).optional_(),
      attr("tags", Type::map(Type::string())).optional_(),
      attr("ports", Type::list(Type::number())).optional_(),
      attr("zones", Type::set(Type::string())).optional_(),
      attr("shape", Type::object({{"a", Type::string()}, {"b", Type::number()}}, {"b"})).optional_(),
      attr("triple", Type::tuple({Type::string(), Type::number(), Type::boolean()})).optional_(),
      attr("anything", Type::dynamic()).optional_(),
      attr("secret", Type::string()).optional_().sensitive_(),
      attr("secret_echo", Type::string()).computed_().sensitive_(),
      nested_attr("settings", NestingMode::Single, {attr("mode", Type::string()).required_(), attr("level", Type::number()).optional_()})
          .optional_(),
      nested_attr("rules", NestingMode::List, {attr("port", Type::number()).required_()}).optional_(),
      nested_attr("envs", NestingMode::Map, {attr("value", Type::string()).required_()}).optional_(),
      nested_attr("members", NestingMode::Set, {attr("name", Type::string()).required_()}).optional_(),
  };
  s.block.block_types = {
      NestedBlock{"item", item_block(), NestingMode::List, 0, 0},
      NestedBlock{"single", Block{{attr("note", Type::string()).optional_()}}, NestingMode::Single, 0, 0},
      NestedBlock{"flag", Block{{attr("label", Type::string()).required_()}}, NestingMode::Set, 0, 0},
      NestedBlock{"named", Block{{attr("port", Type::number()).required_()}}, NestingMode::Map, 0, 0},
      NestedBlock{"grouped", Block{{attr("level", Type::string()).optional_()}}, NestingMode::Group, 0, 0},
  };
  return s;
}

class Thing : public Resource {
 public:
  explicit Thing(std::string* prefix) : prefix_(prefix) {}
  Schema schema() const override { return thing_schema(); }

  ValidateResponse validate(const ValidateRequest& req) override {
    ValidateResponse resp;
    const Value& name = req.config["name"];
    if (name.is_known() && !name.is_null() && name.as_string() == "invalid")
      resp.diagnostics.add_error("Invalid name", "name must not be \"invalid\" (echo test rule)", AttributePath("name"));
    const Value& items = req.config["item"];
    if (items.is_wholly_known() && !items.is_null())
      for (size_t i = 0; i < items.size(); ++i)
        if (items[i]["key"].is_known() && items[i]["key"].string_or("") == "bad")
          resp.diagnostics.add_error("Invalid item key", "key must not be \"bad\"", AttributePath("item").index(int64_t(i)).attr("key"));
    // A path into a set element (which the protocol can't express) is cut at the set by the server.
    const Value& flags = req.config["flag"];
    if (flags.is_wholly_known() && !flags.is_null())
      for (size_t i = 0; i < flags.size(); ++i)
        if (flags[i]["label"].string_or("") == "bad")
          resp.diagnostics.add_error("Invalid flag label", "label must not be \"bad\"", AttributePath("flag").index(int64_t(i)).attr("label"));
    // A resource bug must come back as an error diagnostic, never a crashed plugin.
    if (name.is_known() && !name.is_null() && name.as_string() == "throw") throw std::runtime_error("echo: thrown on purpose");
    return resp;
  }

  PlanResponse plan(const PlanRequest& req) override {
    PlanResponse resp;
    Value p = req.proposed_new_state;
    const Value& name = p["name"];
    if (req.prior_state.is_null()) p = p.with_attribute("id", Value::unknown(Type::string(), Refinements::known_not_null()));
    p = p.with_attribute("name_length",
                         name.is_known() ? Value::number(Number(int64_t(name.as_string().size()))) : Value::unknown(Type::number()));
    p = p.with_attribute("secret_echo", p["secret"].is_known() ? p["secret"] : Value::unknown(Type::string()));
    if (!req.prior_state.is_null() && req.prior_state["name"] != name) {
      resp.requires_replace.push_back(AttributePath("name"));
      p = p.with_attribute("id", Value::unknown(Type::string()));
    }
    resp.planned_state = p;
    resp.planned_private = req.prior_private.empty() ? "planned" : req.prior_private;
    return resp;
  }

  ApplyResponse apply(const ApplyRequest& req) override {
    ApplyResponse resp;
    if (req.planned_state.is_null()) return resp;  // delete
    Value s = req.planned_state;
    if (!s["id"].is_known()) s = s.with_attribute("id", Value::string(*prefix_ + s["name"].as_string()));
    s = s.with_attribute("secret_echo", s["secret"]);
    resp.new_state = s;
    resp.private_data = "applied";
    return resp;
  }

  ReadResponse read(const ReadRequest& req) override {
    if (req.private_data != "applied" && req.private_data != "imported")
      throw std::runtime_error("private data was not kept: got \"" + req.private_data + "\"");
    return {req.current_state, req.private_data, {}};
  }

  ImportResponse import_state(const ImportRequest& req) override {
    ImportResponse resp;
    resp.state = Value::object(thing_schema().block.implied_type(),
                               {{"id", Value::string(req.id)},
                                {"name", Value::string(req.id.substr(prefix_->size()))},
                                {"name_length", Value::number(Number(int64_t(req.id.size() - prefix_->size())))}});
    resp.private_data = "imported";
    return resp;
  }

 private:
  std::string* prefix_;
};

class Lookup : public DataSource {
 public:
  Schema schema() const override {
    return {0, Block{{attr("input", Type::string()).required_(), attr("upper", Type::string()).computed_()}}};
  }
  ReadDataResponse read(const ReadDataRequest& req) override {
    std::string s = req.config["input"].as_string();
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return {req.config.with_attribute("upper", Value::string(s)), {}};
  }
};

class Echo : public Provider {
 public:
  Schema provider_schema() const override { return {0, Block{{attr("prefix", Type::string()).optional_()}}}; }
  ConfigureResponse configure(const ConfigureRequest& req) override {
    prefix_ = req.config["prefix"].string_or("echo-");
    return {};
  }
  std::map<std::string, std::shared_ptr<Resource>> resources() override { return {{"echo_thing", std::make_shared<Thing>(&prefix_)}}; }
  std::map<std::string, std::shared_ptr<DataSource>> data_sources() override { return {{"echo_lookup", std::make_shared<Lookup>()}}; }

 private:
  std::string prefix_ = "echo-";
};

}  // namespace

int main(int argc, char** argv) {
  Echo provider;
  ServeOptions options;
  options.registry_address = "registry.terraform.io/homeserver/echo";
  return serve(provider, argc, argv, options);
}
