/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Device modes (doc/protocol.md §4.2, §4.3): MODE_SET values and
 * refusals, and what the device does and does not do in Stop and Freeze.
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
test_mode_reserved_values_fail(void **state)
{
	uint8_t data[8] = { 3 };

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, 3), H_EINV);
	assert_int_equal(h_mode_set(&H, 1, 0xff), H_EINV);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, data, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Non-zero padding is a bad value too. */
	data[0] = 1;
	data[5] = 1;
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, data, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_STOP);
}

static void
test_mode_set_to_current_succeeds(void **state)
{
	uint8_t m;

	(void)state;
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_mode_get(&H, 2, &m), 0);
	assert_int_equal(m, VPF_DEV_MODE_FREEZE);
}

/* Setting the current mode changes nothing: a partial read goes on where
 * it was, in Freeze and in Active. */
static void
test_mode_set_to_current_keeps_partial_read(void **state)
{
	static const uint8_t modes[] = { VPF_DEV_MODE_FREEZE,
					 VPF_DEV_MODE_ACTIVE };
	uint8_t *full = malloc(1 << 20), a[64], b[64];
	size_t len;
	uint64_t left;
	uint32_t got;
	unsigned int i;

	(void)state;
	assert_non_null(full);
	for (i = 0; i < 2; i++) {
		assert_int_equal(h_mode_set(&H, 2, modes[i]), 0);
		assert_int_equal(vpf_model_vf_ctx(H.m, 2, full, 1 << 20, &len),
				 0);
		assert_true(len > 128);
		assert_int_equal(h_read(&H, 2, 64, a, &got, NULL), 0);
		assert_int_equal(got, 64);
		assert_int_equal(h_mode_set(&H, 2, modes[i]), 0);
		/* Still partial: SIZE_GET says what remains... */
		assert_int_equal(h_size_get(&H, 2, 0, &left), 0);
		assert_int_equal(left, len - 64);
		/* ...and the next read continues the same context. */
		assert_int_equal(h_read(&H, 2, 64, b, &got, NULL), 0);
		assert_int_equal(got, 64);
		assert_memory_equal(a, full, 64);
		assert_memory_equal(b, full + 64, 64);
		assert_int_equal(h_discard(&H, 2), 0);
	}
	free(full);
}

static void
test_failed_mode_set_leaves_mode(void **state)
{
	uint32_t got;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_FREEZE);
	assert_int_equal(h_mode_set(&H, 1, 7), H_EINV);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_FREEZE);
}

static void
test_mode_set_fails_during_partial_read(void **state)
{
	uint8_t data[8] = { VPF_DEV_MODE_STOP };
	uint32_t got;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(got, 64);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, data, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	/* Freeze (the current mode) is fine; after DISCARD Stop is too. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	/* A partial read in Active does not block going to Freeze. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
}

static void
test_mode_set_fails_during_partial_write(void **state)
{
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), H_EINV);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_FREEZE);
	/* Finishing the write makes the mode change possible. */
	{
		uint8_t tmp[H_DATA_MAX];
		size_t rest = len - 64, pad = (rest + 7) & ~(size_t)7;

		memset(tmp, 0, pad);
		memcpy(tmp, c + 64, rest);
		assert_int_equal(h_write(&H, 1, tmp, (uint32_t)pad, NULL), 0);
	}
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	free(c);
}

/* What a context says about VF @p vf's rings as the device sees them:
 * every VQ_SPLIT_RUNTIME_CFG and VQ_SPLIT_DEV_OWN_DESC field, in order.
 * Returns a malloc'ed buffer of @p n bytes. */
static uint8_t *
vf_ring_part(uint16_t vf, size_t *n)
{
	size_t len, off = 0;
	uint8_t *c = h_vf_ctx(&H, vf, &len);
	uint8_t *out = malloc(len);
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;

	assert_non_null(out);
	vpf_ctx_iter_init(&it, c, len, 0);
	while (vpf_ctx_iter_next(&it, &f) == 1) {
		if (f.type != VPF_CTX_VQ_SPLIT_RUNTIME_CFG &&
		    f.type != VPF_CTX_VQ_SPLIT_DEV_OWN_DESC)
			continue;
		memcpy(out + off, f.value, f.length);
		off += f.length;
	}
	assert_true(off > 0);
	free(c);
	*n = off;
	return out;
}

/* In Stop the device accesses no virtqueue memory: it takes no
 * descriptor (avail index and owned set unchanged) and writes no page,
 * but it accepts notifications and register writes, so the state changes
 * only through those (the MSI-X re-routing). */
static void
test_stop_accepts_notifications_but_no_dma(void **state)
{
	uint8_t a[32], b[32];
	uint8_t *r0, *r1;
	size_t n0, n1;
	uint64_t pages0, pages1;
	struct h_done d;
	uint8_t wr[32] = { 0 };

	(void)state;
	memcpy(wr, &(uint64_t){ 4096 }, 8);
	memcpy(wr + 8, &(uint32_t){ 1 }, 4);
	memcpy(wr + 24, &(uint64_t){ 16384 }, 8);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 1,
			       wr, 32, 0, &d), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	vpf_model_digest(H.m, 1, a);
	vpf_model_dirty_count(H.m, 1, &pages0);
	r0 = vf_ring_part(1, &n0);
	vpf_model_guest_step(H.m, 1, 500);
	vpf_model_digest(H.m, 1, b);
	vpf_model_dirty_count(H.m, 1, &pages1);
	r1 = vf_ring_part(1, &n1);
	/* Register writes changed the state; the rings did not move and no
	 * page was written. */
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(n0, n1);
	assert_memory_equal(r0, r1, n0);
	assert_int_equal(pages0, pages1);
	free(r1);
	/* Active takes descriptors and writes pages. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_guest_step(H.m, 1, 500);
	vpf_model_dirty_count(H.m, 1, &pages1);
	assert_true(pages1 > pages0);
	r1 = vf_ring_part(1, &n1);
	assert_true(n0 != n1 || memcmp(r0, r1, n0) != 0);
	free(r0);
	free(r1);
}

/* The device's own count of its accesses to the VF's rings and memory:
 * none in Stop however much the guest does, some in Active. */
static void
test_stop_device_reads_no_ring_writes_no_page(void **state)
{
	struct vpf_model_stats s0, s1;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s0), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s1), 0);
	assert_int_equal(s1.ring_reads, s0.ring_reads);
	assert_int_equal(s1.dma_writes, s0.dma_writes);
	assert_true(s1.notifies_latched > s0.notifies_latched);
	/* Freeze: nothing at all, not even a latched notification. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s0), 0);
	assert_int_equal(s0.ring_reads, s1.ring_reads);
	assert_int_equal(s0.dma_writes, s1.dma_writes);
	assert_int_equal(s0.notifies_latched, s1.notifies_latched);
	/* The counters do count: Active reads rings and writes pages. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s1), 0);
	assert_true(s1.ring_reads > s0.ring_reads);
	assert_true(s1.dma_writes > s0.dma_writes);
	/* And the PF totals include the VF's. */
	assert_int_equal(vpf_model_stats_get(H.m, 0, &s0), 0);
	assert_true(s0.ring_reads >= s1.ring_reads);
	assert_true(s0.dma_writes >= s1.dma_writes);
}

/* A notification latched in Stop is acted on back in Active: the first
 * guest step there (even one of no operation) takes the descriptors the
 * driver made available meanwhile. */
static void
test_stop_notification_latched_acted_on_in_active(void **state)
{
	struct vpf_model_stats s0, s1;
	uint8_t *r0, *r1;
	size_t n0, n1;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 200), 0);
	r0 = vf_ring_part(1, &n0);
	/* Nothing happens on the way back. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	r1 = vf_ring_part(1, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(r0, r1, n0);
	free(r1);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s0), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 0), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s1), 0);
	assert_true(s1.ring_reads > s0.ring_reads);
	r1 = vf_ring_part(1, &n1);
	assert_true(n0 != n1 || memcmp(r0, r1, n0) != 0);
	free(r1);
	/* Acted on once: a second empty step does nothing. */
	free(r0);
	r0 = vf_ring_part(1, &n0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 0), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s0), 0);
	assert_int_equal(s0.ring_reads, s1.ring_reads);
	r1 = vf_ring_part(1, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(r0, r1, n0);
	free(r0);
	free(r1);
}

/* A queue its driver disabled (VQ_SPLIT_RUNTIME_CFG enabled 0) is not
 * touched by the device in any mode: no ring read, no descriptor taken or
 * used. */
static void
test_disabled_queue_not_touched(void **state)
{
	struct vpf_model_stats s0, s1;
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	uint8_t *c, *r0, *r1;
	size_t len, n0, n1;

	(void)state;
	c = h_vf_ctx(&H, 1, &len);
	vpf_ctx_iter_init(&it, c, len, 0);
	while (vpf_ctx_iter_next(&it, &f) == 1)
		if (f.type == VPF_CTX_VQ_SPLIT_RUNTIME_CFG)
			((uint8_t *)f.value)[4] = 0;	/* enabled */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	free(c);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 500), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	r0 = vf_ring_part(1, &n0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s0), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s1), 0);
	r1 = vf_ring_part(1, &n1);
	assert_int_equal(s1.ring_reads, s0.ring_reads);
	assert_int_equal(n0, n1);
	assert_memory_equal(r0, r1, n0);
	free(r0);
	free(r1);
}

/* Device config (DEV_CFG) and config_generation of VF @p vf. */
static void
vf_config(uint16_t vf, uint8_t cfg[12], uint8_t *gen)
{
	size_t len;
	uint8_t *c = h_vf_ctx(&H, vf, &len);
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	bool seen = false;

	vpf_ctx_iter_init(&it, c, len, 0);
	while (vpf_ctx_iter_next(&it, &f) == 1) {
		if (f.type == VPF_CTX_DEV_CFG && f.length == 12) {
			memcpy(cfg, f.value, 12);
			seen = true;
		}
		if (f.type == VPF_CTX_PCI_COMMON_CFG && f.length >= 64)
			*gen = f.value[21];
	}
	assert_true(seen);
	free(c);
}

/* A config change raises a config notification; in Stop the device sends
 * none (doc/protocol.md §4.2), so the device config only changes in
 * Active. */
static void
test_stop_no_config_change(void **state)
{
	uint8_t c0[12], c1[12], g0 = 0, g1 = 0;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	vf_config(1, c0, &g0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	vf_config(1, c1, &g1);
	assert_memory_equal(c0, c1, 12);
	assert_int_equal(g0, g1);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	vf_config(1, c1, &g1);
	assert_int_not_equal(g0, g1);
}

static void
test_freeze_nothing_changes(void **state)
{
	uint8_t a[32], b[32];
	uint64_t p0, p1;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	vpf_model_digest(H.m, 1, a);
	vpf_model_dirty_count(H.m, 1, &p0);
	vpf_model_guest_step(H.m, 1, 1000);
	vpf_model_digest(H.m, 1, b);
	vpf_model_dirty_count(H.m, 1, &p1);
	assert_memory_equal(a, b, 32);
	assert_int_equal(p0, p1);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_mode_reserved_values_fail),
	H_TEST(test_mode_set_to_current_succeeds),
	H_TEST(test_mode_set_to_current_keeps_partial_read),
	H_TEST(test_failed_mode_set_leaves_mode),
	H_TEST(test_mode_set_fails_during_partial_read),
	H_TEST(test_mode_set_fails_during_partial_write),
	H_TEST(test_stop_accepts_notifications_but_no_dma),
	H_TEST(test_stop_device_reads_no_ring_writes_no_page),
	H_TEST(test_stop_notification_latched_acted_on_in_active),
	H_TEST(test_disabled_queue_not_touched),
	H_TEST(test_stop_no_config_change),
	H_TEST(test_freeze_nothing_changes))
