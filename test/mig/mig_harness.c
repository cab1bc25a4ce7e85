/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The harness of the model-backed migration tests: see mig_harness.h.
 */

#include "mig_harness.h"

enum vpf_dialect
harness_dialect(void)
{
	const char *e = getenv("VPF_TEST_DIALECT");

	return e != NULL && strcmp(e, "1.4") == 0 ? VPF_DIALECT_V14_PARTS :
	       VPF_DIALECT_DRAFT_2023;
}

bool
v14(void)
{
	return harness_dialect() == VPF_DIALECT_V14_PARTS;
}

void
need_draft(const char *why)
{
	if (!v14())
		return;
	print_message("[ SKIP 1.4 ] %s\n", why);
	skip();
}

uint8_t
dmode(uint8_t m)
{
	return v14() && m == VPF_DEV_MODE_FREEZE ? VPF_DEV_MODE_STOP : m;
}

uint16_t
dop(uint16_t op)
{
	if (!v14())
		return op;
	switch (op) {
	case VPF_ADMIN_OP_DEV_MODE_SET:
		return VPF_ADMIN_V14_OP_DEV_MODE_SET;
	case VPF_ADMIN_OP_DEV_CTX_SIZE_GET:
		return VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET;
	case VPF_ADMIN_OP_DEV_CTX_READ:
		return VPF_ADMIN_V14_OP_DEV_PARTS_GET;
	case VPF_ADMIN_OP_DEV_CTX_WRITE:
		return VPF_ADMIN_V14_OP_DEV_PARTS_SET;
	default:
		fail_msg("draft opcode %#x has no 1.4 equivalent", op);
	}
	return op;
}

uint64_t
nmodeset(struct side *sd, uint16_t vf)
{
	return ncmd(sd, vf, dop(VPF_ADMIN_OP_DEV_MODE_SET));
}

void
side_up(struct side *sd, const char *name, const struct opt *o)
{
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct vpf_mig_params gp;

	vpf_model_params_init(&mp);
	mp.name = name;
	mp.num_vfs = o->vfs ? o->vfs : 4;
	mp.num_qp = o->qp ? o->qp : 2;
	if (o->vq_size)
		mp.vq_size = o->vq_size;
	mp.seed = o->seed ? o->seed : 1;
	mp.off = o->off;
	mp.guest_mem_size = MEM;
	mp.dialect = o->dialect != VPF_DIALECT_UNKNOWN ? o->dialect :
		     harness_dialect();
	if (o->aq_size)
		mp.admin_queue_size = o->aq_size;
	if (o->parts_limit) {
		mp.parts_get_limit = o->parts_limit;
		mp.parts_set_limit = o->parts_limit;
	}
	if (o->service_us) {
		mp.threaded = true;
		mp.service_time_us = o->service_us;
		mp.concurrency = 8;
		mp.activation_us_per_field = 2;
	}
	sd->model = vpf_model_create(&mp);
	if (sd->model == NULL)
		fail_msg("model: %s", vpf_last_error());
	vpf_pf_params_init(&pp);
	pp.name = name;
	pp.reset_timeout_us = 50000;
	pp.retry_backoff_us = 1;
	pp.cmd_timeout_us = o->timeout_us ? o->timeout_us : 200000;
	if (o->aq_size)
		pp.admin_queue_size = o->aq_size;
	sd->pf = vpf_pf_attach(&vpf_model_ops, sd->model, &pp);
	if (sd->pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	vpf_mig_params_init(&gp);
	gp.scan = !o->no_scan;
	gp.restore_on_detach = !o->no_restore;
	if (o->chunk)
		gp.chunk = o->chunk;
	gp.thread_init = o->thread_init;
	gp.thread_arg = o->thread_arg;
	sd->mig = vpf_mig_attach(sd->pf, &gp);
	if (sd->mig == NULL)
		fail_msg("mig attach: %s", vpf_last_error());
}

void
side_down(struct side *sd)
{
	vpf_mig_detach(sd->mig);
	vpf_pf_detach(sd->pf);
	vpf_model_destroy(sd->model);
	memset(sd, 0, sizeof(*sd));
}

void
side_restart(struct side *sd, const char *name)
{
	struct vpf_mig_params gp;
	struct vpf_pf_params pp;

	vpf_mig_detach(sd->mig);
	vpf_pf_detach(sd->pf);
	vpf_pf_params_init(&pp);
	pp.name = name;
	pp.reset_timeout_us = 50000;
	sd->pf = vpf_pf_attach(&vpf_model_ops, sd->model, &pp);
	if (sd->pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	vpf_mig_params_init(&gp);
	/* Only reports what the scan found (test_mig_journal.c covers
	 * the journal's resuming). */
	gp.recover_orphans = false;
	sd->mig = vpf_mig_attach(sd->pf, &gp);
	if (sd->mig == NULL)
		fail_msg("mig attach: %s", vpf_last_error());
}

void
env_up(struct env *e, const struct opt *os, const struct opt *od)
{
	side_up(&e->s, "src", os);
	side_up(&e->d, "dst", od ? od : os);
}

void
env_down(struct env *e)
{
	side_down(&e->s);
	side_down(&e->d);
}

void
digest(struct side *sd, uint16_t vf, uint8_t out[32])
{
	assert_int_equal(vpf_model_digest(sd->model, vf, out), 0);
}

void
assert_digest(struct side *sd, uint16_t vf, const uint8_t want[32])
{
	uint8_t x[32];

	digest(sd, vf, x);
	assert_memory_equal(x, want, 32);
}

void
assert_same_vf(struct side *a, uint16_t va, struct side *b, uint16_t vb)
{
	uint8_t x[32];

	digest(a, va, x);
	assert_digest(b, vb, x);
}

uint8_t
mode(struct side *sd, uint16_t vf)
{
	uint8_t m = 0xee;

	assert_int_equal(vpf_model_vf_mode(sd->model, vf, &m), 0);
	return m;
}

uint64_t
ncmd(struct side *sd, uint16_t vf, uint16_t op)
{
	struct vpf_model_stats st;

	assert_int_equal(vpf_model_stats_get(sd->model, vf, &st), 0);
	return st.cmds[op];
}

uint64_t
ncmds_all(struct side *sd, uint16_t vf)
{
	struct vpf_model_stats st;
	uint64_t n = 0;
	unsigned int i;

	assert_int_equal(vpf_model_stats_get(sd->model, vf, &st), 0);
	for (i = 0; i <= VPF_ADMIN_OP_MAX; i++)
		n += st.cmds[i];
	return n;
}

enum vpf_mig_state
vfstate(struct side *sd, uint16_t vf)
{
	enum vpf_mig_state s;

	assert_int_equal(vpf_mig_get_state(sd->mig, vf, &s), 0);
	return s;
}

void
assert_running(struct side *sd, uint16_t vf)
{
	assert_int_equal(vfstate(sd, vf), VPF_MIG_STATE_RUNNING);
	assert_int_equal(mode(sd, vf), VPF_DEV_MODE_ACTIVE);
}

void
assert_guest_runs(struct side *sd, uint16_t vf, uint32_t ops)
{
	uint8_t before[32], after[32];

	digest(sd, vf, before);
	assert_int_equal(vpf_model_guest_step(sd->model, vf, ops), 0);
	digest(sd, vf, after);
	assert_memory_not_equal(before, after, 32);
}

void
drain(struct side *sd, uint16_t vf, struct mig_buf *b, size_t piece)
{
	uint8_t tmp[4096];
	size_t got;

	if (piece > sizeof(tmp))
		piece = sizeof(tmp);
	for (;;) {
		assert_int_equal(vpf_mig_save_read(sd->mig, vf, tmp, piece, &got), 0);
		if (got == 0)
			break;
		mig_buf_append(b, tmp, got);
	}
}

void
save_stream(struct side *sd, uint16_t vf, struct mig_buf *b)
{
	memset(b, 0, sizeof(*b));
	assert_int_equal(vpf_mig_set_state(sd->mig, vf, VPF_MIG_STATE_STOP_COPY), 0);
	drain(sd, vf, b, 1000);
	assert_int_equal(vpf_mig_set_state(sd->mig, vf, VPF_MIG_STATE_STOP), 0);
}

void
run_and_save(struct side *sd, uint16_t vf, uint32_t ops, struct mig_buf *b)
{
	assert_int_equal(vpf_model_guest_step(sd->model, vf, ops), 0);
	save_stream(sd, vf, b);
}

void
load_stream(struct side *sd, uint16_t vf, const struct mig_buf *b)
{
	assert_int_equal(vpf_mig_set_state(sd->mig, vf, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(sd->mig, vf, b->p, b->len), 0);
	assert_int_equal(vpf_mig_set_state(sd->mig, vf, VPF_MIG_STATE_RUNNING), 0);
}

int
wl_progress(const struct vpf_mig_progress *p, void *arg)
{
	struct wl *w = arg;
	unsigned int i;

	assert_true(p->phase < VPF_MIG_PHASE_MAX);
	w->calls[p->phase]++;
	if (p->phase == VPF_MIG_PHASE_PRECOPY) {
		assert_int_equal(p->round, w->last_round + 1);
		w->last_round = p->round;
		w->pc_bytes += p->bytes;
		assert_true(p->bytes > 0);
		if (w->abort_at_round && (int)p->round == w->abort_at_round)
			return -ECANCELED;
		if (w->stop_after_round && (int)p->round == w->stop_after_round)
			return VPF_MIG_PROGRESS_STOP_PRECOPY;
	}
	if (p->phase == VPF_MIG_PHASE_PRECOPY) {
		/* The same initial_bytes as the per-VF precopy information
		 * (doc/protocol.md §7.3), summed over the VFs. */
		uint64_t ib = 0;

		for (i = 0; i < w->n; i++) {
			struct vpf_mig_precopy_info pi;

			assert_int_equal(vpf_mig_precopy_info(w->s->mig, w->vfs[i], &pi), 0);
			ib += pi.initial_bytes;
		}
		assert_int_equal(p->initial_bytes, ib);
		assert_true(p->initial_bytes > 0);
	}
	if (p->phase == VPF_MIG_PHASE_SETUP ||
	    p->phase == VPF_MIG_PHASE_PRECOPY)
		for (i = 0; i < w->n; i++)
			assert_int_equal(vpf_model_guest_step(w->s->model,
							      w->vfs[i], w->ops), 0);
	return 0;
}

unsigned int
records(const struct mig_buf *b, size_t *off, size_t *len, unsigned int max)
{
	uint32_t nf;
	size_t p;
	unsigned int n = 0;

	memcpy(&nf, b->p + MIG_HDR_OFF_NFIELDS, 4);
	p = MIG_HDR_FIXED + nf * MIG_FIELD_SIZE + MIG_CRC_SIZE;
	while (p < b->len && n < max) {
		uint64_t l;

		memcpy(&l, b->p + p + 8, 8);
		off[n] = p;
		len[n] = MIG_REC_HDR + l + MIG_CRC_SIZE;
		p += len[n];
		n++;
	}
	return n;
}

int
stop_hang_progress(const struct vpf_mig_progress *p, void *arg)
{
	struct stop_hang *h = arg;

	if (p->phase != VPF_MIG_PHASE_PRECOPY)
		return 0;
	assert_int_equal(vpf_model_fault_inject_op(h->s->model, h->vf,
			VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
			VPF_MODEL_FAULT_HANG, h->hangs, 0), 0);
	return -ECANCELED;
}
