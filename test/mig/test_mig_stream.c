/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Migration stream format and pure helpers, no device: round trips in every
 * chunk size, every corruption, every truncation, reordered, unknown and
 * incompatible records; the VFIO arc table and walks; range normalisation
 * and bitmap merging.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>

#include "vpf_ctx.h"
#include "vpf_parts.h"
#include "vpf_mig.h"
#include "mig/mig_internal.h"
#include "mig_dst_fields.h"
#include "mig_test_main.h"

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

/* A small well-formed context: common cfg, features, 2 queues, dev cfg.
 * @p salt varies the values. */
static size_t
make_ctx(uint8_t *buf, size_t cap, uint16_t salt)
{
	struct vpf_ctx_builder b;
	struct vpf_ctx_common_cfg cc;
	struct vpf_ctx_vq_cfg vq;
	struct vpf_ctx_vq_runtime rt;
	uint64_t feat = (UINT64_C(1) << 32) | salt;
	uint16_t desc[3] = { 1, 2, salt };
	uint8_t cfg[12] = { 2, 0, 0, 0, 0, (uint8_t)salt };
	uint16_t q;

	assert_int_equal(vpf_ctx_builder_init(&b, buf, cap), 0);
	memset(&cc, 0, sizeof(cc));
	cc.num_queues = 2;
	cc.device_status = 0xf;
	cc.queue_select = salt;
	assert_int_equal(vpf_ctx_add_common_cfg(&b, &cc), 0);
	assert_int_equal(vpf_ctx_add_features(&b, &feat, 1), 0);
	for (q = 0; q < 2; q++) {
		memset(&vq, 0, sizeof(vq));
		vq.vq_index = q;
		vq.queue_size = 256;
		vq.queue_desc = 0x1000u * (q + 1) + salt;
		assert_int_equal(vpf_ctx_add_vq_cfg(&b, &vq), 0);
		rt.vq_index = q;
		rt.dev_avail_idx = salt + q;
		rt.enabled = 1;
		assert_int_equal(vpf_ctx_add_vq_runtime(&b, &rt), 0);
		assert_int_equal(vpf_ctx_add_own_desc(&b, q, desc, 3), 0);
	}
	assert_int_equal(vpf_ctx_add_dev_cfg(&b, cfg, sizeof(cfg)), 0);
	return vpf_ctx_builder_len(&b);
}

static void
desc_init(struct mig_src_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->vendor_id = 0x1af4;
	d->device_id = 0x1041;
	d->src_vf = 3;
	d->num_queues = 2;
	d->features[0] = UINT64_C(1) << 32;
	d->fields = dst_fields;
	d->nfields = NDST;
}

/* Header, @p rounds precopy contexts, final, end. */
static void
make_stream(struct mig_buf *out, unsigned int rounds)
{
	struct mig_writer w;
	struct mig_src_desc d;
	uint8_t ctx[1024];
	size_t n;
	unsigned int r;

	memset(out, 0, sizeof(*out));
	mig_writer_init(&w, out);
	desc_init(&d);
	assert_int_equal(mig_writer_header(&w, &d), 0);
	for (r = 1; r <= rounds; r++) {
		n = make_ctx(ctx, sizeof(ctx), (uint16_t)r);
		assert_int_equal(mig_writer_precopy(&w, r, ctx, n), 0);
	}
	n = make_ctx(ctx, sizeof(ctx), 99);
	assert_int_equal(mig_writer_final(&w, ctx, n), 0);
	assert_int_equal(mig_writer_end(&w), 0);
}

struct seen {
	unsigned int precopy;
	unsigned int final;
	uint32_t last_round;
	size_t final_len;
	uint8_t final_ctx[1024];
};

static int
seen_cb(struct mig_parser *p, enum mig_ctx_kind kind, uint32_t round,
	const uint8_t *ctx, size_t len, void *arg)
{
	struct seen *s = arg;

	(void)p;
	if (kind == MIG_CTX_PRECOPY) {
		s->precopy++;
		s->last_round = round;
	} else {
		s->final++;
		s->final_len = len;
		if (len <= sizeof(s->final_ctx))
			memcpy(s->final_ctx, ctx, len);
	}
	return 0;
}

/* Parse @p len bytes in @p chunk pieces; @return finish's result (or the
 * first feed error). */
static int
parse(const uint8_t *buf, size_t len, size_t chunk,
      const struct vpf_admin_ctx_field_info *f, uint32_t nf, struct seen *s,
      struct vpf_mig_stream_info *info)
{
	struct mig_parser p;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(s, 0, sizeof(*s));
	mig_parser_init(&p, f, nf, seen_cb, s);
	rc = mig_parser_run(&p, buf, len, chunk);
	if (info)
		*info = p.info;
	mig_parser_fini(&p);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Hand-made records (to build streams the writer never would)
 * ------------------------------------------------------------------------- */

static void
put_rec(struct mig_buf *b, uint16_t type, uint16_t flags, uint32_t seq,
	const void *payload, size_t len)
{
	uint8_t h[16];
	uint32_t crc;
	uint64_t l = len;

	memcpy(h, &type, 2);
	memcpy(h + 2, &flags, 2);
	memcpy(h + 4, &seq, 4);
	memcpy(h + 8, &l, 8);
	crc = mig_crc32c(0, h, 16);
	crc = mig_crc32c(crc, payload, len);
	mig_buf_append(b, h, 16);
	mig_buf_append(b, payload, len);
	mig_buf_append(b, &crc, 4);
}

static void
put_end(struct mig_buf *b, uint32_t seq)
{
	uint8_t p[16];
	uint64_t bytes = b->len;
	uint32_t crc = mig_crc32c(0, b->p, b->len);

	memcpy(p, &bytes, 8);
	memcpy(p + 8, &seq, 4);
	memcpy(p + 12, &crc, 4);
	put_rec(b, VPF_MIG_REC_END, VPF_MIG_REC_F_REQUIRED, seq, p, 16);
}

static void
put_header(struct mig_buf *b)
{
	struct mig_writer w;
	struct mig_src_desc d;

	memset(b, 0, sizeof(*b));
	mig_writer_init(&w, b);
	desc_init(&d);
	assert_int_equal(mig_writer_header(&w, &d), 0);
}

static void
put_precopy(struct mig_buf *b, uint32_t seq, uint32_t round, uint16_t salt)
{
	uint8_t pl[1024 + 8];
	size_t n = make_ctx(pl + 8, sizeof(pl) - 8, salt);

	memcpy(pl, &round, 4);
	memset(pl + 4, 0, 4);
	put_rec(b, VPF_MIG_REC_PRECOPY, VPF_MIG_REC_F_REQUIRED, seq, pl, n + 8);
}

static void
put_final(struct mig_buf *b, uint32_t seq, uint16_t salt)
{
	uint8_t ctx[1024];
	size_t n = make_ctx(ctx, sizeof(ctx), salt);

	put_rec(b, VPF_MIG_REC_FINAL, VPF_MIG_REC_F_REQUIRED, seq, ctx, n);
}

/* ---------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------- */

/* Bitwise CRC-32C (reflected polynomial 0x82f63b78), the definition. */
static uint32_t
crc32c_ref(uint32_t crc, const uint8_t *p, size_t len)
{
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* The accelerated CRC (8 bytes at a time where the CPU allows) and the
 * two-at-once variant against the definition, at every length and
 * alignment around the 8-byte steps. */
static void
test_crc32c_paths(void **state)
{
	uint8_t buf[300];
	size_t off, len, i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131u + 7u);
	for (off = 0; off < 8; off++) {
		for (len = 0; len + off <= sizeof(buf); len++) {
			uint32_t want = crc32c_ref(0x12345678u, buf + off, len);
			uint32_t a = 0x12345678u, b = 0;

			assert_int_equal(mig_crc32c(0x12345678u, buf + off, len),
					 want);
			mig_crc32c_2(&a, &b, buf + off, len);
			assert_int_equal(a, want);
			assert_int_equal(b, crc32c_ref(0, buf + off, len));
		}
	}
}

static void
test_crc32c(void **state)
{
	(void)state;
	/* The CRC-32C check value. */
	assert_int_equal(mig_crc32c(0, "123456789", 9), 0xe3069283);
	/* Incremental equals one shot. */
	assert_int_equal(mig_crc32c(mig_crc32c(0, "1234", 4), "56789", 5),
			 0xe3069283);
}

static void
test_roundtrip_chunks(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 8, 13, 16, 63, 64,
					 100, 4096, 1 << 20 };
	struct vpf_mig_stream_info info;
	struct mig_buf s;
	struct seen sn;
	uint8_t ref[1024];
	size_t i, reflen;
	unsigned int rounds;

	(void)state;
	reflen = make_ctx(ref, sizeof(ref), 99);
	for (rounds = 0; rounds <= 3; rounds++) {
		make_stream(&s, rounds);
		for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
			assert_int_equal(parse(s.p, s.len, chunks[i], dst_fields,
					       NDST, &sn, &info), 0);
			assert_int_equal(sn.precopy, rounds);
			assert_int_equal(sn.last_round, rounds);
			assert_int_equal(sn.final, 1);
			assert_int_equal(sn.final_len, reflen);
			assert_memory_equal(sn.final_ctx, ref, reflen);
			assert_true(info.complete);
			assert_int_equal(info.version, VPF_MIG_STREAM_VERSION);
			assert_int_equal(info.vendor_id, 0x1af4);
			assert_int_equal(info.device_id, 0x1041);
			assert_int_equal(info.src_vf, 3);
			assert_int_equal(info.num_queues, 2);
			assert_int_equal(info.nfields, NDST);
			assert_int_equal(info.records, rounds + 2);
			assert_int_equal(info.bytes, s.len);
		}
		/* Without a destination list too, and the public validator. */
		assert_int_equal(parse(s.p, s.len, 7, NULL, 0, &sn, NULL), 0);
		assert_int_equal(vpf_mig_stream_validate(s.p, s.len, dst_fields,
							 NDST, &info), 0);
		assert_true(info.final);
		mig_buf_free(&s);
	}
}

static void
test_every_corruption_refused(void **state)
{
	struct mig_buf s;
	struct seen sn;
	size_t i;
	int rc;

	(void)state;
	make_stream(&s, 1);
	for (i = 0; i < s.len; i++) {
		uint8_t bit;

		for (bit = 1; bit; bit <<= 3) {
			s.p[i] ^= bit;
			rc = parse(s.p, s.len, 11, dst_fields, NDST, &sn, NULL);
			s.p[i] ^= bit;
			assert_true(rc < 0);
			/* The final context never reaches a caller. */
			assert_int_equal(sn.final, 0);
		}
	}
	mig_buf_free(&s);
}

static void
test_every_truncation_refused(void **state)
{
	struct mig_buf s;
	struct seen sn;
	size_t i;
	int rc;

	(void)state;
	make_stream(&s, 2);
	for (i = 0; i < s.len; i++) {
		rc = parse(s.p, i, 5, dst_fields, NDST, &sn, NULL);
		assert_int_equal(rc, -ENODATA);
		assert_int_equal(sn.final, 0);
	}
	/* One byte too many. */
	mig_buf_append(&s, "", 1);
	assert_int_equal(parse(s.p, s.len, 64, dst_fields, NDST, &sn, NULL),
			 -EBADMSG);
	mig_buf_free(&s);
}

/* One record of a hand-made stream: a precopy context ('P', round
 * @p round, context salt @p salt), the final context ('F', salt 9) or the
 * END ('E'), with sequence number @p seq. */
struct rec_op {
	char kind;
	uint32_t seq;
	uint32_t round;
	uint16_t salt;
};

static void
put_ops(struct mig_buf *b, const struct rec_op *op, unsigned int n)
{
	unsigned int i;

	put_header(b);
	for (i = 0; i < n && op[i].kind != 0; i++) {
		if (op[i].kind == 'P')
			put_precopy(b, op[i].seq, op[i].round, op[i].salt);
		else if (op[i].kind == 'F')
			put_final(b, op[i].seq, op[i].salt);
		else
			put_end(b, op[i].seq);
	}
}

#define P(seq, round, salt)	{ 'P', (seq), (round), (salt) }
#define F(seq)			{ 'F', (seq), 0, 9 }
#define E(seq)			{ 'E', (seq), 0, 0 }

static void
test_reordered_refused(void **state)
{
	static const struct {
		const char *what;
		struct rec_op op[4];
		int rc;
		bool nothing;	/* not even a precopy context reaches us */
	} t[] = {
		/* Correct hand-made stream first: the helpers are right. */
		{ "in order", { P(0, 1, 1), P(1, 2, 2), F(2), E(3) }, 0, false },
		{ "records swapped (sequence numbers out of order)",
		  { P(1, 2, 2), P(0, 1, 1), F(2), E(3) }, -EBADMSG, true },
		{ "renumbered, but rounds going backwards",
		  { P(0, 2, 2), P(1, 1, 1), F(2), E(3) }, -EBADMSG, false },
		{ "precopy after the final context",
		  { F(0), P(1, 1, 1), E(2) }, -EBADMSG, true },
		{ "END before the final context",
		  { P(0, 1, 1), E(1) }, -EBADMSG, false },
		{ "two finals", { F(0), F(1), E(2) }, -EBADMSG, false },
		{ "a record repeated", { F(0), F(0), E(1) }, -EBADMSG, false },
	};
	struct mig_buf b;
	struct seen sn;
	unsigned int i;
	int rc;

	(void)state;
	for (i = 0; i < RTE_DIM(t); i++) {
		put_ops(&b, t[i].op, RTE_DIM(t[i].op));
		rc = parse(b.p, b.len, 9, dst_fields, NDST, &sn, NULL);
		if (rc != t[i].rc)
			fail_msg("%s: parse says %d, not %d", t[i].what, rc,
				 t[i].rc);
		/* A refused stream's final context never reaches a caller. */
		assert_int_equal(sn.final, t[i].rc == 0 ? 1 : 0);
		if (t[i].nothing)
			assert_int_equal(sn.precopy, 0);
		mig_buf_free(&b);
	}

	/* An END whose totals do not match (a record dropped in transit
	 * and renumbered around). */
	put_header(&b);
	put_final(&b, 0, 9);
	{
		uint8_t p[16] = { 0 };
		uint32_t seq = 1;

		memcpy(p + 8, &seq, 4);
		put_rec(&b, VPF_MIG_REC_END, VPF_MIG_REC_F_REQUIRED, 1, p, 16);
	}
	assert_int_equal(parse(b.p, b.len, 9, dst_fields, NDST, &sn, NULL),
			 -EBADMSG);
	assert_int_equal(sn.final, 0);
	mig_buf_free(&b);
}

#undef P
#undef F
#undef E

static void
test_unknown_records(void **state)
{
	struct vpf_mig_stream_info info;
	struct mig_buf b;
	struct seen sn;

	(void)state;
	/* Unknown optional records (and INFO) are skipped. */
	put_header(&b);
	put_rec(&b, 0x1234, 0, 0, "hello", 5);
	put_rec(&b, VPF_MIG_REC_INFO, 0, 1, "rounds=0", 8);
	put_final(&b, 2, 9);
	put_rec(&b, 0x4321, 0, 3, NULL, 0);
	put_end(&b, 4);
	assert_int_equal(parse(b.p, b.len, 3, dst_fields, NDST, &sn, &info), 0);
	assert_int_equal(info.skipped, 3);
	assert_int_equal(sn.final, 1);
	mig_buf_free(&b);

	/* Unknown required: refused. */
	put_header(&b);
	put_rec(&b, 0x1234, VPF_MIG_REC_F_REQUIRED, 0, "hello", 5);
	put_final(&b, 1, 9);
	put_end(&b, 2);
	assert_int_equal(parse(b.p, b.len, 3, dst_fields, NDST, &sn, NULL),
			 -EPROTONOSUPPORT);
	assert_int_equal(sn.final, 0);
	mig_buf_free(&b);

	/* Flags we do not know: refused. */
	put_header(&b);
	put_rec(&b, 0x1234, 0x0001, 0, "x", 1);
	assert_int_equal(parse(b.p, b.len, 3, dst_fields, NDST, &sn, NULL),
			 -EBADMSG);
	mig_buf_free(&b);

	/* A record claiming 2^63 bytes is refused without allocating. */
	put_header(&b);
	{
		uint8_t h[16] = { 0 };
		uint16_t t = VPF_MIG_REC_FINAL;
		uint64_t l = UINT64_C(1) << 63;

		memcpy(h, &t, 2);
		memcpy(h + 8, &l, 8);
		mig_buf_append(&b, h, 16);
	}
	assert_int_equal(parse(b.p, b.len, 3, dst_fields, NDST, &sn, NULL),
			 -EBADMSG);
	mig_buf_free(&b);
}

static void
test_header_refusals(void **state)
{
	struct mig_buf s;
	struct seen sn;
	uint16_t v;
	uint32_t crc;

	(void)state;
	make_stream(&s, 0);
	/* Version 2 with a correct header CRC: not understood. */
	v = 2;
	memcpy(s.p + MIG_HDR_OFF_VERSION, &v, 2);
	crc = mig_crc32c(0, s.p, MIG_HDR_FIXED + NDST * MIG_FIELD_SIZE);
	memcpy(s.p + MIG_HDR_FIXED + NDST * MIG_FIELD_SIZE, &crc, 4);
	assert_int_equal(parse(s.p, s.len, 64, dst_fields, NDST, &sn, NULL),
			 -EPROTONOSUPPORT);
	mig_buf_free(&s);

	make_stream(&s, 0);
	s.p[0] = 'X';
	assert_int_equal(parse(s.p, s.len, 64, dst_fields, NDST, &sn, NULL),
			 -EBADMSG);
	mig_buf_free(&s);

	/* Empty stream. */
	assert_int_equal(parse(NULL, 0, 64, dst_fields, NDST, &sn, NULL),
			 -ENODATA);
	assert_int_equal(vpf_mig_stream_validate(NULL, 0, NULL, 0, NULL),
			 -ENODATA);
}

static void
test_incompatible_refused(void **state)
{
	struct vpf_admin_ctx_field_info f[NDST];
	struct mig_buf s, b;
	struct seen sn;

	(void)state;
	make_stream(&s, 1);
	/* Destination without DEV_CFG: the header's list is refused. */
	memcpy(f, dst_fields, sizeof(f));
	assert_int_equal(parse(s.p, s.len, 64, f, NDST - 1, &sn, NULL),
			 -EPROTO);
	assert_int_equal(sn.precopy + sn.final, 0);
	/* Fixed type of another length at the destination. */
	f[2].length = 32;
	assert_int_equal(parse(s.p, s.len, 64, f, NDST, &sn, NULL), -EPROTO);
	assert_int_equal(sn.precopy + sn.final, 0);
	/* Variable type whose maximum is too small at the destination. */
	memcpy(f, dst_fields, sizeof(f));
	f[4].length = 4 + 2 * 128;
	assert_int_equal(parse(s.p, s.len, 64, f, NDST, &sn, NULL), -EPROTO);

	/* Another device type. */
	{
		struct mig_parser p;

		memset(&p, 0, sizeof(p));
		mig_parser_init(&p, dst_fields, NDST, seen_cb, &sn);
		p.expect_vendor = 0x1af4;
		p.expect_device = 0x1042;
		assert_int_equal(mig_parser_feed(&p, s.p, s.len), -EPROTO);
		mig_parser_fini(&p);
		memset(&p, 0, sizeof(p));
		mig_parser_init(&p, dst_fields, NDST, NULL, NULL);
		p.expect_vendor = 0x1af4;
		p.expect_device = 0x1041;
		assert_int_equal(mig_parser_feed(&p, s.p, s.len), 0);
		assert_int_equal(mig_parser_finish(&p), 0);
		mig_parser_fini(&p);
	}
	mig_buf_free(&s);

	/* A source without FIELDS_QUERY (empty header list): the contexts
	 * themselves are checked. */
	{
		struct mig_writer w;
		struct mig_src_desc d;
		uint8_t ctx[1024];
		size_t n;

		memset(&b, 0, sizeof(b));
		mig_writer_init(&w, &b);
		desc_init(&d);
		d.nfields = 0;
		assert_int_equal(mig_writer_header(&w, &d), 0);
		n = make_ctx(ctx, sizeof(ctx), 5);
		assert_int_equal(mig_writer_final(&w, ctx, n), 0);
		assert_int_equal(mig_writer_end(&w), 0);
	}
	assert_int_equal(parse(b.p, b.len, 64, dst_fields, NDST, &sn, NULL), 0);
	assert_int_equal(parse(b.p, b.len, 64, dst_fields, NDST - 1, &sn, NULL),
			 -EPROTO);
	assert_int_equal(sn.final, 0);
	mig_buf_free(&b);
}

static void
test_malformed_context_refused(void **state)
{
	struct mig_buf b;
	struct seen sn;
	uint8_t ctx[1024];
	size_t n;

	(void)state;
	/* field_count one too high, with a good record CRC. */
	n = make_ctx(ctx, sizeof(ctx), 4);
	ctx[0]++;
	put_header(&b);
	put_rec(&b, VPF_MIG_REC_FINAL, VPF_MIG_REC_F_REQUIRED, 0, ctx, n);
	put_end(&b, 1);
	assert_int_equal(parse(b.p, b.len, 64, dst_fields, NDST, &sn, NULL),
			 -EBADMSG);
	assert_int_equal(sn.final, 0);
	mig_buf_free(&b);
}

/* ---------------------------------------------------------------------------
 * State machine table (pure)
 * ------------------------------------------------------------------------- */

/* A small valid parts set (what a 1.4 PARTS_GET ALL returns). */
static size_t
make_parts(uint8_t *buf, size_t cap, uint8_t status)
{
	struct vpf_parts_builder b;
	uint64_t feat = (UINT64_C(1) << 32) | 1;

	assert_int_equal(vpf_parts_builder_init(&b, buf, cap), 0);
	assert_int_equal(vpf_parts_add_dev_features(&b, &feat, 1), 0);
	assert_int_equal(vpf_parts_add_drv_features(&b, &feat, 1), 0);
	assert_int_equal(vpf_parts_add_status(&b, status), 0);
	return vpf_parts_builder_parts_len(&b);
}

static void
parts_stream(struct mig_buf *out, unsigned int rounds, bool draft_rec)
{
	struct mig_writer w;
	struct mig_src_desc d;
	uint8_t set[256];
	size_t n;
	unsigned int r;

	memset(out, 0, sizeof(*out));
	mig_writer_init(&w, out);
	desc_init(&d);
	d.fields = NULL;
	d.nfields = 0;
	d.parts = true;
	assert_int_equal(mig_writer_header(&w, &d), 0);
	for (r = 1; r <= rounds; r++) {
		n = make_parts(set, sizeof(set), 0x0f);
		assert_int_equal(mig_writer_precopy(&w, r, set, n), 0);
	}
	n = make_parts(set, sizeof(set), 0x4f);
	if (draft_rec)
		assert_int_equal(mig_writer_record(&w, VPF_MIG_REC_FINAL,
						   VPF_MIG_REC_F_REQUIRED,
						   NULL, 0, set, n), 0);
	else
		assert_int_equal(mig_writer_final(&w, set, n), 0);
	assert_int_equal(mig_writer_end(&w), 0);
}

static int
parse_kind(const struct mig_buf *s, uint8_t kind)
{
	struct mig_parser p;
	struct seen sn;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&sn, 0, sizeof(sn));
	mig_parser_init(&p, NULL, 0, seen_cb, &sn);
	p.expect_kind = kind;
	rc = mig_parser_run(&p, s->p, s->len, 13);
	mig_parser_fini(&p);
	return rc;
}

/* A 1.4 stream: header flag PARTS, no field list, PARTS_PRECOPY and
 * PARTS_FINAL records holding parts sets; neither kind of record is
 * accepted in the other kind of stream, and a destination refuses the
 * other dialect's stream at the header. */
static void
test_parts_stream(void **state)
{
	struct vpf_mig_stream_info info;
	struct mig_writer w;
	struct mig_src_desc d;
	struct mig_buf s;
	struct seen sn;
	uint8_t ref[256], bad[64];
	size_t reflen;

	(void)state;
	reflen = make_parts(ref, sizeof(ref), 0x4f);
	parts_stream(&s, 2, false);
	assert_int_equal(parse(s.p, s.len, 5, NULL, 0, &sn, &info), 0);
	assert_true(info.parts);
	assert_true(info.complete);
	assert_int_equal(info.nfields, 0);
	assert_int_equal(sn.precopy, 2);
	assert_int_equal(sn.final, 1);
	assert_int_equal(sn.final_len, reflen);
	assert_memory_equal(sn.final_ctx, ref, reflen);
	assert_int_equal(vpf_mig_stream_validate(s.p, s.len, NULL, 0, &info), 0);
	assert_int_equal(parse_kind(&s, MIG_EXPECT_PARTS), 0);
	assert_int_equal(parse_kind(&s, MIG_EXPECT_CTX), -EPROTO);
	mig_buf_free(&s);

	/* A draft stream where a 1.4 destination expects parts. */
	make_stream(&s, 1);
	assert_int_equal(parse_kind(&s, MIG_EXPECT_PARTS), -EPROTO);
	assert_int_equal(parse_kind(&s, MIG_EXPECT_CTX), 0);
	mig_buf_free(&s);

	/* A draft FINAL record inside a parts stream. */
	parts_stream(&s, 0, true);
	assert_int_equal(parse(s.p, s.len, 64, NULL, 0, &sn, NULL), -EBADMSG);
	mig_buf_free(&s);

	/* A parts record inside a draft stream. */
	put_header(&s);
	reflen = make_parts(ref, sizeof(ref), 0x4f);
	put_rec(&s, VPF_MIG_REC_PARTS_FINAL, VPF_MIG_REC_F_REQUIRED, 0, ref,
		reflen);
	put_end(&s, 1);
	assert_int_equal(parse(s.p, s.len, 64, NULL, 0, &sn, NULL), -EBADMSG);
	mig_buf_free(&s);

	/* A malformed parts set, and an empty one. */
	memset(bad, 0xff, sizeof(bad));
	memset(&s, 0, sizeof(s));
	mig_writer_init(&w, &s);
	desc_init(&d);
	d.fields = NULL;
	d.nfields = 0;
	d.parts = true;
	assert_int_equal(mig_writer_header(&w, &d), 0);
	assert_int_equal(mig_writer_final(&w, bad, sizeof(bad)), 0);
	assert_int_equal(mig_writer_end(&w), 0);
	assert_int_equal(parse(s.p, s.len, 64, NULL, 0, &sn, NULL), -EBADMSG);
	mig_buf_free(&s);
	memset(&s, 0, sizeof(s));
	mig_writer_init(&w, &s);
	assert_int_equal(mig_writer_header(&w, &d), 0);
	assert_int_equal(mig_writer_final(&w, bad, 0), 0);
	assert_int_equal(mig_writer_end(&w), 0);
	assert_int_equal(parse(s.p, s.len, 64, NULL, 0, &sn, NULL), -EBADMSG);
	mig_buf_free(&s);

	/* The writer refuses a parts header with a field list. */
	memset(&s, 0, sizeof(s));
	mig_writer_init(&w, &s);
	desc_init(&d);
	d.parts = true;
	assert_int_equal(mig_writer_header(&w, &d), -EINVAL);
	mig_buf_free(&s);
}

/* The summary a 1.4 source writes into its stream header. */
static void
test_parts_summary(void **state)
{
	struct vpf_parts_builder b;
	struct vpf_parts_vq_cfg q;
	struct mig_ctx_summary sum;
	uint64_t feat[2] = { UINT64_C(1) << 32 | 5, 3 };
	uint8_t buf[512];

	(void)state;
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_parts_add_dev_features(&b, feat, 2), 0);
	assert_int_equal(vpf_parts_add_common(&b, VPF_COMMON_NUMQ, 6), 0);
	assert_int_equal(mig_parts_summarize(vpf_parts_builder_parts(&b),
					     vpf_parts_builder_parts_len(&b),
					     &sum), 0);
	assert_true(sum.has_common);
	assert_true(sum.has_features);
	assert_int_equal(sum.num_queues, 6);
	assert_true(sum.features[0] == feat[0]);
	assert_true(sum.features[1] == feat[1]);

	/* No num_queues part: the VQ_CFG parts are counted. */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	memset(&q, 0, sizeof(q));
	for (q.vq_index = 0; q.vq_index < 3; q.vq_index++) {
		q.queue_size = 256;
		assert_int_equal(vpf_parts_add_vq_cfg(&b, &q), 0);
	}
	assert_int_equal(mig_parts_summarize(vpf_parts_builder_parts(&b),
					     vpf_parts_builder_parts_len(&b),
					     &sum), 0);
	assert_false(sum.has_common);
	assert_false(sum.has_features);
	assert_int_equal(sum.num_queues, 3);
	/* Malformed. */
	memset(buf, 0xee, 32);
	assert_int_equal(mig_parts_summarize(buf, 32, &sum), -EBADMSG);
}

static void
sum_equal(const struct mig_ctx_summary *a, const struct mig_ctx_summary *b)
{
	assert_int_equal(a->has_common, b->has_common);
	assert_int_equal(a->num_queues, b->num_queues);
	assert_int_equal(a->has_features, b->has_features);
	assert_true(a->features[0] == b->features[0]);
	assert_true(a->features[1] == b->features[1]);
}

/* The stream header's summary of a context the save side has validated
 * (mig_ctx_summarize_checked(), a hop over the TLV headers) says what the
 * validating walk says, and on bytes that do not check out stays in
 * bounds: every truncation, and a field length that would wrap. */
static void
test_ctx_summarize_checked(void **state)
{
	struct mig_ctx_summary a, b;
	uint8_t buf[1024], *cut;
	size_t len, n;

	(void)state;
	len = make_ctx(buf, sizeof(buf), 5);
	assert_int_equal(vpf_ctx_validate(buf, len, 0, NULL), 0);
	assert_int_equal(mig_ctx_summarize(buf, len, &b), 0);
	mig_ctx_summarize_checked(buf, len, &a);
	assert_true(a.has_common && a.has_features);
	assert_int_equal(a.num_queues, 2);
	assert_true(a.features[0] == ((UINT64_C(1) << 32) | 5));
	sum_equal(&a, &b);
	/* Each truncation in a buffer of exactly its length (ASan sees a
	 * read past it): the summary of what is whole before the cut. */
	for (n = 0; n < len; n++) {
		cut = malloc(n ? n : 1);
		assert_non_null(cut);
		memcpy(cut, buf, n);
		mig_ctx_summarize_checked(cut, n, &a);
		assert_true(!a.has_common || n >= 4 + 16 + 64);
		free(cut);
	}
	/* A first field whose length would wrap the offset: nothing. */
	memset(buf + 4 + 8, 0xff, 8);
	mig_ctx_summarize_checked(buf, len, &a);
	assert_false(a.has_common);
	assert_false(a.has_features);
	/* NULL and too short. */
	mig_ctx_summarize_checked(NULL, 0, &a);
	assert_false(a.has_common);
	mig_ctx_summarize_checked(buf, 3, &a);
	assert_false(a.has_common);
}

static void
test_arcs(void **state)
{
	static const struct {
		enum vpf_mig_state a, b;
	} arcs[] = {
		{ VPF_MIG_STATE_RUNNING, VPF_MIG_STATE_RUNNING_P2P },
		{ VPF_MIG_STATE_RUNNING, VPF_MIG_STATE_PRE_COPY },
		{ VPF_MIG_STATE_RUNNING_P2P, VPF_MIG_STATE_RUNNING },
		{ VPF_MIG_STATE_RUNNING_P2P, VPF_MIG_STATE_STOP },
		{ VPF_MIG_STATE_RUNNING_P2P, VPF_MIG_STATE_PRE_COPY_P2P },
		{ VPF_MIG_STATE_STOP, VPF_MIG_STATE_RUNNING_P2P },
		{ VPF_MIG_STATE_STOP, VPF_MIG_STATE_STOP_COPY },
		{ VPF_MIG_STATE_STOP, VPF_MIG_STATE_RESUMING },
		{ VPF_MIG_STATE_STOP_COPY, VPF_MIG_STATE_STOP },
		{ VPF_MIG_STATE_RESUMING, VPF_MIG_STATE_STOP },
		{ VPF_MIG_STATE_PRE_COPY, VPF_MIG_STATE_RUNNING },
		{ VPF_MIG_STATE_PRE_COPY, VPF_MIG_STATE_PRE_COPY_P2P },
		{ VPF_MIG_STATE_PRE_COPY_P2P, VPF_MIG_STATE_PRE_COPY },
		{ VPF_MIG_STATE_PRE_COPY_P2P, VPF_MIG_STATE_RUNNING_P2P },
		{ VPF_MIG_STATE_PRE_COPY_P2P, VPF_MIG_STATE_STOP_COPY },
	};
	enum vpf_mig_state path[VPF_MIG_PATH_MAX];
	unsigned int a, b, i, narcs = 0;
	int n;

	(void)state;
	/* Exactly the 15 arcs of doc/protocol.md §7.1 are single steps. */
	for (a = 0; a < VPF_MIG_STATE_MAX; a++) {
		for (b = 0; b < VPF_MIG_STATE_MAX; b++) {
			bool want = false;

			for (i = 0; i < sizeof(arcs) / sizeof(arcs[0]); i++)
				if (arcs[i].a == a && arcs[i].b == b)
					want = true;
			assert_int_equal(vpf_mig_arc_valid(a, b), want);
			narcs += want;
		}
	}
	assert_int_equal(narcs, 15);

	/* Every pair of non-ERROR states is reachable by valid arcs. */
	for (a = 1; a < VPF_MIG_STATE_MAX; a++) {
		for (b = 1; b < VPF_MIG_STATE_MAX; b++) {
			enum vpf_mig_state cur = a;

			n = vpf_mig_path(a, b, path, VPF_MIG_PATH_MAX);
			assert_true(n >= 0);
			assert_true(a == b ? n == 0 : n > 0);
			for (i = 0; i < (unsigned int)n; i++) {
				assert_true(vpf_mig_arc_valid(cur, path[i]));
				cur = path[i];
			}
			assert_int_equal(cur, b);
			/* Never through RESUMING or STOP_COPY on the way. */
			for (i = 0; i + 1 < (unsigned int)n; i++) {
				assert_int_not_equal(path[i], VPF_MIG_STATE_RESUMING);
				assert_int_not_equal(path[i], VPF_MIG_STATE_STOP_COPY);
			}
		}
		/* ERROR: neither requested nor left. */
		assert_int_equal(vpf_mig_path(a, VPF_MIG_STATE_ERROR, path, 8),
				 -EPERM);
		assert_int_equal(vpf_mig_path(VPF_MIG_STATE_ERROR, a, path, 8),
				 -EPERM);
	}
	assert_int_equal(vpf_mig_path(VPF_MIG_STATE_MAX, 1, path, 8), -EPERM);
	assert_int_equal(vpf_mig_path(1, 99, path, 8), -EPERM);
	/* Walks along Linux's table (doc/protocol.md §7.1). */
	n = vpf_mig_path(VPF_MIG_STATE_RUNNING, VPF_MIG_STATE_STOP_COPY, path, 8);
	assert_int_equal(n, 3);
	assert_int_equal(path[0], VPF_MIG_STATE_RUNNING_P2P);
	assert_int_equal(path[1], VPF_MIG_STATE_STOP);
	n = vpf_mig_path(VPF_MIG_STATE_RESUMING, VPF_MIG_STATE_PRE_COPY, path, 8);
	assert_int_equal(n, 4);
	assert_int_equal(vpf_mig_path(VPF_MIG_STATE_RESUMING,
				      VPF_MIG_STATE_PRE_COPY, path, 3), -ENOSPC);

	/* Names. */
	for (a = 0; a < VPF_MIG_STATE_MAX; a++) {
		enum vpf_mig_state s;

		assert_int_equal(vpf_mig_state_parse(vpf_mig_state_name(a), &s), 0);
		assert_int_equal(s, a);
	}
	assert_string_equal(vpf_mig_state_name(42), "INVALID");
	assert_int_equal(vpf_mig_state_mode(VPF_MIG_STATE_PRE_COPY_P2P),
			 VPF_DEV_MODE_STOP);
}

/* ---------------------------------------------------------------------------
 * Ranges and bitmaps (pure)
 * ------------------------------------------------------------------------- */

static void
test_ranges(void **state)
{
	struct vpf_mig_range in[6] = {
		{ 0x10000, 0x2000 },	/* pages 16-17 */
		{ 0x0, 0x1001 },	/* pages 0-1 */
		{ 0x11000, 0x3000 },	/* overlaps the first */
		{ 0x14000, 0x1000 },	/* adjacent */
		{ 0x40000, 0x1000 },
		{ 0x80000, 0 },		/* empty: ignored */
	};
	struct mig_norm_range out[6];
	int n;

	(void)state;
	n = mig_ranges_normalize(in, 6, 4096, 16, out);
	assert_int_equal(n, 3);
	assert_true(out[0].addr == 0 && out[0].pages == 2);
	assert_true(out[1].addr == 0x10000 && out[1].pages == 5);
	assert_true(out[2].addr == 0x40000 && out[2].pages == 1);
	/* Device takes 2 ranges: the closest neighbours merge (gap tracked). */
	n = mig_ranges_normalize(in, 6, 4096, 2, out);
	assert_int_equal(n, 2);
	assert_true(out[0].addr == 0 && out[0].pages == 0x15);
	assert_true(out[1].addr == 0x40000 && out[1].pages == 1);
	n = mig_ranges_normalize(in, 6, 4096, 1, out);
	assert_int_equal(n, 1);
	assert_true(out[0].addr == 0 && out[0].pages == 0x41);
	/* 64 KiB device pages: aligned outwards. */
	n = mig_ranges_normalize(in, 6, 65536, 16, out);
	assert_int_equal(n, 2);
	assert_true(out[0].addr == 0 && out[0].pages == 2);
	assert_true(out[1].addr == 0x40000 && out[1].pages == 1);
	/* Overflow refused. */
	in[0].addr = UINT64_MAX - 10;
	assert_int_equal(mig_ranges_normalize(in, 1, 4096, 4, out), -ERANGE);

	/* Page size choice: largest supported not above, else smallest. */
	assert_int_equal(mig_pick_page_size(0x1, 4096), 4096);
	assert_int_equal(mig_pick_page_size(0x1 | 0x4, 65536), 16384);
	assert_int_equal(mig_pick_page_size(0x4, 4096), 16384);
	assert_int_equal(mig_pick_page_size(0x1 | 0x2, 1 << 21), 8192);
}

static void
test_bitmap_mark(void **state)
{
	uint64_t bm[4];

	(void)state;
	memset(bm, 0, sizeof(bm));
	/* Same page size: one bit, LSB first. */
	assert_int_equal(mig_bitmap_mark(bm, 0x100000, 256 * 4096, 4096,
					 0x100000 + 65 * 4096, 4096), 1);
	assert_int_equal(bm[1], 2);
	assert_int_equal(mig_bitmap_mark(bm, 0x100000, 256 * 4096, 4096,
					 0x100000 + 65 * 4096, 4096), 0);
	/* Device page 4x larger: four bits. */
	assert_int_equal(mig_bitmap_mark(bm, 0x100000, 256 * 4096, 4096,
					 0x100000, 16384), 4);
	assert_int_equal(bm[0], 0xf);
	/* Device page smaller than the bitmap's: the containing bit. */
	memset(bm, 0, sizeof(bm));
	assert_int_equal(mig_bitmap_mark(bm, 0, 64 * 65536, 65536,
					 3 * 65536 + 4096, 4096), 1);
	assert_int_equal(bm[0], 8);
	/* Outside the window: nothing. */
	assert_int_equal(mig_bitmap_mark(bm, 0x100000, 4096, 4096, 0, 4096), 0);
	assert_int_equal(vpf_mig_bitmap_words(1 << 30, 4096), 4096);
	assert_int_equal(vpf_mig_bitmap_words(4096 * 65, 4096), 2);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_crc32c),
	cmocka_unit_test(test_ctx_summarize_checked),
	cmocka_unit_test(test_crc32c_paths),
	cmocka_unit_test(test_roundtrip_chunks),
	cmocka_unit_test(test_every_corruption_refused),
	cmocka_unit_test(test_every_truncation_refused),
	cmocka_unit_test(test_reordered_refused),
	cmocka_unit_test(test_unknown_records),
	cmocka_unit_test(test_header_refusals),
	cmocka_unit_test(test_incompatible_refused),
	cmocka_unit_test(test_malformed_context_refused),
	cmocka_unit_test(test_parts_stream),
	cmocka_unit_test(test_parts_summary),
	cmocka_unit_test(test_arcs),
	cmocka_unit_test(test_ranges),
	cmocka_unit_test(test_bitmap_mark),
)
