/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Parts printer: stable, line-oriented text (the format is documented in
 * doc/parts.md; `vpf-cli parts dump` prints it). Output goes to a FILE or
 * to a caller buffer through the same sink, so both give identical bytes.
 * This formats for a caller-chosen stream: it is not logging.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "parts_internal.h"
#include "common/vpf_sink.h"

/* Bytes as hex, abbreviated after VPF_PARTS_PRINT_HEX_MAX bytes. */
static void
print_hex(struct vpf_sink *s, const char *key, const uint8_t *p, uint64_t len,
	  uint32_t flags)
{
	static const char hx[] = "0123456789abcdef";
	uint64_t n = len, i;
	char chunk[2 * 32 + 1];
	size_t c = 0;

	if (!(flags & VPF_PARTS_PRINT_FULL) && n > VPF_PARTS_PRINT_HEX_MAX)
		n = VPF_PARTS_PRINT_HEX_MAX;
	vpf_sink_printf(s, " %s=", key);
	if (len == 0) {
		vpf_sink_printf(s, "-");
		return;
	}
	for (i = 0; i < n; i++) {
		chunk[c++] = hx[p[i] >> 4];
		chunk[c++] = hx[p[i] & 0xf];
		if (c == sizeof(chunk) - 1) {
			chunk[c] = '\0';
			vpf_sink_printf(s, "%s", chunk);
			c = 0;
		}
	}
	chunk[c] = '\0';
	vpf_sink_printf(s, "%s", chunk);
	if (n < len)
		vpf_sink_printf(s, "...(+%" PRIu64 " bytes)", len - n);
}

static void
print_features(struct vpf_sink *s, const struct vpf_parts_part *p, uint32_t flags)
{
	struct vpf_parts_features f;
	uint32_t i, n;

	if (vpf_parts_decode_features(p, &f) < 0)
		return;
	n = f.nwords;
	if (!(flags & VPF_PARTS_PRINT_FULL) &&
	    n > VPF_PARTS_PRINT_HEX_MAX / VPF_PARTS_FEATURE_WORD_SIZE)
		n = VPF_PARTS_PRINT_HEX_MAX / VPF_PARTS_FEATURE_WORD_SIZE;
	vpf_sink_printf(s, " words=%" PRIu32 " bits=", f.nwords);
	for (i = 0; i < n; i++)
		vpf_sink_printf(s, "%s0x%016" PRIx64, i ? "," : "",
			    vpf_parts_features_word(&f, i));
	if (n < f.nwords)
		vpf_sink_printf(s, ",...(+%" PRIu32 " words)", f.nwords - n);
}

static void
print_value(struct vpf_sink *s, const struct vpf_parts_part *p, uint32_t flags)
{
	uint32_t size = vpf_parts_type_fixed_size(p->type);
	struct vpf_parts_common cc;
	struct vpf_parts_vq_cfg q;
	struct vpf_parts_vq_notify vn;
	struct vpf_parts_cvq cvq;
	uint8_t st;

	if (p->flags & VPF_PARTS_PF_UNKNOWN) {
		if (p->type == VPF_PARTS_PCI_COMMON_CFG)
			vpf_sink_printf(s, " at=%" PRIu32,
				    vpf_parts_part_common_offset(p));
		else
			print_hex(s, "selector", p->hdr + VPF_PARTS_HDR_SEL_OFF,
				  VPF_PARTS_SEL_SIZE, flags);
		print_hex(s, "value", p->value, p->length, flags);
		return;
	}
	switch (p->type) {
	case VPF_PARTS_DEV_FEATURES:
	case VPF_PARTS_DRV_FEATURES:
		print_features(s, p, flags);
		break;
	case VPF_PARTS_PCI_COMMON_CFG:
		if (vpf_parts_decode_common(p, &cc) == 0)
			vpf_sink_printf(s, " field=%s at=%" PRIu32 " value=0x%0*" PRIx64,
				    vpf_parts_common_field_name(cc.offset),
				    cc.offset, (int)(2 * cc.size), cc.value);
		break;
	case VPF_PARTS_DEVICE_STATUS:
		if (vpf_parts_decode_status(p, &st) == 0)
			vpf_sink_printf(s, " status=0x%02x", st);
		break;
	case VPF_PARTS_VQ_CFG:
		if (vpf_parts_decode_vq_cfg(p, &q) == 0)
			vpf_sink_printf(s, " vq=%u queue_size=%u vector=%u enabled=%u"
				    " desc=0x%016" PRIx64 " driver=0x%016" PRIx64
				    " device=0x%016" PRIx64,
				    q.vq_index, q.queue_size, q.vector,
				    q.enabled, q.desc, q.driver, q.device);
		break;
	case VPF_PARTS_VQ_NOTIFY_CFG:
		if (vpf_parts_decode_vq_notify(p, &vn) == 0)
			vpf_sink_printf(s, " vq=%u queue_notify_off=%u"
				    " queue_notif_config_data=%u",
				    vn.vq_index, vn.queue_notify_off,
				    vn.queue_notif_config_data);
		break;
	case VPF_PARTS_NET_CVQ_CFG:
		if (vpf_parts_decode_cvq(p, &cvq) == 0) {
			vpf_sink_printf(s, " class=%u command=%u", cvq.cls,
				    cvq.command);
			print_hex(s, "data", cvq.data, cvq.len, flags);
		}
		break;
	default:
		break;
	}
	if (p->flags & VPF_PARTS_PF_EXTENDED) {
		vpf_sink_printf(s, " extended=%" PRIu32, p->length - size);
		print_hex(s, "ext", p->value + size, p->length - size, flags);
	}
}

static void
print_part(struct vpf_sink *s, const char *indent, const struct vpf_parts_part *p,
	   uint32_t flags)
{
	vpf_sink_printf(s, "%spart %" PRIu32 " offset=%" PRIu64 " type=%s(0x%04x)%s length=%" PRIu32,
		    indent, p->index, p->offset, vpf_parts_type_name(p->type),
		    p->type, vpf_parts_part_optional(p) ? " optional" : "",
		    p->length);
	if (p->type == VPF_PARTS_VQ_CFG || p->type == VPF_PARTS_VQ_NOTIFY_CFG ||
	    p->type == VPF_PARTS_PCI_COMMON_CFG) {
		if (p->value == NULL)
			vpf_sink_printf(s, " %s=%" PRIu32,
				    p->type == VPF_PARTS_PCI_COMMON_CFG ?
				    "at" : "vq",
				    p->type == VPF_PARTS_PCI_COMMON_CFG ?
				    vpf_parts_part_common_offset(p) :
				    vpf_parts_part_vq_index(p));
	}
	if (p->value != NULL)
		print_value(s, p, flags);
	if ((p->flags & VPF_PARTS_PF_UNKNOWN) && p->value == NULL)
		print_hex(s, "selector", p->hdr + VPF_PARTS_HDR_SEL_OFF,
			  VPF_PARTS_SEL_SIZE, flags);
	if (p->flags & VPF_PARTS_PF_UNKNOWN)
		vpf_sink_printf(s, " unknown");
	if (p->flags & VPF_PARTS_PF_RSVD_SET)
		print_hex(s, "reserved-set", p->hdr, VPF_PARTS_HDR_SIZE, flags);
	vpf_sink_printf(s, "\n");
}

static void
print_error(struct vpf_sink *s, const char *indent, const struct vpf_parts_error *e)
{
	char msg[320];

	vpf_parts_error_str(e, msg, sizeof(msg));
	vpf_sink_printf(s, "%serror: %s at offset %" PRIu64 ": %s\n", indent,
		    vpf_parts_err_name(e->code), e->offset, msg);
}

/* The parts of one set, then "end" or "error"; the iterator's verdict. */
static int
print_set(struct vpf_sink *s, const char *indent, struct vpf_parts_iter *it,
	  uint64_t len, uint32_t flags)
{
	struct vpf_parts_part p;
	int rc;

	while ((rc = vpf_parts_iter_next(it, &p)) > 0)
		print_part(s, indent, &p, flags);
	if (rc == 0) {
		uint64_t end = vpf_parts_iter_end(it);

		vpf_sink_printf(s, "%send: %" PRIu32 " parts, well formed", indent,
			    vpf_parts_iter_count(it));
		if (end < len)
			vpf_sink_printf(s, " (%" PRIu64 " padding bytes)",
				    len - end);
		vpf_sink_printf(s, "\n");
	} else {
		print_error(s, indent, vpf_parts_iter_error(it));
	}
	return rc;
}

static int
print_parts(struct vpf_sink *s, const void *parts, size_t len, uint32_t flags,
	    struct vpf_parts_error *err)
{
	struct vpf_parts_iter *it;
	int rc;

	it = malloc(sizeof(*it));
	if (it == NULL)
		return vpf_error(-ENOMEM, "cannot allocate a parts iterator");
	rc = vpf_parts_iter_init(it, parts, len, flags & 0xff);
	if (rc < 0) {
		free(it);
		return rc;
	}
	vpf_sink_printf(s, "parts: bytes=%zu\n", len);
	rc = print_set(s, "", it, len, flags);
	if (err != NULL)
		*err = *vpf_parts_iter_error(it);
	if (rc < 0)
		rc = vpf_parts_report(vpf_parts_iter_error(it));
	free(it);
	if (s->io_err)
		return vpf_error(-EIO, "cannot write the parts text");
	return rc;
}

int
vpf_parts_print(FILE *out, const void *parts, size_t len, uint32_t flags,
		struct vpf_parts_error *err)
{
	struct vpf_sink s = { .f = out };

	if (out == NULL)
		return vpf_error(-EINVAL, "vpf_parts_print: NULL stream");
	return print_parts(&s, parts, len, flags, err);
}

int
vpf_parts_print_buf(char *buf, size_t size, size_t *needed, const void *parts,
		    size_t len, uint32_t flags, struct vpf_parts_error *err)
{
	struct vpf_sink s = { .buf = buf, .size = size };
	int rc;

	if (buf == NULL && size > 0)
		return vpf_error(-EINVAL, "vpf_parts_print_buf: NULL buffer");
	if (size > 0)
		buf[0] = '\0';
	rc = print_parts(&s, parts, len, flags, err);
	if (needed != NULL)
		*needed = s.n;
	return rc;
}

/* --- Linux record streams -------------------------------------------------- */

/* Records @first to @end - 1 had unknown optional tags. */
static void
print_skipped(struct vpf_sink *s, uint32_t first, uint32_t end)
{
	if (end == first + 1)
		vpf_sink_printf(s, "record %" PRIu32 ": unknown optional tag, skipped\n",
			    first);
	else if (end > first)
		vpf_sink_printf(s, "records %" PRIu32 "-%" PRIu32 ": unknown optional tags, skipped\n",
			    first, end - 1);
}

int64_t
vpf_parts_linux_print(FILE *out, const void *data, size_t len, uint32_t flags)
{
	struct vpf_sink s = { .f = out };
	struct vpf_parts_linux_dec *d;
	struct vpf_parts_linux_rec rec;
	const struct vpf_parts_linux_error *e;
	const uint8_t *p = data;
	struct vpf_parts_iter *it;
	uint32_t next = 0;
	int64_t records = 0;
	size_t off = 0, used;
	char msg[480];
	int rc;

	if (out == NULL || (data == NULL && len > 0))
		return vpf_error(-EINVAL, "vpf_parts_linux_print: NULL argument");
	d = malloc(sizeof(*d));
	it = malloc(sizeof(*it));
	if (d == NULL || it == NULL) {
		free(d);
		free(it);
		return vpf_error(-ENOMEM, "cannot allocate a record decoder");
	}
	rc = vpf_parts_linux_dec_init(d, NULL, VPF_PARTS_LINUX_MAX_RECORD,
				      flags & VPF_PARTS_F_CARRY);
	vpf_sink_printf(&s, "linux stream: bytes=%zu\n", len);
	while (rc >= 0) {
		rc = vpf_parts_linux_dec_feed(d, p + off, len - off, &used,
					      &rec);
		off += used;
		if (rc == 0) {
			rc = vpf_parts_linux_dec_finish(d, NULL);
			break;
		}
		if (rc < 0)
			break;
		print_skipped(&s, next, rec.index);
		next = rec.index + 1;
		records++;
		vpf_sink_printf(&s, "record %" PRIu32 " offset=%" PRIu64 " size=%" PRIu64 " flags=0x%" PRIx32 " tag=DEVICE_DATA(0) parts=%" PRIu32 "\n",
			    rec.index, rec.offset, rec.size, rec.flags,
			    rec.count);
		vpf_parts_iter_init(it, rec.parts, rec.parts_len,
				    flags & VPF_PARTS_F_CARRY);
		print_set(&s, "  ", it, rec.parts_len, flags);
		if (vpf_parts_linux_rec_warning(&rec) != NULL)
			vpf_sink_printf(&s, "  warning: %s\n",
				    vpf_parts_linux_rec_warning(&rec));
	}
	e = vpf_parts_linux_dec_error(d);
	if (rc == 0) {
		print_skipped(&s, next, vpf_parts_linux_dec_skipped(d) +
			      (uint32_t)records);
		vpf_sink_printf(&s, "end: %" PRId64 " records, %" PRIu32 " skipped, %" PRIu32 " warnings\n",
			    records, vpf_parts_linux_dec_skipped(d),
			    vpf_parts_linux_dec_warnings(d));
	} else if (e->code != VPF_PARTS_LINUX_OK) {
		vpf_parts_linux_error_str(e, msg, sizeof(msg));
		vpf_sink_printf(&s, "error: %s at offset %" PRIu64 ": %s\n",
			    vpf_parts_linux_err_name(e->code), e->offset, msg);
		/* The sentence of the failing call, not of the printing. */
		vpf_error(rc, "Linux migration stream: %s", msg);
	}
	vpf_parts_linux_dec_fini(d);
	free(d);
	free(it);
	if (s.io_err)
		return vpf_error(-EIO, "cannot write the stream text");
	return rc < 0 ? rc : records;
}
