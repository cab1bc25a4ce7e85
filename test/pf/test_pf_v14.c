/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The driver side of the virtio 1.4 device-parts dialect against a
 * scripted 1.4 device (fake_v14.c): dialect detection, the self group and
 * its fallback, capability negotiation, the object allocator and EEXIST,
 * METADATA_GET and PARTS_GET sizing with the bounded ENOMEM retry,
 * PARTS_SET and DEV_MODE_SET, malformed results, and pipelined transfers
 * that destroy their objects on every path (doc/protocol.md §10.7,
 * D-DRV14.*).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pf_harness.h"
#include "fake_v14.h"
#include "pf/pf_internal.h"
#include "vpf_admin.h"
#include "vpf_parts.h"

struct t14 {
	struct fake_dev *fd;
	struct fv14 *f;
	struct vpf_pf *pf;
};

static struct fv14 *
new_fv14(struct fake_dev *fd, uint8_t gl, uint8_t sl)
{
	struct fv14 *f = malloc(sizeof(*f));

	assert_non_null(f);
	fv14_init(f, fd, gl, sl);
	return f;
}

/* A 1.4 fake of @p vfs VFs; @p setup (may be NULL) tweaks it before the
 * attach; the attach must succeed. */
static void
up14_flags(struct t14 *t, uint16_t vfs, uint32_t flags, uint8_t gl, uint8_t sl,
	   void (*setup)(struct fv14 *), uint32_t timeout_us)
{
	t->fd = pft_fake_new(vfs, flags);
	t->f = new_fv14(t->fd, gl, sl);
	if (setup != NULL)
		setup(t->f);
	t->pf = pft_attach(t->fd, timeout_us);
	if (t->pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
}

static void
up14(struct t14 *t, uint16_t vfs, uint8_t gl, uint8_t sl,
     void (*setup)(struct fv14 *), uint32_t timeout_us)
{
	up14_flags(t, vfs, 0, gl, sl, setup, timeout_us);
}

static void
down14(struct t14 *t)
{
	pft_down(t->pf, t->fd);
	free(t->f);
}

/* ------------------------------------------------------------------------
 * Attach: dialect, self group, capabilities
 * --------------------------------------------------------------------- */

static void
test_v14_attach_negotiates(void **state)
{
	struct vpf_pf_info info;
	struct t14 t;

	(void)state;
	up14(&t, 4, 3, 2, NULL, 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.dialect, VPF_DIALECT_V14_PARTS);
	assert_int_equal(info.parts_get_limit, 3);
	assert_int_equal(info.parts_set_limit, 2);
	assert_int_equal(info.parts_get_in_use, 0);
	assert_false(info.caps_fallback);
	assert_false(info.has_write_record);
	/* The specification's way: self-group LIST_QUERY and LIST_USE before
	 * any capability command; never 0x7-0x9 in the SR-IOV LIST_USE. */
	assert_int_equal(t.f->nself[VPF_ADMIN_OP_LIST_QUERY], 1);
	assert_int_equal(t.f->nself[VPF_ADMIN_OP_LIST_USE], 1);
	assert_false(t.f->caps_before_self_use);
	assert_false(t.f->caps_on_sriov_use);
	assert_int_equal(t.f->nself[7], 1);
	assert_int_equal(t.f->nself[8], 1);
	assert_int_equal(t.f->nself[9], 1);
	assert_int_equal(t.f->drv_get, 3);
	assert_int_equal(t.f->drv_set, 2);
	/* Every command buffer a multiple of 8 (Linux: 34, 10, 25 bytes). */
	assert_false(t.f->unaligned);
	assert_int_equal(info.cmds_enabled & VPF_ADMIN_V14_OPS_PARTS,
			 VPF_ADMIN_V14_OPS_PARTS);
	down14(&t);
}

static void
refuse_self(struct fv14 *f)
{
	f->refuse_self_lq = true;
}

static void
test_v14_self_group_fallback(void **state)
{
	struct vpf_pf_info info;
	struct t14 t;

	(void)state;
	up14(&t, 2, 1, 1, refuse_self, 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.dialect, VPF_DIALECT_V14_PARTS);
	assert_true(info.caps_fallback);
	assert_int_equal(t.f->nself[VPF_ADMIN_OP_LIST_USE], 0);
	assert_int_equal(t.f->drv_get, 1);
	/* The Linux way, on this device only: 0x7-0x9 in the SR-IOV
	 * LIST_USE. */
	assert_true(t.f->caps_on_sriov_use);
	down14(&t);
}

static void
cap_short(struct fv14 *f)
{
	f->cap_get_short = 1;
}

static void
test_v14_attach_refusals(void **state)
{
	struct fake_dev *fd;
	struct fv14 *f;
	struct vpf_pf *pf;

	(void)state;
	/* A DEVICE_CAP_GET result of 1 byte: device error, attach fails. */
	fd = pft_fake_new(2, 0);
	f = new_fv14(fd, 2, 2);
	cap_short(f);
	pf = pft_attach(fd, 0);
	assert_null(pf);
	assert_non_null(strstr(vpf_last_error(), "capability shorter than 2 bytes"));
	pft_fake_free(fd);
	free(f);
	/* No object allowed at all. */
	fd = pft_fake_new(2, 0);
	f = new_fv14(fd, 0, 0);
	pf = pft_attach(fd, 0);
	assert_null(pf);
	assert_int_equal(errno, ENOTSUP);
	assert_non_null(strstr(vpf_last_error(), "virtio 1.4 device-parts dialect"));
	pft_fake_free(fd);
	free(f);
}

/* The draft dialect is unchanged; commands of one dialect never reach a
 * device of the other. */
static void
test_v14_dialect_guard(void **state)
{
	struct vpf_admin_v14_obj o;
	struct vpf_admin_cmd c;
	struct fake_dev *fd;
	struct vpf_pf *pf;
	struct t14 t;
	uint8_t buf[64], mode;
	uint32_t before;

	(void)state;
	pf = pft_up(2, 0, 0, &fd);
	assert_int_equal(vpf_admin_v14_obj_create(pf, 1, VPF_PARTS_OBJ_GET, &o), -ENOTSUP);
	assert_int_equal(vpf_admin_v14_mode_set(pf, 1, true), -ENOTSUP);
	memset(&c, 0, sizeof(c));
	vpf_admin_v14_prep_mode_set(&c, 1, true);
	assert_int_equal(vpf_admin_submit(pf, &c), -ENOTSUP);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &mode), 0);
	pft_down(pf, fd);

	up14(&t, 2, 2, 2, NULL, 0);
	assert_int_equal(vpf_admin_mode_get(t.pf, 1, &mode), -ENOTSUP);
	assert_int_equal(vpf_admin_ctx_read_chunk(t.pf, 1, buf, 64, &before), -ENOTSUP);
	/* A draft CTX_READ (0xa) built by hand would be a 1.4 CREATE. */
	before = t.f->ncmd[0xa];
	memset(&c, 0, sizeof(c));
	vpf_admin_prep_ctx_read(&c, 1, buf, sizeof(buf));
	assert_int_equal(vpf_admin_submit(t.pf, &c), -ENOTSUP);
	vpf_admin_poll(t.pf);
	assert_int_equal(t.f->ncmd[0xa], before);
	assert_int_equal(fv14_live(t.f), 0);
	down14(&t);
}

/* ------------------------------------------------------------------------
 * Objects
 * --------------------------------------------------------------------- */

static void
test_v14_obj_limits_per_kind(void **state)
{
	struct vpf_admin_v14_obj g[3], s[2];
	struct vpf_pf_info info;
	struct t14 t;
	uint32_t creates;

	(void)state;
	/* get 2, set 1: Linux's one allocator (min 1) would refuse the
	 * second GET object. */
	up14(&t, 4, 2, 1, NULL, 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &g[0]), 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 2, VPF_PARTS_OBJ_GET, &g[1]), 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 3, VPF_PARTS_OBJ_SET, &s[0]), 0);
	assert_true(g[0].id != g[1].id && g[0].id != s[0].id && g[1].id != s[0].id);
	assert_true(g[0].id < 3 && g[1].id < 3 && s[0].id < 3);
	creates = t.f->ncmd[0xa];
	/* Out of objects of each kind: refused locally, nothing sent. */
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &g[2]), -ENOSPC);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_SET, &s[1]), -ENOSPC);
	assert_int_equal(t.f->ncmd[0xa], creates);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use, 2);
	assert_int_equal(info.parts_set_in_use, 1);
	assert_int_equal(vpf_admin_v14_obj_list(t.pf, NULL, 0), 3);
	/* Destroy frees the id and the kind's count. */
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &g[0]), 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 4, VPF_PARTS_OBJ_GET, &g[2]), 0);
	assert_int_equal(fv14_live(t.f), 3);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &g[1]), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &g[2]), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &s[0]), 0);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use + info.parts_set_in_use, 0);
	down14(&t);
}

static void
keep_objs(struct fv14 *f)
{
	/* A dead owner's objects, and a device whose reset does not
	 * destroy them (it must). */
	f->keep_objs_on_reset = true;
	f->obj[0].live = true;
	f->obj[0].vf = 2;
}

static void
test_v14_eexist(void **state)
{
	struct vpf_admin_v14_obj o, p;
	struct vpf_pf_info info;
	struct t14 t;

	(void)state;
	up14(&t, 4, 2, 2, keep_objs, 0);
	/* Id 0 is the first the allocator gives: EEXIST is a device error,
	 * the id is blocked, the next CREATE takes another id. */
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &o), -EIO);
	assert_non_null(strstr(vpf_last_error(), "EEXIST"));
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_ids_blocked, 1);
	assert_int_equal(info.parts_get_in_use, 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &p), 0);
	assert_int_not_equal(p.id, 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &p), 0);
	/* An owner reset (the device's reset now destroys objects) clears
	 * the block. */
	t.f->keep_objs_on_reset = false;
	assert_int_equal(vpf_pf_reset(t.pf), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_ids_blocked, 0);
	down14(&t);
}

static void
dead_owner(struct fv14 *f)
{
	/* A dead owner left objects 0 and 1; the attach's reset destroys
	 * them (a correct device). */
	f->obj[0].live = true;
	f->obj[0].vf = 1;
	f->obj[1].live = true;
	f->obj[1].vf = 1;
	f->obj[1].kind = 1;
}

static void
test_v14_owner_restart_ids(void **state)
{
	struct vpf_admin_v14_obj o, n;
	struct t14 t;

	(void)state;
	up14(&t, 2, 2, 2, dead_owner, 0);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &o), 0);
	assert_int_equal(o.id, 0);
	/* A reset since: the handle is stale. Its id is given again; the
	 * stale handle's destroy sends nothing and leaves the new object. */
	assert_int_equal(vpf_pf_reset(t.pf), 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &n), 0);
	assert_int_equal(n.id, o.id);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &o), 0);
	assert_int_equal(t.f->ncmd[0xd], 0);
	assert_int_equal(fv14_live(t.f), 1);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &n), 0);
	assert_int_equal(fv14_live(t.f), 0);
	down14(&t);
}

static void
test_v14_create_fails_id_back(void **state)
{
	struct vpf_admin_v14_obj o;
	struct t14 t;

	(void)state;
	up14(&t, 2, 1, 1, NULL, 0);
	t.f->fail_op = 0xa;
	t.f->fail_status = VPF_ADMIN_STATUS_ENOSPC;
	t.f->fail_n = 1;
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &o), -ENOSPC);
	/* The id came back: the only GET object can be created now. */
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &o), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &o), 0);
	down14(&t);
}

/* ------------------------------------------------------------------------
 * METADATA_GET, PARTS_GET, PARTS_SET, MODE_SET
 * --------------------------------------------------------------------- */

static void
test_v14_parts_get(void **state)
{
	struct vpf_admin_v14_obj o;
	uint8_t buf[2048], list[1024];
	uint32_t len = 0, size = 0, count = 0, llen = 0;
	struct t14 t;

	(void)state;
	up14(&t, 2, 1, 1, NULL, 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 2, VPF_PARTS_OBJ_GET, &o), 0);
	assert_int_equal(vpf_admin_v14_meta_size(t.pf, &o, &size), 0);
	assert_int_equal(size, t.f->parts_len[2]);
	assert_int_equal(vpf_admin_v14_meta_count(t.pf, &o, &count), 0);
	assert_int_equal(count, 7);
	assert_int_equal(vpf_admin_v14_meta_list(t.pf, &o, list, sizeof(list), &count,
						 &llen), 0);
	assert_int_equal(count, 7);
	assert_int_equal(llen, 8 + 7 * 16);
	assert_int_equal(vpf_admin_v14_parts_get(t.pf, &o, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, t.f->parts_len[2]);
	assert_memory_equal(buf, t.f->parts[2], len);
	/* A buffer smaller than SIZE: nothing read. */
	assert_int_equal(vpf_admin_v14_parts_get(t.pf, &o, buf, 64, &len), -ENOSPC);
	/* A SET object cannot read. */
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &o), 0);
	assert_int_equal(vpf_admin_v14_parts_get(t.pf, &o, buf, sizeof(buf), &len), -ENXIO);
	down14(&t);
}

static void
test_v14_enomem_retry_bounded(void **state)
{
	struct vpf_admin_v14_obj o;
	uint8_t buf[2048];
	uint32_t len = 0;
	struct t14 t;

	(void)state;
	up14(&t, 2, 1, 1, NULL, 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &o), 0);
	/* The state grows after each of the first two SIZEs: two ENOMEMs,
	 * then it fits. */
	t.f->grow_after_size = 2;
	assert_int_equal(vpf_admin_v14_parts_get(t.pf, &o, buf, sizeof(buf), &len), 0);
	assert_int_equal(t.f->ncmd[0xe], 3);
	assert_int_equal(t.f->ncmd[0xf], 3);
	assert_int_equal(len, t.f->parts_len[1]);
	/* It keeps growing: bounded, -ENOMEM after 1 + retries reads. */
	t.f->ncmd[0xe] = t.f->ncmd[0xf] = 0;
	t.f->grow_after_size = 50;
	assert_int_equal(vpf_admin_v14_parts_get(t.pf, &o, buf, sizeof(buf), &len), -ENOMEM);
	assert_int_equal(t.f->ncmd[0xf], VPF_ADMIN_V14_ENOMEM_RETRIES + 1);
	/* ENOMEM is never retried by the engine with the same buffer. */
	assert_int_equal(t.f->ncmd[0xe], VPF_ADMIN_V14_ENOMEM_RETRIES + 1);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &o), 0);
	down14(&t);
}

static void
test_v14_malformed_results(void **state)
{
	static const int mangles[] = { FV14_GET_SHORT, FV14_GET_LONG, FV14_GET_LIE };
	struct vpf_admin_v14_obj o;
	uint8_t buf[2048], list[1024];
	uint32_t len = 0, v = 0, n = 0;
	struct t14 t;
	size_t i;

	(void)state;
	up14(&t, 2, 1, 1, NULL, 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &o), 0);
	for (i = 0; i < RTE_DIM(mangles); i++) {
		t.f->get_mangle = mangles[i];
		len = 12345;
		assert_int_equal(vpf_admin_v14_parts_get(t.pf, &o, buf, sizeof(buf) - 8, &len),
				 -EIO);
		assert_int_equal(len, 12345);
	}
	t.f->get_mangle = FV14_GET_OK;
	/* SIZE and COUNT shorter than 8 bytes. */
	t.f->meta_short = 1;
	assert_int_equal(vpf_admin_v14_meta_size(t.pf, &o, &v), -EIO);
	t.f->meta_short = 1;
	assert_int_equal(vpf_admin_v14_meta_count(t.pf, &o, &v), -EIO);
	/* A LIST whose count says more headers than it has. */
	t.f->list_lie = 1;
	assert_int_equal(vpf_admin_v14_meta_list(t.pf, &o, list, sizeof(list), &n, &len),
			 -EIO);
	/* Still usable afterwards. */
	assert_int_equal(vpf_admin_v14_parts_get(t.pf, &o, buf, sizeof(buf), &len), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &o), 0);
	down14(&t);
}

static void
test_v14_parts_set_and_mode(void **state)
{
	struct vpf_admin_v14_obj o;
	struct t14 t;
	uint8_t bad[64];
	uint32_t sets;

	(void)state;
	up14(&t, 2, 1, 1, NULL, 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 2, VPF_PARTS_OBJ_SET, &o), 0);
	/* Only on a stopped device (the fake refuses otherwise). */
	assert_int_equal(vpf_admin_v14_parts_set(t.pf, &o, t.f->parts[1],
						 t.f->parts_len[1]), -EINVAL);
	assert_int_equal(vpf_admin_v14_mode_set(t.pf, 2, true), 0);
	assert_true(t.f->stopped[2]);
	assert_int_equal(vpf_admin_v14_parts_set(t.pf, &o, t.f->parts[1],
						 t.f->parts_len[1]), 0);
	assert_int_equal(t.f->set_len[2], t.f->parts_len[1]);
	assert_memory_equal(t.f->set_parts[2], t.f->parts[1], t.f->parts_len[1]);
	assert_false(t.f->unaligned);
	/* A malformed set is refused before anything is sent. */
	memcpy(bad, t.f->parts[1], sizeof(bad));
	bad[12] = 3;	/* DEV_FEATURES length 3 */
	sets = t.f->ncmd[0x10];
	assert_int_equal(vpf_admin_v14_parts_set(t.pf, &o, bad, sizeof(bad)), -EBADMSG);
	assert_int_equal(t.f->ncmd[0x10], sets);
	assert_int_equal(vpf_admin_v14_mode_set(t.pf, 2, false), 0);
	assert_false(t.f->stopped[2]);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &o), 0);
	down14(&t);
}

/* ------------------------------------------------------------------------
 * Pipelined transfers
 * --------------------------------------------------------------------- */

#define NX	16

static uint8_t xbuf[NX][2048];

static void
xfers_get(struct vpf_admin_v14_xfer *xs, uint32_t n)
{
	uint32_t i;

	memset(xs, 0, sizeof(*xs) * n);
	for (i = 0; i < n; i++) {
		xs[i].vf = (uint16_t)(i + 1);
		xs[i].kind = VPF_ADMIN_V14_XFER_GET;
		xs[i].buf = xbuf[i];
		xs[i].cap = sizeof(xbuf[i]);
	}
}

static void
test_v14_xfer_pipelined(void **state)
{
	struct vpf_admin_v14_xfer xs[NX];
	struct vpf_pf_info info;
	struct t14 t;
	uint32_t i;

	(void)state;
	up14(&t, NX, NX, NX, NULL, 0);
	xfers_get(xs, NX);
	t.f->eagain_op = 0xf;
	t.f->eagain_n = 5;
	assert_int_equal(vpf_admin_v14_xfer_run(t.pf, xs, NX), 0);
	for (i = 0; i < NX; i++) {
		assert_int_equal(xs[i].rc, 0);
		assert_int_equal(xs[i].len, t.f->parts_len[i + 1]);
		assert_memory_equal(xbuf[i], t.f->parts[i + 1], xs[i].len);
	}
	/* Many VFs in flight at once, not one command at a time. */
	assert_true(t.f->max_batch >= NX);
	assert_int_equal(t.f->ncmd[0xa], NX);
	assert_int_equal(t.f->ncmd[0xd], NX);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use, 0);
	down14(&t);
}

static void
test_v14_xfer_destroys_on_error(void **state)
{
	struct vpf_admin_v14_xfer xs[4];
	struct vpf_pf_info info;
	struct t14 t;

	(void)state;
	up14(&t, 4, 4, 1, NULL, 0);
	/* A device error on PARTS_GET. */
	xfers_get(xs, 1);
	t.f->fail_op = 0xf;
	t.f->fail_status = VPF_ADMIN_STATUS_EINVAL;
	t.f->fail_n = 1;
	assert_int_equal(vpf_admin_v14_xfer_run(t.pf, xs, 1), -EINVAL);
	assert_int_equal(t.f->ncmd[0xd], 1);
	assert_int_equal(fv14_live(t.f), 0);
	/* A malformed result. */
	xfers_get(xs, 1);
	t.f->get_mangle = FV14_GET_LONG;
	assert_int_equal(vpf_admin_v14_xfer_run(t.pf, xs, 1), -EIO);
	t.f->get_mangle = FV14_GET_OK;
	assert_int_equal(t.f->ncmd[0xd], 2);
	assert_int_equal(fv14_live(t.f), 0);
	/* Cancelled after its CREATE was queued. */
	xfers_get(xs, 2);
	assert_int_equal(vpf_admin_v14_xfer_start(t.pf, &xs[0]), 0);
	assert_int_equal(vpf_admin_v14_xfer_start(t.pf, &xs[1]), 0);
	vpf_admin_v14_xfer_cancel(&xs[0]);
	while (vpf_admin_v14_xfer_poll(t.pf, xs, 2) > 0)
		;
	assert_int_equal(xs[0].rc, -ECANCELED);
	assert_int_equal(xs[1].rc, 0);
	assert_int_equal(fv14_live(t.f), 0);
	/* A SET transfer with only one SET object: the second one fails
	 * locally (-ENOSPC), nothing leaks. */
	memset(xs, 0, sizeof(xs));
	xs[0].vf = 1;
	xs[1].vf = 2;
	xs[0].kind = xs[1].kind = VPF_ADMIN_V14_XFER_SET;
	xs[0].parts = xs[1].parts = t.f->parts[3];
	xs[0].parts_len = xs[1].parts_len = t.f->parts_len[3];
	assert_int_equal(vpf_admin_v14_mode_set(t.pf, 1, true), 0);
	assert_int_equal(vpf_admin_v14_xfer_run(t.pf, xs, 2), -ENOSPC);
	assert_int_equal(xs[0].rc, 0);
	assert_int_equal(t.f->set_len[1], t.f->parts_len[3]);
	vpf_admin_v14_xfer_fini(&xs[0]);
	vpf_admin_v14_xfer_fini(&xs[1]);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use + info.parts_set_in_use, 0);
	down14(&t);
}

/* A PARTS_GET that never completes: the queue is recovered (reset, the
 * objects survive on the device), the other transfers' commands are
 * cancelled, and every transfer still destroys its object. */
static void
test_v14_xfer_cancelled_by_recovery(void **state)
{
	struct vpf_admin_v14_xfer xs[4];
	struct vpf_pf_info info;
	uint32_t destroys;
	struct t14 t;

	(void)state;
	up14(&t, 4, 4, 1, NULL, 20000);
	xfers_get(xs, 4);
	t.f->hold_op = 0xf;
	t.f->hold_n = 1;
	assert_true(vpf_admin_v14_xfer_run(t.pf, xs, 4) < 0);
	assert_true(t.fd->queue_resets + t.fd->resets > 0);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use, 0);
	assert_int_equal(info.parts_ids_blocked, 0);
	/* A DESTROY that times out is sent again after the recovery (the
	 * device may not have run it): nothing leaks, no id is blocked. */
	xfers_get(xs, 2);
	t.f->hold_op = 0xd;
	t.f->hold_n = 1;
	destroys = t.f->ncmd[0xd];
	assert_int_equal(vpf_admin_v14_xfer_run(t.pf, xs, 2), 0);
	assert_int_equal(t.f->ncmd[0xd], destroys + 3);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use, 0);
	assert_int_equal(info.parts_ids_blocked, 0);
	down14(&t);
}

/* A timeout on a device without RING_RESET: the recovery re-initialises
 * the device, which destroys every object and clears the limits; the
 * capabilities are negotiated again, the transfers end without a DESTROY
 * and the allocator starts empty. */
static void
test_v14_xfer_reinit_recovery(void **state)
{
	struct vpf_admin_v14_xfer xs[4];
	struct vpf_admin_v14_obj o;
	struct vpf_pf_info info;
	uint32_t caps_set;
	struct t14 t;

	(void)state;
	up14_flags(&t, 4, FAKE_NO_RING_RESET, 4, 1, NULL, 20000);
	caps_set = t.f->nself[9];
	xfers_get(xs, 4);
	t.f->hold_op = 0xf;
	t.f->hold_n = 1;
	assert_true(vpf_admin_v14_xfer_run(t.pf, xs, 4) < 0);
	assert_true(t.fd->resets > 1);
	/* VFs 2-4 finished before the timeout and destroyed theirs; the
	 * reset destroyed VF 1's: no DESTROY was sent for it. */
	assert_int_equal(xs[0].rc, -ETIMEDOUT);
	assert_int_equal(xs[1].rc, 0);
	assert_int_equal(t.f->ncmd[0xd], 3);
	assert_int_equal(t.f->nself[9], caps_set + 1);
	assert_int_equal(t.f->drv_get, 4);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use, 0);
	assert_int_equal(info.parts_ids_blocked, 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &o), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &o), 0);
	down14(&t);
}

/* vpf_pf_reset() with transfers in flight: the device's reset destroyed
 * every object, the callbacks see -ECANCELED and send no DESTROY; the
 * allocator starts again empty. */
static void
test_v14_xfer_owner_reset(void **state)
{
	struct vpf_admin_v14_xfer xs[4];
	struct vpf_admin_v14_obj o;
	struct vpf_pf_info info;
	struct t14 t;
	uint32_t i, destroys;

	(void)state;
	up14(&t, 4, 4, 1, NULL, 0);
	xfers_get(xs, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(vpf_admin_v14_xfer_start(t.pf, &xs[i]), 0);
	/* CREATEs answered; SIZE queued. */
	assert_true(vpf_admin_v14_xfer_poll(t.pf, xs, 4) > 0);
	assert_int_equal(fv14_live(t.f), 4);
	t.f->hold_op = 0xe;
	t.f->hold_n = 4;
	vpf_admin_kick(t.pf);
	destroys = t.f->ncmd[0xd];
	assert_int_equal(vpf_pf_reset(t.pf), 0);
	for (i = 0; i < 4; i++) {
		assert_true(vpf_admin_v14_xfer_done(&xs[i]));
		assert_int_equal(xs[i].rc, -ECANCELED);
	}
	assert_int_equal(t.f->ncmd[0xd], destroys);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use, 0);
	assert_int_equal(info.parts_get_limit, 4);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 1, VPF_PARTS_OBJ_GET, &o), 0);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &o), 0);
	down14(&t);
}

/* The single-command builders, pipelined by the caller: CREATE, SIZE,
 * PARTS_GET, PARTS_SET and DESTROY of four VFs each in flight together;
 * the *_done() calls keep the allocator right. */
static void
test_v14_single_commands_pipelined(void **state)
{
	static struct vpf_admin_cmd c[4];
	struct vpf_admin_v14_obj g[4], s1;
	uint8_t meta[4][8], set[2048];
	struct vpf_pf_info info;
	uint32_t i, size, dlen = 0;
	struct t14 t;

	(void)state;
	up14(&t, 4, 4, 1, NULL, 0);
	pft_record_reset();
	for (i = 0; i < 4; i++) {
		assert_int_equal(vpf_admin_v14_obj_alloc(t.pf, (uint16_t)(i + 1),
							 VPF_PARTS_OBJ_GET, &g[i]), 0);
		memset(&c[i], 0, sizeof(c[i]));
		vpf_admin_v14_prep_obj_create(&c[i], &g[i]);
		c[i].done = pft_record_cb;
		c[i].arg = (void *)(uintptr_t)i;
		assert_int_equal(vpf_admin_submit(t.pf, &c[i]), 0);
	}
	while (pft_cb_total < 4)
		assert_true(vpf_admin_poll(t.pf) >= 0);
	assert_true(t.f->max_batch >= 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(vpf_admin_v14_obj_create_done(t.pf, &g[i], c[i].rc), 0);
		assert_true(vpf_admin_v14_obj_live(t.pf, &g[i]));
		vpf_admin_v14_prep_meta_get(&c[i], &g[i], VPF_PARTS_META_SIZE, meta[i], 8);
		assert_int_equal(vpf_admin_submit(t.pf, &c[i]), 0);
	}
	while (pft_cb_total < 8)
		assert_true(vpf_admin_poll(t.pf) >= 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(c[i].rc, 0);
		memcpy(&size, meta[i], 4);
		assert_int_equal(size, t.f->parts_len[i + 1]);
		vpf_admin_v14_prep_parts_get_all(&c[i], &g[i], xbuf[i], (size + 7) & ~7u);
		assert_int_equal(vpf_admin_submit(t.pf, &c[i]), 0);
	}
	while (pft_cb_total < 12)
		assert_true(vpf_admin_poll(t.pf) >= 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(c[i].rc, 0);
		assert_int_equal(vpf_admin_v14_parts_check(t.pf, (uint16_t)(i + 1), xbuf[i],
							   c[i].result_written), 0);
		assert_memory_equal(xbuf[i], t.f->parts[i + 1], c[i].result_written);
		vpf_admin_v14_prep_obj_destroy(&c[i], &g[i]);
		assert_int_equal(vpf_admin_submit(t.pf, &c[i]), 0);
	}
	while (pft_cb_total < 16)
		assert_true(vpf_admin_poll(t.pf) >= 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(vpf_admin_v14_obj_destroy_done(t.pf, &g[i], c[i].rc), 0);
	/* PARTS_SET from built data; a malformed set is refused building. */
	assert_int_equal(vpf_admin_v14_mode_set(t.pf, 3, true), 0);
	assert_int_equal(vpf_admin_v14_obj_create(t.pf, 3, VPF_PARTS_OBJ_SET, &s1), 0);
	assert_int_equal(vpf_admin_v14_parts_set_build(t.pf, &s1, xbuf[0], 17, set,
						       sizeof(set), &dlen), -EBADMSG);
	assert_int_equal(vpf_admin_v14_parts_set_build(t.pf, &s1, xbuf[0],
						       t.f->parts_len[1], set,
						       sizeof(set), &dlen), 0);
	assert_int_equal(dlen % 8, 0);
	memset(&c[0], 0, sizeof(c[0]));
	vpf_admin_v14_prep_parts_set(&c[0], &s1, set, dlen);
	assert_int_equal(vpf_admin_exec(t.pf, &c[0]), 0);
	assert_memory_equal(t.f->set_parts[3], t.f->parts[1], t.f->parts_len[1]);
	assert_int_equal(vpf_admin_v14_obj_destroy(t.pf, &s1), 0);
	assert_int_equal(fv14_live(t.f), 0);
	assert_int_equal(vpf_pf_info_get(t.pf, &info), 0);
	assert_int_equal(info.parts_get_in_use + info.parts_set_in_use, 0);
	down14(&t);
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_v14_attach_negotiates),
	cmocka_unit_test(test_v14_self_group_fallback),
	cmocka_unit_test(test_v14_attach_refusals),
	cmocka_unit_test(test_v14_dialect_guard),
	cmocka_unit_test(test_v14_obj_limits_per_kind),
	cmocka_unit_test(test_v14_eexist),
	cmocka_unit_test(test_v14_owner_restart_ids),
	cmocka_unit_test(test_v14_create_fails_id_back),
	cmocka_unit_test(test_v14_parts_get),
	cmocka_unit_test(test_v14_enomem_retry_bounded),
	cmocka_unit_test(test_v14_malformed_results),
	cmocka_unit_test(test_v14_parts_set_and_mode),
	cmocka_unit_test(test_v14_xfer_pipelined),
	cmocka_unit_test(test_v14_xfer_destroys_on_error),
	cmocka_unit_test(test_v14_xfer_cancelled_by_recovery),
	cmocka_unit_test(test_v14_xfer_reinit_recovery),
	cmocka_unit_test(test_v14_xfer_owner_reset),
	cmocka_unit_test(test_v14_single_commands_pipelined),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
