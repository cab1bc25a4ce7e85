/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Migration against two software model PFs, `src` and `dst`: end-to-end
 * migrations over seeds, queue counts and chunk sizes with the source
 * workload running until the stop; dirty pages against the model's ground
 * truth; every VFIO arc and walk, refused arcs, abort from each state;
 * faults at each step; streams refused before any DEV_CTX_WRITE; crash
 * safety; the compatibility pre-flight; 64 VFs at once.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vpf_mig.h"
#include "vpf_model.h"
#include "vpf_pf.h"
#include "mig/mig_internal.h"

#define MEM		(8u << 20)	/* guest memory per VF */
#define PS		4096u

struct side {
	struct vpf_model *model;
	struct vpf_pf *pf;
	struct vpf_mig *mig;
};

struct env {
	struct side s;
	struct side d;
};

struct opt {
	uint16_t vfs;
	uint16_t qp;
	uint16_t vq_size;
	uint64_t seed;
	uint32_t off;
	uint32_t timeout_us;
	bool no_scan;
	bool no_restore;
	uint32_t service_us;	/* > 0: threaded device with a timing model */
	uint16_t aq_size;	/* admin queue size (0: default) */
};

static void
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
	if (o->aq_size)
		mp.admin_queue_size = o->aq_size;
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
	sd->mig = vpf_mig_attach(sd->pf, &gp);
	if (sd->mig == NULL)
		fail_msg("mig attach: %s", vpf_last_error());
}

static void
side_down(struct side *sd)
{
	vpf_mig_detach(sd->mig);
	vpf_pf_detach(sd->pf);
	vpf_model_destroy(sd->model);
	memset(sd, 0, sizeof(*sd));
}

static void
env_up(struct env *e, const struct opt *os, const struct opt *od)
{
	side_up(&e->s, "src", os);
	side_up(&e->d, "dst", od ? od : os);
}

static void
env_down(struct env *e)
{
	side_down(&e->s);
	side_down(&e->d);
}

static void
digest(struct side *sd, uint16_t vf, uint8_t out[32])
{
	assert_int_equal(vpf_model_digest(sd->model, vf, out), 0);
}

static uint8_t
mode(struct side *sd, uint16_t vf)
{
	uint8_t m = 0xee;

	assert_int_equal(vpf_model_vf_mode(sd->model, vf, &m), 0);
	return m;
}

static uint64_t
ncmd(struct side *sd, uint16_t vf, uint16_t op)
{
	struct vpf_model_stats st;

	assert_int_equal(vpf_model_stats_get(sd->model, vf, &st), 0);
	return st.cmds[op];
}

static uint64_t
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

static enum vpf_mig_state
vfstate(struct side *sd, uint16_t vf)
{
	enum vpf_mig_state s;

	assert_int_equal(vpf_mig_get_state(sd->mig, vf, &s), 0);
	return s;
}

/* Pull the whole pending save stream of @p vf into @p b. */
static void
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

/* A complete save stream of src VF @p vf (final only): leaves it in STOP. */
static void
save_stream(struct side *sd, uint16_t vf, struct mig_buf *b)
{
	memset(b, 0, sizeof(*b));
	assert_int_equal(vpf_mig_set_state(sd->mig, vf, VPF_MIG_STATE_STOP_COPY), 0);
	drain(sd, vf, b, 1000);
	assert_int_equal(vpf_mig_set_state(sd->mig, vf, VPF_MIG_STATE_STOP), 0);
}

/* ---------------------------------------------------------------------------
 * End to end
 * ------------------------------------------------------------------------- */

struct wl {
	struct side *s;
	uint16_t *vfs;
	unsigned int n;
	uint32_t ops;
	unsigned int calls[VPF_MIG_PHASE_MAX];
	uint32_t last_round;
	int stop_after_round;
	int abort_at_round;
	uint64_t pc_bytes;
};

/* Progress: the source workload runs between precopy rounds. */
static int
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
		/* FACTS.md 8: the same initial_bytes as the per-VF info. */
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

static void
test_migrate_matrix(void **state)
{
	static const uint16_t qps[] = { 1, 2, 4 };
	static const uint32_t chunks[] = { 8, 64, 256, 4096, 65536 };
	static const uint32_t schunks[] = { 0, 1, 7, 4096 };
	struct env envs[3];
	unsigned int i;

	(void)state;
	/* One pair of models per queue count (bring-up is the slow part);
	 * every case uses its own VFs, and each VF's workload has its own
	 * seed. */
	for (i = 0; i < 3; i++) {
		struct opt o = { .vfs = 10, .qp = qps[i], .seed = 100 + i };

		env_up(&envs[i], &o, NULL);
	}
	for (i = 0; i < 30; i++) {
		struct env *ep = &envs[i % 3];
		struct vpf_mig_opts mo;
		struct vpf_mig_pair p;
		struct vpf_mig_result res;
		uint16_t k = (uint16_t)(1 + i / 3), j = (uint16_t)(10 - i / 3);
		uint8_t ds[32], dd[32], d0[32];
		struct wl w = { .ops = 50 + i * 7, .n = 1, .vfs = &k };

		w.s = &ep->s;
		/* Something to migrate, and different from the destination. */
		assert_int_equal(vpf_model_guest_step(ep->s.model, k, 300 + i), 0);
		digest(&ep->s, k, ds);
		digest(&ep->d, j, d0);
		assert_memory_not_equal(ds, d0, 32);

		vpf_mig_opts_init(&mo);
		mo.precopy_rounds = i % 2 ? 1 + i % 3 : 0;
		mo.precopy_to_dst = (i % 4) != 3;
		mo.chunk = chunks[i % 5];
		mo.stream_chunk = schunks[(i / 2) % 4];
		mo.dirty = (i % 3) == 0;
		mo.ranges = &(struct vpf_mig_range){ 0, MEM };
		mo.nranges = 1;
		mo.serial = (i % 7) == 0;
		mo.progress = wl_progress;
		mo.arg = &w;
		memset(&p, 0, sizeof(p));
		p.src = ep->s.mig;
		p.src_vf = k;
		p.dst = ep->d.mig;
		p.dst_vf = j;
		if (vpf_mig_migrate(&mo, &p, 1, &res))
			fail_msg("case %u: %s", i, vpf_last_error());
		assert_int_equal(p.rc, 0);
		assert_int_equal(res.ok, 1);
		assert_int_equal(w.last_round, mo.precopy_rounds);
		assert_int_equal(w.calls[VPF_MIG_PHASE_STOP_COPY], 1);
		assert_int_equal(w.calls[VPF_MIG_PHASE_RESUME], 1);
		assert_int_equal(w.calls[VPF_MIG_PHASE_DONE], 1);
		/* The source stays in Freeze: its digest is the one at Freeze. */
		assert_int_equal(mode(&ep->s, k), VPF_DEV_MODE_FREEZE);
		assert_int_equal(mode(&ep->d, j), VPF_DEV_MODE_ACTIVE);
		assert_int_equal(vfstate(&ep->s, k), VPF_MIG_STATE_STOP);
		assert_int_equal(vfstate(&ep->d, j), VPF_MIG_STATE_RUNNING);
		digest(&ep->s, k, ds);
		digest(&ep->d, j, dd);
		assert_memory_equal(ds, dd, 32);
		assert_true(p.bytes > p.ctx_bytes && p.ctx_bytes > 0);
		assert_true(res.downtime_ns > 0 && res.downtime_ns <= res.total_ns);
		assert_int_equal(res.downtime_ns, p.downtime_ns);
		if (mo.precopy_rounds && mo.precopy_to_dst)
			assert_true(ncmd(&ep->d, j, VPF_ADMIN_OP_DEV_CTX_WRITE) >
				    1);
		/* The destination runs the guest now. */
		assert_int_equal(vpf_model_guest_step(ep->d.model, j, 20), 0);
	}
	for (i = 0; i < 3; i++)
		env_down(&envs[i]);
}

static void
run_many(bool serial, bool precopy, uint16_t aq)
{
	struct opt o = { .vfs = 64, .qp = 1, .seed = 7, .aq_size = aq };
	struct vpf_mig_pair p[64];
	struct vpf_mig_opts mo;
	struct vpf_mig_result res;
	uint16_t vfs[64];
	struct wl w = { .ops = 40, .n = 64, .vfs = vfs };
	struct env e;
	unsigned int i;

	env_up(&e, &o, NULL);
	w.s = &e.s;
	memset(p, 0, sizeof(p));
	for (i = 0; i < 64; i++) {
		vfs[i] = (uint16_t)(i + 1);
		assert_int_equal(vpf_model_guest_step(e.s.model, i + 1, 50 + i), 0);
		p[i].src = e.s.mig;
		p[i].src_vf = (uint16_t)(i + 1);
		p[i].dst = e.d.mig;
		p[i].dst_vf = (uint16_t)(64 - i);
	}
	vpf_mig_opts_init(&mo);
	mo.precopy_rounds = precopy ? 1 : 0;
	mo.serial = serial;
	mo.progress = wl_progress;
	mo.arg = &w;
	if (vpf_mig_migrate(&mo, p, 64, &res))
		fail_msg("%s", vpf_last_error());
	assert_int_equal(res.ok, 64);
	assert_int_equal(res.failed, 0);
	for (i = 0; i < 64; i++) {
		uint8_t a[32], b[32];

		assert_int_equal(p[i].rc, 0);
		digest(&e.s, i + 1, a);
		digest(&e.d, 64 - i, b);
		assert_memory_equal(a, b, 32);
		assert_int_equal(mode(&e.d, 64 - i), VPF_DEV_MODE_ACTIVE);
		assert_true(p[i].downtime_ns <= res.downtime_ns);
	}
	assert_true(res.downtime_max_ns <= res.downtime_ns);
	assert_true(res.cmds >= 64 * 4);
	env_down(&e);
}

static void
test_migrate_64_concurrent(void **state)
{
	(void)state;
	run_many(false, false, 0);
	run_many(false, true, 0);
	run_many(true, false, 0);
	/* An admin queue far smaller than the commands in flight: the
	 * engine says -EBUSY and the library submits again later. */
	run_many(false, true, 8);
}

struct async_count {
	unsigned int done;
	int rc[17];
};

static void
async_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct async_count *c = arg;

	(void)m;
	assert_true(vf >= 1 && vf <= 16);
	c->rc[vf] = rc;
	c->done++;
}

static void
async_wait(struct vpf_mig *m, struct async_count *c, unsigned int n)
{
	while (c->done < n)
		assert_true(vpf_mig_poll(m) >= 0);
}

/* The public asynchronous calls: many VFs at once, completions from
 * vpf_mig_poll() only, -EBUSY while a VF's operation runs. */
static void
test_async_api(void **state)
{
	struct opt o = { .vfs = 16, .qp = 2, .seed = 17 };
	struct async_count c;
	struct env e;
	uint16_t vf;

	(void)state;
	env_up(&e, &o, NULL);
	memset(&c, 0, sizeof(c));
	for (vf = 1; vf <= 16; vf++) {
		assert_int_equal(vpf_model_guest_step(e.s.model, vf, 100), 0);
		assert_int_equal(vpf_mig_set_state_async(e.s.mig, vf,
			vf <= 8 ? VPF_MIG_STATE_STOP_COPY : VPF_MIG_STATE_PRE_COPY,
			async_done, &c), 0);
		assert_int_equal(vpf_mig_set_state_async(e.s.mig, vf,
			VPF_MIG_STATE_STOP, async_done, &c), -EBUSY);
		assert_true(vpf_mig_busy(e.s.mig, vf));
	}
	/* Nothing completes inside the submitting calls. */
	assert_int_equal(c.done, 0);
	async_wait(e.s.mig, &c, 16);
	for (vf = 1; vf <= 16; vf++) {
		assert_int_equal(c.rc[vf], 0);
		assert_false(vpf_mig_busy(e.s.mig, vf));
		assert_int_equal(vfstate(&e.s, vf), vf <= 8 ?
				 VPF_MIG_STATE_STOP_COPY : VPF_MIG_STATE_PRE_COPY);
	}
	/* More rounds for the precopy ones, abort for all. */
	memset(&c, 0, sizeof(c));
	for (vf = 9; vf <= 16; vf++)
		assert_int_equal(vpf_mig_precopy_round_async(e.s.mig, vf,
							     async_done, &c), 0);
	async_wait(e.s.mig, &c, 8);
	for (vf = 9; vf <= 16; vf++) {
		struct vpf_mig_precopy_info pi;

		assert_int_equal(vpf_mig_precopy_info(e.s.mig, vf, &pi), 0);
		assert_int_equal(pi.round, 2);
	}
	memset(&c, 0, sizeof(c));
	for (vf = 1; vf <= 16; vf++)
		assert_int_equal(vpf_mig_abort_async(e.s.mig, vf, async_done, &c), 0);
	async_wait(e.s.mig, &c, 16);
	for (vf = 1; vf <= 16; vf++) {
		assert_int_equal(c.rc[vf], 0);
		assert_int_equal(mode(&e.s, vf), VPF_DEV_MODE_ACTIVE);
	}

	/* Async load: a stream pushed in pieces; writes complete later. */
	{
		struct mig_buf b;
		size_t off;
		uint8_t x[32], y[32];

		save_stream(&e.s, 1, &b);
		memset(&c, 0, sizeof(c));
		assert_int_equal(vpf_mig_set_state_async(e.d.mig, 3,
			VPF_MIG_STATE_RESUMING, async_done, &c), 0);
		async_wait(e.d.mig, &c, 1);
		for (off = 0; off < b.len; off += 50) {
			size_t n = b.len - off < 50 ? b.len - off : 50;

			memset(&c, 0, sizeof(c));
			assert_int_equal(vpf_mig_load_write_async(e.d.mig, 3,
				b.p + off, n, async_done, &c), 0);
			async_wait(e.d.mig, &c, 1);
			assert_int_equal(c.rc[3], 0);
		}
		assert_int_equal(vpf_mig_set_state(e.d.mig, 3, VPF_MIG_STATE_RUNNING), 0);
		digest(&e.s, 1, x);
		digest(&e.d, 3, y);
		assert_memory_equal(x, y, 32);
		mig_buf_free(&b);
	}
	assert_string_equal(vpf_mig_vf_error(e.s.mig, 2), "");
	env_down(&e);
}

struct async_many {
	unsigned int calls[131];
	unsigned int total;
};

static void
async_many_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct async_many *c = arg;

	(void)m;
	assert_int_equal(rc, 0);
	assert_true(vf >= 1 && vf <= 130);
	c->calls[vf]++;
	c->total++;
}

/* More VFs than one word of the poll's pending-VF bitmaps, with an admin
 * queue far smaller than the commands in flight (-EBUSY, submitted again
 * from vpf_mig_poll()): every VF completes exactly once, and the polls'
 * return values add up to the callbacks run. */
static void
test_async_many_words(void **state)
{
	struct opt o = { .vfs = 130, .qp = 1, .seed = 23, .aq_size = 8 };
	struct async_many c;
	struct side sd;
	unsigned int polled = 0;
	uint16_t vf;
	int rc;

	(void)state;
	side_up(&sd, "many", &o);
	memset(&c, 0, sizeof(c));
	for (vf = 130; vf >= 1; vf--)
		assert_int_equal(vpf_mig_set_state_async(sd.mig, vf,
			VPF_MIG_STATE_STOP_COPY, async_many_done, &c), 0);
	while (c.total < 130) {
		rc = vpf_mig_poll(sd.mig);
		assert_true(rc >= 0);
		polled += (unsigned int)rc;
	}
	assert_int_equal(polled, 130);
	assert_int_equal(vpf_mig_poll(sd.mig), 0);
	for (vf = 1; vf <= 130; vf++) {
		assert_int_equal(c.calls[vf], 1);
		assert_int_equal(vfstate(&sd, vf), VPF_MIG_STATE_STOP_COPY);
	}
	side_down(&sd);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* async_wait() with a deadline: an operation that never completes fails
 * the test instead of hanging it. */
static void
async_wait_deadline(struct vpf_mig *m, struct async_count *c, unsigned int n,
		    uint64_t ms)
{
	uint64_t end = now_ns() + ms * 1000000u;

	while (c->done < n) {
		assert_true(vpf_mig_poll(m) >= 0);
		if (now_ns() > end)
			fail_msg("%u of %u operations still running after %llu ms",
				 n - c->done, n, (unsigned long long)ms);
	}
}

/* A CTX_WRITE the engine first refuses with -EBUSY (admin queue of 8,
 * 16 VFs at once) is submitted again from vpf_mig_poll(): the pending
 * context must still be there then, and every load completes. */
static void
test_async_busy_write(void **state)
{
	struct opt o = { .vfs = 16, .qp = 1, .seed = 9, .aq_size = 8 };
	struct env e;
	struct mig_buf b[17];
	struct async_count c;
	uint8_t x[32], y[32];
	uint16_t vf;

	(void)state;
	env_up(&e, &o, NULL);
	for (vf = 1; vf <= 16; vf++) {
		assert_int_equal(vpf_model_guest_step(e.s.model, vf, 100), 0);
		save_stream(&e.s, vf, &b[vf]);
		assert_int_equal(vpf_mig_set_state(e.d.mig, vf, VPF_MIG_STATE_RESUMING), 0);
	}
	memset(&c, 0, sizeof(c));
	for (vf = 1; vf <= 16; vf++)
		assert_int_equal(vpf_mig_load_write_async(e.d.mig, vf, b[vf].p,
			b[vf].len, async_done, &c), 0);
	async_wait_deadline(e.d.mig, &c, 16, 10000);
	for (vf = 1; vf <= 16; vf++) {
		assert_int_equal(c.rc[vf], 0);
		assert_false(vpf_mig_busy(e.d.mig, vf));
		if (vpf_mig_set_state(e.d.mig, vf, VPF_MIG_STATE_RUNNING))
			fail_msg("VF %u: %s", vf, vpf_last_error());
		digest(&e.s, vf, x);
		digest(&e.d, vf, y);
		assert_memory_equal(x, y, 32);
		mig_buf_free(&b[vf]);
	}
	env_down(&e);
}

/* The DISCARD a MODE_SET to Active needs first (a partial read) gets
 * -EBUSY: it is still sent when submitted again, once per VF, and every
 * VF reaches RUNNING. */
static void
test_async_busy_discard(void **state)
{
	struct opt o = { .vfs = 16, .qp = 1, .seed = 10, .aq_size = 8 };
	struct async_count c;
	uint64_t d0[17];
	struct side sd;
	uint16_t vf;

	(void)state;
	side_up(&sd, "busy", &o);
	for (vf = 1; vf <= 16; vf++) {
		/* FIELDS_QUERY cached, then a CTX_READ that fails midway in
		 * Freeze: a partial read. */
		assert_int_equal(vpf_mig_set_state(sd.mig, vf, VPF_MIG_STATE_STOP_COPY), 0);
		assert_int_equal(vpf_mig_abort(sd.mig, vf), 0);
		assert_int_equal(vpf_mig_set_state(sd.mig, vf, VPF_MIG_STATE_STOP), 0);
		assert_int_equal(vpf_model_fault_inject(sd.model, vf,
			VPF_MODEL_FAULT_EINVAL, 1, 0), 0);
		assert_int_equal(vpf_mig_set_state(sd.mig, vf, VPF_MIG_STATE_STOP_COPY),
				 -EINVAL);
		d0[vf] = ncmd(&sd, vf, VPF_ADMIN_OP_DEV_CTX_DISCARD);
	}
	memset(&c, 0, sizeof(c));
	for (vf = 1; vf <= 16; vf++)
		assert_int_equal(vpf_mig_set_state_async(sd.mig, vf,
			VPF_MIG_STATE_RUNNING, async_done, &c), 0);
	async_wait_deadline(sd.mig, &c, 16, 10000);
	for (vf = 1; vf <= 16; vf++) {
		if (c.rc[vf])
			fail_msg("VF %u: %s", vf, vpf_mig_vf_error(sd.mig, vf));
		assert_int_equal(ncmd(&sd, vf, VPF_ADMIN_OP_DEV_CTX_DISCARD),
				 d0[vf] + 1);
		assert_int_equal(mode(&sd, vf), VPF_DEV_MODE_ACTIVE);
		assert_int_equal(vfstate(&sd, vf), VPF_MIG_STATE_RUNNING);
	}
	side_down(&sd);
}

/* A device thread with service times and concurrency: completions come
 * asynchronously, out of the poll that submitted them. */
static void
test_migrate_threaded(void **state)
{
	struct opt o = { .vfs = 16, .qp = 2, .seed = 13, .service_us = 20 };
	struct vpf_mig_range r = { 0, MEM };
	struct vpf_mig_pair p[16];
	struct vpf_mig_opts mo;
	struct vpf_mig_result res;
	uint16_t vfs[8];
	struct wl w = { .ops = 40, .n = 8, .vfs = vfs };
	struct env e;
	unsigned int i, pass;

	(void)state;
	env_up(&e, &o, NULL);
	w.s = &e.s;
	for (pass = 0; pass < 2; pass++) {
		memset(p, 0, sizeof(p));
		memset(w.calls, 0, sizeof(w.calls));
		w.last_round = 0;
		for (i = 0; i < 8; i++) {
			uint16_t vf = (uint16_t)(1 + pass * 8 + i);

			vfs[i] = vf;
			assert_int_equal(vpf_model_guest_step(e.s.model, vf, 100), 0);
			p[i] = (struct vpf_mig_pair){ .src = e.s.mig, .src_vf = vf,
						      .dst = e.d.mig, .dst_vf = vf };
		}
		vpf_mig_opts_init(&mo);
		mo.precopy_rounds = 2;
		mo.dirty = true;
		mo.ranges = &r;
		mo.nranges = 1;
		mo.serial = pass == 1;
		mo.progress = wl_progress;
		mo.arg = &w;
		if (vpf_mig_migrate(&mo, p, 8, &res))
			fail_msg("%s", vpf_last_error());
		assert_int_equal(res.ok, 8);
		for (i = 0; i < 8; i++) {
			uint8_t a[32], b[32];

			digest(&e.s, vfs[i], a);
			digest(&e.d, vfs[i], b);
			assert_memory_equal(a, b, 32);
			assert_true(p[i].pages > 0);
		}
	}
	env_down(&e);
}

/* Two pairs on the same PFs in opposite directions, and a pair within one
 * PF (src == dst handle). */
static void
test_migrate_same_pf(void **state)
{
	struct opt o = { .vfs = 4, .qp = 2, .seed = 3 };
	struct vpf_mig_pair p[2];
	struct env e;
	uint8_t a[32], b[32];

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 200), 0);
	assert_int_equal(vpf_model_guest_step(e.d.model, 2, 300), 0);
	memset(p, 0, sizeof(p));
	p[0] = (struct vpf_mig_pair){ .src = e.s.mig, .src_vf = 1,
				      .dst = e.s.mig, .dst_vf = 3 };
	p[1] = (struct vpf_mig_pair){ .src = e.d.mig, .src_vf = 2,
				      .dst = e.s.mig, .dst_vf = 4 };
	assert_int_equal(vpf_mig_migrate(NULL, p, 2, NULL), 0);
	digest(&e.s, 1, a);
	digest(&e.s, 3, b);
	assert_memory_equal(a, b, 32);
	digest(&e.d, 2, a);
	digest(&e.s, 4, b);
	assert_memory_equal(a, b, 32);
	/* A VF used twice is refused before anything happens. */
	p[1].dst_vf = 3;
	p[0].src_vf = 2;
	assert_int_equal(vpf_mig_migrate(NULL, p, 2, NULL), -EINVAL);
	env_down(&e);
}

static void
test_progress_control(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 11 };
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	uint16_t k = 1;
	struct wl w = { .ops = 30, .n = 1, .vfs = &k };
	struct env e;
	uint8_t s0[32], s1[32], d0[32], d1[32];

	(void)state;
	env_up(&e, &o, NULL);
	w.s = &e.s;
	/* STOP_PRECOPY after round 2 of 5. */
	vpf_mig_opts_init(&mo);
	mo.precopy_rounds = 5;
	mo.progress = wl_progress;
	mo.arg = &w;
	w.stop_after_round = 2;
	p = (struct vpf_mig_pair){ .src = e.s.mig, .src_vf = 1,
				   .dst = e.d.mig, .dst_vf = 1 };
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, &res), 0);
	assert_int_equal(w.last_round, 2);
	assert_int_equal(res.precopy_rounds, 2);
	assert_true(res.precopy_bytes > 0 && res.precopy_bytes == w.pc_bytes);
	digest(&e.s, 1, s0);
	digest(&e.d, 1, d0);
	assert_memory_equal(s0, d0, 32);

	/* A negative return aborts: the source keeps running unchanged (as
	 * the callback left it), the destination has nothing applied. */
	memset(&w, 0, sizeof(w));
	w.s = &e.s;
	w.vfs = &k;
	k = 2;
	w.n = 1;
	w.ops = 30;
	w.abort_at_round = 2;
	digest(&e.d, 2, d0);
	p = (struct vpf_mig_pair){ .src = e.s.mig, .src_vf = 2,
				   .dst = e.d.mig, .dst_vf = 2 };
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, &res), -ECANCELED);
	assert_int_equal(p.rc, -ECANCELED);
	assert_int_equal(res.failed, 1);
	assert_int_equal(mode(&e.s, 2), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vfstate(&e.s, 2), VPF_MIG_STATE_RUNNING);
	assert_int_equal(mode(&e.d, 2), VPF_DEV_MODE_ACTIVE);
	digest(&e.d, 2, d1);
	assert_memory_equal(d0, d1, 32);
	/* The source still runs. */
	digest(&e.s, 2, s0);
	assert_int_equal(vpf_model_guest_step(e.s.model, 2, 50), 0);
	digest(&e.s, 2, s1);
	assert_memory_not_equal(s0, s1, 32);
	env_down(&e);
}

/* ---------------------------------------------------------------------------
 * Dirty pages
 * ------------------------------------------------------------------------- */

/* Every page of the truth inside @p r is set in @p bm (pages of @p ps
 * from @p base). */
static void
assert_covers(const uint64_t *bm, uint64_t base, uint64_t ps,
	      const uint64_t *truth, uint64_t tps, uint64_t tlen,
	      const struct vpf_mig_range *r, unsigned int nr)
{
	uint64_t p, hits = 0;
	unsigned int i;

	for (p = 0; p < tlen / tps; p++) {
		uint64_t a = p * tps, b;
		bool in = nr == 0;

		if (!(truth[p / 64] & (UINT64_C(1) << (p % 64))))
			continue;
		for (i = 0; i < nr; i++)
			if (a >= r[i].addr && a < r[i].addr + r[i].len)
				in = true;
		if (!in)
			continue;
		b = (a - base) / ps;
		if (!(bm[b / 64] & (UINT64_C(1) << (b % 64))))
			fail_msg("page 0x%llx written but not in the bitmap",
				 (unsigned long long)a);
		hits++;
	}
	assert_true(hits > 0);
}

static void
test_dirty_low_level(void **state)
{
	static const uint64_t sizes[] = { 4096, 32768, 65536, 1 << 21 };
	struct opt o = { .vfs = 2, .qp = 2, .seed = 5 };
	struct vpf_mig_range r[24];
	uint64_t *bm, *truth, pages, tp;
	struct env e;
	unsigned int i, s;

	(void)state;
	env_up(&e, &o, NULL);
	truth = calloc(MEM / 4096 / 64, 8);
	bm = calloc(MEM / 4096 / 64, 8);
	for (s = 0; s < 4; s++) {
		uint64_t ps = sizes[s];
		size_t words = vpf_mig_bitmap_words(MEM, ps);

		/* One range over all memory. */
		r[0] = (struct vpf_mig_range){ 0, MEM };
		assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 1, ps), 0);
		assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 1, ps), -EBUSY);
		memset(bm, 0, words * 8);
		/* Enough writes that one READ cannot return them all: the
		 * library repeats until drained, and loses none. */
		assert_int_equal(vpf_model_guest_step(e.s.model, 1,
						      ps == 4096 ? 4000 : 400), 0);
		assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, MEM, bm, &pages), 0);
		assert_true(pages > 0);
		if (ps == 4096)
			assert_true(pages > 512);
		/* More writes after the first read: reported by the next. */
		assert_int_equal(vpf_model_guest_step(e.s.model, 1, 400), 0);
		assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, MEM, bm, &pages), 0);
		assert_int_equal(vpf_model_dirty_bitmap(e.s.model, 1, 0, MEM, 4096,
							truth, &tp), 0);
		assert_true(tp > 0);
		assert_covers(bm, 0, ps, truth, 4096, MEM, NULL, 0);
		if (ps == 4096) {
			/* Same page size: exactly the truth. */
			for (i = 0; i < words; i++)
				assert_int_equal(bm[i], truth[i]);
		}
		assert_int_equal(vpf_mig_dirty_stop(e.s.mig, 1), 0);
		assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, MEM, bm, &pages),
				 -EPERM);
	}

	/* 24 scattered ranges (the device takes 16: neighbours merge), and a
	 * sync window smaller than what is tracked. */
	for (i = 0; i < 24; i++)
		r[i] = (struct vpf_mig_range){ (uint64_t)i * (MEM / 24) + 4096 * i,
					       MEM / 48 };
	assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 24, 4096), 0);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 2000), 0);
	memset(bm, 0, MEM / 4096 / 8);
	assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, MEM / 2, MEM / 2,
					    bm + MEM / 4096 / 64 / 2, &pages), 0);
	assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, MEM / 2, bm, &pages), 0);
	assert_int_equal(vpf_model_dirty_bitmap(e.s.model, 1, 0, MEM, 4096,
						truth, &tp), 0);
	assert_covers(bm, 0, 4096, truth, 4096, MEM, r, 24);
	/* Bad windows. */
	assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 100, 4096, bm, NULL),
			 -EINVAL);
	assert_int_equal(vpf_mig_dirty_stop(e.s.mig, 1), 0);
	assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 0, 4096), -EINVAL);
	assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 1, 1000), -EINVAL);
	free(bm);
	free(truth);
	env_down(&e);

	/* A device without write recording. */
	o.off = VPF_MODEL_OFF_WRITE_RECORD;
	env_up(&e, &o, NULL);
	r[0] = (struct vpf_mig_range){ 0, MEM };
	assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 1, 4096), -ENOTSUP);
	assert_non_null(strstr(vpf_last_error(),
			       "dirty tracking unavailable on this device"));
	{
		struct vpf_mig_opts mo;
		struct vpf_mig_pair p = { .src = e.s.mig, .src_vf = 1,
					  .dst = e.d.mig, .dst_vf = 1 };

		vpf_mig_opts_init(&mo);
		mo.dirty = true;
		assert_int_equal(vpf_mig_migrate(&mo, &p, 1, NULL), -ENOTSUP);
		assert_non_null(strstr(vpf_last_error(),
				       "dirty tracking unavailable on this device"));
		/* Nothing was sent. */
		assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_SET), 0);
		/* Without dirty tracking the migration works. */
		mo.dirty = false;
		assert_int_equal(vpf_mig_migrate(&mo, &p, 1, NULL), 0);
	}
	env_down(&e);
}

static void
test_dirty_driver(void **state)
{
	struct opt o = { .vfs = 3, .qp = 2, .seed = 9 };
	struct vpf_mig_range r = { 0, MEM };
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p[2];
	struct vpf_mig_result res;
	uint16_t vfs[2] = { 1, 2 };
	struct wl w = { .ops = 300, .n = 2, .vfs = vfs };
	uint64_t *bm[2], *truth, tp;
	struct env e;
	unsigned int i;

	(void)state;
	env_up(&e, &o, NULL);
	w.s = &e.s;
	truth = calloc(MEM / 4096 / 64, 8);
	vpf_mig_opts_init(&mo);
	mo.precopy_rounds = 3;
	mo.dirty = true;
	mo.ranges = &r;
	mo.nranges = 1;
	mo.progress = wl_progress;
	mo.arg = &w;
	memset(p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		bm[i] = calloc(vpf_mig_bitmap_words(MEM, 4096), 8);
		p[i] = (struct vpf_mig_pair){ .src = e.s.mig, .src_vf = vfs[i],
					      .dst = e.d.mig,
					      .dst_vf = (uint16_t)(3 - i),
					      .bitmap = bm[i] };
	}
	assert_int_equal(vpf_mig_migrate(&mo, p, 2, &res), 0);
	for (i = 0; i < 2; i++) {
		struct vpf_mig_vf_info vi;

		assert_int_equal(vpf_model_dirty_bitmap(e.s.model, vfs[i], 0, MEM,
							4096, truth, &tp), 0);
		assert_true(tp > 0);
		assert_covers(bm[i], 0, 4096, truth, 4096, MEM, NULL, 0);
		assert_int_equal(p[i].pages, tp);
		/* Recording was stopped. */
		assert_int_equal(vpf_mig_vf_info_get(e.s.mig, vfs[i], &vi), 0);
		assert_false(vi.dirty_tracking);
		free(bm[i]);
	}
	assert_int_equal(res.pages, p[0].pages + p[1].pages);
	free(truth);
	env_down(&e);
}

/* ---------------------------------------------------------------------------
 * States and arcs
 * ------------------------------------------------------------------------- */

/* Bring VF 1 of src to @p s from RUNNING. RESUMING gets VF 2's stream
 * loaded when @p loaded. */
static void
reach(struct env *e, enum vpf_mig_state s, struct mig_buf *stream)
{
	assert_int_equal(vfstate(&e->s, 1), VPF_MIG_STATE_RUNNING);
	assert_int_equal(vpf_mig_set_state(e->s.mig, 1, s), 0);
	assert_int_equal(vfstate(&e->s, 1), s);
	if (s == VPF_MIG_STATE_RESUMING && stream)
		assert_int_equal(vpf_mig_load_write(e->s.mig, 1, stream->p,
						    stream->len), 0);
}

static void
test_every_arc_and_walk(void **state)
{
	struct opt o = { .vfs = 3, .qp = 2, .seed = 21 };
	struct mig_buf stream;
	struct env e;
	unsigned int a, b;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 2, 300), 0);
	save_stream(&e.s, 2, &stream);

	for (a = 1; a < VPF_MIG_STATE_MAX; a++) {
		for (b = 1; b < VPF_MIG_STATE_MAX; b++) {
			uint64_t before;
			int rc;

			reach(&e, a, &stream);
			before = ncmds_all(&e.s, 1);
			rc = vpf_mig_set_state(e.s.mig, 1, b);
			if (rc)
				fail_msg("%s -> %s: %s", vpf_mig_state_name(a),
					 vpf_mig_state_name(b), vpf_last_error());
			assert_int_equal(vfstate(&e.s, 1), b);
			assert_int_equal(mode(&e.s, 1), vpf_mig_state_mode(b));
			if (a == b)
				assert_int_equal(ncmds_all(&e.s, 1), before);
			/* Save states have a stream to pull. */
			if (b == VPF_MIG_STATE_STOP_COPY ||
			    b == VPF_MIG_STATE_PRE_COPY ||
			    b == VPF_MIG_STATE_PRE_COPY_P2P) {
				struct vpf_mig_vf_info vi;

				assert_int_equal(vpf_mig_vf_info_get(e.s.mig, 1, &vi), 0);
				assert_true(vi.save_pending > 0);
			}
			/* RESUMING -> ... applied VF 2's state. */
			if (a == VPF_MIG_STATE_RESUMING &&
			    b != VPF_MIG_STATE_RESUMING &&
			    vpf_mig_state_mode(b) != VPF_DEV_MODE_FREEZE) {
				uint8_t x[32], y[32];

				digest(&e.s, 1, x);
				digest(&e.s, 2, y);
				assert_memory_equal(x, y, 32);
			}
			assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
			assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_RUNNING);
			assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
		}
	}
	mig_buf_free(&stream);
	env_down(&e);
}

static void
test_single_arc_commands(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 2 };
	struct env e;
	uint64_t ms;

	(void)state;
	env_up(&e, &o, NULL);
	/* One MODE_SET per mode-changing arc. */
	ms = ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_SET);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING_P2P), 0);
	assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_SET), ms + 1);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_SET), ms + 2);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	/* A walk RUNNING -> STOP coalesces into one MODE_SET Freeze. */
	ms = ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_SET);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_SET), ms + 1);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_FREEZE);
	/* STOP -> STOP_COPY -> STOP -> STOP_COPY: a second full stream
	 * (the device context is discarded before re-reading). */
	{
		struct mig_buf a, b;
		struct vpf_mig_stream_info ia, ib;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e.s, 1, &a, 64);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e.s, 1, &b, 4096);
		assert_int_equal(vpf_mig_stream_validate(a.p, a.len, NULL, 0, &ia), 0);
		assert_int_equal(vpf_mig_stream_validate(b.p, b.len, NULL, 0, &ib), 0);
		assert_int_equal(ia.final_len, ib.final_len);
		assert_int_equal(a.len, b.len);
		mig_buf_free(&a);
		mig_buf_free(&b);
	}
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);

	/* A read that failed midway leaves a partial context: leaving
	 * Freeze for Active DISCARDs it first (the device would refuse the
	 * MODE_SET otherwise, FACTS.md 4). */
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_EINVAL,
						1, 0), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY),
			 -EINVAL);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_STOP);
	assert_non_null(strstr(vpf_mig_vf_error(e.s.mig, 1), "DEV_CTX_READ"));
	ms = ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_CTX_DISCARD);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_CTX_DISCARD), ms + 1);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	env_down(&e);
}

/* A DMA fault: the device needs a reset; whatever the engine does about
 * it, the migration call fails and the library's state stays coherent. */
static void
test_device_fatal(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 6, .timeout_us = 20000 };
	enum vpf_mig_state s;
	struct env e;
	int rc;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_DMA,
						1, 0), 0);
	rc = vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY);
	assert_true(rc < 0);
	assert_true(vpf_mig_vf_error(e.s.mig, 1)[0] != '\0');
	assert_int_equal(vpf_mig_get_state(e.s.mig, 1, &s), 0);
	assert_true(s == VPF_MIG_STATE_ERROR || s == VPF_MIG_STATE_RUNNING ||
		    s == VPF_MIG_STATE_STOP);
	/* Not busy, and detach/teardown still work. */
	assert_false(vpf_mig_busy(e.s.mig, 1));
	env_down(&e);
}

static void
test_refused_arcs(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 4, .timeout_us = 20000 };
	struct env e;
	uint64_t before;
	unsigned int t;

	(void)state;
	env_up(&e, &o, NULL);
	before = ncmds_all(&e.s, 1);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_ERROR), -EPERM);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, (enum vpf_mig_state)8), -EPERM);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, (enum vpf_mig_state)-1), -EPERM);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 9, VPF_MIG_STATE_STOP), -EINVAL);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 0, VPF_MIG_STATE_STOP), -EINVAL);
	/* Stream and precopy calls outside their states. */
	{
		uint8_t buf[8];
		size_t got;
		struct vpf_mig_precopy_info pi;

		assert_int_equal(vpf_mig_save_read(e.s.mig, 1, buf, 8, &got), -EPERM);
		assert_int_equal(vpf_mig_load_write(e.s.mig, 1, buf, 8), -EPERM);
		assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), -EPERM);
		assert_int_equal(vpf_mig_precopy_round(e.s.mig, 1), -EPERM);
	}
	assert_int_equal(ncmds_all(&e.s, 1), before);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_RUNNING);

	/* Into ERROR: MODE_SET and the MODE_GET that re-reads it both hang. */
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_HANG,
						2, 0), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP),
			 -ETIMEDOUT);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_ERROR);
	vpf_model_fault_clear(e.s.model);
	before = ncmds_all(&e.s, 1);
	for (t = 1; t < VPF_MIG_STATE_MAX; t++)
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, t), -EPERM);
	assert_int_equal(ncmds_all(&e.s, 1), before);
	/* Reset leaves ERROR. */
	assert_int_equal(vpf_mig_reset(e.s.mig, 1), 0);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_RUNNING);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);

	/* Abort from ERROR works too. */
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING_P2P), 0);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_HANG,
						2, 0), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP),
			 -ETIMEDOUT);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_ERROR);
	vpf_model_fault_clear(e.s.model);
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_RUNNING);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);

	/* A timed-out MODE_SET whose re-read works: the state follows the
	 * device, not ERROR. */
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_HANG,
						1, 0), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP),
			 -ETIMEDOUT);
	assert_int_not_equal(vfstate(&e.s, 1), VPF_MIG_STATE_ERROR);
	assert_int_equal(vpf_mig_state_mode(vfstate(&e.s, 1)), mode(&e.s, 1));
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	env_down(&e);
}

static void
test_abort_each_state(void **state)
{
	struct opt o = { .vfs = 3, .qp = 2, .seed = 31 };
	struct vpf_mig_range r = { 0, MEM };
	struct mig_buf stream;
	struct env e;
	unsigned int s;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 2, 300), 0);
	save_stream(&e.s, 2, &stream);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 200), 0);
	for (s = 1; s < VPF_MIG_STATE_MAX; s++) {
		uint8_t d0[32], d1[32];
		struct vpf_mig_vf_info vi;
		uint64_t w0;

		digest(&e.s, 1, d0);
		assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, &r, 1, 4096), 0);
		/* With a complete stream loaded for RESUMING: as if nothing
		 * was written. */
		w0 = ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_CTX_WRITE);
		reach(&e, s, &stream);
		if (s == VPF_MIG_STATE_RESUMING)
			assert_true(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_CTX_WRITE) > w0);
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_RUNNING);
		assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
		digest(&e.s, 1, d1);
		assert_memory_equal(d0, d1, 32);
		assert_int_equal(vpf_mig_vf_info_get(e.s.mig, 1, &vi), 0);
		assert_false(vi.dirty_tracking);
		assert_false(vi.moved);
		assert_int_equal(vi.save_pending, 0);
		/* Still running: the workload moves it on. */
		assert_int_equal(vpf_model_guest_step(e.s.model, 1, 20), 0);
	}
	/* RESUMING -> STOP done (written, not applied), then abort. */
	{
		uint8_t d0[32], d1[32];

		digest(&e.s, 1, d0);
		reach(&e, VPF_MIG_STATE_RESUMING, &stream);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		digest(&e.s, 1, d1);
		assert_memory_equal(d0, d1, 32);
	}
	mig_buf_free(&stream);
	env_down(&e);
}

static void
test_precopy_info(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 8 };
	struct vpf_mig_precopy_info pi;
	struct mig_buf b;
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	memset(&b, 0, sizeof(b));
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 100), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_PRE_COPY), 0);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), 0);
	assert_int_equal(pi.round, 1);
	/* FACTS.md 8: initial_bytes is SIZE_GET(current) of the round;
	 * the stream bytes still to pull are pending_bytes. */
	assert_true(pi.initial_bytes == pi.round_size && pi.round_size > 0);
	assert_true(pi.pending_bytes > pi.round_size);
	assert_true(pi.dirty_bytes > 0);
	drain(&e.s, 1, &b, 100);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), 0);
	assert_int_equal(pi.pending_bytes, 0);
	assert_int_equal(pi.initial_bytes, pi.round_size);
	/* The guest runs; another round reads a fresh context. */
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 100), 0);
	assert_int_equal(vpf_mig_precopy_round(e.s.mig, 1), 0);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), 0);
	assert_int_equal(pi.round, 2);
	assert_true(pi.initial_bytes > 0);
	/* PRE_COPY_P2P reads a round of the Stop context. */
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_PRE_COPY_P2P), 0);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), 0);
	assert_int_equal(pi.round, 3);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), -EPERM);
	drain(&e.s, 1, &b, 333);
	{
		struct vpf_mig_stream_info si;

		assert_int_equal(vpf_mig_stream_validate(b.p, b.len, NULL, 0, &si), 0);
		assert_int_equal(si.precopy, 3);
		assert_true(si.final);
		assert_int_equal(si.src_vf, 1);
		assert_int_equal(si.num_queues, 2 * 2 + 1);	/* + control */
	}
	/* The whole stream loads on another VF; its state is the source's. */
	assert_int_equal(vpf_mig_set_state(e.d.mig, 2, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 2, b.p, b.len), 0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 2, VPF_MIG_STATE_RUNNING), 0);
	{
		uint8_t x[32], y[32];

		digest(&e.s, 1, x);
		digest(&e.d, 2, y);
		assert_memory_equal(x, y, 32);
	}
	mig_buf_free(&b);
	env_down(&e);
}

/* ---------------------------------------------------------------------------
 * Faults at each step
 * ------------------------------------------------------------------------- */

enum { ON_SRC, ON_DST };

/* The low-level sequence a hypervisor runs, one step per call, on VF
 * @p vf of both sides. */
static int
seq_step(struct env *e, uint16_t vf, unsigned int k)
{
	struct vpf_mig_compat c;
	size_t got;
	uint8_t tmp[512];
	int rc;

	switch (k) {
	case 0:
		return vpf_mig_check_compat(e->s.mig, vf, e->d.mig, vf, &c);
	case 1:
		return vpf_mig_set_state(e->d.mig, vf, VPF_MIG_STATE_RESUMING);
	case 2:
		return vpf_mig_set_state(e->s.mig, vf, VPF_MIG_STATE_PRE_COPY);
	case 3:
	case 6:
		for (;;) {
			rc = vpf_mig_save_read(e->s.mig, vf, tmp, sizeof(tmp), &got);
			if (rc || got == 0)
				return rc;
			rc = vpf_mig_load_write(e->d.mig, vf, tmp, got);
			if (rc)
				return rc;
		}
	case 4:
		return vpf_mig_precopy_round(e->s.mig, vf);
	case 5:
		return vpf_mig_set_state(e->s.mig, vf, VPF_MIG_STATE_STOP_COPY);
	case 7:
		return vpf_mig_set_state(e->d.mig, vf, VPF_MIG_STATE_RUNNING);
	default:
		return vpf_mig_set_state(e->s.mig, vf, VPF_MIG_STATE_STOP);
	}
}

#define NSTEPS 9

/* Which side step @p k talks to (the load steps: the destination). */
static bool
step_on_dst(unsigned int k)
{
	return k == 1 || k == 3 || k == 6 || k == 7;
}

static void
faults_at_each_step(enum vpf_model_fault_kind kind, uint32_t count,
		    uint32_t param, bool transient)
{
	/* Transient faults must never meet the deadline, however loaded the
	 * machine (ASan, parallel tests); hard ones hit it on purpose. */
	struct opt o = { .vfs = NSTEPS, .qp = 2, .seed = 41,
			 .timeout_us = transient ? 500000 : 20000 };
	unsigned int k, failed = 0;
	struct env e;

	/* Step k runs on VF k + 1 of both sides. */
	env_up(&e, &o, NULL);
	for (k = 0; k < NSTEPS; k++) {
		uint16_t vf = (uint16_t)(k + 1);
		uint8_t s0[32], d0[32], x[32], y[32];
		struct vpf_model *fm = step_on_dst(k) ? e.d.model : e.s.model;
		unsigned int i;
		int rc = 0;

		assert_int_equal(vpf_model_guest_step(e.s.model, vf, 300), 0);
		digest(&e.s, vf, s0);
		digest(&e.d, vf, d0);
		for (i = 0; i < NSTEPS && rc == 0; i++) {
			if (i == k)
				assert_int_equal(vpf_model_fault_inject(fm, vf, kind,
									count, param), 0);
			rc = seq_step(&e, vf, i);
			if (i == k)
				vpf_model_fault_clear(fm);
		}
		if (transient) {
			if (rc)
				fail_msg("%s at step %u: %s",
					 vpf_model_fault_name(kind), k,
					 vpf_last_error());
			digest(&e.s, vf, x);
			digest(&e.d, vf, y);
			assert_memory_equal(x, y, 32);
			assert_int_equal(mode(&e.d, vf), VPF_DEV_MODE_ACTIVE);
		} else if (rc && k == 7 &&
			   vfstate(&e.d, vf) == VPF_MIG_STATE_RUNNING) {
			/* The device activated but misreported the completion:
			 * the mode read back says so, the context is applied
			 * and the destination runs the guest. */
			failed++;
			assert_int_equal(mode(&e.d, vf), VPF_DEV_MODE_ACTIVE);
			digest(&e.s, vf, x);
			digest(&e.d, vf, y);
			assert_memory_equal(x, y, 32);
		} else if (rc) {
			/* Fails cleanly: abort both; source running with
			 * its digest unchanged, destination untouched. */
			failed++;
			assert_int_equal(vpf_mig_abort(e.s.mig, vf), 0);
			assert_int_equal(vpf_mig_abort(e.d.mig, vf), 0);
			assert_int_equal(mode(&e.s, vf), VPF_DEV_MODE_ACTIVE);
			assert_int_equal(mode(&e.d, vf), VPF_DEV_MODE_ACTIVE);
			digest(&e.s, vf, x);
			assert_memory_equal(x, s0, 32);
			digest(&e.d, vf, y);
			assert_memory_equal(y, d0, 32);
			assert_int_equal(vfstate(&e.s, vf), VPF_MIG_STATE_RUNNING);
			/* And the source still runs. */
			assert_int_equal(vpf_model_guest_step(e.s.model, vf, 30), 0);
			digest(&e.s, vf, x);
			assert_memory_not_equal(x, s0, 32);
		}
	}
	env_down(&e);
	/* Only the final STOP sends nothing (the VF is already in Freeze). */
	if (!transient)
		assert_true(failed >= NSTEPS - 1);
}

static void
test_faults_transient(void **state)
{
	(void)state;
	faults_at_each_step(VPF_MODEL_FAULT_EAGAIN, 3, 0, true);
	faults_at_each_step(VPF_MODEL_FAULT_FLR, 2, 300, true);
	faults_at_each_step(VPF_MODEL_FAULT_RESET, 1, 200, true);
	faults_at_each_step(VPF_MODEL_FAULT_DELAY, 2, 500, true);
	/* A duplicated completion is ignored by the engine. */
	faults_at_each_step(VPF_MODEL_FAULT_DUP, 1, 0, true);
}

static void
test_faults_hard(void **state)
{
	(void)state;
	faults_at_each_step(VPF_MODEL_FAULT_HANG, 1, 0, false);
	faults_at_each_step(VPF_MODEL_FAULT_EINVAL, 1, 0, false);
	/* EAGAIN beyond the retry bound is an error too, and so is an FLR
	 * that outlasts the command deadline (20 ms here). */
	faults_at_each_step(VPF_MODEL_FAULT_EAGAIN, 1000, 0, false);
	faults_at_each_step(VPF_MODEL_FAULT_FLR, 1, 200000, false);
	/* The device misreports a completion: the engine refuses it. */
	faults_at_each_step(VPF_MODEL_FAULT_BAD_LEN, 1, 0, false);
	faults_at_each_step(VPF_MODEL_FAULT_BAD_ID, 1, 0, false);
}

/* The driver with faults: transient ones are absorbed, a hang fails the
 * pair cleanly while the other pairs complete. */
static void
test_faults_driver(void **state)
{
	struct opt o = { .vfs = 4, .qp = 2, .seed = 51, .timeout_us = 20000 };
	struct vpf_mig_pair p[4];
	struct vpf_mig_opts mo;
	struct vpf_mig_result res;
	uint8_t s0[4][32], d0[4][32], x[32], y[32];
	struct env e;
	unsigned int i;

	(void)state;
	env_up(&e, &o, NULL);
	for (i = 0; i < 4; i++) {
		assert_int_equal(vpf_model_guest_step(e.s.model, i + 1, 100 + i), 0);
		digest(&e.s, i + 1, s0[i]);
		digest(&e.d, i + 1, d0[i]);
		p[i] = (struct vpf_mig_pair){ .src = e.s.mig,
					      .src_vf = (uint16_t)(i + 1),
					      .dst = e.d.mig,
					      .dst_vf = (uint16_t)(i + 1) };
	}
	/* VF 1: EAGAIN on the source; VF 2: FLR on the destination;
	 * VF 3: destination hangs; VF 4: destination refuses CTX_WRITE
	 * like a field-length mismatch (EINVAL / INVALID_FIELD). */
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_EAGAIN, 4, 0), 0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 2, VPF_MODEL_FAULT_FLR, 3, 300), 0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 3, VPF_MODEL_FAULT_HANG, 1, 0), 0);
	vpf_mig_opts_init(&mo);
	mo.precopy_rounds = 1;
	mo.no_preflight = true;
	mo.precopy_to_dst = false;
	assert_int_equal(vpf_mig_migrate(&mo, p, 3, &res), -ETIMEDOUT);
	assert_int_equal(res.ok, 2);
	assert_int_equal(res.failed, 1);
	assert_int_equal(p[0].rc, 0);
	assert_int_equal(p[1].rc, 0);
	assert_int_equal(p[2].rc, -ETIMEDOUT);
	assert_int_equal(p[2].failed_phase, VPF_MIG_PHASE_SETUP);
	assert_true(p[2].error[0] != '\0');
	for (i = 0; i < 2; i++) {
		digest(&e.s, i + 1, x);
		digest(&e.d, i + 1, y);
		assert_memory_equal(x, y, 32);
	}
	digest(&e.s, 3, x);
	assert_memory_equal(x, s0[2], 32);
	digest(&e.d, 3, y);
	assert_memory_equal(y, d0[2], 32);
	assert_int_equal(mode(&e.s, 3), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(mode(&e.d, 3), VPF_DEV_MODE_ACTIVE);

	/* VF 4: the destination refuses the CTX_WRITE (injected right
	 * before the load, through the per-VF API). */
	vpf_model_fault_clear(e.d.model);
	mo.precopy_rounds = 0;
	{
		assert_int_equal(vpf_mig_set_state(e.d.mig, 4, VPF_MIG_STATE_RESUMING), 0);
		assert_int_equal(vpf_model_fault_inject(e.d.model, 4, VPF_MODEL_FAULT_EINVAL, 1,
							(VPF_ADMIN_STATUS_EINVAL << 16) |
							VPF_ADMIN_SQ_INVALID_FIELD), 0);
		{
			struct mig_buf b;

			assert_int_equal(vpf_mig_set_state(e.s.mig, 4, VPF_MIG_STATE_STOP_COPY), 0);
			memset(&b, 0, sizeof(b));
			drain(&e.s, 4, &b, 4096);
			assert_int_equal(vpf_mig_load_write(e.d.mig, 4, b.p, b.len), -EINVAL);
			mig_buf_free(&b);
		}
		assert_int_equal(vpf_mig_set_state(e.d.mig, 4, VPF_MIG_STATE_STOP), -EINVAL);
		assert_int_equal(vfstate(&e.d, 4), VPF_MIG_STATE_STOP);
		assert_int_equal(vpf_mig_abort(e.d.mig, 4), 0);
		assert_int_equal(vpf_mig_abort(e.s.mig, 4), 0);
		digest(&e.s, 4, x);
		assert_memory_equal(x, s0[3], 32);
		digest(&e.d, 4, y);
		assert_memory_equal(y, d0[3], 32);
		assert_int_equal(mode(&e.s, 4), VPF_DEV_MODE_ACTIVE);
	}
	env_down(&e);
}

/* An abort's MODE_SET is done but its completion is refused (bad used
 * length): the cleanup reads the mode back, and the state follows the
 * device; if the read-back fails too, the VF is in ERROR. */
static void
test_abort_mode_set_misreported(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 58, .timeout_us = 20000 };
	struct env e;
	uint64_t g0;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_FREEZE);
	g0 = ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_GET);
	/* The abort's DISCARD gets a harmless 1 us delay; the PF-wide
	 * fault then meets its MODE_SET Active. */
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_DELAY, 1, 1), 0);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 0, VPF_MODEL_FAULT_BAD_LEN, 1, 0), 0);
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), -EIO);
	vpf_model_fault_clear(e.s.model);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_GET), g0 + 1);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_RUNNING);

	/* The read-back refused as well: the mode is unknown. */
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_DELAY, 1, 1), 0);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 0, VPF_MODEL_FAULT_BAD_LEN, 2, 0), 0);
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), -EIO);
	vpf_model_fault_clear(e.s.model);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_ERROR);
	assert_int_equal(vpf_mig_reset(e.s.mig, 1), 0);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_RUNNING);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	env_down(&e);
}

/* The destination's activating MODE_SET is done but its completion is
 * refused (bad used length): the mode read back says Active, the driver
 * counts the pair as migrated, and the downtime ends at that re-read
 * instead of wrapping around. */
static void
test_driver_active_misreported(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 57, .timeout_us = 20000 };
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	uint8_t x[32], y[32];
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 200), 0);
	/* The destination VF's commands: MODE_SET Freeze, FIELDS_QUERY,
	 * one CTX_WRITE (64 KiB chunks), MODE_SET Active. The first three
	 * get a harmless 1 us delay; the PF-wide fault then meets the
	 * fourth. */
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_DELAY, 3, 1), 0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 0, VPF_MODEL_FAULT_BAD_LEN, 1, 0), 0);
	vpf_mig_opts_init(&mo);
	mo.no_preflight = true;
	mo.chunk = 65536;
	p = (struct vpf_mig_pair){ .src = e.s.mig, .src_vf = 1,
				   .dst = e.d.mig, .dst_vf = 1 };
	if (vpf_mig_migrate(&mo, &p, 1, &res))
		fail_msg("%s", vpf_last_error());
	vpf_model_fault_clear(e.d.model);
	assert_int_equal(ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_CTX_WRITE), 1);
	assert_int_equal(ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_MODE_GET), 2);	/* scan + re-read */
	assert_true(vpf_mig_vf_error(e.d.mig, 1)[0] != '\0');
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	digest(&e.s, 1, x);
	digest(&e.d, 1, y);
	assert_memory_equal(x, y, 32);
	assert_int_equal(res.ok, 1);
	assert_true(p.downtime_ns > 0 && p.downtime_ns <= res.total_ns);
	assert_true(res.downtime_ns > 0 && res.downtime_ns <= res.total_ns);
	assert_true(p.t_active_ns >= p.t_freeze_ns && p.t_active_ns <= res.total_ns);
	env_down(&e);
}

/* ---------------------------------------------------------------------------
 * Streams refused before any CTX_WRITE
 * ------------------------------------------------------------------------- */

/* Offsets of the records of a stream (after the header). */
static unsigned int
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

/* Load @p s into dst VF 1 in pieces; @return the first error of the load
 * or of RESUMING -> STOP. No CTX_WRITE may have reached the device. */
static int
load_refused(struct env *e, const uint8_t *s, size_t len, int want)
{
	uint64_t w0 = ncmd(&e->d, 1, VPF_ADMIN_OP_DEV_CTX_WRITE);
	uint8_t d0[32], d1[32];
	size_t off = 0;
	int rc = 0, rs;

	digest(&e->d, 1, d0);
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	while (off < len && rc == 0) {
		size_t n = len - off < 97 ? len - off : 97;

		rc = vpf_mig_load_write(e->d.mig, 1, s + off, n);
		off += n;
	}
	if (rc)
		assert_int_equal(rc, want);
	rs = vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_STOP);
	assert_int_equal(rs, want);
	assert_int_equal(vfstate(&e->d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(ncmd(&e->d, 1, VPF_ADMIN_OP_DEV_CTX_WRITE), w0);
	/* Nothing applied when the VF runs again. */
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	digest(&e->d, 1, d1);
	assert_memory_equal(d0, d1, 32);
	return rs;
}

static void
test_streams_refused(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 61 };
	struct opt od = o;
	struct mig_buf good, bad;
	size_t off[8], len[8];
	unsigned int n;
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 300), 0);
	save_stream(&e.s, 1, &good);
	memset(&bad, 0, sizeof(bad));

	/* Sanity: the good stream loads. */
	assert_int_equal(vpf_mig_set_state(e.d.mig, 2, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 2, good.p, good.len), 0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 2, VPF_MIG_STATE_RUNNING), 0);

	/* Corrupt: a byte of every region (header, final record, END). */
	{
		size_t where[] = { 3, 20, MIG_HDR_FIXED + 5, good.len / 2,
				   good.len - 30, good.len - 1 };
		unsigned int i;

		for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
			mig_buf_reset(&bad);
			mig_buf_append(&bad, good.p, good.len);
			bad.p[where[i]] ^= 0x40;
			load_refused(&e, bad.p, bad.len,
				     where[i] == 3 ? -EBADMSG : -EBADMSG);
		}
	}
	/* Truncated anywhere, including just before the last byte. */
	{
		size_t cut[] = { 10, MIG_HDR_FIXED + 2, good.len / 2,
				 good.len - 20, good.len - 1 };
		unsigned int i;

		for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
			load_refused(&e, good.p, cut[i], -ENODATA);
	}
	/* Reordered: END before FINAL. */
	n = records(&good, off, len, 8);
	assert_int_equal(n, 2);
	mig_buf_reset(&bad);
	mig_buf_append(&bad, good.p, off[0]);
	mig_buf_append(&bad, good.p + off[1], len[1]);
	mig_buf_append(&bad, good.p + off[0], len[0]);
	load_refused(&e, bad.p, bad.len, -EBADMSG);
	/* A precopy stream with its records swapped. */
	{
		struct mig_buf pc;

		memset(&pc, 0, sizeof(pc));
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_PRE_COPY), 0);
		assert_int_equal(vpf_mig_precopy_round(e.s.mig, 1), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e.s, 1, &pc, 4096);
		n = records(&pc, off, len, 8);
		assert_int_equal(n, 4);
		mig_buf_reset(&bad);
		mig_buf_append(&bad, pc.p, off[0]);
		mig_buf_append(&bad, pc.p + off[1], len[1]);
		mig_buf_append(&bad, pc.p + off[0], len[0]);
		mig_buf_append(&bad, pc.p + off[2], len[2] + len[3]);
		load_refused(&e, bad.p, bad.len, -EBADMSG);
		mig_buf_free(&pc);
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
	}
	mig_buf_free(&good);
	mig_buf_free(&bad);
	env_down(&e);

	/* Incompatible: the destination's queues are smaller (its
	 * DEV_OWN_DESC maximum does not fit the source's). */
	od.vq_size = 64;
	env_up(&e, &o, &od);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 300), 0);
	save_stream(&e.s, 1, &good);
	load_refused(&e, good.p, good.len, -EPROTO);
	mig_buf_free(&good);
	env_down(&e);
}

/* Destination VF 1 in RESUMING with a complete stream of source VF 1
 * written (not applied); @p d0 its digest before. */
static void
dst_written(struct env *e, struct mig_buf *b, uint8_t d0[32])
{
	digest(&e->d, 1, d0);
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e->d.mig, 1, b->p, b->len), 0);
	assert_true(ncmd(&e->d, 1, VPF_ADMIN_OP_DEV_CTX_WRITE) > 0);
}

/* Abort, recover and detach never leave Freeze with a written context
 * they could not DISCARD (FACTS.md 4: leaving Freeze applies it): the
 * DISCARD is retried, and if it keeps failing the VF stays in Freeze
 * with nothing applied and the error is returned. */
static void
test_abort_discard_fails(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 5 };
	struct vpf_mig_vf_info vi;
	struct mig_buf b;
	uint8_t d0[32], d1[32];
	struct env e;
	uint64_t ms;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 300), 0);
	save_stream(&e.s, 1, &b);

	/* One failed DISCARD: tried again, the abort succeeds. */
	dst_written(&e, &b, d0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 1, 0), 0);
	assert_int_equal(vpf_mig_abort(e.d.mig, 1), 0);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	digest(&e.d, 1, d1);
	assert_memory_equal(d0, d1, 32);

	/* Every DISCARD fails: error, Freeze, nothing applied. */
	dst_written(&e, &b, d0);
	ms = ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_MODE_SET);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	assert_int_equal(vpf_mig_abort(e.d.mig, 1), -EINVAL);
	vpf_model_fault_clear(e.d.model);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_FREEZE);
	assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_MODE_SET), ms);
	assert_non_null(strstr(vpf_mig_vf_error(e.d.mig, 1), "stays in Freeze"));
	digest(&e.d, 1, d1);
	assert_memory_equal(d0, d1, 32);
	assert_int_equal(vpf_mig_vf_info_get(e.d.mig, 1, &vi), 0);
	assert_true(vi.moved);
	/* Once the device DISCARDs, the abort completes. */
	assert_int_equal(vpf_mig_abort(e.d.mig, 1), 0);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	digest(&e.d, 1, d1);
	assert_memory_equal(d0, d1, 32);

	/* The same for recover. */
	dst_written(&e, &b, d0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	assert_int_equal(vpf_mig_recover(e.d.mig, 1), -EINVAL);
	vpf_model_fault_clear(e.d.model);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_FREEZE);
	assert_int_not_equal(vfstate(&e.d, 1), VPF_MIG_STATE_RUNNING);
	digest(&e.d, 1, d1);
	assert_memory_equal(d0, d1, 32);
	assert_int_equal(vpf_mig_recover(e.d.mig, 1), 0);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	digest(&e.d, 1, d1);
	assert_memory_equal(d0, d1, 32);

	/* A failed RESUMING -> STOP whose DISCARD fails too: ERROR, so
	 * nothing can apply the written precopy context later. */
	{
		struct mig_buf pc;
		size_t off[8], len[8];

		memset(&pc, 0, sizeof(pc));
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_PRE_COPY), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e.s, 1, &pc, 4096);
		assert_int_equal(records(&pc, off, len, 8), 3);
		digest(&e.d, 1, d0);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
		/* Header and the precopy record: written to the device. */
		assert_int_equal(vpf_mig_load_write(e.d.mig, 1, pc.p, off[1]), 0);
		assert_true(ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_CTX_WRITE) > 0);
		assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), -ENODATA);
		vpf_model_fault_clear(e.d.model);
		assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_ERROR);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), -EPERM);
		assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_FREEZE);
		assert_int_equal(vpf_mig_reset(e.d.mig, 1), 0);
		assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
		digest(&e.d, 1, d1);
		assert_memory_equal(d0, d1, 32);

		/* Its DISCARD works: STOP, and RUNNING applies nothing. */
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
		assert_int_equal(vpf_mig_load_write(e.d.mig, 1, pc.p, off[1]), 0);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), -ENODATA);
		assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_STOP);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
		digest(&e.d, 1, d1);
		assert_memory_equal(d0, d1, 32);
		mig_buf_free(&pc);
	}

	/* Detach with restore: the VF stays in Freeze, nothing applied. */
	dst_written(&e, &b, d0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	vpf_mig_detach(e.d.mig);
	e.d.mig = NULL;
	vpf_model_fault_clear(e.d.model);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_FREEZE);
	digest(&e.d, 1, d1);
	assert_memory_equal(d0, d1, 32);
	mig_buf_free(&b);
	env_down(&e);
}

/* ---------------------------------------------------------------------------
 * Pre-flight, crash safety
 * ------------------------------------------------------------------------- */

static void
test_compat(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 71 };
	struct opt od = o;
	struct vpf_mig_compat c;
	uint8_t d0[32], d1[32];
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 100), 0);
	digest(&e.s, 1, d0);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 2, &c), 0);
	assert_true(c.compatible);
	assert_true(c.fields_checked);
	assert_int_equal(c.src_queues, 2 * 2 + 1);	/* + control */
	assert_int_equal(c.dst_queues, 2 * 2 + 1);
	assert_true(c.ctx_estimate > 0);
	assert_string_equal(c.warning, "");
	/* The source kept running, unchanged. */
	digest(&e.s, 1, d1);
	assert_memory_equal(d0, d1, 32);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.s.mig, 1, &c), -EINVAL);
	env_down(&e);

	/* Queue counts differ: refused before any downtime. */
	od.qp = 1;
	env_up(&e, &o, &od);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), -EPROTO);
	assert_false(c.compatible);
	assert_non_null(strstr(c.reason, "queue count"));
	{
		struct vpf_mig_pair p = { .src = e.s.mig, .src_vf = 1,
					  .dst = e.d.mig, .dst_vf = 1 };

		assert_int_equal(vpf_mig_migrate(NULL, &p, 1, NULL), -EPROTO);
		assert_int_equal(p.failed_phase, VPF_MIG_PHASE_PREFLIGHT);
		assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_MODE_SET), 0);
		assert_int_equal(ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_MODE_SET), 0);
	}
	env_down(&e);

	/* Queue sizes differ: FIELDS_QUERY lengths do not fit. */
	od = o;
	od.vq_size = 64;
	env_up(&e, &o, &od);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), -EPROTO);
	assert_non_null(strstr(c.reason, "VQ_SPLIT_DEV_OWN_DESC"));
	env_down(&e);

	/* No FIELDS_QUERY on the destination: a warning, not a refusal. */
	od = o;
	od.off = VPF_MODEL_OFF_FIELDS_QUERY;
	env_up(&e, &o, &od);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), 0);
	assert_true(c.compatible);
	assert_false(c.fields_checked);
	assert_non_null(strstr(c.warning, "FIELDS_QUERY"));
	{
		struct vpf_mig_pair p = { .src = e.s.mig, .src_vf = 1,
					  .dst = e.d.mig, .dst_vf = 1 };
		uint8_t x[32], y[32];

		assert_int_equal(vpf_mig_migrate(NULL, &p, 1, NULL), 0);
		digest(&e.s, 1, x);
		digest(&e.d, 1, y);
		assert_memory_equal(x, y, 32);
	}
	env_down(&e);
}

/* Without the pre-flight, an incompatible destination is caught by the
 * load checks: the pair fails before any CTX_WRITE, in precopy or in
 * stop-copy, and the source runs on unchanged. */
static void
test_driver_incompatible_stream(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 91 };
	struct opt od = o;
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	uint8_t s0[32], d0[32], x[32];
	struct env e;
	unsigned int pc;

	(void)state;
	od.vq_size = 64;
	env_up(&e, &o, &od);
	for (pc = 0; pc < 2; pc++) {
		uint16_t vf = (uint16_t)(1 + pc);

		assert_int_equal(vpf_model_guest_step(e.s.model, vf, 200), 0);
		digest(&e.s, vf, s0);
		digest(&e.d, vf, d0);
		vpf_mig_opts_init(&mo);
		mo.no_preflight = true;
		mo.precopy_rounds = pc;
		p = (struct vpf_mig_pair){ .src = e.s.mig, .src_vf = vf,
					   .dst = e.d.mig, .dst_vf = vf };
		assert_int_equal(vpf_mig_migrate(&mo, &p, 1, NULL), -EPROTO);
		assert_int_equal(p.failed_phase, pc ? VPF_MIG_PHASE_PRECOPY :
				 VPF_MIG_PHASE_STOP_COPY);
		assert_non_null(strstr(p.error, "VQ_SPLIT_DEV_OWN_DESC"));
		assert_int_equal(ncmd(&e.d, vf, VPF_ADMIN_OP_DEV_CTX_WRITE), 0);
		assert_int_equal(mode(&e.s, vf), VPF_DEV_MODE_ACTIVE);
		assert_int_equal(mode(&e.d, vf), VPF_DEV_MODE_ACTIVE);
		digest(&e.s, vf, x);
		assert_memory_equal(x, s0, 32);
		digest(&e.d, vf, x);
		assert_memory_equal(x, d0, 32);
	}
	env_down(&e);
}

/* The load side compares the header's queue count with the destination
 * VF's once a pre-flight read it: refused before any CTX_WRITE. */
static void
test_load_queue_count(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 93 };
	struct opt od = o;
	struct vpf_mig_compat c;
	struct mig_buf b;
	struct env e;

	(void)state;
	od.qp = 1;
	env_up(&e, &o, &od);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), -EPROTO);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 100), 0);
	save_stream(&e.s, 1, &b);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 1, b.p, b.len), -EPROTO);
	assert_non_null(strstr(vpf_last_error(), "queues"));
	assert_int_equal(ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_CTX_WRITE), 0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), -EPROTO);
	mig_buf_free(&b);
	env_down(&e);
}

/* A process dies with a destination VF in RESUMING, its context written:
 * the next process finds it in Freeze and must not apply the dead
 * process's context when it moves the VF on (DISCARD first). */
static void
test_orphan_written(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 83, .no_restore = true };
	struct vpf_mig_params gp;
	struct vpf_pf_params pp;
	uint8_t d0[32], d1[32];
	struct mig_buf b;
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 300), 0);
	save_stream(&e.s, 1, &b);
	digest(&e.d, 1, d0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 1, b.p, b.len), 0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), 0);
	/* The process "dies". */
	vpf_mig_detach(e.d.mig);
	vpf_pf_detach(e.d.pf);
	vpf_pf_params_init(&pp);
	pp.name = "dst";
	pp.reset_timeout_us = 50000;
	e.d.pf = vpf_pf_attach(&vpf_model_ops, e.d.model, &pp);
	assert_non_null(e.d.pf);
	vpf_mig_params_init(&gp);
	e.d.mig = vpf_mig_attach(e.d.pf, &gp);
	assert_non_null(e.d.mig);
	assert_int_equal(vpf_mig_orphans(e.d.mig, NULL, 0), 1);
	assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	digest(&e.d, 1, d1);
	assert_memory_equal(d0, d1, 32);
	mig_buf_free(&b);
	env_down(&e);
}

static void
test_crash_safety(void **state)
{
	struct opt o = { .vfs = 4, .qp = 1, .seed = 81, .no_restore = true };
	struct vpf_mig_orphan orph[4];
	struct vpf_mig_params gp;
	struct vpf_pf_params pp;
	uint8_t d0[32], d1[32];
	struct side sd;

	(void)state;
	side_up(&sd, "src", &o);
	assert_int_equal(vpf_mig_orphans(sd.mig, orph, 4), 0);
	assert_int_equal(vpf_model_guest_step(sd.model, 2, 100), 0);
	digest(&sd, 2, d0);
	/* A process "dies" mid-migration: VF 2 in Freeze (STOP_COPY), VF 3
	 * in Stop, nothing restored. */
	assert_int_equal(vpf_mig_set_state(sd.mig, 2, VPF_MIG_STATE_STOP_COPY), 0);
	assert_int_equal(vpf_mig_set_state(sd.mig, 3, VPF_MIG_STATE_RUNNING_P2P), 0);
	vpf_mig_detach(sd.mig);
	vpf_pf_detach(sd.pf);
	/* The next process attaches. */
	vpf_pf_params_init(&pp);
	pp.name = "src";
	pp.reset_timeout_us = 50000;
	sd.pf = vpf_pf_attach(&vpf_model_ops, sd.model, &pp);
	assert_non_null(sd.pf);
	vpf_mig_params_init(&gp);
	sd.mig = vpf_mig_attach(sd.pf, &gp);
	assert_non_null(sd.mig);
	assert_int_equal(vpf_mig_orphans(sd.mig, orph, 4), 2);
	assert_int_equal(orph[0].vf, 2);
	assert_int_equal(orph[0].mode, VPF_DEV_MODE_FREEZE);
	assert_int_equal(orph[1].vf, 3);
	assert_int_equal(orph[1].mode, VPF_DEV_MODE_STOP);
	assert_int_equal(vfstate(&sd, 2), VPF_MIG_STATE_STOP);
	assert_int_equal(vfstate(&sd, 3), VPF_MIG_STATE_RUNNING_P2P);
	/* The documented way back: the VF resumes with its state. */
	assert_int_equal(vpf_mig_recover(sd.mig, 2), 0);
	assert_int_equal(vpf_mig_recover(sd.mig, 3), 0);
	assert_int_equal(mode(&sd, 2), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(mode(&sd, 3), VPF_DEV_MODE_ACTIVE);
	digest(&sd, 2, d1);
	assert_memory_equal(d0, d1, 32);
	/* Detach restores Active for VFs this process moved, except a
	 * source marked complete. */
	assert_int_equal(vpf_mig_set_state(sd.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_mig_set_state(sd.mig, 2, VPF_MIG_STATE_PRE_COPY_P2P), 0);
	assert_int_equal(vpf_mig_set_state(sd.mig, 4, VPF_MIG_STATE_STOP_COPY), 0);
	assert_int_equal(vpf_mig_mark_complete(sd.mig, 4), 0);
	vpf_mig_detach(sd.mig);
	assert_int_equal(mode(&sd, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(mode(&sd, 2), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(mode(&sd, 4), VPF_DEV_MODE_FREEZE);
	vpf_pf_detach(sd.pf);
	vpf_model_destroy(sd.model);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_matrix),
		cmocka_unit_test(test_migrate_64_concurrent),
		cmocka_unit_test(test_migrate_threaded),
		cmocka_unit_test(test_async_api),
		cmocka_unit_test(test_async_many_words),
		cmocka_unit_test(test_async_busy_write),
		cmocka_unit_test(test_async_busy_discard),
		cmocka_unit_test(test_migrate_same_pf),
		cmocka_unit_test(test_progress_control),
		cmocka_unit_test(test_dirty_low_level),
		cmocka_unit_test(test_dirty_driver),
		cmocka_unit_test(test_every_arc_and_walk),
		cmocka_unit_test(test_single_arc_commands),
		cmocka_unit_test(test_refused_arcs),
		cmocka_unit_test(test_device_fatal),
		cmocka_unit_test(test_abort_each_state),
		cmocka_unit_test(test_precopy_info),
		cmocka_unit_test(test_faults_transient),
		cmocka_unit_test(test_faults_hard),
		cmocka_unit_test(test_faults_driver),
		cmocka_unit_test(test_driver_active_misreported),
		cmocka_unit_test(test_abort_mode_set_misreported),
		cmocka_unit_test(test_streams_refused),
		cmocka_unit_test(test_abort_discard_fails),
		cmocka_unit_test(test_compat),
		cmocka_unit_test(test_driver_incompatible_stream),
		cmocka_unit_test(test_crash_safety),
		cmocka_unit_test(test_load_queue_count),
		cmocka_unit_test(test_orphan_written),
	};

	/* MIG_TEST_FILTER=test_compat runs one test (while debugging). */
	if (getenv("MIG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("MIG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
