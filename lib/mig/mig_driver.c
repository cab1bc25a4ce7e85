/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The migration driver (vpf_mig_migrate()): N (source, VF) ->
 * (destination, VF) pairs through phases with a barrier between them
 * (pre-flight, setup, precopy rounds, stop-copy + resume). Inside a phase
 * every pair runs its own chain of per-VF asynchronous operations, so the
 * commands of all pairs are in flight together; in serial mode one pair
 * runs at a time and a pair never has two operations at once (one command
 * at a time, as the Linux driver does), for comparison.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The model's default guest memory: what "no ranges" tracks. */
static const struct vpf_mig_range default_range = {
	.addr = 0,
	.len = UINT64_C(1) << 30,
};

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
	int pending;		/* operations in flight */
	bool started;		/* in this phase */
	bool phase_done;
	bool failed;
	bool aborting;
	bool finished;		/* failed and cleaned up */
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

struct drv {
	const struct vpf_mig_opts *o;
	struct drv_pair *pp;
	unsigned int n;
	struct vpf_mig **migs;	/* distinct handles to poll */
	unsigned int nmigs;
	enum vpf_mig_phase phase;
	uint32_t round;
	uint64_t t0;
	uint64_t bm_addr;
	uint64_t bm_len;
	const struct vpf_mig_range *ranges;
	unsigned int nranges;
	uint8_t *xbuf;		/* transfer buffer */
	size_t xcap;
	bool cancelled;		/* vpf_mig_opts::cancel said so */
};

static void pair_advance(struct drv_pair *pp);

static void
pair_fail(struct drv_pair *pp, int rc, const char *why)
{
	struct vpf_mig_pair *p = pp->p;

	if (pp->failed)
		return;
	pp->failed = true;
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

static int
pair_begin(struct drv_pair *pp, int which)
{
	return mig_op_begin(which ? pp->d : pp->s, slot_done,
			    &pp->slot[which]);
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

/* Move every pending save-stream byte of the source into the
 * destination's parser, in stream_chunk pieces. */
static int
pair_transfer(struct drv_pair *pp)
{
	struct drv *drv = pp->drv;
	size_t piece = drv->o->stream_chunk ? drv->o->stream_chunk :
		       pp->s->save.out.len - pp->s->save.out.off;
	size_t got;
	int rc;

	if (piece == 0)
		return 0;
	if (piece > drv->xcap) {
		uint8_t *nb = realloc(drv->xbuf, piece);

		if (nb == NULL)
			return vpf_error(-ENOMEM, "out of memory");
		drv->xbuf = nb;
		drv->xcap = piece;
	}
	for (;;) {
		rc = vpf_mig_save_read(pp->s->m, pp->s->vf, drv->xbuf, piece,
				       &got);
		if (rc)
			return rc;
		if (got == 0)
			return 0;
		pp->p->bytes += got;
		pp->ph_bytes += got;
		rc = mig_load_feed(pp->d, drv->xbuf, got);
		if (rc)
			return rc;
	}
}

/* Write what the destination's parser accepted (the newest context). */
static void
pair_kick_load(struct drv_pair *pp)
{
	int rc = mig_load_kick(pp->d, slot_done, &pp->slot[1]);

	if (rc) {
		pair_fail(pp, rc, vpf_last_error());
		return;
	}
	pp->pending++;
}

static void
pair_phase_done(struct drv_pair *pp)
{
	pp->phase_done = true;
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
 * Stage 1 of a precopy round and of stop-copy: move the source's stream to
 * the destination, start its load, and start the dirty sync (@final: the
 * last one) at once when pipelined, or as stage 2 when serial.
 */
static void
pair_transferred(struct drv_pair *pp, bool final)
{
	const struct vpf_mig_opts *o = pp->drv->o;
	int rc = pair_transfer(pp);

	if (rc) {
		pair_fail(pp, rc, pp->d->err[0] ? pp->d->err : vpf_last_error());
		return;
	}
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
		pair_transferred(pp, false);
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
		pair_set_state(pp, 0, VPF_MIG_STATE_STOP_COPY);
		break;
	case 1:
		pp->p->t_freeze_ns = pp->s->t_freeze_issue - pp->drv->t0;
		pp->p->ctx_bytes = pp->s->ctx.len;
		pair_transferred(pp, true);
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
		pp->t_written = vpf_now_ns();
		pp->stage = 4;
		pair_set_state(pp, 1, VPF_MIG_STATE_RUNNING);
		break;
	case 4:
		pp->p->t_active_ns = pp->d->t_active_done - pp->drv->t0;
		pp->p->downtime_ns = pp->d->t_active_done -
				     pp->s->t_freeze_issue;
		/* The guest runs on the destination now: the source leaves
		 * STOP_COPY (its stream is drained) and is not reactivated
		 * at detach. */
		(void)mig_vf_mark_complete(pp->s);
		pp->stage = 5;
		pair_set_state(pp, 0, VPF_MIG_STATE_STOP);
		break;
	case 5:
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
			pp->finished = true;
			pp->phase_done = true;
			return;
		}
		/* Source back to running with its state unchanged,
		 * destination with nothing applied (doc/protocol.md §7.5). */
		pp->aborting = true;
		mig_vf_clear_complete(pp->s);
		pair_abort(pp, 0);
		pair_abort(pp, 1);
		if (pp->pending == 0) {
			pp->finished = true;
			pp->phase_done = true;
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

/* The caller's cancel hook: abort every pair that has not issued its
 * destination's activation (after that the guest may run there: the pair
 * completes). Checked once per poll, between completions, so a pair's
 * stage is never half-advanced here. */
static void
check_cancel(struct drv *drv)
{
	unsigned int i;

	/* the abort of every pair (phase DONE) is not cancelled */
	if (drv->cancelled || drv->o->cancel == NULL ||
	    drv->phase > VPF_MIG_PHASE_STOP_COPY ||
	    !drv->o->cancel(drv->o->arg))
		return;
	drv->cancelled = true;
	for (i = 0; i < drv->n; i++) {
		struct drv_pair *pp = &drv->pp[i];

		if (pp->failed || pp->finished || pp->phase_done ||
		    (drv->phase == VPF_MIG_PHASE_STOP_COPY && pp->stage >= 4))
			continue;
		pair_fail(pp, -ECANCELED, "cancelled");
		/* A started pair with nothing in flight aborts now; the others
		 * when their operation completes, or when run_phase() starts
		 * them. */
		if (pp->started && pp->pending == 0)
			pair_advance(pp);
	}
}

/* Run the current phase for every pair still migrating. */
static void
run_phase(struct drv *drv)
{
	unsigned int i, next = 0;
	bool all;

	for (i = 0; i < drv->n; i++) {
		struct drv_pair *pp = &drv->pp[i];

		pp->stage = 0;
		pp->started = false;
		pp->phase_done = pp->finished;
		pp->ph_bytes = 0;
		pp->ph_pages = 0;
	}
	for (;;) {
		check_cancel(drv);
		all = true;
		/* Serial: the next pair starts when the one before is done. */
		for (i = next; i < drv->n; i++) {
			struct drv_pair *pp = &drv->pp[i];

			if (pp->phase_done) {
				if (i == next)
					next++;
				continue;
			}
			all = false;
			if (!pp->started) {
				pp->started = true;
				pair_advance(pp);
			}
			if (drv->o->serial && !pp->phase_done)
				break;
		}
		if (all)
			break;
		for (i = 0; i < drv->nmigs; i++) {
			int rc = vpf_mig_poll(drv->migs[i]);

			if (rc < 0)
				mig_fail_all(drv->migs[i], rc);
		}
	}
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
	uint64_t ps = o->page_size;
	unsigned int bad;
	int rc;

	drv->ranges = o->nranges ? o->ranges : &default_range;
	drv->nranges = o->nranges ? o->nranges : 1;
	if (o->chunk % 8)
		return vpf_error(-EINVAL, "chunk %u is not a multiple of 8 bytes",
				 o->chunk);
	if (!o->dirty)
		return 0;
	if (ps < 4096 || (ps & (ps - 1)))
		return vpf_error(-EINVAL, "page size %" PRIu64
				 " is not a power of two >= 4096", ps);
	rc = mig_bitmap_span(drv->ranges, drv->nranges, ps, &drv->bm_addr,
			     &drv->bm_len, &bad);
	if (rc == -ERANGE)
		return vpf_error(rc, "dirty ranges span the whole 64-bit address space: no bitmap length covers them");
	if (rc)
		return vpf_error(rc, "bad dirty range %u", bad);
	return 0;
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
		return vpf_error(-ENOTSUP,
				 "dirty tracking unavailable on this device (%s has no write recording)",
				 vpf_pf_name(p->src->pf));
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
	if (o->dirty) {
		size_t words = vpf_mig_bitmap_words(drv->bm_len, o->page_size);

		if (p->bitmap) {
			pp->bm = p->bitmap;
			memset(pp->bm, 0, words * sizeof(uint64_t));
		} else {
			pp->bm = calloc(words ? words : 1, sizeof(uint64_t));
			if (pp->bm == NULL)
				return vpf_error(-ENOMEM, "out of memory");
			pp->bm_own = true;
		}
	}
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
	if (drv->pp == NULL || drv->migs == NULL)
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

/* One phase for every pair still migrating, then its report. */
static void
drv_phase(struct drv *drv, enum vpf_mig_phase ph, struct vpf_mig_result *res,
	  int *abort_rc, bool *stop_precopy)
{
	uint64_t t = vpf_now_ns();

	drv->phase = ph;
	run_phase(drv);
	/* During precopy the sources still run: the callback may drive
	 * their workload or copy the dirty pages. */
	report(drv, ph, t, res, abort_rc, stop_precopy);
	if (drv->cancelled && *abort_rc == 0)
		*abort_rc = -ECANCELED;
}

/* Pre-flight, setup and the precopy rounds, while the sources run: no
 * downtime yet. @return 0, or why the migration is aborted. */
static int
drv_before_downtime(struct drv *drv, struct vpf_mig_result *res)
{
	const struct vpf_mig_opts *o = drv->o;
	bool stop_pc = false;
	int abort_rc = 0;

	if (!o->no_preflight)
		drv_phase(drv, VPF_MIG_PHASE_PREFLIGHT, res, &abort_rc, NULL);
	if (abort_rc == 0)
		drv_phase(drv, VPF_MIG_PHASE_SETUP, res, &abort_rc, NULL);
	for (drv->round = 1; abort_rc == 0 && !stop_pc &&
	     drv->round <= o->precopy_rounds; drv->round++)
		drv_phase(drv, VPF_MIG_PHASE_PRECOPY, res, &abort_rc, &stop_pc);
	if (res)
		res->precopy_rounds = drv->round - 1;
	return abort_rc;
}

/* Stop-copy and resume: they overlap per pair, and the two reports split
 * the time at the last pair's final context written. */
static void
drv_stop_copy(struct drv *drv, struct vpf_mig_result *res)
{
	uint64_t t = vpf_now_ns(), last_written = t;
	int late = 0;	/* nothing left to abort */
	unsigned int i;

	drv->phase = VPF_MIG_PHASE_STOP_COPY;
	run_phase(drv);
	for (i = 0; i < drv->n; i++)
		if (!drv->pp[i].failed && drv->pp[i].t_written > last_written)
			last_written = drv->pp[i].t_written;
	report(drv, VPF_MIG_PHASE_STOP_COPY, t, res, &late, NULL);
	if (res)
		res->phase_ns[VPF_MIG_PHASE_STOP_COPY] = last_written - t;
	report(drv, VPF_MIG_PHASE_RESUME, last_written, res, &late, NULL);
}

/* Every pair aborted (@p abort_rc: the callback's answer or cancel). */
static void
drv_abort_all(struct drv *drv, int abort_rc)
{
	unsigned int i;

	for (i = 0; i < drv->n; i++)
		pair_fail(&drv->pp[i], abort_rc, drv->cancelled ?
			  "cancelled" : "aborted by the progress callback");
	drv->phase = VPF_MIG_PHASE_DONE;
	run_phase(drv);
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

int
vpf_mig_migrate(const struct vpf_mig_opts *o, struct vpf_mig_pair *pairs,
		unsigned int n, struct vpf_mig_result *res)
{
	struct vpf_mig_opts def;
	struct drv drv;
	int abort_rc, rc;
	unsigned int i;

	if (o == NULL) {
		vpf_mig_opts_init(&def);
		o = &def;
	}
	if (pairs == NULL || n == 0)
		return vpf_error(-EINVAL, "no pairs to migrate");
	if (res)
		memset(res, 0, sizeof(*res));
	memset(&drv, 0, sizeof(drv));
	rc = drv_setup(&drv, o, pairs, n);
	if (rc) {
		drv_teardown(&drv, NULL);
		return rc;
	}
	drv.t0 = vpf_now_ns();
	abort_rc = drv_before_downtime(&drv, res);
	if (abort_rc)
		drv_abort_all(&drv, abort_rc);
	else
		drv_stop_copy(&drv, res);
	rc = drv_collect(&drv, pairs, res);
	drv_teardown(&drv, res);
	drv_report_done(&drv, res);
	if (abort_rc && drv.cancelled)
		return vpf_error(-ECANCELED, "migration cancelled");
	if (abort_rc)
		return vpf_error(abort_rc, "migration aborted by the progress callback");
	for (i = 0; rc && i < n; i++)
		if (pairs[i].rc)
			return vpf_error(rc, "pair %u (VF %u -> VF %u) failed in %s: %s",
					 i, pairs[i].src_vf, pairs[i].dst_vf,
					 vpf_mig_phase_name(pairs[i].failed_phase),
					 pairs[i].error);
	return rc;
}
