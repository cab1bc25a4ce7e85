/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Every fault kind of vpf_model_fault_inject() is observable, per VF and
 * per PF, for the next N commands; vpf_model_fault_inject_op() hits only
 * its opcode.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "../vpf_test_main.h"

static uint64_t
ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
test_fault_names(void **state)
{
	enum vpf_model_fault_kind k;
	int i;

	(void)state;
	for (i = VPF_MODEL_FAULT_HANG; i < VPF_MODEL_FAULT_MAX; i++) {
		assert_int_equal(vpf_model_fault_parse(
			vpf_model_fault_name((enum vpf_model_fault_kind)i), &k), 0);
		assert_int_equal(k, i);
	}
	assert_int_equal(vpf_model_fault_parse("bad-id", &k), 0);
	assert_int_equal(k, VPF_MODEL_FAULT_BAD_ID);
	assert_int_equal(vpf_model_fault_parse("nope", &k), -EINVAL);
	assert_int_equal(vpf_model_fault_inject(H.m, 9,
						VPF_MODEL_FAULT_HANG, 1, 0),
			 -EINVAL);
}

static void
test_fault_hang(void **state)
{
	struct h_done d;

	(void)state;
	vpf_model_fault_inject(H.m, 2, VPF_MODEL_FAULT_HANG, 1, 0);
	assert_int_equal(h_submit(&H, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 2, NULL,
				  0, 8, &d, 30), -ETIMEDOUT);
	/* Other VFs are unaffected; the fault was for one command. */
	assert_int_equal(h_submit(&H, 1, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL,
				  0, 8, &d, 1000), 0);
	assert_int_equal(d.id, 4);
	assert_int_equal(h_submit(&H, 2, VPF_ADMIN_OP_DEV_MODE_GET, 1, 2, NULL,
				  0, 8, &d, 1000), 0);
	assert_int_equal(d.id, 8);
}

/* The command submitted in slot 0 is held by the 200 ms fault just
 * injected: still pending after @p early_ms, then complete with status 0,
 * no sooner than the fault allows. */
static void
expect_held_200ms(uint16_t op, uint64_t vf, const void *data, uint32_t dlen,
		  uint32_t rcap, uint32_t early_ms)
{
	struct h_done d;
	uint64_t t0 = ms();

	assert_int_equal(h_submit(&H, 0, op, 1, vf, data, dlen, rcap, &d,
				  early_ms), -ETIMEDOUT);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	assert_int_equal(d.status, 0);
	assert_true(ms() - t0 >= 199);
}

static void
test_fault_delay(void **state)
{
	(void)state;
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_DELAY, 1, 200000);
	expect_held_200ms(VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8, 2);
}

static void
test_fault_eagain_n_times(void **state)
{
	uint8_t m = 0;
	int i;

	(void)state;
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_EAGAIN, 3, 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP),
				 VPF_ADMIN_STATUS_EAGAIN);
		/* No side effect. */
		vpf_model_vf_mode(H.m, 1, &m);
		assert_int_equal(m, VPF_DEV_MODE_ACTIVE);
	}
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_EAGAIN, 1,
			       VPF_ADMIN_SQ_NORESOURCE);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
		     VPF_ADMIN_STATUS_EAGAIN, VPF_ADMIN_SQ_NORESOURCE);
}

static void
test_fault_einval_chosen_status(void **state)
{
	(void)state;
	vpf_model_fault_inject(H.m, 3, VPF_MODEL_FAULT_EINVAL, 1,
			       (VPF_ADMIN_STATUS_EBUSY << 16) |
			       VPF_ADMIN_SQ_INVALID_COMMAND);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 3, NULL, 0, 8,
		     VPF_ADMIN_STATUS_EBUSY, VPF_ADMIN_SQ_INVALID_COMMAND);
	vpf_model_fault_inject(H.m, 3, VPF_MODEL_FAULT_EINVAL, 1, 0);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 3, NULL, 0, 8,
		     VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_FIELD);
}

static void
test_fault_flr_and_reset_delay(void **state)
{
	struct h_done d;
	uint8_t data[8] = { VPF_DEV_MODE_FREEZE };

	(void)state;
	/* PF-wide reset in progress: every VF's MODE_SET waits. */
	vpf_model_fault_inject(H.m, 0, VPF_MODEL_FAULT_RESET, 1, 200000);
	expect_held_200ms(VPF_ADMIN_OP_DEV_MODE_SET, 4, data, 8, 0, 3);
	/* VF FLR delays CTX_READ of that VF only. */
	vpf_model_fault_inject(H.m, 4, VPF_MODEL_FAULT_FLR, 1, 200000);
	assert_int_equal(h_submit(&H, 0, VPF_ADMIN_OP_DEV_CTX_READ, 1, 4, NULL,
				  0, 64, &d, 3), -ETIMEDOUT);
	assert_int_equal(h_submit(&H, 1, VPF_ADMIN_OP_DEV_CTX_READ, 1, 3, NULL,
				  0, 64, &d, 1000), 0);
	assert_int_equal(d.id, 4);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	assert_int_equal(d.id, 0);
	assert_int_equal(d.output, 64);
}

static void
test_fault_dma(void **state)
{
	struct h_done d;
	struct vpf_model_stats st;

	(void)state;
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_DMA, 1, 0);
	assert_int_equal(h_submit(&H, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL,
				  0, 8, &d, 20), -ETIMEDOUT);
	assert_true(vpf_model_needs_reset(H.m));
	assert_true(h_status(&H) & VPF_STATUS_DEVICE_NEEDS_RESET);
	assert_non_null(strstr(vpf_model_last_fault(H.m), "DMA"));
	vpf_model_stats_get(H.m, 0, &st);
	assert_int_equal(st.dma_faults, 1);
	/* Nothing more is processed until reset. */
	assert_int_equal(h_submit(&H, 1, VPF_ADMIN_OP_DEV_MODE_GET, 1, 2, NULL,
				  0, 8, &d, 20), -ETIMEDOUT);
}

static void
test_fault_bad_id(void **state)
{
	struct h_done d;

	(void)state;
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_BAD_ID, 1, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	assert_true(d.id >= H_QSIZE);
}

static void
test_fault_bad_len(void **state)
{
	struct h_done d;

	(void)state;
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_BAD_LEN, 1, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	assert_true(d.used_len > 8 + 8);
}

static void
test_fault_dup(void **state)
{
	struct h_done d, d2;

	(void)state;
	vpf_model_fault_inject(H.m, 2, VPF_MODEL_FAULT_DUP, 1, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 2, NULL, 0, 8,
			       &d), 0);
	assert_int_equal(h_wait(&H, &d2, 0, 100), 0);
	assert_int_equal(d.id, d2.id);
	assert_int_equal(d.used_len, d2.used_len);
}

static void
test_fault_pf_wide_and_count(void **state)
{
	struct h_done d;
	int i;

	(void)state;
	/* The PF-wide fault hits any command, LIST_* included, N times. */
	vpf_model_fault_inject(H.m, 0, VPF_MODEL_FAULT_EAGAIN, 2, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8,
			       &d), 0);
	assert_int_equal(d.status, VPF_ADMIN_STATUS_EAGAIN);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 4, NULL, 0, 8,
			       &d), 0);
	assert_int_equal(d.status, VPF_ADMIN_STATUS_EAGAIN);
	for (i = 0; i < 3; i++) {
		assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 4, NULL,
				       0, 8, &d), 0);
		assert_int_equal(d.status, 0);
	}
	/* Clear removes pending faults. */
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_EAGAIN, 5, 0);
	vpf_model_fault_clear(H.m);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	assert_int_equal(d.status, 0);
}

static void
test_fault_for_a_time_window(void **state)
{
	struct h_done d;
	uint64_t t0 = ms();
	int n = 0;

	(void)state;
	/* Every command of VF 2 for 30 ms gets EAGAIN, then none. */
	vpf_model_fault_inject_for(H.m, 2, VPF_MODEL_FAULT_EAGAIN, 30, 0);
	for (;;) {
		assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 2, NULL,
				       0, 8, &d), 0);
		if (d.status == 0)
			break;
		assert_int_equal(d.status, VPF_ADMIN_STATUS_EAGAIN);
		n++;
	}
	assert_true(n >= 2);
	assert_true(ms() - t0 >= 29);
	/* Other VFs were never affected. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	assert_int_equal(d.status, 0);
}

/* A fault aimed at one opcode hits the next commands with that opcode and
 * nothing else: the others pass and do not use it up. */
static void
test_fault_aimed_at_an_opcode(void **state)
{
	struct h_done d;
	uint8_t m = 0;

	(void)state;
	assert_int_equal(vpf_model_fault_inject_op(H.m, 1,
						   VPF_ADMIN_OP_DEV_MODE_SET,
						   VPF_MODEL_FAULT_EAGAIN, 2,
						   0), 0);
	/* Other opcodes of the VF, and the same opcode on another VF. */
	assert_int_equal(h_mode_get(&H, 1, &m), 0);
	assert_int_equal(m, VPF_DEV_MODE_ACTIVE);
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(h_mode_get(&H, 1, &m), 0);
	/* The two MODE_SETs of VF 1, with a MODE_GET between them. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP),
			 VPF_ADMIN_STATUS_EAGAIN);
	assert_int_equal(h_mode_get(&H, 1, &m), 0);
	assert_int_equal(m, VPF_DEV_MODE_ACTIVE);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP),
			 VPF_ADMIN_STATUS_EAGAIN);
	/* Used up. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);

	/* PF-wide (vf 0): LIST_QUERY only, whichever member. */
	assert_int_equal(vpf_model_fault_inject_op(H.m, 0,
						   VPF_ADMIN_OP_LIST_QUERY,
						   VPF_MODEL_FAULT_EAGAIN, 1,
						   0), 0);
	assert_int_equal(h_mode_get(&H, 3, &m), 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8,
			       &d), 0);
	assert_int_equal(d.status, VPF_ADMIN_STATUS_EAGAIN);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8,
			       &d), 0);
	assert_int_equal(d.status, 0);

	/* A later plain fault replaces the aimed one: any opcode again. */
	vpf_model_fault_inject_op(H.m, 1, VPF_ADMIN_OP_DEV_MODE_SET,
				  VPF_MODEL_FAULT_EAGAIN, 1, 0);
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_EAGAIN, 1, 0);
	assert_int_equal(h_mode_get(&H, 1, &m), VPF_ADMIN_STATUS_EAGAIN);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);

	assert_int_equal(vpf_model_fault_inject_op(H.m, 9,
						   VPF_ADMIN_OP_DEV_MODE_SET,
						   VPF_MODEL_FAULT_HANG, 1, 0),
			 -EINVAL);
	assert_int_equal(vpf_model_fault_inject_op(H.m, 1,
						   VPF_ADMIN_OP_DEV_MODE_SET,
						   VPF_MODEL_FAULT_MAX, 1, 0),
			 -EINVAL);
}

/* A hang aimed at DEV_WRITE_RECORDS_STOP: the START and the MODE_GET
 * before it complete, the STOP never does, and recording stays on. */
static void
test_fault_hang_aimed_at_wr_stop(void **state)
{
	uint8_t buf[32];
	uint64_t ps = 4096, rg[2] = { 0, 16 };
	uint32_t n = 1;
	struct h_done d;
	bool on = true;

	(void)state;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &ps, 8);
	memcpy(buf + 8, &n, 4);
	memcpy(buf + 16, rg, 16);
	vpf_model_fault_inject_op(H.m, 2, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
				  VPF_MODEL_FAULT_HANG, 1, 0);
	assert_int_equal(vpf_model_wr_recording(H.m, 2, &on), 0);
	assert_false(on);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 2,
			       buf, sizeof(buf), 0, &d), 0);
	assert_int_equal(d.status, 0);
	assert_int_equal(vpf_model_wr_recording(H.m, 2, &on), 0);
	assert_true(on);
	assert_int_equal(h_submit(&H, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 2, NULL,
				  0, 8, &d, 1000), 0);
	assert_int_equal(h_submit(&H, 1, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
				  1, 2, NULL, 0, 0, &d, 30), -ETIMEDOUT);
	assert_int_equal(vpf_model_wr_recording(H.m, 2, &on), 0);
	assert_true(on);
	/* The next STOP is not aimed at: it completes and stops. */
	assert_int_equal(h_submit(&H, 2, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
				  1, 2, NULL, 0, 0, &d, 1000), 0);
	assert_int_equal(d.status, 0);
	assert_int_equal(vpf_model_wr_recording(H.m, 2, &on), 0);
	assert_false(on);
	assert_int_equal(vpf_model_wr_recording(H.m, 9, &on), -EINVAL);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_fault_names),
	H_TEST(test_fault_hang),
	H_TEST(test_fault_delay),
	H_TEST(test_fault_eagain_n_times),
	H_TEST(test_fault_einval_chosen_status),
	H_TEST(test_fault_flr_and_reset_delay),
	H_TEST(test_fault_dma),
	H_TEST(test_fault_bad_id),
	H_TEST(test_fault_bad_len),
	H_TEST(test_fault_dup),
	H_TEST(test_fault_pf_wide_and_count),
	H_TEST(test_fault_for_a_time_window),
	H_TEST(test_fault_aimed_at_an_opcode),
	H_TEST(test_fault_hang_aimed_at_wr_stop))
