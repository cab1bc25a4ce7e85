/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The single-VF migration API on virtio 1.4 PFs (doc/migration.md "The
 * virtio 1.4 dialect", D-MIG14.n): the same vpf_mig_* calls as the draft,
 * device parts instead of contexts. A source VF saved through STOP_COPY
 * (and precopy rounds, each the whole state again) and loaded into a
 * destination, with the guest ring state moved as a hypervisor moves RAM,
 * continues its guest exactly; abort from any save state leaves the
 * source running; a load that fails or is aborted sets the destination's
 * own parts back before it resumes (or leaves it stopped); no
 * device-parts object outlives the calls; dirty tracking is refused; a
 * restarted owner resumes a VF left stopped, never one that migrated
 * away.
 */

#include <ftw.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mig_harness.h"
#include "vpf_mig_xport.h"
#include "mig/mig_journal.h"
#include "vpf_parts.h"

#define NVQ	5u		/* 2 queue pairs and the control queue */
#define RSZ	VPF_MODEL_GUEST_RING_SIZE(NVQ)
#define PMAX	(64u << 10)

static const struct opt O14 = {
	.vfs = 4, .qp = 2, .seed = 3, .dialect = VPF_DIALECT_V14_PARTS,
};

/* No device-parts object left on @p sd's PF. */
static void
assert_no_objs(struct side *sd)
{
	uint32_t g = 99, s = 99;

	assert_int_equal(vpf_admin_v14_obj_usage(sd->pf, &g, &s, NULL), 0);
	assert_int_equal(g, 0);
	assert_int_equal(s, 0);
}

static void
ring_export(struct side *sd, uint16_t vf, uint8_t r[RSZ])
{
	size_t len = 0;

	assert_int_equal(vpf_model_guest_ring_export(sd->model, vf, r, RSZ,
						     &len), 0);
	assert_int_equal(len, RSZ);
}

static uint16_t
ring_idx(const uint8_t *r, unsigned int q, unsigned int which)
{
	uint16_t v;

	memcpy(&v, r + 16 + 8 * q + 2 * which, 2);
	return v;
}

/* VF @p vf's parts now, without a command. */
static size_t
parts_of(struct side *sd, uint16_t vf, uint8_t *buf)
{
	size_t len = 0;

	assert_int_equal(vpf_model_vf_parts(sd->model, vf, buf, PMAX, &len), 0);
	return len;
}

/* Load stream @p b into destination VF @p dvf, moving the source VF
 * @p svf's guest ring state while both are stopped, and resume it. */
static void
load_moving_ram(struct env *e, uint16_t svf, uint16_t dvf,
		const struct mig_buf *b)
{
	uint8_t rs[RSZ];

	ring_export(&e->s, svf, rs);
	assert_int_equal(vpf_mig_set_state(e->d.mig, dvf, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e->d.mig, dvf, b->p, b->len), 0);
	assert_int_equal(vpf_mig_set_state(e->d.mig, dvf, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_model_guest_ring_import(e->d.model, dvf, rs, RSZ), 0);
	assert_int_equal(vpf_mig_set_state(e->d.mig, dvf, VPF_MIG_STATE_RUNNING), 0);
}

/* The destination continues the source's queues exactly: every buffer
 * the guest made available on the source (@p rs, exported when it
 * stopped) and not used there is used once on the destination. */
static void
assert_continues(struct side *d, uint16_t vf, const uint8_t rs[RSZ])
{
	uint8_t rd[RSZ];
	unsigned int q;

	assert_int_equal(vpf_model_guest_step(d->model, vf, 0), 0);
	assert_int_equal(vpf_mig_set_state(d->mig, vf, VPF_MIG_STATE_RUNNING_P2P), 0);
	ring_export(d, vf, rd);
	for (q = 0; q < NVQ; q++) {
		assert_int_equal(ring_idx(rd, q, 0), ring_idx(rs, q, 0));
		assert_int_equal(ring_idx(rd, q, 1), ring_idx(rs, q, 0));
	}
	assert_int_equal(vpf_mig_set_state(d->mig, vf, VPF_MIG_STATE_RUNNING), 0);
	assert_guest_runs(d, vf, 500);
}

/* STOP_COPY on a 1.4 source, the stream into a 1.4 destination: the
 * same parts, the guest goes on where it stopped; objects are gone. */
static void
test_v14_save_load(void **state)
{
	uint8_t rs[RSZ], ds[32], dd[32];
	struct vpf_mig_stream_info si;
	struct mig_buf b;
	struct env e;
	unsigned int q, out = 0;
	uint64_t ms;

	(void)state;
	env_up(&e, &O14, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 1500), 0);
	assert_int_equal(vpf_model_guest_step(e.d.model, 1, 700), 0);
	digest(&e.s, 1, ds);
	digest(&e.d, 1, dd);
	assert_memory_not_equal(ds, dd, 32);

	memset(&b, 0, sizeof(b));
	ms = ncmd(&e.s, 1, VPF_ADMIN_V14_OP_DEV_MODE_SET);
	/* The guest keeps posting while its VF is stopped (RUNNING_P2P),
	 * then the state is read. */
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING_P2P), 0);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_STOP);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 300), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
	/* one stop: STOP_COPY is stopped already */
	assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_V14_OP_DEV_MODE_SET), ms + 1);
	assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_V14_OP_DEV_PARTS_GET), 1);
	assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET), 1);
	drain(&e.s, 1, &b, 1000);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_no_objs(&e.s);
	digest(&e.s, 1, ds);
	assert_int_equal(vpf_mig_stream_validate(b.p, b.len, NULL, 0, &si), 0);
	assert_true(si.parts);

	ring_export(&e.s, 1, rs);
	for (q = 0; q < NVQ; q++)
		out += (uint16_t)(ring_idx(rs, q, 0) - ring_idx(rs, q, 1));
	assert_true(out > 0);
	load_moving_ram(&e, 1, 1, &b);
	assert_no_objs(&e.d);
	assert_digest(&e.d, 1, ds);
	assert_running(&e.d, 1);
	assert_continues(&e.d, 1, rs);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_STOP);
	mig_buf_free(&b);
	env_down(&e);
}

/* PRE_COPY reads the whole state while the VF runs, each round again
 * (METADATA SIZE + PARTS_GET, the object kept), and reports SIZE as the
 * initial bytes with nothing dirty; STOP_COPY reads it once more after
 * the stop. The destination ends with the final state. */
static void
test_v14_precopy_rounds(void **state)
{
	struct vpf_mig_precopy_info pi;
	uint8_t parts[PMAX], rs[RSZ], ds[32];
	struct vpf_mig_stream_info si;
	struct mig_buf b;
	struct env e;

	(void)state;
	env_up(&e, &O14, NULL);
	memset(&b, 0, sizeof(b));
	assert_int_equal(vpf_mig_set_state(e.s.mig, 2, VPF_MIG_STATE_PRE_COPY), 0);
	assert_int_equal(mode(&e.s, 2), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(ncmd(&e.s, 2, VPF_ADMIN_V14_OP_RESOURCE_OBJ_CREATE), 1);
	assert_int_equal(ncmd(&e.s, 2, VPF_ADMIN_V14_OP_DEV_PARTS_GET), 1);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 2, &pi), 0);
	assert_int_equal(pi.initial_bytes, parts_of(&e.s, 2, parts));
	assert_int_equal(pi.dirty_bytes, 0);
	assert_int_equal(pi.round, 1);
	drain(&e.s, 2, &b, 333);

	assert_int_equal(vpf_model_guest_step(e.s.model, 2, 400), 0);
	assert_int_equal(vpf_mig_precopy_round(e.s.mig, 2), 0);
	assert_int_equal(vpf_mig_precopy_round(e.s.mig, 2), 0);
	assert_int_equal(ncmd(&e.s, 2, VPF_ADMIN_V14_OP_DEV_PARTS_GET), 3);
	assert_int_equal(ncmd(&e.s, 2, VPF_ADMIN_V14_OP_DEV_PARTS_METADATA_GET), 3);
	assert_int_equal(ncmd(&e.s, 2, VPF_ADMIN_V14_OP_RESOURCE_OBJ_CREATE), 1);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 2, &pi), 0);
	assert_int_equal(pi.round, 3);
	assert_int_equal(pi.initial_bytes, parts_of(&e.s, 2, parts));
	assert_int_equal(pi.dirty_bytes, 0);
	drain(&e.s, 2, &b, 333);

	assert_int_equal(vpf_model_guest_step(e.s.model, 2, 400), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 2, VPF_MIG_STATE_PRE_COPY_P2P), 0);
	assert_int_equal(mode(&e.s, 2), VPF_DEV_MODE_STOP);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 2, VPF_MIG_STATE_STOP_COPY), 0);
	assert_int_equal(ncmd(&e.s, 2, VPF_ADMIN_V14_OP_DEV_PARTS_GET), 5);
	assert_int_equal(ncmd(&e.s, 2, VPF_ADMIN_V14_OP_RESOURCE_OBJ_CREATE), 1);
	drain(&e.s, 2, &b, 333);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 2, VPF_MIG_STATE_STOP), 0);
	assert_no_objs(&e.s);
	assert_int_equal(vpf_mig_stream_validate(b.p, b.len, NULL, 0, &si), 0);
	assert_true(si.parts);
	digest(&e.s, 2, ds);
	ring_export(&e.s, 2, rs);

	load_moving_ram(&e, 2, 3, &b);
	assert_no_objs(&e.d);
	assert_digest(&e.d, 3, ds);
	assert_continues(&e.d, 3, rs);
	mig_buf_free(&b);
	env_down(&e);
}

/* Abort from every save state (and the stopped ones) leaves the source
 * running with its state, no object held. */
static void
test_v14_abort_save_states(void **state)
{
	static const enum vpf_mig_state st[] = {
		VPF_MIG_STATE_STOP_COPY, VPF_MIG_STATE_PRE_COPY,
		VPF_MIG_STATE_PRE_COPY_P2P, VPF_MIG_STATE_RUNNING_P2P,
		VPF_MIG_STATE_STOP,
	};
	uint8_t d0[32];
	struct env e;
	unsigned int i;

	(void)state;
	env_up(&e, &O14, NULL);
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		assert_int_equal(vpf_model_guest_step(e.s.model, 1, 200), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, st[i]), 0);
		assert_int_equal(vfstate(&e.s, 1), st[i]);
		digest(&e.s, 1, d0);
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		assert_running(&e.s, 1);
		assert_digest(&e.s, 1, d0);
		assert_no_objs(&e.s);
		assert_guest_runs(&e.s, 1, 100);
	}
	env_down(&e);
}

/* A source stream with a precopy record and a final one, of source VF
 * @p vf; @p pc_end receives where the precopy record ends. */
static void
two_record_stream(struct env *e, uint16_t vf, struct mig_buf *b,
		  size_t *pc_end)
{
	size_t off[4], len[4];

	memset(b, 0, sizeof(*b));
	assert_int_equal(vpf_model_guest_step(e->s.model, vf, 500), 0);
	assert_int_equal(vpf_mig_set_state(e->s.mig, vf, VPF_MIG_STATE_PRE_COPY), 0);
	assert_int_equal(vpf_model_guest_step(e->s.model, vf, 500), 0);
	assert_int_equal(vpf_mig_set_state(e->s.mig, vf, VPF_MIG_STATE_STOP_COPY), 0);
	drain(&e->s, vf, b, 4096);
	assert_int_equal(vpf_mig_set_state(e->s.mig, vf, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(records(b, off, len, 4), 3);	/* PC, FINAL, END */
	*pc_end = off[0] + len[0];
}

/* A load that fails (corrupt final record after a precopy set was
 * written; the device refusing PARTS_SET) or is aborted sets the
 * destination's own parts back: it resumes with exactly its parts of
 * before, no object held. */
static void
test_v14_failed_load_restores(void **state)
{
	static uint8_t before[PMAX], after[PMAX];
	struct mig_buf b;
	size_t pc_end, lb, la;
	struct env e;

	(void)state;
	env_up(&e, &O14, NULL);
	two_record_stream(&e, 1, &b, &pc_end);
	assert_int_equal(vpf_model_guest_step(e.d.model, 1, 900), 0);
	lb = parts_of(&e.d, 1, before);

	/* Corrupt final record: the precopy set was written already. */
	b.p[b.len - 40] ^= 0x55;
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 1, b.p, pc_end), 0);
	assert_int_equal(ncmd(&e.d, 1, VPF_ADMIN_V14_OP_DEV_PARTS_SET), 1);
	assert_int_not_equal(vpf_mig_load_write(e.d.mig, 1, b.p + pc_end,
						b.len - pc_end), 0);
	assert_int_not_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(ncmd(&e.d, 1, VPF_ADMIN_V14_OP_DEV_PARTS_SET), 2);
	assert_no_objs(&e.d);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	assert_running(&e.d, 1);
	la = parts_of(&e.d, 1, after);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, lb);
	b.p[b.len - 40] ^= 0x55;

	/* Aborted after the precopy set. */
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 1, b.p, pc_end), 0);
	assert_int_equal(vpf_mig_abort(e.d.mig, 1), 0);
	assert_running(&e.d, 1);
	assert_no_objs(&e.d);
	la = parts_of(&e.d, 1, after);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, lb);

	/* The device refuses the PARTS_SET of the load. */
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 1, 0), 0);
	assert_int_not_equal(vpf_mig_load_write(e.d.mig, 1, b.p, b.len), 0);
	vpf_model_fault_clear(e.d.model);
	assert_int_not_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_STOP);
	assert_no_objs(&e.d);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	la = parts_of(&e.d, 1, after);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, lb);

	/* Setting them back fails too: the VF stays stopped, in ERROR, and
	 * says why; reset sets them back and resumes it. */
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 1, b.p, pc_end), 0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	assert_int_not_equal(vpf_mig_abort(e.d.mig, 1), 0);
	vpf_model_fault_clear(e.d.model);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_STOP);
	assert_non_null(strstr(vpf_mig_vf_error(e.d.mig, 1), "stays stopped"));
	assert_int_equal(vpf_mig_reset(e.d.mig, 1), 0);
	assert_running(&e.d, 1);
	la = parts_of(&e.d, 1, after);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, lb);
	{
		uint32_t g, s, q;

		/* Only the ids whose DESTROY the device refused are still
		 * held, blocked until its next reset (D-DRV14.8). */
		assert_int_equal(vpf_admin_v14_obj_usage(e.d.pf, &g, &s, &q), 0);
		assert_true(q >= 1);
		assert_int_equal(g + s, q);
	}

	/* A stream of the draft's kind is refused at its header. */
	mig_buf_free(&b);
	env_down(&e);
}

/* Dirty tracking: refused, pointing at the IOMMU. */
static void
test_v14_dirty_notsup(void **state)
{
	struct vpf_mig_range r = { .addr = 0, .len = 1u << 20 };
	uint64_t bm[8], pages;
	struct env e;

	(void)state;
	env_up(&e, &O14, NULL);
	assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, &r, 1, 4096), -ENOTSUP);
	assert_non_null(strstr(vpf_last_error(), "IOMMU"));
	assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, 1u << 20, bm, &pages),
			 -ENOTSUP);
	assert_int_equal(vpf_mig_dirty_stop(e.s.mig, 1), -ENOTSUP);
	assert_int_equal(vpf_mig_dirty_start_async(e.s.mig, 1, &r, 1, 4096,
						   NULL, NULL), -ENOTSUP);
	assert_int_equal(vpf_mig_dirty_sync_async(e.s.mig, 1, 0, 1u << 20, bm,
						  &pages, NULL, NULL), -ENOTSUP);
	assert_int_equal(vpf_mig_dirty_stop_async(e.s.mig, 1, NULL, NULL),
			 -ENOTSUP);
	assert_non_null(strstr(vpf_mig_vf_error(e.s.mig, 1), "IOMMU"));
	assert_false(vpf_mig_busy(e.s.mig, 1));
	assert_running(&e.s, 1);
	env_down(&e);
}

/* EAGAIN is retried by the admin engine; a stop that gets no answer is
 * sent once more (there is no MODE_GET): the VF is stopped, the call
 * fails, no object is left, and abort brings the VF back. */
static void
test_v14_eagain_and_lost_stop(void **state)
{
	struct opt o = O14;
	struct mig_buf b;
	struct env e;
	uint64_t ms;

	(void)state;
	o.timeout_us = 20000;
	env_up(&e, &o, NULL);
	memset(&b, 0, sizeof(b));
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_EAGAIN, 4, 0), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
	drain(&e.s, 1, &b, 4096);
	assert_true(b.len > 0);
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
	assert_running(&e.s, 1);
	assert_no_objs(&e.s);

	ms = ncmd(&e.s, 2, VPF_ADMIN_V14_OP_DEV_MODE_SET);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 2, VPF_MODEL_FAULT_HANG, 1, 0), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 2, VPF_MIG_STATE_STOP_COPY), -ETIMEDOUT);
	assert_int_equal(ncmd(&e.s, 2, VPF_ADMIN_V14_OP_DEV_MODE_SET), ms + 1);
	assert_int_equal(mode(&e.s, 2), VPF_DEV_MODE_STOP);
	assert_int_equal(vfstate(&e.s, 2), VPF_MIG_STATE_STOP);
	assert_no_objs(&e.s);
	assert_int_equal(vpf_mig_abort(e.s.mig, 2), 0);
	assert_running(&e.s, 2);
	mig_buf_free(&b);
	env_down(&e);
}

static char jdir[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* The owner dies and the next one attaches (scan on, journal in jdir). */
static void
restart(struct side *sd, bool recover)
{
	struct vpf_mig_params gp;
	struct vpf_pf_params pp;

	vpf_mig_detach(sd->mig);
	vpf_pf_detach(sd->pf);
	vpf_pf_params_init(&pp);
	pp.name = "again";
	pp.reset_timeout_us = 50000;
	sd->pf = vpf_pf_attach(&vpf_model_ops, sd->model, &pp);
	assert_non_null(sd->pf);
	vpf_mig_params_init(&gp);
	gp.journal_dir = jdir;
	gp.recover_orphans = recover;
	gp.restore_on_detach = false;
	sd->mig = vpf_mig_attach(sd->pf, &gp);
	assert_non_null(sd->mig);
}

static enum vpf_mig_orphan_fate
fate(struct side *sd, uint16_t vf, int *found)
{
	struct vpf_mig_orphan o[16];
	int n, i;

	n = vpf_mig_orphans(sd->mig, o, 16);
	assert_true(n >= 0 && n <= 16);
	*found = 0;
	for (i = 0; i < n; i++)
		if (o[i].vf == vf) {
			*found = 1;
			return o[i].fate;
		}
	return VPF_MIG_ORPHAN_LEFT;
}

/* The stop is journaled before it is sent; a restarted owner, which
 * cannot read modes, reports a VF left stopped (and with recover_orphans
 * resumes it), never resumes one journaled as migrated away, and resumes
 * the rest harmlessly. */
static void
test_v14_attach_scan(void **state)
{
	struct opt o = O14;
	const char *was = getenv("VPF_JOURNAL_DIR");
	char *old = was ? strdup(was) : NULL;
	struct mig_buf b;
	struct side s;
	int found;

	(void)state;
	snprintf(jdir, sizeof(jdir), "/tmp/vpf-jrn14-XXXXXX");
	assert_non_null(mkdtemp(jdir));
	assert_int_equal(setenv("VPF_JOURNAL_DIR", jdir, 1), 0);
	o.no_restore = true;
	memset(&s, 0, sizeof(s));
	side_up(&s, "src", &o);

	/* VF 1 migrated away; VF 2 stopped mid-migration; VF 3 runs. */
	save_stream(&s, 1, &b);
	assert_int_equal(vpf_mig_mark_complete(s.mig, 1), 0);
	assert_int_equal(vpf_mig_set_state(s.mig, 2, VPF_MIG_STATE_STOP_COPY), 0);
	assert_true(mig_journal_stopped(s.mig, 2));
	assert_false(mig_journal_stopped(s.mig, 3));
	assert_int_equal(mode(&s, 2), VPF_DEV_MODE_STOP);

	/* Only reported: VF 2 stays stopped, VF 1 too. */
	restart(&s, false);
	assert_int_equal(fate(&s, 1, &found), VPF_MIG_ORPHAN_MIGRATED);
	assert_true(found);
	assert_int_equal(fate(&s, 2, &found), VPF_MIG_ORPHAN_LEFT);
	assert_true(found);
	(void)fate(&s, 3, &found);
	assert_false(found);
	assert_int_equal(mode(&s, 1), VPF_DEV_MODE_STOP);
	assert_int_equal(mode(&s, 2), VPF_DEV_MODE_STOP);
	assert_int_equal(mode(&s, 3), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vfstate(&s, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(vfstate(&s, 2), VPF_MIG_STATE_STOP);

	/* Resumed: VF 2 runs again, VF 1 never. */
	restart(&s, true);
	assert_int_equal(fate(&s, 1, &found), VPF_MIG_ORPHAN_MIGRATED);
	assert_int_equal(fate(&s, 2, &found), VPF_MIG_ORPHAN_RESUMED);
	assert_true(found);
	assert_int_equal(mode(&s, 1), VPF_DEV_MODE_STOP);
	assert_running(&s, 2);
	assert_running(&s, 3);
	assert_guest_runs(&s, 2, 100);
	assert_false(mig_journal_stopped(s.mig, 2));

	/* The next restart finds nothing to report for VF 2. */
	restart(&s, true);
	(void)fate(&s, 2, &found);
	assert_false(found);
	assert_int_equal(mode(&s, 1), VPF_DEV_MODE_STOP);

	/* The batch form marks several VFs in one write. */
	{
		const uint16_t vfs[] = { 3, 4 };

		assert_int_equal(mig_stop_intent_batch(s.mig, vfs, 2), 0);
		assert_true(mig_journal_stopped(s.mig, 3));
		assert_true(mig_journal_stopped(s.mig, 4));
	}
	mig_buf_free(&b);
	vpf_mig_detach(s.mig);
	vpf_pf_detach(s.pf);
	vpf_model_destroy(s.model);
	/* the environment as the test runner set it, for the tests after */
	if (old != NULL)
		assert_int_equal(setenv("VPF_JOURNAL_DIR", old, 1), 0);
	else
		unsetenv("VPF_JOURNAL_DIR");
	free(old);
	nftw(jdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
ring_hook(const struct vpf_mig_pair *p, void *arg)
{
	struct env *e = arg;
	struct vpf_model *sm = p->src == e->s.mig ? e->s.model : e->d.model;
	struct vpf_model *dm = p->dst == e->s.mig ? e->s.model : e->d.model;

	return vpf_model_guest_ring_move(sm, p->src_vf, dm, p->dst_vf);
}

/* A job whose pairs need more device-parts objects at once than a PF has
 * free is refused before anything is sent (D-MIG14.20), in one process
 * and by either half; one that fits migrates. */
static void
test_v14_job_objects(void **state)
{
	struct vpf_admin_v14_obj held;
	struct vpf_mig_fd_xport fx;
	struct vpf_mig_pair p[4];
	struct vpf_mig_opts mo;
	struct vpf_mig_job *job;
	uint64_t before[4];
	struct env e;
	unsigned int i;
	int sv[2];

	(void)state;
	env_up(&e, &O14, NULL);
	mig_pairs_same_vf(&e, p, 4);
	vpf_mig_opts_init(&mo);
	mo.before_resume = ring_hook;
	mo.arg = &e;
	/* One GET object of the source PF's 4 taken by someone else. */
	assert_int_equal(vpf_admin_v14_obj_create(e.s.pf, 1, VPF_PARTS_OBJ_GET,
						  &held), 0);
	for (i = 0; i < 4; i++)
		before[i] = ncmds_all(&e.s, (uint16_t)(i + 1)) +
			    ncmds_all(&e.d, (uint16_t)(i + 1));
	assert_int_equal(vpf_mig_migrate(&mo, p, 4, NULL), -ENOSPC);
	assert_non_null(strstr(vpf_last_error(), "need 4 GET"));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(vpf_mig_xport_fd_init(&fx, sv[0], sv[0]), 0);
	assert_int_equal(vpf_mig_job_start_source(&mo, p, 4, &fx.x, &job),
			 -ENOSPC);
	for (i = 0; i < 4; i++) {
		assert_running(&e.s, (uint16_t)(i + 1));
		assert_int_equal(ncmds_all(&e.s, (uint16_t)(i + 1)) +
				 ncmds_all(&e.d, (uint16_t)(i + 1)), before[i]);
	}
	/* The destination half counts its own PF: a GET and a SET per VF. */
	assert_int_equal(vpf_admin_v14_obj_destroy(e.s.pf, &held), 0);
	assert_int_equal(vpf_admin_v14_obj_create(e.d.pf, 1, VPF_PARTS_OBJ_SET,
						  &held), 0);
	assert_int_equal(vpf_mig_job_start_dest(&mo, p, 4, &fx.x, &job),
			 -ENOSPC);
	assert_int_equal(vpf_admin_v14_obj_destroy(e.d.pf, &held), 0);
	close(sv[0]);
	close(sv[1]);
	/* All free: the 4 pairs fit and migrate; nothing is left held. */
	assert_int_equal(vpf_mig_migrate(&mo, p, 4, NULL), 0);
	for (i = 0; i < 4; i++)
		assert_same_vf(&e.s, (uint16_t)(i + 1), &e.d, (uint16_t)(i + 1));
	assert_no_objs(&e.s);
	assert_no_objs(&e.d);
	env_down(&e);
}

struct marks_seen {
	struct env *e;
	unsigned int setup_marked;	/* sources marked when setup ended */
};

static int
marks_progress(const struct vpf_mig_progress *p, void *arg)
{
	struct marks_seen *ms = arg;
	uint16_t vf;

	if (p->phase != VPF_MIG_PHASE_SETUP)
		return 0;
	for (vf = 1; vf <= 4; vf++) {
		enum vpf_mig_state st;

		assert_int_equal(vpf_mig_get_state(ms->e->s.mig, vf, &st), 0);
		assert_int_equal(st, VPF_MIG_STATE_RUNNING);
		ms->setup_marked += mig_journal_stopped(ms->e->s.mig, vf);
	}
	return 0;
}

static int
marks_hook(const struct vpf_mig_pair *p, void *arg)
{
	return ring_hook(p, ((struct marks_seen *)arg)->e);
}

/* A job journals its 1.4 sources' stops during setup, while they still
 * run, in one write per PF, so that no source writes its mark inside the
 * downtime window (D-MIG14.22). */
static void
test_v14_job_stop_marks(void **state)
{
	struct vpf_mig_pair p[4];
	struct vpf_mig_opts mo;
	struct marks_seen ms = { 0 };
	struct env e;
	unsigned int i;

	(void)state;
	if (getenv("VPF_JOURNAL_DIR") == NULL)
		skip();		/* (meson sets it) */
	env_up(&e, &O14, NULL);
	ms.e = &e;
	mig_pairs_same_vf(&e, p, 4);
	vpf_mig_opts_init(&mo);
	mo.before_resume = marks_hook;
	mo.progress = marks_progress;
	mo.arg = &ms;
	assert_int_equal(vpf_mig_migrate(&mo, p, 4, NULL), 0);
	assert_int_equal(ms.setup_marked, 4);
	for (i = 0; i < 4; i++)
		assert_same_vf(&e.s, (uint16_t)(i + 1), &e.d, (uint16_t)(i + 1));
	env_down(&e);
}

/* The same for the source half of a migration across processes (here
 * over a socketpair, both halves polled in turn). */
static void
test_v14_half_stop_marks(void **state)
{
	struct vpf_mig_fd_xport fs, fd;
	struct vpf_mig_pair sp[4], dp[4];
	struct vpf_mig_opts so, dopt;
	struct vpf_mig_job *sj, *dj;
	struct marks_seen ms = { 0 };
	uint64_t t0;
	struct env e;
	unsigned int i;
	int sv[2];

	(void)state;
	if (getenv("VPF_JOURNAL_DIR") == NULL)
		skip();		/* (meson sets it) */
	env_up(&e, &O14, NULL);
	ms.e = &e;
	memset(sp, 0, sizeof(sp));
	memset(dp, 0, sizeof(dp));
	for (i = 0; i < 4; i++) {
		sp[i].src = e.s.mig;
		sp[i].src_vf = (uint16_t)(i + 1);
		dp[i].dst = e.d.mig;
		dp[i].dst_vf = (uint16_t)(i + 1);
	}
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(vpf_mig_xport_fd_init(&fs, sv[0], sv[0]), 0);
	assert_int_equal(vpf_mig_xport_fd_init(&fd, sv[1], sv[1]), 0);
	vpf_mig_opts_init(&so);
	so.progress = marks_progress;
	so.arg = &ms;
	vpf_mig_opts_init(&dopt);
	assert_int_equal(vpf_mig_job_start_dest(&dopt, dp, 4, &fd.x, &dj), 0);
	assert_int_equal(vpf_mig_job_start_source(&so, sp, 4, &fs.x, &sj), 0);
	t0 = vpf_now_ns();
	while (!vpf_mig_job_done(sj) || !vpf_mig_job_done(dj)) {
		(void)vpf_mig_job_poll(sj, 0);
		(void)vpf_mig_job_poll(dj, 0);
		if (vpf_now_ns() - t0 > 20ull * 1000000000ull)
			fail_msg("halves did not finish in 20 s");
	}
	assert_int_equal(vpf_mig_job_finish(sj, NULL), 0);
	assert_int_equal(vpf_mig_job_finish(dj, NULL), 0);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(ms.setup_marked, 4);
	env_down(&e);
}

static void
count_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	(void)m;
	(void)vf;
	assert_int_equal(rc, 0);
	(*(unsigned int *)arg)++;
}

/* Stops of many VFs issued together share their journal write: the poll
 * starts one for every mark set so far, those set while it runs share the
 * next (D-MIG14.23); every VF is marked before its stop is sent. */
static void
test_v14_stop_marks_grouped(void **state)
{
	struct opt o = O14;
	struct vpf_mig_journal_info j0, j1;
	unsigned int done = 0;
	uint64_t t0;
	struct env e;
	uint16_t vf;

	(void)state;
	if (getenv("VPF_JOURNAL_DIR") == NULL)
		skip();		/* (meson sets it) */
	o.vfs = 32;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_mig_journal_info_get(e.s.mig, &j0), 0);
	for (vf = 1; vf <= 32; vf++)
		assert_int_equal(vpf_mig_set_state_async(e.s.mig, vf,
							 VPF_MIG_STATE_STOP,
							 count_done, &done), 0);
	t0 = vpf_now_ns();
	while (done < 32) {
		assert_true(vpf_mig_poll(e.s.mig) >= 0);
		if (vpf_now_ns() - t0 > 10ull * 1000000000ull)
			fail_msg("stops did not complete in 10 s");
	}
	assert_int_equal(vpf_mig_journal_info_get(e.s.mig, &j1), 0);
	for (vf = 1; vf <= 32; vf++) {
		assert_true(mig_journal_stopped(e.s.mig, vf));
		assert_int_equal(vfstate(&e.s, vf), VPF_MIG_STATE_STOP);
	}
	/* all issued before the first poll: one write holds every mark */
	assert_int_equal(j1.generation - j0.generation, 1);
	for (vf = 1; vf <= 32; vf++)
		assert_int_equal(vpf_mig_abort(e.s.mig, vf), 0);

	/* Prepared first (one write, while they run), the stops write
	 * nothing (D-MIG14.24). */
	{
		uint16_t vfs[32];

		for (vf = 1; vf <= 32; vf++)
			vfs[vf - 1] = vf;
		vfs[31] = 33;
		assert_int_equal(vpf_mig_stop_prepare(e.s.mig, vfs, 32), -EINVAL);
		vfs[31] = 32;
		assert_int_equal(vpf_mig_stop_prepare(e.s.mig, vfs, 32), 0);
	}
	assert_int_equal(vpf_mig_journal_info_get(e.s.mig, &j0), 0);
	done = 0;
	for (vf = 1; vf <= 32; vf++)
		assert_int_equal(vpf_mig_set_state_async(e.s.mig, vf,
							 VPF_MIG_STATE_STOP,
							 count_done, &done), 0);
	while (done < 32)
		assert_true(vpf_mig_poll(e.s.mig) >= 0);
	assert_int_equal(vpf_mig_journal_info_get(e.s.mig, &j1), 0);
	assert_int_equal(j1.generation, j0.generation);
	for (vf = 1; vf <= 32; vf++) {
		assert_true(mig_journal_stopped(e.s.mig, vf));
		assert_int_equal(vpf_mig_abort(e.s.mig, vf), 0);
	}
	env_down(&e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_v14_save_load),
	cmocka_unit_test(test_v14_precopy_rounds),
	cmocka_unit_test(test_v14_abort_save_states),
	cmocka_unit_test(test_v14_failed_load_restores),
	cmocka_unit_test(test_v14_dirty_notsup),
	cmocka_unit_test(test_v14_eagain_and_lost_stop),
	cmocka_unit_test(test_v14_attach_scan),
	cmocka_unit_test(test_v14_job_objects),
	cmocka_unit_test(test_v14_job_stop_marks),
	cmocka_unit_test(test_v14_half_stop_marks),
	cmocka_unit_test(test_v14_stop_marks_grouped),
)
