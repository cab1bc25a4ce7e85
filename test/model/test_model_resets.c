/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Resets (doc/protocol.md §4.9): owner reset, and VF FLR or device
 * reset in progress.
 * One test per rule, named after it, covering the success and the
 * failure side, played against the model through the harness (which
 * sends whatever bytes a test wants); doc/protocol.md §9 lists them.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "../vpf_test_main.h"
#include "vpf_ctx.h"

static void
test_owner_reset_effects(void **state)
{
	uint32_t got;
	uint8_t before[32], after[32];
	struct vpf_model *m;
	struct h_done d;
	uint8_t wr[32] = { 0 };
	uint64_t rec;

	(void)state;
	/* VF1 in Freeze with a partial read, VF2 recording writes. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	memcpy(wr, &(uint64_t){ 4096 }, 8);
	memcpy(wr + 8, &(uint32_t){ 1 }, 4);
	memcpy(wr + 24, &(uint64_t){ 16384 }, 8);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 2, wr, 32, 0,
		     0, 0);
	vpf_model_guest_step(H.m, 2, 2000);
	vpf_model_digest(H.m, 1, before);
	/* A command in flight (hung) is dropped by the reset. */
	vpf_model_fault_inject(H.m, 3, VPF_MODEL_FAULT_HANG, 1, 0);
	h_post(&H, 1, VPF_ADMIN_OP_DEV_MODE_GET, 1, 3, NULL, 0, 8);
	h_kick(&H);
	/* Owner reset and bring-up again. */
	m = H.m;
	H.ops->dma_free(m, &H.ring);
	H.ops->dma_free(m, &H.buf);
	assert_int_equal(h_up_all(&H, m), 0);
	{
		struct vpf_model_stats st;

		vpf_model_stats_get(m, 0, &st);
		assert_int_equal(st.cmds_dropped, 1);
	}
	/* Mode and applied state unchanged. */
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_FREEZE);
	vpf_model_digest(H.m, 1, after);
	assert_memory_equal(before, after, 32);
	/* The partial read was dropped: Active is allowed, and a read
	 * starts a fresh context. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	/* Write recording kept running and kept its records. */
	memcpy(wr, &(uint64_t){ 0 }, 8);
	memcpy(wr + 8, &(uint64_t){ 16384ull * 4096 }, 8);
	d = h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, 2, wr, 16,
			 4096, 0, 0);
	rec = d.output;
	assert_true(rec > 0);
}

/* Owner reset, write side (doc/protocol.md D-MOD.9): a partial write is
 * dropped, a complete written context not yet applied stays pending. */
static void
test_owner_reset_drops_partial_write_keeps_pending(void **state)
{
	uint8_t want[32];
	struct vpf_model *m;
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 2, want), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	/* A second context, partially written. */
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	m = H.m;
	H.ops->dma_free(m, &H.ring);
	H.ops->dma_free(m, &H.buf);
	assert_int_equal(h_up_all(&H, m), 0);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_FREEZE);
	/* Partial write gone (leaving Freeze allowed), the complete one
	 * applied when leaving Freeze. */
	h_activate_expect(&H, 1, want);
	free(c);
}

/* FLR or a device reset in progress delays CTX_WRITE until it ends
 * (doc/protocol.md §4.9, D-4.10), then it completes OK. */
static void
test_flr_and_reset_delay_ctx_write(void **state)
{
	static const enum vpf_model_fault_kind kinds[] = {
		VPF_MODEL_FAULT_FLR, VPF_MODEL_FAULT_RESET,
	};
	uint8_t want[32];
	struct h_done d;
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	uint32_t plen = (uint32_t)((len + 7) & ~(size_t)7);
	uint8_t *pad = calloc(1, plen);
	unsigned int i;

	(void)state;
	assert_non_null(pad);
	memcpy(pad, c, len);
	assert_int_equal(vpf_model_digest(H.m, 2, want), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(vpf_model_fault_inject(H.m, 1, kinds[i], 1,
							200000), 0);
		h_post(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV,
		       1, pad, plen, 0);
		h_kick(&H);
		/* Not completed while the FLR/reset lasts (200 ms)... */
		assert_int_equal(h_wait(&H, &d, 0, 20), -ETIMEDOUT);
		/* ...then OK, not an error. */
		assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
		h_expect(&d, 0, 0);
	}
	h_activate_expect(&H, 1, want);
	free(pad);
	free(c);
}

static void
test_flr_delays_not_errors(void **state)
{
	struct h_done d;
	uint8_t data[8] = { VPF_DEV_MODE_STOP };

	(void)state;
	/* FLR in progress for 30 ms: MODE_SET completes after it, OK. */
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_FLR, 1, 300000);
	assert_int_equal(h_submit(&H, 0, VPF_ADMIN_OP_DEV_MODE_SET, 1, 1, data,
				  8, 0, &d, 5), -ETIMEDOUT);
	/* MODE_GET is not delayed. */
	assert_int_equal(h_submit(&H, 1, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL,
				  0, 8, &d, 1000), 0);
	assert_int_equal(d.id, 4);
	h_expect(&d, 0, 0);
	assert_int_equal(h_wait(&H, &d, 0, 2000), 0);
	assert_int_equal(d.id, 0);
	h_expect(&d, 0, 0);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_STOP);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_owner_reset_effects),
	H_TEST(test_owner_reset_drops_partial_write_keeps_pending),
	H_TEST(test_flr_and_reset_delay_ctx_write),
	H_TEST(test_flr_delays_not_errors))
