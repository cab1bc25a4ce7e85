/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Compatibility with a destination's DEV_CTX_FIELDS_QUERY list (D-5.9:
 * every source type listed, fixed types of equal length, variable ones
 * fitting the destination's maximum).
 */

#include "ctx_test_util.h"

static uint8_t buf[4096];

/* A FIELDS_QUERY result as a device returns it (little-endian entries). */
static size_t
make_info(struct vpf_admin_ctx_field_info *info, const uint16_t *types,
	  const uint64_t *lens, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&info[i], 0xee, sizeof(info[i]));	/* reserved: any */
		put_u16((uint8_t *)&info[i], 0, types[i]);
		put_u64((uint8_t *)&info[i], 8, lens[i]);
	}
	return n;
}

/* What a virtio-net VF with 256-entry queues and 12-byte config lists. */
static const uint16_t dst_types[] = {
	VPF_CTX_PCI_COMMON_CFG, VPF_CTX_DEV_FEATURES, VPF_CTX_PCI_VQ_CFG,
	VPF_CTX_VQ_SPLIT_RUNTIME_CFG, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC,
	VPF_CTX_DEV_CFG,
};
static const uint64_t dst_lens[] = { 64, 16, 30, 5, 4 + 2 * 256, 12 };

struct issues {
	unsigned int n;
	struct vpf_ctx_cmp_issue is[8];
};

static void
collect(const struct vpf_ctx_cmp_issue *is, void *arg)
{
	struct issues *c = arg;

	if (c->n < 8)
		c->is[c->n] = *is;
	c->n++;
}

static void
test_compatible(void **state)
{
	struct vpf_admin_ctx_field_info info[6];
	struct vpf_ctx_cmp_result r;
	struct issues c = { 0 };
	size_t len = sample_ctx(buf, sizeof(buf));
	size_t n = make_info(info, dst_types, dst_lens, 6);

	(void)state;
	assert_int_equal(vpf_ctx_fields_check(info, n), 0);
	assert_int_equal(vpf_ctx_compare_fields(buf, len, 0, info, n, collect,
						&c, &r, NULL), 0);
	assert_int_equal(c.n, 0);
	assert_true(r.compatible);
	assert_int_equal(r.fields, SAMPLE_FIELDS);
	assert_int_equal(r.missing + r.length + r.unknown, 0);
	/* NULL callback and result are fine. */
	assert_int_equal(vpf_ctx_compare_fields(buf, len, 0, info, n, NULL,
						NULL, NULL, NULL), 0);
	/* Variable types fit below the maximum; an empty context always. */
	memset(buf, 0, 4);
	assert_int_equal(vpf_ctx_compare_fields(buf, 4, 0, info, n, NULL, NULL,
						&r, NULL), 0);
	assert_int_equal(vpf_ctx_compare_fields(buf, 4, 0, NULL, 0, NULL, NULL,
						&r, NULL), 0);
}

static void
test_missing_and_length(void **state)
{
	/* The issues reported, in field order. */
	static const struct {
		enum vpf_ctx_cmp_kind kind;
		uint16_t type;
		uint32_t index;
		uint64_t len, dst_len;
	} want[] = {
		{ VPF_CTX_CMP_LENGTH, VPF_CTX_DEV_FEATURES, 1, 16, 8 },
		{ VPF_CTX_CMP_LENGTH, VPF_CTX_PCI_VQ_CFG, 2, 30, 32 },
		{ VPF_CTX_CMP_MISSING, VPF_CTX_VQ_SPLIT_RUNTIME_CFG, 3, 5, 0 },
		{ VPF_CTX_CMP_LENGTH, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, 4, 10, 6 },
		{ VPF_CTX_CMP_LENGTH, VPF_CTX_PCI_VQ_CFG, 5, 30, 32 },
		{ VPF_CTX_CMP_MISSING, VPF_CTX_VQ_SPLIT_RUNTIME_CFG, 6, 5, 0 },
		{ VPF_CTX_CMP_LENGTH, VPF_CTX_DEV_CFG, 8, 12, 11 },
	};
	static const struct {
		enum vpf_ctx_cmp_kind kind;
		const char *name;
	} names[] = {
		{ VPF_CTX_CMP_MISSING, "missing" }, { VPF_CTX_CMP_LENGTH, "length" },
		{ VPF_CTX_CMP_UNKNOWN, "unknown" }, { VPF_CTX_CMP_OK, "ok" },
	};
	size_t k;
	struct vpf_admin_ctx_field_info info[6];
	struct vpf_ctx_cmp_result r;
	struct issues c = { 0 };
	/* Destination without RUNTIME, with smaller features and dev cfg,
	 * and a longer (extended) PCI_VQ_CFG. */
	const uint16_t types[] = {
		VPF_CTX_PCI_COMMON_CFG, VPF_CTX_DEV_FEATURES,
		VPF_CTX_PCI_VQ_CFG, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC,
		VPF_CTX_DEV_CFG,
	};
	const uint64_t lens[] = { 64, 8, 32, 6, 11 };
	size_t len = sample_ctx(buf, sizeof(buf));
	size_t n = make_info(info, types, lens, 5);

	(void)state;
	assert_int_equal(vpf_ctx_compare_fields(buf, len, 0, info, n, collect,
						&c, &r, NULL), -EOPNOTSUPP);
	assert_false(r.compatible);
	assert_int_equal(r.fields, SAMPLE_FIELDS);
	/* features (16 > 8), vq cfg x2 (30 != 32), runtime x2 missing,
	 * own-desc vq 0 (10 > 6; vq 1's 4 fits), dev cfg (12 > 11). */
	assert_int_equal(r.missing, 2);
	assert_int_equal(r.length, 5);
	assert_int_equal(r.unknown, 0);
	assert_int_equal(c.n, 7);
	for (k = 0; k < c.n; k++) {
		assert_int_equal(c.is[k].kind, want[k].kind);
		assert_int_equal(c.is[k].type, want[k].type);
		assert_int_equal(c.is[k].field_index, want[k].index);
		assert_int_equal(c.is[k].field_offset, sample_off[want[k].index]);
		assert_int_equal(c.is[k].length, want[k].len);
		assert_int_equal(c.is[k].dst_length, want[k].dst_len);
	}
	assert_string_equal(vpf_last_error(),
			    "context field 1 (DEV_FEATURES, 0x0001): length 16 exceeds the destination's 8");
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		assert_string_equal(vpf_ctx_cmp_kind_name(names[k].kind), names[k].name);

	/* Only missing: the message names it. */
	n = make_info(info, dst_types, dst_lens, 3);
	assert_int_equal(vpf_ctx_compare_fields(buf, len, 0, info, n, NULL,
						NULL, &r, NULL), -EOPNOTSUPP);
	assert_int_equal(r.missing, 5);
	assert_int_equal(r.length, 0);
	assert_string_equal(vpf_last_error(),
			    "context field 3 (VQ_SPLIT_RUNTIME_CFG, 0x0003) is not supported by the destination");
}

static void
test_extended_and_unknown(void **state)
{
	struct vpf_admin_ctx_field_info info[8];
	struct vpf_ctx_cmp_result r;
	struct issues c = { 0 };
	uint8_t v[40] = { 0 };
	struct vpf_ctx_builder b;
	const uint16_t types[] = { VPF_CTX_PCI_VQ_CFG, 0x0100, 0x1001 };
	uint64_t lens[] = { 34, 8, 0 };
	size_t n;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	/* An extended PCI_VQ_CFG (34 bytes), unknown 0x0100 (8), 0x1001 (0),
	 * reserved 0x3000 (1). */
	assert_int_equal(vpf_ctx_add_raw(&b, VPF_CTX_PCI_VQ_CFG, v, 34), 0);
	assert_int_equal(vpf_ctx_add_raw(&b, 0x0100, v, 8), 0);
	assert_int_equal(vpf_ctx_add_raw(&b, 0x1001, v, 0), 0);
	n = make_info(info, types, lens, 3);
	/* The destination knows the extension: equal length is fine; the
	 * unknown types are listed and fit: reported, still compatible. */
	assert_int_equal(vpf_ctx_compare_fields(buf, vpf_ctx_builder_len(&b), 0,
						info, n, collect, &c, &r, NULL),
			 0);
	assert_true(r.compatible);
	assert_int_equal(r.unknown, 2);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.is[0].kind, VPF_CTX_CMP_UNKNOWN);
	assert_int_equal(c.is[0].type, 0x0100);
	assert_int_equal(c.is[0].dst_length, 8);
	assert_int_equal(c.is[1].type, 0x1001);
	/* A destination with the 30-byte layout refuses the extension. */
	lens[0] = 30;
	lens[1] = 7;
	n = make_info(info, types, lens, 3);
	c.n = 0;
	assert_int_equal(vpf_ctx_compare_fields(buf, vpf_ctx_builder_len(&b), 0,
						info, n, collect, &c, &r, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(r.length, 2);
	assert_int_equal(r.unknown, 1);
	assert_string_equal(vpf_last_error(),
			    "context field 0 (PCI_VQ_CFG, 0x0002): length 34 differs from the destination's 30");
	/* A reserved type is never listed: missing. */
	assert_int_equal(vpf_ctx_add_raw(&b, 0x3000, v, 1), 0);
	lens[0] = 34;
	lens[1] = 8;
	n = make_info(info, types, lens, 3);
	assert_int_equal(vpf_ctx_compare_fields(buf, vpf_ctx_builder_len(&b), 0,
						info, n, NULL, NULL, &r, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(r.missing, 1);
}

static void
test_field_compat(void **state)
{
	struct vpf_admin_ctx_field_info info[6];
	uint64_t dl;
	size_t n = make_info(info, dst_types, dst_lens, 6);

	(void)state;
	assert_int_equal(vpf_ctx_field_compat(VPF_CTX_PCI_COMMON_CFG, 64, info,
					      n, &dl), VPF_CTX_CMP_OK);
	assert_int_equal(dl, 64);
	assert_int_equal(vpf_ctx_field_compat(VPF_CTX_PCI_COMMON_CFG, 63, info,
					      n, &dl), VPF_CTX_CMP_LENGTH);
	assert_int_equal(vpf_ctx_field_compat(VPF_CTX_PCI_COMMON_CFG, 65, info,
					      n, NULL), VPF_CTX_CMP_LENGTH);
	assert_int_equal(vpf_ctx_field_compat(VPF_CTX_VQ_SPLIT_DEV_OWN_DESC,
					      516, info, n, &dl),
			 VPF_CTX_CMP_OK);
	assert_int_equal(vpf_ctx_field_compat(VPF_CTX_VQ_SPLIT_DEV_OWN_DESC,
					      518, info, n, &dl),
			 VPF_CTX_CMP_LENGTH);
	assert_int_equal(dl, 516);
	assert_int_equal(vpf_ctx_field_compat(VPF_CTX_DEV_CFG, 0, info, n, &dl),
			 VPF_CTX_CMP_OK);
	assert_int_equal(vpf_ctx_field_compat(0x0005, 0, info, n, &dl),
			 VPF_CTX_CMP_MISSING);
	assert_int_equal(dl, 0);
	assert_int_equal(vpf_ctx_field_compat(0xffff, 0, info, n, &dl),
			 VPF_CTX_CMP_MISSING);
	assert_int_equal(vpf_ctx_field_compat(0, 64, info, 0, &dl),
			 VPF_CTX_CMP_MISSING);
	assert_int_equal(vpf_ctx_field_compat(0, 64, NULL, 3, &dl),
			 VPF_CTX_CMP_MISSING);
	/* Every position of a one-entry .. six-entry list is found. */
	for (size_t k = 1; k <= 6; k++)
		for (size_t i = 0; i < k; i++)
			assert_int_equal(vpf_ctx_field_compat(dst_types[i],
							      dst_lens[i], info,
							      k, NULL),
					 VPF_CTX_CMP_OK);
}

static void
test_bad_list_and_context(void **state)
{
	struct vpf_admin_ctx_field_info info[6];
	struct vpf_ctx_cmp_result r;
	struct vpf_ctx_error e;
	const uint16_t unsorted[] = { 0, 2, 1 };
	const uint16_t dup[] = { 0, 1, 1 };
	const uint64_t lens[] = { 64, 8, 30 };
	size_t len = sample_ctx(buf, sizeof(buf));
	size_t n;

	(void)state;
	n = make_info(info, unsorted, lens, 3);
	assert_int_equal(vpf_ctx_fields_check(info, n), -EINVAL);
	assert_string_equal(vpf_last_error(),
			    "FIELDS_QUERY list: entry 2 type 0x0001 does not ascend after 0x0002");
	assert_int_equal(vpf_ctx_compare_fields(buf, len, 0, info, n, NULL,
						NULL, &r, NULL), -EINVAL);
	n = make_info(info, dup, lens, 3);
	assert_int_equal(vpf_ctx_fields_check(info, n), -EINVAL);
	assert_int_equal(vpf_ctx_fields_check(NULL, 1), -EINVAL);
	assert_int_equal(vpf_ctx_fields_check(NULL, 0), 0);

	/* A malformed context is reported as such, not as incompatible. */
	n = make_info(info, dst_types, dst_lens, 6);
	assert_int_equal(vpf_ctx_compare_fields(buf, len - 1, 0, info, n, NULL,
						NULL, &r, &e), -EBADMSG);
	assert_false(r.compatible);
	assert_int_equal(e.code, VPF_CTX_ERR_TRUNC_VALUE);
	assert_int_equal(e.offset, len - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compatible),
		cmocka_unit_test(test_missing_and_length),
		cmocka_unit_test(test_extended_and_unknown),
		cmocka_unit_test(test_field_compat),
		cmocka_unit_test(test_bad_list_and_context),
	};

	return cmocka_run_group_tests_name("ctx_compare", tests, NULL, NULL);
}
