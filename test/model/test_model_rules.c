/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * One test per rule of FACTS.md 1, 2, 4 and 6, each named after the rule
 * and covering the success and the failure side, played against the model
 * through the harness (which sends whatever bytes a test wants).
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
#include "vpf_ctx.h"

#define EINV	VPF_ADMIN_STATUS_EINVAL

static struct h H;

static int
setup(void **state)
{
	(void)state;
	return h_up_all(&H, h_model(0, 4, 2)) == 0 ? 0 : -1;
}

static int
setup_nolist(void **state)
{
	(void)state;
	return h_up(&H, h_model(0, 4, 2)) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	h_down(&H);
	return 0;
}

static void
expect(const struct h_done *d, uint16_t status, uint16_t qual)
{
	assert_int_equal(d->status, status);
	assert_int_equal(d->qual, qual);
}

static uint8_t
mode_of(uint16_t vf)
{
	uint8_t m = 0xff;

	assert_int_equal(vpf_model_vf_mode(H.m, vf, &m), 0);
	return m;
}

/* ======================================================================
 * 1. Framing
 * ==================================================================== */

static void
test_validation_order_group_opcode_member(void **state)
{
	struct h_done d;

	(void)state;
	/* Bad group, bad opcode and bad member: group wins. */
	h_post(&H, 0, 0x3f, VPF_ADMIN_GROUP_SELF, 99, NULL, 0, 8);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 1000), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	/* Bad opcode and bad member: opcode wins. */
	assert_int_equal(h_cmd(&H, 0x3f, 99, NULL, 0, 8, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	assert_int_equal(h_cmd(&H, 0x0e, 99, NULL, 0, 8, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	/* Bad member: 0 and above NumVFs. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 0, NULL, 0, 8,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 5, NULL, 0, 8,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	/* Member 1..NumVFs is fine. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 4, NULL, 0, 8,
			       &d), 0);
	expect(&d, 0, 0);
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
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	/* Enabling VFs makes the group valid. */
	{
		uint16_t v = 4;

		vpf_model_ops.cfg_write(h.m, 0x100 + VPF_SRIOV_NUM_VF, &v, 2);
		v = VPF_SRIOV_CTRL_VFE | VPF_SRIOV_CTRL_MSE;
		vpf_model_ops.cfg_write(h.m, 0x100 + VPF_SRIOV_CTRL, &v, 2);
	}
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	expect(&d, 0, 0);
	h_down(&h);
}

static void
test_parts_multiple_of_8(void **state)
{
	struct h_done d;
	uint8_t data[8] = { 0 };

	(void)state;
	/* Readable part 24 + 4. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, data, 4, 0,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Writable part 8 + 4. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 4,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	expect(&d, 0, 0);
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
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(d.used_len, 8);
}

/* Post in slot @p s a command whose readable part is the header, then
 * @p big bytes of @p r: 24 + @p big readable bytes in all. */
static void
post_big(unsigned int s, uint16_t op, uint16_t group, uint64_t member,
	 const struct vpf_dma_region *r, uint32_t big)
{
	uint16_t d0 = (uint16_t)(4 * s);

	h_post(&H, s, op, group, member, NULL, 0, 0);
	/* h_post made (header, status); insert the big readable part. */
	H.avail--;
	H.desc[d0].next = (uint16_t)(d0 + 2);
	H.desc[d0 + 2] = H.desc[d0 + 1];
	H.desc[d0 + 1] = (struct vpf_vring_desc){ r->iova, big,
		VPF_VRING_DESC_F_NEXT, (uint16_t)(d0 + 2) };
	H.desc[d0].next = (uint16_t)(d0 + 1);
	H.avail_ring[H.avail % H.qsize] = d0;
	H.avail++;
	__atomic_store_n(H.avail_idx, H.avail, __ATOMIC_RELEASE);
}

/* A readable part larger than the device takes is a bad value, reported
 * after the group, opcode and member checks (FACTS.md 1 order). */
static void
test_part_too_big_checked_after_group_opcode_member(void **state)
{
	struct vpf_dma_region r;
	struct h_done d;
	const uint32_t big = 16u << 20;	/* 24 + 16 MiB readable */

	(void)state;
	assert_int_equal(H.ops->dma_alloc(H.m, big, 4096, &r), 0);
	post_big(0, VPF_ADMIN_OP_DEV_CTX_WRITE, 0x5, 1, &r, big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	post_big(0, 0x3f, VPF_ADMIN_GROUP_SRIOV, 1, &r, big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	post_big(0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV, 99, &r,
		 big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	post_big(0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV, 1, &r,
		 big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_false(vpf_model_needs_reset(H.m));
	H.ops->dma_free(H.m, &r);
}

/* Commands the device has no buffer for fail EAGAIN/NORESOURCE (a
 * transient lack of resources, FACTS.md 4), not INVALID_FIELD: hung
 * commands holding 16 MiB each exhaust the slot memory. */
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
		post_big(s, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV,
			 1, &r, big);
	h_kick(&H);
	/* Four hang with their 16 MiB; the fifth finds no memory. */
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	assert_int_equal(d.id, 16);
	expect(&d, VPF_ADMIN_STATUS_EAGAIN, VPF_ADMIN_SQ_NORESOURCE);
	hung = h_used_pending(&H) ? 99 : 4;
	assert_int_equal(hung, 4);
	/* Dropping the hung commands gives the memory back: the same
	 * command is processed again (CTX_WRITE outside Freeze). */
	assert_int_equal(h_reinit(&H), 0);
	post_big(0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV, 1, &r,
		 big);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
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
	expect(&d, 0, 0);
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
		expect(&d, 0, 0);
	}
}

/* ======================================================================
 * 2. Command list negotiation
 * ==================================================================== */

static uint64_t
list_query(struct h *h, struct h_done *d)
{
	uint64_t v = 0;

	assert_int_equal(h_cmd(h, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, d),
			 0);
	memcpy(&v, h_res(h, 0) + 8, 8);
	return v;
}

static void
test_list_query_reports_supported(void **state)
{
	struct h_done d;
	struct h h;
	uint64_t v;

	(void)state;
	v = list_query(&H, &d);
	expect(&d, 0, 0);
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
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
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
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	expect(&d, 0, 0);
}

static void
test_list_query_carries_no_data(void **state)
{
	uint64_t junk = 0;
	struct h_done d;

	(void)state;
	/* LIST_QUERY has no data (FACTS.md 2; doc/model.md decision 3). */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, &junk, 8, 8,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(d.used_len, 8);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	expect(&d, 0, 0);
}

static void
test_list_use_before_other_commands(void **state)
{
	struct h_done d;
	uint64_t v;

	(void)state;
	/* Before LIST_USE only LIST_QUERY / LIST_USE are enabled. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	v = list_query(&H, &d);
	expect(&d, 0, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, &d), 0);
	expect(&d, 0, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	expect(&d, 0, 0);
}

static void
test_list_use_subset_of_list_query(void **state)
{
	struct h_done d;
	uint64_t v = VPF_ADMIN_OPS_LIST | VPF_ADMIN_OP_BIT(0x3);
	uint64_t two[2] = { VPF_ADMIN_OPS_LIST, 1 };

	(void)state;
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Opcodes 64+ are never supported. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, two, 16, 0, &d),
			 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* The failed LIST_USE enabled nothing. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
}

static void
test_list_use_enables_only_listed(void **state)
{
	struct h_done d;
	uint64_t v = VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_MODE_GET);

	(void)state;
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, &d), 0);
	expect(&d, 0, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	expect(&d, 0, 0);
	/* A command not enabled fails with INVALID_OPCODE. */
	assert_int_equal(h_mode_set(&H, 1, 1), EINV);
	/* LIST_QUERY stays usable. */
	(void)list_query(&H, &d);
	expect(&d, 0, 0);
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
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	/* LIST_USE while a command hangs in the device. */
	vpf_model_fault_inject(H.m, 0, VPF_MODEL_FAULT_HANG, 1, 0);
	h_post(&H, 1, VPF_ADMIN_OP_LIST_QUERY, 1, 0, NULL, 0, 8);
	h_kick(&H);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	/* Alone, it succeeds (after the queue is reset). */
	h_wr(&H, VPF_COMMON_STATUS, 1, 0);
	h_down(&H);
	assert_int_equal(h_up(&H, h_model(0, 4, 2)), 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, &d), 0);
	expect(&d, 0, 0);
}

static void
test_after_reset_only_list_enabled(void **state)
{
	struct h_done d;
	uint64_t v;

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
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	v = list_query(&H, &d);
	expect(&d, 0, 0);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &v, 8, 0, &d), 0);
	expect(&d, 0, 0);
}

/* ======================================================================
 * 4. Device migration commands
 * ==================================================================== */

static void
test_mode_reserved_values_fail(void **state)
{
	struct h_done d;
	uint8_t data[8] = { 3 };

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, 3), EINV);
	assert_int_equal(h_mode_set(&H, 1, 0xff), EINV);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, data, 8, 0,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Non-zero padding is a bad value too. */
	data[0] = 1;
	data[5] = 1;
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, data, 8, 0,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(mode_of(1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(mode_of(1), VPF_DEV_MODE_STOP);
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
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	assert_int_equal(mode_of(1), VPF_DEV_MODE_FREEZE);
	assert_int_equal(h_mode_set(&H, 1, 7), EINV);
	assert_int_equal(mode_of(1), VPF_DEV_MODE_FREEZE);
}

static void
test_mode_set_fails_during_partial_read(void **state)
{
	struct h_done d;
	uint8_t data[8] = { VPF_DEV_MODE_STOP };
	uint32_t got;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(got, 64);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_SET, 1, data, 8, 0,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	/* Freeze (the current mode) is fine; after DISCARD Stop is too. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	/* A partial read in Active does not block going to Freeze. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
}

static uint8_t *
vf_ctx(uint16_t vf, size_t *len)
{
	uint8_t *b = malloc(1 << 20);

	assert_non_null(b);
	assert_int_equal(vpf_model_vf_ctx(H.m, vf, b, 1 << 20, len), 0);
	return b;
}

static void
test_mode_set_fails_during_partial_write(void **state)
{
	size_t len;
	uint8_t *c = vf_ctx(2, &len);

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), EINV);
	assert_int_equal(mode_of(1), VPF_DEV_MODE_FREEZE);
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
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_READ, 1, NULL, 0, 0,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Data where none belongs. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_READ, 1, "\0\0\0\0\0\0"
			       "\0\0", 8, 64, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
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
	a = vf_ctx(1, &alen);
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
		uint8_t *ref = vf_ctx(1, &rlen);

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
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 1, data, 8,
			       8, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	data[0] = 0;
	/* Result buffer shorter than le64 (none). */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 1, data, 8,
			       0, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Missing freeze_mode. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 1, NULL, 0,
			       8, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_SIZE_GET, 1, data, 8,
			       8, &d), 0);
	expect(&d, 0, 0);
	assert_int_equal(d.used_len, 16);
}

static void
test_result_buffer_short_for_fixed_result(void **state)
{
	struct h_done d;

	(void)state;
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 0,
			       &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, 1,
			       NULL, 0, 0, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, 1, NULL,
			       0, 8, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
}

static void
test_ctx_write_only_in_freeze(void **state)
{
	size_t len;
	uint8_t *c = vf_ctx(2, &len);
	struct h_done d;

	(void)state;
	assert_int_equal(h_write(&H, 1, c, 64, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	assert_int_equal(h_write(&H, 1, c, 64, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	free(c);
}

/* Build a context with one field replaced by @p type/@p len. */
static uint8_t *
ctx_with(uint16_t type, const void *val, uint64_t vlen, size_t *len)
{
	struct vpf_ctx_builder b;
	uint8_t *buf;

	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_raw(&b, type, val, vlen), 0);
	buf = vpf_ctx_builder_detach(&b, len);
	assert_non_null(buf);
	return buf;
}

static void
test_ctx_write_field_length_mismatch(void **state)
{
	uint8_t v[128] = { 0 };
	uint8_t *c;
	size_t len;
	struct h_done d;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* PCI_VQ_CFG of 32 bytes (device: 30); longer is an extension the
	 * device does not accept. */
	c = ctx_with(VPF_CTX_PCI_VQ_CFG, v, 32, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), EINV);
	free(c);
	/* DEV_CFG longer than the device's 12 bytes. */
	c = ctx_with(VPF_CTX_DEV_CFG, v, 16, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), EINV);
	free(c);
	/* PCI_COMMON_CFG shorter than 64: malformed. */
	c = ctx_with(VPF_CTX_PCI_COMMON_CFG, v, 56, &len);
	assert_int_equal(h_write(&H, 1, c, (uint32_t)((len + 7) & ~7u), &d),
			 EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	free(c);
	/* The right length is accepted (a VQ cfg with sane values). */
	{
		struct vpf_dev_ctx_pci_vq_cfg q = {
			.vq_index = 1, .queue_size = 64, .queue_msix_vector = 1,
			.queue_desc = 0x10000, .queue_driver = 0x20000,
			.queue_device = 0x30000,
		};

		c = ctx_with(VPF_CTX_PCI_VQ_CFG, &q, 30, &len);
		assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
		free(c);
	}
}

static void
test_ctx_write_unsupported_field_type(void **state)
{
	uint8_t v[16] = { 0 };
	uint8_t *c;
	size_t len;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	c = ctx_with(0x0123, v, 16, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), EINV);
	free(c);
	c = ctx_with(0x1001, v, 8, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), EINV);
	free(c);
	c = ctx_with(0x2000, v, 8, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), EINV);
	free(c);
}

static void
test_ctx_write_refused_at_field_header(void **state)
{
	uint8_t chunk[24];
	struct h_done d;
	uint64_t big = 1 << 20;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* A DEV_CFG header announcing 1 MiB: refused with the header, not
	 * after the value has streamed in. */
	memset(chunk, 0, sizeof(chunk));
	chunk[0] = 1;
	chunk[4] = VPF_CTX_DEV_CFG & 0xff;
	chunk[5] = VPF_CTX_DEV_CFG >> 8;
	memcpy(chunk + 12, &big, 8);
	assert_int_equal(h_write(&H, 1, chunk, 24, &d), VPF_ADMIN_STATUS_EINVAL);
	expect(&d, VPF_ADMIN_STATUS_EINVAL, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Nothing partial is left. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
}

static void
test_ctx_write_failure_drops_partial_write(void **state)
{
	size_t len;
	uint8_t *c = vf_ctx(2, &len);
	uint8_t junk[64];
	struct h_done d;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	/* Malformed continuation: a bogus TLV type in the next header. */
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(h_write(&H, 1, junk, 64, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Dropped: not partial any more (mode change allowed), and a whole
	 * context written from the start is accepted. */
	assert_int_equal(h_write_all(&H, 1, c, len, 256), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	free(c);
}

/* A context that shrinks a queue below the descriptors the device keeps
 * owning (no own-desc field for it) is refused as a whole: otherwise the
 * device would keep indices outside its ring. */
static void
test_ctx_write_owned_descriptors_below_resulting_queue_size(void **state)
{
	struct vpf_ctx_vq_cfg vc = {
		.vq_index = 0, .queue_size = 2, .queue_msix_vector = 1,
		.queue_desc = 0x10000, .queue_driver = 0x20000,
		.queue_device = 0x30000,
	};
	struct vpf_ctx_builder b;
	uint8_t before[32], after[32], pad[64];
	uint16_t own[2] = { 0, 1 };
	struct h_done d;
	uint8_t *c, *rd;
	size_t len, rlen;

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 1, before), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* Queue 0 (receive) owns most of its 256 entries: size 2 alone is
	 * refused, and nothing of it is applied. */
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vc), 0);
	c = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(c);
	/* One chunk, zero-padded to 8 (FACTS.md 1). */
	assert_true(len <= sizeof(pad));
	memset(pad, 0, sizeof(pad));
	memcpy(pad, c, len);
	assert_int_equal(h_write(&H, 1, pad, (uint32_t)((len + 7) & ~7u), &d),
			 EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	free(c);
	/* Nothing partial or pending: leaving Freeze changes nothing. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_digest(H.m, 1, after), 0);
	assert_memory_equal(before, after, 32);
	/* Size 2 together with owned descriptors below 2 is accepted, and
	 * the guest and context reads keep working on the small queue. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vc), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 0, own, 2), 0);
	c = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(c);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	free(c);
	/* Owned index 2 in a queue of 2: refused. */
	own[1] = 2;
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vc), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 0, own, 2), 0);
	c = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(c);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), EINV);
	free(c);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 5000), 0);
	assert_int_equal(h_read_all(&H, 1, 4096, &rd, &rlen), 0);
	/* The model takes back the context it produced. */
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 2, rd, rlen, 4096), 0);
	assert_int_equal(h_mode_set(&H, 2, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 2, 5000), 0);
	free(rd);
}

static void
test_ctx_write_empty_chunk_fails_and_drops_partial_write(void **state)
{
	size_t len;
	uint8_t *c = vf_ctx(2, &len);
	struct h_done d;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	/* Partial: leaving Freeze is refused. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	assert_int_equal(h_write(&H, 1, NULL, 0, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* The failed write dropped the partial one (FACTS.md 4). */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	free(c);
}

/* The refusals of a CTX_WRITE chunk for VF 1 that come from the checks
 * after the member is known but before the context bytes are looked at,
 * plus an injected failure: each must drop the partial write like a
 * refusal of the bytes does (FACTS.md 4: a failed CTX_WRITE drops the
 * whole partial write, whatever refused it). */
enum wr_refusal {
	REF_DATA_NOT_8,		/* readable part not a multiple of 8 */
	REF_RESULT_NOT_8,	/* writable part not a multiple of 8 */
	REF_TOO_BIG,		/* readable part over 16 MiB */
	REF_INJECTED,		/* injected EINVAL */
	REF_EMPTY,		/* no data */
	REF_MAX
};

static void
refuse_ctx_write(enum wr_refusal k, const uint8_t *data)
{
	struct vpf_dma_region r;
	struct h_done d;

	switch (k) {
	case REF_DATA_NOT_8:
		assert_int_equal(h_write(&H, 1, data, 12, &d), EINV);
		break;
	case REF_RESULT_NOT_8:
		h_post(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV,
		       1, data, 8, 4);
		h_kick(&H);
		assert_int_equal(h_wait(&H, &d, 0, 1000), 0);
		break;
	case REF_TOO_BIG:
		assert_int_equal(H.ops->dma_alloc(H.m, 16u << 20, 4096, &r), 0);
		post_big(0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SRIOV,
			 1, &r, 16u << 20);
		h_kick(&H);
		assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
		H.ops->dma_free(H.m, &r);
		break;
	case REF_INJECTED:
		assert_int_equal(vpf_model_fault_inject(H.m, 1,
				VPF_MODEL_FAULT_EINVAL, 1, 0), 0);
		assert_int_equal(h_write(&H, 1, data, 8, &d), EINV);
		break;
	case REF_EMPTY:
	default:
		assert_int_equal(h_write(&H, 1, NULL, 0, &d), EINV);
		break;
	}
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_false(vpf_model_needs_reset(H.m));
}

/* A framing refusal after a first chunk: leaving Freeze is allowed at
 * once, there is no partial write any more. */
static void
test_ctx_write_framing_refusal_drops_partial_write(void **state)
{
	size_t len;
	uint8_t *c = vf_ctx(2, &len);
	unsigned int k;

	(void)state;
	for (k = 0; k < REF_MAX; k++) {
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
		refuse_ctx_write(k, c + 64);
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	}
	free(c);
}

/* After a framing refusal the next chunk starts a new context: the rest
 * of the old one is refused (it is no context on its own), the whole
 * context from its first byte is accepted and applied. */
static void
test_ctx_write_after_refusal_starts_fresh(void **state)
{
	size_t len;
	uint8_t *c = vf_ctx(2, &len);
	uint8_t want[32], got[32];
	unsigned int k;

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 2, want), 0);
	/* The rest after 8 bytes starts with field_count 0 (reserved bytes
	 * of the first TLV) followed by non-zero bytes: malformed alone. */
	assert_int_equal(c[8] | c[9] | c[10] | c[11], 0);
	for (k = 0; k < REF_MAX; k++) {
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(h_write(&H, 1, c, 8, NULL), 0);
		refuse_ctx_write(k, c + 8);
		assert_int_equal(h_write_all(&H, 1, c + 8, len - 8, 4096), EINV);
		assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
		assert_int_equal(vpf_model_digest(H.m, 1, got), 0);
		assert_memory_equal(want, got, 32);
	}
	free(c);
}

/* EAGAIN is a transient lack of resources with no side effect: the driver
 * retries the same chunk, so the partial write stays (decision,
 * doc/model.md). */
static void
test_ctx_write_eagain_keeps_partial_write(void **state)
{
	size_t len;
	uint8_t *c = vf_ctx(2, &len);
	uint8_t want[32], got[32];
	struct h_done d;

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 2, want), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 8, NULL), 0);
	assert_int_equal(vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_EAGAIN,
						1, 0), 0);
	assert_int_equal(h_write(&H, 1, c + 8, 8, &d),
			 VPF_ADMIN_STATUS_EAGAIN);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	assert_int_equal(h_write_all(&H, 1, c + 8, len - 8, 4096), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_digest(H.m, 1, got), 0);
	assert_memory_equal(want, got, 32);
	free(c);
}

/* A CTX_WRITE refused before its member is known (bad group, opcode not
 * enabled, bad member) is addressed to no VF: VF 1's partial write goes
 * on (decision, doc/model.md). */
static void
test_ctx_write_refusal_without_vf_keeps_partial_write(void **state)
{
	size_t len;
	uint8_t *c = vf_ctx(2, &len);
	uint8_t want[32], got[32];
	uint64_t ops, use;
	struct h_done d;

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 2, want), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 8, NULL), 0);
	h_post(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE, VPF_ADMIN_GROUP_SELF, 1,
	       c + 8, 8, 0);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 1000), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	assert_int_equal(h_write(&H, 99, c + 8, 8, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	/* CTX_WRITE not enabled by LIST_USE. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	memcpy(&ops, h_res(&H, 0) + 8, 8);
	use = ops & ~(1ull << VPF_ADMIN_OP_DEV_CTX_WRITE);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &use, 8, 0, &d),
			 0);
	expect(&d, 0, 0);
	assert_int_equal(h_write(&H, 1, c + 8, 8, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &ops, 8, 0, &d),
			 0);
	expect(&d, 0, 0);
	/* Still partial; the continuation completes the context. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	assert_int_equal(h_write_all(&H, 1, c + 8, len - 8, 4096), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_digest(H.m, 1, got), 0);
	assert_memory_equal(want, got, 32);
	free(c);
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
	full = vf_ctx(1, &len);
	assert_int_equal(h_read(&H, 1, 64, part, &got, NULL), 0);
	assert_int_equal(got, 64);
	assert_memory_equal(part, full, 64);
	off = 64;
	/* Data where none belongs, a writable part not a multiple of 8, no
	 * result buffer, an injected failure. */
	h_post(&H, 0, VPF_ADMIN_OP_DEV_CTX_READ, VPF_ADMIN_GROUP_SRIOV, 1,
	       pad, 8, 64);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 1000), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_read(&H, 1, 60, NULL, &got, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(h_read(&H, 1, 0, NULL, &got, &d), EINV);
	assert_int_equal(vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_EINVAL,
						1, 0), 0);
	assert_int_equal(h_read(&H, 1, 64, NULL, &got, &d), EINV);
	/* Still partial, and the next chunk follows the first. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	expect_rest = full + off;
	assert_int_equal(h_read(&H, 1, 64, part, &got, NULL), 0);
	assert_int_equal(got, 64);
	assert_memory_equal(part, expect_rest, 64);
	free(full);
}

static void
test_ctx_write_chunks_split_anywhere(void **state)
{
	size_t len;
	uint8_t *c;
	uint8_t da[32], db[32];
	uint32_t chunks[] = { 8, 16, 24, 40, 48, 136, 1000, 4096 };
	unsigned int i;

	(void)state;
	vpf_model_guest_step(H.m, 2, 400);
	c = vf_ctx(2, &len);
	vpf_model_digest(H.m, 2, da);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(h_write_all(&H, 1, c, len,
					     chunks[i] & ~7u), 0);
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
		vpf_model_digest(H.m, 1, db);
		assert_memory_equal(da, db, 32);
		vpf_model_guest_step(H.m, 1, 50);
	}
	free(c);
}

static void
test_ctx_write_trailing_zero_rule(void **state)
{
	size_t len, padded;
	uint8_t *c = vf_ctx(2, &len);
	uint8_t *buf = calloc(1, len + 64);
	struct h_done d;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	memcpy(buf, c, len);
	padded = (len + 7) & ~(size_t)7;
	/* Up to 7 zero bytes after the context: accepted. */
	assert_int_equal(h_write(&H, 1, buf, (uint32_t)padded, &d), 0);
	/* A non-zero byte in the padding: refused. */
	if (padded > len) {
		buf[len] = 1;
		assert_int_equal(h_write(&H, 1, buf, (uint32_t)padded, &d),
				 EINV);
		expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
		buf[len] = 0;
	}
	/* 8 or more bytes after the context, even zeros: refused. */
	assert_int_equal(h_write(&H, 1, buf, (uint32_t)padded + 8, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	free(buf);
	free(c);
}

static void
test_ctx_write_most_recent_complete_applies(void **state)
{
	size_t l2, l3;
	uint8_t *c2, *c3;
	uint8_t d1[32], d3[32];

	(void)state;
	vpf_model_guest_step(H.m, 2, 100);
	vpf_model_guest_step(H.m, 3, 300);
	c2 = vf_ctx(2, &l2);
	c3 = vf_ctx(3, &l3);
	vpf_model_digest(H.m, 3, d3);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c2, l2, 512), 0);
	assert_int_equal(h_write_all(&H, 1, c3, l3, 512), 0);
	/* Not applied while in Freeze. */
	vpf_model_digest(H.m, 1, d1);
	assert_memory_not_equal(d1, d3, 32);
	/* A partial third write, then DISCARD of it only drops... all
	 * not-applied writes; so instead finish with c3 as the last. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_STOP), 0);
	vpf_model_digest(H.m, 1, d1);
	assert_memory_equal(d1, d3, 32);
	free(c2);
	free(c3);
}

static void
test_failed_write_keeps_previous_complete_context(void **state)
{
	size_t len;
	uint8_t *c;
	uint8_t want[32], got[32], junk[16];

	(void)state;
	vpf_model_guest_step(H.m, 2, 250);
	c = vf_ctx(2, &len);
	vpf_model_digest(H.m, 2, want);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), 0);
	/* A second write that fails drops only itself. */
	memset(junk, 0, sizeof(junk));
	junk[0] = 1;		/* field_count 1 */
	junk[4] = 0x99;		/* unsupported type 0x0099 ... */
	junk[12] = 8;		/* ... of length 8 */
	assert_int_equal(h_write(&H, 1, junk, 16, NULL), 0);
	memset(junk, 0, sizeof(junk));
	/* Refused when the field is complete. */
	assert_int_equal(h_write(&H, 1, junk, 16, NULL),
			 VPF_ADMIN_STATUS_EINVAL);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_digest(H.m, 1, got);
	assert_memory_equal(want, got, 32);
	free(c);
}

static void
test_ctx_write_empty_context_changes_nothing(void **state)
{
	uint8_t empty[8] = { 0 };
	uint8_t a[32], b[32];

	(void)state;
	vpf_model_digest(H.m, 1, a);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* field_count 0 plus 4 zero bytes of padding: well formed. */
	assert_int_equal(h_write(&H, 1, empty, 8, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_digest(H.m, 1, b);
	assert_memory_equal(a, b, 32);
}

/* doc/model.md decision 17: after a complete write, an 8-byte all-zero
 * chunk is not "padding after the context" but a new, empty complete
 * context, which replaces the pending one (the most recent complete
 * context takes effect, FACTS.md 4). */
static void
test_zero_chunk_after_complete_write_replaces_pending(void **state)
{
	uint8_t zero[8] = { 0 };
	uint8_t a[32], b[32], other[32];
	struct vpf_model_stats st;
	size_t len;
	uint8_t *c = vf_ctx(2, &len);

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 1, a), 0);
	assert_int_equal(vpf_model_digest(H.m, 2, other), 0);
	assert_memory_not_equal(a, other, 32);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	assert_int_equal(h_write(&H, 1, zero, 8, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	/* The empty context was applied, not VF2's. */
	assert_int_equal(vpf_model_digest(H.m, 1, b), 0);
	assert_memory_equal(a, b, 32);
	vpf_model_stats_get(H.m, 1, &st);
	assert_int_equal(st.activations, 1);
	free(c);
}

static void
test_discard_drops_written_context(void **state)
{
	size_t len;
	uint8_t *c;
	uint8_t before[32], after[32];

	(void)state;
	vpf_model_guest_step(H.m, 2, 100);
	c = vf_ctx(2, &len);
	vpf_model_digest(H.m, 1, before);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), 0);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	vpf_model_digest(H.m, 1, after);
	assert_memory_equal(before, after, 32);
	free(c);
}

static void
test_discard_drops_partial_write(void **state)
{
	size_t len;
	uint8_t *c;

	(void)state;
	c = vf_ctx(2, &len);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	free(c);
}

static void
test_ctx_write_semantic_checks(void **state)
{
	size_t len;
	uint8_t *c;
	struct vpf_dev_ctx_pci_vq_cfg q = {
		.vq_index = 99, .queue_size = 64,
	};
	struct vpf_dev_ctx_vq_split_runtime rt = { .vq_index = 0,
		.enabled = 2 };
	uint8_t own[8] = { 0, 0, 2, 0, 5, 0, 5, 0 };

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	/* vq_index beyond the VF's queues. */
	c = ctx_with(VPF_CTX_PCI_VQ_CFG, &q, 30, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), EINV);
	free(c);
	c = ctx_with(VPF_CTX_VQ_SPLIT_RUNTIME_CFG, &rt, 5, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), EINV);
	free(c);
	/* An owned descriptor twice. */
	c = ctx_with(VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, own, 8, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), EINV);
	free(c);
	own[6] = 6;
	c = ctx_with(VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, own, 8, &len);
	assert_int_equal(h_write_all(&H, 1, c, len, 512), 0);
	free(c);
}

static void
test_fields_query_ascending_with_lengths(void **state)
{
	struct h_done d;
	struct vpf_admin_ctx_field_info fi[8];
	uint32_t n, i;

	(void)state;
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, 1, NULL,
			       0, sizeof(fi), &d), 0);
	expect(&d, 0, 0);
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
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, 1, NULL,
			       0, 32, &d), 0);
	expect(&d, 0, 0);
	assert_int_equal(d.used_len, 8 + 32);
}

static void
test_fields_query_absent_when_switched_off(void **state)
{
	struct h h;
	struct h_done d;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(VPF_MODEL_OFF_FIELDS_QUERY, 2,
					      1)), 0);
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY, 1, NULL,
			       0, 128, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	h_down(&h);
}

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
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, 2,
			       wr, 32, 0, &d), 0);
	expect(&d, 0, 0);
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
	assert_int_equal(mode_of(1), VPF_DEV_MODE_FREEZE);
	vpf_model_digest(H.m, 1, after);
	assert_memory_equal(before, after, 32);
	/* The partial read was dropped: Active is allowed, and a read
	 * starts a fresh context. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	/* Write recording kept running and kept its records. */
	memcpy(wr, &(uint64_t){ 0 }, 8);
	memcpy(wr + 8, &(uint64_t){ 16384ull * 4096 }, 8);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, 2, wr,
			       16, 4096, &d), 0);
	expect(&d, 0, 0);
	rec = d.output;
	assert_true(rec > 0);
}

/* Owner reset, write side (doc/model.md decision 9): a partial write is
 * dropped, a complete written context not yet applied stays pending. */
static void
test_owner_reset_drops_partial_write_keeps_pending(void **state)
{
	uint8_t want[32], got[32];
	struct vpf_model *m;
	size_t len;
	uint8_t *c = vf_ctx(2, &len);

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 2, want), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
	/* A second context, partially written. */
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), EINV);
	m = H.m;
	H.ops->dma_free(m, &H.ring);
	H.ops->dma_free(m, &H.buf);
	assert_int_equal(h_up_all(&H, m), 0);
	assert_int_equal(mode_of(1), VPF_DEV_MODE_FREEZE);
	/* Partial write gone (leaving Freeze allowed), the complete one
	 * applied when leaving Freeze. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_digest(H.m, 1, got), 0);
	assert_memory_equal(want, got, 32);
	free(c);
}

/* FLR or a device reset in progress delays CTX_WRITE until it ends
 * (FACTS.md 4), then it completes OK. */
static void
test_flr_and_reset_delay_ctx_write(void **state)
{
	static const enum vpf_model_fault_kind kinds[] = {
		VPF_MODEL_FAULT_FLR, VPF_MODEL_FAULT_RESET,
	};
	uint8_t want[32], got[32];
	struct h_done d;
	size_t len;
	uint8_t *c = vf_ctx(2, &len);
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
		expect(&d, 0, 0);
	}
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_digest(H.m, 1, got), 0);
	assert_memory_equal(want, got, 32);
	free(pad);
	free(c);
}

/* What a context says about VF @p vf's rings as the device sees them:
 * every VQ_SPLIT_RUNTIME_CFG and VQ_SPLIT_DEV_OWN_DESC field, in order.
 * Returns a malloc'ed buffer of @p n bytes. */
static uint8_t *
vf_ring_part(uint16_t vf, size_t *n)
{
	size_t len, off = 0;
	uint8_t *c = vf_ctx(vf, &len);
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
	c = vf_ctx(1, &len);
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

/* A context whose rings would run past 2^64 is refused as a whole
 * (INVALID_FIELD): no address the device computes may wrap. */
static void
test_ctx_write_ring_wrapping_refused(void **state)
{
	struct vpf_ctx_vq_cfg vc = {
		.vq_index = 1, .queue_size = 256, .queue_msix_vector = 1,
		.queue_desc = 0x10000, .queue_driver = 0x20000,
		.queue_device = 0x30000,
	};
	uint64_t *addr[3] = { &vc.queue_desc, &vc.queue_driver,
			      &vc.queue_device };
	const uint64_t top[3] = { 0ull - 16 * 256, 0ull - (6 + 2 * 256),
				  0ull - (6 + 8 * 256) - 2 };
	struct vpf_ctx_builder b;
	uint8_t before[32], after[32];
	unsigned int i, wrap;
	uint8_t *c;
	size_t len;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	for (i = 0; i < 3; i++) {
		for (wrap = 0; wrap < 2; wrap++) {
			vc.queue_desc = 0x10000;
			vc.queue_driver = 0x20000;
			vc.queue_device = 0x30000;
			*addr[i] = top[i] + (wrap ? 16 : 0);
			assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
			assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vc), 0);
			c = vpf_ctx_builder_detach(&b, &len);
			assert_non_null(c);
			assert_int_equal(h_write_all(&H, 1, c, len, 4096),
					 wrap ? EINV : 0);
			free(c);
		}
	}
	/* Nothing of the refused ones is applied: the last accepted one
	 * (the device ring ending just below 2^64) is. */
	assert_int_equal(vpf_model_digest(H.m, 1, before), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	assert_int_equal(vpf_model_digest(H.m, 1, after), 0);
	assert_memory_not_equal(before, after, 32);
}

/* Device config (DEV_CFG) and config_generation of VF @p vf. */
static void
vf_config(uint16_t vf, uint8_t cfg[12], uint8_t *gen)
{
	size_t len;
	uint8_t *c = vf_ctx(vf, &len);
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
 * none (FACTS.md 4), so the device config only changes in Active. */
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

static void
test_flr_delays_not_errors(void **state)
{
	struct h_done d;
	uint8_t data[8] = { VPF_DEV_MODE_STOP };

	(void)state;
	/* FLR in progress for 30 ms: MODE_SET completes after it, OK. */
	vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_FLR, 1, 300000);
	h_post(&H, 0, VPF_ADMIN_OP_DEV_MODE_SET, 1, 1, data, 8, 0);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 0, 5), -ETIMEDOUT);
	/* MODE_GET is not delayed. */
	h_post(&H, 1, VPF_ADMIN_OP_DEV_MODE_GET, 1, 1, NULL, 0, 8);
	h_kick(&H);
	assert_int_equal(h_wait(&H, &d, 1, 1000), 0);
	assert_int_equal(d.id, 4);
	expect(&d, 0, 0);
	assert_int_equal(h_wait(&H, &d, 0, 2000), 0);
	assert_int_equal(d.id, 0);
	expect(&d, 0, 0);
	assert_int_equal(mode_of(1), VPF_DEV_MODE_STOP);
}

/* ======================================================================
 * 6. Write recording
 * ==================================================================== */

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
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, 1,
			       NULL, 0, 8, &d), 0);
	expect(&d, 0, 0);
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
	assert_int_equal(wr_start(1, 8192, 1, &all_mem, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(wr_start(1, 1000, 1, &all_mem, &d), EINV);
	assert_int_equal(wr_start(1, 0, 1, &all_mem, &d), EINV);
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
	assert_int_equal(wr_start(1, 4096, 17, r, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(wr_start(1, 4096, 0, r, &d), EINV);
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
	assert_int_equal(wr_start(1, 4096, 2, r, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Misaligned range start, zero pages. */
	r[1].page_address = 0x20800;
	assert_int_equal(wr_start(1, 4096, 2, r, &d), EINV);
	r[1].page_address = 0x20000;
	r[1].page_count = 0;
	assert_int_equal(wr_start(1, 4096, 2, r, &d), EINV);
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
	assert_int_equal(wr_start(1, 4096, 1, &past, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* The whole space is one range; anything with it overlaps. */
	assert_int_equal(wr_start(1, 4096, 2, every, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
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
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(wr_stop(1), 0);
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
}

static void
test_wr_read_before_start_fails(void **state)
{
	struct h_done d;

	(void)state;
	assert_int_equal(wr_read(1, 0, 4096, 64, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_COMMAND);
	assert_int_equal(wr_start(1, 4096, 1, &all_mem, &d), 0);
	assert_int_equal(wr_read(1, 0, 4096, 64, &d), 0);
	/* After STOP, READ fails again. */
	assert_int_equal(wr_stop(1), 0);
	assert_int_equal(wr_read(1, 0, 4096, 64, &d), EINV);
}

static void
test_wr_read_range_page_granular(void **state)
{
	struct h_done d;

	(void)state;
	assert_int_equal(wr_start(1, 65536, 1, &(struct vpf_admin_wr_range){
					  0, 1024 }, &d), 0);
	assert_int_equal(wr_read(1, 4096, 65536, 64, &d), EINV);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_int_equal(wr_read(1, 0, 4096, 64, &d), EINV);
	assert_int_equal(wr_read(1, 0, 0, 64, &d), EINV);
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
	/* Owner reset keeps recording and its records (FACTS.md 4). */
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
	struct h_done d;

	(void)state;
	assert_int_equal(h_up_all(&h, h_model(VPF_MODEL_OFF_WRITE_RECORD, 2,
					      1)), 0);
	assert_int_equal(h_cmd(&h, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, 1,
			       NULL, 0, 8, &d), 0);
	expect(&d, EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	h_down(&h);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TN(f) cmocka_unit_test_setup_teardown(f, setup_nolist, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* 1 */
		T(test_validation_order_group_opcode_member),
		TN(test_group_invalid_when_vf_enable_clear),
		T(test_parts_multiple_of_8),
		T(test_header_at_least_24_bytes),
		T(test_part_too_big_checked_after_group_opcode_member),
		T(test_no_buffer_for_command_is_eagain_noresource),
		T(test_chain_readable_before_writable),
		T(test_chain_status_part_at_least_8),
		T(test_chain_no_loops),
		T(test_chain_split_parts_accepted),
		T(test_used_len_exact),
		T(test_completions_match_by_id),
		/* 2 */
		TN(test_list_query_reports_supported),
		TN(test_list_query_result_buffer_size),
		TN(test_list_query_carries_no_data),
		TN(test_list_use_before_other_commands),
		TN(test_list_use_subset_of_list_query),
		TN(test_list_use_enables_only_listed),
		TN(test_list_use_not_while_outstanding),
		T(test_after_reset_only_list_enabled),
		/* 4 */
		T(test_mode_reserved_values_fail),
		T(test_mode_set_to_current_succeeds),
		T(test_mode_set_to_current_keeps_partial_read),
		T(test_failed_mode_set_leaves_mode),
		T(test_mode_set_fails_during_partial_read),
		T(test_mode_set_fails_during_partial_write),
		T(test_ctx_read_works_in_every_mode),
		T(test_ctx_read_end_of_stream),
		T(test_ctx_read_exact_multiple_ends_with_zero),
		T(test_ctx_read_result_buffer_rules),
		T(test_one_context_per_mode),
		T(test_ctx_read_snapshot_at_first_read),
		T(test_discard_restarts_read),
		T(test_size_get_decreases_as_read),
		T(test_size_get_freeze_estimate),
		T(test_size_get_bad_values),
		T(test_result_buffer_short_for_fixed_result),
		T(test_ctx_write_only_in_freeze),
		T(test_ctx_write_field_length_mismatch),
		T(test_ctx_write_unsupported_field_type),
		T(test_ctx_write_refused_at_field_header),
		T(test_ctx_write_failure_drops_partial_write),
		T(test_ctx_write_owned_descriptors_below_resulting_queue_size),
		T(test_ctx_write_empty_chunk_fails_and_drops_partial_write),
		T(test_ctx_write_framing_refusal_drops_partial_write),
		T(test_ctx_write_after_refusal_starts_fresh),
		T(test_ctx_write_eagain_keeps_partial_write),
		T(test_ctx_write_refusal_without_vf_keeps_partial_write),
		T(test_ctx_read_refusal_keeps_position),
		T(test_ctx_write_chunks_split_anywhere),
		T(test_ctx_write_trailing_zero_rule),
		T(test_ctx_write_most_recent_complete_applies),
		T(test_failed_write_keeps_previous_complete_context),
		T(test_ctx_write_empty_context_changes_nothing),
		T(test_zero_chunk_after_complete_write_replaces_pending),
		T(test_discard_drops_written_context),
		T(test_discard_drops_partial_write),
		T(test_ctx_write_semantic_checks),
		T(test_fields_query_ascending_with_lengths),
		T(test_fields_query_absent_when_switched_off),
		T(test_owner_reset_effects),
		T(test_owner_reset_drops_partial_write_keeps_pending),
		T(test_flr_and_reset_delay_ctx_write),
		T(test_stop_accepts_notifications_but_no_dma),
		T(test_stop_device_reads_no_ring_writes_no_page),
		T(test_stop_notification_latched_acted_on_in_active),
		T(test_disabled_queue_not_touched),
		T(test_ctx_write_ring_wrapping_refused),
		T(test_stop_no_config_change),
		T(test_freeze_nothing_changes),
		T(test_flr_delays_not_errors),
		/* 6 */
		T(test_wr_cap_query),
		T(test_wr_start_page_size_must_be_supported),
		T(test_wr_start_ranges_limit),
		T(test_wr_start_overlapping_ranges_fail),
		T(test_wr_start_ranges_at_top_of_address_space),
		T(test_wr_start_while_started_fails),
		T(test_wr_read_before_start_fails),
		T(test_wr_read_range_page_granular),
		T(test_wr_read_clears_exactly_what_fits),
		T(test_wr_stop_always_succeeds_and_drops_unread),
		T(test_wr_page_written_again_after_read_reported_again),
		T(test_wr_only_inside_started_ranges),
		T(test_wr_flr_keeps_records),
		T(test_wr_read_clears_only_after_all_entries_written),
		T(test_wr_absent_when_switched_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
