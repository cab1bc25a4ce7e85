/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Deadlines, recovery and resets against the scripted fake device: a hung
 * command recovered by a queue reset or by re-initialising the device,
 * DEVICE_NEEDS_RESET and surprise removal, recovery that keeps failing (no
 * nesting, a bound, the PF failed with its reason, other PFs unaffected),
 * the owner's reset cancelling what is in flight, and a re-initialisation
 * while every slot waits for a retry.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pf_harness.h"
#include "pf/pf_internal.h"

static void
hang_and_recover(bool ring_reset)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(8, ring_reset ? 0 : FAKE_NO_RING_RESET, 20000, &fd);
	struct vpf_admin_cmd cmds[8];
	uint8_t modes[8], m;
	struct vpf_admin_stats st;
	struct vpf_pf_info info;
	uint32_t i, resets;

	resets = fd->resets;
	fd->hang_next = 1;
	fd->hang_vf = 3;
	pft_record_reset();
	pft_submit_mode_gets(pf, cmds, modes, 8, 1, NULL);
	/* The kick makes the fake answer all but VF 3's. */
	while (pft_cb_total < 8)
		assert_true(vpf_admin_poll(pf) >= 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(pft_cb_calls[i], 1);
		assert_int_equal(pft_cb_rc[i], i == 2 ? -ETIMEDOUT : 0);
	}
	assert_non_null(strstr(vpf_last_error(), "DEV_MODE_GET on VF 3 timed out"));
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.recoveries, 1);
	if (ring_reset) {
		assert_int_equal(fd->queue_resets, 1);
		assert_int_equal(fd->resets, resets);
	} else {
		assert_int_equal(fd->queue_resets, 0);
		assert_int_equal(fd->resets, resets + 1);
		/* LIST_USE renegotiated. */
		assert_int_equal(fd->enabled, info.cmds_enabled);
	}
	assert_int_equal(vpf_admin_stats_get(pf, 3, &st), 0);
	assert_int_equal(st.timeouts, 1);
	/* Everything works again, VF 3 included. */
	for (i = 1; i <= 8; i++)
		assert_int_equal(vpf_admin_mode_get(pf, (uint16_t)i, &m), 0);

	/* A hang with other commands on the ring: they are cancelled. */
	fd->hang_next = 1;
	fd->hang_vf = 1;
	fd->auto_answer = false;
	pft_record_reset();
	pft_submit_mode_gets(pf, cmds, modes, 4, 1, NULL);
	vpf_admin_kick(pf);
	{
		struct fake_req r;

		/* VF 1 hangs, VF 2 answered, VF 3/4 never looked at. */
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_handle(fd, &r);
		assert_int_equal(fake_pop(fd, &r), 1);
		fake_handle(fd, &r);
	}
	fd->auto_answer = true;
	while (pft_cb_total < 4)
		assert_true(vpf_admin_poll(pf) >= 0);
	assert_int_equal(pft_cb_rc[0], -ETIMEDOUT);
	assert_int_equal(pft_cb_rc[1], 0);
	assert_int_equal(pft_cb_rc[2], -ECANCELED);
	assert_int_equal(pft_cb_rc[3], -ECANCELED);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	pft_down(pf, fd);
}

static void
test_timeout_queue_reset(void **state)
{
	(void)state;
	hang_and_recover(true);
}

static void
test_timeout_device_reinit(void **state)
{
	(void)state;
	hang_and_recover(false);
}

static void
test_device_gone_and_needs_reset(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 5000000, &fd);
	struct vpf_pf_info info;
	uint8_t m;

	(void)state;
	/* DMA fault style: the device stops and sets DEVICE_NEEDS_RESET. */
	fd->auto_answer = false;
	{
		struct vpf_admin_cmd c;
		struct fake_req r;

		memset(&c, 0, sizeof(c));
		vpf_admin_prep_mode_get(&c, 2, &m);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		assert_int_equal(fake_pop(fd, &r), 1);
		fd->status |= VPF_STATUS_DEVICE_NEEDS_RESET;
		fd->auto_answer = true;
		while (c.priv[1] != CMD_DONE)
			assert_true(vpf_admin_poll(pf) >= 0);
		/* -EIO from the stall check, long before the 5 s deadline
		 * would have made it -ETIMEDOUT. */
		assert_int_equal(c.rc, -EIO);
	}
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(info.recoveries, 1);
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);

	/* Surprise removal with a command in flight. */
	fd->hang_next = 1;
	{
		struct vpf_admin_cmd c;

		memset(&c, 0, sizeof(c));
		vpf_admin_prep_mode_get(&c, 2, &m);
		assert_int_equal(vpf_admin_submit(pf, &c), 0);
		vpf_admin_kick(pf);
		fd->flags |= FAKE_GONE;
		while (c.priv[1] != CMD_DONE)
			(void)vpf_admin_poll(pf);
		assert_int_equal(c.rc, -ENODEV);
	}
	assert_int_equal(vpf_admin_poll(pf), -ENODEV);
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -ENODEV);
	pft_down(pf, fd);
}

/* A device that writes an impossible used.idx at every doorbell, also at
 * the doorbells of the recovery's own LIST_QUERY, and has no RING_RESET:
 * each recovery re-initialises the device and negotiates from inside a
 * poll. Recovery must not nest (it recursed once per doorbell until the
 * stack overflowed), must give up after VPF_ADMIN_RECOVERY_MAX attempts,
 * fail what waits and what comes later with the reason, and leave another
 * PF alone. */
static void
test_recovery_bounded(void **state)
{
	struct fake_dev *fd, *fd2;
	struct vpf_pf *pf = pft_up(4, FAKE_NO_RING_RESET, 0, &fd);
	struct vpf_pf *pf2 = pft_up(4, FAKE_NO_RING_RESET, 0, &fd2);
	struct vpf_admin_cmd c[4];
	struct vpf_pf_info info;
	uint8_t m[4];
	uint32_t i, resets;
	int guard;

	(void)state;
	memset(c, 0, sizeof(c));
	pft_record_reset();
	/* c[0] is answered EAGAIN: it waits for its retry, off the ring. */
	fd->eagain_next = 1;
	vpf_admin_prep_mode_get(&c[0], 1, &m[0]);
	c[0].done = pft_record_cb;
	c[0].arg = (void *)(intptr_t)0;
	assert_int_equal(vpf_admin_submit(pf, &c[0]), 0);
	assert_int_equal(vpf_admin_poll(pf), 0);
	assert_int_equal(pf->nretry, 1);
	/* From now on every doorbell gets an impossible used.idx. */
	fd->bad_idx_on_kick = true;
	resets = fd->resets;
	for (i = 1; i < 4; i++) {
		vpf_admin_prep_mode_get(&c[i], (uint16_t)i, &m[i]);
		c[i].done = pft_record_cb;
		c[i].arg = (void *)(intptr_t)i;
		assert_int_equal(vpf_admin_submit(pf, &c[i]), 0);
	}
	for (guard = 0; guard < 100 && vpf_admin_inflight(pf) > 0; guard++)
		(void)vpf_admin_poll(pf);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pft_cb_calls[i], 1);
		assert_int_equal(pft_cb_rc[i], -EIO);
	}
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_true(info.failed);
	assert_int_equal(info.recoveries, VPF_ADMIN_RECOVERY_MAX);
	/* Each attempt re-initialised the device once. */
	assert_int_equal(fd->resets, resets + VPF_ADMIN_RECOVERY_MAX);
	/* Later commands fail at once with the reason, nothing is sent. */
	i = fd->kicks;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m[0]), -EIO);
	assert_non_null(strstr(vpf_last_error(), "PF t is failed: 3 recoveries in a row without a command answered (last: "));
	assert_non_null(strstr(vpf_last_error(), "detach and attach again"));
	assert_int_equal(vpf_admin_submit(pf, &c[1]), -EIO);
	assert_int_equal(vpf_admin_poll(pf), -EIO);
	assert_int_equal(vpf_pf_reset(pf), -EIO);
	assert_int_equal(fd->kicks, i);
	/* The other PF works. */
	assert_int_equal(vpf_admin_mode_get(pf2, 2, &m[0]), 0);
	assert_int_equal(vpf_pf_info_get(pf2, &info), 0);
	assert_false(info.failed);
	pft_down(pf, fd);
	pft_down(pf2, fd2);
}

/* Recoveries that succeed but are followed by the same fault, with no
 * answered command in between, count too; one answered command resets
 * the count. */
static void
test_recovery_run_resets(void **state)
{
	struct fake_dev *fd;
	struct vpf_pf *pf = pft_up(4, 0, 0, &fd);
	struct vpf_pf_info info;
	uint8_t m;
	uint32_t k;

	(void)state;
	/* RING_RESET: the queue reset works, LIST_* are not re-sent, so
	 * only user commands see the fault. */
	for (k = 0; k < 2; k++) {
		fd->bad_idx_on_kick = true;
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
		fd->bad_idx_on_kick = false;
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), 0);
	}
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_false(info.failed);
	assert_int_equal(info.recoveries, 4);
	fd->bad_idx_on_kick = true;
	for (k = 0; k < VPF_ADMIN_RECOVERY_MAX; k++)
		assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_false(info.failed);
	/* The next fault finds VPF_ADMIN_RECOVERY_MAX attempts without an
	 * answer: the PF is failed without another attempt. */
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_true(info.failed);
	assert_int_equal(info.recoveries, 4 + VPF_ADMIN_RECOVERY_MAX);
	assert_non_null(strstr(vpf_last_error(), "3 recoveries in a row"));
	fd->bad_idx_on_kick = false;
	assert_int_equal(vpf_admin_mode_get(pf, 1, &m), -EIO);
	pft_down(pf, fd);
}

/* Owner reset with commands in flight on a device that never answers
 * them: each callback runs once with -ECANCELED before vpf_pf_reset()
 * returns (their deadline is an hour away), retries included; later
 * commands work. */
static void
test_owner_reset_cancels(void **state)
{
	struct vpf_pf_params p;
	struct vpf_admin_cmd c[6];
	struct vpf_pf_info info;
	struct fake_dev *fd;
	struct vpf_pf *pf;
	uint32_t i, resets;
	uint8_t m[6];

	(void)state;
	pft_params(&p, "t", 20000, 3600u * 1000000u);
	p.retry_backoff_us = 1000;
	pf = pft_up_with(8, 0, &fake_ops, &p, &fd);
	pft_record_reset();
	fd->vf[3].mode = 2;
	/* c[0] answered EAGAIN (waits for a retry), the others held. */
	fd->eagain_next = 1;
	fd->hang_next = 5;
	pft_submit_mode_gets(pf, c, m, 6, 1, NULL);
	assert_int_equal(vpf_admin_poll(pf), 0);
	assert_int_equal(vpf_admin_inflight(pf), 6);
	assert_int_equal(pf->nretry, 1);
	resets = fd->resets;
	assert_int_equal(vpf_pf_reset(pf), 0);
	assert_int_equal(fd->resets, resets + 1);
	assert_int_equal(vpf_admin_inflight(pf), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(pft_cb_calls[i], 1);
		assert_int_equal(pft_cb_rc[i], -ECANCELED);
	}
	/* Nothing fires later. */
	for (i = 0; i < 10; i++)
		assert_int_equal(vpf_admin_poll(pf), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(pft_cb_calls[i], 1);
	/* LIST_USE negotiated again, commands work. */
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_int_equal(fd->enabled, info.cmds_enabled);
	assert_false(info.failed);
	assert_int_equal(vpf_admin_mode_get(pf, 3, &m[0]), 0);
	assert_int_equal(m[0], 2);
	pft_down(pf, fd);
}

/* A device re-initialisation while every command slot is held by a
 * command waiting for its retry: the recovery's LIST_QUERY / LIST_USE
 * still get a slot (they found none, every attempt failed and the PF
 * was failed), and the waiting command completes afterwards. */
static void
test_recovery_all_slots_retrying(void **state)
{
	struct vpf_pf_params p;
	struct vpf_admin_cmd c;
	struct vpf_pf_info info;
	struct fake_dev *fd;
	struct vpf_pf *pf;
	uint32_t resets;
	int guard;
	uint8_t m = 0xee;

	(void)state;
	pft_params(&p, "t", 20000, 0);
	p.admin_queue_size = 4;		/* one command slot */
	pf = pft_up_with(4, FAKE_NO_RING_RESET, &fake_ops, &p, &fd);
	assert_int_equal(pf->nslots, 1);
	fd->vf[2].mode = 1;
	memset(&c, 0, sizeof(c));
	fd->eagain_next = 1;
	vpf_admin_prep_mode_get(&c, 2, &m);
	assert_int_equal(vpf_admin_submit(pf, &c), 0);
	assert_int_equal(vpf_admin_poll(pf), 0);
	assert_int_equal(pf->nretry, 1);
	assert_int_equal(pf->nfree, 0);
	/* An impossible used index, read by the next poll before the retry
	 * is due: recovery by device re-init. */
	resets = fd->resets;
	fake_bad_used_idx(fd);
	for (guard = 0; guard < 100000 && c.priv[1] != CMD_DONE; guard++)
		(void)vpf_admin_poll(pf);
	assert_int_equal(c.priv[1], CMD_DONE);
	assert_int_equal(vpf_pf_info_get(pf, &info), 0);
	assert_false(info.failed);
	assert_int_equal(info.recoveries, 1);
	assert_int_equal(fd->resets, resets + 1);
	assert_int_equal(c.rc, 0);
	assert_int_equal(m, 1);
	assert_int_equal(vpf_admin_mode_get(pf, 2, &m), 0);
	pft_down(pf, fd);
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_timeout_queue_reset),
	cmocka_unit_test(test_timeout_device_reinit),
	cmocka_unit_test(test_device_gone_and_needs_reset),
	cmocka_unit_test(test_recovery_bounded),
	cmocka_unit_test(test_recovery_run_resets),
	cmocka_unit_test(test_owner_reset_cancels),
	cmocka_unit_test(test_recovery_all_slots_retrying),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
