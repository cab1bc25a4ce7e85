/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The converters between vpf's 1.4 stream and Linux virtio-vfio-pci's
 * migration records (include/vpf_mig.h, "Linux's record format"): the same
 * output for every split of the input (one byte at a time, random
 * pieces), byte-exact round trips both ways, Linux's record rules (optional
 * and required unknown tags, the 4 GiB - 1 limit, truncation, the
 * CVE-2025-38314 tail and nothing else), and vpf streams refused: draft,
 * corrupted, truncated.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>

#include "vpf_parts.h"
#include "vpf_mig.h"
#include "mig/mig_internal.h"
#include "mig_test_main.h"

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

static const struct vpf_mig_linux_id test_id = {
	.vendor_id = 0x1af4, .device_id = 0x1041, .vf = 2, .num_queues = 2,
	.features = { UINT64_C(1) << 32, 0 },
};

/* A valid parts set (a PARTS_GET ALL result); @p salt varies values and
 * @p nvq the number of queues (so that sets differ in length too). */
static size_t
make_set(uint8_t *buf, size_t cap, uint8_t salt, unsigned int nvq)
{
	struct vpf_parts_builder b;
	struct vpf_parts_vq_cfg q;
	uint64_t feat = (UINT64_C(1) << 32) | salt;
	unsigned int i;

	assert_int_equal(vpf_parts_builder_init(&b, buf, cap), 0);
	assert_int_equal(vpf_parts_add_dev_features(&b, &feat, 1), 0);
	assert_int_equal(vpf_parts_add_drv_features(&b, &feat, 1), 0);
	assert_int_equal(vpf_parts_add_common(&b, VPF_COMMON_NUMQ, nvq), 0);
	assert_int_equal(vpf_parts_add_status(&b, 0x0f), 0);
	for (i = 0; i < nvq; i++) {
		memset(&q, 0, sizeof(q));
		q.vq_index = (uint16_t)i;
		q.queue_size = 256;
		q.desc = 0x10000u * (i + 1) + salt;
		q.enabled = 1;
		assert_int_equal(vpf_parts_add_vq_cfg(&b, &q), 0);
	}
	return vpf_parts_builder_parts_len(&b);
}

/* Append a Linux record: header (record_size = @p len + @p extra), the
 * set, then @p extra bytes 0xa5 (not zeros: 16 zero bytes are a part
 * header of type 0 and length 0, which a carried set may hold). */
static void
put_lrec(struct mig_buf *s, uint32_t flags, uint32_t tag, const void *set,
	 size_t len, size_t extra)
{
	uint8_t h[VPF_PARTS_LINUX_HDR_SIZE];
	uint8_t z[64];

	memset(z, 0xa5, sizeof(z));
	assert_true(extra <= sizeof(z));
	assert_int_equal(vpf_parts_linux_hdr_write(h, len + extra, flags, tag),
			 0);
	assert_int_equal(mig_buf_append(s, h, sizeof(h)), 0);
	assert_int_equal(mig_buf_append(s, set, len), 0);
	assert_int_equal(mig_buf_append(s, z, extra), 0);
}

/* Linux records of @p n distinct sets (salt i, i % 3 + 1 queues). */
static void
linux_stream(struct mig_buf *s, unsigned int n)
{
	uint8_t set[1024];
	unsigned int i;
	size_t len;

	mig_buf_reset(s);
	for (i = 0; i < n; i++) {
		len = make_set(set, sizeof(set), (uint8_t)i, i % 3 + 1);
		put_lrec(s, 0, VPF_PARTS_LINUX_TAG_DEVICE_DATA, set, len, 0);
	}
}

/* The vpf stream of the same @p n sets: rounds 1..n-1 and the final one,
 * header from test_id. */
static void
vpf_stream(struct mig_buf *s, unsigned int n, bool parts)
{
	struct mig_src_desc d;
	struct mig_writer w;
	uint8_t set[1024];
	unsigned int i;
	size_t len;

	mig_buf_reset(s);
	memset(&d, 0, sizeof(d));
	d.vendor_id = test_id.vendor_id;
	d.device_id = test_id.device_id;
	d.src_vf = test_id.vf;
	d.num_queues = test_id.num_queues;
	d.features[0] = test_id.features[0];
	d.parts = parts;
	mig_writer_init(&w, s);
	assert_int_equal(mig_writer_header(&w, &d), 0);
	for (i = 0; i < n; i++) {
		len = make_set(set, sizeof(set), (uint8_t)i, i % 3 + 1);
		if (i + 1 < n)
			assert_int_equal(mig_writer_precopy(&w, i + 1, set, len),
					 0);
		else
			assert_int_equal(mig_writer_final(&w, set, len), 0);
	}
	assert_int_equal(mig_writer_end(&w), 0);
}

static int
to_buf(const void *buf, size_t len, void *arg)
{
	assert_true(len > 0);
	return mig_buf_append(arg, buf, len) ? -ENOMEM : 0;
}

/* Split modes of run(). */
#define SPLIT_WHOLE	0u
#define SPLIT_BYTES	1u
/* SPLIT_BYTES + 1 + seed: random pieces of 1..64 bytes */

static unsigned int
rnd(unsigned int *x)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 16) & 0x7fff;
}

/* Convert @p in (split as @p split says) into @p out; the first failing
 * call's errno (feed or finish), 0 if none. */
static int
run(enum vpf_mig_linux_dir dir, const struct mig_buf *in, unsigned int split,
    struct mig_buf *out, struct vpf_mig_linux_stats *st, char *err,
    size_t errlen)
{
	struct vpf_mig_linux_conv *c;
	unsigned int seed = split;
	size_t off = 0, n;
	int rc = 0;

	mig_buf_reset(out);
	c = vpf_mig_linux_conv_new(dir, &test_id, to_buf, out);
	assert_non_null(c);
	while (off < in->len && rc == 0) {
		n = in->len - off;
		if (split == SPLIT_BYTES)
			n = 1;
		else if (split > SPLIT_BYTES)
			n = RTE_MIN(n, (size_t)rnd(&seed) % 64 + 1);
		rc = vpf_mig_linux_conv_feed(c, in->p + off, n);
		off += n;
	}
	if (rc == 0)
		rc = vpf_mig_linux_conv_finish(c);
	if (st)
		vpf_mig_linux_conv_stats(c, st);
	if (err)
		snprintf(err, errlen, "%s", vpf_mig_linux_conv_errmsg(c));
	if (rc)
		assert_string_not_equal(vpf_mig_linux_conv_errmsg(c), "");
	vpf_mig_linux_conv_free(c);
	return rc;
}

static void
assert_buf_eq(const struct mig_buf *a, const struct mig_buf *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->p, b->p, a->len);
}

/* Every split gives @p want (rc 0) or the same error @p want_rc. */
static void
check_splits(enum vpf_mig_linux_dir dir, const struct mig_buf *in,
	     int want_rc, const struct mig_buf *want)
{
	struct mig_buf out = { 0 };
	unsigned int split;
	int rc;

	for (split = 0; split < SPLIT_BYTES + 1 + 24; split++) {
		rc = run(dir, in, split, &out, NULL, NULL, 0);
		assert_int_equal(rc, want_rc);
		if (want != NULL)
			assert_buf_eq(&out, want);
	}
	mig_buf_free(&out);
}

static bool
contains(const char *s, const char *what)
{
	return strstr(s, what) != NULL;
}

/* ---------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------- */

/* vpf -> Linux: one DEVICE_DATA record per PARTS_PRECOPY and one for
 * PARTS_FINAL, in order, for every split. */
static void
test_to_linux(void **state)
{
	struct mig_buf v = { 0 }, l = { 0 }, out = { 0 };
	struct vpf_mig_linux_stats st;
	unsigned int n;

	(void)state;
	for (n = 1; n <= 4; n++) {
		vpf_stream(&v, n, true);
		linux_stream(&l, n);
		check_splits(VPF_MIG_LINUX_TO, &v, 0, &l);
		assert_int_equal(run(VPF_MIG_LINUX_TO, &v, SPLIT_WHOLE, &out,
				     &st, NULL, 0), 0);
		assert_int_equal(st.records_in, n);
		assert_int_equal(st.records_out, n);
		assert_int_equal(st.bytes_in, v.len);
		assert_int_equal(st.bytes_out, l.len);
		assert_true(st.done);
	}
	mig_buf_free(&v);
	mig_buf_free(&l);
	mig_buf_free(&out);
}

/* The final record leaves only once END validated the stream: a stream
 * cut before END or with a bad END gives the precopy records only. */
static void
test_to_linux_final_after_end(void **state)
{
	struct mig_buf v = { 0 }, l = { 0 }, cut = { 0 }, out = { 0 };
	struct vpf_mig_linux_stats st;
	size_t end_len = MIG_REC_HDR + MIG_END_LEN + MIG_CRC_SIZE;
	size_t one;

	(void)state;
	vpf_stream(&v, 3, true);
	linux_stream(&l, 2);	/* the two precopy records' output */
	assert_int_equal(mig_buf_append(&cut, v.p, v.len - end_len), 0);
	assert_int_equal(run(VPF_MIG_LINUX_TO, &cut, SPLIT_BYTES, &out, &st,
			     NULL, 0), -ENODATA);
	assert_buf_eq(&out, &l);
	assert_int_equal(st.records_out, 2);
	/* END's trailer CRC wrong (record CRC made right again) */
	v.p[v.len - MIG_CRC_SIZE - 1] ^= 1;
	vpf_le32_store(v.p + v.len - MIG_CRC_SIZE,
		       mig_crc32c(0, v.p + v.len - end_len,
				  MIG_REC_HDR + MIG_END_LEN));
	assert_int_equal(run(VPF_MIG_LINUX_TO, &v, SPLIT_WHOLE, &out, NULL,
			     NULL, 0), -EBADMSG);
	assert_buf_eq(&out, &l);
	/* a single final record: nothing out without END */
	vpf_stream(&v, 1, true);
	one = v.len - end_len;
	mig_buf_reset(&cut);
	assert_int_equal(mig_buf_append(&cut, v.p, one), 0);
	assert_int_equal(run(VPF_MIG_LINUX_TO, &cut, SPLIT_WHOLE, &out, NULL,
			     NULL, 0), -ENODATA);
	assert_int_equal(out.len, 0);
	mig_buf_free(&v);
	mig_buf_free(&l);
	mig_buf_free(&cut);
	mig_buf_free(&out);
}

/* Linux -> vpf: rounds 1..n-1, the last record as PARTS_FINAL, END, with
 * the caller's identity in the header; the result passes the real parser
 * as a 1.4 destination runs it. */
static void
test_from_linux(void **state)
{
	struct mig_buf v = { 0 }, l = { 0 }, out = { 0 };
	struct vpf_mig_linux_stats st;
	struct vpf_mig_stream_info info;
	struct mig_parser p;
	unsigned int n;

	(void)state;
	for (n = 1; n <= 4; n++) {
		vpf_stream(&v, n, true);
		linux_stream(&l, n);
		check_splits(VPF_MIG_LINUX_FROM, &l, 0, &v);
		assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, SPLIT_WHOLE, &out,
				     &st, NULL, 0), 0);
		assert_int_equal(st.records_in, n);
		assert_int_equal(st.records_out, n);
		assert_int_equal(st.bytes_in, l.len);
		assert_int_equal(st.bytes_out, v.len);
		assert_int_equal(st.warnings, 0);
		assert_int_equal(vpf_mig_stream_validate(out.p, out.len, NULL,
							 0, &info), 0);
		assert_true(info.parts);
		assert_true(info.complete);
		assert_int_equal(info.precopy, n - 1);
		assert_int_equal(info.vendor_id, test_id.vendor_id);
		assert_int_equal(info.device_id, test_id.device_id);
		assert_int_equal(info.src_vf, test_id.vf);
		assert_int_equal(info.num_queues, test_id.num_queues);
		/* a 1.4 destination of the same ids and queue count */
		memset(&p, 0, sizeof(p));
		mig_parser_init(&p, NULL, 0, NULL, NULL);
		p.expect_kind = MIG_EXPECT_PARTS;
		p.expect_vendor = test_id.vendor_id;
		p.expect_device = test_id.device_id;
		p.expect_queues = test_id.num_queues;
		assert_int_equal(mig_parser_run(&p, out.p, out.len, 7), 0);
		mig_parser_fini(&p);
	}
	mig_buf_free(&v);
	mig_buf_free(&l);
	mig_buf_free(&out);
}

/* Byte-exact round trips: Linux -> vpf -> Linux and vpf -> Linux -> vpf. */
static void
test_round_trips(void **state)
{
	struct mig_buf v = { 0 }, l = { 0 }, mid = { 0 }, back = { 0 };
	unsigned int n, split;

	(void)state;
	for (n = 1; n <= 5; n++) {
		for (split = 0; split < 6; split++) {
			linux_stream(&l, n);
			assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, split,
					     &mid, NULL, NULL, 0), 0);
			assert_int_equal(run(VPF_MIG_LINUX_TO, &mid, split + 3,
					     &back, NULL, NULL, 0), 0);
			assert_buf_eq(&back, &l);
			vpf_stream(&v, n, true);
			assert_int_equal(run(VPF_MIG_LINUX_TO, &v, split, &mid,
					     NULL, NULL, 0), 0);
			assert_int_equal(run(VPF_MIG_LINUX_FROM, &mid,
					     split + 5, &back, NULL, NULL, 0),
					 0);
			assert_buf_eq(&back, &v);
		}
	}
	mig_buf_free(&v);
	mig_buf_free(&l);
	mig_buf_free(&mid);
	mig_buf_free(&back);
}

/* An unknown tag flagged optional is skipped (first, between, last); one
 * without the flag is refused. */
static void
test_unknown_tags(void **state)
{
	struct mig_buf l = { 0 }, v = { 0 }, out = { 0 };
	struct vpf_mig_linux_stats st;
	uint8_t junk[40], set[1024];
	size_t len;
	char err[320];

	(void)state;
	memset(junk, 0xa5, sizeof(junk));
	vpf_stream(&v, 2, true);
	mig_buf_reset(&l);
	put_lrec(&l, VPF_PARTS_LINUX_F_TAG_OPTIONAL, 7, junk, sizeof(junk), 0);
	len = make_set(set, sizeof(set), 0, 1);
	put_lrec(&l, 0, 0, set, len, 0);
	put_lrec(&l, VPF_PARTS_LINUX_F_TAG_OPTIONAL, 0xffffffffu, junk, 0, 0);
	len = make_set(set, sizeof(set), 1, 2);
	put_lrec(&l, 0, 0, set, len, 0);
	put_lrec(&l, VPF_PARTS_LINUX_F_TAG_OPTIONAL | 0x10, 1, junk, 3, 0);
	check_splits(VPF_MIG_LINUX_FROM, &l, 0, &v);
	assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, SPLIT_BYTES, &out, &st,
			     NULL, 0), 0);
	assert_int_equal(st.skipped, 3);
	assert_int_equal(st.records_in, 2);

	/* the same unknown tag without TAG_OPTIONAL */
	mig_buf_reset(&l);
	len = make_set(set, sizeof(set), 0, 1);
	put_lrec(&l, 0, 0, set, len, 0);
	put_lrec(&l, 0, 7, junk, sizeof(junk), 0);
	put_lrec(&l, 0, 0, set, len, 0);
	check_splits(VPF_MIG_LINUX_FROM, &l, -EPROTONOSUPPORT, NULL);
	assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, SPLIT_WHOLE, &out, NULL,
			     err, sizeof(err)), -EPROTONOSUPPORT);
	assert_true(contains(err, "not flagged optional"));
	/* nothing final went out: the first record was held back */
	assert_int_equal(out.len, 0);
	mig_buf_free(&l);
	mig_buf_free(&v);
	mig_buf_free(&out);
}

/* A record_size over 4 GiB - 1 is refused from its header alone; so is
 * one a vpf record cannot hold. */
static void
test_too_large(void **state)
{
	static const struct {
		uint64_t size;
		const char *what;
	} cases[] = {
		{ UINT64_C(1) << 32, "over 4 GiB - 1" },
		{ UINT64_MAX, "over 4 GiB - 1" },
		{ UINT64_C(0xffffffff), "this reader accepts" },
		{ VPF_MIG_REC_MAX + 1u, "this reader accepts" },
	};
	struct mig_buf l = { 0 }, out = { 0 };
	uint8_t h[VPF_PARTS_LINUX_HDR_SIZE];
	uint8_t set[1024];
	unsigned int i;
	size_t len;
	char err[320];

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		mig_buf_reset(&l);
		len = make_set(set, sizeof(set), 0, 1);
		put_lrec(&l, 0, 0, set, len, 0);
		vpf_le64_store(h, cases[i].size);
		vpf_le32_store(h + 8, 0);
		vpf_le32_store(h + 12, 0);
		assert_int_equal(mig_buf_append(&l, h, sizeof(h)), 0);
		check_splits(VPF_MIG_LINUX_FROM, &l, -EFBIG, NULL);
		assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, SPLIT_WHOLE, &out,
				     NULL, err, sizeof(err)), -EFBIG);
		assert_true(contains(err, cases[i].what));
	}
	/* a whole record of VPF_MIG_REC_MAX bytes of parts: Linux takes it,
	 * a vpf PARTS_PRECOPY record cannot hold it (its round prefix); 8
	 * bytes less pass */
	{
		struct vpf_parts_builder b;
		size_t cap = VPF_MIG_REC_MAX, k;
		uint8_t *big = malloc(cap);

		assert_non_null(big);
		for (k = 0; k < 2; k++) {
			assert_int_equal(vpf_parts_builder_init(&b, big, cap), 0);
			assert_int_equal(vpf_parts_add_raw(&b, 0x7fff,
					 VPF_PARTS_HF_OPTIONAL, NULL, NULL,
					 cap - VPF_PARTS_HDR_SIZE -
					 (k ? MIG_PRECOPY_PFX : 0)), 0);
			mig_buf_reset(&l);
			put_lrec(&l, 0, 0, big, vpf_parts_builder_parts_len(&b),
				 0);
			put_lrec(&l, 0, 0, set, len, 0);
			assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, 4096 + k,
					     &out, NULL, err, sizeof(err)),
					 k ? 0 : -EFBIG);
			if (!k)
				assert_true(contains(err, "a vpf record holds at most"));
		}
		free(big);
	}
	/* the writer side cannot make one either */
	assert_int_equal(vpf_parts_linux_hdr_write(h, UINT64_C(1) << 32, 0, 0),
			 -EFBIG);
	mig_buf_free(&l);
	mig_buf_free(&out);
}

/* A stream cut anywhere inside a record fails at its end; no record at
 * all is "no device data". */
static void
test_truncated(void **state)
{
	struct mig_buf l = { 0 }, cut = { 0 }, out = { 0 };
	uint8_t junk[8] = { 0 };
	size_t n, last;
	char err[320];

	(void)state;
	linux_stream(&l, 2);
	last = l.len / 2;	/* inside the second record or its header */
	linux_stream(&cut, 1);
	last = cut.len;		/* the second record starts here */
	for (n = last + 1; n < l.len; n++) {
		mig_buf_reset(&cut);
		assert_int_equal(mig_buf_append(&cut, l.p, n), 0);
		assert_int_equal(run(VPF_MIG_LINUX_FROM, &cut, n % 5, &out,
				     NULL, err, sizeof(err)), -ENODATA);
		assert_true(contains(err, "ends at offset"));
		/* the first record went out as precopy, no final, no END */
		assert_int_equal(vpf_mig_stream_validate(out.p, out.len, NULL,
							 0, NULL), -ENODATA);
	}
	/* nothing at all */
	mig_buf_reset(&cut);
	assert_int_equal(run(VPF_MIG_LINUX_FROM, &cut, SPLIT_WHOLE, &out, NULL,
			     err, sizeof(err)), -ENODATA);
	assert_true(contains(err, "no device data"));
	assert_int_equal(out.len, 0);
	/* only a skipped record */
	put_lrec(&cut, VPF_PARTS_LINUX_F_TAG_OPTIONAL, 3, junk, sizeof(junk),
		 0);
	assert_int_equal(run(VPF_MIG_LINUX_FROM, &cut, SPLIT_BYTES, &out, NULL,
			     err, sizeof(err)), -ENODATA);
	assert_true(contains(err, "no device data"));
	assert_int_equal(out.len, 0);
	/* an empty DEVICE_DATA record carries no parts set */
	mig_buf_reset(&cut);
	put_lrec(&cut, 0, 0, junk, 0, 0);
	assert_int_equal(run(VPF_MIG_LINUX_FROM, &cut, SPLIT_WHOLE, &out, NULL,
			     err, sizeof(err)), -EBADMSG);
	assert_true(contains(err, "no device parts"));
	mig_buf_free(&l);
	mig_buf_free(&cut);
	mig_buf_free(&out);
}

/* CVE-2025-38314: parts ending exactly 8 bytes before the record's end
 * are taken without those bytes, with a warning; 7, 9 or 16 are not. */
static void
test_cve_tail(void **state)
{
	static const size_t bad[] = { 1, 7, 9, 15, 16, 24 };
	struct mig_buf l = { 0 }, v = { 0 }, out = { 0 };
	struct vpf_mig_linux_stats st;
	struct vpf_mig_linux_conv *c;
	uint8_t set[1024];
	unsigned int i;
	size_t len;
	char err[320];

	(void)state;
	vpf_stream(&v, 3, true);
	mig_buf_reset(&l);
	for (i = 0; i < 3; i++) {
		len = make_set(set, sizeof(set), (uint8_t)i, i % 3 + 1);
		put_lrec(&l, 0, 0, set, len, i == 1 ? 0 : 8);
	}
	check_splits(VPF_MIG_LINUX_FROM, &l, 0, &v);
	assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, SPLIT_BYTES, &out, &st,
			     NULL, 0), 0);
	assert_int_equal(st.warnings, 2);
	assert_int_equal(st.records_in, 3);
	c = vpf_mig_linux_conv_new(VPF_MIG_LINUX_FROM, &test_id, to_buf, &out);
	assert_non_null(c);
	assert_null(vpf_mig_linux_conv_warning(c));
	assert_int_equal(vpf_mig_linux_conv_feed(c, l.p, l.len), 0);
	assert_non_null(vpf_mig_linux_conv_warning(c));
	assert_true(contains(vpf_mig_linux_conv_warning(c), "CVE-2025-38314"));
	assert_true(contains(vpf_mig_linux_conv_warning(c), "6.13.0"));
	vpf_mig_linux_conv_free(c);

	for (i = 0; i < RTE_DIM(bad); i++) {
		mig_buf_reset(&l);
		len = make_set(set, sizeof(set), 0, 1);
		put_lrec(&l, 0, 0, set, len, 0);
		put_lrec(&l, 0, 0, set, len, bad[i]);
		check_splits(VPF_MIG_LINUX_FROM, &l, -EBADMSG, NULL);
		assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, SPLIT_WHOLE, &out,
				     &st, err, sizeof(err)), -EBADMSG);
		assert_int_equal(st.warnings, 0);
		/* under 16 bytes: not a part header; 16 and more: a part
		 * header whose value runs past the record */
		assert_true(contains(err, bad[i] < VPF_PARTS_HDR_SIZE ?
				     "follow its last part" :
				     "malformed device parts"));
	}
	mig_buf_free(&l);
	mig_buf_free(&v);
	mig_buf_free(&out);
}

/* vpf -> Linux refuses a draft stream, clearly, writing nothing. */
static void
test_draft_refused(void **state)
{
	struct mig_buf v = { 0 }, out = { 0 };
	char err[320];

	(void)state;
	vpf_stream(&v, 2, false);
	check_splits(VPF_MIG_LINUX_TO, &v, -EPROTO, NULL);
	assert_int_equal(run(VPF_MIG_LINUX_TO, &v, SPLIT_BYTES, &out, NULL,
			     err, sizeof(err)), -EPROTO);
	assert_true(contains(err, "draft device contexts"));
	assert_true(contains(err, "1.4 device parts only"));
	assert_int_equal(out.len, 0);
	mig_buf_free(&v);
	mig_buf_free(&out);
}

/* vpf -> Linux: every flipped bit and every truncation of a vpf stream is
 * refused, and the final record never goes out. */
static void
test_corrupt_vpf_refused(void **state)
{
	struct mig_buf v = { 0 }, l = { 0 }, bad = { 0 }, out = { 0 };
	size_t i;
	int rc;

	(void)state;
	vpf_stream(&v, 2, true);
	linux_stream(&l, 2);
	for (i = 0; i < v.len; i++) {
		mig_buf_reset(&bad);
		assert_int_equal(mig_buf_append(&bad, v.p, v.len), 0);
		bad.p[i] ^= (uint8_t)(1u << (i % 8));
		rc = run(VPF_MIG_LINUX_TO, &bad, i % 7, &out, NULL, NULL, 0);
		assert_true(rc < 0);
		assert_true(out.len < l.len);
	}
	for (i = 0; i < v.len; i++) {
		mig_buf_reset(&bad);
		assert_int_equal(mig_buf_append(&bad, v.p, i), 0);
		assert_int_equal(run(VPF_MIG_LINUX_TO, &bad, i % 7, &out, NULL,
				     NULL, 0), -ENODATA);
		assert_true(out.len < l.len);
	}
	/* bytes after END */
	mig_buf_reset(&bad);
	assert_int_equal(mig_buf_append(&bad, v.p, v.len), 0);
	assert_int_equal(mig_buf_append(&bad, "x", 1), 0);
	assert_int_equal(run(VPF_MIG_LINUX_TO, &bad, SPLIT_WHOLE, &out, NULL,
			     NULL, 0), -EBADMSG);
	mig_buf_free(&v);
	mig_buf_free(&l);
	mig_buf_free(&bad);
	mig_buf_free(&out);
}

/* Linux -> vpf: a malformed parts set in a record is refused. */
static void
test_bad_parts_refused(void **state)
{
	struct mig_buf l = { 0 }, out = { 0 };
	uint8_t set[1024];
	size_t len;
	char err[320];

	(void)state;
	len = make_set(set, sizeof(set), 0, 2);
	set[VPF_PARTS_HDR_SIZE + 8 + VPF_PARTS_HDR_LEN_OFF] ^= 0x40;
	mig_buf_reset(&l);
	put_lrec(&l, 0, 0, set, len, 0);
	check_splits(VPF_MIG_LINUX_FROM, &l, -EBADMSG, NULL);
	assert_int_equal(run(VPF_MIG_LINUX_FROM, &l, SPLIT_WHOLE, &out, NULL,
			     err, sizeof(err)), -EBADMSG);
	assert_int_equal(out.len, 0);
	mig_buf_free(&l);
	mig_buf_free(&out);
}

/* Errors are sticky; feeding after the end is refused; the output
 * callback's error fails the conversion. */
static int
out_fail(const void *buf, size_t len, void *arg)
{
	int *calls = arg;

	(void)buf;
	(void)len;
	(*calls)++;
	return vpf_error(-EPIPE, "reader went away");
}

static void
test_api(void **state)
{
	struct mig_buf l = { 0 }, v = { 0 }, out = { 0 };
	struct vpf_mig_linux_conv *c;
	struct vpf_mig_linux_stats st;
	void *o;
	size_t olen;
	int calls = 0;

	(void)state;
	assert_null(vpf_mig_linux_conv_new(VPF_MIG_LINUX_FROM, NULL, to_buf,
					   &out));
	assert_null(vpf_mig_linux_conv_new(VPF_MIG_LINUX_TO, NULL, NULL, NULL));
	assert_null(vpf_mig_linux_conv_new((enum vpf_mig_linux_dir)7, &test_id,
					   to_buf, &out));
	vpf_mig_linux_conv_free(NULL);

	linux_stream(&l, 2);
	c = vpf_mig_linux_conv_new(VPF_MIG_LINUX_FROM, &test_id, out_fail,
				   &calls);
	assert_non_null(c);
	/* the first record is held: nothing written yet */
	assert_int_equal(vpf_mig_linux_conv_feed(c, l.p, l.len / 2 + 10), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(vpf_mig_linux_conv_feed(c, l.p + l.len / 2 + 10,
						 l.len - l.len / 2 - 10),
			 -EPIPE);
	assert_true(contains(vpf_mig_linux_conv_errmsg(c), "reader went away"));
	assert_int_equal(vpf_mig_linux_conv_feed(c, l.p, 1), -EPIPE);
	assert_int_equal(vpf_mig_linux_conv_finish(c), -EPIPE);
	vpf_mig_linux_conv_free(c);

	c = vpf_mig_linux_conv_new(VPF_MIG_LINUX_FROM, &test_id, to_buf, &out);
	assert_int_equal(vpf_mig_linux_conv_feed(c, l.p, l.len), 0);
	assert_int_equal(vpf_mig_linux_conv_finish(c), 0);
	assert_int_equal(vpf_mig_linux_conv_finish(c), 0);
	assert_int_equal(vpf_mig_linux_conv_feed(c, l.p, 1), -EINVAL);
	assert_int_equal(vpf_mig_linux_conv_feed(c, NULL, 0), -EINVAL);
	assert_string_equal(vpf_mig_linux_conv_errmsg(c), "");
	vpf_mig_linux_conv_free(c);

	/* whole-buffer calls */
	vpf_stream(&v, 2, true);
	assert_int_equal(vpf_mig_linux_convert(VPF_MIG_LINUX_FROM, &test_id,
					       l.p, l.len, &o, &olen, &st), 0);
	assert_int_equal(olen, v.len);
	assert_memory_equal(o, v.p, v.len);
	assert_true(st.done);
	free(o);
	assert_int_equal(vpf_mig_linux_convert(VPF_MIG_LINUX_TO, NULL, v.p,
					       v.len, &o, &olen, NULL), 0);
	assert_int_equal(olen, l.len);
	assert_memory_equal(o, l.p, l.len);
	free(o);
	assert_int_equal(vpf_mig_linux_convert(VPF_MIG_LINUX_TO, NULL, l.p,
					       l.len, &o, &olen, &st), -EBADMSG);
	assert_null(o);
	assert_int_equal(olen, 0);
	assert_int_equal(vpf_mig_linux_convert(VPF_MIG_LINUX_FROM, NULL, l.p,
					       l.len, &o, &olen, NULL), -EINVAL);
	mig_buf_free(&l);
	mig_buf_free(&v);
	mig_buf_free(&out);
}

/* The format from the first bytes. */
static void
test_detect(void **state)
{
	struct mig_buf l = { 0 }, v = { 0 };
	uint8_t junk[16];
	size_t i;

	(void)state;
	linux_stream(&l, 1);
	vpf_stream(&v, 1, true);
	assert_int_equal(vpf_mig_format_detect(v.p, v.len), VPF_MIG_FORMAT_VPF);
	assert_int_equal(vpf_mig_format_detect(v.p, 8), VPF_MIG_FORMAT_VPF);
	assert_int_equal(vpf_mig_format_detect(l.p, l.len),
			 VPF_MIG_FORMAT_LINUX);
	assert_int_equal(vpf_mig_format_detect(l.p, VPF_MIG_FORMAT_DETECT_LEN),
			 VPF_MIG_FORMAT_LINUX);
	for (i = 0; i < VPF_MIG_FORMAT_DETECT_LEN; i++)
		assert_int_equal(vpf_mig_format_detect(l.p, i),
				 VPF_MIG_FORMAT_NEED_MORE);
	for (i = 0; i < 8; i++)
		assert_int_equal(vpf_mig_format_detect(v.p, i),
				 VPF_MIG_FORMAT_NEED_MORE);
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(vpf_mig_format_detect(junk, sizeof(junk)),
			 VPF_MIG_FORMAT_UNKNOWN);
	assert_int_equal(vpf_mig_format_detect(NULL, 0),
			 VPF_MIG_FORMAT_NEED_MORE);
	assert_string_equal(vpf_mig_format_name(VPF_MIG_FORMAT_LINUX), "linux");
	assert_string_equal(vpf_mig_format_name(VPF_MIG_FORMAT_VPF), "vpf");
	mig_buf_free(&l);
	mig_buf_free(&v);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_to_linux),
	cmocka_unit_test(test_to_linux_final_after_end),
	cmocka_unit_test(test_from_linux),
	cmocka_unit_test(test_round_trips),
	cmocka_unit_test(test_unknown_tags),
	cmocka_unit_test(test_too_large),
	cmocka_unit_test(test_truncated),
	cmocka_unit_test(test_cve_tail),
	cmocka_unit_test(test_draft_refused),
	cmocka_unit_test(test_corrupt_vpf_refused),
	cmocka_unit_test(test_bad_parts_refused),
	cmocka_unit_test(test_api),
	cmocka_unit_test(test_detect),
)
