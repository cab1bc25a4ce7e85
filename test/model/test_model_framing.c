/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Admin command framing (doc/protocol.md §1): check order, part
 * sizes, the descriptor chain the device accepts, completions.
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
test_validation_order_group_opcode_member(void **state)
{
	struct h_done d;

	(void)state;
	/* Bad group, bad opcode and bad member: group wins. */
	assert_int_equal(h_submit(&H, 0, 0x3f, VPF_ADMIN_GROUP_SELF, 99, NULL,
				  0, 8, &d, 1000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	/* Bad opcode and bad member: opcode wins. */
	h_cmd_expect(&H, 0x3f, 99, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	h_cmd_expect(&H, 0x0e, 99, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	/* Bad member: 0 and above NumVFs. */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 0, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 5, NULL, 0, 8,
		     H_EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	/* Member 1..NumVFs is fine. */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 4, NULL, 0, 8, 0, 0);
}

static void
test_group_invalid_when_vf_enable_clear(void **state)
{
	struct h h;
	struct h_done d;

	(void)state;
	assert_int_equal(h_up(&h, h_model(VPF_MODEL_OFF_VF_ENABLE, 4, 2)), 0);
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	/* Enabling VFs makes the group valid. */
	{
		uint16_t v = 4;

		vpf_model_ops.cfg_write(h.m, 0x100 + VPF_SRIOV_NUM_VF, &v, 2);
		v = VPF_SRIOV_CTRL_VFE | VPF_SRIOV_CTRL_MSE;
		vpf_model_ops.cfg_write(h.m, 0x100 + VPF_SRIOV_CTRL, &v, 2);
	}
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	h_expect(&d, 0, 0);
	h_down(&h);
}

static void
test_parts_multiple_of_8(void **state)
{
	uint8_t data[8] = { 0 };

	(void)state;
	/* Readable part 24 + 4. */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, data, 4, 0,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Writable part 8 + 4. */
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 4,
		     H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	h_cmd_expect(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8, 0, 0);
}

static void
test_header_at_least_24_bytes(void **state)
{
	struct h_done d;

	(void)state;
	h_post(&H, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL, 0, 8);
	H.desc[0].len = 16;
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 1000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(d.used_len, 8);
}

/* A readable part larger than the device takes is a bad value, reported
 * after the group, opcode and member checks (doc/protocol.md §1.5
 * order, D-MOD.2). */
static void
test_part_too_big_checked_after_group_opcode_member(void **state)
{
	struct vpf_dma_region r;
	struct h_done d;
	const uint32_t big = 16u << 20;	/* 24 + 16 MiB readable */

	(void)state;
	assert_int_equal(H.ops->dma_alloc(H.m, big, 4096, &r), 0);
	h_post_big(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE, 0x5, 1, &r, big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	h_post_big(&H, 0, 0x3f, VPF_ADMIN_GROUP_SRIOV, 1, &r, big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	h_post_big(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV, 99,
		   &r, big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	h_post_big(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV, 1,
		   &r, big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_false(vpf_model_needs_reset(H.m));
	H.ops->dma_free(H.m, &r);
}

/* Commands the device has no buffer for fail EAGAIN/NORESOURCE (a
 * transient lack of resources, doc/protocol.md D-4.11), not
 * INVALID_FIELD: hung commands holding 16 MiB each exhaust the slot memory. */
static void
test_no_buffer_for_command_is_eagain_noresource(void **state)
{
	struct vpf_dma_region r;
	struct h_done d;
	const uint32_t big = (16u << 20) - 24;	/* exactly 16 MiB readable */
	unsigned int s, hung = 0;

	(void)state;
	assert_int_equal(H.ops->dma_alloc(H.m, big, 4096, &r), 0);
	assert_int_equal(vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_HANG,
						4, 0), 0);
	for (s = 0; s < 5; s++)
		h_post_big(&H, s, VPF_ADMIN_OP_DEV_CTX_WRITE,
			   VPF_ADMIN_GROUP_SRIOV, 1, &r, big);
	h_kick(&H);
	/* Four hang with their 16 MiB; the fifth finds no memory. */
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	assert_int_equal(d.id, 16);
	h_expect(&d, VPF_ADMIN_STATUS_EAGAIN, VPF_ADMIN_SQ_NORESOURCE);
	hung = h_used_pending(&H) ? 99 : 4;
	assert_int_equal(hung, 4);
	/* Dropping the hung commands gives the memory back: the same
	 * command is processed again (CTX_WRITE outside Freeze). */
	assert_int_equal(h_reinit(&H), 0);
	h_post_big(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV, 1,
		   &r, big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	H.ops->dma_free(H.m, &r);
}

static void
test_chain_readable_before_writable(void **state)
{
	struct h_done d;

	(void)state;
	/* writable, then readable: the device cannot trust the chain. */
	h_post(&H, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL, 0, 8);
	H.desc[0].flags |= VPF_VRING_DESC_F_WRITE;
	H.desc[1].flags = 0;
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 20), -ETIMEDOUT);
	assert_true(vpf_model_needs_reset(H.m));
	assert_non_null(strstr(vpf_model_last_fault(H.m), "readable"));
}

static void
test_chain_status_part_at_least_8(void **state)
{
	struct h_done d;

	(void)state;
	h_post(&H, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL, 0, 8);
	H.desc[1].len = 4;
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 20), -ETIMEDOUT);
	assert_true(vpf_model_needs_reset(H.m));
}

static void
test_chain_no_loops(void **state)
{
	struct h_done d;

	(void)state;
	h_post(&H, 0, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL, 0, 8);
	H.desc[0].next = 0;		/* points at itself */
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 20), -ETIMEDOUT);
	assert_true(vpf_model_needs_reset(H.m));
	assert_non_null(strstr(vpf_model_last_fault(H.m), "loops"));
}

static void
test_chain_split_parts_accepted(void **state)
{
	struct h_done d;
	uint8_t *b = h_data(&H, 0);
	struct vpf_admin_cmd_hdr hdr = {
		.opcode = VPF_ADMIN_OP_DEV_MODE_GET,
		.group_type = VPF_ADMIN_GROUP_SRIOV,
		.group_member_id = 2,
	};

	(void)state;
	/* Header over two descriptors, status and result in two. */
	memcpy(b, &hdr, sizeof(hdr));
	H.desc[0] = (struct vpf_vring_desc){ h_data_iova(&H, 0), 8,
		VPF_VRING_DESC_F_NEXT, 1 };
	H.desc[1] = (struct vpf_vring_desc){ h_data_iova(&H, 0) + 8, 16,
		VPF_VRING_DESC_F_NEXT, 2 };
	H.desc[2] = (struct vpf_vring_desc){ h_res_iova(&H, 0), 8,
		VPF_VRING_DESC_F_NEXT | VPF_VRING_DESC_F_WRITE, 3 };
	H.desc[3] = (struct vpf_vring_desc){ h_res_iova(&H, 0) + 8, 8,
		VPF_VRING_DESC_F_WRITE, 0 };
	h_post_head(&H, 0);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 1000), 0);
	h_expect(&d, 0, 0);
	assert_int_equal(d.used_len, 9);
	assert_int_equal(h_res(&H, 0)[8], VPF_DEV_MODE_ACTIVE);
}

static void
test_used_len_exact(void **state)
{
	struct h_done d;
	uint64_t sz;
	uint32_t got;

	(void)state;
	assert_int_equal(h_mode_get(&H, 1, &(uint8_t){ 0 }), 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 64,
			       &d), 0);
	assert_int_equal(d.used_len, 8 + 1);
	assert_int_equal(h_size_get(&H, 1, 0, &sz), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, &d), 0);
	assert_int_equal(d.used_len, 8 + got);
	/* An error writes the status part only. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 9, NULL, 0, 64,
			       &d), 0);
	assert_int_equal(d.used_len, 8);
}

static void
test_completions_match_by_id(void **state)
{
	struct h_done d;
	unsigned int s;
	bool seen[H_SLOTS] = { false };

	(void)state;
	for (s = 0; s < 8; s++)
		h_post(&H, s, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1 + s % 4, NULL, 0,
		       8);
	h_kick(&H);
	for (s = 0; s < 8; s++) {
		assert_int_equal(h_wait(&H, &d, 0, 1000), 0);
		assert_true(d.id % 4 == 0 && d.id / 4 < 8);
		assert_false(seen[d.id / 4]);
		seen[d.id / 4] = true;
		h_expect(&d, 0, 0);
	}
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_validation_order_group_opcode_member),
	H_TEST_NOLIST(test_group_invalid_when_vf_enable_clear),
	H_TEST(test_parts_multiple_of_8),
	H_TEST(test_header_at_least_24_bytes),
	H_TEST(test_part_too_big_checked_after_group_opcode_member),
	H_TEST(test_no_buffer_for_command_is_eagain_noresource),
	H_TEST(test_chain_readable_before_writable),
	H_TEST(test_chain_status_part_at_least_8),
	H_TEST(test_chain_no_loops),
	H_TEST(test_chain_split_parts_accepted),
	H_TEST(test_used_len_exact),
	H_TEST(test_completions_match_by_id))
