/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Whole-buffer validation and zero-copy iteration of a device context
 * (doc/protocol.md §5) in one linear pass: no allocation, no copy, every
 * length checked against the bytes present before it is used.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

#include "ctx_internal.h"

enum {
	IT_START = 0,
	IT_FIELDS,
	IT_DONE,
	IT_ERROR,
};

uint64_t
vpf_ctx_type_fixed_size(uint16_t type)
{
	switch (type) {
	case VPF_CTX_PCI_COMMON_CFG: return VPF_CTX_COMMON_CFG_SIZE;
	case VPF_CTX_PCI_VQ_CFG: return VPF_CTX_VQ_CFG_SIZE;
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG: return VPF_CTX_VQ_RUNTIME_SIZE;
	default: return 0;
	}
}

bool
vpf_ctx_type_is_known(uint16_t type)
{
	switch (type) {
	case VPF_CTX_PCI_COMMON_CFG:
	case VPF_CTX_DEV_FEATURES:
	case VPF_CTX_PCI_VQ_CFG:
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG:
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC:
	case VPF_CTX_DEV_CFG:
		return true;
	default:
		return false;
	}
}

bool
vpf_ctx_type_is_reserved(uint16_t type)
{
	return type > VPF_CTX_TYPE_DEVICE_LAST;
}

bool
vpf_ctx_type_is_per_vq(uint16_t type)
{
	return type == VPF_CTX_PCI_VQ_CFG ||
		type == VPF_CTX_VQ_SPLIT_RUNTIME_CFG ||
		type == VPF_CTX_VQ_SPLIT_DEV_OWN_DESC;
}

uint64_t
vpf_ctx_field_ext_len(const struct vpf_ctx_field *f)
{
	if (f == NULL || !(f->flags & VPF_CTX_FIELD_F_EXTENDED))
		return 0;
	return f->length - vpf_ctx_type_fixed_size(f->type);
}

bool
vpf_ctx_trailing_ok(const void *tail, size_t len)
{
	const uint8_t *p = tail;
	size_t i;

	if (len > VPF_CTX_MAX_PAD)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

const char *
vpf_ctx_err_name(enum vpf_ctx_err code)
{
	static const char *const names[VPF_CTX_ERR_MAX] = {
		[VPF_CTX_OK] = "OK",
		[VPF_CTX_ERR_TRUNC_HEADER] = "TRUNC_HEADER",
		[VPF_CTX_ERR_TRUNC_FIELD_HEADER] = "TRUNC_FIELD_HEADER",
		[VPF_CTX_ERR_TRUNC_VALUE] = "TRUNC_VALUE",
		[VPF_CTX_ERR_LENGTH_OVERFLOW] = "LENGTH_OVERFLOW",
		[VPF_CTX_ERR_FIELDS_MISSING] = "FIELDS_MISSING",
		[VPF_CTX_ERR_TRAILING_BYTES] = "TRAILING_BYTES",
		[VPF_CTX_ERR_FIELD_SHORT] = "FIELD_SHORT",
		[VPF_CTX_ERR_FEATURES_LENGTH] = "FEATURES_LENGTH",
		[VPF_CTX_ERR_OWN_DESC_SHORT] = "OWN_DESC_SHORT",
		[VPF_CTX_ERR_OWN_DESC_COUNT] = "OWN_DESC_COUNT",
		[VPF_CTX_ERR_DUP_VQ] = "DUP_VQ",
		[VPF_CTX_ERR_ABORTED] = "ABORTED",
	};

	if ((unsigned int)code >= VPF_CTX_ERR_MAX)
		return "UNKNOWN";
	return names[code];
}

int
vpf_ctx_error_str(const struct vpf_ctx_error *e, char *buf, size_t size)
{
	char where[96];

	if (e == NULL)
		return snprintf(buf, size, "no error information");
	where[0] = '\0';
	if (e->code == VPF_CTX_ERR_TRUNC_FIELD_HEADER)
		/* The type is not known yet. */
		snprintf(where, sizeof(where), "field %" PRIu32 " at offset %" PRIu64 ": ",
			 e->field_index, e->field_offset);
	else if (e->field_index != VPF_CTX_NO_FIELD &&
		 e->field_offset != VPF_CTX_NO_OFFSET)
		snprintf(where, sizeof(where), "field %" PRIu32 " (%s, 0x%04x) at offset %" PRIu64 ": ",
			 e->field_index, vpf_ctx_type_name(e->type), e->type,
			 e->field_offset);
	else if (e->field_index != VPF_CTX_NO_FIELD)
		snprintf(where, sizeof(where), "field %" PRIu32 ": ",
			 e->field_index);

	switch (e->code) {
	case VPF_CTX_OK:
		return snprintf(buf, size, "well formed");
	case VPF_CTX_ERR_TRUNC_HEADER:
		return snprintf(buf, size,
				"context header truncated: %" PRIu64 " of 4 bytes present",
				e->value);
	case VPF_CTX_ERR_TRUNC_FIELD_HEADER:
		return snprintf(buf, size,
				"%sheader truncated at offset %" PRIu64 ": %" PRIu64 " of 16 bytes present",
				where, e->offset, e->value);
	case VPF_CTX_ERR_TRUNC_VALUE:
		return snprintf(buf, size,
				"%svalue of %" PRIu64 " bytes runs past the end of the data at offset %" PRIu64 " (%" PRIu64 " bytes present)",
				where, e->value, e->offset, e->expected);
	case VPF_CTX_ERR_LENGTH_OVERFLOW:
		return snprintf(buf, size,
				"%slength %" PRIu64 " (0x%" PRIx64 ") at offset %" PRIu64 " overflows 64 bits",
				where, e->value, e->value, e->offset);
	case VPF_CTX_ERR_FIELDS_MISSING:
		return snprintf(buf, size,
				"field_count is %" PRIu64 " but the data ends at offset %" PRIu64 " after %" PRIu64 " fields",
				e->value, e->offset, e->expected);
	case VPF_CTX_ERR_TRAILING_BYTES:
		return snprintf(buf, size,
				"bytes follow the last of the %" PRIu64 " fields at offset %" PRIu64 " (field_count too small, or more than 7 zero padding bytes)",
				e->value, e->offset);
	case VPF_CTX_ERR_FIELD_SHORT:
		return snprintf(buf, size,
				"%slength %" PRIu64 " is shorter than the type's size %" PRIu64 " (length at offset %" PRIu64 ")",
				where, e->value, e->expected, e->offset);
	case VPF_CTX_ERR_FEATURES_LENGTH:
		return snprintf(buf, size,
				"%slength %" PRIu64 " is not a non-zero multiple of 8 (length at offset %" PRIu64 ")",
				where, e->value, e->offset);
	case VPF_CTX_ERR_OWN_DESC_SHORT:
		return snprintf(buf, size,
				"%slength %" PRIu64 " is shorter than 4 bytes (length at offset %" PRIu64 ")",
				where, e->value, e->offset);
	case VPF_CTX_ERR_OWN_DESC_COUNT:
		return snprintf(buf, size,
				"%sdesc_count %" PRIu64 " at offset %" PRIu64 " disagrees with the length (room for %" PRIu64 " indices)",
				where, e->value, e->offset, e->expected);
	case VPF_CTX_ERR_DUP_VQ:
		return snprintf(buf, size,
				"%svq_index %" PRIu64 " at offset %" PRIu64 " repeats within its type",
				where, e->value, e->offset);
	case VPF_CTX_ERR_ABORTED:
		return snprintf(buf, size, "%srefused by the field callback",
				where);
	default:
		return snprintf(buf, size, "unknown error code %d", (int)e->code);
	}
}

int
vpf_ctx_report(const struct vpf_ctx_error *e)
{
	char msg[320];

	vpf_ctx_error_str(e, msg, sizeof(msg));
	return vpf_error(-EBADMSG, "malformed device context: %s", msg);
}

/* Bitmap word @w of @slot, initialised on first touch. */
static uint64_t *
seen_word(struct vpf_ctx_vq_seen *s, unsigned int slot, uint32_t w)
{
	uint64_t sbit = UINT64_C(1) << (w & 63);
	uint64_t *sum = &s->sum[slot][w >> 6];

	if (!(*sum & sbit)) {
		*sum |= sbit;
		s->bits[slot][w] = 0;
	}
	return &s->bits[slot][w];
}

bool
ctx_seen_slow(struct vpf_ctx_vq_seen *s, unsigned int slot, uint16_t vq)
{
	uint32_t lo = s->run_lo[slot], next = s->run_next[slot], w, wend;
	uint64_t *word;

	if (vq >= lo && vq < next)
		return true;
	if (vq < s->bits_next[slot]) {
		word = seen_word(s, slot, (uint32_t)vq >> 6);
		if (*word & (UINT64_C(1) << (vq & 63)))
			return true;
	}
	/* New: the run goes into the bitmap (at most 1024 words, and each
	 * value only once), and a new run starts at @vq. */
	if (next > lo) {
		wend = (next - 1) >> 6;
		for (w = lo >> 6; w <= wend; w++) {
			uint64_t m = ~UINT64_C(0);

			if (w == lo >> 6)
				m &= ~UINT64_C(0) << (lo & 63);
			if (w == wend)
				m &= ~UINT64_C(0) >> (63 - ((next - 1) & 63));
			*seen_word(s, slot, w) |= m;
		}
		if (next > s->bits_next[slot])
			s->bits_next[slot] = next;
	}
	s->run_lo[slot] = vq;
	s->run_next[slot] = (uint32_t)vq + 1;
	return false;
}

int
vpf_ctx_iter_init(struct vpf_ctx_iter *it, const void *ctx, size_t len,
		  uint32_t flags)
{
	if (it == NULL || (ctx == NULL && len > 0))
		return vpf_error(-EINVAL, "vpf_ctx_iter_init: NULL argument");
	it->buf = ctx;
	it->len = len;
	it->pos = 0;
	it->field_count = 0;
	it->index = 0;
	it->flags = flags;
	it->state = IT_START;
	it->own_len_guess = 0;
	ctx_err_clear(&it->err);
	ctx_seen_reset(&it->seen);
	return 0;
}

static int
iter_fail(struct vpf_ctx_iter *it)
{
	it->state = IT_ERROR;
	return vpf_ctx_report(&it->err);
}

/* The end of the fields: only (allowed) padding may follow. */
static int
iter_end(struct vpf_ctx_iter *it)
{
	uint64_t rem = it->len - it->pos;

	if (rem != 0 && !((it->flags & VPF_CTX_F_ALLOW_PAD) &&
			  vpf_ctx_trailing_ok(it->buf + it->pos, rem))) {
		ctx_err_trailing(&it->err, it->pos, it->field_count);
		return iter_fail(it);
	}
	it->state = IT_DONE;
	return 0;
}

/* Hand out the checked field at @p foff (it->pos) and step past it. */
static inline int
iter_emit(struct vpf_ctx_iter *it, struct vpf_ctx_field *f, uint64_t foff,
	  const uint8_t *tlv, uint16_t type, uint32_t flags, uint64_t length)
{
	f->type = type;
	f->flags = flags;
	f->index = it->index;
	f->offset = foff;
	f->length = length;
	f->tlv = tlv;
	f->value = tlv + VPF_CTX_TLV_HDR_SIZE;
	it->pos = foff + VPF_CTX_TLV_HDR_SIZE + length;
	it->index++;
	return 1;
}

static int
iter_step(struct vpf_ctx_iter *it, struct vpf_ctx_field *f)
{
	const uint8_t *tlv;
	uint64_t foff, rem, length, avail, word;
	uint32_t fflags, need;
	uint16_t type;

	if (it->state != IT_FIELDS) {
		if (it->state == IT_DONE)
			return 0;
		if (it->state == IT_ERROR)
			return -EBADMSG;
		if (it->len < VPF_CTX_HDR_SIZE) {
			ctx_err_trunc_header(&it->err, it->len);
			return iter_fail(it);
		}
		it->field_count = vpf_le32_load(it->buf);
		it->pos = VPF_CTX_HDR_SIZE;
		it->state = IT_FIELDS;
	}
	if (it->index == it->field_count)
		return iter_end(it);

	foff = it->pos;
	rem = it->len - foff;
	if (rem < VPF_CTX_TLV_HDR_SIZE) {
		if (rem == 0)
			ctx_err_fields_missing(&it->err, it->index, foff,
					       it->field_count);
		else
			ctx_err_trunc_tlv(&it->err, it->index, it->len, foff);
		return iter_fail(it);
	}
	tlv = it->buf + foff;
	/* One load for type (bits 0-15) and reserved[6] (bits 16-63). */
	word = vpf_le64_load(tlv + CTX_TLV_TYPE_OFF);
	type = (uint16_t)word;
	length = vpf_le64_load(tlv + CTX_TLV_LEN_OFF);
	if (!ctx_check_hdr(&it->err, it->index, foff, type, word >> 16,
			   length, &fflags, &need))
		return iter_fail(it);
	avail = rem - VPF_CTX_TLV_HDR_SIZE;
	/* Same order as the stream: prefix checks when the prefix is there,
	 * then truncation of the rest of the value. */
	if (need != 0 && avail >= 2) {
		if (!ctx_check_vq(&it->err, &it->seen, it->index, foff, type,
				  tlv + VPF_CTX_TLV_HDR_SIZE))
			return iter_fail(it);
		if (need == 4 && avail >= 4 &&
		    !ctx_check_count(&it->err, it->index, foff, length,
				     tlv + VPF_CTX_TLV_HDR_SIZE))
			return iter_fail(it);
	}
	if (length > avail) {
		ctx_err_trunc_value(&it->err, it->index, it->len, foff, type,
				    length);
		return iter_fail(it);
	}
	return iter_emit(it, f, foff, tlv, type, fflags, length);
}

/*
 * Hand out up to @p n common-case fields from it->pos on (state IT_FIELDS,
 * it->index < field_count): ctx_fast_shape() and a vq_index that continues
 * its type's run (ctx_seen_continues()). The walk's offset, the runs and
 * the OWN_DESC length guess stay in registers through the loop; it stops
 * before the first other field, which iter_step() then takes as the only
 * field of its call. Returns the number of fields filled.
 */
static inline unsigned int
iter_run(struct vpf_ctx_iter *it, struct vpf_ctx_field *f, unsigned int n)
{
	struct vpf_ctx_vq_seen *seen = &it->seen;
	const uint8_t *buf = it->buf;
	uint64_t len = it->len, foff = it->pos, guess = it->own_len_guess;
	uint64_t length, stride;
	uint32_t idx = it->index, max = it->field_count - idx;
	uint32_t next0 = seen->run_next[0], next1 = seen->run_next[1];
	uint32_t next2 = seen->run_next[2];
	unsigned int k = 0;
	uint16_t type, vq = 0;
	int slot;

	if (max > n)
		max = n;
	while (k < max && len - foff >= VPF_CTX_TLV_HDR_SIZE) {
		slot = ctx_fast_shape(buf + foff,
				      len - foff - VPF_CTX_TLV_HDR_SIZE, &type,
				      &length, &stride, &vq, &guess);
		if (slot == 0) {
			if (!ctx_seen_continues(vq, next0, seen->bits_next[0]))
				break;
			next0 = (uint32_t)vq + 1;
		} else if (slot == 1) {
			if (!ctx_seen_continues(vq, next1, seen->bits_next[1]))
				break;
			next1 = (uint32_t)vq + 1;
		} else if (slot == 2) {
			if (!ctx_seen_continues(vq, next2, seen->bits_next[2]))
				break;
			next2 = (uint32_t)vq + 1;
		} else if (slot == CTX_FAST_NO) {
			break;
		}
		f[k].type = type;
		f[k].flags = 0;
		f[k].index = idx + k;
		f[k].offset = foff;
		f[k].length = length;
		f[k].tlv = buf + foff;
		f[k].value = buf + foff + VPF_CTX_TLV_HDR_SIZE;
		foff += stride;
		k++;
	}
	seen->run_next[0] = next0;
	seen->run_next[1] = next1;
	seen->run_next[2] = next2;
	it->own_len_guess = guess;
	it->pos = foff;
	it->index = idx + k;
	return k;
}

/* One call's worth: a run of common-case fields, or one field through
 * iter_step() (which also starts the walk and reports the end and every
 * error). */
static inline int
iter_burst(struct vpf_ctx_iter *it, struct vpf_ctx_field *f, unsigned int n)
{
	unsigned int k;

	if (__builtin_expect(it->state == IT_FIELDS &&
			     it->index != it->field_count, 1)) {
		k = iter_run(it, f, n);
		if (k > 0)
			return (int)k;
	}
	return iter_step(it, f);
}

/* iter_burst() for one field: no run state to load and store back. */
static inline int
iter_one(struct vpf_ctx_iter *it, struct vpf_ctx_field *f)
{
	uint64_t foff = it->pos, rem = it->len - foff, length, stride;
	const uint8_t *tlv = it->buf + foff;
	uint16_t type, vq = 0;
	int slot;

	if (__builtin_expect(it->state != IT_FIELDS ||
			     it->index == it->field_count ||
			     rem < VPF_CTX_TLV_HDR_SIZE, 0))
		return iter_step(it, f);
	slot = ctx_fast_shape(tlv, rem - VPF_CTX_TLV_HDR_SIZE, &type, &length,
			      &stride, &vq, &it->own_len_guess);
	if (__builtin_expect(slot == CTX_FAST_NO ||
			     (slot != CTX_FAST_NO_VQ &&
			      ctx_seen_test_set(&it->seen, (unsigned int)slot,
						vq)), 0))
		return iter_step(it, f);
	f->type = type;
	f->flags = 0;
	f->index = it->index;
	f->offset = foff;
	f->length = length;
	f->tlv = tlv;
	f->value = tlv + VPF_CTX_TLV_HDR_SIZE;
	it->pos = foff + stride;
	it->index++;
	return 1;
}

int
vpf_ctx_iter_next(struct vpf_ctx_iter *it, struct vpf_ctx_field *f)
{
	if (it == NULL || f == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_iter_next: NULL argument");
	return iter_one(it, f);
}

int
vpf_ctx_iter_burst(struct vpf_ctx_iter *it, struct vpf_ctx_field *f,
		   unsigned int n)
{
	if (it == NULL || f == NULL || n == 0)
		return vpf_error(-EINVAL, "vpf_ctx_iter_burst: %s",
				 n == 0 ? "no room for a field" :
				 "NULL argument");
	/* The count comes back as an int. */
	return iter_burst(it, f, n < INT_MAX ? n : INT_MAX);
}

const struct vpf_ctx_error *
vpf_ctx_iter_error(const struct vpf_ctx_iter *it)
{
	return &it->err;
}

uint32_t
vpf_ctx_iter_field_count(const struct vpf_ctx_iter *it)
{
	return it->field_count;
}

/* Fields vpf_ctx_parse() checks per burst. */
#define CTX_PARSE_BURST 16

int
vpf_ctx_parse(const void *ctx, size_t len, uint32_t flags,
	      int (*cb)(const struct vpf_ctx_field *f, void *arg), void *arg,
	      struct vpf_ctx_error *err)
{
	struct vpf_ctx_field f[CTX_PARSE_BURST];
	struct vpf_ctx_iter it;
	int rc, i, k;

	rc = vpf_ctx_iter_init(&it, ctx, len, flags);
	if (rc < 0)
		return rc;
	while ((k = iter_burst(&it, f, CTX_PARSE_BURST)) > 0) {
		for (i = 0; cb != NULL && i < k; i++) {
			rc = cb(&f[i], arg);
			if (rc < 0)
				goto out;
		}
	}
	rc = k;
out:
	if (err != NULL)
		*err = it.err;
	return rc;
}

int
vpf_ctx_validate(const void *ctx, size_t len, uint32_t flags,
		 struct vpf_ctx_error *err)
{
	return vpf_ctx_parse(ctx, len, flags, NULL, NULL, err);
}
