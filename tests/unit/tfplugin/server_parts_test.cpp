// The server's pure parts: handshake strings, base64 of the certificate, the certificate itself,
// and schema/diagnostic conversion to the tfplugin6 messages.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tfplugin/proto_convert.h"
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
  CHECK(handshake::reattach_line("registry.terraform.io/homeserver/homeserver", 42, "/s") ==
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
  dv.set_msgpack("\x81\xa1" "a" "\x01");
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
  Type root = Type::object({{"flags", Type::set(item)}, {"items", Type::list(item)}, {"m", Type::map(Type::set(Type::string()))},
                            {"any", Type::dynamic()}});
  CHECK(proto::trim_at_sets(AttributePath("flags").index(0).attr("k"), root) == AttributePath("flags"));
  CHECK(proto::trim_at_sets(AttributePath("items").index(1).attr("k"), root) == AttributePath("items").index(1).attr("k"));
  CHECK(proto::trim_at_sets(AttributePath("m").key("a").index(3), root) == AttributePath("m").key("a"));
  CHECK(proto::trim_at_sets(AttributePath("any").key("x").index(2), root) == AttributePath("any").key("x").index(2));
  Diagnostics d;
  d.add_error("bad", "", AttributePath("flags").index(0).attr("k"));
  google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic> out;
  proto::to_proto(d, &out, &root);
  REQUIRE(out[0].attribute().steps_size() == 1);
  CHECK(out[0].attribute().steps(0).attribute_name() == "flags");
}
