/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The asynchronous step engine every per-VF operation runs on.
 *
 * An operation is a short list of steps (struct mig_step), built by a
 * plan (mig_set_state_plan(), mig_abort_plan(), ...) and run here. Device
 * steps issue one admin command at a time for the VF (its commands depend
 * on each other: chunks of one context are ordered), but any number of
 * VFs have their command in flight at once through the PF's pipelined
 * engine. What a device step does is its action's entry in mig_act_table
 * (mig_actions.c): whether it is needed (a MODE_SET to the mode the VF is
 * already in, a DISCARD with nothing to discard) is decided there when the
 * step runs, from what the library knows about the VF then. A failed step
 * ends the operation, or, for cleanup steps, is noted and the next runs.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mig_journal.h"
#include "mig_vf.h"

VPF_LOG_REGISTER(mig);

struct mig_vf *
mig_vf_get(const struct vpf_mig *m, uint16_t vf)
{
	if (m == NULL) {
		vpf_error(-EINVAL, "no migration handle");
		return NULL;
	}
	if (vf == 0 || vf > m->nvfs) {
		vpf_error(-EINVAL, "VF %u out of range 1..%u", vf, m->nvfs);
		return NULL;
	}
	return &m->vfs[vf - 1];
}

int
mig_vf_fail(struct mig_vf *v, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->err, sizeof(v->err), fmt, ap);
	va_end(ap);
	return vpf_error(rc, "%s", v->err);
}

int
mig_op_begin(struct mig_vf *v, vpf_mig_done_t done, void *arg)
{
	if (v->busy)
		return vpf_error(-EBUSY, "VF %u: an operation is already running",
				 v->vf);
	if (mig_vf_busy(v))
		return vpf_error(-EBUSY, "VF %u belongs to a running migration job",
				 v->vf);
	v->nsteps = 0;
	v->istep = 0;
	/* Whatever runs now may change what a pre-flight read. */
	v->pre_fresh = false;
	v->done = done;
	v->done_arg = arg;
	return 0;
}

int
mig_op_add(struct mig_vf *v, uint8_t act, uint8_t arg, uint8_t flags,
	   mig_local_fn fn)
{
	struct mig_step *st;

	if (v->nsteps >= MIG_STEPS_MAX)
		return vpf_error(-ENOSPC, "VF %u: operation too long", v->vf);
	st = &v->steps[v->nsteps++];
	st->act = act;
	st->arg = arg;
	st->flags = flags;
	st->fn = fn;
	return 0;
}

/* After a failure: keep the steps up to the current one, then run only the
 * cleanup steps the caller appends; the operation ends with @p rc. */
void
mig_op_replan_fail(struct mig_vf *v, int rc)
{
	if (v->op_rc == 0)
		v->op_rc = rc;
	v->failing = true;
	v->nsteps = v->istep + 1;
}

static void vf_run(struct mig_vf *v);

static inline void
vf_bm_set(uint64_t *bm, uint16_t vf)
{
	bm[(vf - 1u) / 64] |= UINT64_C(1) << ((vf - 1u) % 64);
}

/* Calls @p fn for each VF whose bit is set in @p bm, in VF order, clearing
 * the bit first. Bits set meanwhile above the current VF are seen in this
 * pass, at or below it in the next: the order of the full scans this
 * replaces. */
static void
vf_bm_each(struct vpf_mig *m, uint64_t *bm, void (*fn)(struct mig_vf *v))
{
	unsigned int w, b;

	for (w = 0; w < m->bm_words; w++) {
		uint64_t seen = 0, bits;

		while ((bits = bm[w] & ~seen) != 0) {
			b = (unsigned int)__builtin_ctzll(bits);
			seen |= b == 63 ? ~UINT64_C(0) :
				(UINT64_C(2) << b) - 1;
			bm[w] &= ~(UINT64_C(1) << b);
			fn(&m->vfs[w * 64 + b]);
		}
	}
}

static void
op_finish(struct mig_vf *v)
{
	/* A stream only lives in a save state (D-7.3: leaving one
	 * before the stream is drained discards it). */
	if (!mig_is_save(v->state) && v->save.session) {
		v->save.session = false;
		mig_buf_reset(&v->save.out);
	}
	if (v->state != S_RES)
		v->load.active = false;
	if (v->op_rc && v->err[0] == '\0')
		snprintf(v->err, sizeof(v->err), "%s", vpf_last_error());
	v->busy = false;
	v->done_pending = true;
	vf_bm_set(v->m->done_bm, v->vf);
}

static const char *
cmd_name(const struct mig_vf *v, const struct vpf_admin_cmd *c)
{
	return mig_is_v14(v->m) ? vpf_admin_v14_opcode_name(c->opcode) :
	       vpf_admin_opcode_name(c->opcode);
}

static void
cmd_fail_msg(struct mig_vf *v, int rc)
{
	const struct vpf_admin_cmd *c = &v->cmd;

	if (c->status)
		mig_vf_fail(v, rc, "%s: VF %u: %s failed: %s (status %s, qualifier %s)",
			    vpf_pf_name(v->m->pf), v->vf, cmd_name(v, c),
			    strerror(-rc), vpf_admin_status_name(c->status),
			    vpf_admin_qualifier_name(c->qualifier));
	else
		mig_vf_fail(v, rc, "%s: VF %u: %s failed: %s",
			    vpf_pf_name(v->m->pf), v->vf, cmd_name(v, c),
			    strerror(-rc));
}

void
mig_err_quote(const struct mig_vf *v, char *out, size_t n)
{
	size_t l = strnlen(v->err, n - 1);

	memcpy(out, v->err, l);
	out[l] = '\0';
}

static void vf_cmd_done(struct vpf_admin_cmd *c);

/* A step failed with @p rc (message already in v->err); @p sent: its
 * command reached the device (mig_act_ops::failed). */
static void
step_failed(struct mig_vf *v, const struct mig_step *st, int rc, bool sent)
{
	const struct mig_act_ops *ops = &mig_act_table[st->act];

	if (ops->failed)
		ops->failed(v, st, rc, sent);
	if ((st->flags & STEP_F_RETRY) &&
	    ++v->discard_tries < MIG_DISCARD_TRIES) {
		/* The same step again (the caller re-runs v->istep). */
		VPF_LOG(mig, WARNING, "%s; trying again", v->err);
		return;
	}
	if (v->failing || (st->flags & STEP_F_BEST_EFFORT)) {
		/* Cleanup goes on; the first error is what the op returns. */
		if (v->op_rc == 0)
			v->op_rc = rc;
		if (mig_is_v14(v->m)) {
			/* 1.4: no MODE_GET; the MODE_SET is sent again. */
			if (st->act == ACT_MODE_SET && sent &&
			    v->cmd.status == 0 &&
			    v->cmd.opcode == VPF_ADMIN_V14_OP_DEV_MODE_SET)
				mig_v14_mode_lost(v, st);
		} else if (st->act == ACT_MODE_SET && v->cmd.status == 0 &&
		    v->cmd.opcode == VPF_ADMIN_OP_DEV_MODE_SET &&
		    v->nsteps < MIG_STEPS_MAX) {
			/* A cleanup MODE_SET without a device answer: the
			 * mode is unknown; read it back before the steps that
			 * decide the state from it (ERROR if that fails). */
			memmove(&v->steps[v->istep + 2], &v->steps[v->istep + 1],
				(size_t)(v->nsteps - v->istep - 1) *
				sizeof(v->steps[0]));
			memset(&v->steps[v->istep + 1], 0, sizeof(v->steps[0]));
			v->steps[v->istep + 1].act = ACT_MODE_GET;
			v->nsteps++;
			v->lost_mode = st->arg;
			v->mode = MIG_MODE_UNKNOWN;
		}
		v->istep++;
		return;
	}
	if (mig_is_v14(v->m)) {
		/* 1.4: the operation ends; the objects it holds do not
		 * outlive it (a later step creates them again), and a
		 * MODE_SET without answer is sent once more (D-MIG14.2). */
		mig_op_replan_fail(v, rc);
		if (st->act == ACT_MODE_SET && sent && v->cmd.status == 0 &&
		    v->cmd.opcode == VPF_ADMIN_V14_OP_DEV_MODE_SET)
			mig_v14_mode_lost(v, st);
		mig_v14_fail_tidy(v);
		v->istep++;
		return;
	}
	if (st->act == ACT_MODE_SET && v->cmd.status == 0) {
		/* No device answer (timeout, queue recovery): the mode is
		 * unknown; read it back, ERROR only if that fails too. */
		mig_op_replan_fail(v, rc);
		if (v->cmd.opcode == VPF_ADMIN_OP_DEV_MODE_SET)
			v->lost_mode = st->arg;
		v->mode = MIG_MODE_UNKNOWN;
		mig_op_add(v, ACT_MODE_GET, 0, 0, NULL);
		v->istep++;
		return;
	}
	if (v->op_rc == 0)
		v->op_rc = rc;
	v->nsteps = v->istep;	/* nothing more */
}

/* Hand the command prepared for @p st to the PF. @return 1 when it is in
 * flight or waits for a slot (the VF waits), 0 when it failed and the
 * steps go on (step_failed() decided how). */
static int
vf_issue(struct mig_vf *v, const struct mig_step *st)
{
	const struct mig_act_ops *ops = &mig_act_table[st->act];
	int rc;

	v->cmd.done = vf_cmd_done;
	v->cmd.arg = v;
	v->in_cmd = true;
	v->need_submit = false;
	if (ops->commit)
		ops->commit(v, st, true);
	rc = vpf_admin_submit(v->m->pf, &v->cmd);
	if (rc && ops->commit)
		ops->commit(v, st, false);
	if (rc == -EBUSY) {
		/* Every slot in use: vpf_mig_poll() tries again. */
		v->in_cmd = false;
		v->need_submit = true;
		vf_bm_set(v->m->submit_bm, v->vf);
		return 1;
	}
	if (rc) {
		v->in_cmd = false;
		cmd_fail_msg(v, rc);
		step_failed(v, st, rc, false);
		v->step_cont = false;
		return 0;
	}
	return 1;
}

/* A local step: call its function. @return false when the operation
 * stops here. */
static bool
vf_local(struct mig_vf *v, const struct mig_step *st)
{
	int rc = st->fn(v);

	if (rc == -EINPROGRESS) {
		/* It waits for the journal: mig_jwait_run() runs the step
		 * again once the write that holds its change ended. */
		vf_bm_set(v->m->jwait_bm, v->vf);
		return false;
	}
	if (rc == 0) {
		v->istep++;
		v->step_cont = false;
		return true;
	}
	if (v->err[0] == '\0')
		mig_vf_fail(v, rc, "%s", vpf_last_error());
	step_failed(v, st, rc, false);
	return v->failing || (st->flags & STEP_F_BEST_EFFORT);
}

/* Run the steps of @p v's operation until one waits for the device, then
 * return; the completion (vf_cmd_done()) calls this again. An operation
 * whose steps are all done finishes. */
static void
vf_run(struct mig_vf *v)
{
	int rc;

	/* Whatever waited for a slot is decided again below: a step list
	 * that ends without a command in flight must finish. */
	v->need_submit = false;
	while (v->busy && !v->in_cmd && v->istep < v->nsteps) {
		struct mig_step *st = &v->steps[v->istep];

		if (st->act == ACT_LOCAL) {
			if (!vf_local(v, st))
				break;
			continue;
		}
		rc = st->act < ACT_MAX ? mig_act_table[st->act].prep(v, st) :
		     mig_vf_fail(v, -EINVAL, "VF %u: bad step %u", v->vf,
				 st->act);
		if (rc == 1) {
			v->istep++;
			v->step_cont = false;
			continue;
		}
		if (rc < 0) {
			step_failed(v, st, rc, false);
			v->step_cont = false;
			continue;
		}
		if (vf_issue(v, st))
			return;
	}
	if (v->busy && !v->in_cmd && v->istep >= v->nsteps)
		op_finish(v);
}

void
mig_op_start(struct mig_vf *v)
{
	v->busy = true;
	v->done_pending = false;
	v->istep = 0;
	v->step_cont = false;
	v->pre_discard = false;
	v->discard_tries = 0;
	v->lost_mode = MIG_MODE_UNKNOWN;
	v->jwait_gen = 0;
	v->failing = false;
	v->op_rc = 0;
	v->err[0] = '\0';
	vf_run(v);
}

static void
vf_cmd_done(struct vpf_admin_cmd *c)
{
	struct mig_vf *v = c->arg;
	struct mig_step *st = &v->steps[v->istep];
	int rc;

	v->in_cmd = false;
	v->cmds++;
	if (c->rc == 0) {
		rc = mig_act_table[st->act].done(v, st);
		if (rc == 1) {
			v->step_cont = true;
		} else if (rc == 0) {
			v->istep++;
			v->step_cont = false;
		} else {
			step_failed(v, st, rc, true);
			v->step_cont = false;
		}
	} else if (mig_act_table[st->act].again != NULL &&
		   mig_act_table[st->act].again(v, st, c->rc)) {
		v->step_cont = true;
	} else {
		cmd_fail_msg(v, c->rc);
		step_failed(v, st, c->rc, true);
		v->step_cont = false;
	}
	vf_run(v);
}

/*
 * Submit again the commands of the VFs that found every slot in use, in
 * VF order. The walk stops at the first one that finds them all in use
 * again: the others would too, and each try re-prepares its command. With
 * more VFs waiting than slots (512 VFs on one PF, 255 slots) trying them
 * all made every poll cost hundreds of failed submits.
 */
static void
mig_resubmit(struct vpf_mig *m)
{
	unsigned int w, b;

	for (w = 0; w < m->bm_words; w++) {
		while (m->submit_bm[w] != 0) {
			struct mig_vf *v;

			b = (unsigned int)__builtin_ctzll(m->submit_bm[w]);
			v = &m->vfs[w * 64 + b];
			if (!v->need_submit) {
				m->submit_bm[w] &= ~(UINT64_C(1) << b);
				continue;
			}
			m->submit_bm[w] &= ~(UINT64_C(1) << b);
			vf_run(v);
			/* vf_issue() set the bit again: still no slot. */
			if (v->need_submit)
				return;
		}
	}
}

static void
done_one(struct mig_vf *v)
{
	if (!v->done_pending)
		return;
	v->done_pending = false;
	v->m->ndone++;
	if (v->done)
		v->done(v->m, v->vf, v->op_rc, v->done_arg);
}

static void
jwait_one(struct mig_vf *v)
{
	if (v->busy && !v->in_cmd && mig_journal_covers(v->m, v->jwait_gen))
		vf_run(v);
	else if (v->busy && v->jwait_gen != 0)
		vf_bm_set(v->m->jwait_bm, v->vf);	/* not yet */
}

/* VFs waiting for the journal: a finished write is collected (the next
 * started), and those it covers go on. */
static void
mig_jwait_run(struct vpf_mig *m)
{
	unsigned int w;

	if (m->jwait_bm == NULL)
		return;
	for (w = 0; w < m->bm_words && m->jwait_bm[w] == 0; w++)
		;
	if (w == m->bm_words)
		return;
	/* (any write that ended may cover a waiter: a synchronous one of
	 * another operation too, so the waiters are looked at each time) */
	(void)mig_journal_pump(m);
	vf_bm_each(m, m->jwait_bm, jwait_one);
}

int
mig_op_wait(struct mig_vf *v)
{
	struct vpf_mig *m = v->m;
	int rc;

	while (v->busy) {
		rc = vpf_admin_poll(m->pf);
		if (rc < 0 && v->busy) {
			/* The PF is unusable: nothing will complete. */
			mig_vf_fail(v, rc, "%s: PF unusable: %s",
				    vpf_pf_name(m->pf), vpf_last_error());
			v->op_rc = rc;
			v->state = S_ERR;
			v->in_cmd = false;
			v->need_submit = false;
			op_finish(v);
			break;
		}
		mig_resubmit(m);
		mig_jwait_run(m);
	}
	v->done_pending = false;
	if (v->op_rc)
		return vpf_error(v->op_rc, "%s", v->err);
	return 0;
}

/* The buffers mig_vf_prefault() sizes, in the order it does them. */
static struct mig_buf *
prefault_buf(struct mig_vf *v, unsigned int i)
{
	switch (i) {
	case 0:
		return &v->save.out;
	case 1:
		return &v->load.pend;
	case 2:
		return &v->load.wbuf;
	case 3:
		return &v->load.parser.payload;
	case 4:
		return &v->load.parser.final;
	default:
		/* 1.4: the parts read and the PARTS_SET data. (Not the draft
		 * context buffer: its pre-flight READ touched a context's
		 * worth already, and one more buffer here cost the
		 * two-process downtime its prefault steps inside the
		 * window; vpf_mig_stop_prepare() does it, D-PERF.11.) */
		return mig_is_v14(v->m) ? mig_v14_prefault_buf(v, i - 5) :
		       NULL;
	}
}

/* One buffer of the recorded prefault. @return whether more remain. */
static bool
prefault_one(struct mig_vf *v)
{
	struct mig_buf *b = prefault_buf(v, v->prefault_next);

	if (v->prefault_want == 0 || b == NULL) {
		v->prefault_want = 0;
		return false;
	}
	mig_buf_prefault(b, v->prefault_want);
	if (prefault_buf(v, ++v->prefault_next) == NULL)
		v->prefault_want = 0;
	return v->prefault_want != 0;
}

/* The step of a job's prefault: a page (4 KiB, the smallest Linux page on
 * the machines this runs on; a larger page only makes steps touch a page
 * already present). */
#define MIG_PAGE	4096u

/*
 * One step of the recorded prefault, for a job's poll: the next buffer's
 * growth, or one page of its spare room written. Each is about one page
 * fault; a poll does one (D-JOB.12). @return whether more remain.
 */
static bool
prefault_step(struct mig_vf *v)
{
	struct mig_buf *b = prefault_buf(v, v->prefault_next);
	size_t spare, n;
	uint8_t *at;

	if (v->prefault_want == 0 || b == NULL) {
		v->prefault_want = 0;
		return false;
	}
	if (!v->prefault_grown) {
		v->prefault_grown = true;
		v->prefault_off = 0;
		/* (a buffer that cannot grow is left as it is, as
		 * mig_buf_prefault() leaves it: the window grows it) */
		if (mig_buf_reserve(b, v->prefault_want) == 0)
			return true;
	}
	spare = b->cap > b->len ? b->cap - b->len : 0;
	if (v->prefault_off < spare) {
		at = b->p + b->len + v->prefault_off;
		n = MIG_PAGE - ((uintptr_t)at & (MIG_PAGE - 1));
		if (n > spare - v->prefault_off)
			n = spare - v->prefault_off;
		memset(at, 0, n);
		v->prefault_off += n;
		if (v->prefault_off < spare)
			return true;
	}
	v->prefault_grown = false;
	v->prefault_off = 0;
	if (prefault_buf(v, ++v->prefault_next) == NULL)
		v->prefault_want = 0;
	return v->prefault_want != 0;
}

bool
mig_vf_prefault_run(struct mig_vf *v)
{
	/* A job's work unit runs between the VF's commands: one may be in
	 * flight and writing into one of these buffers (a 1.4 PARTS_GET
	 * into v->ctx), and growing it now would move it under the device
	 * (found by vpf-soak as a use after free). Later, when the VF is
	 * idle. */
	if (v->busy && v->prefault_want != 0)
		return true;
	return prefault_step(v);
}

void
mig_vf_prefault(struct mig_vf *v, size_t want)
{
	v->prefault_want = want;
	v->prefault_next = 0;
	v->prefault_grown = false;
	v->prefault_off = 0;
	/* Without a job: right here, in the completion that asked for it,
	 * before the VF's next command is submitted. */
	if (v->owner == NULL)
		while (prefault_one(v))
			;
}

void
mig_vf_prefault_stop(struct mig_vf *v)
{
	uint64_t est = v->size_frz;

	if (v->busy || v->owner != NULL)
		return;
	if (v->size_cur > est)
		est = v->size_cur;
	if (v->ctx.len > est)
		est = v->ctx.len;
	if (est == 0)
		est = v->chunk;
	if (est >= VPF_MIG_REC_MAX / 2)
		return;
	/* Twice the estimate, as the pre-flight does (a workload grows the
	 * context; a larger one still works, growing the buffers then).
	 * A buffer that cannot grow is left as it is. */
	(void)mig_buf_prefault(&v->ctx, (size_t)est * 2 + 4096);
	(void)mig_buf_prefault(&v->save.out, (size_t)est * 2 + 4096);
}

int
mig_poll_budget(struct vpf_mig *m, unsigned int budget, unsigned int *handled)
{
	unsigned int saved;
	int rc, n;

	if (handled)
		*handled = 0;
	if (m == NULL)
		return vpf_error(-EINVAL, "no migration handle");
	rc = budget ? vpf_admin_poll_burst(m->pf, budget) :
	     vpf_admin_poll(m->pf);
	if (rc > 0 && handled)
		*handled = (unsigned int)rc;
	mig_resubmit(m);
	mig_jwait_run(m);
	saved = m->ndone;	/* a done callback may poll again */
	m->ndone = 0;
	vf_bm_each(m, m->done_bm, done_one);
	n = (int)m->ndone;
	m->ndone = saved;
	if (rc < 0)
		return rc;
	return n;
}

int
vpf_mig_poll(struct vpf_mig *m)
{
	return mig_poll_budget(m, 0, NULL);
}

int
vpf_mig_poll_burst(struct vpf_mig *m, unsigned int budget)
{
	return mig_poll_budget(m, budget, NULL);
}

bool
vpf_mig_busy(const struct vpf_mig *m, uint16_t vf)
{
	const struct mig_vf *v = mig_vf_get(m, vf);

	return v != NULL && v->busy;
}

const char *
vpf_mig_vf_error(const struct vpf_mig *m, uint16_t vf)
{
	const struct mig_vf *v = mig_vf_get(m, vf);

	return v ? v->err : "";
}


int
mig_run(struct vpf_mig *m, uint16_t vf, mig_plan_t plan, const void *parg,
	vpf_mig_done_t done, void *arg, bool wait)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	int rc;

	if (v == NULL)
		return -EINVAL;
	rc = mig_op_begin(v, done, arg);
	if (rc)
		return rc;
	rc = plan(v, parg);
	if (rc)
		return rc;
	mig_op_start(v);
	return wait ? mig_op_wait(v) : 0;
}


/* The PF of @p m became unusable: nothing in flight will complete. */
void
mig_fail_all(struct vpf_mig *m, int rc)
{
	uint16_t i;

	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];

		if (!v->busy)
			continue;
		mig_vf_fail(v, rc, "%s: PF unusable", vpf_pf_name(m->pf));
		v->op_rc = rc;
		v->state = S_ERR;
		v->in_cmd = false;
		v->need_submit = false;
		op_finish(v);
	}
}

