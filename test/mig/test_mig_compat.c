/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * What the destination refuses before any DEV_CTX_WRITE: the
 * compatibility pre-flight, corrupted, truncated, reordered and
 * incompatible streams, and an incompatible destination caught by the
 * load checks when the pre-flight is skipped.
 */

#include "mig_harness.h"

/* Load @p s into dst VF 1 in pieces; @return the first error of the load
 * or of RESUMING -> STOP. No CTX_WRITE may have reached the device. */
static int
load_refused(struct env *e, const uint8_t *s, size_t len, int want)
{
	uint64_t w0 = ncmd(&e->d, 1, dop(VPF_ADMIN_OP_DEV_CTX_WRITE));
	uint8_t d0[32];
	size_t off = 0;
	int rc = 0, rs;

	digest(&e->d, 1, d0);
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	while (off < len && rc == 0) {
		size_t n = len - off < 97 ? len - off : 97;

		rc = vpf_mig_load_write(e->d.mig, 1, s + off, n);
		off += n;
	}
	if (rc)
		assert_int_equal(rc, want);
	rs = vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_STOP);
	assert_int_equal(rs, want);
	assert_int_equal(vfstate(&e->d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(ncmd(&e->d, 1, dop(VPF_ADMIN_OP_DEV_CTX_WRITE)), w0);
	/* Nothing applied when the VF runs again. */
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	assert_digest(&e->d, 1, d0);
	return rs;
}

/* 1.4: the stream @p s of a VF whose parts destination VF 1 does not
 * take (no field list to check them against: the device checks each
 * part) is refused by the device's PARTS_SET; the VF gets its own parts
 * back before it runs (D-MIG14.4), and no object is left. */
static void
load_device_refused(struct env *e, const uint8_t *s, size_t len)
{
	uint32_t g = 99, so = 99;
	uint8_t d0[32];

	digest(&e->d, 1, d0);
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e->d.mig, 1, s, len), -EINVAL);
	assert_non_null(strstr(vpf_mig_vf_error(e->d.mig, 1), "DEV_PARTS_SET"));
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_STOP), -EINVAL);
	assert_int_equal(vfstate(&e->d, 1), VPF_MIG_STATE_STOP);
	assert_int_equal(vpf_mig_set_state(e->d.mig, 1, VPF_MIG_STATE_RUNNING), 0);
	assert_digest(&e->d, 1, d0);
	assert_int_equal(vpf_admin_v14_obj_usage(e->d.pf, &g, &so, NULL), 0);
	assert_int_equal(g + so, 0);
}

static void
test_streams_refused(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 61 };
	struct opt od = o;
	struct mig_buf good, bad;
	size_t off[8], len[8];
	unsigned int n;
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	run_and_save(&e.s, 1, 300, &good);
	memset(&bad, 0, sizeof(bad));

	/* Sanity: the good stream loads. */
	load_stream(&e.d, 2, &good);

	/* Corrupt: a byte of every region (header, final record, END). */
	{
		/* (1.4: no field list, so the third is the header's CRC) */
		size_t where[] = { 3, 20, v14() ? MIG_HDR_FIXED + 2 :
					  MIG_HDR_FIXED + 5, good.len / 2,
				   good.len - 30, good.len - 1 };
		unsigned int i;

		for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
			mig_buf_reset(&bad);
			mig_buf_append(&bad, good.p, good.len);
			bad.p[where[i]] ^= 0x40;
			load_refused(&e, bad.p, bad.len, -EBADMSG);
		}
	}
	/* Truncated anywhere, including just before the last byte. */
	{
		size_t cut[] = { 10, MIG_HDR_FIXED + 2, good.len / 2,
				 good.len - 20, good.len - 1 };
		unsigned int i;

		for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
			load_refused(&e, good.p, cut[i], -ENODATA);
	}
	/* Reordered: END before FINAL. */
	n = records(&good, off, len, 8);
	assert_int_equal(n, 2);
	mig_buf_reset(&bad);
	mig_buf_append(&bad, good.p, off[0]);
	mig_buf_append(&bad, good.p + off[1], len[1]);
	mig_buf_append(&bad, good.p + off[0], len[0]);
	load_refused(&e, bad.p, bad.len, -EBADMSG);
	/* A precopy stream with its records swapped. */
	{
		struct mig_buf pc;

		memset(&pc, 0, sizeof(pc));
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_PRE_COPY), 0);
		assert_int_equal(vpf_mig_precopy_round(e.s.mig, 1), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1, VPF_MIG_STATE_STOP_COPY), 0);
		drain(&e.s, 1, &pc, 4096);
		n = records(&pc, off, len, 8);
		assert_int_equal(n, 4);
		mig_buf_reset(&bad);
		mig_buf_append(&bad, pc.p, off[0]);
		mig_buf_append(&bad, pc.p + off[1], len[1]);
		mig_buf_append(&bad, pc.p + off[0], len[0]);
		mig_buf_append(&bad, pc.p + off[2], len[2] + len[3]);
		load_refused(&e, bad.p, bad.len, -EBADMSG);
		mig_buf_free(&pc);
		assert_int_equal(vpf_mig_abort(e.s.mig, 1), 0);
	}
	mig_buf_free(&good);
	mig_buf_free(&bad);
	env_down(&e);

	/* Incompatible: the destination's queues are smaller (its
	 * DEV_OWN_DESC maximum does not fit the source's). */
	od.vq_size = 64;
	env_up(&e, &o, &od);
	run_and_save(&e.s, 1, 300, &good);
	if (v14())
		load_device_refused(&e, good.p, good.len);
	else
		load_refused(&e, good.p, good.len, -EPROTO);
	mig_buf_free(&good);
	env_down(&e);
}

static void
test_compat(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 71 };
	struct opt od = o;
	struct vpf_mig_compat c;
	uint8_t d0[32];
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 100), 0);
	digest(&e.s, 1, d0);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 2, &c), 0);
	assert_true(c.compatible);
	/* (1.4 has no FIELDS_QUERY: the destination device checks each
	 * part) */
	assert_int_equal(c.fields_checked, !v14());
	assert_int_equal(c.src_queues, 2 * 2 + 1);	/* + control */
	assert_int_equal(c.dst_queues, 2 * 2 + 1);
	assert_true(c.ctx_estimate > 0);
	assert_string_equal(c.warning, "");
	/* The source kept running, unchanged. */
	assert_digest(&e.s, 1, d0);
	assert_int_equal(mode(&e.s, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.s.mig, 1, &c), -EINVAL);
	env_down(&e);

	/* Queue counts differ: refused before any downtime. */
	od.qp = 1;
	env_up(&e, &o, &od);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), -EPROTO);
	assert_false(c.compatible);
	assert_non_null(strstr(c.reason, "queue count"));
	{
		struct vpf_mig_pair p = mig_pair(&e.s, 1, &e.d, 1);
		/* (a 1.4 attach sent a resume already) */
		uint64_t ms0 = nmodeset(&e.s, 1), md0 = nmodeset(&e.d, 1);

		assert_int_equal(vpf_mig_migrate(NULL, &p, 1, NULL), -EPROTO);
		assert_int_equal(p.failed_phase, VPF_MIG_PHASE_PREFLIGHT);
		assert_int_equal(nmodeset(&e.s, 1), ms0);
		assert_int_equal(nmodeset(&e.d, 1), md0);
	}
	env_down(&e);

	/* Queue sizes differ: FIELDS_QUERY lengths do not fit. (1.4: no
	 * field list; the destination device checks each part, see
	 * test_driver_incompatible_stream.) */
	od = o;
	od.vq_size = 64;
	env_up(&e, &o, &od);
	if (v14()) {
		assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), 0);
		assert_true(c.compatible);
		assert_false(c.fields_checked);
		env_down(&e);
		return;
	}
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), -EPROTO);
	assert_non_null(strstr(c.reason, "VQ_SPLIT_DEV_OWN_DESC"));
	env_down(&e);

	/* No FIELDS_QUERY on the destination: a warning, not a refusal. */
	od = o;
	od.off = VPF_MODEL_OFF_FIELDS_QUERY;
	env_up(&e, &o, &od);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), 0);
	assert_true(c.compatible);
	assert_false(c.fields_checked);
	assert_non_null(strstr(c.warning, "FIELDS_QUERY"));
	{
		struct vpf_mig_pair p = mig_pair(&e.s, 1, &e.d, 1);

		assert_int_equal(vpf_mig_migrate(NULL, &p, 1, NULL), 0);
		assert_same_vf(&e.s, 1, &e.d, 1);
	}
	env_down(&e);
}

/* Without the pre-flight, an incompatible destination is caught by the
 * load checks: the pair fails before any CTX_WRITE, in precopy or in
 * stop-copy, and the source runs on unchanged (1.4: by the destination
 * device, which keeps its own state). */
static void
test_driver_incompatible_stream(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 91 };
	struct opt od = o;
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	uint8_t s0[32], d0[32];
	struct env e;
	unsigned int pc;

	(void)state;
	od.vq_size = 64;
	env_up(&e, &o, &od);
	for (pc = 0; pc < 2; pc++) {
		uint16_t vf = (uint16_t)(1 + pc);

		assert_int_equal(vpf_model_guest_step(e.s.model, vf, 200), 0);
		digest(&e.s, vf, s0);
		digest(&e.d, vf, d0);
		vpf_mig_opts_init(&mo);
		mo.no_preflight = true;
		mo.precopy_rounds = pc;
		p = mig_pair(&e.s, vf, &e.d, vf);
		/* 1.4: no field list; the destination device refuses the
		 * parts (its PARTS_SET), and gets its own back (D-MIG14.4). */
		assert_int_equal(vpf_mig_migrate(&mo, &p, 1, NULL),
				 v14() ? -EINVAL : -EPROTO);
		assert_int_equal(p.failed_phase, pc ? VPF_MIG_PHASE_PRECOPY :
				 VPF_MIG_PHASE_STOP_COPY);
		assert_non_null(strstr(p.error, v14() ? "DEV_PARTS_SET" :
				       "VQ_SPLIT_DEV_OWN_DESC"));
		if (!v14())
			assert_int_equal(ncmd(&e.d, vf, VPF_ADMIN_OP_DEV_CTX_WRITE), 0);
		assert_int_equal(mode(&e.s, vf), VPF_DEV_MODE_ACTIVE);
		assert_int_equal(mode(&e.d, vf), VPF_DEV_MODE_ACTIVE);
		assert_digest(&e.s, vf, s0);
		assert_digest(&e.d, vf, d0);
	}
	env_down(&e);
}

/* The load side compares the header's queue count with the destination
 * VF's once a pre-flight read it: refused before any CTX_WRITE. */
static void
test_load_queue_count(void **state)
{
	struct opt o = { .vfs = 2, .qp = 2, .seed = 93 };
	struct opt od = o;
	struct vpf_mig_compat c;
	struct mig_buf b;
	struct env e;

	(void)state;
	od.qp = 1;
	env_up(&e, &o, &od);
	assert_int_equal(vpf_mig_check_compat(e.s.mig, 1, e.d.mig, 1, &c), -EPROTO);
	run_and_save(&e.s, 1, 100, &b);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_RESUMING), 0);
	assert_int_equal(vpf_mig_load_write(e.d.mig, 1, b.p, b.len), -EPROTO);
	assert_non_null(strstr(vpf_last_error(), "queues"));
	assert_int_equal(ncmd(&e.d, 1, dop(VPF_ADMIN_OP_DEV_CTX_WRITE)), 0);
	assert_int_equal(vpf_mig_set_state(e.d.mig, 1, VPF_MIG_STATE_STOP), -EPROTO);
	mig_buf_free(&b);
	env_down(&e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_streams_refused),
	cmocka_unit_test(test_compat),
	cmocka_unit_test(test_driver_incompatible_stream),
	cmocka_unit_test(test_load_queue_count),
)
