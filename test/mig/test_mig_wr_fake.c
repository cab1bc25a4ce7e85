/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The migration layer's write-record merge (vpf_mig_dirty_sync()) against
 * the scripted fake device of test/pf, which returns exactly the records
 * a test puts in: every record lands in the bitmap, on both the equal
 * page size path and the device-page-smaller path, and a record outside
 * the window read or not device-page aligned is a device error.
 *
 * The tests at the top of the 64-bit address space drive the fake by hand
 * (it only knows 4 KiB device pages) to offer 8 KiB device pages under
 * 4 KiB bitmap pages: the one case where the sync window's end is rounded
 * up, and where that end can be 2^64.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vpf_mig.h"
#include "vpf_pf.h"
#include "mig/mig_vf.h"
#include "../pf/fake_dev.h"
#include "mig_test_main.h"

#define BASE	0x100000u
#define PAGES	256u

struct env {
	struct fake_dev *fd;
	struct vpf_pf *pf;
	struct vpf_mig *m;
};

static void
env_up(struct env *e)
{
	struct vpf_pf_params p;
	struct vpf_mig_params gp;

	e->fd = malloc(sizeof(*e->fd));
	assert_non_null(e->fd);
	fake_init(e->fd, 4, 0);
	vpf_pf_params_init(&p);
	p.name = "wr";
	p.reset_timeout_us = 20000;
	p.retry_backoff_us = 1;
	e->pf = vpf_pf_attach(&fake_ops, e->fd, &p);
	assert_non_null(e->pf);
	vpf_mig_params_init(&gp);
	gp.scan = false;
	gp.restore_on_detach = false;
	e->m = vpf_mig_attach(e->pf, &gp);
	assert_non_null(e->m);
}

static void
env_down(struct env *e)
{
	vpf_mig_detach(e->m);
	vpf_pf_detach(e->pf);
	fake_fini(e->fd);
	free(e->fd);
}

static void
put_records(struct env *e, uint16_t vf, const uint64_t *a, uint32_t n)
{
	assert_true(n <= sizeof(e->fd->vf[vf].dirty) / sizeof(uint64_t));
	memcpy(e->fd->vf[vf].dirty, a, n * sizeof(*a));
	e->fd->vf[vf].ndirty = n;
}

static void
test_merge_equal_pages(void **state)
{
	struct vpf_mig_range r = { .addr = BASE, .len = PAGES * 4096 };
	uint64_t bm[PAGES / 64], rec[64], pages;
	struct env e;
	unsigned int i;

	(void)state;
	env_up(&e);
	assert_int_equal(vpf_mig_dirty_start(e.m, 2, &r, 1, 4096), 0);
	/* First and last page of the window, and every third one. */
	for (i = 0; i < 62; i++)
		rec[i] = BASE + (uint64_t)(i * 3) * 4096;
	rec[62] = BASE + (PAGES - 1) * 4096;
	rec[63] = BASE;		/* a repeat: no new bit */
	put_records(&e, 2, rec, 64);
	memset(bm, 0, sizeof(bm));
	assert_int_equal(vpf_mig_dirty_sync(e.m, 2, BASE, PAGES * 4096, bm,
					    &pages), 0);
	assert_int_equal(pages, 63);
	for (i = 0; i < PAGES; i++) {
		bool set = (bm[i / 64] >> (i % 64)) & 1;

		assert_int_equal(set, (i % 3 == 0 && i / 3 < 62) ||
				 i == PAGES - 1);
	}
	/* A sub-window: records outside it are refused, not dropped. */
	rec[0] = BASE + 8 * 4096;
	put_records(&e, 2, rec, 1);
	memset(bm, 0, sizeof(bm));
	assert_int_equal(vpf_mig_dirty_sync(e.m, 2, BASE + 8 * 4096, 64 * 4096,
					    bm, &pages), 0);
	assert_int_equal(pages, 1);
	assert_int_equal(bm[0], 1);
	/* Below, above, just past the end, unaligned: device errors. */
	{
		const uint64_t bad[] = { BASE - 4096, BASE + PAGES * 4096,
					 BASE + 72 * 4096, BASE + 4096 + 8, 0,
					 UINT64_MAX & ~UINT64_C(4095) };
		const uint64_t wlen[] = { PAGES, PAGES, 64, PAGES, PAGES, PAGES };
		const uint64_t woff[] = { 0, 0, 8, 0, 0, 0 };

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			put_records(&e, 2, &bad[i], 1);
			assert_int_equal(vpf_mig_dirty_sync(e.m, 2,
				BASE + woff[i] * 4096, wlen[i] * 4096, bm,
				&pages), -EIO);
			assert_non_null(strstr(vpf_mig_vf_error(e.m, 2),
					       "outside the range read"));
		}
	}
	assert_int_equal(vpf_mig_dirty_stop(e.m, 2), 0);
	env_down(&e);
}

/* The equal-page merge keeps the current bitmap word in a register and
 * stores it when the records move on: records in any order, back and
 * forth between words and repeated across them, land on their bits, are
 * ORed into what the bitmap held, and count once as new; a bad record
 * after good ones leaves those merged; every misaligned bit position and
 * both ends of the window are refused (one rotate-and-compare test). */
static void
test_merge_order_and_errors(void **state)
{
	static const uint32_t pg[] = {
		200, 3, 130, 4, 199, 3, 64, 63, 255, 0, 130, 10,
	};
	struct vpf_mig_range r = { .addr = BASE, .len = PAGES * 4096 };
	uint64_t bm[PAGES / 64], want[PAGES / 64], rec[16], pages;
	struct env e;
	unsigned int i, j;

	(void)state;
	env_up(&e);
	assert_int_equal(vpf_mig_dirty_start(e.m, 3, &r, 1, 4096), 0);
	for (i = 0; i < RTE_DIM(pg); i++)
		rec[i] = BASE + (uint64_t)pg[i] * 4096;
	put_records(&e, 3, rec, RTE_DIM(pg));
	memset(bm, 0, sizeof(bm));
	bm[0] = UINT64_C(1) << 10;	/* already dirty: not new */
	bm[2] = UINT64_C(1) << 7;	/* a word no record touches */
	memcpy(want, bm, sizeof(want));
	for (i = 0; i < RTE_DIM(pg); i++)
		want[pg[i] / 64] |= UINT64_C(1) << (pg[i] % 64);
	assert_int_equal(vpf_mig_dirty_sync(e.m, 3, BASE, PAGES * 4096, bm,
					    &pages), 0);
	assert_memory_equal(bm, want, sizeof(bm));
	/* 12 records: 3 and 130 twice, 10 already set. */
	assert_int_equal(pages, 9);

	/* Good records, then a bad one: the good ones are merged. */
	rec[0] = BASE + 5 * 4096;
	rec[1] = BASE + 6 * 4096;
	rec[2] = BASE + 70 * 4096;
	rec[3] = BASE + 71 * 4096 + 4096 / 2;
	rec[4] = BASE + 72 * 4096;
	put_records(&e, 3, rec, 5);
	memset(bm, 0, sizeof(bm));
	assert_int_equal(vpf_mig_dirty_sync(e.m, 3, BASE, PAGES * 4096, bm,
					    &pages), -EIO);
	assert_int_equal(bm[0], UINT64_C(3) << 5);
	assert_int_equal(bm[1], UINT64_C(1) << 6);
	assert_int_equal(bm[2] | bm[3], 0);
	/* Same, the bad record in the word of the good ones. */
	rec[2] = BASE + 9 * 4096 + 8;
	put_records(&e, 3, rec, 3);
	memset(bm, 0, sizeof(bm));
	assert_int_equal(vpf_mig_dirty_sync(e.m, 3, BASE, PAGES * 4096, bm,
					    &pages), -EIO);
	assert_int_equal(bm[0], UINT64_C(3) << 5);

	/* Every low bit of a 4 KiB page, set alone, in a window that starts
	 * 8 pages into the tracked range: refused. */
	for (j = 0; j < 12; j++) {
		rec[0] = BASE + 20 * 4096 + (UINT64_C(1) << j);
		put_records(&e, 3, rec, 1);
		memset(bm, 0, sizeof(bm));
		if (vpf_mig_dirty_sync(e.m, 3, BASE + 8 * 4096, 64 * 4096, bm,
				       &pages) != -EIO)
			fail_msg("record misaligned by 0x%llx taken",
				 1ull << j);
		assert_int_equal(bm[0] | bm[1] | bm[2] | bm[3], 0);
	}
	/* The ends of that window: one page below, the first page past it
	 * and the top of the address space are refused; the first and the
	 * last page are taken. */
	{
		const uint64_t bad[] = {
			BASE + 7 * 4096, BASE + 72 * 4096,
			BASE + 72 * 4096 - 1, UINT64_MAX & ~UINT64_C(4095),
			BASE + 8 * 4096 - (UINT64_C(1) << 63),
		};

		for (i = 0; i < RTE_DIM(bad); i++) {
			put_records(&e, 3, &bad[i], 1);
			if (vpf_mig_dirty_sync(e.m, 3, BASE + 8 * 4096,
					       64 * 4096, bm, &pages) != -EIO)
				fail_msg("record 0x%llx taken",
					 (unsigned long long)bad[i]);
		}
		rec[0] = BASE + 8 * 4096;
		rec[1] = BASE + 71 * 4096;
		put_records(&e, 3, rec, 2);
		memset(bm, 0, sizeof(bm));
		assert_int_equal(vpf_mig_dirty_sync(e.m, 3, BASE + 8 * 4096,
						    64 * 4096, bm, &pages), 0);
		/* The bitmap starts at the sync address. */
		assert_int_equal(pages, 2);
		assert_int_equal(bm[0], UINT64_C(1) | UINT64_C(1) << 63);
	}
	assert_int_equal(vpf_mig_dirty_stop(e.m, 3), 0);
	env_down(&e);
}

/* 8 KiB bitmap pages over the fake's 4 KiB device pages: each record
 * sets the bit of the bitmap page that contains it. */
static void
test_merge_small_device_pages(void **state)
{
	struct vpf_mig_range r = { .addr = BASE, .len = PAGES * 4096 };
	uint64_t bm[2], rec[4], pages;
	struct env e;

	(void)state;
	env_up(&e);
	assert_int_equal(vpf_mig_dirty_start(e.m, 1, &r, 1, 8192), 0);
	rec[0] = BASE;			/* bit 0 */
	rec[1] = BASE + 4096;		/* bit 0 again */
	rec[2] = BASE + 5 * 4096;	/* bit 2 */
	rec[3] = BASE + 255 * 4096;	/* bit 127 */
	put_records(&e, 1, rec, 4);
	memset(bm, 0, sizeof(bm));
	assert_int_equal(vpf_mig_dirty_sync(e.m, 1, BASE, PAGES * 4096, bm,
					    &pages), 0);
	assert_int_equal(pages, 3);
	assert_int_equal(bm[0], 0x5);
	assert_int_equal(bm[1], UINT64_C(1) << 63);
	rec[0] = BASE + 4096 + 512;	/* not device-page aligned */
	put_records(&e, 1, rec, 1);
	assert_int_equal(vpf_mig_dirty_sync(e.m, 1, BASE, PAGES * 4096, bm,
					    &pages), -EIO);
	assert_int_equal(vpf_mig_dirty_stop(e.m, 1), 0);
	env_down(&e);
}

/* Drive the fake by hand until VF @p vf's operation ends, answering
 * DEV_CTX_FIELDS_QUERY with @p res_len bytes of @p res. */
static int
run_fields_query(struct env *e, uint16_t vf, const uint8_t *res,
		 uint32_t res_len)
{
	struct fake_req *r = malloc(sizeof(*r));
	unsigned int guard;
	int rc;

	assert_non_null(r);
	e->fd->auto_answer = false;
	assert_int_equal(vpf_mig_set_state_async(e->m, vf,
		VPF_MIG_STATE_STOP_COPY, NULL, NULL), 0);
	for (guard = 0; guard < 100000 && vpf_mig_busy(e->m, vf); guard++) {
		while (fake_pop(e->fd, r) > 0) {
			if (r->opcode == VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY) {
				/* Like a device: as many entries as the
				 * posted buffer takes. */
				uint32_t posted = r->wr_len - 8, n = res_len;

				if (n > posted)
					n = posted / 16 * 16;
				fake_complete(e->fd, r, VPF_ADMIN_STATUS_OK, 0, 0,
					      res, n, UINT32_MAX);
			}
			else
				fake_handle(e->fd, r);
		}
		assert_true(vpf_mig_poll(e->m) >= 0);
	}
	assert_false(vpf_mig_busy(e->m, vf));
	e->fd->auto_answer = true;
	free(r);
	rc = 0;
	{
		struct vpf_mig_vf_info vi;

		assert_int_equal(vpf_mig_vf_info_get(e->m, vf, &vi), 0);
		if (vi.state != VPF_MIG_STATE_STOP_COPY)
			rc = -EIO;
	}
	return rc;
}

/* A FIELDS_QUERY result is a whole number of 16-byte entries, and a list
 * is never cut at the library's buffer: either is a device error. */
static void
test_fields_query_malformed(void **state)
{
	const uint32_t n = VPF_MIG_FIELDS_MAX + 1;
	uint8_t *res = calloc(n, 16);
	struct env e;
	uint32_t i;

	(void)state;
	assert_non_null(res);
	for (i = 0; i < n; i++) {
		res[i * 16] = (uint8_t)i;		/* ascending types */
		res[i * 16 + 1] = (uint8_t)(i >> 8);
		res[i * 16 + 8] = 8;			/* length 8 */
	}
	env_up(&e);
	/* Two entries and 8 bytes of a third (the admin engine refuses it
	 * already; the migration layer checks again). */
	assert_int_equal(run_fields_query(&e, 1, res, 40), -EIO);
	assert_non_null(strstr(vpf_mig_vf_error(e.m, 1), "DEV_CTX_FIELDS_QUERY"));
	/* More entries than a stream header can carry. */
	assert_int_equal(run_fields_query(&e, 2, res, n * 16), -EIO);
	assert_non_null(strstr(vpf_mig_vf_error(e.m, 2), "DEV_CTX_FIELDS_QUERY"));
	/* Sanity: a well-formed list of two passes (whatever the fake's
	 * context then does, it is not FIELDS_QUERY that failed). */
	run_fields_query(&e, 3, res, 32);
	assert_null(strstr(vpf_mig_vf_error(e.m, 3), "FIELDS_QUERY"));
	env_down(&e);
	free(res);
}

/* ---------------------------------------------------------------------
 * The top of the address space (fake driven by hand)
 * ------------------------------------------------------------------ */

/* 2^64 - x, for the addresses below the top of the address space. */
#define TOP(x)	((uint64_t)0 - (uint64_t)(x))
#define K	1024u

/* What the hand-driven device saw. */
struct hand {
	uint32_t dev_bitmap;		/* CAP_QUERY answer */
	uint64_t start_ps;		/* START as sent */
	uint32_t start_n;
	uint64_t start_addr[4];
	uint64_t start_pages[4];
	unsigned int nread;		/* READ windows as sent */
	uint64_t read_addr[8];
	uint64_t read_len[8];
	int rc;
	bool done;
};

static uint64_t
ld64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
hand_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct hand *h = arg;

	(void)m;
	(void)vf;
	h->rc = rc;
	h->done = true;
}

/* Answer VF @p vf's commands until its operation ends: CAP_QUERY with
 * h->dev_bitmap, START accepted at any page size (and remembered), READ
 * remembered and answered by the fake's handler (the records put in). */
static int
hand_run(struct env *e, uint16_t vf, struct hand *h)
{
	struct fake_req *r = malloc(sizeof(*r));
	unsigned int guard;

	assert_non_null(r);
	for (guard = 0; guard < 100000 && !h->done; guard++) {
		while (fake_pop(e->fd, r) > 0) {
			const uint8_t *d = r->rd + 24;
			uint8_t cap[8] = { 0 };

			switch (r->opcode) {
			case VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY:
				memcpy(cap, &h->dev_bitmap, 4);	/* LE host */
				cap[4] = 4;
				fake_complete(e->fd, r, VPF_ADMIN_STATUS_OK, 0,
					      0, cap, 8, UINT32_MAX);
				break;
			case VPF_ADMIN_OP_DEV_WRITE_RECORDS_START:
				h->start_ps = ld64(d);
				h->start_n = (uint32_t)ld64(d + 8);
				for (uint32_t i = 0; i < h->start_n && i < 4; i++) {
					h->start_addr[i] = ld64(d + 16 + 16 * i);
					h->start_pages[i] = ld64(d + 24 + 16 * i);
				}
				e->fd->vf[vf].wr_on = true;
				fake_complete(e->fd, r, VPF_ADMIN_STATUS_OK, 0,
					      0, NULL, 0, UINT32_MAX);
				break;
			case VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ:
				if (h->nread < 8) {
					h->read_addr[h->nread] = ld64(d);
					h->read_len[h->nread] = ld64(d + 8);
				}
				h->nread++;
				/* fall through */
			default:
				fake_handle(e->fd, r);
				break;
			}
		}
		assert_true(vpf_mig_poll(e->m) >= 0);
	}
	free(r);
	assert_true(h->done);
	return h->rc;
}

static int
hand_start(struct env *e, uint16_t vf, struct hand *h,
	   const struct vpf_mig_range *rg, unsigned int n, uint64_t ps)
{
	struct mig_vf *v = mig_vf_get(e->m, vf);
	int rc;

	assert_non_null(v);
	h->done = false;
	rc = mig_op_begin(v, hand_done, h);
	if (rc == 0)
		rc = mig_dirty_start_plan(v, rg, n, ps);
	if (rc)
		return rc;
	mig_op_start(v);
	return hand_run(e, vf, h);
}

static int
hand_sync(struct env *e, uint16_t vf, struct hand *h, uint64_t addr,
	  uint64_t len, uint64_t *bm, uint64_t *pages)
{
	struct mig_vf *v = mig_vf_get(e->m, vf);
	int rc;

	assert_non_null(v);
	h->done = false;
	h->nread = 0;
	rc = mig_op_begin(v, hand_done, h);
	if (rc == 0)
		rc = mig_dirty_sync_plan(v, addr, len, bm);
	if (rc)
		return rc;
	mig_op_start(v);
	rc = hand_run(e, vf, h);
	*pages = v->dirty.new_bits;
	return rc;
}

static void
hand_env_up(struct env *e)
{
	env_up(e);
	e->fd->auto_answer = false;
}

static void
hand_env_down(struct env *e)
{
	e->fd->auto_answer = true;
	env_down(e);
}

/*
 * 8 KiB device pages, 4 KiB bitmap pages, a tracked range just below the
 * top and a sync window [2^64 - 64K, 2^64 - 4K): the window's end rounded
 * up to a device page is 2^64. It used to wrap to 0, the range was
 * skipped without a READ, and its dirty pages were lost.
 */
static void
test_window_rounds_up_to_top(void **state)
{
	struct vpf_mig_range r = { .addr = TOP(64 * K), .len = 48 * K };
	struct hand h = { .dev_bitmap = 0x2 };	/* 8 KiB only */
	uint64_t bm[1], rec[2], pages = 0;
	struct env e;

	(void)state;
	hand_env_up(&e);
	assert_int_equal(hand_start(&e, 1, &h, &r, 1, 4096), 0);
	assert_int_equal(h.start_ps, 8192);
	assert_int_equal(h.start_n, 1);
	assert_true(h.start_addr[0] == TOP(64 * K));
	assert_int_equal(h.start_pages[0], 6);
	rec[0] = TOP(64 * K);		/* bits 0, 1 */
	rec[1] = TOP(24 * K);		/* last device page: bits 10, 11 */
	put_records(&e, 1, rec, 2);
	bm[0] = 0;
	assert_int_equal(hand_sync(&e, 1, &h, TOP(64 * K), 60 * K, bm,
				   &pages), 0);
	/* One READ over the whole tracked range, nothing lost. */
	assert_int_equal(h.nread, 1);
	assert_true(h.read_addr[0] == TOP(64 * K));
	assert_true(h.read_len[0] == 48 * K);
	assert_int_equal(pages, 4);
	assert_int_equal(bm[0], 0xc03);
	assert_int_equal(e.fd->vf[1].ndirty, 0);
	hand_env_down(&e);
}

/*
 * A sync window may end at 2^64 (addr + len == 2^64 exactly): it is a valid
 * bitmap of the last pages of the address space. It used to be refused.
 */
static void
test_window_ends_at_top(void **state)
{
	struct vpf_mig_range r = { .addr = TOP(64 * K), .len = 48 * K };
	struct hand h = { .dev_bitmap = 0x2 };
	uint64_t bm[1], rec[2], pages = 0;
	struct env e;

	(void)state;
	hand_env_up(&e);
	assert_int_equal(hand_start(&e, 2, &h, &r, 1, 4096), 0);
	rec[0] = TOP(56 * K);		/* bits 2, 3 */
	rec[1] = TOP(24 * K);		/* bits 10, 11 */
	put_records(&e, 2, rec, 2);
	bm[0] = 0;
	assert_int_equal(hand_sync(&e, 2, &h, TOP(64 * K), 64 * K, bm,
				   &pages), 0);
	assert_int_equal(h.nread, 1);
	assert_true(h.read_len[0] == 48 * K);
	assert_int_equal(pages, 4);
	assert_int_equal(bm[0], 0xc0c);
	/* Past 2^64 is still refused. */
	assert_int_equal(hand_sync(&e, 2, &h, TOP(64 * K), 68 * K, bm,
				   &pages), -EINVAL);
	hand_env_down(&e);
}

/*
 * A START range's end (page_address + page_count * page_size) must fit in
 * 64 bits, so the last device page below 2^64 cannot be tracked: a range
 * ending exactly one device page below the top is valid (it used to be
 * refused), one reaching into the last device page is refused with a
 * sentence, never tracked short.
 */
static void
test_range_at_top(void **state)
{
	struct vpf_mig_range ok = { .addr = TOP(64 * K), .len = 56 * K };
	/* 4 KiB below the top: inside the last 8 KiB device page. */
	struct vpf_mig_range high = { .addr = TOP(16 * K), .len = 12 * K };
	/* Up to 2^64 exactly. */
	struct vpf_mig_range top = { .addr = TOP(16 * K), .len = 16 * K };
	struct hand h = { .dev_bitmap = 0x2 };
	uint64_t bm[1], rec[1], pages = 0;
	struct env e;

	(void)state;
	hand_env_up(&e);
	assert_int_equal(hand_start(&e, 1, &h, &ok, 1, 4096), 0);
	assert_true(h.start_addr[0] == TOP(64 * K));
	assert_int_equal(h.start_pages[0], 7);
	rec[0] = TOP(16 * K);		/* the range's last device page */
	put_records(&e, 1, rec, 1);
	bm[0] = 0;
	assert_int_equal(hand_sync(&e, 1, &h, TOP(64 * K), 64 * K, bm,
				   &pages), 0);
	assert_int_equal(pages, 2);
	assert_int_equal(bm[0], 0x3000);
	assert_int_equal(hand_start(&e, 2, &h, &high, 1, 4096), -ERANGE);
	assert_non_null(strstr(vpf_mig_vf_error(e.m, 2), "last 8192-byte"));
	assert_int_equal(hand_start(&e, 3, &h, &top, 1, 4096), -ERANGE);
	assert_non_null(strstr(vpf_mig_vf_error(e.m, 3), "last 8192-byte"));
	hand_env_down(&e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_merge_equal_pages),
	cmocka_unit_test(test_merge_order_and_errors),
	cmocka_unit_test(test_merge_small_device_pages),
	cmocka_unit_test(test_fields_query_malformed),
	cmocka_unit_test(test_window_rounds_up_to_top),
	cmocka_unit_test(test_window_ends_at_top),
	cmocka_unit_test(test_range_at_top),
)
