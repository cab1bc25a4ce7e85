/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Command list negotiation (FACTS.md 2, 7) and the typed commands of
 * FACTS.md 4 and 6, built on the engine's submit/exec.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vpf_pf.h"
#include "pf/pf_internal.h"

#define ROUND8(x)	(((x) + 7u) & ~7u)

static void
prep(struct vpf_admin_cmd *c, uint16_t op, uint16_t vf)
{
	c->opcode = op;
	c->group_type = VPF_ADMIN_GROUP_SRIOV;
	c->member = vf;
	c->data = NULL;
	c->data_len = 0;
	c->result = NULL;
	c->result_len = 0;
	c->priv[2] = 0;
}

void
vpf_admin_prep_mode_get(struct vpf_admin_cmd *c, uint16_t vf, uint8_t *mode)
{
	prep(c, VPF_ADMIN_OP_DEV_MODE_GET, vf);
	c->result = mode;
	c->result_len = 1;
}

void
vpf_admin_prep_mode_set(struct vpf_admin_cmd *c, uint16_t vf, uint8_t mode)
{
	prep(c, VPF_ADMIN_OP_DEV_MODE_SET, vf);
	memset(c->inline_data, 0, 8);	/* mode, padded to 8 (FACTS.md 1) */
	c->inline_data[0] = mode;
	c->data = c->inline_data;
	c->data_len = 8;
}

void
vpf_admin_prep_ctx_size_get(struct vpf_admin_cmd *c, uint16_t vf, bool freeze,
			    uint64_t *size)
{
	prep(c, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, vf);
	memset(c->inline_data, 0, 8);
	c->inline_data[0] = freeze ? 1 : 0;
	c->data = c->inline_data;
	c->data_len = 8;
	c->result = size;
	c->result_len = sizeof(*size);
}

void
vpf_admin_prep_ctx_read(struct vpf_admin_cmd *c, uint16_t vf, void *buf,
			uint32_t len)
{
	prep(c, VPF_ADMIN_OP_DEV_CTX_READ, vf);
	c->result = buf;
	c->result_len = len;
}

void
vpf_admin_prep_ctx_write(struct vpf_admin_cmd *c, uint16_t vf, const void *buf,
			 uint32_t len)
{
	prep(c, VPF_ADMIN_OP_DEV_CTX_WRITE, vf);
	c->data = buf;
	c->data_len = len;
}

void
vpf_admin_prep_ctx_discard(struct vpf_admin_cmd *c, uint16_t vf)
{
	prep(c, VPF_ADMIN_OP_DEV_CTX_DISCARD, vf);
}

/* Synchronous execution of a prepared command on the stack. */
static int
run(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	c->done = NULL;
	c->arg = NULL;
	c->priv[0] = 0;
	c->priv[1] = 0;
	return vpf_admin_exec(pf, c);
}

static int
check_pf_vf(struct vpf_pf *pf, uint16_t vf)
{
	if (pf == NULL)
		return vpf_error(-EINVAL, "no PF");
	if (vf == 0 || vf > pf->num_vfs)
		return vpf_error(-EINVAL, "VF %u does not exist (PF %s has %u VFs)",
				 vf, pf->name, pf->num_vfs);
	return 0;
}

static int
check_chunk(struct vpf_pf *pf, uint32_t len, const char *what)
{
	/* Context chunks are non-zero multiples of 8 (FACTS.md 1). */
	if (len == 0 || len % VPF_ADMIN_ALIGN)
		return vpf_error(-EINVAL, "%s chunk of %u bytes: must be a non-zero multiple of 8",
				 what, len);
	if (len > pf->params.max_chunk)
		return vpf_error(-EINVAL, "%s chunk of %u bytes exceeds max_chunk %u",
				 what, len, pf->params.max_chunk);
	return 0;
}

/* ------------------------------------------------------------------------
 * Command list negotiation (FACTS.md 2, 5, 7)
 * --------------------------------------------------------------------- */

static void
names_of(uint64_t bits, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int b;

	buf[0] = '\0';
	for (b = 0; b < 64 && n < len; b++) {
		if (!(bits & VPF_ADMIN_OP_BIT(b)))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s(0x%x)", n ? ", " : "",
				      vpf_admin_opcode_name((uint16_t)b), b);
	}
}

int
vpf_admin_negotiate(struct vpf_pf *pf)
{
	struct vpf_admin_cmd c;
	uint64_t bm[8], sup, use, le;
	char names[256];
	int rc;

	memset(&c, 0, sizeof(c));
	memset(bm, 0, sizeof(bm));
	prep(&c, VPF_ADMIN_OP_LIST_QUERY, 0);
	c.result = bm;
	c.result_len = sizeof(bm);	/* opcodes 0..511 */
	c.priv[2] = CMD_F_INTERNAL;
	c.done = NULL;
	rc = vpf_admin_exec(pf, &c);
	if (rc < 0) {
		if (c.status == VPF_ADMIN_STATUS_EINVAL &&
		    c.qualifier == VPF_ADMIN_SQ_INVALID_GROUP)
			return vpf_error(-ENOTSUP,
					 "LIST_QUERY refused for the SR-IOV group (INVALID_GROUP): VFs are not enabled (NumVFs %u, VF Enable %s)",
					 pf->vd.sriov.num_vfs,
					 pf->vd.sriov.vf_enabled ? "set" : "clear");
		/* The message is an argument: copy it before overwriting. */
		snprintf(names, sizeof(names), "%s", vpf_last_error());
		return vpf_error(rc, "LIST_QUERY failed: %s", names);
	}
	sup = rte_le_to_cpu_64(bm[0]);
	pf->cmds_supported = sup;

	/* Dialect from the whole bitmap (FACTS.md 7). */
	if (sup & VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_V14_DEV_PARTS_METADATA_GET)) {
		pf->dialect = VPF_DIALECT_V14_PARTS;
		return vpf_error(-ENOTSUP,
				 "device speaks the virtio 1.4 device-parts dialect (LIST_QUERY bit 0xe DEV_PARTS_METADATA_GET set, bitmap 0x%" PRIx64
				 "), not the Oct 2023 migration commands vpf implements",
				 sup);
	}
	if ((sup & VPF_ADMIN_OPS_MIGRATION) != VPF_ADMIN_OPS_MIGRATION) {
		pf->dialect = VPF_DIALECT_UNKNOWN;
		names_of(VPF_ADMIN_OPS_MIGRATION & ~sup, names, sizeof(names));
		return vpf_error(-ENOTSUP,
				 "device lacks the base migration commands %s (LIST_QUERY bitmap 0x%" PRIx64 ")",
				 names, sup);
	}
	if (!(sup & VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_LIST_USE)))
		return vpf_error(-ENOTSUP, "device does not report LIST_USE (bitmap 0x%" PRIx64 ")",
				 sup);
	pf->dialect = VPF_DIALECT_SEED_2023;
	use = VPF_ADMIN_OPS_LIST | VPF_ADMIN_OPS_MIGRATION;
	pf->has_fields_query =
		(sup & VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY)) != 0;
	if (pf->has_fields_query)
		use |= VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY);
	else
		ADMIN_LOG(WARNING, pf, "device has no DEV_CTX_FIELDS_QUERY: no compatibility check possible");
	/* Write recording is all or none (FACTS.md 5). */
	pf->has_write_record =
		(sup & VPF_ADMIN_OPS_WRITE_RECORD) == VPF_ADMIN_OPS_WRITE_RECORD;
	if (pf->has_write_record)
		use |= VPF_ADMIN_OPS_WRITE_RECORD;
	else if (sup & VPF_ADMIN_OPS_WRITE_RECORD)
		ADMIN_LOG(WARNING, pf, "device offers only part of write recording (bitmap 0x%" PRIx64
			  "): not used", sup);

	le = rte_cpu_to_le_64(use);
	memset(&c, 0, sizeof(c));
	prep(&c, VPF_ADMIN_OP_LIST_USE, 0);
	c.data = &le;
	c.data_len = sizeof(le);
	c.priv[2] = CMD_F_INTERNAL;
	rc = vpf_admin_exec(pf, &c);
	if (rc < 0) {
		snprintf(names, sizeof(names), "%s", vpf_last_error());
		return vpf_error(rc, "LIST_USE failed: %s", names);
	}
	pf->cmds_enabled = use;
	return 0;
}

/* ------------------------------------------------------------------------
 * Typed commands
 * --------------------------------------------------------------------- */

int
vpf_admin_mode_get(struct vpf_pf *pf, uint16_t vf, uint8_t *mode)
{
	struct vpf_admin_cmd c;
	uint8_t m = 0;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc < 0)
		return rc;
	vpf_admin_prep_mode_get(&c, vf, &m);
	rc = run(pf, &c);
	if (rc == 0 && mode != NULL)
		*mode = m;
	return rc;
}

int
vpf_admin_mode_set(struct vpf_pf *pf, uint16_t vf, uint8_t mode)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc < 0)
		return rc;
	if (mode > VPF_DEV_MODE_MAX)
		return vpf_error(-EINVAL, "mode %u is reserved (0 active, 1 stop, 2 freeze)",
				 mode);
	vpf_admin_prep_mode_set(&c, vf, mode);
	return run(pf, &c);
}

int
vpf_admin_ctx_size_get(struct vpf_pf *pf, uint16_t vf, bool freeze,
		       uint64_t *size)
{
	struct vpf_admin_cmd c;
	uint64_t v = 0;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc < 0)
		return rc;
	vpf_admin_prep_ctx_size_get(&c, vf, freeze, &v);
	rc = run(pf, &c);
	if (rc == 0 && size != NULL)
		*size = rte_le_to_cpu_64(v);
	return rc;
}

int
vpf_admin_ctx_read_chunk(struct vpf_pf *pf, uint16_t vf, void *buf,
			 uint32_t len, uint32_t *got)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc == 0)
		rc = check_chunk(pf, len, "DEV_CTX_READ");
	if (rc < 0)
		return rc;
	if (buf == NULL)
		return vpf_error(-EINVAL, "DEV_CTX_READ: no buffer");
	vpf_admin_prep_ctx_read(&c, vf, buf, len);
	rc = run(pf, &c);
	if (rc == 0 && got != NULL)
		*got = c.output;	/* checked against len and used.len */
	return rc;
}

int
vpf_admin_ctx_read(struct vpf_pf *pf, uint16_t vf, uint32_t chunk, void *buf,
		   size_t cap, size_t *len)
{
	size_t n = 0;
	uint32_t got = 0, ask;
	uint64_t left;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc == 0)
		rc = check_chunk(pf, chunk, "DEV_CTX_READ");
	if (rc < 0)
		return rc;
	if (buf == NULL && cap != 0)
		return vpf_error(-EINVAL, "DEV_CTX_READ: no buffer");
	for (;;) {
		ask = (uint32_t)RTE_MIN((size_t)chunk, (cap - n) & ~(size_t)7);
		if (ask == 0) {
			/* Buffer full: the context may have ended exactly
			 * here; SIZE_GET says 0 once it was read completely
			 * (FACTS.md 4). */
			rc = vpf_admin_ctx_size_get(pf, vf, false, &left);
			if (rc < 0)
				break;
			if (left != 0)
				rc = vpf_error(-ENOSPC,
					       "context does not fit the %zu-byte buffer (%" PRIu64
					       " more bytes); the read is left partial",
					       cap, left);
			break;
		}
		rc = vpf_admin_ctx_read_chunk(pf, vf, (uint8_t *)buf + n, ask, &got);
		if (rc < 0)
			break;
		n += got;
		/* 0, or less than posted: end of stream (FACTS.md 4). */
		if (got < ask)
			break;
	}
	if (len != NULL)
		*len = n;
	return rc;
}

int
vpf_admin_ctx_read_alloc(struct vpf_pf *pf, uint16_t vf, uint32_t chunk,
			 void **buf, size_t *len)
{
	size_t n = 0, cap;
	uint8_t *b;
	uint32_t got = 0, ask;
	uint64_t left;
	int rc;

	if (buf == NULL)
		return vpf_error(-EINVAL, "DEV_CTX_READ: no buffer pointer");
	rc = check_pf_vf(pf, vf);
	if (rc == 0)
		rc = check_chunk(pf, chunk, "DEV_CTX_READ");
	if (rc < 0)
		return rc;
	/* A caller's buffer of unknown size is grown with realloc() before
	 * the first chunk lands in it. */
	b = *buf;
	cap = 0;
	for (;;) {
		/* A device that keeps returning full chunks must not grow
		 * the buffer forever: at VPF_ADMIN_CTX_ALLOC_MAX the read
		 * stops as vpf_admin_ctx_read() does at a full buffer. */
		ask = chunk;
		if (n + ask > VPF_ADMIN_CTX_ALLOC_MAX) {
			ask = (uint32_t)((VPF_ADMIN_CTX_ALLOC_MAX - n) & ~(size_t)7);
			if (ask == 0) {
				rc = vpf_admin_ctx_size_get(pf, vf, false, &left);
				if (rc == 0 && left != 0)
					rc = vpf_error(-EFBIG,
						       "context larger than %u bytes (%" PRIu64
						       " more); the read is left partial",
						       VPF_ADMIN_CTX_ALLOC_MAX, left);
				break;
			}
		}
		if (cap - n < ask) {
			size_t ncap = RTE_MIN(RTE_MAX(cap * 2, n + ask),
					      (size_t)VPF_ADMIN_CTX_ALLOC_MAX);
			uint8_t *nb = realloc(b, ncap);

			if (nb == NULL) {
				rc = vpf_error(-ENOMEM, "out of memory for a %zu-byte context",
					       ncap);
				break;
			}
			b = nb;
			cap = ncap;
		}
		rc = vpf_admin_ctx_read_chunk(pf, vf, b + n, ask, &got);
		if (rc < 0)
			break;
		n += got;
		if (got < ask)
			break;
	}
	*buf = b;
	if (len != NULL)
		*len = n;
	return rc;
}

int
vpf_admin_ctx_write_chunk(struct vpf_pf *pf, uint16_t vf, const void *buf,
			  uint32_t len)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc == 0)
		rc = check_chunk(pf, len, "DEV_CTX_WRITE");
	if (rc < 0)
		return rc;
	if (buf == NULL)
		return vpf_error(-EINVAL, "DEV_CTX_WRITE: no buffer");
	vpf_admin_prep_ctx_write(&c, vf, buf, len);
	return run(pf, &c);
}

int
vpf_admin_ctx_write(struct vpf_pf *pf, uint16_t vf, const void *ctx, size_t len,
		    uint32_t chunk)
{
	struct vpf_admin_cmd c;
	size_t off = 0;
	uint32_t n;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc == 0)
		rc = check_chunk(pf, chunk, "DEV_CTX_WRITE");
	if (rc < 0)
		return rc;
	if (ctx == NULL || len == 0)
		return vpf_error(-EINVAL, "DEV_CTX_WRITE: empty context");
	while (off < len) {
		n = (uint32_t)RTE_MIN((size_t)chunk, len - off);
		vpf_admin_prep_ctx_write(&c, vf, (const uint8_t *)ctx + off, n);
		/* The last chunk is zero-padded to 8 (FACTS.md 1): the engine
		 * pads while copying into its premapped buffer. */
		c.priv[2] = CMD_F_PAD;
		rc = run(pf, &c);
		if (rc < 0)
			return rc;
		off += n;
	}
	return 0;
}

int
vpf_admin_ctx_fields_query(struct vpf_pf *pf, uint16_t vf,
			   struct vpf_admin_ctx_field_info *out, uint32_t max,
			   uint32_t *n)
{
	struct vpf_admin_cmd c;
	uint32_t cnt, lim;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc < 0)
		return rc;
	if (!pf->has_fields_query)
		return vpf_error(-ENOTSUP, "device has no DEV_CTX_FIELDS_QUERY: compatibility cannot be checked");
	if (out == NULL || max == 0)
		return vpf_error(-EINVAL, "DEV_CTX_FIELDS_QUERY: no output array");
	lim = pf->params.max_chunk / sizeof(*out);
	if (max > lim)
		max = lim;
	prep(&c, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, vf);
	c.result = out;
	c.result_len = max * (uint32_t)sizeof(*out);
	rc = run(pf, &c);
	if (rc < 0)
		return rc;
	cnt = c.result_written / (uint32_t)sizeof(*out);
	if (cnt > max)
		cnt = max;
	/* Left as wire entries (little-endian): struct
	 * vpf_admin_ctx_field_info is a wire struct, and
	 * vpf_ctx_compare_fields() / vpf_ctx_field_compat() and the
	 * migration stream take the list as the device sent it. */
	if (n != NULL)
		*n = cnt;
	return 0;
}

int
vpf_admin_ctx_discard(struct vpf_pf *pf, uint16_t vf)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = check_pf_vf(pf, vf);
	if (rc < 0)
		return rc;
	vpf_admin_prep_ctx_discard(&c, vf);
	return run(pf, &c);
}

/* ------------------------------------------------------------------------
 * Write recording (FACTS.md 6)
 * --------------------------------------------------------------------- */

static int
check_wr(struct vpf_pf *pf, uint16_t vf)
{
	int rc = check_pf_vf(pf, vf);

	if (rc < 0)
		return rc;
	if (!pf->has_write_record)
		return vpf_error(-ENOTSUP, "dirty tracking unavailable on this device (no write recording commands)");
	return 0;
}

int
vpf_admin_wr_cap_query(struct vpf_pf *pf, uint16_t vf, struct vpf_wr_cap *cap)
{
	struct vpf_admin_cmd c;
	struct vpf_admin_wr_cap r;
	struct vpf_wr_cap got;
	int rc;

	rc = check_wr(pf, vf);
	if (rc < 0)
		return rc;
	prep(&c, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, vf);
	c.result = &r;
	c.result_len = sizeof(r);
	rc = run(pf, &c);
	if (rc < 0)
		return rc;
	/* r is the engine's private copy: read once, checked, kept. */
	got.page_size_bitmap = rte_le_to_cpu_32(r.supported_page_size_bitmap);
	got.max_ranges = rte_le_to_cpu_32(r.supported_ranges);
	/* The device sets at least one page size and allows a range
	 * (doc/protocol.md, write recording). */
	if (got.page_size_bitmap == 0 || got.max_ranges == 0)
		return vpf_error(-EIO, "DEV_WRITE_RECORD_CAP_QUERY on VF %u: device error: page size bitmap 0x%x, %u ranges",
				 vf, got.page_size_bitmap, got.max_ranges);
	pf->wr_cap[vf] = got;
	pf->wr_cap_valid[vf] = true;
	if (cap != NULL)
		*cap = got;
	return 0;
}

static bool
pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* In-place heapsort of wire ranges by address: no allocation (glibc's
 * qsort may malloc) and O(n log n) for the few thousand ranges a command
 * can hold. */
static uint64_t
range_addr(const struct vpf_admin_wr_range *r)
{
	return rte_le_to_cpu_64(r->page_address);
}

static void
range_sift(struct vpf_admin_wr_range *r, uint32_t i, uint32_t n)
{
	struct vpf_admin_wr_range t;
	uint32_t k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= n)
			return;
		if (k + 1 < n && range_addr(&r[k + 1]) > range_addr(&r[k]))
			k++;
		if (range_addr(&r[i]) >= range_addr(&r[k]))
			return;
		t = r[i];
		r[i] = r[k];
		r[k] = t;
		i = k;
	}
}

static void
range_sort(struct vpf_admin_wr_range *r, uint32_t n)
{
	struct vpf_admin_wr_range t;
	uint32_t i;

	for (i = n / 2; i-- > 0;)
		range_sift(r, i, n);
	for (i = n; i-- > 1;) {
		t = r[0];
		r[0] = r[i];
		r[i] = t;
		range_sift(r, 0, i);
	}
}

/*
 * Refuse locally what the device would refuse with INVALID_FIELD
 * (doc/protocol.md, write recording): a page size its CAP_QUERY did not
 * offer, more ranges than it allows, an empty range, a range not aligned
 * to the page size or whose end passes 2^64, overlapping ranges. @p r are
 * the wire ranges in the command buffer; they are sorted by address (the
 * order means nothing to the device).
 */
static int
wr_ranges_check(const struct vpf_wr_cap *cap, uint16_t vf, uint64_t ps,
		struct vpf_admin_wr_range *r, uint32_t n)
{
	unsigned int bit = (unsigned int)__builtin_ctzll(ps / VPF_WR_PAGE_SIZE_BASE);
	uint64_t a, cnt, pa, pcnt;
	uint32_t i;

	if (bit >= 32 || !(cap->page_size_bitmap & (1u << bit)))
		return vpf_error(-EINVAL, "DEV_WRITE_RECORDS_START: page size %" PRIu64
				 " is not offered by VF %u (page size bitmap 0x%x)",
				 ps, vf, cap->page_size_bitmap);
	if (n > cap->max_ranges)
		return vpf_error(-EINVAL, "DEV_WRITE_RECORDS_START: %u ranges, VF %u allows %u",
				 n, vf, cap->max_ranges);
	for (i = 0; i < n; i++) {
		a = rte_le_to_cpu_64(r[i].page_address);
		cnt = rte_le_to_cpu_64(r[i].page_count);
		if (cnt == 0)
			return vpf_error(-EINVAL, "DEV_WRITE_RECORDS_START: range %u at 0x%" PRIx64
					 " has no pages", i, a);
		if (a & (ps - 1))
			return vpf_error(-EINVAL, "DEV_WRITE_RECORDS_START: range %u at 0x%" PRIx64
					 " is not aligned to the %" PRIu64 "-byte page size",
					 i, a, ps);
		/* a + cnt * ps must stay below 2^64: no wrap, and not even
		 * an end exactly at 2^64, which a device computing the end as
		 * a + len would take for 0 (doc/protocol.md D-6.11). */
		if (cnt > (UINT64_MAX - a) / ps)
			return vpf_error(-EINVAL, "DEV_WRITE_RECORDS_START: range %u at 0x%" PRIx64
					 " of %" PRIu64 " pages of %" PRIu64
					 " bytes runs past the end of the 64-bit address space",
					 i, a, cnt, ps);
	}
	range_sort(r, n);
	for (i = 1; i < n; i++) {
		pa = rte_le_to_cpu_64(r[i - 1].page_address);
		pcnt = rte_le_to_cpu_64(r[i - 1].page_count);
		a = rte_le_to_cpu_64(r[i].page_address);
		/* Sorted, and pcnt * ps fits (checked above). */
		if (a - pa < pcnt * ps)
			return vpf_error(-EINVAL, "DEV_WRITE_RECORDS_START: ranges 0x%" PRIx64 "+%" PRIu64
					 " and 0x%" PRIx64 "+%" PRIu64 " pages overlap",
					 pa, pcnt, a, rte_le_to_cpu_64(r[i].page_count));
	}
	return 0;
}

int
vpf_admin_wr_start(struct vpf_pf *pf, uint16_t vf, uint64_t page_size,
		   const struct vpf_admin_wr_range *ranges, uint32_t n)
{
	struct vpf_admin_wr_start_data *h;
	struct vpf_admin_wr_range *r;
	struct vpf_admin_cmd c;
	size_t need;
	uint32_t i;
	int rc;

	rc = check_wr(pf, vf);
	if (rc < 0)
		return rc;
	if (!pow2(page_size) || page_size < VPF_WR_PAGE_SIZE_BASE)
		return vpf_error(-EINVAL, "page size %" PRIu64 " is not a power of two >= 4096",
				 page_size);
	if (n == 0 || ranges == NULL)
		return vpf_error(-EINVAL, "DEV_WRITE_RECORDS_START needs at least one range");
	need = sizeof(*h) + (size_t)n * sizeof(*r);
	if (need > pf->scratch_len)
		return vpf_error(-EINVAL, "%u ranges do not fit one command (max %zu)",
				 n, (pf->scratch_len - sizeof(*h)) / sizeof(*r));
	/* The checks need what the VF offers: asked once, kept until the
	 * device is re-initialised. */
	if (!pf->wr_cap_valid[vf]) {
		rc = vpf_admin_wr_cap_query(pf, vf, NULL);
		if (rc < 0)
			return rc;
	}
	h = pf->scratch;
	memset(h, 0, sizeof(*h));
	h->page_size = rte_cpu_to_le_64(page_size);
	h->count = rte_cpu_to_le_32(n);
	r = (struct vpf_admin_wr_range *)(h + 1);
	for (i = 0; i < n; i++) {
		r[i].page_address = rte_cpu_to_le_64(ranges[i].page_address);
		r[i].page_count = rte_cpu_to_le_64(ranges[i].page_count);
	}
	rc = wr_ranges_check(&pf->wr_cap[vf], vf, page_size, r, n);
	if (rc < 0) {
		pf->stats[0].errors_local++;
		return rc;
	}
	prep(&c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, vf);
	c.data = h;
	c.data_len = (uint32_t)need;
	return run(pf, &c);
}

int
vpf_admin_wr_stop(struct vpf_pf *pf, uint16_t vf)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = check_wr(pf, vf);
	if (rc < 0)
		return rc;
	prep(&c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP, vf);
	return run(pf, &c);
}

int
vpf_admin_wr_read(struct vpf_pf *pf, uint16_t vf, uint64_t addr, uint64_t len,
		  uint64_t page_size, uint64_t *bitmap, uint64_t *records)
{
	struct vpf_admin_wr_read_data d;
	struct vpf_admin_cmd c;
	const uint64_t *rec;
	uint64_t total = 0, a, bit, pages, rounds = 0, max_rounds;
	uint32_t fit, i, cnt;
	unsigned int sh;
	int rc;

	if (records != NULL)
		*records = 0;
	rc = check_wr(pf, vf);
	if (rc < 0)
		return rc;
	if (!pow2(page_size) || page_size < VPF_WR_PAGE_SIZE_BASE)
		return vpf_error(-EINVAL, "page size %" PRIu64 " is not a power of two >= 4096",
				 page_size);
	if (len == 0 || addr % page_size || len % page_size || addr + len < addr)
		return vpf_error(-EINVAL, "range 0x%" PRIx64 "+0x%" PRIx64
				 " is not page-granular for %" PRIu64 "-byte pages",
				 addr, len, page_size);
	if (bitmap == NULL)
		return vpf_error(-EINVAL, "DEV_WRITE_RECORDS_READ: no bitmap");
	/* page_size is a power of two (checked above): shift and mask
	 * instead of two 64-bit divisions per record. */
	sh = (unsigned int)__builtin_ctzll(page_size);
	fit = pf->scratch_len / 8;
	rec = pf->scratch;
	/* A hostile device must not keep the loop going: one READ reports a
	 * page at most once, so it returns at most @c pages records, and a
	 * device that drains its records needs ceil(pages / fit) full READs
	 * and one short one. Two more rounds leave room for pages written
	 * again while they are read; beyond that it is a device error. */
	pages = len >> sh;
	max_rounds = (pages + fit - 1) / fit + 2;
	d.page_address = rte_cpu_to_le_64(addr);
	d.length = rte_cpu_to_le_64(len);
	/* READ returns at most what fits and clears exactly those: repeat
	 * until fewer come back than fit (FACTS.md 6). */
	for (;;) {
		prep(&c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, vf);
		c.data = &d;
		c.data_len = sizeof(d);
		c.result = pf->scratch;
		c.result_len = fit * 8;
		rc = run(pf, &c);
		if (rc < 0)
			break;
		cnt = c.output;	/* checked: cnt * 8 <= result written */
		if (cnt > fit) {
			rc = vpf_error(-EIO, "DEV_WRITE_RECORDS_READ: device returned %u records, %u fit",
				       cnt, fit);
			break;
		}
		if (cnt > pages) {
			rc = vpf_error(-EIO, "DEV_WRITE_RECORDS_READ: device returned %u records in one READ for a range of %" PRIu64
				       " pages", cnt, pages);
			break;
		}
		for (i = 0; i < cnt; i++) {
			a = rte_le_to_cpu_64(rec[i]);
			if (a - addr >= len || ((a - addr) & (page_size - 1))) {
				rc = vpf_error(-EIO, "DEV_WRITE_RECORDS_READ: device reported page 0x%" PRIx64
					       " outside 0x%" PRIx64 "+0x%" PRIx64 " or not page aligned",
					       a, addr, len);
				break;
			}
			bit = (a - addr) >> sh;
			bitmap[bit / 64] |= UINT64_C(1) << (bit % 64);
		}
		if (rc < 0)
			break;
		total += cnt;
		if (cnt < fit)
			break;
		if (++rounds >= max_rounds) {
			rc = vpf_error(-EIO, "DEV_WRITE_RECORDS_READ: device still returned full READs after %" PRIu64
				       " rounds (%" PRIu64 " records for a range of %" PRIu64
				       " pages); the records read are merged",
				       rounds, total, pages);
			break;
		}
	}
	if (records != NULL)
		*records = total;
	return rc;
}
