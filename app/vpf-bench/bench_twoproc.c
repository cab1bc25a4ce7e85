/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Downtime of a 64-VF migration whose source and destination halves run
 * in two processes (vpf_mig_job_start_source() / _dest(), joined by a
 * Unix socket), beside the same migration in one process with two model
 * PFs (vpf_mig_migrate()), in the same run:
 *  - downtime_64vf_2proc_us: fork(); the child is the destination half
 *    with its own timed model PF of 64 VFs, the parent the source half
 *    with its own; first Freeze issued to last activation (the child's
 *    CLOCK_MONOTONIC, the same clock on one host), as the source reports
 *    it;
 *  - downtime_64vf_2pf_us: the same migration in one process, two timed
 *    model PFs, the in-process job. The metric belongs to the downtime
 *    group, which measures it always (beside its bound); this group sets
 *    it only when the downtime group did not run, and otherwise notes its
 *    own median;
 *  - downtime_64vf_2proc_vs_2pf: the two-process downtime over this
 *    group's own one-process samples, taken alternately with it (target
 *    <= 1.3). This group always runs 64 VFs (--vfs is the stopcopy and
 *    downtime groups').
 * The halves poll with the default budget, as an embedder's loop would,
 * and yield the CPU when a poll found nothing to do (each process has a
 * device thread too, on a machine that may have two CPUs). With -v, each
 * repetition also runs both halves in this process over a socketpair,
 * polled alternately: what the transport costs without a second process.
 * The timed model is bench_mig.c's: every command takes BENCH_SERVICE_US, 16
 * at once, activation costs BENCH_ACT_US per differing field, 8 queue pairs;
 * one precopy round, the guest running between it and stop-copy. The two
 * kinds alternate, on fresh models each repetition.
 */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vpf_mig.h"
#include "vpf_mig_job.h"
#include "vpf_mig_xport.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

#define NVF		64u
#define GUEST_OPS	64u

struct tp_arg {
	struct bench_trig *r;
	int rc;
};

/* The guest keeps running on the sources after the precopy round. */
static int
tp_progress(const struct vpf_mig_progress *p, void *arg)
{
	struct tp_arg *a = arg;

	if (p->phase != VPF_MIG_PHASE_PRECOPY)
		return 0;
	for (uint16_t vf = 1; vf <= NVF; vf++)
		if (vpf_model_guest_step(a->r->m, vf, GUEST_OPS) != 0)
			a->rc = -1;
	return 0;
}

static void
tp_opts(struct vpf_mig_opts *o, struct tp_arg *a)
{
	vpf_mig_opts_init(o);
	o->precopy_rounds = 1;
	o->chunk = 65536;
	o->progress = tp_progress;
	o->arg = a;
}

/* The destination process: its own timed model, the destination half
 * over @p fd. Exit status 0 when every pair was activated. */
static void __attribute__((noreturn))
tp_child(int fd, uint64_t seed)
{
	struct vpf_mig_pair pairs[NVF];
	struct vpf_mig_fd_xport fx;
	struct vpf_mig_opts o;
	struct vpf_mig_job *job;
	struct bench_trig r;
	int rc;

	alarm(120);
	if (bench_trig_up(&r, "dst", NVF, seed, &bench_draft) != 0)
		_exit(2);
	memset(pairs, 0, sizeof(pairs));
	for (unsigned int i = 0; i < NVF; i++) {
		pairs[i].dst = r.mig;
		pairs[i].dst_vf = (uint16_t)(1 + i);
	}
	vpf_mig_opts_init(&o);
	o.chunk = 65536;
	if (vpf_mig_xport_fd_init(&fx, fd, fd) != 0 ||
	    vpf_mig_job_start_dest(&o, pairs, NVF, &fx.x, &job) != 0) {
		fprintf(stderr, "vpf-bench: twoproc destination: %s\n",
			vpf_last_error());
		_exit(3);
	}
	while (!vpf_mig_job_done(job))
		if (vpf_mig_job_poll(job, 0) == 0)
			sched_yield();
	rc = vpf_mig_job_finish(job, NULL);
	if (rc)
		fprintf(stderr, "vpf-bench: twoproc destination: %s\n",
			vpf_last_error());
	bench_trig_down(&r);
	_exit(rc ? 4 : 0);
}

/* One 64-VF migration to a destination half in a child process. */
static int
run_2proc(uint64_t seed, double *us)
{
	struct vpf_mig_pair pairs[NVF];
	struct vpf_mig_fd_xport fx;
	struct vpf_mig_result res;
	struct vpf_mig_opts o;
	struct vpf_mig_job *job;
	struct tp_arg a;
	struct bench_trig r;
	int sv[2], st, rc, ret = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	/* The child first: it forks a process without the source's model
	 * thread. */
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		tp_child(sv[1], seed + 1000);
	}
	close(sv[1]);
	if (bench_trig_up(&r, "src", NVF, seed, &bench_draft) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		close(sv[0]);
		return -1;
	}
	for (uint16_t vf = 1; vf <= NVF; vf++)
		if (vpf_model_guest_step(r.m, vf, GUEST_OPS) != 0)
			goto out;
	memset(pairs, 0, sizeof(pairs));
	for (unsigned int i = 0; i < NVF; i++) {
		pairs[i].src = r.mig;
		pairs[i].src_vf = (uint16_t)(1 + i);
	}
	a.r = &r;
	a.rc = 0;
	tp_opts(&o, &a);
	if (vpf_mig_xport_fd_init(&fx, sv[0], sv[0]) != 0 ||
	    vpf_mig_job_start_source(&o, pairs, NVF, &fx.x, &job) != 0) {
		fprintf(stderr, "vpf-bench: twoproc source: %s\n",
			vpf_last_error());
		goto out;
	}
	while (!vpf_mig_job_done(job))
		if (vpf_mig_job_poll(job, 0) == 0)
			sched_yield();
	rc = vpf_mig_job_finish(job, &res);
	if (rc || a.rc) {
		fprintf(stderr, "vpf-bench: twoproc source: %s\n",
			rc ? vpf_last_error() : "workload failed");
		goto out;
	}
	*us = (double)res.downtime_ns / 1e3;
	ret = 0;
out:
	close(sv[0]);
	if (ret != 0)
		kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		if (ret == 0)
			fprintf(stderr, "vpf-bench: twoproc destination process failed (status 0x%x)\n",
				st);
		ret = -1;
	}
	bench_trig_down(&r);
	return ret;
}

/* Diagnostic: both halves in this process over a socketpair, polled
 * alternately (what the transport costs without a second process). */
static int
run_halves(uint64_t seed, double *us)
{
	struct vpf_mig_pair sp[NVF], dp[NVF];
	struct vpf_mig_fd_xport sx, dx;
	struct vpf_mig_result res;
	struct vpf_mig_opts o, od;
	struct vpf_mig_job *sj, *dj;
	struct tp_arg a;
	struct bench_trig s, d;
	int sv[2], ret = -1, rc;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	if (bench_trig_up(&s, "src", NVF, seed, &bench_draft) != 0)
		goto out0;
	if (bench_trig_up(&d, "dst", NVF, seed + 1000, &bench_draft) != 0)
		goto out1;
	for (uint16_t vf = 1; vf <= NVF; vf++)
		if (vpf_model_guest_step(s.m, vf, GUEST_OPS) != 0)
			goto out;
	memset(sp, 0, sizeof(sp));
	memset(dp, 0, sizeof(dp));
	for (unsigned int i = 0; i < NVF; i++) {
		sp[i].src = s.mig;
		sp[i].src_vf = (uint16_t)(1 + i);
		dp[i].dst = d.mig;
		dp[i].dst_vf = (uint16_t)(1 + i);
	}
	a.r = &s;
	a.rc = 0;
	tp_opts(&o, &a);
	vpf_mig_opts_init(&od);
	od.chunk = o.chunk;
	if (vpf_mig_xport_fd_init(&sx, sv[0], sv[0]) != 0 ||
	    vpf_mig_xport_fd_init(&dx, sv[1], sv[1]) != 0 ||
	    vpf_mig_job_start_dest(&od, dp, NVF, &dx.x, &dj) != 0)
		goto out;
	if (vpf_mig_job_start_source(&o, sp, NVF, &sx.x, &sj) != 0) {
		vpf_mig_job_finish(dj, NULL);
		goto out;
	}
	while (!vpf_mig_job_done(sj) || !vpf_mig_job_done(dj)) {
		vpf_mig_job_poll(sj, 0);
		vpf_mig_job_poll(dj, 0);
	}
	rc = vpf_mig_job_finish(sj, &res);
	if (vpf_mig_job_finish(dj, NULL) == 0 && rc == 0 && a.rc == 0) {
		*us = (double)res.downtime_ns / 1e3;
		ret = 0;
	}
out:
	bench_trig_down(&d);
out1:
	bench_trig_down(&s);
out0:
	close(sv[0]);
	close(sv[1]);
	return ret;
}

/* The same migration in one process, two model PFs. */
static int
run_2pf(uint64_t seed, double *us)
{
	struct vpf_mig_pair pairs[NVF];
	struct vpf_mig_result res;
	struct vpf_mig_opts o;
	struct tp_arg a;
	struct bench_trig s, d;
	int ret = -1;

	if (bench_trig_up(&s, "src", NVF, seed, &bench_draft) != 0)
		return -1;
	if (bench_trig_up(&d, "dst", NVF, seed + 1000, &bench_draft) != 0) {
		bench_trig_down(&s);
		return -1;
	}
	for (uint16_t vf = 1; vf <= NVF; vf++)
		if (vpf_model_guest_step(s.m, vf, GUEST_OPS) != 0)
			goto out;
	memset(pairs, 0, sizeof(pairs));
	for (unsigned int i = 0; i < NVF; i++) {
		pairs[i].src = s.mig;
		pairs[i].src_vf = (uint16_t)(1 + i);
		pairs[i].dst = d.mig;
		pairs[i].dst_vf = (uint16_t)(1 + i);
	}
	a.r = &s;
	a.rc = 0;
	tp_opts(&o, &a);
	if (vpf_mig_migrate(&o, pairs, NVF, &res) != 0 || a.rc) {
		fprintf(stderr, "vpf-bench: twoproc in one process: %s\n",
			a.rc ? "workload failed" : vpf_last_error());
		goto out;
	}
	*us = (double)res.downtime_ns / 1e3;
	ret = 0;
out:
	bench_trig_down(&d);
	bench_trig_down(&s);
	return ret;
}

int
bench_twoproc(void)
{
	unsigned int reps = bench_opts.quick ? 1 : bench_opts.reps;
	double *p2 = calloc(reps, sizeof(double));
	double *pf = calloc(reps, sizeof(double));
	double m2, mf;
	int ret = -1;

	if (p2 == NULL || pf == NULL)
		goto out;
	for (unsigned int i = 0; i < reps; i++) {
		/* Alternate the two, so that both see the same load. */
		if (run_2proc(300 + i, &p2[i]) != 0 ||
		    run_2pf(300 + i, &pf[i]) != 0)
			goto out;
		if (bench_opts.verbose) {
			double h = 0;

			(void)run_halves(300 + i, &h);
			fprintf(stderr, "# downtime 64 VFs rep %u: two processes %.0f us, one process two PFs %.0f us, both halves in one process %.0f us\n",
				i, p2[i], pf[i], h);
		}
	}
	m2 = bench_metric_samples("downtime_64vf_2proc_us", p2, reps);
	if (bench_metric_get("downtime_64vf_2pf_us", NULL)) {
		/* The downtime group's figure stays; the ratio takes the
		 * samples taken beside the two-process ones. */
		mf = bench_median(pf, reps);
		bench_note("twoproc: one process, two PFs, %u VFs: %.0f us "
			   "(downtime_64vf_2pf_us is the downtime group's, "
			   "%u VFs)", NVF, mf, bench_opts.nvf);
	} else {
		mf = bench_metric_samples("downtime_64vf_2pf_us", pf, reps);
	}
	bench_metric("downtime_64vf_2proc_vs_2pf", mf > 0 ? m2 / mf : 0);
	ret = 0;
out:
	free(p2);
	free(pf);
	return ret;
}
