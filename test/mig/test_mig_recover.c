/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Abort, recovery and crash safety: a written context that cannot be
 * DISCARDed is never applied (abort, recover, a failed RESUMING -> STOP,
 * detach), and a process that dies mid-migration leaves orphans the next
 * one finds and brings back without applying the dead one's context.
 */

#include "mig_harness.h"

/* Destination VF 1 in RESUMING with a complete stream of source VF 1
 * written (not applied); @p d0 its digest before. */
static void
dst_written(struct env *e, struct mig_buf *b, uint8_t d0[32])
{
	digest(&e->d, 1, d0);
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e->d.mig, 1, b->p, b->len), 0);
	assert_true(ncmd(&e->d, 1, dop(VPF_ADMIN_OP_DEV_CTX_WRITE)) > 0);
}

/* 1.4 (no DISCARD): abort, recover and a failed RESUMING -> STOP set the
 * destination's own parts back before it resumes; a set-back the device
 * refuses leaves the VF stopped with the error ("stays stopped"), or in
 * ERROR, and nothing of the stream runs (D-MIG14.4). */
static void
setback_fails(struct env *e, struct mig_buf *b)
{
	uint8_t d0[32];
	uint64_t ms;

	/* Every set-back fails: error, stopped, nothing resumed. */
	dst_written(e, b, d0);
	ms = nmodeset(&e->d, 1);
	assert_int_equal(vpf_model_fault_inject(e->d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	assert_int_equal(vpf_mig_abort(e->d.mig, 1), -EINVAL);
	vpf_model_fault_clear(e->d.model);
	assert_int_equal(mode(&e->d, 1), VPF_DEV_MODE_STOP);
	assert_int_equal(vfstate(&e->d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(nmodeset(&e->d, 1), ms);
	assert_non_null(strstr(vpf_mig_vf_error(e->d.mig, 1), "stays stopped"));
	/* Once the device takes it, the abort completes with the VF's own
	 * state. */
	assert_int_equal(vpf_mig_abort(e->d.mig, 1), 0);
	assert_int_equal(mode(&e->d, 1), VPF_DEV_MODE_ACTIVE);
	assert_digest(&e->d, 1, d0);

	/* The same for recover. */
	dst_written(e, b, d0);
	assert_int_equal(vpf_model_fault_inject(e->d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	assert_int_equal(vpf_mig_recover(e->d.mig, 1), -EINVAL);
	vpf_model_fault_clear(e->d.model);
	assert_int_equal(mode(&e->d, 1), VPF_DEV_MODE_STOP);
	assert_int_not_equal(vfstate(&e->d, 1), VPF_MIG_STATE_RUNNING);
	assert_int_equal(vpf_mig_recover(e->d.mig, 1), 0);
	assert_int_equal(mode(&e->d, 1), VPF_DEV_MODE_ACTIVE);
	assert_digest(&e->d, 1, d0);

	/* A stream cut after its precopy set (applied at once): RESUMING ->
	 * STOP fails, the set-back too: ERROR; reset sets it back. */
	{
		struct mig_buf pc;
		size_t off[8], len[8];

		memset(&pc, 0, sizeof(pc));
		assert_int_equal(vpf_mig_abort(e->s.mig, 1), 0);
		assert_int_equal(vpf_mig_set_state(e->s.mig, 1, VPF_MIG_STATE_PRE_COPY), 0);
		assert_int_equal(vpf_mig_set_state(e->s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e->s, 1, &pc, 4096);
		assert_int_equal(records(&pc, off, len, 8), 3);
		digest(&e->d, 1, d0);
		assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
		assert_int_equal(vpf_mig_load_write(e->d.mig, 1, pc.p, off[1] + len[1]), 0);
		assert_true(ncmd(&e->d, 1, VPF_ADMIN_V14_OP_DEV_PARTS_SET) > 0);
		assert_int_equal(vpf_model_fault_inject(e->d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
		assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_STOP), -ENODATA);
		vpf_model_fault_clear(e->d.model);
		assert_int_equal(vfstate(&e->d, 1), VPF_MIG_STATE_ERROR);
		assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RUNNING), -EPERM);
		assert_int_equal(mode(&e->d, 1), VPF_DEV_MODE_STOP);
		assert_int_equal(vpf_mig_reset(e->d.mig, 1), 0);
		assert_int_equal(mode(&e->d, 1), VPF_DEV_MODE_ACTIVE);
		assert_digest(&e->d, 1, d0);

		/* Its set-back works: STOP, and RUNNING runs the VF's own. */
		assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
		assert_int_equal(vpf_mig_load_write(e->d.mig, 1, pc.p, off[1] + len[1]), 0);
		assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_STOP), -ENODATA);
		assert_int_equal(vfstate(&e->d, 1), VPF_MIG_STATE_STOP);
		assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
		assert_digest(&e->d, 1, d0);
		mig_buf_free(&pc);
	}

	/* Detach with restore: the VF stays stopped, nothing of the stream
	 * runs. */
	dst_written(e, b, d0);
	assert_int_equal(vpf_model_fault_inject(e->d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	vpf_mig_detach(e->d.mig);
	e->d.mig = NULL;
	vpf_model_fault_clear(e->d.model);
	assert_int_equal(mode(&e->d, 1), VPF_DEV_MODE_STOP);
}

/* Abort, recover and detach never leave Freeze with a written context
 * they could not DISCARD (leaving Freeze applies it, doc/protocol.md
 * §7.5): the DISCARD is retried, and if it keeps failing the VF stays in
 * Freeze with nothing applied and the error is returned. */
static void
test_abort_discard_fails(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 5 };
	struct vpf_mig_vf_info vi;
	struct mig_buf b;
	uint8_t d0[32];
	struct env e;
	uint64_t ms;

	(void)state;
	env_up(&e, &o, NULL);
	run_and_save(&e.s, 1, 300, &b);
	if (v14()) {
		setback_fails(&e, &b);
		mig_buf_free(&b);
		env_down(&e);
		return;
	}

	/* One failed DISCARD: tried again, the abort succeeds. */
	dst_written(&e, &b, d0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 1, 0), 0);
	assert_int_equal(vpf_mig_abort(e.d.mig, 1), 0);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	assert_digest(&e.d, 1, d0);

	/* Every DISCARD fails: error, Freeze, nothing applied. */
	dst_written(&e, &b, d0);
	ms = ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_MODE_SET);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	assert_int_equal(vpf_mig_abort(e.d.mig, 1), -EINVAL);
	vpf_model_fault_clear(e.d.model);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_FREEZE);
	assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_MODE_SET), ms);
	assert_non_null(strstr(vpf_mig_vf_error(e.d.mig, 1), "stays in Freeze"));
	assert_digest(&e.d, 1, d0);
	assert_int_equal(vpf_mig_vf_info_get(e.d.mig, 1, &vi), 0);
	assert_true(vi.moved);
	/* Once the device DISCARDs, the abort completes. */
	assert_int_equal(vpf_mig_abort(e.d.mig, 1), 0);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	assert_digest(&e.d, 1, d0);

	/* The same for recover. */
	dst_written(&e, &b, d0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	assert_int_equal(vpf_mig_recover(e.d.mig, 1), -EINVAL);
	vpf_model_fault_clear(e.d.model);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_FREEZE);
	assert_int_not_equal(vfstate(&e.d, 1), VPF_MIG_STATE_RUNNING);
	assert_digest(&e.d, 1, d0);
	assert_int_equal(vpf_mig_recover(e.d.mig, 1), 0);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	assert_digest(&e.d, 1, d0);

	/* A failed RESUMING -> STOP whose DISCARD fails too: ERROR, so
	 * nothing can apply the written precopy context later. */
	{
		struct mig_buf pc;
		size_t off[8], len[8];

		memset(&pc, 0, sizeof(pc));
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_PRE_COPY), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e.s, 1, &pc, 4096);
		assert_int_equal(records(&pc, off, len, 8), 3);
		digest(&e.d, 1, d0);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
		/* Header and the precopy record: written to the device. */
		assert_int_equal(vpf_mig_load_write(e.d.mig, 1, pc.p, off[1]), 0);
		assert_true(ncmd(&e.d, 1, VPF_ADMIN_OP_DEV_CTX_WRITE) > 0);
		assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), -ENODATA);
		vpf_model_fault_clear(e.d.model);
		assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_ERROR);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), -EPERM);
		assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_FREEZE);
		assert_int_equal(vpf_mig_reset(e.d.mig, 1), 0);
		assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
		assert_digest(&e.d, 1, d0);

		/* Its DISCARD works: STOP, and RUNNING applies nothing. */
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
		assert_int_equal(vpf_mig_load_write(e.d.mig, 1, pc.p, off[1]), 0);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), -ENODATA);
		assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_STOP);
		assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
		assert_digest(&e.d, 1, d0);
		mig_buf_free(&pc);
	}

	/* Detach with restore: the VF stays in Freeze, nothing applied. */
	dst_written(&e, &b, d0);
	assert_int_equal(vpf_model_fault_inject(e.d.model, 1, VPF_MODEL_FAULT_EINVAL, 100, 0), 0);
	vpf_mig_detach(e.d.mig);
	e.d.mig = NULL;
	vpf_model_fault_clear(e.d.model);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_FREEZE);
	assert_digest(&e.d, 1, d0);
	mig_buf_free(&b);
	env_down(&e);
}

/* A process dies with a destination VF in RESUMING, its context written:
 * the next process finds it in Freeze and must not apply the dead
 * process's context when it moves the VF on (DISCARD first). */
static void
test_orphan_written(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 83, .no_restore = true };
	uint8_t d0[32];
	struct mig_buf b;
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	run_and_save(&e.s, 1, 300, &b);
	dst_written(&e, &b, d0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), 0);
	/* The process "dies"; the next one attaches. */
	side_restart(&e.d, "dst");
	assert_int_equal(vpf_mig_orphans(e.d.mig, NULL, 0), 1);
	assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	if (v14())
		/* The known 1.4 limit (doc/migration.md "The virtio 1.4
		 * dialect"): no DISCARD, and the VF's own parts were only in
		 * the dead process; the resume applies the pending set. */
		assert_same_vf(&e.s, 1, &e.d, 1);
	else
		assert_digest(&e.d, 1, d0);
	mig_buf_free(&b);
	env_down(&e);
}

static void
test_crash_safety(void **state)
{
	struct opt o = { .vfs = 4, .qp = 1, .seed = 81, .no_restore = true };
	struct vpf_mig_orphan orph[4];
	uint8_t d0[32];
	struct side sd;

	(void)state;
	side_up(&sd, "src", &o);
	assert_int_equal(vpf_mig_orphans(sd.mig, orph, 4), 0);
	assert_int_equal(vpf_model_guest_step(sd.model, 2, 100), 0);
	digest(&sd, 2, d0);
	/* A process "dies" mid-migration: VF 2 in Freeze (STOP_COPY), VF 3
	 * in Stop, nothing restored. */
	assert_int_equal(vpf_mig_set_state(sd.mig, 2, VPF_MIG_STATE_STOP_COPY), 0);
	assert_int_equal(vpf_mig_set_state(sd.mig, 3, VPF_MIG_STATE_RUNNING_P2P), 0);
	side_restart(&sd, "src");
	assert_int_equal(vpf_mig_orphans(sd.mig, orph, 4), 2);
	assert_int_equal(orph[0].vf, 2);
	/* (1.4: the journal's stop marks; no mode to read, D-MIG14.3) */
	assert_int_equal(orph[0].mode, dmode(VPF_DEV_MODE_FREEZE));
	if (v14())
		assert_int_equal(orph[0].fate, VPF_MIG_ORPHAN_LEFT);
	assert_int_equal(orph[1].vf, 3);
	assert_int_equal(orph[1].mode, VPF_DEV_MODE_STOP);
	if (v14())
		assert_int_equal(orph[1].fate, VPF_MIG_ORPHAN_LEFT);
	assert_int_equal(vfstate(&sd, 2), VPF_MIG_STATE_STOP);
	/* (1.4: stopped is stopped; the new owner records STOP) */
	assert_int_equal(vfstate(&sd, 3), v14() ? VPF_MIG_STATE_STOP :
			 VPF_MIG_STATE_RUNNING_P2P);
	/* The documented way back: the VF resumes with its state. */
	assert_int_equal(vpf_mig_recover(sd.mig, 2), 0);
	assert_int_equal(vpf_mig_recover(sd.mig, 3), 0);
	assert_int_equal(mode(&sd, 2), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(mode(&sd, 3), VPF_DEV_MODE_ACTIVE);
	assert_digest(&sd, 2, d0);
	/* Detach restores Active for VFs this process moved, except a
	 * source marked complete. */
	assert_int_equal(vpf_mig_set_state(sd.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_mig_set_state(sd.mig, 2, VPF_MIG_STATE_PRE_COPY_P2P), 0);
	assert_int_equal(vpf_mig_set_state(sd.mig, 4, VPF_MIG_STATE_STOP_COPY), 0);
	assert_int_equal(vpf_mig_mark_complete(sd.mig, 4), 0);
	vpf_mig_detach(sd.mig);
	assert_int_equal(mode(&sd, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(mode(&sd, 2), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(mode(&sd, 4), dmode(VPF_DEV_MODE_FREEZE));
	vpf_pf_detach(sd.pf);
	vpf_model_destroy(sd.model);
}

/* Destination VF @p vf loaded with the whole of @p b and stopped, its
 * activation sent with @p kind on its next two commands: the MODE_SET
 * and the one that should tell (the draft's MODE_GET, 1.4's resend)
 * both lose their answer. The pair's outcome is unknown: ERROR. */
static void
activation_lost(struct env *e, uint16_t vf, const struct mig_buf *b,
		enum vpf_model_fault_kind kind)
{
	assert_int_equal(vpf_mig_set_state(e->d.mig, vf, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e->d.mig, vf, b->p, b->len), 0);
	assert_int_equal(vpf_mig_set_state(e->d.mig, vf, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_model_fault_inject(e->d.model, vf, kind, 2, 0), 0);
	assert_int_not_equal(vpf_mig_set_state(e->d.mig, vf, VPF_MIG_STATE_RUNNING), 0);
	vpf_model_fault_clear(e->d.model);
	assert_int_equal(vfstate(&e->d, vf), VPF_MIG_STATE_ERROR);
}

/* A destination whose activation outcome is unknown is adopted, not reset
 * (D-MIG.15): vpf_mig_adopt() resumes it with the state it loaded,
 * whether the device had applied it (answers lost) or not (commands
 * hung), and a second call changes nothing. A VF with no complete load
 * (never loaded, or its load aborted) is refused. In 1.4, reset is the
 * wrong way out (doc/reliability.md, finding 6): it tries to set the VF's
 * own parts back under the running guest, and the device refuses. */
static void
test_adopt_unknown_activation(void **state)
{
	uint8_t ds[32], ds2[32], d0[32];
	struct mig_buf b, b2;
	struct env e;
	struct opt o = { .timeout_us = 20000 };

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_mig_adopt(e.d.mig, 3), 0);	/* RUNNING */
	assert_int_equal(vpf_mig_set_state(e.d.mig, 3, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_mig_adopt(e.d.mig, 3), -EPERM);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 3, VPF_MIG_STATE_RUNNING), 0);

	run_and_save(&e.s, 1, 900, &b);
	digest(&e.s, 1, ds);
	digest(&e.d, 1, d0);
	assert_memory_not_equal(ds, d0, 32);

	/* Applied, answers lost: the device runs the guest. */
	activation_lost(&e, 1, &b, VPF_MODEL_FAULT_BAD_ID);
	assert_int_equal(mode(&e.d, 1), VPF_DEV_MODE_ACTIVE);
	assert_digest(&e.d, 1, ds);
	if (v14()) {
		assert_int_not_equal(vpf_mig_reset(e.d.mig, 1), 0);
		assert_int_equal(vfstate(&e.d, 1), VPF_MIG_STATE_ERROR);
		assert_digest(&e.d, 1, ds);
	}
	assert_int_equal(vpf_mig_adopt(e.d.mig, 1), 0);
	assert_running(&e.d, 1);
	assert_digest(&e.d, 1, ds);
	assert_int_equal(vpf_mig_adopt(e.d.mig, 1), 0);
	assert_guest_runs(&e.d, 1, 300);

	/* Never applied (both commands hung until the queue was reset):
	 * adopting applies the load. */
	run_and_save(&e.s, 2, 700, &b2);
	digest(&e.s, 2, ds2);
	activation_lost(&e, 2, &b2, VPF_MODEL_FAULT_HANG);
	assert_int_not_equal(mode(&e.d, 2), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vpf_mig_adopt(e.d.mig, 2), 0);
	assert_running(&e.d, 2);
	assert_digest(&e.d, 2, ds2);

	/* A load that was aborted leaves nothing to adopt. */
	digest(&e.d, 3, d0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 3, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 3, b.p, b.len), 0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 3, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_mig_abort(e.d.mig, 3), 0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 3, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_mig_adopt(e.d.mig, 3), -EPERM);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 3, VPF_MIG_STATE_RUNNING), 0);
	assert_digest(&e.d, 3, d0);
	mig_buf_free(&b);
	mig_buf_free(&b2);
	env_down(&e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_abort_discard_fails),
	cmocka_unit_test(test_crash_safety),
	cmocka_unit_test(test_orphan_written),
	cmocka_unit_test(test_adopt_unknown_activation),
)
