/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Write recording (doc/protocol.md §6): CAP_QUERY, START, STOP,
 * READ and what resets leave of the records.
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

static uint16_t
wr_start(uint16_t vf, uint64_t ps, uint32_t n,
	 const struct vpf_admin_wr_range *r, struct h_done *d)
{
	uint8_t buf[16 + 16 * 32];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &ps, 8);
	memcpy(buf + 8, &n, 4);
	memcpy(buf + 16, r, 16 * (size_t)n);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, vf,
			       buf, 16 + 16 * n, 0, d), 0);
	return d->status;
}

static uint16_t
wr_read(uint16_t vf, uint64_t addr, uint64_t len, uint32_t rcap,
	struct h_done *d)
{
	uint64_t data[2] = { addr, len };

	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, vf,
			       data, 16, rcap, d), 0);
	return d->status;
}

static uint16_t
wr_stop(uint16_t vf)
{
	struct h_done d;

	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP, vf,
			       NULL, 0, 0, &d), 0);
	return d.status;
}

static const struct vpf_admin_wr_range all_mem = { 0, 16384 };

static void
test_wr_cap_query(void **state)
{
	struct h_done d;
	struct vpf_admin_wr_cap cap;

	(void)state;
	d = h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, 1, NULL,
			 0, 8, 0, 0);
	assert_int_equal(d.used_len, 16);
	memcpy(&cap, h_res(&H, 0) + 8, 8);
	assert_true(cap.supported_page_size_bitmap & 1);
	assert_true(cap.supported_ranges > 0);
}

static void
test_wr_start_page_size_must_be_supported(void **state)
{
	struct h_done d;

	(void)state;
	assert_int_equal(wr_start(1, 8192, 1, &all_mem, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(wr_start(1, 1000, 1, &all_mem, &d), H_EINV);
	assert_int_equal(wr_start(1, 0, 1, &all_mem, &d), H_EINV);
	assert_int_equal(wr_start(1, 65536, 1,
				  &(struct vpf_admin_wr_range){ 0, 1024 }, &d),
			 0);
}

static void
test_wr_start_ranges_limit(void **state)
{
	struct vpf_admin_wr_range r[32];
	struct h_done d;
	uint32_t i;

	(void)state;
	for (i = 0; i < 32; i++) {
		r[i].page_address = (uint64_t)i * 0x100000;
		r[i].page_count = 4;
	}
	assert_int_equal(wr_start(1, 4096, 17, r, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(wr_start(1, 4096, 0, r, &d), H_EINV);
	assert_int_equal(wr_start(1, 4096, 16, r, &d), 0);
}

static void
test_wr_start_overlapping_ranges_fail(void **state)
{
	struct vpf_admin_wr_range r[2] = {
		{ 0x10000, 16 }, { 0x1f000, 4 },
	};
	struct h_done d;

	(void)state;
	assert_int_equal(wr_start(1, 4096, 2, r, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Misaligned range start, zero pages. */
	r[1].page_address = 0x20800;
	assert_int_equal(wr_start(1, 4096, 2, r, &d), H_EINV);
	r[1].page_address = 0x20000;
	r[1].page_count = 0;
	assert_int_equal(wr_start(1, 4096, 2, r, &d), H_EINV);
	/* Adjacent is fine. */
	r[1].page_count = 4;
	assert_int_equal(wr_start(1, 4096, 2, r, &d), 0);
}

/* Range bounds are computed without wrapping: a range may end exactly at
 * the top of the 64-bit space (its last byte is 2^64 - 1), and the overlap
 * check works for a range whose byte length is 2^64 (page_count * page
 * size would wrap to 0). */
static void
test_wr_start_ranges_at_top_of_address_space(void **state)
{
	struct vpf_admin_wr_range top = { 0ull - 4096, 1 };
	struct vpf_admin_wr_range past = { 0ull - 4096, 2 };
	struct vpf_admin_wr_range every[2] = {
		{ 0, 1ull << 52 }, { 1ull << 63, 1 },
	};
	struct h_done d;
	uint64_t pages;

	(void)state;
	assert_int_equal(wr_start(1, 4096, 1, &top, &d), 0);
	assert_int_equal(wr_stop(1), 0);
	top.page_address = 0ull - (2u << 20);
	assert_int_equal(wr_start(1, 2u << 20, 1, &top, &d), 0);
	assert_int_equal(wr_stop(1), 0);
	assert_int_equal(wr_start(1, 4096, 1, &past, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* The whole space is one range; anything with it overlaps. */
	assert_int_equal(wr_start(1, 4096, 2, every, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(wr_start(1, 4096, 1, every, &d), 0);
	/* And it records. */
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	assert_int_equal(vpf_model_dirty_count(H.m, 1, &pages), 0);
	assert_true(pages > 0);
	assert_int_equal(wr_read(1, 0, 64ull << 20, 128, &d), 0);
	assert_true(d.output > 0);
}

static void
test_wr_start_while_started_fails(void **state)
{
	struct h_done d;

	(void)state;
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(wr_stop(1), 0);
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
}

static void
test_wr_read_before_start_fails(void **state)
{
	struct h_done d;

	(void)state;
	assert_int_equal(wr_read(1, 0, 4096, 64, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
	assert_int_equal(wr_read(1, 0, 4096, 64, &d), 0);
	/* After STOP, READ fails again. */
	assert_int_equal(wr_stop(1), 0);
	assert_int_equal(wr_read(1, 0, 4096, 64, &d), H_EINV);
}

static void
test_wr_read_range_page_granular(void **state)
{
	struct h_done d;

	(void)state;
	assert_int_equal(wr_start(1, 65536, 1, &(struct vpf_admin_wr_range){
					  0, 1024 }, &d), 0);
	assert_int_equal(wr_read(1, 4096, 65536, 64, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(wr_read(1, 0, 4096, 64, &d), H_EINV);
	assert_int_equal(wr_read(1, 0, 0, 64, &d), H_EINV);
	assert_int_equal(wr_read(1, 65536, 65536, 64, &d), 0);
}

/* Drain all records of VF @p vf over guest memory into a set. */
static uint64_t
wr_drain(uint16_t vf, uint32_t rcap, uint64_t *bitmap, uint64_t ps)
{
	struct h_done d;
	uint64_t total = 0, i;

	for (;;) {
		assert_int_equal(wr_read(vf, 0, 64ull << 20, rcap, &d), 0);
		assert_int_equal(d.used_len, 8 + 8 * d.output);
		for (i = 0; i < d.output; i++) {
			uint64_t a;

			memcpy(&a, h_res(&H, 0) + 8 + 8 * i, 8);
			assert_int_equal(a % ps, 0);
			if (bitmap != NULL)
				bitmap[(a / ps) / 64] |= 1ull << ((a / ps) % 64);
		}
		total += d.output;
		if (d.output < rcap / 8)
			return total;
	}
}

static void
test_wr_read_clears_exactly_what_fits(void **state)
{
	struct h_done d;
	uint64_t truth[16384 / 64], got[16384 / 64], pages, n;

	(void)state;
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
	vpf_model_guest_step(H.m, 1, 3000);
	vpf_model_dirty_bitmap(H.m, 1, 0, 64ull << 20, 4096, truth, &pages);
	assert_true(pages > 16);
	/* 16 records fit: exactly 16 come back, the rest stays. */
	assert_int_equal(wr_read(1, 0, 64ull << 20, 128, &d), 0);
	assert_int_equal(d.output, 16);
	memset(got, 0, sizeof(got));
	for (n = 0; n < 16; n++) {
		uint64_t a;

		memcpy(&a, h_res(&H, 0) + 8 + 8 * n, 8);
		got[(a / 4096) / 64] |= 1ull << ((a / 4096) % 64);
	}
	n = 16 + wr_drain(1, 64, got, 4096);
	assert_int_equal(n, pages);
	assert_memory_equal(got, truth, sizeof(got));
	/* Drained: nothing left. */
	assert_int_equal(wr_read(1, 0, 64ull << 20, 128, &d), 0);
	assert_int_equal(d.output, 0);
}

static void
test_wr_stop_always_succeeds_and_drops_unread(void **state)
{
	struct h_done d;

	(void)state;
	/* Not started: still OK. */
	assert_int_equal(wr_stop(1), 0);
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
	vpf_model_guest_step(H.m, 1, 2000);
	assert_int_equal(wr_stop(1), 0);
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
	/* The unread records are gone. */
	assert_int_equal(wr_read(1, 0, 64ull << 20, 4096, &d), 0);
	assert_int_equal(d.output, 0);
}

static void
test_wr_page_written_again_after_read_reported_again(void **state)
{
	struct h_done d;
	uint64_t n1, n2, pages;

	(void)state;
	uint64_t s1[1] = { 0 }, s2[1] = { 0 };

	assert_int_equal(wr_start(1, 2u << 20, 1, &(struct vpf_admin_wr_range){
					  0, 32 }, &d), 0);
	vpf_model_guest_step(H.m, 1, 2000);
	n1 = wr_drain(1, 4096, s1, 2u << 20);
	assert_true(n1 > 0);
	/* Drained: nothing until pages are written again. */
	assert_int_equal(wr_drain(1, 4096, NULL, 2u << 20), 0);
	/* With 2 MiB pages over 64 MiB nearly every page is written again,
	 * and pages read before are reported again. */
	vpf_model_guest_step(H.m, 1, 2000);
	n2 = wr_drain(1, 4096, s2, 2u << 20);
	assert_true(n2 > 0);
	assert_true((s1[0] & s2[0]) != 0);
	vpf_model_dirty_count(H.m, 1, &pages);
	assert_true(pages > 0);
}

static void
test_wr_only_inside_started_ranges(void **state)
{
	struct h_done d;
	uint64_t n;
	struct vpf_admin_wr_range r = { 0x400000, 256 };	/* 4..5 MiB */

	(void)state;
	assert_int_equal(wr_start(1, 4096, 1, &r, &d), 0);
	vpf_model_guest_step(H.m, 1, 5000);
	for (;;) {
		uint64_t i;

		assert_int_equal(wr_read(1, 0, 64ull << 20, 4096, &d), 0);
		for (i = 0; i < d.output; i++) {
			uint64_t a;

			memcpy(&a, h_res(&H, 0) + 8 + 8 * i, 8);
			assert_true(a >= 0x400000 && a < 0x500000);
		}
		n = d.output;
		if (n < 512)
			break;
	}
}

static void
test_wr_flr_keeps_records(void **state)
{
	struct h_done d;
	uint32_t got;

	(void)state;
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
	vpf_model_guest_step(H.m, 1, 1000);
	/* An FLR in progress delays a READ of the context, then records
	 * are still there. */
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_FLR, 1, 5000);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, &d), 0);
	assert_int_equal(wr_read(1, 0, 64ull << 20, 64, &d), 0);
	assert_int_equal(d.output, 8);
}

/* READ clears the records it returns only once all of them are written:
 * a DMA fault part-way through the result loses none. */
static void
test_wr_read_clears_only_after_all_entries_written(void **state)
{
	struct vpf_dma_region r;
	struct h_done d;
	uint64_t truth = 0, total = 0, data[2] = { 0, 64ull << 20 };
	unsigned int i;

	(void)state;
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	assert_int_equal(vpf_model_dirty_count(H.m, 1, &truth), 0);
	assert_true(truth >= 2);
	assert_int_equal(H.ops->dma_alloc(H.m, 4096, 4096, &r), 0);
	/* Result: one entry after the status in the slot, the rest in @r,
	 * which goes away while the command is delayed. */
	assert_int_equal(vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_DELAY,
						1, 1000), 0);
	h_post(&H, 0, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, VPF_ADMIN_GROUP_SRIOV,
	       1, data, 16, 8);
	H.desc[1].flags = VPF_VRING_DESC_F_WRITE | VPF_VRING_DESC_F_NEXT;
	H.desc[1].next = 2;
	H.desc[2] = (struct vpf_vring_desc){ r.iova, 4096,
		VPF_VRING_DESC_F_WRITE, 0 };
	h_kick(&H);
	H.ops->dma_free(H.m, &r);
	for (i = 0; i < 5000 && !vpf_model_needs_reset(H.m); i++) {
		H.ops->poll(H.m);
		usleep(1000);
	}
	assert_true(vpf_model_needs_reset(H.m));
	/* Owner reset keeps recording and its records (doc/protocol.md
	 * D-4.4). */
	assert_int_equal(h_reinit(&H), 0);
	for (;;) {
		assert_int_equal(wr_read(1, 0, 64ull << 20, 64 * 8, &d), 0);
		total += d.output;
		if (d.output < 64)
			break;
	}
	assert_int_equal(total, truth);
}

static void
test_wr_absent_when_switched_off(void **state)
{
	struct h h;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(VPF_MODEL_OFF_WRITE_RECORD, 2,
					      1)), 0);
	h_cmd_expect(&h, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, 1, NULL, 0,
		     8, H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	h_down(&h);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_wr_cap_query),
	H_TEST(test_wr_start_page_size_must_be_supported),
	H_TEST(test_wr_start_ranges_limit),
	H_TEST(test_wr_start_overlapping_ranges_fail),
	H_TEST(test_wr_start_ranges_at_top_of_address_space),
	H_TEST(test_wr_start_while_started_fails),
	H_TEST(test_wr_read_before_start_fails),
	H_TEST(test_wr_read_range_page_granular),
	H_TEST(test_wr_read_clears_exactly_what_fits),
	H_TEST(test_wr_stop_always_succeeds_and_drops_unread),
	H_TEST(test_wr_page_written_again_after_read_reported_again),
	H_TEST(test_wr_only_inside_started_ranges),
	H_TEST(test_wr_flr_keeps_records),
	H_TEST(test_wr_read_clears_only_after_all_entries_written),
	H_TEST(test_wr_absent_when_switched_off))
