/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Printer: build -> print -> exactly the expected text (the format `ctx
 * dump` relies on), deterministic abbreviation, malformed contexts, the
 * buffer and FILE variants giving identical bytes.
 */

#include <stdio.h>

#include "ctx_test_util.h"

static uint8_t buf[8192];
static char text[16384];

static const char sample_text[] =
	"context: field_count=9 bytes=324\n"
	"field 0 offset=4 type=PCI_COMMON_CFG(0x0000) length=64"
	" device_feature_select=1 device_feature=0x00000031"
	" driver_feature_select=1 driver_feature=0x00000001"
	" config_msix_vector=65535 num_queues=2 device_status=0x0f"
	" config_generation=3 queue_select=1 queue_size=256"
	" queue_msix_vector=2 queue_enable=1 queue_notify_off=1"
	" queue_desc=0x0000000100002000 queue_driver=0x0000000100003000"
	" queue_device=0x0000000100004000 queue_notif_config_data=0"
	" queue_reset=0 admin_queue_index=0 admin_queue_num=0\n"
	"field 1 offset=84 type=DEV_FEATURES(0x0001) length=16 words=2"
	" feature_bits=0x0000000000010020,0x0000000000000201\n"
	"field 2 offset=116 type=PCI_VQ_CFG(0x0002) length=30 vq_index=0"
	" queue_size=256 queue_msix_vector=1 queue_desc=0x0000000000001000"
	" queue_driver=0x0000000000002000 queue_device=0x0000000000003000\n"
	"field 3 offset=162 type=VQ_SPLIT_RUNTIME_CFG(0x0003) length=5"
	" vq_index=0 dev_avail_idx=17 enabled=1\n"
	"field 4 offset=183 type=VQ_SPLIT_DEV_OWN_DESC(0x0004) length=10"
	" vq_index=0 desc_count=3 desc_idx=5,6,200\n"
	"field 5 offset=209 type=PCI_VQ_CFG(0x0002) length=30 vq_index=1"
	" queue_size=256 queue_msix_vector=2 queue_desc=0x0000000100002000"
	" queue_driver=0x0000000100003000 queue_device=0x0000000100004000\n"
	"field 6 offset=255 type=VQ_SPLIT_RUNTIME_CFG(0x0003) length=5"
	" vq_index=1 dev_avail_idx=65535 enabled=1\n"
	"field 7 offset=276 type=VQ_SPLIT_DEV_OWN_DESC(0x0004) length=4"
	" vq_index=1 desc_count=0 desc_idx=-\n"
	"field 8 offset=296 type=DEV_CFG(0x1000) length=12"
	" value=52540012345601000100dc05\n"
	"end: well formed\n";

/* The line at *@p cur, cut at its newline; *@p cur moves past it. */
static char *
take_line(char **cur)
{
	char *line = *cur, *nl = strchr(line, '\n');

	assert_non_null(nl);
	*nl = '\0';
	*cur = nl + 1;
	return line;
}

static void
test_print_sample(void **state)
{
	size_t len = sample_ctx(buf, sizeof(buf)), need;

	(void)state;
	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), &need, buf, len,
					   0, NULL), 0);
	assert_string_equal(text, sample_text);
	assert_int_equal(need, strlen(sample_text));
	/* Stable: the same again. */
	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), NULL, buf, len,
					   0, NULL), 0);
	assert_string_equal(text, sample_text);
}

static void
test_print_file_equals_buf(void **state)
{
	size_t len = sample_ctx(buf, sizeof(buf)), flen = 0;
	char *mem = NULL;
	FILE *f;

	(void)state;
	f = open_memstream(&mem, &flen);
	assert_non_null(f);
	assert_int_equal(vpf_ctx_print(f, buf, len, 0, NULL), 0);
	assert_int_equal(vpf_ctx_print(f, buf, len - 1, 0, NULL), -EBADMSG);
	fclose(f);
	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), NULL, buf, len,
					   0, NULL), 0);
	assert_int_equal(strncmp(mem, text, strlen(text)), 0);
	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), NULL, buf,
					   len - 1, 0, NULL), -EBADMSG);
	assert_string_equal(mem + strlen(sample_text), text);
	free(mem);
	assert_int_equal(vpf_ctx_print(NULL, buf, len, 0, NULL), -EINVAL);
}

static void
test_print_truncated_buffer(void **state)
{
	size_t len = sample_ctx(buf, sizeof(buf)), need, n;
	char small[41];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(vpf_ctx_print_buf(small, sizeof(small), &need, buf,
					   len, 0, NULL), 0);
	assert_int_equal(need, strlen(sample_text));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, sample_text, sizeof(small) - 1);
	/* Every size gives a NUL-terminated prefix. */
	for (n = 1; n < 200; n++) {
		assert_int_equal(vpf_ctx_print_buf(text, n, NULL, buf, len, 0,
						   NULL), 0);
		assert_int_equal(strlen(text), n - 1);
		assert_memory_equal(text, sample_text, n - 1);
	}
	/* Size 0: only the length. */
	assert_int_equal(vpf_ctx_print_buf(NULL, 0, &need, buf, len, 0, NULL),
			 0);
	assert_int_equal(need, strlen(sample_text));
}

static void
test_print_malformed(void **state)
{
	struct vpf_ctx_error e;

	(void)state;
	memset(buf, 0, 64);
	put_u32(buf, 0, 2);
	put_tlv(buf, 4, VPF_CTX_DEV_FEATURES, 8);
	put_u64(buf, 20, 0x0000000300000000ull);
	put_tlv(buf, 28, VPF_CTX_DEV_FEATURES, 12);
	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), NULL, buf, 56, 0,
					   &e), -EBADMSG);
	assert_int_equal(e.code, VPF_CTX_ERR_FEATURES_LENGTH);
	assert_string_equal(text,
		"context: field_count=2 bytes=56\n"
		"field 0 offset=4 type=DEV_FEATURES(0x0001) length=8 words=1"
		" feature_bits=0x0000000300000000\n"
		"error: FEATURES_LENGTH at offset 36: field 1 (DEV_FEATURES,"
		" 0x0001) at offset 28: length 12 is not a non-zero multiple"
		" of 8 (length at offset 36)\n");
	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), NULL, buf, 3, 0,
					   &e), -EBADMSG);
	assert_string_equal(text,
		"context: bytes=3\n"
		"error: TRUNC_HEADER at offset 3: context header truncated:"
		" 3 of 4 bytes present\n");
	memset(buf, 0, 8);
	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), NULL, buf, 8,
					   VPF_CTX_F_ALLOW_PAD, &e), 0);
	assert_string_equal(text, "context: field_count=0 bytes=8\n"
			    "end: well formed\n");
}

static void
test_print_abbrev(void **state)
{
	struct vpf_ctx_builder b;
	uint16_t idx[100];
	uint64_t words[9];
	uint8_t blob[70];
	uint8_t ext[30 + 70];
	char *line, *cur;
	unsigned int i;

	(void)state;
	for (i = 0; i < 100; i++)
		idx[i] = (uint16_t)(1000 + i);
	for (i = 0; i < 9; i++)
		words[i] = i;
	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)i;
	memset(ext, 0, sizeof(ext));
	memcpy(ext + 30, blob, sizeof(blob));
	assert_int_equal(vpf_ctx_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 4, idx, 100), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 5, idx, 20), 0);
	assert_int_equal(vpf_ctx_add_own_desc(&b, 6, idx, 21), 0);
	assert_int_equal(vpf_ctx_add_features(&b, words, 9), 0);
	assert_int_equal(vpf_ctx_add_raw(&b, 0x2345, blob, sizeof(blob)), 0);
	assert_int_equal(vpf_ctx_add_raw(&b, VPF_CTX_PCI_VQ_CFG, ext,
					 sizeof(ext)), 0);
	assert_int_equal(vpf_ctx_add_raw(&b, 0x0abc, NULL, 0), 0);
	buf[vpf_ctx_builder_len(&b) - 16 + 2] = 0x7e;	/* reserved[0] */

	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), NULL, buf,
					   vpf_ctx_builder_len(&b), 0, NULL), 0);
	cur = strchr(text, '\n') + 1;
	line = take_line(&cur);
	assert_string_equal(line,
		"field 0 offset=4 type=VQ_SPLIT_DEV_OWN_DESC(0x0004) length=204"
		" vq_index=4 desc_count=100 desc_idx=1000,1001,1002,1003,1004,"
		"1005,1006,1007,1008,1009,1010,1011,1012,1013,1014,1015,"
		"...(+80),1096,1097,1098,1099");
	line = take_line(&cur);
	/* 20 = 16 + 4 is printed whole; 21 is abbreviated. */
	assert_non_null(strstr(line, "desc_count=20 desc_idx=1000,1001,"));
	assert_non_null(strstr(line, ",1018,1019"));
	assert_null(strstr(line, "..."));
	line = take_line(&cur);
	assert_non_null(strstr(line, "1015,...(+1),1017,1018,1019,1020"));
	line = take_line(&cur);
	assert_non_null(strstr(line, " words=9 feature_bits=0x0000000000000000,"));
	assert_non_null(strstr(line, ",0x0000000000000007,...(+1 words)"));
	line = take_line(&cur);
	assert_string_equal(line,
		"field 4 offset=434 type=RESERVED(0x2345) length=70 value="
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		"...(+6 bytes) reserved-type");
	line = take_line(&cur);
	assert_non_null(strstr(line, "type=PCI_VQ_CFG(0x0002) length=100"
			       " vq_index=0 "));
	assert_non_null(strstr(line, " extended=70 ext=000102"));
	assert_non_null(strstr(line, "3e3f...(+6 bytes)"));
	line = take_line(&cur);
	assert_string_equal(line,
		"field 6 offset=636 type=UNKNOWN_GENERIC(0x0abc) length=0"
		" value=- unknown rsvd=7e0000000000");
	assert_string_equal(cur, "end: well formed\n");

	/* FULL prints everything. */
	assert_int_equal(vpf_ctx_print_buf(text, sizeof(text), NULL, buf,
					   vpf_ctx_builder_len(&b),
					   VPF_CTX_PRINT_FULL, NULL), 0);
	assert_null(strstr(text, "...("));
	assert_non_null(strstr(text, "1015,1016,1017,"));
	assert_non_null(strstr(text, "3e3f404142434445 reserved-type"));
	assert_non_null(strstr(text, ",0x0000000000000008\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_sample),
		cmocka_unit_test(test_print_file_equals_buf),
		cmocka_unit_test(test_print_truncated_buffer),
		cmocka_unit_test(test_print_malformed),
		cmocka_unit_test(test_print_abbrev),
	};

	return cmocka_run_group_tests_name("ctx_print", tests, NULL, NULL);
}
