// quickfix-peer: QuickFIX C++ on both ends of the `spinfix bench` quickfix baseline.
//
// Why a peer program at all: the baseline must be QuickFIX talking to QuickFIX (initiator AND
// acceptor), measured by QuickFIX's own initiator, so no spinfix code sits on the path being
// compared. The bench (Rust) generates the settings files, pins nothing itself, and reads the
// results this program writes.
//
// Modes (all flags are `--name value`):
//   acceptor  --config F --cpu C --idle I
//       Answers each NewOrderSingle with an ExecutionReport. Prints "ready" once listening and
//       exits when the initiator logs out.
//   initiator --config F --cpu C --idle I --messages N --warmup W [--rate R] [--window K] --out F
//       Latency mode (window 0): one order at a time; with a rate, latency is measured from each
//       order's intended send time (coordinated-omission correction). Writes one latency in
//       nanoseconds per line to --out. Throughput mode (window > 0): keeps up to K orders
//       outstanding and reports the elapsed time. Prints "progress D T", "bytes REQ RESP" and
//       finally "done COUNT ELAPSED_NS INTERRUPTED" on stdout.
//   pair      the two above in one process, the acceptor on its own pinned thread
//             (--acceptor-config, --acceptor-cpu, plus the initiator's flags).
//
// Idle strategies: spin (poll with a zero timeout in a loop: busy-poll), yield (the same plus
// sched_yield), backoff (poll with a 1 ms select timeout: for shared machines and tests).

#include <quickfix/Application.h>
#include <quickfix/FileStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/MessageCracker.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> g_interrupted{false};
// Pair mode: tells the acceptor thread to end when the initiator has finished (or failed).
std::atomic<bool> g_acceptor_stop{false};

void on_sigint(int) { g_interrupted.store(true, std::memory_order_relaxed); }

using Clock = std::chrono::steady_clock;

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

enum class Idle { Spin, Yield, Backoff };

struct Options {
  std::map<std::string, std::string> values;

  std::string get(const std::string& key, const std::string& fallback = "") const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
  long long num(const std::string& key, long long fallback) const {
    auto it = values.find(key);
    if (it == values.end()) return fallback;
    char* end = nullptr;
    long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || *end != '\0') {
      std::fprintf(stderr, "quickfix-peer: --%s: not a number: %s\n", key.c_str(),
                   it->second.c_str());
      std::exit(2);
    }
    return v;
  }
  double real(const std::string& key, double fallback) const {
    auto it = values.find(key);
    if (it == values.end()) return fallback;
    return std::strtod(it->second.c_str(), nullptr);
  }
  Idle idle() const {
    std::string s = get("idle", "spin");
    if (s == "yield") return Idle::Yield;
    if (s == "backoff") return Idle::Backoff;
    return Idle::Spin;
  }
};

void pin_to(long long cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<int>(cpu), &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    std::fprintf(stderr, "quickfix-peer: could not pin to cpu %lld: %s\n", cpu,
                 std::strerror(errno));
  }
}

// One poll of a QuickFIX connector with the chosen idle strategy.
template <typename Connector>
inline void poll_once(Connector& c, Idle idle) {
  switch (idle) {
    case Idle::Spin:
      c.poll(0.0);
      break;
    case Idle::Yield:
      c.poll(0.0);
      sched_yield();
      break;
    case Idle::Backoff:
      c.poll(0.001);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Acceptor: answers NewOrderSingle with ExecutionReport.

class Responder : public FIX::Application, public FIX44::MessageCracker {
 public:
  std::atomic<bool> logged_on{false};
  std::atomic<bool> logged_out{false};

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { logged_on = true; }
  void onLogout(const FIX::SessionID&) override {
    if (logged_on) logged_out = true;
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
      FIX::RejectLogon) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID& session) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
      FIX::UnsupportedMessageType) override {
    crack(message, session);
  }

  void onMessage(const FIX44::NewOrderSingle& order, const FIX::SessionID& session) override {
    FIX::ClOrdID cl_ord_id;
    FIX::Symbol symbol;
    FIX::Side side;
    FIX::OrderQty qty;
    FIX::OrdType ord_type;
    FIX::Account account;
    order.get(cl_ord_id);
    order.get(symbol);
    order.get(side);
    order.get(qty);
    order.get(ord_type);
    ++next_id_;
    char order_id[32];
    char exec_id[32];
    std::snprintf(order_id, sizeof order_id, "OID-%012llu",
                  static_cast<unsigned long long>(next_id_));
    std::snprintf(exec_id, sizeof exec_id, "EXE-%012llu",
                  static_cast<unsigned long long>(next_id_));
    FIX44::ExecutionReport report(FIX::OrderID(order_id), FIX::ExecID(exec_id),
                                  FIX::ExecType(FIX::ExecType_NEW),
                                  FIX::OrdStatus(FIX::OrdStatus_NEW), side,
                                  FIX::LeavesQty(qty.getValue()), FIX::CumQty(0),
                                  FIX::AvgPx(0));
    report.set(cl_ord_id);
    report.set(symbol);
    report.set(qty);
    report.set(ord_type);
    if (order.isSet(account)) {
      order.get(account);
      report.set(account);
    }
    FIX::Session::sendToTarget(report, session);
  }

 private:
  unsigned long long next_id_ = 0;
};

int run_acceptor(const std::string& config, long long cpu, Idle idle, bool announce) {
  pin_to(cpu);
  FIX::SessionSettings settings(config);
  Responder app;
  FIX::FileStoreFactory store(settings);
  FIX::SocketAcceptor acceptor(app, store, settings);
  acceptor.poll(0.0);  // the first poll binds the listening socket
  if (announce) {
    std::printf("ready\n");
    std::fflush(stdout);
  }
  // Bounded by the initiator: it logs out at the end; a parent that dies kills us (PDEATHSIG).
  while (!app.logged_out.load(std::memory_order_relaxed) &&
         !g_acceptor_stop.load(std::memory_order_relaxed)) {
    poll_once(acceptor, idle);
  }
  for (int i = 0; i < 100; ++i) acceptor.poll(0.001);  // let the Logout reply go out
  acceptor.stop(true);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Initiator: sends NewOrderSingle, waits for ExecutionReport.

class Orderer : public FIX::Application {
 public:
  std::atomic<bool> logged_on{false};
  FIX::SessionID session;
  uint64_t reports = 0;
  size_t report_bytes = 0;

  void onCreate(const FIX::SessionID& id) override { session = id; }
  void onLogon(const FIX::SessionID&) override { logged_on = true; }
  void onLogout(const FIX::SessionID&) override { logged_on = false; }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
      FIX::RejectLogon) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID&) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
      FIX::UnsupportedMessageType) override {
    FIX::MsgType type;
    message.getHeader().getField(type);
    if (type.getValue() == "8") {
      if (report_bytes == 0) report_bytes = message.toString().size();
      ++reports;
    }
  }
};

struct InitiatorPlan {
  long long messages;
  long long warmup;
  double rate;       // orders per second; 0 = back-to-back
  long long window;  // 0 = latency mode
  std::string out;
  Idle idle;
};

class OrderSource {
 public:
  explicit OrderSource(FIX::Session* session) : session_(session) {}

  // Builds and sends one order the way an application would; returns its size the first time.
  void send(uint64_t n) {
    char cl_ord_id[32];
    std::snprintf(cl_ord_id, sizeof cl_ord_id, "ORD-%012llu", static_cast<unsigned long long>(n));
    FIX44::NewOrderSingle order(FIX::ClOrdID(cl_ord_id), FIX::Side(FIX::Side_BUY),
                                FIX::TransactTime(6), FIX::OrdType(FIX::OrdType_LIMIT));
    order.set(FIX::Account("ACC-0001"));
    order.set(FIX::HandlInst('1'));
    order.set(FIX::Symbol("AAPL"));
    order.set(FIX::OrderQty(100));
    order.set(FIX::Price(187.25));
    order.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
    session_->send(order);
    if (order_bytes == 0) order_bytes = order.toString().size();
  }

  size_t order_bytes = 0;

 private:
  FIX::Session* session_;
};

void progress(long long done, long long total) {
  std::printf("progress %lld %lld\n", done, total);
  std::fflush(stdout);
}

int run_initiator(const std::string& config, long long cpu, const InitiatorPlan& plan) {
  pin_to(cpu);
  FIX::SessionSettings settings(config);
  Orderer app;
  FIX::FileStoreFactory store(settings);
  FIX::SocketInitiator initiator(app, store, settings);

  const int64_t logon_deadline = now_ns() + 10'000'000'000LL;
  while (!app.logged_on.load(std::memory_order_relaxed)) {
    initiator.poll(0.001);
    if (now_ns() > logon_deadline || g_interrupted.load(std::memory_order_relaxed)) {
      std::fprintf(stderr, "quickfix-peer: initiator did not log on within 10 s\n");
      return 3;
    }
  }
  FIX::Session* session = FIX::Session::lookupSession(app.session);
  if (session == nullptr) {
    std::fprintf(stderr, "quickfix-peer: session %s not found\n",
                 app.session.toString().c_str());
    return 3;
  }
  OrderSource orders(session);
  std::vector<int64_t> latencies;
  const long long total = plan.warmup + plan.messages;
  int64_t measured_start = 0;
  int64_t last_progress = now_ns();
  long long done = 0;
  bool interrupted = false;

  if (plan.window <= 0) {
    // Reserved up front so the measured loop does not allocate (capped: an endless run grows).
    latencies.reserve(static_cast<size_t>(std::min<long long>(plan.messages, 1LL << 22)));
    const double period_ns = plan.rate > 0 ? 1e9 / plan.rate : 0.0;
    for (long long i = 0; i < total; ++i) {
      if (g_interrupted.load(std::memory_order_relaxed)) {
        interrupted = true;
        break;
      }
      if (i == plan.warmup) measured_start = now_ns();
      int64_t start;
      if (period_ns > 0 && i >= plan.warmup) {
        start = measured_start + static_cast<int64_t>(period_ns * double(i - plan.warmup));
        while (now_ns() < start) poll_once(initiator, plan.idle);
      } else {
        start = now_ns();
      }
      const uint64_t want = app.reports + 1;
      orders.send(static_cast<uint64_t>(i + 1));
      while (app.reports < want) {
        poll_once(initiator, plan.idle);
        if (!app.logged_on.load(std::memory_order_relaxed)) {
          std::fprintf(stderr, "quickfix-peer: session logged out during the run\n");
          return 4;
        }
      }
      const int64_t end = now_ns();
      if (i >= plan.warmup) {
        latencies.push_back(end - start);
        ++done;
      }
      // Outside the measured window: at most one progress line a second.
      if ((i & 63) == 0 && end - last_progress > 1'000'000'000LL) {
        last_progress = end;
        progress(done, plan.messages);
      }
    }
  } else {
    // Throughput: a warm-up stream, then the measured stream, each with a window.
    for (int phase = 0; phase < 2 && !interrupted; ++phase) {
      const long long count = phase == 0 ? plan.warmup : plan.messages;
      const uint64_t base = app.reports;
      long long sent = 0;
      if (phase == 1) measured_start = now_ns();
      while (static_cast<long long>(app.reports - base) < count) {
        if (g_interrupted.load(std::memory_order_relaxed)) {
          interrupted = true;
          break;
        }
        const long long back = static_cast<long long>(app.reports - base);
        if (sent < count && sent - back < plan.window) {
          orders.send(static_cast<uint64_t>(phase * plan.warmup + sent + 1));
          ++sent;
          continue;
        }
        poll_once(initiator, plan.idle);
        if (!app.logged_on.load(std::memory_order_relaxed)) {
          std::fprintf(stderr, "quickfix-peer: session logged out during the run\n");
          return 4;
        }
        if (phase == 1) {
          done = back;
          const int64_t t = now_ns();
          if (t - last_progress > 1'000'000'000LL) {
            last_progress = t;
            progress(done, plan.messages);
          }
        }
      }
      if (phase == 1) done = static_cast<long long>(app.reports - base);
    }
  }
  const int64_t elapsed = measured_start == 0 ? 0 : now_ns() - measured_start;

  if (!plan.out.empty()) {
    FILE* f = std::fopen(plan.out.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "quickfix-peer: cannot write %s: %s\n", plan.out.c_str(),
                   std::strerror(errno));
      return 5;
    }
    for (int64_t ns : latencies) std::fprintf(f, "%lld\n", static_cast<long long>(ns));
    std::fclose(f);
  }
  std::printf("bytes %zu %zu\n", orders.order_bytes, app.report_bytes);
  std::printf("done %lld %lld %d\n", done, static_cast<long long>(elapsed), interrupted ? 1 : 0);
  std::fflush(stdout);

  // A clean logout lets the acceptor end by itself.
  session->logout();
  const int64_t logout_deadline = now_ns() + 2'000'000'000LL;
  while (app.logged_on.load(std::memory_order_relaxed) && now_ns() < logout_deadline) {
    initiator.poll(0.001);
  }
  initiator.stop(true);
  return 0;
}

Options parse(int argc, char** argv, int first) {
  Options o;
  for (int i = first; i + 1 < argc; i += 2) {
    if (std::strncmp(argv[i], "--", 2) != 0) {
      std::fprintf(stderr, "quickfix-peer: expected --flag, got %s\n", argv[i]);
      std::exit(2);
    }
    o.values[argv[i] + 2] = argv[i + 1];
  }
  if ((argc - first) % 2 != 0) {
    std::fprintf(stderr, "quickfix-peer: flag %s has no value\n", argv[argc - 1]);
    std::exit(2);
  }
  return o;
}

InitiatorPlan plan_from(const Options& o) {
  InitiatorPlan p;
  p.messages = o.num("messages", 1000);
  p.warmup = o.num("warmup", 0);
  p.rate = o.real("rate", 0.0);
  p.window = o.num("window", 0);
  p.out = o.get("out");
  p.idle = o.idle();
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  // Never outlive the bench that started us: a spinning orphan would steal a core.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc < 2) {
    std::fprintf(stderr, "usage: quickfix-peer acceptor|initiator|pair --flag value ...\n");
    return 2;
  }
  const std::string mode = argv[1];
  const Options o = parse(argc, argv, 2);
  try {
    if (mode == "acceptor") {
      // The bench decides when to stop: Ctrl-C is for the initiator, which then logs out.
      signal(SIGINT, SIG_IGN);
      return run_acceptor(o.get("config"), o.num("cpu", -1), o.idle(), true);
    }
    if (mode == "initiator") {
      signal(SIGINT, on_sigint);
      return run_initiator(o.get("config"), o.num("cpu", -1), plan_from(o));
    }
    if (mode == "pair") {
      signal(SIGINT, on_sigint);
      const std::string acceptor_config = o.get("acceptor-config");
      const long long acceptor_cpu = o.num("acceptor-cpu", -1);
      const Idle idle = o.idle();
      int acceptor_rc = 0;
      std::thread acceptor([&] {
        try {
          acceptor_rc = run_acceptor(acceptor_config, acceptor_cpu, idle, false);
        } catch (std::exception& e) {
          std::fprintf(stderr, "quickfix-peer: acceptor: %s\n", e.what());
          acceptor_rc = 1;
        }
      });
      int rc = 1;
      try {
        rc = run_initiator(o.get("config"), o.num("cpu", -1), plan_from(o));
      } catch (std::exception& e) {
        std::fprintf(stderr, "quickfix-peer: initiator: %s\n", e.what());
      }
      g_acceptor_stop = true;
      acceptor.join();
      return rc != 0 ? rc : acceptor_rc;
    }
    std::fprintf(stderr, "quickfix-peer: unknown mode %s\n", mode.c_str());
    return 2;
  } catch (std::exception& e) {
    std::fprintf(stderr, "quickfix-peer: %s\n", e.what());
    return 1;
  }
}
