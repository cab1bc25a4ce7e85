/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The rows of the rule table (doc/protocol.md §9) that had no test of
 * their own: one test per row, named in the table's test column, played
 * against the model through the harness.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "../vpf_test_main.h"

#define SRIOV_CAP	0x100u

/* Size of a complete context of VF @p vf's state now. */
static size_t
ctx_len_now(uint16_t vf)
{
	size_t len = 0;

	free(h_vf_ctx(&H, vf, &len));
	return len;
}

/* SR-IOV control: VF Enable off, NumVFs @p n, VF Enable on. */
static void
set_num_vfs(struct h *h, uint16_t n)
{
	uint16_t v = 0;

	vpf_model_ops.cfg_write(h->m, SRIOV_CAP + VPF_SRIOV_CTRL, &v, 2);
	vpf_model_ops.cfg_write(h->m, SRIOV_CAP + VPF_SRIOV_NUM_VF, &n, 2);
	v = VPF_SRIOV_CTRL_VFE | VPF_SRIOV_CTRL_MSE;
	vpf_model_ops.cfg_write(h->m, SRIOV_CAP + VPF_SRIOV_CTRL, &v, 2);
}

/* S-9: DISCARD after a partial read; SIZE_GET then answers for the
 * current mode as if no READ had been received in it (the whole size of
 * a fresh context), not what was left of the dropped one. */
static void
test_table_discard_partial_read_size_get_whole(void **state)
{
	uint64_t s0, s1, s2;
	uint32_t got;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &s0), 0);
	assert_int_equal(s0, ctx_len_now(1));
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(got, 64);
	assert_int_equal(h_size_get(&H, 1, 0, &s1), 0);
	assert_int_equal(s1, s0 - 64);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &s2), 0);
	assert_int_equal(s2, s0);
	/* Same in Active, where the state may have moved on meanwhile. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 300), 0);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &s2), 0);
	assert_int_equal(s2, ctx_len_now(1));
}

/* D-MOD.2: sizes and values are checked before the mode or state, with
 * two exceptions where the value check needs the state. */
static void
test_table_check_order_value_before_state(void **state)
{
	uint8_t junk[64], ms[8] = { 3 };
	uint64_t rd[2] = { 4096 + 512, 4096 };
	uint8_t st[32] = { 0 };
	uint32_t got;

	(void)state;
	/* Partial read in Freeze: MODE_SET 3 is a bad value first... */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, ms, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* ...a valid mode then meets the state. */
	ms[0] = VPF_DEV_MODE_ACTIVE;
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, ms, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	/* START while started with an unsupported page size: the value. */
	memcpy(st, &(uint64_t){ 4096 }, 8);
	memcpy(st + 8, &(uint32_t){ 1 }, 4);
	memcpy(st + 24, &(uint64_t){ 16 }, 8);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 2, st, 32, 0,
		     0, 0);
	memcpy(st, &(uint64_t){ 8192 }, 8);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 2, st, 32, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Exception: CTX_WRITE outside Freeze is refused for the mode
	 * before any context byte is parsed. */
	memset(junk, 0xff, sizeof(junk));
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_WRITE, 3, junk, sizeof(junk), 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	/* Exception: RECORDS_READ before START is refused for the state
	 * before the range granularity (the page size comes from START). */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, 3, rd, 16, 64,
		     H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
}

/* D-MOD.3: a command without data carries none, fixed data is exactly
 * 8 bytes with zero padding; the refusal has no side effect. */
static void
test_table_commands_without_data_refuse_data(void **state)
{
	static const uint16_t nodata[] = {
		VPF_ADMIN_OP_DEV_MODE_GET,
		VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY,
		VPF_ADMIN_OP_DEV_CTX_DISCARD,
		VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY,
		VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP,
	};
	uint8_t data[16] = { 0 };
	struct h_done d;
	uint32_t got;
	unsigned int i;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	for (i = 0; i < sizeof(nodata) / sizeof(nodata[0]); i++) {
		d = h_cmd_expect(&H, nodata[i], 1, data, 8, 64,
				 H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
		assert_int_equal(d.used_len, 8);
	}
	/* The refused DISCARD discarded nothing: still partial. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), H_EINV);
	/* Fixed data: 16 bytes, or non-zero padding, are bad values. */
	data[0] = VPF_DEV_MODE_FREEZE;
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_SET, 2, data, 16, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_vf_mode(&H, 2), VPF_DEV_MODE_ACTIVE);
	data[0] = 0;
	data[7] = 1;
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 2, data, 8, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	data[7] = 0;
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 2, data, 16, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 2, data, 8, 8, 0, 0);
}

/* D-MOD.6: a read is complete when its last byte is delivered: no
 * further (empty) READ is needed before SIZE_GET says 0 and leaving
 * Freeze is allowed. (The model's contexts have an odd length, 87 bytes
 * of fixed per-queue fields times an odd queue count, so the chunk that
 * delivers the last byte is always a short one.) */
static void
test_table_read_complete_at_last_byte(void **state)
{
	uint64_t sz = 0, left;
	uint32_t got, chunk;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	assert_true(sz > 8 && sz <= H_RES_MAX);
	/* Everything but the tail, then the tail in one chunk. */
	chunk = (uint32_t)(sz & ~7ull);
	if (chunk == sz)
		chunk -= 8;
	assert_int_equal(h_read(&H, 1, chunk, NULL, &got, NULL), 0);
	assert_int_equal(got, chunk);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), H_EINV);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(got, sz - chunk);
	/* Complete: SIZE_GET 0, and Stop is allowed at once. */
	assert_int_equal(h_size_get(&H, 1, 0, &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
}

/* Status table, first row: VF Enable set with NumVFs 0 is no group. */
static void
test_table_group_needs_num_vfs(void **state)
{
	struct h_done d;

	(void)state;
	set_num_vfs(&H, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	set_num_vfs(&H, 4);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8, 0, 0);
}

/* Status table, third row: the member bound is NumVFs, not TotalVFs. */
static void
test_table_member_bound_is_num_vfs(void **state)
{
	(void)state;
	set_num_vfs(&H, 2);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 3, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 2, NULL, 0, 8, 0, 0);
}

/* D-MOD.14: clearing VF Enable fails every command INVALID_GROUP but
 * does not reset the VFs. */
static void
test_table_vf_state_survives_vf_enable(void **state)
{
	uint8_t a[32], b[32];
	uint64_t left;
	uint32_t got;

	(void)state;
	assert_int_equal(vpf_model_guest_step(H.m, 2, 200), 0);
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&H, 2, 64, NULL, &got, NULL), 0);
	assert_int_equal(vpf_model_digest(H.m, 2, a), 0);
	set_num_vfs(&H, 4);
	assert_int_equal(h_vf_mode(&H, 2), VPF_DEV_MODE_FREEZE);
	assert_int_equal(vpf_model_digest(H.m, 2, b), 0);
	assert_memory_equal(a, b, 32);
	/* The partial read goes on where it was. */
	assert_int_equal(h_size_get(&H, 2, 0, &left), 0);
	assert_int_equal(left, ctx_len_now(2) - 64);
}

/* D-MOD.12: START works in every mode, takes ranges outside guest
 * memory (never any record there), and recording is per VF. */
static void
test_table_wr_start_any_mode_outside_memory(void **state)
{
	uint8_t st[32] = { 0 };
	uint64_t rd[2];
	struct h_done d;
	uint8_t mode;

	(void)state;
	memcpy(st, &(uint64_t){ 4096 }, 8);
	memcpy(st + 8, &(uint32_t){ 1 }, 4);
	memcpy(st + 16, &(uint64_t){ 1ull << 40 }, 8);	/* 1 TiB */
	memcpy(st + 24, &(uint64_t){ 256 }, 8);
	for (mode = 0; mode <= VPF_DEV_MODE_MAX; mode++) {
		assert_int_equal(h_mode_set(&H, 1, mode), 0);
		h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 1, st,
			     32, 0, 0, 0);
		h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP, 1, NULL,
			     0, 0, 0, 0);
	}
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 1, st, 32, 0,
		     0, 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	rd[0] = 1ull << 40;
	rd[1] = 256 * 4096;
	d = h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, 1, rd, 16,
			 64, 0, 0);
	assert_int_equal(d.output, 0);
	/* VF 2 has not started: its READ fails. */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, 2, rd, 16, 64,
		     H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
}

/* D-6.11: START ranges and RECORDS_READ windows are bounded by their
 * last byte, which is at most 2^64 - 1: both may end exactly at 2^64,
 * neither may wrap. */
static void
test_table_wr_range_end_fits_64_bits(void **state)
{
	const uint64_t top = 0 - 4ull * 4096;	/* 2^64 - 16 KiB */
	uint8_t st[32] = { 0 };
	uint64_t rd[2] = { top, 4ull * 4096 };
	struct h_done d;

	(void)state;
	memcpy(st, &(uint64_t){ 4096 }, 8);
	memcpy(st + 8, &(uint32_t){ 1 }, 4);
	memcpy(st + 16, &top, 8);
	/* Five pages would wrap past 2^64: refused. */
	memcpy(st + 24, &(uint64_t){ 5 }, 8);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 1, st, 32, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Four end exactly at 2^64: accepted. */
	memcpy(st + 24, &(uint64_t){ 4 }, 8);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 1, st, 32, 0,
		     0, 0);
	/* A READ window ending exactly at 2^64 is fine (no records). */
	d = h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, 1, rd, 16,
			 64, 0, 0);
	assert_int_equal(d.output, 0);
	/* One page further wraps: refused. */
	rd[1] += 4096;
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, 1, rd, 16, 64,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
}

/* D-MOD.16: the 1.4 dialect switch only changes LIST_QUERY: 0xe fails
 * INVALID_OPCODE even when LIST_USE enabled it, 0x7 keeps this
 * dialect's meaning. */
static void
test_table_v14_switch_only_changes_list_query(void **state)
{
	struct h h;
	struct h_done d;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(h_up(&h, h_model(VPF_MODEL_V14_DIALECT, 2, 1)), 0);
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	h_expect(&d, 0, 0);
	memcpy(&v, h_res(&h, 0) + 8, 8);
	assert_true(v & VPF_ADMIN_OP_BIT(0x0e));
	h_cmd_expect(&h, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, 0, 0);
	h_cmd_expect(&h, 0x0e, 1, NULL, 0, 64,
		     H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	d = h_cmd_expect(&h, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8, 0, 0);
	assert_int_equal(d.used_len, 9);
	assert_int_equal(h_res(&h, 0)[8], VPF_DEV_MODE_ACTIVE);
	h_down(&h);
}

/* D-MOD.9: after an owner reset a complete read stays complete (READ 0,
 * SIZE_GET 0 until a mode change or DISCARD). */
static void
test_table_owner_reset_keeps_complete_read(void **state)
{
	uint8_t *b;
	size_t len;
	uint64_t sz;
	uint32_t got;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read_all(&H, 1, 4096, &b, &len), 0);
	free(b);
	assert_int_equal(h_reinit(&H), 0);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_FREEZE);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(got, 0);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	assert_int_equal(sz, 0);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	assert_int_equal(sz, ctx_len_now(1));
}

/* D-MOD.10: resetting the admin queue drops its commands but keeps the
 * VFs' state: a partial read goes on where it was. */
static void
test_table_queue_reset_keeps_vf_state(void **state)
{
	uint64_t left;
	uint32_t got;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	h_wr(&H, VPF_COMMON_Q_SELECT, 2, H.aq);
	h_wr(&H, VPF_COMMON_Q_RESET, 2, 1);
	assert_int_equal(h_rd(&H, VPF_COMMON_Q_RESET, 2), 1);
	h_aq_reenable(&H);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_FREEZE);
	assert_int_equal(h_size_get(&H, 1, 0, &left), 0);
	assert_int_equal(left, ctx_len_now(1) - 64);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_table_discard_partial_read_size_get_whole),
	H_TEST(test_table_check_order_value_before_state),
	H_TEST(test_table_commands_without_data_refuse_data),
	H_TEST(test_table_read_complete_at_last_byte),
	H_TEST(test_table_group_needs_num_vfs),
	H_TEST(test_table_member_bound_is_num_vfs),
	H_TEST(test_table_vf_state_survives_vf_enable),
	H_TEST(test_table_wr_start_any_mode_outside_memory),
	H_TEST(test_table_wr_range_end_fits_64_bits),
	H_TEST(test_table_v14_switch_only_changes_list_query),
	H_TEST(test_table_owner_reset_keeps_complete_read),
	H_TEST(test_table_queue_reset_keeps_vf_state))
