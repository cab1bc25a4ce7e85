/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Linux virtio-vfio-pci stream records (doc/protocol.md §10.6): writer and
 * streaming decoder. Records built by hand from the format: DEVICE_DATA
 * records decode to their parts; the CVE-2025-38314 tail (exactly 8 bytes
 * after the parts) is dropped with a warning while 7 or 9 are refused;
 * unknown optional tags are skipped and required ones refused; sizes over
 * 4 GiB - 1 and over the caller's maximum are refused before any payload;
 * a cut stream is truncated; every chunking (byte by byte included) gives
 * the records and the error of the whole-buffer decoding; the format is
 * detected from the first 16 bytes.
 */

#include <stdio.h>

#include "parts_test_util.h"

#include "vpf_mig.h"

#include "../vpf_test_main.h"

#define MAX_RECS	16
#define MAX_PARTS	72000

static uint8_t stream[8192];
static uint8_t set[1024];

/* What a decoding gave: each record's fields and parts bytes, the verdict
 * and the error. */
struct result {
	int rc;
	uint32_t n;
	struct vpf_parts_linux_rec rec[MAX_RECS];
	uint8_t parts[MAX_RECS][MAX_PARTS];
	struct vpf_parts_linux_error err;
	uint32_t warnings, skipped;
};

static struct result whole, chunked;

/* Append a record header and @len payload bytes from @payload. */
static size_t
put_rec(uint8_t *s, size_t off, uint64_t size, uint32_t flags, uint32_t tag,
	const void *payload, size_t len)
{
	assert_int_equal(vpf_parts_linux_hdr_write(s + off, size, flags, tag),
			 size > VPF_PARTS_LINUX_MAX_RECORD ? -EFBIG : 0);
	if (size > VPF_PARTS_LINUX_MAX_RECORD) {
		/* Write it anyway: the decoder must refuse it. */
		for (int i = 0; i < 8; i++)
			s[off + i] = (uint8_t)(size >> (8 * i));
		memset(s + off + 8, 0, 4);
		for (int i = 0; i < 4; i++)
			s[off + 12 + i] = (uint8_t)(tag >> (8 * i));
		s[off + 8] = (uint8_t)flags;
	}
	if (len > 0)
		memcpy(s + off + 16, payload, len);
	return off + 16 + len;
}

/* Decode @len bytes fed in chunks of @chunk (0: all at once), with a
 * decoder buffer of its own limited to @max. */
static void
decode(struct result *r, const uint8_t *s, size_t len, size_t chunk,
       size_t max, uint32_t pflags)
{
	static struct vpf_parts_linux_dec d;
	struct vpf_parts_linux_rec rec;
	size_t off = 0, used, end;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	assert_int_equal(vpf_parts_linux_dec_init(&d, NULL, max, pflags), 0);
	while (off < len && rc >= 0) {
		end = chunk == 0 || len - off < chunk ? len : off + chunk;
		while (off < end) {
			rc = vpf_parts_linux_dec_feed(&d, s + off, end - off,
						      &used, &rec);
			assert_true(used <= end - off);
			off += used;
			if (rc < 0)
				break;
			if (rc == 1) {
				assert_true(r->n < MAX_RECS);
				assert_true(rec.parts_len <= MAX_PARTS);
				r->rec[r->n] = rec;
				memcpy(r->parts[r->n], rec.parts,
				       rec.parts_len);
				r->n++;
			} else {
				assert_int_equal(off, end);
			}
		}
	}
	/* An error stays: the rest of the stream is not taken. */
	if (rc < 0) {
		assert_int_equal(vpf_parts_linux_dec_feed(&d, s, len, &used,
							  &rec), rc);
		assert_int_equal(used, 0);
	}
	r->rc = vpf_parts_linux_dec_finish(&d, &r->err);
	r->warnings = vpf_parts_linux_dec_warnings(&d);
	r->skipped = vpf_parts_linux_dec_skipped(&d);
	if (r->rc == 0)
		assert_int_equal(vpf_parts_linux_dec_pos(&d), len);
	vpf_parts_linux_dec_fini(&d);
}

static void
same(const struct result *a, const struct result *b)
{
	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->n, b->n);
	for (uint32_t i = 0; i < a->n; i++) {
		assert_int_equal(a->rec[i].index, b->rec[i].index);
		assert_int_equal(a->rec[i].offset, b->rec[i].offset);
		assert_int_equal(a->rec[i].size, b->rec[i].size);
		assert_int_equal(a->rec[i].flags, b->rec[i].flags);
		assert_int_equal(a->rec[i].rflags, b->rec[i].rflags);
		assert_int_equal(a->rec[i].count, b->rec[i].count);
		assert_int_equal(a->rec[i].parts_len, b->rec[i].parts_len);
		assert_memory_equal(a->parts[i], b->parts[i],
				    a->rec[i].parts_len);
	}
	assert_memory_equal(&a->err, &b->err, sizeof(a->err));
	assert_int_equal(a->warnings, b->warnings);
	assert_int_equal(a->skipped, b->skipped);
}

/* Whole, then byte by byte and in several chunk sizes: all the same. */
static void
decode_all_ways(const uint8_t *s, size_t len, size_t max, uint32_t pflags)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 15, 16, 17, 100 };

	decode(&whole, s, len, 0, max, pflags);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		decode(&chunked, s, len, chunks[i], max, pflags);
		same(&whole, &chunked);
	}
}

static void
test_records(void **state)
{
	size_t slen, o;
	int64_t w;

	(void)state;
	slen = sample_build(set, sizeof(set));
	w = vpf_parts_linux_put(stream, sizeof(stream), set, slen);
	assert_int_equal(w, 16 + slen);
	/* A second record: the first six parts. */
	w = vpf_parts_linux_put(stream + w, sizeof(stream) - (size_t)w, set,
				sample_off[6]);
	assert_int_equal(w, 16 + sample_off[6]);
	o = 16 + slen + (size_t)w;
	/* An empty record: an empty set. */
	o = put_rec(stream, o, 0, 0, VPF_PARTS_LINUX_TAG_DEVICE_DATA, NULL, 0);
	/* Header bytes as the format gives them. */
	assert_int_equal(stream[0], slen & 0xff);
	assert_int_equal(stream[1], slen >> 8);
	assert_memory_equal(stream + 2, "\0\0\0\0\0\0" "\0\0\0\0" "\0\0\0\0",
			    14);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.rc, 0);
	assert_int_equal(whole.n, 3);
	assert_int_equal(whole.rec[0].count, SAMPLE_PARTS);
	assert_int_equal(whole.rec[0].parts_len, slen);
	assert_int_equal(whole.rec[0].offset, 0);
	assert_memory_equal(whole.parts[0], set, slen);
	assert_int_equal(whole.rec[1].count, 6);
	assert_int_equal(whole.rec[1].offset, 16 + slen);
	assert_int_equal(whole.rec[2].count, 0);
	assert_int_equal(whole.rec[2].parts_len, 0);
	assert_int_equal(whole.warnings, 0);
	/* The same through the whole-buffer call. */
	assert_int_equal(vpf_parts_linux_decode(stream, o, 0, NULL, NULL,
						NULL), 3);
	/* An empty stream has no records and is not an error. */
	assert_int_equal(vpf_parts_linux_decode(NULL, 0, 0, NULL, NULL, NULL),
			 0);
	/* The writer refuses what does not fit. */
	assert_int_equal(vpf_parts_linux_put(stream, slen + 15, set, slen),
			 -ENOSPC);
	assert_int_equal(vpf_parts_linux_hdr_write(stream, 1ull << 32, 0, 0),
			 -EFBIG);
}

/* CVE-2025-38314: parts then exactly 8 bytes: accepted, tail dropped,
 * warning; 7 or 9 trailing bytes: refused. */
static void
test_cve_tail(void **state)
{
	struct vpf_parts_linux_error e;
	size_t slen, o;
	char s[480];

	(void)state;
	slen = sample_build(set, sizeof(set));
	/* The status part Linux counted in: status OK, then garbage. */
	memcpy(set + slen, "\0\0\0\0\xde\xad\xbe\xef\x55", 9);
	o = put_rec(stream, 0, slen + 8, 0, 0, set, slen + 8);
	o = put_rec(stream, o, slen, 0, 0, set, slen);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.rc, 0);
	assert_int_equal(whole.n, 2);
	assert_int_equal(whole.rec[0].size, slen + 8);
	assert_int_equal(whole.rec[0].parts_len, slen);
	assert_int_equal(whole.rec[0].count, SAMPLE_PARTS);
	assert_int_equal(whole.rec[0].rflags, VPF_PARTS_LINUX_RF_CVE_TAIL);
	assert_non_null(strstr(vpf_parts_linux_rec_warning(&whole.rec[0]),
			       "CVE-2025-38314"));
	assert_non_null(strstr(vpf_parts_linux_rec_warning(&whole.rec[0]),
			       "6.15.2"));
	assert_int_equal(whole.rec[1].rflags, 0);
	assert_null(vpf_parts_linux_rec_warning(&whole.rec[1]));
	assert_int_equal(whole.warnings, 1);
	/* An empty set with the tail. */
	o = put_rec(stream, 0, 8, 0, 0, set + slen, 8);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.rc, 0);
	assert_int_equal(whole.rec[0].parts_len, 0);
	assert_int_equal(whole.warnings, 1);

	for (size_t extra = 1; extra <= 15; extra++) {
		if (extra == 8)
			continue;
		o = put_rec(stream, 0, slen + extra, 0, 0, set, slen + extra);
		decode_all_ways(stream, o, 4096, 0);
		assert_int_equal(whole.rc, -EBADMSG);
		assert_int_equal(whole.n, 0);
		assert_int_equal(whole.err.code, VPF_PARTS_LINUX_ERR_TRAILING);
		assert_int_equal(whole.err.value, extra);
		assert_int_equal(whole.err.offset, 16 + slen);
		assert_int_equal(whole.err.record_offset, 0);
	}
	o = put_rec(stream, 0, slen + 7, 0, 0, set, slen + 7);
	assert_int_equal(vpf_parts_linux_decode(stream, o, 0, NULL, NULL, &e),
			 -EBADMSG);
	vpf_parts_linux_error_str(&e, s, sizeof(s));
	assert_string_equal(s, "record 0 at offset 0: 7 bytes at offset 336 follow its last part (only exactly 8, the CVE-2025-38314 tail, are accepted)");
	assert_non_null(strstr(vpf_last_error(), "7 bytes at offset 336"));
}

static void
test_tags(void **state)
{
	uint8_t junk[40];
	size_t slen, o;

	(void)state;
	memset(junk, 0x77, sizeof(junk));
	slen = sample_build(set, sizeof(set));
	/* Unknown optional tags are skipped, even over the maximum. */
	o = put_rec(stream, 0, sizeof(junk), VPF_PARTS_LINUX_F_TAG_OPTIONAL, 5,
		    junk, sizeof(junk));
	o = put_rec(stream, o, slen, 0, 0, set, slen);
	o = put_rec(stream, o, 0, VPF_PARTS_LINUX_F_TAG_OPTIONAL, 0xffffffff,
		    NULL, 0);
	o = put_rec(stream, o, sizeof(junk), VPF_PARTS_LINUX_F_TAG_OPTIONAL, 1,
		    junk, sizeof(junk));
	decode_all_ways(stream, o, slen, 0);
	assert_int_equal(whole.rc, 0);
	assert_int_equal(whole.n, 1);
	assert_int_equal(whole.rec[0].index, 1);
	assert_int_equal(whole.skipped, 3);
	decode_all_ways(stream, o, 39, 0);
	assert_int_equal(whole.rc, -EFBIG);
	assert_int_equal(whole.err.code, VPF_PARTS_LINUX_ERR_OVER_MAX);
	assert_int_equal(whole.err.record, 1);
	assert_int_equal(whole.err.value, slen);
	assert_int_equal(whole.err.expected, 39);
	assert_int_equal(whole.skipped, 1);
	/* DEVICE_DATA flagged optional is still DEVICE_DATA. */
	o = put_rec(stream, 0, slen, VPF_PARTS_LINUX_F_TAG_OPTIONAL, 0, set,
		    slen);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.n, 1);
	assert_int_equal(whole.rec[0].flags, VPF_PARTS_LINUX_F_TAG_OPTIONAL);
	/* An unknown required tag is refused. */
	o = put_rec(stream, 0, slen, 0, 0, set, slen);
	o = put_rec(stream, o, sizeof(junk), 0, 2, junk, sizeof(junk));
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.rc, -EPROTONOSUPPORT);
	assert_int_equal(whole.n, 1);
	assert_int_equal(whole.err.code, VPF_PARTS_LINUX_ERR_REQUIRED_TAG);
	assert_int_equal(whole.err.record, 1);
	assert_int_equal(whole.err.value, 2);
	assert_int_equal(whole.err.record_offset, 16 + slen);
	assert_non_null(strstr(vpf_last_error(), "unknown tag 2"));
}

static void
test_sizes(void **state)
{
	static struct vpf_parts_linux_dec d;
	struct vpf_parts_linux_rec rec;
	uint8_t small[64];
	size_t slen, o, used;

	(void)state;
	slen = sample_build(set, sizeof(set));
	/* Over 4 GiB - 1: refused from the header, before any payload, for
	 * any tag. */
	o = put_rec(stream, 0, 1ull << 32, 0, 0, NULL, 0);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.rc, -EFBIG);
	assert_int_equal(whole.err.code, VPF_PARTS_LINUX_ERR_TOO_LARGE);
	assert_int_equal(whole.err.value, 1ull << 32);
	o = put_rec(stream, 0, UINT64_MAX, VPF_PARTS_LINUX_F_TAG_OPTIONAL, 9,
		    NULL, 0);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.err.code, VPF_PARTS_LINUX_ERR_TOO_LARGE);
	/* 4 GiB - 1 itself passes the format check (then is cut). */
	o = put_rec(stream, 0, 0xffffffffull, VPF_PARTS_LINUX_F_TAG_OPTIONAL,
		    9, NULL, 0);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.rc, -ENODATA);
	assert_int_equal(whole.err.code, VPF_PARTS_LINUX_ERR_TRUNCATED);
	assert_int_equal(whole.err.value, 16);
	assert_int_equal(whole.err.expected, 16 + 0xffffffffull);
	/* A caller buffer: its capacity is the maximum. */
	o = put_rec(stream, 0, slen, 0, 0, set, slen);
	assert_int_equal(vpf_parts_linux_dec_init(&d, small, sizeof(small), 0),
			 0);
	assert_int_equal(vpf_parts_linux_dec_feed(&d, stream, o, &used, &rec),
			 -EFBIG);
	assert_int_equal(used, 16);
	vpf_parts_linux_dec_fini(&d);
	/* DEV_FEATURES (32 bytes) and a CVE tail, fed byte by byte. */
	o = put_rec(stream, 0, 40, 0, 0, set, 32);
	memset(stream + o, 0, 8);
	o += 8;
	assert_int_equal(vpf_parts_linux_dec_init(&d, small, sizeof(small), 0),
			 0);
	for (size_t i = 0; i < o; i++) {
		int rc = vpf_parts_linux_dec_feed(&d, stream + i, 1, &used,
						  &rec);

		assert_int_equal(rc, i + 1 == o ? 1 : 0);
	}
	assert_ptr_equal(rec.parts, small);
	assert_int_equal(rec.parts_len, 32);
	assert_int_equal(rec.rflags, VPF_PARTS_LINUX_RF_CVE_TAIL);
	assert_int_equal(vpf_parts_linux_dec_finish(&d, NULL), 0);
	vpf_parts_linux_dec_fini(&d);
	/* Flags a Linux record cannot have. */
	assert_int_equal(vpf_parts_linux_dec_init(&d, NULL, 100,
						  VPF_PARTS_F_ALLOW_PAD),
			 -EINVAL);
}

static void
test_truncated(void **state)
{
	size_t slen, o;

	(void)state;
	slen = sample_build(set, sizeof(set));
	o = put_rec(stream, 0, slen, 0, 0, set, slen);
	o = put_rec(stream, o, slen, 0, 0, set, slen);
	for (size_t cut = 0; cut <= o; cut++) {
		size_t rs = 16 + slen;

		decode_all_ways(stream, cut, 4096, 0);
		if (cut % rs == 0) {
			assert_int_equal(whole.rc, 0);
			assert_int_equal(whole.n, cut / rs);
			continue;
		}
		assert_int_equal(whole.rc, -ENODATA);
		assert_int_equal(whole.err.code,
				 VPF_PARTS_LINUX_ERR_TRUNCATED);
		assert_int_equal(whole.err.record, cut / rs);
		assert_int_equal(whole.err.offset, cut);
		assert_int_equal(whole.err.value, cut % rs);
		assert_int_equal(whole.err.expected,
				 cut % rs < 16 ? 16 : rs);
	}
}

static void
test_bad_parts(void **state)
{
	size_t slen, o;

	(void)state;
	slen = sample_build(set, sizeof(set));
	/* VQ_CFG of 31 bytes inside the second record. */
	set[sample_off[7] + 12] = 31;
	o = put_rec(stream, 0, 0, 0, 0, NULL, 0);
	o = put_rec(stream, o, slen, 0, 0, set, slen);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.rc, -EBADMSG);
	assert_int_equal(whole.n, 1);
	assert_int_equal(whole.err.code, VPF_PARTS_LINUX_ERR_PARTS);
	assert_int_equal(whole.err.record, 1);
	assert_int_equal(whole.err.record_offset, 16);
	assert_int_equal(whole.err.parts.code, VPF_PARTS_ERR_LENGTH);
	assert_int_equal(whole.err.parts.part_index, 7);
	assert_int_equal(whole.err.parts.part_offset, sample_off[7]);
	/* Unknown required parts pass with VPF_PARTS_F_ALLOW_UNKNOWN. */
	slen = sample_build(set, sizeof(set));
	o = put_part(set, slen, 0x0250, 0, 0, 3);
	o = put_rec(stream, 0, o, 0, 0, set, o);
	decode_all_ways(stream, o, 4096, 0);
	assert_int_equal(whole.rc, -EBADMSG);
	assert_int_equal(whole.err.parts.code, VPF_PARTS_ERR_UNKNOWN_REQUIRED);
	decode_all_ways(stream, o, 4096, VPF_PARTS_F_CARRY);
	assert_int_equal(whole.rc, 0);
	assert_int_equal(whole.rec[0].count, SAMPLE_PARTS + 1);
}

static void
test_detect(void **state)
{
	uint8_t h[32];

	(void)state;
	memcpy(h, VPF_MIG_STREAM_MAGIC, 8);
	memset(h + 8, 0xff, 24);
	assert_int_equal(vpf_parts_stream_detect(h, 8), VPF_PARTS_STREAM_VPFMIG);
	assert_int_equal(vpf_parts_stream_detect(h, 32),
			 VPF_PARTS_STREAM_VPFMIG);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(vpf_parts_stream_detect(h, i),
				 VPF_PARTS_STREAM_NEED_MORE);
	assert_int_equal(vpf_parts_stream_detect(NULL, 0),
			 VPF_PARTS_STREAM_NEED_MORE);
	/* A Linux record header: size <= 4 GiB - 1. */
	assert_int_equal(vpf_parts_linux_hdr_write(h, 320, 0, 0), 0);
	assert_int_equal(vpf_parts_stream_detect(h, 16),
			 VPF_PARTS_STREAM_LINUX);
	for (size_t i = 1; i < 16; i++)
		assert_int_equal(vpf_parts_stream_detect(h, i),
				 VPF_PARTS_STREAM_NEED_MORE);
	assert_int_equal(vpf_parts_linux_hdr_write(h, 0xffffffffull, 1, 7), 0);
	assert_int_equal(vpf_parts_stream_detect(h, 16),
			 VPF_PARTS_STREAM_LINUX);
	/* Neither: the size's high half is not zero. */
	h[4] = 1;
	assert_int_equal(vpf_parts_stream_detect(h, 5),
			 VPF_PARTS_STREAM_UNKNOWN);
	assert_int_equal(vpf_parts_stream_detect(h, 16),
			 VPF_PARTS_STREAM_UNKNOWN);
	memcpy(h, "VPFMIX\r\n", 8);
	assert_int_equal(vpf_parts_stream_detect(h, 16),
			 VPF_PARTS_STREAM_UNKNOWN);
	assert_string_equal(vpf_parts_stream_kind_name(VPF_PARTS_STREAM_LINUX),
			    "linux");
}

/* A record that arrives in pieces is gathered in a buffer of the
 * decoder's own, grown with the bytes that come. */
static void
test_gather(void **state)
{
	static uint8_t big[70000];
	struct vpf_parts_builder b;
	uint8_t junk[100];
	size_t o, plen;

	(void)state;
	memset(junk, 0x42, sizeof(junk));
	vpf_parts_builder_init(&b, big + 16, sizeof(big) - 16);
	sample_add(&b);
	while (vpf_parts_builder_len(&b) + 116 < sizeof(big) - 16)
		assert_int_equal(vpf_parts_add_cvq(&b, 4, 1, junk, 100), 0);
	plen = vpf_parts_builder_len(&b);
	o = put_rec(big, 0, plen, 0, 0, NULL, 0) + plen;
	decode(&whole, big, o, 0, plen, 0);
	assert_int_equal(whole.rc, 0);
	assert_int_equal(whole.rec[0].count, vpf_parts_builder_count(&b));
	decode(&chunked, big, o, 1000, plen, 0);
	same(&whole, &chunked);
	decode(&chunked, big, o, 1, plen, 0);
	same(&whole, &chunked);
	decode(&chunked, big, o, 1, plen - 1, 0);
	assert_int_equal(chunked.rc, -EFBIG);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_records),
	cmocka_unit_test(test_cve_tail),
	cmocka_unit_test(test_tags),
	cmocka_unit_test(test_sizes),
	cmocka_unit_test(test_truncated),
	cmocka_unit_test(test_bad_parts),
	cmocka_unit_test(test_detect),
	cmocka_unit_test(test_gather))
