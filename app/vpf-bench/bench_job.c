/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Migration jobs (include/vpf_mig_job.h) on the timing model of
 * bench_mig.c (every admin command takes BENCH_SERVICE_US, BENCH_CONCURRENCY at once,
 * BENCH_ACT_US per differing field on leaving Freeze; 8 queue pairs per VF).
 *
 * 256 VFs migrate through one job, one precopy round, from VFs 1..256 of
 * one timed model PF to VFs 1..256 of a second one (a model has at most
 * 256 VFs, so the one-PF layout of bench_mig.c cannot hold 256 pairs).
 * Each timed model runs a device thread (this group is not placed: it
 * sleeps while idle): on a two-CPU machine the two of them and the driver
 * share the CPUs, which shows in poll_max_us (a poll preempted by a
 * device thread).
 *  - poll_p99_us, poll_max_us: the duration of every vpf_mig_job_poll()
 *    call with the default budget (VPF_MIG_BUDGET_DEFAULT), the caller
 *    polling in a tight loop until the job is done; each duration goes to
 *    a preallocated array (nothing is allocated in the loop).
 *  - job_vs_blocking: that job's total time (start to done) over the time
 *    of vpf_mig_migrate() doing the same migration on a fresh model (the
 *    blocking wrapper polls without a budget). Median of the repetitions;
 *    the two runs of a repetition alternate which goes first.
 * Each run uses a fresh model, so every destination starts from the same
 * state. --quick runs one repetition with 64 VFs (the metric names keep
 * their meaning: the note says how many VFs).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_mig.h"
#include "vpf_mig_job.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

#define NVF_FULL	256u
#define NVF_QUICK	64u
#define GUEST_OPS	64u
/* Polls recorded per job; a job that polls more keeps the first ones
 * (the note says so). */
#define POLLS_MAX	(1u << 21)

/* What one run measured. */
struct jrun {
	uint64_t total_ns;
	uint64_t npolls;	/* polls made (may exceed those recorded) */
};

/* Migrate VFs 1..n of a fresh model to VFs 1..n of another: through a job
 * polled with the default budget, each poll's duration into @p polls
 * (POLLS_MAX), or (@p polls NULL) with the blocking vpf_mig_migrate(). */
static int
job_run(uint16_t n, uint64_t seed, uint32_t *polls, struct jrun *out)
{
	struct vpf_mig_pair *pairs = calloc(n, sizeof(*pairs));
	struct vpf_mig_result res;
	struct vpf_mig_job *job;
	struct vpf_mig_opts o;
	struct bench_trig r, d;
	uint64_t t0, t1;
	int ret = -1, rc;

	if (pairs == NULL)
		return -1;
	if (bench_trig_up(&r, "timed", n, seed, &bench_draft) != 0) {
		free(pairs);
		return -1;
	}
	if (bench_trig_up(&d, "timed", n, seed + 1000, &bench_draft) != 0) {
		bench_trig_down(&r);
		free(pairs);
		return -1;
	}
	for (uint16_t vf = 1; vf <= n; vf++)
		if (vpf_model_guest_step(r.m, vf, GUEST_OPS) != 0) {
			fprintf(stderr, "vpf-bench: guest step VF %u: %s\n", vf,
				vpf_last_error());
			goto out;
		}
	for (uint16_t i = 0; i < n; i++) {
		pairs[i].src = r.mig;
		pairs[i].src_vf = (uint16_t)(1 + i);
		pairs[i].dst = d.mig;
		pairs[i].dst_vf = (uint16_t)(1 + i);
	}
	vpf_mig_opts_init(&o);
	o.precopy_rounds = 1;
	o.chunk = 65536;
	out->npolls = 0;
	if (polls == NULL) {
		t0 = bench_now_ns();
		rc = vpf_mig_migrate(&o, pairs, n, &res);
		t1 = bench_now_ns();
	} else {
		t0 = bench_now_ns();
		rc = vpf_mig_job_start(&o, pairs, n, &job);
		if (rc == 0) {
			uint64_t a = bench_now_ns(), b;

			while (!vpf_mig_job_done(job)) {
				(void)vpf_mig_job_poll(job, 0);
				b = bench_now_ns();
				if (out->npolls < POLLS_MAX)
					polls[out->npolls] = (uint32_t)(b - a);
				out->npolls++;
				a = b;
			}
			t1 = bench_now_ns();
			rc = vpf_mig_job_finish(job, &res);
		} else {
			t1 = bench_now_ns();
		}
	}
	if (rc != 0) {
		fprintf(stderr, "vpf-bench: migrate %u VFs%s: %s\n", n,
			polls ? " (job)" : "", vpf_last_error());
		goto out;
	}
	out->total_ns = t1 - t0;
	ret = 0;
out:
	bench_trig_down(&d);
	bench_trig_down(&r);
	free(pairs);
	return ret;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
bench_job(void)
{
	unsigned int reps = bench_opts.quick ? 1 : bench_opts.reps;
	uint16_t n = bench_opts.quick ? NVF_QUICK : NVF_FULL;
	uint32_t *polls = malloc(POLLS_MAX * sizeof(uint32_t));
	double *p99 = calloc(reps, sizeof(double));
	double *pmax = calloc(reps, sizeof(double));
	double *ratio = calloc(reps, sizeof(double));
	uint64_t npolls = 0;
	int ret = -1;

	if (polls == NULL || p99 == NULL || pmax == NULL || ratio == NULL)
		goto out;
	for (unsigned int i = 0; i < reps; i++) {
		struct jrun j, b;
		size_t k;
		int rc;

		/* Alternate the order so that both see the same load. */
		if (i % 2 == 0)
			rc = job_run(n, 300 + i, polls, &j) ||
			     job_run(n, 300 + i, NULL, &b);
		else
			rc = job_run(n, 300 + i, NULL, &b) ||
			     job_run(n, 300 + i, polls, &j);
		if (rc)
			goto out;
		k = j.npolls < POLLS_MAX ? j.npolls : POLLS_MAX;
		if (k == 0)
			goto out;
		npolls = j.npolls;
		qsort(polls, k, sizeof(*polls), cmp_u32);
		p99[i] = polls[(k * 99) / 100 < k ? (k * 99) / 100 : k - 1] / 1e3;
		pmax[i] = polls[k - 1] / 1e3;
		ratio[i] = (double)j.total_ns / (double)b.total_ns;
		if (bench_opts.verbose)
			fprintf(stderr, "# job %u VFs rep %u: %" PRIu64 " polls, "
				"p50 %.2f us p99 %.2f us max %.2f us; job %.2f ms, "
				"blocking %.2f ms\n", n, i, j.npolls,
				polls[k / 2] / 1e3, p99[i], pmax[i],
				j.total_ns / 1e6, b.total_ns / 1e6);
	}
	bench_metric_samples("poll_p99_us", p99, reps);
	bench_metric_samples("poll_max_us", pmax, reps);
	bench_metric_samples("job_vs_blocking", ratio, reps);
	bench_note("job: %u VFs (two timed PFs of %u VFs), budget %u, %" PRIu64
		   " polls in the last job%s", n, n,
		   VPF_MIG_BUDGET_DEFAULT, npolls,
		   npolls > POLLS_MAX ? " (the first ones recorded)" : "");
	ret = 0;
out:
	free(polls);
	free(p99);
	free(pmax);
	free(ratio);
	return ret;
}
