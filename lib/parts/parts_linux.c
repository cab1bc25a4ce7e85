/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Linux virtio-vfio-pci migration records (doc/protocol.md §10.6): the
 * record writer, a streaming decoder that takes bytes in any chunking, and
 * the detection of a stream's format from its first bytes.
 *
 * The decoder is a small state machine (header bytes, payload bytes, bytes
 * of a skipped record). A DEVICE_DATA record's payload is handed out in
 * place when one chunk holds all of it, and gathered into the decoder's
 * buffer otherwise; either way it is validated whole, so the records, the
 * verdict and every error member are the same for every split.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "vpf_mig.h"

#include "common/vpf_log.h"

#include "parts_internal.h"

VPF_LOG_REGISTER(parts);

enum {
	D_HDR = 0,
	D_PAYLOAD,
	D_SKIP,
	D_ERROR,
};

static const char cve_warning[] =
	"its parts end 8 bytes before the record's end: those 8 bytes were "
	"dropped (Linux 6.13.0 to 6.15.2 counted the status part into each "
	"record, CVE-2025-38314)";

/* --- writer --------------------------------------------------------------- */

int
vpf_parts_linux_hdr_write(void *hdr, uint64_t size, uint32_t flags,
			  uint32_t tag)
{
	uint8_t *h = hdr;

	if (hdr == NULL)
		return vpf_error(-EINVAL, "vpf_parts_linux_hdr_write: NULL header");
	if (size > VPF_PARTS_LINUX_MAX_RECORD)
		return vpf_error(-EFBIG,
				 "a Linux record holds at most %" PRIu64 " bytes, not %" PRIu64,
				 VPF_PARTS_LINUX_MAX_RECORD, size);
	vpf_le64_store(h, size);
	vpf_le32_store(h + offsetof(struct vpf_parts_linux_hdr, flags), flags);
	vpf_le32_store(h + offsetof(struct vpf_parts_linux_hdr, tag), tag);
	return 0;
}

int64_t
vpf_parts_linux_put(void *out, size_t cap, const void *parts, size_t len)
{
	uint8_t *o = out;
	int rc;

	if ((out == NULL && cap > 0) || (parts == NULL && len > 0))
		return vpf_error(-EINVAL, "vpf_parts_linux_put: NULL argument");
	if (len > cap || cap - len < VPF_PARTS_LINUX_HDR_SIZE) {
		if (len > VPF_PARTS_LINUX_MAX_RECORD)
			return vpf_error(-EFBIG,
					 "a Linux record holds at most %" PRIu64 " bytes, not %zu",
					 VPF_PARTS_LINUX_MAX_RECORD, len);
		return vpf_error(-ENOSPC,
				 "a Linux record of %zu bytes does not fit in %zu",
				 len + VPF_PARTS_LINUX_HDR_SIZE, cap);
	}
	rc = vpf_parts_linux_hdr_write(o, len, 0,
				       VPF_PARTS_LINUX_TAG_DEVICE_DATA);
	if (rc < 0)
		return rc;
	if (len > 0)
		memcpy(o + VPF_PARTS_LINUX_HDR_SIZE, parts, len);
	return (int64_t)(VPF_PARTS_LINUX_HDR_SIZE + len);
}

/* --- errors --------------------------------------------------------------- */

const char *
vpf_parts_linux_err_name(enum vpf_parts_linux_err code)
{
	static const char *const names[VPF_PARTS_LINUX_ERR_MAX] = {
		[VPF_PARTS_LINUX_OK] = "OK",
		[VPF_PARTS_LINUX_ERR_TRUNCATED] = "TRUNCATED",
		[VPF_PARTS_LINUX_ERR_TOO_LARGE] = "TOO_LARGE",
		[VPF_PARTS_LINUX_ERR_OVER_MAX] = "OVER_MAX",
		[VPF_PARTS_LINUX_ERR_REQUIRED_TAG] = "REQUIRED_TAG",
		[VPF_PARTS_LINUX_ERR_PARTS] = "PARTS",
		[VPF_PARTS_LINUX_ERR_TRAILING] = "TRAILING",
	};

	if ((unsigned int)code >= VPF_PARTS_LINUX_ERR_MAX)
		return "UNKNOWN";
	return names[code];
}

int
vpf_parts_linux_error_str(const struct vpf_parts_linux_error *e, char *buf,
			  size_t size)
{
	char inner[320];

	if (e == NULL)
		return snprintf(buf, size, "no error information");
	switch (e->code) {
	case VPF_PARTS_LINUX_OK:
		return snprintf(buf, size, "well formed");
	case VPF_PARTS_LINUX_ERR_TRUNCATED:
		return snprintf(buf, size,
				"the stream ends at offset %" PRIu64 " inside record %" PRIu32 " (%" PRIu64 " of %" PRIu64 " bytes present)",
				e->offset, e->record, e->value, e->expected);
	case VPF_PARTS_LINUX_ERR_TOO_LARGE:
		return snprintf(buf, size,
				"record %" PRIu32 " at offset %" PRIu64 ": record_size %" PRIu64 " is over 4 GiB - 1",
				e->record, e->record_offset, e->value);
	case VPF_PARTS_LINUX_ERR_OVER_MAX:
		return snprintf(buf, size,
				"record %" PRIu32 " at offset %" PRIu64 ": record_size %" PRIu64 " is over the %" PRIu64 " bytes this reader accepts",
				e->record, e->record_offset, e->value,
				e->expected);
	case VPF_PARTS_LINUX_ERR_REQUIRED_TAG:
		return snprintf(buf, size,
				"record %" PRIu32 " at offset %" PRIu64 ": unknown tag %" PRIu64 " is not flagged optional",
				e->record, e->record_offset, e->value);
	case VPF_PARTS_LINUX_ERR_PARTS:
		vpf_parts_error_str(&e->parts, inner, sizeof(inner));
		return snprintf(buf, size,
				"record %" PRIu32 " at offset %" PRIu64 ": malformed device parts: %s (offsets from the record's payload)",
				e->record, e->record_offset, inner);
	case VPF_PARTS_LINUX_ERR_TRAILING:
		return snprintf(buf, size,
				"record %" PRIu32 " at offset %" PRIu64 ": %" PRIu64 " bytes at offset %" PRIu64 " follow its last part (only exactly 8, the CVE-2025-38314 tail, are accepted)",
				e->record, e->record_offset, e->value,
				e->offset);
	default:
		return snprintf(buf, size, "unknown error code %d",
				(int)e->code);
	}
}

const char *
vpf_parts_linux_rec_warning(const struct vpf_parts_linux_rec *rec)
{
	if (rec == NULL || !(rec->rflags & VPF_PARTS_LINUX_RF_CVE_TAIL))
		return NULL;
	return cve_warning;
}

/* --- decoder -------------------------------------------------------------- */

int
vpf_parts_linux_dec_init(struct vpf_parts_linux_dec *d, void *buf, size_t max,
			 uint32_t pflags)
{
	if (d == NULL)
		return vpf_error(-EINVAL, "vpf_parts_linux_dec_init: NULL decoder");
	if (pflags & (VPF_PARTS_F_ALLOW_PAD | VPF_PARTS_F_HEADERS_ONLY |
		      VPF_PARTS_F_NO_LENGTH))
		return vpf_error(-EINVAL,
				 "a Linux record's parts cannot be padded or headers only");
	memset(d, 0, offsetof(struct vpf_parts_linux_dec, it));
	d->buf = buf;
	d->cap = buf != NULL ? max : 0;
	d->max = max > VPF_PARTS_LINUX_MAX_RECORD ?
		(size_t)VPF_PARTS_LINUX_MAX_RECORD : max;
	d->own = buf == NULL;
	d->pflags = pflags;
	d->state = D_HDR;
	return 0;
}

void
vpf_parts_linux_dec_fini(struct vpf_parts_linux_dec *d)
{
	if (d == NULL)
		return;
	if (d->own)
		free(d->buf);
	d->buf = NULL;
	d->cap = 0;
}

static void
dec_err(struct vpf_parts_linux_dec *d, enum vpf_parts_linux_err code,
	uint64_t offset, uint64_t value, uint64_t expected)
{
	struct vpf_parts_linux_error *e = &d->err;

	e->code = code;
	e->record = d->index;
	e->offset = offset;
	e->record_offset = d->rec_off;
	e->tag = d->tag;
	e->value = value;
	e->expected = expected;
}

/* Fail the stream: sticky @rc, the sentence in vpf_last_error(). */
static int
dec_fail(struct vpf_parts_linux_dec *d, int rc)
{
	char msg[480];

	vpf_parts_linux_error_str(&d->err, msg, sizeof(msg));
	d->state = D_ERROR;
	d->rc = rc;
	return vpf_error(rc, "Linux migration stream: %s", msg);
}

/* A header is complete: decide what the record is. */
static int
dec_header(struct vpf_parts_linux_dec *d)
{
	uint64_t size = vpf_le64_load(d->hdr);

	d->rflags_wire = vpf_le32_load(d->hdr +
				       offsetof(struct vpf_parts_linux_hdr,
						flags));
	d->tag = vpf_le32_load(d->hdr + offsetof(struct vpf_parts_linux_hdr,
						 tag));
	d->size = size;
	d->have = 0;
	if (size > VPF_PARTS_LINUX_MAX_RECORD) {
		dec_err(d, VPF_PARTS_LINUX_ERR_TOO_LARGE, d->rec_off, size,
			VPF_PARTS_LINUX_MAX_RECORD);
		return dec_fail(d, -EFBIG);
	}
	if (d->tag != VPF_PARTS_LINUX_TAG_DEVICE_DATA) {
		if (!(d->rflags_wire & VPF_PARTS_LINUX_F_TAG_OPTIONAL)) {
			dec_err(d, VPF_PARTS_LINUX_ERR_REQUIRED_TAG,
				d->rec_off, d->tag, 0);
			return dec_fail(d, -EPROTONOSUPPORT);
		}
		/* Skipped without holding it: the caller's maximum, which is
		 * about memory, does not apply (D-PARTS.9). */
		d->state = D_SKIP;
		return 0;
	}
	if (size > d->max) {
		dec_err(d, VPF_PARTS_LINUX_ERR_OVER_MAX, d->rec_off, size,
			d->max);
		return dec_fail(d, -EFBIG);
	}
	d->state = D_PAYLOAD;
	return 0;
}

/*
 * The whole payload of a DEVICE_DATA record is at @payload: validate it and
 * fill @rec. Applies the CVE-2025-38314 rule: parts that end exactly 8 bytes
 * before the record's end are accepted without those bytes (D-PARTS.10).
 */
static int
dec_record(struct vpf_parts_linux_dec *d, const uint8_t *payload,
	   struct vpf_parts_linux_rec *rec)
{
	const struct vpf_parts_error *pe;
	struct vpf_parts_part p;
	uint64_t parts_len = d->size;
	uint32_t rflags = 0;
	int rc;

	vpf_parts_iter_init(&d->it, payload, (size_t)d->size, d->pflags);
	while ((rc = vpf_parts_iter_next(&d->it, &p)) > 0)
		;
	if (rc < 0) {
		pe = vpf_parts_iter_error(&d->it);
		if (pe->code == VPF_PARTS_ERR_TRUNC_HEADER &&
		    pe->value == VPF_PARTS_LINUX_CVE_TAIL) {
			parts_len = pe->part_offset;
			rflags |= VPF_PARTS_LINUX_RF_CVE_TAIL;
			/* Logged once per stream; each record says it. */
			if (d->warnings++ == 0)
				VPF_LOG(parts, WARNING,
					"Linux record %" PRIu32 " at offset %" PRIu64 ": %s",
					d->index, d->rec_off, cve_warning);
		} else if (pe->code == VPF_PARTS_ERR_TRUNC_HEADER) {
			dec_err(d, VPF_PARTS_LINUX_ERR_TRAILING,
				d->rec_off + VPF_PARTS_LINUX_HDR_SIZE +
				pe->part_offset, pe->value, 0);
			return dec_fail(d, -EBADMSG);
		} else {
			dec_err(d, VPF_PARTS_LINUX_ERR_PARTS, d->rec_off, 0, 0);
			d->err.parts = *pe;
			return dec_fail(d, -EBADMSG);
		}
	}
	rec->index = d->index;
	rec->offset = d->rec_off;
	rec->size = d->size;
	rec->flags = d->rflags_wire;
	rec->rflags = rflags;
	rec->count = vpf_parts_iter_count(&d->it);
	rec->parts = payload;
	rec->parts_len = (size_t)parts_len;
	d->index++;
	d->state = D_HDR;
	d->rec_off = d->pos;
	return 1;
}

/*
 * Room for @take more payload bytes in the decoder's buffer. An own buffer
 * grows with the bytes that actually arrive (doubling, never past the
 * record's size), so a header that announces a large record costs nothing
 * until its bytes come.
 */
static int
dec_room(struct vpf_parts_linux_dec *d, size_t take)
{
	uint64_t need = d->have + take, want;
	uint8_t *nb;

	if (d->cap >= need)
		return 0;
	if (!d->own) {
		/* init made max the caller buffer's capacity: unreachable. */
		return vpf_error(-ENOSPC, "record does not fit the caller buffer");
	}
	want = (uint64_t)d->cap * 2;
	if (want < 4096)
		want = 4096;
	if (want < need)
		want = need;
	if (want > d->size)
		want = d->size;
	nb = realloc(d->buf, (size_t)want);
	if (nb == NULL) {
		d->state = D_ERROR;
		d->rc = -ENOMEM;
		return vpf_error(-ENOMEM,
				 "cannot allocate %" PRIu64 " bytes for a Linux record",
				 want);
	}
	d->buf = nb;
	d->cap = (size_t)want;
	return 0;
}

int
vpf_parts_linux_dec_feed(struct vpf_parts_linux_dec *d, const void *data,
			 size_t len, size_t *used,
			 struct vpf_parts_linux_rec *rec)
{
	const uint8_t *p = data;
	size_t n = 0, take;
	int rc;

	if (d == NULL || used == NULL || rec == NULL || (data == NULL && len > 0))
		return vpf_error(-EINVAL, "vpf_parts_linux_dec_feed: NULL argument");
	*used = 0;
	if (d->state == D_ERROR)
		return d->rc;
	while (n < len || (d->state == D_PAYLOAD && d->have == d->size)) {
		switch (d->state) {
		case D_HDR:
			take = VPF_PARTS_LINUX_HDR_SIZE - d->hdr_have;
			if (take > len - n)
				take = len - n;
			memcpy(d->hdr + d->hdr_have, p + n, take);
			d->hdr_have += (uint32_t)take;
			n += take;
			d->pos += take;
			if (d->hdr_have < VPF_PARTS_LINUX_HDR_SIZE)
				break;
			d->hdr_have = 0;
			rc = dec_header(d);
			if (rc < 0) {
				*used = n;
				return rc;
			}
			break;
		case D_PAYLOAD:
			if (d->have == 0 && len - n >= d->size) {
				/* All of it is here: validate it in place. */
				static const uint8_t none[1];
				const uint8_t *payload = d->size ? p + n : none;

				n += (size_t)d->size;
				d->pos += d->size;
				d->have = d->size;
				*used = n;
				return dec_record(d, payload, rec);
			}
			if (d->have == d->size) {
				*used = n;
				return dec_record(d, d->buf, rec);
			}
			take = (size_t)(d->size - d->have);
			if (take > len - n)
				take = len - n;
			rc = dec_room(d, take);
			if (rc < 0) {
				*used = n;
				return rc;
			}
			memcpy(d->buf + d->have, p + n, take);
			d->have += take;
			n += take;
			d->pos += take;
			break;
		case D_SKIP:
			take = d->size - d->have < len - n ?
				(size_t)(d->size - d->have) : len - n;
			d->have += take;
			n += take;
			d->pos += take;
			break;
		default:
			*used = n;
			return d->rc;
		}
		if (d->state == D_SKIP && d->have == d->size) {
			d->skipped++;
			d->index++;
			d->state = D_HDR;
			d->rec_off = d->pos;
		}
	}
	*used = n;
	return 0;
}

int
vpf_parts_linux_dec_finish(struct vpf_parts_linux_dec *d,
			   struct vpf_parts_linux_error *err)
{
	int rc = 0;

	if (d == NULL)
		return vpf_error(-EINVAL, "vpf_parts_linux_dec_finish: NULL decoder");
	if (d->state == D_ERROR) {
		rc = d->rc;
	} else if (d->state == D_HDR && d->hdr_have > 0) {
		dec_err(d, VPF_PARTS_LINUX_ERR_TRUNCATED, d->pos, d->hdr_have,
			VPF_PARTS_LINUX_HDR_SIZE);
		rc = dec_fail(d, -ENODATA);
	} else if (d->state != D_HDR) {
		dec_err(d, VPF_PARTS_LINUX_ERR_TRUNCATED, d->pos,
			VPF_PARTS_LINUX_HDR_SIZE + d->have,
			VPF_PARTS_LINUX_HDR_SIZE + d->size);
		rc = dec_fail(d, -ENODATA);
	}
	if (err != NULL)
		*err = d->err;
	return rc;
}

const struct vpf_parts_linux_error *
vpf_parts_linux_dec_error(const struct vpf_parts_linux_dec *d)
{
	return &d->err;
}

uint32_t
vpf_parts_linux_dec_warnings(const struct vpf_parts_linux_dec *d)
{
	return d->warnings;
}

uint32_t
vpf_parts_linux_dec_skipped(const struct vpf_parts_linux_dec *d)
{
	return d->skipped;
}

uint64_t
vpf_parts_linux_dec_pos(const struct vpf_parts_linux_dec *d)
{
	return d->pos;
}

int64_t
vpf_parts_linux_decode(const void *data, size_t len, uint32_t pflags,
		       int (*cb)(const struct vpf_parts_linux_rec *rec,
				 void *arg),
		       void *arg, struct vpf_parts_linux_error *err)
{
	struct vpf_parts_linux_dec *d;
	struct vpf_parts_linux_rec rec;
	const uint8_t *p = data;
	int64_t records = 0;
	size_t off = 0, used;
	int rc;

	if (data == NULL && len > 0)
		return vpf_error(-EINVAL, "vpf_parts_linux_decode: NULL data");
	/* The iterator's bitmaps make the decoder 16 KiB: not on the stack of
	 * a caller that may itself be deep. */
	d = malloc(sizeof(*d));
	if (d == NULL)
		return vpf_error(-ENOMEM, "cannot allocate a record decoder");
	/* Every record is in @data: none is ever gathered, so no maximum
	 * beyond the format's and no buffer. */
	rc = vpf_parts_linux_dec_init(d, NULL, VPF_PARTS_LINUX_MAX_RECORD,
				      pflags);
	while (rc == 0 || rc == 1) {
		rc = vpf_parts_linux_dec_feed(d, p + off, len - off, &used,
					      &rec);
		off += used;
		if (rc == 1) {
			records++;
			if (cb != NULL && (rc = cb(&rec, arg)) < 0)
				break;
			rc = 1;
		} else if (rc == 0) {
			rc = vpf_parts_linux_dec_finish(d, NULL);
			break;
		}
	}
	if (err != NULL)
		*err = d->err;
	vpf_parts_linux_dec_fini(d);
	free(d);
	return rc < 0 ? rc : records;
}

/* --- detection ------------------------------------------------------------ */

enum vpf_parts_stream_kind
vpf_parts_stream_detect(const void *data, size_t len)
{
	static const char magic[] = VPF_MIG_STREAM_MAGIC;
	const size_t mlen = sizeof(magic) - 1;
	const uint8_t *p = data;

	if (data == NULL || len == 0)
		return VPF_PARTS_STREAM_NEED_MORE;
	if (memcmp(p, magic, len < mlen ? len : mlen) == 0)
		return len < mlen ? VPF_PARTS_STREAM_NEED_MORE :
			VPF_PARTS_STREAM_VPFMIG;
	/* A Linux record_size is at most 4 GiB - 1: its bytes 4-7 are 0. */
	for (size_t i = 4; i < 8 && i < len; i++)
		if (p[i] != 0)
			return VPF_PARTS_STREAM_UNKNOWN;
	if (len < VPF_PARTS_STREAM_DETECT_LEN)
		return VPF_PARTS_STREAM_NEED_MORE;
	return VPF_PARTS_STREAM_LINUX;
}

const char *
vpf_parts_stream_kind_name(enum vpf_parts_stream_kind k)
{
	switch (k) {
	case VPF_PARTS_STREAM_NEED_MORE: return "need-more";
	case VPF_PARTS_STREAM_UNKNOWN: return "unknown";
	case VPF_PARTS_STREAM_VPFMIG: return "vpfmig";
	case VPF_PARTS_STREAM_LINUX: return "linux";
	default: return "?";
	}
}
