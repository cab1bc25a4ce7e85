/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Validation: every malformation of doc/protocol.md §5.4 with its exact
 * error code, offset, field and numbers (each also checked through the
 * stream by expect_bad()); truncation at every byte; lengths near 2^64;
 * field_count 0 / too small / too large; extension tails; unknown and
 * reserved types kept byte for byte.
 */

#include <limits.h>

#include "ctx_test_util.h"

static uint8_t buf[4096];

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_trunc_header(void **state)
{
	size_t i;

	(void)state;
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 4; i++)
		expect_bad(buf, i, 0, VPF_CTX_ERR_TRUNC_HEADER, VPF_CTX_NO_FIELD,
			   i, VPF_CTX_NO_OFFSET, 0, i, 4);
	assert_int_equal(vpf_ctx_validate(NULL, 0, 0, NULL), -EBADMSG);
	assert_non_null(strstr(vpf_last_error(), "context header truncated"));
}

static void
test_field_count(void **state)
{
	size_t o;

	(void)state;
	memset(buf, 0, sizeof(buf));
	/* 0 and nothing after: well formed. */
	assert_int_equal(check_both(buf, 4, 0, NULL), 0);
	/* 0 with bytes after: trailing bytes at offset 4. */
	expect_bad(buf, 5, 0, VPF_CTX_ERR_TRAILING_BYTES, VPF_CTX_NO_FIELD, 4,
		   VPF_CTX_NO_OFFSET, 0, 0, 0);
	/* Too large: 3 announced, 2 present. */
	o = put_u32(buf, 0, 3);
	o = put_tlv(buf, o, 0x0100, 2);
	o += 2;
	o = put_tlv(buf, o, 0x0101, 0);
	expect_bad(buf, o, 0, VPF_CTX_ERR_FIELDS_MISSING, 2, o,
		   VPF_CTX_NO_OFFSET, 0, 3, 2);
	/* Huge field_count with one field. */
	put_u32(buf, 0, UINT32_MAX);
	expect_bad(buf, o, 0, VPF_CTX_ERR_FIELDS_MISSING, 2, o,
		   VPF_CTX_NO_OFFSET, 0, UINT32_MAX, 2);
	/* Too small: 1 announced, 2 present -> trailing at the 2nd field. */
	put_u32(buf, 0, 1);
	expect_bad(buf, o, 0, VPF_CTX_ERR_TRAILING_BYTES, VPF_CTX_NO_FIELD, 22,
		   VPF_CTX_NO_OFFSET, 0, 1, 0);
	/* 2 announced: exact. */
	put_u32(buf, 0, 2);
	assert_int_equal(check_both(buf, o, 0, NULL), 0);
}

static void
test_trailing_pad(void **state)
{
	uint8_t z[16] = { 0 };
	size_t o, i;

	(void)state;
	memset(buf, 0, sizeof(buf));
	o = put_u32(buf, 0, 1);
	o = put_tlv(buf, o, VPF_CTX_VQ_SPLIT_RUNTIME_CFG, 5);
	o += 5;
	/* Up to 7 zero bytes may follow, with the flag (D-1.3). */
	for (i = 1; i <= 7; i++) {
		assert_int_equal(check_both(buf, o + i, VPF_CTX_F_ALLOW_PAD,
					    NULL), 0);
		expect_bad(buf, o + i, 0, VPF_CTX_ERR_TRAILING_BYTES,
			   VPF_CTX_NO_FIELD, o, VPF_CTX_NO_OFFSET, 0, 1, 0);
	}
	expect_bad(buf, o + 8, VPF_CTX_F_ALLOW_PAD, VPF_CTX_ERR_TRAILING_BYTES,
		   VPF_CTX_NO_FIELD, o, VPF_CTX_NO_OFFSET, 0, 1, 0);
	buf[o + 6] = 1;
	expect_bad(buf, o + 7, VPF_CTX_F_ALLOW_PAD, VPF_CTX_ERR_TRAILING_BYTES,
		   VPF_CTX_NO_FIELD, o, VPF_CTX_NO_OFFSET, 0, 1, 0);

	assert_true(vpf_ctx_trailing_ok(NULL, 0));
	assert_true(vpf_ctx_trailing_ok(z, 7));
	assert_false(vpf_ctx_trailing_ok(z, 8));
	z[3] = 0x80;
	assert_false(vpf_ctx_trailing_ok(z, 4));
	assert_true(vpf_ctx_trailing_ok(z, 3));
}

static void
test_trunc_field_header_and_value(void **state)
{
	size_t o, i;

	(void)state;
	memset(buf, 0, sizeof(buf));
	o = put_u32(buf, 0, 2);
	o = put_tlv(buf, o, VPF_CTX_DEV_CFG, 12);
	o += 12;
	o = put_tlv(buf, o, VPF_CTX_DEV_CFG, 3);
	o += 3;
	assert_int_equal(o, 51);
	assert_int_equal(check_both(buf, o, 0, NULL), 0);
	for (i = 1; i < 16; i++)
		expect_bad(buf, 4 + i, 0, VPF_CTX_ERR_TRUNC_FIELD_HEADER, 0,
			   4 + i, 4, 0, i, 16);
	for (i = 0; i < 12; i++)
		expect_bad(buf, 20 + i, 0, VPF_CTX_ERR_TRUNC_VALUE, 0, 20 + i, 4,
			   VPF_CTX_DEV_CFG, 12, i);
	expect_bad(buf, 33, 0, VPF_CTX_ERR_TRUNC_FIELD_HEADER, 1, 33, 32, 0, 1,
		   16);
	expect_bad(buf, 50, 0, VPF_CTX_ERR_TRUNC_VALUE, 1, 50, 32,
		   VPF_CTX_DEV_CFG, 3, 2);
	/* A value that runs far past the end (not an overflow). */
	put_u64(buf, 12, 1000);
	expect_bad(buf, o, 0, VPF_CTX_ERR_TRUNC_VALUE, 0, o, 4, VPF_CTX_DEV_CFG,
		   1000, o - 20);
}

static void
test_length_overflow(void **state)
{
	size_t o;

	(void)state;
	memset(buf, 0, sizeof(buf));
	/* Field 0: the value starts at 20, so its end overflows 64 bits for
	 * every length above 2^64 - 1 - 20. */
	o = put_u32(buf, 0, 1);
	put_tlv(buf, o, 0x0200, UINT64_MAX);
	expect_bad(buf, 40, 0, VPF_CTX_ERR_LENGTH_OVERFLOW, 0, 12, 4, 0x0200,
		   UINT64_MAX, UINT64_MAX - 20);
	put_tlv(buf, o, 0x0200, UINT64_MAX - 19);
	expect_bad(buf, 40, 0, VPF_CTX_ERR_LENGTH_OVERFLOW, 0, 12, 4, 0x0200,
		   UINT64_MAX - 19, UINT64_MAX - 20);
	/* The largest representable end is only a truncated value. */
	put_tlv(buf, o, 0x0200, UINT64_MAX - 20);
	expect_bad(buf, 40, 0, VPF_CTX_ERR_TRUNC_VALUE, 0, 40, 4, 0x0200,
		   UINT64_MAX - 20, 20);
	put_tlv(buf, o, 0x0200, UINT64_C(1) << 63);
	expect_bad(buf, 40, 0, VPF_CTX_ERR_TRUNC_VALUE, 0, 40, 4, 0x0200,
		   UINT64_C(1) << 63, 20);
	/* Known types too: overflow is decided before the type's checks. */
	put_tlv(buf, o, VPF_CTX_DEV_FEATURES, UINT64_MAX - 7);
	expect_bad(buf, 20, 0, VPF_CTX_ERR_LENGTH_OVERFLOW, 0, 12, 4,
		   VPF_CTX_DEV_FEATURES, UINT64_MAX - 7, UINT64_MAX - 20);
	/* Second field, value at 40. */
	put_u32(buf, 0, 2);
	put_tlv(buf, o, 0x0200, 4);
	put_tlv(buf, 24, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, UINT64_MAX - 39);
	expect_bad(buf, 64, 0, VPF_CTX_ERR_LENGTH_OVERFLOW, 1, 32, 24,
		   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, UINT64_MAX - 39,
		   UINT64_MAX - 40);
	/* Header-only input (stream sees no value byte): same verdict. */
	expect_bad(buf, 40, 0, VPF_CTX_ERR_LENGTH_OVERFLOW, 1, 32, 24,
		   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, UINT64_MAX - 39,
		   UINT64_MAX - 40);
}

static void
test_fixed_short(void **state)
{
	static const struct {
		uint16_t type;
		uint64_t size;
	} t[] = {
		{ VPF_CTX_PCI_COMMON_CFG, 64 },
		{ VPF_CTX_PCI_VQ_CFG, 30 },
		{ VPF_CTX_VQ_SPLIT_RUNTIME_CFG, 5 },
	};
	size_t i;
	uint64_t len;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(vpf_ctx_type_fixed_size(t[i].type), t[i].size);
		for (len = 0; len < t[i].size; len++) {
			memset(buf, 0, sizeof(buf));
			put_u32(buf, 0, 1);
			put_tlv(buf, 4, t[i].type, len);
			expect_bad(buf, 20 + len, 0, VPF_CTX_ERR_FIELD_SHORT, 0,
				   12, 4, t[i].type, len, t[i].size);
			/* Decided at the header: also when the value is
			 * missing. */
			expect_bad(buf, 20, 0, VPF_CTX_ERR_FIELD_SHORT, 0, 12,
				   4, t[i].type, len, t[i].size);
		}
		put_tlv(buf, 4, t[i].type, len);
		assert_int_equal(check_both(buf, 20 + len, 0, NULL), 0);
	}
}

static void
test_features_length(void **state)
{
	static const uint64_t bad[] = { 0, 1, 7, 9, 12, 15, 17 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(buf, 0, sizeof(buf));
		put_u32(buf, 0, 1);
		put_tlv(buf, 4, VPF_CTX_DEV_FEATURES, bad[i]);
		expect_bad(buf, 20 + bad[i], 0, VPF_CTX_ERR_FEATURES_LENGTH, 0,
			   12, 4, VPF_CTX_DEV_FEATURES, bad[i], 8);
	}
	for (i = 8; i <= 64; i += 8) {
		put_tlv(buf, 4, VPF_CTX_DEV_FEATURES, i);
		assert_int_equal(check_both(buf, 20 + i, 0, NULL), 0);
	}
}

static void
test_own_desc(void **state)
{
	uint64_t len;
	size_t o;

	(void)state;
	for (len = 0; len < 4; len++) {
		memset(buf, 0, sizeof(buf));
		put_u32(buf, 0, 1);
		put_tlv(buf, 4, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, len);
		expect_bad(buf, 20 + len, 0, VPF_CTX_ERR_OWN_DESC_SHORT, 0, 12, 4,
			   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, len, 4);
	}
	/* desc_count 3 needs length 10. */
	memset(buf, 0, sizeof(buf));
	put_u32(buf, 0, 1);
	o = put_tlv(buf, 4, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 10);
	put_u16(buf, o, 9);
	put_u16(buf, o + 2, 3);
	assert_int_equal(check_both(buf, 30, 0, NULL), 0);
	/* Count too large for the length, the count member at offset 22. */
	put_u16(buf, o + 2, 4);
	expect_bad(buf, 30, 0, VPF_CTX_ERR_OWN_DESC_COUNT, 0, 22, 4,
		   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 4, 3);
	/* Decided when the 4-byte prefix is there, even if the rest is not. */
	expect_bad(buf, 24, 0, VPF_CTX_ERR_OWN_DESC_COUNT, 0, 22, 4,
		   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 4, 3);
	/* ... but not before: 3 of 4 prefix bytes is a truncated value. */
	expect_bad(buf, 23, 0, VPF_CTX_ERR_TRUNC_VALUE, 0, 23, 4,
		   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 10, 3);
	/* Count too small; max count against a short field. */
	put_u16(buf, o + 2, 2);
	expect_bad(buf, 30, 0, VPF_CTX_ERR_OWN_DESC_COUNT, 0, 22, 4,
		   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 2, 3);
	put_u16(buf, o + 2, 0xffff);
	expect_bad(buf, 30, 0, VPF_CTX_ERR_OWN_DESC_COUNT, 0, 22, 4,
		   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 0xffff, 3);
	/* Odd length: never matches. */
	put_tlv(buf, 4, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 9);
	put_u16(buf, o + 2, 2);
	expect_bad(buf, 29, 0, VPF_CTX_ERR_OWN_DESC_COUNT, 0, 22, 4,
		   VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 2, 2);
	/* Empty list, length 4. */
	put_tlv(buf, 4, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 4);
	put_u16(buf, o + 2, 0);
	assert_int_equal(check_both(buf, 24, 0, NULL), 0);
	/* Largest list: 65535 indices. */
	{
		static uint8_t big[20 + 4 + 2 * 65535];

		put_u32(big, 0, 1);
		o = put_tlv(big, 4, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC,
			    4 + 2 * 65535);
		put_u16(big, o + 2, 0xffff);
		assert_int_equal(vpf_ctx_validate(big, sizeof(big), 0, NULL), 0);
	}
}

static void
test_dup_vq(void **state)
{
	static const uint16_t types[] = {
		VPF_CTX_PCI_VQ_CFG, VPF_CTX_VQ_SPLIT_RUNTIME_CFG,
		VPF_CTX_VQ_SPLIT_DEV_OWN_DESC,
	};
	static const uint64_t lens[] = { 30, 5, 4 };
	size_t i, o, f2;

	(void)state;
	for (i = 0; i < 3; i++) {
		memset(buf, 0, sizeof(buf));
		o = put_u32(buf, 0, 5);
		/* vq 65535, vq 0 of this type; vq 0 of the other two types */
		o = put_tlv(buf, o, types[i], lens[i]);
		put_u16(buf, o, 0xffff);
		o += lens[i];
		o = put_tlv(buf, o, types[i], lens[i]);
		o += lens[i];
		o = put_tlv(buf, o, types[(i + 1) % 3], lens[(i + 1) % 3]);
		o += lens[(i + 1) % 3];
		o = put_tlv(buf, o, types[(i + 2) % 3], lens[(i + 2) % 3]);
		o += lens[(i + 2) % 3];
		/* field 4 repeats vq 65535 */
		f2 = o;
		o = put_tlv(buf, o, types[i], lens[i]);
		put_u16(buf, o, 0xffff);
		o += lens[i];
		expect_bad(buf, o, 0, VPF_CTX_ERR_DUP_VQ, 4, f2 + 16, f2,
			   types[i], 0xffff, 0);
		/* Decided at 2 value bytes already. */
		expect_bad(buf, f2 + 18, 0, VPF_CTX_ERR_DUP_VQ, 4, f2 + 16, f2,
			   types[i], 0xffff, 0);
		/* A distinct vq is fine. */
		put_u16(buf, f2 + 16, 0xfffe);
		assert_int_equal(check_both(buf, o, 0, NULL), 0);
		/* A repeat of vq 0 (word 0 of the bitmap). */
		put_u16(buf, f2 + 16, 0);
		expect_bad(buf, o, 0, VPF_CTX_ERR_DUP_VQ, 4, f2 + 16, f2,
			   types[i], 0, 0);
	}
}

/* Many distinct queues, then one repeat: the bitmaps across all words. */
static void
test_dup_vq_many(void **state)
{
	struct vpf_ctx_builder b;
	struct vpf_ctx_error e;
	struct vpf_ctx_iter *it;
	uint8_t *p;
	size_t len;
	uint32_t i;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	for (i = 0; i < 65536; i++) {
		struct vpf_ctx_vq_runtime rt = {
			.vq_index = (uint16_t)(i * 40503u),	/* permutation */
		};

		assert_int_equal(vpf_ctx_add_vq_runtime(&b, &rt), 0);
	}
	assert_int_equal(vpf_ctx_validate(vpf_ctx_builder_data(&b),
					  vpf_ctx_builder_len(&b), 0, &e), 0);
	/* Reusing an iterator must not remember the previous context. */
	it = malloc(sizeof(*it));
	assert_non_null(it);
	for (i = 0; i < 2; i++) {
		struct vpf_ctx_field f;
		int rc;

		assert_int_equal(vpf_ctx_iter_init(it, vpf_ctx_builder_data(&b),
						   vpf_ctx_builder_len(&b), 0),
				 0);
		while ((rc = vpf_ctx_iter_next(it, &f)) > 0)
			;
		assert_int_equal(rc, 0);
	}
	free(it);
	{
		struct vpf_ctx_vq_runtime rt = { .vq_index = 12345 };

		assert_int_equal(vpf_ctx_add_vq_runtime(&b, &rt), 0);
	}
	p = vpf_ctx_builder_detach(&b, &len);
	assert_int_equal(vpf_ctx_validate(p, len, 0, &e), -EBADMSG);
	assert_int_equal(e.code, VPF_CTX_ERR_DUP_VQ);
	assert_int_equal(e.field_index, 65536);
	assert_int_equal(e.offset, len - 5);
	assert_int_equal(e.value, 12345);
	free(p);
}

static void
test_extended(void **state)
{
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	struct vpf_ctx_vq_cfg q;
	struct vpf_ctx_vq_runtime rt;
	struct vpf_ctx_common_cfg c;
	size_t o, i;

	(void)state;
	memset(buf, 0, sizeof(buf));
	o = put_u32(buf, 0, 3);
	o = put_tlv(buf, o, VPF_CTX_PCI_VQ_CFG, 34);
	put_u16(buf, o, 7);
	put_u16(buf, o + 2, 512);
	put_u64(buf, o + 22, 0x1122334455667788ull);
	memcpy(buf + o + 30, "\xde\xad\xbe\xef", 4);
	o += 34;
	o = put_tlv(buf, o, VPF_CTX_VQ_SPLIT_RUNTIME_CFG, 6);
	put_u16(buf, o, 7);
	put_u16(buf, o + 2, 99);
	buf[o + 4] = 1;
	buf[o + 5] = 0x42;
	o += 6;
	o = put_tlv(buf, o, VPF_CTX_PCI_COMMON_CFG, 64 + 100);
	for (i = 0; i < 164; i++)
		buf[o + i] = (uint8_t)i;
	o += 164;
	assert_int_equal(check_both(buf, o, 0, NULL), 0);

	assert_int_equal(vpf_ctx_iter_init(&it, buf, o, 0), 0);
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
	assert_int_equal(f.flags, VPF_CTX_FIELD_F_EXTENDED);
	assert_int_equal(vpf_ctx_field_ext_len(&f), 4);
	assert_memory_equal(f.value + 30, "\xde\xad\xbe\xef", 4);
	assert_int_equal(vpf_ctx_decode_vq_cfg(&f, &q), 0);
	assert_int_equal(q.vq_index, 7);
	assert_int_equal(q.queue_size, 512);
	assert_int_equal(q.queue_device, 0x1122334455667788ull);
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
	assert_int_equal(f.flags, VPF_CTX_FIELD_F_EXTENDED);
	assert_int_equal(vpf_ctx_field_ext_len(&f), 1);
	assert_int_equal(f.value[5], 0x42);
	assert_int_equal(vpf_ctx_decode_vq_runtime(&f, &rt), 0);
	assert_int_equal(rt.dev_avail_idx, 99);
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
	assert_int_equal(vpf_ctx_field_ext_len(&f), 100);
	assert_int_equal(vpf_ctx_decode_common_cfg(&f, &c), 0);
	assert_int_equal(c.admin_queue_num, 0x3f3e);
	assert_int_equal(c.device_feature, 0x07060504);
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 0);
	/* Variable types are never "extended". */
	memset(buf, 0, 64);
	put_u32(buf, 0, 1);
	put_tlv(buf, 4, VPF_CTX_DEV_CFG, 40);
	assert_int_equal(vpf_ctx_iter_init(&it, buf, 60, 0), 0);
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
	assert_int_equal(f.flags, 0);
	assert_int_equal(vpf_ctx_field_ext_len(&f), 0);
	assert_int_equal(vpf_ctx_field_ext_len(NULL), 0);
}

static void
test_unknown_reserved(void **state)
{
	static const uint16_t types[] = {
		0x0005, 0x0fff, 0x1001, 0x1fff, 0x2000, 0x8000, 0xffff,
	};
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	size_t o, i;

	(void)state;
	memset(buf, 0, sizeof(buf));
	o = put_u32(buf, 0, 7);
	for (i = 0; i < 7; i++) {
		o = put_tlv(buf, o, types[i], i * 3);
		memset(buf + o, (int)(0xa0 + i), i * 3);
		if (i == 4)
			buf[o - 16 + 7] = 0x99;	/* reserved[5] set */
		o += i * 3;
	}
	assert_int_equal(check_both(buf, o, 0, NULL), 0);
	assert_int_equal(vpf_ctx_iter_init(&it, buf, o, 0), 0);
	for (i = 0; i < 7; i++) {
		uint32_t want = types[i] <= 0x1fff ? VPF_CTX_FIELD_F_UNKNOWN :
			VPF_CTX_FIELD_F_RESERVED;

		if (i == 4)
			want |= VPF_CTX_FIELD_F_RSVD_SET;
		assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
		assert_int_equal(f.type, types[i]);
		assert_int_equal(f.flags, want);
		assert_int_equal(f.length, i * 3);
		assert_false(vpf_ctx_type_is_known(types[i]));
		assert_int_equal(vpf_ctx_type_is_reserved(types[i]),
				 types[i] > 0x1fff);
		/* The view is the bytes as they are. */
		assert_ptr_equal(f.value, f.tlv + 16);
		if (i > 0)
			assert_int_equal(f.value[i * 3 - 1], 0xa0 + i);
	}
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 0);
	assert_true(vpf_ctx_type_is_known(VPF_CTX_DEV_CFG));
	assert_true(vpf_ctx_type_is_per_vq(VPF_CTX_VQ_SPLIT_DEV_OWN_DESC));
	assert_false(vpf_ctx_type_is_per_vq(VPF_CTX_DEV_FEATURES));
	assert_false(vpf_ctx_type_is_reserved(VPF_CTX_DEV_CFG));
}

/* A known type with a reserved byte set is taken, flagged RSVD_SET
 * (D-CTX.6): the fast path takes the type and the reserved bytes in one
 * compare, so each reserved byte, each known type, and a low and a high
 * bit. A vq_index that follows is still checked for repeats. */
static void
test_known_rsvd_set(void **state)
{
	static const struct {
		uint16_t type;
		uint64_t len;
	} k[] = {
		{ VPF_CTX_PCI_COMMON_CFG, 64 }, { VPF_CTX_DEV_FEATURES, 8 },
		{ VPF_CTX_PCI_VQ_CFG, 30 }, { VPF_CTX_VQ_SPLIT_RUNTIME_CFG, 5 },
		{ VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 8 }, { VPF_CTX_DEV_CFG, 12 },
	};
	static const uint8_t bits[] = { 0x01, 0x80 };
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	size_t o, f1, i, r, b;

	(void)state;
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		for (r = 2; r < 8; r++) {
			for (b = 0; b < sizeof(bits); b++) {
				memset(buf, 0, sizeof(buf));
				o = put_u32(buf, 0, 2);
				/* field 0: clean, vq_index 7 if per-VQ */
				o = put_tlv(buf, o, k[i].type, k[i].len);
				put_u16(buf, o, 7);
				if (k[i].type == VPF_CTX_VQ_SPLIT_DEV_OWN_DESC)
					put_u16(buf, o + 2, 2);
				o += k[i].len;
				/* field 1: reserved byte r set, vq_index 8 */
				f1 = o;
				o = put_tlv(buf, o, k[i].type, k[i].len);
				buf[f1 + r] = bits[b];
				put_u16(buf, o, 8);
				if (k[i].type == VPF_CTX_VQ_SPLIT_DEV_OWN_DESC)
					put_u16(buf, o + 2, 2);
				o += k[i].len;
				assert_int_equal(check_both(buf, o, 0, NULL), 0);
				assert_int_equal(vpf_ctx_iter_init(&it, buf, o, 0), 0);
				assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
				assert_int_equal(f.flags, 0);
				assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
				if (f.type != k[i].type ||
				    f.flags != VPF_CTX_FIELD_F_RSVD_SET)
					fail_msg("type 0x%x, reserved byte %zu = 0x%x: type 0x%x flags 0x%x",
						 k[i].type, r, bits[b], f.type,
						 f.flags);
				assert_int_equal(f.length, k[i].len);
				assert_int_equal(vpf_ctx_iter_next(&it, &f), 0);
				if (!vpf_ctx_type_is_per_vq(k[i].type))
					continue;
				/* The flagged field repeats vq_index 7. */
				put_u16(buf, f1 + 16, 7);
				expect_bad(buf, o, 0, VPF_CTX_ERR_DUP_VQ, 1,
					   f1 + 16, f1, k[i].type, 7, 0);
			}
		}
	}
}

/* Truncate the sample at every byte: the exact truncation error each time. */
static void
test_truncate_everywhere(void **state)
{
	struct vpf_ctx_builder b;
	struct vpf_ctx_error e, se;
	size_t cut, k;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	build_sample(&b);
	for (cut = 0; cut < SAMPLE_LEN; cut++) {
		/* An exact-size heap copy: ASan catches any read past it. */
		uint8_t *exact = malloc(cut > 0 ? cut : 1);

		assert_non_null(exact);
		memcpy(exact, buf, cut);
		assert_int_equal(vpf_ctx_validate(exact, cut, 0, &e), -EBADMSG);
		assert_int_equal(vpf_ctx_print_buf(NULL, 0, NULL, exact, cut, 0,
						   NULL), -EBADMSG);
		free(exact);
		assert_int_equal(vpf_ctx_validate(buf, cut, 0, &e), -EBADMSG);
		assert_int_equal(e.offset, cut);
		assert_int_equal(stream_split(buf, cut, 0, NULL, 0, &se),
				 -EBADMSG);
		assert_err_equal(&se, &e);
		if (cut < 4) {
			assert_int_equal(e.code, VPF_CTX_ERR_TRUNC_HEADER);
			continue;
		}
		for (k = 0; sample_off[k + 1] <= cut; k++)
			;
		assert_int_equal(e.field_index, k);
		if (cut == sample_off[k]) {
			assert_int_equal(e.code, VPF_CTX_ERR_FIELDS_MISSING);
			assert_int_equal(e.value, SAMPLE_FIELDS);
			assert_int_equal(e.expected, k);
		} else if (cut < sample_off[k] + 16) {
			assert_int_equal(e.code, VPF_CTX_ERR_TRUNC_FIELD_HEADER);
			assert_int_equal(e.field_offset, sample_off[k]);
		} else {
			assert_int_equal(e.code, VPF_CTX_ERR_TRUNC_VALUE);
			assert_int_equal(e.field_offset, sample_off[k]);
			assert_int_equal(e.expected, cut - sample_off[k] - 16);
		}
	}
	assert_int_equal(check_both(buf, SAMPLE_LEN, 0, NULL), 0);
}

static void
test_error_text(void **state)
{
	/* Two VQ_SPLIT_RUNTIME_CFG fields for vq 0, cut at each length. */
	static const struct { size_t len; const char *msg; } trunc[] = {
		{ 46, "field 1 (VQ_SPLIT_RUNTIME_CFG, 0x0003) at offset 25: vq_index 0 at offset 41 repeats within its type" },
		{ 45, "field 1 (VQ_SPLIT_RUNTIME_CFG, 0x0003) at offset 25: vq_index 0 at offset 41 repeats within its type" },
		{ 42, "field 1 (VQ_SPLIT_RUNTIME_CFG, 0x0003) at offset 25: value of 5 bytes runs past the end of the data at offset 42 (1 bytes present)" },
		{ 40, "field 1 at offset 25: header truncated at offset 40: 15 of 16 bytes present" },
		{ 2, "context header truncated: 2 of 4 bytes present" },
		{ 25, "field_count is 2 but the data ends at offset 25 after 1 fields" },
	};
	struct vpf_ctx_error e;
	char s[256];
	int n;
	int c;

	(void)state;
	for (c = 0; c < VPF_CTX_ERR_MAX; c++)
		assert_string_not_equal(vpf_ctx_err_name((enum vpf_ctx_err)c),
					"UNKNOWN");
	assert_string_equal(vpf_ctx_err_name(VPF_CTX_ERR_MAX), "UNKNOWN");
	assert_string_equal(vpf_ctx_err_name(VPF_CTX_ERR_DUP_VQ), "DUP_VQ");

	memset(buf, 0, sizeof(buf));
	put_u32(buf, 0, 1);
	put_tlv(buf, 4, VPF_CTX_PCI_VQ_CFG, 12);
	assert_int_equal(vpf_ctx_validate(buf, 32, 0, &e), -EBADMSG);
	n = vpf_ctx_error_str(&e, s, sizeof(s));
	assert_int_equal(n, (int)strlen(s));
	assert_string_equal(s, "field 0 (PCI_VQ_CFG, 0x0002) at offset 4: length 12 is shorter than the type's size 30 (length at offset 12)");
	assert_string_equal(vpf_last_error(), "malformed device context: field 0 (PCI_VQ_CFG, 0x0002) at offset 4: length 12 is shorter than the type's size 30 (length at offset 12)");
	/* snprintf semantics. */
	assert_int_equal(vpf_ctx_error_str(&e, s, 6), n);
	assert_string_equal(s, "field");

	put_u32(buf, 0, 2);
	put_tlv(buf, 4, VPF_CTX_VQ_SPLIT_RUNTIME_CFG, 5);
	put_tlv(buf, 25, VPF_CTX_VQ_SPLIT_RUNTIME_CFG, 5);
	for (c = 0; c < (int)(sizeof(trunc) / sizeof(trunc[0])); c++) {
		assert_int_equal(vpf_ctx_validate(buf, trunc[c].len, 0, &e), -EBADMSG);
		vpf_ctx_error_str(&e, s, sizeof(s));
		assert_string_equal(s, trunc[c].msg);
	}

	e.code = VPF_CTX_OK;
	vpf_ctx_error_str(&e, s, sizeof(s));
	assert_string_equal(s, "well formed");
	for (c = 0; c <= VPF_CTX_ERR_MAX; c++) {
		e.code = (enum vpf_ctx_err)c;
		assert_true(vpf_ctx_error_str(&e, s, sizeof(s)) > 0);
	}
	assert_true(vpf_ctx_error_str(NULL, s, sizeof(s)) > 0);
}

/* The callback variant sees fields in order and can stop the parse. */
static int
count_cb(const struct vpf_ctx_field *f, void *arg)
{
	unsigned int *n = arg;

	assert_int_equal(f->index, *n);
	if (++*n == 3)
		return -ECANCELED;
	return 0;
}

static void
test_parse_callback(void **state)
{
	struct vpf_ctx_builder b;
	struct vpf_ctx_error e;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	build_sample(&b);
	assert_int_equal(vpf_ctx_parse(buf, SAMPLE_LEN, 0, count_cb, &n, &e),
			 -ECANCELED);
	assert_int_equal(n, 3);
	assert_int_equal(e.code, VPF_CTX_OK);
	assert_int_equal(vpf_ctx_parse(buf, SAMPLE_LEN, 0, NULL, NULL, &e), 0);
}

/* Walk @p ctx with vpf_ctx_iter_next() and with vpf_ctx_iter_burst() of
 * several sizes (and the two mixed): the same fields, the same verdict and
 * error as vpf_ctx_validate(). Returns the verdict. */
static int
check_walks(const uint8_t *ctx, size_t len, uint32_t flags)
{
	static const unsigned int sizes[] = { 1, 2, 3, 7, 16, 33 };
	static struct vpf_ctx_iter ia, ib;	/* 24 KiB each */
	struct vpf_ctx_field fa, fb[33];
	struct vpf_ctx_error we;
	unsigned int s;
	int wrc, ra, rb, i, mix;

	wrc = vpf_ctx_validate(ctx, len, flags, &we);
	for (s = 0; s < 2 * DIM(sizes); s++) {
		mix = s >= DIM(sizes);
		assert_int_equal(vpf_ctx_iter_init(&ia, ctx, len, flags), 0);
		assert_int_equal(vpf_ctx_iter_init(&ib, ctx, len, flags), 0);
		for (;;) {
			if (mix && (ib.index & 1))
				rb = vpf_ctx_iter_next(&ib, fb);
			else
				rb = vpf_ctx_iter_burst(&ib, fb,
						sizes[s % DIM(sizes)]);
			if (rb <= 0)
				break;
			assert_true(rb <= (int)sizes[s % DIM(sizes)]);
			for (i = 0; i < rb; i++) {
				assert_int_equal(vpf_ctx_iter_next(&ia, &fa),
						 1);
				assert_int_equal(fb[i].type, fa.type);
				assert_int_equal(fb[i].flags, fa.flags);
				assert_int_equal(fb[i].index, fa.index);
				assert_int_equal(fb[i].offset, fa.offset);
				assert_int_equal(fb[i].length, fa.length);
				assert_ptr_equal(fb[i].tlv, fa.tlv);
				assert_ptr_equal(fb[i].value, fa.value);
			}
		}
		ra = vpf_ctx_iter_next(&ia, &fa);
		assert_int_equal(ra, rb);
		assert_int_equal(rb, wrc);
		assert_err_equal(vpf_ctx_iter_error(&ib), &we);
		assert_err_equal(vpf_ctx_iter_error(&ia), &we);
		/* Sticky. */
		assert_int_equal(vpf_ctx_iter_burst(&ib, fb, 4), wrc);
	}
	return wrc;
}

/* Bursts hand out what single steps do, on good and bad contexts. */
static void
test_burst(void **state)
{
	struct vpf_ctx_builder b;
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	size_t len = sample_ctx(buf, sizeof(buf));
	uint8_t *p;
	uint16_t i;

	(void)state;
	assert_int_equal(check_walks(buf, len, 0), 0);
	/* A malformed field in the middle of a run: the fields before it,
	 * then the error. */
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	for (i = 0; i < 40; i++) {
		struct vpf_ctx_vq_runtime rt = { .vq_index = i };

		assert_int_equal(vpf_ctx_add_vq_runtime(&b, &rt), 0);
	}
	p = vpf_ctx_builder_detach(&b, &len);
	assert_int_equal(check_walks(p, len, 0), 0);
	p[4 + 25 * 21 + 8] = 6;		/* field 25: length 6 */
	assert_int_equal(check_walks(p, len, 0), -EBADMSG);
	p[4 + 25 * 21 + 8] = 5;
	p[4 + 25 * 21 + 16] = 3;	/* field 25: vq_index 3 again */
	assert_int_equal(check_walks(p, len, 0), -EBADMSG);
	assert_int_equal(check_both(p, len, 0, NULL), -EBADMSG);
	free(p);
	/* Bad arguments. */
	assert_int_equal(vpf_ctx_iter_init(&it, buf, sizeof(buf), 0), 0);
	assert_int_equal(vpf_ctx_iter_burst(NULL, &f, 1), -EINVAL);
	assert_int_equal(vpf_ctx_iter_burst(&it, NULL, 1), -EINVAL);
	assert_int_equal(vpf_ctx_iter_burst(&it, &f, 0), -EINVAL);
}

/* Next value of a random vq_index order: runs up and down, jumps (within
 * 0..@p range-1), the top of the range. */
static uint16_t
next_vq(uint32_t *rnd, uint16_t vq, unsigned int range)
{
	*rnd = *rnd * 1103515245u + 12345u;
	switch ((*rnd >> 16) % 8) {
	case 0:
		return (uint16_t)((*rnd >> 8) % range);
	case 1:
		return (uint16_t)(vq - 1);
	case 2:
		return (uint16_t)(65535 - (*rnd >> 20) % 3);
	default:
		return (uint16_t)(vq + 1);
	}
}

/* Add a field of per-VQ slot @p t (0..2) for @p vq. */
static void
add_vq_field(struct vpf_ctx_builder *b, unsigned int t, uint16_t vq)
{
	if (t == 0) {
		struct vpf_ctx_vq_cfg q = { .vq_index = vq };

		assert_int_equal(vpf_ctx_add_vq_cfg(b, &q), 0);
	} else if (t == 1) {
		struct vpf_ctx_vq_runtime r = { .vq_index = vq };

		assert_int_equal(vpf_ctx_add_vq_runtime(b, &r), 0);
	} else {
		assert_int_equal(vpf_ctx_add_own_desc(b, vq, NULL, 0), 0);
	}
}

/*
 * The repeated-vq_index check keeps the latest run of consecutive values
 * apart from its bitmap: random orders (runs up and down, jumps, repeats,
 * the top of the range) must find exactly the first repeat, through every
 * walk and the stream.
 */
static void
test_dup_vq_orders(void **state)
{
	static uint8_t seen[3][65536];
	uint32_t rnd = 12345;
	unsigned int c, i, n, first, t;

	(void)state;
	for (c = 0; c < 400; c++) {
		struct vpf_ctx_builder b;
		struct vpf_ctx_error e;
		uint16_t vq = 0;
		uint8_t *p;
		size_t len;
		int rc;

		memset(seen, 0, sizeof(seen));
		assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
		first = UINT_MAX;
		n = 1 + c % 97;
		for (i = 0; i < n; i++) {
			vq = next_vq(&rnd, vq, c < 200 ? 130 : 65536);
			t = (rnd >> 24) % 3;
			add_vq_field(&b, t, vq);
			if (seen[t][vq] && first == UINT_MAX)
				first = i;
			seen[t][vq] = 1;
		}
		p = vpf_ctx_builder_detach(&b, &len);
		rc = check_walks(p, len, 0);
		assert_int_equal(check_both(p, len, 0, &e), rc);
		if (first == UINT_MAX) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -EBADMSG);
			assert_int_equal(e.code, VPF_CTX_ERR_DUP_VQ);
			assert_int_equal(e.field_index, first);
		}
		free(p);
	}
}

/* VQ_SPLIT_DEV_OWN_DESC fields of changing lengths: the walks predict
 * each one's length from the previous one and must still land on every
 * header. */
static void
test_own_desc_lengths(void **state)
{
	static const uint16_t counts[] = { 0, 3, 3, 3, 1, 0, 0, 200, 200, 7, 3 };
	static uint16_t idx[200];
	struct vpf_ctx_builder b;
	uint8_t *p;
	size_t len;
	unsigned int i;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	for (i = 0; i < DIM(counts); i++) {
		struct vpf_ctx_vq_runtime r = { .vq_index = (uint16_t)i };

		assert_int_equal(vpf_ctx_add_own_desc(&b, (uint16_t)i, idx,
						      counts[i]), 0);
		assert_int_equal(vpf_ctx_add_vq_runtime(&b, &r), 0);
	}
	p = vpf_ctx_builder_detach(&b, &len);
	assert_int_equal(check_walks(p, len, 0), 0);
	assert_int_equal(check_both(p, len, 0, NULL), 0);
	/* A desc_count that disagrees with a length the walk predicted
	 * right (field 4 is as long as field 2). */
	p[92 + 16 + 2] = 4;
	assert_int_equal(check_both(p, len, 0, NULL), -EBADMSG);
	assert_int_equal(check_walks(p, len, 0), -EBADMSG);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trunc_header),
		cmocka_unit_test(test_field_count),
		cmocka_unit_test(test_trailing_pad),
		cmocka_unit_test(test_trunc_field_header_and_value),
		cmocka_unit_test(test_length_overflow),
		cmocka_unit_test(test_fixed_short),
		cmocka_unit_test(test_features_length),
		cmocka_unit_test(test_own_desc),
		cmocka_unit_test(test_dup_vq),
		cmocka_unit_test(test_dup_vq_many),
		cmocka_unit_test(test_extended),
		cmocka_unit_test(test_unknown_reserved),
		cmocka_unit_test(test_known_rsvd_set),
		cmocka_unit_test(test_truncate_everywhere),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_parse_callback),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_dup_vq_orders),
		cmocka_unit_test(test_own_desc_lengths),
	};

	return cmocka_run_group_tests_name("ctx_parse", tests, NULL, NULL);
}
