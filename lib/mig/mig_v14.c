/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The single-VF migration API on a PF of the virtio 1.4 device-parts
 * dialect (doc/migration.md "The virtio 1.4 dialect", doc/protocol.md
 * §10.8, D-MIG14.n), behind the same calls and states as the draft:
 *
 *   RUNNING -> RUNNING_P2P, PRE_COPY -> PRE_COPY_P2P   MODE_SET stop
 *   RUNNING_P2P -> RUNNING, PRE_COPY_P2P -> PRE_COPY   MODE_SET resume
 *   RUNNING_P2P <-> STOP                               nothing
 *   entering STOP_COPY, PRE_COPY, PRE_COPY_P2P         CREATE(GET) unless
 *       held, METADATA SIZE, PARTS_GET ALL: a parts record
 *   each precopy round                                 SIZE + PARTS_GET
 *   STOP -> RESUMING   CREATE(GET), the VF's own parts (kept), DESTROY,
 *                      CREATE(SET); each complete set received: PARTS_SET
 *   leaving a save state or RESUMING, any failure      DESTROY
 *
 * The device has no MODE_GET and nothing like DISCARD: what the library
 * sent is the mode, and a load that does not complete is undone by
 * setting the VF's own parts back before it resumes.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vpf_parts.h"
#include "mig_journal.h"
#include "mig_vf.h"

#define V14_ROUND8(x)	(((x) + 7u) & ~(uint64_t)7u)
/* RESOURCE_OBJ_DESTROY without a device answer is sent again this often
 * (the device may not have run it). */
#define V14_DESTROY_TRIES	3u

static struct mig_v14_obj *
v14_obj(struct mig_vf *v, uint8_t kind)
{
	return (kind & ~MIG_V14_RESTORE) == VPF_PARTS_OBJ_SET ? &v->v14.set :
	       &v->v14.get;
}

static const char *
kind_name(uint8_t kind)
{
	return (kind & ~MIG_V14_RESTORE) == VPF_PARTS_OBJ_SET ? "SET" : "GET";
}

bool
mig_v14_holds(const struct mig_vf *v)
{
	return v->v14.get.o.valid || v->v14.set.o.valid;
}

/* ---------------------------------------------------------------------------
 * RESOURCE_OBJ_CREATE
 * ------------------------------------------------------------------------- */

int
mig_v14_create_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_v14_obj *ob = v14_obj(v, st->arg);
	uint8_t kind = st->arg & ~MIG_V14_RESTORE;
	int rc;

	if ((st->arg & MIG_V14_RESTORE) && !v->v14.load_dirty)
		return 1;	/* nothing to set back */
	if (ob->o.valid && ob->made)
		return 1;	/* kept (PRE_COPY_P2P -> STOP_COPY, rounds) */
	if (!ob->o.valid) {
		/* The id is taken once: a prep repeated after -EBUSY finds
		 * it; a submit that fails gives it back (create_failed). */
		rc = vpf_admin_v14_obj_alloc(v->m->pf, v->vf, kind, &ob->o);
		if (rc)
			return mig_vf_fail(v, rc, "VF %u: no device-parts %s object: %s",
					   v->vf, kind_name(kind),
					   vpf_last_error());
	}
	vpf_admin_v14_prep_obj_create(&v->cmd, &ob->o);
	return 0;
}

int
mig_v14_create_done(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_v14_obj *ob = v14_obj(v, st->arg);
	int rc = vpf_admin_v14_obj_create_done(v->m->pf, &ob->o, 0);

	ob->made = ob->o.valid;
	if (rc)
		return mig_vf_fail(v, rc, "VF %u: RESOURCE_OBJ_CREATE: %s", v->vf,
				   vpf_last_error());
	return 0;
}

void
mig_v14_create_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		      bool sent)
{
	struct mig_v14_obj *ob = v14_obj(v, st->arg);

	if (!ob->o.valid || ob->made)
		return;
	if (sent) {
		/* An unknown outcome keeps the id (it may exist): the
		 * DESTROY of the failure's cleanup removes it. */
		(void)vpf_admin_v14_obj_create_done(v->m->pf, &ob->o, rc);
		ob->made = ob->o.valid;
	} else {
		/* Never sent: the id goes back. */
		(void)vpf_admin_v14_obj_destroy_done(v->m->pf, &ob->o, 0);
	}
}


/* ---------------------------------------------------------------------------
 * RESOURCE_OBJ_DESTROY
 * ------------------------------------------------------------------------- */

int
mig_v14_destroy_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_v14_obj *ob = v14_obj(v, st->arg);

	if (!ob->o.valid)
		return 1;
	if (!ob->made || !vpf_admin_v14_obj_live(v->m->pf, &ob->o)) {
		/* Never created, or the device was reset since (it holds
		 * no object): released without a command. */
		(void)vpf_admin_v14_obj_destroy_done(v->m->pf, &ob->o, 0);
		ob->made = false;
		return 1;
	}
	if (!v->step_cont)
		v->v14.destroy_left = V14_DESTROY_TRIES - 1;
	vpf_admin_v14_prep_obj_destroy(&v->cmd, &ob->o);
	return 0;
}

int
mig_v14_destroy_done(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_v14_obj *ob = v14_obj(v, st->arg);

	(void)vpf_admin_v14_obj_destroy_done(v->m->pf, &ob->o, 0);
	ob->made = false;
	return 0;
}

bool
mig_v14_destroy_again(struct mig_vf *v, const struct mig_step *st,
		      int rc)
{
	struct mig_v14_obj *ob = v14_obj(v, st->arg);

	/* No answer: the device may not have run it. */
	if ((rc == -ETIMEDOUT || rc == -ECANCELED) &&
	    v->v14.destroy_left > 0 &&
	    vpf_admin_v14_obj_live(v->m->pf, &ob->o)) {
		v->v14.destroy_left--;
		return true;
	}
	return false;
}

void
mig_v14_destroy_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		       bool sent)
{
	struct mig_v14_obj *ob = v14_obj(v, st->arg);

	(void)sent;
	if (!ob->o.valid)
		return;
	/* ENXIO counts as destroyed; otherwise the id stays out of use
	 * until the device is next reset (D-DRV14.8). Either way the
	 * handle is gone. */
	(void)vpf_admin_v14_obj_destroy_done(v->m->pf, &ob->o, rc);
	ob->made = false;
}


/* ---------------------------------------------------------------------------
 * METADATA_GET SIZE, then PARTS_GET ALL
 * ------------------------------------------------------------------------- */

static struct mig_buf *
read_buf(struct mig_vf *v, const struct mig_step *st)
{
	return st->arg == MIG_V14_INTO_PRIOR ? &v->v14.prior : &v->ctx;
}

int
mig_v14_read_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_v14 *x = &v->v14;

	if (!v->step_cont) {
		x->read_get = false;
		x->enomem_left = VPF_ADMIN_V14_ENOMEM_RETRIES;
	}
	if (!x->get.o.valid || !x->get.made)
		return mig_vf_fail(v, -EIO, "VF %u: no device-parts GET object",
				   v->vf);
	if (!x->read_get) {
		memset(x->meta, 0, sizeof(x->meta));
		vpf_admin_v14_prep_meta_get(&v->cmd, &x->get.o,
					    VPF_PARTS_META_SIZE, x->meta,
					    sizeof(x->meta));
		return 0;
	}
	vpf_admin_v14_prep_parts_get_all(&v->cmd, &x->get.o,
					 read_buf(v, st)->p, x->post);
	return 0;
}

int
mig_v14_read_done(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_v14 *x = &v->v14;
	struct mig_buf *b = read_buf(v, st);
	const struct vpf_admin_cmd *c = &v->cmd;
	uint32_t got, max = vpf_admin_max_chunk(v->m->pf);
	uint64_t post;

	if (!x->read_get) {
		if (c->result_written < 4)
			return mig_vf_fail(v, -EIO, "VF %u: DEV_PARTS_METADATA_GET SIZE returned %u bytes",
					   v->vf, c->result_written);
		x->size = vpf_le32_load(x->meta);
		post = V14_ROUND8((uint64_t)x->size);
		if (post < 8)
			post = 8;
		if (post > max || post > VPF_MIG_REC_MAX)
			return mig_vf_fail(v, -ENOSPC,
					   "VF %u: the device parts are up to %u bytes: more than a command result (max_chunk %u) or a stream record (%u) holds",
					   v->vf, x->size, max, VPF_MIG_REC_MAX);
		/* Sized once: the buffer only grows when the parts do
		 * (mig_vf_prefault() sized it before the downtime). */
		mig_buf_reset(b);
		if (mig_buf_reserve(b, (size_t)post))
			return mig_vf_fail(v, -ENOMEM, "VF %u: out of memory for the parts",
					   v->vf);
		x->post = (uint32_t)post;
		x->read_get = true;
		return 1;
	}
	/* The device is untrusted: no longer than posted or said, and a
	 * valid parts set, before it goes anywhere. */
	got = c->result_written < c->result_len ? c->result_written :
	      c->result_len;
	if (got > x->size)
		return mig_vf_fail(v, -EIO,
				   "VF %u: DEV_PARTS_GET returned %u bytes, SIZE said at most %u",
				   v->vf, got, x->size);
	if (vpf_admin_v14_parts_check(v->m->pf, v->vf, b->p, got))
		return mig_vf_fail(v, -EIO, "VF %u: device returned malformed parts: %s",
				   v->vf, vpf_last_error());
	b->len = got;
	if (st->arg == MIG_V14_INTO_PRIOR)
		x->prior_valid = true;
	/* What precopy reports: the whole state each round, nothing
	 * incremental (D-MIG14.6). */
	v->size_cur = x->size;
	v->size_frz = 0;
	return 0;
}

bool
mig_v14_read_again(struct mig_vf *v, const struct mig_step *st, int rc)
{
	struct mig_v14 *x = &v->v14;

	(void)st;
	/* The parts grew after SIZE: SIZE again, a bounded number of
	 * times (D-DRV14.9). */
	if (rc == -ENOMEM && x->read_get && x->enomem_left > 0) {
		x->enomem_left--;
		x->read_get = false;
		return true;
	}
	return false;
}


/* ---------------------------------------------------------------------------
 * DEV_PARTS_SET
 * ------------------------------------------------------------------------- */

int
mig_v14_parts_set_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_v14 *x = &v->v14;
	struct mig_load *ld = &v->load;
	const struct mig_buf *src;
	uint32_t dlen = 0;
	uint64_t cap;
	int rc;

	if (st->arg == MIG_V14_SET_PRIOR) {
		if (!x->load_dirty)
			return 1;
		if (!x->prior_valid)
			return mig_vf_fail(v, -EIO, "VF %u: its own parts were not read: they cannot be set back",
					   v->vf);
		src = &x->prior;
	} else {
		if (!ld->pend_valid)
			return 1;
		src = &ld->pend;
	}
	if (!x->set.o.valid || !x->set.made)
		return mig_vf_fail(v, -EIO, "VF %u: no device-parts SET object",
				   v->vf);
	cap = V14_ROUND8((uint64_t)src->len + VPF_PARTS_OBJ_HDR_SIZE);
	if (src->len > UINT32_MAX - VPF_PARTS_OBJ_HDR_SIZE - 8u)
		return mig_vf_fail(v, -EINVAL, "VF %u: a %zu-byte parts set",
				   v->vf, src->len);
	mig_buf_reset(&x->sbuf);
	if (mig_buf_reserve(&x->sbuf, (size_t)cap))
		return mig_vf_fail(v, -ENOMEM, "VF %u: out of memory", v->vf);
	rc = vpf_admin_v14_parts_set_build(v->m->pf, &x->set.o, src->p,
					   (uint32_t)src->len, x->sbuf.p,
					   x->sbuf.cap, &dlen);
	if (rc)
		return mig_vf_fail(v, rc, "VF %u: DEV_PARTS_SET: %s", v->vf,
				   vpf_last_error());
	x->sbuf.len = dlen;
	x->slen = src->len;
	x->sfinal = st->arg == MIG_V14_SET_LOAD && ld->pend_final;
	vpf_admin_v14_prep_parts_set(&v->cmd, &x->set.o, x->sbuf.p, dlen);
	return 0;
}

void
mig_v14_parts_set_commit(struct mig_vf *v, const struct mig_step *st,
			 bool on)
{
	struct mig_v14 *x = &v->v14;

	if (st->arg != MIG_V14_SET_LOAD)
		return;
	/* pend is taken when the set goes on the queue (a prep repeated
	 * after -EBUSY must find it); from then on the device may hold
	 * the load's parts as its pending set. */
	v->load.pend_valid = !on;
	if (on) {
		x->load_dirty_prev = x->load_dirty;
		x->load_dirty = true;
	} else {
		x->load_dirty = x->load_dirty_prev;
	}
}

int
mig_v14_parts_set_done(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_v14 *x = &v->v14;

	if (st->arg == MIG_V14_SET_PRIOR) {
		x->load_dirty = false;
		v->load.loaded = false;
		return 0;
	}
	v->load.ctx_written += x->slen;
	if (x->sfinal)
		v->load.final_written = true;
	return 0;
}

void
mig_v14_parts_set_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		 bool sent)
{
	(void)sent;
	if (st->arg == MIG_V14_SET_LOAD && v->load.active &&
	    v->load.err == 0)
		v->load.err = rc;
}


/* ---------------------------------------------------------------------------
 * DEV_MODE_SET: stop and resume
 * ------------------------------------------------------------------------- */

static bool
mode_stopped(uint8_t mode)
{
	return mode != VPF_DEV_MODE_ACTIVE;
}

int
mig_v14_mode_set_prep(struct mig_vf *v, const struct mig_step *st)
{
	bool stop = mode_stopped(st->arg);

	/* STOP and FREEZE are both "stopped" on the device: between them
	 * only the library's record changes (D-MIG14.2). */
	if (v->mode != MIG_MODE_UNKNOWN && mode_stopped(v->mode) == stop &&
	    !(st->flags & STEP_F_FORCE)) {
		v->mode = st->arg;
		return 1;
	}
	if (!stop && (st->flags & STEP_F_NO_APPLY) && v->v14.load_dirty) {
		/* Resuming now would apply parts of a load that did not
		 * complete: the VF stays stopped (D-MIG14.4). */
		char why[96];

		mig_err_quote(v, why, sizeof(why));
		return mig_vf_fail(v, -EIO,
				   "VF %u stays stopped: the parts of an incomplete load could not be replaced by its own and resuming would apply them (%s)",
				   v->vf, why[0] ? why : "DEV_PARTS_SET failed");
	}
	if (!v->moved) {
		v->orig_mode = v->mode == MIG_MODE_UNKNOWN ?
			       VPF_DEV_MODE_ACTIVE : v->mode;
		v->moved = true;
	}
	vpf_admin_v14_prep_mode_set(&v->cmd, v->vf, stop);
	return 0;
}

void
mig_v14_mode_set_commit(struct mig_vf *v, const struct mig_step *st, bool on)
{
	/* The downtime runs from the source's stop to the destination's
	 * resume (D-MIG14.7). */
	if (on && mode_stopped(st->arg))
		v->t_freeze_issue = vpf_now_ns();
}

int
mig_v14_mode_set_done(struct mig_vf *v, const struct mig_step *st)
{
	v->mode = st->arg;
	if (!mode_stopped(st->arg)) {
		/* A pending set was applied: whatever it was, it is the
		 * VF's state now. */
		v->v14.load_dirty = false;
		v->load.loaded = false;
		v->t_active_done = vpf_now_ns();
		/* The stop mark goes with the next journal write; left in
		 * the file it only makes a restart report the VF and send
		 * it a resume (harmless on a running VF). */
		(void)mig_journal_stop_set(v->m, v->vf, false);
	}
	return 0;
}

static int
local_mode_known(struct mig_vf *v)
{
	v->state = mig_plain_state(v->mode);
	return 0;
}

void
mig_v14_mode_lost(struct mig_vf *v, const struct mig_step *st)
{
	/* There is no MODE_GET: send the same MODE_SET again (stop on a
	 * stopped VF and resume on a running one succeed); the mode stays
	 * unknown, and the VF in ERROR, if that fails too (D-MIG14.2). */
	v->mode = MIG_MODE_UNKNOWN;
	if (v->v14.mode_retried || v->nsteps + 2 > MIG_STEPS_MAX)
		return;
	v->v14.mode_retried = true;
	memmove(&v->steps[v->istep + 3], &v->steps[v->istep + 1],
		(size_t)(v->nsteps - v->istep - 1) * sizeof(v->steps[0]));
	memset(&v->steps[v->istep + 1], 0, 2 * sizeof(v->steps[0]));
	v->steps[v->istep + 1].act = ACT_MODE_SET;
	v->steps[v->istep + 1].arg = st->arg;
	v->steps[v->istep + 1].flags = STEP_F_FORCE;
	v->steps[v->istep + 2].act = ACT_LOCAL;
	v->steps[v->istep + 2].fn = local_mode_known;
	v->nsteps += 2;
}

void
mig_v14_fail_tidy(struct mig_vf *v)
{
	if (v->v14.get.o.valid)
		mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET, 0, NULL);
	if (v->v14.set.o.valid)
		mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_SET, 0, NULL);
}

/* ---------------------------------------------------------------------------
 * Plans
 * ------------------------------------------------------------------------- */

static int
local_stop_mark(struct mig_vf *v)
{
	/* Only when a stop will be sent (the mode the library recorded is
	 * the device's: D-MIG14.2). */
	if ((v->mode == MIG_MODE_UNKNOWN || !mode_stopped(v->mode)) &&
	    mig_stop_mark_async(v) == 1)
		return -EINPROGRESS;	/* mig_steps.c runs it again */
	return 0;
}

static int
local_prior_begin(struct mig_vf *v)
{
	/* (load_dirty stays: a set of an earlier load may still be
	 * pending; a failed load replaces it by the VF's own too) */
	v->v14.prior_valid = false;
	return 0;
}

/* The load did not complete: its parts are replaced by the VF's own, and
 * the VF is STOP; or ERROR when that failed (a resume would apply the
 * load's parts; vpf_mig_reset() tries again). */
static int
local_res_fail_end(struct mig_vf *v)
{
	v->load.active = false;
	if (v->v14.load_dirty) {
		char why[128];

		mig_err_quote(v, why, sizeof(why));
		snprintf(v->err, sizeof(v->err),
			 "VF %u: RESUMING -> STOP failed and its own parts could not be set back (%s): ERROR, left stopped",
			 v->vf, why);
		v->state = S_ERR;
		return 0;
	}
	v->state = S_STOP;
	return 0;
}

static int
local_resuming_exit(struct mig_vf *v)
{
	if (mig_load_exit_check(v, "parts set") == 0)
		return 0;
	/* Its own parts back (D-MIG14.4), then no object left. */
	mig_op_add(v, ACT_V14_CREATE, VPF_PARTS_OBJ_SET | MIG_V14_RESTORE, 0,
		   NULL);
	mig_op_add(v, ACT_V14_PARTS_SET, MIG_V14_SET_PRIOR, 0, NULL);
	mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET, 0, NULL);
	mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_SET, 0, NULL);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_res_fail_end);
	return 0;
}

int
mig_v14_set_state_plan(struct mig_vf *v, enum vpf_mig_state from,
		       enum vpf_mig_state target, bool keep,
		       mig_local_fn plain_state, mig_local_fn target_state)
{
	uint8_t tmode = vpf_mig_state_mode(target);
	/* A destination resumed after its load drops its objects after the
	 * resume: the guest's downtime does not wait for them (D-MIG14.25).
	 * A failed resume destroys them as any failed step does. */
	bool late = from == S_RES && !mode_stopped(tmode);
	bool defer = late && v->v14.keep_objs;

	v->v14.mode_retried = false;
	v->v14.keep_objs = false;
	/* Exit actions of the state left. */
	if (from == S_RES)
		mig_op_add(v, ACT_LOCAL, 0, 0, local_resuming_exit);
	if (from == S_RES && !late) {
		mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET,
			   STEP_F_BEST_EFFORT, NULL);
		mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_SET,
			   STEP_F_BEST_EFFORT, NULL);
	}
	if (mig_is_save(from) && !keep) {
		mig_op_add(v, ACT_LOCAL, 0, 0, mig_session_drop);
		mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET,
			   STEP_F_BEST_EFFORT, NULL);
	}

	/* The walk's mode changes, coalesced: a stop (journaled first) or
	 * a resume, or nothing between the stopped states. */
	if (mode_stopped(tmode))
		mig_op_add(v, ACT_LOCAL, 0, 0, local_stop_mark);
	mig_op_add(v, ACT_MODE_SET, tmode, 0, NULL);
	mig_op_add(v, ACT_LOCAL, 0, 0, plain_state);
	if (late && !defer) {
		mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET,
			   STEP_F_BEST_EFFORT, NULL);
		mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_SET,
			   STEP_F_BEST_EFFORT, NULL);
	}

	/* Entry actions of the target. */
	switch (target) {
	case S_SC:
		mig_op_add(v, ACT_V14_CREATE, VPF_PARTS_OBJ_GET, 0, NULL);
		mig_op_add(v, ACT_V14_READ, MIG_V14_INTO_CTX, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_save_final);
	case S_PC:
	case S_PCP:
		mig_op_add(v, ACT_V14_CREATE, VPF_PARTS_OBJ_GET, 0, NULL);
		mig_op_add(v, ACT_V14_READ, MIG_V14_INTO_CTX, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_save_round);
	case S_RES:
		/* The destination's own parts, kept to set them back if
		 * the load does not complete (D-MIG14.4). */
		mig_op_add(v, ACT_LOCAL, 0, 0, local_prior_begin);
		mig_op_add(v, ACT_V14_CREATE, VPF_PARTS_OBJ_GET, 0, NULL);
		mig_op_add(v, ACT_V14_READ, MIG_V14_INTO_PRIOR, 0, NULL);
		mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET, 0, NULL);
		mig_op_add(v, ACT_V14_CREATE, VPF_PARTS_OBJ_SET, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_load_begin);
	default:
		return mig_op_add(v, ACT_LOCAL, 0, 0, target_state);
	}
}

int
mig_v14_abort_plan(struct mig_vf *v, uint8_t mode, bool force,
		   mig_local_fn begin, mig_local_fn end)
{
	v->v14.mode_retried = false;
	mig_op_add(v, ACT_LOCAL, 0, 0, begin);
	/* A load's parts that may be pending are replaced by the VF's own
	 * before it resumes (D-MIG14.4); then no object is left. */
	mig_op_add(v, ACT_V14_CREATE, VPF_PARTS_OBJ_SET | MIG_V14_RESTORE,
		   STEP_F_BEST_EFFORT, NULL);
	mig_op_add(v, ACT_V14_PARTS_SET, MIG_V14_SET_PRIOR, STEP_F_BEST_EFFORT,
		   NULL);
	mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET, STEP_F_BEST_EFFORT,
		   NULL);
	mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_SET, STEP_F_BEST_EFFORT,
		   NULL);
	if (mode_stopped(mode))
		mig_op_add(v, ACT_LOCAL, 0, 0, local_stop_mark);
	mig_op_add(v, ACT_MODE_SET, mode,
		   STEP_F_NO_APPLY | (force ? STEP_F_FORCE : 0), NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, end);
}

int
mig_v14_precopy_round_plan(struct mig_vf *v)
{
	v->v14.mode_retried = false;
	/* The whole state again: 1.4 has nothing incremental (D-MIG14.6). */
	mig_op_add(v, ACT_V14_CREATE, VPF_PARTS_OBJ_GET, 0, NULL);
	mig_op_add(v, ACT_V14_READ, MIG_V14_INTO_CTX, 0, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_save_round);
}

int
mig_v14_tidy_plan(struct mig_vf *v)
{
	mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET, STEP_F_BEST_EFFORT,
		   NULL);
	return mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_SET,
			  STEP_F_BEST_EFFORT, NULL);
}

struct mig_buf *
mig_v14_prefault_buf(struct mig_vf *v, unsigned int i)
{
	switch (i) {
	case 0:
		return &v->ctx;
	case 1:
		return &v->v14.sbuf;
	default:
		return NULL;
	}
}

void
mig_v14_free(struct mig_vf *v)
{
	mig_buf_free(&v->v14.prior);
	mig_buf_free(&v->v14.sbuf);
}
