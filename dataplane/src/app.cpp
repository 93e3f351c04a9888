#include "app.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "lacl/dataplane/classifier_loader.hpp"
#include "lacl/dataplane/pcap_reader.hpp"
#include "log.hpp"
#include "rte_acl_backend.hpp"
#include "telemetry.hpp"

namespace lacl::dataplane {
namespace {

constexpr unsigned kPoolCache = 256;
constexpr std::uint32_t kMinMbufs = 8192;
constexpr auto kControlPeriod = std::chrono::milliseconds(1);
constexpr int kLinkWaitSteps = 30;   // x 100 ms
constexpr int kInjectRetries = 100;  // TX bursts without progress before --inject gives up

// Backends other than lacl need EAL, so the DPDK-free loader gets their builder from here.
const BackendBuilder kBuildBackend = make_rte_acl_backend;

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string port_name(std::uint16_t port) {
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  if (rte_eth_dev_get_name_by_port(port, name) != 0) return "port" + std::to_string(port);
  return name;
}

std::string errno_text(int rc) {
  return rte_strerror(rc < 0 ? -rc : rc);
}

}  // namespace

App::App(Options options, SignalFlags& signals) : options_(std::move(options)), signals_(signals) {}

App::~App() {
  telemetry_detach(this);
  shutdown_ports();
  workers_.clear();
  if (pool_ != nullptr) rte_mempool_free(pool_);
}

int App::run() {
  if (Status s = setup(); !s) {
    log_error("%s", s.error().message.c_str());
    return 1;
  }
  forward();
  return finish();
}

Status App::setup() {
  telemetry_register();
  // Fail on a bad rule file before any port is touched.
  auto first = load_classifier(options_.source_kind, options_.source_path, options_, kBuildBackend);
  if (!first) return Error{"cannot load the classifier: " + first.error().message};
  for (const std::string& w : first->warnings)
    log_warning("%s", w.c_str());

  if (Status s = select_ports(); !s) return s;
  if (Status s = plan_workers(); !s) return s;
  auto sw = ClassifierSwitch::create(static_cast<std::uint32_t>(worker_lcores_.size()),
                                     options_.generation_hits);
  if (!sw) return Error{sw.error().message};
  classifiers_ = std::move(*sw);
  log_info("generation 1: %s (%s, %zu rules, backend %s %s) loaded in %.1f ms",
           first->source.c_str(), first->format.c_str(), first->backend->rule_count(),
           first->backend->info().name.c_str(), first->backend->info().algorithm.c_str(),
           first->load_ms);
  source_path_ = first->source;
  classifiers_->publish(std::move(*first));

  if (Status s = create_pool(); !s) return s;
  port_started_.assign(ports_.count, false);
  port_configured_.assign(ports_.count, false);
  for (std::uint16_t i = 0; i < ports_.count; ++i) {
    if (Status s = init_port(i); !s) return s;
  }
  check_links();
  if (options_.flush_rx) flush_rx();
  if (!options_.inject_path.empty()) {
    if (Status s = inject(); !s) return s;
  }
  counters_.assign(worker_lcores_.size(), WorkerCounters{});
  return create_workers();
}

void App::forward() {
  started_ = std::chrono::steady_clock::now();
  if (options_.warmup_s <= 0) take_sample(measure_from_);  // every count is still 0
  forwarding_ = true;
  telemetry_attach(this);
  log_info(
      "forwarding on %u port(s) with %zu worker(s)%s; SIGHUP or /lacl/swap reloads, SIGINT stops",
      ports_.count, workers_.size(), main_is_worker_ ? " (the main lcore)" : "");

  if (main_is_worker_) {
    pthread_t control{};
    const int rc =
        rte_ctrl_thread_create(&control, "lacl-control", nullptr, &App::control_thread, this);
    if (rc != 0) {
      log_error("cannot create the control thread: %s", errno_text(rc).c_str());
      quit_ = true;
    }
    workers_[0]->run();
    if (rc == 0) pthread_join(control, nullptr);
  } else {
    std::vector<bool> launched(workers_.size(), false);
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      const int rc = rte_eal_remote_launch(&Worker::launch, workers_[w].get(), worker_lcores_[w]);
      launched[w] = rc == 0;
      if (rc != 0) {
        log_error("cannot launch worker %zu on lcore %u: %s", w, worker_lcores_[w],
                  errno_text(rc).c_str());
        quit_ = true;
      }
    }
    control_loop();
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      if (launched[w]) rte_eal_wait_lcore(worker_lcores_[w]);
    }
  }
  telemetry_detach(this);
  stopped_ = std::chrono::steady_clock::now();
  finished_ = true;
  forwarding_ = false;
}

int App::finish() {
  // The TX pcap of net_pcap is complete only once its port is stopped and closed.
  shutdown_ports();
  const Snapshot s = snapshot();
  if (!options_.quiet) std::fputs(report_text(s, options_.top_rules).c_str(), stdout);
  std::fflush(stdout);
  if (!options_.report_path.empty()) {
    std::ofstream out(options_.report_path, std::ios::binary | std::ios::trunc);
    out << report_json(s);
    out.close();
    if (!out) {
      log_error("%s: cannot write the report", options_.report_path.c_str());
      return 1;
    }
  }
  return packets_short_ ? 3 : 0;
}

Status App::select_ports() {
  std::vector<std::uint16_t> wanted;
  if (!options_.ports.empty()) {
    wanted = options_.ports;
  } else {
    std::uint16_t p;
    RTE_ETH_FOREACH_DEV(p) {
      if (!options_.portmask || (p < 64 && ((*options_.portmask >> p) & 1u))) wanted.push_back(p);
    }
    if (options_.portmask) {
      for (unsigned bit = 0; bit < 64; ++bit) {
        if (((*options_.portmask >> bit) & 1u) &&
            !rte_eth_dev_is_valid_port(static_cast<std::uint16_t>(bit))) {
          return Error{"--portmask names port " + std::to_string(bit) + ", which does not exist (" +
                       std::to_string(rte_eth_dev_count_avail()) + " port(s) available)"};
        }
      }
    }
  }
  if (wanted.empty()) {
    return Error{
        "no Ethernet port: give EAL a device, e.g. "
        "--vdev=net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"};
  }
  if (wanted.size() > kMaxPorts) return Error{"more than " + std::to_string(kMaxPorts) + " ports"};
  for (std::uint16_t p : wanted) {
    if (!rte_eth_dev_is_valid_port(p)) {
      return Error{"--ports: port " + std::to_string(p) + " does not exist (" +
                   std::to_string(rte_eth_dev_count_avail()) + " port(s) available)"};
    }
    if (ports_.index_of[p] != PortTable::kNotUsed)
      return Error{"--ports: port " + std::to_string(p) + " given twice"};
    ports_.add(p);
    port_names_.push_back(port_name(p));
  }
  return Ok{};
}

Status App::plan_workers() {
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    worker_lcores_.push_back(lcore);
  }
  if (worker_lcores_.empty()) {
    main_is_worker_ = true;
    worker_lcores_.push_back(rte_get_main_lcore());
  }
  // One RX and one TX queue per worker on every port, as far as every port allows.
  std::uint16_t queues =
      static_cast<std::uint16_t>(std::min<std::size_t>(worker_lcores_.size(), 1024));
  for (std::uint16_t i = 0; i < ports_.count; ++i) {
    rte_eth_dev_info info{};
    const int rc = rte_eth_dev_info_get(ports_.id[i], &info);
    if (rc != 0)
      return Error{"port " + std::to_string(ports_.id[i]) +
                   ": rte_eth_dev_info_get: " + errno_text(rc)};
    queues = std::min({queues, info.max_rx_queues, info.max_tx_queues});
  }
  if (queues == 0) return Error{"a port offers no RX or TX queue"};
  if (queues < worker_lcores_.size()) {
    log_warning("the ports offer %u queue(s): using %u of %zu worker lcores", queues, queues,
                worker_lcores_.size());
    worker_lcores_.resize(queues);
  }
  queues_ = queues;
  return Ok{};
}

Status App::create_pool() {
  const std::uint64_t per_queue =
      std::uint64_t{options_.rx_desc} + options_.tx_desc + 2 * options_.burst;
  std::uint64_t n = std::uint64_t{ports_.count} * queues_ * per_queue +
                    worker_lcores_.size() * (kPoolCache + options_.burst);
  n = std::max<std::uint64_t>(n, kMinMbufs);
  if (!options_.inject_path.empty())
    n += std::uint64_t{ports_.count} * queues_ * options_.inject_per_queue;
  if (options_.mbufs != 0) n = options_.mbufs;
  pool_ = rte_pktmbuf_pool_create("lacl_mbufs", static_cast<unsigned>(n), kPoolCache, 0,
                                  RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (pool_ == nullptr) {
    return Error{"cannot create a pool of " + std::to_string(n) + " mbufs: " +
                 rte_strerror(rte_errno) + " (give EAL more memory with -m, or fewer --mbufs)"};
  }
  return Ok{};
}

Status App::init_port(std::uint16_t index) {
  const std::uint16_t port = ports_.id[index];
  const std::string where = "port " + std::to_string(port) + " (" + port_names_[index] + "): ";
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(port, &info);
  if (rc != 0) return Error{where + "rte_eth_dev_info_get: " + errno_text(rc)};

  rte_eth_conf conf{};
  const std::uint64_t rss =
      (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  if (queues_ > 1 && rss != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = nullptr;
    conf.rx_adv_conf.rss_conf.rss_hf = rss;
  } else if (queues_ > 1) {
    log_warning("%sno RSS on IP/TCP/UDP: each queue receives what the device puts in it",
                where.c_str());
  }
  if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) {
    conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;  // one pool, never shared mbufs
  }
  rc = rte_eth_dev_configure(port, queues_, queues_, &conf);
  if (rc != 0) return Error{where + "rte_eth_dev_configure: " + errno_text(rc)};
  port_configured_[index] = true;

  std::uint16_t rxd = static_cast<std::uint16_t>(options_.rx_desc);
  std::uint16_t txd = static_cast<std::uint16_t>(options_.tx_desc);
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
  if (rc != 0) return Error{where + "rte_eth_dev_adjust_nb_rx_tx_desc: " + errno_text(rc)};
  const int socket = rte_eth_dev_socket_id(port);
  const unsigned queue_socket =
      socket < 0 ? static_cast<unsigned>(SOCKET_ID_ANY) : static_cast<unsigned>(socket);

  rte_eth_rxconf rxconf = info.default_rxconf;
  rxconf.offloads = conf.rxmode.offloads;
  rte_eth_txconf txconf = info.default_txconf;
  txconf.offloads = conf.txmode.offloads;
  for (std::uint16_t q = 0; q < queues_; ++q) {
    rc = rte_eth_rx_queue_setup(port, q, rxd, queue_socket, &rxconf, pool_);
    if (rc != 0) return Error{where + "RX queue " + std::to_string(q) + ": " + errno_text(rc)};
    rc = rte_eth_tx_queue_setup(port, q, txd, queue_socket, &txconf);
    if (rc != 0) return Error{where + "TX queue " + std::to_string(q) + ": " + errno_text(rc)};
  }
  rc = rte_eth_dev_start(port);
  if (rc != 0) return Error{where + "rte_eth_dev_start: " + errno_text(rc)};
  port_started_[index] = true;
  if (options_.promiscuous) {
    rc = rte_eth_promiscuous_enable(port);
    if (rc != 0 && rc != -ENOTSUP)
      log_warning("%spromiscuous mode: %s", where.c_str(), errno_text(rc).c_str());
  }
  return Ok{};
}

void App::flush_rx() {
  rte_mbuf* burst[64];
  for (std::uint16_t i = 0; i < ports_.count; ++i) {
    for (std::uint16_t q = 0; q < queues_; ++q) {
      for (int round = 0; round < 1024; ++round) {
        const std::uint16_t n = rte_eth_rx_burst(ports_.id[i], q, burst, 64);
        if (n == 0) break;
        rte_pktmbuf_free_bulk(burst, n);
      }
    }
  }
}

Status App::inject() {
  const std::string& path = options_.inject_path;
  auto frames = read_pcap(path);
  if (!frames) return Error{"--inject: " + frames.error().message};
  if (frames->empty()) return Error{"--inject: " + path + " holds no frame"};
  const std::uint32_t per_queue = options_.inject_per_queue;
  std::vector<rte_mbuf*> burst(per_queue);
  std::size_t next = 0;
  for (std::uint16_t i = 0; i < ports_.count; ++i) {
    const std::uint16_t port = ports_.id[i];
    for (std::uint16_t q = 0; q < queues_; ++q) {
      for (std::uint32_t k = 0; k < per_queue; ++k) {
        const std::vector<std::uint8_t>& f = (*frames)[next++ % frames->size()];
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        char* data =
            m == nullptr ? nullptr : rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size()));
        if (data == nullptr) {
          rte_pktmbuf_free(m);
          rte_pktmbuf_free_bulk(burst.data(), k);
          return Error{m == nullptr ? "--inject: the mbuf pool ran out (raise --mbufs)"
                                    : "--inject: a frame of " + std::to_string(f.size()) +
                                          " bytes does not fit an mbuf"};
        }
        std::memcpy(data, f.data(), f.size());
        m->port = port;  // what a PMD sets on receive; the TX error callback reads it
        burst[k] = m;
      }
      std::uint32_t sent = 0;
      for (int idle = 0; sent < per_queue && idle < kInjectRetries;) {
        const std::uint16_t n = rte_eth_tx_burst(
            port, q, burst.data() + sent,
            static_cast<std::uint16_t>(std::min<std::uint32_t>(per_queue - sent, 512)));
        sent += n;
        idle = n == 0 ? idle + 1 : 0;
      }
      if (sent < per_queue) {
        rte_pktmbuf_free_bulk(burst.data() + sent, per_queue - sent);
        return Error{"--inject: TX queue " + std::to_string(q) + " of port " +
                     std::to_string(port) + " took " + std::to_string(sent) + " of " +
                     std::to_string(per_queue) +
                     " frames (lower --inject-per-queue; a net_ring ring holds 1023)"};
      }
    }
  }
  log_info("injected %u frame(s) from %s into each of %u TX queue(s) of %u port(s)", per_queue,
           path.c_str(), queues_, ports_.count);
  return Ok{};
}

void App::check_links() {
  std::vector<rte_eth_link> links(ports_.count);
  for (int step = 0; step <= kLinkWaitSteps; ++step) {
    bool all_up = true;
    for (std::uint16_t i = 0; i < ports_.count; ++i) {
      links[i] = {};
      if (rte_eth_link_get_nowait(ports_.id[i], &links[i]) != 0 ||
          links[i].link_status == RTE_ETH_LINK_DOWN) {
        all_up = false;
      }
    }
    if (all_up || signals_.quit) break;
    if (step < kLinkWaitSteps) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::uint16_t i = 0; i < ports_.count; ++i) {
    const rte_eth_link& l = links[i];
    log_info("port %u (%s): link %s, %u Mbps %s, %u queue pair(s), forwards to port %u",
             ports_.id[i], port_names_[i].c_str(), l.link_status ? "up" : "down", l.link_speed,
             l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full-duplex" : "half-duplex", queues_,
             ports_.id[ports_.peer[i]]);
  }
}

Status App::create_workers() {
  for (std::uint32_t w = 0; w < worker_lcores_.size(); ++w) {
    WorkerSetup setup;
    setup.id = w;
    setup.lcore = worker_lcores_[w];
    setup.ports = &ports_;
    setup.classifiers = classifiers_.get();
    setup.counters = &counters_[w];
    setup.burst = options_.burst;
    setup.drain_us = options_.drain_us;
    setup.quit = &quit_;
    auto worker = Worker::create(setup);
    if (!worker) return Error{worker.error().message};
    workers_.push_back(std::move(*worker));
  }
  return Ok{};
}

void* App::control_thread(void* app) {
  static_cast<App*>(app)->control_loop();
  return nullptr;
}

void App::control_loop() {
  using clock = std::chrono::steady_clock;
  const auto interval = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(options_.stats_interval_s));
  auto next_stats = started_ + interval;
  Snapshot prev = snapshot();
  auto prev_at = clock::now();
  std::uint64_t last_rx = 0;
  auto last_progress = started_;
  while (!quit_.load(std::memory_order_relaxed)) {
    if (signals_.quit.load()) break;
    if (signals_.reload.exchange(false)) {
      log_info("SIGHUP: reloading %s",
               [&] {
                 std::lock_guard lock(status_mutex_);
                 return source_path_;
               }()
                   .c_str());
      (void)swap("");
    }
    const auto now = clock::now();
    if (measure_from_.tsc == 0 && seconds(now - started_) >= options_.warmup_s)
      take_sample(measure_from_);
    if (options_.packets != 0) {
      const std::uint64_t rx = total_rx();
      if (rx >= options_.packets) break;
      if (rx != last_rx) {
        last_rx = rx;
        last_progress = now;
      } else if (seconds(now - last_progress) >= options_.idle_timeout_s) {
        log_warning(
            "--packets %llu: only %llu packet(s) arrived, none in the last %.1f s "
            "(--idle-timeout): stopping",
            static_cast<unsigned long long>(options_.packets), static_cast<unsigned long long>(rx),
            options_.idle_timeout_s);
        packets_short_ = true;
        break;
      }
    }
    if (options_.duration_s > 0 && seconds(now - started_) >= options_.duration_s) {
      if (options_.packets != 0) {
        log_warning("--packets %llu: only %llu packet(s) arrived within --duration %.1f s",
                    static_cast<unsigned long long>(options_.packets),
                    static_cast<unsigned long long>(total_rx()), options_.duration_s);
        packets_short_ = true;
      }
      break;
    }
    if (options_.stats_interval_s > 0 && now >= next_stats) {
      Snapshot s = snapshot();
      std::printf("%s\n", stats_line(s, prev, seconds(now - prev_at)).c_str());
      std::fflush(stdout);
      prev = std::move(s);
      prev_at = now;
      next_stats += interval;
      if (next_stats < now) next_stats = now + interval;
    }
    std::this_thread::sleep_for(kControlPeriod);
  }
  take_sample(measure_to_);
  if (measure_from_.tsc == 0)
    log_warning("forwarding stopped within --warmup %.1f s: no per-worker rate is measured",
                options_.warmup_s);
  quit_.store(true);
}

void App::shutdown_ports() {
  for (std::uint16_t i = 0; i < port_started_.size(); ++i) {
    if (port_started_[i]) {
      const int rc = rte_eth_dev_stop(ports_.id[i]);
      if (rc != 0)
        log_warning("port %u: rte_eth_dev_stop: %s", ports_.id[i], errno_text(rc).c_str());
      port_started_[i] = false;
    }
    if (port_configured_[i]) {
      rte_eth_dev_close(ports_.id[i]);
      port_configured_[i] = false;
    }
  }
}

std::uint64_t App::total_rx() const {
  std::uint64_t rx = 0;
  for (std::size_t w = 0; w < counters_.size(); ++w)
    rx += worker_rx(w);
  return rx;
}

std::uint64_t App::worker_rx(std::size_t w) const {
  std::uint64_t rx = 0;
  for (std::uint16_t i = 0; i < ports_.count; ++i)
    rx += peek(counters_[w].port[i].rx);
  return rx;
}

void App::take_sample(WorkerSample& out) const {
  out.packets.resize(counters_.size());
  out.tsc = rte_rdtsc();
  for (std::size_t w = 0; w < counters_.size(); ++w)
    out.packets[w] = worker_rx(w);
}

Snapshot App::snapshot() const {
  Snapshot s;
  const auto end = finished_ ? stopped_ : std::chrono::steady_clock::now();
  s.uptime_s = forwarding_ || finished_ ? seconds(end - started_) : 0.0;
  s.workers = static_cast<std::uint32_t>(workers_.size());
  s.burst = options_.burst;
  s.ports.resize(ports_.count);
  std::uint64_t first = ~std::uint64_t{0}, last = 0;
  for (std::uint16_t i = 0; i < ports_.count; ++i) {
    s.ports[i].port_id = ports_.id[i];
    s.ports[i].name = port_names_[i];
  }
  for (const WorkerCounters& c : counters_) {
    for (std::uint16_t i = 0; i < ports_.count; ++i)
      s.ports[i].counters += c.port[i];
    for (std::size_t k = 0; k < kParseResultCount; ++k)
      s.malformed_by_kind[k] += peek(c.parse[k]);
    const std::uint64_t f = peek(c.first_rx_tsc);
    if (f != 0) {
      first = std::min(first, f);
      last = std::max(last, peek(c.last_rx_tsc));
    }
  }
  for (const PortReport& p : s.ports)
    s.total += p.counters;
  if (last > first)
    s.active_s = static_cast<double>(last - first) / static_cast<double>(rte_get_tsc_hz());
  // Per-worker rates over the measured interval, once the control loop has ended it.
  s.warmup_s = options_.warmup_s;
  if (finished_ && measure_from_.tsc != 0 && measure_to_.tsc > measure_from_.tsc) {
    s.measured_s = static_cast<double>(measure_to_.tsc - measure_from_.tsc) /
                   static_cast<double>(rte_get_tsc_hz());
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      LcoreReport l;
      l.worker = static_cast<std::uint32_t>(w);
      l.lcore = worker_lcores_[w];
      l.packets = measure_to_.packets[w] - measure_from_.packets[w];
      l.mpps = static_cast<double>(l.packets) / s.measured_s / 1e6;
      s.lcores.push_back(l);
    }
  }

  s.generation_hits = options_.generation_hits;
  if (classifiers_) {
    classifiers_->inspect([&](const Generation& g, const HitHistory& h) {
      const Backend& c = *g.loaded.backend;
      const BackendInfo info = c.info();
      s.generation = g.number;
      s.source = g.loaded.source;
      s.kind = g.loaded.kind;
      s.format = g.loaded.format;
      s.backend = info.name;
      s.algorithm = info.algorithm;
      s.rules = c.rule_count();
      s.classifier_bytes = info.bytes;
      s.isets = info.isets;
      s.coverage = info.coverage;
      s.default_action = c.default_action();
      GenerationSummary active = summarize(g, true);
      active.active = true;
      s.rule_hits = active.hits;
      const auto past = h.hits();
      for (std::size_t r = 0; r < past.size(); ++r) {
        if (r < s.rule_hits.size()) {
          s.rule_hits[r] += past[r];
        } else {
          s.rule_hits_beyond += past[r];
        }
      }
      s.default_hits = h.no_match() + active.no_match;
      s.generations = h.retired();
      if (!options_.generation_hits) active.hits.clear();
      s.generations.push_back(std::move(active));
    });
  }
  std::lock_guard lock(status_mutex_);
  s.swaps_ok = swaps_ok_;
  s.swaps_failed = swaps_failed_;
  s.last_swap_error = last_swap_error_;
  return s;
}

Result<SwapOutcome> App::swap(const std::string& path) {
  std::lock_guard serial(swap_mutex_);
  std::string source = path;
  if (source.empty()) {
    std::lock_guard lock(status_mutex_);
    source = source_path_;
  }
  auto loaded = load_classifier(options_.source_kind, source, options_, kBuildBackend);
  if (!loaded) {
    {
      std::lock_guard lock(status_mutex_);
      ++swaps_failed_;
      last_swap_error_ = loaded.error().message;
    }
    log_error("swap refused, the serving classifier stays: %s", loaded.error().message.c_str());
    return Error{loaded.error().message};
  }
  for (const std::string& w : loaded->warnings)
    log_warning("%s", w.c_str());
  SwapOutcome out;
  out.rules = loaded->backend->rule_count();
  out.load_ms = loaded->load_ms;
  out.source = source;
  const auto t0 = std::chrono::steady_clock::now();
  out.generation = classifiers_->publish(std::move(*loaded));
  const double publish_ms = seconds(std::chrono::steady_clock::now() - t0) * 1e3;
  {
    std::lock_guard lock(status_mutex_);
    source_path_ = source;
    ++swaps_ok_;
  }
  log_info("generation %llu serving: %s (%zu rules, loaded in %.1f ms, published in %.3f ms)",
           static_cast<unsigned long long>(out.generation), source.c_str(), out.rules, out.load_ms,
           publish_ms);
  return out;
}

}  // namespace lacl::dataplane
