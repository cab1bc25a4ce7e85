/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The admin engine against the scripted fake device: many commands in
 * flight for 64 VFs answered out of order, per-VF statistics, command slots
 * running out, EAGAIN retries and their bound, and what a completion
 * callback may not do (poll, exec, reset, detach from inside; resubmit
 * while the PF is detached).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_harness.h"
#include "../vpf_test_time.h"
#include "pf/pf_internal.h"

/* The fake device answers the @p n requests waiting (last first with
 * @p reverse), and the PF is polled until all @p n have completed. */
static void
answer_and_drain(struct fake_dev *fd, struct vpf_pf *pf, int n, bool reverse)
{
	static struct fake_req reqs[128];
	int k, done = 0;

	assert_true(n <= 128);
	for (k = 0; k < n; k++)
		assert_int_equal(fake_pop(fd, &reqs[k]), 1);
	for (k = 0; k < n; k++)
		fake_handle(fd, &reqs[reverse ? n - 1 - k : k]);
	while (done < n) {
		int r = vpf_admin_poll(pf);

		assert_true(r >= 0);
		done += r;
	}
}

static void
test_async_64_vfs(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(64, 0, 0, &fd);
	struct vpf_admin_cmd cmds[128];
	uint8_t modes[64];
	uint64_t sizes[64];
	struct vpf_admin_stats st;
	uint32_t i;

	(void)state;
	for (i = 1; i <= 64; i++)
		fd->vf[i].mode = (uint8_t)(i % 3);
	fd->auto_answer = false;
	pft_record_reset();
	pft_submit_mode_gets(pf, cmds, modes, 64, 1, NULL);
	for (i = 0; i < 64; i++) {
		memset(&cmds[64 + i], 0, sizeof(cmds[64 + i]));
		vpf_admin_prep_ctx_size_get(&cmds[64 + i], (uint16_t)(i + 1), true, &sizes[i]);
		cmds[64 + i].done = pft_record_cb;
		cmds[64 + i].arg = (void *)(uintptr_t)(64 + i);
		assert_int_equal(vpf_admin_submit(pf, &cmds[64 + i]), 0);
	}
	assert_int_equal(vpf_admin_inflight(pf), 128);
	vpf_admin_kick(pf);
	/* Attach took 2; the batch of 128 rang one per 16 commands as they
	 * were queued (D-PERF.6), so the kick found nothing left. */
	assert_int_equal(fd->kicks, 2 + 128 / 16);
	/* Device answers in reverse order. */
	answer_and_drain(fd, pf, 128, true);
	assert_int_equal(pft_cb_total, 128);
	for (i = 0; i < 64; i++) {
		assert_int_equal(pft_cb_calls[i], 1);
		assert_int_equal(pft_cb_rc[i], 0);
		assert_int_equal(modes[i], (i + 1) % 3);
		assert_int_equal(pft_cb_calls[64 + i], 1);
		assert_int_equal(pft_cb_rc[64 + i], 0);
		assert_int_equal(sizes[i], fd->vf[i + 1].ctx_len);
	}
	assert_int_equal(vpf_admin_inflight(pf), 0);
	assert_int_equal(vpf_admin_stats_get(pf, 7, &st), 0);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_GET], 1);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_CTX_SIZE_GET], 1);
	assert_int_equal(st.lat_count, 2);
	assert_int_equal(vpf_admin_stats_get(pf, 0, &st), 0);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_DEV_MODE_GET], 64);
	assert_int_equal(st.cmds[VPF_ADMIN_OP_LIST_QUERY], 1);
	assert_true(st.lat_min_ns <= st.lat_max_ns);
	assert_int_equal(vpf_admin_stats_get(pf, 65, &st), -EINVAL);
	/* Slots running out is test_slots_exhausted. */
	pft_down(pf, fd);
}

/* A batch rings the doorbell by itself every 16 queued commands (the
 * device starts on them while the rest is queued); fewer wait for the
 * kick or the next poll (D-PERF.6). */
static void
test_kick_every_16(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(64, 0, 0, &fd);
	struct vpf_admin_cmd cmds[40];
	uint8_t modes[40];
	uint32_t k0;

	(void)state;
	fd->auto_answer = false;
	pft_record_reset();
	k0 = fd->kicks;
	pft_submit_mode_gets(pf, cmds, modes, 15, 1, NULL);
	assert_int_equal(fd->kicks, k0);
	pft_submit_mode_gets(pf, cmds + 15, modes + 15, 1, 16, NULL);
	assert_int_equal(fd->kicks, k0 + 1);
	pft_submit_mode_gets(pf, cmds + 16, modes + 16, 20, 17, NULL);
	assert_int_equal(fd->kicks, k0 + 2);
	vpf_admin_kick(pf);
	assert_int_equal(fd->kicks, k0 + 3);
	vpf_admin_kick(pf);
	assert_int_equal(fd->kicks, k0 + 3);
	answer_and_drain(fd, pf, 36, false);
	assert_int_equal(pft_cb_total, 36);
	pft_down(pf, fd);
}

static void
test_slots_exhausted(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	static struct vpf_admin_cmd cmds[300];
	static uint8_t modes[300];
	uint32_t i, nslots = pf->nslots;
	uint8_t m;

	(void)state;
	fd->auto_answer = false;
	memset(cmds, 0, sizeof(cmds));
	for (i = 0; i < nslots; i++) {
		vpf_admin_prep_mode_get(&cmds[i], 1, &modes[i]);
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
	}
	vpf_admin_prep_mode_get(&cmds[nslots], 1, &modes[nslots]);
	assert_int_equal(vpf_admin_submit(pf, &cmds[nslots]), -EBUSY);
	/* The device answers everything; exec of a new one waits for room. */
	fd->auto_answer = true;
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);
	while (vpf_admin_inflight(pf) > 0)
		assert_true(vpf_admin_poll(pf) >= 0);
	for (i = 0; i < nslots; i++)
		assert_int_equal(cmds[i].rc, 0);
	/* Resubmitting a command in flight is refused. */
	fd->auto_answer = false;
	vpf_admin_prep_mode_get(&cmds[0], 1, &modes[0]);
	assert_int_equal(vpf_admin_submit(pf, &cmds[0]), 0);
	assert_int_equal(vpf_admin_submit(pf, &cmds[0]), -EINVAL);
	fd->auto_answer = true;
	while (vpf_admin_inflight(pf) > 0)
		assert_true(vpf_admin_poll(pf) >= 0);
	pft_down(pf, fd);
}

static void
test_retry_eagain(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_stats st;
	uint16_t s, q;
	uint8_t m;

	(void)state;
	fd->eagain_next = 3;
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);
	assert_int_equal(fd->eagain_given, 3);
	assert_int_equal(vpf_admin_stats_get(pf, 2, &st), 0);
	assert_int_equal(st.retries, 3);
	/* Bounded: gives up after retry_max. */
	fd->eagain_next = 1000;
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), -EAGAIN);
	assert_int_equal(fd->eagain_given, 3 + 17);
	vpf_admin_last_status(pf, &s, &q);
	assert_int_equal(s, VPF_ADMIN_STATUS_EAGAIN);
	assert_int_equal(q, VPF_ADMIN_SQ_TRYAGAIN);
	assert_non_null(strstr(vpf_last_error(), "status EAGAIN (11), qualifier TRYAGAIN (7)"));
	assert_int_equal(vpf_admin_stats_get(pf, 0, &st), 0);
	assert_int_equal(st.errors_by_status[VPF_ADMIN_STATUS_EAGAIN], 1);
	fd->eagain_next = 0;
	pft_down(pf, fd);
}

/* Detach completes what is in flight with -ECANCELED, once; a callback
 * that submits again is refused instead of posting onto a ring that is
 * being freed (where it would never complete). */
static struct vpf_pf *resub_pf;
static int resub_rc;

static void
resub_cb(struct vpf_admin_cmd *c)
{
	pft_record_cb(c);
	resub_rc = vpf_admin_submit(resub_pf, c);
}

static void
test_detach_cancels_once(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_cmd c[2];
	uint8_t m[2];

	(void)state;
	memset(c, 0, sizeof(c));
	pft_record_reset();
	fd->hang_next = 2;
	resub_pf = pf;
	resub_rc = 1;
	vpf_admin_prep_mode_get(&c[0], 1, &m[0]);
	c[0].done = resub_cb;
	c[0].arg = (void *)(intptr_t)0;
	vpf_admin_prep_mode_get(&c[1], 2, &m[1]);
	c[1].done = pft_record_cb;
	c[1].arg = (void *)(intptr_t)1;
	assert_int_equal(vpf_admin_submit(pf, &c[0]), 0);
	assert_int_equal(vpf_admin_submit(pf, &c[1]), 0);
	vpf_admin_kick(pf);
	vpf_pf_detach(pf);
	assert_int_equal(pft_cb_calls[0], 1);
	assert_int_equal(pft_cb_calls[1], 1);
	assert_int_equal(pft_cb_rc[0], -ECANCELED);
	assert_int_equal(pft_cb_rc[1], -ECANCELED);
	assert_int_equal(resub_rc, -ENODEV);
	assert_int_not_equal(c[0].priv[1], CMD_BUSY);
	pft_fake_free(fd);
}

/* From a completion callback, whatever would poll (and so run callbacks
 * inside callbacks) or free the engine is refused with -EDEADLK. */
static struct vpf_pf *reent_pf;
static int reent_rc[5];

static void
reent_cb(struct vpf_admin_cmd *c)
{
	struct vpf_admin_cmd x;
	uint8_t m;

	(void)c;
	memset(&x, 0, sizeof(x));
	reent_rc[0] = vpf_admin_poll(reent_pf);
	vpf_admin_prep_mode_get(&x, 1, &m);
	reent_rc[1] = vpf_admin_exec(reent_pf, &x);
	reent_rc[2] = vpf_admin_mode_get(reent_pf, 1, &m);
	reent_rc[3] = vpf_pf_reset(reent_pf);
	vpf_pf_detach(reent_pf);	/* refused: the PF stays */
	reent_rc[4] = (int)vpf_admin_inflight(reent_pf);
}

static void
test_callback_reentry_refused(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_admin_cmd c;
	uint32_t answered;
	uint8_t m;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(reent_rc, 0x55, sizeof(reent_rc));
	reent_pf = pf;
	vpf_admin_prep_mode_get(&c, 1, &m);
	c.done = reent_cb;
	assert_int_equal(vpf_admin_exec(pf, &c), 0);
	answered = fd->answered;
	assert_int_equal(reent_rc[0], -EDEADLK);
	assert_int_equal(reent_rc[1], -EDEADLK);
	assert_int_equal(reent_rc[2], -EDEADLK);
	assert_int_equal(reent_rc[3], -EDEADLK);
	assert_int_equal(reent_rc[4], 0);
	/* Nothing was sent from the callback, and the PF still works. */
	assert_int_equal(fd->answered, answered);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	pft_down(pf, fd);
}

/*
 * One burst of @p n MODE_GETs on an idle ring, answered @p per_wave at a
 * time, as a device with that many engines would: each wave only after
 * twice the time the one before took to be seen, so that it counts as
 * kept waiting whatever the machine's load. @p per_wave >= @p n: all at
 * once. Before the last wave the estimate is still @p before (it changes
 * when the ring empties).
 */
static void
conc_burst(struct fake_dev *fd, struct vpf_pf *pf, int n, int per_wave,
	   uint32_t before)
{
	static struct vpf_admin_cmd cmds[32];
	static uint8_t modes[32];
	static struct fake_req reqs[32];
	uint64_t t0, seen = 1000;	/* the first wave after 1 ms */
	int k, done = 0;

	assert_true(n <= 32);
	assert_int_equal(vpf_admin_inflight(pf), 0);
	pft_submit_mode_gets(pf, cmds, modes, (uint32_t)n, 1, NULL);
	vpf_admin_kick(pf);
	t0 = vpf_test_now_us();
	for (k = 0; k < n; k++)
		assert_int_equal(fake_pop(fd, &reqs[k]), 1);
	while (done < n) {
		int w = RTE_MIN(per_wave, n - done), got = 0;

		assert_int_equal(vpf_admin_concurrency(pf), before);
		vpf_test_sleep_until_us(t0 + 2 * seen);
		for (k = 0; k < w; k++)
			fake_handle(fd, &reqs[done + k]);
		while (got < w) {
			int r = vpf_admin_poll(pf);

			assert_true(r >= 0);
			got += r;
		}
		seen = vpf_test_now_us() - t0;
		done += w;
	}
}

/* The device's concurrency as completions show it (D-DRV.32): the median
 * of the last three bursts that had the queue full (the larger of two). */
static void
test_concurrency_estimate(void **state)
{
	static const struct {
		int n, per_wave;	/* the burst */
		uint32_t after;		/* the estimate after it */
	} steps[] = {
		/* four engines: four together, the others kept waiting */
		{ 12, 4, 4 },
		/* never full: no change */
		{ 6, 6, 4 },
		{ 1, 1, 4 },
		/* two bursts: the larger */
		{ 20, 8, 8 },
		/* three: the median; one odd burst does not move it... */
		{ 9, 2, 4 },
		/* ...two do (8, 2, 2) */
		{ 9, 2, 2 },
	};
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(32, 0, 0, &fd);
	uint32_t before = 0;
	size_t i;

	(void)state;
	fd->auto_answer = false;
	assert_int_equal(vpf_admin_concurrency(NULL), 0);
	for (i = 0; i < RTE_DIM(steps); i++) {
		conc_burst(fd, pf, steps[i].n, steps[i].per_wave, before);
		assert_int_equal(vpf_admin_concurrency(pf), steps[i].after);
		before = steps[i].after;
	}
	pft_down(pf, fd);
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_async_64_vfs),
	cmocka_unit_test(test_kick_every_16),
	cmocka_unit_test(test_concurrency_estimate),
	cmocka_unit_test(test_slots_exhausted),
	cmocka_unit_test(test_retry_eagain),
	cmocka_unit_test(test_detach_cancels_once),
	cmocka_unit_test(test_callback_reentry_refused),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
