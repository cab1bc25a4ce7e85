/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * "No allocation on the admin fast path" for the 1.4 dialect: linked with
 * -Wl,--wrap for the allocators like test_pf_noalloc, it attaches a 1.4
 * PF (scripted device, fake_v14.c) and then counts every allocation while
 * pipelined GET transfers, the synchronous object, METADATA_GET, PARTS_GET,
 * PARTS_SET and DEV_MODE_SET calls, EAGAIN retries and ENOMEM re-sizing
 * run: there must be none. (A SET transfer allocates its command buffer
 * at start, by design; it is not counted here.)
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vpf_admin.h"
#include "vpf_parts.h"
#include "vpf_pf.h"
#include "alloc_count.h"
#include "fake_v14.h"
#include "../vpf_test_main.h"

#define NX	16

static struct fake_dev fd;
static struct fv14 f;
static struct vpf_admin_v14_xfer xs[NX];
static uint8_t bufs[NX][2048];

static void
test_v14_fast_path_allocates_nothing(void **state)
{
	struct vpf_admin_v14_obj o;
	struct vpf_pf_params p;
	struct vpf_pf *pf;
	uint8_t list[512];
	uint32_t len, v, round, i;
	unsigned long before;

	(void)state;
	fake_init(&fd, NX, 0);
	fv14_init(&f, &fd, NX, NX);
	vpf_pf_params_init(&p);
	p.name = "t";
	p.reset_timeout_us = 20000;
	p.retry_backoff_us = 1;
	pf = vpf_pf_attach(&fake_ops, &fd, &p);
	if (pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	before = n_alloc;
	for (round = 0; round < 50; round++) {
		memset(xs, 0, sizeof(xs));
		for (i = 0; i < NX; i++) {
			xs[i].vf = (uint16_t)(i + 1);
			xs[i].kind = VPF_ADMIN_V14_XFER_GET;
			xs[i].buf = bufs[i];
			xs[i].cap = sizeof(bufs[i]);
		}
		f.eagain_op = 0xe;
		f.eagain_n = 3;
		f.grow_after_size = round % 3 == 0 ? 1 : 0;
		assert_int_equal(vpf_admin_v14_xfer_run(pf, xs, NX), 0);
		assert_int_equal(vpf_admin_v14_obj_create(pf, 1, VPF_PARTS_OBJ_GET, &o), 0);
		assert_int_equal(vpf_admin_v14_meta_size(pf, &o, &v), 0);
		assert_int_equal(vpf_admin_v14_meta_count(pf, &o, &v), 0);
		assert_int_equal(vpf_admin_v14_meta_list(pf, &o, list, sizeof(list), &v,
							 &len), 0);
		assert_int_equal(vpf_admin_v14_parts_get(pf, &o, bufs[0], sizeof(bufs[0]),
							 &len), 0);
		assert_int_equal(vpf_admin_v14_obj_destroy(pf, &o), 0);
		assert_int_equal(vpf_admin_v14_mode_set(pf, 2, true), 0);
		assert_int_equal(vpf_admin_v14_obj_create(pf, 2, VPF_PARTS_OBJ_SET, &o), 0);
		assert_int_equal(vpf_admin_v14_parts_set(pf, &o, bufs[0], len), 0);
		assert_int_equal(vpf_admin_v14_obj_destroy(pf, &o), 0);
		assert_int_equal(vpf_admin_v14_mode_set(pf, 2, false), 0);
	}
	assert_int_equal(n_alloc - before, 0);
	vpf_pf_detach(pf);
	fake_fini(&fd);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_v14_fast_path_allocates_nothing))
