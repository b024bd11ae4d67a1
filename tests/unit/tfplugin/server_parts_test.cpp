// The server's pure parts: handshake strings, base64 of the certificate, the certificate itself,
// and schema/diagnostic conversion to the tfplugin6 messages.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tfplugin/codec.h"
#include "tfplugin/proto_convert.h"
#include "tfplugin/provider_service.h"
#include "tfplugin/server_handshake.h"
#include "tfplugin/server_tls.h"

using namespace tfplugin;

TEST_CASE("handshake: protocol versions and lines", "[server]") {
  CHECK(handshake::check_protocol_versions(nullptr).empty());
  CHECK(handshake::check_protocol_versions("5,6").empty());
  CHECK(handshake::check_protocol_versions("6,5").empty());
  CHECK(handshake::check_protocol_versions(" 6 ").empty());
  CHECK(handshake::check_protocol_versions("5").find("PLUGIN_PROTOCOL_VERSIONS") != std::string::npos);
  CHECK(handshake::check_protocol_versions("56,7").find("does not include 6") != std::string::npos);
  CHECK(handshake::handshake_line("/tmp/x/plugin.sock", "") == "1|6|unix|/tmp/x/plugin.sock|grpc|");
  CHECK(
      handshake::reattach_line("registry.terraform.io/homeserver/homeserver", 42, "/s") ==
      R"(TF_REATTACH_PROVIDERS='{"registry.terraform.io/homeserver/homeserver":{"Protocol":"grpc","ProtocolVersion":6,"Pid":42,"Test":true,"Addr":{"Network":"unix","String":"/s"}}}')");
}

TEST_CASE("handshake: socket directory is private and removed", "[server]") {
  std::string dir;
  {
    handshake::SocketDir d;
    dir = d.socket_path().substr(0, d.socket_path().rfind('/'));
    struct stat st;
    REQUIRE(stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
  }
  struct stat st;
  CHECK(stat(dir.c_str(), &st) != 0);
}

TEST_CASE("base64 without padding, as go's RawStdEncoding", "[server][tls]") {
  CHECK(tls::base64_no_padding("") == "");
  CHECK(tls::base64_no_padding("f") == "Zg");
  CHECK(tls::base64_no_padding("fo") == "Zm8");
  CHECK(tls::base64_no_padding("foo") == "Zm9v");
  CHECK(tls::base64_no_padding("foob") == "Zm9vYg");
  CHECK(tls::base64_no_padding(std::string("\xfb\xff", 2)) == "+/8");
}

TEST_CASE("server certificate: P-256, SAN DNS:localhost", "[server][tls]") {
  auto cert = tls::make_server_cert();
  CHECK(cert.cert_der_base64.find('=') == std::string::npos);
  BIO* bio = BIO_new_mem_buf(cert.cert_pem.data(), static_cast<int>(cert.cert_pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  REQUIRE(x);
  CHECK(X509_check_host(x, "localhost", 0, 0, nullptr) == 1);
  EVP_PKEY* key = X509_get0_pubkey(x);
  char group[64] = {0};
  size_t len = 0;
  EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len);
  CHECK(std::string(group) == "prime256v1");
  CHECK(X509_verify(x, key) == 1);  // self-signed
  X509_free(x);
  CHECK(tls::make_server_cert().cert_pem != cert.cert_pem);  // fresh per process
}

TEST_CASE("schema and diagnostics to tfplugin6 messages", "[server][proto]") {
  Schema s;
  s.version = 3;
  s.block = Block({attr("name", Type::string()).required_().sensitive_().description("the name"),
                   nested_attr("rules", NestingMode::List, {attr("port", Type::number()).required_()}).optional_()},
                  {NestedBlock{"item", Block({attr("k", Type::string()).optional_()}), NestingMode::Set, 1, 5}});
  tfplugin6::Schema p;
  proto::to_proto(s, &p);
  CHECK(p.version() == 3);
  REQUIRE(p.block().attributes_size() == 2);
  CHECK(p.block().attributes(0).type() == R"("string")");
  CHECK(p.block().attributes(0).required());
  CHECK(p.block().attributes(0).sensitive());
  CHECK(p.block().attributes(0).description_kind() == tfplugin6::MARKDOWN);
  CHECK(p.block().attributes(1).type().empty());
  CHECK(p.block().attributes(1).nested_type().nesting() == tfplugin6::Schema::Object::LIST);
  CHECK(p.block().block_types(0).nesting() == tfplugin6::Schema::NestedBlock::SET);
  CHECK(p.block().block_types(0).min_items() == 1);
  CHECK(p.block().block_types(0).max_items() == 5);

  Diagnostics d;
  d.add_error("bad", "detail", AttributePath("item").index(2).attr("k"));
  d.add_warning("meh");
  google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic> out;
  proto::to_proto(d, &out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].severity() == tfplugin6::Diagnostic::ERROR);
  REQUIRE(out[0].attribute().steps_size() == 3);
  CHECK(out[0].attribute().steps(0).attribute_name() == "item");
  CHECK(out[0].attribute().steps(1).element_key_int() == 2);
  CHECK(out[0].attribute().steps(2).attribute_name() == "k");
  CHECK(out[1].severity() == tfplugin6::Diagnostic::WARNING);
  CHECK_FALSE(out[1].has_attribute());
}

TEST_CASE("dynamic values: empty decodes as null, bad bytes as a diagnostic", "[server][proto]") {
  Type t = Type::object({{"a", Type::string()}});
  Diagnostics diags;
  tfplugin6::DynamicValue dv;
  auto v = proto::decode(dv, t, "config", diags);
  REQUIRE(v);
  CHECK(v->is_null());
  dv.set_msgpack(
      "\x81\xa1"
      "a"
      "\x01");
  CHECK_FALSE(proto::decode(dv, t, "config", diags));
  REQUIRE(diags.has_errors());
  CHECK(diags.items()[0].summary == "Invalid config from terraform");
  dv.Clear();
  dv.set_json(R"({"a":"x"})");
  CHECK((*proto::decode(dv, t, "state", diags))["a"].as_string() == "x");
  Diagnostics enc;
  CHECK_FALSE(proto::encode(Value::string("x"), t, "planned_state", &dv, enc));
  CHECK(enc.items()[0].detail.find("planned_state") == std::string::npos);
  CHECK(enc.items()[0].summary == "Provider bug: invalid planned_state");
}

TEST_CASE("list and set blocks are answered as empty collections, not null", "[server][proto]") {
  Block item({attr("k", Type::string()).optional_()});
  Block b({attr("a", Type::string()).optional_()},
          {NestedBlock{"l", item, NestingMode::List, 0, 0}, NestedBlock{"s", item, NestingMode::Set, 0, 0},
           NestedBlock{"m", item, NestingMode::Map, 0, 0}, NestedBlock{"one", item, NestingMode::Single, 0, 0}});
  Value v = Value::object(b.implied_type(), {{"a", Value::string("x")}});
  Value n = proto::normalize_blocks(v, b);
  CHECK(n["l"].is_known());
  CHECK_FALSE(n["l"].is_null());
  CHECK(n["l"].size() == 0);
  CHECK(n["s"].size() == 0);
  CHECK(n["m"].size() == 0);
  CHECK(n["one"].is_null());  // a single block may be absent
  CHECK(proto::normalize_blocks(Value::null(b.implied_type()), b).is_null());
}

TEST_CASE("diagnostic paths stop at sets (the protocol has no set step)", "[server][proto]") {
  Type item = Type::object({{"k", Type::string()}});
  Type root = Type::object({{"flags", Type::set(item)},
                            {"items", Type::list(item)},
                            {"m", Type::map(Type::set(Type::string()))},
                            {"any", Type::dynamic()}});
  CHECK(proto::trim_at_sets(AttributePath("flags").index(0).attr("k"), root) == AttributePath("flags"));
  CHECK(proto::trim_at_sets(AttributePath("items").index(1).attr("k"), root) ==
        AttributePath("items").index(1).attr("k"));
  CHECK(proto::trim_at_sets(AttributePath("m").key("a").index(3), root) == AttributePath("m").key("a"));
  CHECK(proto::trim_at_sets(AttributePath("any").key("x").index(2), root) == AttributePath("any").key("x").index(2));
  Diagnostics d;
  d.add_error("bad", "", AttributePath("flags").index(0).attr("k"));
  google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic> out;
  proto::to_proto(d, &out, &root);
  REQUIRE(out[0].attribute().steps_size() == 1);
  CHECK(out[0].attribute().steps(0).attribute_name() == "flags");
}

namespace {
// A provider whose resource misbehaves in every way the service must contain.
class Broken : public Resource {
 public:
  Schema schema() const override {
    return {0, Block({attr("name", Type::string()).required_(), attr("id", Type::string()).computed_()},
                     {NestedBlock{"item", Block({attr("k", Type::string()).optional_()}), NestingMode::List, 0, 0}})};
  }
  PlanResponse plan(const PlanRequest& req) override {
    if (req.config["name"].as_string() == "throw") throw std::runtime_error("plan exploded");
    PlanResponse resp;
    // Forgets the (list) block: the service must answer an empty list, not null.
    resp.planned_state = Value::object(schema().block.implied_type(), {{"name", req.config["name"]}});
    return resp;
  }
  ApplyResponse apply(const ApplyRequest&) override {
    ApplyResponse resp;
    resp.new_state = Value::string("not an object");
    return resp;
  }
  ReadResponse read(const ReadRequest&) override { throw std::logic_error("read exploded"); }
};

class BrokenProvider : public Provider {
 public:
  Schema provider_schema() const override { return {0, Block({attr("x", Type::string()).required_().computed_()})}; }
  std::map<std::string, std::shared_ptr<Resource>> resources() override {
    return {{"b_thing", std::make_shared<Broken>()}};
  }
};

tfplugin6::DynamicValue mp(const Value& v, const Type& t) {
  tfplugin6::DynamicValue d;
  d.set_msgpack(encode_msgpack(v, t));
  return d;
}
}  // namespace

TEST_CASE("the provider service contains resource bugs", "[server][service]") {
  BrokenProvider p;
  ProviderService svc(p);
  Type t = Broken().schema().block.implied_type();

  tfplugin6::GetProviderSchema::Response schema;
  svc.GetProviderSchema(nullptr, nullptr, &schema);
  REQUIRE(schema.diagnostics_size() == 1);
  CHECK(schema.diagnostics(0).detail().find("the provider block: x:") != std::string::npos);

  tfplugin6::PlanResourceChange::Request plan;
  plan.set_type_name("b_thing");
  Value config =
      Value::object(t, {{"name", Value::string("ok")}, {"item", Value::list(t.attributes().at("item").element(), {})}});
  *plan.mutable_prior_state() = mp(Value::null(t), t);
  *plan.mutable_proposed_new_state() = mp(config, t);
  *plan.mutable_config() = mp(config, t);
  tfplugin6::PlanResourceChange::Response planned;
  svc.PlanResourceChange(nullptr, &plan, &planned);
  REQUIRE(planned.diagnostics_size() == 0);
  std::string error;
  auto v = decode_msgpack(planned.planned_state().msgpack(), t, error);
  REQUIRE(v);
  CHECK((*v)["item"].is_known());
  CHECK_FALSE((*v)["item"].is_null());

  Value throwing = config.with_attribute("name", Value::string("throw"));
  *plan.mutable_proposed_new_state() = mp(throwing, t);
  *plan.mutable_config() = mp(throwing, t);
  svc.PlanResourceChange(nullptr, &plan, &planned);
  REQUIRE(planned.diagnostics_size() == 1);
  CHECK(planned.diagnostics(0).summary() == "Provider error in PlanResourceChange");
  CHECK(planned.diagnostics(0).detail() == "plan exploded");

  tfplugin6::ApplyResourceChange::Request apply;
  apply.set_type_name("b_thing");
  *apply.mutable_prior_state() = mp(config, t);
  *apply.mutable_planned_state() = mp(config, t);
  *apply.mutable_config() = mp(config, t);
  tfplugin6::ApplyResourceChange::Response applied;
  svc.ApplyResourceChange(nullptr, &apply, &applied);
  REQUIRE(applied.diagnostics_size() == 1);
  CHECK(applied.diagnostics(0).summary() == "Provider bug: invalid new_state");
  CHECK(applied.new_state().msgpack() == apply.prior_state().msgpack());  // nothing lost

  tfplugin6::ReadResource::Request read;
  read.set_type_name("b_thing");
  *read.mutable_current_state() = mp(config, t);
  read.set_private_("keep me");
  tfplugin6::ReadResource::Response readback;
  svc.ReadResource(nullptr, &read, &readback);
  REQUIRE(readback.diagnostics_size() == 1);
  CHECK(readback.diagnostics(0).detail() == "read exploded");
  // An error must not look like "the object is gone", nor wipe the private data.
  CHECK(readback.new_state().msgpack() == read.current_state().msgpack());
  CHECK(readback.private_() == "keep me");

  tfplugin6::ImportResourceState::Request imp;
  imp.set_type_name("b_thing");
  imp.set_id("x");
  tfplugin6::ImportResourceState::Response imported;
  svc.ImportResourceState(nullptr, &imp, &imported);
  CHECK(imported.imported_resources_size() == 0);
  REQUIRE(imported.diagnostics_size() == 1);
  CHECK(imported.diagnostics(0).summary() == "Import not supported");

  tfplugin6::UpgradeResourceState::Request up;
  up.set_type_name("b_thing");
  up.set_version(3);
  up.mutable_raw_state()->set_json(R"({"name":"a","id":"b","item":[]})");
  tfplugin6::UpgradeResourceState::Response upgraded;
  svc.UpgradeResourceState(nullptr, &up, &upgraded);
  REQUIRE(upgraded.diagnostics_size() == 1);
  CHECK(upgraded.diagnostics(0).detail().find("version 3") != std::string::npos);
  up.set_version(0);
  upgraded.Clear();
  svc.UpgradeResourceState(nullptr, &up, &upgraded);
  CHECK(upgraded.diagnostics_size() == 0);
  CHECK((*decode_msgpack(upgraded.upgraded_state().msgpack(), t, error))["id"].as_string() == "b");
}
