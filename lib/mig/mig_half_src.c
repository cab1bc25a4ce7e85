/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The source half of a migration over a transport
 * (vpf_mig_job_start_source(), doc/migration.md "Transports and halves").
 *
 * Phases with a barrier between them, as in the in-process job: pre-flight
 * (each VF's descriptor out, the destination's verdict back; dirty
 * tracking starts meanwhile), precopy rounds, stop-copy. Inside a phase
 * every pair runs its own chain of per-VF operations. Stream bytes are
 * framed straight from the VF's save buffer into the link's send queue,
 * which is held below MIG_LINK_OUT_HIGH.
 *
 * The commit point of a pair is the transport taking the last byte of its
 * stream: before it, the destination cannot have the whole stream and the
 * source may be resumed; after it, only the destination's RESULT (or an
 * ABORT) tells what happened, and without one the outcome is unknown.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mig_half.h"
#include "mig_journal.h"

enum src_stage {
	SS_PREFLIGHT = 0,	/* op: pre-flight read */
	SS_SETUP,		/* DESC queued; op: dirty start (optional) */
	SS_READY,		/* verdict in, set up: waits for the phase */
	SS_PC_OP,		/* op: PRE_COPY, or the next round */
	SS_PC_SEND,		/* framing the round; op: dirty sync */
	SS_PC_DONE,		/* waits for the next phase */
	SS_SC_OP,		/* op: STOP_COPY (Freeze, final read) */
	SS_SC_SEND,		/* framing the stream; op: last sync + stop */
	SS_WAIT_RESULT,		/* whole stream queued */
	SS_MARK,		/* activated: to be marked complete */
	SS_STOPPING,		/* op: STOP after the result (or unknown) */
	SS_ABORTING,		/* op: abort */
	SS_DONE
};

struct half_src;

struct src_pair {
	struct half_src *h;
	struct vpf_mig_pair *p;
	struct mig_vf *s;
	uint32_t idx;
	enum src_stage stage;
	bool op_busy;
	bool op_done;
	int op_rc;
	bool verdict;		/* the destination accepted */
	bool sent_all;		/* the whole stream is queued */
	uint64_t commit_at;	/* link.queued after its last byte */
	bool committed;
	bool result;		/* RESULT activated arrived */
	uint32_t acked;		/* precopy rounds the destination took */
	bool failed;
	bool unknown;		/* committed, no answer: leave it stopped */
	bool peer_knows;	/* the destination ended the pair itself */
	uint64_t *bm;
	bool bm_own;
	uint32_t chunk_saved;
	uint64_t cmds0;
	uint64_t ph_bytes;
	uint64_t ph_pages;
	uint64_t t_active;	/* activation, this host's clock */
};

struct half_src {
	struct vpf_mig_job job;
	struct vpf_mig_opts o;
	struct src_pair *pp;
	unsigned int n;
	struct vpf_mig **migs;
	unsigned int nmigs;
	struct mig_link link;
	uint32_t round;
	bool stop_precopy;
	int abort_rc;		/* every pair aborted with this */
	bool cancelled;
	bool bye;		/* BYE queued */
	bool marks_writing;	/* mark_batch()'s journal writes run */
	uint64_t linger_until;	/* 0: not lingering */
	uint64_t t0;
	uint64_t t_phase;
	uint64_t bm_addr;
	uint64_t bm_len;
	const struct vpf_mig_range *ranges;
	unsigned int nranges;
	uint64_t phase_ns[VPF_MIG_PHASE_MAX];
	uint64_t precopy_bytes;
	uint32_t rounds_done;
	unsigned int units;	/* of the poll running */
	unsigned int budget;
};

static struct half_src *
to_src(struct vpf_mig_job *job)
{
	return (struct half_src *)job;
}

static void
src_op_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct src_pair *pp = arg;

	(void)m;
	(void)vf;
	pp->op_busy = false;
	pp->op_done = true;
	pp->op_rc = rc;
}

static const char *
src_err(const struct src_pair *pp)
{
	return pp->s->err[0] ? pp->s->err : vpf_last_error();
}

/* The pair fails with @p rc: its source is aborted once idle (before the
 * commit point, or when the destination said it applied nothing), and the
 * destination gets an ABORT unless it ended the pair itself or the link
 * is down. */
static void
pair_fail(struct src_pair *pp, int rc, const char *why)
{
	struct half_src *h = pp->h;
	char msg[256];

	if (pp->failed || pp->stage == SS_DONE)
		return;
	mig_half_who(msg, sizeof(msg), "source", pp->s->m->pf, pp->s->vf, why);
	mig_half_pair_fail(pp->p, h->job.phase, rc, msg);
	pp->failed = true;
	if (!pp->peer_knows && !h->link.err)
		(void)mig_link_pair_msg(&h->link, MIG_W_ABORT, pp->idx, rc, 0,
					why);
}

/* Committed and no answer: nobody knows whether the destination runs the
 * guest. The source stays stopped and is journaled as migrated away, so
 * that neither detach nor a restarted owner resumes it; an operator who
 * knows the destination does not run the guest aborts it (D-JOB.8). */
static void
pair_unknown(struct src_pair *pp, const char *cause)
{
	struct half_src *h = pp->h;
	char msg[256];

	if (pp->failed || pp->stage == SS_DONE)
		return;
	snprintf(msg, sizeof(msg),
		 "outcome unknown (%.60s, after the whole stream was sent): left stopped and journaled as migrated away; abort it (resume) only if the destination does not run the guest",
		 cause);
	pp->failed = true;
	pp->unknown = true;
	mig_half_pair_fail(pp->p, h->job.phase, -ENOTCONN, msg);
	MIG_LOG(ERR, pp->s->m->pf, "VF %u: %s", pp->s->vf, msg);
	(void)mig_vf_mark_complete(pp->s);
}

static int
op_begin(struct src_pair *pp)
{
	return mig_half_op_begin(pp->s, pp->h, src_op_done, pp);
}

/* Start the op planned on the source (or fail the pair with @p rc). */
static void
op_start(struct src_pair *pp, int rc)
{
	if (rc) {
		pair_fail(pp, rc, src_err(pp));
		return;
	}
	pp->op_busy = true;
	pp->op_done = false;
	mig_op_start(pp->s);
}

static void
start_set_state(struct src_pair *pp, enum vpf_mig_state target)
{
	int rc = op_begin(pp);

	op_start(pp, rc ? rc : mig_set_state_plan(pp->s, target));
}

static void
start_sync(struct src_pair *pp, bool stop)
{
	struct half_src *h = pp->h;
	int rc = op_begin(pp);

	if (rc == 0)
		rc = mig_dirty_sync_plan(pp->s, h->bm_addr, h->bm_len, pp->bm);
	if (rc == 0 && stop)
		rc = mig_dirty_stop_plan(pp->s);
	op_start(pp, rc);
}

/* Frame the source's pending stream bytes, within the budget and the
 * send queue's bound. @return true once all is queued. */
static bool
frame_stream(struct src_pair *pp)
{
	struct half_src *h = pp->h;
	struct mig_buf *b = &pp->s->save.out;
	struct mig_wire_frame f;

	memset(&f, 0, sizeof(f));
	f.type = MIG_W_DATA;
	f.pair = pp->idx;
	while (b->off < b->len) {
		size_t n = b->len - b->off;

		if (h->link.err || h->units >= h->budget ||
		    mig_link_unsent(&h->link) >= MIG_LINK_OUT_HIGH)
			return false;
		if (n > MIG_WIRE_DATA_MAX)
			n = MIG_WIRE_DATA_MAX;
		f.data = b->p + b->off;
		f.data_len = n;
		if (mig_link_put(&h->link, &f))
			return false;
		h->units++;
		b->off += n;
		pp->p->bytes += n;
		pp->ph_bytes += n;
	}
	/* Drained: the buffer is reused from the start (as save_read). */
	b->off = b->len = 0;
	pp->s->save.round_end = 0;
	return true;
}

static void
send_desc(struct src_pair *pp)
{
	struct half_src *h = pp->h;
	uint8_t buf[VPF_MIG_DESC_MAX];
	struct mig_wire_frame f;
	struct vpf_mig_desc d;
	size_t need;
	int len;

	mig_desc_from_vf(pp->s, &d);
	len = mig_desc_write(&d, buf, sizeof(buf), &need);
	if (len < 0) {
		pair_fail(pp, len, vpf_last_error());
		return;
	}
	memset(&f, 0, sizeof(f));
	f.type = MIG_W_DESC;
	f.pair = pp->idx;
	f.data = buf;
	f.data_len = (size_t)len;
	/* Part of the pre-flight completion's work unit. */
	(void)mig_link_put(&h->link, &f);
}

/* A completed operation of the pair, by stage. */
static void
op_completed(struct src_pair *pp, int rc)
{
	struct half_src *h = pp->h;

	switch (pp->stage) {
	case SS_PREFLIGHT:
		if (rc) {
			pair_fail(pp, rc, src_err(pp));
			return;
		}
		send_desc(pp);
		pp->stage = SS_SETUP;
		if (h->o.dirty && !pp->failed) {
			rc = op_begin(pp);
			op_start(pp, rc ? rc :
				 mig_dirty_start_plan(pp->s, h->ranges,
						      h->nranges,
						      h->o.page_size));
		}
		return;
	case SS_SC_OP:
		if (rc == 0) {
			pp->p->t_freeze_ns = pp->s->t_freeze_issue - h->t0;
			pp->p->ctx_bytes = pp->s->ctx.len;
		}
		/* fall through */
	default:
		if (rc)
			pair_fail(pp, rc, src_err(pp));
		else if (pp->stage == SS_PC_SEND || pp->stage == SS_SC_SEND ||
			 pp->stage == SS_WAIT_RESULT)
			pp->ph_pages += h->o.dirty ? pp->s->dirty.new_bits : 0;
		return;
	}
}

/* Advance one pair as far as it goes now. */
static void
pair_step(struct src_pair *pp)
{
	struct half_src *h = pp->h;
	int rc;

	if (pp->op_done) {
		pp->op_done = false;
		if (pp->stage == SS_ABORTING || pp->stage == SS_STOPPING) {
			if (pp->stage == SS_STOPPING && !pp->failed &&
			    pp->op_rc)
				MIG_LOG(WARNING, pp->s->m->pf,
					"VF %u: migrated, but STOP after it failed: %s",
					pp->s->vf, pp->s->err);
			/* A STOP of recording that failed in the abort (after
			 * its retry) is told in the pair's error (D-MIG.K1). */
			if (pp->stage == SS_ABORTING)
				mig_wr_pair_note(pp->s, pp->p->error,
						 sizeof(pp->p->error));
			pp->stage = SS_DONE;
			return;
		}
		if (!pp->failed)
			op_completed(pp, pp->op_rc);
	}
	if (pp->op_busy || pp->stage == SS_DONE)
		return;
	if (pp->failed) {
		if (pp->unknown) {
			/* Leave STOP_COPY for STOP (both Freeze): the stream
			 * is dropped, the VF stays stopped, marked complete. */
			pp->stage = SS_STOPPING;
			if (pp->s->state == S_STOP) {
				pp->stage = SS_DONE;
				return;
			}
			start_set_state(pp, VPF_MIG_STATE_STOP);
			if (!pp->op_busy)
				pp->stage = SS_DONE;
			return;
		}
		pp->stage = SS_ABORTING;
		mig_vf_clear_complete(pp->s);
		if (op_begin(pp) == 0 && mig_abort_plan(pp->s) == 0) {
			pp->op_busy = true;
			mig_op_start(pp->s);
		} else {
			pp->stage = SS_DONE;
		}
		return;
	}
	switch (pp->stage) {
	case SS_SETUP:
		if (pp->verdict)
			pp->stage = SS_READY;
		break;
	case SS_PC_OP:
		pp->p->precopy_rounds = h->round;
		pp->stage = SS_PC_SEND;
		if (h->o.dirty) {
			start_sync(pp, false);
			if (pp->failed)
				return;
		}
		/* fall through */
	case SS_PC_SEND:
		/* The round ends once the destination has taken it (ACK):
		 * its context is written before the next round or the
		 * stop-copy, as in one process. */
		if (frame_stream(pp) && !pp->op_busy && pp->acked >= h->round)
			pp->stage = SS_PC_DONE;
		break;
	case SS_SC_OP:
		pp->stage = SS_SC_SEND;
		if (h->o.dirty) {
			start_sync(pp, true);
			if (pp->failed)
				return;
		}
		/* fall through */
	case SS_SC_SEND:
		/* The final dirty sync (and the stop of recording) ends
		 * before the stream does: the destination resumes when the
		 * stream's END arrives, and a failure after that would abort
		 * a source whose guest already runs there, twice (found by
		 * vpf-soak, doc/reliability.md). A failure before it fails
		 * the pair on both sides, nothing applied. */
		if (pp->op_busy)
			break;
		if (!frame_stream(pp))
			break;
		pp->sent_all = true;
		pp->commit_at = h->link.queued;
		pp->stage = SS_WAIT_RESULT;
		/* fall through */
	case SS_WAIT_RESULT:
		if (!pp->result || pp->op_busy)
			break;
		/* The guest runs on the destination: marked complete with
		 * the others (mark_batch()), then out of STOP_COPY. */
		pp->stage = SS_MARK;
		break;
	case SS_MARK:
		if (!pp->s->complete)
			break;
		pp->stage = SS_STOPPING;
		rc = op_begin(pp);
		if (rc == 0)
			rc = mig_set_state_plan(pp->s, VPF_MIG_STATE_STOP);
		if (rc) {
			pp->stage = SS_DONE;
			break;
		}
		pp->op_busy = true;
		mig_op_start(pp->s);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------------------
 * Frames from the destination
 * ------------------------------------------------------------------------- */

static void
on_result(struct half_src *h, struct src_pair *pp,
	  const struct mig_wire_frame *f)
{
	uint64_t now = vpf_now_ns(), t = f->t_ns;
	char why[256];

	pp->peer_knows = true;
	if (f->err == ENOTCONN && pp->sent_all) {
		/* The destination cannot tell whether it runs the guest:
		 * this source must not (D-JOB.8). */
		pair_unknown(pp, "the destination's activation got no answer");
		return;
	}
	if (f->err) {
		snprintf(why, sizeof(why), "the destination failed: %.191s (%.30s)",
			 f->reason, strerror((int)f->err));
		pair_fail(pp, -(int)f->err, why);
		return;
	}
	if (!pp->sent_all) {
		mig_link_fail(&h->link, -EBADMSG,
			      "the destination reports pair %u activated before its stream was sent",
			      pp->idx);
		return;
	}
	/* Same host: the same CLOCK_MONOTONIC. Across hosts the clocks
	 * differ: a time outside [Freeze, arrival] is replaced by the
	 * arrival. */
	if (t < pp->s->t_freeze_issue || t > now)
		t = now;
	pp->result = true;
	pp->committed = true;
	pp->t_active = t;
	pp->p->t_active_ns = t - h->t0;
	pp->p->downtime_ns = t - pp->s->t_freeze_issue;
}

static void
on_frame(struct half_src *h, const struct mig_wire_frame *f)
{
	struct src_pair *pp;
	unsigned int i;
	char why[256];

	switch (f->type) {
	case MIG_W_VERDICT:
	case MIG_W_RESULT:
	case MIG_W_ABORT:
	case MIG_W_ACK:
		break;
	default:
		mig_link_fail(&h->link, -EBADMSG,
			      "unexpected %s frame from the destination",
			      mig_wire_type_name(f->type));
		return;
	}
	if (f->type == MIG_W_ABORT && f->pair == MIG_WIRE_PAIR_ALL) {
		snprintf(why, sizeof(why), "the destination aborted: %.160s (%.30s)",
			 f->reason, strerror((int)f->err));
		for (i = 0; i < h->n; i++) {
			h->pp[i].peer_knows = true;
			if (!h->pp[i].result)
				pair_fail(&h->pp[i], -(int)f->err, why);
		}
		return;
	}
	if (f->pair >= h->n) {
		mig_link_fail(&h->link, -EBADMSG,
			      "%s frame for pair %u of %u",
			      mig_wire_type_name(f->type), f->pair, h->n);
		return;
	}
	pp = &h->pp[f->pair];
	if (pp->failed || pp->result)
		return;		/* ended here already; late news */
	switch (f->type) {
	case MIG_W_VERDICT:
		if (pp->stage != SS_SETUP || pp->verdict) {
			mig_link_fail(&h->link, -EBADMSG,
				      "unexpected VERDICT for pair %u", f->pair);
			return;
		}
		if (f->err) {
			pp->peer_knows = true;
			snprintf(why, sizeof(why), "refused: %.191s", f->reason);
			pair_fail(pp, -(int)f->err, why);
			return;
		}
		pp->verdict = true;
		break;
	case MIG_W_ACK:
		if (f->rounds > h->round || f->rounds < pp->acked) {
			mig_link_fail(&h->link, -EBADMSG,
				      "ACK of %u precopy rounds for pair %u (%u sent)",
				      f->rounds, f->pair, h->round);
			return;
		}
		pp->acked = f->rounds;
		break;
	case MIG_W_ABORT:
		pp->peer_knows = true;
		snprintf(why, sizeof(why), "the destination aborted: %.160s (%.30s)",
			 f->reason, strerror((int)f->err));
		pair_fail(pp, -(int)f->err, why);
		break;
	default:
		on_result(h, pp, f);
		break;
	}
}

/* ---------------------------------------------------------------------------
 * Phases
 * ------------------------------------------------------------------------- */

/* Drop the in-memory entries of the sources on @p m waiting in SS_MARK
 * (their batch write failed): mig_vf_mark_complete() tries each alone. */
static void
marks_unset(struct half_src *h, struct vpf_mig *m)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->pp[i].stage == SS_MARK && h->pp[i].s->m == m &&
		    !h->pp[i].s->complete)
			(void)mig_journal_set(m, h->pp[i].s->vf, false);
}

/* The batch's writes have landed: mark each source complete (it finds its
 * entry written). @return 1, or 0 while a write still runs. */
static unsigned int
marks_collect(struct half_src *h)
{
	unsigned int i, k;

	for (k = 0; k < h->nmigs; k++) {
		int rc = mig_journal_write_done(h->migs[k]);

		if (rc == -EINPROGRESS)
			return 0;
		if (rc < 0)
			marks_unset(h, h->migs[k]);
	}
	h->marks_writing = false;
	for (i = 0; i < h->n; i++)
		if (h->pp[i].stage == SS_MARK && !h->pp[i].s->complete)
			(void)mig_vf_mark_complete(h->pp[i].s);
	return 1;
}

/*
 * The sources whose destination runs the guest are marked complete
 * (durably: the journal) before they leave STOP_COPY, in one journal
 * write per PF for all of them (D-JOB.5), once no result is still
 * expected, on a writer thread so that no poll waits for its fsyncs
 * (D-JOB.9). @return the work units used (1, or 0 when nothing ran).
 */
static unsigned int
mark_batch(struct half_src *h)
{
	unsigned int i, k;
	bool any = false;

	if (h->marks_writing)
		return marks_collect(h);
	for (i = 0; i < h->n; i++) {
		struct src_pair *pp = &h->pp[i];

		if (!pp->failed && pp->stage == SS_WAIT_RESULT)
			return 0;	/* more are coming */
		any = any || (pp->stage == SS_MARK && !pp->s->complete);
	}
	if (!any)
		return 0;
	for (k = 0; k < h->nmigs; k++) {
		struct vpf_mig *m = h->migs[k];
		bool changed = false;

		if (mig_journal_state(m) != MIG_JRN_OK)
			continue;
		for (i = 0; i < h->n; i++) {
			struct src_pair *pp = &h->pp[i];

			if (pp->stage == SS_MARK && pp->s->m == m &&
			    !mig_journal_has(m, pp->s->vf))
				changed |= mig_journal_set(m, pp->s->vf, true);
		}
		if (changed && mig_journal_write_start(m) < 0)
			marks_unset(h, m);
	}
	h->marks_writing = true;
	return 1;
}

static bool
pair_in(const struct src_pair *pp, enum src_stage st)
{
	return pp->failed || pp->stage == SS_DONE || pp->stage == st;
}

/* Progress after phase @p ph; the callback may abort or end precopy. */
static void
report(struct half_src *h, enum vpf_mig_phase ph)
{
	struct vpf_mig_progress pr;
	uint64_t now = vpf_now_ns();
	unsigned int i;
	int rc;

	memset(&pr, 0, sizeof(pr));
	pr.phase = ph;
	pr.round = ph == VPF_MIG_PHASE_PRECOPY ? h->round : 0;
	pr.pairs = h->n;
	for (i = 0; i < h->n; i++) {
		struct src_pair *pp = &h->pp[i];

		if (pp->failed) {
			pr.failed++;
			continue;
		}
		mig_progress_add_pair(&pr, pp->ph_bytes, pp->ph_pages,
				      ph == VPF_MIG_PHASE_PRECOPY ?
				      pp->s->save.round_size : 0,
				      ph == VPF_MIG_PHASE_PRECOPY ?
				      pp->s->save.dirty_bytes : 0);
		pp->ph_bytes = pp->ph_pages = 0;
	}
	pr.phase_ns = now - h->t_phase;
	pr.elapsed_ns = now - h->t0;
	h->phase_ns[ph] += pr.phase_ns;
	if (ph == VPF_MIG_PHASE_PRECOPY)
		h->precopy_bytes += pr.bytes;
	h->t_phase = now;
	if (h->o.progress == NULL)
		return;
	rc = h->o.progress(&pr, h->o.arg);
	if (ph >= VPF_MIG_PHASE_STOP_COPY)
		return;
	if (rc < 0 && h->abort_rc == 0)
		h->abort_rc = rc;
	else if (rc == VPF_MIG_PROGRESS_STOP_PRECOPY)
		h->stop_precopy = true;
}

/* Every pair not past the commit point is aborted with @p rc. */
static void
abort_all(struct half_src *h, int rc, const char *why)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (!h->pp[i].sent_all)
			pair_fail(&h->pp[i], rc, why);
	if (h->linger_until == 0)
		h->linger_until = vpf_now_ns() + MIG_LINK_LINGER_NS;
}

static void
start_stage(struct half_src *h, enum src_stage from, enum src_stage to)
{
	unsigned int i;

	for (i = 0; i < h->n; i++) {
		struct src_pair *pp = &h->pp[i];

		if (pp->failed || pp->stage != from)
			continue;
		pp->stage = to;
		if (to == SS_SC_OP)
			start_set_state(pp, VPF_MIG_STATE_STOP_COPY);
		else if (h->round == 1)
			start_set_state(pp, VPF_MIG_STATE_PRE_COPY);
		else
			op_start(pp, op_begin(pp) ? -EBUSY :
				 mig_precopy_round_plan(pp->s));
	}
}

static bool
all_in(struct half_src *h, enum src_stage st)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (!pair_in(&h->pp[i], st))
			return false;
	return true;
}

/* 1.4 sources are journaled as stopping before any is stopped, one write
 * per PF after the pre-flight, while they run, rather than one per source
 * inside the downtime window (D-MIG14.22; a write that fails leaves each
 * source to write its own). */
static void
stop_marks(struct half_src *h)
{
	uint16_t *vfs = calloc(h->n ? h->n : 1, sizeof(*vfs));
	unsigned int i, k, nv;

	if (vfs == NULL)
		return;
	for (k = 0; k < h->nmigs; k++) {
		if (!mig_is_v14(h->migs[k]))
			continue;
		for (i = 0, nv = 0; i < h->n; i++)
			if (h->pp[i].s->m == h->migs[k] && !h->pp[i].failed)
				vfs[nv++] = h->pp[i].s->vf;
		(void)mig_stop_intent_batch(h->migs[k], vfs, nv);
	}
	free(vfs);
}

/* The barrier between phases. */
static void
advance_phase(struct half_src *h)
{
	enum src_stage wait;

	if (h->abort_rc) {
		if (h->job.phase < VPF_MIG_PHASE_STOP_COPY ||
		    h->linger_until == 0)
			abort_all(h, h->abort_rc, h->cancelled ? "cancelled" :
				  "aborted by the progress callback");
		h->job.phase = VPF_MIG_PHASE_DONE;
		return;
	}
	switch (h->job.phase) {
	case VPF_MIG_PHASE_PREFLIGHT:
		wait = SS_READY;
		break;
	case VPF_MIG_PHASE_PRECOPY:
		wait = SS_PC_DONE;
		break;
	case VPF_MIG_PHASE_STOP_COPY:
		if (!all_in(h, SS_DONE))
			return;
		report(h, VPF_MIG_PHASE_STOP_COPY);
		report(h, VPF_MIG_PHASE_RESUME);
		h->job.phase = VPF_MIG_PHASE_DONE;
		return;
	default:
		return;
	}
	if (!all_in(h, wait))
		return;
	if (h->job.phase == VPF_MIG_PHASE_PREFLIGHT) {
		report(h, VPF_MIG_PHASE_PREFLIGHT);
		if (h->abort_rc == 0) {
			stop_marks(h);
			report(h, VPF_MIG_PHASE_SETUP);
		}
	} else {
		h->rounds_done = h->round;
		report(h, VPF_MIG_PHASE_PRECOPY);
	}
	if (h->abort_rc) {
		advance_phase(h);
		return;
	}
	if (h->round < h->o.precopy_rounds && !h->stop_precopy) {
		h->round++;
		h->job.phase = VPF_MIG_PHASE_PRECOPY;
		start_stage(h, wait, SS_PC_OP);
		return;
	}
	h->job.phase = VPF_MIG_PHASE_STOP_COPY;
	start_stage(h, wait, SS_SC_OP);
}

/* The link broke (or the destination left early): pairs before the
 * commit point are aborted, the others' outcome is unknown. */
static void
link_down(struct half_src *h)
{
	unsigned int i;
	char why[256];

	snprintf(why, sizeof(why), "transport to the destination lost: %.180s",
		 h->link.why);
	/* After a bad frame from the destination, ABORTs still go out
	 * (pair_fail()) for the pairs before the commit point. */
	for (i = 0; i < h->n; i++) {
		struct src_pair *pp = &h->pp[i];

		if (pp->failed || pp->result || pp->stage == SS_DONE)
			continue;
		if (pp->sent_all && h->link.sent >= pp->commit_at)
			pair_unknown(pp, h->link.why);
		else
			pair_fail(pp, h->link.err ? h->link.err :
				  h->link.rx_err, why);
	}
}

static void
check_commits(struct half_src *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++) {
		struct src_pair *pp = &h->pp[i];

		if (pp->sent_all && !pp->committed &&
		    h->link.sent >= pp->commit_at)
			pp->committed = true;
	}
}

static int
src_poll(struct vpf_mig_job *job, unsigned int budget)
{
	struct half_src *h = to_src(job);
	struct mig_wire_frame f;
	unsigned int i;
	bool all_done;
	int rc;

	h->units = 0;
	h->budget = budget;
	if (!h->cancelled && ((h->o.cancel && h->o.cancel(h->o.arg)) ||
			      job->cancel_req)) {
		h->cancelled = true;
		if (h->abort_rc == 0)
			h->abort_rc = -ECANCELED;
	}
	/* Sending what is queued is part of the units that queued it. */
	(void)mig_link_flush(&h->link);
	check_commits(h);
	while (h->units < budget && !mig_link_rx_down(&h->link)) {
		rc = mig_link_next(&h->link, &f);
		if (rc <= 0)
			break;
		h->units++;
		on_frame(h, &f);
	}
	/* Stream bytes the last poll's completions produced go out before
	 * more completions take the budget (else a busy device would hold
	 * every pair's stream back until all its reads are done). */
	for (i = 0; i < h->n; i++)
		pair_step(&h->pp[i]);
	(void)mig_link_flush(&h->link);
	if (h->units < budget)
		h->units += mig_half_poll_migs(h->migs, h->nmigs,
					       budget - h->units);
	all_done = true;
	for (i = 0; i < h->n; i++)
		if (h->pp[i].stage != SS_DONE)
			all_done = false;
	if (!all_done && !h->link.err && !h->link.rx_err &&
	    mig_link_ended(&h->link))
		mig_link_fail(&h->link, -EPIPE,
			      "the destination closed the transport");
	/* A destination that neither answers nor closes (its host died, a
	 * partition) fails the link after the peer timeout, as one that
	 * closed does; its PINGs keep a slow one connected. Found by
	 * vpf-soak (doc/reliability.md, finding 3). */
	if (!h->bye)
		(void)mig_link_tick(&h->link);
	if (!all_done && h->linger_until && vpf_now_ns() > h->linger_until)
		mig_link_fail(&h->link, -ETIMEDOUT,
			      "no answer from the destination within %llu s",
			      MIG_LINK_LINGER_NS / 1000000000ull);
	if (h->link.err || h->link.rx_err)
		link_down(h);
	for (i = 0; i < h->n; i++) {
		/* The pre-flight's buffer prefaults: one step (a buffer's
		 * growth or one page) ends the poll (mig_vf_prefault_run()). */
		if (mig_vf_prefault_ready(h->pp[i].s) && h->units < budget) {
			(void)mig_vf_prefault_run(h->pp[i].s);
			h->units = budget;
		}
		pair_step(&h->pp[i]);
	}
	if (h->units < budget && mark_batch(h)) {
		h->units++;
		for (i = 0; i < h->n; i++)
			pair_step(&h->pp[i]);
	}
	advance_phase(h);
	all_done = true;
	for (i = 0; i < h->n; i++)
		if (h->pp[i].stage != SS_DONE)
			all_done = false;
	if (all_done && h->job.phase == VPF_MIG_PHASE_DONE && !h->bye &&
	    !h->link.err) {
		memset(&f, 0, sizeof(f));
		f.type = MIG_W_BYE;
		(void)mig_link_put(&h->link, &f);
		h->bye = true;
		if (h->linger_until == 0)
			h->linger_until = vpf_now_ns() + MIG_LINK_LINGER_NS;
	}
	/* Sending what is queued is part of the units that queued it. */
	(void)mig_link_flush(&h->link);
	check_commits(h);
	if (all_done && h->job.phase == VPF_MIG_PHASE_DONE &&
	    (h->link.err || (h->bye && mig_link_unsent(&h->link) == 0) ||
	     vpf_now_ns() > h->linger_until))
		job->done = true;
	return (int)h->units;
}

static void
src_cancel(struct vpf_mig_job *job)
{
	(void)job;	/* seen by the next poll (cancel_req) */
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

static int
src_result(struct vpf_mig_job *job, struct vpf_mig_result *res)
{
	struct half_src *h = to_src(job);
	uint64_t first = UINT64_MAX, last = 0;
	struct vpf_mig_result r;
	unsigned int i;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < h->n; i++) {
		struct src_pair *pp = &h->pp[i];
		struct vpf_mig_pair *p = pp->p;

		if (pp->bm)
			p->pages = popcount_bm(pp->bm, vpf_mig_bitmap_words(
						h->bm_len, h->o.page_size));
		r.pairs++;
		r.bytes += p->bytes;
		r.pages += p->pages;
		r.cmds += pp->s->cmds - pp->cmds0;
		if (pp->failed) {
			r.failed++;
			if (rc == 0)
				rc = p->rc ? p->rc : -EIO;
			continue;
		}
		r.ok++;
		if (p->downtime_ns > r.downtime_max_ns)
			r.downtime_max_ns = p->downtime_ns;
		if (p->t_freeze_ns < first)
			first = p->t_freeze_ns;
		if (p->t_active_ns > last)
			last = p->t_active_ns;
	}
	r.total_ns = vpf_now_ns() - h->t0;
	if (last > 0 && first != UINT64_MAX && last > first)
		r.downtime_ns = last - first;
	r.precopy_bytes = h->precopy_bytes;
	r.precopy_rounds = h->rounds_done;
	memcpy(r.phase_ns, h->phase_ns, sizeof(r.phase_ns));
	if (res)
		*res = r;
	if (h->o.progress) {
		struct vpf_mig_progress pr;

		memset(&pr, 0, sizeof(pr));
		pr.phase = VPF_MIG_PHASE_DONE;
		pr.pairs = h->n;
		pr.failed = r.failed;
		pr.bytes = r.bytes;
		pr.dirty_pages = r.pages;
		pr.elapsed_ns = r.total_ns;
		h->o.progress(&pr, h->o.arg);
	}
	if (h->cancelled && r.failed)
		return vpf_error(-ECANCELED, "migration cancelled");
	if (h->abort_rc && r.failed)
		return vpf_error(h->abort_rc, "migration aborted by the progress callback");
	for (i = 0; rc && i < h->n; i++)
		if (h->pp[i].p->rc)
			return vpf_error(rc, "pair %u (source VF %u) failed in %s: %s",
					 i, h->pp[i].p->src_vf,
					 vpf_mig_phase_name(h->pp[i].p->failed_phase),
					 h->pp[i].p->error);
	return rc;
}

static void
src_destroy(struct vpf_mig_job *job)
{
	struct half_src *h = to_src(job);
	unsigned int i;

	for (i = 0; h->pp && i < h->n; i++) {
		struct src_pair *pp = &h->pp[i];

		if (pp->h == NULL)
			continue;
		if (pp->s->owner == h)
			pp->s->owner = NULL;
		pp->s->chunk = pp->chunk_saved;
		if (pp->bm_own)
			free(pp->bm);
	}
	mig_link_fini(&h->link);
	free(h->pp);
	free(h->migs);
	free(h);
}

static const struct mig_job_ops src_ops = {
	.poll = src_poll,
	.cancel = src_cancel,
	.result = src_result,
	.destroy = src_destroy,
};

/* Options both halves check before anything is sent. */
static int
src_check_opts(struct half_src *h)
{
	struct mig_job_span sp;
	int rc = mig_job_check_opts(&h->o, &sp);

	h->ranges = sp.ranges;
	h->nranges = sp.nranges;
	h->bm_addr = sp.bm_addr;
	h->bm_len = sp.bm_len;
	return rc;
}

static int
src_pair_check(struct half_src *h, struct vpf_mig_pair *p, unsigned int i)
{
	struct src_pair *pp = &h->pp[i];
	unsigned int j;

	pp->s = mig_vf_get(p->src, p->src_vf);
	if (pp->s == NULL)
		return vpf_error(-EINVAL, "pair %u: %s", i, vpf_last_error());
	if (pp->s->busy || pp->s->owner != NULL)
		return vpf_error(-EBUSY, "pair %u: source VF %u is busy", i,
				 p->src_vf);
	for (j = 0; j < i; j++)
		if (h->pp[j].s == pp->s)
			return vpf_error(-EINVAL, "pair %u uses the source VF of pair %u again",
					 i, j);
	if (pp->s->state != VPF_MIG_STATE_RUNNING)
		return vpf_error(-EPERM, "pair %u: source %s VF %u is %s, not RUNNING",
				 i, vpf_pf_name(p->src->pf), p->src_vf,
				 vpf_mig_state_name(pp->s->state));
	if (h->o.dirty && !p->src->info.has_write_record)
		return mig_dirty_unavailable(p->src);
	mig_half_add_mig(h->migs, &h->nmigs, p->src);
	return 0;
}

static int
src_pair_init(struct half_src *h, struct vpf_mig_pair *p, unsigned int i)
{
	struct src_pair *pp = &h->pp[i];

	pp->h = h;
	pp->p = p;
	pp->idx = i;
	p->rc = 0;
	p->error[0] = '\0';
	p->failed_phase = VPF_MIG_PHASE_DONE;
	p->downtime_ns = p->bytes = p->ctx_bytes = p->pages = 0;
	p->precopy_rounds = 0;
	p->t_freeze_ns = p->t_active_ns = 0;
	pp->s->owner = h;
	pp->chunk_saved = pp->s->chunk;
	if (h->o.chunk)
		pp->s->chunk = h->o.chunk;
	pp->cmds0 = pp->s->cmds;
	if (h->o.dirty)
		return mig_job_bitmap(p->bitmap, h->bm_len, h->o.page_size,
				      &pp->bm, &pp->bm_own);
	return 0;
}

static int
src_setup(struct half_src *h, struct vpf_mig_pair *pairs, unsigned int n,
	  const struct vpf_mig_xport *x)
{
	unsigned int i;
	int rc;

	rc = src_check_opts(h);
	if (rc)
		return rc;
	if (n > MIG_WIRE_PAIRS_MAX)
		return vpf_error(-EINVAL, "%u pairs (most %u over a transport)",
				 n, MIG_WIRE_PAIRS_MAX);
	h->pp = calloc(n, sizeof(*h->pp));
	h->migs = calloc(n, sizeof(*h->migs));
	if (h->pp == NULL || h->migs == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	h->n = n;
	for (i = 0; i < n; i++) {
		rc = src_pair_check(h, &pairs[i], i);
		if (rc)
			return rc;
	}
	for (i = 0; i < n; i++) {
		rc = src_pair_init(h, &pairs[i], i);
		if (rc)
			return rc;
	}
	return mig_link_init(&h->link, x);
}

int
vpf_mig_job_start_source(const struct vpf_mig_opts *o,
			 struct vpf_mig_pair *pairs, unsigned int n,
			 const struct vpf_mig_xport *x,
			 struct vpf_mig_job **job)
{
	struct mig_wire_frame f;
	struct half_src *h;
	unsigned int i;
	int rc;

	if (job == NULL)
		return vpf_error(-EINVAL, "start_source: no job pointer");
	*job = NULL;
	if (pairs == NULL || n == 0)
		return vpf_error(-EINVAL, "no pairs to migrate");
	if (x == NULL || x->send == NULL || x->recv == NULL)
		return vpf_error(-EINVAL, "start_source: no transport");
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	h->job.ops = &src_ops;
	h->job.phase = VPF_MIG_PHASE_PREFLIGHT;
	if (o)
		h->o = *o;
	else
		vpf_mig_opts_init(&h->o);
	rc = mig_job_objects_check(pairs, n, MIG_SIDE_SRC);
	if (rc == 0)
		rc = src_setup(h, pairs, n, x);
	if (rc) {
		/* Nothing sent; the chunks of the pairs set up go back. */
		src_destroy(&h->job);
		return rc;
	}
	h->t0 = h->t_phase = vpf_now_ns();
	mig_link_watch(&h->link, "destination", h->o.peer_timeout_ms);
	h->link.ping = true;
	memset(&f, 0, sizeof(f));
	f.type = MIG_W_HELLO;
	f.npairs = n;
	f.rounds = h->o.precopy_rounds;
	f.flags = (h->o.precopy_to_dst ? MIG_WIRE_HELLO_F_PRECOPY_TO_DST : 0) |
		  (h->o.dirty ? MIG_WIRE_HELLO_F_DIRTY : 0) |
		  MIG_WIRE_HELLO_F_PING;
	(void)mig_link_put(&h->link, &f);
	for (i = 0; i < n; i++) {
		struct src_pair *pp = &h->pp[i];

		pp->stage = SS_PREFLIGHT;
		rc = op_begin(pp);
		op_start(pp, rc ? rc : mig_preflight_plan(pp->s));
	}
	*job = &h->job;
	return 0;
}
