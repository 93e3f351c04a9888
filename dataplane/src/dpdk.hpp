// Every DPDK header the dataplane uses. meson passes DPDK's include directories as system
// directories (dataplane/meson.build), so these C headers are exempt from lacl's C++ warnings.
#pragma once

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>
