/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Streaming converters between vpf's migration stream of a virtio 1.4 VF
 * and Linux virtio-vfio-pci's migration records (include/vpf_mig.h,
 * "Linux's record format"; doc/migration.md).
 *
 * Both directions reuse the checked readers: vpf -> Linux runs the real
 * stream parser (mig_stream.c), so a record leaves only once the parser
 * passed it (the final one only after END); Linux -> vpf runs the parts
 * library's record decoder and the stream writer. The input is untrusted:
 * both readers bound every length before use, and a record is never
 * larger than what a vpf record holds (VPF_MIG_REC_MAX).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_parts.h"
#include "mig_internal.h"

struct vpf_mig_linux_conv {
	enum vpf_mig_linux_dir dir;
	vpf_mig_linux_out_t out;
	void *arg;
	int err;			/* sticky error */
	int out_err;			/* the output callback failed */
	bool finished;
	char errmsg[320];
	const char *warning;		/* CVE-2025-38314 text, once seen */
	struct vpf_mig_linux_stats st;
	/* vpf -> Linux */
	struct mig_parser parser;
	/* Linux -> vpf */
	struct vpf_mig_linux_id id;
	struct vpf_parts_linux_dec dec;
	struct mig_buf held;		/* the last record, held back */
	bool have_held;
	struct mig_buf wbuf;		/* writer output, flushed per record */
	struct mig_writer w;
	uint32_t round;			/* precopy rounds written */
};

/* The largest parts set a vpf record carries as PARTS_PRECOPY (the
 * round prefix counts into VPF_MIG_REC_MAX); a Linux record becomes one
 * before it is known whether it is the last, so this bounds all of them. */
#define LNX_SET_MAX	(VPF_MIG_REC_MAX - MIG_PRECOPY_PFX)

static int VPF_PRINTF(3, 4)
conv_fail(struct vpf_mig_linux_conv *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	c->err = err;
	return vpf_error(err, "%s", c->errmsg);
}

/* Hand @p len bytes to the caller's output. */
static int
emit(struct vpf_mig_linux_conv *c, const void *buf, size_t len)
{
	int rc;

	if (len == 0)
		return 0;
	vpf_error_clear();
	rc = c->out(buf, len, c->arg);
	if (rc < 0) {
		c->out_err = rc;
		return vpf_error(rc, "cannot write the converted stream: %s",
				 vpf_last_error()[0] ? vpf_last_error() :
				 strerror(-rc));
	}
	c->st.bytes_out += len;
	return 0;
}

/* ---------------------------------------------------------------------------
 * vpf -> Linux
 * ------------------------------------------------------------------------- */

/* A parts set the parser passed (a precopy one at once, the final one
 * after END): one DEVICE_DATA record. */
static int
to_linux_cb(struct mig_parser *p, enum mig_ctx_kind kind, uint32_t round,
	    const uint8_t *set, size_t len, void *arg)
{
	struct vpf_mig_linux_conv *c = arg;
	uint8_t hdr[VPF_PARTS_LINUX_HDR_SIZE];
	int rc;

	(void)p;
	(void)kind;
	(void)round;	/* Linux's records have no round number */
	c->st.records_in++;
	/* len <= VPF_MIG_REC_MAX, far below 4 GiB - 1: cannot fail */
	rc = vpf_parts_linux_hdr_write(hdr, len, 0,
				       VPF_PARTS_LINUX_TAG_DEVICE_DATA);
	if (rc == 0)
		rc = emit(c, hdr, sizeof(hdr));
	if (rc == 0)
		rc = emit(c, set, len);
	if (rc == 0)
		c->st.records_out++;
	return rc;
}

static int
to_linux_fail(struct vpf_mig_linux_conv *c, int rc)
{
	const struct mig_parser *p = &c->parser;

	if (c->out_err)
		return conv_fail(c, c->out_err, "%s", vpf_last_error());
	/* With MIG_EXPECT_PARTS and no destination lists, -EPROTO is the
	 * parser's refusal of a draft stream at its header. */
	if (rc == -EPROTO && !p->info.parts)
		return conv_fail(c, rc,
				 "a vpf stream of draft device contexts cannot be written in Linux's format, which carries virtio 1.4 device parts only");
	return conv_fail(c, rc, "%s", p->state == MIG_P_FAILED ?
			 p->errmsg : vpf_last_error());
}

static void
to_linux_stats(struct vpf_mig_linux_conv *c)
{
	c->st.bytes_in = c->parser.info.bytes;
	c->st.skipped = c->parser.info.skipped;
}

/* ---------------------------------------------------------------------------
 * Linux -> vpf
 * ------------------------------------------------------------------------- */

/* Hand the writer's bytes out. */
static int
from_flush(struct vpf_mig_linux_conv *c)
{
	int rc = emit(c, c->wbuf.p, c->wbuf.len);

	mig_buf_reset(&c->wbuf);
	return rc;
}

/* The header, before the first record goes out: the caller's identity
 * (Linux's records carry none). */
static int
from_header(struct vpf_mig_linux_conv *c)
{
	struct mig_src_desc d;
	int rc;

	if (c->w.started)
		return 0;
	memset(&d, 0, sizeof(d));
	d.vendor_id = c->id.vendor_id;
	d.device_id = c->id.device_id;
	d.src_vf = c->id.vf;
	d.num_queues = c->id.num_queues;
	d.features[0] = c->id.features[0];
	d.features[1] = c->id.features[1];
	d.parts = true;
	rc = mig_writer_header(&c->w, &d);
	return rc ? rc : from_flush(c);
}

/* The held record goes out as precopy round n (another record came after
 * it) or as the final one (the input ended). */
static int
from_put_held(struct vpf_mig_linux_conv *c, bool final)
{
	int rc = from_header(c);

	if (rc)
		return rc;
	if (final) {
		rc = mig_writer_final(&c->w, c->held.p, c->held.len);
	} else {
		if (c->round == UINT32_MAX)
			return vpf_error(-EFBIG, "more than %u precopy rounds",
					 UINT32_MAX);
		rc = mig_writer_precopy(&c->w, c->round + 1, c->held.p,
					c->held.len);
		if (rc == 0)
			c->round++;
	}
	if (rc)
		return rc;
	rc = from_flush(c);
	if (rc == 0)
		c->st.records_out++;
	c->have_held = false;
	mig_buf_reset(&c->held);
	return rc;
}

static int
from_record(struct vpf_mig_linux_conv *c, const struct vpf_parts_linux_rec *r)
{
	const char *warn = vpf_parts_linux_rec_warning(r);
	int rc;

	c->st.records_in++;
	if (warn != NULL) {
		c->st.warnings++;
		c->warning = warn;
	}
	if (r->count == 0)
		return conv_fail(c, -EBADMSG,
				 "Linux migration stream: record %" PRIu32 " at offset %" PRIu64 " holds no device parts (a vpf stream's parts set has at least one)",
				 r->index, r->offset);
	if (r->parts_len > LNX_SET_MAX)
		return conv_fail(c, -EFBIG,
				 "Linux migration stream: record %" PRIu32 " at offset %" PRIu64 ": %zu bytes of device parts, a vpf record holds at most %u",
				 r->index, r->offset, r->parts_len,
				 (unsigned int)LNX_SET_MAX);
	if (c->have_held) {
		rc = from_put_held(c, false);
		if (rc)
			return conv_fail(c, rc, "%s", vpf_last_error());
	}
	/* Copied: the decoder's buffer (or the caller's chunk) is reused. */
	if (mig_buf_append(&c->held, r->parts, r->parts_len))
		return conv_fail(c, -ENOMEM,
				 "out of memory for a %zu-byte record",
				 r->parts_len);
	c->have_held = true;
	return 0;
}

static void
from_linux_stats(struct vpf_mig_linux_conv *c)
{
	c->st.bytes_in = vpf_parts_linux_dec_pos(&c->dec);
	c->st.skipped = vpf_parts_linux_dec_skipped(&c->dec);
}

static int
from_linux_feed(struct vpf_mig_linux_conv *c, const uint8_t *s, size_t len)
{
	struct vpf_parts_linux_rec rec;
	size_t off = 0, used;
	int rc;

	while (off < len) {
		rc = vpf_parts_linux_dec_feed(&c->dec, s + off, len - off,
					      &used, &rec);
		off += used;
		from_linux_stats(c);
		if (rc < 0)
			return conv_fail(c, rc, "%s", vpf_last_error());
		if (rc == 0)
			break;
		rc = from_record(c, &rec);
		if (rc)
			return rc;
	}
	return 0;
}

static int
from_linux_finish(struct vpf_mig_linux_conv *c)
{
	int rc;

	rc = vpf_parts_linux_dec_finish(&c->dec, NULL);
	from_linux_stats(c);
	if (rc)
		return conv_fail(c, rc, "%s", vpf_last_error());
	if (!c->have_held)
		return conv_fail(c, -ENODATA,
				 "Linux migration stream: no device data (%" PRIu64 " bytes, no DEVICE_DATA record%s)",
				 c->st.bytes_in, c->st.skipped ?
				 ", only optional records of unknown tags" :
				 "");
	rc = from_put_held(c, true);
	if (rc == 0)
		rc = mig_writer_end(&c->w);
	if (rc == 0)
		rc = from_flush(c);
	if (rc)
		return conv_fail(c, rc, "%s", vpf_last_error());
	return 0;
}

/* ---------------------------------------------------------------------------
 * Public calls
 * ------------------------------------------------------------------------- */

struct vpf_mig_linux_conv *
vpf_mig_linux_conv_new(enum vpf_mig_linux_dir dir,
		       const struct vpf_mig_linux_id *id,
		       vpf_mig_linux_out_t out, void *arg)
{
	struct vpf_mig_linux_conv *c;

	if (out == NULL || (dir != VPF_MIG_LINUX_TO && dir != VPF_MIG_LINUX_FROM) ||
	    (dir == VPF_MIG_LINUX_FROM && id == NULL)) {
		vpf_error(-EINVAL, "vpf_mig_linux_conv_new: bad arguments");
		return NULL;
	}
	/* The decoder's validation bitmaps make this ~20 KiB: heap. */
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		vpf_error(-ENOMEM, "out of memory for a stream converter");
		return NULL;
	}
	c->dir = dir;
	c->out = out;
	c->arg = arg;
	if (dir == VPF_MIG_LINUX_TO) {
		mig_parser_init(&c->parser, NULL, 0, to_linux_cb, c);
		c->parser.expect_kind = MIG_EXPECT_PARTS;
	} else {
		c->id = *id;
		/* Own buffer, grown as bytes arrive, never past a vpf
		 * record's size (a larger record is refused at its
		 * header). */
		if (vpf_parts_linux_dec_init(&c->dec, NULL, VPF_MIG_REC_MAX,
					     VPF_PARTS_F_CARRY) < 0) {
			free(c);
			return NULL;
		}
		mig_writer_init(&c->w, &c->wbuf);
	}
	return c;
}

void
vpf_mig_linux_conv_free(struct vpf_mig_linux_conv *c)
{
	if (c == NULL)
		return;
	if (c->dir == VPF_MIG_LINUX_TO) {
		mig_parser_fini(&c->parser);
	} else {
		vpf_parts_linux_dec_fini(&c->dec);
		mig_buf_free(&c->held);
		mig_buf_free(&c->wbuf);
	}
	free(c);
}

int
vpf_mig_linux_conv_feed(struct vpf_mig_linux_conv *c, const void *buf,
			size_t len)
{
	int rc;

	if (c == NULL || (buf == NULL && len))
		return vpf_error(-EINVAL, "vpf_mig_linux_conv_feed: NULL argument");
	if (c->err)
		return vpf_error(c->err, "%s", c->errmsg);
	if (c->finished)
		return vpf_error(-EINVAL, "stream converter: fed after its end");
	if (len == 0)
		return 0;
	if (c->dir == VPF_MIG_LINUX_FROM)
		return from_linux_feed(c, buf, len);
	rc = mig_parser_feed(&c->parser, buf, len);
	to_linux_stats(c);
	return rc ? to_linux_fail(c, rc) : 0;
}

int
vpf_mig_linux_conv_finish(struct vpf_mig_linux_conv *c)
{
	int rc;

	if (c == NULL)
		return vpf_error(-EINVAL, "vpf_mig_linux_conv_finish: NULL converter");
	if (c->err)
		return vpf_error(c->err, "%s", c->errmsg);
	if (c->finished)
		return 0;
	if (c->dir == VPF_MIG_LINUX_FROM) {
		rc = from_linux_finish(c);
	} else {
		rc = mig_parser_finish(&c->parser);
		to_linux_stats(c);
		if (rc)
			rc = conv_fail(c, rc, "%s", vpf_last_error());
	}
	if (rc == 0) {
		c->finished = true;
		c->st.done = true;
	}
	return rc;
}

void
vpf_mig_linux_conv_stats(const struct vpf_mig_linux_conv *c,
			 struct vpf_mig_linux_stats *s)
{
	if (s == NULL)
		return;
	if (c == NULL) {
		memset(s, 0, sizeof(*s));
		return;
	}
	*s = c->st;
}

const char *
vpf_mig_linux_conv_errmsg(const struct vpf_mig_linux_conv *c)
{
	return c == NULL || !c->err ? "" : c->errmsg;
}

const char *
vpf_mig_linux_conv_warning(const struct vpf_mig_linux_conv *c)
{
	return c == NULL ? NULL : c->warning;
}

/* Whole-buffer conversion: the output collects in a mig_buf. */
static int
collect_out(const void *buf, size_t len, void *arg)
{
	struct mig_buf *b = arg;

	if (mig_buf_append(b, buf, len))
		return vpf_error(-ENOMEM, "out of memory");
	return 0;
}

int
vpf_mig_linux_convert(enum vpf_mig_linux_dir dir,
		      const struct vpf_mig_linux_id *id, const void *in,
		      size_t len, void **out, size_t *out_len,
		      struct vpf_mig_linux_stats *stats)
{
	struct vpf_mig_linux_conv *c;
	struct mig_buf b = { 0 };
	int rc;

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (out == NULL || out_len == NULL || (in == NULL && len))
		return vpf_error(-EINVAL, "vpf_mig_linux_convert: NULL argument");
	*out = NULL;
	*out_len = 0;
	if ((dir != VPF_MIG_LINUX_TO && dir != VPF_MIG_LINUX_FROM) ||
	    (dir == VPF_MIG_LINUX_FROM && id == NULL))
		return vpf_error(-EINVAL, "vpf_mig_linux_convert: bad arguments");
	c = vpf_mig_linux_conv_new(dir, id, collect_out, &b);
	if (c == NULL)
		return -ENOMEM;
	rc = vpf_mig_linux_conv_feed(c, in, len);
	if (rc == 0)
		rc = vpf_mig_linux_conv_finish(c);
	vpf_mig_linux_conv_stats(c, stats);
	vpf_mig_linux_conv_free(c);
	if (rc) {
		mig_buf_free(&b);
		return rc;
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Detection
 * ------------------------------------------------------------------------- */

enum vpf_mig_format
vpf_mig_format_detect(const void *buf, size_t len)
{
	switch (vpf_parts_stream_detect(buf, len)) {
	case VPF_PARTS_STREAM_VPFMIG:
		return VPF_MIG_FORMAT_VPF;
	case VPF_PARTS_STREAM_LINUX:
		return VPF_MIG_FORMAT_LINUX;
	case VPF_PARTS_STREAM_NEED_MORE:
		return VPF_MIG_FORMAT_NEED_MORE;
	default:
		return VPF_MIG_FORMAT_UNKNOWN;
	}
}

const char *
vpf_mig_format_name(enum vpf_mig_format f)
{
	switch (f) {
	case VPF_MIG_FORMAT_NEED_MORE: return "need-more";
	case VPF_MIG_FORMAT_UNKNOWN: return "unknown";
	case VPF_MIG_FORMAT_VPF: return "vpf";
	case VPF_MIG_FORMAT_LINUX: return "linux";
	default: return "?";
	}
}
