/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Streaming validator: the same verdict and error as the whole-buffer
 * validator for every split of a context into 1..N chunks (inside the
 * context header, inside TLV headers, inside values), completion and
 * padding detection, field callbacks.
 */

#include "ctx_test_util.h"

static uint8_t buf[8192];
static struct vpf_ctx_stream st;

/* Every split of the sample into 2 and 3 chunks, and into fixed sizes. */
static void
test_every_split(void **state)
{
	struct vpf_ctx_error e;
	size_t len = sample_ctx(buf, sizeof(buf)), i, j, cuts[2];

	(void)state;
	assert_int_equal(check_both(buf, len, 0, NULL), 0);
	for (i = 0; i <= len; i++) {
		cuts[0] = i;
		for (j = i; j <= len; j++) {
			cuts[1] = j;
			assert_int_equal(stream_split(buf, len, 0, cuts, 2, &e),
					 0);
			assert_int_equal(e.code, VPF_CTX_OK);
		}
	}
}

/* Chunks of every fixed size 1..len, and random splits into up to 64. */
static void
test_chunk_sizes_and_random(void **state)
{
	size_t len = sample_ctx(buf, sizeof(buf)), c, off, n, i;
	size_t cuts[64];
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (c = 1; c <= len; c++) {
		n = 0;
		for (off = c; off < len && n < 64; off += c)
			cuts[n++] = off;
		if (off < len)
			continue;	/* more than 64 chunks: 1-byte case above */
		assert_int_equal(stream_split(buf, len, 0, cuts, n, NULL), 0);
	}
	for (i = 0; i < 20000; i++) {
		size_t k, t;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		n = rng % 64;
		for (k = 0; k < n; k++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			cuts[k] = rng % (len + 1);
		}
		/* sort (insertion) */
		for (k = 1; k < n; k++)
			for (t = k; t > 0 && cuts[t - 1] > cuts[t]; t--) {
				size_t x = cuts[t];

				cuts[t] = cuts[t - 1];
				cuts[t - 1] = x;
			}
		assert_int_equal(stream_split(buf, len, 0, cuts, n, NULL), 0);
	}
}

/* Malformed contexts: each of the sample's bytes corrupted in turn, with
 * every 2-chunk split: always the whole-buffer verdict and error. */
static void
test_corruptions_agree(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0xff };
	size_t len = sample_ctx(buf, sizeof(buf)), i, v;
	int bad = 0;

	(void)state;
	for (i = 0; i < len; i++) {
		uint8_t orig = buf[i];

		for (v = 0; v < sizeof(vals); v++) {
			if (vals[v] == orig)
				continue;
			buf[i] = vals[v];
			if (check_both(buf, len, 0, NULL) < 0)
				bad++;
			if (check_both(buf, len, VPF_CTX_F_ALLOW_PAD, NULL) < 0)
				bad++;
		}
		buf[i] = orig;
	}
	/* The corruptions do produce malformed contexts (test can fail). */
	assert_true(bad > 100);
}

static void
test_complete_and_pad(void **state)
{
	size_t len = sample_ctx(buf, sizeof(buf)), i;
	struct vpf_ctx_error e;

	(void)state;
	/* O(1) state: counters, a header buffer and the 3 x 8 KiB bitmaps. */
	assert_true(sizeof(struct vpf_ctx_stream) <= 3 * 8192 + 384 + 512);
	assert_int_equal(vpf_ctx_stream_init(&st, VPF_CTX_F_ALLOW_PAD, NULL,
					     NULL), 0);
	for (i = 0; i < len; i++) {
		assert_false(vpf_ctx_stream_complete(&st));
		assert_int_equal(vpf_ctx_stream_feed(&st, buf + i, 1), 0);
		assert_int_equal(vpf_ctx_stream_pos(&st), i + 1);
	}
	assert_true(vpf_ctx_stream_complete(&st));
	assert_int_equal(vpf_ctx_stream_ctx_len(&st), len);
	/* Pad the last chunk to a multiple of 8 (D-1.2): 324 -> 328. */
	memset(buf + len, 0, 16);
	assert_int_equal(vpf_ctx_stream_feed(&st, buf + len, 4), 0);
	assert_int_equal(vpf_ctx_stream_finish(&st, &e), 0);
	assert_int_equal(e.code, VPF_CTX_OK);
	assert_int_equal(vpf_ctx_stream_feed(&st, buf + len, 3), 0);
	/* The 8th padding byte is one too many. */
	assert_int_equal(vpf_ctx_stream_feed(&st, buf + len, 1), -EBADMSG);
	assert_int_equal(vpf_ctx_stream_error(&st)->code,
			 VPF_CTX_ERR_TRAILING_BYTES);
	assert_int_equal(vpf_ctx_stream_error(&st)->offset, len);
	assert_true(vpf_ctx_stream_complete(&st));
	assert_int_equal(vpf_ctx_stream_finish(&st, &e), -EBADMSG);

	/* Without the flag the first trailing byte fails, even a zero. */
	assert_int_equal(vpf_ctx_stream_init(&st, 0, NULL, NULL), 0);
	assert_int_equal(vpf_ctx_stream_feed(&st, buf, len), 0);
	assert_true(vpf_ctx_stream_complete(&st));
	assert_int_equal(vpf_ctx_stream_feed(&st, buf + len, 0), 0);
	assert_int_equal(vpf_ctx_stream_feed(&st, buf + len, 1), -EBADMSG);

	/* A writer's check: complete context plus <= 7 zero bytes. */
	assert_int_equal(vpf_ctx_stream_init(&st, 0, NULL, NULL), 0);
	assert_int_equal(vpf_ctx_stream_feed(&st, buf, len - 1), 0);
	assert_false(vpf_ctx_stream_complete(&st));
	assert_int_equal(vpf_ctx_stream_finish(&st, &e), -EBADMSG);
	assert_int_equal(e.code, VPF_CTX_ERR_TRUNC_VALUE);
	assert_int_equal(e.offset, len - 1);

	/* Empty context: complete after 4 bytes. */
	memset(buf, 0, 8);
	assert_int_equal(vpf_ctx_stream_init(&st, 0, NULL, NULL), 0);
	assert_int_equal(vpf_ctx_stream_feed(&st, buf, 3), 0);
	assert_false(vpf_ctx_stream_complete(&st));
	assert_int_equal(vpf_ctx_stream_feed(&st, buf + 3, 1), 0);
	assert_true(vpf_ctx_stream_complete(&st));
	assert_int_equal(vpf_ctx_stream_ctx_len(&st), 4);
	assert_int_equal(vpf_ctx_stream_finish(&st, NULL), 0);

	/* Nothing fed at all. */
	assert_int_equal(vpf_ctx_stream_init(&st, 0, NULL, NULL), 0);
	assert_int_equal(vpf_ctx_stream_finish(&st, &e), -EBADMSG);
	assert_int_equal(e.code, VPF_CTX_ERR_TRUNC_HEADER);
	assert_int_equal(vpf_ctx_stream_feed(NULL, buf, 1), -EINVAL);
	assert_int_equal(vpf_ctx_stream_finish(NULL, NULL), -EINVAL);
}

struct cb_log {
	unsigned int n;
	uint16_t types[16];
	uint64_t offs[16];
	uint64_t lens[16];
	unsigned int fail_at;
};

static int
field_cb(const struct vpf_ctx_field *f, void *arg)
{
	struct cb_log *log = arg;

	assert_null(f->value);
	assert_null(f->tlv);
	assert_int_equal(f->index, log->n);
	if (log->n < 16) {
		log->types[log->n] = f->type;
		log->offs[log->n] = f->offset;
		log->lens[log->n] = f->length;
	}
	if (++log->n == log->fail_at)
		return -EOPNOTSUPP;
	return 0;
}

static void
test_callback(void **state)
{
	size_t len = sample_ctx(buf, sizeof(buf)), i;
	struct cb_log log;
	struct vpf_ctx_error e;
	int rc;

	(void)state;
	memset(&log, 0, sizeof(log));
	assert_int_equal(vpf_ctx_stream_init(&st, 0, field_cb, &log), 0);
	for (i = 0; i < len; i += 7) {
		size_t n = len - i < 7 ? len - i : 7;

		assert_int_equal(vpf_ctx_stream_feed(&st, buf + i, n), 0);
	}
	assert_int_equal(vpf_ctx_stream_finish(&st, NULL), 0);
	assert_int_equal(log.n, SAMPLE_FIELDS);
	for (i = 0; i < SAMPLE_FIELDS; i++) {
		assert_int_equal(log.offs[i], sample_off[i]);
		assert_int_equal(log.lens[i],
				 sample_off[i + 1] - sample_off[i] - 16);
	}
	assert_int_equal(log.types[0], VPF_CTX_PCI_COMMON_CFG);
	assert_int_equal(log.types[7], VPF_CTX_VQ_SPLIT_DEV_OWN_DESC);
	assert_int_equal(log.types[8], VPF_CTX_DEV_CFG);

	/* A refusal stops the stream with the callback's errno. */
	memset(&log, 0, sizeof(log));
	log.fail_at = 3;
	assert_int_equal(vpf_ctx_stream_init(&st, 0, field_cb, &log), 0);
	rc = vpf_ctx_stream_feed(&st, buf, len);
	assert_int_equal(rc, -EOPNOTSUPP);
	assert_int_equal(vpf_ctx_stream_feed(&st, buf, 1), -EOPNOTSUPP);
	assert_int_equal(vpf_ctx_stream_finish(&st, &e), -EOPNOTSUPP);
	assert_int_equal(e.code, VPF_CTX_ERR_ABORTED);
	assert_int_equal(e.field_index, 2);
	assert_int_equal(e.offset, sample_off[2]);
	assert_int_equal(e.field_offset, sample_off[2]);
	assert_int_equal(log.n, 3);

	/* A zero-length last field completes with the header. */
	memset(&log, 0, sizeof(log));
	memset(buf, 0, 64);
	put_u32(buf, 0, 1);
	put_tlv(buf, 4, 0x1234, 0);
	assert_int_equal(vpf_ctx_stream_init(&st, 0, field_cb, &log), 0);
	assert_int_equal(vpf_ctx_stream_feed(&st, buf, 20), 0);
	assert_true(vpf_ctx_stream_complete(&st));
	assert_int_equal(log.n, 1);
	assert_int_equal(log.types[0], 0x1234);
}

/* A large context (> 256 KiB) streamed in 4 KiB, 8-byte and odd chunks. */
static void
test_large(void **state)
{
	struct vpf_ctx_builder b;
	struct vpf_ctx_error e, se;
	uint16_t idx[1000];
	const uint8_t *p;
	size_t len, off, chunk;
	static const size_t chunks[] = { 4096, 8, 4093, 65536, 1 };
	unsigned int q, c;

	(void)state;
	for (q = 0; q < 1000; q++)
		idx[q] = (uint16_t)q;
	assert_int_equal(vpf_ctx_builder_init_grow(&b, 0), 0);
	build_sample(&b);
	for (q = 2; q < 140; q++) {
		struct vpf_ctx_vq_runtime rt = { .vq_index = (uint16_t)q };

		assert_int_equal(vpf_ctx_add_vq_runtime(&b, &rt), 0);
		assert_int_equal(vpf_ctx_add_own_desc(&b, (uint16_t)q, idx, 1000),
				 0);
	}
	p = vpf_ctx_builder_data(&b);
	len = vpf_ctx_builder_len(&b);
	assert_true(len >= 256 * 1024);
	assert_int_equal(vpf_ctx_validate(p, len, 0, &e), 0);
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		assert_int_equal(vpf_ctx_stream_init(&st, 0, NULL, NULL), 0);
		for (off = 0; off < len; off += chunk) {
			chunk = len - off < chunks[c] ? len - off : chunks[c];
			assert_int_equal(vpf_ctx_stream_feed(&st, p + off, chunk),
					 0);
		}
		assert_int_equal(vpf_ctx_stream_finish(&st, &se), 0);
	}
	/* Repeat queue 139's own-desc list: same error both ways. */
	assert_int_equal(vpf_ctx_add_own_desc(&b, 139, idx, 3), 0);
	p = vpf_ctx_builder_data(&b);
	len = vpf_ctx_builder_len(&b);
	assert_int_equal(vpf_ctx_validate(p, len, 0, &e), -EBADMSG);
	assert_int_equal(e.code, VPF_CTX_ERR_DUP_VQ);
	assert_int_equal(e.offset, len - 10);
	assert_int_equal(vpf_ctx_stream_init(&st, 0, NULL, NULL), 0);
	for (off = 0; off < len; off += chunk) {
		chunk = len - off < 4096 ? len - off : 4096;
		if (vpf_ctx_stream_feed(&st, p + off, chunk) < 0)
			break;
	}
	assert_int_equal(vpf_ctx_stream_finish(&st, &se), -EBADMSG);
	assert_err_equal(&se, &e);
	vpf_ctx_builder_fini(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_chunk_sizes_and_random),
		cmocka_unit_test(test_corruptions_agree),
		cmocka_unit_test(test_complete_and_pad),
		cmocka_unit_test(test_callback),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests_name("ctx_stream", tests, NULL, NULL);
}
