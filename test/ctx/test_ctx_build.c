/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Builder and typed decoders: build -> parse -> identical fields, exact wire
 * bytes, fixed-capacity -ENOSPC without damage, the growing variant.
 */

#include "ctx_test_util.h"

static void
test_empty_context(void **state)
{
	uint8_t buf[4] = { 0xff, 0xff, 0xff, 0xff };
	struct vpf_ctx_builder b;
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_ctx_builder_len(&b), 4);
	assert_int_equal(vpf_ctx_builder_count(&b), 0);
	assert_memory_equal(buf, "\0\0\0\0", 4);
	/* field_count 0 and nothing after it is well formed (D-5.7). */
	assert_int_equal(vpf_ctx_validate(buf, 4, 0, NULL), 0);
	assert_int_equal(vpf_ctx_iter_init(&it, buf, 4, 0), 0);
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 0);
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 0);
	assert_int_equal(vpf_ctx_iter_field_count(&it), 0);
	assert_int_equal(vpf_ctx_add_raw(&b, 5, NULL, 0), -ENOSPC);
	assert_memory_equal(buf, "\0\0\0\0", 4);
}

static void
test_wire_bytes(void **state)
{
	static const uint8_t want[] = {
		/* field_count 2 */
		0x02, 0x00, 0x00, 0x00,
		/* VQ_SPLIT_RUNTIME_CFG, length 5 */
		0x03, 0x00, 0, 0, 0, 0, 0, 0,
		0x05, 0, 0, 0, 0, 0, 0, 0,
		0x07, 0x00, 0x34, 0x12, 0x01,
		/* VQ_SPLIT_DEV_OWN_DESC vq 7, 2 indices 0x0102, 0xfffe */
		0x04, 0x00, 0, 0, 0, 0, 0, 0,
		0x08, 0, 0, 0, 0, 0, 0, 0,
		0x07, 0x00, 0x02, 0x00, 0x02, 0x01, 0xfe, 0xff,
	};
	const struct vpf_ctx_vq_runtime rt = {
		.vq_index = 7, .dev_avail_idx = 0x1234, .enabled = 1,
	};
	const uint16_t idx[2] = { 0x0102, 0xfffe };
	uint8_t buf[64];
	struct vpf_ctx_builder b;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_ctx_add_vq_runtime(&b, &rt), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 7, idx, 2), 0);
	assert_int_equal(vpf_ctx_builder_len(&b), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void
test_roundtrip(void **state)
{
	uint8_t buf[512];
	struct vpf_ctx_builder b;
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	struct vpf_ctx_common_cfg c;
	struct vpf_ctx_features ft;
	struct vpf_ctx_vq_cfg q;
	struct vpf_ctx_vq_runtime rt;
	struct vpf_ctx_own_desc od;
	const uint8_t *cfg;
	uint64_t cfglen;
	uint32_t i;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	build_sample(&b);
	assert_int_equal(vpf_ctx_builder_len(&b), SAMPLE_LEN);
	assert_int_equal(vpf_ctx_builder_count(&b), SAMPLE_FIELDS);
	assert_ptr_equal(vpf_ctx_builder_data(&b), buf);

	assert_int_equal(vpf_ctx_iter_init(&it, buf, SAMPLE_LEN, 0), 0);
	for (i = 0; i < SAMPLE_FIELDS; i++) {
		assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
		assert_int_equal(f.index, i);
		assert_int_equal(f.offset, sample_off[i]);
		assert_int_equal(f.length, sample_off[i + 1] - sample_off[i] - 16);
		assert_ptr_equal(f.tlv, buf + sample_off[i]);
		assert_ptr_equal(f.value, buf + sample_off[i] + 16);
		assert_int_equal(f.flags, 0);
		assert_int_equal(vpf_ctx_field_ext_len(&f), 0);
	}
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 0);
	assert_int_equal(vpf_ctx_iter_field_count(&it), SAMPLE_FIELDS);
	assert_int_equal(vpf_ctx_iter_error(&it)->code, VPF_CTX_OK);

	/* Decode every field back to what was built. */
	assert_int_equal(vpf_ctx_iter_init(&it, buf, SAMPLE_LEN, 0), 0);
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
	assert_int_equal(f.type, VPF_CTX_PCI_COMMON_CFG);
	/* struct vpf_ctx_common_cfg has no padding: compare it whole. */
	_Static_assert(sizeof(c) == 64, "no padding");
	assert_int_equal(vpf_ctx_decode_common_cfg(&f, &c), 0);
	assert_memory_equal(&c, &sample_common, sizeof(c));

	assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
	assert_int_equal(vpf_ctx_decode_features(&f, &ft), 0);
	assert_int_equal(ft.nwords, 2);
	assert_int_equal(vpf_ctx_features_word(&ft, 0), sample_features[0]);
	assert_int_equal(vpf_ctx_features_word(&ft, 1), sample_features[1]);
	assert_int_equal(vpf_ctx_features_word(&ft, 2), 0);
	assert_true(vpf_ctx_features_test(&ft, 5));
	assert_true(vpf_ctx_features_test(&ft, 16));
	assert_false(vpf_ctx_features_test(&ft, 17));
	assert_true(vpf_ctx_features_test(&ft, 64));
	assert_true(vpf_ctx_features_test(&ft, 73));
	assert_false(vpf_ctx_features_test(&ft, 128));

	for (i = 0; i < 2; i++) {
		assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
		memset(&q, 0x7f, sizeof(q));
		assert_int_equal(vpf_ctx_decode_vq_cfg(&f, &q), 0);
		assert_int_equal(q.vq_index, sample_vq[i].vq_index);
		assert_int_equal(q.queue_size, sample_vq[i].queue_size);
		assert_int_equal(q.queue_msix_vector,
				 sample_vq[i].queue_msix_vector);
		assert_int_equal(q.queue_desc, sample_vq[i].queue_desc);
		assert_int_equal(q.queue_driver, sample_vq[i].queue_driver);
		assert_int_equal(q.queue_device, sample_vq[i].queue_device);
		assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
		memset(&rt, 0x7f, sizeof(rt));
		assert_int_equal(vpf_ctx_decode_vq_runtime(&f, &rt), 0);
		assert_int_equal(rt.vq_index, sample_rt[i].vq_index);
		assert_int_equal(rt.dev_avail_idx, sample_rt[i].dev_avail_idx);
		assert_int_equal(rt.enabled, sample_rt[i].enabled);
		assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
		assert_int_equal(vpf_ctx_decode_own_desc(&f, &od), 0);
		assert_int_equal(od.vq_index, i);
		assert_int_equal(od.desc_count, i == 0 ? 3 : 0);
		if (i == 0) {
			assert_int_equal(vpf_ctx_own_desc_idx(&od, 0), 5);
			assert_int_equal(vpf_ctx_own_desc_idx(&od, 1), 6);
			assert_int_equal(vpf_ctx_own_desc_idx(&od, 2), 200);
		}
		assert_int_equal(vpf_ctx_own_desc_idx(&od, 3), 0);
	}
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 1);
	assert_int_equal(vpf_ctx_decode_dev_cfg(&f, &cfg, &cfglen), 0);
	assert_int_equal(cfglen, sizeof(sample_netcfg));
	assert_memory_equal(cfg, sample_netcfg, sizeof(sample_netcfg));
	assert_int_equal(vpf_ctx_iter_next(&it, &f), 0);
}

static void
test_decoder_misuse(void **state)
{
	uint8_t v[64] = { 0 };
	struct vpf_ctx_field f = {
		.type = VPF_CTX_PCI_VQ_CFG, .length = 30, .value = v, .tlv = NULL,
	};
	struct vpf_ctx_vq_runtime rt;
	struct vpf_ctx_vq_cfg q;
	struct vpf_ctx_own_desc od;
	struct vpf_ctx_features ft;
	struct vpf_ctx_common_cfg c;

	(void)state;
	/* Wrong type. */
	assert_int_equal(vpf_ctx_decode_vq_runtime(&f, &rt), -EINVAL);
	assert_int_equal(vpf_ctx_decode_vq_cfg(NULL, &q), -EINVAL);
	assert_int_equal(vpf_ctx_decode_vq_cfg(&f, NULL), -EINVAL);
	/* Views not from the validator: too short, no value. */
	f.length = 29;
	assert_int_equal(vpf_ctx_decode_vq_cfg(&f, &q), -EBADMSG);
	f.type = VPF_CTX_PCI_COMMON_CFG;
	f.length = 63;
	assert_int_equal(vpf_ctx_decode_common_cfg(&f, &c), -EBADMSG);
	f.type = VPF_CTX_DEV_FEATURES;
	f.length = 12;
	assert_int_equal(vpf_ctx_decode_features(&f, &ft), -EBADMSG);
	f.type = VPF_CTX_VQ_SPLIT_DEV_OWN_DESC;
	f.length = 6;
	v[2] = 2;	/* desc_count 2 needs length 8 */
	assert_int_equal(vpf_ctx_decode_own_desc(&f, &od), -EBADMSG);
	assert_non_null(strstr(vpf_last_error(), "desc_count 2"));
	f.value = NULL;
	assert_int_equal(vpf_ctx_decode_own_desc(&f, &od), -EBADMSG);
}

static void
test_fixed_enospc(void **state)
{
	uint8_t buf[128], copy[128];
	const uint16_t idx[8] = { 0 };
	struct vpf_ctx_builder b, bcopy;
	void *v;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init(&b, buf, 3), -ENOSPC);
	assert_int_equal(vpf_ctx_builder_init(&b, NULL, 64), -EINVAL);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	/* 4 + 46 + 46 = 96 bytes used, 32 left. */
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, &sample_vq[0]), 0);
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, &sample_vq[1]), 0);
	memcpy(copy, buf, sizeof(buf));
	bcopy = b;
	/* Each of these needs more than 32 bytes: nothing may change. */
	assert_int_equal(vpf_ctx_add_common_cfg(&b, &sample_common), -ENOSPC);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 3, idx, 8), -ENOSPC);
	assert_int_equal(vpf_ctx_add_raw(&b, 0x2000, buf, 17), -ENOSPC);
	assert_int_equal(vpf_ctx_add_reserve(&b, 0x2000, 17, &v), -ENOSPC);
	assert_int_equal(vpf_ctx_add_raw(&b, 0x2000, buf, UINT64_MAX), -ENOSPC);
	assert_int_equal(vpf_ctx_add_raw(&b, 0x2000, buf, UINT64_MAX - 15),
			 -ENOSPC);
	assert_non_null(strstr(vpf_last_error(), "cannot be addressed"));
	assert_memory_equal(buf, copy, sizeof(buf));
	assert_memory_equal(&b, &bcopy, sizeof(b));
	assert_int_equal(vpf_ctx_validate(buf, vpf_ctx_builder_len(&b), 0, NULL),
			 0);
	/* Exactly full works: 16 + 16 = 32. */
	assert_int_equal(vpf_ctx_add_reserve(&b, 0x0fff, 16, &v), 0);
	assert_ptr_equal(v, buf + 96 + 16);
	assert_memory_equal(v, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(vpf_ctx_builder_len(&b), 128);
	assert_int_equal(vpf_ctx_add_raw(&b, 0x0fff, NULL, 0), -ENOSPC);
	assert_int_equal(vpf_ctx_validate(buf, 128, 0, NULL), 0);
	/* Reset keeps the buffer. */
	vpf_ctx_builder_reset(&b);
	assert_int_equal(vpf_ctx_builder_len(&b), 4);
	assert_int_equal(vpf_ctx_validate(buf, 4, 0, NULL), 0);
	/* A fixed builder cannot be detached; fini leaves the buffer alone. */
	assert_null(vpf_ctx_builder_detach(&b, NULL));
	assert_int_equal(errno, EINVAL);
	vpf_ctx_builder_fini(&b);
	assert_int_equal(vpf_ctx_add_raw(&b, 1, NULL, 0), -EINVAL);
}

static void
test_bad_args(void **state)
{
	uint8_t buf[64];
	struct vpf_ctx_builder b;
	uint64_t w = 1;

	(void)state;
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_ctx_add_features(&b, &w, 0), -EINVAL);
	assert_int_equal(vpf_ctx_add_features(&b, NULL, 1), -EINVAL);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 0, NULL, 1), -EINVAL);
	assert_int_equal(vpf_ctx_add_raw(&b, 0, NULL, 1), -EINVAL);
	assert_int_equal(vpf_ctx_add_common_cfg(&b, NULL), -EINVAL);
	assert_int_equal(vpf_ctx_add_vq_cfg(&b, NULL), -EINVAL);
	assert_int_equal(vpf_ctx_add_vq_runtime(&b, NULL), -EINVAL);
	assert_int_equal(vpf_ctx_add_field(&b, NULL), -EINVAL);
	assert_int_equal(vpf_ctx_builder_count(&b), 0);
	assert_int_equal(vpf_ctx_builder_init_grow(NULL, 0), -EINVAL);
	assert_int_equal(vpf_ctx_iter_init(NULL, buf, 4, 0), -EINVAL);
	assert_int_equal(vpf_ctx_validate(NULL, 4, 0, NULL), -EINVAL);
	assert_int_equal(vpf_ctx_stream_init(NULL, 0, NULL, NULL), -EINVAL);
}

static void
test_grow(void **state)
{
	struct vpf_ctx_builder b;
	struct vpf_ctx_iter *it;
	struct vpf_ctx_field f;
	uint16_t idx[300];
	uint8_t *out;
	size_t len, want;
	uint32_t i, n = 0;
	int rc;

	(void)state;
	for (i = 0; i < 300; i++)
		idx[i] = (uint16_t)(i * 7);
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	want = 4;
	/* 2000 queues: well past several doublings (> 1 MiB). */
	for (i = 0; i < 2000; i++) {
		struct vpf_ctx_vq_runtime rt = {
			.vq_index = (uint16_t)i, .dev_avail_idx = (uint16_t)i,
		};

		assert_int_equal(vpf_ctx_add_vq_runtime(&b, &rt), 0);
		assert_int_equal(vpf_ctx_add_own_desc(&b, (uint16_t)i, idx,
						      (uint16_t)(i % 300)), 0);
		want += 21 + 16 + 4 + 2 * (i % 300);
	}
	assert_int_equal(vpf_ctx_builder_len(&b), want);
	assert_int_equal(vpf_ctx_builder_count(&b), 4000);
	out = vpf_ctx_builder_detach(&b, &len);
	assert_non_null(out);
	assert_int_equal(len, want);
	assert_null(vpf_ctx_builder_data(&b));
	vpf_ctx_builder_fini(&b);	/* no double free */

	it = malloc(sizeof(*it));
	assert_non_null(it);
	assert_int_equal(vpf_ctx_iter_init(it, out, len, 0), 0);
	while ((rc = vpf_ctx_iter_next(it, &f)) > 0) {
		if (f.type == VPF_CTX_VQ_SPLIT_DEV_OWN_DESC) {
			struct vpf_ctx_own_desc od;

			assert_int_equal(vpf_ctx_decode_own_desc(&f, &od), 0);
			assert_int_equal(od.desc_count, (n / 2) % 300);
			if (od.desc_count > 0)
				assert_int_equal(vpf_ctx_own_desc_idx(&od,
						 od.desc_count - 1U),
						 (od.desc_count - 1U) * 7);
		}
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 4000);
	free(it);
	free(out);
}

static void
test_add_field_verbatim(void **state)
{
	uint8_t src[96], dst[96];
	struct vpf_ctx_builder b;
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	size_t o;
	int rc;

	(void)state;
	/* Hand-made: a reserved type with reserved bytes set, an unknown
	 * device-type field, an unknown generic one. */
	memset(src, 0, sizeof(src));
	o = put_u32(src, 0, 3);
	o = put_tlv(src, o, 0xbeef, 3);
	memcpy(src + 6, "\x01\x02\x03\x04\x05\x06", 6);
	memcpy(src + o, "abc", 3);
	o += 3;
	o = put_tlv(src, o, 0x1fff, 0);
	o = put_tlv(src, o, 0x0005, 9);
	memcpy(src + o, "123456789", 9);
	o += 9;

	assert_int_equal(vpf_ctx_builder_init(&b, dst, sizeof(dst)), 0);
	assert_int_equal(vpf_ctx_iter_init(&it, src, o, 0), 0);
	while ((rc = vpf_ctx_iter_next(&it, &f)) > 0)
		assert_int_equal(vpf_ctx_add_field(&b, &f), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(vpf_ctx_builder_len(&b), o);
	assert_memory_equal(dst, src, o);
	f.tlv = NULL;
	assert_int_equal(vpf_ctx_add_field(&b, &f), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_context),
		cmocka_unit_test(test_wire_bytes),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_decoder_misuse),
		cmocka_unit_test(test_fixed_enospc),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_add_field_verbatim),
	};

	return cmocka_run_group_tests_name("ctx_build", tests, NULL, NULL);
}
