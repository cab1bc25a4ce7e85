/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Dirty-page tracking against the model's ground truth: the low-level
 * calls (page sizes, many ranges, sync windows, refusals, a device
 * without write recording) and the bitmaps vpf_mig_migrate() returns.
 */

#include "mig_harness.h"

/* Every page of the truth inside @p r is set in @p bm (pages of @p ps
 * from @p base). */
static void
assert_covers(const uint64_t *bm, uint64_t base, uint64_t ps,
	      const uint64_t *truth, uint64_t tps, uint64_t tlen,
	      const struct vpf_mig_range *r, unsigned int nr)
{
	uint64_t p, hits = 0;
	unsigned int i;

	for (p = 0; p < tlen / tps; p++) {
		uint64_t a = p * tps, b;
		bool in = nr == 0;

		if (!(truth[p / 64] & (UINT64_C(1) << (p % 64))))
			continue;
		for (i = 0; i < nr; i++)
			if (a >= r[i].addr && a < r[i].addr + r[i].len)
				in = true;
		if (!in)
			continue;
		b = (a - base) / ps;
		if (!(bm[b / 64] & (UINT64_C(1) << (b % 64))))
			fail_msg("page 0x%llx written but not in the bitmap",
				 (unsigned long long)a);
		hits++;
	}
	assert_true(hits > 0);
}

/* Dirty tracking refused on @p e's source VF 1 with an error holding
 * @p msg, by the low-level call and by vpf_mig_migrate() before it sends
 * anything; without it the migration works. */
static void
no_dirty(struct env *e, const char *msg)
{
	struct vpf_mig_range r = { 0, MEM };
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p = mig_pair(&e->s, 1, &e->d, 1);
	/* (a 1.4 attach sent a resume already) */
	uint64_t n0 = ncmds_all(&e->s, 1), m0 = nmodeset(&e->s, 1);

	assert_int_equal(vpf_mig_dirty_start(e->s.mig, 1, &r, 1, 4096), -ENOTSUP);
	assert_non_null(strstr(vpf_last_error(), msg));
	vpf_mig_opts_init(&mo);
	mo.dirty = true;
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, NULL), -ENOTSUP);
	assert_non_null(strstr(vpf_last_error(), msg));
	/* Nothing was sent. */
	assert_int_equal(nmodeset(&e->s, 1), m0);
	assert_int_equal(ncmds_all(&e->s, 1), n0);
	assert_running(&e->s, 1);
	/* Without dirty tracking the migration works. */
	mo.dirty = false;
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, NULL), 0);
	assert_same_vf(&e->s, 1, &e->d, 1);
}

static void
test_dirty_low_level(void **state)
{
	static const uint64_t sizes[] = { 4096, 32768, 65536, 1 << 21 };
	struct opt o = { .vfs = 2, .qp = 2, .seed = 5 };
	struct vpf_mig_range r[24];
	uint64_t *bm, *truth, pages, tp;
	struct env e;
	unsigned int i, s;

	(void)state;
	env_up(&e, &o, NULL);
	if (v14()) {
		/* No device-side dirty tracking at all (D-MIG14.5): the
		 * refusal names the IOMMU. */
		no_dirty(&e, "IOMMU");
		env_down(&e);
		return;
	}
	truth = calloc(MEM / 4096 / 64, 8);
	bm = calloc(MEM / 4096 / 64, 8);
	for (s = 0; s < 4; s++) {
		uint64_t ps = sizes[s];
		size_t words = vpf_mig_bitmap_words(MEM, ps);

		/* One range over all memory. */
		r[0] = (struct vpf_mig_range){ 0, MEM };
		assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 1, ps), 0);
		assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 1, ps), -EBUSY);
		memset(bm, 0, words * 8);
		/* Enough writes that one READ cannot return them all: the
		 * library repeats until drained, and loses none. */
		assert_int_equal(vpf_model_guest_step(e.s.model, 1,
						      ps == 4096 ? 4000 : 400), 0);
		assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, MEM, bm, &pages), 0);
		assert_true(pages > 0);
		if (ps == 4096)
			assert_true(pages > 512);
		/* More writes after the first read: reported by the next. */
		assert_int_equal(vpf_model_guest_step(e.s.model, 1, 400), 0);
		assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, MEM, bm, &pages), 0);
		assert_int_equal(vpf_model_dirty_bitmap(e.s.model, 1, 0, MEM, 4096,
							truth, &tp), 0);
		assert_true(tp > 0);
		assert_covers(bm, 0, ps, truth, 4096, MEM, NULL, 0);
		if (ps == 4096) {
			/* Same page size: exactly the truth. */
			for (i = 0; i < words; i++)
				assert_int_equal(bm[i], truth[i]);
		}
		assert_int_equal(vpf_mig_dirty_stop(e.s.mig, 1), 0);
		assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, MEM, bm, &pages),
				 -EPERM);
	}

	/* 24 scattered ranges (the device takes 16: neighbours merge), and a
	 * sync window smaller than what is tracked. */
	for (i = 0; i < 24; i++)
		r[i] = (struct vpf_mig_range){ (uint64_t)i * (MEM / 24) + 4096 * i,
					       MEM / 48 };
	assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 24, 4096), 0);
	assert_int_equal(vpf_model_guest_step(e.s.model, 1, 2000), 0);
	memset(bm, 0, MEM / 4096 / 8);
	assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, MEM / 2, MEM / 2,
					    bm + MEM / 4096 / 64 / 2, &pages), 0);
	assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 0, MEM / 2, bm, &pages), 0);
	assert_int_equal(vpf_model_dirty_bitmap(e.s.model, 1, 0, MEM, 4096,
						truth, &tp), 0);
	assert_covers(bm, 0, 4096, truth, 4096, MEM, r, 24);
	/* Bad windows. */
	assert_int_equal(vpf_mig_dirty_sync(e.s.mig, 1, 100, 4096, bm, NULL),
			 -EINVAL);
	assert_int_equal(vpf_mig_dirty_stop(e.s.mig, 1), 0);
	assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 0, 4096), -EINVAL);
	assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, r, 1, 1000), -EINVAL);
	free(bm);
	free(truth);
	env_down(&e);

	/* A device without write recording. */
	o.off = VPF_MODEL_OFF_WRITE_RECORD;
	env_up(&e, &o, NULL);
	no_dirty(&e, "dirty tracking unavailable on this device");
	env_down(&e);
}

static void
test_dirty_driver(void **state)
{
	struct opt o = { .vfs = 3, .qp = 2, .seed = 9 };
	struct vpf_mig_range r = { 0, MEM };
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p[2];
	struct vpf_mig_result res;
	uint16_t vfs[2] = { 1, 2 };
	struct wl w = { .ops = 300, .n = 2, .vfs = vfs };
	uint64_t *bm[2], *truth, tp;
	struct env e;
	unsigned int i;

	(void)state;
	need_draft("1.4 has no device-side dirty tracking (test_dirty_low_level checks the refusal)");
	env_up(&e, &o, NULL);
	w.s = &e.s;
	truth = calloc(MEM / 4096 / 64, 8);
	vpf_mig_opts_init(&mo);
	mo.precopy_rounds = 3;
	mo.dirty = true;
	mo.ranges = &r;
	mo.nranges = 1;
	mo.progress = wl_progress;
	mo.arg = &w;
	memset(p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		bm[i] = calloc(vpf_mig_bitmap_words(MEM, 4096), 8);
		p[i] = mig_pair(&e.s, vfs[i], &e.d, (uint16_t)(3 - i));
		p[i].bitmap = bm[i];
	}
	assert_int_equal(vpf_mig_migrate(&mo, p, 2, &res), 0);
	for (i = 0; i < 2; i++) {
		struct vpf_mig_vf_info vi;

		assert_int_equal(vpf_model_dirty_bitmap(e.s.model, vfs[i], 0, MEM,
							4096, truth, &tp), 0);
		assert_true(tp > 0);
		assert_covers(bm[i], 0, 4096, truth, 4096, MEM, NULL, 0);
		assert_int_equal(p[i].pages, tp);
		/* Recording was stopped. */
		assert_int_equal(vpf_mig_vf_info_get(e.s.mig, vfs[i], &vi), 0);
		assert_false(vi.dirty_tracking);
		free(bm[i]);
	}
	assert_int_equal(res.pages, p[0].pages + p[1].pages);
	free(truth);
	env_down(&e);
}

/* Dirty ranges from 0 to the last page below 2^64: no bitmap length
 * covers them. The driver refuses before it sends anything (its bitmap
 * length used to wrap to 0 and the pair failed later, in setup). */
static void
test_dirty_span_too_large(void **state)
{
	struct opt o = { .vfs = 1, .qp = 1, .seed = 63 };
	struct vpf_mig_range r[2] = {
		{ .addr = 0, .len = 4096 },
		{ .addr = (uint64_t)0 - 4096, .len = 4095 },
	};
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	uint64_t s0, d0;
	struct env e;

	(void)state;
	env_up(&e, &o, NULL);
	s0 = ncmds_all(&e.s, 1);
	d0 = ncmds_all(&e.d, 1);
	vpf_mig_opts_init(&mo);
	mo.dirty = true;
	mo.ranges = r;
	mo.nranges = 2;
	p = mig_pair(&e.s, 1, &e.d, 1);
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, NULL), -ERANGE);
	assert_non_null(strstr(vpf_last_error(), "64-bit address space"));
	assert_int_equal(ncmds_all(&e.s, 1), s0);
	assert_int_equal(ncmds_all(&e.d, 1), d0);
	assert_running(&e.s, 1);
	env_down(&e);
}

/* Whether the device records VF @p vf's writes (model ground truth). */
static bool
recording(struct side *sd, uint16_t vf)
{
	bool on = false;

	assert_int_equal(vpf_model_wr_recording(sd->model, vf, &on), 0);
	return on;
}

/* After a failed abort: the VF runs, recording is still on and the
 * caller was told (vpf_mig_vf_info, @p err); vpf_mig_dirty_stop() is the
 * way out. */
static void
assert_left_on_and_told(struct side *sd, uint16_t vf, const char *err)
{
	struct vpf_mig_vf_info vi;
	char want[32];

	snprintf(want, sizeof(want), "VF %u", vf);
	assert_non_null(strstr(err, "write recording may still be on"));
	assert_non_null(strstr(err, "vpf_mig_dirty_stop()"));
	assert_running(sd, vf);
	assert_true(recording(sd, vf));
	assert_int_equal(vpf_mig_vf_info_get(sd->mig, vf, &vi), 0);
	assert_true(vi.dirty_tracking);
	assert_int_equal(vpf_mig_dirty_stop(sd->mig, vf), 0);
	assert_false(recording(sd, vf));
	assert_int_equal(vpf_mig_vf_info_get(sd->mig, vf, &vi), 0);
	assert_false(vi.dirty_tracking);
}

/* The abort's DEV_WRITE_RECORDS_STOP hangs (the admin queue is recovered
 * after the timeout): the abort sends it once more and recording is off
 * on a VF that runs again. When the second one hangs too, the abort fails
 * and says that recording may still be on (soak finding 7, D-MIG.K1). */
static void
test_dirty_abort_stop_hangs(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 21, .timeout_us = 20000 };
	struct vpf_mig_range r = { 0, MEM };
	struct vpf_mig_vf_info vi;
	uint32_t hangs;
	struct env e;

	(void)state;
	need_draft("1.4 has no device-side dirty tracking");
	env_up(&e, &o, NULL);
	for (hangs = 1; hangs <= 2; hangs++) {
		int rc;

		assert_int_equal(vpf_mig_dirty_start(e.s.mig, 1, &r, 1, 4096), 0);
		assert_int_equal(vpf_mig_set_state(e.s.mig, 1,
						   VPF_MIG_STATE_PRE_COPY), 0);
		assert_true(recording(&e.s, 1));
		assert_int_equal(vpf_model_fault_inject_op(e.s.model, 1,
				VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
				VPF_MODEL_FAULT_HANG, hangs, 0), 0);
		rc = vpf_mig_abort(e.s.mig, 1);
		if (hangs == 1) {
			assert_int_equal(rc, 0);
			assert_running(&e.s, 1);
			assert_false(recording(&e.s, 1));
			assert_int_equal(vpf_mig_vf_info_get(e.s.mig, 1, &vi), 0);
			assert_false(vi.dirty_tracking);
			assert_guest_runs(&e.s, 1, 20);
		} else {
			assert_int_equal(rc, -ETIMEDOUT);
			assert_non_null(strstr(vpf_last_error(), "VF 1"));
			assert_string_equal(vpf_mig_vf_error(e.s.mig, 1),
					    vpf_last_error());
			assert_left_on_and_told(&e.s, 1, vpf_last_error());
		}
	}
	/* VF 2 was never touched. */
	assert_false(recording(&e.s, 2));
	assert_running(&e.s, 2);
	env_down(&e);
}

/* A START whose answer is malformed (bad-len: the device started
 * recording, its completion is wrong) fails the job's pair in setup, and
 * the cleanup stops recording on the device (soak finding 9); a START the
 * device refused (einval) started nothing and needs no STOP. */
static void
test_dirty_start_bad_answer(void **state)
{
	struct opt o = { .vfs = 2, .qp = 1, .seed = 23, .timeout_us = 20000 };
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	struct vpf_mig_vf_info vi;
	struct vpf_mig_opts mo;
	struct env e;

	(void)state;
	need_draft("1.4 has no device-side dirty tracking");
	env_up(&e, &o, NULL);
	p = mig_pair(&e.s, 1, &e.d, 1);
	vpf_mig_opts_init(&mo);
	mo.dirty = true;
	mo.precopy_rounds = 1;
	assert_int_equal(vpf_model_fault_inject_op(e.s.model, 1,
			VPF_ADMIN_OP_DEV_WRITE_RECORDS_START,
			VPF_MODEL_FAULT_BAD_LEN, 1, 0), 0);
	assert_int_not_equal(vpf_mig_migrate(&mo, &p, 1, &res), 0);
	assert_int_not_equal(p.rc, 0);
	assert_false(recording(&e.s, 1));
	assert_int_equal(vpf_mig_vf_info_get(e.s.mig, 1, &vi), 0);
	assert_false(vi.dirty_tracking);
	assert_running(&e.s, 1);
	/* refused with a status: nothing started, nothing left */
	p = mig_pair(&e.s, 1, &e.d, 1);
	assert_int_equal(vpf_model_fault_inject_op(e.s.model, 1,
			VPF_ADMIN_OP_DEV_WRITE_RECORDS_START,
			VPF_MODEL_FAULT_EINVAL, 1, 0), 0);
	assert_int_not_equal(vpf_mig_migrate(&mo, &p, 1, &res), 0);
	assert_false(recording(&e.s, 1));
	assert_running(&e.s, 1);
	env_down(&e);
}

/* The same in a migration job with dirty tracking, aborted after a
 * precopy round: the pair's abort leaves recording off, or the pair's
 * error says that it may still be on. */
static void
test_dirty_job_abort_stop_hangs(void **state)
{
	struct opt o = { .vfs = 1, .qp = 1, .seed = 22, .timeout_us = 20000 };
	struct vpf_mig_range r = { 0, MEM };
	struct stop_hang h;
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_vf_info vi;
	uint8_t before[32];
	struct env e;

	(void)state;
	need_draft("1.4 has no device-side dirty tracking");
	env_up(&e, &o, NULL);
	for (h.hangs = 1; h.hangs <= 2; h.hangs++) {
		h.s = &e.s;
		h.vf = 1;
		vpf_mig_opts_init(&mo);
		mo.precopy_rounds = 2;
		mo.dirty = true;
		mo.ranges = &r;
		mo.nranges = 1;
		mo.progress = stop_hang_progress;
		mo.arg = &h;
		p = mig_pair(&e.s, 1, &e.d, 1);
		assert_int_equal(vpf_model_guest_step(e.s.model, 1, 50), 0);
		digest(&e.s, 1, before);
		assert_true(vpf_mig_migrate(&mo, &p, 1, NULL) < 0);
		assert_int_equal(p.rc, -ECANCELED);
		assert_running(&e.s, 1);
		assert_digest(&e.s, 1, before);
		assert_running(&e.d, 1);
		if (h.hangs == 1) {
			assert_false(recording(&e.s, 1));
			assert_int_equal(vpf_mig_vf_info_get(e.s.mig, 1, &vi), 0);
			assert_false(vi.dirty_tracking);
			assert_null(strstr(p.error, "write recording"));
		} else {
			assert_left_on_and_told(&e.s, 1, p.error);
		}
	}
	env_down(&e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_dirty_low_level),
	cmocka_unit_test(test_dirty_driver),
	cmocka_unit_test(test_dirty_span_too_large),
	cmocka_unit_test(test_dirty_abort_stop_hangs),
	cmocka_unit_test(test_dirty_start_bad_answer),
	cmocka_unit_test(test_dirty_job_abort_stop_hangs),
)
