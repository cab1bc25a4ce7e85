/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The load stream of a destination VF (doc/protocol.md §7.4): RESUMING
 * feeds a streaming parser (mig_stream.c) that checks everything before a
 * context reaches the device; a precopy context is written as soon as its
 * record passed, the final one only after END (D-MIG.5). RESUMING -> STOP
 * is where an incomplete or invalid stream fails, with nothing applied.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mig_vf.h"

static int
load_cb(struct mig_parser *p, enum mig_ctx_kind kind, uint32_t round,
	const uint8_t *ctx, size_t len, void *arg)
{
	struct mig_vf *v = arg;

	(void)p;
	(void)round;
	if (kind == MIG_CTX_PRECOPY && !v->load.precopy_write)
		return 0;
	/* Only the newest complete context matters: the device applies the
	 * most recent complete one (doc/protocol.md §4.6, D-MIG.7). */
	mig_buf_reset(&v->load.pend);
	if (mig_buf_append(&v->load.pend, ctx, len))
		return vpf_error(-ENOMEM, "out of memory");
	v->load.pend_valid = true;
	v->load.pend_final = kind == MIG_CTX_FINAL;
	return 0;
}

int
mig_local_load_begin(struct mig_vf *v)
{
	if (mig_is_v14(v->m)) {
		/* Parts sets only; each is checked when its record is
		 * complete and again by the device (doc/protocol.md §10). */
		mig_parser_init(&v->load.parser, NULL, 0, load_cb, v);
		v->load.parser.expect_kind = MIG_EXPECT_PARTS;
		/* (a pre-flight summarised its parts, D-MIG14.20) */
		v->load.parser.expect_queues = v->pre.num_queues;
	} else {
		if (!v->fields_valid)
			MIG_LOG(WARNING, v->m->pf, "VF %u has no DEV_CTX_FIELDS_QUERY: load streams are checked for form only, not against the device's fields",
				v->vf);
		mig_parser_init(&v->load.parser,
				v->fields_valid ? v->fields : NULL,
				v->fields_valid ? v->nfields : 0, load_cb, v);
		/* The queue count is known once a pre-flight read this
		 * VF's context; feature bits only the pre-flight compares
		 * (the PFs' offers: a VF's are not readable through admin
		 * commands). */
		v->load.parser.expect_queues = v->pre.num_queues;
		v->load.parser.expect_kind = MIG_EXPECT_CTX;
	}
	v->load.parser.expect_vendor = v->m->info.vendor_id;
	v->load.parser.expect_device = v->m->info.device_id;
	v->load.active = true;
	v->load.err = 0;
	v->load.pend_valid = false;
	v->load.final_written = false;
	v->load.loaded = false;
	v->load.total = 0;
	v->load.ctx_written = 0;
	v->state = S_RES;
	return 0;
}

static int
local_state_stop_after_fail(struct mig_vf *v)
{
	v->load.active = false;
	if (v->written || v->partial) {
		/* The DISCARD failed: a later MODE_SET out of Freeze would
		 * apply what was written. ERROR is left only by reset
		 * (vpf_mig_reset() DISCARDs before it leaves Freeze). */
		char why[128];

		mig_err_quote(v, why, sizeof(why));
		snprintf(v->err, sizeof(v->err),
			 "VF %u: RESUMING -> STOP failed and the written context could not be discarded (%s): ERROR",
			 v->vf, why);
		v->state = S_ERR;
		return 0;
	}
	v->state = S_STOP;
	return 0;
}

int
mig_load_exit_check(struct mig_vf *v, const char *what)
{
	int rc = 0;

	if (v->load.err)
		rc = v->load.err;
	else if (v->load.parser.state != MIG_P_DONE)
		rc = mig_parser_finish(&v->load.parser);
	else if (!v->load.final_written)
		rc = vpf_error(-ENODATA, "final %s not written", what);
	if (rc == 0) {
		v->load.active = false;
		v->load.loaded = true;
		v->state = S_STOP;
		return 0;
	}
	mig_vf_fail(v, rc, "VF %u: RESUMING -> STOP: load stream %s: %s",
		    v->vf, rc == -ENODATA ? "incomplete" : "invalid",
		    v->load.parser.state == MIG_P_FAILED ? v->load.parser.errmsg :
		    vpf_last_error());
	mig_op_replan_fail(v, rc);
	return rc;
}

int
mig_local_resuming_exit(struct mig_vf *v)
{
	/* D-7.4: an incomplete or invalid load stream fails here with
	 * nothing applied. */
	if (mig_load_exit_check(v, "context") == 0)
		return 0;
	mig_op_add(v, ACT_DISCARD_FORCE, 0, STEP_F_BEST_EFFORT | STEP_F_RETRY,
		   NULL);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_state_stop_after_fail);
	return 0;
}

int
mig_load_feed(struct mig_vf *v, const void *buf, size_t len)
{
	int rc;

	if (v->state != S_RES || !v->load.active)
		return mig_vf_fail(v, -EPERM, "VF %u: load stream only in RESUMING (now %s)",
				   v->vf, vpf_mig_state_name(v->state));
	if (v->load.err)
		return vpf_error(v->load.err, "VF %u: load stream already failed: %s",
				 v->vf, v->err);
	rc = mig_parser_feed(&v->load.parser, buf, len);
	if (rc) {
		v->load.err = rc;
		snprintf(v->err, sizeof(v->err), "VF %u: %s", v->vf,
			 v->load.parser.state == MIG_P_FAILED ? v->load.parser.errmsg :
			 vpf_last_error());
		return vpf_error(rc, "%s", v->err);
	}
	v->load.total += len;
	return 0;
}

int
mig_load_kick(struct mig_vf *v, vpf_mig_done_t done, void *arg)
{
	int rc = mig_op_begin(v, done, arg);

	if (rc)
		return rc;
	if (v->load.pend_valid && mig_is_v14(v->m))
		mig_op_add(v, ACT_V14_PARTS_SET, MIG_V14_SET_LOAD, 0, NULL);
	else if (v->load.pend_valid)
		mig_op_add(v, ACT_WRITE_CTX, 0, 0, NULL);
	mig_op_start(v);
	return 0;
}

int
vpf_mig_load_write_async(struct vpf_mig *m, uint16_t vf, const void *buf,
			 size_t len, vpf_mig_done_t done, void *arg)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	int rc;

	if (v == NULL)
		return -EINVAL;
	if (buf == NULL && len)
		return vpf_error(-EINVAL, "load_write: NULL buffer");
	if (mig_vf_busy(v))
		return vpf_error(-EBUSY, "VF %u: an operation is running", vf);
	rc = mig_load_feed(v, buf, len);
	if (rc)
		return rc;
	return mig_load_kick(v, done, arg);
}

int
vpf_mig_load_write(struct vpf_mig *m, uint16_t vf, const void *buf,
		   size_t len)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	int rc;

	if (v == NULL)
		return -EINVAL;
	rc = vpf_mig_load_write_async(m, vf, buf, len, NULL, NULL);
	if (rc)
		return rc;
	return mig_op_wait(v);
}

int
vpf_mig_load_precopy_write(struct vpf_mig *m, uint16_t vf, bool write)
{
	struct mig_vf *v = mig_vf_get(m, vf);

	if (v == NULL)
		return -EINVAL;
	v->load.precopy_write = write;
	return 0;
}

