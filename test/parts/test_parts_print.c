/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The printer's text (doc/parts.md): the sample set line by line, unknown,
 * extended and reserved-bit parts, the error line of a malformed set, the
 * buffer variant (same bytes as the FILE one; truncation; the length
 * needed), and a Linux record stream with its skipped records and the
 * CVE-2025-38314 warning.
 */

#include <stdio.h>

#include "parts_test_util.h"

#include "../vpf_test_main.h"

static uint8_t buf[2048];
static char text[16384];

static const char sample_text[] =
	"parts: bytes=320\n"
	"part 0 offset=0 type=DEV_FEATURES(0x0100) optional length=16 words=2 bits=0x0000000130010020,0x0000000000000001\n"
	"part 1 offset=32 type=DRV_FEATURES(0x0101) length=16 words=2 bits=0x0000000130000020,0x0000000000000001\n"
	"part 2 offset=64 type=PCI_COMMON_CFG(0x0102) length=4 field=device_feature_select at=0 value=0x00000001\n"
	"part 3 offset=84 type=PCI_COMMON_CFG(0x0102) length=2 field=config_msix_vector at=16 value=0xffff\n"
	"part 4 offset=102 type=PCI_COMMON_CFG(0x0102) length=2 field=num_queues at=18 value=0x0003\n"
	"part 5 offset=120 type=DEVICE_STATUS(0x0103) length=1 status=0x0f\n"
	"part 6 offset=137 type=VQ_CFG(0x0104) length=32 vq=0 queue_size=256 vector=1 enabled=1 desc=0x0000000000001000 driver=0x0000000000002000 device=0x0000000000003000\n"
	"part 7 offset=185 type=VQ_CFG(0x0104) length=32 vq=1 queue_size=256 vector=2 enabled=1 desc=0x0000000100002000 driver=0x0000000100003000 device=0x0000000100004000\n"
	"part 8 offset=233 type=VQ_NOTIFY_CFG(0x0105) length=8 vq=0 queue_notify_off=0 queue_notif_config_data=0\n"
	"part 9 offset=257 type=VQ_NOTIFY_CFG(0x0105) length=8 vq=1 queue_notify_off=1 queue_notif_config_data=7\n"
	"part 10 offset=281 type=NET_CVQ_CFG(0x0200) length=6 class=1 command=1 data=525400123456\n"
	"part 11 offset=303 type=NET_CVQ_CFG(0x0200) length=1 class=0 command=0 data=01\n"
	"end: 12 parts, well formed\n";

/* vpf_parts_print() into a memory stream; returns its rc. */
static int
print_file(const void *p, size_t len, uint32_t flags)
{
	FILE *f = fmemopen(text, sizeof(text), "w");
	int rc;

	assert_non_null(f);
	memset(text, 0, sizeof(text));
	rc = vpf_parts_print(f, p, len, flags, NULL);
	fclose(f);
	return rc;
}

static void
test_sample(void **state)
{
	static char b2[16384];
	size_t len, need;

	(void)state;
	len = sample_build(buf, sizeof(buf));
	assert_int_equal(print_file(buf, len, 0), 0);
	assert_string_equal(text, sample_text);
	/* The buffer variant gives the same bytes. */
	assert_int_equal(vpf_parts_print_buf(b2, sizeof(b2), &need, buf, len,
					     0, NULL), 0);
	assert_string_equal(b2, sample_text);
	assert_int_equal(need, strlen(sample_text));
	/* Truncated to the buffer, NUL-terminated, full length told. */
	memset(b2, 'x', 64);
	assert_int_equal(vpf_parts_print_buf(b2, 20, &need, buf, len, 0, NULL),
			 0);
	assert_int_equal(strlen(b2), 19);
	assert_memory_equal(b2, sample_text, 19);
	assert_int_equal(need, strlen(sample_text));
	assert_int_equal(vpf_parts_print_buf(NULL, 0, &need, buf, len, 0,
					     NULL), 0);
	assert_int_equal(need, strlen(sample_text));
	assert_int_equal(vpf_parts_print(NULL, buf, len, 0, NULL), -EINVAL);
}

static void
test_odd_parts(void **state)
{
	struct vpf_parts_error e;
	size_t o;

	(void)state;
	o = put_part(buf, 0, VPF_PARTS_PCI_COMMON_CFG, 1, 100, 2);
	o = put_part(buf, o, VPF_PARTS_VQ_CFG, 0, 2, 34);
	buf[o - 2] = 0xab;
	buf[o - 1] = 0xcd;
	o = put_part(buf, o, 0x0277, VPF_PARTS_HF_OPTIONAL | 0x80,
		     0x0102030405060708ull, 3);
	memset(buf + o, 0, 5);
	assert_int_equal(print_file(buf, o + 5, VPF_PARTS_F_ALLOW_EXTENDED |
				    VPF_PARTS_F_ALLOW_PAD), 0);
	assert_string_equal(text,
		"parts: bytes=92\n"
		"part 0 offset=0 type=PCI_COMMON_CFG(0x0102) optional length=2 at=100 value=0000 unknown\n"
		"part 1 offset=18 type=VQ_CFG(0x0104) length=34 vq=2 queue_size=0 vector=0 enabled=0 desc=0x0000000000000000 driver=0x0000000000000000 device=0x0000000000000000 extended=2 ext=abcd\n"
		"part 2 offset=68 type=UNKNOWN(0x0277) optional length=3 selector=0807060504030201 value=000000 unknown reserved-set=77028100080706050403020103000000\n"
		"end: 3 parts, well formed (5 padding bytes)\n");
	/* A malformed set: the parts before it, then the error line. */
	o = put_part(buf, 0, VPF_PARTS_DEVICE_STATUS, 0, 0, 1);
	o = put_part(buf, o, VPF_PARTS_DEV_FEATURES, 1, 0, 8);
	assert_int_equal(print_file(buf, o, 0), -EBADMSG);
	assert_string_equal(text,
		"parts: bytes=41\n"
		"part 0 offset=0 type=DEVICE_STATUS(0x0103) length=1 status=0x00\n"
		"error: ORDER at offset 17: part 1 (DEV_FEATURES, 0x0100) at offset 17: out of order: DEV_FEATURES may not follow DEVICE_STATUS\n");
	assert_int_equal(vpf_parts_print_buf(text, sizeof(text), NULL, buf, o,
					     0, &e), -EBADMSG);
	assert_int_equal(e.code, VPF_PARTS_ERR_ORDER);
	/* Long values are abbreviated unless VPF_PARTS_PRINT_FULL. */
	o = put_part(buf, 0, VPF_PARTS_NET_CVQ_CFG, 0, 0x0504, 100);
	assert_int_equal(print_file(buf, o, 0), 0);
	assert_non_null(strstr(text, "...(+36 bytes)\n"));
	assert_int_equal(print_file(buf, o, VPF_PARTS_PRINT_FULL), 0);
	assert_null(strstr(text, "...("));
}

static void
test_linux(void **state)
{
	static uint8_t s[4096];
	static const char want[] =
		"linux stream: bytes=234\n"
		"record 0 offset=0 size=17 flags=0x0 tag=DEVICE_DATA(0) parts=1\n"
		"  part 0 offset=0 type=DEVICE_STATUS(0x0103) length=1 status=0x0f\n"
		"  end: 1 parts, well formed\n"
		"record 1: unknown optional tag, skipped\n"
		"record 2 offset=49 size=25 flags=0x0 tag=DEVICE_DATA(0) parts=1\n"
		"  part 0 offset=0 type=DEVICE_STATUS(0x0103) length=1 status=0x0f\n"
		"  end: 1 parts, well formed\n"
		"  warning: its parts end 8 bytes before the record's end: those 8 bytes were dropped (Linux 6.13.0 to 6.15.2 counted the status part into each record, CVE-2025-38314)\n"
		"records 3-4: unknown optional tags, skipped\n"
		"end: 2 records, 3 skipped, 1 warnings\n";
	size_t o, p;
	FILE *f;

	(void)state;
	p = put_part(buf, 0, VPF_PARTS_DEVICE_STATUS, 0, 0, 1);
	buf[p - 1] = 0x0f;
	o = (size_t)vpf_parts_linux_put(s, sizeof(s), buf, p);
	vpf_parts_linux_hdr_write(s + o, 0, VPF_PARTS_LINUX_F_TAG_OPTIONAL, 3);
	o += 16;
	vpf_parts_linux_hdr_write(s + o, p + 8, 0, 0);
	memcpy(s + o + 16, buf, p);
	memset(s + o + 16 + p, 0, 8);
	o += 16 + p + 8;
	for (int i = 0; i < 2; i++) {
		vpf_parts_linux_hdr_write(s + o, 56,
					  VPF_PARTS_LINUX_F_TAG_OPTIONAL, 1);
		memset(s + o + 16, 0x33, 56);
		o += 72;
	}
	f = fmemopen(text, sizeof(text), "w");
	assert_non_null(f);
	assert_int_equal(vpf_parts_linux_print(f, s, o, 0), 2);
	fclose(f);
	assert_string_equal(text, want);
	/* Cut: the records before, then the error line. */
	f = fmemopen(text, sizeof(text), "w");
	assert_int_equal(vpf_parts_linux_print(f, s, 40, 0), -ENODATA);
	fclose(f);
	assert_non_null(strstr(text,
		"error: TRUNCATED at offset 40: the stream ends at offset 40 inside record 1 (7 of 16 bytes present)\n"));
	assert_non_null(strstr(vpf_last_error(), "inside record 1"));
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_sample),
	cmocka_unit_test(test_odd_parts),
	cmocka_unit_test(test_linux))
