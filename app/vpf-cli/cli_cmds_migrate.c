/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli command: migrate, a VF through the migration API (vpf_mig.h,
 * doc/protocol.md §7, D-CLI.4, D-CLI.7).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_mig.h"
#include "vpf_model.h"
#include "cli_cmds.h"

/* One `migrate`: the two VFs, the options and what the layer said. */
struct mig_cmd {
	struct cli_pf *s, *d;
	uint16_t svf, dvf;
	uint32_t guest_ops;	/* guest= */
	bool force;		/* force= */
	struct vpf_mig_opts o;
	struct vpf_mig_pair pair;
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

	switch (pr->phase) {
	case VPF_MIG_PHASE_PRECOPY:
		printf("progress: precopy round %u: bytes=%" PRIu64
		       " dirty-pages=%" PRIu64 " initial-bytes=%" PRIu64
		       " dirty-bytes=%" PRIu64 " time-us=%.1f\n", pr->round,
		       pr->bytes, pr->dirty_pages, pr->initial_bytes,
		       pr->dirty_bytes, pr->phase_ns / 1e3);
		/* The guest keeps running between rounds: that is what
		 * makes the next round and the dirty log non-empty. */
		if (m->guest_ops && m->s->model != NULL)
			(void)vpf_model_guest_step(m->s->model, m->svf,
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

/* The migration layer starts from running VFs: refuse VFs moved by hand
 * rather than guess their state. (A model tells its modes without an
 * admin command, so injected faults hit the migration.) */
static int
mig_need_active(struct cli_pf *p, uint16_t vf, const char *role)
{
	uint8_t mode;
	char what[48];
	int rc;

	cli_dev_begin(p);
	rc = cli_vf_mode(p, vf, &mode);
	if (rc < 0) {
		snprintf(what, sizeof(what), "DEV_MODE_GET (%s)", role);
		return cli_fail_dev(p, rc, what);
	}
	if (mode != VPF_DEV_MODE_ACTIVE)
		return cli_fail(-EBUSY, "%s %s vf %u is in %s, not active "
				"(mode set %s %u active)", role, p->name, vf,
				vpf_dev_mode_name(mode), p->name, vf);
	return 0;
}

static int
mig_checks(struct mig_cmd *m)
{
	struct cli_pf *d = m->d;
	char from[CLI_NAME_LEN + 16];
	int rc;

	/* A destination that already received a guest would lose it:
	 * refuse unless the operator says so. */
	if (!m->force && d->vfs[m->dvf].target)
		return cli_fail(-EBUSY, "destination %s vf %u is the target of "
				"a completed migration (from %s): the guest runs "
				"there; force=yes to overwrite it", d->name,
				m->dvf, d->vfs[m->dvf].target_of);
	if (!m->force && cli_manual_target(d, m->dvf, from, sizeof(from)))
		return cli_fail(-EBUSY, "destination %s vf %u is the target of "
				"a migration in progress (a context of %s was "
				"written to it with ctx write); force=yes to "
				"overwrite it", d->name, m->dvf, from);
	if (m->s->vfs[m->svf].wr_on || d->vfs[m->dvf].wr_on)
		return cli_fail(-EBUSY,
				"write recording started with 'wr start' is on: 'wr stop' first");
	rc = mig_need_active(m->s, m->svf, "source");
	if (rc < 0)
		return rc;
	return mig_need_active(d, m->dvf, "destination");
}

/* ---- during ------------------------------------------------------------- */

static int
mig_layer(struct cli_pf *p, struct vpf_mig **m)
{
	struct vpf_mig_params mp;

	vpf_mig_params_init(&mp);
	/* vpf-cli keeps its own view of what it moved by hand; the layer
	 * lives for one `migrate` and puts back what it moved unless the
	 * migration completed (doc/protocol.md D-CLI.4). */
	mp.scan = false;
	mp.restore_on_detach = true;
	vpf_error_clear();
	*m = vpf_mig_attach(p->pf, &mp);
	if (*m == NULL)
		return cli_fail(errno ? -errno : -EIO,
				"no migration layer on %s%s%s", p->name,
				vpf_last_error()[0] ? ": " : "",
				vpf_last_error());
	return 0;
}

/* A completed migration: the guest runs on the destination now. */
static void
mig_note_done(struct mig_cmd *m)
{
	struct cli_vf *sv = &m->s->vfs[m->svf], *dv = &m->d->vfs[m->dvf];

	sv->migrated = true;
	sv->moved = true;
	snprintf(sv->migrated_to, sizeof(sv->migrated_to), "%s vf %u",
		 m->d->name, m->dvf);
	sv->target = false;
	dv->moved = false;
	dv->migrated = false;
	dv->target = true;
	snprintf(dv->target_of, sizeof(dv->target_of), "%s vf %u",
		 m->s->name, m->svf);
}

/* One layer per PF, for this command only (doc/protocol.md D-CLI.4). */
static int
mig_layers(struct mig_cmd *m, struct vpf_mig **ms, struct vpf_mig **md)
{
	int rc;

	rc = mig_layer(m->s, ms);
	if (rc < 0)
		return rc;
	if (m->d == m->s) {
		*md = *ms;
		return 0;
	}
	rc = mig_layer(m->d, md);
	if (rc < 0)
		vpf_mig_detach(*ms);
	return rc;
}

static int
mig_run(struct mig_cmd *m, struct vpf_mig *ms, struct vpf_mig *md)
{
	int rc;

	m->o.progress = mig_progress;
	m->o.cancel = mig_cancel;
	m->o.arg = m;
	m->pair.src = ms;
	m->pair.src_vf = m->svf;
	m->pair.dst = md;
	m->pair.dst_vf = m->dvf;
	printf("migrate: %s vf %u -> %s vf %u (precopy %u, dirty %s)\n",
	       m->s->name, m->svf, m->d->name, m->dvf, m->o.precopy_rounds,
	       m->o.dirty ? "on" : "off");
	fflush(stdout);
	cli_dev_begin(m->s);
	cli_dev_begin(m->d);
	vpf_error_clear();
	m->t0 = cli_now();
	rc = vpf_mig_migrate(&m->o, &m->pair, 1, &m->res);
	if (rc == 0)
		mig_note_done(m);
	if (md != ms)
		vpf_mig_detach(md);
	vpf_mig_detach(ms);
	return rc;
}

/* ---- after: what happened ----------------------------------------------- */

static bool
mig_was_cancelled(int rc)
{
	return rc == -ECANCELED && cli_cancelled();
}

static void
mig_print_result(const struct mig_cmd *m, int rc)
{
	printf("status: %s\n", rc == 0 ? "ok" :
	       mig_was_cancelled(rc) ? "cancelled" : "failed");
	printf("total-time-us: %.1f\n", m->res.total_ns / 1e3);
	printf("downtime-us: %.1f\n", m->res.downtime_ns / 1e3);
	printf("bytes: %" PRIu64 "\n", m->res.bytes);
	printf("precopy-bytes: %" PRIu64 "\n", m->res.precopy_bytes);
	printf("context-bytes: %" PRIu64 "\n", m->pair.ctx_bytes);
	printf("precopy-rounds: %u\n", m->res.precopy_rounds);
	printf("pages: %" PRIu64 "\n", m->res.pages);
	printf("cmds: %" PRIu64 "\n", m->res.cmds);
}

/* Say what the library left, as the devices tell it. */
static int
mig_cancelled(struct mig_cmd *m)
{
	struct cli_pf *s = m->s, *d = m->d;
	uint8_t mode, dmode;
	bool sok = cli_vf_mode(s, m->svf, &mode) == 0;
	bool dok = cli_vf_mode(d, m->dvf, &dmode) == 0;
	char where[48];

	if (m->pair.failed_phase == VPF_MIG_PHASE_PRECOPY)
		snprintf(where, sizeof(where), "precopy round %u",
			 m->res.precopy_rounds);
	else
		snprintf(where, sizeof(where), "%s",
			 vpf_mig_phase_name(m->pair.failed_phase));

	if (sok && mode != VPF_DEV_MODE_ACTIVE)
		s->vfs[m->svf].moved = true;	/* restored at exit */
	if (dok && dmode != VPF_DEV_MODE_ACTIVE)
		d->vfs[m->dvf].moved = true;
	printf("cancelled: migrate %s vf %u -> %s vf %u after %.3f s "
	       "(in %s); source %s vf %u %s, destination %s vf %u "
	       "%s\n", s->name, m->svf, d->name, m->dvf, cli_now() - m->t0,
	       where, s->name, m->svf,
	       !sok ? "in an unknown mode" :
	       mode == VPF_DEV_MODE_ACTIVE ? "running (active)" :
	       vpf_dev_mode_name(mode), d->name, m->dvf,
	       !dok ? "in an unknown mode" :
	       dmode == VPF_DEV_MODE_ACTIVE ?
	       "discarded (active, nothing applied)" :
	       vpf_dev_mode_name(dmode));
	return cli_fail(-ECANCELED, "migrate cancelled by %s",
			cli_signal_name(cli_signal));
}

static int
mig_failed(const struct mig_cmd *m, int rc)
{
	char text[512], dev[128] = "";

	/* name the device's answer if one of the PFs gave an error */
	if (!cli_dev_status(m->s, dev, sizeof(dev)) && m->d != m->s)
		cli_dev_status(m->d, dev, sizeof(dev));
	snprintf(text, sizeof(text), "migration failed in %s: %s",
		 vpf_mig_phase_name(m->pair.failed_phase),
		 m->pair.error[0] ? m->pair.error : vpf_last_error());
	return cli_fail_text(rc, dev, text);
}

static int
cmd_migrate(struct cli_args *a)
{
	struct vpf_mig *ms, *md;
	struct mig_cmd m;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = cli_pf_vf(a, "src-pf", "src-vf", &m.s, &m.svf);
	if (rc < 0)
		return rc;
	rc = cli_pf_vf(a, "dst-pf", "dst-vf", &m.d, &m.dvf);
	if (rc < 0)
		return rc;
	if (m.s == m.d && m.svf == m.dvf)
		return cli_fail(-EINVAL, "source and destination are the same VF");
	if ((rc = mig_opts(a, &m)) < 0 || (rc = mig_checks(&m)) < 0)
		return rc;

	rc = mig_layers(&m, &ms, &md);
	if (rc < 0)
		return rc;
	rc = mig_run(&m, ms, md);
	mig_print_result(&m, rc);
	if (mig_was_cancelled(rc))
		return mig_cancelled(&m);
	if (rc == 0 && cli_cancelled())
		printf("note: %s came after %s vf %u was being activated: "
		       "too late to cancel; the migration completed\n",
		       cli_signal_name(cli_signal), m.d->name, m.dvf);
	if (rc < 0)
		return mig_failed(&m, rc);
	if (m.s->model == NULL || m.d->model == NULL) {
		printf("digest: not-checked\n");
		return 0;
	}
	rc = cli_digest_compare(m.s, m.svf, m.d, m.dvf);
	if (rc > 0)
		return cli_fail(-EIO, "destination state differs from the source");
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
	  "migrate a VF with the migration API: progress per phase, then "
	  "time, downtime, bytes, pages and the digest check; a destination "
	  "that already received a migration is refused unless force=yes; "
	  "Ctrl-C cancels (the source keeps running)", cmd_migrate, opts,
	  CLI_ON_ARGS },
};

const struct cli_cmd_group cli_group_migrate = {
	"migrate", "migration through the migration API (vpf_mig.h)", cmds,
	RTE_DIM(cmds)
};
