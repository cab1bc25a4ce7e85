/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The device actions a step can take, one entry of mig_act_table each:
 * how the step's admin command is prepared (or the step skipped), what a
 * successful completion means for what the library knows about the VF,
 * and what a failure leaves behind. The mode and context actions are
 * here; the write-recording ones are in mig_dirty.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_ctx.h"
#include "mig_vf.h"

void
mig_prep_raw(struct vpf_admin_cmd *c, uint16_t op, uint16_t vf)
{
	/* The discard builder resets every request member (and the engine's
	 * private flags); then the opcode is changed. */
	vpf_admin_prep_ctx_discard(c, vf);
	c->opcode = op;
}

/* ---------------------------------------------------------------------------
 * DEV_MODE_SET (and the DISCARD it may need first)
 * ------------------------------------------------------------------------- */

static int
mode_set_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct vpf_admin_cmd *c = &v->cmd;

	if (mig_is_v14(v->m))
		return mig_v14_mode_set_prep(v, st);
	if (v->mode == st->arg && !(st->flags & STEP_F_FORCE))
		return 1;
	if ((st->flags & STEP_F_NO_APPLY) &&
	    st->arg != VPF_DEV_MODE_FREEZE &&
	    v->mode != VPF_DEV_MODE_ACTIVE &&
	    v->mode != VPF_DEV_MODE_STOP &&
	    (v->written || v->partial)) {
		/* The DISCARD before failed: leaving Freeze now would apply a
		 * written context (doc/protocol.md §4.3, D-MIG.6). Stay. */
		char why[96];

		mig_err_quote(v, why, sizeof(why));
		return mig_vf_fail(v, -EIO,
				   "VF %u stays in Freeze: a written context could not be discarded and leaving Freeze would apply it (%s)",
				   v->vf, why[0] ? why : "DEV_CTX_DISCARD failed");
	}
	/* MODE_SET to Active or Stop fails while a context is partially read
	 * or written (doc/protocol.md §4.3): drop it first. */
	if (st->arg != VPF_DEV_MODE_FREEZE && v->partial && !v->pre_discard) {
		/* pre_discard is set when the DISCARD is submitted
		 * (mode_set_commit): a prep may be repeated after -EBUSY and
		 * must not change anything. */
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
}

static void
mode_set_commit(struct mig_vf *v, const struct mig_step *st, bool on)
{
	if (mig_is_v14(v->m)) {
		mig_v14_mode_set_commit(v, st, on);
		return;
	}
	if (v->cmd.opcode == VPF_ADMIN_OP_DEV_CTX_DISCARD)
		v->pre_discard = on;
	else if (on && v->cmd.inline_data[0] == VPF_DEV_MODE_FREEZE)
		v->t_freeze_issue = vpf_now_ns();	/* downtime starts */
}

static int
mode_set_done(struct mig_vf *v, const struct mig_step *st)
{
	uint8_t prev;

	if (mig_is_v14(v->m))
		return mig_v14_mode_set_done(v, st);
	if (v->cmd.opcode == VPF_ADMIN_OP_DEV_CTX_DISCARD) {
		/* the DISCARD issued before this MODE_SET */
		v->read_started = v->partial = v->written = false;
		v->load.loaded = false;
		return 1;
	}
	prev = v->mode;
	v->mode = st->arg;
	v->pre_discard = false;
	/* Each mode has its own context; leaving Freeze applies a written
	 * one (doc/protocol.md §4.3, §4.4). */
	v->read_started = false;
	v->partial = false;
	if (prev == VPF_DEV_MODE_FREEZE)
		v->written = false;
	if (st->arg == VPF_DEV_MODE_ACTIVE) {
		v->t_active_done = vpf_now_ns();
		v->load.loaded = false;
	}
	return 0;
}

static void
mode_set_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		bool sent)
{
	(void)st;
	(void)rc;
	/* The DISCARD before the MODE_SET failed: a retry issues it again. */
	if (sent && !mig_is_v14(v->m) &&
	    v->cmd.opcode == VPF_ADMIN_OP_DEV_CTX_DISCARD)
		v->pre_discard = false;
}

/* ---------------------------------------------------------------------------
 * DEV_MODE_GET
 * ------------------------------------------------------------------------- */

static int
mode_get_prep(struct mig_vf *v, const struct mig_step *st)
{
	(void)st;
	vpf_admin_prep_mode_get(&v->cmd, v->vf, &v->mode_result);
	return 0;
}

static int
mode_get_done(struct mig_vf *v, const struct mig_step *st)
{
	(void)st;
	if (v->mode_result > VPF_DEV_MODE_MAX)
		return mig_vf_fail(v, -EIO, "VF %u: device reports mode %u",
				   v->vf, v->mode_result);
	v->mode = v->mode_result;
	if (v->failing)
		v->state = mig_plain_state(v->mode);
	if (v->lost_mode != MIG_MODE_UNKNOWN && v->lost_mode == v->mode) {
		/* The MODE_SET without answer did happen: account it like one
		 * that completed (its effects, doc/protocol.md §4.3, and the
		 * end of the downtime, by now at the latest). */
		v->read_started = v->partial = false;
		if (v->mode != VPF_DEV_MODE_FREEZE)
			v->written = false;
		if (v->mode == VPF_DEV_MODE_ACTIVE) {
			v->t_active_done = vpf_now_ns();
			v->load.loaded = false;
		}
	}
	v->lost_mode = MIG_MODE_UNKNOWN;
	return 0;
}

static void
mode_get_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		bool sent)
{
	(void)st;
	(void)rc;
	(void)sent;
	/* The mode could not be read back either: VFIO's ERROR, left only
	 * by reset (D-7.1, D-MIG.14). */
	if (v->failing && v->mode == MIG_MODE_UNKNOWN)
		v->state = S_ERR;
}

/* ---------------------------------------------------------------------------
 * DEV_CTX_DISCARD
 * ------------------------------------------------------------------------- */

static int
discard_prep(struct mig_vf *v, const struct mig_step *st)
{
	if (st->act == ACT_DISCARD && !v->read_started && !v->partial &&
	    !v->written)
		return 1;	/* nothing to discard */
	vpf_admin_prep_ctx_discard(&v->cmd, v->vf);
	return 0;
}

static int
discard_done(struct mig_vf *v, const struct mig_step *st)
{
	(void)st;
	v->read_started = v->partial = v->written = false;
	v->load.loaded = false;
	return 0;
}

/* ---------------------------------------------------------------------------
 * DEV_CTX_SIZE_GET
 * ------------------------------------------------------------------------- */

static int
size_get_prep(struct mig_vf *v, const struct mig_step *st)
{
	vpf_admin_prep_ctx_size_get(&v->cmd, v->vf, st->arg != 0,
				    &v->size_result);
	return 0;
}

static int
size_get_done(struct mig_vf *v, const struct mig_step *st)
{
	if (v->cmd.result_written < sizeof(uint64_t))
		return mig_vf_fail(v, -EIO, "VF %u: DEV_CTX_SIZE_GET returned %u bytes",
				   v->vf, v->cmd.result_written);
	if (st->arg)
		v->size_frz = vpf_le64_load(&v->size_result);
	else
		v->size_cur = vpf_le64_load(&v->size_result);
	return 0;
}

/* ---------------------------------------------------------------------------
 * DEV_CTX_READ: the rest of the current context into v->ctx
 * ------------------------------------------------------------------------- */

static int
read_ctx_prep(struct mig_vf *v, const struct mig_step *st)
{
	int rc;

	(void)st;
	if (!v->step_cont)
		mig_buf_reset(&v->ctx);
	rc = mig_buf_reserve(&v->ctx, v->chunk);
	if (rc)
		return mig_vf_fail(v, rc, "VF %u: out of memory for the context",
				   v->vf);
	vpf_admin_prep_ctx_read(&v->cmd, v->vf, v->ctx.p + v->ctx.len,
				v->chunk);
	return 0;
}

static int
read_ctx_done(struct mig_vf *v, const struct mig_step *st)
{
	const struct vpf_admin_cmd *c = &v->cmd;
	uint32_t got = c->output;

	(void)st;
	v->read_started = true;
	/* context_len is untrusted (doc/protocol.md §4.5). */
	if (got > v->chunk || got > c->result_written) {
		v->partial = true;
		return mig_vf_fail(v, -EIO,
				   "VF %u: DEV_CTX_READ context_len %u exceeds the %u-byte buffer / %u bytes written",
				   v->vf, got, v->chunk, c->result_written);
	}
	v->ctx.len += got;
	if (got == v->chunk) {
		v->partial = true;
		if (v->ctx.len > VPF_MIG_REC_MAX)
			return mig_vf_fail(v, -EFBIG,
					   "VF %u: context larger than %u bytes",
					   v->vf, VPF_MIG_REC_MAX);
		return 1;
	}
	v->partial = false;
	return 0;
}

static void
read_ctx_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		bool sent)
{
	(void)st;
	(void)rc;
	/* The device may have delivered part of the context. */
	if (sent)
		v->read_started = v->partial = true;
}

/* ---------------------------------------------------------------------------
 * DEV_CTX_WRITE: the pending context (v->load.pend) to the device
 * ------------------------------------------------------------------------- */

static int
write_ctx_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_load *ld = &v->load;
	size_t n;

	(void)st;
	if (!v->step_cont) {
		size_t pad;

		if (!ld->pend_valid)
			return 1;
		/* The last chunk is padded with zeros to 8 bytes
		 * (doc/protocol.md §1.2, D-1.3); the device ignores them. */
		pad = (ld->pend.len + 7u) & ~(size_t)7u;
		mig_buf_reset(&ld->wbuf);
		if (mig_buf_reserve(&ld->wbuf, pad))
			return mig_vf_fail(v, -ENOMEM, "VF %u: out of memory",
					   v->vf);
		memcpy(ld->wbuf.p, ld->pend.p, ld->pend.len);
		memset(ld->wbuf.p + ld->pend.len, 0, pad - ld->pend.len);
		ld->wbuf.len = pad;
		ld->wlen = pad;
		ld->woff = 0;
		ld->wfinal = ld->pend_final;
		/* pend is taken in write_ctx_commit(), when the first chunk
		 * goes on the queue: after -EBUSY this prep runs again and
		 * must find it. */
	}
	n = ld->wlen - ld->woff;
	if (n > v->chunk)
		n = v->chunk;
	vpf_admin_prep_ctx_write(&v->cmd, v->vf, ld->wbuf.p + ld->woff,
				 (uint32_t)n);
	return 0;
}

static void
write_ctx_commit(struct mig_vf *v, const struct mig_step *st, bool on)
{
	(void)st;
	if (!v->step_cont)
		v->load.pend_valid = !on;
}

static int
write_ctx_done(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_load *ld = &v->load;
	uint32_t got = v->cmd.data_len;

	(void)st;
	ld->woff += got;
	ld->ctx_written += got;
	v->written = true;
	if (ld->woff < ld->wlen) {
		v->partial = true;
		return 1;
	}
	v->partial = false;
	if (ld->wfinal)
		ld->final_written = true;
	return 0;
}

static void
write_ctx_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		 bool sent)
{
	const struct vpf_admin_cmd *c = &v->cmd;

	(void)st;
	(void)sent;
	if (c->opcode == VPF_ADMIN_OP_DEV_CTX_WRITE && c->status == 0) {
		/* No device answer: the chunk may have been taken. Treat the
		 * context as written and partial, so that it is DISCARDed
		 * before anything leaves Freeze (D-MIG.5). */
		v->written = v->partial = true;
	} else if (c->opcode == VPF_ADMIN_OP_DEV_CTX_WRITE &&
		   (c->status == VPF_ADMIN_STATUS_EAGAIN ||
		    c->status == VPF_ADMIN_STATUS_ENOMEM)) {
		/* Refused for lack of resources, after the engine's retries:
		 * nothing changed on the device, whose partial write (the
		 * chunks before this one) is still pending (doc/protocol.md
		 * §4.6, D-1.5). It stays partial, so that it is DISCARDed
		 * before anything leaves Freeze. */
	} else {
		/* Any other refusal drops the whole partial write
		 * (doc/protocol.md §4.6). */
		v->partial = false;
	}
	if (v->load.active && v->load.err == 0)
		v->load.err = rc;
}

/* ---------------------------------------------------------------------------
 * DEV_CTX_FIELDS_QUERY
 * ------------------------------------------------------------------------- */

static int
fields_query_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct vpf_admin_cmd *c = &v->cmd;

	(void)st;
	if (!v->m->info.has_fields_query || v->fields_valid)
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
	mig_prep_raw(c, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, v->vf);
	c->result = v->fields;
	c->result_len = v->fields_cap * (uint32_t)sizeof(*v->fields);
	return 0;
}

static int
fields_query_done(struct mig_vf *v, const struct mig_step *st)
{
	const struct vpf_admin_cmd *c = &v->cmd;
	uint32_t cnt;

	(void)st;
	/* Entries are 16 bytes (doc/protocol.md §4.7); a list is never
	 * cut. */
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
	/* Kept in wire format: the stream header carries it verbatim and
	 * vpf_ctx's compare takes it so. */
	if (cnt && vpf_ctx_fields_check(v->fields, cnt))
		return mig_vf_fail(v, -EIO,
				   "VF %u: DEV_CTX_FIELDS_QUERY list not ascending: %s",
				   v->vf, vpf_last_error());
	v->nfields = cnt;
	v->fields_valid = true;
	return 0;
}

/* ---------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------- */

const struct mig_act_ops mig_act_table[ACT_MAX] = {
	[ACT_MODE_SET] = {
		.name = "MODE_SET", .prep = mode_set_prep,
		.commit = mode_set_commit, .done = mode_set_done,
		.failed = mode_set_failed,
	},
	[ACT_MODE_GET] = {
		.name = "MODE_GET", .prep = mode_get_prep,
		.done = mode_get_done, .failed = mode_get_failed,
	},
	[ACT_DISCARD] = {
		.name = "DISCARD", .prep = discard_prep, .done = discard_done,
	},
	[ACT_DISCARD_FORCE] = {
		.name = "DISCARD_FORCE", .prep = discard_prep,
		.done = discard_done,
	},
	[ACT_SIZE_GET] = {
		.name = "SIZE_GET", .prep = size_get_prep,
		.done = size_get_done,
	},
	[ACT_READ_CTX] = {
		.name = "READ_CTX", .prep = read_ctx_prep,
		.done = read_ctx_done, .failed = read_ctx_failed,
	},
	[ACT_WRITE_CTX] = {
		.name = "WRITE_CTX", .prep = write_ctx_prep,
		.commit = write_ctx_commit, .done = write_ctx_done,
		.failed = write_ctx_failed,
	},
	[ACT_FIELDS_QUERY] = {
		.name = "FIELDS_QUERY", .prep = fields_query_prep,
		.done = fields_query_done,
	},
	[ACT_WR_CAP] = {
		.name = "WR_CAP", .prep = mig_wr_cap_prep,
		.done = mig_wr_cap_done,
	},
	[ACT_WR_START] = {
		.name = "WR_START", .prep = mig_wr_start_prep,
		.done = mig_wr_start_done, .failed = mig_wr_start_failed,
	},
	[ACT_WR_READ] = {
		.name = "WR_READ", .prep = mig_wr_read_prep,
		.done = mig_wr_read_done,
	},
	[ACT_WR_STOP] = {
		.name = "WR_STOP", .prep = mig_wr_stop_prep,
		.done = mig_wr_stop_done, .failed = mig_wr_stop_failed,
		.again = mig_wr_stop_again,
	},
	/* The virtio 1.4 dialect (mig_v14.c) */
	[ACT_V14_CREATE] = {
		.name = "V14_CREATE", .prep = mig_v14_create_prep,
		.done = mig_v14_create_done, .failed = mig_v14_create_failed,
	},
	[ACT_V14_READ] = {
		.name = "V14_READ", .prep = mig_v14_read_prep,
		.done = mig_v14_read_done, .again = mig_v14_read_again,
	},
	[ACT_V14_PARTS_SET] = {
		.name = "V14_PARTS_SET", .prep = mig_v14_parts_set_prep,
		.commit = mig_v14_parts_set_commit,
		.done = mig_v14_parts_set_done,
		.failed = mig_v14_parts_set_failed,
	},
	[ACT_V14_DESTROY] = {
		.name = "V14_DESTROY", .prep = mig_v14_destroy_prep,
		.done = mig_v14_destroy_done,
		.failed = mig_v14_destroy_failed,
		.again = mig_v14_destroy_again,
	},
};
