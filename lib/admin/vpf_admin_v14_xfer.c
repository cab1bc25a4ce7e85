/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Pipelined 1.4 parts transfers (doc/driver.md "The 1.4 dialect",
 * D-DRV14.10): each VF's transfer is a small state machine driven by the
 * completion callbacks of its one command, so the transfers of many VFs
 * are in flight at once through the engine (EAGAIN retries, deadlines,
 * recovery). Every path that created, or may have created, an object ends
 * with its DESTROY.
 *
 *   GET: CREATE(GET) -> METADATA_GET SIZE -> PARTS_GET ALL (ENOMEM: SIZE
 *        again, bounded) -> DESTROY
 *   SET: CREATE(SET) -> PARTS_SET -> DESTROY
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_pause.h>

#include "vpf_parts.h"
#include "admin_internal.h"

enum {
	X_IDLE = 0,
	X_CREATE,
	X_SIZE,
	X_GET,
	X_SET,
	X_DESTROY,
	X_DONE,
};

#define DESTROY_TRIES	3u

static void xfer_cb(struct vpf_admin_cmd *c);
static void step(struct vpf_admin_v14_xfer *x, int rc);

static void
finish(struct vpf_admin_v14_xfer *x)
{
	x->state = X_DONE;
	x->pending = 0;
}

static void
fail(struct vpf_admin_v14_xfer *x, int rc)
{
	if (x->rc == 0)
		x->rc = rc;
}

/* Queue the command prepared in x->cmd. A refusal for lack of a slot or
 * buffer (-EBUSY) waits for vpf_admin_v14_xfer_poll(); any other refusal
 * is that step's outcome. */
static void
submit(struct vpf_admin_v14_xfer *x)
{
	int rc;

	x->cmd.done = xfer_cb;
	x->cmd.arg = x;
	x->cmd.priv[0] = 0;
	x->cmd.priv[1] = 0;
	rc = vpf_admin_submit(x->pf, &x->cmd);
	if (rc == -EBUSY) {
		x->pending = 1;
		return;
	}
	x->pending = 0;
	if (rc < 0)
		step(x, rc);
}

static void
destroy(struct vpf_admin_v14_xfer *x)
{
	if (!admin_v14_obj_current(x->pf, &x->obj)) {
		/* Never created, or the device was reset since. */
		x->obj.valid = 0;
		finish(x);
		return;
	}
	x->state = X_DESTROY;
	memset(&x->cmd, 0, sizeof(x->cmd));
	admin_v14_prep_destroy(&x->cmd, &x->obj);
	submit(x);
}

static void
ask_size(struct vpf_admin_v14_xfer *x)
{
	x->state = X_SIZE;
	memset(&x->cmd, 0, sizeof(x->cmd));
	memset(x->meta, 0, sizeof(x->meta));
	admin_v14_prep_meta(&x->cmd, &x->obj, VPF_PARTS_META_SIZE, x->meta,
			    sizeof(x->meta));
	submit(x);
}

static void
step(struct vpf_admin_v14_xfer *x, int rc)
{
	struct vpf_pf *pf = x->pf;
	uint32_t v, post, got;

	switch (x->state) {
	case X_CREATE:
		rc = admin_v14_create_done(pf, &x->obj, rc);
		if (rc < 0) {
			fail(x, rc);
			destroy(x);	/* only if it may exist */
			return;
		}
		if (x->cancel) {
			fail(x, vpf_error(-ECANCELED, "parts transfer of VF %u cancelled",
					  x->vf));
			destroy(x);
			return;
		}
		if (x->kind == VPF_ADMIN_V14_XFER_GET) {
			ask_size(x);
			return;
		}
		x->state = X_SET;
		memset(&x->cmd, 0, sizeof(x->cmd));
		admin_v14_prep(&x->cmd, VPF_ADMIN_V14_OP_DEV_PARTS_SET,
			       VPF_ADMIN_GROUP_SRIOV, x->vf);
		x->cmd.data = x->setbuf;
		x->cmd.data_len = x->setlen;
		submit(x);
		return;
	case X_SIZE:
		if (rc == 0 && x->cancel)
			rc = vpf_error(-ECANCELED, "parts transfer of VF %u cancelled", x->vf);
		if (rc < 0) {
			fail(x, rc);
			destroy(x);
			return;
		}
		memcpy(&v, x->meta, 4);
		x->size = rte_le_to_cpu_32(v);
		post = RTE_MAX(ROUND8((uint64_t)x->size), 8u);
		if ((uint64_t)ROUND8((uint64_t)x->size) > x->cap ||
		    post > pf->params.max_chunk) {
			fail(x, vpf_error(-ENOSPC, "DEV_PARTS_GET of VF %u: the parts are up to %u bytes, the buffer has %u (max_chunk %u)",
					  x->vf, x->size, x->cap, pf->params.max_chunk));
			destroy(x);
			return;
		}
		x->state = X_GET;
		memset(&x->cmd, 0, sizeof(x->cmd));
		admin_v14_prep_get_all(&x->cmd, &x->obj, x->buf, RTE_MIN(post, x->cap));
		submit(x);
		return;
	case X_GET:
		if (rc == -ENOMEM && !x->cancel && x->enomem_left > 0) {
			/* The state grew after SIZE (D-DRV14.9). */
			x->enomem_left--;
			ask_size(x);
			return;
		}
		if (rc == -ENOMEM)
			rc = vpf_error(-ENOMEM, "DEV_PARTS_GET on VF %u: the parts outgrew SIZE %u times (last SIZE %u bytes)",
				       x->vf, VPF_ADMIN_V14_ENOMEM_RETRIES + 1, x->size);
		if (rc == 0) {
			got = RTE_MIN(x->cmd.result_written, x->cmd.result_len);
			rc = admin_v14_check_parts(pf, x->vf, x->buf, got, x->size);
			if (rc == 0)
				x->len = got;
		}
		if (rc < 0)
			fail(x, rc);
		destroy(x);
		return;
	case X_SET:
		if (rc < 0)
			fail(x, rc);
		destroy(x);
		return;
	case X_DESTROY:
		if ((rc == -ETIMEDOUT || rc == -ECANCELED) && x->destroy_left > 0 &&
		    admin_v14_obj_current(pf, &x->obj)) {
			/* The device may not have run it: again. */
			x->destroy_left--;
			memset(&x->cmd, 0, sizeof(x->cmd));
			admin_v14_prep_destroy(&x->cmd, &x->obj);
			submit(x);
			return;
		}
		rc = admin_v14_destroy_done(pf, &x->obj, rc);
		if (rc < 0)
			fail(x, rc);
		finish(x);
		return;
	default:
		finish(x);
		return;
	}
}

static void
xfer_cb(struct vpf_admin_cmd *c)
{
	struct vpf_admin_v14_xfer *x = c->arg;

	step(x, c->rc);
}

int
vpf_admin_v14_xfer_start(struct vpf_pf *pf, struct vpf_admin_v14_xfer *x)
{
	int rc;

	if (x == NULL)
		return vpf_error(-EINVAL, "no transfer");
	x->pf = pf;
	x->rc = 0;
	x->len = 0;
	x->cancel = 0;
	x->pending = 0;
	x->setbuf = NULL;
	x->setlen = 0;
	x->enomem_left = VPF_ADMIN_V14_ENOMEM_RETRIES;
	x->destroy_left = DESTROY_TRIES - 1;
	x->state = X_DONE;
	memset(&x->cmd, 0, sizeof(x->cmd));
	if (pf == NULL)
		return x->rc = vpf_error(-EINVAL, "no PF");
	if (x->kind == VPF_ADMIN_V14_XFER_GET && x->buf == NULL)
		return x->rc = vpf_error(-EINVAL, "parts transfer of VF %u: no buffer", x->vf);
	if (x->kind != VPF_ADMIN_V14_XFER_GET && x->kind != VPF_ADMIN_V14_XFER_SET)
		return x->rc = vpf_error(-EINVAL, "parts transfer kind %u", x->kind);
	rc = admin_v14_obj_take(pf, x->vf, x->kind == VPF_ADMIN_V14_XFER_GET ?
				VPF_PARTS_OBJ_GET : VPF_PARTS_OBJ_SET, &x->obj);
	if (rc < 0)
		return x->rc = rc;
	if (x->kind == VPF_ADMIN_V14_XFER_SET) {
		size_t cap = ROUND8((uint64_t)x->parts_len + VPF_PARTS_OBJ_HDR_SIZE);

		x->setbuf = malloc(cap);
		if (x->setbuf == NULL)
			rc = vpf_error(-ENOMEM, "out of memory for a %zu-byte PARTS_SET", cap);
		else
			rc = admin_v14_build_set(pf, &x->obj, x->parts, x->parts_len,
						 x->setbuf, cap, &x->setlen);
		if (rc < 0) {
			char keep[256];

			/* Nothing was sent: the id goes back. */
			snprintf(keep, sizeof(keep), "%s", vpf_last_error());
			admin_v14_destroy_done(pf, &x->obj, 0);
			free(x->setbuf);
			x->setbuf = NULL;
			return x->rc = vpf_error(rc, "%s", keep);
		}
	}
	x->state = X_CREATE;
	admin_v14_prep_create(&x->cmd, &x->obj);
	submit(x);
	return 0;
}

void
vpf_admin_v14_xfer_cancel(struct vpf_admin_v14_xfer *x)
{
	if (x != NULL)
		x->cancel = 1;
}

bool
vpf_admin_v14_xfer_done(const struct vpf_admin_v14_xfer *x)
{
	return x == NULL || x->state == X_DONE || x->state == X_IDLE;
}

void
vpf_admin_v14_xfer_fini(struct vpf_admin_v14_xfer *x)
{
	if (x == NULL)
		return;
	free(x->setbuf);
	x->setbuf = NULL;
}

int
vpf_admin_v14_xfer_poll(struct vpf_pf *pf, struct vpf_admin_v14_xfer *xs,
			uint32_t n)
{
	uint32_t i, left = 0;
	int rc;

	if (pf == NULL || (xs == NULL && n != 0))
		return vpf_error(-EINVAL, "no PF or no transfers");
	rc = vpf_admin_poll(pf);
	for (i = 0; i < n; i++) {
		struct vpf_admin_v14_xfer *x = &xs[i];

		if (x->pending && x->state != X_DONE) {
			if (rc < 0 && rc != -EDEADLK)
				step(x, rc);	/* the PF is unusable */
			else
				submit(x);
		}
		if (!vpf_admin_v14_xfer_done(x))
			left++;
	}
	if (rc < 0 && left == 0)
		return rc;
	return (int)left;
}

int
vpf_admin_v14_xfer_run(struct vpf_pf *pf, struct vpf_admin_v14_xfer *xs,
		       uint32_t n)
{
	uint32_t i;
	int left, first = 0;

	if (pf == NULL || (xs == NULL && n != 0))
		return vpf_error(-EINVAL, "no PF or no transfers");
	for (i = 0; i < n; i++)
		vpf_admin_v14_xfer_start(pf, &xs[i]);
	do {
		left = vpf_admin_v14_xfer_poll(pf, xs, n);
		if (left > 0)
			rte_pause();
	} while (left > 0);
	for (i = 0; i < n; i++) {
		if (xs[i].rc < 0 && first == 0)
			first = xs[i].rc;
	}
	if (first < 0)
		return vpf_error(first, "%s", vpf_last_error());
	return left < 0 ? left : 0;
}
