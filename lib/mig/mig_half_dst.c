/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The destination half of a migration over a transport
 * (vpf_mig_job_start_dest(), doc/migration.md "Transports and halves").
 *
 * Driven by the source's frames: HELLO (the options), then per pair a
 * descriptor (checked against the VF after its own pre-flight read, while
 * it runs; accepted pairs go to RESUMING and get a VERDICT), the stream
 * (fed to the VF's load parser, every check of the load side; contexts
 * written as they pass), and once the final context is written the VF is
 * activated and a RESULT goes back. Anything that ends a pair before its
 * activation was issued aborts it: nothing applied (D-MIG.5, D-MIG.6).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mig_half.h"

enum dst_stage {
	DS_WAIT_DESC = 0,
	DS_PREFLIGHT,		/* op: pre-flight read */
	DS_RESUMING,		/* op: to RESUMING */
	DS_LOADING,		/* accepted: stream in, contexts written */
	DS_ACTIVATING,		/* op: to RUNNING (applies) */
	DS_ABORTING,		/* op: abort */
	DS_DONE
};

struct half_dst;

struct dst_pair {
	struct half_dst *h;
	struct vpf_mig_pair *p;
	struct mig_vf *d;
	uint32_t idx;
	enum dst_stage stage;
	bool op_busy;
	bool op_done;
	int op_rc;
	bool touched;		/* this job started an operation on the VF */
	bool failed;
	bool ok;		/* activated */
	uint32_t acked;		/* precopy records acknowledged (ACK) */
	uint8_t *desc;		/* the source's descriptor, until checked */
	size_t desc_len;
	uint32_t chunk_saved;
	bool pw_saved;
	uint64_t cmds0;
};

struct half_dst {
	struct vpf_mig_job job;
	struct vpf_mig_opts o;
	struct dst_pair *pp;
	unsigned int n;
	struct vpf_mig **migs;
	unsigned int nmigs;
	struct mig_link link;
	bool hello;
	bool precopy_write;
	bool cancelled;
	bool ended;		/* the link is over (error, EOF or BYE) */
	uint64_t linger_until;
	uint64_t t0;
	unsigned int units;
};

static struct half_dst *
to_dst(struct vpf_mig_job *job)
{
	return (struct half_dst *)job;
}

static void
dst_op_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct dst_pair *pp = arg;

	(void)m;
	(void)vf;
	pp->op_busy = false;
	pp->op_done = true;
	pp->op_rc = rc;
}

static const char *
dst_err(const struct dst_pair *pp)
{
	return pp->d->err[0] ? pp->d->err : vpf_last_error();
}

/*
 * The pair fails with @p rc: the source is told (@p tell: a VERDICT
 * refusal before the verdict, else a RESULT failure), and the VF is
 * aborted once idle if this job touched it. Never for a pair whose
 * activation was issued.
 */
static void
pair_fail(struct dst_pair *pp, int rc, const char *why, bool tell)
{
	struct half_dst *h = pp->h;
	char msg[256];

	if (pp->failed || pp->ok || pp->stage >= DS_ACTIVATING)
		return;
	mig_half_who(msg, sizeof(msg), "destination", pp->d->m->pf, pp->d->vf, why);
	mig_half_pair_fail(pp->p, h->job.phase, rc, msg);
	pp->failed = true;
	if (tell && !h->link.err)
		(void)mig_link_pair_msg(&h->link,
					pp->stage < DS_LOADING ? MIG_W_VERDICT :
					MIG_W_RESULT, pp->idx, rc, 0, msg);
	free(pp->desc);
	pp->desc = NULL;
}

/*
 * The activating MODE_SET got no usable answer and the mode could not be
 * read back: the VF may run the guest. It is left as it is (never
 * aborted: that could destroy the only running copy), and the source is
 * told the outcome is unknown (RESULT with ENOTCONN), so that it stays
 * stopped and journaled, as one process does (D-JOB.8). Found by
 * vpf-soak: the halves used to report a failure, and the source resumed
 * while the destination ran the guest.
 */
static void
pair_unknown(struct dst_pair *pp)
{
	struct half_dst *h = pp->h;
	char msg[256];

	mig_half_who(msg, sizeof(msg), "destination", pp->d->m->pf, pp->d->vf,
		     "activation outcome unknown: left as it is; the source stays stopped");
	mig_half_pair_fail(pp->p, h->job.phase, -ENOTCONN, msg);
	MIG_LOG(ERR, pp->d->m->pf, "VF %u: %s", pp->d->vf, pp->d->err);
	pp->failed = true;
	pp->stage = DS_DONE;
	if (!h->link.err)
		(void)mig_link_pair_msg(&h->link, MIG_W_RESULT, pp->idx,
					-ENOTCONN, 0, msg);
	free(pp->desc);
	pp->desc = NULL;
}

static int
op_begin(struct dst_pair *pp)
{
	return mig_half_op_begin(pp->d, pp->h, dst_op_done, pp);
}

static void
op_start(struct dst_pair *pp, int rc)
{
	if (rc) {
		pair_fail(pp, rc, dst_err(pp), true);
		return;
	}
	pp->touched = true;
	pp->op_busy = true;
	pp->op_done = false;
	mig_op_start(pp->d);
}

static void
start_set_state(struct dst_pair *pp, enum vpf_mig_state target)
{
	int rc = op_begin(pp);

	op_start(pp, rc ? rc : mig_set_state_plan(pp->d, target));
}

/* The pre-flight read is in: compare, then RESUMING. */
static void
check_desc(struct dst_pair *pp)
{
	struct vpf_mig_compat c;
	struct vpf_mig_desc sd;
	char why[256];
	int rc;

	rc = vpf_mig_desc_parse(pp->desc, pp->desc_len, &sd);
	if (rc) {
		pair_fail(pp, rc, vpf_last_error(), true);
		return;
	}
	rc = mig_desc_compare(&sd, pp->d, &c);
	if (rc) {
		snprintf(why, sizeof(why), "incompatible with source VF %u: %.180s",
			 sd.src_vf, c.reason);
		pair_fail(pp, rc, why, true);
		return;
	}
	if (c.warning[0])
		MIG_LOG(WARNING, pp->d->m->pf, "VF %u: %s", pp->d->vf,
			c.warning);
	free(pp->desc);
	pp->desc = NULL;
	pp->stage = DS_RESUMING;
	start_set_state(pp, VPF_MIG_STATE_RESUMING);
}

static void
on_desc(struct half_dst *h, struct dst_pair *pp,
	const struct mig_wire_frame *f)
{
	struct vpf_mig_desc sd;
	int rc;

	if (pp->stage != DS_WAIT_DESC || pp->desc) {
		mig_link_fail(&h->link, -EBADMSG, "a second DESC for pair %u",
			      pp->idx);
		return;
	}
	/* Untrusted: parsed before anything is done with it. */
	rc = vpf_mig_desc_parse(f->data, f->data_len, &sd);
	if (rc) {
		pair_fail(pp, rc, vpf_last_error(), true);
		return;
	}
	pp->desc = malloc(f->data_len);
	if (pp->desc == NULL) {
		pair_fail(pp, -ENOMEM, "out of memory", true);
		return;
	}
	memcpy(pp->desc, f->data, f->data_len);
	pp->desc_len = f->data_len;
	pp->stage = DS_PREFLIGHT;
	rc = op_begin(pp);
	if (rc == 0)
		rc = mig_preflight_plan(pp->d);
	if (rc) {
		/* Nothing was sent to the VF: it is left as it is. */
		pair_fail(pp, rc, dst_err(pp), true);
		return;
	}
	pp->touched = true;
	pp->op_busy = true;
	mig_op_start(pp->d);
}

static void
on_data(struct half_dst *h, struct dst_pair *pp,
	const struct mig_wire_frame *f)
{
	int rc;

	if (pp->failed)
		return;		/* the source will see our RESULT */
	if (pp->stage != DS_LOADING) {
		mig_link_fail(&h->link, -EBADMSG,
			      "stream bytes for pair %u before its verdict",
			      pp->idx);
		return;
	}
	rc = mig_load_feed(pp->d, f->data, f->data_len);
	if (rc) {
		pair_fail(pp, rc, dst_err(pp), true);
		return;
	}
	pp->p->bytes += f->data_len;
}

static void
on_frame(struct half_dst *h, const struct mig_wire_frame *f)
{
	struct dst_pair *pp;
	unsigned int i;
	char why[256];

	if (!h->hello) {
		if (f->type != MIG_W_HELLO) {
			mig_link_fail(&h->link, -EBADMSG,
				      "the source's first frame is %s, not HELLO",
				      mig_wire_type_name(f->type));
			return;
		}
		h->hello = true;
		if (f->npairs != h->n) {
			snprintf(why, sizeof(why),
				 "pair count differs: source %u, destination %u",
				 f->npairs, h->n);
			(void)mig_link_pair_msg(&h->link, MIG_W_ABORT,
						MIG_WIRE_PAIR_ALL, EPROTO, 0,
						why);
			for (i = 0; i < h->n; i++)
				pair_fail(&h->pp[i], -EPROTO, why, false);
			h->ended = true;
			return;
		}
		h->precopy_write = (f->flags & MIG_WIRE_HELLO_F_PRECOPY_TO_DST) != 0;
		/* A source that takes PINGs gets them when this side has
		 * nothing to say (loading, activating). */
		h->link.ping = (f->flags & MIG_WIRE_HELLO_F_PING) != 0;
		for (i = 0; i < h->n; i++)
			h->pp[i].d->load.precopy_write = h->precopy_write;
		return;
	}
	switch (f->type) {
	case MIG_W_DESC:
	case MIG_W_DATA:
	case MIG_W_ABORT:
		break;
	case MIG_W_BYE:
		h->ended = true;
		return;
	default:
		mig_link_fail(&h->link, -EBADMSG,
			      "unexpected %s frame from the source",
			      mig_wire_type_name(f->type));
		return;
	}
	if (f->type == MIG_W_ABORT && f->pair == MIG_WIRE_PAIR_ALL) {
		snprintf(why, sizeof(why), "the source aborted: %.150s (%.30s)",
			 f->reason, strerror((int)f->err));
		for (i = 0; i < h->n; i++)
			pair_fail(&h->pp[i], -(int)f->err, why, false);
		return;
	}
	if (f->pair >= h->n) {
		mig_link_fail(&h->link, -EBADMSG, "%s frame for pair %u of %u",
			      mig_wire_type_name(f->type), f->pair, h->n);
		return;
	}
	pp = &h->pp[f->pair];
	if (pp->failed || pp->stage == DS_DONE)
		return;		/* ended here already */
	switch (f->type) {
	case MIG_W_DESC:
		on_desc(h, pp, f);
		break;
	case MIG_W_DATA:
		on_data(h, pp, f);
		break;
	default:
		snprintf(why, sizeof(why), "the source aborted: %.150s (%.30s)",
			 f->reason, strerror((int)f->err));
		pair_fail(pp, -(int)f->err, why, false);
		break;
	}
}

static void
pair_activated(struct dst_pair *pp)
{
	struct half_dst *h = pp->h;
	struct mig_vf *d = pp->d;

	pp->ok = true;
	pp->p->t_active_ns = d->t_active_done - h->t0;
	pp->p->ctx_bytes = d->load.parser.info.final_len;
	if (!h->link.err)
		(void)mig_link_pair_msg(&h->link, MIG_W_RESULT, pp->idx, 0,
					d->t_active_done, NULL);
	else
		MIG_LOG(WARNING, d->m->pf,
			"VF %u runs the migrated guest; the source could not be told",
			d->vf);
}

static void
op_completed(struct dst_pair *pp, int rc)
{
	struct mig_vf *d = pp->d;

	switch (pp->stage) {
	case DS_PREFLIGHT:
		if (rc) {
			pair_fail(pp, rc, dst_err(pp), true);
			return;
		}
		check_desc(pp);
		return;
	case DS_RESUMING:
		if (rc) {
			pair_fail(pp, rc, dst_err(pp), true);
			return;
		}
		pp->stage = DS_LOADING;
		if (!pp->h->link.err && !pp->h->ended)
			(void)mig_link_pair_msg(&pp->h->link, MIG_W_VERDICT,
						pp->idx, 0, 0, NULL);
		return;
	case DS_LOADING:
		if (rc)
			pair_fail(pp, rc, dst_err(pp), true);
		return;
	case DS_ACTIVATING:
		if (rc && d->state == VPF_MIG_STATE_RUNNING) {
			/* The MODE_SET failed, but the mode read back says the
			 * VF left Freeze: it applied the context and runs. */
			MIG_LOG(WARNING, d->m->pf,
				"VF %u: %s; the VF is Active: migration completed",
				d->vf, d->err);
			if (d->t_active_done < pp->h->t0)
				d->t_active_done = vpf_now_ns();
			rc = 0;
		}
		if (rc && d->state == VPF_MIG_STATE_ERROR) {
			pair_unknown(pp);
			return;
		}
		if (rc) {
			/* Not activated: abort below (nothing applied). */
			pp->stage = DS_LOADING;
			pair_fail(pp, rc, dst_err(pp), true);
			return;
		}
		pp->stage = DS_DONE;
		pair_activated(pp);
		return;
	default:
		return;
	}
}

static void
pair_step(struct dst_pair *pp)
{
	struct mig_vf *d = pp->d;
	int rc;

	if (pp->op_done) {
		pp->op_done = false;
		if (pp->stage == DS_ABORTING) {
			pp->stage = DS_DONE;
			return;
		}
		if (!pp->failed)
			op_completed(pp, pp->op_rc);
	}
	if (pp->op_busy || pp->stage == DS_DONE)
		return;
	if (pp->failed) {
		if (!pp->touched) {
			pp->stage = DS_DONE;
			return;
		}
		pp->stage = DS_ABORTING;
		if (op_begin(pp) == 0 && mig_abort_plan(d) == 0) {
			pp->op_busy = true;
			mig_op_start(d);
		} else {
			pp->stage = DS_DONE;
		}
		return;
	}
	if (pp->stage != DS_LOADING)
		return;
	if (d->load.pend_valid) {
		const void *was = d->m->acting;

		d->m->acting = pp->h;
		rc = mig_load_kick(d, dst_op_done, pp);
		d->m->acting = was;
		if (rc)
			pair_fail(pp, rc, dst_err(pp), true);
		else
			pp->op_busy = true;
		return;
	}
	if (d->load.parser.info.precopy > pp->acked && !pp->h->link.err) {
		/* Every precopy context received is written (or checked, or
		 * superseded): the source's round may end (as the in-process
		 * job's round waits for the destination's write). */
		struct mig_wire_frame f;

		memset(&f, 0, sizeof(f));
		f.type = MIG_W_ACK;
		f.pair = pp->idx;
		f.rounds = d->load.parser.info.precopy;
		(void)mig_link_put(&pp->h->link, &f);
		pp->acked = f.rounds;
	}
	if (d->load.final_written && d->load.parser.state == MIG_P_DONE) {
		if (pp->h->o.before_resume) {
			int rc = pp->h->o.before_resume(pp->p, pp->h->o.arg);

			if (rc < 0) {
				pair_fail(pp, rc, "the caller's before-resume hook failed",
					  true);
				return;
			}
		}
		pp->stage = DS_ACTIVATING;
		start_set_state(pp, VPF_MIG_STATE_RUNNING);
		if (!pp->op_busy && !pp->failed)
			pp->stage = DS_DONE;
	}
}

/* The link is over with pairs not settled: those not being activated are
 * aborted (nothing applied). */
static void
link_down(struct half_dst *h, int rc, const char *cause, bool tell)
{
	char why[256];
	unsigned int i;

	snprintf(why, sizeof(why), "transport to the source lost: %.200s",
		 cause);
	for (i = 0; i < h->n; i++) {
		struct dst_pair *pp = &h->pp[i];

		/* A pair the source has not asked for yet: nothing to tell. */
		if (tell && pp->stage > DS_WAIT_DESC && !pp->failed &&
		    !pp->ok && pp->stage < DS_ACTIVATING)
			(void)mig_link_pair_msg(&h->link, MIG_W_ABORT, pp->idx,
						rc, 0, why);
		pair_fail(pp, rc, why, false);
	}
}

static bool
all_settled(const struct half_dst *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->pp[i].stage != DS_DONE)
			return false;
	return true;
}

static void
update_phase(struct half_dst *h)
{
	enum dst_stage lo = DS_DONE;
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (!h->pp[i].failed && h->pp[i].stage < lo)
			lo = h->pp[i].stage;
	h->job.phase = lo <= DS_RESUMING ? VPF_MIG_PHASE_PREFLIGHT :
		       lo == DS_LOADING ? VPF_MIG_PHASE_STOP_COPY :
		       lo == DS_ACTIVATING ? VPF_MIG_PHASE_RESUME :
		       VPF_MIG_PHASE_DONE;
}

static int
dst_poll(struct vpf_mig_job *job, unsigned int budget)
{
	struct half_dst *h = to_dst(job);
	struct mig_wire_frame f;
	unsigned int i;
	int rc;

	h->units = 0;
	if (!h->cancelled && ((h->o.cancel && h->o.cancel(h->o.arg)) ||
			      job->cancel_req)) {
		h->cancelled = true;
		for (i = 0; i < h->n; i++)
			pair_fail(&h->pp[i], -ECANCELED, "cancelled", true);
		h->linger_until = vpf_now_ns() + MIG_LINK_LINGER_NS;
	}
	/* Sending what is queued is part of the units that queued it. */
	(void)mig_link_flush(&h->link);
	while (h->units < budget && !mig_link_rx_down(&h->link) && !h->ended) {
		rc = mig_link_next(&h->link, &f);
		if (rc <= 0)
			break;
		h->units++;
		on_frame(h, &f);
	}
	if (h->units < budget)
		h->units += mig_half_poll_migs(h->migs, h->nmigs,
					       budget - h->units);
	/* A source that neither sends nor closes (its host died, a
	 * partition) fails the link after the peer timeout (vpf-soak,
	 * doc/reliability.md, finding 3); after its BYE nothing more is
	 * waited for. */
	if (!h->ended)
		(void)mig_link_tick(&h->link);
	if (h->link.err || h->link.rx_err) {
		/* After a bad frame the source is still told (ABORT). */
		link_down(h, h->link.err ? h->link.err : h->link.rx_err,
			  h->link.why, h->link.rx_err && !h->link.err);
		h->ended = true;
	} else if (!h->ended && mig_link_ended(&h->link)) {
		link_down(h, -EPIPE, "the source closed the transport", false);
		h->ended = true;
	} else if (h->ended) {
		/* BYE: the source has ended every pair it knows of. */
		link_down(h, -EPIPE, "the source ended the migration", false);
	}
	for (i = 0; i < h->n; i++) {
		/* The pre-flight's buffer prefaults: one step (a buffer's
		 * growth or one page) ends the poll (mig_vf_prefault_run()). */
		if (mig_vf_prefault_ready(h->pp[i].d) && h->units < budget) {
			(void)mig_vf_prefault_run(h->pp[i].d);
			h->units = budget;
		}
		pair_step(&h->pp[i]);
	}
	update_phase(h);
	/* Sending what is queued is part of the units that queued it. */
	(void)mig_link_flush(&h->link);
	if (all_settled(h) && h->linger_until == 0)
		h->linger_until = vpf_now_ns() + MIG_LINK_LINGER_NS;
	/* Done once every pair is settled, everything told, and the source
	 * has said BYE or gone; the last frames wait at most the linger. */
	if (all_settled(h) &&
	    (h->link.err || ((h->ended || mig_link_rx_down(&h->link)) &&
			     mig_link_unsent(&h->link) == 0) ||
	     vpf_now_ns() > h->linger_until))
		job->done = true;
	return (int)h->units;
}

static void
dst_cancel(struct vpf_mig_job *job)
{
	(void)job;	/* seen by the next poll (cancel_req) */
}

static int
dst_result(struct vpf_mig_job *job, struct vpf_mig_result *res)
{
	struct half_dst *h = to_dst(job);
	struct vpf_mig_result r;
	unsigned int i;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < h->n; i++) {
		struct dst_pair *pp = &h->pp[i];

		r.pairs++;
		r.bytes += pp->p->bytes;
		r.cmds += pp->d->cmds - pp->cmds0;
		if (pp->ok) {
			r.ok++;
			continue;
		}
		r.failed++;
		if (pp->p->rc == 0)
			mig_half_pair_fail(pp->p, VPF_MIG_PHASE_DONE, -EPIPE,
					   "the source never sent this pair");
		if (rc == 0)
			rc = pp->p->rc;
	}
	r.total_ns = vpf_now_ns() - h->t0;
	if (res)
		*res = r;
	if (h->o.progress) {
		struct vpf_mig_progress pr;

		memset(&pr, 0, sizeof(pr));
		pr.phase = VPF_MIG_PHASE_DONE;
		pr.pairs = h->n;
		pr.failed = r.failed;
		pr.bytes = r.bytes;
		pr.elapsed_ns = r.total_ns;
		h->o.progress(&pr, h->o.arg);
	}
	if (h->cancelled && r.failed)
		return vpf_error(-ECANCELED, "migration cancelled");
	for (i = 0; rc && i < h->n; i++)
		if (!h->pp[i].ok)
			return vpf_error(rc, "pair %u (destination VF %u) failed: %s",
					 i, h->pp[i].p->dst_vf,
					 h->pp[i].p->error);
	return rc;
}

static void
dst_destroy(struct vpf_mig_job *job)
{
	struct half_dst *h = to_dst(job);
	unsigned int i;

	for (i = 0; h->pp && i < h->n; i++) {
		struct dst_pair *pp = &h->pp[i];

		if (pp->h == NULL)
			continue;
		if (pp->d->owner == h)
			pp->d->owner = NULL;
		pp->d->chunk = pp->chunk_saved;
		pp->d->load.precopy_write = pp->pw_saved;
		free(pp->desc);
	}
	mig_link_fini(&h->link);
	free(h->pp);
	free(h->migs);
	free(h);
}

static const struct mig_job_ops dst_ops = {
	.poll = dst_poll,
	.cancel = dst_cancel,
	.result = dst_result,
	.destroy = dst_destroy,
};

static int
dst_setup(struct half_dst *h, struct vpf_mig_pair *pairs, unsigned int n,
	  const struct vpf_mig_xport *x)
{
	unsigned int i, j;

	if (h->o.chunk % 8)
		return vpf_error(-EINVAL, "chunk %u is not a multiple of 8 bytes",
				 h->o.chunk);
	if (n > MIG_WIRE_PAIRS_MAX)
		return vpf_error(-EINVAL, "%u pairs (most %u over a transport)",
				 n, MIG_WIRE_PAIRS_MAX);
	h->pp = calloc(n, sizeof(*h->pp));
	h->migs = calloc(n, sizeof(*h->migs));
	if (h->pp == NULL || h->migs == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	h->n = n;
	for (i = 0; i < n; i++) {
		struct dst_pair *pp = &h->pp[i];

		pp->d = mig_vf_get(pairs[i].dst, pairs[i].dst_vf);
		if (pp->d == NULL)
			return vpf_error(-EINVAL, "pair %u: %s", i,
					 vpf_last_error());
		if (pp->d->busy || pp->d->owner != NULL)
			return vpf_error(-EBUSY, "pair %u: destination VF %u is busy",
					 i, pairs[i].dst_vf);
		for (j = 0; j < i; j++)
			if (h->pp[j].d == pp->d)
				return vpf_error(-EINVAL, "pair %u uses the destination VF of pair %u again",
						 i, j);
		mig_half_add_mig(h->migs, &h->nmigs, pairs[i].dst);
	}
	for (i = 0; i < n; i++) {
		struct dst_pair *pp = &h->pp[i];
		struct vpf_mig_pair *p = &pairs[i];

		pp->h = h;
		pp->p = p;
		pp->idx = i;
		p->rc = 0;
		p->error[0] = '\0';
		p->failed_phase = VPF_MIG_PHASE_DONE;
		p->downtime_ns = p->bytes = p->ctx_bytes = p->pages = 0;
		p->precopy_rounds = 0;
		p->t_freeze_ns = p->t_active_ns = 0;
		pp->d->owner = h;
		pp->chunk_saved = pp->d->chunk;
		pp->pw_saved = pp->d->load.precopy_write;
		if (h->o.chunk)
			pp->d->chunk = h->o.chunk;
		pp->cmds0 = pp->d->cmds;
	}
	return mig_link_init(&h->link, x);
}

int
vpf_mig_job_start_dest(const struct vpf_mig_opts *o,
		       struct vpf_mig_pair *pairs, unsigned int n,
		       const struct vpf_mig_xport *x, struct vpf_mig_job **job)
{
	struct half_dst *h;
	int rc;

	if (job == NULL)
		return vpf_error(-EINVAL, "start_dest: no job pointer");
	*job = NULL;
	if (pairs == NULL || n == 0)
		return vpf_error(-EINVAL, "no pairs to migrate");
	if (x == NULL || x->send == NULL || x->recv == NULL)
		return vpf_error(-EINVAL, "start_dest: no transport");
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	h->job.ops = &dst_ops;
	h->job.phase = VPF_MIG_PHASE_PREFLIGHT;
	if (o)
		h->o = *o;
	else
		vpf_mig_opts_init(&h->o);
	rc = mig_job_objects_check(pairs, n, MIG_SIDE_DST);
	if (rc == 0)
		rc = dst_setup(h, pairs, n, x);
	if (rc) {
		dst_destroy(&h->job);
		return rc;
	}
	h->t0 = vpf_now_ns();
	mig_link_watch(&h->link, "source", h->o.peer_timeout_ms);
	*job = &h->job;
	return 0;
}
