/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_CTX_INTERNAL_H
#define VPF_CTX_INTERNAL_H

/*
 * Checks shared by the whole-buffer iterator (ctx_parse.c) and the
 * streaming validator (ctx_stream.c). Both run exactly these functions in
 * the same order, at the same byte positions, so that they agree on the
 * verdict and on every member of struct vpf_ctx_error:
 *
 *   1. context header complete (4 bytes)          -> field_count
 *   2. TLV header complete (16 bytes)             -> ctx_check_hdr()
 *   3. 2 value bytes of a per-VQ type             -> ctx_check_vq()
 *      4 value bytes of VQ_SPLIT_DEV_OWN_DESC     -> ctx_check_count()
 *   4. value complete                             -> next field / trailer
 *   5. end of data: whatever is incomplete is a truncation error.
 *
 * Wire values are loaded and stored with lib/common/vpf_le.h, whose memcpy
 * makes an unaligned value safe everywhere and compiles to one load.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vpf_ctx.h"

#include "common/vpf_le.h"

/* Offsets inside a TLV header. */
#define CTX_TLV_TYPE_OFF	0u
#define CTX_TLV_RSVD_OFF	2u
#define CTX_TLV_LEN_OFF		8u

/* Offset of member @m in a PCI_VQ_CFG / VQ_SPLIT_RUNTIME_CFG value. */
#define CTX_VQ_CFG_OFF(m)	offsetof(struct vpf_dev_ctx_pci_vq_cfg, m)
#define CTX_VQ_RT_OFF(m)	offsetof(struct vpf_dev_ctx_vq_split_runtime, m)

/* Bitmap slot of a per-VQ type (PCI_VQ_CFG 0, RUNTIME 1, OWN_DESC 2). */
static inline unsigned int
ctx_vq_slot(uint16_t type)
{
	return (unsigned int)type - VPF_CTX_PCI_VQ_CFG;
}

static inline void
ctx_seen_reset(struct vpf_ctx_vq_seen *s)
{
	/* Only the summary is cleared; bitmap words are initialised on first
	 * touch, which the summary records. Empty runs, empty bitmaps. */
	memset(s->sum, 0, sizeof(s->sum));
	memset(s->run_lo, 0, sizeof(s->run_lo));
	memset(s->run_next, 0, sizeof(s->run_next));
	memset(s->bits_next, 0, sizeof(s->bits_next));
}

/*
 * The set of values seen for a slot is the bitmap plus the current run
 * [run_lo, run_next). A value that continues the run (== run_next) and
 * lies above everything in the bitmap (>= bits_next) is new: the run grows
 * and nothing else is touched. Anything else takes ctx_seen_slow(), which
 * looks the value up, moves the run into the bitmap and starts a new run at
 * the value. Same answers as one bitmap, whatever the order.
 */
static inline bool
ctx_seen_continues(uint32_t vq, uint32_t run_next, uint32_t bits_next)
{
	return vq == run_next && vq >= bits_next;
}

/* ctx_seen_test_set() for a value that does not continue the run. */
bool ctx_seen_slow(struct vpf_ctx_vq_seen *s, unsigned int slot, uint16_t vq);

/* Mark @vq seen for @slot; true if it was seen before. */
static inline bool
ctx_seen_test_set(struct vpf_ctx_vq_seen *s, unsigned int slot, uint16_t vq)
{
	if (__builtin_expect(ctx_seen_continues(vq, s->run_next[slot],
						s->bits_next[slot]), 1)) {
		s->run_next[slot] = (uint32_t)vq + 1;
		return false;
	}
	return ctx_seen_slow(s, slot, vq);
}

static inline void
ctx_err_set(struct vpf_ctx_error *e, enum vpf_ctx_err code, uint32_t index,
	    uint64_t offset, uint64_t field_offset, uint16_t type,
	    uint64_t value, uint64_t expected)
{
	e->code = code;
	e->field_index = index;
	e->offset = offset;
	e->field_offset = field_offset;
	e->type = type;
	e->value = value;
	e->expected = expected;
}

static inline void
ctx_err_clear(struct vpf_ctx_error *e)
{
	ctx_err_set(e, VPF_CTX_OK, VPF_CTX_NO_FIELD, 0, VPF_CTX_NO_OFFSET, 0,
		    0, 0);
}

/* Context header incomplete at end of data @end. */
static inline void
ctx_err_trunc_header(struct vpf_ctx_error *e, uint64_t end)
{
	ctx_err_set(e, VPF_CTX_ERR_TRUNC_HEADER, VPF_CTX_NO_FIELD, end,
		    VPF_CTX_NO_OFFSET, 0, end, VPF_CTX_HDR_SIZE);
}

/* Data ends at @end, a field boundary, before field @index. */
static inline void
ctx_err_fields_missing(struct vpf_ctx_error *e, uint32_t index, uint64_t end,
		       uint32_t field_count)
{
	ctx_err_set(e, VPF_CTX_ERR_FIELDS_MISSING, index, end,
		    VPF_CTX_NO_OFFSET, 0, field_count, index);
}

/* Data ends at @end inside the TLV header of field @index at @foff. */
static inline void
ctx_err_trunc_tlv(struct vpf_ctx_error *e, uint32_t index, uint64_t end,
		  uint64_t foff)
{
	ctx_err_set(e, VPF_CTX_ERR_TRUNC_FIELD_HEADER, index, end, foff, 0,
		    end - foff, VPF_CTX_TLV_HDR_SIZE);
}

/* Data ends at @end inside the value of field @index. */
static inline void
ctx_err_trunc_value(struct vpf_ctx_error *e, uint32_t index, uint64_t end,
		    uint64_t foff, uint16_t type, uint64_t length)
{
	ctx_err_set(e, VPF_CTX_ERR_TRUNC_VALUE, index, end, foff, type,
		    length, end - (foff + VPF_CTX_TLV_HDR_SIZE));
}

/* Bytes after the complete context ending at @end. */
static inline void
ctx_err_trailing(struct vpf_ctx_error *e, uint64_t end, uint32_t field_count)
{
	ctx_err_set(e, VPF_CTX_ERR_TRAILING_BYTES, VPF_CTX_NO_FIELD, end,
		    VPF_CTX_NO_OFFSET, 0, field_count, 0);
}

/*
 * Checks that need only the TLV header (step 2). @foff is the TLV offset.
 * On success sets *fflags (VPF_CTX_FIELD_F_*) and *pfx_need (value bytes
 * step 3 needs: 2 for PCI_VQ_CFG and RUNTIME, 4 for OWN_DESC, else 0;
 * the length checks guarantee length >= *pfx_need).
 */
static inline bool
ctx_check_hdr(struct vpf_ctx_error *e, uint32_t index, uint64_t foff,
	      uint16_t type, uint64_t rsvd_word, uint64_t length,
	      uint32_t *fflags, uint32_t *pfx_need)
{
	uint64_t voff = foff + VPF_CTX_TLV_HDR_SIZE;
	uint64_t loff = foff + CTX_TLV_LEN_OFF;
	uint32_t fl = 0;
	uint32_t need = 0;
	uint64_t size = 0;

	/* A length whose end is not representable is malformed, whatever the
	 * amount of data, so the stream decides it here too (D-CTX.4). */
	if (length > UINT64_MAX - voff) {
		ctx_err_set(e, VPF_CTX_ERR_LENGTH_OVERFLOW, index, loff, foff,
			    type, length, UINT64_MAX - voff);
		return false;
	}
	switch (type) {
	case VPF_CTX_PCI_COMMON_CFG:
		size = VPF_CTX_COMMON_CFG_SIZE;
		break;
	case VPF_CTX_PCI_VQ_CFG:
		size = VPF_CTX_VQ_CFG_SIZE;
		need = 2;
		break;
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG:
		size = VPF_CTX_VQ_RUNTIME_SIZE;
		need = 2;
		break;
	case VPF_CTX_DEV_FEATURES:
		/* le64 feature_bits[]: at least one word, whole words. */
		if (length == 0 || (length & 7) != 0) {
			ctx_err_set(e, VPF_CTX_ERR_FEATURES_LENGTH, index, loff,
				    foff, type, length,
				    VPF_CTX_FEATURE_WORD_SIZE);
			return false;
		}
		break;
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC:
		if (length < VPF_CTX_OWN_DESC_HDR_SIZE) {
			ctx_err_set(e, VPF_CTX_ERR_OWN_DESC_SHORT, index, loff,
				    foff, type, length,
				    VPF_CTX_OWN_DESC_HDR_SIZE);
			return false;
		}
		need = 4;
		break;
	case VPF_CTX_DEV_CFG:
		break;
	default:
		if (type > VPF_CTX_TYPE_DEVICE_LAST)
			fl |= VPF_CTX_FIELD_F_RESERVED;
		else
			fl |= VPF_CTX_FIELD_F_UNKNOWN;
		break;
	}
	if (size != 0) {
		/* Shorter is malformed; longer is a newer device's extension,
		 * kept and reported (doc/protocol.md §5.5, D-5.6). */
		if (length < size) {
			ctx_err_set(e, VPF_CTX_ERR_FIELD_SHORT, index, loff, foff,
				    type, length, size);
			return false;
		}
		if (length > size)
			fl |= VPF_CTX_FIELD_F_EXTENDED;
	}
	if (rsvd_word != 0)
		fl |= VPF_CTX_FIELD_F_RSVD_SET;
	*fflags = fl;
	*pfx_need = need;
	return true;
}

/*
 * Step 3a, at 2 value bytes of a per-VQ type: a vq_index must not repeat
 * within its type.
 */
static inline bool
ctx_check_vq(struct vpf_ctx_error *e, struct vpf_ctx_vq_seen *seen,
	     uint32_t index, uint64_t foff, uint16_t type, const uint8_t *pfx)
{
	uint16_t vq = vpf_le16_load(pfx);

	if (ctx_seen_test_set(seen, ctx_vq_slot(type), vq)) {
		ctx_err_set(e, VPF_CTX_ERR_DUP_VQ, index,
			    foff + VPF_CTX_TLV_HDR_SIZE, foff, type, vq, 0);
		return false;
	}
	return true;
}

/*
 * Step 3b, at 4 value bytes of VQ_SPLIT_DEV_OWN_DESC: 4 + 2 * desc_count
 * must equal the length.
 */
static inline bool
ctx_check_count(struct vpf_ctx_error *e, uint32_t index, uint64_t foff,
		uint64_t length, const uint8_t *pfx)
{
	uint16_t cnt = vpf_le16_load(pfx + 2);

	if (VPF_CTX_OWN_DESC_HDR_SIZE + 2 * (uint64_t)cnt != length) {
		ctx_err_set(e, VPF_CTX_ERR_OWN_DESC_COUNT, index,
			    foff + VPF_CTX_TLV_HDR_SIZE + 2, foff,
			    VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, cnt,
			    (length - VPF_CTX_OWN_DESC_HDR_SIZE) / 2);
		return false;
	}
	return true;
}

/* ctx_fast_shape() result for a field of a type without a vq_index. */
#define CTX_FAST_NO_VQ		VPF_CTX_PER_VQ_TYPES
/* ctx_fast_shape() result: take the careful path. */
#define CTX_FAST_NO		(-1)

/* @p v, hidden from the optimiser (see ctx_fast_shape()). */
static inline uint64_t
ctx_opaque(uint64_t v)
{
	__asm__("" : "+r"(v));
	return v;
}

/*
 * The shape half of the fast path shared by both parsers: the TLV at @tlv,
 * with @avail bytes after its header, is complete, of a known type at its
 * exact size (or a valid variable size), with zero reserved bytes. Returns
 * its per-VQ slot (0..2, vq_index in @p vq_out), CTX_FAST_NO_VQ for a type
 * without a vq_index, or CTX_FAST_NO for "take the careful path", which
 * then makes every decision itself. The repeated vq_index is left to the
 * caller. Changes nothing but @p own_guess.
 *
 * @p stride_out is the field's whole size (16 + length), produced so that
 * it does not wait for the length to load when the branch predictor is
 * right: a constant for the fixed-size types, and for VQ_SPLIT_DEV_OWN_DESC
 * the previous such field's length (@p own_guess) when they are equal. A
 * walk adds it to the field's offset to find the next header, so the next
 * header's load does not wait for this one's: the walk becomes a chain of
 * predicted branches instead of a chain of loads (about 3x faster on a
 * field-dense context). The optimiser must not see that the predicted and
 * the loaded values are equal, or it would use the loaded one: hence
 * ctx_opaque(), and the guess's stride computed before the comparison.
 */
static inline int
ctx_fast_shape(const uint8_t *tlv, uint64_t avail, uint16_t *type_out,
	       uint64_t *length_out, uint64_t *stride_out, uint16_t *vq_out,
	       uint64_t *own_guess)
{
	const uint8_t *v = tlv + VPF_CTX_TLV_HDR_SIZE;
	uint64_t word = vpf_le64_load(tlv + CTX_TLV_TYPE_OFF);
	uint64_t length = vpf_le64_load(tlv + CTX_TLV_LEN_OFF);
	uint16_t type = (uint16_t)word;
	uint64_t stride, g;
	int slot = CTX_FAST_NO_VQ;

	/* length <= avail also rules out overflow: the end is in the data. */
	if (__builtin_expect((word >> 16) != 0 || length > avail, 0))
		return CTX_FAST_NO;
	switch (type) {
	case VPF_CTX_PCI_VQ_CFG:
		if (length != VPF_CTX_VQ_CFG_SIZE)
			return CTX_FAST_NO;
		stride = ctx_opaque(VPF_CTX_TLV_HDR_SIZE + VPF_CTX_VQ_CFG_SIZE);
		slot = 0;
		break;
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG:
		if (length != VPF_CTX_VQ_RUNTIME_SIZE)
			return CTX_FAST_NO;
		stride = ctx_opaque(VPF_CTX_TLV_HDR_SIZE +
				    VPF_CTX_VQ_RUNTIME_SIZE);
		slot = 1;
		break;
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC:
		if (length < VPF_CTX_OWN_DESC_HDR_SIZE ||
		    VPF_CTX_OWN_DESC_HDR_SIZE +
		    2 * (uint64_t)vpf_le16_load(v + 2) != length)
			return CTX_FAST_NO;
		g = *own_guess;
		stride = ctx_opaque(VPF_CTX_TLV_HDR_SIZE + g);
		if (__builtin_expect(length != g, 0)) {
			*own_guess = length;
			stride = VPF_CTX_TLV_HDR_SIZE + length;
		}
		slot = 2;
		break;
	case VPF_CTX_PCI_COMMON_CFG:
		if (length != VPF_CTX_COMMON_CFG_SIZE)
			return CTX_FAST_NO;
		stride = VPF_CTX_TLV_HDR_SIZE + VPF_CTX_COMMON_CFG_SIZE;
		break;
	case VPF_CTX_DEV_FEATURES:
		if (length == 0 || (length & 7) != 0)
			return CTX_FAST_NO;
		stride = VPF_CTX_TLV_HDR_SIZE + length;
		break;
	case VPF_CTX_DEV_CFG:
		stride = VPF_CTX_TLV_HDR_SIZE + length;
		break;
	default:
		return CTX_FAST_NO;
	}
	if (slot != CTX_FAST_NO_VQ)
		*vq_out = vpf_le16_load(v);
	*type_out = type;
	*length_out = length;
	*stride_out = stride;
	return slot;
}

/*
 * The whole fast path, for the streaming validator: ctx_fast_shape() and a
 * new vq_index. False means "take the careful path". The only state changed
 * before returning false is none: a vq_index is marked only when the field
 * passes every other check, so the careful path never finds a mark the fast
 * path set for this field.
 */
static inline bool
ctx_fast_field(struct vpf_ctx_vq_seen *seen, const uint8_t *tlv,
	       uint64_t avail, uint16_t *type_out, uint64_t *length_out)
{
	uint64_t stride, guess = 0;
	uint16_t vq = 0;
	int slot = ctx_fast_shape(tlv, avail, type_out, length_out, &stride,
				  &vq, &guess);

	if (slot == CTX_FAST_NO)
		return false;
	return slot == CTX_FAST_NO_VQ ||
		!ctx_seen_test_set(seen, (unsigned int)slot, vq);
}

/* Report a malformed context through vpf_error(); returns -EBADMSG. */
int vpf_ctx_report(const struct vpf_ctx_error *e);

#endif /* VPF_CTX_INTERNAL_H */
