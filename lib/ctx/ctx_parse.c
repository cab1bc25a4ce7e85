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

/* The common case through ctx_fast_field(); everything else (errors,
 * extensions, unknown types, the end) through iter_step(). */
static inline int
iter_fast(struct vpf_ctx_iter *it, struct vpf_ctx_field *f)
{
	const uint8_t *tlv;
	uint64_t foff, rem, length;
	uint16_t type;

	if (__builtin_expect(it->state != IT_FIELDS ||
			     it->index == it->field_count, 0))
		return iter_step(it, f);
	foff = it->pos;
	rem = it->len - foff;
	tlv = it->buf + foff;
	if (__builtin_expect(rem < VPF_CTX_TLV_HDR_SIZE ||
			     !ctx_fast_field(&it->seen, tlv,
					     rem - VPF_CTX_TLV_HDR_SIZE, &type,
					     &length), 0))
		return iter_step(it, f);
	return iter_emit(it, f, foff, tlv, type, 0, length);
}

int
vpf_ctx_iter_next(struct vpf_ctx_iter *it, struct vpf_ctx_field *f)
{
	if (it == NULL || f == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_iter_next: NULL argument");
	return iter_fast(it, f);
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

int
vpf_ctx_parse(const void *ctx, size_t len, uint32_t flags,
	      int (*cb)(const struct vpf_ctx_field *f, void *arg), void *arg,
	      struct vpf_ctx_error *err)
{
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	int rc;

	rc = vpf_ctx_iter_init(&it, ctx, len, flags);
	if (rc < 0)
		return rc;
	while ((rc = iter_fast(&it, &f)) > 0) {
		if (cb != NULL) {
			rc = cb(&f, arg);
			if (rc < 0)
				break;
		}
	}
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
