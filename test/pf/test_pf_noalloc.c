/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * "No allocation on the admin fast path" (contributing.md), checked: the
 * executable is linked with -Wl,--wrap for malloc, calloc, realloc,
 * aligned_alloc and posix_memalign, so every such call made by libvpf (and
 * by the fake device, which allocates nothing after setup) goes through the
 * counters below. After attach, thousands of asynchronous submit/kick/poll
 * cycles, synchronous typed commands, context chunks through the premapped
 * big buffers, retries and write-record reads must not allocate at all.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vpf_pf.h"
#include "alloc_count.h"
#include "fake_dev.h"

static struct fake_dev fd;
static struct vpf_admin_cmd cmds[64];
static uint8_t modes[64];
static uint8_t big[64][4096];
static int ndone;

static void
done(struct vpf_admin_cmd *c)
{
	(void)c;
	ndone++;
}

static void
test_fast_path_allocates_nothing(void **state)
{
	struct vpf_pf_params p;
	struct vpf_pf *pf;
	unsigned long before;
	uint64_t size, bm[64], recs;
	uint32_t i, round, got;
	uint8_t m;

	(void)state;
	fake_init(&fd, 64, 0);
	vpf_pf_params_init(&p);
	p.retry_backoff_us = 1;
	before = n_alloc;
	pf = vpf_pf_attach(&fake_ops, &fd, &p);
	assert_non_null(pf);
	/* The wrapper does see the library's allocations (setup). */
	assert_true(n_alloc > before);

	before = n_alloc;
	memset(cmds, 0, sizeof(cmds));
	for (round = 0; round < 200; round++) {
		ndone = 0;
		for (i = 0; i < 64; i++) {
			if (i % 2)
				vpf_admin_prep_mode_get(&cmds[i], (uint16_t)(i + 1), &modes[i]);
			else
				vpf_admin_prep_ctx_read(&cmds[i], (uint16_t)(i + 1), big[i],
							sizeof(big[i]));
			cmds[i].done = done;
			assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
		}
		vpf_admin_kick(pf);
		while (ndone < 64)
			assert_true(vpf_admin_poll(pf) >= 0);
		for (i = 0; i < 64; i++)
			assert_int_equal(cmds[i].rc, 0);
		/* Discard so that the next round reads whole contexts again. */
		for (i = 0; i < 64; i += 2)
			assert_int_equal(vpf_admin_ctx_discard(pf, (uint16_t)(i + 1)), 0);
	}
	for (round = 0; round < 1000; round++) {
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
		assert_int_equal(vpf_admin_ctx_size_get(pf, 2, true, &size), 0);
	}
	/* Typed chunk read/write and write-record reads. */
	assert_int_equal(vpf_admin_mode_set(pf, 3, VPF_DEV_MODE_FREEZE), 0);
	for (round = 0; round < 100; round++) {
		assert_int_equal(vpf_admin_ctx_read_chunk(pf, 4, big[0], 64, &got), 0);
		assert_int_equal(vpf_admin_ctx_write_chunk(pf, 3, big[1], 2048), 0);
		assert_int_equal(vpf_admin_ctx_discard(pf, 3), 0);
		assert_int_equal(vpf_admin_ctx_discard(pf, 4), 0);
	}
	assert_int_equal(vpf_admin_ctx_write(pf, 3, big[2], 1001, 64), 0);
	{
		struct vpf_admin_wr_range rg = { 0, 4096 };

		assert_int_equal(vpf_admin_wr_start(pf, 5, 4096, &rg, 1), 0);
		for (i = 0; i < 30; i++)
			fd.vf[5].dirty[i] = (uint64_t)i * 4096 * 5;
		fd.vf[5].ndirty = 30;
		memset(bm, 0, sizeof(bm));
		assert_int_equal(vpf_admin_wr_read(pf, 5, 0, 4096ull * 4096, 4096, bm, &recs), 0);
		assert_int_equal(recs, 30);
		assert_int_equal(vpf_admin_wr_stop(pf, 5), 0);
	}
	/* Retries go through the same preallocated slot. */
	fd.eagain_next = 3;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	assert_int_equal(n_alloc, before);

	vpf_pf_detach(pf);
	fake_fini(&fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_path_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
