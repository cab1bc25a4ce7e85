/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli command: migrate, VFs through the migration API (vpf_mig.h,
 * doc/protocol.md §7, D-CLI.7, D-CLI.9, D-CLI.11): one VF, or lists and
 * ranges of them migrated together through vpf_mig_migrate()'s concurrent
 * path.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_mig.h"
#include "vpf_model.h"
#include "cli_cmds.h"

/* One `migrate`: the pairs of VFs, the options and what the layer said. */
struct mig_cmd {
	struct cli_pf *s, *d;
	unsigned int n;		/* pairs */
	uint16_t svf[CLI_VF_LIST_MAX], dvf[CLI_VF_LIST_MAX];
	char slist[64], dlist[64];	/* the lists, shortest form */
	uint32_t guest_ops;	/* guest= */
	bool force;		/* force= */
	struct vpf_mig_opts o;
	struct vpf_mig_pair pair[CLI_VF_LIST_MAX];
	struct vpf_mig_result res;
	double t0;
};

/* vpf_mig_opts::cancel: polled while the migration's commands are in
 * flight. */
static bool
mig_cancel(void *arg)
{
	RTE_SET_USED(arg);
	return cli_cancelled();
}

static int
mig_progress(const struct vpf_mig_progress *pr, void *arg)
{
	struct mig_cmd *m = arg;
	unsigned int i;

	switch (pr->phase) {
	case VPF_MIG_PHASE_PRECOPY:
		printf("progress: precopy round %u: bytes=%" PRIu64
		       " dirty-pages=%" PRIu64 " initial-bytes=%" PRIu64
		       " dirty-bytes=%" PRIu64 " time-us=%.1f\n", pr->round,
		       pr->bytes, pr->dirty_pages, pr->initial_bytes,
		       pr->dirty_bytes, pr->phase_ns / 1e3);
		/* The guests keep running between rounds: that is what
		 * makes the next round and the dirty log non-empty. */
		for (i = 0; m->guest_ops && m->s->model != NULL && i < m->n;
		     i++)
			(void)vpf_model_guest_step(m->s->model, m->svf[i],
						   m->guest_ops);
		break;
	case VPF_MIG_PHASE_STOP_COPY:
		printf("progress: stop-copy: bytes=%" PRIu64
		       " dirty-pages=%" PRIu64 " time-us=%.1f\n", pr->bytes,
		       pr->dirty_pages, pr->phase_ns / 1e3);
		break;
	case VPF_MIG_PHASE_DONE:
		break;
	default:
		printf("progress: %s: time-us=%.1f%s\n",
		       vpf_mig_phase_name(pr->phase), pr->phase_ns / 1e3,
		       pr->failed ? " (failed)" : "");
		break;
	}
	fflush(stdout);
	return 0;
}

/* ---- before: options and checks ----------------------------------------- */

static int
mig_opts(const struct cli_args *a, struct mig_cmd *m)
{
	uint32_t max = RTE_MIN(m->s->max_chunk, m->d->max_chunk);
	const char *opt;
	uint64_t v;
	int rc;

	vpf_mig_opts_init(&m->o);
	if ((opt = cli_kv_get(&a->kv, "precopy")) != NULL) {
		if (cli_parse_range(opt, false, 0, 1000, &v) < 0)
			return cli_fail(-EINVAL, "bad precopy '%s' (rounds, 0..1000)",
					opt);
		m->o.precopy_rounds = (uint32_t)v;
		m->o.precopy_to_dst = v > 0;
	}
	if ((opt = cli_kv_get(&a->kv, "dirty")) != NULL) {
		if (strcmp(opt, "on") != 0 && strcmp(opt, "off") != 0)
			return cli_fail(-EINVAL, "bad dirty '%s' (on or off)", opt);
		m->o.dirty = strcmp(opt, "on") == 0;
	}
	if ((opt = cli_kv_get(&a->kv, "guest")) != NULL) {
		if (cli_parse_range(opt, false, 0, UINT32_MAX, &v) < 0)
			return cli_fail(-EINVAL, "bad guest '%s' (operations)", opt);
		if (m->s->model == NULL)
			return cli_fail(-ENOTSUP, "guest= needs a model source");
		m->guest_ops = (uint32_t)v;
	}
	/* without chunk=, each PF's own chunk (the layer's default) */
	if (cli_kv_get(&a->kv, "chunk") != NULL &&
	    (rc = cli_opt_chunk(a, max, &m->o.chunk)) < 0)
		return rc;
	return cli_opt_force(a, &m->force);
}

/* The migration layer starts from running VFs: refuse VFs moved by hand,
 * or held by the layer, rather than guess their state (D-CLI.10). (A model
 * tells its modes without an admin command, so injected faults hit the
 * migration.) */
static int
mig_checks(struct mig_cmd *m, struct vpf_mig *ms, struct vpf_mig *md)
{
	unsigned int i;
	int rc;

	for (i = 0; i < m->n; i++) {
		/* A destination that already received a guest would lose
		 * it: refuse unless the operator says so. */
		rc = cli_mig_dst_free(m->d, m->dvf[i], m->force);
		if (rc < 0)
			return rc;
		if (m->s->vfs[m->svf[i]].wr_on || m->d->vfs[m->dvf[i]].wr_on)
			return cli_fail(-EBUSY,
					"write recording started with 'wr start' is on: 'wr stop' first");
	}
	for (i = 0; i < m->n; i++) {
		rc = cli_mig_vf_ready(m->s, ms, m->svf[i], "source", true);
		if (rc < 0)
			return rc;
		rc = cli_mig_vf_ready(m->d, md, m->dvf[i], "destination",
				      true);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- during ------------------------------------------------------------- */

/* A completed migration: the guest runs on the destination now. */
static void
mig_note_done(struct mig_cmd *m, unsigned int i)
{
	struct cli_vf *sv = &m->s->vfs[m->svf[i]], *dv = &m->d->vfs[m->dvf[i]];

	sv->migrated = true;
	sv->moved = true;
	snprintf(sv->migrated_to, sizeof(sv->migrated_to), "%s vf %u",
		 m->d->name, m->dvf[i]);
	sv->target = false;
	dv->moved = false;
	dv->migrated = false;
	dv->target = true;
	snprintf(dv->target_of, sizeof(dv->target_of), "%s vf %u",
		 m->s->name, m->svf[i]);
}

/* The destination holds the whole state and is not resumed yet: where a
 * hypervisor has copied the guest's RAM. Between two model PFs of the 1.4
 * dialect the rings' positions live there (guest memory, not device
 * parts), so vpf-cli, playing the hypervisor, moves them (D-CLI.15). */
static int
mig_before_resume(const struct vpf_mig_pair *p, void *arg)
{
	struct mig_cmd *m = arg;
	int rc;

	if (m->s->model == NULL || m->d->model == NULL)
		return 0;
	rc = vpf_model_guest_ring_move(m->s->model, p->src_vf, m->d->model,
				       p->dst_vf);
	if (rc == -ENOTSUP)	/* draft dialect: rings are in the context */
		return 0;
	return rc;
}

/* Both PFs' migration layers: the persistent ones (cli_pf_mig(),
 * D-CLI.9). */
static int
mig_layers(struct mig_cmd *m, struct vpf_mig **ms, struct vpf_mig **md)
{
	*ms = cli_pf_mig(m->s);
	if (*ms == NULL)
		return -EIO;
	*md = m->d == m->s ? *ms : cli_pf_mig(m->d);
	return *md == NULL ? -EIO : 0;
}

static int
mig_run(struct mig_cmd *m, struct vpf_mig *ms, struct vpf_mig *md)
{
	unsigned int i;
	int rc;

	m->o.progress = mig_progress;
	m->o.cancel = mig_cancel;
	m->o.before_resume = mig_before_resume;
	m->o.arg = m;
	for (i = 0; i < m->n; i++) {
		m->pair[i].src = ms;
		m->pair[i].src_vf = m->svf[i];
		m->pair[i].dst = md;
		m->pair[i].dst_vf = m->dvf[i];
	}
	if (m->n == 1)
		printf("migrate: %s vf %u -> %s vf %u (precopy %u, dirty %s)\n",
		       m->s->name, m->svf[0], m->d->name, m->dvf[0],
		       m->o.precopy_rounds, m->o.dirty ? "on" : "off");
	else
		printf("migrate: %s vf %s -> %s vf %s (%u pairs, precopy %u, "
		       "dirty %s)\n", m->s->name, m->slist, m->d->name,
		       m->dlist, m->n, m->o.precopy_rounds,
		       m->o.dirty ? "on" : "off");
	fflush(stdout);
	cli_dev_begin(m->s);
	cli_dev_begin(m->d);
	vpf_error_clear();
	m->t0 = cli_now();
	rc = vpf_mig_migrate(&m->o, m->pair, m->n, &m->res);
	for (i = 0; i < m->n; i++) {
		/* A job that never started (refused options, busy VFs, too
		 * few 1.4 objects, no dirty tracking) leaves every pair's rc
		 * 0 and its result empty: nothing moved. */
		if (m->pair[i].rc == 0 && m->res.pairs > 0)
			mig_note_done(m, i);
		else
			cli_mig_note(m->s, m->svf[i], NULL);
		cli_mig_note(m->d, m->dvf[i], NULL);
	}
	return rc;
}

/* ---- after: what happened ----------------------------------------------- */

static bool
mig_was_cancelled(int rc)
{
	return rc == -ECANCELED && cli_cancelled();
}

static uint64_t
ctx_bytes(const struct mig_cmd *m)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < m->n; i++)
		sum += m->pair[i].ctx_bytes;
	return sum;
}

static void
mig_print_result(const struct mig_cmd *m, int rc)
{
	unsigned int i;

	/* one line per pair when there are several */
	for (i = 0; m->n > 1 && i < m->n; i++) {
		const struct vpf_mig_pair *pr = &m->pair[i];

		printf("pair: %s vf %u -> %s vf %u: %s downtime-us=%.1f "
		       "bytes=%" PRIu64 "%s%s%s\n", m->s->name, pr->src_vf,
		       m->d->name, pr->dst_vf, pr->rc == 0 ? "ok" :
		       pr->rc == -ECANCELED ? "cancelled" : "failed",
		       pr->downtime_ns / 1e3, pr->bytes,
		       pr->rc ? " (" : "", pr->rc ? pr->error : "",
		       pr->rc ? ")" : "");
	}
	printf("status: %s\n", rc == 0 ? "ok" :
	       mig_was_cancelled(rc) ? "cancelled" : "failed");
	if (m->n > 1) {
		printf("pairs: %u\n", m->n);
		printf("ok: %u\n", m->res.ok);
		printf("failed: %u\n", m->res.failed);
	}
	printf("total-time-us: %.1f\n", m->res.total_ns / 1e3);
	printf("downtime-us: %.1f\n", m->res.downtime_ns / 1e3);
	if (m->n > 1)
		printf("downtime-max-us: %.1f\n", m->res.downtime_max_ns / 1e3);
	printf("bytes: %" PRIu64 "\n", m->res.bytes);
	printf("precopy-bytes: %" PRIu64 "\n", m->res.precopy_bytes);
	printf("context-bytes: %" PRIu64 "\n", ctx_bytes(m));
	printf("precopy-rounds: %u\n", m->res.precopy_rounds);
	printf("pages: %" PRIu64 "\n", m->res.pages);
	printf("cmds: %" PRIu64 "\n", m->res.cmds);
	printf("elapsed-s: %.3f\n", cli_now() - m->t0);
}

/* Where a cancel found the migration: the phase of the first pair it
 * stopped. */
static void
mig_where(const struct mig_cmd *m, char *where, size_t len)
{
	enum vpf_mig_phase ph = VPF_MIG_PHASE_DONE;
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->pair[i].rc != 0) {
			ph = m->pair[i].failed_phase;
			break;
		}
	if (ph == VPF_MIG_PHASE_PRECOPY)
		snprintf(where, len, "precopy round %u", m->res.precopy_rounds);
	else
		snprintf(where, len, "%s", vpf_mig_phase_name(ph));
}

static const char *
src_fate(bool ok, uint8_t mode)
{
	return !ok ? "in an unknown mode" :
	       mode == VPF_DEV_MODE_ACTIVE ? "running (active)" :
	       vpf_dev_mode_name(mode);
}

static const char *
dst_fate(bool ok, uint8_t mode)
{
	return !ok ? "in an unknown mode" :
	       mode == VPF_DEV_MODE_ACTIVE ?
	       "discarded (active, nothing applied)" :
	       vpf_dev_mode_name(mode);
}

/* Say what the library left, as the devices tell it. */
static int
mig_cancelled(struct mig_cmd *m)
{
	struct cli_pf *s = m->s, *d = m->d;
	unsigned int i, srun = 0, dfree = 0, done = 0;
	uint8_t mode = 0, dmode = 0;
	bool sok = true, dok = true;
	char where[48];

	mig_where(m, where, sizeof(where));
	for (i = 0; i < m->n; i++) {
		if (m->pair[i].rc == 0) {
			done++;		/* its activation was issued */
			continue;
		}
		sok = cli_vf_mode(s, m->svf[i], &mode) == 0;
		dok = cli_vf_mode(d, m->dvf[i], &dmode) == 0;
		if (sok && mode != VPF_DEV_MODE_ACTIVE)
			s->vfs[m->svf[i]].moved = true;	/* restored at exit */
		if (dok && dmode != VPF_DEV_MODE_ACTIVE)
			d->vfs[m->dvf[i]].moved = true;
		srun += sok && mode == VPF_DEV_MODE_ACTIVE;
		dfree += dok && dmode == VPF_DEV_MODE_ACTIVE;
	}
	if (m->n == 1)
		printf("cancelled: migrate %s vf %u -> %s vf %u after %.3f s "
		       "(in %s); source %s vf %u %s, destination %s vf %u "
		       "%s\n", s->name, m->svf[0], d->name, m->dvf[0],
		       cli_now() - m->t0, where, s->name, m->svf[0],
		       src_fate(sok, mode), d->name, m->dvf[0],
		       dst_fate(dok, dmode));
	else
		printf("cancelled: migrate %s vf %s -> %s vf %s after %.3f s "
		       "(in %s); sources running (active): %u of %u, "
		       "destinations discarded (active, nothing applied): %u "
		       "of %u%s\n", s->name, m->slist, d->name, m->dlist,
		       cli_now() - m->t0, where, srun, m->n - done, dfree,
		       m->n - done, done ? "; pairs already activating "
		       "completed (see pair: lines)" : "");
	return cli_fail(-ECANCELED, "migrate cancelled by %s",
			cli_signal_name(cli_signal));
}

static int
mig_failed(const struct mig_cmd *m, int rc)
{
	const struct vpf_mig_pair *pr = &m->pair[0];
	char text[768], dev[128] = "", who[160] = "";
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->pair[i].rc != 0) {
			pr = &m->pair[i];
			break;
		}
	if (m->n > 1)
		snprintf(who, sizeof(who), " for %u of %u pairs (first: %s vf "
			 "%u -> %s vf %u)", m->res.failed, m->n, m->s->name,
			 pr->src_vf, m->d->name, pr->dst_vf);
	/* name the device's answer if one of the PFs gave an error */
	if (!cli_dev_status(m->s, dev, sizeof(dev)) && m->d != m->s)
		cli_dev_status(m->d, dev, sizeof(dev));
	snprintf(text, sizeof(text), "migration failed%s in %s: %s", who,
		 vpf_mig_phase_name(pr->failed_phase),
		 pr->error[0] ? pr->error : vpf_last_error());
	return cli_fail_text(rc, dev, text);
}

static int
digest_of(struct cli_pf *p, uint16_t vf, char hex[65])
{
	uint8_t d[32];
	int rc;

	vpf_error_clear();
	rc = vpf_model_digest(p->model, vf, d);
	if (rc < 0)
		return cli_fail(rc, "digest of %s vf %u: %s", p->name, vf,
				vpf_last_error());
	vpf_model_digest_hex(d, hex);
	return 0;
}

/* The digests of every pair that migrated: 0 all equal, 1 one differs,
 * or a reported negative errno. */
static int
mig_digests(const struct mig_cmd *m)
{
	unsigned int i, differ = 0;
	char sh[65], dh[65];
	int rc;

	if (m->n == 1)
		return cli_digest_compare(m->s, m->svf[0], m->d, m->dvf[0]);
	for (i = 0; i < m->n; i++) {
		if (m->pair[i].rc != 0)
			continue;
		if ((rc = digest_of(m->s, m->svf[i], sh)) < 0 ||
		    (rc = digest_of(m->d, m->dvf[i], dh)) < 0)
			return rc;
		differ += strcmp(sh, dh) != 0;
		printf("pair-digest: %s vf %u -> %s vf %u: %s %s\n",
		       m->s->name, m->svf[i], m->d->name, m->dvf[i],
		       strcmp(sh, dh) == 0 ? "equal" : "different", dh);
	}
	printf("digest: %s\n", differ ? "different" : "equal");
	return differ != 0;
}

/* <src-vf> and <dst-vf>: a VF, a range or a list each, as many on both
 * sides; no VF twice, also across the sides of one PF. */
static int
mig_lists(const struct cli_args *a, struct mig_cmd *m)
{
	const char *sl = cli_arg(a, "src-vf"), *dl = cli_arg(a, "dst-vf");
	char err[256];
	unsigned int i, j;
	int ns, nd, rc;

	/* one VF: the errors of every other VF command */
	if (sl[strspn(sl, "0123456789")] == '\0' &&
	    (rc = cli_pf_vf(a, "src-pf", "src-vf", &m->s, &m->svf[0])) < 0)
		return rc;
	if (dl[strspn(dl, "0123456789")] == '\0' &&
	    (rc = cli_pf_vf(a, "dst-pf", "dst-vf", &m->d, &m->dvf[0])) < 0)
		return rc;
	ns = cli_parse_vf_list(sl, m->s->num_vfs, m->svf, RTE_DIM(m->svf),
			       err, sizeof(err));
	if (ns < 0)
		return cli_fail(ns, "source %s: %s", m->s->name, err);
	nd = cli_parse_vf_list(dl, m->d->num_vfs, m->dvf, RTE_DIM(m->dvf),
			       err, sizeof(err));
	if (nd < 0)
		return cli_fail(nd, "destination %s: %s", m->d->name, err);
	if (ns != nd)
		return cli_fail(-EINVAL, "%d source VF%s (%s) but %d "
				"destination VF%s (%s): both lists need the "
				"same count", ns, ns == 1 ? "" : "s", sl, nd,
				nd == 1 ? "" : "s", dl);
	m->n = (unsigned int)ns;
	cli_fmt_vf_list(m->svf, m->n, m->slist, sizeof(m->slist));
	cli_fmt_vf_list(m->dvf, m->n, m->dlist, sizeof(m->dlist));
	if (m->s != m->d)
		return 0;
	for (i = 0; i < m->n; i++)
		for (j = 0; j < m->n; j++)
			if (m->svf[i] == m->dvf[j])
				return cli_fail(-EINVAL, m->n == 1 ?
						"source and destination are the same VF" :
						"%s vf %u is both a source and a "
						"destination", m->s->name,
						m->svf[i]);
	return 0;
}

static int
cmd_migrate(struct cli_args *a)
{
	struct vpf_mig *ms = NULL, *md = NULL;
	struct mig_cmd *m;
	unsigned int i;
	int rc;

	/* the pairs are too large for the stack */
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return cli_fail(-ENOMEM, "out of memory");
	rc = cli_pf_vf(a, "src-pf", NULL, &m->s, NULL);
	if (rc == 0)
		rc = cli_pf_vf(a, "dst-pf", NULL, &m->d, NULL);
	if (rc == 0)
		rc = mig_lists(a, m);
	if (rc == 0)
		rc = mig_opts(a, m);
	if (rc == 0)
		rc = mig_layers(m, &ms, &md);
	if (rc == 0)
		rc = mig_checks(m, ms, md);
	if (rc < 0)
		goto out;

	rc = mig_run(m, ms, md);
	mig_print_result(m, rc);
	if (mig_was_cancelled(rc)) {
		rc = mig_cancelled(m);
		goto out;
	}
	if (rc == 0 && cli_cancelled())
		printf("note: %s came after %s vf %s was being activated: "
		       "too late to cancel; the migration completed\n",
		       cli_signal_name(cli_signal), m->d->name, m->dlist);
	if (rc < 0) {
		/* the pairs that did migrate are checked all the same */
		for (i = 0; m->n > 1 && i < m->n && m->s->model != NULL &&
		     m->d->model != NULL; i++)
			if (m->pair[i].rc == 0) {
				(void)mig_digests(m);
				break;
			}
		rc = mig_failed(m, rc);
		goto out;
	}
	if (m->s->model == NULL || m->d->model == NULL) {
		printf("digest: not-checked\n");
		goto out;
	}
	rc = mig_digests(m);
	if (rc > 0)
		rc = cli_fail(-EIO, "destination state differs from the source");
out:
	free(m);
	return rc;
}

static const struct cli_opt opts[] = {
	{ "precopy=<rounds>", "0", "no precopy round; 0..1000" },
	{ "dirty=on|off", "off", "no dirty-page tracking" },
	{ "guest=<ops>", "0", "the guest does not run between rounds; a model "
	  "source only" },
	{ "chunk=<bytes>", "4096", "each PF's chunk; a multiple of 8" },
	{ "force=yes|no", "no", "a destination that received a migration is "
	  "refused" },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "migrate <src-pf> <src-vf> <dst-pf> <dst-vf> [precopy=<rounds>] "
	  "[dirty=on|off] [guest=<ops>] [chunk=<bytes>] [force=yes|no]",
	  "migrate a VF, or VFs together (<src-vf>, <dst-vf>: 3 | 1-8 | "
	  "1,3,5, as many on both sides) with the migration API: progress "
	  "per phase, then time, downtime, bytes, pages and the digest "
	  "check; a destination that already received a migration is "
	  "refused unless force=yes; Ctrl-C cancels (the sources keep "
	  "running)", cmd_migrate, opts, CLI_ON_ARGS },
};

const struct cli_cmd_group cli_group_migrate = {
	"migrate", "migration through the migration API (vpf_mig.h)", cmds,
	RTE_DIM(cmds)
};
