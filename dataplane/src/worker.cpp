#include "worker.hpp"

#include "lacl/dataplane/packet_parser.hpp"

namespace lacl::dataplane {
namespace {

// What parse_packet found, kept in the mbuf so the TX error callback can tell a well-formed
// packet (counted in `tx` of its input port) from a malformed one (counted in `malformed`).
constexpr std::uint32_t kPtypeParsed = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT;

}  // namespace

Result<std::unique_ptr<Worker>> Worker::create(const WorkerSetup& setup) {
  std::unique_ptr<Worker> w(new Worker(setup));
  const int socket = static_cast<int>(rte_lcore_to_socket_id(setup.lcore));
  for (std::uint16_t p = 0; p < setup.ports->count; ++p) {
    auto* buf = static_cast<rte_eth_dev_tx_buffer*>(rte_zmalloc_socket(
        "lacl_tx_buffer", RTE_ETH_TX_BUFFER_SIZE(setup.burst), RTE_CACHE_LINE_SIZE, socket));
    if (buf == nullptr) return Error{"cannot allocate a TX buffer from EAL memory"};
    w->tx_[p] = buf;
    rte_eth_tx_buffer_init(buf, static_cast<std::uint16_t>(setup.burst));
    w->tx_error_[p] = {w.get(), p};
    rte_eth_tx_buffer_set_err_callback(buf, &Worker::on_tx_error, &w->tx_error_[p]);
  }
  return w;
}

Worker::~Worker() {
  for (rte_eth_dev_tx_buffer* b : tx_)
    rte_free(b);
}

int Worker::launch(void* worker) {
  static_cast<Worker*>(worker)->run();
  return 0;
}

void Worker::on_tx_error(rte_mbuf** unsent, std::uint16_t count, void* userdata) {
  const auto* ctx = static_cast<const TxErrorContext*>(userdata);
  const WorkerSetup& s = ctx->worker->setup_;
  WorkerCounters& c = *s.counters;
  bump(c.port[ctx->out].tx_failed, count);
  for (std::uint16_t i = 0; i < count; ++i) {
    rte_mbuf* m = unsent[i];
    const std::int16_t in =
        m->port < RTE_MAX_ETHPORTS ? s.ports->index_of[m->port] : PortTable::kNotUsed;
    if (in >= 0 && m->packet_type == kPtypeParsed) {
      bump(c.port[in].tx, ~std::uint64_t{0});  // -1: it was counted as forwarded
      bump(c.port[in].dropped);
    }
  }
  rte_pktmbuf_free_bulk(unsent, count);
}

void Worker::run() noexcept {
  const WorkerSetup& s = setup_;
  const PortTable& ports = *s.ports;
  const std::uint64_t drain_tsc =
      (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S * static_cast<std::uint64_t>(s.drain_us);
  const auto queue = static_cast<std::uint16_t>(s.id);
  const auto burst = static_cast<std::uint16_t>(s.burst);
  WorkerCounters& c = *s.counters;

  s.classifiers->register_worker(s.id);
  std::uint64_t last_drain = rte_rdtsc();
  while (!s.quit->load(std::memory_order_relaxed)) {
    const std::uint64_t now = rte_rdtsc();
    if (now - last_drain > drain_tsc) {
      flush_all();
      last_drain = now;
    }
    for (std::uint16_t in = 0; in < ports.count; ++in) {
      const std::uint16_t n = rte_eth_rx_burst(ports.id[in], queue, rx_.data(), burst);
      if (n == 0) continue;
      if (c.first_rx_tsc == 0) put(c.first_rx_tsc, now);
      put(c.last_rx_tsc, now);
      process_burst(in, n);
    }
    s.classifiers->quiescent(s.id);
  }
  flush_all();
  s.classifiers->unregister_worker(s.id);
}

void Worker::process_burst(std::uint16_t in, std::uint16_t n) noexcept {
  const WorkerSetup& s = setup_;
  const PortTable& ports = *s.ports;
  WorkerCounters& c = *s.counters;
  PortCounters& pc = c.port[in];
  bump(pc.rx, n);

  // Parse the whole burst; only the well-formed packets go to the classifier.
  std::uint16_t good = 0;
  for (std::uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = rx_[i];
    rte_prefetch0(rte_pktmbuf_mtod(rx_[i + 1 < n ? i + 1 : i], void*));
    const ParseResult r = parse_packet(rte_pktmbuf_mtod(m, const std::uint8_t*),
                                       rte_pktmbuf_data_len(m), keys_[good]);
    if (r == ParseResult::kOk) {
      m->packet_type = kPtypeParsed;
      index_[good++] = i;
    } else {
      m->packet_type = RTE_PTYPE_UNKNOWN;
      bump(c.parse[static_cast<std::size_t>(r)]);
    }
  }

  // One generation for the whole burst: every packet is decided by one classifier.
  const Generation* g = s.classifiers->current();
  const Backend& cls = *g->loaded.backend;
  GenerationCounters& gc = g->counters[s.id];
  if (good != 0) cls.classify({keys_.data(), good}, {ids_.data(), good});

  const Action default_action = cls.default_action();
  std::uint64_t* hits = gc.hits();
  std::uint16_t drops = 0, next_good = 0, dropped = 0, no_match = 0;
  const auto queue = static_cast<std::uint16_t>(s.id);
  for (std::uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = rx_[i];
    const bool well_formed = next_good < good && index_[next_good] == i;
    Action a = default_action;
    if (well_formed) {
      const RuleId id = ids_[next_good++];
      if (id == kNoMatch) {
        ++no_match;
      } else {
        bump(hits[id]);
        a = cls.action(id);
      }
    }
    if (a.kind == Action::Kind::kDrop) {
      drop_[drops++] = m;
      dropped += well_formed;
    } else {
      // Counted before the call: a full TX queue hands the packet to on_tx_error, which
      // moves it from tx to dropped.
      if (well_formed) bump(pc.tx);
      const std::uint16_t out = ports.output(a, in);
      bump(c.port[out].sent, rte_eth_tx_buffer(ports.id[out], queue, tx_[out], m));
    }
  }
  if (drops != 0) rte_pktmbuf_free_bulk(drop_.data(), drops);

  bump(pc.dropped, dropped);
  bump(pc.malformed, static_cast<std::uint64_t>(n - good));
  bump(gc.classified(), good);
  bump(gc.no_match(), no_match);
  bump(gc.malformed(), static_cast<std::uint64_t>(n - good));
}

void Worker::flush_all() noexcept {
  const PortTable& ports = *setup_.ports;
  const auto queue = static_cast<std::uint16_t>(setup_.id);
  for (std::uint16_t p = 0; p < ports.count; ++p) {
    bump(setup_.counters->port[p].sent, rte_eth_tx_buffer_flush(ports.id[p], queue, tx_[p]));
  }
}

}  // namespace lacl::dataplane
