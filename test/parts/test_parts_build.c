/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The builder and the command data around parts: bounds (a full buffer
 * changes nothing), the wire bytes of each typed helper, DEV_PARTS_SET
 * data with its object header and padding, DEV_PARTS_GET SELECTED data,
 * METADATA_GET LIST results built and checked, and verbatim copies of
 * parsed parts (unknown ones included).
 */

#include "parts_test_util.h"

#include "../vpf_test_main.h"

static uint8_t buf[4096];
static uint8_t out[4096];

static void
test_bounds(void **state)
{
	struct vpf_parts_builder b;
	uint8_t before[64];
	size_t cap;

	(void)state;
	/* Every capacity below the sample's: the failing append leaves the
	 * bytes and the builder as they were. */
	for (cap = 0; cap < SAMPLE_LEN; cap++) {
		size_t len;
		uint32_t n;
		int rc = 0;

		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(vpf_parts_builder_init(&b, buf, cap), 0);
		for (int i = 0; rc == 0; i++) {
			len = vpf_parts_builder_len(&b);
			n = vpf_parts_builder_count(&b);
			memcpy(before, buf + len, sizeof(before));
			switch (i % 3) {
			case 0:
				rc = vpf_parts_add_vq_cfg(&b, &sample_vq[0]);
				break;
			case 1:
				rc = vpf_parts_add_status(&b, 1);
				break;
			default:
				rc = vpf_parts_add_dev_features(&b,
					sample_dev_feat, 2);
				break;
			}
		}
		assert_int_equal(rc, -ENOSPC);
		assert_int_equal(vpf_parts_builder_len(&b), len);
		assert_int_equal(vpf_parts_builder_count(&b), n);
		assert_true(len <= cap);
		assert_memory_equal(before, buf + len, sizeof(before));
		assert_int_equal(buf[cap], 0xee);
	}
	assert_int_equal(vpf_parts_builder_init(NULL, buf, 1), -EINVAL);
	assert_int_equal(vpf_parts_builder_init_set(&b, buf, 7, 1), -ENOSPC);
	assert_int_equal(vpf_parts_builder_init_get(&b, buf, 15, 1, 0),
			 -ENOSPC);
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_parts_add_common(&b, 5, 0), -EINVAL);
	assert_int_equal(vpf_parts_add_common(&b, 64, 0), -EINVAL);
	assert_int_equal(vpf_parts_add_dev_features(&b, sample_dev_feat, 0),
			 -EINVAL);
	assert_int_equal(vpf_parts_builder_count(&b), 0);
}

/* The helpers write the layout of doc/protocol.md §10.3 byte for byte. */
static void
test_wire(void **state)
{
	static const uint8_t vq_cfg[48] = {
		0x04, 0x01, 0x00, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 0,
		32, 0, 0, 0,
		0x00, 0x01, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x30, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x40, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	static const uint8_t common[18] = {
		0x02, 0x01, 0x00, 0x00, 18, 0, 0, 0, 0, 0, 0, 0,
		2, 0, 0, 0, 0x34, 0x12,
	};
	static const uint8_t feat[24] = {
		0x00, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
		8, 0, 0, 0, 0x20, 0x00, 0x01, 0x30, 0x01, 0, 0, 0,
	};
	static const uint8_t notify[24] = {
		0x05, 0x01, 0x00, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 0,
		8, 0, 0, 0, 0x01, 0x00, 0x07, 0x00, 0, 0, 0, 0,
	};
	static const uint8_t cvq[19] = {
		0x00, 0x02, 0x00, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0, 0,
		3, 0, 0, 0, 0xaa, 0xbb, 0xcc,
	};
	struct vpf_parts_builder b;
	const uint8_t *d;

	(void)state;
	vpf_parts_builder_init(&b, buf, sizeof(buf));
	assert_int_equal(vpf_parts_add_vq_cfg(&b, &sample_vq[1]), 0);
	assert_int_equal(vpf_parts_add_common(&b, VPF_COMMON_NUMQ, 0xabcd1234),
			 0);
	assert_int_equal(vpf_parts_add_dev_features(&b, sample_dev_feat, 1),
			 0);
	assert_int_equal(vpf_parts_add_vq_notify(&b, &sample_vn[1]), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 2, 0, "\xaa\xbb\xcc", 3), 0);
	d = vpf_parts_builder_data(&b);
	assert_memory_equal(d, vq_cfg, 48);
	assert_memory_equal(d + 48, common, 18);
	assert_memory_equal(d + 66, feat, 24);
	assert_memory_equal(d + 90, notify, 24);
	assert_memory_equal(d + 114, cvq, 19);
	assert_int_equal(vpf_parts_builder_len(&b), 133);
}

static void
test_set_data(void **state)
{
	struct vpf_parts_builder b;
	struct vpf_parts_error e;
	const uint8_t *parts;
	size_t plen;
	uint32_t id;
	int64_t n;

	(void)state;
	assert_int_equal(vpf_parts_builder_init_set(&b, buf, sizeof(buf),
						    0x01020304), 0);
	sample_add(&b);
	assert_int_equal(vpf_parts_builder_len(&b), 8 + SAMPLE_LEN);
	assert_int_equal(vpf_parts_builder_parts_len(&b), SAMPLE_LEN);
	assert_memory_equal(buf, "\0\0\0\0\x04\x03\x02\x01", 8);
	/* A driver pads the buffer to a multiple of 8 (328 already is one;
	 * one more part makes it 345, padded to 352). */
	assert_int_equal(vpf_parts_add_raw(&b, 0x0300, 1, NULL, "x", 1), 0);
	assert_int_equal(vpf_parts_builder_pad(&b), 0);
	assert_int_equal(vpf_parts_builder_len(&b), 352);
	assert_int_equal(vpf_parts_add_status(&b, 1), -EINVAL);
	n = vpf_parts_set_data_check(buf, 352, 0, &id, &parts, &plen, &e);
	assert_int_equal(n, SAMPLE_PARTS + 1);
	assert_int_equal(id, 0x01020304);
	assert_ptr_equal(parts, buf + 8);
	assert_int_equal(plen, SAMPLE_LEN + 17);
	/* Shorter than the object header; a malformed set. */
	assert_int_equal(vpf_parts_set_data_check(buf, 7, 0, NULL, NULL, NULL,
						  &e), -EBADMSG);
	assert_int_equal(e.code, VPF_PARTS_ERR_TRUNC_HEADER);
	assert_int_equal(e.value, 7);
	assert_int_equal(vpf_parts_set_data_check(buf, 8, 0, NULL, NULL, &plen,
						  &e), 0);
	assert_int_equal(plen, 0);
	buf[8 + sample_off[5] + 12] = 2;
	assert_int_equal(vpf_parts_set_data_check(buf, 352, 0, NULL, NULL,
						  NULL, &e), -EBADMSG);
	assert_int_equal(e.code, VPF_PARTS_ERR_LENGTH);
	assert_int_equal(e.part_offset, sample_off[5]);
	/* A reset keeps the object header. */
	vpf_parts_builder_reset(&b);
	assert_int_equal(vpf_parts_builder_len(&b), 8);
	assert_int_equal(vpf_parts_add_status(&b, 1), 0);
}

static void
test_get_selected(void **state)
{
	struct vpf_parts_builder b;
	struct vpf_parts_error e;
	uint8_t sel[8] = { 3 };

	(void)state;
	assert_int_equal(vpf_parts_builder_init_get(&b, buf, sizeof(buf), 9,
						    VPF_PARTS_GET_SELECTED), 0);
	assert_int_equal(vpf_parts_add_header(&b, VPF_PARTS_DEV_FEATURES, 0,
					      NULL, 0), 0);
	assert_int_equal(vpf_parts_add_header(&b, VPF_PARTS_VQ_CFG, 0, sel, 0),
			 0);
	assert_int_equal(vpf_parts_add_header(&b, VPF_PARTS_VQ_NOTIFY_CFG, 0,
					      sel, 0), 0);
	assert_int_equal(vpf_parts_builder_len(&b), 16 + 48);
	assert_memory_equal(buf, "\0\0\0\0\x09\0\0\0\0\0\0\0\0\0\0\0", 16);
	/* A selection: headers only, lengths not looked at. */
	assert_int_equal(vpf_parts_validate(vpf_parts_builder_parts(&b), 48,
		VPF_PARTS_F_HEADERS_ONLY | VPF_PARTS_F_NO_LENGTH, NULL), 3);
	assert_int_equal(vpf_parts_validate(vpf_parts_builder_parts(&b), 48,
		VPF_PARTS_F_HEADERS_ONLY, &e), -EBADMSG);
	assert_int_equal(e.code, VPF_PARTS_ERR_FEATURES_LENGTH);
	/* Order and duplicates still hold for a selection. */
	assert_int_equal(vpf_parts_add_header(&b, VPF_PARTS_VQ_CFG, 0, sel, 0),
			 0);
	assert_int_equal(vpf_parts_validate(vpf_parts_builder_parts(&b), 64,
		VPF_PARTS_F_HEADERS_ONLY | VPF_PARTS_F_NO_LENGTH, &e),
			 -EBADMSG);
	assert_int_equal(e.code, VPF_PARTS_ERR_ORDER);
}

static void
test_meta_list(void **state)
{
	struct vpf_parts_error e;
	size_t len, w;
	uint32_t count;
	uint64_t total;

	(void)state;
	len = sample_build(buf, sizeof(buf));
	assert_int_equal(vpf_parts_meta_list_build(out, 8 + 16 * 11, buf, len,
						   0, &w), -ENOSPC);
	assert_int_equal(w, 8 + 16 * SAMPLE_PARTS);
	assert_int_equal(vpf_parts_meta_list_build(out, sizeof(out), buf, len,
						   0, &w), 0);
	assert_int_equal(w, 8 + 16 * SAMPLE_PARTS);
	assert_int_equal(out[0], SAMPLE_PARTS);
	for (int i = 0; i < SAMPLE_PARTS; i++)
		assert_memory_equal(out + 8 + 16 * i, buf + sample_off[i], 16);
	assert_int_equal(vpf_parts_meta_list_check(out, w, 0, &count, &total,
						   &e), 0);
	assert_int_equal(count, SAMPLE_PARTS);
	assert_int_equal(total, SAMPLE_LEN);
	/* Longer than the count says: the rest is ignored. */
	assert_int_equal(vpf_parts_meta_list_check(out, w + 13, 0, &count,
						   NULL, NULL), 0);
	/* Shorter: the missing header is a truncation. */
	assert_int_equal(vpf_parts_meta_list_check(out, w - 3, 0, NULL, NULL,
						   &e), -EBADMSG);
	assert_int_equal(e.code, VPF_PARTS_ERR_TRUNC_HEADER);
	assert_int_equal(e.part_index, SAMPLE_PARTS - 1);
	assert_int_equal(e.offset, 16 * (SAMPLE_PARTS - 1));
	assert_int_equal(e.value, 13);
	out[0] = 0xff;
	out[1] = 0xff;
	out[2] = 0xff;
	out[3] = 0xff;
	assert_int_equal(vpf_parts_meta_list_check(out, w, 0, NULL, NULL, &e),
			 -EBADMSG);
	assert_int_equal(e.code, VPF_PARTS_ERR_TRUNC_HEADER);
	assert_int_equal(e.part_index, SAMPLE_PARTS);
	assert_int_equal(e.value, 0);
	assert_int_equal(vpf_parts_meta_list_check(out, 7, 0, NULL, NULL, &e),
			 -EBADMSG);
	/* The headers obey the set rules: a wrong length is caught. */
	out[0] = SAMPLE_PARTS;
	out[1] = out[2] = out[3] = 0;
	out[8 + 16 * 6 + 12] = 31;
	assert_int_equal(vpf_parts_meta_list_check(out, w, 0, NULL, NULL, &e),
			 -EBADMSG);
	assert_int_equal(e.code, VPF_PARTS_ERR_LENGTH);
	assert_int_equal(e.part_index, 6);
}

/* Parsed parts copied verbatim rebuild the same bytes, unknown and
 * reserved-bit parts included. */
static void
test_copy(void **state)
{
	struct vpf_parts_builder b;
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	size_t len;

	(void)state;
	len = sample_build(buf, sizeof(buf));
	len = put_part(buf, len, 0x0277, VPF_PARTS_HF_OPTIONAL | 0x40,
		       0x0102030405060708ull, 9);
	buf[len - 9 - 16 + 3] = 0x11;
	vpf_parts_builder_init(&b, out, sizeof(out));
	vpf_parts_iter_init(&it, buf, len, 0);
	while (vpf_parts_iter_next(&it, &p) == 1)
		assert_int_equal(vpf_parts_add_part(&b, &p), 0);
	assert_int_equal(vpf_parts_iter_next(&it, &p), 0);
	assert_int_equal(vpf_parts_builder_len(&b), len);
	assert_memory_equal(out, buf, len);
	p.value = NULL;
	assert_int_equal(vpf_parts_add_part(&b, &p), -EINVAL);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_bounds),
	cmocka_unit_test(test_wire),
	cmocka_unit_test(test_set_data),
	cmocka_unit_test(test_get_selected),
	cmocka_unit_test(test_meta_list),
	cmocka_unit_test(test_copy))
