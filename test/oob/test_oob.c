/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-oob-plugin.so played by a QEMU stand-in (app/vpf-oob-plugin/
 * oob_qemu.c) against two vpfd processes, the two hosts of a migration:
 * each test starts its own pair in a temporary directory (source model PF
 * at 0000:81:00.0, destination at 0000:82:00.0 with another seed) and
 * stops them in its teardown, also when it failed.
 *
 * Environment: VPFD (the daemon's executable) and VPF_OOB_PLUGIN (the
 * plugin), both set by meson.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "oob_qemu.h"
#include "oob_rpc.h"
#include "vpf_test_main.h"

#define NVF		4u
#define GUEST_OPS	64u

struct fx {
	char dir[64];
	bool v14;
	struct oob_daemon src, dst, tcp;
	struct oob_plugin p;
	const VFIOMigrationPluginOps *ops;
};

static const char *
env_path(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		print_message("%s is not set (run through meson test)\n", name);
		return NULL;
	}
	return v;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
fx_setup(void **state, bool v14)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *vpfd = env_path("VPFD");
	const char *plugin = env_path("VPF_OOB_PLUGIN");
	char err[512], spec[160];

	if (f == NULL || vpfd == NULL || plugin == NULL)
		goto fail;
	f->v14 = v14;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vpf-oob.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		goto fail;
	if (oob_plugin_open(&f->p, plugin, err, sizeof(err)) != 0) {
		print_message("%s\n", err);
		goto fail;
	}
	f->ops = f->p.ops;
	snprintf(spec, sizeof(spec), "name=src,vfs=%u,bdf=0000:81:00.0%s", NVF,
		 v14 ? ",dialect=1.4" : "");
	if (oob_daemon_start(&f->src, vpfd, f->dir, "src", spec, NULL, err,
			     sizeof(err)) != 0) {
		print_message("source vpfd: %s\n", err);
		goto fail;
	}
	snprintf(spec, sizeof(spec), "name=dst,vfs=%u,bdf=0000:82:00.0,"
		 "seed=2%s", NVF, v14 ? ",dialect=1.4" : "");
	if (oob_daemon_start(&f->dst, vpfd, f->dir, "dst", spec, NULL, err,
			     sizeof(err)) != 0) {
		print_message("destination vpfd: %s\n", err);
		goto fail;
	}
	*state = f;
	return 0;
fail:
	if (f != NULL) {
		oob_daemon_stop(&f->src, 3000);
		oob_daemon_stop(&f->dst, 3000);
		oob_plugin_close(&f->p);
		if (f->dir[0] != '\0')
			nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
		free(f);
	}
	return -1;
}

static int
setup_draft(void **state)
{
	return fx_setup(state, false);
}

static int
setup_v14(void **state)
{
	return fx_setup(state, true);
}

static void
dump_log(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		print_message("  %s: %s", path, line);
	fclose(f);
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int st[3];
	bool bad = false;

	st[0] = oob_daemon_stop(&f->src, 5000);
	st[1] = oob_daemon_stop(&f->dst, 5000);
	st[2] = oob_daemon_stop(&f->tcp, 5000);
	for (int i = 0; i < 3; i++)
		if (st[i] != -1 && !(WIFEXITED(st[i]) &&
				     WEXITSTATUS(st[i]) == 0))
			bad = true;
	if (bad || getenv("VPF_OOB_KEEP_LOGS") != NULL) {
		print_message("daemon exit statuses %#x %#x %#x\n", st[0],
			      st[1], st[2]);
		dump_log(f->src.log);
		dump_log(f->dst.log);
	}
	oob_plugin_close(&f->p);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	/* A daemon that did not exit cleanly on SIGTERM fails the test. */
	return bad ? -1 : 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* Call and assert success; the result (new reference) or NULL. */
static json_t *
rpc_ok(const struct oob_daemon *d, const char *method, json_t *params)
{
	char err[512];
	json_t *res = NULL;
	int rc = oob_call(d, method, params, &res, err, sizeof(err));

	if (rc != 0)
		print_message("%s: %s\n", method, err);
	assert_int_equal(rc, 0);
	return res;
}

static void
guest(const struct oob_daemon *d, const char *pf, unsigned int vf,
      unsigned int ops)
{
	json_decref(rpc_ok(d, "model_guest",
			   json_pack("{sssisi}", "pf", pf, "vf", vf, "ops",
				     ops)));
}

static void
digest(const struct oob_daemon *d, const char *pf, unsigned int vf,
       char out[65])
{
	json_t *r = rpc_ok(d, "model_digest",
			   json_pack("{sssi}", "pf", pf, "vf", vf));
	const char *s = json_string_value(json_object_get(r, "digest"));

	assert_non_null(s);
	assert_int_equal(strlen(s), 64);
	memcpy(out, s, 65);
	json_decref(r);
}

/* vf_get of a VF (new reference). */
static json_t *
vf_get(const struct oob_daemon *d, const char *pf, unsigned int vf)
{
	return rpc_ok(d, "vf_get", json_pack("{sssi}", "pf", pf, "vf", vf));
}

static void
vf_bdf(const struct oob_daemon *d, const char *pf, unsigned int vf,
       char bdf[16])
{
	json_t *r = vf_get(d, pf, vf);
	const char *s = json_string_value(json_object_get(r, "bdf"));

	assert_non_null(s);
	assert_true(strlen(s) < 16);
	strcpy(bdf, s);
	json_decref(r);
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void *
plugin_init(struct fx *f, const struct oob_daemon *d, const char *bdf)
{
	void *h = f->ops->init((char *)bdf, (char *)d->addr);

	assert_non_null(h);
	return h;
}

struct hook_arg {
	const struct oob_daemon *d;
	const char *pf;
	unsigned int vf;
};

/* The guest runs on between precopy rounds. */
static int
guest_hook(void *arg, unsigned int round)
{
	struct hook_arg *a = arg;

	(void)round;
	return oob_call(a->d, "model_guest",
			json_pack("{sssisi}", "pf", a->pf, "vf", a->vf, "ops",
				  GUEST_OPS), NULL, NULL, 0);
}

/* Migrate source VF @sv to destination VF @dv with handles made here;
 * check the states and clean up (the source ends complete). */
static void
migrate_vf(struct fx *f, unsigned int sv, unsigned int dv)
{
	char sb[16], db[16], ds[65], dd[65];
	struct hook_arg ha = { .d = &f->src, .pf = "src", .vf = sv };
	struct oob_mig m = {
		.ops = f->ops,
		.move_ring = f->v14,
		.src_d = &f->src,
		.dst_d = &f->dst,
		.precopy_rounds = 3,
		.dir = f->dir,
		.round_hook = guest_hook,
		.hook_arg = &ha,
	};
	uint32_t v;
	json_t *g;
	int rc;

	vf_bdf(&f->src, "src", sv, sb);
	vf_bdf(&f->dst, "dst", dv, db);
	m.src_bdf = sb;
	m.dst_bdf = db;
	guest(&f->src, "src", sv, 4 * GUEST_OPS);
	m.src = plugin_init(f, &f->src, sb);
	m.dst = plugin_init(f, &f->dst, db);
	rc = oob_migrate(&m);
	if (rc != 0)
		print_message("migrate %s -> %s: %s\n", sb, db, m.err);
	assert_int_equal(rc, 0);
	assert_true(m.stopcopy_bytes > 0);
	assert_int_equal(f->ops->get_state(m.src, &v), 0);
	assert_int_equal(v, VFIO_DEVICE_STATE_V1_STOP);
	assert_int_equal(f->ops->get_state(m.dst, &v), 0);
	assert_int_equal(v, VFIO_DEVICE_STATE_V1_RUNNING);
	digest(&f->src, "src", sv, ds);
	digest(&f->dst, "dst", dv, dd);
	assert_string_equal(ds, dd);
	/* The whole stop-copy state was saved: the source is complete. */
	assert_int_equal(f->ops->cleanup(m.src), 0);
	assert_int_equal(f->ops->cleanup(m.dst), 0);
	g = vf_get(&f->src, "src", sv);
	assert_true(json_is_true(json_object_get(g, "complete")));
	assert_true(json_is_true(json_object_get(g, "journal")));
	assert_string_not_equal(jstr(g, "state"), "RUNNING");
	assert_true(json_is_null(json_object_get(g, "held_by")));
	json_decref(g);
	g = vf_get(&f->dst, "dst", dv);
	assert_string_equal(jstr(g, "state"), "RUNNING");
	assert_true(json_is_null(json_object_get(g, "left_by")));
	json_decref(g);
	/* The guest continues on the destination. */
	guest(&f->dst, "dst", dv, GUEST_OPS);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_version(void **state)
{
	struct fx *f = *state;
	const VFIOMigrationPluginOps *o = f->ops;

	assert_int_equal(f->p.version, VFIO_LM_PLUGIN_API_VERSION);
	assert_int_equal(f->p.version, 0);
	assert_non_null(o->init);
	assert_non_null(o->save);
	assert_non_null(o->load);
	assert_non_null(o->update_pending);
	assert_non_null(o->set_state);
	assert_non_null(o->get_state);
	assert_non_null(o->cleanup);
	/* Nothing but the two entry points is exported. */
	assert_null(dlsym(f->p.dl, "oob_rpc_call"));
	assert_null(dlsym(f->p.dl, "oob_rpc_open"));
}

static void
test_migrate(void **state)
{
	migrate_vf(*state, 1, 1);
}

struct thr {
	struct fx *f;
	unsigned int vfs[2];
	unsigned int n;
	struct oob_mig m[2];
	int rc;
};

static void *
thr_run(void *arg)
{
	struct thr *t = arg;

	for (unsigned int i = 0; i < t->n; i++) {
		t->rc = oob_migrate(&t->m[i]);
		if (t->rc != 0)
			break;
	}
	return NULL;
}

/* Three VFs at once: handles opened here, the migrations driven from two
 * other threads. */
static void
test_multi(void **state)
{
	struct fx *f = *state;
	static char sb[3][16], db[3][16];
	struct hook_arg ha[3];
	struct thr t[2] = {
		{ .f = f, .vfs = { 1, 3 }, .n = 2 },
		{ .f = f, .vfs = { 2 }, .n = 1 },
	};
	pthread_t tid[2];

	for (unsigned int vf = 1; vf <= 3; vf++) {
		vf_bdf(&f->src, "src", vf, sb[vf - 1]);
		vf_bdf(&f->dst, "dst", vf, db[vf - 1]);
		guest(&f->src, "src", vf, GUEST_OPS * vf);
		ha[vf - 1] = (struct hook_arg){ &f->src, "src", vf };
	}
	for (int k = 0; k < 2; k++)
		for (unsigned int i = 0; i < t[k].n; i++) {
			unsigned int vf = t[k].vfs[i];

			t[k].m[i] = (struct oob_mig){
				.ops = f->ops,
				.move_ring = f->v14,
				.src_d = &f->src,
				.dst_d = &f->dst,
				.src_bdf = sb[vf - 1],
				.dst_bdf = db[vf - 1],
				.precopy_rounds = 2,
				.dir = f->dir,
				.round_hook = guest_hook,
				.hook_arg = &ha[vf - 1],
			};
			t[k].m[i].src = plugin_init(f, &f->src, sb[vf - 1]);
			t[k].m[i].dst = plugin_init(f, &f->dst, db[vf - 1]);
		}
	for (int k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&tid[k], NULL, thr_run, &t[k]),
				 0);
	for (int k = 0; k < 2; k++)
		pthread_join(tid[k], NULL);
	for (int k = 0; k < 2; k++) {
		for (unsigned int i = 0; i < t[k].n; i++)
			if (t[k].m[i].err[0])
				print_message("VF %u: %s\n", t[k].vfs[i],
					      t[k].m[i].err);
		assert_int_equal(t[k].rc, 0);
	}
	for (unsigned int vf = 1; vf <= 3; vf++) {
		char ds[65], dd[65];

		digest(&f->src, "src", vf, ds);
		digest(&f->dst, "dst", vf, dd);
		assert_string_equal(ds, dd);
	}
	for (int k = 0; k < 2; k++)
		for (unsigned int i = 0; i < t[k].n; i++) {
			assert_int_equal(f->ops->cleanup(t[k].m[i].src), 0);
			assert_int_equal(f->ops->cleanup(t[k].m[i].dst), 0);
		}
	for (unsigned int vf = 1; vf <= 3; vf++) {
		json_t *g = vf_get(&f->src, "src", vf);

		assert_true(json_is_true(json_object_get(g, "complete")));
		json_decref(g);
		guest(&f->dst, "dst", vf, GUEST_OPS);
	}
}

/* QEMU cancels in stop-copy (SAVING -> RUNNING): the source runs again,
 * its guest steps, and it can be migrated afterwards. */
static void
test_cancel(void **state)
{
	struct fx *f = *state;
	char sb[16], db[16], d0[65], d1[65];
	struct oob_stream s;
	uint64_t pending, bytes;
	uint8_t buf[64];
	char err[256];
	uint32_t v;
	json_t *g;
	void *h;

	vf_bdf(&f->src, "src", 2, sb);
	vf_bdf(&f->dst, "dst", 2, db);
	guest(&f->src, "src", 2, GUEST_OPS);
	h = plugin_init(f, &f->src, sb);
	assert_int_equal(oob_stream_open(&s, f->dir), 0);
	assert_int_equal(f->ops->set_state(h, VFIO_DEVICE_STATE_V1_RUNNING |
					   VFIO_DEVICE_STATE_V1_SAVING), 0);
	assert_int_equal(oob_save_pass(f->ops, h, &s, false, &bytes, err,
				       sizeof(err)), 0);
	assert_int_equal(f->ops->set_state(h, VFIO_DEVICE_STATE_V1_SAVING), 0);
	/* Part of the stop-copy piece saved, then the cancel. */
	assert_int_equal(f->ops->update_pending(h, &pending), 0);
	assert_true(pending > 0);
	assert_int_equal(f->ops->save(h, buf, pending < sizeof(buf) ?
				      pending : sizeof(buf)), 0);
	g = vf_get(&f->src, "src", 2);
	assert_string_equal(jstr(g, "state"), "STOP_COPY");
	assert_false(json_is_null(json_object_get(g, "held_by")));
	json_decref(g);
	assert_int_equal(f->ops->set_state(h, VFIO_DEVICE_STATE_V1_RUNNING), 0);
	assert_int_equal(f->ops->get_state(h, &v), 0);
	assert_int_equal(v, VFIO_DEVICE_STATE_V1_RUNNING);
	g = vf_get(&f->src, "src", 2);
	assert_string_equal(jstr(g, "state"), "RUNNING");
	assert_true(json_is_null(json_object_get(g, "held_by")));
	assert_false(json_is_true(json_object_get(g, "complete")));
	json_decref(g);
	/* Nothing is pending outside SAVING. */
	assert_int_equal(f->ops->update_pending(h, &pending), -EINVAL);
	/* The guest steps and the device follows. */
	digest(&f->src, "src", 2, d0);
	guest(&f->src, "src", 2, GUEST_OPS);
	digest(&f->src, "src", 2, d1);
	assert_string_not_equal(d0, d1);
	assert_int_equal(f->ops->cleanup(h), 0);
	oob_stream_close(&s);
	g = vf_get(&f->src, "src", 2);
	assert_string_equal(jstr(g, "state"), "RUNNING");
	json_decref(g);
	/* A later migration of the same VF succeeds. */
	migrate_vf(f, 2, 2);
}

/* The op contract: save no more than reported, a second update_pending
 * reports what is left, load only when resuming, unknown states. */
static void
test_contract(void **state)
{
	struct fx *f = *state;
	char sb[16], db[16];
	uint64_t p, p2;
	uint8_t *buf;
	json_t *g;
	void *h, *hd;

	vf_bdf(&f->src, "src", 3, sb);
	vf_bdf(&f->dst, "dst", 3, db);
	guest(&f->src, "src", 3, GUEST_OPS);
	h = plugin_init(f, &f->src, sb);
	hd = plugin_init(f, &f->dst, db);
	assert_int_equal(f->ops->set_state(h, 7), -EINVAL);
	assert_int_equal(f->ops->set_state(h, 8), -EINVAL);
	assert_int_equal(f->ops->update_pending(h, &p), -EINVAL);
	assert_int_equal(f->ops->set_state(h, VFIO_DEVICE_STATE_V1_RUNNING |
					   VFIO_DEVICE_STATE_V1_SAVING), 0);
	assert_int_equal(f->ops->update_pending(h, &p), 0);
	assert_true(p >= 2);
	buf = malloc(p + 1);
	assert_non_null(buf);
	assert_int_equal(f->ops->save(h, buf, p + 1), -EINVAL);
	assert_int_equal(f->ops->save(h, buf, p / 2), 0);
	assert_int_equal(f->ops->update_pending(h, &p2), 0);
	assert_int_equal(p2, p - p / 2);
	assert_int_equal(f->ops->save(h, buf, p2 + 1), -EINVAL);
	assert_int_equal(f->ops->save(h, buf, p2), 0);
	assert_int_equal(f->ops->save(h, buf, 1), -EINVAL);
	/* load on a source, and on a destination not resuming */
	assert_int_equal(f->ops->load(h, buf, p), -EINVAL);
	assert_int_equal(f->ops->load(hd, buf, p), -EINVAL);
	/* A destination refuses garbage. */
	assert_int_equal(f->ops->set_state(hd, VFIO_DEVICE_STATE_V1_RESUMING),
			 0);
	memset(buf, 0xa5, p);
	/* the piece is sent ahead (D-OOB.13): its refusal comes with the
	 * resume, which the daemon does not do on a broken stream */
	assert_int_equal(f->ops->load(hd, buf, p), 0);
	assert_true(f->ops->set_state(hd, VFIO_DEVICE_STATE_V1_RUNNING) < 0);
	g = vf_get(&f->dst, "dst", 3);
	assert_string_not_equal(jstr(g, "state"), "RUNNING");
	json_decref(g);
	free(buf);
	/* cleanup outside RUNNING aborts: both VFs run again. */
	assert_int_equal(f->ops->cleanup(h), 0);
	f->ops->cleanup(hd);
	g = vf_get(&f->src, "src", 3);
	assert_string_equal(jstr(g, "state"), "RUNNING");
	assert_false(json_is_true(json_object_get(g, "complete")));
	assert_true(json_is_null(json_object_get(g, "held_by")));
	json_decref(g);
	g = vf_get(&f->dst, "dst", 3);
	assert_string_equal(jstr(g, "state"), "RUNNING");
	json_decref(g);
	guest(&f->src, "src", 3, GUEST_OPS);
}

/* cleanup in SAVING: with the whole stop-copy state saved the source is
 * complete (the plugin adds the STOP QEMU skipped); with part of it left,
 * the migration is aborted and the source runs again. */
static void
test_cleanup_saving(void **state)
{
	struct fx *f = *state;
	char sb[16], db[16], ds[65], dd[65];
	struct oob_stream s;
	uint64_t n, p;
	uint8_t buf[16];
	char err[256];
	bool ended;
	json_t *g;
	void *h, *hd;

	vf_bdf(&f->src, "src", 1, sb);
	vf_bdf(&f->dst, "dst", 1, db);
	guest(&f->src, "src", 1, GUEST_OPS);
	h = plugin_init(f, &f->src, sb);
	hd = plugin_init(f, &f->dst, db);
	assert_int_equal(oob_stream_open(&s, f->dir), 0);
	assert_int_equal(f->ops->set_state(hd, VFIO_DEVICE_STATE_V1_RESUMING),
			 0);
	assert_int_equal(f->ops->set_state(h, VFIO_DEVICE_STATE_V1_SAVING), 0);
	assert_int_equal(oob_save_pass(f->ops, h, &s, true, &n, err,
				       sizeof(err)), 0);
	assert_true(n > 0);
	assert_int_equal(oob_stream_end(&s), 0);
	assert_int_equal(oob_load_pending(f->ops, hd, &s, &ended, err,
					  sizeof(err)), 0);
	assert_true(ended);
	oob_stream_close(&s);
	assert_int_equal(f->ops->set_state(hd, VFIO_DEVICE_STATE_V1_RUNNING),
			 0);
	assert_int_equal(f->ops->cleanup(h), 0);
	assert_int_equal(f->ops->cleanup(hd), 0);
	g = vf_get(&f->src, "src", 1);
	assert_true(json_is_true(json_object_get(g, "complete")));
	assert_string_equal(jstr(g, "state"), "STOP");
	json_decref(g);
	digest(&f->src, "src", 1, ds);
	digest(&f->dst, "dst", 1, dd);
	assert_string_equal(ds, dd);

	/* Part of the stop-copy piece unsaved: not complete. */
	vf_bdf(&f->src, "src", 2, sb);
	h = plugin_init(f, &f->src, sb);
	assert_int_equal(f->ops->set_state(h, VFIO_DEVICE_STATE_V1_SAVING), 0);
	assert_int_equal(f->ops->update_pending(h, &p), 0);
	assert_true(p > sizeof(buf));
	assert_int_equal(f->ops->save(h, buf, sizeof(buf)), 0);
	assert_int_equal(f->ops->cleanup(h), 0);
	g = vf_get(&f->src, "src", 2);
	assert_false(json_is_true(json_object_get(g, "complete")));
	assert_string_equal(jstr(g, "state"), "RUNNING");
	json_decref(g);
}

/* A QEMU that dies mid-migration (SIGKILL in stop-copy) leaves its VF as
 * it was, marked left_by; and so does a raw client that disconnects. */
static void
test_vanish(void **state)
{
	struct fx *f = *state;
	char sb[16], plugin[512];
	int pfd[2];
	pid_t pid;
	char c = 0;
	json_t *g;
	ssize_t n;
	int st;

	vf_bdf(&f->src, "src", 4, sb);
	guest(&f->src, "src", 4, GUEST_OPS);
	snprintf(plugin, sizeof(plugin), "%s", getenv("VPF_OOB_PLUGIN"));
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct oob_plugin p;
		struct oob_stream s;
		char err[256];
		uint64_t n;
		void *h;

		close(pfd[0]);
		/* never outlives the test, whatever happens there */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(5);
		if (oob_plugin_open(&p, plugin, err, sizeof(err)) != 0)
			_exit(2);
		h = p.ops->init(sb, f->src.addr);
		if (h == NULL || oob_stream_open(&s, f->dir) != 0 ||
		    p.ops->set_state(h, VFIO_DEVICE_STATE_V1_RUNNING |
				     VFIO_DEVICE_STATE_V1_SAVING) != 0 ||
		    oob_save_pass(p.ops, h, &s, false, &n, err,
				  sizeof(err)) != 0 ||
		    p.ops->set_state(h, VFIO_DEVICE_STATE_V1_SAVING) != 0 ||
		    p.ops->update_pending(h, &n) != 0)
			_exit(3);
		if (write(pfd[1], "k", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(pfd[1]);
	/* The child says it is in stop-copy, or exits (EOF). */
	n = read(pfd[0], &c, 1);
	close(pfd[0]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (n != 1)
		fail_msg("the QEMU child failed before stop-copy (status %#x)",
			 st);
	assert_int_equal(c, 'k');
	/* The daemon notices the hang-up on its own time. */
	for (int i = 0; i < 250; i++) {
		g = vf_get(&f->src, "src", 4);
		if (!json_is_null(json_object_get(g, "left_by")))
			break;
		json_decref(g);
		g = NULL;
		usleep(20000);
	}
	assert_non_null(g);
	assert_true(json_is_string(json_object_get(g, "left_by")));
	assert_string_equal(jstr(g, "state"), "STOP_COPY");
	assert_false(json_is_true(json_object_get(g, "complete")));
	assert_true(json_is_null(json_object_get(g, "held_by")));
	json_decref(g);
	/* The plugin does not take over a VF left mid-migration... */
	assert_null(f->ops->init(sb, f->src.addr));
	/* ... an operator aborts it, and it runs again. */
	json_decref(rpc_ok(&f->src, "vf_mig_abort",
			   json_pack("{ss}", "bdf", sb)));
	g = vf_get(&f->src, "src", 4);
	assert_string_equal(jstr(g, "state"), "RUNNING");
	json_decref(g);
	guest(&f->src, "src", 4, GUEST_OPS);

	/* A raw client: STOP, then the connection closes. */
	{
		struct oob_rpc r;

		assert_int_equal(oob_rpc_open(&r, f->src.addr), 0);
		assert_int_equal(oob_rpc_call(&r, "vf_mig_state_set",
					      json_pack("{ssss}", "bdf", sb,
							"state", "STOP"),
					      -1, NULL), 0);
		oob_rpc_close(&r);
	}
	for (int i = 0; i < 250; i++) {
		g = vf_get(&f->src, "src", 4);
		if (!json_is_null(json_object_get(g, "left_by")))
			break;
		json_decref(g);
		g = NULL;
		usleep(20000);
	}
	assert_non_null(g);
	assert_string_equal(jstr(g, "state"), "STOP");
	json_decref(g);
}

/* Failures are error returns, never the end of the host process. */
static void
test_bad_args(void **state)
{
	struct fx *f = *state;
	const VFIOMigrationPluginOps *o = f->ops;
	char sb[16], addr[300], tok[200], bad[300];
	const char *vpfd = getenv("VPFD");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[512], listen_arg[64], spec[128];
	const char *extra[5];
	uint64_t t0;
	int port, ls;
	FILE *tf;
	void *h;

	vf_bdf(&f->src, "src", 1, sb);
	assert_null(o->init(NULL, f->src.addr));
	assert_null(o->init("zzz", f->src.addr));
	assert_null(o->init("0000:81:00.9", f->src.addr));
	/* a well-formed address of no VF the daemon knows */
	assert_null(o->init("0000:99:00.1", f->src.addr));
	/* the PF itself is not a VF */
	assert_null(o->init("0000:81:00.0", f->src.addr));
	snprintf(addr, sizeof(addr), "unix:%s/nothing.sock", f->dir);
	assert_null(o->init(sb, addr));
	assert_null(o->init(sb, "bogus:/x"));
	assert_null(o->init(sb, "tcp:127.0.0.1"));
	assert_null(o->init(sb, "tcp:127.0.0.1:9"));	/* no token */
	snprintf(addr, sizeof(addr), "%s,colour=blue", f->src.addr);
	assert_null(o->init(sb, addr));

	/* A socket nobody serves: the I/O timeout ends the wait. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/mute.sock", f->dir);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 4), 0);
	snprintf(addr, sizeof(addr), "unix:%s,timeout=1", sa.sun_path);
	t0 = oob_now_ns();
	assert_null(o->init(sb, addr));
	assert_true(oob_now_ns() - t0 < 5000000000ull);
	close(ls);

	/* TCP with a token. */
	ls = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in in = { .sin_family = AF_INET };
		socklen_t sl = sizeof(in);

		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(ls, (struct sockaddr *)&in, sizeof(in)),
				 0);
		assert_int_equal(getsockname(ls, (struct sockaddr *)&in, &sl),
				 0);
		port = ntohs(in.sin_port);
	}
	close(ls);
	snprintf(tok, sizeof(tok), "%s/token", f->dir);
	/* the daemon wants it readable by its owner only */
	tf = fdopen(open(tok, O_WRONLY | O_CREAT | O_TRUNC, 0600), "w");
	assert_non_null(tf);
	fputs("s3cret-0123456789\n", tf);
	fclose(tf);
	snprintf(listen_arg, sizeof(listen_arg), "tcp:127.0.0.1:%d", port);
	extra[0] = "--listen";
	extra[1] = listen_arg;
	extra[2] = "--token-file";
	extra[3] = tok;
	extra[4] = NULL;
	snprintf(spec, sizeof(spec), "name=tcp,vfs=2,bdf=0000:83:00.0%s",
		 f->v14 ? ",dialect=1.4" : "");
	if (oob_daemon_start(&f->tcp, vpfd, f->dir, "tcp", spec, extra, err,
			     sizeof(err)) != 0)
		fail_msg("TCP vpfd: %s", err);
	vf_bdf(&f->tcp, "tcp", 1, sb);
	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%d,token-file=%s", port,
		 tok);
	h = o->init(sb, addr);
	assert_non_null(h);
	assert_int_equal(o->set_state(h, VFIO_DEVICE_STATE_V1_STOP), 0);
	assert_int_equal(o->set_state(h, VFIO_DEVICE_STATE_V1_RUNNING), 0);
	assert_int_equal(o->cleanup(h), 0);
	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%d,token=s3cret-0123456789",
		 port);
	h = o->init(sb, addr);
	assert_non_null(h);
	assert_int_equal(o->cleanup(h), 0);
	snprintf(bad, sizeof(bad), "tcp:127.0.0.1:%d,token=wrong", port);
	assert_null(o->init(sb, bad));
	snprintf(bad, sizeof(bad), "tcp:127.0.0.1:%d,token-file=%s/none",
		 port, f->dir);
	assert_null(o->init(sb, bad));

	/* The daemon dies under an open handle: errors, no SIGPIPE. */
	signal(SIGPIPE, SIG_DFL);
	vf_bdf(&f->dst, "dst", 1, sb);
	h = plugin_init(f, &f->dst, sb);
	oob_daemon_stop(&f->dst, 5000);
	assert_true(o->set_state(h, VFIO_DEVICE_STATE_V1_RUNNING |
				 VFIO_DEVICE_STATE_V1_SAVING) < 0);
	assert_true(o->set_state(h, VFIO_DEVICE_STATE_V1_STOP) < 0);
	assert_int_equal(o->cleanup(h), 0);	/* still RUNNING for it */
}

/* Each case named after its dialect; each with its own two daemons. */
#define T(fn, dialect) { #fn "_" #dialect, fn, setup_##dialect, teardown, NULL }

VPF_TEST_MAIN(NULL, NULL,
	T(test_version, draft),
	T(test_migrate, draft),
	T(test_migrate, v14),
	T(test_multi, draft),
	T(test_multi, v14),
	T(test_cancel, draft),
	T(test_cancel, v14),
	T(test_contract, draft),
	T(test_cleanup_saving, draft),
	T(test_cleanup_saving, v14),
	T(test_vanish, draft),
	T(test_vanish, v14),
	T(test_bad_args, draft))
