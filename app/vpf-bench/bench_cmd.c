/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Admin command rate against the synchronous model (no timing model): the
 * model processes the queue inside the doorbell write and in ops->poll, so
 * the rate is the cost of driver + device software, with no waiting.
 *
 * cmd_rate_qd1:  DEV_MODE_GET with vpf_admin_exec(), one command at a time.
 * cmd_rate_qd32: 32 DEV_MODE_GETs kept in flight; each completion callback
 *                preps and resubmits its command; the loop only polls.
 * driver_ns_per_cmd: the driver's own share of a command at queue depth 32.
 *   Every backend op is bracketed by clock reads (bench_ops.c); the time
 *   inside the ops is the device's (device_ns_per_cmd), the rest of the
 *   wall-clock time is the driver's. The clock reads themselves run outside
 *   the bracketed window half of the time, so the driver's share includes
 *   about one clock read per op call: the figure errs on the driver's side.
 *   driver_ns_per_cmd_qd1 is the same split at queue depth 1.
 * allocs_per_cmd: heap allocations the driver made during the loops,
 *   divided by the commands (the goal: 0).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

#define QD 32

struct qd_state {
	struct vpf_pf *pf;
	uint16_t num_vfs;
	uint64_t submitted;
	uint64_t completed;
	uint64_t target;
	uint64_t errors;
	uint8_t modes[QD];
	struct vpf_admin_cmd cmds[QD];
};

static void
qd_done(struct vpf_admin_cmd *c)
{
	struct qd_state *s = c->arg;
	size_t i = (size_t)(c - s->cmds);

	s->completed++;
	if (c->rc != 0)
		s->errors++;
	if (s->submitted < s->target) {
		vpf_admin_prep_mode_get(c, (uint16_t)(1 + s->submitted %
						       s->num_vfs),
					&s->modes[i]);
		if (vpf_admin_submit(s->pf, c) == 0)
			s->submitted++;
		else
			s->errors++;
	}
}

/* Run @n commands at depth 32. 0 or -1. */
static int
run_qd32(struct bench_rig *r, struct qd_state *s, uint64_t n)
{
	memset(s, 0, sizeof(*s));
	s->pf = r->pf;
	s->num_vfs = r->num_vfs;
	s->target = n;
	for (size_t i = 0; i < QD && s->submitted < n; i++) {
		vpf_admin_prep_mode_get(&s->cmds[i],
					(uint16_t)(1 + i % r->num_vfs),
					&s->modes[i]);
		s->cmds[i].done = qd_done;
		s->cmds[i].arg = s;
		if (vpf_admin_submit(r->pf, &s->cmds[i]) != 0) {
			fprintf(stderr, "vpf-bench: submit: %s\n",
				vpf_last_error());
			return -1;
		}
		s->submitted++;
	}
	while (s->completed < s->submitted) {
		int rc = vpf_admin_poll(r->pf);

		if (rc < 0) {
			fprintf(stderr, "vpf-bench: poll: %s\n",
				vpf_last_error());
			return -1;
		}
	}
	if (s->errors) {
		fprintf(stderr, "vpf-bench: %" PRIu64 " of %" PRIu64
			" commands failed: %s\n", s->errors, n,
			vpf_last_error());
		return -1;
	}
	return 0;
}

static int
run_qd1(struct bench_rig *r, uint64_t n)
{
	struct vpf_admin_cmd c;
	uint8_t mode;

	memset(&c, 0, sizeof(c));
	for (uint64_t i = 0; i < n; i++) {
		vpf_admin_prep_mode_get(&c, (uint16_t)(1 + i % r->num_vfs),
					&mode);
		if (vpf_admin_exec(r->pf, &c) != 0) {
			fprintf(stderr, "vpf-bench: DEV_MODE_GET: %s\n",
				vpf_last_error());
			return -1;
		}
	}
	return 0;
}

struct sample {
	double rate;		/* cmd/s, untimed backend */
	double driver_ns;	/* timed backend: wall - inside, per cmd */
	double device_ns;	/* timed backend: inside, per cmd */
};

static int
measure(struct bench_rig *r, struct qd_state *s, bool qd32, uint64_t n,
	struct sample *out, uint64_t *allocs)
{
	struct bench_alloc_counts a0, a1;
	uint64_t t0, t1;
	int rc;

	/* Plain run: the rate, with nothing but the forwarding call added. */
	r->be.timed = false;
	bench_alloc_snapshot(&a0);
	t0 = bench_now_ns();
	rc = qd32 ? run_qd32(r, s, n) : run_qd1(r, n);
	t1 = bench_now_ns();
	bench_alloc_snapshot(&a1);
	if (rc)
		return -1;
	out->rate = (double)n * 1e9 / (double)(t1 - t0);
	*allocs += a1.driver_calls - a0.driver_calls;

	/* Timed run: the split between the driver and the device. */
	r->be.timed = true;
	r->be.ns_inside = 0;
	t0 = bench_now_ns();
	rc = qd32 ? run_qd32(r, s, n) : run_qd1(r, n);
	t1 = bench_now_ns();
	r->be.timed = false;
	if (rc)
		return -1;
	out->device_ns = (double)r->be.ns_inside / (double)n;
	out->driver_ns = (double)(t1 - t0 - r->be.ns_inside) / (double)n;
	return 0;
}

static void
metric_of(const char *name, const struct sample *s, unsigned int reps,
	  int which, double *v)
{
	for (unsigned int i = 0; i < reps; i++)
		v[i] = which == 0 ? s[i].rate :
		       which == 1 ? s[i].driver_ns : s[i].device_ns;
	bench_metric_samples(name, v, reps);
}

int
bench_cmd(void)
{
	uint64_t n = bench_opts.quick ? 20000 : 200000;
	unsigned int reps = bench_opts.reps;
	struct sample *s1 = calloc(reps, sizeof(*s1));
	struct sample *s32 = calloc(reps, sizeof(*s32));
	double *v = calloc(reps, sizeof(*v));
	struct qd_state *qs = calloc(1, sizeof(*qs));
	uint64_t allocs = 0, calls0;
	struct bench_rig r;
	int ret = -1;

	if (s1 == NULL || s32 == NULL || v == NULL || qs == NULL)
		goto out_free;
	if (bench_rig_up(&r, "bench", 4, 1u << 20) != 0)
		goto out_free;
	/* Warm up caches and the branch predictors. */
	if (run_qd1(&r, n / 10) != 0 || run_qd32(&r, qs, n / 10) != 0)
		goto out;
	calls0 = r.be.calls;
	for (unsigned int i = 0; i < reps; i++) {
		if (measure(&r, qs, false, n, &s1[i], &allocs) != 0 ||
		    measure(&r, qs, true, n, &s32[i], &allocs) != 0)
			goto out;
		if (bench_opts.verbose)
			fprintf(stderr, "# cmd rep %u: qd1 %.0f/s (%.0f+%.0f ns) "
				"qd32 %.0f/s (%.0f+%.0f ns)\n", i, s1[i].rate,
				s1[i].driver_ns, s1[i].device_ns, s32[i].rate,
				s32[i].driver_ns, s32[i].device_ns);
	}
	metric_of("cmd_rate_qd1", s1, reps, 0, v);
	metric_of("cmd_rate_qd32", s32, reps, 0, v);
	metric_of("driver_ns_per_cmd", s32, reps, 1, v);
	metric_of("driver_ns_per_cmd_qd1", s1, reps, 1, v);
	metric_of("device_ns_per_cmd", s32, reps, 2, v);
	bench_metric("allocs_per_cmd", (double)allocs / (double)(2 * n * reps));
	bench_note("cmd: %.2f backend op calls per command over all runs",
		   (double)(r.be.calls - calls0) / (double)(4 * n * reps));
	ret = 0;
out:
	bench_rig_down(&r);
out_free:
	free(qs);
	free(v);
	free(s1);
	free(s32);
	return ret;
}
