/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Streaming validation of a device context fed in chunks split anywhere.
 * The state is a handful of counters, a 16-byte header buffer and the
 * vq_index bitmaps; value bytes are skipped, never buffered (only the first
 * 2 or 4 bytes of a per-VQ value are kept, for the vq_index and desc_count
 * checks of doc/protocol.md §5.4).
 * The checks are those of ctx_internal.h, run at the same byte positions as
 * the whole-buffer iterator, so both give the same struct vpf_ctx_error.
 */

#include <errno.h>

#include "ctx_internal.h"

enum {
	ST_CTX_HDR = 0,	/* collecting the 4-byte context header */
	ST_TLV_HDR,	/* collecting a 16-byte TLV header */
	ST_PFX,		/* collecting a per-VQ value prefix */
	ST_VALUE,	/* skipping value bytes */
	ST_TRAIL,	/* context complete; only padding may follow */
	ST_ERROR,
};

int
vpf_ctx_stream_init(struct vpf_ctx_stream *s, uint32_t flags,
		    int (*cb)(const struct vpf_ctx_field *f, void *arg),
		    void *arg)
{
	if (s == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_stream_init: NULL stream");
	/* Every counter starts at 0; the vq_index bitmaps (most of the
	 * struct) are not cleared here but reset lazily by their summary. */
	memset(s, 0, offsetof(struct vpf_ctx_stream, seen));
	s->flags = flags;
	s->state = ST_CTX_HDR;
	s->cb = cb;
	s->cb_arg = arg;
	ctx_err_clear(&s->err);
	ctx_seen_reset(&s->seen);
	return 0;
}

static int
stream_fail(struct vpf_ctx_stream *s)
{
	s->state = ST_ERROR;
	return vpf_ctx_report(&s->err);
}

static int
stream_ret(const struct vpf_ctx_stream *s)
{
	return s->cb_err != 0 ? s->cb_err : -EBADMSG;
}

/* Start of a TLV, or the end of the fields. */
static void
stream_next_field(struct vpf_ctx_stream *s)
{
	s->field_off = s->pos;
	s->have = 0;
	if (s->index == s->field_count) {
		s->end = s->pos;
		s->state = ST_TRAIL;
	} else {
		s->state = ST_TLV_HDR;
	}
}

/* The current field is complete and valid. */
static int
stream_field_done(struct vpf_ctx_stream *s)
{
	if (s->cb != NULL) {
		struct vpf_ctx_field f = {
			.type = s->type,
			.flags = s->fflags,
			.index = s->index,
			.offset = s->field_off,
			.length = s->length,
			.tlv = NULL,
			.value = NULL,
		};
		int rc = s->cb(&f, s->cb_arg);

		if (rc < 0) {
			ctx_err_set(&s->err, VPF_CTX_ERR_ABORTED, s->index,
				    s->field_off, s->field_off, s->type,
				    s->length, 0);
			s->cb_err = rc;
			s->state = ST_ERROR;
			return rc;
		}
	}
	s->index++;
	stream_next_field(s);
	return 0;
}

static int
stream_tlv_hdr(struct vpf_ctx_stream *s)
{
	uint64_t word = vpf_le64_load(s->hdr + CTX_TLV_TYPE_OFF);
	uint32_t fflags, need;

	s->type = (uint16_t)word;
	s->length = vpf_le64_load(s->hdr + CTX_TLV_LEN_OFF);
	if (!ctx_check_hdr(&s->err, s->index, s->field_off, s->type,
			   word >> 16, s->length, &fflags, &need))
		return stream_fail(s);
	s->fflags = fflags;
	s->pfx_need = need;
	s->remain = s->length;
	s->have = 0;
	if (need != 0) {
		s->state = ST_PFX;
		return 0;
	}
	s->state = ST_VALUE;
	if (s->remain == 0)
		return stream_field_done(s);
	return 0;
}

/*
 * The steps of vpf_ctx_stream_feed(), one per state. Each takes the @len
 * (> 0) bytes at @p, consumes some of them (*took, at least one unless it
 * fails), advances the stream and returns 0, or a negative errno once the
 * stream has failed.
 */

/* ST_CTX_HDR: collect the 4-byte context header, then read field_count. */
static int
stream_step_ctx_hdr(struct vpf_ctx_stream *s, const uint8_t *p, size_t len,
		    size_t *took)
{
	size_t take = VPF_CTX_HDR_SIZE - s->have;

	if (take > len)
		take = len;
	memcpy(s->hdr + s->have, p, take);
	s->have += take;
	s->pos += take;
	*took = take;
	if (s->have == VPF_CTX_HDR_SIZE) {
		s->field_count = vpf_le32_load(s->hdr);
		stream_next_field(s);
	}
	return 0;
}

/*
 * ST_TLV_HDR: a whole well-formed field in this chunk goes through the
 * fast path of ctx_internal.h in one step; anything else collects the
 * 16-byte header, then checks it (stream_tlv_hdr()).
 */
static int
stream_step_tlv_hdr(struct vpf_ctx_stream *s, const uint8_t *p, size_t len,
		    size_t *took)
{
	size_t take;

	if (s->have == 0 && len >= VPF_CTX_TLV_HDR_SIZE &&
	    ctx_fast_field(&s->seen, p, len - VPF_CTX_TLV_HDR_SIZE, &s->type,
			   &s->length)) {
		take = VPF_CTX_TLV_HDR_SIZE + (size_t)s->length;
		s->fflags = 0;
		s->pos += take;
		*took = take;
		return stream_field_done(s);
	}
	take = VPF_CTX_TLV_HDR_SIZE - s->have;
	if (take > len)
		take = len;
	if (take == VPF_CTX_TLV_HDR_SIZE)
		/* Whole header in this chunk: a constant-size copy, no libc
		 * call (the common case). */
		memcpy(s->hdr, p, VPF_CTX_TLV_HDR_SIZE);
	else
		memcpy(s->hdr + s->have, p, take);
	s->have += take;
	s->pos += take;
	*took = take;
	if (s->have == VPF_CTX_TLV_HDR_SIZE)
		return stream_tlv_hdr(s);
	return 0;
}

/*
 * ST_PFX: collect the first 2 or 4 value bytes of a per-VQ type and check
 * vq_index at 2 bytes, desc_count at 4, exactly as the whole-buffer
 * iterator decides them.
 */
static int
stream_step_pfx(struct vpf_ctx_stream *s, const uint8_t *p, size_t len,
		size_t *took)
{
	size_t take = s->pfx_need - s->have;

	if (take > len)
		take = len;
	memcpy(s->hdr + s->have, p, take);
	s->have += take;
	s->pos += take;
	s->remain -= take;
	*took = take;
	if (s->have >= 2 && s->have - take < 2 &&
	    !ctx_check_vq(&s->err, &s->seen, s->index, s->field_off, s->type,
			  s->hdr))
		return stream_fail(s);
	if (s->have < s->pfx_need)
		return 0;
	if (s->pfx_need == 4 &&
	    !ctx_check_count(&s->err, s->index, s->field_off, s->length,
			     s->hdr))
		return stream_fail(s);
	s->state = ST_VALUE;
	if (s->remain == 0)
		return stream_field_done(s);
	return 0;
}

/* ST_VALUE: value bytes are only skipped, never copied. */
static int
stream_step_value(struct vpf_ctx_stream *s, size_t len, size_t *took)
{
	size_t take = s->remain < len ? (size_t)s->remain : len;

	s->remain -= take;
	s->pos += take;
	*took = take;
	if (s->remain == 0)
		return stream_field_done(s);
	return 0;
}

/*
 * ST_TRAIL: the context is complete. Up to 7 zero bytes may pad the last
 * chunk when the caller allows it (doc/protocol.md §1.2, D-1.3); nothing
 * else may follow.
 */
static int
stream_step_trail(struct vpf_ctx_stream *s, const uint8_t *p, size_t len,
		  size_t *took)
{
	if (!(s->flags & VPF_CTX_F_ALLOW_PAD) ||
	    len > VPF_CTX_MAX_PAD - s->pad || !vpf_ctx_trailing_ok(p, len)) {
		ctx_err_trailing(&s->err, s->end, s->field_count);
		return stream_fail(s);
	}
	s->pad += len;
	s->pos += len;
	*took = len;
	return 0;
}

int
vpf_ctx_stream_feed(struct vpf_ctx_stream *s, const void *chunk, size_t len)
{
	const uint8_t *p = chunk;
	size_t took = 0;
	int rc;

	if (s == NULL || (chunk == NULL && len > 0))
		return vpf_error(-EINVAL, "vpf_ctx_stream_feed: NULL argument");
	if (s->state == ST_ERROR)
		return stream_ret(s);
	while (len > 0) {
		switch (s->state) {
		case ST_CTX_HDR:
			rc = stream_step_ctx_hdr(s, p, len, &took);
			break;
		case ST_TLV_HDR:
			rc = stream_step_tlv_hdr(s, p, len, &took);
			break;
		case ST_PFX:
			rc = stream_step_pfx(s, p, len, &took);
			break;
		case ST_VALUE:
			rc = stream_step_value(s, len, &took);
			break;
		case ST_TRAIL:
			rc = stream_step_trail(s, p, len, &took);
			break;
		default:
			return stream_ret(s);
		}
		if (rc < 0)
			return rc;
		p += took;
		len -= took;
	}
	return 0;
}

int
vpf_ctx_stream_finish(struct vpf_ctx_stream *s, struct vpf_ctx_error *err)
{
	int rc = 0;

	if (s == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_stream_finish: NULL stream");
	switch (s->state) {
	case ST_CTX_HDR:
		ctx_err_trunc_header(&s->err, s->pos);
		rc = stream_fail(s);
		break;
	case ST_TLV_HDR:
		if (s->have == 0)
			ctx_err_fields_missing(&s->err, s->index, s->pos,
					       s->field_count);
		else
			ctx_err_trunc_tlv(&s->err, s->index, s->pos,
					  s->field_off);
		rc = stream_fail(s);
		break;
	case ST_PFX:
	case ST_VALUE:
		ctx_err_trunc_value(&s->err, s->index, s->pos, s->field_off,
				    s->type, s->length);
		rc = stream_fail(s);
		break;
	case ST_TRAIL:
		break;
	default:
		rc = stream_ret(s);
		break;
	}
	if (err != NULL)
		*err = s->err;
	return rc;
}

bool
vpf_ctx_stream_complete(const struct vpf_ctx_stream *s)
{
	/* end is set when the last field completes and is never 0 then. */
	return s->end != 0;
}

uint64_t
vpf_ctx_stream_ctx_len(const struct vpf_ctx_stream *s)
{
	return s->end;
}

uint64_t
vpf_ctx_stream_pos(const struct vpf_ctx_stream *s)
{
	return s->pos;
}

const struct vpf_ctx_error *
vpf_ctx_stream_error(const struct vpf_ctx_stream *s)
{
	return &s->err;
}
