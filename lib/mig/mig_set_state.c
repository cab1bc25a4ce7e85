/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The operations that move a VF between states (doc/protocol.md §7.2,
 * §7.5): set_state walks the VFIO arcs with one MODE_SET of the target's
 * mode (D-MIG.2) plus the exit actions of the state left and the entry
 * actions of the target; abort and recover bring a VF back to the mode it
 * had, never applying a written context on the way (D-MIG.6).
 */

#include <errno.h>
#include <string.h>

#include "mig_journal.h"
#include "mig_vf.h"

static int
local_plain_state(struct mig_vf *v)
{
	v->state = mig_plain_state(v->mode == MIG_MODE_UNKNOWN ?
			       vpf_mig_state_mode(v->target) : v->mode);
	return 0;
}

static int
local_target_state(struct mig_vf *v)
{
	v->state = v->target;
	if (v->state == S_RUN) {
		/* Running is where a VF is restored to: nothing is left to
		 * put back, also for a VF first found stopped (orig_mode
		 * Stop or Freeze) that the caller resumed; a later failure
		 * must not stop it again (soak finding 1). */
		mig_vf_clear_complete(v);
		v->moved = false;
	}
	return 0;
}

int
mig_set_state_plan(struct mig_vf *v, enum vpf_mig_state target)
{
	enum vpf_mig_state path[VPF_MIG_PATH_MAX];
	enum vpf_mig_state from = v->state;
	bool keep = mig_is_save(from);
	int n, i;

	if (!mig_state_ok(target) || target == S_ERR)
		return mig_vf_fail(v, -EPERM, "VF %u: %s cannot be requested",
				   v->vf, vpf_mig_state_name(target));
	if (from == S_ERR)
		return mig_vf_fail(v, -EPERM,
				   "VF %u is in ERROR: only vpf_mig_reset() leaves it",
				   v->vf);
	n = vpf_mig_path(from, target, path, VPF_MIG_PATH_MAX);
	if (n < 0)
		return mig_vf_fail(v, n, "VF %u: %s", v->vf, vpf_last_error());
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		keep = keep && mig_is_save(path[i]);
	v->target = target;
	if (mig_is_v14(v->m))
		return mig_v14_set_state_plan(v, from, target, keep,
					      local_plain_state,
					      local_target_state);

	/* Exit actions of the state left. */
	if (from == S_RES)
		mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_resuming_exit);
	if (mig_is_save(from) && !keep)
		mig_op_add(v, ACT_LOCAL, 0, 0, mig_session_drop);

	/* The walk's mode changes, coalesced into the last one. */
	mig_op_add(v, ACT_MODE_SET, vpf_mig_state_mode(target), 0, NULL);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_plain_state);

	/* Entry actions of the target. */
	switch (target) {
	case S_SC:
		mig_op_add(v, ACT_FIELDS_QUERY, 0, 0, NULL);
		mig_op_add(v, ACT_DISCARD, 0, 0, NULL);
		mig_op_add(v, ACT_READ_CTX, 0, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_save_final);
	case S_PC:
	case S_PCP:
		mig_op_add(v, ACT_FIELDS_QUERY, 0, 0, NULL);
		mig_op_add(v, ACT_DISCARD, 0, 0, NULL);
		mig_op_add(v, ACT_SIZE_GET, 0, 0, NULL);
		mig_op_add(v, ACT_READ_CTX, 0, 0, NULL);
		mig_op_add(v, ACT_SIZE_GET, 1, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_save_round);
	case S_RES:
		mig_op_add(v, ACT_DISCARD, 0, 0, NULL);
		mig_op_add(v, ACT_FIELDS_QUERY, 0, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_load_begin);
	default:
		return mig_op_add(v, ACT_LOCAL, 0, 0, local_target_state);
	}
}

static int
plan_set_state(struct mig_vf *v, const void *target)
{
	return mig_set_state_plan(v, *(const enum vpf_mig_state *)target);
}

int
vpf_mig_set_state_async(struct vpf_mig *m, uint16_t vf,
			enum vpf_mig_state target, vpf_mig_done_t done,
			void *arg)
{
	return mig_run(m, vf, plan_set_state, &target, done, arg, false);
}

int
vpf_mig_set_state(struct vpf_mig *m, uint16_t vf, enum vpf_mig_state target)
{
	return mig_run(m, vf, plan_set_state, &target, NULL, NULL, true);
}

int
vpf_mig_get_state(const struct vpf_mig *m, uint16_t vf,
		  enum vpf_mig_state *state)
{
	const struct mig_vf *v = mig_vf_get(m, vf);

	if (v == NULL)
		return -EINVAL;
	if (state == NULL)
		return vpf_error(-EINVAL, "get_state: NULL");
	*state = v->state;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Abort, recover, complete
 * ------------------------------------------------------------------------- */

static int
local_abort_begin(struct mig_vf *v)
{
	/* From here on every step is cleanup: a failure is noted and the
	 * next step still runs. */
	v->failing = true;
	mig_session_drop(v);
	v->load.active = false;
	v->load.err = 0;
	v->load.pend_valid = false;
	v->load.final_written = false;
	/* (load.loaded stays until the load is dropped, set back or
	 * resumed: a cleanup that fails before that leaves it adoptable) */
	v->v14.keep_objs = false;
	return 0;
}

static int
local_abort_end(struct mig_vf *v)
{
	mig_wr_cleanup_note(v);
	v->state = mig_plain_state(v->mode);
	if (v->op_rc == 0) {
		v->moved = false;
		/* Only a VF that runs here again loses its mark: an abort
		 * that leaves a migrated source stopped (it was not moved
		 * by this process) must not make it resumable (D-JRN.4). */
		if (v->mode == VPF_DEV_MODE_ACTIVE)
			mig_vf_clear_complete(v);
	}
	return 0;
}

int
mig_abort_plan(struct mig_vf *v)
{
	uint8_t mode = v->moved ? v->orig_mode :
		       v->mode == MIG_MODE_UNKNOWN ? VPF_DEV_MODE_ACTIVE :
		       v->mode;
	/* A VF the attach scan found outside Active and left there: the
	 * migration it was in was an owner's that died; undoing it means
	 * Active, as vpf_mig_recover() does (D-JRN.5). */
	bool orphan = !v->moved && mig_attach_left(v->m, v->vf);

	if (orphan)
		mode = VPF_DEV_MODE_ACTIVE;

	if (v->mode == MIG_MODE_UNKNOWN || v->state == S_ERR)
		mode = v->moved ? v->orig_mode : VPF_DEV_MODE_ACTIVE;
	if (mig_is_v14(v->m))
		return mig_v14_abort_plan(v, mode, false, local_abort_begin,
					  local_abort_end);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_abort_begin);
	/* Partial reads and writes, and a written context not yet applied,
	 * are dropped before the mode changes (doc/protocol.md §4.8), so leaving
	 * Freeze applies nothing. */
	mig_op_add(v, ACT_DISCARD_FORCE, 0, STEP_F_BEST_EFFORT | STEP_F_RETRY,
		   NULL);
	/* (for an orphan, also recording the dead owner started) */
	mig_op_add(v, ACT_WR_STOP, orphan, STEP_F_BEST_EFFORT, NULL);
	mig_op_add(v, ACT_MODE_SET, mode, STEP_F_NO_APPLY, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, local_abort_end);
}

static int
plan_abort(struct mig_vf *v, const void *unused)
{
	(void)unused;
	return mig_abort_plan(v);
}

int
vpf_mig_abort_async(struct vpf_mig *m, uint16_t vf, vpf_mig_done_t done,
		    void *arg)
{
	return mig_run(m, vf, plan_abort, NULL, done, arg, false);
}

int
vpf_mig_abort(struct vpf_mig *m, uint16_t vf)
{
	return mig_run(m, vf, plan_abort, NULL, NULL, NULL, true);
}

static int
local_recover_end(struct mig_vf *v)
{
	mig_wr_cleanup_note(v);
	if (v->mode != VPF_DEV_MODE_ACTIVE) {
		/* The MODE_SET failed or was refused (nothing could be
		 * discarded): the VF stays where it is. */
		v->state = mig_plain_state(v->mode);
		return 0;
	}
	v->state = S_RUN;
	v->moved = false;
	mig_vf_clear_complete(v);
	return 0;
}

static int
plan_recover(struct mig_vf *v, const void *unused)
{
	(void)unused;
	if (mig_is_v14(v->m))
		return mig_v14_abort_plan(v, VPF_DEV_MODE_ACTIVE, true,
					  local_abort_begin, local_recover_end);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_abort_begin);
	mig_op_add(v, ACT_DISCARD_FORCE, 0, STEP_F_BEST_EFFORT | STEP_F_RETRY,
		   NULL);
	/* Recording a dead process started is stopped too (STOP always
	 * succeeds, D-6.6). */
	mig_op_add(v, ACT_WR_STOP, 1, STEP_F_BEST_EFFORT, NULL);
	/* Always issued; never out of Freeze with a context that could
	 * not be discarded. */
	mig_op_add(v, ACT_MODE_SET, VPF_DEV_MODE_ACTIVE,
		   STEP_F_FORCE | STEP_F_NO_APPLY, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, local_recover_end);
}

int
vpf_mig_recover(struct vpf_mig *m, uint16_t vf)
{
	int rc = mig_run(m, vf, plan_recover, NULL, NULL, NULL, true);

	/* (mig_op_wait() fails whenever the operation did) */
	if (rc == 0)
		MIG_LOG(INFO, m->pf, "VF %u recovered to Active", vf);
	return rc;
}

int
vpf_mig_recover_async(struct vpf_mig *m, uint16_t vf, vpf_mig_done_t done,
		      void *arg)
{
	return mig_run(m, vf, plan_recover, NULL, done, arg, false);
}

int
vpf_mig_reset(struct vpf_mig *m, uint16_t vf)
{
	return vpf_mig_recover(m, vf);
}

static int
local_adopt_end(struct mig_vf *v)
{
	v->state = S_RUN;
	v->moved = false;
	mig_vf_clear_complete(v);
	return 0;
}

static int
plan_adopt(struct mig_vf *v, const void *unused)
{
	(void)unused;
	v->v14.mode_retried = false;
	/* Sent even when the library believes the VF stopped or does not
	 * know its mode: on a VF that runs the loaded state it changes
	 * nothing (doc/protocol.md: a MODE_SET to the current mode
	 * succeeds), on one that does not it applies the complete load,
	 * as the activation would have. Nothing is discarded or set back
	 * first (D-MIG.15). */
	mig_op_add(v, ACT_MODE_SET, VPF_DEV_MODE_ACTIVE, STEP_F_FORCE, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, local_adopt_end);
}

int
vpf_mig_adopt(struct vpf_mig *m, uint16_t vf)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	int rc;

	if (v == NULL)
		return -EINVAL;
	if (v->state == S_RUN && !v->busy)
		return 0;
	if (!v->load.loaded || (v->state != S_ERR && v->state != S_STOP))
		return vpf_error(-EPERM,
				 "VF %u (%s): no complete load to adopt; vpf_mig_recover() resumes it with its own state",
				 vf, vpf_mig_state_name(v->state));
	rc = mig_run(m, vf, plan_adopt, NULL, NULL, NULL, true);
	if (rc == 0)
		MIG_LOG(INFO, m->pf, "VF %u adopted: resumed with its loaded state",
			vf);
	return rc;
}

int
vpf_mig_mark_complete(struct vpf_mig *m, uint16_t vf)
{
	struct mig_vf *v = mig_vf_get(m, vf);

	if (v == NULL)
		return -EINVAL;
	return mig_vf_mark_complete(v);
}

int
vpf_mig_vf_info_get(const struct vpf_mig *m, uint16_t vf,
		    struct vpf_mig_vf_info *info)
{
	const struct mig_vf *v = mig_vf_get(m, vf);

	if (v == NULL)
		return -EINVAL;
	if (info == NULL)
		return vpf_error(-EINVAL, "vf_info: NULL");
	memset(info, 0, sizeof(*info));
	info->state = v->state;
	info->mode = v->mode;
	info->orig_mode = v->orig_mode;
	info->moved = v->moved;
	info->complete = v->complete;
	info->dirty_tracking = v->dirty.started;
	info->busy = v->busy;
	info->precopy_round = v->save.round;
	info->save_pending = v->save.out.len - v->save.out.off;
	info->save_total = v->save.total;
	info->load_total = v->load.total;
	info->ctx_written = v->load.ctx_written;
	info->journal = mig_journal_has(m, vf);
	return 0;
}

