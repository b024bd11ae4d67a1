#pragma once
// What a provider implements. The server (server.h) speaks tfplugin6 and calls these; resource
// code sees only Values, Types, Schemas and Diagnostics, never protobuf or msgpack.
//
// Concurrency: terraform sends RPCs concurrently (up to -parallelism at once), so every method
// may run on several threads at the same time. Exceptions thrown from these methods become an
// error diagnostic; report user errors through the response's diagnostics instead.
//
// All Values passed in conform to the schema's implied type: objects carry every attribute and
// every nested block type (unset = null, no list/set blocks = empty list/set).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tfplugin/attribute_path.h"
#include "tfplugin/diagnostics.h"
#include "tfplugin/schema.h"
#include "tfplugin/value.h"

namespace tfplugin {

struct ValidateRequest {
  Value config;  // may contain unknowns (the validate walk: every variable is unknown)
};
struct ValidateResponse {
  Diagnostics diagnostics;
};

struct ConfigureRequest {
  Value config;
  std::string terraform_version;
};
struct ConfigureResponse {
  Diagnostics diagnostics;
};

// Plan: create (prior null), update (both non-null). A destroy plan (proposed null) is answered
// by the server itself (planned null) and never reaches Resource::plan.
struct PlanRequest {
  Value prior_state;         // null on create
  Value proposed_new_state;  // config merged with prior computed values
  Value config;
  std::string prior_private;
};
struct PlanResponse {
  Value planned_state;  // known values must hold after apply; computed-to-be values unknown
  std::vector<AttributePath> requires_replace;
  std::string planned_private;
  Diagnostics diagnostics;
};

// Apply: create (prior null), update, or delete (planned null: return new_state null).
struct ApplyRequest {
  Value prior_state;
  Value planned_state;
  Value config;
  std::string planned_private;
};
struct ApplyResponse {
  Value new_state;  // wholly known; every known planned value unchanged
  std::string private_data;
  Diagnostics diagnostics;
};

struct ReadRequest {
  Value current_state;
  std::string private_data;
};
struct ReadResponse {
  Value new_state;           // null: the object is gone
  std::string private_data;  // stored as is: echo the request's to keep it
  Diagnostics diagnostics;
};

struct ImportRequest {
  std::string id;
};
struct ImportResponse {
  Value state;  // non-null; terraform calls read() with it next
  std::string private_data;
  Diagnostics diagnostics;
};

struct UpgradeRequest {
  int64_t version = 0;         // the schema version the state was written with
  std::string raw_state_json;  // the stored attributes object, as JSON
};
struct UpgradeResponse {
  Value upgraded_state;  // of the current schema's type, wholly known
  Diagnostics diagnostics;
};

struct ReadDataRequest {
  Value config;
};
struct ReadDataResponse {
  Value state;  // non-null, wholly known
  Diagnostics diagnostics;
};

class Resource {
 public:
  virtual ~Resource() = default;
  virtual Schema schema() const = 0;
  virtual ValidateResponse validate(const ValidateRequest&) { return {}; }
  virtual PlanResponse plan(const PlanRequest&) = 0;
  virtual ApplyResponse apply(const ApplyRequest&) = 0;
  virtual ReadResponse read(const ReadRequest&) = 0;
  // Default: "does not support import" error.
  virtual ImportResponse import_state(const ImportRequest&);
  // Default: when `version` is the current schema version, decodes the JSON with the current
  // type (decode_json: missing attributes null, unknown ones an error); otherwise an error
  // naming both versions.
  virtual UpgradeResponse upgrade(const UpgradeRequest&);
};

class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual Schema schema() const = 0;
  virtual ValidateResponse validate(const ValidateRequest&) { return {}; }
  virtual ReadDataResponse read(const ReadDataRequest&) = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // The provider block's schema (default: empty).
  virtual Schema provider_schema() const { return {}; }
  virtual ValidateResponse validate_config(const ValidateRequest&) { return {}; }
  virtual ConfigureResponse configure(const ConfigureRequest&) { return {}; }
  // Called once when serving starts; keys are full type names ("homeserver_sqlite_app").
  virtual std::map<std::string, std::shared_ptr<Resource>> resources() = 0;
  virtual std::map<std::string, std::shared_ptr<DataSource>> data_sources() { return {}; }
  // StopProvider (terraform was interrupted): long operations should check stopping() and end.
  virtual void stop() { stopping_ = true; }
  bool stopping() const { return stopping_; }

 private:
  std::atomic<bool> stopping_{false};
};

}  // namespace tfplugin
