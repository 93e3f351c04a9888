// parse_packet: every well-formed shape (VLAN, IPv4 options, padding, fragments, protocols) and
// every malformed kind, plus frames cut at every length and random bytes. No EAL needed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "keys.hpp"
#include "lacl/dataplane/frame_builder.hpp"
#include "lacl/dataplane/packet_parser.hpp"

using namespace lacl;
using namespace lacl::dataplane;

namespace {

PacketKey tcp_key() {
  return PacketKey{0x0A000001u, 0xC0A80102u, 12345, 80, kProtoTcp};
}

std::vector<std::uint8_t> frame(PacketKey key, std::optional<std::uint16_t> vlan = std::nullopt,
                                std::uint8_t option_words = 0, std::uint32_t min_size = 64) {
  FrameSpec s;
  s.key = key;
  s.vlan = vlan;
  s.ip_option_words = option_words;
  s.min_size = min_size;
  s.sequence = 7;
  return build_frame(s);
}

ParseResult parse(const std::vector<std::uint8_t>& f, PacketKey& key) {
  return parse_packet(f.data(), static_cast<std::uint32_t>(f.size()), key);
}

ParseResult parse(const std::vector<std::uint8_t>& f) {
  PacketKey key;
  return parse(f, key);
}

std::size_t ip_offset(const std::vector<std::uint8_t>& f) {
  return f[12] == 0x81 ? 18 : 14;
}

void set16(std::vector<std::uint8_t>& f, std::size_t at, std::uint16_t v) {
  f[at] = static_cast<std::uint8_t>(v >> 8);
  f[at + 1] = static_cast<std::uint8_t>(v);
}

}  // namespace

TEST_CASE("well-formed TCP and UDP frames give all five fields", "[parser]") {
  for (std::uint8_t proto : {kProtoTcp, kProtoUdp}) {
    CAPTURE(int{proto});
    PacketKey key = tcp_key();
    key.proto = proto;
    PacketKey got;
    REQUIRE(parse(frame(key), got) == ParseResult::kOk);
    CHECK(got == key);
  }
}

TEST_CASE("other protocols get ports 0", "[parser]") {
  for (int proto : {0, 1, 2, 47, 50, 132, 255}) {
    CAPTURE(proto);
    PacketKey key = tcp_key();
    key.proto = static_cast<std::uint8_t>(proto);
    PacketKey got;
    REQUIRE(parse(frame(key), got) == ParseResult::kOk);
    CHECK(got == wire_key(key));
    CHECK(got.src_port == 0);
    CHECK(got.dst_port == 0);
  }
}

TEST_CASE("one 802.1Q tag is skipped", "[parser][vlan]") {
  for (std::uint16_t vid : {0, 1, 100, 4095}) {
    CAPTURE(vid);
    PacketKey got;
    const auto f = frame(tcp_key(), vid);
    REQUIRE(f[12] == 0x81);
    REQUIRE(parse(f, got) == ParseResult::kOk);
    CHECK(got == tcp_key());
  }
}

TEST_CASE("IPv4 options are skipped by IHL", "[parser][options]") {
  for (std::uint8_t words = 0; words <= 10; ++words) {
    for (bool vlan : {false, true}) {
      CAPTURE(int{words}, vlan);
      PacketKey got;
      const auto f = frame(tcp_key(), vlan ? std::optional<std::uint16_t>(5) : std::nullopt, words);
      CHECK((f[ip_offset(f)] & 0x0F) == 5 + words);
      REQUIRE(parse(f, got) == ParseResult::kOk);
      CHECK(got == tcp_key());
    }
  }
}

TEST_CASE("Ethernet padding after the IP total length is ignored", "[parser]") {
  auto f = frame(tcp_key());
  const std::size_t ip = ip_offset(f);
  set16(f, ip + 2, 20 + 20);  // the IP packet is shorter than the 64-byte frame
  PacketKey got;
  REQUIRE(parse(f, got) == ParseResult::kOk);
  CHECK(got == tcp_key());
}

TEST_CASE("fragments: the first carries ports, later ones get ports 0", "[parser]") {
  auto f = frame(tcp_key());
  const std::size_t ip = ip_offset(f);
  PacketKey got;
  set16(f, ip + 6, 0x2000);  // MF, offset 0
  REQUIRE(parse(f, got) == ParseResult::kOk);
  CHECK(got == tcp_key());
  set16(f, ip + 6, 0x0010);  // offset 16 (128 bytes)
  REQUIRE(parse(f, got) == ParseResult::kOk);
  CHECK(got.src_port == 0);
  CHECK(got.dst_port == 0);
  CHECK(got.src_ip == tcp_key().src_ip);
}

TEST_CASE("malformed: truncated", "[parser][malformed]") {
  SECTION("shorter than an Ethernet header") {
    for (std::uint32_t len = 0; len < 14; ++len) {
      CAPTURE(len);
      const auto f = frame(tcp_key());
      PacketKey key;
      CHECK(parse_packet(f.data(), len, key) == ParseResult::kTruncated);
    }
  }
  SECTION("cut inside the 802.1Q tag") {
    const auto f = frame(tcp_key(), 9);
    for (std::uint32_t len = 14; len < 18; ++len) {
      CAPTURE(len);
      PacketKey key;
      CHECK(parse_packet(f.data(), len, key) == ParseResult::kTruncated);
    }
  }
  SECTION("cut inside the fixed IPv4 header") {
    for (bool vlan : {false, true}) {
      const auto f = frame(tcp_key(), vlan ? std::optional<std::uint16_t>(3) : std::nullopt);
      const std::uint32_t ip = static_cast<std::uint32_t>(ip_offset(f));
      for (std::uint32_t len = ip; len < ip + 20; ++len) {
        CAPTURE(vlan, len);
        PacketKey key;
        CHECK(parse_packet(f.data(), len, key) == ParseResult::kTruncated);
      }
    }
  }
  SECTION("the IP packet ends before the TCP/UDP ports") {
    for (std::uint8_t proto : {kProtoTcp, kProtoUdp}) {
      for (std::uint16_t l4_bytes = 0; l4_bytes < 4; ++l4_bytes) {
        CAPTURE(int{proto}, l4_bytes);
        PacketKey k = tcp_key();
        k.proto = proto;
        auto f = frame(k);
        set16(f, ip_offset(f) + 2, static_cast<std::uint16_t>(20 + l4_bytes));
        CHECK(parse(f) == ParseResult::kTruncated);
      }
    }
  }
}

TEST_CASE("malformed: not IPv4", "[parser][malformed]") {
  SECTION("other EtherTypes") {
    for (std::uint16_t type : {0x0806, 0x86DD, 0x88A8, 0x8847, 0x0000, 0x05DC}) {
      CAPTURE(type);
      auto f = frame(tcp_key());
      set16(f, 12, type);
      CHECK(parse(f) == ParseResult::kNotIpv4);
    }
  }
  SECTION("a second 802.1Q tag") {
    auto f = frame(tcp_key(), 10);
    set16(f, 16, kEtherTypeVlan);
    CHECK(parse(f) == ParseResult::kNotIpv4);
  }
  SECTION("IPv6 inside a tag") {
    auto f = frame(tcp_key(), 10);
    set16(f, 16, 0x86DD);
    CHECK(parse(f) == ParseResult::kNotIpv4);
  }
  SECTION("IP version other than 4") {
    for (int version : {0, 5, 6, 15}) {
      CAPTURE(version);
      auto f = frame(tcp_key());
      f[14] = static_cast<std::uint8_t>((version << 4) | 5);
      CHECK(parse(f) == ParseResult::kNotIpv4);
    }
  }
}

TEST_CASE("malformed: bad IHL", "[parser][malformed]") {
  SECTION("IHL below 5") {
    for (int ihl = 0; ihl < 5; ++ihl) {
      CAPTURE(ihl);
      auto f = frame(tcp_key());
      f[14] = static_cast<std::uint8_t>(0x40 | ihl);
      CHECK(parse(f) == ParseResult::kBadIhl);
    }
  }
  SECTION("header beyond the frame") {
    // A 64-byte frame has 50 bytes of IP: IHL 13..15 (52..60 bytes) cannot fit.
    for (int ihl = 13; ihl <= 15; ++ihl) {
      CAPTURE(ihl);
      auto f = frame(tcp_key());
      REQUIRE(f.size() == 64);
      f[14] = static_cast<std::uint8_t>(0x40 | ihl);
      CHECK(parse(f) == ParseResult::kBadIhl);
    }
  }
}

TEST_CASE("malformed: bad total length", "[parser][malformed]") {
  SECTION("below the header length") {
    for (std::uint16_t total : {0, 1, 19}) {
      CAPTURE(total);
      auto f = frame(tcp_key());
      set16(f, 16, total);
      CHECK(parse(f) == ParseResult::kBadTotalLength);
    }
    auto f = frame(tcp_key(), std::nullopt, 4);  // 36-byte header
    set16(f, 16, 35);
    CHECK(parse(f) == ParseResult::kBadTotalLength);
  }
  SECTION("beyond the frame") {
    for (bool vlan : {false, true}) {
      auto f = frame(tcp_key(), vlan ? std::optional<std::uint16_t>(1) : std::nullopt);
      const std::size_t ip = ip_offset(f);
      CAPTURE(vlan);
      set16(f, ip + 2, static_cast<std::uint16_t>(f.size() - ip + 1));
      CHECK(parse(f) == ParseResult::kBadTotalLength);
      set16(f, ip + 2, 0xFFFF);
      CHECK(parse(f) == ParseResult::kBadTotalLength);
      set16(f, ip + 2, static_cast<std::uint16_t>(f.size() - ip));
      CHECK(parse(f) == ParseResult::kOk);
    }
  }
}

TEST_CASE("every prefix of a frame parses without reading past its end", "[parser]") {
  for (std::uint8_t words : {0, 3}) {
    for (bool vlan : {false, true}) {
      const auto full =
          frame(tcp_key(), vlan ? std::optional<std::uint16_t>(2) : std::nullopt, words);
      for (std::size_t len = 0; len <= full.size(); ++len) {
        CAPTURE(int{words}, vlan, len);
        // An exact-size heap copy, so a sanitizer build would catch any over-read.
        const std::vector<std::uint8_t> cut(full.begin(),
                                            full.begin() + static_cast<std::ptrdiff_t>(len));
        PacketKey key;
        const ParseResult r = parse_packet(cut.data(), static_cast<std::uint32_t>(cut.size()), key);
        // The IP total length covers the whole frame, so any cut makes it wrong or truncates.
        CHECK((len == full.size()) == (r == ParseResult::kOk));
      }
    }
  }
}

TEST_CASE("random bytes never crash and never parse as a different shape", "[parser]") {
  test::Rng rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> f(rng.below(100));
    for (auto& b : f)
      b = static_cast<std::uint8_t>(rng.next());
    if (i % 2 == 0 && f.size() > 14)
      f[12] = 0x08, f[13] = 0x00, f[14] = static_cast<std::uint8_t>(0x40 | (f[14] & 0x0F));
    PacketKey key;
    const ParseResult r = parse(f, key);
    CAPTURE(i, f.size());
    CHECK(static_cast<std::size_t>(r) < kParseResultCount);
    if (r == ParseResult::kOk) CHECK(f.size() >= 34);
  }
}

TEST_CASE("build_frame and parse_packet round-trip seeded keys", "[parser][frame]") {
  test::Rng rng(7);
  const std::vector<PacketKey> keys = test::uniform_keys(5000, 11);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    PacketKey key = keys[i];
    if (i % 3 == 0) key.proto = kProtoTcp;
    if (i % 3 == 1) key.proto = kProtoUdp;
    FrameSpec s;
    s.key = key;
    if (rng.below(2)) s.vlan = static_cast<std::uint16_t>(rng.below(4096));
    s.ip_option_words = static_cast<std::uint8_t>(rng.below(11));
    s.min_size = static_cast<std::uint32_t>(60 + rng.below(200));
    s.sequence = static_cast<std::uint32_t>(i);
    const auto f = build_frame(s);
    CAPTURE(i, key.proto, s.vlan.has_value(), int{s.ip_option_words}, s.min_size);
    CHECK(f.size() >= s.min_size);
    PacketKey got;
    REQUIRE(parse(f, got) == ParseResult::kOk);
    CHECK(got == wire_key(key));
  }
}

TEST_CASE("parse_result_name names every kind", "[parser]") {
  CHECK(std::string(parse_result_name(ParseResult::kOk)) == "ok");
  CHECK(std::string(parse_result_name(ParseResult::kTruncated)) == "truncated");
  CHECK(std::string(parse_result_name(ParseResult::kNotIpv4)) == "not_ipv4");
  CHECK(std::string(parse_result_name(ParseResult::kBadIhl)) == "bad_ihl");
  CHECK(std::string(parse_result_name(ParseResult::kBadTotalLength)) == "bad_total_length");
}
