/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Refused context writes (doc/protocol.md §4.6, D-1.5, D-MOD.20):
 * which refusals drop the partial write and which keep it.
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

/* The refusals of a CTX_WRITE chunk for VF 1 that come from the checks
 * after the member is known but before the context bytes are looked at,
 * plus an injected failure: each must drop the partial write like a
 * refusal of the bytes does (doc/protocol.md §4.6, D-1.5: a failed
 * CTX_WRITE drops the whole partial write, whatever refused it). */
enum wr_refusal {
	REF_DATA_NOT_8,		/* readable part not a multiple of 8 */
	REF_RESULT_NOT_8,	/* writable part not a multiple of 8 */
	REF_TOO_BIG,		/* readable part over 16 MiB */
	REF_INJECTED,		/* injected EINVAL */
	REF_EMPTY,		/* no data */
	REF_MAX
};

static void
test_ctx_write_failure_drops_partial_write(void **state)
{
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	uint8_t junk[64];
	struct h_done d;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	/* Malformed continuation: a bogus TLV type in the next header. */
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(h_write(&H, 1, junk, 64, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* Dropped: not partial any more (mode change allowed), and a whole
	 * context written from the start is accepted. */
	assert_int_equal(h_write_all(&H, 1, c, len, 256), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	free(c);
}

static void
test_ctx_write_empty_chunk_fails_and_drops_partial_write(void **state)
{
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	struct h_done d;

	(void)state;
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	/* Partial: leaving Freeze is refused. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	assert_int_equal(h_write(&H, 1, NULL, 0, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	/* The failed write dropped the partial one (doc/protocol.md
	 * §4.6). */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	free(c);
}

static void
refuse_ctx_write(enum wr_refusal k, const uint8_t *data)
{
	struct vpf_dma_region r;
	struct h_done d;

	switch (k) {
	case REF_DATA_NOT_8:
		assert_int_equal(h_write(&H, 1, data, 12, &d), H_EINV);
		break;
	case REF_RESULT_NOT_8:
		assert_int_equal(h_submit(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE,
					  VPF_ADMIN_GROUP_SRIOV, 1, data, 8, 4,
					  &d, 1000), 0);
		break;
	case REF_TOO_BIG:
		assert_int_equal(H.ops->dma_alloc(H.m, 16u << 20, 4096, &r), 0);
		h_post_big(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE,
			   VPF_ADMIN_GROUP_SRIOV, 1, &r, 16u << 20);
		h_kick(&H);
		assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
		H.ops->dma_free(H.m, &r);
		break;
	case REF_INJECTED:
		assert_int_equal(vpf_model_fault_inject(H.m, 1,
				VPF_MODEL_FAULT_EINVAL, 1, 0), 0);
		assert_int_equal(h_write(&H, 1, data, 8, &d), H_EINV);
		break;
	case REF_EMPTY:
	default:
		assert_int_equal(h_write(&H, 1, NULL, 0, &d), H_EINV);
		break;
	}
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_FIELD);
	assert_false(vpf_model_needs_reset(H.m));
}

/* A framing refusal after a first chunk: leaving Freeze is allowed at
 * once, there is no partial write any more. */
static void
test_ctx_write_framing_refusal_drops_partial_write(void **state)
{
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	unsigned int k;

	(void)state;
	for (k = 0; k < REF_MAX; k++) {
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
		assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
		assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE),
				 H_EINV);
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
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	uint8_t want[32];
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
		assert_int_equal(h_write_all(&H, 1, c + 8, len - 8, 4096),
				 H_EINV);
		assert_int_equal(h_write_all(&H, 1, c, len, 4096), 0);
		h_activate_expect(&H, 1, want);
	}
	free(c);
}

/* EAGAIN is a transient lack of resources with no side effect: the driver
 * retries the same chunk, so the partial write stays (doc/protocol.md
 * D-MOD.20). */
static void
test_ctx_write_eagain_keeps_partial_write(void **state)
{
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	uint8_t want[32];
	struct h_done d;

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 2, want), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 8, NULL), 0);
	assert_int_equal(vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_EAGAIN,
						1, 0), 0);
	assert_int_equal(h_write(&H, 1, c + 8, 8, &d),
			 VPF_ADMIN_STATUS_EAGAIN);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	assert_int_equal(h_write_all(&H, 1, c + 8, len - 8, 4096), 0);
	h_activate_expect(&H, 1, want);
	free(c);
}

/* A CTX_WRITE refused before its member is known (bad group, opcode not
 * enabled, bad member) is addressed to no VF: VF 1's partial write goes
 * on (doc/protocol.md D-MOD.20). */
static void
test_ctx_write_refusal_without_vf_keeps_partial_write(void **state)
{
	size_t len;
	uint8_t *c = h_vf_ctx(&H, 2, &len);
	uint8_t want[32];
	uint64_t ops, use;
	struct h_done d;

	(void)state;
	assert_int_equal(vpf_model_digest(H.m, 2, want), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 8, NULL), 0);
	assert_int_equal(h_submit(&H, 0, VPF_ADMIN_OP_DEV_CTX_WRITE,
				  VPF_ADMIN_GROUP_SELF, 1, c + 8, 8, 0, &d,
				  1000), 0);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_GROUP);
	assert_int_equal(h_write(&H, 99, c + 8, 8, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_MEMBER);
	/* CTX_WRITE not enabled by LIST_USE. */
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8, &d),
			 0);
	memcpy(&ops, h_res(&H, 0) + 8, 8);
	use = ops & ~(1ull << VPF_ADMIN_OP_DEV_CTX_WRITE);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &use, 8, 0, &d),
			 0);
	h_expect(&d, 0, 0);
	assert_int_equal(h_write(&H, 1, c + 8, 8, &d), H_EINV);
	h_expect(&d, H_EINV, VPF_ADMIN_SQ_INVALID_OPCODE);
	assert_int_equal(h_cmd(&H, VPF_ADMIN_OP_LIST_USE, 0, &ops, 8, 0, &d),
			 0);
	h_expect(&d, 0, 0);
	/* Still partial; the continuation completes the context. */
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	assert_int_equal(h_write_all(&H, 1, c + 8, len - 8, 4096), 0);
	h_activate_expect(&H, 1, want);
	free(c);
}

static void
test_failed_write_keeps_previous_complete_context(void **state)
{
	size_t len;
	uint8_t *c;
	uint8_t want[32], junk[16];

	(void)state;
	vpf_model_guest_step(H.m, 2, 250);
	c = h_vf_ctx(&H, 2, &len);
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
	h_activate_expect(&H, 1, want);
	free(c);
}

static void
test_discard_drops_partial_write(void **state)
{
	size_t len;
	uint8_t *c;

	(void)state;
	c = h_vf_ctx(&H, 2, &len);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_FREEZE), 0);
	assert_int_equal(h_write(&H, 1, c, 64, NULL), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), H_EINV);
	assert_int_equal(h_discard(&H, 1), 0);
	assert_int_equal(h_mode_set(&H, 1, VPF_DEV_MODE_ACTIVE), 0);
	free(c);
}

VPF_TEST_MAIN(NULL, NULL,
	H_TEST(test_ctx_write_failure_drops_partial_write),
	H_TEST(test_ctx_write_empty_chunk_fails_and_drops_partial_write),
	H_TEST(test_ctx_write_framing_refusal_drops_partial_write),
	H_TEST(test_ctx_write_after_refusal_starts_fresh),
	H_TEST(test_ctx_write_eagain_keeps_partial_write),
	H_TEST(test_ctx_write_refusal_without_vf_keeps_partial_write),
	H_TEST(test_failed_write_keeps_previous_complete_context),
	H_TEST(test_discard_drops_partial_write))
