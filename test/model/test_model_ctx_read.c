/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Reading contexts (doc/protocol.md §4.4, §4.5, §4.7, §4.8):
 * CTX_READ, SIZE_GET, one context per mode, DISCARD of a read,
 * FIELDS_QUERY.
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
test_ctx_read_works_in_every_mode(void **state)
{
	uint8_t *b;
	size_t len;
	uint8_t mode;

	(void)state;
	for (mode = 0; mode <= VPF_DEV_MODE_MAX; mode++) {
		assert_int_equal(h_mode_set(&H, 3, mode), 0);
		assert_int_equal(h_read_all(&H, 3, 256, &b, &len), 0);
		assert_true(len > 0);
		assert_int_equal(vpf_ctx_validate(b, len, 0, NULL), 0);
		free(b);
	}
}

static void
test_ctx_read_end_of_stream(void **state)
{
	uint32_t got;
	uint64_t sz;
	size_t total = 0;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	/* Never a short chunk mid-stream: all full until the last. */
	for (;;) {
		assert_int_equal(h_read(&H, 1, 96, NULL, &got, NULL), 0);
		total += got;
		if (got < 96)
			break;
		assert_int_equal(got, 96);
	}
	assert_int_equal(total, sz);
	/* Read again after the end: OK with context_len 0. */
	assert_int_equal(h_read(&H, 1, 96, NULL, &got, NULL), 0);
	assert_int_equal(got, 0);
	assert_int_equal(h_read(&H, 1, 8, NULL, &got, NULL), 0);
	assert_int_equal(got, 0);
}

static void
test_ctx_read_exact_multiple_ends_with_zero(void **state)
{
	uint64_t sz;
	uint32_t got, chunk;
	struct h h;

	(void)state;
	/* A context whose size is a multiple of the chunk: the end is a
	 * read returning 0. Find one by trying chunk sizes. */
	(void)h;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	for (chunk = 8; chunk <= 4096; chunk += 8)
		if (sz % chunk == 0 && sz / chunk <= 64)
			break;
	if (chunk > 4096) {
		/* The size is not a multiple of 8: read it in one go. */
		chunk = (uint32_t)((sz + 7) & ~7ull);
		assert_int_equal(h_read(&H, 1, chunk, NULL, &got, NULL), 0);
		assert_int_equal(got, sz);
		return;
	}
	while (sz > 0) {
		assert_int_equal(h_read(&H, 1, chunk, NULL, &got, NULL), 0);
		assert_int_equal(got, chunk);
		sz -= got;
	}
	assert_int_equal(h_read(&H, 1, chunk, NULL, &got, NULL), 0);
	assert_int_equal(got, 0);
}

static void
test_ctx_read_result_buffer_rules(void **state)
{
	struct h_done d;
	uint32_t got;

	(void)state;
	/* No result buffer at all. */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_READ, 1, NULL, 0, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Data where none belongs. */
	d = h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_READ, 1, "\0\0\0\0\0\0\0\0",
			 8, 64, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* context_len never exceeds the posted buffer. */
	assert_int_equal(h_read(&H, 1, 8, NULL, &got, &d), 0);
	assert_int_equal(got, 8);
	assert_int_equal(d.used_len, 16);
}

static void
test_one_context_per_mode(void **state)
{
	uint8_t *b;
	size_t len;
	uint32_t got;
	uint64_t sz;

	(void)state;
	/* Complete read in Active. */
	assert_int_equal(h_read_all(&H, 1, 512, &b, &len), 0);
	free(b);
	/* State changes: still READ 0 and SIZE_GET 0 in this mode. */
	vpf_model_guest_step(H.m, 1, 100);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(got, 0);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	assert_int_equal(sz, 0);
	/* A mode change starts a new context. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	assert_true(sz > 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(got, 64);
}

static void
test_ctx_read_snapshot_at_first_read(void **state)
{
	uint8_t *a, *b, first[64];
	size_t alen, blen;
	uint32_t got;

	(void)state;
	/* The context is the state at the first read, even if the state
	 * changes while it is read. */
	assert_int_equal(h_read(&H, 1, 64, first, &got, NULL), 0);
	a = h_vf_ctx(&H, 1, &alen);
	vpf_model_guest_step(H.m, 1, 500);
	assert_int_equal(h_read_all(&H, 1, 128, &b, &blen), 0);
	assert_int_equal(blen + 64, alen);
	assert_memory_equal(first, a, 64);
	assert_memory_equal(b, a + 64, blen);
	free(a);
	free(b);
}

static void
test_discard_restarts_read(void **state)
{
	uint8_t *b;
	size_t len, len2;
	uint32_t got;
	uint64_t sz;

	(void)state;
	/* After a partial read: the next read is a fresh context of the
	 * state now, not the rest of the old one. */
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	vpf_model_guest_step(H.m, 1, 300);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_read_all(&H, 1, 256, &b, &len), 0);
	assert_int_equal(vpf_ctx_validate(b, len, 0, NULL), 0);
	{
		size_t rlen;
		uint8_t *ref = h_vf_ctx(&H, 1, &rlen);

		assert_int_equal(len, rlen);
		assert_memory_equal(b, ref, len);
		free(ref);
	}
	free(b);
	/* After a complete read: a fresh context of the current state. */
	vpf_model_guest_step(H.m, 1, 200);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	assert_int_equal(h_read_all(&H, 1, 256, &b, &len2), 0);
	assert_int_equal(len2, sz);
	assert_int_equal(vpf_ctx_validate(b, len2, 0, NULL), 0);
	free(b);
}

static void
test_size_get_decreases_as_read(void **state)
{
	uint64_t s0, s1, f0, f1;
	uint32_t got;

	(void)state;
	assert_int_equal(h_size_get(&H, 1, 0, &s0), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(h_size_get(&H, 1, 0, &s1), 0);
	assert_int_equal(s1, s0 - 64);
	/* In Freeze, the Freeze estimate is the same remaining size. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_size_get(&H, 1, 1, &f0), 0);
	assert_int_equal(h_read(&H, 1, 128, NULL, &got, NULL), 0);
	assert_int_equal(h_size_get(&H, 1, 1, &f1), 0);
	assert_int_equal(f1, f0 - 128);
	assert_int_equal(h_size_get(&H, 1, 0, &s1), 0);
	assert_int_equal(s1, f1);
}

static void
test_size_get_freeze_estimate(void **state)
{
	uint64_t f, s;
	uint8_t *b;
	size_t len;

	(void)state;
	vpf_model_guest_step(H.m, 2, 300);
	assert_int_equal(h_size_get(&H, 2, 1, &f), 0);
	/* Reading the Active context does not change the Freeze estimate. */
	assert_int_equal(h_read_all(&H, 2, 256, &b, &len), 0);
	free(b);
	assert_int_equal(h_size_get(&H, 2, 1, &s), 0);
	assert_int_equal(s, f);
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_size_get(&H, 2, 0, &s), 0);
	assert_int_equal(s, f);
}

static void
test_size_get_bad_values(void **state)
{
	struct h_done d;
	uint8_t data[8] = { 2 };

	(void)state;
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 1, data, 8, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	data[0] = 0;
	/* Result buffer shorter than le64 (none). */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 1, data, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Missing freeze_mode. */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 1, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	d = h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 1, data, 8, 8,
			 0, 0);
	assert_int_equal(d.used_len, 16);
}

static void
test_result_buffer_short_for_fixed_result(void **state)
{
	(void)state;
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, 1, NULL, 0,
		     0, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, 1, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
}

/* A refused CTX_READ has no side effect (EINVAL: no side effect; only a
 * failed CTX_WRITE drops anything): whatever refused it, the partial read
 * goes on where it was, so the driver reads the same bytes again. */
static void
test_ctx_read_refusal_keeps_position(void **state)
{
	uint8_t *full, part[256], *expect_rest;
	size_t len, off = 0;
	uint32_t got;
	struct h_done d;
	uint8_t pad[8] = { 0 };

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	full = h_vf_ctx(&H, 1, &len);
	assert_int_equal(h_read(&H, 1, 64, part, &got, NULL), 0);
	assert_int_equal(got, 64);
	assert_memory_equal(part, full, 64);
	off = 64;
	/* Data where none belongs, a writable part not a multiple of 8, no
	 * result buffer, an injected failure. */
	assert_int_equal(h_submit(&H, 0, VPF_ADMIN_OP_DEV_CTX_READ,
				  VPF_ADMIN_GROUP_SRIOV, 1, pad, 8, 64, &d,
				  1000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_read(&H, 1, 60, NULL, &got, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_read(&H, 1, 0, NULL, &got, &d), H_EINV);
	assert_int_equal(vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_EINVAL,
						1, 0), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, &d), H_EINV);
	/* Still partial, and the next chunk follows the first. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	expect_rest = full + off;
	assert_int_equal(h_read(&H, 1, 64, part, &got, NULL), 0);
	assert_int_equal(got, 64);
	assert_memory_equal(part, expect_rest, 64);
	free(full);
}

static void
test_fields_query_ascending_with_lengths(void **state)
{
	struct h_done d;
	struct vpf_admin_ctx_field_info fi[8];
	uint32_t n, i;

	(void)state;
	d = h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, 1, NULL, 0,
			 sizeof(fi), 0, 0);
	n = (d.used_len - 8) / 16;
	assert_int_equal(n, 6);
	memcpy(fi, h_res(&H, 0) + 8, n * 16);
	assert_int_equal(vpf_ctx_fields_check(fi, n), 0);
	for (i = 1; i < n; i++)
		assert_true(fi[i].type > fi[i - 1].type);
	assert_int_equal(fi[0].length, 64);
	assert_int_equal(fi[1].length, 8);
	assert_int_equal(fi[2].length, 30);
	assert_int_equal(fi[3].length, 5);
	assert_int_equal(fi[4].length, 4 + 2 * 256);
	assert_int_equal(fi[5].type, VPF_CTX_DEV_CFG);
	assert_int_equal(fi[5].length, 12);
	/* Fewer entries when the buffer holds fewer. */
	d = h_cmd_expect(&H, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, 1, NULL, 0, 32,
			 0, 0);
	assert_int_equal(d.used_len, 8 + 32);
}

static void
test_fields_query_absent_when_switched_off(void **state)
{
	struct h h;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(VPF_MODEL_OFF_FIELDS_QUERY, 2,
					      1)), 0);
	h_cmd_expect(&h, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, 1, NULL, 0, 128,
		     H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	h_down(&h);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_ctx_read_works_in_every_mode),
	H_TEST(test_ctx_read_end_of_stream),
	H_TEST(test_ctx_read_exact_multiple_ends_with_zero),
	H_TEST(test_ctx_read_result_buffer_rules),
	H_TEST(test_one_context_per_mode),
	H_TEST(test_ctx_read_snapshot_at_first_read),
	H_TEST(test_discard_restarts_read),
	H_TEST(test_size_get_decreases_as_read),
	H_TEST(test_size_get_freeze_estimate),
	H_TEST(test_size_get_bad_values),
	H_TEST(test_result_buffer_short_for_fixed_result),
	H_TEST(test_ctx_read_refusal_keeps_position),
	H_TEST(test_fields_query_ascending_with_lengths),
	H_TEST(test_fields_query_absent_when_switched_off))
