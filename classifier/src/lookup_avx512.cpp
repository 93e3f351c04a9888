// The lookup pipeline with AVX-512 (this file alone is compiled with -mavx512f/bw/vl/dq).
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_epi32(), which its -O3 flow analysis
// reports as "may be used uninitialized" once the intrinsics are inlined into a loop.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "lacl/detail/lanes_256.hpp"
#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_avx512(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept;

namespace {

// kWide: lists validated sixteen candidates at a time (see match_list).
template <bool kWide>
struct Avx512 {
  // Array a's values of candidates g .. g + 15 of the c-candidate list at `list` (an index on
  // field kField), widened to 32-bit lanes.
  template <LaneArray a, std::uint32_t kField>
  static __m512i values(const std::uint8_t* list, std::uint32_t c, std::uint32_t g) noexcept {
    const std::uint8_t* p = list + lane_layout(kField).at[a] * c + kLaneWidth[a] * g;
    if constexpr (kLaneWidth[a] == 4) {
      return _mm512_loadu_si512(p);
    } else if constexpr (kLaneWidth[a] == 2) {
      return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    } else {
      return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
  }

  // Those of candidates g .. g + 15 (bit i for candidate g + i) whose range between lane arrays
  // kLo and kLo + 1 holds v; all of them when those bound the index's field kField, which the
  // lanes leave out (see candidate_lanes.hpp).
  template <LaneArray kLo, std::uint32_t kField>
  static __mmask16 in(const std::uint8_t* list, std::uint32_t c, std::uint32_t g,
                      __m512i v) noexcept {
    if constexpr (kLaneField[kLo] == kField) {
      return 0xFFFF;
    } else {
      constexpr auto kHi = static_cast<LaneArray>(kLo + 1);
      // Named first: clang's intrinsics are macros, which a template argument list's comma
      // would split.
      const __m512i lo = values<kLo, kField>(list, c, g);
      const __m512i hi = values<kHi, kField>(list, c, g);
      return _mm512_mask_cmple_epu32_mask(_mm512_cmple_epu32_mask(lo, v), v, hi);
    }
  }

  // The step's candidates (bit i for lane i) whose range between lane arrays kLo and kLo + 1
  // holds v, eight at a time; all of them when those bound the index's field kField.
  template <LaneArray kLo, std::uint32_t kField>
  static __mmask8 in8(const ListStep256<Avx512, kField>& step, __m256i v) noexcept {
    if constexpr (kLaneField[kLo] == kField) {
      return 0xFF;
    } else {
      constexpr auto kHi = static_cast<LaneArray>(kLo + 1);
      return _mm256_mask_cmple_epu32_mask(_mm256_cmple_epu32_mask(step.template values<kLo>(), v),
                                          v, step.template values<kHi>());
    }
  }

  // Steps of eight candidates (256-bit), or with kWide of sixteen (512-bit): each field's two
  // bounds are one compare and one masked compare (narrow fields widened to 32 bits), and the
  // fields' masks are ANDed as a tree, so the dependency chain is three deep instead of eight.
  // Candidates are in priority order, so the lowest set lane of the first step with any is the
  // list's best. Sixteen pay where lists run long (LookupTables::wide_lists): acl4_10k and
  // acl5_10k visit lists of 14 and 20 candidates on average, and take half the steps, each a
  // data-dependent branch (11-15% fewer cycles per packet); on the short lists of the 1K sets
  // a step of sixteen costs 6-8% more than one of eight (same artifacts, interleaved). Hence
  // two instances of the whole pipeline, picked per classifier: a choice per index or per
  // list, in the loop, cost the short lists 3-8% by itself.
  template <std::uint32_t kField>
  static RuleId match_list(const std::uint8_t* list, std::uint32_t c, const PacketKey& k,
                           RuleId best) noexcept {
    if constexpr (!kWide) {  // as lookup_avx2.cpp's, with AVX-512's mask compares
      const KeyLanes256<Avx512> key(k);
      auto mask_of = [&](std::uint32_t g) {
        const ListStep256<Avx512, kField> step{list, c, g};
        const auto live = static_cast<__mmask8>(_bzhi_u32(0xFFu, c - g));
        const __mmask8 in_src = in8<kSrcLo>(step, key.src);
        const __mmask8 in_dst = in8<kDstLo>(step, key.dst);
        const __mmask8 in_sport = in8<kSportLo>(step, key.sport);
        const __mmask8 in_dport = in8<kDportLo>(step, key.dport);
        const __mmask8 in_proto = in8<kProtoLo>(step, key.proto);
        return static_cast<std::uint32_t>((live & in_src) & (in_dst & in_sport) &
                                          (in_dport & in_proto));
      };
      return Pipeline<Avx512>::template first_match<kField, 8>(list, c, mask_of, best);
    }
    const __m512i src = _mm512_set1_epi32(static_cast<int>(k.src_ip));
    const __m512i dst = _mm512_set1_epi32(static_cast<int>(k.dst_ip));
    const __m512i sport = _mm512_set1_epi32(k.src_port);
    const __m512i dport = _mm512_set1_epi32(k.dst_port);
    const __m512i proto = _mm512_set1_epi32(k.proto);
    auto mask_of = [&](std::uint32_t g) __attribute__((always_inline)) {
      const auto live = static_cast<__mmask16>(_bzhi_u32(0xFFFFu, c - g));
      const __mmask16 in_src = in<kSrcLo, kField>(list, c, g, src);
      const __mmask16 in_dst = in<kDstLo, kField>(list, c, g, dst);
      const __mmask16 in_sport = in<kSportLo, kField>(list, c, g, sport);
      const __mmask16 in_dport = in<kDportLo, kField>(list, c, g, dport);
      const __mmask16 in_proto = in<kProtoLo, kField>(list, c, g, proto);
      return static_cast<std::uint32_t>((live & in_src) & (in_dst & in_sport) &
                                        (in_dport & in_proto));
    };
    return Pipeline<Avx512>::template first_match<kField, 16>(list, c, mask_of, best);
  }

  // Sixteen keys per step: compare, then compress the positions of the live ones. The
  // compress goes to a register and a whole vector is stored (act has room past m): a
  // compressing store to memory is microcoded and slow on some CPUs.
  static std::size_t select(const RuleId* best, const RuleId* floor, RuleId index_best,
                            std::size_t n, std::uint32_t* act) noexcept {
    const __m512i ib = _mm512_set1_epi32(static_cast<int>(index_best));
    const __m512i sixteen = _mm512_set1_epi32(16);
    __m512i pos = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; i += 16) {
      const auto live = static_cast<__mmask16>(_bzhi_u32(0xFFFFu, static_cast<unsigned>(n - i)));
      const __m512i b = _mm512_maskz_loadu_epi32(live, best + i);
      const __m512i f = _mm512_maskz_loadu_epi32(live, floor + i);
      const __mmask16 k = _mm512_mask_cmpgt_epu32_mask(_mm512_cmpgt_epu32_mask(b, ib), b, f);
      _mm512_storeu_si512(act + m, _mm512_maskz_compress_epi32(k, pos));
      m += static_cast<std::size_t>(__builtin_popcount(k));
      pos = _mm512_add_epi32(pos, sixteen);
    }
    return m;
  }

  // The model's links for sixteen keys at once, each load a gather (see
  // Pipeline::model_starts for the scalar links this computes the same as).
  static void model_starts(const ISetView& s, const PacketKey* keys, const std::uint32_t* act,
                           std::size_t m, std::uint32_t* value, std::uint32_t* a) noexcept {
    static_assert(sizeof(PacketKey) == 16 && sizeof(RangeIndex::Segment) == 16);
    const auto* fields = reinterpret_cast<const char*>(keys) + kKeyFieldOffset[s.field];
    const __m512i field_mask = _mm512_set1_epi32(static_cast<int>(kKeyFieldMask[s.field]));
    const __m512i first = _mm512_set1_epi32(static_cast<int>(s.first_key));
    const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(s.shift));
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i low16 = _mm512_set1_epi32(0xFFFF);
    const auto* seg = reinterpret_cast<const int*>(s.segments);  // four words per segment
    const auto* radix = reinterpret_cast<const int*>(s.radix);
    const __m512i zero = _mm512_setzero_si512();
    // A model of at most 63 segments (and the sentinel) fits in four registers per segment
    // field, loaded from its segment columns once per call: its segment search and the
    // segment's fields are permutes instead of gathers, and the radix table is not read.
    const std::uint32_t nseg = s.segment_count;
    const bool in_registers = s.columns != nullptr;
    __m512i table[4][4];  // field (key, base, slope, bounds) x segments 0-15, ..., 48-63
    if (in_registers) {
      for (std::uint32_t q = 0; q < 4; ++q) {
        for (std::uint32_t f = 0; f < 4; ++f) {
          table[f][q] = 16 * q < s.column_rows
                            ? _mm512_loadu_si512(s.columns + f * s.column_rows + 16 * q)
                            : zero;
        }
      }
    }
    const __m512i bit5 = _mm512_set1_epi32(32);
    auto segment_field = [&](int f, __m512i index) {
      const __m512i low = _mm512_permutex2var_epi32(table[f][0], index, table[f][1]);
      if (nseg < 32) return low;
      const __m512i high = _mm512_permutex2var_epi32(table[f][2], index, table[f][3]);
      return _mm512_mask_mov_epi32(low, _mm512_test_epi32_mask(index, bit5), high);
    };
    for (std::size_t j = 0; j < m; j += 16) {
      const auto live = static_cast<__mmask16>(_bzhi_u32(0xFFFFu, static_cast<unsigned>(m - j)));
      const __m512i at = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(live, act + j), 4);
      const __m512i v =
          _mm512_and_si512(_mm512_mask_i32gather_epi32(zero, live, at, fields, 1), field_mask);
      __m512i key, base, slope, bounds, next;
      if (s.segment_count == 1) {  // every key's segment is the first: no table, no search
        key = _mm512_set1_epi32(seg[0]);
        base = _mm512_set1_epi32(seg[1]);
        slope = _mm512_set1_epi32(seg[2]);
        bounds = _mm512_set1_epi32(seg[3]);
        next = _mm512_set1_epi32(seg[5]);
      } else if (in_registers) {
        // The last segment whose key is <= v (0 when none is), halving over all of them.
        __m512i lo = zero;
        for (std::uint32_t len = nseg; len > 1;) {
          const std::uint32_t half = len / 2;
          const __m512i mid = _mm512_add_epi32(lo, _mm512_set1_epi32(static_cast<int>(half)));
          lo = _mm512_mask_mov_epi32(lo, _mm512_cmple_epu32_mask(segment_field(0, mid), v), mid);
          len -= half;
        }
        key = segment_field(0, lo);
        base = segment_field(1, lo);
        slope = segment_field(2, lo);
        bounds = segment_field(3, lo);
        next = segment_field(1, _mm512_add_epi32(lo, one));
      } else {
        const __m512i bucket =
            _mm512_srl_epi32(_mm512_sub_epi32(_mm512_max_epu32(v, first), first), shift);
        __m512i lo = _mm512_mask_i32gather_epi32(zero, live, bucket, radix, 4);
        if (s.radix_steps != 0) {  // the bucket spans several segments: halve between them
          const __m512i hi =
              _mm512_mask_i32gather_epi32(zero, live, _mm512_add_epi32(bucket, one), radix, 4);
          __m512i len = _mm512_add_epi32(_mm512_sub_epi32(hi, lo), one);
          for (std::uint32_t step = 0; step < s.radix_steps; ++step) {
            const __m512i half = _mm512_srli_epi32(len, 1);
            const __m512i mid = _mm512_add_epi32(lo, half);
            const __m512i at =
                _mm512_mask_i32gather_epi32(zero, live, _mm512_slli_epi32(mid, 2), seg, 4);
            lo = _mm512_mask_mov_epi32(lo, _mm512_cmple_epu32_mask(at, v), mid);
            len = _mm512_sub_epi32(len, half);
          }
        }
        const __m512i at_seg = _mm512_slli_epi32(lo, 2);
        key = _mm512_mask_i32gather_epi32(zero, live, at_seg, seg, 4);
        base = _mm512_mask_i32gather_epi32(zero, live, at_seg, seg + 1, 4);
        slope = _mm512_mask_i32gather_epi32(zero, live, at_seg, seg + 2, 4);
        bounds = _mm512_mask_i32gather_epi32(zero, live, at_seg, seg + 3, 4);
        next = _mm512_mask_i32gather_epi32(zero, live, at_seg, seg + 5, 4);
      }
      // (d * slope) >> 32 per lane: the even lanes' products and the odd lanes' products.
      const __m512i d = _mm512_sub_epi32(_mm512_max_epu32(v, key), key);
      const __m512i even = _mm512_srli_epi64(_mm512_mul_epu32(d, slope), 32);
      const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(d, 32), _mm512_srli_epi64(slope, 32));
      const __m512i step = _mm512_mask_blend_epi32(0xAAAA, even, odd);
      // p = min(base + step, next - 1), without overflowing: next - 1 >= base.
      const __m512i last = _mm512_sub_epi32(next, one);
      const __m512i p =
          _mm512_add_epi32(base, _mm512_min_epu32(step, _mm512_sub_epi32(last, base)));
      const __m512i below = _mm512_and_si512(bounds, low16);
      _mm512_mask_storeu_epi32(value + j, live, v);
      _mm512_mask_storeu_epi32(a + j, live, _mm512_sub_epi32(_mm512_max_epu32(p, below), below));
    }
  }

  // The two-level search: one compare of the first keys of `lanes` blocks from the window's
  // first finds the block of v's slot (the last whose first key is <= v), one compare inside it
  // the slot. Two vector compares, however wide the window.
  static std::uint32_t search_blocks(const std::uint32_t* keys, const std::uint32_t* blocks,
                                     std::uint32_t start, std::uint32_t lanes,
                                     std::uint32_t v) noexcept {
    constexpr std::uint32_t kBlock = RangeIndex::kBlock;
    const __m512i vv = _mm512_set1_epi32(static_cast<int>(v));
    const std::uint32_t first = start / kBlock;
    const auto live = static_cast<__mmask16>(_bzhi_u32(0xFFFFu, lanes));
    const auto in = static_cast<std::uint32_t>(__builtin_popcount(
        _mm512_mask_cmple_epu32_mask(live, _mm512_maskz_loadu_epi32(live, blocks + first), vv)));
    const std::uint32_t block = first + (in != 0 ? in - 1 : 0);
    const auto le = static_cast<std::uint32_t>(
        __builtin_popcount(_mm512_cmple_epu32_mask(_mm512_loadu_si512(keys + kBlock * block), vv)));
    return kBlock * block + (le != 0 ? le - 1 : 0);
  }

  // Two chunks (sixteen words, 1024 rules) per step, each one load per field, ANDed across
  // the fields; past the last chunk, chunk 0 (all zeros) stands in.
  // kFields and kTwoChunks as in Pipeline::first_common.
  template <std::uint32_t kFields, bool kTwoChunks>
  static std::uint32_t first_common(const BitVectorsView& bv, const std::uint16_t* const* row,
                                    const std::uint64_t* const* chunk) noexcept {
    const std::uint32_t fields = kFields != 0 ? kFields : bv.fields;
    const std::uint32_t chunks = kTwoChunks ? 2 : bv.chunks;
    for (std::uint32_t c = 0; c < chunks; c += 2) {
      const bool second = c + 1 < bv.chunks;
      __m512i x0 = _mm512_load_si512(chunk[0] + 8 * row[0][c]);
      __m512i x1 = _mm512_load_si512(chunk[0] + 8 * (second ? row[0][c + 1] : 0u));
      for (std::uint32_t f = 1; f < fields; ++f) {
        x0 = _mm512_and_si512(x0, _mm512_load_si512(chunk[f] + 8 * row[f][c]));
        x1 = _mm512_and_si512(x1, _mm512_load_si512(chunk[f] + 8 * (second ? row[f][c + 1] : 0u)));
      }
      const std::uint32_t any = _mm512_test_epi64_mask(x0, x0) |
                                (static_cast<std::uint32_t>(_mm512_test_epi64_mask(x1, x1)) << 8);
      if (any != 0) {
        alignas(64) std::uint64_t x[16];
        _mm512_store_si512(x, x0);
        _mm512_store_si512(x + 8, x1);
        const auto word = static_cast<std::uint32_t>(__builtin_ctz(any));
        return (8 * c + word) * 64 + static_cast<std::uint32_t>(__builtin_ctzll(x[word]));
      }
    }
    return kNoCommonBit;
  }

  // Sixteen unsigned compares per instruction: a window of up to 16 keys costs one load and one
  // compare instead of four dependent probes.
  static std::uint32_t search(const std::uint32_t* w, std::uint32_t width,
                              std::uint32_t v) noexcept {
    const __m512i vv = _mm512_set1_epi32(static_cast<int>(v));
    std::uint32_t count = 0;
    for (std::uint32_t i = 0; i < width; i += 16) {
      const __mmask16 le = _mm512_cmple_epu32_mask(_mm512_loadu_si512(w + i), vv);
      count += static_cast<std::uint32_t>(__builtin_popcount(le));
    }
    return count == 0 ? 0 : count - 1;
  }
};

}  // namespace

void classify_avx512(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept {
  if (t.wide_lists) {
    Pipeline<Avx512<true>>::all<kMaxChunk>(t, keys, out, chunk);
  } else {
    Pipeline<Avx512<false>>::all<kMaxChunk>(t, keys, out, chunk);
  }
}

}  // namespace lacl::detail
