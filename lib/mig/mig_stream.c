/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The migration stream: writer and streaming parser. Everything a parser
 * reads comes from another host and is untrusted: every length is bounded
 * before use, every record is checked by its CRC before its payload is
 * looked at, and nothing is handed to the device before the checks that
 * doc/migration.md lists have passed.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>

#include "vpf_ctx.h"
#include "mig_internal.h"

RTE_LOG_REGISTER(vpf_mig_logtype, vpf.mig, NOTICE);

static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4,
	0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
	0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
	0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b,
	0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
	0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
	0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
	0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5,
	0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45,
	0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
	0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
	0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48,
	0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687,
	0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
	0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
	0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8,
	0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096,
	0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
	0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
	0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9,
	0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36,
	0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
	0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
	0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
	0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3,
	0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
	0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
	0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652,
	0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d,
	0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
	0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
	0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2,
	0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
	0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
	0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
	0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f,
	0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90,
	0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
	0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
	0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321,
	0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81,
	0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
	0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

/*
 * CRC-32C. The stream's CRCs are on the migration's critical path (every
 * context is covered by a record CRC and by the stream's running CRC, on
 * both sides), so x86-64 uses the SSE4.2 crc32 instruction, which computes
 * exactly this CRC (Castagnoli, reflected; the ~ pre/post-conditioning is
 * ours), 8 bytes per instruction, when the CPU has it (checked at run time:
 * libvpf is built for baseline x86-64). Everything else uses the table.
 * The raw helpers work on the un-inverted register.
 */
static uint32_t
crc32c_sw(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define MIG_CRC_HW 1

__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc, v;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&v, p, 8);	/* little-endian: the reflected byte order */
		c = _mm_crc32_u64(c, v);
	}
	crc = (uint32_t)c;
	while (len--)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}

/* Two CRCs of the same bytes with different starting values in one pass:
 * the two dependency chains run side by side (crc32 has a latency of 3
 * cycles and a throughput of 1), so the second costs almost nothing. */
__attribute__((target("sse4.2"))) static void
crc32c_hw2(uint32_t *a, uint32_t *b, const uint8_t *p, size_t len)
{
	uint64_t ca = *a, cb = *b, v;
	uint32_t ra, rb;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&v, p, 8);
		ca = _mm_crc32_u64(ca, v);
		cb = _mm_crc32_u64(cb, v);
	}
	ra = (uint32_t)ca;
	rb = (uint32_t)cb;
	for (; len; p++, len--) {
		ra = _mm_crc32_u8(ra, *p);
		rb = _mm_crc32_u8(rb, *p);
	}
	*a = ra;
	*b = rb;
}

/* A load of the CPU model that libgcc / compiler-rt fill in at start-up. */
static inline bool
crc32c_have_hw(void)
{
	return __builtin_cpu_supports("sse4.2");
}
#endif

uint32_t
mig_crc32c(uint32_t crc, const void *buf, size_t len)
{
#ifdef MIG_CRC_HW
	if (crc32c_have_hw())
		return ~crc32c_hw(~crc, buf, len);
#endif
	return ~crc32c_sw(~crc, buf, len);
}

void
mig_crc32c_2(uint32_t *crc_a, uint32_t *crc_b, const void *buf, size_t len)
{
	uint32_t a = ~*crc_a, b = ~*crc_b;

#ifdef MIG_CRC_HW
	if (crc32c_have_hw()) {
		crc32c_hw2(&a, &b, buf, len);
		*crc_a = ~a;
		*crc_b = ~b;
		return;
	}
#endif
	*crc_a = ~crc32c_sw(a, buf, len);
	*crc_b = ~crc32c_sw(b, buf, len);
}

uint64_t
mig_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------------------
 * Little-endian helpers (unaligned)
 * ------------------------------------------------------------------------- */

static inline uint16_t
ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	       ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t
ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32);
}

static inline void
st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}

static inline void
st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

/* ---------------------------------------------------------------------------
 * Byte buffer
 * ------------------------------------------------------------------------- */

int
mig_buf_reserve(struct mig_buf *b, size_t more)
{
	size_t need, cap;
	uint8_t *n;

	if (more > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + more;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	n = realloc(b->p, cap);
	if (n == NULL)
		return -ENOMEM;
	b->p = n;
	b->cap = cap;
	return 0;
}

int
mig_buf_prefault(struct mig_buf *b, size_t more)
{
	int rc = mig_buf_reserve(b, more);

	/* Touch the spare room now: a fresh heap or mmap block faults its
	 * pages in on first write, and that write must not be the one on
	 * the downtime path (a page fault costs microseconds in a VM). */
	if (rc == 0 && b->cap > b->len)
		memset(b->p + b->len, 0, b->cap - b->len);
	return rc;
}

int
mig_buf_append(struct mig_buf *b, const void *data, size_t len)
{
	int rc;

	if (len == 0)
		return 0;
	rc = mig_buf_reserve(b, len);
	if (rc)
		return rc;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

void
mig_buf_reset(struct mig_buf *b)
{
	b->len = 0;
	b->off = 0;
}

void
mig_buf_free(struct mig_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------- */

void
mig_writer_init(struct mig_writer *w, struct mig_buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

/* Append bytes that are already covered by w->crc (see writer_dual()). */
static void
writer_put_nocrc(struct mig_writer *w, const void *data, size_t len)
{
	mig_buf_append(w->out, data, len);	/* space reserved by the caller */
	w->bytes += len;
}

static int
writer_put(struct mig_writer *w, const void *data, size_t len)
{
	int rc = mig_buf_append(w->out, data, len);

	if (rc)
		return vpf_error(rc, "migration stream: out of memory");
	w->crc = mig_crc32c(w->crc, data, len);
	w->bytes += len;
	return 0;
}

int
mig_writer_header(struct mig_writer *w, const struct mig_src_desc *d)
{
	uint8_t hdr[MIG_HDR_FIXED];
	uint8_t crcb[MIG_CRC_SIZE];
	uint32_t crc;
	int rc;

	if (w->started)
		return vpf_error(-EINVAL, "migration stream: header written twice");
	if (d->nfields > VPF_MIG_FIELDS_MAX)
		return vpf_error(-EINVAL, "migration stream: %u fields, at most %u",
				 d->nfields, VPF_MIG_FIELDS_MAX);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, VPF_MIG_STREAM_MAGIC, 8);
	st16(hdr + MIG_HDR_OFF_VERSION, VPF_MIG_STREAM_VERSION);
	st16(hdr + MIG_HDR_OFF_FLAGS, 0);
	st32(hdr + MIG_HDR_OFF_LEN, MIG_HDR_FIXED + d->nfields * MIG_FIELD_SIZE +
	     MIG_CRC_SIZE);
	st16(hdr + MIG_HDR_OFF_VENDOR, d->vendor_id);
	st16(hdr + MIG_HDR_OFF_DEVICE, d->device_id);
	st16(hdr + MIG_HDR_OFF_SRC_VF, d->src_vf);
	st16(hdr + MIG_HDR_OFF_QUEUES, d->num_queues);
	st64(hdr + MIG_HDR_OFF_FEAT0, d->features[0]);
	st64(hdr + MIG_HDR_OFF_FEAT1, d->features[1]);
	st32(hdr + MIG_HDR_OFF_NFIELDS, d->nfields);
	crc = mig_crc32c(0, hdr, sizeof(hdr));
	/* The field list is FIELDS_QUERY's wire format, copied verbatim. */
	if (d->nfields)
		crc = mig_crc32c(crc, d->fields, d->nfields * MIG_FIELD_SIZE);
	st32(crcb, crc);
	rc = writer_put(w, hdr, sizeof(hdr));
	if (rc == 0 && d->nfields)
		rc = writer_put(w, d->fields, d->nfields * MIG_FIELD_SIZE);
	if (rc == 0)
		rc = writer_put(w, crcb, sizeof(crcb));
	if (rc == 0)
		w->started = true;
	return rc;
}

int
mig_writer_record(struct mig_writer *w, uint16_t type, uint16_t flags,
		  const void *pfx, size_t pfx_len, const void *data, size_t len)
{
	uint8_t hdr[MIG_REC_HDR];
	uint8_t crcb[MIG_CRC_SIZE];
	uint32_t crc;
	int rc;

	if (!w->started || w->ended)
		return vpf_error(-EINVAL, "migration stream: record outside header..END");
	/* Not pfx_len + len > max: the sum wraps for a huge len. */
	if (len > VPF_MIG_REC_MAX || pfx_len > VPF_MIG_REC_MAX - len)
		return vpf_error(-E2BIG, "migration stream: record of %zu + %zu bytes, at most %u",
				 pfx_len, len, VPF_MIG_REC_MAX);
	st16(hdr, type);
	st16(hdr + 2, flags);
	st32(hdr + 4, w->seq);
	st64(hdr + 8, pfx_len + len);
	rc = mig_buf_reserve(w->out, sizeof(hdr) + pfx_len + len + sizeof(crcb));
	if (rc)
		return vpf_error(rc, "migration stream: out of memory");
	/* One pass over the bytes for both the record's CRC and the stream's
	 * running CRC (the format has both: doc/migration.md). */
	crc = 0;
	mig_crc32c_2(&crc, &w->crc, hdr, sizeof(hdr));
	mig_crc32c_2(&crc, &w->crc, pfx, pfx_len);
	mig_crc32c_2(&crc, &w->crc, data, len);
	st32(crcb, crc);
	writer_put_nocrc(w, hdr, sizeof(hdr));
	writer_put_nocrc(w, pfx, pfx_len);
	writer_put_nocrc(w, data, len);
	writer_put(w, crcb, sizeof(crcb));
	w->seq++;
	return 0;
}

int
mig_writer_precopy(struct mig_writer *w, uint32_t round, const void *ctx,
		   size_t len)
{
	uint8_t pfx[MIG_PRECOPY_PFX] = { 0 };

	st32(pfx, round);
	return mig_writer_record(w, VPF_MIG_REC_PRECOPY, VPF_MIG_REC_F_REQUIRED,
				 pfx, sizeof(pfx), ctx, len);
}

int
mig_writer_final(struct mig_writer *w, const void *ctx, size_t len)
{
	return mig_writer_record(w, VPF_MIG_REC_FINAL, VPF_MIG_REC_F_REQUIRED,
				 NULL, 0, ctx, len);
}

int
mig_writer_end(struct mig_writer *w)
{
	uint8_t p[MIG_END_LEN];
	int rc;

	/* The trailer covers every byte before it (header and records). */
	st64(p, w->bytes);
	st32(p + 8, w->seq);
	st32(p + 12, w->crc);
	rc = mig_writer_record(w, VPF_MIG_REC_END, VPF_MIG_REC_F_REQUIRED,
			       NULL, 0, p, sizeof(p));
	if (rc == 0)
		w->ended = true;
	return rc;
}

/* ---------------------------------------------------------------------------
 * Parser
 * ------------------------------------------------------------------------- */

void
mig_parser_init(struct mig_parser *p,
		const struct vpf_admin_ctx_field_info *dst_fields,
		uint32_t dst_nfields, mig_ctx_cb_t cb, void *arg)
{
	struct mig_buf payload = p->payload, final = p->final;

	/* Keep the buffers of an earlier use: no allocation per stream. */
	free(p->src_fields);
	memset(p, 0, sizeof(*p));
	p->payload = payload;
	p->final = final;
	mig_buf_reset(&p->payload);
	mig_buf_reset(&p->final);
	p->dst_fields = dst_fields;
	p->dst_nfields = dst_nfields;
	p->cb = cb;
	p->cb_arg = arg;
}

void
mig_parser_fini(struct mig_parser *p)
{
	free(p->src_fields);
	p->src_fields = NULL;
	mig_buf_free(&p->payload);
	mig_buf_free(&p->final);
}

static int VPF_PRINTF(3, 4)
pfail(struct mig_parser *p, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->errmsg, sizeof(p->errmsg), "migration stream at byte %llu: ",
		     (unsigned long long)p->info.bytes);
	if (n < 0 || (size_t)n >= sizeof(p->errmsg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(p->errmsg + n, sizeof(p->errmsg) - n, fmt, ap);
	va_end(ap);
	p->state = MIG_P_FAILED;
	p->err = err;
	return vpf_error(err, "%s", p->errmsg);
}

/* Check a context record's payload: well formed (FACTS.md 5) and, with a
 * destination list, every field accepted by it. */
static int
check_ctx(struct mig_parser *p, const uint8_t *ctx, size_t len)
{
	struct vpf_ctx_error cerr;
	char why[160];
	int rc;

	rc = vpf_ctx_validate(ctx, len, 0, &cerr);
	if (rc) {
		vpf_ctx_error_str(&cerr, why, sizeof(why));
		return pfail(p, -EBADMSG, "record %u: malformed context: %s",
			     p->rseq, why);
	}
	if (p->dst_fields == NULL)
		return 0;
	rc = vpf_ctx_compare_fields(ctx, len, 0, p->dst_fields, p->dst_nfields,
				    NULL, NULL, NULL, &cerr);
	if (rc == -EOPNOTSUPP)
		return pfail(p, -EPROTO, "record %u: context incompatible with the destination: %s",
			     p->rseq, vpf_last_error());
	if (rc)
		return pfail(p, rc == -EBADMSG ? -EBADMSG : -EPROTO,
			     "record %u: context check failed: %s", p->rseq,
			     vpf_last_error());
	return 0;
}

static int
hdr_fixed_done(struct mig_parser *p)
{
	const uint8_t *h = p->hdr;
	uint32_t nf, hlen;

	if (memcmp(h, VPF_MIG_STREAM_MAGIC, 8) != 0)
		return pfail(p, -EBADMSG, "not a vpf migration stream (bad magic)");
	p->info.version = ld16(h + MIG_HDR_OFF_VERSION);
	if (p->info.version != VPF_MIG_STREAM_VERSION)
		return pfail(p, -EPROTONOSUPPORT,
			     "stream version %u, this vpf reads version %u",
			     p->info.version, VPF_MIG_STREAM_VERSION);
	if (ld16(h + MIG_HDR_OFF_FLAGS) != 0 || ld32(h + MIG_HDR_OFF_RSVD) != 0)
		return pfail(p, -EPROTONOSUPPORT,
			     "header flags 0x%x / reserved 0x%x not understood",
			     ld16(h + MIG_HDR_OFF_FLAGS), ld32(h + MIG_HDR_OFF_RSVD));
	nf = ld32(h + MIG_HDR_OFF_NFIELDS);
	if (nf > VPF_MIG_FIELDS_MAX)
		return pfail(p, -EBADMSG, "header lists %u fields, at most %u",
			     nf, VPF_MIG_FIELDS_MAX);
	hlen = ld32(h + MIG_HDR_OFF_LEN);
	if (hlen != MIG_HDR_FIXED + nf * MIG_FIELD_SIZE + MIG_CRC_SIZE)
		return pfail(p, -EBADMSG, "header length %u does not match %u fields",
			     hlen, nf);
	p->info.vendor_id = ld16(h + MIG_HDR_OFF_VENDOR);
	p->info.device_id = ld16(h + MIG_HDR_OFF_DEVICE);
	p->info.src_vf = ld16(h + MIG_HDR_OFF_SRC_VF);
	p->info.num_queues = ld16(h + MIG_HDR_OFF_QUEUES);
	p->info.features[0] = ld64(h + MIG_HDR_OFF_FEAT0);
	p->info.features[1] = ld64(h + MIG_HDR_OFF_FEAT1);
	p->info.nfields = nf;
	/* A context only makes sense on a device of the same type. */
	if (p->expect_vendor &&
	    (p->info.vendor_id != p->expect_vendor ||
	     p->info.device_id != p->expect_device))
		return pfail(p, -EPROTO,
			     "stream comes from device %04x:%04x, the destination is %04x:%04x",
			     p->info.vendor_id, p->info.device_id,
			     p->expect_vendor, p->expect_device);
	if (p->expect_queues && p->info.num_queues != p->expect_queues)
		return pfail(p, -EPROTO,
			     "stream comes from a VF with %u queues, the destination has %u",
			     p->info.num_queues, p->expect_queues);
	if (nf) {
		p->src_fields = calloc(nf, MIG_FIELD_SIZE);
		if (p->src_fields == NULL)
			return pfail(p, -ENOMEM, "out of memory");
		p->state = MIG_P_HDR_FIELDS;
	} else {
		p->state = MIG_P_HDR_CRC;
	}
	p->have = 0;
	return 0;
}

/* The source's FIELDS_QUERY list against the destination's (FACTS.md 5):
 * checked once the header CRC is known good. */
static int
hdr_fields_check(struct mig_parser *p)
{
	uint32_t i;
	uint16_t prev = 0;

	for (i = 0; i < p->info.nfields; i++) {
		uint16_t t = rte_le_to_cpu_16(p->src_fields[i].type);
		uint64_t l = rte_le_to_cpu_64(p->src_fields[i].length);
		uint64_t dl = 0;
		enum vpf_ctx_cmp_kind k;

		if (i > 0 && t <= prev)
			return pfail(p, -EBADMSG,
				     "header field list not ascending at entry %u", i);
		prev = t;
		if (p->dst_fields == NULL)
			continue;
		k = vpf_ctx_field_compat(t, l, p->dst_fields, p->dst_nfields,
					 &dl);
		if (k == VPF_CTX_CMP_MISSING)
			return pfail(p, -EPROTO,
				     "source field type 0x%04x (%s) is not supported by the destination",
				     t, vpf_ctx_type_name(t));
		if (k == VPF_CTX_CMP_LENGTH)
			return pfail(p, -EPROTO,
				     "source field type 0x%04x (%s) has length %llu, destination %llu",
				     t, vpf_ctx_type_name(t),
				     (unsigned long long)l,
				     (unsigned long long)dl);
	}
	return 0;
}

static int
rec_hdr_done(struct mig_parser *p, uint32_t crc_start, uint64_t bytes_start)
{
	const uint8_t *h = p->small;

	p->rtype = ld16(h);
	p->rflags = ld16(h + 2);
	p->rseq = ld32(h + 4);
	p->rlen = ld64(h + 8);
	p->rgot = 0;
	p->rskip = false;
	p->crc_rec = mig_crc32c(0, h, MIG_REC_HDR);
	mig_buf_reset(&p->payload);

	if (p->rflags & ~VPF_MIG_REC_F_REQUIRED)
		return pfail(p, -EBADMSG, "record flags 0x%04x not understood",
			     p->rflags);
	if (p->rseq != p->next_seq)
		return pfail(p, -EBADMSG,
			     "record sequence %u where %u was expected (reordered, lost or repeated record)",
			     p->rseq, p->next_seq);
	switch (p->rtype) {
	case VPF_MIG_REC_PRECOPY:
		if (p->info.final)
			return pfail(p, -EBADMSG,
				     "precopy record %u after the final context",
				     p->rseq);
		if (p->rlen < MIG_PRECOPY_PFX + 4 ||
		    p->rlen > VPF_MIG_REC_MAX)
			return pfail(p, -EBADMSG,
				     "precopy record %u of %llu bytes",
				     p->rseq, (unsigned long long)p->rlen);
		break;
	case VPF_MIG_REC_FINAL:
		if (p->info.final)
			return pfail(p, -EBADMSG, "second final context (record %u)",
				     p->rseq);
		if (p->rlen < 4 || p->rlen > VPF_MIG_REC_MAX)
			return pfail(p, -EBADMSG, "final record %u of %llu bytes",
				     p->rseq, (unsigned long long)p->rlen);
		break;
	case VPF_MIG_REC_END:
		if (!p->info.final)
			return pfail(p, -EBADMSG,
				     "end of stream before the final context");
		if (p->rlen != MIG_END_LEN)
			return pfail(p, -EBADMSG, "end record of %llu bytes",
				     (unsigned long long)p->rlen);
		p->crc_end = crc_start;
		p->bytes_end = bytes_start;
		break;
	default:
		if (p->rflags & VPF_MIG_REC_F_REQUIRED)
			return pfail(p, -EPROTONOSUPPORT,
				     "required record type 0x%04x not understood",
				     p->rtype);
		if (p->rlen > MIG_SKIP_MAX)
			return pfail(p, -EBADMSG,
				     "optional record %u of %llu bytes",
				     p->rseq, (unsigned long long)p->rlen);
		/* Optional and unknown (or INFO): CRC-checked, not kept. */
		p->rskip = true;
		break;
	}
	if (!p->rskip && mig_buf_reserve(&p->payload, p->rlen))
		return pfail(p, -ENOMEM, "out of memory for a %llu-byte record",
			     (unsigned long long)p->rlen);
	p->state = p->rlen ? MIG_P_PAYLOAD : MIG_P_REC_CRC;
	p->have = 0;
	return 0;
}

static int
rec_done(struct mig_parser *p)
{
	const uint8_t *pl = p->payload.p;
	uint64_t len = p->rlen;
	uint32_t round;
	int rc;

	if (ld32(p->small) != p->crc_rec)
		return pfail(p, -EBADMSG, "record %u (type 0x%04x): checksum mismatch",
			     p->rseq, p->rtype);
	p->next_seq++;
	p->info.records++;
	p->state = MIG_P_REC_HDR;
	p->have = 0;

	switch (p->rtype) {
	case VPF_MIG_REC_PRECOPY:
		round = ld32(pl);
		if (ld32(pl + 4) != 0)
			return pfail(p, -EBADMSG, "precopy record %u: reserved bytes set",
				     p->rseq);
		if (round <= p->last_round)
			return pfail(p, -EBADMSG,
				     "precopy round %u after round %u (reordered)",
				     round, p->last_round);
		rc = check_ctx(p, pl + MIG_PRECOPY_PFX, len - MIG_PRECOPY_PFX);
		if (rc)
			return rc;
		p->last_round = round;
		p->info.precopy++;
		if (p->cb) {
			rc = p->cb(p, MIG_CTX_PRECOPY, round, pl + MIG_PRECOPY_PFX,
				   len - MIG_PRECOPY_PFX, p->cb_arg);
			if (rc)
				return pfail(p, rc, "precopy context refused: %s",
					     vpf_last_error());
		}
		return 0;
	case VPF_MIG_REC_FINAL:
		rc = check_ctx(p, pl, len);
		if (rc)
			return rc;
		/* Held back until END proves the whole stream intact. */
		mig_buf_reset(&p->final);
		if (mig_buf_append(&p->final, pl, len))
			return pfail(p, -ENOMEM, "out of memory");
		p->info.final = true;
		p->info.final_len = len;
		return 0;
	case VPF_MIG_REC_END:
		if (ld64(pl) != p->bytes_end || ld32(pl + 8) != p->rseq ||
		    ld32(pl + 12) != p->crc_end)
			return pfail(p, -EBADMSG,
				     "end record does not match the stream (bytes %llu/%llu, records %u/%u, crc %08x/%08x)",
				     (unsigned long long)ld64(pl),
				     (unsigned long long)p->bytes_end,
				     ld32(pl + 8), p->rseq, ld32(pl + 12),
				     p->crc_end);
		p->info.complete = true;
		p->state = MIG_P_DONE;
		if (p->cb) {
			rc = p->cb(p, MIG_CTX_FINAL, 0, p->final.p, p->final.len,
				   p->cb_arg);
			if (rc)
				return pfail(p, rc, "final context refused: %s",
					     vpf_last_error());
		}
		return 0;
	default:
		p->info.skipped++;
		return 0;
	}
}

static size_t
take(size_t want, size_t len)
{
	return want < len ? want : len;
}

int
mig_parser_feed(struct mig_parser *p, const void *buf, size_t len)
{
	const uint8_t *s = buf;
	size_t n;
	int rc = 0;

	if (p->state == MIG_P_FAILED)
		return vpf_error(p->err, "%s", p->errmsg);
	if (len && buf == NULL)
		return vpf_error(-EINVAL, "migration stream: NULL buffer");
	while (len > 0 && rc == 0) {
		uint32_t crc_start = p->crc_run;
		uint64_t bytes_start = p->info.bytes;
		bool run_done = false;	/* crc_run already covers s[0..n) */

		switch (p->state) {
		case MIG_P_HDR:
			n = take(MIG_HDR_FIXED - p->have, len);
			memcpy(p->hdr + p->have, s, n);
			p->have += n;
			if (p->have == MIG_HDR_FIXED) {
				p->crc_rec = mig_crc32c(0, p->hdr, MIG_HDR_FIXED);
				p->crc_run = mig_crc32c(p->crc_run, s, n);
				p->info.bytes += n;
				s += n;
				len -= n;
				rc = hdr_fixed_done(p);
				continue;
			}
			break;
		case MIG_P_HDR_FIELDS:
			n = take((size_t)p->info.nfields * MIG_FIELD_SIZE -
				 p->nfields_have, len);
			memcpy((uint8_t *)p->src_fields + p->nfields_have, s, n);
			mig_crc32c_2(&p->crc_rec, &p->crc_run, s, n);
			run_done = true;
			p->nfields_have += n;
			if (p->nfields_have == p->info.nfields * MIG_FIELD_SIZE) {
				p->state = MIG_P_HDR_CRC;
				p->have = 0;
			}
			break;
		case MIG_P_HDR_CRC:
			n = take(MIG_CRC_SIZE - p->have, len);
			memcpy(p->small + p->have, s, n);
			p->have += n;
			if (p->have == MIG_CRC_SIZE) {
				p->crc_run = mig_crc32c(p->crc_run, s, n);
				p->info.bytes += n;
				s += n;
				len -= n;
				if (ld32(p->small) != p->crc_rec) {
					rc = pfail(p, -EBADMSG, "header checksum mismatch");
					continue;
				}
				rc = hdr_fields_check(p);
				p->state = rc ? p->state : MIG_P_REC_HDR;
				p->have = 0;
				continue;
			}
			break;
		case MIG_P_REC_HDR:
			n = take(MIG_REC_HDR - p->have, len);
			memcpy(p->small + p->have, s, n);
			if (p->have == 0) {
				p->rec_crc_start = crc_start;
				p->rec_bytes_start = bytes_start;
			}
			p->have += n;
			if (p->have == MIG_REC_HDR) {
				p->crc_run = mig_crc32c(p->crc_run, s, n);
				p->info.bytes += n;
				s += n;
				len -= n;
				rc = rec_hdr_done(p, p->rec_crc_start,
						  p->rec_bytes_start);
				continue;
			}
			break;
		case MIG_P_PAYLOAD:
			n = (size_t)take(p->rlen - p->rgot < SIZE_MAX ?
					 (size_t)(p->rlen - p->rgot) : SIZE_MAX,
					 len);
			if (!p->rskip)
				mig_buf_append(&p->payload, s, n); /* reserved */
			/* Record CRC and running CRC in one pass. */
			mig_crc32c_2(&p->crc_rec, &p->crc_run, s, n);
			run_done = true;
			p->rgot += n;
			if (p->rgot == p->rlen) {
				p->state = MIG_P_REC_CRC;
				p->have = 0;
			}
			break;
		case MIG_P_REC_CRC:
			n = take(MIG_CRC_SIZE - p->have, len);
			memcpy(p->small + p->have, s, n);
			p->have += n;
			if (p->have == MIG_CRC_SIZE) {
				p->crc_run = mig_crc32c(p->crc_run, s, n);
				p->info.bytes += n;
				s += n;
				len -= n;
				rc = rec_done(p);
				continue;
			}
			break;
		case MIG_P_DONE:
			rc = pfail(p, -EBADMSG, "%zu bytes after the end of the stream",
				   len);
			continue;
		case MIG_P_FAILED:
		default:
			rc = p->err ? p->err : -EINVAL;
			continue;
		}
		if (!run_done)
			p->crc_run = mig_crc32c(p->crc_run, s, n);
		p->info.bytes += n;
		s += n;
		len -= n;
	}
	return rc;
}

int
mig_parser_finish(struct mig_parser *p)
{
	if (p->state == MIG_P_DONE)
		return 0;
	if (p->state == MIG_P_FAILED)
		return vpf_error(p->err, "%s", p->errmsg);
	if (p->state == MIG_P_HDR && p->have == 0 && p->info.bytes == 0)
		return vpf_error(-ENODATA, "migration stream is empty");
	return vpf_error(-ENODATA,
			 "migration stream truncated after %llu bytes (%s)",
			 (unsigned long long)p->info.bytes,
			 p->state <= MIG_P_HDR_CRC ? "in the header" :
			 !p->info.final ? "before the final context" :
			 "before the end record");
}

int
vpf_mig_stream_validate(const void *buf, size_t len,
			const struct vpf_admin_ctx_field_info *fields,
			unsigned int nfields, struct vpf_mig_stream_info *info)
{
	struct mig_parser p;
	int rc;

	if (buf == NULL && len)
		return vpf_error(-EINVAL, "migration stream: NULL buffer");
	if (fields == NULL && nfields)
		return vpf_error(-EINVAL, "migration stream: NULL field list");
	memset(&p, 0, sizeof(p));
	mig_parser_init(&p, fields, nfields, NULL, NULL);
	rc = mig_parser_feed(&p, buf, len);
	if (rc == 0)
		rc = mig_parser_finish(&p);
	if (info)
		*info = p.info;
	mig_parser_fini(&p);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Context summary (on a validated context)
 * ------------------------------------------------------------------------- */

int
mig_ctx_summarize(const uint8_t *ctx, size_t len, struct mig_ctx_summary *s)
{
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = vpf_ctx_iter_init(&it, ctx, len, VPF_CTX_F_ALLOW_PAD);
	if (rc)
		return rc;
	while ((rc = vpf_ctx_iter_next(&it, &f)) == 1) {
		if (f.type == VPF_CTX_PCI_COMMON_CFG) {
			struct vpf_ctx_common_cfg cc;

			if (vpf_ctx_decode_common_cfg(&f, &cc) == 0) {
				s->num_queues = cc.num_queues;
				s->has_common = true;
			}
		} else if (f.type == VPF_CTX_DEV_FEATURES) {
			struct vpf_ctx_features ft;

			if (vpf_ctx_decode_features(&f, &ft) == 0) {
				s->features[0] = vpf_ctx_features_word(&ft, 0);
				s->features[1] = vpf_ctx_features_word(&ft, 1);
				s->has_features = true;
			}
		}
	}
	return rc;
}
