/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Command list negotiation (doc/protocol.md §2): LIST_QUERY,
 * LIST_USE and what a device reset leaves enabled.
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

static uint64_t
list_query(struct h *h, struct h_done *d)
{
	uint64_t v = 0;

	assert_int_equal(h_cmd(h, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, d),
			 0);
	memcpy(&v, h_res(h, 0) + 8, 8);
	return v;
}

/* Only LIST_QUERY and LIST_USE are enabled (MODE_GET fails
 * INVALID_OPCODE); then LIST_USE of everything LIST_QUERY reports. */
static void
only_list_then_use_all(struct h *h)
{
	struct h_done d;
	uint64_t v;

	h_cmd_expect(h, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	v = list_query(h, &d);
	h_expect(&d, 0, 0);
	h_cmd_expect(h, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, 0, 0);
}

static void
test_list_query_reports_supported(void **state)
{
	struct h_done d;
	struct h h;
	uint64_t v;

	(void)state;
	v = list_query(&H, &d);
	h_expect(&d, 0, 0);
	assert_int_equal(d.used_len, 16);
	assert_int_equal(v, VPF_ADMIN_OPS_LIST | VPF_ADMIN_OPS_MIGRATION |
			 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY) |
			 VPF_ADMIN_OPS_WRITE_RECORD);
	/* Switched off: absent from the list and refused as opcodes. */
	assert_int_equal(h_up(&h, h_model(VPF_MODEL_OFF_FIELDS_QUERY |
					  VPF_MODEL_OFF_WRITE_RECORD, 2, 1)), 0);
	v = list_query(&h, &d);
	assert_int_equal(v, VPF_ADMIN_OPS_LIST | VPF_ADMIN_OPS_MIGRATION);
	v |= VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY);
	h_cmd_expect(&h, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	h_down(&h);
	/* The 1.4 dialect switch shows bit 0xe. */
	assert_int_equal(h_up(&h, h_model(VPF_MODEL_V14_DIALECT, 2, 1)), 0);
	v = list_query(&h, &d);
	assert_true(v & VPF_ADMIN_OP_BIT(0x0e));
	h_down(&h);
}

static void
test_list_query_result_buffer_size(void **state)
{
	struct h_done d;

	(void)state;
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 0, &d),
			 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	h_expect(&d, 0, 0);
}

static void
test_list_query_carries_no_data(void **state)
{
	uint64_t junk = 0;
	struct h_done d;

	(void)state;
	/* LIST_QUERY has no data (doc/protocol.md §2.1, D-MOD.3). */
	d = h_cmd_expect(&H, VPF_ADMIN_OP_LIST_QUERY, 0, &junk, 8, 8,
			 H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(d.used_len, 8);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	h_expect(&d, 0, 0);
}

static void
test_list_use_before_other_commands(void **state)
{
	(void)state;
	/* Before LIST_USE only LIST_QUERY / LIST_USE are enabled. */
	only_list_then_use_all(&H);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8, 0, 0);
}

static void
test_list_use_subset_of_list_query(void **state)
{
	struct h_done d;
	uint64_t v = VPF_ADMIN_OPS_LIST | VPF_ADMIN_OP_BIT(0x3);
	uint64_t two[2] = { VPF_ADMIN_OPS_LIST, 1 };

	(void)state;
	h_cmd_expect(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Opcodes 64+ are never supported. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, two, 16, 0, &d),
			 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* The failed LIST_USE enabled nothing. */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
}

static void
test_list_use_enables_only_listed(void **state)
{
	struct h_done d;
	uint64_t v = VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_MODE_GET);

	(void)state;
	h_cmd_expect(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, 0, 0);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8, 0, 0);
	/* A command not enabled fails with INVALID_OPCODE. */
	assert_int_equal(h_mode_set(&H, 1, 1), H_EINV);
	/* LIST_QUERY stays usable. */
	(void)list_query(&H, &d);
	h_expect(&d, 0, 0);
}

static void
test_list_use_not_while_outstanding(void **state)
{
	struct h_done d, d2;
	uint64_t v = VPF_ADMIN_OPS_LIST | VPF_ADMIN_OPS_MIGRATION;

	(void)state;
	/* LIST_USE with another command posted behind it. */
	h_post(&H, 0, VPF_ADMIN_OP_LIST_USE, 1, 0, &v, 8, 0);
	h_post(&H, 1, VPF_ADMIN_OP_LIST_QUERY, 1, 0, NULL, 0, 8);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 1000), 0);
	assert_int_equal(h_wait(&H, &d2, 1, 1000), 0);
	assert_int_equal(d.id, 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	/* LIST_USE while a command hangs in the device. */
	vpf_model_fault_inject(H.m, 0, VPF_MODEL_FAULT_HANG, 1, 0);
	h_post(&H, 1, VPF_ADMIN_OP_LIST_QUERY, 1, 0, NULL, 0, 8);
	h_kick(&H);
	h_cmd_expect(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	/* Alone, it succeeds (after the queue is reset). */
	h_wr(&H, VPF_COMMON_STATUS, 1, 0);
	h_down(&H);
	assert_int_equal(h_up(&H, h_model(0, 4, 2)), 0);
	h_cmd_expect(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, 0, 0);
}

static void
test_after_reset_only_list_enabled(void **state)
{
	(void)state;
	assert_int_equal(h_mode_get(&H, 1, &(uint8_t){ 0 }), 0);
	/* Owner reset and bring-up again, without LIST_USE. */
	{
		struct vpf_model *m = H.m;

		H.m = NULL;
		H.ops->dma_free(m, &H.ring);
		H.ops->dma_free(m, &H.buf);
		assert_int_equal(h_up(&H, m), 0);
	}
	only_list_then_use_all(&H);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST_NOLIST(test_list_query_reports_supported),
	H_TEST_NOLIST(test_list_query_result_buffer_size),
	H_TEST_NOLIST(test_list_query_carries_no_data),
	H_TEST_NOLIST(test_list_use_before_other_commands),
	H_TEST_NOLIST(test_list_use_subset_of_list_query),
	H_TEST_NOLIST(test_list_use_enables_only_listed),
	H_TEST_NOLIST(test_list_use_not_while_outstanding),
	H_TEST(test_after_reset_only_list_enabled))
