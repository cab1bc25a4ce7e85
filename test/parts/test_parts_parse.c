/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Validation of parts sets (doc/protocol.md §10.4): the sample is well
 * formed part by part; every rule has a malformed input with its exact
 * error (code, part, offsets, numbers): truncated header, value past the
 * end, wrong fixed length, features length, common-cfg offset, order,
 * duplicates, unknown required parts, lengths near 2^32, sets over 4 GiB,
 * padding, reserved bits, callbacks.
 */

#include "parts_test_util.h"

#include "../vpf_test_main.h"

static uint8_t buf[4096];

static void
test_sample(void **state)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	struct vpf_parts_error e;
	struct vpf_parts_features f;
	struct vpf_parts_common cc;
	struct vpf_parts_vq_cfg q;
	struct vpf_parts_vq_notify vn;
	struct vpf_parts_cvq cvq;
	uint8_t st;
	size_t len;
	uint32_t i = 0;

	(void)state;
	len = sample_build(buf, sizeof(buf));
	assert_int_equal(vpf_parts_validate(buf, len, 0, &e), SAMPLE_PARTS);
	assert_int_equal(e.code, VPF_PARTS_OK);
	assert_int_equal(vpf_parts_iter_init(&it, buf, len, 0), 0);
	while (vpf_parts_iter_next(&it, &p) == 1) {
		assert_int_equal(p.index, i);
		assert_int_equal(p.offset, sample_off[i]);
		assert_int_equal(vpf_parts_part_size(&p),
				 sample_off[i + 1] - sample_off[i]);
		assert_int_equal(p.flags, 0);
		i++;
	}
	assert_int_equal(i, SAMPLE_PARTS);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 0);
	assert_int_equal(vpf_parts_iter_count(&it), SAMPLE_PARTS);
	assert_int_equal(vpf_parts_iter_end(&it), SAMPLE_LEN);

	/* Decode each kind. */
	vpf_parts_iter_init(&it, buf, len, 0);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
	assert_true(vpf_parts_part_optional(&p));
	assert_int_equal(vpf_parts_decode_features(&p, &f), 0);
	assert_int_equal(f.nwords, 2);
	assert_int_equal(vpf_parts_features_word(&f, 0), sample_dev_feat[0]);
	assert_int_equal(vpf_parts_features_word(&f, 2), 0);
	assert_true(vpf_parts_features_test(&f, 64));
	assert_false(vpf_parts_features_test(&f, 65));
	assert_false(vpf_parts_features_test(&f, 1000));
	assert_int_equal(vpf_parts_decode_vq_cfg(&p, &q), -EINVAL);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
	assert_false(vpf_parts_part_optional(&p));
	assert_int_equal(vpf_parts_decode_features(&p, &f), 0);
	assert_int_equal(vpf_parts_features_word(&f, 0), sample_drv_feat[0]);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
	assert_int_equal(vpf_parts_decode_common(&p, &cc), 0);
	assert_int_equal(cc.offset, 0);
	assert_int_equal(cc.size, 4);
	assert_int_equal(cc.value, 1);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
	assert_int_equal(vpf_parts_decode_common(&p, &cc), 0);
	assert_int_equal(cc.value, 0xffff);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
	assert_int_equal(vpf_parts_decode_common(&p, &cc), 0);
	assert_int_equal(cc.offset, VPF_COMMON_NUMQ);
	assert_int_equal(cc.value, 3);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
	assert_int_equal(vpf_parts_decode_status(&p, &st), 0);
	assert_int_equal(st, 0x0f);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
		assert_int_equal(vpf_parts_decode_vq_cfg(&p, &q), 0);
		assert_memory_equal(&q, &sample_vq[k], sizeof(q));
		assert_int_equal(vpf_parts_part_vq_index(&p), k);
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
		assert_int_equal(vpf_parts_decode_vq_notify(&p, &vn), 0);
		assert_memory_equal(&vn, &sample_vn[k], sizeof(vn));
	}
	assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
	assert_int_equal(vpf_parts_decode_cvq(&p, &cvq), 0);
	assert_int_equal(cvq.cls, 1);
	assert_int_equal(cvq.command, 1);
	assert_int_equal(cvq.len, 6);
	assert_memory_equal(cvq.data, sample_mac, 6);

	/* The empty set is well formed. */
	assert_int_equal(vpf_parts_validate(NULL, 0, 0, NULL), 0);
	assert_int_equal(vpf_parts_iter_init(NULL, buf, 1, 0), -EINVAL);
	assert_int_equal(vpf_parts_iter_init(&it, NULL, 1, 0), -EINVAL);
}

/* Truncation at every byte: inside a header TRUNC_HEADER, inside a value
 * TRUNC_VALUE, at a boundary well formed with fewer parts. */
static void
test_truncated(void **state)
{
	size_t len, cut;
	uint32_t k = 0;

	(void)state;
	len = sample_build(buf, sizeof(buf));
	for (cut = 0; cut < len; cut++) {
		uint64_t po;

		while (sample_off[k + 1] <= cut)
			k++;
		po = sample_off[k];
		if (cut == po) {
			assert_int_equal(vpf_parts_validate(buf, cut, 0, NULL),
					 k);
		} else if (cut - po < VPF_PARTS_HDR_SIZE) {
			expect_bad(buf, cut, 0, VPF_PARTS_ERR_TRUNC_HEADER, k,
				   po, po, 0, cut - po, 16);
		} else {
			uint16_t type = (uint16_t)(buf[po] | buf[po + 1] << 8);

			expect_bad(buf, cut, 0, VPF_PARTS_ERR_TRUNC_VALUE, k,
				   cut, po, type,
				   sample_off[k + 1] - po - 16,
				   cut - po - 16);
		}
	}
	assert_non_null(strstr(vpf_last_error(), "runs past the end"));
}

static void
test_fixed_length(void **state)
{
	static const struct {
		uint16_t type;
		uint64_t sel;
		uint32_t len, size;
	} bad[] = {
		{ VPF_PARTS_DEVICE_STATUS, 0, 0, 1 },
		{ VPF_PARTS_DEVICE_STATUS, 0, 2, 1 },
		{ VPF_PARTS_VQ_CFG, 3, 30, 32 },
		{ VPF_PARTS_VQ_CFG, 3, 33, 32 },
		{ VPF_PARTS_VQ_NOTIFY_CFG, 3, 7, 8 },
		{ VPF_PARTS_VQ_NOTIFY_CFG, 3, 16, 8 },
		{ VPF_PARTS_PCI_COMMON_CFG, VPF_COMMON_NUMQ, 4, 2 },
		{ VPF_PARTS_PCI_COMMON_CFG, VPF_COMMON_Q_DESC, 4, 8 },
		{ VPF_PARTS_PCI_COMMON_CFG, VPF_COMMON_STATUS, 2, 1 },
	};
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	size_t o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = put_part(buf, 0, bad[i].type, 0, bad[i].sel, bad[i].len);
		expect_bad(buf, o, 0, VPF_PARTS_ERR_LENGTH, 0, 12, 0,
			   bad[i].type, bad[i].len, bad[i].size);
		/* Appended fields: longer accepted on request, except for a
		 * common-cfg field; shorter never. */
		if (bad[i].len > bad[i].size &&
		    bad[i].type != VPF_PARTS_PCI_COMMON_CFG) {
			assert_int_equal(vpf_parts_validate(buf, o,
				VPF_PARTS_F_ALLOW_EXTENDED, NULL), 1);
			vpf_parts_iter_init(&it, buf, o,
					    VPF_PARTS_F_ALLOW_EXTENDED);
			assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
			assert_int_equal(p.flags, VPF_PARTS_PF_EXTENDED);
		} else {
			expect_bad(buf, o, VPF_PARTS_F_ALLOW_EXTENDED,
				   VPF_PARTS_ERR_LENGTH, 0, 12, 0, bad[i].type,
				   bad[i].len, bad[i].size);
		}
	}
	/* Exact sizes pass; CVQ_CFG has no length rule. */
	o = put_part(buf, 0, VPF_PARTS_PCI_COMMON_CFG, 0, VPF_COMMON_Q_DESC, 8);
	o = put_part(buf, o, VPF_PARTS_DEVICE_STATUS, 0, 0, 1);
	o = put_part(buf, o, VPF_PARTS_VQ_CFG, 0, 0, 32);
	o = put_part(buf, o, VPF_PARTS_VQ_NOTIFY_CFG, 0, 0, 8);
	o = put_part(buf, o, VPF_PARTS_NET_CVQ_CFG, 0, 0x0401, 0);
	o = put_part(buf, o, VPF_PARTS_NET_CVQ_CFG, 0, 0x0401, 300);
	assert_int_equal(vpf_parts_validate(buf, o, 0, NULL), 6);
	assert_non_null(strstr(vpf_last_error(), "") );
}

static void
test_features_length(void **state)
{
	static const uint32_t bad[] = { 0, 4, 12, 15 };
	size_t o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = put_part(buf, 0, VPF_PARTS_DEV_FEATURES, 1, 0, bad[i]);
		expect_bad(buf, o, VPF_PARTS_F_CARRY,
			   VPF_PARTS_ERR_FEATURES_LENGTH, 0, 12, 0,
			   VPF_PARTS_DEV_FEATURES, bad[i], 8);
		o = put_part(buf, 0, VPF_PARTS_DRV_FEATURES, 0, 0, bad[i]);
		expect_bad(buf, o, VPF_PARTS_F_CARRY,
			   VPF_PARTS_ERR_FEATURES_LENGTH, 0, 12, 0,
			   VPF_PARTS_DRV_FEATURES, bad[i], 8);
	}
	o = put_part(buf, 0, VPF_PARTS_DEV_FEATURES, 1, 0, 24);
	assert_int_equal(vpf_parts_validate(buf, o, 0, NULL), 1);
}

static void
test_common_offset(void **state)
{
	static const uint32_t inside[] = { 1, 5, 17, 19, 33, 63 };
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	size_t o;

	(void)state;
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		o = put_part(buf, 0, VPF_PARTS_PCI_COMMON_CFG, 1, inside[i], 1);
		/* Even OPTIONAL and ALLOW_UNKNOWN: the layout is known. */
		expect_bad(buf, o, VPF_PARTS_F_CARRY,
			   VPF_PARTS_ERR_COMMON_OFFSET, 0, 4, 0,
			   VPF_PARTS_PCI_COMMON_CFG, inside[i], 0);
	}
	/* Every field start of the layout is accepted at its size. */
	o = 0;
	for (uint32_t off = 0; off < 64; off++)
		if (vpf_parts_common_field_size(off) != 0)
			o = put_part(buf, o, VPF_PARTS_PCI_COMMON_CFG, 0, off,
				     vpf_parts_common_field_size(off));
	assert_int_equal(vpf_parts_validate(buf, o, 0, NULL), 20);
	assert_string_equal(vpf_parts_common_field_name(VPF_COMMON_Q_RESET),
			    "queue_reset");
	assert_null(vpf_parts_common_field_name(64));
	/* Past the layout: a field vpf does not know (D-PARTS.4). */
	o = put_part(buf, 0, VPF_PARTS_PCI_COMMON_CFG, 0, 64, 2);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_UNKNOWN_REQUIRED, 0, 0, 0,
		   VPF_PARTS_PCI_COMMON_CFG, 64, 0);
	assert_int_equal(vpf_parts_validate(buf, o, VPF_PARTS_F_ALLOW_UNKNOWN,
					    NULL), 1);
	o = put_part(buf, 0, VPF_PARTS_PCI_COMMON_CFG, 1, 0xffffffffu, 3);
	vpf_parts_iter_init(&it, buf, o, 0);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
	assert_int_equal(p.flags, VPF_PARTS_PF_UNKNOWN);
	assert_int_equal(vpf_parts_part_common_offset(&p), 0xffffffffu);
}

static void
test_order(void **state)
{
	size_t o, a;

	(void)state;
	/* DRV_FEATURES then DEV_FEATURES. */
	o = put_part(buf, 0, VPF_PARTS_DRV_FEATURES, 0, 0, 8);
	a = o;
	o = put_part(buf, o, VPF_PARTS_DEV_FEATURES, 1, 0, 8);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_ORDER, 1, a, a,
		   VPF_PARTS_DEV_FEATURES, 0, 1);
	/* VQ_NOTIFY_CFG then VQ_CFG. */
	o = put_part(buf, 0, VPF_PARTS_VQ_NOTIFY_CFG, 0, 0, 8);
	a = o;
	o = put_part(buf, o, VPF_PARTS_VQ_CFG, 0, 1, 32);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_ORDER, 1, a, a, VPF_PARTS_VQ_CFG,
		   4, 5);
	/* A device-type part, then DEVICE_STATUS. */
	o = put_part(buf, 0, VPF_PARTS_NET_CVQ_CFG, 0, 0, 1);
	a = o;
	o = put_part(buf, o, VPF_PARTS_DEVICE_STATUS, 0, 0, 1);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_ORDER, 1, a, a,
		   VPF_PARTS_DEVICE_STATUS, 3, 6);
	assert_non_null(strstr(vpf_last_error(),
			       "DEVICE_STATUS may not follow device-type parts"));
	/* Common-cfg after status. */
	o = put_part(buf, 0, VPF_PARTS_DEVICE_STATUS, 0, 0, 1);
	a = o;
	o = put_part(buf, o, VPF_PARTS_PCI_COMMON_CFG, 0, 18, 2);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_ORDER, 1, a, a,
		   VPF_PARTS_PCI_COMMON_CFG, 2, 3);
	/* Equal ranks repeat; unknown generic types are not placed. */
	o = put_part(buf, 0, VPF_PARTS_VQ_CFG, 0, 5, 32);
	o = put_part(buf, o, 0x01ff, 1, 0, 3);
	o = put_part(buf, o, VPF_PARTS_VQ_CFG, 0, 4, 32);
	o = put_part(buf, o, 0x0201, 1, 0, 0);
	o = put_part(buf, o, VPF_PARTS_NET_CVQ_CFG, 0, 0, 1);
	o = put_part(buf, o, 0x0050, 1, 0, 0);
	assert_int_equal(vpf_parts_validate(buf, o, 0, NULL), 6);
	assert_int_equal(vpf_parts_type_rank(0x0050), -1);
	assert_int_equal(vpf_parts_type_rank(0x0201), 6);
}

static void
test_duplicate(void **state)
{
	static const uint16_t once[] = {
		VPF_PARTS_DEV_FEATURES, VPF_PARTS_DRV_FEATURES,
		VPF_PARTS_DEVICE_STATUS,
	};
	size_t o, a;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		uint32_t l = once[i] == VPF_PARTS_DEVICE_STATUS ? 1 : 8;

		o = put_part(buf, 0, once[i], 0, 0, l);
		a = o;
		o = put_part(buf, o, once[i], 0, 0, l);
		expect_bad(buf, o, 0, VPF_PARTS_ERR_DUPLICATE, 1, a, a,
			   once[i], 0, 0);
	}
	/* The same common-cfg offset twice, other offsets between. */
	o = put_part(buf, 0, VPF_PARTS_PCI_COMMON_CFG, 0, 18, 2);
	o = put_part(buf, o, VPF_PARTS_PCI_COMMON_CFG, 0, 16, 2);
	a = o;
	o = put_part(buf, o, VPF_PARTS_PCI_COMMON_CFG, 0, 18, 2);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_DUPLICATE, 2, a, a,
		   VPF_PARTS_PCI_COMMON_CFG, 18, 0);
	/* A vq index twice in one type, far apart; the same index in both
	 * queue types is fine. */
	for (uint16_t t = VPF_PARTS_VQ_CFG; t <= VPF_PARTS_VQ_NOTIFY_CFG;
	     t++) {
		uint32_t l = vpf_parts_type_fixed_size(t);

		o = put_part(buf, 0, t, 0, 65535, l);
		o = put_part(buf, o, t, 0, 3, l);
		o = put_part(buf, o, t, 0, 0, l);
		a = o;
		o = put_part(buf, o, t, 0, 65535, l);
		expect_bad(buf, o, 0, VPF_PARTS_ERR_DUPLICATE, 3, a, a, t,
			   65535, 0);
	}
	o = put_part(buf, 0, VPF_PARTS_VQ_CFG, 0, 7, 32);
	o = put_part(buf, o, VPF_PARTS_VQ_NOTIFY_CFG, 0, 7, 8);
	/* Control-queue commands may repeat (one VLAN per part). */
	o = put_part(buf, o, VPF_PARTS_NET_CVQ_CFG, 0, 0x0002, 2);
	o = put_part(buf, o, VPF_PARTS_NET_CVQ_CFG, 0, 0x0002, 2);
	assert_int_equal(vpf_parts_validate(buf, o, 0, NULL), 4);
	assert_non_null(strstr(vpf_last_error(), ""));
}

static void
test_unknown(void **state)
{
	static const uint16_t types[] = { 0x0000, 0x00ff, 0x0106, 0x01ff,
					  0x0201, 0xffff };
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	size_t o;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		o = put_part(buf, 0, types[i], 0, 0x1122334455667788ull, 5);
		expect_bad(buf, o, VPF_PARTS_F_ALLOW_EXTENDED,
			   VPF_PARTS_ERR_UNKNOWN_REQUIRED, 0, 0, 0, types[i],
			   0, 0);
		assert_int_equal(vpf_parts_validate(buf, o,
			VPF_PARTS_F_ALLOW_UNKNOWN, NULL), 1);
		/* OPTIONAL: accepted, flagged, no length rule. */
		put_hdr(buf, 0, types[i], VPF_PARTS_HF_OPTIONAL,
			0x1122334455667788ull, 5);
		vpf_parts_iter_init(&it, buf, o, 0);
		assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
		assert_int_equal(p.flags, VPF_PARTS_PF_UNKNOWN);
		assert_int_equal(p.length, 5);
		assert_int_equal(vpf_parts_iter_next(&it, &p), 0);
	}
	assert_false(vpf_parts_type_is_known(0x0106));
	assert_true(vpf_parts_type_is_known(VPF_PARTS_NET_CVQ_CFG));
	assert_string_equal(vpf_parts_type_name(0x0106), "UNKNOWN");
}

/* Lengths near 2^32 never wrap; a set over 4 GiB - 1 is refused before a
 * byte of it is read. */
static void
test_overflow(void **state)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	size_t o;

	(void)state;
	o = put_hdr(buf, 0, VPF_PARTS_NET_CVQ_CFG, 0, 0, UINT32_MAX);
	memset(buf + o, 0, 100);
	expect_bad(buf, o + 100, 0, VPF_PARTS_ERR_TRUNC_VALUE, 0, o + 100, 0,
		   VPF_PARTS_NET_CVQ_CFG, UINT32_MAX, 100);
	o = put_hdr(buf, 0, 0x0300, 1, 0, UINT32_MAX - 15);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_TRUNC_VALUE, 0, o, 0, 0x0300,
		   UINT32_MAX - 15, 0);
	o = put_hdr(buf, 0, VPF_PARTS_DEV_FEATURES, 1, 0, UINT32_MAX - 7);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_TRUNC_VALUE, 0, o, 0,
		   VPF_PARTS_DEV_FEATURES, UINT32_MAX - 7, 0);
	if (sizeof(size_t) > 4) {
		/* ASan would see a read past the 16 bytes of buf used. */
		size_t huge = (size_t)VPF_PARTS_MAX_SET_SIZE + 1;

		expect_bad(buf, huge, 0, VPF_PARTS_ERR_TOO_LARGE,
			   VPF_PARTS_NO_PART, 0, VPF_PARTS_NO_OFFSET, 0, huge,
			   VPF_PARTS_MAX_SET_SIZE);
		assert_int_equal(vpf_parts_iter_init(&it, buf, huge, 0), 0);
		assert_int_equal(vpf_parts_iter_next(&it, &p), -EBADMSG);
		assert_int_equal(vpf_parts_iter_next(&it, &p), -EBADMSG);
		assert_non_null(strstr(vpf_last_error(), "more than a parts set"));
	}
}

static void
test_padding(void **state)
{
	size_t len;

	(void)state;
	len = sample_build(buf, sizeof(buf));
	memset(buf + len, 0, 16);
	for (size_t pad = 1; pad <= 7; pad++) {
		assert_int_equal(vpf_parts_validate(buf, len + pad,
			VPF_PARTS_F_ALLOW_PAD, NULL), SAMPLE_PARTS);
		expect_bad(buf, len + pad, 0, VPF_PARTS_ERR_TRUNC_HEADER,
			   SAMPLE_PARTS, len, len, 0, pad, 16);
	}
	expect_bad(buf, len + 8, VPF_PARTS_F_ALLOW_PAD,
		   VPF_PARTS_ERR_TRUNC_HEADER, SAMPLE_PARTS, len, len, 0, 8,
		   16);
	buf[len + 3] = 1;
	expect_bad(buf, len + 4, VPF_PARTS_F_ALLOW_PAD,
		   VPF_PARTS_ERR_TRUNC_HEADER, SAMPLE_PARTS, len, len, 0, 4,
		   16);
}

static void
test_reserved(void **state)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	size_t o;

	(void)state;
	/* Header flag bits 1-7, the reserved byte, unused selector bytes:
	 * accepted, flagged (D-PARTS.5). */
	o = put_part(buf, 0, VPF_PARTS_DEVICE_STATUS, 0x80, 0, 1);
	o = put_part(buf, o, VPF_PARTS_VQ_CFG, 0, 0x10000, 32);
	o = put_part(buf, o, VPF_PARTS_VQ_NOTIFY_CFG, 0, 0, 8);
	buf[o - 24 + 3] = 9;
	o = put_part(buf, o, VPF_PARTS_NET_CVQ_CFG, 0, 0x0100000000000000ull,
		     0);
	vpf_parts_iter_init(&it, buf, o, 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
		assert_int_equal(p.flags, VPF_PARTS_PF_RSVD_SET);
	}
	assert_int_equal(vpf_parts_iter_next(&it, &p), 0);
	/* The vq index of the selector is only its low 16 bits. */
	o = put_part(buf, 0, VPF_PARTS_VQ_CFG, 0, 0x10005, 32);
	o = put_part(buf, o, VPF_PARTS_VQ_CFG, 0, 5, 32);
	expect_bad(buf, o, 0, VPF_PARTS_ERR_DUPLICATE, 1, 48, 48,
		   VPF_PARTS_VQ_CFG, 5, 0);
}

static int
refuse_third(const struct vpf_parts_part *p, void *arg)
{
	int *n = arg;

	(*n)++;
	return p->index == 2 ? -ECANCELED : 0;
}

static void
test_callback(void **state)
{
	struct vpf_parts_error e;
	size_t len;
	int n = 0;

	(void)state;
	len = sample_build(buf, sizeof(buf));
	assert_int_equal(vpf_parts_parse(buf, len, 0, refuse_third, &n, &e),
			 -ECANCELED);
	assert_int_equal(n, 3);
	assert_int_equal(e.code, VPF_PARTS_ERR_ABORTED);
	assert_int_equal(e.part_index, 2);
	assert_int_equal(e.offset, sample_off[2]);
	assert_int_equal(vpf_parts_parse(buf, len, 0, NULL, NULL, &e), 0);
}

static void
test_error_str(void **state)
{
	struct vpf_parts_error e;
	char s[256];
	size_t o;

	(void)state;
	for (int c = 0; c <= VPF_PARTS_ERR_MAX; c++)
		assert_non_null(vpf_parts_err_name((enum vpf_parts_err)c));
	assert_string_equal(vpf_parts_err_name(VPF_PARTS_ERR_MAX), "UNKNOWN");
	o = put_part(buf, 0, VPF_PARTS_VQ_CFG, 0, 0, 30);
	assert_int_equal(vpf_parts_validate(buf, o, 0, &e), -EBADMSG);
	vpf_parts_error_str(&e, s, sizeof(s));
	assert_string_equal(s, "part 0 (VQ_CFG, 0x0104) at offset 0: length 30 differs from the type's size 32 (length at offset 12)");
	assert_string_equal(vpf_last_error(),
			    "malformed device parts: part 0 (VQ_CFG, 0x0104) at offset 0: length 30 differs from the type's size 32 (length at offset 12)");
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_sample),
	cmocka_unit_test(test_truncated),
	cmocka_unit_test(test_fixed_length),
	cmocka_unit_test(test_features_length),
	cmocka_unit_test(test_common_offset),
	cmocka_unit_test(test_order),
	cmocka_unit_test(test_duplicate),
	cmocka_unit_test(test_unknown),
	cmocka_unit_test(test_overflow),
	cmocka_unit_test(test_padding),
	cmocka_unit_test(test_reserved),
	cmocka_unit_test(test_callback),
	cmocka_unit_test(test_error_str))
