#include "lacl/bench/hash_floor.hpp"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>

#include "lacl/bench/eal.hpp"

namespace lacl::bench {

HashKey HashKey::from(const PacketKey& k) noexcept {
  HashKey h;
  h.src_ip = k.src_ip;
  h.dst_ip = k.dst_ip;
  h.src_port = k.src_port;
  h.dst_port = k.dst_port;
  h.proto = k.proto;
  return h;
}

HashTrace HashTrace::from(std::span<const PacketKey> keys) {
  HashTrace t;
  t.keys.reserve(keys.size());
  for (const PacketKey& k : keys)
    t.keys.push_back(HashKey::from(k));
  t.pointers.reserve(keys.size());
  for (const HashKey& k : t.keys)
    t.pointers.push_back(&k);
  return t;
}

namespace {

bool key_less(const HashKey& a, const HashKey& b) noexcept {
  return std::memcmp(&a, &b, sizeof(HashKey)) < 0;
}
bool key_equal(const HashKey& a, const HashKey& b) noexcept {
  return std::memcmp(&a, &b, sizeof(HashKey)) == 0;
}

}  // namespace

Result<HashFloor> HashFloor::build(std::span<const PacketKey> keys,
                                   std::span<const RuleId> answers) {
  if (!eal_ready()) return Error{"rte_hash: EAL is not initialised"};
  std::vector<HashKey> distinct;
  distinct.reserve(keys.size());
  for (const PacketKey& k : keys)
    distinct.push_back(HashKey::from(k));
  std::sort(distinct.begin(), distinct.end(), key_less);
  const std::size_t n_distinct = static_cast<std::size_t>(
      std::unique(distinct.begin(), distinct.end(), key_equal) - distinct.begin());
  distinct = {};

  // Cuckoo tables refuse inserts near full load: start a quarter above the distinct keys and
  // double on -ENOSPC. rte_hash needs at least one bucket (8 entries).
  std::size_t capacity = std::max<std::size_t>(16, n_distinct + n_distinct / 4);
  for (;;) {
    auto f = build_with_capacity(keys, answers, capacity);
    if (!f) return f.error();
    if (*f) return std::move(**f);
    capacity *= 2;
  }
}

Result<std::optional<HashFloor>> HashFloor::build_with_capacity(std::span<const PacketKey> keys,
                                                                std::span<const RuleId> answers,
                                                                std::size_t capacity) {
  static std::atomic<unsigned> counter{0};
  const std::string name = "lacl-floor" + std::to_string(counter.fetch_add(1));
  HashFloor f;
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t heap0 = eal_heap_bytes();
  rte_hash_parameters prm{};
  prm.name = name.c_str();
  prm.entries = static_cast<std::uint32_t>(capacity);
  prm.key_len = sizeof(HashKey);
  prm.hash_func = rte_hash_crc;
  prm.hash_func_init_val = 0;
  prm.socket_id = static_cast<int>(rte_socket_id());
  f.hash_ = rte_hash_create(&prm);
  if (f.hash_ == nullptr) {
    return Error{std::string("rte_hash_create failed: ") + rte_strerror(rte_errno)};
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const HashKey k = HashKey::from(keys[i]);
    std::int32_t pos = rte_hash_lookup(f.hash_, &k);
    if (pos == -ENOENT) {
      pos = rte_hash_add_key(f.hash_, &k);
      if (pos == -ENOSPC) return std::optional<HashFloor>();
      if (pos < 0) return Error{std::string("rte_hash_add_key failed: ") + rte_strerror(-pos)};
      if (static_cast<std::size_t>(pos) >= f.answers_.size()) f.answers_.resize(pos + 1, kNoMatch);
      f.answers_[pos] = answers[i];
      ++f.entries_;
    } else if (pos < 0) {
      return Error{std::string("rte_hash_lookup failed: ") + rte_strerror(-pos)};
    } else if (f.answers_[pos] != answers[i]) {
      return Error{"hash floor: packet " + std::to_string(i) +
                   " repeats an earlier 5-tuple with a different answer"};
    }
  }
  const std::size_t heap1 = eal_heap_bytes();
  f.answers_.shrink_to_fit();
  const auto t1 = std::chrono::steady_clock::now();
  f.build_ms_ = std::chrono::duration<double, std::milli>(t1 - t0).count();
  f.bytes_ = heap1 - heap0 + f.answers_.size() * sizeof(RuleId);
  return std::optional<HashFloor>(std::move(f));
}

HashFloor::HashFloor(HashFloor&& o) noexcept {
  *this = std::move(o);
}

HashFloor& HashFloor::operator=(HashFloor&& o) noexcept {
  if (this != &o) {
    rte_hash_free(hash_);
    hash_ = std::exchange(o.hash_, nullptr);
    answers_ = std::move(o.answers_);
    entries_ = o.entries_;
    build_ms_ = o.build_ms_;
    bytes_ = o.bytes_;
  }
  return *this;
}

HashFloor::~HashFloor() {
  rte_hash_free(hash_);
}

void HashFloor::lookup(std::span<const void* const> keys, std::span<RuleId> out) const noexcept {
  std::int32_t pos[RTE_HASH_LOOKUP_BULK_MAX];
  for (std::size_t i = 0; i < keys.size(); i += RTE_HASH_LOOKUP_BULK_MAX) {
    const std::size_t n = std::min<std::size_t>(RTE_HASH_LOOKUP_BULK_MAX, keys.size() - i);
    // rte_hash only reads the pointer array; its prototype merely lacks the inner const.
    rte_hash_lookup_bulk(hash_, const_cast<const void**>(keys.data() + i),
                         static_cast<std::uint32_t>(n), pos);
    for (std::size_t j = 0; j < n; ++j)
      out[i + j] = pos[j] >= 0 ? answers_[pos[j]] : kNoMatch;
  }
}

}  // namespace lacl::bench
