/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * oob: one VF's downtime through QEMU's out-of-band migration plugin
 * (vpf-oob-plugin.so) and two vpfd processes, the two hosts, against the
 * same migration done in process (doc/vpfd.md, D-OOB.*).
 *
 *  - oob_downtime_1vf_us: draft dialect, one precopy round with the guest
 *    running after it, then from the source's set_state(SAVING) called to
 *    the destination's set_state(RUNNING) returned: the stop-copy piece
 *    read through the plugin (update_pending + save), written to and read
 *    back from the stream file as QEMU's stream carries it, the source's
 *    STOP, the load and the destination's RUNNING (app/vpf-oob-plugin/
 *    oob_qemu.c). Median of the repetitions, one VF pair each (the
 *    daemons have one VF per repetition).
 *  - oob_inproc_1vf_us: the same migration in this process with
 *    vpf_mig_migrate() (one precopy round written to the destination, as
 *    the downtime group's downtime_1vf_us). Both ways run on the timed
 *    model every migration figure uses (BENCH_SERVICE_US per command,
 *    BENCH_CONCURRENCY at once, BENCH_ACT_US per differing field,
 *    BENCH_NUM_QP queue pairs): vpfd's models get it through the SPEC
 *    keys service_us, concurrency, act_us and vqs. An untimed model
 *    answers in nanoseconds, which would compare socket round trips with
 *    nothing. Repetitions alternate with the out-of-band ones.
 *  - oob_downtime_vs_inproc: the first over the second (target <= 2.0,
 *    not asserted).
 *
 * vpfd and the plugin are found through $VPFD / $VPF_OOB_PLUGIN, then the
 * build tree (when this vpf-bench is the build tree's), then next to this
 * executable, then $PATH (vpfd) and the library directory (the plugin).
 * Without them, or when the daemons do not start, the metrics are skipped.
 */

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpf_mig.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

static const char *const oob_names[] = {
	"oob_downtime_1vf_us", "oob_inproc_1vf_us", "oob_downtime_vs_inproc",
};
#define OOB_NAMES (sizeof(oob_names) / sizeof(oob_names[0]))

static void
oob_skip(const char *why)
{
	for (size_t i = 0; i < OOB_NAMES; i++)
		bench_skip(oob_names[i], why);
	bench_note("oob: not measured: %s", why);
}

#ifndef VPF_BENCH_OOB

int
bench_oob(void)
{
	oob_skip("built without jansson (no vpf-oob-plugin)");
	return 0;
}

#else /* VPF_BENCH_OOB */

#include "oob_qemu.h"

#define OOB_MAX_REPS	64u
#define OOB_GUEST_OPS	64u

/* The directory of this executable, or "". */
static void
self_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		buf[0] = '\0';
}

static bool
usable(const char *path, int mode)
{
	return path != NULL && path[0] != '\0' && access(path, mode) == 0;
}

/* @env, the build tree's @built (this binary is the build tree's),
 * @name next to this binary, then each directory of @search (a
 * ':'-separated list) holding @name. */
static bool
find(const char *env, const char *built, const char *name,
     const char *search, int mode, char *out, size_t len)
{
	char dir[PATH_MAX];
	const char *e = getenv(env);

	if (e != NULL && e[0] != '\0') {
		snprintf(out, len, "%s", e);
		return usable(out, mode);
	}
	self_dir(dir, sizeof(dir));
	if (dir[0] != '\0' && strcmp(dir, VPF_BENCH_BUILD_DIR) == 0 &&
	    usable(built, mode)) {
		snprintf(out, len, "%s", built);
		return true;
	}
	if (dir[0] != '\0' &&
	    (size_t)snprintf(out, len, "%s/%s", dir, name) < len &&
	    usable(out, mode))
		return true;
	while (search != NULL && *search) {
		size_t n = strcspn(search, ":");

		if (n > 0 && (size_t)snprintf(out, len, "%.*s/%s", (int)n,
					      search, name) < len &&
		    usable(out, mode))
			return true;
		search += n;
		if (*search == ':')
			search++;
	}
	return false;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct oob_run {
	struct oob_daemon src, dst;
	struct oob_plugin p;
	char dir[64];
};

static int
guest_rpc(const struct oob_daemon *d, const char *pf, unsigned int vf)
{
	return oob_call(d, "model_guest",
			json_pack("{sssisi}", "pf", pf, "vf", vf, "ops",
				  OOB_GUEST_OPS), NULL, NULL, 0);
}

struct hook {
	const struct oob_daemon *d;
	unsigned int vf;
};

static int
guest_hook(void *arg, unsigned int round)
{
	struct hook *h = arg;

	(void)round;
	return guest_rpc(h->d, "src", h->vf);
}

static int
digest_rpc(const struct oob_daemon *d, const char *pf, unsigned int vf,
	   char out[65])
{
	json_t *res = NULL;
	const char *s;
	int rc = oob_call(d, "model_digest",
			  json_pack("{sssi}", "pf", pf, "vf", vf), &res, NULL,
			  0);

	s = json_string_value(json_object_get(res, "digest"));
	if (rc == 0 && (s == NULL || strlen(s) != 64))
		rc = -EPROTO;
	if (rc == 0)
		memcpy(out, s, 65);
	json_decref(res);
	return rc;
}

static int
vf_bdf_rpc(const struct oob_daemon *d, const char *pf, unsigned int vf,
	   char bdf[16])
{
	json_t *res = NULL;
	const char *s;
	int rc = oob_call(d, "vf_get", json_pack("{sssi}", "pf", pf, "vf", vf),
			  &res, NULL, 0);

	s = json_string_value(json_object_get(res, "bdf"));
	if (rc == 0 && (s == NULL || strlen(s) >= 16))
		rc = -EPROTO;
	if (rc == 0)
		strcpy(bdf, s);
	json_decref(res);
	return rc;
}

/* One migration of source VF @vf to destination VF @vf through the
 * plugin; its downtime in *us. */
static int
oob_once(struct oob_run *r, unsigned int vf, double *us)
{
	const VFIOMigrationPluginOps *ops = r->p.ops;
	struct hook hk = { .d = &r->src, .vf = vf };
	char sb[16], db[16], ds[65], dd[65];
	struct oob_mig m = {
		.ops = ops,
		.src_d = &r->src,
		.dst_d = &r->dst,
		.precopy_rounds = 1,
		.dir = r->dir,
		.round_hook = guest_hook,
		.hook_arg = &hk,
	};
	int rc;

	if (vf_bdf_rpc(&r->src, "src", vf, sb) != 0 ||
	    vf_bdf_rpc(&r->dst, "dst", vf, db) != 0 ||
	    guest_rpc(&r->src, "src", vf) != 0) {
		fprintf(stderr, "vpf-bench: oob: VF %u: vpfd does not answer\n",
			vf);
		return -1;
	}
	m.src_bdf = sb;
	m.dst_bdf = db;
	m.src = ops->init(sb, r->src.addr);
	m.dst = ops->init(db, r->dst.addr);
	if (m.src == NULL || m.dst == NULL) {
		fprintf(stderr, "vpf-bench: oob: VF %u: the plugin's init "
			"failed\n", vf);
		rc = -1;
		goto out;
	}
	rc = oob_migrate(&m);
	if (rc != 0) {
		fprintf(stderr, "vpf-bench: oob: VF %u: %s\n", vf, m.err);
		goto out;
	}
	if (digest_rpc(&r->src, "src", vf, ds) != 0 ||
	    digest_rpc(&r->dst, "dst", vf, dd) != 0 || strcmp(ds, dd) != 0) {
		fprintf(stderr, "vpf-bench: oob: VF %u: the destination's "
			"state is not the source's\n", vf);
		rc = -1;
		goto out;
	}
	*us = (double)m.downtime_ns / 1e3;
	if (bench_opts.verbose)
		fprintf(stderr, "# oob VF %u: SAVING %.0f, stop-copy pass %.0f, "
			"STOP %.0f, load %.0f, RUNNING %.0f us; %" PRIu64
			" + %" PRIu64 " bytes\n", vf, m.step_ns[0] / 1e3,
			m.step_ns[1] / 1e3, m.step_ns[2] / 1e3,
			m.step_ns[3] / 1e3, m.step_ns[5] / 1e3,
			m.precopy_bytes, m.stopcopy_bytes);
out:
	if (m.src != NULL && ops->cleanup(m.src) != 0)
		rc = -1;
	if (m.dst != NULL && ops->cleanup(m.dst) != 0)
		rc = -1;
	return rc;
}

/* A model PF as vpfd's --model makes one, with its migration layer. */
struct ip_side {
	struct vpf_model *m;
	struct vpf_pf *pf;
	struct vpf_mig *mig;
};

static void
ip_down(struct ip_side *s)
{
	if (s->mig != NULL)
		vpf_mig_detach(s->mig);
	if (s->pf != NULL)
		vpf_pf_detach(s->pf);
	if (s->m != NULL)
		vpf_model_destroy(s->m);
	memset(s, 0, sizeof(*s));
}

static int
ip_up(struct ip_side *s, const char *name, uint64_t seed)
{
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct vpf_mig_params gp;

	memset(s, 0, sizeof(*s));
	vpf_model_params_init(&mp);
	mp.name = name;
	mp.num_vfs = 1;
	mp.seed = seed;
	mp.num_qp = BENCH_NUM_QP;
	mp.threaded = true;
	mp.service_time_us = BENCH_SERVICE_US;
	mp.concurrency = BENCH_CONCURRENCY;
	mp.activation_us_per_field = BENCH_ACT_US;
	s->m = bench_model_create(&mp);
	if (s->m == NULL)
		goto fail;
	vpf_pf_params_init(&pp);
	pp.name = name;
	s->pf = vpf_pf_attach(&vpf_model_ops, s->m, &pp);
	if (s->pf == NULL)
		goto fail;
	vpf_mig_params_init(&gp);
	s->mig = vpf_mig_attach(s->pf, &gp);
	if (s->mig == NULL)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "vpf-bench: oob: in-process model %s: %s\n", name,
		vpf_last_error());
	ip_down(s);
	return -1;
}

static int
ip_progress(const struct vpf_mig_progress *p, void *arg)
{
	struct ip_side *s = arg;

	if (p->phase == VPF_MIG_PHASE_PRECOPY &&
	    vpf_model_guest_step(s->m, 1, OOB_GUEST_OPS) != 0)
		return -EIO;
	return 0;
}

/* The same migration in process (vpf_mig_migrate(), the downtime
 * group's options): its downtime in *us. */
static int
inproc_once(uint64_t seed, double *us)
{
	struct ip_side s, d;
	struct vpf_mig_pair pair;
	struct vpf_mig_result res;
	struct vpf_mig_opts o;
	uint8_t ds[32], dd[32];
	int rc = -1;

	if (ip_up(&s, "oob-src", seed) != 0)
		return -1;
	if (ip_up(&d, "oob-dst", seed + 1) != 0) {
		ip_down(&s);
		return -1;
	}
	if (vpf_model_guest_step(s.m, 1, OOB_GUEST_OPS) != 0)
		goto out;
	memset(&pair, 0, sizeof(pair));
	pair.src = s.mig;
	pair.src_vf = 1;
	pair.dst = d.mig;
	pair.dst_vf = 1;
	vpf_mig_opts_init(&o);
	o.precopy_rounds = 1;
	o.precopy_to_dst = true;
	o.chunk = 65536;
	o.progress = ip_progress;
	o.arg = &s;
	if (vpf_mig_migrate(&o, &pair, 1, &res) != 0) {
		fprintf(stderr, "vpf-bench: oob: in-process migration: %s\n",
			pair.error[0] ? pair.error : vpf_last_error());
		goto out;
	}
	if (vpf_model_digest(s.m, 1, ds) != 0 ||
	    vpf_model_digest(d.m, 1, dd) != 0 ||
	    memcmp(ds, dd, sizeof(ds)) != 0) {
		fprintf(stderr, "vpf-bench: oob: in-process: the destination's "
			"state is not the source's\n");
		goto out;
	}
	*us = (double)pair.downtime_ns / 1e3;
	rc = 0;
out:
	ip_down(&d);
	ip_down(&s);
	return rc;
}

int
bench_oob(void)
{
	char vpfd[PATH_MAX], plugin[PATH_MAX], err[512], spec[256];
	unsigned int reps = bench_opts.reps;
	struct oob_run r;
	double *vo = NULL, *vi = NULL, mo, mi, dt1;
	char timed[128];
	int ret = -1;

	memset(&r, 0, sizeof(r));
	snprintf(timed, sizeof(timed), ",vqs=%u,service_us=%u,concurrency=%u,"
		 "act_us=%u", BENCH_NUM_QP, BENCH_SERVICE_US, BENCH_CONCURRENCY,
		 BENCH_ACT_US);
	if (!find("VPFD", VPF_BENCH_VPFD_BUILT, "vpfd", getenv("PATH"), X_OK,
		  vpfd, sizeof(vpfd))) {
		oob_skip("vpfd not found (set VPFD=path)");
		return 0;
	}
	if (!find("VPF_OOB_PLUGIN", VPF_BENCH_PLUGIN_BUILT,
		  "vpf-oob-plugin.so", VPF_BENCH_PLUGIN_DIR, R_OK, plugin,
		  sizeof(plugin))) {
		oob_skip("vpf-oob-plugin.so not found (set VPF_OOB_PLUGIN=path)");
		return 0;
	}
	if (reps > OOB_MAX_REPS) {
		bench_note("oob: %u repetitions (at most %u)", OOB_MAX_REPS,
			   OOB_MAX_REPS);
		reps = OOB_MAX_REPS;
	}
	snprintf(r.dir, sizeof(r.dir), "/tmp/vpf-bench-oob.XXXXXX");
	if (mkdtemp(r.dir) == NULL) {
		snprintf(err, sizeof(err), "no temporary directory: %s",
			 strerror(errno));
		oob_skip(err);
		return 0;
	}
	if (oob_plugin_open(&r.p, plugin, err, sizeof(err)) != 0 ||
	    r.p.version != VFIO_LM_PLUGIN_API_VERSION) {
		if (r.p.dl != NULL)
			snprintf(err, sizeof(err), "%.400s: plugin version %d",
				 plugin, r.p.version);
		oob_skip(err);
		ret = 0;
		goto out;
	}
	snprintf(spec, sizeof(spec), "name=src,vfs=%u,bdf=0000:81:00.0%s", reps,
		 timed);
	if (oob_daemon_start(&r.src, vpfd, r.dir, "src", spec, NULL, err,
			     sizeof(err)) != 0) {
		oob_skip(err);
		ret = 0;
		goto out;
	}
	snprintf(spec, sizeof(spec), "name=dst,vfs=%u,bdf=0000:82:00.0,seed=2%s",
		 reps, timed);
	if (oob_daemon_start(&r.dst, vpfd, r.dir, "dst", spec, NULL, err,
			     sizeof(err)) != 0) {
		oob_skip(err);
		ret = 0;
		goto out;
	}
	vo = calloc(reps, sizeof(*vo));
	vi = calloc(reps, sizeof(*vi));
	if (vo == NULL || vi == NULL)
		goto out;
	for (unsigned int i = 0; i < reps; i++) {
		/* Alternate the two so that both see the same load. */
		if (oob_once(&r, i + 1, &vo[i]) != 0 ||
		    inproc_once(100 + i, &vi[i]) != 0)
			goto out;
		if (bench_opts.verbose)
			fprintf(stderr, "# oob rep %u: %.0f us, in process "
				"%.0f us\n", i, vo[i], vi[i]);
	}
	mo = bench_metric_samples("oob_downtime_1vf_us", vo, reps);
	mi = bench_metric_samples("oob_inproc_1vf_us", vi, reps);
	if (mi > 0)
		bench_metric("oob_downtime_vs_inproc", mo / mi);
	else
		bench_skip("oob_downtime_vs_inproc", "in-process downtime 0");
	if (bench_metric_get("downtime_1vf_us", &dt1))
		bench_note("oob: downtime_1vf_us %.0f us, in process here "
			   "%.0f us, out-of-band %.0f us (the same timed model)",
			   dt1, mi, mo);
	ret = 0;
out:
	oob_daemon_stop(&r.src, 5000);
	oob_daemon_stop(&r.dst, 5000);
	oob_plugin_close(&r.p);
	nftw(r.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(vo);
	free(vi);
	return ret;
}

#endif /* VPF_BENCH_OOB */
