/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Precopy: the per-VF precopy information round by round and a stream
 * of three rounds loaded elsewhere; the progress callback stopping the
 * precopy early or aborting the migration.
 */

#include "mig_harness.h"

static void
test_progress_control(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 11 };
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	uint16_t k = 1;
	struct wl w = { .ops = 30, .n = 1, .vfs = &k };
	struct env e;
	uint8_t d0[32];

	(void)state;
	env_up(&e, &o, NULL);
	w.s = &e.s;
	/* STOP_PRECOPY after round 2 of 5. */
	vpf_mig_opts_init(&mo);
	mo.precopy_rounds = 5;
	mo.progress = wl_progress;
	mo.arg = &w;
	w.stop_after_round = 2;
	p = mig_pair(&e.s, 1, &e.d, 1);
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, &res), 0);
	assert_int_equal(w.last_round, 2);
	assert_int_equal(res.precopy_rounds, 2);
	assert_true(res.precopy_bytes > 0 && res.precopy_bytes == w.pc_bytes);
	assert_same_vf(&e.s, 1, &e.d, 1);

	/* A negative return aborts: the source keeps running unchanged (as
	 * the callback left it), the destination has nothing applied. */
	memset(&w, 0, sizeof(w));
	w.s = &e.s;
	w.vfs = &k;
	k = 2;
	w.n = 1;
	w.ops = 30;
	w.abort_at_round = 2;
	digest(&e.d, 2, d0);
	p = mig_pair(&e.s, 2, &e.d, 2);
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, &res), -ECANCELED);
	assert_int_equal(p.rc, -ECANCELED);
	assert_int_equal(res.failed, 1);
	assert_running(&e.s, 2);
	assert_int_equal(mode(&e.d, 2), VPF_DEV_MODE_ACTIVE);
	assert_digest(&e.d, 2, d0);
	/* The source still runs. */
	assert_guest_runs(&e.s, 2, 50);
	env_down(&e);
}

static void
test_precopy_info(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 8 };
	struct vpf_mig_precopy_info pi;
	struct mig_buf b;
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	memset(&b, 0, sizeof(b));
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 100), 0);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_PRE_COPY), 0);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), 0);
	assert_int_equal(pi.round, 1);
	/* doc/protocol.md §7.3: initial_bytes is SIZE_GET(current) of the
	 * round; the stream bytes still to pull are pending_bytes. */
	assert_true(pi.initial_bytes == pi.round_size && pi.round_size > 0);
	assert_true(pi.pending_bytes > pi.round_size);
	/* 1.4: each round is the whole state, nothing dirty (D-MIG14.6). */
	if (v14())
		assert_int_equal(pi.dirty_bytes, 0);
	else
		assert_true(pi.dirty_bytes > 0);
	drain(&e.s, 1, &b, 100);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), 0);
	assert_int_equal(pi.pending_bytes, 0);
	assert_int_equal(pi.initial_bytes, pi.round_size);
	/* The guest runs; another round reads a fresh context. */
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 100), 0);
	assert_int_equal(vpf_mig_precopy_round(e.s.mig, 1), 0);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), 0);
	assert_int_equal(pi.round, 2);
	assert_true(pi.initial_bytes > 0);
	/* PRE_COPY_P2P reads a round of the Stop context. */
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_PRE_COPY_P2P), 0);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), 0);
	assert_int_equal(pi.round, 3);
	assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
	assert_int_equal(vpf_mig_precopy_info(e.s.mig, 1, &pi), -EPERM);
	drain(&e.s, 1, &b, 333);
	{
		struct vpf_mig_stream_info si;

		assert_int_equal(vpf_mig_stream_validate(b.p, b.len, NULL, 0, &si), 0);
		assert_int_equal(si.precopy, 3);
		assert_true(si.final);
		assert_int_equal(si.src_vf, 1);
		assert_int_equal(si.num_queues, 2 * 2 + 1);	/* + control */
	}
	/* The whole stream loads on another VF; its state is the source's. */
	load_stream(&e.d, 2, &b);
	{
		assert_same_vf(&e.s, 1, &e.d, 2);
	}
	mig_buf_free(&b);
	env_down(&e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_progress_control),
	cmocka_unit_test(test_precopy_info),
)
