/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Little-endian loads and stores at any address: the one set of helpers
 * for every module that reads or writes wire bytes (admin command data,
 * TLV contexts, migration streams, register images). Every structure on
 * the wire is little-endian and packed (doc/protocol.md, conventions), so
 * a value may sit at any alignment: the bytes go through memcpy (which the
 * compiler turns into one load or store) and then through DPDK's byte
 * order conversion.
 *
 * Internal header (not installed): include it as "common/vpf_le.h"; code
 * built with vpf_internal_dep (lib/meson.build) has lib/ on its include
 * path, vpf_dep (the public headers only) does not.
 */

#ifndef VPF_LE_H
#define VPF_LE_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

static inline uint16_t
vpf_le16_load(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_16(v);
}

static inline uint32_t
vpf_le32_load(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_32(v);
}

static inline uint64_t
vpf_le64_load(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_64(v);
}

static inline void
vpf_le16_store(void *p, uint16_t v)
{
	v = rte_cpu_to_le_16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
vpf_le32_store(void *p, uint32_t v)
{
	v = rte_cpu_to_le_32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
vpf_le64_store(void *p, uint64_t v)
{
	v = rte_cpu_to_le_64(v);
	memcpy(p, &v, sizeof(v));
}

#endif /* VPF_LE_H */
