/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Per-VF migration: the VFIO v2 state machine (FACTS.md 8) on the device
 * modes, the save and load streams, attach/detach crash safety, and the
 * asynchronous step engine every operation runs on.
 *
 * An operation is a short list of steps. Device steps issue one admin
 * command at a time for the VF (its commands depend on each other: chunks
 * of one context are ordered), but any number of VFs have their command in
 * flight at once through the PF's pipelined engine. Whether a step is
 * needed (a MODE_SET to the mode the VF is already in, a DISCARD with
 * nothing to discard) is decided when the step runs, from what the library
 * knows about the VF then.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>

#include "vpf_ctx.h"
#include "mig_vf.h"

/* ---------------------------------------------------------------------------
 * States and arcs
 * ------------------------------------------------------------------------- */

#define S_ERR	VPF_MIG_STATE_ERROR
#define S_STOP	VPF_MIG_STATE_STOP
#define S_RUN	VPF_MIG_STATE_RUNNING
#define S_SC	VPF_MIG_STATE_STOP_COPY
#define S_RES	VPF_MIG_STATE_RESUMING
#define S_P2P	VPF_MIG_STATE_RUNNING_P2P
#define S_PC	VPF_MIG_STATE_PRE_COPY
#define S_PCP	VPF_MIG_STATE_PRE_COPY_P2P

/*
 * Next state on the way from [cur] to [target]: Linux vfio_main.c
 * vfio_from_fsm_table (P2P and PRE_COPY supported), FACTS.md 8.
 */
static const uint8_t next_state[VPF_MIG_STATE_MAX][VPF_MIG_STATE_MAX] = {
	[S_STOP] = {
		[S_STOP] = S_STOP, [S_RUN] = S_P2P, [S_PC] = S_P2P,
		[S_PCP] = S_P2P, [S_SC] = S_SC, [S_RES] = S_RES,
		[S_P2P] = S_P2P, [S_ERR] = S_ERR,
	},
	[S_RUN] = {
		[S_STOP] = S_P2P, [S_RUN] = S_RUN, [S_PC] = S_PC,
		[S_PCP] = S_P2P, [S_SC] = S_P2P, [S_RES] = S_P2P,
		[S_P2P] = S_P2P, [S_ERR] = S_ERR,
	},
	[S_PC] = {
		[S_STOP] = S_RUN, [S_RUN] = S_RUN, [S_PC] = S_PC,
		[S_PCP] = S_PCP, [S_SC] = S_PCP, [S_RES] = S_RUN,
		[S_P2P] = S_RUN, [S_ERR] = S_ERR,
	},
	[S_PCP] = {
		[S_STOP] = S_P2P, [S_RUN] = S_P2P, [S_PC] = S_PC,
		[S_PCP] = S_PCP, [S_SC] = S_SC, [S_RES] = S_P2P,
		[S_P2P] = S_P2P, [S_ERR] = S_ERR,
	},
	[S_SC] = {
		[S_STOP] = S_STOP, [S_RUN] = S_STOP, [S_PC] = S_STOP,
		[S_PCP] = S_STOP, [S_SC] = S_SC, [S_RES] = S_STOP,
		[S_P2P] = S_STOP, [S_ERR] = S_ERR,
	},
	[S_RES] = {
		[S_STOP] = S_STOP, [S_RUN] = S_STOP, [S_PC] = S_STOP,
		[S_PCP] = S_STOP, [S_SC] = S_STOP, [S_RES] = S_RES,
		[S_P2P] = S_STOP, [S_ERR] = S_ERR,
	},
	[S_P2P] = {
		[S_STOP] = S_STOP, [S_RUN] = S_RUN, [S_PC] = S_RUN,
		[S_PCP] = S_PCP, [S_SC] = S_STOP, [S_RES] = S_STOP,
		[S_P2P] = S_P2P, [S_ERR] = S_ERR,
	},
	[S_ERR] = {
		[S_STOP] = S_ERR, [S_RUN] = S_ERR, [S_PC] = S_ERR,
		[S_PCP] = S_ERR, [S_SC] = S_ERR, [S_RES] = S_ERR,
		[S_P2P] = S_ERR, [S_ERR] = S_ERR,
	},
};

static const char *const state_names[VPF_MIG_STATE_MAX] = {
	[S_ERR] = "ERROR", [S_STOP] = "STOP", [S_RUN] = "RUNNING",
	[S_SC] = "STOP_COPY", [S_RES] = "RESUMING", [S_P2P] = "RUNNING_P2P",
	[S_PC] = "PRE_COPY", [S_PCP] = "PRE_COPY_P2P",
};

static bool
state_ok(enum vpf_mig_state s)
{
	return (unsigned int)s < VPF_MIG_STATE_MAX;
}

const char *
vpf_mig_state_name(enum vpf_mig_state s)
{
	return state_ok(s) ? state_names[s] : "INVALID";
}

int
vpf_mig_state_parse(const char *name, enum vpf_mig_state *s)
{
	unsigned int i;

	if (name == NULL || s == NULL)
		return vpf_error(-EINVAL, "no state name");
	for (i = 0; i < VPF_MIG_STATE_MAX; i++) {
		if (strcasecmp(name, state_names[i]) == 0) {
			*s = (enum vpf_mig_state)i;
			return 0;
		}
	}
	return vpf_error(-EINVAL, "unknown migration state '%s'", name);
}

uint8_t
vpf_mig_state_mode(enum vpf_mig_state s)
{
	switch (s) {
	case S_RUN:
	case S_PC:
		return VPF_DEV_MODE_ACTIVE;
	case S_P2P:
	case S_PCP:
		return VPF_DEV_MODE_STOP;
	case S_STOP:
	case S_SC:
	case S_RES:
		return VPF_DEV_MODE_FREEZE;
	default:
		return MIG_MODE_UNKNOWN;
	}
}

/* The state without a stream that runs the VF in @p mode. */
static enum vpf_mig_state
plain_state(uint8_t mode)
{
	switch (mode) {
	case VPF_DEV_MODE_ACTIVE:
		return S_RUN;
	case VPF_DEV_MODE_STOP:
		return S_P2P;
	case VPF_DEV_MODE_FREEZE:
		return S_STOP;
	default:
		return S_ERR;
	}
}

static bool
is_save(enum vpf_mig_state s)
{
	return s == S_PC || s == S_PCP || s == S_SC;
}

bool
vpf_mig_arc_valid(enum vpf_mig_state from, enum vpf_mig_state to)
{
	if (!state_ok(from) || !state_ok(to) || from == to ||
	    from == S_ERR || to == S_ERR)
		return false;
	return next_state[from][to] == to;
}

int
vpf_mig_path(enum vpf_mig_state from, enum vpf_mig_state to,
	     enum vpf_mig_state *path, unsigned int max)
{
	enum vpf_mig_state cur = from;
	unsigned int n = 0;

	if (!state_ok(from) || !state_ok(to))
		return vpf_error(-EPERM, "migration state %d or %d does not exist",
				 (int)from, (int)to);
	if (from == S_ERR)
		return vpf_error(-EPERM, "a VF in ERROR leaves it only by reset");
	if (to == S_ERR)
		return vpf_error(-EPERM, "ERROR cannot be requested");
	while (cur != to) {
		cur = (enum vpf_mig_state)next_state[cur][to];
		if (cur == S_ERR || n >= VPF_MIG_PATH_MAX)
			return vpf_error(-EPERM, "no VFIO arc from %s to %s",
					 vpf_mig_state_name(from),
					 vpf_mig_state_name(to));
		if (n >= max)
			return vpf_error(-ENOSPC, "path from %s to %s longer than %u",
					 vpf_mig_state_name(from),
					 vpf_mig_state_name(to), max);
		if (path)
			path[n] = cur;
		n++;
	}
	return (int)n;
}

/* ---------------------------------------------------------------------------
 * Step engine
 * ------------------------------------------------------------------------- */

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
	v->nsteps = 0;
	v->istep = 0;
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
static void
op_replan_fail(struct mig_vf *v, int rc)
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
	/* A stream only lives in a save state (FACTS.md 8: leaving one
	 * before the stream is drained discards it). */
	if (!is_save(v->state) && v->session) {
		v->session = false;
		mig_buf_reset(&v->out);
	}
	if (v->state != S_RES)
		v->load_active = false;
	if (v->op_rc && v->err[0] == '\0')
		snprintf(v->err, sizeof(v->err), "%s", vpf_last_error());
	v->busy = false;
	v->done_pending = true;
	vf_bm_set(v->m->done_bm, v->vf);
}

static const char *
cmd_name(const struct vpf_admin_cmd *c)
{
	return vpf_admin_opcode_name(c->opcode);
}

static void
cmd_fail_msg(struct mig_vf *v, int rc)
{
	const struct vpf_admin_cmd *c = &v->cmd;

	if (c->status)
		mig_vf_fail(v, rc, "%s: VF %u: %s failed: %s (status %s, qualifier %s)",
			    vpf_pf_name(v->m->pf), v->vf, cmd_name(c),
			    strerror(-rc), vpf_admin_status_name(c->status),
			    vpf_admin_qualifier_name(c->qualifier));
	else
		mig_vf_fail(v, rc, "%s: VF %u: %s failed: %s",
			    vpf_pf_name(v->m->pf), v->vf, cmd_name(c),
			    strerror(-rc));
}

/* A copy of v->err to quote in the next message (truncated to fit). */
static void
err_quote(const struct mig_vf *v, char *out, size_t n)
{
	size_t l = strnlen(v->err, n - 1);

	memcpy(out, v->err, l);
	out[l] = '\0';
}

static void
prep_raw(struct vpf_admin_cmd *c, uint16_t op, uint16_t vf)
{
	/* The discard builder resets every request member (and the engine's
	 * private flags); then the opcode is changed. */
	vpf_admin_prep_ctx_discard(c, vf);
	c->opcode = op;
}

/* Fill v->cmd for the current step. @return 0 to issue, 1 to skip, <0. */
static int
vf_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct vpf_admin_cmd *c = &v->cmd;
	const struct vpf_pf_info *info = &v->m->info;
	size_t n;
	int rc;

	switch (st->act) {
	case ACT_MODE_SET:
		if (v->mode == st->arg && !(st->flags & STEP_F_FORCE))
			return 1;
		if ((st->flags & STEP_F_NO_APPLY) &&
		    st->arg != VPF_DEV_MODE_FREEZE &&
		    v->mode != VPF_DEV_MODE_ACTIVE &&
		    v->mode != VPF_DEV_MODE_STOP &&
		    (v->written || v->partial)) {
			/* The DISCARD before failed: leaving Freeze now would
			 * apply a written context (FACTS.md 4). Stay. */
			char why[96];

			err_quote(v, why, sizeof(why));
			return mig_vf_fail(v, -EIO,
					   "VF %u stays in Freeze: a written context could not be discarded and leaving Freeze would apply it (%s)",
					   v->vf, why[0] ? why : "DEV_CTX_DISCARD failed");
		}
		/* MODE_SET to Active or Stop fails while a context is
		 * partially read or written (FACTS.md 4): drop it first. */
		if (st->arg != VPF_DEV_MODE_FREEZE && v->partial &&
		    !v->pre_discard) {
			/* pre_discard is set when the DISCARD is submitted
			 * (vf_submit_commit): a prep may be repeated after
			 * -EBUSY and must not change anything. */
			vpf_admin_prep_ctx_discard(c, v->vf);
			return 0;
		}
		if (!v->moved) {
			v->orig_mode = v->mode == MIG_MODE_UNKNOWN ?
				       VPF_DEV_MODE_ACTIVE : v->mode;
			v->moved = true;
		}
		vpf_admin_prep_mode_set(c, v->vf, st->arg);
		return 0;
	case ACT_MODE_GET:
		vpf_admin_prep_mode_get(c, v->vf, &v->mode_result);
		return 0;
	case ACT_DISCARD:
		if (!v->read_started && !v->partial && !v->written)
			return 1;
		/* fall through */
	case ACT_DISCARD_FORCE:
		vpf_admin_prep_ctx_discard(c, v->vf);
		return 0;
	case ACT_SIZE_GET:
		vpf_admin_prep_ctx_size_get(c, v->vf, st->arg != 0,
					    &v->size_result);
		return 0;
	case ACT_READ_CTX:
		if (!v->step_cont)
			mig_buf_reset(&v->ctx);
		rc = mig_buf_reserve(&v->ctx, v->chunk);
		if (rc)
			return mig_vf_fail(v, rc, "VF %u: out of memory for the context",
					   v->vf);
		vpf_admin_prep_ctx_read(c, v->vf, v->ctx.p + v->ctx.len,
					v->chunk);
		return 0;
	case ACT_WRITE_CTX:
		if (!v->step_cont) {
			size_t pad;

			if (!v->pend_valid)
				return 1;
			/* The last chunk is padded with zeros to 8 bytes
			 * (FACTS.md 1); the device ignores them. */
			pad = (v->pend.len + 7u) & ~(size_t)7u;
			mig_buf_reset(&v->wbuf);
			rc = mig_buf_reserve(&v->wbuf, pad);
			if (rc)
				return mig_vf_fail(v, rc, "VF %u: out of memory",
						   v->vf);
			memcpy(v->wbuf.p, v->pend.p, v->pend.len);
			memset(v->wbuf.p + v->pend.len, 0, pad - v->pend.len);
			v->wbuf.len = pad;
			v->wlen = pad;
			v->woff = 0;
			v->wfinal = v->pend_final;
			/* pend is taken in vf_submit_commit(), when the
			 * first chunk goes on the queue: after -EBUSY this
			 * prep runs again and must find it. */
		}
		n = v->wlen - v->woff;
		if (n > v->chunk)
			n = v->chunk;
		vpf_admin_prep_ctx_write(c, v->vf, v->wbuf.p + v->woff,
					 (uint32_t)n);
		return 0;
	case ACT_FIELDS_QUERY:
		if (!info->has_fields_query || v->fields_valid)
			return 1;
		if (v->fields == NULL) {
			uint32_t cap = vpf_admin_max_chunk(v->m->pf) /
				       (uint32_t)sizeof(*v->fields);

			if (cap > MIG_FIELDS_QMAX + 1)
				cap = MIG_FIELDS_QMAX + 1;
			v->fields = calloc(cap ? cap : 1, sizeof(*v->fields));
			if (v->fields == NULL)
				return mig_vf_fail(v, -ENOMEM, "out of memory");
			v->fields_cap = cap;
		}
		prep_raw(c, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, v->vf);
		c->result = v->fields;
		c->result_len = v->fields_cap * (uint32_t)sizeof(*v->fields);
		return 0;
	case ACT_WR_CAP:
		if (v->wr_cap_valid)
			return 1;
		prep_raw(c, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, v->vf);
		c->result = &v->wr_cap;
		c->result_len = sizeof(v->wr_cap);
		return 0;
	case ACT_WR_START:
		prep_raw(c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, v->vf);
		c->data = v->wr_start_data;
		c->data_len = v->wr_start_len;
		return 0;
	case ACT_WR_READ:
		if (!v->step_cont)
			v->wr_ri = 0;
		/* Next range that meets the window; none left: done. */
		for (; v->wr_ri < v->wr_n; v->wr_ri++) {
			if (mig_wr_window(&v->wr_ranges[v->wr_ri], v->wr_dev_ps,
					  v->wr_bm_addr, v->wr_bm_len,
					  &v->wr_lo, &v->wr_hi))
				break;
		}
		if (v->wr_ri >= v->wr_n)
			return 1;
		v->wr_rd.page_address = rte_cpu_to_le_64(v->wr_lo);
		v->wr_rd.length = rte_cpu_to_le_64(v->wr_hi - v->wr_lo);
		prep_raw(c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, v->vf);
		c->data = &v->wr_rd;
		c->data_len = sizeof(v->wr_rd);
		if (v->wr_rec == NULL && mig_wr_rec_alloc(v))
			return -ENOMEM;
		c->result = v->wr_rec;
		c->result_len = v->wr_rec_max * sizeof(*v->wr_rec);
		return 0;
	case ACT_WR_STOP:
		if (!info->has_write_record || (!v->wr_started && st->arg == 0))
			return 1;
		prep_raw(c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP, v->vf);
		return 0;
	default:
		return mig_vf_fail(v, -EINVAL, "VF %u: bad step %u", v->vf,
				   st->act);
	}
}

static void vf_cmd_done(struct vpf_admin_cmd *c);

/* Side effects of submitting the command vf_prep() filled for @p st:
 * committed with @p on before the submit (a completion may run from the
 * engine at any point after it), undone with !@p on when the engine did
 * not take it (-EBUSY: the prep runs again and must find things as
 * they were). */
static void
vf_submit_commit(struct mig_vf *v, const struct mig_step *st, bool on)
{
	if (st->act == ACT_MODE_SET &&
	    v->cmd.opcode == VPF_ADMIN_OP_DEV_CTX_DISCARD)
		v->pre_discard = on;
	else if (st->act == ACT_WRITE_CTX && !v->step_cont)
		v->pend_valid = !on;
}

/* A step failed with @p rc (message already in v->err). */
static void
step_failed(struct mig_vf *v, const struct mig_step *st, int rc)
{
	if (st->act == ACT_MODE_GET && v->failing && v->mode == MIG_MODE_UNKNOWN) {
		/* The mode could not be read back either: VFIO's ERROR,
		 * left only by reset (FACTS.md 8). */
		v->state = S_ERR;
	}
	if ((st->flags & STEP_F_RETRY) &&
	    ++v->discard_tries < MIG_DISCARD_TRIES) {
		/* The same step again (the caller re-runs v->istep). */
		MIG_LOG(WARNING, "%s; trying again\n", v->err);
		return;
	}
	if (v->failing || (st->flags & STEP_F_BEST_EFFORT)) {
		/* Cleanup goes on; the first error is what the op returns. */
		if (v->op_rc == 0)
			v->op_rc = rc;
		if (st->act == ACT_MODE_SET && v->cmd.status == 0 &&
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
	if (st->act == ACT_MODE_SET && v->cmd.status == 0) {
		/* No device answer (timeout, queue recovery): the mode is
		 * unknown; read it back, ERROR only if that fails too. */
		op_replan_fail(v, rc);
		if (v->cmd.opcode == VPF_ADMIN_OP_DEV_MODE_SET)
			v->lost_mode = st->arg;
		v->mode = MIG_MODE_UNKNOWN;
		mig_op_add(v, ACT_MODE_GET, 0, 0, NULL);
		v->istep++;
		return;
	}
	if (st->act == ACT_WRITE_CTX) {
		/* A failed CTX_WRITE drops the whole partial write; one
		 * without a device answer may have been done: treat the
		 * context as written (and partial) so that it is DISCARDed
		 * before anything leaves Freeze. */
		if (v->cmd.status == 0 && v->cmd.opcode == VPF_ADMIN_OP_DEV_CTX_WRITE)
			v->written = v->partial = true;
		else
			v->partial = false;
		if (v->load_active && v->load_err == 0)
			v->load_err = rc;
	}
	if (v->op_rc == 0)
		v->op_rc = rc;
	v->nsteps = v->istep;	/* nothing more */
}

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
			rc = st->fn(v);
			if (rc) {
				if (v->err[0] == '\0')
					mig_vf_fail(v, rc, "%s", vpf_last_error());
				step_failed(v, st, rc);
				if (!v->failing && !(st->flags & STEP_F_BEST_EFFORT))
					break;
				continue;
			}
			v->istep++;
			v->step_cont = false;
			continue;
		}
		rc = vf_prep(v, st);
		if (rc == 1) {
			v->istep++;
			v->step_cont = false;
			continue;
		}
		if (rc < 0) {
			step_failed(v, st, rc);
			v->step_cont = false;
			continue;
		}
		v->cmd.done = vf_cmd_done;
		v->cmd.arg = v;
		v->in_cmd = true;
		v->need_submit = false;
		if (v->cmd.opcode == VPF_ADMIN_OP_DEV_MODE_SET &&
		    v->cmd.inline_data[0] == VPF_DEV_MODE_FREEZE)
			v->t_freeze_issue = mig_now_ns();
		vf_submit_commit(v, st, true);
		rc = vpf_admin_submit(v->m->pf, &v->cmd);
		if (rc)
			vf_submit_commit(v, st, false);
		if (rc == -EBUSY) {
			/* Every slot in use: vpf_mig_poll() tries again. */
			v->in_cmd = false;
			v->need_submit = true;
			vf_bm_set(v->m->submit_bm, v->vf);
			return;
		}
		if (rc) {
			v->in_cmd = false;
			cmd_fail_msg(v, rc);
			step_failed(v, st, rc);
			v->step_cont = false;
			continue;
		}
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
	v->failing = false;
	v->op_rc = 0;
	v->err[0] = '\0';
	vf_run(v);
}

static int
wr_bad(struct mig_vf *v, uint64_t a)
{
	return mig_vf_fail(v, -EIO,
			   "VF %u: write record 0x%" PRIx64
			   " outside the range read 0x%" PRIx64 "..0x%" PRIx64,
			   v->vf, a, v->wr_lo, v->wr_hi);
}

/* Merge @p cnt records of v->wr_rec into the bitmap. Every record is
 * checked (device page aligned, inside the window read): one outside is
 * a device error. Page sizes are powers of two (checked at start and by
 * mig_pick_page_size()), so no division. */
static int
wr_merge(struct mig_vf *v, uint32_t cnt)
{
	const uint64_t amask = v->wr_dev_ps - 1, lo = v->wr_lo;
	const uint64_t span = v->wr_hi - v->wr_lo;
	uint64_t *bm = v->wr_bm, newbits = 0;
	uint32_t i;

	if (v->wr_dev_ps == v->wr_ps) {
		/* One bit per record. The window [wr_lo, wr_hi) lies inside
		 * the bitmap's range: with equal page sizes, wr_bm_addr and
		 * wr_bm_len are device-page multiples (sync plan). */
		const uint64_t base = v->wr_bm_addr;
		const unsigned int sh = v->wr_ps_shift;

		for (i = 0; i < cnt; i++) {
			uint64_t a = rte_le_to_cpu_64(v->wr_rec[i]), p, bit;

			if ((a & amask) || a - lo >= span)
				return wr_bad(v, a);
			p = (a - base) >> sh;
			bit = UINT64_C(1) << (p % 64);
			newbits += !(bm[p / 64] & bit);
			bm[p / 64] |= bit;
		}
	} else {
		for (i = 0; i < cnt; i++) {
			uint64_t a = rte_le_to_cpu_64(v->wr_rec[i]);

			if ((a & amask) || a - lo >= span)
				return wr_bad(v, a);
			newbits += mig_bitmap_mark(bm, v->wr_bm_addr,
						   v->wr_bm_len, v->wr_ps, a,
						   v->wr_dev_ps);
		}
	}
	v->wr_new += newbits;
	return 0;
}

/* Result of a successful command. @return 1 to issue the same step
 * again, 0 to go on, <0 to fail it. */
static int
cmd_ok(struct mig_vf *v, const struct mig_step *st)
{
	struct vpf_admin_cmd *c = &v->cmd;
	uint32_t got, cnt;
	uint8_t prev;
	int rc;

	switch (st->act) {
	case ACT_MODE_SET:
		if (c->opcode == VPF_ADMIN_OP_DEV_CTX_DISCARD) {
			/* the DISCARD issued before this MODE_SET */
			v->read_started = v->partial = v->written = false;
			return 1;
		}
		prev = v->mode;
		v->mode = st->arg;
		v->pre_discard = false;
		/* Each mode has its own context; leaving Freeze applies a
		 * written one (FACTS.md 4). */
		v->read_started = false;
		v->partial = false;
		if (prev == VPF_DEV_MODE_FREEZE)
			v->written = false;
		if (st->arg == VPF_DEV_MODE_ACTIVE)
			v->t_active_done = mig_now_ns();
		return 0;
	case ACT_MODE_GET:
		if (v->mode_result > VPF_DEV_MODE_MAX)
			return mig_vf_fail(v, -EIO, "VF %u: device reports mode %u",
					   v->vf, v->mode_result);
		v->mode = v->mode_result;
		if (v->failing)
			v->state = plain_state(v->mode);
		if (v->lost_mode != MIG_MODE_UNKNOWN &&
		    v->lost_mode == v->mode) {
			/* The MODE_SET without answer did happen: account it
			 * like one that completed (its effects, FACTS.md 4,
			 * and the end of the downtime, by now at the latest). */
			v->read_started = v->partial = false;
			if (v->mode != VPF_DEV_MODE_FREEZE)
				v->written = false;
			if (v->mode == VPF_DEV_MODE_ACTIVE)
				v->t_active_done = mig_now_ns();
		}
		v->lost_mode = MIG_MODE_UNKNOWN;
		return 0;
	case ACT_DISCARD:
	case ACT_DISCARD_FORCE:
		v->read_started = v->partial = v->written = false;
		return 0;
	case ACT_SIZE_GET:
		if (c->result_written < sizeof(uint64_t))
			return mig_vf_fail(v, -EIO, "VF %u: DEV_CTX_SIZE_GET returned %u bytes",
					   v->vf, c->result_written);
		if (st->arg)
			v->size_frz = rte_le_to_cpu_64(v->size_result);
		else
			v->size_cur = rte_le_to_cpu_64(v->size_result);
		return 0;
	case ACT_READ_CTX:
		got = c->output;
		v->read_started = true;
		/* context_len is untrusted (FACTS.md 4). */
		if (got > v->chunk || got > c->result_written) {
			v->partial = true;
			return mig_vf_fail(v, -EIO,
					   "VF %u: DEV_CTX_READ context_len %u exceeds the %u-byte buffer / %u bytes written",
					   v->vf, got, v->chunk, c->result_written);
		}
		v->ctx.len += got;
		if (got == v->chunk) {
			if (v->ctx.len > VPF_MIG_REC_MAX) {
				v->partial = true;
				return mig_vf_fail(v, -EFBIG,
						   "VF %u: context larger than %u bytes",
						   v->vf, VPF_MIG_REC_MAX);
			}
			v->partial = true;
			return 1;
		}
		v->partial = false;
		return 0;
	case ACT_WRITE_CTX:
		got = c->data_len;
		v->woff += got;
		v->ctx_written += got;
		v->written = true;
		if (v->woff < v->wlen) {
			v->partial = true;
			return 1;
		}
		v->partial = false;
		if (v->wfinal)
			v->final_written = true;
		return 0;
	case ACT_FIELDS_QUERY:
		/* Entries are 16 bytes (FACTS.md 5); a list is never cut. */
		if (c->result_written % sizeof(v->fields[0]))
			return mig_vf_fail(v, -EIO,
					   "VF %u: DEV_CTX_FIELDS_QUERY returned %u bytes, not a multiple of %zu",
					   v->vf, c->result_written,
					   sizeof(v->fields[0]));
		cnt = c->result_written / (uint32_t)sizeof(v->fields[0]);
		if (cnt >= v->fields_cap || cnt > MIG_FIELDS_QMAX)
			return mig_vf_fail(v, -EIO,
					   "VF %u: DEV_CTX_FIELDS_QUERY filled all %u entries posted: the list may be longer (a stream carries at most %u)",
					   v->vf, v->fields_cap, MIG_FIELDS_QMAX);
		/* Kept in wire format: the stream header carries it verbatim
		 * and vpf_ctx's compare takes it so. */
		if (cnt && vpf_ctx_fields_check(v->fields, cnt))
			return mig_vf_fail(v, -EIO,
					   "VF %u: DEV_CTX_FIELDS_QUERY list not ascending: %s",
					   v->vf, vpf_last_error());
		v->nfields = cnt;
		v->fields_valid = true;
		return 0;
	case ACT_WR_CAP:
		if (c->result_written < sizeof(v->wr_cap))
			return mig_vf_fail(v, -EIO, "VF %u: WRITE_RECORD_CAP_QUERY returned %u bytes",
					   v->vf, c->result_written);
		v->wr_cap.supported_page_size_bitmap =
			rte_le_to_cpu_32(v->wr_cap.supported_page_size_bitmap);
		v->wr_cap.supported_ranges =
			rte_le_to_cpu_32(v->wr_cap.supported_ranges);
		if (v->wr_cap.supported_page_size_bitmap == 0 ||
		    v->wr_cap.supported_ranges == 0)
			return mig_vf_fail(v, -EIO,
					   "VF %u: write-record capabilities empty (page sizes 0x%x, ranges %u)",
					   v->vf, v->wr_cap.supported_page_size_bitmap,
					   v->wr_cap.supported_ranges);
		v->wr_cap_valid = true;
		return 0;
	case ACT_WR_START:
		v->wr_started = true;
		return 0;
	case ACT_WR_READ:
		cnt = c->output;
		if (cnt > v->wr_rec_max || cnt * 8u > c->result_written)
			return mig_vf_fail(v, -EIO,
					   "VF %u: WRITE_RECORDS_READ count %u exceeds the %u bytes returned",
					   v->vf, cnt, c->result_written);
		rc = wr_merge(v, cnt);
		if (rc)
			return rc;
		v->wr_records += cnt;
		/* The device returns at most what fits and clears exactly
		 * those: repeat until fewer come back (FACTS.md 6). */
		if (cnt == v->wr_rec_max)
			return 1;
		v->wr_ri++;
		return v->wr_ri < v->wr_n ? 1 : 0;
	case ACT_WR_STOP:
		v->wr_started = false;
		mig_wr_rec_free(v);
		return 0;
	default:
		return 0;
	}
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
		rc = cmd_ok(v, st);
		if (rc == 1) {
			v->step_cont = true;
		} else if (rc == 0) {
			v->istep++;
			v->step_cont = false;
		} else {
			step_failed(v, st, rc);
			v->step_cont = false;
		}
	} else {
		if (st->act == ACT_READ_CTX) {
			v->read_started = true;
			v->partial = true;
		}
		if (st->act == ACT_MODE_SET &&
		    c->opcode == VPF_ADMIN_OP_DEV_CTX_DISCARD)
			v->pre_discard = false;
		cmd_fail_msg(v, c->rc);
		step_failed(v, st, c->rc);
		v->step_cont = false;
	}
	vf_run(v);
}

static void
resubmit_one(struct mig_vf *v)
{
	if (v->need_submit)
		vf_run(v);
}

static void
mig_resubmit(struct vpf_mig *m)
{
	vf_bm_each(m, m->submit_bm, resubmit_one);
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
	}
	v->done_pending = false;
	if (v->op_rc)
		return vpf_error(v->op_rc, "%s", v->err);
	return 0;
}

int
vpf_mig_poll(struct vpf_mig *m)
{
	unsigned int saved;
	int rc, n;

	if (m == NULL)
		return vpf_error(-EINVAL, "no migration handle");
	rc = vpf_admin_poll(m->pf);
	mig_resubmit(m);
	saved = m->ndone;	/* a done callback may poll again */
	m->ndone = 0;
	vf_bm_each(m, m->done_bm, done_one);
	n = (int)m->ndone;
	m->ndone = saved;
	if (rc < 0)
		return rc;
	return n;
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

/* ---------------------------------------------------------------------------
 * Save side
 * ------------------------------------------------------------------------- */

static int
session_drop(struct mig_vf *v)
{
	v->session = false;
	mig_buf_reset(&v->out);
	v->round = 0;
	v->round_end = 0;
	return 0;
}

static int
save_emit(struct mig_vf *v, bool final)
{
	struct vpf_ctx_error cerr;
	struct mig_ctx_summary sum;
	char why[160];
	int rc;

	/* The device is untrusted: its context must be well formed before it
	 * goes into a stream (the destination would refuse it anyway). */
	rc = vpf_ctx_validate(v->ctx.p, v->ctx.len, 0, &cerr);
	if (rc) {
		vpf_ctx_error_str(&cerr, why, sizeof(why));
		return mig_vf_fail(v, -EIO, "VF %u: device returned a malformed context: %s",
				   v->vf, why);
	}
	if (!v->session) {
		session_drop(v);
		mig_writer_init(&v->w, &v->out);
		v->session = true;
	}
	if (!v->w.started) {
		struct mig_src_desc d;

		mig_ctx_summarize(v->ctx.p, v->ctx.len, &sum);
		memset(&d, 0, sizeof(d));
		d.vendor_id = v->m->info.vendor_id;
		d.device_id = v->m->info.device_id;
		d.src_vf = v->vf;
		d.num_queues = sum.num_queues;
		d.features[0] = sum.features[0];
		d.features[1] = sum.features[1];
		d.nfields = v->fields_valid ? v->nfields : 0;
		d.fields = v->fields;
		rc = mig_writer_header(&v->w, &d);
		if (rc)
			return rc;
	}
	if (final) {
		rc = mig_writer_final(&v->w, v->ctx.p, v->ctx.len);
		if (rc == 0)
			rc = mig_writer_end(&v->w);
	} else {
		rc = mig_writer_precopy(&v->w, v->round + 1, v->ctx.p,
					v->ctx.len);
		if (rc == 0)
			v->round++;
	}
	if (rc)
		return rc;
	v->round_end = v->out.len;
	v->save_total = v->w.bytes;
	return 0;
}

static int
local_save_round(struct mig_vf *v)
{
	int rc;

	v->round_size = v->size_cur;
	v->dirty_bytes = v->size_frz;
	rc = save_emit(v, false);
	if (rc)
		return rc;
	v->state = v->target;
	return 0;
}

static int
local_save_final(struct mig_vf *v)
{
	int rc = save_emit(v, true);

	if (rc)
		return rc;
	v->state = S_SC;
	return 0;
}

int
vpf_mig_save_read(struct vpf_mig *m, uint16_t vf, void *buf, size_t len,
		  size_t *got)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	size_t n;

	if (got)
		*got = 0;
	if (v == NULL)
		return -EINVAL;
	if ((buf == NULL && len) || got == NULL)
		return vpf_error(-EINVAL, "save_read: NULL buffer");
	if (!is_save(v->state))
		return vpf_error(-EPERM, "VF %u: no save stream in %s", vf,
				 vpf_mig_state_name(v->state));
	if (v->busy)
		return vpf_error(-EBUSY, "VF %u: an operation is running", vf);
	n = v->out.len - v->out.off;
	if (n > len)
		n = len;
	if (n)
		memcpy(buf, v->out.p + v->out.off, n);
	v->out.off += n;
	*got = n;
	if (v->out.off == v->out.len) {
		/* Drained: reuse the buffer from the start. */
		v->out.off = v->out.len = 0;
		v->round_end = 0;
	}
	return 0;
}

int
vpf_mig_precopy_info(const struct vpf_mig *m, uint16_t vf,
		     struct vpf_mig_precopy_info *info)
{
	const struct mig_vf *v = mig_vf_get(m, vf);

	if (v == NULL)
		return -EINVAL;
	if (info == NULL)
		return vpf_error(-EINVAL, "precopy_info: NULL");
	if (v->state != S_PC && v->state != S_PCP)
		return vpf_error(-EPERM, "VF %u: precopy info only in PRE_COPY states (now %s)",
				 vf, vpf_mig_state_name(v->state));
	/* FACTS.md 8 (binding): SIZE_GET(current) of the round being
	 * read, the same figure the driver's progress report sums. */
	info->initial_bytes = v->round_size;
	info->dirty_bytes = v->dirty_bytes;
	info->round_size = v->round_size;
	info->round = v->round;
	info->pending_bytes = v->out.len - v->out.off;
	return 0;
}

int
mig_precopy_round_plan(struct mig_vf *v)
{
	if (v->state != S_PC && v->state != S_PCP)
		return mig_vf_fail(v, -EPERM, "VF %u: precopy round only in PRE_COPY states (now %s)",
				   v->vf, vpf_mig_state_name(v->state));
	v->target = v->state;
	/* DISCARD makes the next READ start a fresh complete context of
	 * the current state (FACTS.md 4). */
	mig_op_add(v, ACT_DISCARD_FORCE, 0, 0, NULL);
	mig_op_add(v, ACT_SIZE_GET, 0, 0, NULL);
	mig_op_add(v, ACT_READ_CTX, 0, 0, NULL);
	mig_op_add(v, ACT_SIZE_GET, 1, 0, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, local_save_round);
}

/* ---------------------------------------------------------------------------
 * Load side
 * ------------------------------------------------------------------------- */

static int
load_cb(struct mig_parser *p, enum mig_ctx_kind kind, uint32_t round,
	const uint8_t *ctx, size_t len, void *arg)
{
	struct mig_vf *v = arg;

	(void)p;
	(void)round;
	if (kind == MIG_CTX_PRECOPY && !v->precopy_write)
		return 0;
	/* Only the newest complete context matters: the device applies the
	 * most recent complete one (FACTS.md 4). */
	mig_buf_reset(&v->pend);
	if (mig_buf_append(&v->pend, ctx, len))
		return vpf_error(-ENOMEM, "out of memory");
	v->pend_valid = true;
	v->pend_final = kind == MIG_CTX_FINAL;
	return 0;
}

static int
local_load_begin(struct mig_vf *v)
{
	if (!v->fields_valid)
		MIG_LOG(WARNING, "%s: VF %u has no DEV_CTX_FIELDS_QUERY: load streams are checked for form only, not against the device's fields\n",
			vpf_pf_name(v->m->pf), v->vf);
	mig_parser_init(&v->parser, v->fields_valid ? v->fields : NULL,
			v->fields_valid ? v->nfields : 0, load_cb, v);
	v->parser.expect_vendor = v->m->info.vendor_id;
	v->parser.expect_device = v->m->info.device_id;
	/* The queue count is known once a pre-flight read this VF's
	 * context; feature bits only the pre-flight compares (the PFs'
	 * offers: a VF's are not readable through admin commands). */
	v->parser.expect_queues = v->pre.num_queues;
	v->load_active = true;
	v->load_err = 0;
	v->pend_valid = false;
	v->final_written = false;
	v->load_total = 0;
	v->ctx_written = 0;
	v->state = S_RES;
	return 0;
}

static int
local_state_stop_after_fail(struct mig_vf *v)
{
	v->load_active = false;
	if (v->written || v->partial) {
		/* The DISCARD failed: a later MODE_SET out of Freeze would
		 * apply what was written. ERROR is left only by reset
		 * (vpf_mig_reset() DISCARDs before it leaves Freeze). */
		char why[128];

		err_quote(v, why, sizeof(why));
		snprintf(v->err, sizeof(v->err),
			 "VF %u: RESUMING -> STOP failed and the written context could not be discarded (%s): ERROR",
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
	int rc = 0;

	if (v->load_err)
		rc = v->load_err;
	else if (v->parser.state != MIG_P_DONE)
		rc = mig_parser_finish(&v->parser);
	else if (!v->final_written)
		rc = vpf_error(-ENODATA, "final context not written");
	if (rc == 0) {
		v->load_active = false;
		v->state = S_STOP;
		return 0;
	}
	/* FACTS.md 8: an incomplete or invalid load stream fails here with
	 * nothing applied. */
	mig_vf_fail(v, rc, "VF %u: RESUMING -> STOP: load stream %s: %s",
		    v->vf, rc == -ENODATA ? "incomplete" : "invalid",
		    v->parser.state == MIG_P_FAILED ? v->parser.errmsg :
		    vpf_last_error());
	op_replan_fail(v, rc);
	mig_op_add(v, ACT_DISCARD_FORCE, 0, STEP_F_BEST_EFFORT | STEP_F_RETRY,
		   NULL);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_state_stop_after_fail);
	return 0;
}

int
mig_load_feed(struct mig_vf *v, const void *buf, size_t len)
{
	int rc;

	if (v->state != S_RES || !v->load_active)
		return mig_vf_fail(v, -EPERM, "VF %u: load stream only in RESUMING (now %s)",
				   v->vf, vpf_mig_state_name(v->state));
	if (v->load_err)
		return vpf_error(v->load_err, "VF %u: load stream already failed: %s",
				 v->vf, v->err);
	rc = mig_parser_feed(&v->parser, buf, len);
	if (rc) {
		v->load_err = rc;
		snprintf(v->err, sizeof(v->err), "VF %u: %s", v->vf,
			 v->parser.state == MIG_P_FAILED ? v->parser.errmsg :
			 vpf_last_error());
		return vpf_error(rc, "%s", v->err);
	}
	v->load_total += len;
	return 0;
}

int
mig_load_kick(struct mig_vf *v, vpf_mig_done_t done, void *arg)
{
	int rc = mig_op_begin(v, done, arg);

	if (rc)
		return rc;
	if (v->pend_valid)
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
	if (v->busy)
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
	v->precopy_write = write;
	return 0;
}

/* ---------------------------------------------------------------------------
 * set_state
 * ------------------------------------------------------------------------- */

static int
local_plain_state(struct mig_vf *v)
{
	v->state = plain_state(v->mode == MIG_MODE_UNKNOWN ?
			       vpf_mig_state_mode(v->target) : v->mode);
	return 0;
}

static int
local_target_state(struct mig_vf *v)
{
	v->state = v->target;
	if (v->state == S_RUN) {
		v->complete = false;
		if (v->moved && v->mode == v->orig_mode)
			v->moved = false;
	}
	return 0;
}

static int
local_session_drop(struct mig_vf *v)
{
	return session_drop(v);
}

int
mig_set_state_plan(struct mig_vf *v, enum vpf_mig_state target)
{
	enum vpf_mig_state path[VPF_MIG_PATH_MAX];
	enum vpf_mig_state from = v->state;
	bool keep = is_save(from);
	int n, i;

	if (!state_ok(target) || target == S_ERR)
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
		keep = keep && is_save(path[i]);
	v->target = target;

	/* Exit actions of the state left. */
	if (from == S_RES)
		mig_op_add(v, ACT_LOCAL, 0, 0, local_resuming_exit);
	if (is_save(from) && !keep)
		mig_op_add(v, ACT_LOCAL, 0, 0, local_session_drop);

	/* The walk's mode changes, coalesced into the last one. */
	mig_op_add(v, ACT_MODE_SET, vpf_mig_state_mode(target), 0, NULL);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_plain_state);

	/* Entry actions of the target. */
	switch (target) {
	case S_SC:
		mig_op_add(v, ACT_FIELDS_QUERY, 0, 0, NULL);
		mig_op_add(v, ACT_DISCARD, 0, 0, NULL);
		mig_op_add(v, ACT_READ_CTX, 0, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, local_save_final);
	case S_PC:
	case S_PCP:
		mig_op_add(v, ACT_FIELDS_QUERY, 0, 0, NULL);
		mig_op_add(v, ACT_DISCARD, 0, 0, NULL);
		mig_op_add(v, ACT_SIZE_GET, 0, 0, NULL);
		mig_op_add(v, ACT_READ_CTX, 0, 0, NULL);
		mig_op_add(v, ACT_SIZE_GET, 1, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, local_save_round);
	case S_RES:
		mig_op_add(v, ACT_DISCARD, 0, 0, NULL);
		mig_op_add(v, ACT_FIELDS_QUERY, 0, 0, NULL);
		return mig_op_add(v, ACT_LOCAL, 0, 0, local_load_begin);
	default:
		return mig_op_add(v, ACT_LOCAL, 0, 0, local_target_state);
	}
}

/* The public per-VF operations: begin an operation on VF @vf, let @plan
 * add its steps, start it, and with @wait poll until it has finished. */
typedef int (*mig_plan_t)(struct mig_vf *v, int parg);

static int
mig_run(struct vpf_mig *m, uint16_t vf, mig_plan_t plan, int parg,
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

static int
plan_set_state(struct mig_vf *v, int target)
{
	return mig_set_state_plan(v, (enum vpf_mig_state)target);
}

int
vpf_mig_set_state_async(struct vpf_mig *m, uint16_t vf,
			enum vpf_mig_state target, vpf_mig_done_t done,
			void *arg)
{
	return mig_run(m, vf, plan_set_state, (int)target, done, arg, false);
}

int
vpf_mig_set_state(struct vpf_mig *m, uint16_t vf, enum vpf_mig_state target)
{
	return mig_run(m, vf, plan_set_state, (int)target, NULL, NULL, true);
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

static int
plan_precopy_round(struct mig_vf *v, int unused)
{
	(void)unused;
	return mig_precopy_round_plan(v);
}

int
vpf_mig_precopy_round_async(struct vpf_mig *m, uint16_t vf,
			    vpf_mig_done_t done, void *arg)
{
	return mig_run(m, vf, plan_precopy_round, 0, done, arg, false);
}

int
vpf_mig_precopy_round(struct vpf_mig *m, uint16_t vf)
{
	return mig_run(m, vf, plan_precopy_round, 0, NULL, NULL, true);
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
	session_drop(v);
	v->load_active = false;
	v->load_err = 0;
	v->pend_valid = false;
	v->final_written = false;
	return 0;
}

static int
local_abort_end(struct mig_vf *v)
{
	v->state = plain_state(v->mode);
	if (v->op_rc == 0) {
		v->moved = false;
		v->complete = false;
	}
	return 0;
}

int
mig_abort_plan(struct mig_vf *v)
{
	uint8_t mode = v->moved ? v->orig_mode :
		       v->mode == MIG_MODE_UNKNOWN ? VPF_DEV_MODE_ACTIVE :
		       v->mode;

	if (v->mode == MIG_MODE_UNKNOWN || v->state == S_ERR)
		mode = v->moved ? v->orig_mode : VPF_DEV_MODE_ACTIVE;
	mig_op_add(v, ACT_LOCAL, 0, 0, local_abort_begin);
	/* Partial reads and writes, and a written context not yet applied,
	 * are dropped before the mode changes (FACTS.md 4), so leaving
	 * Freeze applies nothing. */
	mig_op_add(v, ACT_DISCARD_FORCE, 0, STEP_F_BEST_EFFORT | STEP_F_RETRY,
		   NULL);
	mig_op_add(v, ACT_WR_STOP, 0, STEP_F_BEST_EFFORT, NULL);
	mig_op_add(v, ACT_MODE_SET, mode, STEP_F_NO_APPLY, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, local_abort_end);
}

static int
plan_abort(struct mig_vf *v, int unused)
{
	(void)unused;
	return mig_abort_plan(v);
}

int
vpf_mig_abort_async(struct vpf_mig *m, uint16_t vf, vpf_mig_done_t done,
		    void *arg)
{
	return mig_run(m, vf, plan_abort, 0, done, arg, false);
}

int
vpf_mig_abort(struct vpf_mig *m, uint16_t vf)
{
	return mig_run(m, vf, plan_abort, 0, NULL, NULL, true);
}

static int
local_recover_end(struct mig_vf *v)
{
	if (v->mode != VPF_DEV_MODE_ACTIVE) {
		/* The MODE_SET failed or was refused (nothing could be
		 * discarded): the VF stays where it is. */
		v->state = plain_state(v->mode);
		return 0;
	}
	v->state = S_RUN;
	v->moved = false;
	v->complete = false;
	return 0;
}

int
vpf_mig_recover(struct vpf_mig *m, uint16_t vf)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	int rc;

	if (v == NULL)
		return -EINVAL;
	rc = mig_op_begin(v, NULL, NULL);
	if (rc)
		return rc;
	mig_op_add(v, ACT_LOCAL, 0, 0, local_abort_begin);
	mig_op_add(v, ACT_DISCARD_FORCE, 0, STEP_F_BEST_EFFORT | STEP_F_RETRY,
		   NULL);
	/* Recording a dead process started is stopped too (STOP always
	 * succeeds, FACTS.md 6). */
	mig_op_add(v, ACT_WR_STOP, 1, STEP_F_BEST_EFFORT, NULL);
	/* Always issued; never out of Freeze with a context that could
	 * not be discarded. */
	mig_op_add(v, ACT_MODE_SET, VPF_DEV_MODE_ACTIVE,
		   STEP_F_FORCE | STEP_F_NO_APPLY, NULL);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_recover_end);
	mig_op_start(v);
	rc = mig_op_wait(v);
	if (rc == 0 && v->op_rc == 0)
		MIG_LOG(INFO, "%s: VF %u recovered to Active\n",
			vpf_pf_name(m->pf), vf);
	return rc;
}

int
vpf_mig_reset(struct vpf_mig *m, uint16_t vf)
{
	return vpf_mig_recover(m, vf);
}

int
vpf_mig_mark_complete(struct vpf_mig *m, uint16_t vf)
{
	struct mig_vf *v = mig_vf_get(m, vf);

	if (v == NULL)
		return -EINVAL;
	v->complete = true;
	return 0;
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
	info->dirty_tracking = v->wr_started;
	info->busy = v->busy;
	info->precopy_round = v->round;
	info->save_pending = v->out.len - v->out.off;
	info->save_total = v->save_total;
	info->load_total = v->load_total;
	info->ctx_written = v->ctx_written;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Attach / detach
 * ------------------------------------------------------------------------- */

void
vpf_mig_params_init(struct vpf_mig_params *p)
{
	memset(p, 0, sizeof(*p));
	p->chunk = 4096;
	p->scan = true;
	p->restore_on_detach = true;
}

static int
local_scan_done(struct mig_vf *v)
{
	v->state = plain_state(v->mode);
	return 0;
}

struct vpf_mig *
vpf_mig_attach(struct vpf_pf *pf, const struct vpf_mig_params *p)
{
	struct vpf_mig_params def;
	struct vpf_mig *m;
	uint16_t i;
	int rc;

	if (pf == NULL) {
		errno = EINVAL;
		vpf_error(-EINVAL, "vpf_mig_attach: no PF");
		return NULL;
	}
	if (p == NULL) {
		vpf_mig_params_init(&def);
		p = &def;
	}
	if (p->chunk == 0 || p->chunk % 8) {
		errno = EINVAL;
		vpf_error(-EINVAL, "chunk %u is not a non-zero multiple of 8 bytes",
			  p->chunk);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		errno = ENOMEM;
		vpf_error(-ENOMEM, "out of memory");
		return NULL;
	}
	m->pf = pf;
	m->prm = *p;
	rc = vpf_pf_info_get(pf, &m->info);
	if (rc)
		goto fail;
	if ((m->info.cmds_enabled & VPF_ADMIN_OPS_MIGRATION) !=
	    VPF_ADMIN_OPS_MIGRATION) {
		rc = vpf_error(-ENOTSUP, "%s: device lacks the migration commands (enabled 0x%" PRIx64 ")",
			       vpf_pf_name(pf), m->info.cmds_enabled);
		goto fail;
	}
	m->nvfs = vpf_pf_num_vfs(pf);
	if (m->nvfs) {
		m->vfs = calloc(m->nvfs, sizeof(*m->vfs));
		m->orphans = calloc(m->nvfs, sizeof(*m->orphans));
		m->bm_words = (m->nvfs + 63u) / 64;
		m->submit_bm = calloc(m->bm_words, sizeof(uint64_t));
		m->done_bm = calloc(m->bm_words, sizeof(uint64_t));
		if (m->vfs == NULL || m->orphans == NULL ||
		    m->submit_bm == NULL || m->done_bm == NULL) {
			rc = vpf_error(-ENOMEM, "out of memory");
			goto fail;
		}
	}
	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];

		v->m = m;
		v->vf = i + 1;
		v->state = S_RUN;
		v->mode = VPF_DEV_MODE_ACTIVE;
		v->orig_mode = VPF_DEV_MODE_ACTIVE;
		v->precopy_write = true;
		v->chunk = p->chunk;
	}
	if (!p->scan)
		return m;

	/* Crash safety: one DEV_MODE_GET per VF, all in flight together. */
	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];

		mig_op_begin(v, NULL, NULL);
		mig_op_add(v, ACT_MODE_GET, 0, 0, NULL);
		mig_op_add(v, ACT_LOCAL, 0, 0, local_scan_done);
		mig_op_start(v);
	}
	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];

		if (mig_op_wait(v)) {
			MIG_LOG(WARNING, "%s: VF %u: mode unknown at attach: %s\n",
				vpf_pf_name(pf), v->vf, v->err);
			v->mode = MIG_MODE_UNKNOWN;
			v->state = S_RUN;
			continue;
		}
		if (v->mode != VPF_DEV_MODE_ACTIVE) {
			/* A dead process may have left a partial read or
			 * write, and in Freeze a written context: assume
			 * so, so that it is DISCARDed before the VF leaves
			 * Freeze (FACTS.md 4: leaving applies it). */
			v->read_started = v->partial = true;
			v->written = v->mode == VPF_DEV_MODE_FREEZE;
			m->orphans[m->norphans].vf = v->vf;
			m->orphans[m->norphans].mode = v->mode;
			m->norphans++;
			MIG_LOG(WARNING,
				"%s: VF %u found in %s mode: a process may have died mid-migration; "
				"vpf_mig_recover() (CLI: ctx discard, mode set ... active) brings it back to Active, "
				"dropping any written but unapplied context\n",
				vpf_pf_name(pf), v->vf,
				vpf_dev_mode_name(v->mode));
		}
		v->moved = false;
	}
	return m;
fail:
	free(m->vfs);
	free(m->orphans);
	free(m->submit_bm);
	free(m->done_bm);
	free(m);
	errno = -rc;
	return NULL;
}

struct vpf_pf *
vpf_mig_pf(const struct vpf_mig *m)
{
	return m ? m->pf : NULL;
}

int
vpf_mig_orphans(const struct vpf_mig *m, struct vpf_mig_orphan *out,
		unsigned int max)
{
	unsigned int i;

	if (m == NULL || (out == NULL && max))
		return vpf_error(-EINVAL, "orphans: bad arguments");
	for (i = 0; i < m->norphans && i < max; i++)
		out[i] = m->orphans[i];
	return (int)m->norphans;
}

void
vpf_mig_detach(struct vpf_mig *m)
{
	uint16_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];

		if (v->busy)
			mig_op_wait(v);
		if (m->prm.restore_on_detach && v->moved && !v->complete) {
			if (vpf_mig_abort(m, v->vf))
				MIG_LOG(ERR, "%s: VF %u: could not restore Active at detach: %s\n",
					vpf_pf_name(m->pf), v->vf, v->err);
			else
				MIG_LOG(INFO, "%s: VF %u restored to %s at detach\n",
					vpf_pf_name(m->pf), v->vf,
					vpf_dev_mode_name(v->mode));
		} else if (v->wr_started) {
			/* The driver must stop recording it started
			 * (FACTS.md 6). */
			if (vpf_mig_dirty_stop(m, v->vf))
				MIG_LOG(ERR, "%s: VF %u: write recording stop failed: %s\n",
					vpf_pf_name(m->pf), v->vf, v->err);
		}
		mig_buf_free(&v->ctx);
		mig_buf_free(&v->out);
		mig_buf_free(&v->pend);
		mig_buf_free(&v->wbuf);
		mig_parser_fini(&v->parser);
		free(v->fields);
		free(v->wr_ranges);
		free(v->wr_start_data);
		mig_wr_rec_free(v);
	}
	free(m->vfs);
	free(m->orphans);
	free(m->submit_bm);
	free(m->done_bm);
	free(m);
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
