/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The driver's 1.4 dialect against the software model in dialect 1.4
 * (drivers/model): attach and capability negotiation both ways, and the
 * parts of every VF of one model read with pipelined GET transfers and
 * written to another model's VFs with SET transfers, their digests equal
 * after the resume (doc/protocol.md §10.8).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vpf_admin.h"
#include "vpf_model.h"
#include "vpf_parts.h"
#include "vpf_pf.h"
#include "../vpf_test_main.h"

#define NVF		4
#define GUEST_MEM	(64ull << 20)

static struct vpf_model *
model14(const char *name, uint32_t off)
{
	struct vpf_model_params mp;
	struct vpf_model *m;

	vpf_model_params_init(&mp);
	mp.name = name;
	mp.num_vfs = NVF;
	mp.off = off;
	mp.guest_mem_size = GUEST_MEM;
	mp.dialect = VPF_DIALECT_V14_PARTS;
	m = vpf_model_create(&mp);
	if (m == NULL)
		fail_msg("model: %s", vpf_last_error());
	return m;
}

static struct vpf_pf *
attach14(struct vpf_model *m, const char *name)
{
	struct vpf_pf_params p;
	struct vpf_pf *pf;

	vpf_pf_params_init(&p);
	p.name = name;
	p.reset_timeout_us = 50000;
	p.retry_backoff_us = 1;
	pf = vpf_pf_attach(&vpf_model_ops, m, &p);
	if (pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	return pf;
}

static void
test_v14_model_attach(void **state)
{
	struct vpf_model *m, *m2;
	struct vpf_pf *pf, *pf2;
	struct vpf_pf_info info;

	(void)state;
	m = model14("m", 0);
	pf = attach14(m, "pf");
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.dialect, VPF_DIALECT_V14_PARTS);
	assert_int_equal(info.parts_get_limit, 4);
	assert_int_equal(info.parts_set_limit, 4);
	assert_false(info.caps_fallback);
	/* A device of the Linux kind: no self-group LIST_QUERY. */
	m2 = model14("m2", VPF_MODEL_OFF_SELF_LIST);
	pf2 = attach14(m2, "pf2");
	assert_int_equal(vpf_pf_info_get(pf2, &info), 0);
	assert_int_equal(info.dialect, VPF_DIALECT_V14_PARTS);
	assert_true(info.caps_fallback);
	assert_int_equal(info.parts_get_limit, 4);
	/* An owner reset negotiates again. */
	assert_int_equal(vpf_pf_reset(pf2), 0);
	assert_int_equal(vpf_pf_info_get(pf2, &info), 0);
	assert_int_equal(info.parts_set_limit, 4);
	vpf_pf_detach(pf2);
	vpf_model_destroy(m2);
	vpf_pf_detach(pf);
	vpf_model_destroy(m);
}

static uint8_t bufs[NVF][8192];

static void
test_v14_model_parts_move(void **state)
{
	struct vpf_admin_v14_xfer xs[NVF];
	uint8_t d1[32], d2[32];
	struct vpf_model *src, *dst;
	struct vpf_pf *ps, *pd;
	struct vpf_pf_info info;
	uint32_t lens[NVF];
	uint16_t vf;

	(void)state;
	src = model14("src", 0);
	dst = model14("dst", 0);
	ps = attach14(src, "src");
	pd = attach14(dst, "dst");
	for (vf = 1; vf <= NVF; vf++) {
		assert_int_equal(vpf_model_guest_step(src, vf, 50u * vf), 0);
		assert_int_equal(vpf_admin_v14_mode_set(ps, vf, true), 0);
	}
	/* Read every VF at once. */
	memset(xs, 0, sizeof(xs));
	for (vf = 1; vf <= NVF; vf++) {
		xs[vf - 1].vf = vf;
		xs[vf - 1].kind = VPF_ADMIN_V14_XFER_GET;
		xs[vf - 1].buf = bufs[vf - 1];
		xs[vf - 1].cap = sizeof(bufs[vf - 1]);
	}
	assert_int_equal(vpf_admin_v14_xfer_run(ps, xs, NVF), 0);
	for (vf = 1; vf <= NVF; vf++) {
		lens[vf - 1] = xs[vf - 1].len;
		assert_true(vpf_parts_validate(bufs[vf - 1], lens[vf - 1], 0, NULL) > 0);
		/* The guest's work made the source differ from the fresh
		 * destination. */
		assert_int_equal(vpf_model_digest(src, vf, d1), 0);
		assert_int_equal(vpf_model_digest(dst, vf, d2), 0);
		assert_memory_not_equal(d1, d2, 32);
	}
	/* Write them to the destination's stopped VFs. */
	memset(xs, 0, sizeof(xs));
	for (vf = 1; vf <= NVF; vf++) {
		assert_int_equal(vpf_admin_v14_mode_set(pd, vf, true), 0);
		xs[vf - 1].vf = vf;
		xs[vf - 1].kind = VPF_ADMIN_V14_XFER_SET;
		xs[vf - 1].parts = bufs[vf - 1];
		xs[vf - 1].parts_len = lens[vf - 1];
	}
	assert_int_equal(vpf_admin_v14_xfer_run(pd, xs, NVF), 0);
	for (vf = 1; vf <= NVF; vf++) {
		vpf_admin_v14_xfer_fini(&xs[vf - 1]);
		assert_int_equal(vpf_admin_v14_mode_set(pd, vf, false), 0);
		assert_int_equal(vpf_model_digest(src, vf, d1), 0);
		assert_int_equal(vpf_model_digest(dst, vf, d2), 0);
		assert_memory_equal(d1, d2, 32);
	}
	/* No object left on either PF. */
	assert_int_equal(vpf_pf_info_get(ps, &info), 0);
	assert_int_equal(info.parts_get_in_use + info.parts_set_in_use, 0);
	assert_int_equal(vpf_pf_info_get(pd, &info), 0);
	assert_int_equal(info.parts_get_in_use + info.parts_set_in_use, 0);
	vpf_pf_detach(pd);
	vpf_pf_detach(ps);
	vpf_model_destroy(dst);
	vpf_model_destroy(src);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_v14_model_attach),
	cmocka_unit_test(test_v14_model_parts_move))
