/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The in-process migration job (vpf_mig_job_start()) and the blocking
 * vpf_mig_migrate() over it: N (source, VF) -> (destination, VF) pairs
 * through phases with a barrier between them (pre-flight, setup, precopy
 * rounds, stop-copy + resume). Inside a phase every pair runs its own
 * chain of per-VF asynchronous operations, so the commands of all pairs
 * are in flight together; in serial mode one pair runs at a time and a
 * pair never has two operations at once (one command at a time, as the
 * Linux driver does), for comparison.
 *
 * The job is a state machine driven by drv_poll(): each call starts pairs,
 * moves stream pieces from sources to destinations and polls the PFs, at
 * most a budget of work units in all (include/vpf_mig_job.h,
 * doc/migration.md "Embedding: jobs"); a phase ends in the call that sees
 * its last pair done, which reports it and begins the next.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mig_job.h"
#include "mig_journal.h"
#include "mig_vf.h"

static const char *const phase_names[VPF_MIG_PHASE_MAX] = {
	[VPF_MIG_PHASE_PREFLIGHT] = "preflight",
	[VPF_MIG_PHASE_SETUP] = "setup",
	[VPF_MIG_PHASE_PRECOPY] = "precopy",
	[VPF_MIG_PHASE_STOP_COPY] = "stop-copy",
	[VPF_MIG_PHASE_RESUME] = "resume",
	[VPF_MIG_PHASE_DONE] = "done",
};

const char *
vpf_mig_phase_name(enum vpf_mig_phase p)
{
	return (unsigned int)p < VPF_MIG_PHASE_MAX ? phase_names[p] : "invalid";
}

void
vpf_mig_opts_init(struct vpf_mig_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->precopy_to_dst = true;
	o->page_size = 4096;
}

/* Largest stream piece one transfer unit moves (vpf_mig_opts::stream_chunk
 * when smaller): what bounds the time of one unit. */
#define DRV_PIECE_MAX	(64u << 10)

struct drv;
struct drv_pair;

struct drv_slot {
	struct drv_pair *pp;
	int which;		/* 0 source, 1 destination */
};

struct drv_pair {
	struct drv *drv;
	struct vpf_mig_pair *p;
	struct mig_vf *s;
	struct mig_vf *d;
	struct drv_slot slot[2];
	int stage;
	int pending;		/* operations in flight (a transfer counts) */
	bool started;		/* in this phase */
	bool phase_done;
	bool failed;
	bool aborting;
	/* the destination may run the guest: never resume the source */
	bool outcome_unknown;
	/* serial: activated, only its journal mark left; the next pair
	 * may start (a mark is not a device command) */
	bool released;
	bool finished;		/* failed and cleaned up */
	bool xfer;		/* a transfer waits in the queue */
	bool xfer_final;	/* it is stop-copy's */
	bool activating;	/* counted in drv::nactivating */
	bool in_arc;		/* in its source's vpf_mig::stop_arcs */
	struct drv_pair *xnext;	/* transfer queue */
	struct drv_pair *pnext;	/* prefault queue */
	struct drv_pair *mnext;	/* mark queue */
	bool mark_new;		/* in this batch's journal write */
	uint64_t *bm;
	bool bm_own;
	uint32_t chunk_s, chunk_d;
	bool pw_d;
	uint64_t cmds0;
	/* phase accounting */
	uint64_t ph_bytes;
	uint64_t ph_pages;
	uint64_t t_written;	/* final context written on the destination */
};

/* Where the job's state machine is. */
enum drv_step {
	DS_BEGIN = 0,		/* begin drv->phase */
	DS_RUN,			/* run it until every pair is done */
	DS_DONE,		/* finished: results in drv->res, drv->rc */
};

struct drv {
	struct vpf_mig_job job;	/* first: the job kind's base */
	struct vpf_mig_opts opts;	/* the caller's, copied */
	const struct vpf_mig_opts *o;	/* &opts */
	struct vpf_mig_range *ranges_copy;
	struct vpf_mig_pair *pairs;
	struct drv_pair *pp;
	unsigned int n;
	struct vpf_mig **migs;	/* distinct handles to poll */
	unsigned int nmigs;
	unsigned int mig_next;	/* the handle polled first next time */
	enum vpf_mig_phase phase;
	uint32_t round;
	uint64_t t0;
	uint64_t t_phase;	/* the current phase began */
	uint64_t bm_addr;
	uint64_t bm_len;
	const struct vpf_mig_range *ranges;
	unsigned int nranges;
	uint8_t *xbuf;		/* transfer buffer, xcap bytes */
	size_t xcap;
	bool cancelled;		/* vpf_mig_opts::cancel or the job's */

	/* the state machine */
	enum drv_step step;
	unsigned int cursor;	/* next pair to start in this phase */
	unsigned int nrunning;	/* started, not yet done in this phase */
	unsigned int ndone;	/* done in this phase */
	unsigned int nactivating;	/* destination activation issued */
	unsigned int nfailed;	/* pairs failed */
	unsigned int nact_inflight;	/* destination activations in flight */
	struct drv_pair *xq_head;	/* pairs with a transfer to do */
	struct drv_pair *xq_tail;
	struct drv_pair *pq_head;	/* pairs with buffers to prefault */
	struct drv_pair *pq_tail;
	struct drv_pair *mq_head;	/* sources to mark complete */
	struct drv_pair *mq_tail;
	struct drv_pair *wq_head;	/* sources whose marks are being written */
	/* 1.4: the sources' stop marks, written in the background during
	 * setup (D-MIG14.22); bit k: drv->migs[k]'s write is running */
	uint64_t smarks;
	int abort_rc;		/* the migration is aborted: why */
	bool stop_pc;		/* no more precopy rounds */
	bool aborting;		/* the abort phase (DONE) runs */
	struct vpf_mig_result res;
	int rc;			/* what vpf_mig_migrate() returns */
};

static void pair_advance(struct drv_pair *pp);

/* The pair's stop arc ended (read, failed, or the phase is over): it
 * leaves its source PF's stop window. */
static void
arc_leave(struct drv_pair *pp)
{
	if (pp->in_arc) {
		pp->in_arc = false;
		pp->s->m->stop_arcs--;
	}
}

static void
pair_fail(struct drv_pair *pp, int rc, const char *why)
{
	struct vpf_mig_pair *p = pp->p;

	arc_leave(pp);
	if (pp->failed)
		return;
	pp->failed = true;
	pp->drv->nfailed++;
	p->rc = rc;
	p->failed_phase = pp->drv->phase;
	/* Truncation is fine: the full sentence is in the log line below. */
	{
		size_t n = strnlen(why, sizeof(p->error) - 1);

		memcpy(p->error, why, n);
		p->error[n] = '\0';
	}
	VPF_LOG(mig, ERR, "%s VF %u -> %s VF %u failed in %s: %s",
		vpf_pf_name(pp->s->m->pf), pp->s->vf, vpf_pf_name(pp->d->m->pf),
		pp->d->vf, vpf_mig_phase_name(p->failed_phase), why);
}

static void
slot_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct drv_slot *sl = arg;
	struct drv_pair *pp = sl->pp;

	(void)m;
	(void)vf;
	pp->pending--;
	if (sl->which == 1 && pp->drv->phase == VPF_MIG_PHASE_STOP_COPY &&
	    pp->stage == 4 && pp->drv->nact_inflight > 0)
		pp->drv->nact_inflight--;
	if (rc && sl->which == 1 && pp->drv->phase == VPF_MIG_PHASE_STOP_COPY &&
	    pp->stage == 4 && pp->d->state == VPF_MIG_STATE_RUNNING) {
		/* The activating MODE_SET failed, but the mode read back says
		 * the destination left Freeze: it applied the context and
		 * runs the guest. Aborting now would run it twice. */
		MIG_LOG(WARNING, pp->d->m->pf,
			"VF %u: %s; the VF is Active: migration completed",
			pp->d->vf, pp->d->err);
		/* The mode re-read stamps the end of the downtime; never let
		 * it precede the Freeze it is measured from. */
		if (pp->d->t_active_done < pp->s->t_freeze_issue)
			pp->d->t_active_done = vpf_now_ns();
		rc = 0;
	}
	if (rc && sl->which == 1 && pp->drv->phase == VPF_MIG_PHASE_STOP_COPY &&
	    pp->stage == 4 && pp->d->state == VPF_MIG_STATE_ERROR) {
		char q[160], why[192];

		/* The activating MODE_SET got no usable answer and the mode
		 * could not be read back: the destination may have applied
		 * the context and run the guest. Resuming the source could
		 * run it twice, so neither side is touched (D-JOB.8). */
		mig_err_quote(pp->d, q, sizeof(q));
		pp->outcome_unknown = true;
		snprintf(why, sizeof(why),
			 "destination VF %u: activation outcome unknown: source left stopped; if the destination runs the guest adopt it (vpf_mig_adopt), else abort the source",
			 pp->d->vf);
		pair_fail(pp, -ENOTCONN, why);
		MIG_LOG(ERR, pp->d->m->pf, "VF %u: the activation's answer: %s",
			pp->d->vf, q);
		/* Journaled as migrated away: neither detach nor a restarted
		 * owner resumes it; vpf_mig_abort() by the operator does. */
		(void)mig_vf_mark_complete(pp->s);
		rc = 0;
	}
	if (rc && sl->which == 1 && pp->stage == 6) {
		/* The destination runs the guest; only its objects' DESTROY
		 * failed: they stay until the device's next reset
		 * (D-DRV14.8), nothing else changes. */
		MIG_LOG(WARNING, pp->d->m->pf,
			"VF %u: %s; the migration completed, its device-parts objects stay",
			pp->d->vf, pp->d->err);
		rc = 0;
	}
	if (rc && sl->which == 0 && pp->drv->phase == VPF_MIG_PHASE_STOP_COPY &&
	    pp->stage == 6) {
		/* The destination runs the guest: the source's last step
		 * (STOP_COPY -> STOP) failing changes nothing of that. It
		 * stays where it is, marked complete (D-JOB.8). */
		MIG_LOG(WARNING, pp->s->m->pf,
			"VF %u: %s; the destination runs the guest: migration completed, source left stopped",
			pp->s->vf, pp->s->err);
		rc = 0;
	}
	if (rc)
		pair_fail(pp, rc, sl->which ? pp->d->err : pp->s->err);
	pair_advance(pp);
}

/* Start an operation planned on @p v (0 = source, 1 = destination). */
static void
pair_start_op(struct drv_pair *pp, int which, int rc)
{
	struct mig_vf *v = which ? pp->d : pp->s;

	if (rc) {
		pair_fail(pp, rc, v->err[0] ? v->err : vpf_last_error());
		return;
	}
	pp->pending++;
	mig_op_start(v);
}

/* Begin an operation on the pair's source (@p which 0) or destination
 * (1): the job's own call on a VF it owns (mig_vf::owner). */
static int
pair_begin(struct drv_pair *pp, int which)
{
	struct mig_vf *v = which ? pp->d : pp->s;
	const void *was = v->m->acting;
	int rc;

	v->m->acting = pp->drv;
	rc = mig_op_begin(v, slot_done, &pp->slot[which]);
	v->m->acting = was;
	return rc;
}

/* Move the source (@p which 0) or the destination (1) to @p target. */
static void
pair_set_state(struct drv_pair *pp, int which, enum vpf_mig_state target)
{
	int rc = pair_begin(pp, which);

	pair_start_op(pp, which, rc ? rc :
		      mig_set_state_plan(which ? pp->d : pp->s, target));
}

/* The pre-flight read of the source (@p which 0) or the destination (1). */
static void
pair_preflight(struct drv_pair *pp, int which)
{
	int rc = pair_begin(pp, which);

	pair_start_op(pp, which, rc ? rc :
		      mig_preflight_plan(which ? pp->d : pp->s));
}

/* Start recording the source's writes to the migration's ranges. */
static void
pair_dirty_start(struct drv_pair *pp)
{
	const struct drv *drv = pp->drv;
	int rc = pair_begin(pp, 0);

	pair_start_op(pp, 0, rc ? rc :
		      mig_dirty_start_plan(pp->s, drv->ranges, drv->nranges,
					   drv->o->page_size));
}

/* Stage 1 of a precopy round and of stop-copy: queue the transfer of the
 * source's stream to the destination; drv_transfers() moves it in pieces
 * (a transfer counts as an operation in flight). */
static void
pair_xfer_queue(struct drv_pair *pp, bool final)
{
	struct drv *drv = pp->drv;

	pp->pending++;
	pp->xfer = true;
	pp->xfer_final = final;
	pp->xnext = NULL;
	if (drv->xq_tail != NULL)
		drv->xq_tail->xnext = pp;
	else
		drv->xq_head = pp;
	drv->xq_tail = pp;
}

/* One piece (at most drv->xcap bytes) of @p pp's stream from the source
 * into the destination's parser. @return 1 when bytes moved, 0 when the
 * stream is drained, or a negative errno. */
static int
pair_xfer_piece(struct drv_pair *pp)
{
	struct drv *drv = pp->drv;
	struct vpf_mig *sm = pp->s->m;
	const void *was = sm->acting;
	size_t got;
	int rc;

	sm->acting = drv;
	rc = vpf_mig_save_read(sm, pp->s->vf, drv->xbuf, drv->xcap, &got);
	sm->acting = was;
	if (rc)
		return rc;
	if (got == 0)
		return 0;
	pp->p->bytes += got;
	pp->ph_bytes += got;
	rc = mig_load_feed(pp->d, drv->xbuf, got);
	return rc ? rc : 1;
}

/* Write what the destination's parser accepted (the newest context). */
static void
pair_kick_load(struct drv_pair *pp)
{
	struct vpf_mig *dm = pp->d->m;
	const void *was = dm->acting;
	int rc;

	dm->acting = pp->drv;
	rc = mig_load_kick(pp->d, slot_done, &pp->slot[1]);
	dm->acting = was;

	if (rc) {
		pair_fail(pp, rc, vpf_last_error());
		return;
	}
	pp->pending++;
	/* The destination is told now, not at its PF's next poll: that poll
	 * comes after the other transfers of this pass, and in stop-copy
	 * every microsecond the write waits is downtime (D-PERF.2). */
	vpf_admin_kick(dm->pf);
}

static void
pair_phase_done(struct drv_pair *pp)
{
	struct drv *drv = pp->drv;

	if (pp->phase_done)
		return;
	pp->phase_done = true;
	drv->ndone++;
	if (pp->started && !pp->released)
		drv->nrunning--;
}

static bool
serial(const struct drv_pair *pp)
{
	return pp->drv->o->serial;
}

static void
adv_preflight(struct drv_pair *pp)
{
	struct vpf_mig_compat c;
	int rc;

	switch (pp->stage) {
	case 0:
		pp->stage = serial(pp) ? 1 : 2;
		pair_preflight(pp, 0);
		if (!serial(pp) && !pp->failed)
			pair_preflight(pp, 1);
		break;
	case 1:
		pp->stage = 2;
		pair_preflight(pp, 1);
		break;
	case 2:
		rc = mig_compat_compare(pp->s, pp->d, &c);
		if (rc) {
			pair_fail(pp, rc, vpf_last_error());
			break;
		}
		if (c.warning[0])
			VPF_LOG(mig, WARNING, "VF %u -> VF %u: %s", pp->s->vf,
				pp->d->vf, c.warning);
		pp->stage = 3;
		if (pp->s->prefault_want || pp->d->prefault_want) {
			/* The stream buffers of both VFs, sized by the
			 * pre-flight: a work unit each (drv_prefaults()). */
			struct drv *drv = pp->drv;

			pp->pending++;
			pp->pnext = NULL;
			if (drv->pq_tail != NULL)
				drv->pq_tail->pnext = pp;
			else
				drv->pq_head = pp;
			drv->pq_tail = pp;
		}
		break;
	case 3:
		pair_phase_done(pp);
		break;
	}
}

static void
adv_setup(struct drv_pair *pp)
{
	const struct vpf_mig_opts *o = pp->drv->o;

	switch (pp->stage) {
	case 0:
		pp->stage = serial(pp) && o->dirty ? 1 : 2;
		pair_set_state(pp, 1, VPF_MIG_STATE_RESUMING);
		if (o->dirty && !serial(pp) && !pp->failed)
			pair_dirty_start(pp);
		break;
	case 1:
		pp->stage = 2;
		pair_dirty_start(pp);
		break;
	case 2:
		pair_phase_done(pp);
		break;
	}
}

static void
start_sync(struct drv_pair *pp, bool stop)
{
	struct drv *drv = pp->drv;
	int rc;

	rc = pair_begin(pp, 0);
	if (rc == 0)
		rc = mig_dirty_sync_plan(pp->s, drv->bm_addr, drv->bm_len,
					 pp->bm);
	if (rc == 0 && stop)
		rc = mig_dirty_stop_plan(pp->s);
	pair_start_op(pp, 0, rc);
}

/*
 * Stages 2 and 3 of a precopy round and of stop-copy (@p final): the
 * serial dirty sync, then its pages counted. True once they are done.
 */
static bool
adv_sync(struct drv_pair *pp, bool final)
{
	if (pp->stage == 2) {
		pp->stage = 3;
		start_sync(pp, final);
		return false;
	}
	if (pp->drv->o->dirty)
		pp->ph_pages += pp->s->dirty.new_bits;
	return true;
}

/*
 * The source's stream has moved to the destination (@p rc 0) in a precopy
 * round or in stop-copy (@p final): start its load, and start the dirty
 * sync (@final: the last one) at once when pipelined, or as stage 2 when
 * serial.
 */
static void
pair_transferred(struct drv_pair *pp, bool final, int rc)
{
	const struct vpf_mig_opts *o = pp->drv->o;

	if (rc) {
		pair_fail(pp, rc, pp->d->err[0] ? pp->d->err : vpf_last_error());
		return;
	}
	if (pp->failed)
		return;		/* cancelled while it waited */
	pp->stage = o->dirty && serial(pp) ? 2 : 3;
	pair_kick_load(pp);
	if (o->dirty && !serial(pp) && !pp->failed)
		start_sync(pp, final);
}

static void
adv_precopy(struct drv_pair *pp)
{
	int rc;

	switch (pp->stage) {
	case 0:
		pp->stage = 1;
		if (pp->drv->round == 1) {
			pair_set_state(pp, 0, VPF_MIG_STATE_PRE_COPY);
			break;
		}
		rc = pair_begin(pp, 0);
		pair_start_op(pp, 0, rc ? rc : mig_precopy_round_plan(pp->s));
		break;
	case 1:
		pp->p->precopy_rounds = pp->drv->round;
		pair_xfer_queue(pp, false);
		break;
	case 2:
	case 3:
		if (adv_sync(pp, false))
			pair_phase_done(pp);
		break;
	}
}

static void
adv_stop_copy(struct drv_pair *pp)
{
	switch (pp->stage) {
	case 0:
		pp->stage = 1;
		pp->in_arc = true;
		pp->s->m->stop_arcs++;
		pair_set_state(pp, 0, VPF_MIG_STATE_STOP_COPY);
		break;
	case 1:
		arc_leave(pp);
		pp->p->t_freeze_ns = pp->s->t_freeze_issue - pp->drv->t0;
		pp->p->ctx_bytes = pp->s->ctx.len;
		pair_xfer_queue(pp, true);
		break;
	case 2:
	case 3:
		if (!adv_sync(pp, true))
			break;
		if (!pp->d->load.final_written) {
			pair_fail(pp, -ENODATA,
				  "destination did not receive a complete stream");
			break;
		}
		if (pp->drv->o->before_resume) {
			int rc = pp->drv->o->before_resume(pp->p,
							   pp->drv->o->arg);

			if (rc < 0) {
				pair_fail(pp, rc, "the caller's before-resume hook failed");
				break;
			}
		}
		pp->t_written = vpf_now_ns();
		pp->stage = 4;
		if (!pp->activating) {
			pp->activating = true;
			pp->drv->nactivating++;
		}
		pp->drv->nact_inflight++;
		/* 1.4: the destination's objects go after the window, not
		 * between the activations of the other VFs (D-PERF.3). */
		if (mig_is_v14(pp->d->m))
			pp->d->v14.keep_objs = true;
		pair_set_state(pp, 1, VPF_MIG_STATE_RUNNING);
		if (pp->pending == 0 && pp->drv->nact_inflight > 0)
			pp->drv->nact_inflight--;	/* it did not start */
		break;
	case 4:
		pp->p->t_active_ns = pp->d->t_active_done - pp->drv->t0;
		pp->p->downtime_ns = pp->d->t_active_done -
				     pp->s->t_freeze_issue;
		/* The guest runs on the destination now: the source is
		 * marked complete (never resumed: at detach, or by a
		 * restarted owner), durably, before it leaves STOP_COPY (its
		 * stream is drained). drv_marks() writes the marks of all the
		 * sources that got here together in one journal write. */
		pp->stage = 5;
		if (serial(pp) && pp->started && !pp->released) {
			pp->released = true;
			pp->drv->nrunning--;
		}
		pp->pending++;
		pp->mnext = NULL;
		if (pp->drv->mq_tail != NULL)
			pp->drv->mq_tail->mnext = pp;
		else
			pp->drv->mq_head = pp;
		pp->drv->mq_tail = pp;
		break;
	case 5:
		pp->stage = 6;
		pair_set_state(pp, 0, VPF_MIG_STATE_STOP);
		/* The marks of this batch were written once no activation
		 * was in flight: now the destination's device-parts objects
		 * go (D-PERF.3). */
		if (mig_is_v14(pp->d->m) &&
		    (pp->d->v14.get.o.valid || pp->d->v14.set.o.valid) &&
		    pair_begin(pp, 1) == 0) {
			/* (best effort: a failure only leaves the objects) */
			(void)mig_v14_tidy_plan(pp->d);
			pp->pending++;
			mig_op_start(pp->d);
		}
		break;
	case 6:
		(void)mig_vf_mark_complete(pp->s);
		pair_phase_done(pp);
		break;
	}
}

/* Abort the source (@p which 0) or the destination (1), best effort:
 * the pair has failed already. */
static void
pair_abort(struct drv_pair *pp, int which)
{
	struct mig_vf *v = which ? pp->d : pp->s;

	if (pair_begin(pp, which) == 0 && mig_abort_plan(v) == 0) {
		pp->pending++;
		mig_op_start(v);
	}
}

static void
pair_advance(struct drv_pair *pp)
{
	if (pp->pending > 0 || pp->finished)
		return;
	if (pp->failed) {
		if (pp->aborting) {
			/* (the abort ran unless the outcome is unknown) */
			if (!pp->outcome_unknown)
				mig_wr_pair_note(pp->s, pp->p->error,
						 sizeof(pp->p->error));
			pp->finished = true;
			pair_phase_done(pp);
			return;
		}
		/* Source back to running with its state unchanged,
		 * destination with nothing applied (doc/protocol.md §7.5). */
		pp->aborting = true;
		if (!pp->outcome_unknown) {
			mig_vf_clear_complete(pp->s);
			pair_abort(pp, 0);
			pair_abort(pp, 1);
		}
		if (pp->pending == 0) {
			pp->finished = true;
			pair_phase_done(pp);
		}
		return;
	}
	switch (pp->drv->phase) {
	case VPF_MIG_PHASE_PREFLIGHT:
		adv_preflight(pp);
		break;
	case VPF_MIG_PHASE_SETUP:
		adv_setup(pp);
		break;
	case VPF_MIG_PHASE_PRECOPY:
		adv_precopy(pp);
		break;
	case VPF_MIG_PHASE_STOP_COPY:
		adv_stop_copy(pp);
		break;
	default:
		pair_phase_done(pp);
		break;
	}
	/* A stage that started nothing and did not finish moves on. */
	if (pp->pending == 0 && !pp->phase_done && !pp->finished)
		pair_advance(pp);
}

/* The caller's cancel hook or vpf_mig_job_cancel(): abort every pair that
 * has not issued its destination's activation (after that the guest may
 * run there: the pair completes). Checked once per pass of drv_poll(),
 * between completions, so a pair's stage is never half-advanced here. */
static void
check_cancel(struct drv *drv)
{
	unsigned int i;

	/* the abort of every pair (phase DONE) is not cancelled */
	if (drv->cancelled || drv->phase > VPF_MIG_PHASE_STOP_COPY)
		return;
	if (!drv->job.cancel_req &&
	    (drv->o->cancel == NULL || !drv->o->cancel(drv->o->arg)))
		return;
	drv->cancelled = true;
	for (i = 0; i < drv->n; i++) {
		struct drv_pair *pp = &drv->pp[i];

		if (pp->failed || pp->finished || pp->phase_done ||
		    (drv->phase == VPF_MIG_PHASE_STOP_COPY && pp->stage >= 4))
			continue;
		pair_fail(pp, -ECANCELED, "cancelled");
		/* A started pair with nothing in flight aborts now; the others
		 * when their operation or transfer completes, or when
		 * drv_start_pairs() starts them. */
		if (pp->started && pp->pending == 0)
			pair_advance(pp);
	}
}

/*
 * 1.4 sources are journaled as stopped before their stop is sent
 * (D-MIG14.3). Rather than one durable write per VF inside the downtime
 * window (each source's set_state would write its own), setup marks every
 * source of the job and writes each PF's journal once, in the background,
 * while the destinations enter RESUMING; the first phase after setup
 * collects the writes (D-MIG14.22). A source already marked writes
 * nothing at its stop.
 */
static void
drv_stop_marks_start(struct drv *drv)
{
	unsigned int i, k;

	for (k = 0; k < drv->nmigs && k < 64; k++) {
		struct vpf_mig *m = drv->migs[k];
		bool any = false;

		if (!mig_is_v14(m) || mig_journal_state(m) != MIG_JRN_OK)
			continue;
		for (i = 0; i < drv->n; i++)
			if (drv->pp[i].s->m == m && !drv->pp[i].finished)
				any |= mig_journal_stop_set(m, drv->pp[i].s->vf,
							    true);
		if (any && mig_journal_write_start(m) == 0)
			drv->smarks |= UINT64_C(1) << k;
	}
}

static void
drv_stop_marks_end(struct drv *drv)
{
	unsigned int k;

	for (k = 0; k < drv->nmigs && k < 64; k++) {
		struct vpf_mig *m = drv->migs[k];

		if (!(drv->smarks & (UINT64_C(1) << k)))
			continue;
		drv->smarks &= ~(UINT64_C(1) << k);
		/* Still running: a source whose stop comes before it ends
		 * waits for it as a step (D-MIG14.23), and the poll collects
		 * it. Failed: logged; the stops go on. */
		(void)mig_journal_write_done(m);
	}
}

/* Begin drv->phase for every pair still migrating. */
static void
drv_phase_begin(struct drv *drv)
{
	unsigned int i;

	if (drv->phase == VPF_MIG_PHASE_SETUP)
		drv_stop_marks_start(drv);
	else if (drv->smarks)
		drv_stop_marks_end(drv);

	drv->t_phase = vpf_now_ns();
	drv->cursor = 0;
	drv->nrunning = 0;
	drv->ndone = 0;
	for (i = 0; i < drv->n; i++) {
		struct drv_pair *pp = &drv->pp[i];

		arc_leave(pp);
		pp->stage = 0;
		pp->started = false;
		pp->released = false;
		pp->phase_done = pp->finished;
		pp->ph_bytes = 0;
		pp->ph_pages = 0;
		if (pp->phase_done)
			drv->ndone++;
	}
	drv->job.phase = drv->phase;
	drv->step = DS_RUN;
}

/* The stop window of source PF @p m (vpf_mig_opts::stop_window, D-PERF.8):
 * the caller's, or twice the device's estimated concurrency. */
static uint32_t
stop_window(const struct drv *drv, const struct vpf_mig *m)
{
	uint32_t c;

	if (drv->o->stop_window != 0)
		return drv->o->stop_window;
	c = vpf_admin_concurrency(m->pf);
	if (c == 0 || c > UINT32_MAX / 2)
		return VPF_MIG_STOP_WINDOW_ALL;
	return 2 * c > VPF_MIG_STOP_WINDOW_MIN ?
	       2 * c : VPF_MIG_STOP_WINDOW_MIN;
}

/* Start the pairs of this phase not started yet, at most @p budget (one
 * work unit each); serial: the next one when the one before is done;
 * stop-copy: while the source's stop window has room. @return the pairs
 * started. */
static unsigned int
drv_start_pairs(struct drv *drv, unsigned int budget)
{
	unsigned int used = 0;

	while (drv->cursor < drv->n && used < budget) {
		struct drv_pair *pp = &drv->pp[drv->cursor];

		if (pp->phase_done) {
			drv->cursor++;
			continue;
		}
		if (drv->o->serial && drv->nrunning > 0)
			break;
		/* (a pair failed before it started, by a cancel, only
		 * aborts: the window does not hold it) */
		if (drv->phase == VPF_MIG_PHASE_STOP_COPY && !pp->failed &&
		    pp->s->m->stop_arcs >= stop_window(drv, pp->s->m))
			break;
		drv->cursor++;
		pp->started = true;
		drv->nrunning++;
		used++;
		pair_advance(pp);
	}
	return used;
}

/* The transfers waiting, one piece (one work unit) at a time, at most
 * @p budget pieces; a pair's whole stream goes before the next pair's.
 * *@p moved is set when a transfer ended. @return the pieces moved. */
static unsigned int
drv_transfers(struct drv *drv, unsigned int budget, bool *moved)
{
	unsigned int used = 0;

	while (drv->xq_head != NULL) {
		struct drv_pair *pp = drv->xq_head;
		int rc = 0;

		if (!pp->failed) {
			if (used >= budget)
				break;
			rc = pair_xfer_piece(pp);
			if (rc == 1) {
				used++;
				continue;
			}
		}
		/* Drained, failed, or the pair was cancelled meanwhile. */
		drv->xq_head = pp->xnext;
		if (drv->xq_head == NULL)
			drv->xq_tail = NULL;
		pp->xnext = NULL;
		pp->xfer = false;
		pp->pending--;
		*moved = true;
		pair_transferred(pp, pp->xfer_final, rc);
		pair_advance(pp);
	}
	return used;
}

/* The pre-flight's buffer prefaults waiting (mig_vf_prefault()): one step
 * (a buffer's growth or one page), which ends the poll, or with an
 * unlimited budget (UINT_MAX) all of them (mig_vf_prefault_run()). *@p
 * moved is set when a pair's are done. @return the work units used:
 * @p budget after a step, else 0. */
static unsigned int
drv_prefaults(struct drv *drv, unsigned int budget, bool *moved)
{
	while (drv->pq_head != NULL && budget > 0) {
		struct drv_pair *pp = drv->pq_head;
		struct mig_vf *v = pp->s->prefault_want ? pp->s : pp->d;

		if (v->prefault_want) {
			if (!mig_vf_prefault_ready(v))
				return 0;	/* after its command completes */
			if (budget != UINT_MAX) {
				(void)mig_vf_prefault_run(v);
				return budget;
			}
			while (mig_vf_prefault_run(v))	/* blocking call */
				;
			continue;
		}
		drv->pq_head = pp->pnext;
		if (drv->pq_head == NULL)
			drv->pq_tail = NULL;
		pp->pnext = NULL;
		pp->pending--;
		*moved = true;
		pair_advance(pp);
	}
	return 0;
}

/* Drop the in-memory entries of the sources in list @p pp on @p m (their
 * write failed): mig_vf_mark_complete() tries each alone, and says so. */
static void
marks_unset(struct drv_pair *pp, struct vpf_mig *m)
{
	for (; pp != NULL; pp = pp->mnext)
		if (pp->mark_new && pp->s->m == m)
			(void)mig_journal_set(m, pp->s->vf, false);
}

/*
 * The marks being written (drv->wq_head): once every PF's write has
 * landed, mig_vf_mark_complete() for each source, which finds its entry
 * written, and the pairs go on. One work unit when they do.
 */
static unsigned int
drv_marks_collect(struct drv *drv, bool *moved)
{
	struct drv_pair *pp, *next;
	unsigned int k;

	for (k = 0; k < drv->nmigs; k++) {
		int rc = mig_journal_write_done(drv->migs[k]);

		if (rc == -EINPROGRESS)
			return 0;
		if (rc < 0)
			marks_unset(drv->wq_head, drv->migs[k]);
	}
	pp = drv->wq_head;
	drv->wq_head = NULL;
	for (; pp != NULL; pp = next) {
		next = pp->mnext;
		pp->mnext = NULL;
		pp->mark_new = false;
		(void)mig_vf_mark_complete(pp->s);
		pp->pending--;
		pair_advance(pp);
	}
	*moved = true;
	return 1;
}

/*
 * Mark the sources waiting in the mark queue complete: their journal
 * entries are set in memory, then written with one durable write per PF
 * (a write and its fsyncs per VF made the poll that activated 32
 * destinations take 32 fsyncs) on a writer thread, so that no poll waits
 * for an fsync (D-JOB.9); drv_marks_collect() finishes them. One work
 * unit. *@p moved is set when it ran.
 */
static unsigned int
drv_marks(struct drv *drv, bool *moved)
{
	struct drv_pair *pp;
	unsigned int k;

	if (drv->wq_head != NULL)
		return drv_marks_collect(drv, moved);
	/* While activations are in flight, more sources are about to join
	 * the batch: one fsynced write for all of them (a write per poll
	 * made a job 1.6 times slower than the blocking call, whose one
	 * poll gathers them all). */
	if (drv->mq_head == NULL || drv->nact_inflight > 0)
		return 0;
	for (pp = drv->mq_head; pp != NULL; pp = pp->mnext) {
		struct vpf_mig *m = pp->s->m;

		pp->mark_new = mig_journal_state(m) == MIG_JRN_OK &&
			       !mig_journal_has(m, pp->s->vf) &&
			       mig_journal_set(m, pp->s->vf, true);
	}
	for (k = 0; k < drv->nmigs; k++) {
		struct vpf_mig *m = drv->migs[k];
		bool any = false;

		for (pp = drv->mq_head; pp != NULL && !any; pp = pp->mnext)
			any = pp->mark_new && pp->s->m == m;
		if (any && mig_journal_write_start(m) < 0)
			marks_unset(drv->mq_head, m);
	}
	drv->wq_head = drv->mq_head;
	drv->mq_head = drv->mq_tail = NULL;
	*moved = true;
	return 1;
}

/* Poll the PFs of the job, at most @p budget admin completions in all; the
 * PF polled first turns round. *@p moved is set when something completed.
 * @return the admin completions handled. */
static unsigned int
drv_poll_pfs(struct drv *drv, unsigned int budget, bool *moved)
{
	unsigned int used = 0, k;

	for (k = 0; k < drv->nmigs && used < budget; k++) {
		struct vpf_mig *m = drv->migs[(drv->mig_next + k) % drv->nmigs];
		unsigned int h;
		int rc = mig_poll_budget(m, budget - used, &h);

		used += h;
		if (rc > 0 || h > 0)
			*moved = true;
		if (rc < 0)
			mig_fail_all(m, rc);
	}
	drv->mig_next = drv->mig_next + 1 < drv->nmigs ? drv->mig_next + 1 : 0;
	return used;
}

void
mig_progress_add_pair(struct vpf_mig_progress *pr, uint64_t bytes,
		      uint64_t pages, uint64_t initial_bytes,
		      uint64_t dirty_bytes)
{
	pr->bytes += bytes;
	pr->dirty_pages += pages;
	/* Sizes the devices report (SIZE_GET): one that says 2^64 - 1 must
	 * not make a sum of several wrap to a small figure. */
	pr->initial_bytes = mig_add_sat(pr->initial_bytes, initial_bytes);
	pr->dirty_bytes = mig_add_sat(pr->dirty_bytes, dirty_bytes);
}

/* The progress report after phase @p ph (begun at @p t_start): counted
 * into @p res, and handed to the caller's callback, whose answer may
 * abort (*@p abort_rc) or end the precopy rounds (*@p stop_precopy). */
static void
report(struct drv *drv, enum vpf_mig_phase ph, uint64_t t_start,
       struct vpf_mig_result *res, int *abort_rc, bool *stop_precopy)
{
	struct vpf_mig_progress pr;
	unsigned int i;
	int rc;

	memset(&pr, 0, sizeof(pr));
	pr.phase = ph;
	pr.round = ph == VPF_MIG_PHASE_PRECOPY ? drv->round : 0;
	pr.pairs = drv->n;
	for (i = 0; i < drv->n; i++) {
		struct drv_pair *pp = &drv->pp[i];

		if (pp->failed) {
			pr.failed++;
			continue;
		}
		if (ph == VPF_MIG_PHASE_PRECOPY)
			mig_progress_add_pair(&pr, pp->ph_bytes, pp->ph_pages,
					      pp->s->save.round_size,
					      pp->s->save.dirty_bytes);
		else
			mig_progress_add_pair(&pr, pp->ph_bytes, pp->ph_pages,
					      0, 0);
	}
	pr.phase_ns = vpf_now_ns() - t_start;
	pr.elapsed_ns = vpf_now_ns() - drv->t0;
	if (ph < VPF_MIG_PHASE_MAX && res)
		res->phase_ns[ph] += pr.phase_ns;
	if (ph == VPF_MIG_PHASE_PRECOPY && res)
		res->precopy_bytes += pr.bytes;
	if (drv->o->progress == NULL)
		return;
	rc = drv->o->progress(&pr, drv->o->arg);
	if (rc < 0 && *abort_rc == 0)
		*abort_rc = rc;
	else if (rc == VPF_MIG_PROGRESS_STOP_PRECOPY && stop_precopy)
		*stop_precopy = true;
}

/* The options that hold for every pair: chunk, page size and the span of
 * the dirty bitmap over the tracked ranges (D-MIG.9). */
static int
drv_check_opts(struct drv *drv, const struct vpf_mig_opts *o)
{
	struct mig_job_span sp;
	int rc = mig_job_check_opts(o, &sp);

	drv->ranges = sp.ranges;
	drv->nranges = sp.nranges;
	drv->bm_addr = sp.bm_addr;
	drv->bm_len = sp.bm_len;
	return rc;
}

/* Pair @p i is usable: two distinct VFs, not busy, in no earlier pair, a
 * running source; its handles join drv->migs. */
static int
drv_pair_check(struct drv *drv, const struct vpf_mig_opts *o,
	       struct vpf_mig_pair *p, unsigned int i)
{
	struct drv_pair *pp = &drv->pp[i];
	struct vpf_mig *mm[2] = { p->src, p->dst };
	unsigned int j, k;

	pp->s = mig_vf_get(p->src, p->src_vf);
	pp->d = mig_vf_get(p->dst, p->dst_vf);
	if (pp->s == NULL || pp->d == NULL)
		return vpf_error(-EINVAL, "pair %u: %s", i, vpf_last_error());
	if (pp->s == pp->d)
		return vpf_error(-EINVAL, "pair %u: source and destination are the same VF", i);
	if (pp->s->busy || pp->d->busy)
		return vpf_error(-EBUSY, "pair %u: a VF is busy", i);
	if (pp->s->owner != NULL || pp->d->owner != NULL)
		return vpf_error(-EBUSY, "pair %u: a VF belongs to another migration job",
				 i);
	for (j = 0; j < i; j++) {
		struct drv_pair *q = &drv->pp[j];

		if (q->s == pp->s || q->s == pp->d || q->d == pp->s ||
		    q->d == pp->d)
			return vpf_error(-EINVAL, "pair %u uses a VF of pair %u again",
					 i, j);
	}
	if (pp->s->state != VPF_MIG_STATE_RUNNING)
		return vpf_error(-EPERM, "pair %u: source VF %u is %s, not RUNNING",
				 i, p->src_vf, vpf_mig_state_name(pp->s->state));
	if (o->dirty && !p->src->info.has_write_record)
		return mig_dirty_unavailable(p->src);
	for (k = 0; k < 2; k++) {
		for (j = 0; j < drv->nmigs; j++)
			if (drv->migs[j] == mm[k])
				break;
		if (j == drv->nmigs)
			drv->migs[drv->nmigs++] = mm[k];
	}
	return 0;
}

/* Pair @p i takes part: its result reset, the VFs' chunk and precopy
 * write set for this migration (put back by drv_teardown()), its bitmap. */
static int
drv_pair_init(struct drv *drv, const struct vpf_mig_opts *o,
	      struct vpf_mig_pair *p, unsigned int i)
{
	struct drv_pair *pp = &drv->pp[i];

	pp->drv = drv;
	pp->p = p;
	pp->slot[0].pp = pp;
	pp->slot[0].which = 0;
	pp->slot[1].pp = pp;
	pp->slot[1].which = 1;
	p->rc = 0;
	p->error[0] = '\0';
	p->failed_phase = VPF_MIG_PHASE_DONE;
	p->downtime_ns = p->bytes = p->ctx_bytes = p->pages = 0;
	p->precopy_rounds = 0;
	p->t_freeze_ns = p->t_active_ns = 0;
	pp->chunk_s = pp->s->chunk;
	pp->chunk_d = pp->d->chunk;
	pp->pw_d = pp->d->load.precopy_write;
	if (o->chunk) {
		pp->s->chunk = o->chunk;
		pp->d->chunk = o->chunk;
	}
	pp->d->load.precopy_write = o->precopy_to_dst;
	pp->cmds0 = pp->s->cmds + pp->d->cmds;
	if (o->dirty)
		return mig_job_bitmap(p->bitmap, drv->bm_len, o->page_size,
				      &pp->bm, &pp->bm_own);
	return 0;
}

/* Check everything before anything is sent, then set the pairs up. */
static int
drv_setup(struct drv *drv, const struct vpf_mig_opts *o,
	  struct vpf_mig_pair *pairs, unsigned int n)
{
	unsigned int i;
	int rc;

	drv->o = o;
	drv->n = n;
	rc = drv_check_opts(drv, o);
	if (rc)
		return rc;
	drv->pp = calloc(n, sizeof(*drv->pp));
	drv->migs = calloc(2 * (size_t)n, sizeof(*drv->migs));
	/* One transfer unit: a piece of at most this much (no allocation
	 * while the job runs). */
	drv->xcap = o->stream_chunk && o->stream_chunk < DRV_PIECE_MAX ?
		    o->stream_chunk : DRV_PIECE_MAX;
	drv->xbuf = malloc(drv->xcap);
	if (drv->pp == NULL || drv->migs == NULL || drv->xbuf == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		rc = drv_pair_check(drv, o, &pairs[i], i);
		if (rc)
			return rc;
	}
	for (i = 0; i < n; i++) {
		rc = drv_pair_init(drv, o, &pairs[i], i);
		if (rc)
			return rc;
	}
	/* The VFs belong to the job until it finishes. */
	for (i = 0; i < n; i++) {
		drv->pp[i].s->owner = drv;
		drv->pp[i].d->owner = drv;
	}
	return 0;
}

static void
drv_teardown(struct drv *drv, struct vpf_mig_result *res)
{
	unsigned int i;

	for (i = 0; drv->pp && i < drv->n; i++) {
		struct drv_pair *pp = &drv->pp[i];

		if (pp->drv == NULL)
			continue;
		arc_leave(pp);
		if (pp->s->owner == drv)
			pp->s->owner = NULL;
		if (pp->d->owner == drv)
			pp->d->owner = NULL;
		if (res)
			res->cmds += pp->s->cmds + pp->d->cmds - pp->cmds0;
		pp->s->chunk = pp->chunk_s;
		pp->d->chunk = pp->chunk_d;
		pp->d->load.precopy_write = pp->pw_d;
		if (pp->bm_own)
			free(pp->bm);
	}
	free(drv->pp);
	free(drv->migs);
	free(drv->xbuf);
	drv->pp = NULL;
	drv->migs = NULL;
	drv->xbuf = NULL;
}

static uint64_t
popcount_bm(const uint64_t *bm, size_t words)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bm[i]);
	return n;
}

/* Every pair aborted (drv->abort_rc: the callback's answer or cancel):
 * the abort phase (DONE) begins. */
static void
drv_abort_all(struct drv *drv)
{
	unsigned int i;

	for (i = 0; i < drv->n; i++)
		pair_fail(&drv->pp[i], drv->abort_rc, drv->cancelled ?
			  "cancelled" : "aborted by the progress callback");
	drv->phase = VPF_MIG_PHASE_DONE;
	drv->aborting = true;
	drv->step = DS_BEGIN;
}

/* Per-pair results into @p pairs and @p res. @return the first failed
 * pair's error, or 0. */
static int
drv_collect(struct drv *drv, struct vpf_mig_pair *pairs,
	    struct vpf_mig_result *res)
{
	uint64_t first_freeze = UINT64_MAX, last_active = 0;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < drv->n; i++) {
		struct drv_pair *pp = &drv->pp[i];
		struct vpf_mig_pair *p = &pairs[i];

		if (pp->bm)
			p->pages = popcount_bm(pp->bm,
					       vpf_mig_bitmap_words(drv->bm_len,
								    drv->o->page_size));
		if (res) {
			res->pairs++;
			res->bytes += p->bytes;
			res->pages += p->pages;
		}
		if (pp->failed) {
			if (res)
				res->failed++;
			if (rc == 0)
				rc = p->rc ? p->rc : -EIO;
			continue;
		}
		if (res) {
			res->ok++;
			if (p->downtime_ns > res->downtime_max_ns)
				res->downtime_max_ns = p->downtime_ns;
		}
		if (p->t_freeze_ns < first_freeze)
			first_freeze = p->t_freeze_ns;
		if (p->t_active_ns > last_active)
			last_active = p->t_active_ns;
	}
	if (res) {
		res->total_ns = vpf_now_ns() - drv->t0;
		if (last_active > 0 && first_freeze != UINT64_MAX)
			res->downtime_ns = last_active - first_freeze;
	}
	return rc;
}

/* The last progress report: phase DONE, the totals. */
static void
drv_report_done(struct drv *drv, const struct vpf_mig_result *res)
{
	const struct vpf_mig_opts *o = drv->o;
	struct vpf_mig_progress pr;

	if (o->progress == NULL)
		return;
	memset(&pr, 0, sizeof(pr));
	pr.phase = VPF_MIG_PHASE_DONE;
	pr.pairs = drv->n;
	pr.failed = res ? res->failed : 0;
	pr.bytes = res ? res->bytes : 0;
	pr.dirty_pages = res ? res->pages : 0;
	pr.elapsed_ns = vpf_now_ns() - drv->t0;
	o->progress(&pr, o->arg);
}

/* Stop-copy and resume have run: they overlap per pair, and the two
 * reports split the time at the last pair's final context written. */
static void
drv_stop_copy_end(struct drv *drv)
{
	uint64_t t = drv->t_phase, last_written = t;
	int late = 0;	/* nothing left to abort */
	unsigned int i;

	for (i = 0; i < drv->n; i++)
		if (!drv->pp[i].failed && drv->pp[i].t_written > last_written)
			last_written = drv->pp[i].t_written;
	report(drv, VPF_MIG_PHASE_STOP_COPY, t, &drv->res, &late, NULL);
	drv->res.phase_ns[VPF_MIG_PHASE_STOP_COPY] = last_written - t;
	report(drv, VPF_MIG_PHASE_RESUME, last_written, &drv->res, &late, NULL);
}

/* The job has finished: results, VFs given back, the last report. */
static void
drv_finish(struct drv *drv)
{
	drv_stop_marks_end(drv);
	drv->rc = drv_collect(drv, drv->pairs, &drv->res);
	drv_teardown(drv, &drv->res);
	drv->step = DS_DONE;
	drv->job.phase = VPF_MIG_PHASE_DONE;
	drv_report_done(drv, &drv->res);
	drv->job.done = true;
}

/*
 * Every pair is done with the current phase: report it and pick the next.
 * Pre-flight, setup and the precopy rounds run while the sources run (no
 * downtime yet); an abort (the progress callback's answer or a cancel)
 * after any of them aborts every pair. Stop-copy ends the migration.
 */
static void
drv_phase_end(struct drv *drv)
{
	enum vpf_mig_phase ph = drv->phase;

	if (drv->aborting) {
		drv_finish(drv);
		return;
	}
	if (ph == VPF_MIG_PHASE_STOP_COPY) {
		drv_stop_copy_end(drv);
		drv_finish(drv);
		return;
	}
	/* During precopy the sources still run: the callback may drive
	 * their workload or copy the dirty pages. */
	report(drv, ph, drv->t_phase, &drv->res, &drv->abort_rc,
	       ph == VPF_MIG_PHASE_PRECOPY ? &drv->stop_pc : NULL);
	if (drv->cancelled && drv->abort_rc == 0)
		drv->abort_rc = -ECANCELED;
	if (ph == VPF_MIG_PHASE_PRECOPY)
		drv->round++;
	if (drv->abort_rc) {
		drv->res.precopy_rounds = drv->round - 1;
		drv_abort_all(drv);
		return;
	}
	if (ph == VPF_MIG_PHASE_PREFLIGHT) {
		drv->phase = VPF_MIG_PHASE_SETUP;
	} else if (!drv->stop_pc && drv->round <= drv->o->precopy_rounds) {
		drv->phase = VPF_MIG_PHASE_PRECOPY;
	} else {
		drv->res.precopy_rounds = drv->round - 1;
		drv->phase = VPF_MIG_PHASE_STOP_COPY;
	}
	drv->step = DS_BEGIN;
}

/*
 * The job's poll: passes of (begin the phase, the cancel check, start
 * pairs, end the phase when every pair is done, transfers, poll the PFs)
 * while something moves and the budget lasts. Work units: a pair started,
 * a transfer piece, an admin completion handled.
 */
static int
drv_poll(struct vpf_mig_job *job, unsigned int budget)
{
	struct drv *drv = (struct drv *)job;
	unsigned int used = 0;
	bool moved = true;

	while (moved && used < budget && !job->done) {
		unsigned int used0 = used;

		moved = false;
		if (drv->step == DS_BEGIN)
			drv_phase_begin(drv);
		check_cancel(drv);
		used += drv_start_pairs(drv, budget - used);
		if (drv->ndone == drv->n) {
			drv_phase_end(drv);
			moved = true;
			continue;
		}
		if (used < budget)
			used += drv_marks(drv, &moved);
		used += drv_prefaults(drv, budget - used, &moved);
		used += drv_transfers(drv, budget - used, &moved);
		if (used < budget)
			used += drv_poll_pfs(drv, budget - used, &moved);
		if (drv->phase == VPF_MIG_PHASE_STOP_COPY &&
		    drv->nactivating > 0 &&
		    drv->nactivating + drv->nfailed >= drv->n)
			drv->job.phase = VPF_MIG_PHASE_RESUME;
		/* Another pass only after one that did some work: a pass
		 * that did none returns to the caller, whatever the passes
		 * before it did (it used to go on until the budget was used,
		 * waiting for the device inside the call). */
		if (used > used0)
			moved = true;
	}
	return (int)used;
}

/* vpf_mig_job_cancel(): job->cancel_req is set; the next pass of
 * drv_poll() acts on it (check_cancel()). */
static void
drv_cancel(struct vpf_mig_job *job)
{
	(void)job;
}

static int
drv_result(struct vpf_mig_job *job, struct vpf_mig_result *res)
{
	struct drv *drv = (struct drv *)job;
	unsigned int i;

	if (res)
		*res = drv->res;
	if (drv->abort_rc && drv->cancelled)
		return vpf_error(-ECANCELED, "migration cancelled");
	if (drv->abort_rc)
		return vpf_error(drv->abort_rc, "migration aborted by the progress callback");
	for (i = 0; drv->rc && i < drv->n; i++) {
		const struct vpf_mig_pair *p = &drv->pairs[i];

		if (p->rc)
			return vpf_error(drv->rc, "pair %u (VF %u -> VF %u) failed in %s: %s",
					 i, p->src_vf, p->dst_vf,
					 vpf_mig_phase_name(p->failed_phase),
					 p->error);
	}
	return drv->rc;
}

static void
drv_destroy(struct vpf_mig_job *job)
{
	struct drv *drv = (struct drv *)job;

	drv_teardown(drv, NULL);	/* nothing left after drv_finish() */
	free(drv->ranges_copy);
	free(drv);
}

static const struct mig_job_ops drv_ops = {
	.poll = drv_poll,
	.cancel = drv_cancel,
	.result = drv_result,
	.destroy = drv_destroy,
};

int
vpf_mig_job_start(const struct vpf_mig_opts *o, struct vpf_mig_pair *pairs,
		  unsigned int n, struct vpf_mig_job **job)
{
	struct drv *drv;
	int rc;

	if (job == NULL)
		return vpf_error(-EINVAL, "vpf_mig_job_start: no job pointer");
	*job = NULL;
	if (pairs == NULL || n == 0)
		return vpf_error(-EINVAL, "no pairs to migrate");
	drv = calloc(1, sizeof(*drv));
	if (drv == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	if (o != NULL)
		drv->opts = *o;
	else
		vpf_mig_opts_init(&drv->opts);
	if (drv->opts.ranges != NULL && drv->opts.nranges > 0) {
		drv->ranges_copy = calloc(drv->opts.nranges,
					  sizeof(*drv->ranges_copy));
		if (drv->ranges_copy == NULL) {
			free(drv);
			return vpf_error(-ENOMEM, "out of memory");
		}
		memcpy(drv->ranges_copy, drv->opts.ranges,
		       drv->opts.nranges * sizeof(*drv->ranges_copy));
		drv->opts.ranges = drv->ranges_copy;
	}
	drv->job.ops = &drv_ops;
	drv->pairs = pairs;
	rc = mig_job_objects_check(pairs, n, MIG_SIDE_SRC | MIG_SIDE_DST);
	if (rc == 0)
		rc = drv_setup(drv, &drv->opts, pairs, n);
	if (rc) {
		drv_destroy(&drv->job);
		return rc;
	}
	drv->round = 1;
	drv->phase = drv->opts.no_preflight ? VPF_MIG_PHASE_SETUP :
		     VPF_MIG_PHASE_PREFLIGHT;
	drv->job.phase = drv->phase;
	drv->step = DS_BEGIN;
	drv->t0 = vpf_now_ns();
	*job = &drv->job;
	return 0;
}

int
vpf_mig_migrate(const struct vpf_mig_opts *o, struct vpf_mig_pair *pairs,
		unsigned int n, struct vpf_mig_result *res)
{
	struct vpf_mig_job *job;
	int rc;

	if (res)
		memset(res, 0, sizeof(*res));
	rc = vpf_mig_job_start(o, pairs, n, &job);
	if (rc)
		return rc;
	/* No budget: each poll does everything there is, as a loop of
	 * vpf_mig_poll() would. */
	while (!vpf_mig_job_done(job))
		(void)vpf_mig_job_poll(job, UINT_MAX);
	return vpf_mig_job_finish(job, res);
}
