/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The 1.4 calls for tools against the software model in dialect 1.4:
 * vpf_admin_v14_cap_list(), vpf_admin_v14_cap_get(), vpf_admin_v14_cap_set()
 * (the device-parts limits refused while objects live, adopted by the
 * allocator after, back to the device's at the next negotiation) and
 * vpf_admin_v14_obj_create_id() (doc/cli.md D-CLI14.1, D-CLI14.2).
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

#define NVF		2

static struct vpf_model *
model_of(const char *name, enum vpf_dialect d)
{
	struct vpf_model_params mp;
	struct vpf_model *m;

	vpf_model_params_init(&mp);
	mp.name = name;
	mp.num_vfs = NVF;
	mp.dialect = d;
	m = vpf_model_create(&mp);
	if (m == NULL)
		fail_msg("model: %s", vpf_last_error());
	return m;
}

static struct vpf_pf *
attach(struct vpf_model *m, const char *name)
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

/* Commands the PF completed, all opcodes. */
static uint64_t
cmds_sent(struct vpf_pf *pf)
{
	struct vpf_admin_stats st;
	uint64_t n = 0;
	unsigned int i;

	assert_int_equal(vpf_admin_stats_get(pf, 0, &st), 0);
	for (i = 0; i <= VPF_ADMIN_OP_MAX; i++)
		n += st.cmds[i];
	for (i = 0; i < 32; i++)
		n += st.errors_by_status[i];
	return n;
}

static void
test_v14_cap_list_get(void **state)
{
	struct vpf_model *m, *md;
	struct vpf_pf *pf, *pd;
	uint8_t buf[8];
	uint64_t ids = 0;
	uint32_t len = 99;

	(void)state;
	m = model_of("m", VPF_DIALECT_V14_PARTS);
	pf = attach(m, "pf");
	assert_int_equal(vpf_admin_v14_cap_list(pf, &ids), 0);
	assert_int_equal(ids, UINT64_C(1) << VPF_ADMIN_V14_CAP_DEV_PARTS);
	assert_int_equal(vpf_admin_v14_cap_list(pf, NULL), -EINVAL);

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(vpf_admin_v14_cap_get(pf, VPF_ADMIN_V14_CAP_DEV_PARTS,
					       buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(buf[0], 4);
	assert_int_equal(buf[1], 4);
	assert_int_equal(buf[2], 0xee);	/* nothing past the result */
	/* Too little room: the bytes that fit, and how many there were. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vpf_admin_v14_cap_get(pf, VPF_ADMIN_V14_CAP_DEV_PARTS,
					       buf, 1, &len), -ENOSPC);
	assert_int_equal(len, 2);
	assert_int_equal(buf[0], 4);
	assert_int_equal(buf[1], 0);
	/* An id the device does not know: its ENXIO. */
	assert_int_equal(vpf_admin_v14_cap_get(pf, 5, buf, sizeof(buf), &len),
			 -ENXIO);
	assert_int_equal(len, 0);
	assert_int_equal(vpf_admin_v14_cap_get(pf, 0, buf, sizeof(buf), NULL),
			 -EINVAL);

	/* A draft PF has none of them; nothing is sent. */
	md = model_of("md", VPF_DIALECT_DRAFT_2023);
	pd = attach(md, "pd");
	assert_int_equal(vpf_admin_v14_cap_list(pd, &ids), -ENOTSUP);
	assert_int_equal(vpf_admin_v14_cap_get(pd, 0, buf, sizeof(buf), &len),
			 -ENOTSUP);
	buf[0] = buf[1] = 1;
	assert_int_equal(vpf_admin_v14_cap_set(pd, 0, buf, 2), -ENOTSUP);
	vpf_pf_detach(pd);
	vpf_model_destroy(md);
	vpf_pf_detach(pf);
	vpf_model_destroy(m);
}

static void
test_v14_cap_set_parts_limits(void **state)
{
	struct vpf_admin_v14_obj o[3];
	struct vpf_pf_info in;
	struct vpf_model *m;
	struct vpf_pf *pf;
	uint8_t lim[3] = { 2, 1, 0 }, buf[8];
	uint32_t len;
	uint64_t sent;

	(void)state;
	m = model_of("m", VPF_DIALECT_V14_PARTS);
	pf = attach(m, "pf");

	/* Live objects: refused before anything is sent, even for the same
	 * limits (the device would take those). */
	assert_int_equal(vpf_admin_v14_obj_create(pf, 1, VPF_PARTS_OBJ_GET,
						  &o[0]), 0);
	sent = cmds_sent(pf);
	buf[0] = buf[1] = 4;
	assert_int_equal(vpf_admin_v14_cap_set(pf, VPF_ADMIN_V14_CAP_DEV_PARTS,
					       buf, 2), -EBUSY);
	assert_int_equal(cmds_sent(pf), sent);
	assert_int_equal(vpf_admin_v14_obj_destroy(pf, &o[0]), 0);

	/* The device-parts capability is 2 bytes. */
	assert_int_equal(vpf_admin_v14_cap_set(pf, VPF_ADMIN_V14_CAP_DEV_PARTS,
					       lim, 3), -EINVAL);
	assert_int_equal(vpf_admin_v14_cap_set(pf, VPF_ADMIN_V14_CAP_DEV_PARTS,
					       lim, VPF_ADMIN_V14_CAP_DATA_MAX + 1),
			 -EINVAL);
	/* Above what the device offers: the device refuses. */
	buf[0] = 5;
	buf[1] = 4;
	assert_int_equal(vpf_admin_v14_cap_set(pf, VPF_ADMIN_V14_CAP_DEV_PARTS,
					       buf, 2), -EINVAL);
	assert_int_equal(vpf_pf_info_get(pf, &in), 0);
	assert_int_equal(in.parts_get_limit, 4);

	/* Lower limits: the allocator follows them (ids 0..2). */
	assert_int_equal(vpf_admin_v14_cap_set(pf, VPF_ADMIN_V14_CAP_DEV_PARTS,
					       lim, 2), 0);
	assert_int_equal(vpf_pf_info_get(pf, &in), 0);
	assert_int_equal(in.parts_get_limit, 2);
	assert_int_equal(in.parts_set_limit, 1);
	/* DEVICE_CAP_GET still says what the device offers. */
	assert_int_equal(vpf_admin_v14_cap_get(pf, VPF_ADMIN_V14_CAP_DEV_PARTS,
					       buf, sizeof(buf), &len), 0);
	assert_int_equal(buf[0], 4);
	assert_int_equal(vpf_admin_v14_obj_create(pf, 1, VPF_PARTS_OBJ_GET,
						  &o[0]), 0);
	assert_int_equal(vpf_admin_v14_obj_create(pf, 2, VPF_PARTS_OBJ_GET,
						  &o[1]), 0);
	sent = cmds_sent(pf);
	assert_int_equal(vpf_admin_v14_obj_create(pf, 1, VPF_PARTS_OBJ_GET,
						  &o[2]), -ENOSPC);
	assert_int_equal(cmds_sent(pf), sent);
	assert_int_equal(vpf_admin_v14_obj_create_id(pf, 1, VPF_PARTS_OBJ_SET,
						     3, &o[2]), -EINVAL);
	assert_int_equal(vpf_admin_v14_obj_create(pf, 1, VPF_PARTS_OBJ_SET,
						  &o[2]), 0);
	assert_true(o[0].id < 3 && o[1].id < 3 && o[2].id < 3);
	assert_int_equal(vpf_admin_v14_obj_destroy(pf, &o[0]), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(pf, &o[1]), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(pf, &o[2]), 0);

	/* The next negotiation takes the device's limits again. */
	assert_int_equal(vpf_pf_reset(pf), 0);
	assert_int_equal(vpf_pf_info_get(pf, &in), 0);
	assert_int_equal(in.parts_get_limit, 4);
	assert_int_equal(in.parts_set_limit, 4);
	vpf_pf_detach(pf);
	vpf_model_destroy(m);
}

static uint8_t parts[8192];

static void
test_v14_obj_create_id(void **state)
{
	struct vpf_admin_v14_obj a, b, l[8];
	struct vpf_model *m;
	struct vpf_pf *pf;
	uint32_t len = 0;
	uint64_t sent;
	int i;

	(void)state;
	m = model_of("m", VPF_DIALECT_V14_PARTS);
	pf = attach(m, "pf");
	assert_int_equal(vpf_admin_v14_obj_create_id(pf, 1, VPF_PARTS_OBJ_GET,
						     6, &a), 0);
	assert_int_equal(a.id, 6);
	assert_int_equal(a.vf, 1);
	assert_int_equal(vpf_admin_v14_obj_list(pf, l, 8), 1);
	assert_int_equal(l[0].id, 6);
	/* The object works. */
	assert_int_equal(vpf_admin_v14_parts_get(pf, &a, parts, sizeof(parts),
						 &len), 0);
	assert_true(len > 0);
	/* In use: EEXIST, nothing sent, the live object untouched. */
	sent = cmds_sent(pf);
	assert_int_equal(vpf_admin_v14_obj_create_id(pf, 2, VPF_PARTS_OBJ_SET,
						     6, &b), -EEXIST);
	assert_int_equal(cmds_sent(pf), sent);
	assert_int_equal(b.valid, 0);
	assert_int_equal(vpf_admin_v14_obj_list(pf, l, 8), 1);
	/* Out of range, bad VF, bad kind. */
	assert_int_equal(vpf_admin_v14_obj_create_id(pf, 1, VPF_PARTS_OBJ_SET,
						     8, &b), -EINVAL);
	assert_int_equal(vpf_admin_v14_obj_create_id(pf, 3, VPF_PARTS_OBJ_SET,
						     1, &b), -EINVAL);
	assert_int_equal(vpf_admin_v14_obj_create_id(pf, 1, 7, 1, &b), -EINVAL);
	assert_int_equal(cmds_sent(pf), sent);
	/* The kind's limit counts objects created at chosen ids too. */
	for (i = 0; i < 3; i++)
		assert_int_equal(vpf_admin_v14_obj_create_id(pf, 1,
							     VPF_PARTS_OBJ_GET,
							     (uint32_t)i, &l[i]),
				 0);
	assert_int_equal(vpf_admin_v14_obj_create_id(pf, 1, VPF_PARTS_OBJ_GET,
						     3, &b), -ENOSPC);
	/* The allocator skips the ids taken. */
	assert_int_equal(vpf_admin_v14_obj_create(pf, 2, VPF_PARTS_OBJ_SET,
						  &b), 0);
	assert_int_equal(b.id, 3);
	assert_int_equal(vpf_admin_v14_obj_destroy(pf, &b), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(vpf_admin_v14_obj_destroy(pf, &l[i]), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(pf, &a), 0);
	assert_int_equal(vpf_admin_v14_obj_list(pf, l, 8), 0);
	vpf_pf_detach(pf);
	vpf_model_destroy(m);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_v14_cap_list_get),
	cmocka_unit_test(test_v14_cap_set_parts_limits),
	cmocka_unit_test(test_v14_obj_create_id))
