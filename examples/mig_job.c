/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Embedding a migration job (doc/migration.md, "Embedding: jobs"): the
 * application owns its poll loop; the migration of N VFs is one job that
 * the loop drives a bounded step at a time, between its own work, and that
 * Ctrl-C (SIGINT) cancels.
 *
 *   mig_job [NVFS] [--raise-sigint-in-precopy]
 *
 * Two software model PFs stand for the source and the destination device
 * (no EAL, no hugepages, no root). Exit status 0 when every VF migrated,
 * 2 when cancelled (every source still running with its state, every
 * destination with nothing applied), 1 on an error. With
 * --raise-sigint-in-precopy the program interrupts itself in the first
 * precopy report (as Ctrl-C would) and exits 0 when the job ended
 * cancelled with every source back in RUNNING.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpf_mig.h>
#include <vpf_mig_job.h>
#include <vpf_model.h>
#include <vpf_pf.h>

#define NVFS_MAX	64
/* Work units per poll: what one turn of the loop may spend on the
 * migration (0 would be VPF_MIG_BUDGET_DEFAULT). */
#define BUDGET		16

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;	/* the loop cancels the job: nothing else here */
}

/* A PF: a model, the driver attached to it, its migration layer. */
struct side {
	struct vpf_model *model;
	struct vpf_pf *pf;
	struct vpf_mig *mig;
};

static int
side_up(struct side *s, const char *name, uint16_t nvfs, uint64_t seed)
{
	struct vpf_model_params mp;
	struct vpf_pf_params pp;

	memset(s, 0, sizeof(*s));
	vpf_model_params_init(&mp);
	mp.name = name;
	mp.num_vfs = nvfs;
	mp.seed = seed;
	mp.guest_mem_size = 8u << 20;
	s->model = vpf_model_create(&mp);
	if (s->model == NULL)
		return -1;
	vpf_pf_params_init(&pp);
	pp.name = name;
	s->pf = vpf_pf_attach(&vpf_model_ops, s->model, &pp);
	if (s->pf == NULL)
		return -1;
	/* Right after the PF: the attach scan finds VFs a crashed owner left
	 * mid-migration (the journal directory is $VPF_JOURNAL_DIR or
	 * vpf_mig_params::journal_dir). */
	s->mig = vpf_mig_attach(s->pf, NULL);
	return s->mig != NULL ? 0 : -1;
}

static void
side_down(struct side *s)
{
	vpf_mig_detach(s->mig);		/* jobs are finished before this */
	vpf_pf_detach(s->pf);
	vpf_model_destroy(s->model);
}

/* What the application keeps about the migration. */
struct app {
	struct side *src;
	uint16_t nvfs;
	bool raise_in_precopy;
	uint64_t other_work;	/* stands for the dataplane's packets */
};

/*
 * Called from inside vpf_mig_job_poll() at the end of each phase (each
 * precopy round). The sources still run during precopy: a real hypervisor
 * copies the dirty guest pages here; this one moves the model's guest on.
 * It must not poll, finish or free the job.
 */
static int
progress(const struct vpf_mig_progress *p, void *arg)
{
	struct app *a = arg;

	printf("  %-9s", vpf_mig_phase_name(p->phase));
	if (p->phase == VPF_MIG_PHASE_PRECOPY)
		printf(" round %" PRIu32, p->round);
	printf(": %" PRIu32 "/%" PRIu32 " pairs failed, %" PRIu64
	       " stream bytes, %.3f ms\n", p->failed, p->pairs, p->bytes,
	       (double)(p->phase == VPF_MIG_PHASE_DONE ? p->elapsed_ns :
			p->phase_ns) / 1e6);
	if (p->phase == VPF_MIG_PHASE_PRECOPY) {
		for (uint16_t vf = 1; vf <= a->nvfs; vf++)
			(void)vpf_model_guest_step(a->src->model, vf, 20);
		if (a->raise_in_precopy)
			raise(SIGINT);	/* as if the operator pressed Ctrl-C */
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct vpf_mig_pair pairs[NVFS_MAX];
	struct vpf_mig_result res;
	struct vpf_mig_opts o;
	struct vpf_mig_job *job;
	struct side src, dst;
	struct app a;
	uint64_t polls = 0;
	int rc, ret = 1;

	memset(&a, 0, sizeof(a));
	a.nvfs = 8;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--raise-sigint-in-precopy") == 0)
			a.raise_in_precopy = true;
		else
			a.nvfs = (uint16_t)atoi(argv[i]);
	}
	if (a.nvfs < 1 || a.nvfs > NVFS_MAX) {
		fprintf(stderr, "mig_job: 1..%d VFs\n", NVFS_MAX);
		return 1;
	}
	signal(SIGINT, on_sigint);
	if (side_up(&src, "src", a.nvfs, 1) != 0 ||
	    side_up(&dst, "dst", a.nvfs, 2) != 0) {
		fprintf(stderr, "mig_job: set-up: %s\n", vpf_last_error());
		return 1;
	}
	a.src = &src;
	for (uint16_t vf = 1; vf <= a.nvfs; vf++) {
		(void)vpf_model_guest_step(src.model, vf, 100);
		pairs[vf - 1] = (struct vpf_mig_pair){
			.src = src.mig, .src_vf = vf,
			.dst = dst.mig, .dst_vf = vf,
		};
	}

	/* The job: everything vpf_mig_migrate() checks is checked here, and
	 * nothing is sent on a refusal. The options are copied; the pairs
	 * receive the results at vpf_mig_job_finish(). */
	vpf_mig_opts_init(&o);
	o.precopy_rounds = 2;
	o.progress = progress;
	o.arg = &a;
	rc = vpf_mig_job_start(&o, pairs, a.nvfs, &job);
	if (rc != 0) {
		fprintf(stderr, "mig_job: %s\n", vpf_last_error());
		goto out;
	}
	printf("migrating %u VFs from src to dst\n", a.nvfs);

	/* The application's loop: its own work, then a bounded step of the
	 * migration. Ctrl-C cancels; the job still needs polls to put every
	 * pair back, so the loop goes on until the job is done. */
	while (!vpf_mig_job_done(job)) {
		a.other_work++;			/* e.g. rte_eth_rx_burst() ... */
		if (interrupted == 1) {
			interrupted = 2;
			printf("  cancelling (%s)\n",
			       vpf_mig_phase_name(vpf_mig_job_phase(job)));
			vpf_mig_job_cancel(job);
		}
		(void)vpf_mig_job_poll(job, BUDGET);
		polls++;
	}

	rc = vpf_mig_job_finish(job, &res);
	printf("%s: %u ok, %u failed, downtime %.3f ms, %" PRIu64
	       " stream bytes, %" PRIu64 " polls, %" PRIu64
	       " turns of other work\n", rc == 0 ? "done" : vpf_last_error(),
	       res.ok, res.failed, (double)res.downtime_ns / 1e6, res.bytes,
	       polls, a.other_work);
	for (uint16_t i = 0; i < a.nvfs; i++)
		if (pairs[i].rc != 0)
			printf("  VF %u: %s in %s\n", pairs[i].src_vf,
			       pairs[i].error,
			       vpf_mig_phase_name(pairs[i].failed_phase));
	ret = rc == 0 ? 0 : rc == -ECANCELED ? 2 : 1;
	if (a.raise_in_precopy) {
		/* the self-check of the Ctrl-C path */
		ret = rc == -ECANCELED ? 0 : 1;
		for (uint16_t vf = 1; vf <= a.nvfs; vf++) {
			enum vpf_mig_state st;

			if (vpf_mig_get_state(src.mig, vf, &st) != 0 ||
			    st != VPF_MIG_STATE_RUNNING)
				ret = 1;
		}
	}
out:
	side_down(&dst);
	side_down(&src);
	return ret;
}
