/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The migration layer's write-record merge (vpf_mig_dirty_sync()) against
 * the scripted fake device of test/pf, which returns exactly the records
 * a test puts in: every record lands in the bitmap, on both the equal
 * page size path and the device-page-smaller path, and a record outside
 * the window read or not device-page aligned is a device error.
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
#include "../pf/fake_dev.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_equal_pages),
		cmocka_unit_test(test_merge_small_device_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
