/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The VFIO state machine on the device modes: every arc and every walk
 * between two states, the commands one arc sends, refused arcs and the
 * ERROR state, a device that needs a reset, and an abort from each state
 * leaving the VF as it was.
 */

#include "mig_harness.h"

/* Bring VF 1 of src to @p s from RUNNING. RESUMING gets @p stream
 * loaded when it is not NULL. */
static void
reach(struct env *e, enum vpf_mig_state s, struct mig_buf *stream)
{
	assert_int_equal(vfstate(&e->s, 1), VPF_MIG_STATE_RUNNING);
	assert_int_equal(vpf_mig_set_state(e->s.mig, 1, s), 0);
	assert_int_equal(vfstate(&e->s, 1), s);
	if (s == VPF_MIG_STATE_RESUMING && stream)
		assert_int_equal(vpf_mig_load_write(e->s.mig, 1, stream->p,
						    stream->len), 0);
}

static void
test_every_arc_and_walk(void **state)
{
	struct opt o = { .vfs = 3, .qp = 2, .seed = 21 };
	struct mig_buf stream;
	struct env e;
	unsigned int a, b;

	(void)state;
	env_up(&e, &o, NULL);
	run_and_save(&e.s, 2, 300, &stream);

	for (a = 1; a < VPF_MIG_STATE_MAX; a++) {
		for (b = 1; b < VPF_MIG_STATE_MAX; b++) {
			uint64_t before;
			int rc;

			reach(&e, a, &stream);
			before = ncmds_all(&e.s, 1);
			rc = vpf_mig_set_state(e.s.mig, 1, b);
			if (rc)
				fail_msg("%s -> %s: %s", vpf_mig_state_name(a),
					 vpf_mig_state_name(b), vpf_last_error());
			assert_int_equal(vfstate(&e.s, 1), b);
			assert_int_equal(mode(&e.s, 1),
					 dmode(vpf_mig_state_mode(b)));
			if (a == b)
				assert_int_equal(ncmds_all(&e.s, 1), before);
			/* Save states have a stream to pull. */
			if (b == VPF_MIG_STATE_STOP_COPY ||
			    b == VPF_MIG_STATE_PRE_COPY ||
			    b == VPF_MIG_STATE_PRE_COPY_P2P) {
				struct vpf_mig_vf_info vi;

				assert_int_equal(vpf_mig_vf_info_get(e.s.mig, 1, &vi), 0);
				assert_true(vi.save_pending > 0);
			}
			/* RESUMING -> ... applied VF 2's state. */
			if (a == VPF_MIG_STATE_RESUMING &&
			    b != VPF_MIG_STATE_RESUMING &&
			    vpf_mig_state_mode(b) != VPF_DEV_MODE_FREEZE)
				assert_same_vf(&e.s, 1, &e.s, 2);
			assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
			assert_running(&e.s, 1);
		}
	}
	mig_buf_free(&stream);
	env_down(&e);
}

static void
test_single_arc_commands(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 2 };
	struct env e;
	uint64_t ms;

	(void)state;
	env_up(&e, &o, NULL);
	/* One MODE_SET per mode-changing arc (1.4: per crossing of the
	 * Active boundary; RUNNING_P2P and STOP are both stopped, D-MIG14.2). */
	ms = nmodeset(&e.s, 1);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING_P2P), 0);
	assert_int_equal(nmodeset(&e.s, 1), ms + 1);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(nmodeset(&e.s, 1), ms + (v14() ? 1 : 2));
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	assert_int_equal(nmodeset(&e.s, 1), ms + (v14() ? 2 : 3));
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	/* A walk RUNNING -> STOP coalesces into one MODE_SET Freeze (1.4:
	 * one stop). */
	ms = nmodeset(&e.s, 1);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(nmodeset(&e.s, 1), ms + 1);
	assert_int_equal(mode(&e.s, 1), dmode(VPF_DEV_MODE_FREEZE));
	/* STOP -> STOP_COPY -> STOP -> STOP_COPY: a second full stream
	 * (the device context is discarded before re-reading; 1.4: a new
	 * GET object reads all parts again). */
	{
		struct mig_buf a, b;
		struct vpf_mig_stream_info ia, ib;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e.s, 1, &a, 64);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e.s, 1, &b, 4096);
		assert_int_equal(vpf_mig_stream_validate(a.p, a.len, NULL, 0, &ia), 0);
		assert_int_equal(vpf_mig_stream_validate(b.p, b.len, NULL, 0, &ib), 0);
		assert_int_equal(ia.final_len, ib.final_len);
		assert_int_equal(a.len, b.len);
		assert_int_equal(ia.parts, v14());
		mig_buf_free(&a);
		mig_buf_free(&b);
	}
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);

	/* A read that failed midway leaves a partial context: leaving
	 * Freeze for Active DISCARDs it first (the device would refuse the
	 * MODE_SET otherwise: doc/protocol.md §4.8). 1.4 has no DISCARD: the
	 * failed read's objects are gone and the resume is all it sends. */
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_EINVAL,
						1, 0), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY),
			 -EINVAL);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_STOP);
	if (v14()) {
		uint32_t g = 99, so = 99;
		uint64_t n0 = ncmds_all(&e.s, 1);

		assert_true(vpf_mig_vf_error(e.s.mig, 1)[0] != '\0');
		assert_int_equal(vpf_admin_v14_obj_usage(e.s.pf, &g, &so, NULL), 0);
		assert_int_equal(g + so, 0);
		ms = nmodeset(&e.s, 1);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING), 0);
		assert_int_equal(nmodeset(&e.s, 1), ms + 1);
		assert_int_equal(ncmds_all(&e.s, 1), n0 + 1);
	} else {
		assert_non_null(strstr(vpf_mig_vf_error(e.s.mig, 1), "DEV_CTX_READ"));
		ms = ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_CTX_DISCARD);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING), 0);
		assert_int_equal(ncmd(&e.s, 1, VPF_ADMIN_OP_DEV_CTX_DISCARD), ms + 1);
	}
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	env_down(&e);
}

/* A DMA fault: the device needs a reset; whatever the engine does about
 * it, the migration call fails and the library's state stays coherent. */
static void
test_device_fatal(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 6, .timeout_us = 20000 };
	enum vpf_mig_state s;
	struct env e;
	int rc;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_fault_inject(e.s.model, 1, VPF_MODEL_FAULT_DMA,
						1, 0), 0);
	rc = vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY);
	assert_true(rc < 0);
	assert_true(vpf_mig_vf_error(e.s.mig, 1)[0] != '\0');
	assert_int_equal(vpf_mig_get_state(e.s.mig, 1, &s), 0);
	assert_true(s == VPF_MIG_STATE_ERROR || s == VPF_MIG_STATE_RUNNING ||
		    s == VPF_MIG_STATE_STOP);
	/* Not busy, and detach/teardown still work. */
	assert_false(vpf_mig_busy(e.s.mig, 1));
	env_down(&e);
}

/* VF 1 of src on its way to STOP meets @p hangs commands that never
 * complete: the MODE_SET, then the MODE_GET that re-reads the mode (1.4:
 * the MODE_SET sent once more, D-MIG14.2); the call returns @p rc. */
static void
arc_times_out(struct env *e, enum vpf_mig_state to, uint32_t hangs, int rc)
{
	assert_int_equal(vpf_model_fault_inject(e->s.model, 1, VPF_MODEL_FAULT_HANG,
						hangs, 0), 0);
	assert_int_equal(vpf_mig_set_state(e->s.mig, 1, to), rc);
	vpf_model_fault_clear(e->s.model);
}

static void
stop_times_out(struct env *e, uint32_t hangs, int rc)
{
	arc_times_out(e, VPF_MIG_STATE_STOP, hangs, rc);
}

static void
test_refused_arcs(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 4, .timeout_us = 20000 };
	struct env e;
	uint64_t before;
	unsigned int t;

	(void)state;
	env_up(&e, &o, NULL);
	before = ncmds_all(&e.s, 1);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_ERROR), -EPERM);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, (enum vpf_mig_state)8), -EPERM);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, (enum vpf_mig_state)-1), -EPERM);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 9, VPF_MIG_STATE_STOP), -EINVAL);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 0, VPF_MIG_STATE_STOP), -EINVAL);
	/* Stream and precopy calls outside their states. */
	{
		uint8_t buf[8];
		size_t got;
		struct vpf_mig_precopy_info pi;

		assert_int_equal(vpf_mig_save_read(e.s.mig, 1, buf, 8, &got), -EPERM);
		assert_int_equal(vpf_mig_load_write(e.s.mig, 1, buf, 8), -EPERM);
		assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), -EPERM);
		assert_int_equal(vpf_mig_precopy_round(e.s.mig, 1), -EPERM);
	}
	assert_int_equal(ncmds_all(&e.s, 1), before);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_RUNNING);

	/* Into ERROR: MODE_SET and the MODE_GET that re-reads it both hang. */
	stop_times_out(&e, 2, -ETIMEDOUT);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_ERROR);
	before = ncmds_all(&e.s, 1);
	for (t = 1; t < VPF_MIG_STATE_MAX; t++)
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, t), -EPERM);
	assert_int_equal(ncmds_all(&e.s, 1), before);
	/* Reset leaves ERROR. */
	assert_int_equal(vpf_mig_reset(e.s.mig, 1), 0);
	assert_running(&e.s, 1);

	/* Abort from ERROR works too. (1.4: RUNNING_P2P -> STOP sends
	 * nothing; the resume back to RUNNING is the one that hangs.) */
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_RUNNING_P2P), 0);
	if (v14())
		arc_times_out(&e, VPF_MIG_STATE_RUNNING, 2, -ETIMEDOUT);
	else
		stop_times_out(&e, 2, -ETIMEDOUT);
	assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_ERROR);
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
	assert_running(&e.s, 1);

	/* A timed-out MODE_SET whose re-read works: the state follows the
	 * device, not ERROR. 1.4: the MODE_SET sent again works, the VF
	 * is in STOP (the call still says the first one timed out). */
	stop_times_out(&e, 1, -ETIMEDOUT);
	assert_int_not_equal(vfstate(&e.s, 1), VPF_MIG_STATE_ERROR);
	if (v14())
		assert_int_equal(vfstate(&e.s, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(dmode(vpf_mig_state_mode(vfstate(&e.s, 1))),
			 mode(&e.s, 1));
	assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	env_down(&e);
}

static void
test_abort_each_state(void **state)
{
	struct opt o = { .vfs = 3, .qp = 2, .seed = 31 };
	struct vpf_mig_range r = { 0, MEM };
	struct mig_buf stream;
	struct env e;
	unsigned int s;

	(void)state;
	env_up(&e, &o, NULL);
	run_and_save(&e.s, 2, 300, &stream);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 200), 0);
	for (s = 1; s < VPF_MIG_STATE_MAX; s++) {
		uint8_t d0[32];
		struct vpf_mig_vf_info vi;
		uint64_t w0;

		digest(&e.s, 1, d0);
		/* (1.4: no dirty tracking to stop) */
		if (!v14())
			assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, &r, 1,
							     4096), 0);
		/* With a complete stream loaded for RESUMING: as if nothing
		 * was written. */
		w0 = ncmd(&e.s, 1, dop(VPF_ADMIN_OP_DEV_CTX_WRITE));
		reach(&e, s, &stream);
		if (s == VPF_MIG_STATE_RESUMING)
			assert_true(ncmd(&e.s, 1,
					 dop(VPF_ADMIN_OP_DEV_CTX_WRITE)) > w0);
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		assert_running(&e.s, 1);
		assert_digest(&e.s, 1, d0);
		assert_int_equal(vpf_mig_vf_info_get(e.s.mig, 1, &vi), 0);
		assert_false(vi.dirty_tracking);
		assert_false(vi.moved);
		assert_int_equal(vi.save_pending, 0);
		/* Still running: the workload moves it on. */
		assert_int_equal(vpf_model_guest_step(e.s.model, 1, 20), 0);
	}
	/* RESUMING -> STOP done (written, not applied), then abort. */
	{
		uint8_t d0[32];

		digest(&e.s, 1, d0);
		reach(&e, VPF_MIG_STATE_RESUMING, &stream);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP), 0);
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		assert_digest(&e.s, 1, d0);
	}
	mig_buf_free(&stream);
	env_down(&e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_every_arc_and_walk),
	cmocka_unit_test(test_single_arc_commands),
	cmocka_unit_test(test_refused_arcs),
	cmocka_unit_test(test_device_fatal),
	cmocka_unit_test(test_abort_each_state),
)
