// ReplicaLease (core/replica_lease.h) with a fake clock over a real file replica: when it costs a
// request, when a newcomer waits and takes over, the settle step against a racing newcomer,
// release, and stale leases of gone processes.
#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <thread>

#include "core/forwarding_client.h"
#include "core/layout.h"
#include "core/replica.h"
#include "core/replica_lease.h"
#include "storage/file/file_client.h"
#include "test_support.h"

using namespace hs;
using core::LeaseRecord;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// Counts the lease requests that reach storage.
class CountingClient : public core::ForwardingClient {
 public:
  using ForwardingClient::ForwardingClient;
  std::optional<std::string> read_lease() override {
    ++reads;
    return ForwardingClient::read_lease();
  }
  void write_lease(const std::string& b) override {
    ++writes;
    ForwardingClient::write_lease(b);
  }
  void delete_lease() override {
    ++deletes;
    ForwardingClient::delete_lease();
  }
  int requests() const { return reads + writes + deletes; }
  int reads = 0, writes = 0, deletes = 0;
};

// One clock shared by every replicator of a test; sleeping advances it and may run a hook (what
// another replicator does meanwhile).
struct FakeTime {
  core::TimePoint now = core::TimePoint(seconds(1'800'000'000));
};

class FakeEnv : public core::LeaseEnv {
 public:
  FakeEnv(FakeTime& t, int64_t pid) : t_(t), pid_(pid) {}
  core::TimePoint now() const override { return t_.now; }
  void sleep(std::chrono::nanoseconds d) override {
    t_.now += std::chrono::duration_cast<core::Clock::duration>(d);
    if (on_sleep) on_sleep();
  }
  LeaseRecord self() const override {
    LeaseRecord r;
    r.host = "host";
    r.boot_id = "boot";
    r.pid_ns = "pid:[1]";
    r.pid = pid_;
    r.pid_start = 1;
    return r;
  }
  bool owner_gone(const LeaseRecord& r) const override { return gone.count(r.pid) > 0; }
  std::function<void()> on_sleep;
  std::set<int64_t> gone;

 private:
  FakeTime& t_;
  int64_t pid_;
};

struct Logged {
  std::vector<std::pair<core::LogLevel, std::string>> lines;
  core::EventLog log() {
    return core::EventLog(
        [this](core::LogLevel l, const std::string& m, const core::LogFields&) { lines.emplace_back(l, m); }, {});
  }
  int count(core::LogLevel l, const std::string& msg) const {
    int n = 0;
    for (const auto& [lv, m] : lines) n += (lv == l && m == msg);
    return n;
  }
};

core::LeaseOptions opts() {
  core::LeaseOptions o;
  o.ttl = seconds(30);
  o.settle = seconds(1);
  return o;
}

}  // namespace

TEST_CASE("lease record round-trips through its JSON; garbage is not a lease", "[lease]") {
  LeaseRecord r;
  r.owner = "h/12/0123456789abcdef";
  r.host = "h";
  r.boot_id = "b";
  r.pid_ns = "pid:[4026531836]";
  r.pid = 12;
  r.pid_start = 777;
  r.expires = core::TimePoint(milliseconds(1'800'000'000'123));
  r.ttl = milliseconds(30000);
  auto body = core::encode_lease(r);
  CHECK(body.find("\"expires\":\"2027-01-15T08:00:00.123Z\"") != std::string::npos);
  CHECK(core::decode_lease(body) == r);
  CHECK_FALSE(core::decode_lease("not json"));
  CHECK_FALSE(core::decode_lease("{\"owner\":\"\",\"expires_unix_ms\":1}"));
  CHECK_FALSE(core::decode_lease("{\"owner\":\"x\"}"));
}

TEST_CASE("an owner confirms its lease only when about to write and TTL/2 has passed", "[lease]") {
  test::TempDir dir;
  storage::FileReplicaClient file(dir / "replica");
  CountingClient c(file);
  FakeTime t;
  FakeEnv env(t, 100);
  Logged logged;
  core::ReplicaLease lease(c, opts(), logged.log(), env);

  lease.ensure();  // newcomer on a free replica: read, write, settle, read back
  CHECK(lease.held());
  CHECK(c.reads == 2);
  CHECK(c.writes == 1);
  CHECK(logged.count(core::LogLevel::info, "replica lease acquired") == 1);
  auto stored = core::decode_lease(*file.read_lease());
  REQUIRE(stored);
  CHECK(stored->owner == lease.owner());
  CHECK(stored->expires == t.now - seconds(1) + seconds(30));  // expiry counts from before the settle

  // Writes within TTL/2 of the confirmation cost nothing.
  for (int i = 0; i < 13; ++i) {  // confirmed 1 s before (the settle): up to TTL/2 - 1 s
    t.now += seconds(1);
    lease.ensure();
  }
  CHECK(c.requests() == 3);
  // Idle for an hour: no call, no request. The next write re-reads; the lease expired, so it is
  // contested again (write, settle, read back).
  t.now += std::chrono::hours(1);
  CHECK(c.requests() == 3);
  lease.ensure();
  CHECK(c.reads == 4);
  CHECK(c.writes == 2);
  // Busy: a live lease of our own is renewed with one GET and one PUT, no settle.
  auto before = t.now;
  t.now += seconds(16);
  lease.ensure();
  CHECK(c.reads == 5);
  CHECK(c.writes == 3);
  CHECK(t.now == before + seconds(16));
  CHECK(logged.count(core::LogLevel::info, "replica lease acquired") == 1);
}

TEST_CASE("a newcomer waits for a live lease, then takes it over once it expires", "[lease]") {
  test::TempDir dir;
  storage::FileReplicaClient file(dir / "replica");
  CountingClient ca(file), cb(file);
  FakeTime t;
  FakeEnv ea(t, 100), eb(t, 200);
  Logged la, lb;
  core::ReplicaLease a(ca, opts(), la.log(), ea);
  core::ReplicaLease b(cb, opts(), lb.log(), eb);
  a.ensure();

  CHECK_THROWS_WITH(b.ensure(), Catch::Contains("replica lease held by " + a.owner()));
  CHECK_FALSE(b.held());
  CHECK(cb.writes == 0);
  CHECK(lb.count(core::LogLevel::warn, "replica lease held by another replicator, waiting") == 1);
  // No request before TTL/4, however often it is asked.
  int reads = cb.reads;
  for (int i = 0; i < 7; ++i) {
    t.now += seconds(1);
    CHECK_THROWS_AS(b.ensure(), core::LeaseHeldError);
  }
  CHECK(cb.reads == reads);

  // A stays busy: it re-confirms every TTL/2 and B never gets in. After 2 x TTL waiting, one ERROR.
  for (int s = 0; s < 120; ++s) {
    t.now += seconds(1);
    a.ensure();
    CHECK_THROWS_AS(b.ensure(), core::LeaseHeldError);
  }
  CHECK(a.held());
  CHECK(cb.writes == 0);
  CHECK(cb.reads <= 1 + 127 / 7 + 1);  // about one read per TTL/4
  CHECK(lb.count(core::LogLevel::warn, "replica lease held by another replicator, waiting") == 1);
  CHECK(lb.count(core::LogLevel::error,
                 "replica lease still held by another replicator: two replicators are set up for this replica") == 1);

  // A goes idle: its lease expires and B takes over at its next read after the expiry.
  for (int s = 0; s < 40 && !b.held(); ++s) {
    t.now += seconds(1);
    try {
      b.ensure();
    } catch (const core::LeaseHeldError&) {
    }
  }
  CHECK(b.held());
  CHECK(lb.count(core::LogLevel::info, "replica lease taken over") == 1);
  CHECK(lb.count(core::LogLevel::info, "replica lease acquired") == 1);
  // A comes back to write: it re-reads, finds B's lease and stops writing (ERROR: lost).
  CHECK_THROWS_AS(a.ensure(), core::LeaseHeldError);
  CHECK_FALSE(a.held());
  CHECK(la.count(core::LogLevel::error, "replica lease lost to another replicator, no longer writing to the replica") ==
        1);
}

TEST_CASE("released on clean shutdown: a waiting newcomer takes over within TTL/4", "[lease]") {
  test::TempDir dir;
  storage::FileReplicaClient file(dir / "replica");
  FakeTime t;
  FakeEnv ea(t, 100), eb(t, 200);
  Logged la, lb;
  core::ReplicaLease a(file, opts(), la.log(), ea);
  core::ReplicaLease b(file, opts(), lb.log(), eb);
  a.ensure();
  CHECK_THROWS_AS(b.ensure(), core::LeaseHeldError);
  a.release();
  CHECK_FALSE(a.held());
  CHECK_FALSE(file.read_lease());
  CHECK(la.count(core::LogLevel::info, "replica lease released") == 1);
  auto released = t.now;
  while (!b.held()) {
    t.now += seconds(1);
    try {
      b.ensure();
    } catch (const core::LeaseHeldError&) {
    }
    REQUIRE(t.now - released <= seconds(30) / 4 + seconds(2));
  }
  // Releasing a lease someone else holds now deletes nothing.
  a.release();
  CHECK(file.read_lease());
}

TEST_CASE("settle: of two newcomers racing for a free lease, the last writer wins and the other waits", "[lease]") {
  test::TempDir dir;
  storage::FileReplicaClient file(dir / "replica");
  FakeTime t;
  FakeEnv ea(t, 100), eb(t, 200);
  Logged la, lb;
  core::ReplicaLease a(file, opts(), la.log(), ea);
  core::ReplicaLease b(file, opts(), lb.log(), eb);
  // B read the free lease before A wrote, and its write lands while A settles.
  // Once only, by a flag: resetting on_sleep inside the callback would destroy the running closure
  // (ASan: heap-use-after-free on its captures).
  bool raced = false;
  ea.on_sleep = [&] {
    if (raced) return;
    raced = true;
    file.delete_lease();  // B's view: free
    b.ensure();           // B writes, settles, reads back its own
  };
  CHECK_THROWS_AS(a.ensure(), core::LeaseHeldError);
  CHECK(b.held());
  CHECK_FALSE(a.held());
  CHECK(core::decode_lease(*file.read_lease())->owner == b.owner());
  CHECK(la.count(core::LogLevel::warn, "replica lease held by another replicator, waiting") == 1);
}

TEST_CASE("a lease of a gone process of this machine is taken over at once; unreadable ones are replaced", "[lease]") {
  test::TempDir dir;
  storage::FileReplicaClient file(dir / "replica");
  FakeTime t;
  FakeEnv ea(t, 100), eb(t, 200);
  Logged la, lb;
  core::ReplicaLease a(file, opts(), la.log(), ea);
  a.ensure();  // then kill -9: no release
  eb.gone.insert(100);
  core::ReplicaLease b(file, opts(), lb.log(), eb);
  b.ensure();
  CHECK(b.held());
  CHECK(lb.count(core::LogLevel::info, "replica lease taken over") == 1);

  file.write_lease("{garbage");
  core::ReplicaLease c(file, opts(), lb.log(), eb);
  c.ensure();
  CHECK(c.held());
  CHECK(lb.count(core::LogLevel::warn, "replica lease unreadable, replacing it") == 1);
}

TEST_CASE("the real environment: this process is not gone, a pid that never ran is", "[lease]") {
  auto& env = core::LeaseEnv::system();
  LeaseRecord me = env.self();
  CHECK(me.pid > 0);
  CHECK(me.pid_start > 0);
  CHECK_FALSE(me.boot_id.empty());
  CHECK_FALSE(env.owner_gone(me));
  LeaseRecord other = me;
  other.pid_start = me.pid_start + 1;  // same pid, another start time: reused pid
  CHECK(env.owner_gone(other));
  other = me;
  other.host = "elsewhere";  // another machine: never known to be gone
  other.pid = 1 << 30;
  CHECK_FALSE(env.owner_gone(other));
}

TEST_CASE("the lease object sits beside generations/, so replica listings never see it", "[lease]") {
  CHECK(core::layout::lease_path("app/db") == "app/db/replica-lease.json");
  CHECK(core::layout::lease_path("") == "replica-lease.json");
}

TEST_CASE("a replica whose lease another replicator holds writes nothing: no snapshot, segment or prune", "[lease]") {
  test::TempDir dir;
  test::AppDb app(dir / "app.db");
  app.insert(3);
  auto db_opts = [&](const std::string& meta) {
    core::DbOptions o;
    o.path = dir / "app.db";
    o.meta_path = dir / meta;
    o.checkpoint_interval = std::chrono::nanoseconds(0);
    return o;
  };
  core::ReplicaOptions ro;
  ro.lease.ttl = seconds(4);  // real clock: B reads the lease again after TTL/4
  ro.lease.settle = milliseconds(1);
  core::Db db_a(db_opts("meta-a"), {}), db_b(db_opts("meta-b"), {});
  db_a.sync({});
  db_b.sync({});
  auto* files = new storage::FileReplicaClient(dir / "replica");
  core::Replica a(db_a, std::unique_ptr<core::ReplicaClient>(files), ro, {});
  core::Replica b(db_b, std::make_unique<storage::FileReplicaClient>(dir / "replica"), ro, {});
  a.sync();
  REQUIRE(files->generations() == std::vector<std::string>{db_a.current_generation()});
  CHECK_THROWS_AS(b.sync(), core::LeaseHeldError);
  CHECK_THROWS_AS(b.snapshot(), core::LeaseHeldError);
  CHECK_THROWS_AS(b.enforce_retention(), core::LeaseHeldError);
  CHECK(b.metrics().lease_waiting.value() == 1);  // hs_replica_lease_waiting
  CHECK(files->generations() == std::vector<std::string>{db_a.current_generation()});
  CHECK(b.pos().is_zero());
  // A stops cleanly: B writes its own generation at its next look (TTL/4 later), no request before.
  a.release_lease();
  CHECK_THROWS_AS(b.sync(), core::LeaseHeldError);
  std::this_thread::sleep_for(milliseconds(1100));
  b.sync();
  CHECK(files->generations().size() == 2);
  CHECK(b.lease()->held());
  CHECK(b.metrics().lease_waiting.value() == 0);
}
