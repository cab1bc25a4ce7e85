/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * End-to-end migrations through vpf_mig_migrate() with the source
 * workload running until the stop: a matrix over seeds, queue counts,
 * chunk sizes and precopy settings; 64 VFs at once (concurrent, serial,
 * with an admin queue far smaller than the commands in flight); a
 * threaded device with service times; pairs in opposite directions and
 * within one PF; the stop window.
 */

#include "mig_harness.h"
#include <inttypes.h>

#include "mig/mig_vf.h"
#include "vpf_mig_job.h"
#include "../vpf_test_time.h"

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
		uint8_t ds[32], d0[32];
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
		/* 1.4 has no device-side dirty tracking (D-MIG14.5). */
		mo.dirty = !v14() && (i % 3) == 0;
		mo.ranges = &(struct vpf_mig_range){ 0, MEM };
		mo.nranges = 1;
		mo.serial = (i % 7) == 0;
		mo.progress = wl_progress;
		mo.arg = &w;
		p = mig_pair(&ep->s, k, &ep->d, j);
		if (vpf_mig_migrate(&mo, &p, 1, &res))
			fail_msg("case %u: %s", i, vpf_last_error());
		assert_int_equal(p.rc, 0);
		assert_int_equal(res.ok, 1);
		assert_int_equal(w.last_round, mo.precopy_rounds);
		assert_int_equal(w.calls[VPF_MIG_PHASE_STOP_COPY], 1);
		assert_int_equal(w.calls[VPF_MIG_PHASE_RESUME], 1);
		assert_int_equal(w.calls[VPF_MIG_PHASE_DONE], 1);
		/* The source stays in Freeze (1.4: stopped): its digest is
		 * the one at the stop. */
		assert_int_equal(mode(&ep->s, k), dmode(VPF_DEV_MODE_FREEZE));
		assert_int_equal(mode(&ep->d, j), VPF_DEV_MODE_ACTIVE);
		assert_int_equal(vfstate(&ep->s, k), VPF_MIG_STATE_STOP);
		assert_int_equal(vfstate(&ep->d, j), VPF_MIG_STATE_RUNNING);
		assert_same_vf(&ep->s, k, &ep->d, j);
		assert_true(p.bytes > p.ctx_bytes && p.ctx_bytes > 0);
		assert_true(res.downtime_ns > 0 && res.downtime_ns <= res.total_ns);
		assert_int_equal(res.downtime_ns, p.downtime_ns);
		if (mo.precopy_rounds && mo.precopy_to_dst)
			assert_true(ncmd(&ep->d, j,
					 dop(VPF_ADMIN_OP_DEV_CTX_WRITE)) > 1);
		/* The destination runs the guest now. */
		assert_int_equal(vpf_model_guest_step(ep->d.model, j, 20), 0);
	}
	for (i = 0; i < 3; i++)
		env_down(&envs[i]);
}

static void
run_many(bool serial, bool precopy, uint16_t aq)
{
	/* (1.4: a job's pairs must fit the PFs' device-parts objects) */
	struct opt o = { .vfs = 64, .qp = 1, .seed = 7, .aq_size = aq,
			 .parts_limit = 64 };
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
		p[i] = mig_pair(&e.s, (uint16_t)(i + 1), &e.d, (uint16_t)(64 - i));
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
		assert_int_equal(p[i].rc, 0);
		assert_same_vf(&e.s, i + 1, &e.d, 64 - i);
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

/* A device thread with service times and concurrency: completions come
 * asynchronously, out of the poll that submitted them. */
static void
test_migrate_threaded(void **state)
{
	struct opt o = { .vfs = 16, .qp = 2, .seed = 13, .service_us = 20,
			 .parts_limit = 16 };
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
			p[i] = mig_pair(&e.s, vf, &e.d, vf);
		}
		vpf_mig_opts_init(&mo);
		mo.precopy_rounds = 2;
		/* 1.4: no dirty tracking, precopy re-reads the state. */
		mo.dirty = !v14();
		mo.ranges = &r;
		mo.nranges = 1;
		mo.serial = pass == 1;
		mo.progress = wl_progress;
		mo.arg = &w;
		if (vpf_mig_migrate(&mo, p, 8, &res))
			fail_msg("%s", vpf_last_error());
		assert_int_equal(res.ok, 8);
		for (i = 0; i < 8; i++) {
			assert_same_vf(&e.s, vfs[i], &e.d, vfs[i]);
			if (!v14())
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

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 200), 0);
	assert_int_equal(vpf_model_guest_step(e.d.model, 2, 300), 0);
	memset(p, 0, sizeof(p));
	p[0] = mig_pair(&e.s, 1, &e.s, 3);
	p[1] = mig_pair(&e.d, 2, &e.s, 4);
	assert_int_equal(vpf_mig_migrate(NULL, p, 2, NULL), 0);
	assert_same_vf(&e.s, 1, &e.s, 3);
	assert_same_vf(&e.d, 2, &e.s, 4);
	/* A VF used twice is refused before anything happens. */
	p[1].dst_vf = 3;
	p[0].src_vf = 2;
	assert_int_equal(vpf_mig_migrate(NULL, p, 2, NULL), -EINVAL);
	env_down(&e);
}

struct hook {
	struct env *e;
	unsigned int calls;
	int rc;			/* what the hook returns */
	bool dst_stopped;	/* the destination was not resumed yet */
};

static int
before_resume(const struct vpf_mig_pair *p, void *arg)
{
	struct hook *h = arg;

	h->calls++;
	h->dst_stopped = vfstate(&h->e->d, p->dst_vf) != VPF_MIG_STATE_RUNNING &&
			 mode(&h->e->d, p->dst_vf) != VPF_DEV_MODE_ACTIVE;
	return h->rc;
}

/* vpf_mig_opts::before_resume runs once per pair, after the destination
 * holds the whole state and before it runs; its failure fails the pair
 * like a failed load (the source runs on, its guest unchanged). */
static void
test_migrate_before_resume(void **state)
{
	struct opt o = { .vfs = 4, .qp = 2, .seed = 5 };
	struct vpf_mig_pair p[2];
	struct vpf_mig_opts mo;
	struct hook h = { 0 };
	uint8_t before[32];
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	h.e = &e;
	vpf_mig_opts_init(&mo);
	mo.before_resume = before_resume;
	mo.arg = &h;
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 100), 0);
	assert_int_equal(vpf_model_guest_step(e.s.model, 2, 100), 0);
	p[0] = mig_pair(&e.s, 1, &e.d, 1);
	p[1] = mig_pair(&e.s, 2, &e.d, 2);
	assert_int_equal(vpf_mig_migrate(&mo, p, 2, NULL), 0);
	assert_int_equal(h.calls, 2);
	assert_true(h.dst_stopped);
	assert_same_vf(&e.s, 1, &e.d, 1);

	h.calls = 0;
	h.rc = -EIO;
	digest(&e.s, 3, before);
	p[0] = mig_pair(&e.s, 3, &e.d, 3);
	assert_int_equal(vpf_mig_migrate(&mo, p, 1, NULL), -EIO);
	assert_int_equal(p[0].rc, -EIO);
	assert_int_equal(h.calls, 1);
	assert_running(&e.s, 3);
	assert_digest(&e.s, 3, before);
	assert_guest_runs(&e.s, 3, 50);
	env_down(&e);
}

/*
 * The stop window (vpf_mig_opts::stop_window): 24 pairs on a threaded
 * device of 8 engines and 2 ms a command. With an explicit window the
 * pairs from the window's size on stop only after some pair's stop arc (at
 * least two commands, 4 ms) ended; with every stop at once they all stop
 * within one command's time. The learned window is twice the estimate the
 * source PF holds when the stop-copy begins (read by the precopy report;
 * test/pf checks the estimate itself): an estimate inflated by a
 * loaded machine (waves seen late look like one) only makes the window
 * larger. The window is empty again afterwards.
 */
#define SW_N		24u
#define SW_SERVICE_US	2000u

struct sw_ctx {
	struct env *e;
	uint32_t conc;		/* the source's estimate at stop-copy */
};

static int
sw_progress(const struct vpf_mig_progress *pr, void *arg)
{
	struct sw_ctx *x = arg;

	if (pr->phase == VPF_MIG_PHASE_PRECOPY)
		x->conc = vpf_admin_concurrency(x->e->s.pf);
	return 0;
}

static void
stop_window_run(uint32_t window)
{
	struct opt o = { .vfs = SW_N, .qp = 1, .seed = 5,
			 .service_us = SW_SERVICE_US, .parts_limit = 2 * SW_N };
	struct vpf_mig_pair p[SW_N];
	struct vpf_mig_opts mo;
	struct vpf_mig_result res;
	uint64_t t0 = UINT64_MAX;
	struct env e;
	struct sw_ctx x = { .e = &e };
	unsigned int i, held = window;

	env_up(&e, &o, NULL);
	mig_pairs_same_vf(&e, p, SW_N);
	vpf_mig_opts_init(&mo);
	mo.precopy_rounds = 1;
	mo.stop_window = window;
	mo.progress = sw_progress;
	mo.arg = &x;
	if (vpf_mig_migrate(&mo, p, SW_N, &res))
		fail_msg("%s", vpf_last_error());
	assert_int_equal(res.ok, SW_N);
	if (window == 0) {
		/* The precopy round had the queue full: 8 engines, or more
		 * when the poll saw waves late. */
		assert_in_range(x.conc, 8, SW_N);
		held = 2 * x.conc > VPF_MIG_STOP_WINDOW_MIN ?
		       2 * x.conc : VPF_MIG_STOP_WINDOW_MIN;
		print_message("learned concurrency %u: window %u\n", x.conc,
			      held);
	}
	for (i = 0; i < SW_N; i++)
		t0 = p[i].t_freeze_ns < t0 ? p[i].t_freeze_ns : t0;
	for (i = 0; i < SW_N; i++) {
		uint64_t t = p[i].t_freeze_ns - t0;

		assert_same_vf(&e.s, (uint16_t)(i + 1), &e.d,
			       (uint16_t)(i + 1));
		if (i >= held && t < 2 * SW_SERVICE_US * 1000ull)
			fail_msg("window %u: pair %u stopped %" PRIu64
				 " us after the first, before any arc ended",
				 held, i, t / 1000);
		if (held >= SW_N && t >= SW_SERVICE_US * 1000ull * 3 / 4)
			fail_msg("no window: pair %u stopped %" PRIu64
				 " us after the first", i, t / 1000);
	}
	assert_int_equal(e.s.mig->stop_arcs, 0);
	env_down(&e);
}

static void
test_stop_window(void **state)
{
	(void)state;
	stop_window_run(0);
	stop_window_run(4);
	stop_window_run(VPF_MIG_STOP_WINDOW_ALL);
}

/* Poll @p job until it is done or @p us have passed. @return done. */
static bool
poll_until_done(struct vpf_mig_job *job, uint64_t us)
{
	uint64_t t_end = vpf_test_now_us() + us;

	while (!vpf_mig_job_done(job) && vpf_test_now_us() < t_end)
		(void)vpf_mig_job_poll(job, 0);
	return vpf_mig_job_done(job);
}

/* The reads of VFs 1 and 2 are refused from the stop-copy on (the setup
 * report is the last one before it). */
static int
refuse_reads(const struct vpf_mig_progress *pr, void *arg)
{
	struct env *e = arg;
	uint16_t vf;

	if (pr->phase == VPF_MIG_PHASE_SETUP)
		for (vf = 1; vf <= 2; vf++)
			assert_int_equal(vpf_model_fault_inject_op(e->s.model,
					 vf, dop(VPF_ADMIN_OP_DEV_CTX_READ),
					 VPF_MODEL_FAULT_EINVAL, 1, 0), 0);
	return 0;
}

/* A pair that fails in its stop arc leaves the window: with a window of 2
 * and the first two pairs' reads refused, the other pairs still stop and
 * migrate (a window still holding the failed pairs would hold them for
 * ever; the poll loop is bounded). */
static void
test_stop_window_failure(void **state)
{
	struct opt o = { .vfs = 6, .qp = 1, .seed = 7, .service_us = 200,
			 .parts_limit = 12 };
	struct vpf_mig_pair p[6];
	struct vpf_mig_opts mo;
	struct vpf_mig_result res;
	struct vpf_mig_job *job;
	unsigned int i;
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	mig_pairs_same_vf(&e, p, 6);
	vpf_mig_opts_init(&mo);
	mo.stop_window = 2;
	mo.progress = refuse_reads;
	mo.arg = &e;
	assert_int_equal(vpf_mig_job_start(&mo, p, 6, &job), 0);
	/* 5 s at most: the job itself takes a few ms */
	if (!poll_until_done(job, 5000000)) {
		/* stuck: cancel it (bounded) before failing */
		vpf_mig_job_cancel(job);
		(void)poll_until_done(job, 5000000);
		(void)vpf_mig_job_finish(job, &res);
		fail_msg("the job did not end: the window held failed pairs");
	}
	assert_int_not_equal(vpf_mig_job_finish(job, &res), 0);
	assert_int_equal(res.failed, 2);
	assert_int_equal(res.ok, 4);
	for (i = 0; i < 6; i++) {
		if (i < 2) {
			assert_int_not_equal(p[i].rc, 0);
			assert_int_equal(p[i].failed_phase,
					 VPF_MIG_PHASE_STOP_COPY);
			assert_running(&e.s, (uint16_t)(i + 1));
		} else {
			assert_int_equal(p[i].rc, 0);
			assert_same_vf(&e.s, (uint16_t)(i + 1), &e.d,
				       (uint16_t)(i + 1));
		}
	}
	assert_int_equal(e.s.mig->stop_arcs, 0);
	env_down(&e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_migrate_matrix),
	cmocka_unit_test(test_migrate_64_concurrent),
	cmocka_unit_test(test_migrate_threaded),
	cmocka_unit_test(test_migrate_same_pf),
	cmocka_unit_test(test_migrate_before_resume),
	cmocka_unit_test(test_stop_window),
	cmocka_unit_test(test_stop_window_failure),
)
