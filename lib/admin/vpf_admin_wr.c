/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The typed write-recording commands (doc/protocol.md §6): CAP_QUERY,
 * START with its local checks (D-DRV.28), STOP, and READ merged into a
 * dirty bitmap, bounded against a device that never drains (D-DRV.18).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "admin_internal.h"

static int
check_wr(struct vpf_pf *pf, uint16_t vf)
{
	int rc = admin_check_vf(pf, vf);

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
	admin_cmd_prep(&c, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, vf);
	c.result = &r;
	c.result_len = sizeof(r);
	rc = admin_cmd_run(pf, &c);
	if (rc < 0)
		return rc;
	/* r is the engine's private copy: read once, checked, kept. */
	got.page_size_bitmap = rte_le_to_cpu_32(r.supported_page_size_bitmap);
	got.max_ranges = rte_le_to_cpu_32(r.supported_ranges);
	/* The device sets at least one page size and allows a range
	 * (doc/protocol.md §6.2, D-6.3). */
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
 * (doc/protocol.md §6.3, D-4.9): a page size its CAP_QUERY did not
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
	admin_cmd_prep(&c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, vf);
	c.data = h;
	c.data_len = (uint32_t)need;
	return admin_cmd_run(pf, &c);
}

int
vpf_admin_wr_stop(struct vpf_pf *pf, uint16_t vf)
{
	struct vpf_admin_cmd c;
	int rc;

	rc = check_wr(pf, vf);
	if (rc < 0)
		return rc;
	admin_cmd_prep(&c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP, vf);
	return admin_cmd_run(pf, &c);
}

/*
 * Merge @p cnt records at @p rec into @p bitmap (bit 0 = the page at
 * @p addr, pages of 2^@p sh bytes). Every record is checked: one outside
 * [addr, addr + len) or not page aligned is a device error, and the
 * records before it are merged. Each record is loaded once: the check and
 * the bit use the same value.
 *
 * Records come mostly in address order, many to one bitmap word: the
 * current word is kept in a register and stored when the records move to
 * another word, instead of a load-or-store per record whose load waits for
 * the previous record's store (store-to-load forwarding).
 */
static int
wr_merge(const uint64_t *rec, uint32_t cnt, uint64_t addr, uint64_t len,
	 unsigned int sh, uint64_t *bitmap)
{
	const uint64_t pages = len >> sh;
	uint64_t w, cur, a, off;
	uint32_t i;

	if (cnt == 0)
		return 0;
	/* Start on word 0 (the bitmap has one at least, len > 0), so that
	 * the loop needs no "no word yet" test. */
	w = 0;
	cur = bitmap[0];
	for (i = 0; i < cnt; i++) {
		a = rte_le_to_cpu_64(rec[i]);
		/* One test for both conditions: addr and len are page
		 * multiples (checked by the caller), so a record is aligned
		 * and inside exactly when (a - addr) rotated right by the
		 * page shift is below the page count: a misaligned record's
		 * low bits rotate to the top. */
		off = a - addr;
		off = (off >> sh) | (off << ((64 - sh) & 63));
		if (__builtin_expect(off >= pages, 0)) {
			bitmap[w] = cur;
			return vpf_error(-EIO, "DEV_WRITE_RECORDS_READ: device reported page 0x%" PRIx64
					 " outside 0x%" PRIx64 "+0x%" PRIx64 " or not page aligned",
					 a, addr, len);
		}
		if (off / 64 != w) {
			bitmap[w] = cur;
			w = off / 64;
			cur = bitmap[w];
		}
		cur |= UINT64_C(1) << (off % 64);
	}
	bitmap[w] = cur;
	return 0;
}

int
vpf_admin_wr_read(struct vpf_pf *pf, uint16_t vf, uint64_t addr, uint64_t len,
		  uint64_t page_size, uint64_t *bitmap, uint64_t *records)
{
	struct vpf_admin_wr_read_data d;
	struct vpf_admin_cmd c;
	const uint64_t *rec;
	uint64_t total = 0, pages, rounds = 0, max_rounds;
	uint32_t fit, cnt;
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
	 * until fewer come back than fit (D-6.4). */
	for (;;) {
		admin_cmd_prep(&c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, vf);
		c.data = &d;
		c.data_len = sizeof(d);
		c.result = pf->scratch;
		c.result_len = fit * 8;
		rc = admin_cmd_run(pf, &c);
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
		rc = wr_merge(rec, cnt, addr, len, sh, bitmap);
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

