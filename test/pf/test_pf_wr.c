/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Write recording and the context fields against the scripted fake device:
 * DEV_CTX_FIELDS_QUERY, WRITE_RECORD_CAP_QUERY, START and what is refused
 * before anything is sent, READ merged into a bitmap (records outside the
 * range, past its end, unaligned), STOP, and a device whose READs and
 * CTX_READs never run dry.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "pf_harness.h"

struct wr_refusal {
	uint64_t ps;
	uint32_t n;
	struct vpf_admin_wr_range r[5];
	const char *msg;
};

/* A device that never runs dry: WRITE_RECORDS_READ full of records for
 * pages 0..hog.pages-1 of hog.base, CTX_READ always a full chunk. */
static struct {
	uint64_t base;
	uint32_t pages;
	uint32_t reads;
	uint8_t res[65536];
	struct fake_req r;
} hog;

static void
hog_poll(void *dev)
{
	struct fake_dev *fd = dev;

	while (fake_pop(fd, &hog.r) > 0) {
		uint32_t posted = hog.r.wr_len - 8, n, i;

		/* Give up after 1100 (the driver must stop long before):
		 * a driver without a bound then fails instead of hanging. */
		if (hog.reads >= 1100)
			posted = 0;
		if (hog.r.opcode == VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ) {
			n = posted / 8;
			for (i = 0; i < n; i++) {
				uint64_t a = hog.base + (uint64_t)(i % hog.pages) * 4096;

				memcpy(hog.res + 8 * i, &a, 8);
			}
			hog.reads++;
			fake_complete(fd, &hog.r, 0, 0, n, hog.res, n * 8, UINT32_MAX);
		} else if (hog.r.opcode == VPF_ADMIN_OP_DEV_CTX_READ) {
			hog.reads++;
			fake_complete(fd, &hog.r, 0, 0, posted, hog.res, posted, UINT32_MAX);
		} else {
			fake_handle(fd, &hog.r);
		}
	}
}

static void
test_fields_discard_wr(void **state)
{
	static const struct { uint64_t addr, ps; } bad[] = {
		{ 0x5000, 4096 },
		{ 0x100000 + 256 * 4096, 4096 },
		{ 0x100000 + 4096 + 8, 4096 },
		{ 0x100000 + 4096, 8192 },
	};
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_ctx_field_info fi[8];
	struct vpf_admin_wr_range rg = { 0x100000, 256 };
	struct vpf_wr_cap cap;
	uint64_t bm[4], recs;
	uint32_t n, i;

	(void)state;
	assert_int_equal(vpf_admin_ctx_fields_query(pf, 1, fi, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rte_le_to_cpu_16(fi[0].type), VPF_CTX_DEV_FEATURES);
	assert_int_equal(rte_le_to_cpu_64(fi[0].length), 8);
	assert_int_equal(rte_le_to_cpu_16(fi[1].type), VPF_CTX_DEV_CFG);
	assert_int_equal(rte_le_to_cpu_64(fi[1].length), 12);
	/* Raw wire entries, byte for byte as the device wrote them. */
	{
		static const uint8_t wire[32] = {
			0x01, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0,
			0x00, 0x10, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0,
		};

		assert_memory_equal(fi, wire, sizeof(wire));
	}
	/* Only one fits: one entry. */
	assert_int_equal(vpf_admin_ctx_fields_query(pf, 1, fi, 1, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(vpf_admin_wr_cap_query(pf, 2, &cap), 0);
	assert_int_equal(cap.page_size_bitmap, 1);
	assert_int_equal(cap.max_ranges, 4);
	/* READ before START fails on the device. */
	memset(bm, 0, sizeof(bm));
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), -EINVAL);
	assert_int_equal(vpf_admin_wr_start(pf, 2, 4096, &rg, 1), 0);
	assert_int_equal(vpf_admin_wr_start(pf, 2, 4096, &rg, 1), -EINVAL);
	assert_int_equal(vpf_admin_wr_start(pf, 2, 3000, &rg, 1), -EINVAL);
	for (i = 0; i < 40; i++)
		fd->vf[2].dirty[i] = 0x100000 + (uint64_t)(i * 3) * 4096;
	fd->vf[2].ndirty = 40;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), 0);
	assert_int_equal(recs, 40);
	for (i = 0; i < 256; i++) {
		bool set = (bm[i / 64] >> (i % 64)) & 1;

		assert_int_equal(set, i % 3 == 0 && i / 3 < 40);
	}
	/* A record outside the range is a device error. So is one just past
	 * the end, or not page aligned (in 4 KiB or in 8 KiB pages). */
	for (i = 0; i < RTE_DIM(bad); i++) {
		fd->vf[2].dirty[0] = bad[i].addr;
		fd->vf[2].ndirty = 1;
		if (vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, bad[i].ps, bm, &recs) != -EIO)
			fail_msg("record 0x%" PRIx64 " in %" PRIu64 "-byte pages taken",
				 bad[i].addr, bad[i].ps);
	}
	/* The last page and a record in 8 KiB pages land on their bits. */
	memset(bm, 0, sizeof(bm));
	fd->vf[2].dirty[0] = 0x100000 + 255 * 4096;
	fd->vf[2].dirty[1] = 0x100000 + 6 * 4096;
	fd->vf[2].ndirty = 2;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 4096, bm, &recs), 0);
	assert_int_equal(recs, 2);
	assert_int_equal(bm[3], UINT64_C(1) << 63);
	assert_int_equal(bm[0], UINT64_C(1) << 6);
	memset(bm, 0, sizeof(bm));
	fd->vf[2].dirty[0] = 0x100000 + 6 * 4096;
	fd->vf[2].ndirty = 1;
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, 8192, bm, &recs), 0);
	assert_int_equal(bm[0], UINT64_C(1) << 3);
	assert_int_equal(vpf_admin_wr_read(pf, 2, 0x100001, 4096, 4096, bm, &recs), -EINVAL);
	assert_int_equal(vpf_admin_wr_stop(pf, 2), 0);
	assert_int_equal(vpf_admin_wr_stop(pf, 2), 0);
	assert_int_equal(vpf_admin_ctx_discard(pf, 2), 0);
	pft_down(pf, fd);

	/* Without write recording or FIELDS_QUERY: refused locally. */
	pf = pft_up(4, FAKE_NO_WR | FAKE_NO_FIELDS, 0, &fd);
	assert_int_equal(vpf_admin_wr_cap_query(pf, 1, &cap), -ENOTSUP);
	assert_string_equal(vpf_last_error(),
			    "dirty tracking unavailable on this device (no write recording commands)");
	assert_int_equal(vpf_admin_ctx_fields_query(pf, 1, fi, 8, &n), -ENOTSUP);
	{
		struct vpf_admin_cmd c;

		memset(&c, 0, sizeof(c));
		c.opcode = VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP;
		c.group_type = VPF_ADMIN_GROUP_SRIOV;
		c.member = 1;
		assert_int_equal(vpf_admin_submit(pf, &c), -ENOTSUP);
		assert_string_equal(vpf_last_error(),
				    "command DEV_WRITE_RECORDS_STOP (0x11) not enabled on this device");
	}
	pft_down(pf, fd);
}

/* Put @p n records in VF 2's queue and READ them over the 256 pages at
 * 0x100000 in @p ps-byte pages. */
static int
wr_read_these(struct vpf_pf *pf, struct fake_dev *fd, const uint64_t *rec,
	      uint32_t n, uint64_t ps, uint64_t *bm, uint64_t *recs)
{
	memcpy(fd->vf[2].dirty, rec, n * sizeof(*rec));
	fd->vf[2].ndirty = n;
	return vpf_admin_wr_read(pf, 2, 0x100000, 256 * 4096, ps, bm, recs);
}

/* vpf_admin_wr_read()'s merge keeps the current bitmap word in a register
 * and stores it when the records move on: records in any order, back and
 * forth between words and repeated, land on their bits and are ORed into
 * what the bitmap held; a bad record after good ones leaves those merged;
 * every misaligned bit position and both ends of the range are refused
 * (one rotate-and-compare test). */
static void
test_wr_read_merge(void **state)
{
	static const uint32_t pg[] = {
		200, 3, 130, 4, 199, 3, 64, 63, 255, 0, 130, 10,
	};
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_wr_range rg = { 0x100000, 256 };
	uint64_t bm[4], want[4], rec[16], recs;
	uint32_t i, j;

	(void)state;
	assert_int_equal(vpf_admin_wr_start(pf, 2, 4096, &rg, 1), 0);
	for (i = 0; i < RTE_DIM(pg); i++)
		rec[i] = 0x100000 + (uint64_t)pg[i] * 4096;
	memset(bm, 0, sizeof(bm));
	bm[0] = UINT64_C(1) << 10;
	bm[2] = UINT64_C(1) << 7;	/* a word no record touches */
	memcpy(want, bm, sizeof(want));
	for (i = 0; i < RTE_DIM(pg); i++)
		want[pg[i] / 64] |= UINT64_C(1) << (pg[i] % 64);
	assert_int_equal(wr_read_these(pf, fd, rec, RTE_DIM(pg), 4096, bm,
				       &recs), 0);
	assert_int_equal(recs, RTE_DIM(pg));
	assert_memory_equal(bm, want, sizeof(bm));

	/* Good records, then a bad one: the good ones are merged. */
	rec[0] = 0x100000 + 5 * 4096;
	rec[1] = 0x100000 + 6 * 4096;
	rec[2] = 0x100000 + 70 * 4096;
	rec[3] = 0x100000 + 71 * 4096 + 2048;
	rec[4] = 0x100000 + 72 * 4096;
	memset(bm, 0, sizeof(bm));
	assert_int_equal(wr_read_these(pf, fd, rec, 5, 4096, bm, &recs), -EIO);
	assert_int_equal(bm[0], UINT64_C(3) << 5);
	assert_int_equal(bm[1], UINT64_C(1) << 6);
	assert_int_equal(bm[2] | bm[3], 0);
	/* Same, the bad record in the word of the good ones. */
	rec[2] = 0x100000 + 9 * 4096 + 8;
	memset(bm, 0, sizeof(bm));
	assert_int_equal(wr_read_these(pf, fd, rec, 3, 4096, bm, &recs), -EIO);
	assert_int_equal(bm[0], UINT64_C(3) << 5);

	/* Every low bit of a page, set alone, in 4 and 8 KiB pages. */
	for (j = 0; j < 13; j++) {
		rec[0] = 0x100000 + 20 * 4096 + (UINT64_C(1) << j);
		memset(bm, 0, sizeof(bm));
		if (j < 12 &&
		    wr_read_these(pf, fd, rec, 1, 4096, bm, &recs) != -EIO)
			fail_msg("record misaligned by 0x%x taken (4 KiB)",
				 1u << j);
		if (wr_read_these(pf, fd, rec, 1, 8192, bm, &recs) != -EIO)
			fail_msg("record misaligned by 0x%x taken (8 KiB)",
				 1u << j);
		assert_int_equal(bm[0] | bm[1] | bm[2] | bm[3], 0);
	}
	/* The ends: one page below, the first page past the range, the top
	 * of the address space, 2^63 below the start; the first and the last
	 * page are taken. */
	{
		const uint64_t bad[] = {
			0x100000 - 4096, 0x100000 + 256 * 4096,
			0x100000 + 256 * 4096 - 1, UINT64_MAX & ~UINT64_C(4095),
			0x100000 - (UINT64_C(1) << 63),
		};

		for (i = 0; i < RTE_DIM(bad); i++)
			if (wr_read_these(pf, fd, &bad[i], 1, 4096, bm,
					  &recs) != -EIO)
				fail_msg("record 0x%" PRIx64 " taken", bad[i]);
		rec[0] = 0x100000;
		rec[1] = 0x100000 + 255 * 4096;
		memset(bm, 0, sizeof(bm));
		assert_int_equal(wr_read_these(pf, fd, rec, 2, 4096, bm,
					       &recs), 0);
		assert_int_equal(bm[0], 1);
		assert_int_equal(bm[3], UINT64_C(1) << 63);
	}
	assert_int_equal(vpf_admin_wr_stop(pf, 2), 0);
	pft_down(pf, fd);
}

static void
test_wr_start_local_refusals(void **state)
{
	static const struct wr_refusal cases[] = {
		{ 8192, 1, { { 0x100000, 1 } },
		  "page size 8192 is not offered by VF 1 (page size bitmap 0x1)" },
		{ 4096, 5, { { 0x100000, 1 }, { 0x200000, 1 }, { 0x300000, 1 },
			     { 0x400000, 1 }, { 0x500000, 1 } },
		  "5 ranges, VF 1 allows 4" },
		{ 4096, 2, { { 0x100000, 1 }, { 0x200000, 0 } },
		  "range 1 at 0x200000 has no pages" },
		{ 4096, 1, { { 0x100800, 1 } },
		  "range 0 at 0x100800 is not aligned to the 4096-byte page size" },
		{ 4096, 1, { { UINT64_C(0xfffffffffffff000), 2 } },
		  "range 0 at 0xfffffffffffff000 of 2 pages of 4096 bytes runs past the end of the 64-bit address space" },
		/* Ending exactly at 2^64: a device may take it (doc/protocol.md
		 * D-6.11), vpf never sends it. */
		{ 4096, 1, { { UINT64_C(0xfffffffffffff000), 1 } },
		  "range 0 at 0xfffffffffffff000 of 1 pages of 4096 bytes runs past the end of the 64-bit address space" },
		{ 4096, 1, { { 0x1000, UINT64_C(1) << 52 } },
		  "runs past the end of the 64-bit address space" },
		{ 4096, 2, { { 0x100000, 4 }, { 0x103000, 1 } },
		  "ranges 0x100000+4 and 0x103000+1 pages overlap" },
		/* Unsorted: the later range swallows the earlier one. */
		{ 4096, 3, { { 0x900000, 1 }, { 0x400000, 1 }, { 0x100000, 0x1000 } },
		  "ranges 0x100000+4096 and 0x400000+1 pages overlap" },
	};
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_wr_range ok[2] = { { 0x104000, 1 }, { 0x100000, 4 } };
	struct vpf_admin_stats st;
	struct vpf_wr_cap cap;
	uint32_t i, answered;

	(void)state;
	assert_int_equal(vpf_admin_wr_cap_query(pf, 1, &cap), 0);
	assert_int_equal(cap.page_size_bitmap, 1);
	assert_int_equal(cap.max_ranges, 4);
	answered = fd->answered;
	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct wr_refusal *k = &cases[i];

		assert_int_equal(vpf_admin_wr_start(pf, 1, k->ps, k->r, k->n), -EINVAL);
		if (strstr(vpf_last_error(), k->msg) == NULL)
			fail_msg("case %u: '%s' lacks '%s'", i, vpf_last_error(), k->msg);
		/* Nothing was sent. */
		assert_int_equal(fd->answered, answered);
		assert_false(fd->vf[1].wr_on);
	}
	assert_int_equal(vpf_admin_stats_get(pf, 0, &st), 0);
	assert_true(st.errors_local >= RTE_DIM(cases));
	/* Adjacent ranges do not overlap. */
	assert_int_equal(vpf_admin_wr_start(pf, 1, 4096, ok, 2), 0);
	assert_int_equal(fd->answered, answered + 1);
	assert_true(fd->vf[1].wr_on);
	/* A VF whose capabilities were never asked: asked first. */
	answered = fd->answered;
	assert_int_equal(vpf_admin_wr_start(pf, 2, 4096, ok, 2), 0);
	assert_int_equal(fd->answered, answered + 2);
	answered = fd->answered;
	assert_int_equal(vpf_admin_wr_start(pf, 3, 8192, ok, 1), -EINVAL);
	assert_int_equal(fd->answered, answered + 1);	/* CAP_QUERY only */
	/* A device re-initialisation forgets them: asked again. */
	assert_int_equal(vpf_pf_reset(pf), 0);
	answered = fd->answered;
	assert_int_equal(vpf_admin_wr_start(pf, 3, 16384, ok, 1), -EINVAL);
	assert_int_equal(fd->answered, answered + 1);
	pft_down(pf, fd);
}

/* A PF on a hog device whose commands carry at most @p max_chunk bytes. */
static struct vpf_pf *
hog_up(const struct vpf_pf_ops *ops, uint32_t max_chunk, struct fake_dev **fdp)
{
	struct vpf_pf_params p;
	struct vpf_pf *pf;

	*fdp = pft_fake_new(4, 0);
	(*fdp)->auto_answer = false;
	pft_params(&p, "t", 20000, 0);
	p.max_chunk = max_chunk;
	pf = vpf_pf_attach(ops, *fdp, &p);
	assert_non_null(pf);
	return pf;
}

/* WRITE_RECORDS_READ of VF 1 over @p range pages at 0x100000 from a hog
 * that repeats records for its first @p pages pages. */
static int
hog_wr_read(struct vpf_pf *pf, uint32_t pages, uint32_t range, uint64_t *bm,
	    uint64_t *recs)
{
	hog.base = 0x100000;
	hog.pages = pages;
	hog.reads = 0;
	bm[0] = 0;
	return vpf_admin_wr_read(pf, 1, 0x100000, (uint64_t)range * 4096, 4096, bm, recs);
}

static void
test_endless_device(void **state)
{
	struct vpf_admin_wr_range rg = { 0x100000, 64 };
	struct vpf_pf_ops ops = fake_ops;
	struct fake_dev *fd;
	struct vpf_pf *pf;
	uint64_t bm[1], recs;
	void *b = NULL;
	size_t len = 0;

	(void)state;
	ops.poll = hog_poll;
	pf = hog_up(&ops, 64, &fd);	/* 8 records per READ */
	assert_int_equal(vpf_admin_wr_start(pf, 1, 4096, &rg, 1), 0);
	/* Full READs of valid records forever: 64 pages, 8 a READ, so at
	 * most 8 + 2 rounds; the records read are merged. */
	assert_int_equal(hog_wr_read(pf, 8, 64, bm, &recs), -EIO);
	assert_non_null(strstr(vpf_last_error(), "still returned full READs after 10 rounds (80 records for a range of 64 pages)"));
	assert_int_equal(hog.reads, 10);
	assert_int_equal(recs, 80);
	assert_int_equal(bm[0], 0xff);
	/* More records in one READ than the range has pages. */
	assert_int_equal(hog_wr_read(pf, 4, 4, bm, &recs), -EIO);
	assert_non_null(strstr(vpf_last_error(), "8 records in one READ for a range of 4 pages"));
	assert_int_equal(hog.reads, 1);
	pft_down(pf, fd);

	/* CTX_READ that never ends: read_alloc stops at its maximum. */
	pf = hog_up(&ops, 65536, &fd);
	hog.reads = 0;
	assert_int_equal(vpf_admin_ctx_read_alloc(pf, 1, 65536, &b, &len), -EFBIG);
	assert_non_null(strstr(vpf_last_error(), "context larger than 67108864 bytes"));
	assert_int_equal(len, VPF_ADMIN_CTX_ALLOC_MAX);
	assert_int_equal(hog.reads, VPF_ADMIN_CTX_ALLOC_MAX / 65536);
	pft_down(pf, fd);
	free(b);
}

/* doc/protocol.md S-33: the four write-recording commands come as a set; a
 * device that reports only some of them has no write recording for the
 * driver, which neither enables nor sends any of them. */
static void
test_wr_partial_set_absent(void **state)
{
	static const uint8_t hide[] = {
		VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY,
		VPF_ADMIN_OP_DEV_WRITE_RECORDS_START,
		VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
		VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ,
	};
	struct vpf_wr_cap cap;
	uint32_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(hide); i++) {
		struct fake_dev *fd = pft_fake_new(4, 0);
		struct vpf_pf *pf;
		uint32_t answered;

		fd->ops_hidden = VPF_ADMIN_OP_BIT(hide[i]);
		pf = pft_attach(fd, 0);
		assert_non_null(pf);
		assert_int_equal(fd->enabled & VPF_ADMIN_OPS_WRITE_RECORD, 0);
		answered = fd->answered;
		assert_int_equal(vpf_admin_wr_cap_query(pf, 1, &cap), -ENOTSUP);
		assert_string_equal(vpf_last_error(),
				    "dirty tracking unavailable on this device (no write recording commands)");
		assert_int_equal(fd->answered, answered);
		pft_down(pf, fd);
	}
}

/* doc/protocol.md S-34: CAP_QUERY reports at least one page size and a
 * non-zero range count; an answer without either is a device error. */
static void
test_wr_cap_query_empty_answer(void **state)
{
	static const uint32_t answer[][2] = { { 0, 4 }, { 0x1, 0 }, { 0, 0 } };
	struct vpf_admin_wr_range r = { 0x100000, 1 };
	struct vpf_wr_cap cap;
	uint32_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(answer); i++) {
		struct fake_dev *fd;
		struct vpf_pf *pf = pft_up(4, 0, 0, &fd);

		fd->wr_cap_custom = true;
		fd->wr_cap_bitmap = answer[i][0];
		fd->wr_cap_ranges = answer[i][1];
		assert_int_equal(vpf_admin_wr_cap_query(pf, 1, &cap), -EIO);
		assert_non_null(strstr(vpf_last_error(), "device error"));
		/* wr_start asks CAP_QUERY first and refuses on its answer:
		 * START is never sent. */
		assert_int_equal(vpf_admin_wr_start(pf, 2, 4096, &r, 1), -EIO);
		assert_false(fd->vf[2].wr_on);
		pft_down(pf, fd);
	}
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_fields_discard_wr),
	cmocka_unit_test(test_wr_read_merge),
	cmocka_unit_test(test_wr_start_local_refusals),
	cmocka_unit_test(test_wr_partial_set_absent),
	cmocka_unit_test(test_wr_cap_query_empty_answer),
	cmocka_unit_test(test_endless_device),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
