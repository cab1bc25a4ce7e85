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

#include "vpf_ctx.h"
#include "vpf_parts.h"
#include "common/vpf_mem.h"
#include "mig_internal.h"

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
	if (d->parts && d->nfields)
		return vpf_error(-EINVAL, "migration stream: a parts stream has no field list");
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, VPF_MIG_STREAM_MAGIC, 8);
	vpf_le16_store(hdr + MIG_HDR_OFF_VERSION, VPF_MIG_STREAM_VERSION);
	vpf_le16_store(hdr + MIG_HDR_OFF_FLAGS,
		       d->parts ? VPF_MIG_HDR_F_PARTS : 0);
	vpf_le32_store(hdr + MIG_HDR_OFF_LEN,
		       MIG_HDR_FIXED + d->nfields * MIG_FIELD_SIZE + MIG_CRC_SIZE);
	vpf_le16_store(hdr + MIG_HDR_OFF_VENDOR, d->vendor_id);
	vpf_le16_store(hdr + MIG_HDR_OFF_DEVICE, d->device_id);
	vpf_le16_store(hdr + MIG_HDR_OFF_SRC_VF, d->src_vf);
	vpf_le16_store(hdr + MIG_HDR_OFF_QUEUES, d->num_queues);
	vpf_le64_store(hdr + MIG_HDR_OFF_FEAT0, d->features[0]);
	vpf_le64_store(hdr + MIG_HDR_OFF_FEAT1, d->features[1]);
	vpf_le32_store(hdr + MIG_HDR_OFF_NFIELDS, d->nfields);
	crc = mig_crc32c(0, hdr, sizeof(hdr));
	/* The field list is FIELDS_QUERY's wire format, copied verbatim. */
	if (d->nfields)
		crc = mig_crc32c(crc, d->fields, d->nfields * MIG_FIELD_SIZE);
	vpf_le32_store(crcb, crc);
	rc = writer_put(w, hdr, sizeof(hdr));
	if (rc == 0 && d->nfields)
		rc = writer_put(w, d->fields, d->nfields * MIG_FIELD_SIZE);
	if (rc == 0)
		rc = writer_put(w, crcb, sizeof(crcb));
	if (rc == 0) {
		w->started = true;
		w->parts = d->parts;
	}
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
	vpf_le16_store(hdr, type);
	vpf_le16_store(hdr + 2, flags);
	vpf_le32_store(hdr + 4, w->seq);
	vpf_le64_store(hdr + 8, pfx_len + len);
	rc = mig_buf_reserve(w->out, sizeof(hdr) + pfx_len + len + sizeof(crcb));
	if (rc)
		return vpf_error(rc, "migration stream: out of memory");
	/* One pass over the bytes for both the record's CRC and the stream's
	 * running CRC (the format has both: doc/migration.md). */
	crc = 0;
	mig_crc32c_2(&crc, &w->crc, hdr, sizeof(hdr));
	mig_crc32c_2(&crc, &w->crc, pfx, pfx_len);
	mig_crc32c_2(&crc, &w->crc, data, len);
	vpf_le32_store(crcb, crc);
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

	vpf_le32_store(pfx, round);
	return mig_writer_record(w, w->parts ? VPF_MIG_REC_PARTS_PRECOPY :
				 VPF_MIG_REC_PRECOPY, VPF_MIG_REC_F_REQUIRED,
				 pfx, sizeof(pfx), ctx, len);
}

int
mig_writer_final(struct mig_writer *w, const void *ctx, size_t len)
{
	return mig_writer_record(w, w->parts ? VPF_MIG_REC_PARTS_FINAL :
				 VPF_MIG_REC_FINAL, VPF_MIG_REC_F_REQUIRED,
				 NULL, 0, ctx, len);
}

int
mig_writer_end(struct mig_writer *w)
{
	uint8_t p[MIG_END_LEN];
	int rc;

	/* The trailer covers every byte before it (header and records). */
	vpf_le64_store(p, w->bytes);
	vpf_le32_store(p + 8, w->seq);
	vpf_le32_store(p + 12, w->crc);
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
	VPF_FREE(p->src_fields);
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

/* Check a parts set record's payload (doc/protocol.md §10.4): well formed,
 * at least one part; unknown and extended parts are carried (the
 * destination device decides on them). */
static int
check_parts(struct mig_parser *p, const uint8_t *set, size_t len)
{
	struct vpf_parts_error perr;
	char why[160];
	int64_t n;

	n = vpf_parts_validate(set, len, VPF_PARTS_F_CARRY, &perr);
	if (n < 0) {
		vpf_parts_error_str(&perr, why, sizeof(why));
		return pfail(p, -EBADMSG, "record %u: malformed parts set: %s",
			     p->rseq, why);
	}
	if (n == 0)
		return pfail(p, -EBADMSG, "record %u: empty parts set", p->rseq);
	return 0;
}

/* Check a context record's payload: well formed (doc/protocol.md §5.4)
 * and, with a destination list, every field accepted by it (§5.6). */
static int
check_ctx(struct mig_parser *p, const uint8_t *ctx, size_t len)
{
	struct vpf_ctx_error cerr;
	char why[160];
	int rc;

	if (p->info.parts)
		return check_parts(p, ctx, len);
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
	uint32_t nf, hlen, rsvd;
	uint16_t flags;

	if (memcmp(h, VPF_MIG_STREAM_MAGIC, 8) != 0)
		return pfail(p, -EBADMSG, "not a vpf migration stream (bad magic)");
	p->info.version = vpf_le16_load(h + MIG_HDR_OFF_VERSION);
	if (p->info.version != VPF_MIG_STREAM_VERSION)
		return pfail(p, -EPROTONOSUPPORT,
			     "stream version %u, this vpf reads version %u",
			     p->info.version, VPF_MIG_STREAM_VERSION);
	flags = vpf_le16_load(h + MIG_HDR_OFF_FLAGS);
	rsvd = vpf_le32_load(h + MIG_HDR_OFF_RSVD);
	if ((flags & ~VPF_MIG_HDR_F_PARTS) != 0 || rsvd != 0)
		return pfail(p, -EPROTONOSUPPORT,
			     "header flags 0x%x / reserved 0x%x not understood",
			     flags, rsvd);
	p->info.parts = (flags & VPF_MIG_HDR_F_PARTS) != 0;
	nf = vpf_le32_load(h + MIG_HDR_OFF_NFIELDS);
	if (nf > VPF_MIG_FIELDS_MAX)
		return pfail(p, -EBADMSG, "header lists %u fields, at most %u",
			     nf, VPF_MIG_FIELDS_MAX);
	if (p->info.parts && nf)
		return pfail(p, -EBADMSG,
			     "a parts stream's header lists %u fields (it has none)",
			     nf);
	if (p->expect_kind == MIG_EXPECT_PARTS && !p->info.parts)
		return pfail(p, -EPROTO,
			     "stream carries draft device contexts, the destination speaks the virtio 1.4 dialect (parts)");
	if (p->expect_kind == MIG_EXPECT_CTX && p->info.parts)
		return pfail(p, -EPROTO,
			     "stream carries virtio 1.4 parts sets, the destination speaks the draft dialect (contexts)");
	hlen = vpf_le32_load(h + MIG_HDR_OFF_LEN);
	if (hlen != MIG_HDR_FIXED + nf * MIG_FIELD_SIZE + MIG_CRC_SIZE)
		return pfail(p, -EBADMSG, "header length %u does not match %u fields",
			     hlen, nf);
	p->info.vendor_id = vpf_le16_load(h + MIG_HDR_OFF_VENDOR);
	p->info.device_id = vpf_le16_load(h + MIG_HDR_OFF_DEVICE);
	p->info.src_vf = vpf_le16_load(h + MIG_HDR_OFF_SRC_VF);
	p->info.num_queues = vpf_le16_load(h + MIG_HDR_OFF_QUEUES);
	p->info.features[0] = vpf_le64_load(h + MIG_HDR_OFF_FEAT0);
	p->info.features[1] = vpf_le64_load(h + MIG_HDR_OFF_FEAT1);
	p->info.nfields = nf;
	/* A context only makes sense on a device of the same type. */
	if (p->expect_vendor &&
	    (p->info.vendor_id != p->expect_vendor ||
	     p->info.device_id != p->expect_device))
		return pfail(p, -EPROTO,
			     "stream comes from device %04x:%04x, the destination is %04x:%04x",
			     p->info.vendor_id, p->info.device_id,
			     p->expect_vendor, p->expect_device);
	/* 0 in the header: the source did not know (a stream converted
	 * from Linux's records, which carry no identity) */
	if (p->expect_queues && p->info.num_queues &&
	    p->info.num_queues != p->expect_queues)
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

/* The source's FIELDS_QUERY list against the destination's (§5.6, D-5.9):
 * checked once the header CRC is known good. */
static int
hdr_fields_check(struct mig_parser *p)
{
	uint32_t i;
	uint16_t prev = 0;

	for (i = 0; i < p->info.nfields; i++) {
		uint16_t t = vpf_le16_load(&p->src_fields[i].type);
		uint64_t l = vpf_le64_load(&p->src_fields[i].length);
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

/* The record's type as the state machine sees it: a parts record in a
 * parts stream counts as its context twin. A context record in a parts
 * stream, or the reverse, is 0 (malformed: the caller refuses it). */
static uint16_t
rec_kind(const struct mig_parser *p)
{
	switch (p->rtype) {
	case VPF_MIG_REC_PRECOPY:
	case VPF_MIG_REC_FINAL:
		return p->info.parts ? 0 : p->rtype;
	case VPF_MIG_REC_PARTS_PRECOPY:
		return p->info.parts ? VPF_MIG_REC_PRECOPY : 0;
	case VPF_MIG_REC_PARTS_FINAL:
		return p->info.parts ? VPF_MIG_REC_FINAL : 0;
	default:
		return p->rtype;
	}
}

static int
rec_hdr_done(struct mig_parser *p, uint32_t crc_start, uint64_t bytes_start)
{
	const uint8_t *h = p->small;

	p->rtype = vpf_le16_load(h);
	p->rflags = vpf_le16_load(h + 2);
	p->rseq = vpf_le32_load(h + 4);
	p->rlen = vpf_le64_load(h + 8);
	p->rgot = 0;
	p->rskip = false;
	p->pl = NULL;
	p->crc_rec = mig_crc32c(0, h, MIG_REC_HDR);
	mig_buf_reset(&p->payload);

	if (p->rflags & ~VPF_MIG_REC_F_REQUIRED)
		return pfail(p, -EBADMSG, "record flags 0x%04x not understood",
			     p->rflags);
	if (p->rseq != p->next_seq)
		return pfail(p, -EBADMSG,
			     "record sequence %u where %u was expected (reordered, lost or repeated record)",
			     p->rseq, p->next_seq);
	switch (rec_kind(p)) {
	case 0:
		return pfail(p, -EBADMSG,
			     "record %u: type 0x%04x does not belong in a stream of %s",
			     p->rseq, p->rtype,
			     p->info.parts ? "1.4 parts sets" : "draft contexts");
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
	if (!p->rskip && !p->borrow && mig_buf_reserve(&p->payload, p->rlen))
		return pfail(p, -ENOMEM, "out of memory for a %llu-byte record",
			     (unsigned long long)p->rlen);
	p->state = p->rlen ? MIG_P_PAYLOAD : MIG_P_REC_CRC;
	p->have = 0;
	return 0;
}

static int
rec_done(struct mig_parser *p)
{
	const uint8_t *pl = p->borrow ? p->pl : p->payload.p;
	uint64_t len = p->rlen;
	uint32_t round;
	int rc;

	if (vpf_le32_load(p->small) != p->crc_rec)
		return pfail(p, -EBADMSG, "record %u (type 0x%04x): checksum mismatch",
			     p->rseq, p->rtype);
	p->next_seq++;
	p->info.records++;
	p->state = MIG_P_REC_HDR;
	p->have = 0;

	switch (rec_kind(p)) {
	case VPF_MIG_REC_PRECOPY:
		round = vpf_le32_load(pl);
		if (vpf_le32_load(pl + 4) != 0)
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
		if (p->borrow) {
			p->final_pl = pl;
		} else {
			mig_buf_reset(&p->final);
			if (mig_buf_append(&p->final, pl, len))
				return pfail(p, -ENOMEM, "out of memory");
			p->final_pl = p->final.p;
		}
		p->info.final = true;
		p->info.final_len = len;
		return 0;
	case VPF_MIG_REC_END:
		if (vpf_le64_load(pl) != p->bytes_end || vpf_le32_load(pl + 8) != p->rseq ||
		    vpf_le32_load(pl + 12) != p->crc_end)
			return pfail(p, -EBADMSG,
				     "end record does not match the stream (bytes %llu/%llu, records %u/%u, crc %08x/%08x)",
				     (unsigned long long)vpf_le64_load(pl),
				     (unsigned long long)p->bytes_end,
				     vpf_le32_load(pl + 8), p->rseq, vpf_le32_load(pl + 12),
				     p->crc_end);
		p->info.complete = true;
		p->state = MIG_P_DONE;
		if (p->cb) {
			rc = p->cb(p, MIG_CTX_FINAL, 0, p->final_pl,
				   p->info.final_len, p->cb_arg);
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

/*
 * The feed, one handler per parser state. Each consumes up to @p len
 * bytes of @p s for the part the state collects, sets *@p n to the bytes
 * it consumed (counted into the running CRC and info.bytes before a
 * completed part is looked at, so that an error names the byte after it)
 * and returns 0 or the parser's error.
 */

/* Collect up to @p want bytes of a fixed-size part into @p dst. @return
 * true once the part is complete. */
static bool
collect(struct mig_parser *p, uint8_t *dst, uint32_t want,
	const uint8_t *s, size_t len, size_t *n)
{
	*n = take(want - p->have, len);
	memcpy(dst + p->have, s, *n);
	p->have += *n;
	p->crc_run = mig_crc32c(p->crc_run, s, *n);
	p->info.bytes += *n;
	return p->have == want;
}

static int
feed_hdr(struct mig_parser *p, const uint8_t *s, size_t len, size_t *n)
{
	if (!collect(p, p->hdr, MIG_HDR_FIXED, s, len, n))
		return 0;
	p->crc_rec = mig_crc32c(0, p->hdr, MIG_HDR_FIXED);
	return hdr_fixed_done(p);
}

static int
feed_hdr_fields(struct mig_parser *p, const uint8_t *s, size_t len,
		size_t *n)
{
	*n = take((size_t)p->info.nfields * MIG_FIELD_SIZE - p->nfields_have,
		  len);
	memcpy((uint8_t *)p->src_fields + p->nfields_have, s, *n);
	/* Header CRC and running CRC in one pass. */
	mig_crc32c_2(&p->crc_rec, &p->crc_run, s, *n);
	p->info.bytes += *n;
	p->nfields_have += *n;
	if (p->nfields_have == p->info.nfields * MIG_FIELD_SIZE) {
		p->state = MIG_P_HDR_CRC;
		p->have = 0;
	}
	return 0;
}

static int
feed_hdr_crc(struct mig_parser *p, const uint8_t *s, size_t len, size_t *n)
{
	int rc;

	if (!collect(p, p->small, MIG_CRC_SIZE, s, len, n))
		return 0;
	if (vpf_le32_load(p->small) != p->crc_rec)
		return pfail(p, -EBADMSG, "header checksum mismatch");
	rc = hdr_fields_check(p);
	p->state = rc ? p->state : MIG_P_REC_HDR;
	p->have = 0;
	return rc;
}

static int
feed_rec_hdr(struct mig_parser *p, const uint8_t *s, size_t len, size_t *n)
{
	if (p->have == 0) {
		/* Where the record starts: END's trailer covers the bytes
		 * before it. */
		p->rec_crc_start = p->crc_run;
		p->rec_bytes_start = p->info.bytes;
	}
	if (!collect(p, p->small, MIG_REC_HDR, s, len, n))
		return 0;
	return rec_hdr_done(p, p->rec_crc_start, p->rec_bytes_start);
}

static int
feed_payload(struct mig_parser *p, const uint8_t *s, size_t len, size_t *n)
{
	uint64_t left = p->rlen - p->rgot;

	*n = take(left < SIZE_MAX ? (size_t)left : SIZE_MAX, len);
	if (p->borrow) {
		if (p->rgot == 0)
			p->pl = s;	/* the rest follows it in the buffer */
	} else if (!p->rskip) {
		mig_buf_append(&p->payload, s, *n);	/* reserved */
	}
	/* Record CRC and running CRC in one pass. */
	mig_crc32c_2(&p->crc_rec, &p->crc_run, s, *n);
	p->info.bytes += *n;
	p->rgot += *n;
	if (p->rgot == p->rlen) {
		p->state = MIG_P_REC_CRC;
		p->have = 0;
	}
	return 0;
}

static int
feed_rec_crc(struct mig_parser *p, const uint8_t *s, size_t len, size_t *n)
{
	if (!collect(p, p->small, MIG_CRC_SIZE, s, len, n))
		return 0;
	return rec_done(p);
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
		n = 0;
		switch (p->state) {
		case MIG_P_HDR:
			rc = feed_hdr(p, s, len, &n);
			break;
		case MIG_P_HDR_FIELDS:
			rc = feed_hdr_fields(p, s, len, &n);
			break;
		case MIG_P_HDR_CRC:
			rc = feed_hdr_crc(p, s, len, &n);
			break;
		case MIG_P_REC_HDR:
			rc = feed_rec_hdr(p, s, len, &n);
			break;
		case MIG_P_PAYLOAD:
			rc = feed_payload(p, s, len, &n);
			break;
		case MIG_P_REC_CRC:
			rc = feed_rec_crc(p, s, len, &n);
			break;
		case MIG_P_DONE:
			rc = pfail(p, -EBADMSG, "%zu bytes after the end of the stream",
				   len);
			break;
		case MIG_P_FAILED:
		default:
			rc = p->err ? p->err : -EINVAL;
			break;
		}
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
mig_parser_run(struct mig_parser *p, const void *buf, size_t len,
	       size_t chunk)
{
	const uint8_t *s = buf;
	size_t off = 0, n;
	int rc = 0;

	/* Fed from the start, every payload lies whole in @p buf. */
	p->borrow = p->state == MIG_P_HDR && p->have == 0 &&
		    p->info.bytes == 0;
	while (off < len && rc == 0) {
		n = len - off < chunk ? len - off : chunk;
		rc = mig_parser_feed(p, s + off, n);
		off += n;
	}
	if (rc == 0)
		rc = mig_parser_finish(p);
	/* Nothing may point into @p buf after the run, and a parser left
	 * inside a record it did not copy cannot be fed on. */
	if (p->borrow && rc != 0 && p->state != MIG_P_FAILED) {
		snprintf(p->errmsg, sizeof(p->errmsg), "%s", vpf_last_error());
		p->err = rc;
		p->state = MIG_P_FAILED;
	}
	p->borrow = false;
	p->pl = NULL;
	p->final_pl = NULL;
	return rc;
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
	rc = mig_parser_run(&p, buf, len, len);
	if (info)
		*info = p.info;
	mig_parser_fini(&p);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Context summary (on a validated context)
 * ------------------------------------------------------------------------- */

/* What one field adds to a summary. */
static void
summary_take(struct mig_ctx_summary *s, const struct vpf_ctx_field *f)
{
	if (f->type == VPF_CTX_PCI_COMMON_CFG) {
		struct vpf_ctx_common_cfg cc;

		if (vpf_ctx_decode_common_cfg(f, &cc) == 0) {
			s->num_queues = cc.num_queues;
			s->has_common = true;
		}
	} else if (f->type == VPF_CTX_DEV_FEATURES) {
		struct vpf_ctx_features ft;

		if (vpf_ctx_decode_features(f, &ft) == 0) {
			s->features[0] = vpf_ctx_features_word(&ft, 0);
			s->features[1] = vpf_ctx_features_word(&ft, 1);
			s->has_features = true;
		}
	}
}

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
	while ((rc = vpf_ctx_iter_next(&it, &f)) == 1)
		summary_take(s, &f);
	return rc;
}

/*
 * mig_ctx_summarize() of a context vpf_ctx_validate() has just accepted
 * (save_emit()): a hop from TLV header to TLV header that decodes only the
 * two fields the summary needs, where the validating walk would check every
 * queue's owned descriptors a second time (most of a stream header's
 * cost, D-PERF.10). Each hop is still bounded by @p len, so a context that
 * did not check out is never read out of bounds: its summary is partial.
 * The last field of a type wins, as in mig_ctx_summarize().
 */
void
mig_ctx_summarize_checked(const uint8_t *ctx, size_t len,
			  struct mig_ctx_summary *s)
{
	struct vpf_ctx_field f;
	size_t off = VPF_CTX_HDR_SIZE;
	uint32_t n, i;

	memset(s, 0, sizeof(*s));
	if (ctx == NULL || len < off)
		return;
	memset(&f, 0, sizeof(f));
	n = vpf_le32_load(ctx);
	for (i = 0; i < n && len - off >= VPF_CTX_TLV_HDR_SIZE; i++) {
		uint64_t flen = vpf_le64_load(ctx + off + 8);

		if (flen > len - off - VPF_CTX_TLV_HDR_SIZE)
			return;
		f.type = vpf_le16_load(ctx + off);
		f.index = i;
		f.offset = off;
		f.length = flen;
		f.tlv = ctx + off;
		f.value = ctx + off + VPF_CTX_TLV_HDR_SIZE;
		summary_take(s, &f);
		off += VPF_CTX_TLV_HDR_SIZE + (size_t)flen;
	}
}

/* The same summary of a validated 1.4 parts set: queue count from the
 * num_queues field of a PCI_COMMON_CFG part (else the number of VQ_CFG
 * parts), features from DEV_FEATURES. */
int
mig_parts_summarize(const uint8_t *set, size_t len, struct mig_ctx_summary *s)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	uint32_t vqs = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = vpf_parts_iter_init(&it, set, len, VPF_PARTS_F_CARRY);
	if (rc)
		return rc;
	while ((rc = vpf_parts_iter_next(&it, &p)) == 1) {
		struct vpf_parts_features ft;
		struct vpf_parts_common cc;

		if (p.type == VPF_PARTS_VQ_CFG) {
			vqs++;
		} else if (p.type == VPF_PARTS_PCI_COMMON_CFG &&
			   vpf_parts_decode_common(&p, &cc) == 0 &&
			   cc.offset == VPF_COMMON_NUMQ) {
			s->num_queues = (uint16_t)cc.value;
			s->has_common = true;
		} else if (p.type == VPF_PARTS_DEV_FEATURES &&
			   vpf_parts_decode_features(&p, &ft) == 0) {
			s->features[0] = vpf_parts_features_word(&ft, 0);
			s->features[1] = vpf_parts_features_word(&ft, 1);
			s->has_features = true;
		}
	}
	if (!s->has_common && vqs <= UINT16_MAX)
		s->num_queues = (uint16_t)vqs;
	return rc < 0 ? -EBADMSG : 0;
}
