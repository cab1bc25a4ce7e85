/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Helpers shared by the ctx tests: a deterministic sample context, raw TLV
 * writers for malformed bytes, and the whole-buffer vs stream cross-check.
 */

#ifndef CTX_TEST_UTIL_H
#define CTX_TEST_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vpf_ctx.h"

/* Sample values: two queues, every known type once per queue. */
static const struct vpf_ctx_common_cfg sample_common = {
	.device_feature_select = 1,
	.device_feature = 0x00000031,
	.driver_feature_select = 1,
	.driver_feature = 0x00000001,
	.config_msix_vector = 0xffff,
	.num_queues = 2,
	.device_status = 0x0f,
	.config_generation = 3,
	.queue_select = 1,
	.queue_size = 256,
	.queue_msix_vector = 2,
	.queue_enable = 1,
	.queue_notify_off = 1,
	.queue_desc = 0x0000000100002000ull,
	.queue_driver = 0x0000000100003000ull,
	.queue_device = 0x0000000100004000ull,
	.queue_notif_config_data = 0,
	.queue_reset = 0,
	.admin_queue_index = 0,
	.admin_queue_num = 0,
};
static const uint64_t sample_features[2] = {
	0x0000000000010020ull, 0x0000000000000201ull,
};
static const struct vpf_ctx_vq_cfg sample_vq[2] = {
	{ .vq_index = 0, .queue_size = 256, .queue_msix_vector = 1,
	  .queue_desc = 0x1000, .queue_driver = 0x2000,
	  .queue_device = 0x3000 },
	{ .vq_index = 1, .queue_size = 256, .queue_msix_vector = 2,
	  .queue_desc = 0x0000000100002000ull,
	  .queue_driver = 0x0000000100003000ull,
	  .queue_device = 0x0000000100004000ull },
};
static const struct vpf_ctx_vq_runtime sample_rt[2] = {
	{ .vq_index = 0, .dev_avail_idx = 17, .enabled = 1 },
	{ .vq_index = 1, .dev_avail_idx = 65535, .enabled = 1 },
};
static const uint16_t sample_desc0[3] = { 5, 6, 200 };
static const uint8_t sample_netcfg[12] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x01, 0x00, 0x01, 0x00, 0xdc, 0x05,
};

/* Field offsets of the sample context (computed by hand from
 * doc/protocol.md §5.1). */
#define SAMPLE_FIELDS	9
static const uint64_t sample_off[SAMPLE_FIELDS + 1] = {
	4,			/* PCI_COMMON_CFG, 64 */
	4 + 80,			/* DEV_FEATURES, 16 */
	84 + 32,		/* PCI_VQ_CFG vq 0, 30 */
	116 + 46,		/* VQ_SPLIT_RUNTIME_CFG vq 0, 5 */
	162 + 21,		/* VQ_SPLIT_DEV_OWN_DESC vq 0, 10 */
	183 + 26,		/* PCI_VQ_CFG vq 1, 30 */
	209 + 46,		/* VQ_SPLIT_RUNTIME_CFG vq 1, 5 */
	255 + 21,		/* VQ_SPLIT_DEV_OWN_DESC vq 1, 4 (empty) */
	276 + 20,		/* DEV_CFG, 12 */
	296 + 28,		/* end */
};
#define SAMPLE_LEN	324u

static inline void
build_sample(struct vpf_ctx_builder *b)
{
	assert_int_equal(vpf_ctx_add_common_cfg(b, &sample_common), 0);
	assert_int_equal(vpf_ctx_add_features(b, sample_features, 2), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(b, &sample_vq[0]), 0);
	assert_int_equal(vpf_ctx_add_vq_runtime(b, &sample_rt[0]), 0);
	assert_int_equal(vpf_ctx_add_own_desc(b, 0, sample_desc0, 3), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(b, &sample_vq[1]), 0);
	assert_int_equal(vpf_ctx_add_vq_runtime(b, &sample_rt[1]), 0);
	assert_int_equal(vpf_ctx_add_own_desc(b, 1, NULL, 0), 0);
	assert_int_equal(vpf_ctx_add_dev_cfg(b, sample_netcfg,
					     sizeof(sample_netcfg)), 0);
}

/* The sample context built into @p buf; returns its length. */
static inline size_t
sample_ctx(uint8_t *buf, size_t cap)
{
	struct vpf_ctx_builder b;

	assert_int_equal(vpf_ctx_builder_init(&b, buf, cap), 0);
	build_sample(&b);
	return vpf_ctx_builder_len(&b);
}

/* Raw little-endian writers for hand-made (malformed) contexts. */
static inline size_t
put_u16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
	return off + 2;
}

static inline size_t
put_u32(uint8_t *p, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
	return off + 4;
}

static inline size_t
put_u64(uint8_t *p, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
	return off + 8;
}

/* TLV header at @off; returns the value offset. */
static inline size_t
put_tlv(uint8_t *p, size_t off, uint16_t type, uint64_t length)
{
	put_u16(p, off, type);
	memset(p + off + 2, 0, 6);
	return put_u64(p, off + 8, length);
}

static inline void
assert_err_equal(const struct vpf_ctx_error *a, const struct vpf_ctx_error *b)
{
	assert_int_equal(a->code, b->code);
	assert_int_equal(a->field_index, b->field_index);
	assert_int_equal(a->offset, b->offset);
	assert_int_equal(a->field_offset, b->field_offset);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->value, b->value);
	assert_int_equal(a->expected, b->expected);
}

/* Stream @buf split at the sorted positions @cuts[0..ncuts). */
static inline int
stream_split(const uint8_t *buf, size_t len, uint32_t flags,
	     const size_t *cuts, size_t ncuts, struct vpf_ctx_error *err)
{
	static struct vpf_ctx_stream s;	/* 24 KiB: keep off the stack */
	size_t prev = 0, i;
	int rc;

	assert_int_equal(vpf_ctx_stream_init(&s, flags, NULL, NULL), 0);
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		rc = vpf_ctx_stream_feed(&s, buf + prev, end - prev);
		if (rc < 0) {
			/* Sticky: feeding more and finishing keep the error. */
			assert_int_equal(vpf_ctx_stream_feed(&s, buf, 1), rc);
			assert_int_equal(vpf_ctx_stream_finish(&s, err), rc);
			return rc;
		}
		prev = end;
	}
	return vpf_ctx_stream_finish(&s, err);
}

/*
 * Validate @buf whole and streamed (one chunk, 1-byte chunks, every split
 * into two chunks, every split into three chunks for short inputs) and
 * check that all agree; returns the whole-buffer verdict and error.
 */
static inline int
check_both(const uint8_t *buf, size_t len, uint32_t flags,
	   struct vpf_ctx_error *out)
{
	struct vpf_ctx_error we, se;
	size_t cuts[2], *ones;
	size_t i, j;
	int wrc, src;

	wrc = vpf_ctx_validate(buf, len, flags, &we);
	assert_true(wrc == 0 || wrc == -EBADMSG);
	assert_int_equal(wrc == 0, we.code == VPF_CTX_OK);

	src = stream_split(buf, len, flags, NULL, 0, &se);
	assert_int_equal(src, wrc);
	assert_err_equal(&se, &we);

	ones = malloc((len + 1) * sizeof(*ones));
	assert_non_null(ones);
	for (i = 0; i + 1 < len; i++)
		ones[i] = i + 1;
	src = stream_split(buf, len, flags, ones, len > 0 ? len - 1 : 0, &se);
	free(ones);
	assert_int_equal(src, wrc);
	assert_err_equal(&se, &we);

	for (i = 0; i <= len; i++) {
		cuts[0] = i;
		src = stream_split(buf, len, flags, cuts, 1, &se);
		assert_int_equal(src, wrc);
		assert_err_equal(&se, &we);
		if (len > 128)
			continue;
		for (j = i; j <= len; j++) {
			cuts[1] = j;
			src = stream_split(buf, len, flags, cuts, 2, &se);
			assert_int_equal(src, wrc);
			assert_err_equal(&se, &we);
		}
	}
	if (out != NULL)
		*out = we;
	return wrc;
}

/* check_both() and expect a malformation with these members. */
static inline void
expect_bad(const uint8_t *buf, size_t len, uint32_t flags,
	   enum vpf_ctx_err code, uint32_t index, uint64_t offset,
	   uint64_t field_offset, uint16_t type, uint64_t value,
	   uint64_t expected)
{
	struct vpf_ctx_error e;

	assert_int_equal(check_both(buf, len, flags, &e), -EBADMSG);
	assert_int_equal(e.code, code);
	assert_int_equal(e.field_index, index);
	assert_int_equal(e.offset, offset);
	assert_int_equal(e.field_offset, field_offset);
	assert_int_equal(e.type, type);
	assert_int_equal(e.value, value);
	assert_int_equal(e.expected, expected);
}

#endif /* CTX_TEST_UTIL_H */
