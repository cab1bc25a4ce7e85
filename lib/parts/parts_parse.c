/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Whole-buffer validation and zero-copy iteration of a virtio 1.4 parts set
 * (doc/protocol.md §10.3, §10.4) in one linear pass: no allocation, no copy,
 * every length checked against the bytes present before it is used. Every
 * rule but "the value is complete" is decided from a part's 16-byte header.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "vpf_spec.h"

#include "parts_internal.h"

enum {
	IT_PARTS = 0,
	IT_DONE,
	IT_ERROR,
	IT_TOO_LARGE,	/* found by init, reported by the first next() */
};

/* Ranks of the order rule (vpf_parts_type_rank()). */
#define RANK_DEVICE	6

/* Once-only types: bits of vpf_parts_seen::once, bit = 1 << rank (the
 * fast path computes them so). */
#define ONCE_DEV_FEATURES	(1u << 0)
#define ONCE_DRV_FEATURES	(1u << 1)
#define ONCE_STATUS		(1u << 3)

/* The PCI common configuration fields a PCI_COMMON_CFG part may name: the
 * virtio 1.3 layout of doc/protocol.md §3.2, by offset. */
struct cc_field {
	uint8_t size;
	const char *name;
};

static const struct cc_field cc_fields[VPF_PARTS_COMMON_CFG_SIZE] = {
	[VPF_COMMON_DFSELECT] = { 4, "device_feature_select" },
	[VPF_COMMON_DF] = { 4, "device_feature" },
	[VPF_COMMON_GFSELECT] = { 4, "driver_feature_select" },
	[VPF_COMMON_GF] = { 4, "driver_feature" },
	[VPF_COMMON_MSIX] = { 2, "config_msix_vector" },
	[VPF_COMMON_NUMQ] = { 2, "num_queues" },
	[VPF_COMMON_STATUS] = { 1, "device_status" },
	[VPF_COMMON_CFGGENERATION] = { 1, "config_generation" },
	[VPF_COMMON_Q_SELECT] = { 2, "queue_select" },
	[VPF_COMMON_Q_SIZE] = { 2, "queue_size" },
	[VPF_COMMON_Q_MSIX] = { 2, "queue_msix_vector" },
	[VPF_COMMON_Q_ENABLE] = { 2, "queue_enable" },
	[VPF_COMMON_Q_NOFF] = { 2, "queue_notify_off" },
	[VPF_COMMON_Q_DESC] = { 8, "queue_desc" },
	[VPF_COMMON_Q_DRIVER] = { 8, "queue_driver" },
	[VPF_COMMON_Q_DEVICE] = { 8, "queue_device" },
	[VPF_COMMON_Q_NDATA] = { 2, "queue_notif_config_data" },
	[VPF_COMMON_Q_RESET] = { 2, "queue_reset" },
	[VPF_COMMON_ADM_Q_IDX] = { 2, "admin_queue_index" },
	[VPF_COMMON_ADM_Q_NUM] = { 2, "admin_queue_num" },
};

uint32_t
vpf_parts_common_field_size(uint32_t offset)
{
	if (offset >= VPF_PARTS_COMMON_CFG_SIZE)
		return 0;
	return cc_fields[offset].size;
}

const char *
vpf_parts_common_field_name(uint32_t offset)
{
	if (offset >= VPF_PARTS_COMMON_CFG_SIZE)
		return NULL;
	return cc_fields[offset].name;
}

const char *
vpf_parts_type_name(uint16_t type)
{
	switch (type) {
	case VPF_PARTS_DEV_FEATURES: return "DEV_FEATURES";
	case VPF_PARTS_DRV_FEATURES: return "DRV_FEATURES";
	case VPF_PARTS_PCI_COMMON_CFG: return "PCI_COMMON_CFG";
	case VPF_PARTS_DEVICE_STATUS: return "DEVICE_STATUS";
	case VPF_PARTS_VQ_CFG: return "VQ_CFG";
	case VPF_PARTS_VQ_NOTIFY_CFG: return "VQ_NOTIFY_CFG";
	case VPF_PARTS_NET_CVQ_CFG: return "NET_CVQ_CFG";
	default: return "UNKNOWN";
	}
}

bool
vpf_parts_type_is_known(uint16_t type)
{
	return (type >= VPF_PARTS_DEV_FEATURES &&
		type <= VPF_PARTS_VQ_NOTIFY_CFG) ||
		type == VPF_PARTS_NET_CVQ_CFG;
}

uint32_t
vpf_parts_type_fixed_size(uint16_t type)
{
	switch (type) {
	case VPF_PARTS_DEVICE_STATUS: return VPF_PARTS_DEVICE_STATUS_SIZE;
	case VPF_PARTS_VQ_CFG: return VPF_PARTS_VQ_CFG_SIZE;
	case VPF_PARTS_VQ_NOTIFY_CFG: return VPF_PARTS_VQ_NOTIFY_CFG_SIZE;
	default: return 0;
	}
}

int
vpf_parts_type_rank(uint16_t type)
{
	if (type >= VPF_PARTS_TYPE_DEVICE_FIRST)
		return RANK_DEVICE;
	if (type >= VPF_PARTS_DEV_FEATURES && type <= VPF_PARTS_VQ_NOTIFY_CFG)
		return type - VPF_PARTS_DEV_FEATURES;
	return -1;
}

const char *
vpf_parts_err_name(enum vpf_parts_err code)
{
	static const char *const names[VPF_PARTS_ERR_MAX] = {
		[VPF_PARTS_OK] = "OK",
		[VPF_PARTS_ERR_TOO_LARGE] = "TOO_LARGE",
		[VPF_PARTS_ERR_TRUNC_HEADER] = "TRUNC_HEADER",
		[VPF_PARTS_ERR_TRUNC_VALUE] = "TRUNC_VALUE",
		[VPF_PARTS_ERR_LENGTH] = "LENGTH",
		[VPF_PARTS_ERR_FEATURES_LENGTH] = "FEATURES_LENGTH",
		[VPF_PARTS_ERR_COMMON_OFFSET] = "COMMON_OFFSET",
		[VPF_PARTS_ERR_ORDER] = "ORDER",
		[VPF_PARTS_ERR_DUPLICATE] = "DUPLICATE",
		[VPF_PARTS_ERR_UNKNOWN_REQUIRED] = "UNKNOWN_REQUIRED",
		[VPF_PARTS_ERR_ABORTED] = "ABORTED",
	};

	if ((unsigned int)code >= VPF_PARTS_ERR_MAX)
		return "UNKNOWN";
	return names[code];
}

static const char *
rank_name(uint64_t rank)
{
	static const char *const names[] = {
		"DEV_FEATURES", "DRV_FEATURES", "PCI_COMMON_CFG",
		"DEVICE_STATUS", "VQ_CFG", "VQ_NOTIFY_CFG", "device-type parts",
	};

	return rank < sizeof(names) / sizeof(names[0]) ? names[rank] : "?";
}

int
vpf_parts_error_str(const struct vpf_parts_error *e, char *buf, size_t size)
{
	char where[96];

	if (e == NULL)
		return snprintf(buf, size, "no error information");
	where[0] = '\0';
	if (e->code == VPF_PARTS_ERR_TRUNC_HEADER &&
	    e->part_index != VPF_PARTS_NO_PART)
		/* The type is not known yet. */
		snprintf(where, sizeof(where), "part %" PRIu32 " at offset %" PRIu64 ": ",
			 e->part_index, e->part_offset);
	else if (e->part_index != VPF_PARTS_NO_PART &&
		 e->part_offset != VPF_PARTS_NO_OFFSET)
		snprintf(where, sizeof(where), "part %" PRIu32 " (%s, 0x%04x) at offset %" PRIu64 ": ",
			 e->part_index, vpf_parts_type_name(e->type), e->type,
			 e->part_offset);

	switch (e->code) {
	case VPF_PARTS_OK:
		return snprintf(buf, size, "well formed");
	case VPF_PARTS_ERR_TOO_LARGE:
		return snprintf(buf, size,
				"%" PRIu64 " bytes is more than a parts set may hold (%" PRIu64 ")",
				e->value, e->expected);
	case VPF_PARTS_ERR_TRUNC_HEADER:
		return snprintf(buf, size,
				"%sheader truncated: %" PRIu64 " of %" PRIu64 " bytes present",
				where, e->value, e->expected);
	case VPF_PARTS_ERR_TRUNC_VALUE:
		return snprintf(buf, size,
				"%svalue of %" PRIu64 " bytes runs past the end of the data at offset %" PRIu64 " (%" PRIu64 " bytes present)",
				where, e->value, e->offset, e->expected);
	case VPF_PARTS_ERR_LENGTH:
		return snprintf(buf, size,
				"%slength %" PRIu64 " differs from the type's size %" PRIu64 " (length at offset %" PRIu64 ")",
				where, e->value, e->expected, e->offset);
	case VPF_PARTS_ERR_FEATURES_LENGTH:
		return snprintf(buf, size,
				"%slength %" PRIu64 " is not a non-zero multiple of 8 (length at offset %" PRIu64 ")",
				where, e->value, e->offset);
	case VPF_PARTS_ERR_COMMON_OFFSET:
		return snprintf(buf, size,
				"%sno common configuration field starts at offset %" PRIu64,
				where, e->value);
	case VPF_PARTS_ERR_ORDER:
		return snprintf(buf, size,
				"%sout of order: %s may not follow %s",
				where, rank_name(e->value),
				rank_name(e->expected));
	case VPF_PARTS_ERR_DUPLICATE:
		if (e->type == VPF_PARTS_VQ_CFG ||
		    e->type == VPF_PARTS_VQ_NOTIFY_CFG)
			return snprintf(buf, size,
					"%svq %" PRIu64 " appears twice", where,
					e->value);
		if (e->type == VPF_PARTS_PCI_COMMON_CFG)
			return snprintf(buf, size,
					"%scommon configuration offset %" PRIu64 " appears twice",
					where, e->value);
		return snprintf(buf, size, "%sthe type appears twice", where);
	case VPF_PARTS_ERR_UNKNOWN_REQUIRED:
		if (e->type == VPF_PARTS_PCI_COMMON_CFG)
			return snprintf(buf, size,
					"%scommon configuration offset %" PRIu64 " is past the layout vpf knows and the part is not OPTIONAL",
					where, e->value);
		return snprintf(buf, size,
				"%sunknown part type that is not OPTIONAL",
				where);
	case VPF_PARTS_ERR_ABORTED:
		return snprintf(buf, size, "%srefused by the part callback",
				where);
	default:
		return snprintf(buf, size, "unknown error code %d",
				(int)e->code);
	}
}

int
vpf_parts_report(const struct vpf_parts_error *e)
{
	char msg[320];

	vpf_parts_error_str(e, msg, sizeof(msg));
	return vpf_error(-EBADMSG, "malformed device parts: %s", msg);
}

/* --- what was seen ------------------------------------------------------ */

static inline void
seen_reset(struct vpf_parts_seen *s)
{
	/* Only the summaries are cleared; bitmap words are initialised on
	 * first touch, which the summary records. */
	s->once = 0;
	s->common = 0;
	memset(s->sum, 0, sizeof(s->sum));
}

/* Mark @vq seen for queue type @slot; true if it was seen before. */
static inline bool
seen_vq(struct vpf_parts_seen *s, unsigned int slot, uint16_t vq)
{
	unsigned int w = vq >> 6;
	uint64_t bit = UINT64_C(1) << (vq & 63);
	uint64_t sbit = UINT64_C(1) << (w & 63);
	uint64_t *sum = &s->sum[slot][w >> 6];
	uint64_t *word = &s->bits[slot][w];

	if (!(*sum & sbit)) {
		*sum |= sbit;
		*word = bit;
		return false;
	}
	if (*word & bit)
		return true;
	*word |= bit;
	return false;
}

/* --- the iterator -------------------------------------------------------- */

int
vpf_parts_iter_init(struct vpf_parts_iter *it, const void *parts, size_t len,
		    uint32_t flags)
{
	if (it == NULL || (parts == NULL && len > 0))
		return vpf_error(-EINVAL, "vpf_parts_iter_init: NULL argument");
	it->buf = parts;
	it->len = len;
	it->pos = 0;
	it->index = 0;
	it->flags = flags;
	it->rank = 0;
	it->state = IT_PARTS;
	parts_err_clear(&it->err);
	seen_reset(&it->seen);
	if (it->len > VPF_PARTS_MAX_SET_SIZE) {
		/* Decided before any byte is read. */
		parts_err_set(&it->err, VPF_PARTS_ERR_TOO_LARGE,
			      VPF_PARTS_NO_PART, 0, VPF_PARTS_NO_OFFSET, 0,
			      it->len, VPF_PARTS_MAX_SET_SIZE);
		it->state = IT_TOO_LARGE;
	}
	return 0;
}

static int
iter_fail(struct vpf_parts_iter *it)
{
	it->state = IT_ERROR;
	return vpf_parts_report(&it->err);
}

static bool
all_zero(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/*
 * Every check of one part that its header decides, in the documented order
 * (COMMON_OFFSET, UNKNOWN_REQUIRED, ORDER, LENGTH, DUPLICATE). @avail is the
 * number of bytes after the header. Sets *pflags on success.
 */
static bool
check_part(struct vpf_parts_iter *it, const uint8_t *h, uint64_t foff,
	   uint64_t avail, uint32_t *pflags)
{
	struct vpf_parts_error *e = &it->err;
	uint16_t type = vpf_le16_load(h + VPF_PARTS_HDR_TYPE_OFF);
	uint8_t hf = h[VPF_PARTS_HDR_FLAGS_OFF];
	uint32_t length = vpf_le32_load(h + VPF_PARTS_HDR_LEN_OFF);
	uint64_t sel = vpf_le64_load(h + VPF_PARTS_HDR_SEL_OFF);
	uint64_t loff = foff + VPF_PARTS_HDR_LEN_OFF;
	uint32_t idx = it->index;
	uint64_t unused;	/* selector bits the type does not use */
	uint32_t fl = 0, size = 0, off = 0;
	bool unknown = false, exact = false, features = false;
	int rank;

	switch (type) {
	case VPF_PARTS_DEV_FEATURES:
	case VPF_PARTS_DRV_FEATURES:
		unused = UINT64_MAX;
		features = true;
		break;
	case VPF_PARTS_PCI_COMMON_CFG:
		unused = UINT64_C(0xffffffff00000000);
		off = (uint32_t)sel;
		if (off < VPF_PARTS_COMMON_CFG_SIZE) {
			size = cc_fields[off].size;
			exact = true;
			if (size == 0) {
				parts_err_set(e, VPF_PARTS_ERR_COMMON_OFFSET,
					      idx, foff + VPF_PARTS_HDR_SEL_OFF,
					      foff, type, off, 0);
				return false;
			}
		} else {
			/* A field a later layout appends (D-PARTS.4). */
			unknown = true;
		}
		break;
	case VPF_PARTS_DEVICE_STATUS:
		unused = UINT64_MAX;
		size = VPF_PARTS_DEVICE_STATUS_SIZE;
		break;
	case VPF_PARTS_VQ_CFG:
		unused = ~UINT64_C(0xffff);
		size = VPF_PARTS_VQ_CFG_SIZE;
		break;
	case VPF_PARTS_VQ_NOTIFY_CFG:
		unused = ~UINT64_C(0xffff);
		size = VPF_PARTS_VQ_NOTIFY_CFG_SIZE;
		break;
	case VPF_PARTS_NET_CVQ_CFG:
		unused = ~UINT64_C(0xffff);
		break;
	default:
		/* Its selector's meaning is unknown: nothing is reserved. */
		unused = 0;
		unknown = true;
		break;
	}
	if ((hf & ~VPF_PARTS_HF_OPTIONAL) != 0 ||
	    h[VPF_PARTS_HDR_RSVD_OFF] != 0 || (sel & unused) != 0)
		fl |= VPF_PARTS_PF_RSVD_SET;
	if (unknown) {
		if (!(hf & VPF_PARTS_HF_OPTIONAL) &&
		    !(it->flags & VPF_PARTS_F_ALLOW_UNKNOWN)) {
			parts_err_set(e, VPF_PARTS_ERR_UNKNOWN_REQUIRED, idx,
				      foff, foff, type, off, 0);
			return false;
		}
		fl |= VPF_PARTS_PF_UNKNOWN;
	}
	rank = vpf_parts_type_rank(type);
	if (rank >= 0) {
		if (rank < it->rank) {
			parts_err_set(e, VPF_PARTS_ERR_ORDER, idx, foff, foff,
				      type, (uint64_t)rank,
				      (uint64_t)it->rank);
			return false;
		}
		it->rank = rank;
	}
	if (!(it->flags & VPF_PARTS_F_NO_LENGTH)) {
		if (features &&
		    (length == 0 || length % VPF_PARTS_FEATURE_WORD_SIZE)) {
			parts_err_set(e, VPF_PARTS_ERR_FEATURES_LENGTH, idx,
				      loff, foff, type, length,
				      VPF_PARTS_FEATURE_WORD_SIZE);
			return false;
		}
		if (size != 0 && length != size) {
			/* Appended fields are accepted only on request, and
			 * never for a common-cfg field (D-PARTS.2). */
			if (length < size || exact ||
			    !(it->flags & VPF_PARTS_F_ALLOW_EXTENDED)) {
				parts_err_set(e, VPF_PARTS_ERR_LENGTH, idx,
					      loff, foff, type, length, size);
				return false;
			}
			fl |= VPF_PARTS_PF_EXTENDED;
		}
	}
	switch (type) {
	case VPF_PARTS_DEV_FEATURES:
	case VPF_PARTS_DRV_FEATURES:
	case VPF_PARTS_DEVICE_STATUS: {
		uint32_t bit = type == VPF_PARTS_DEV_FEATURES ?
			ONCE_DEV_FEATURES : type == VPF_PARTS_DRV_FEATURES ?
			ONCE_DRV_FEATURES : ONCE_STATUS;

		if (it->seen.once & bit)
			goto dup;
		it->seen.once |= bit;
		break;
	}
	case VPF_PARTS_PCI_COMMON_CFG:
		if (!unknown) {
			if (it->seen.common & (UINT64_C(1) << off))
				goto dup;
			it->seen.common |= UINT64_C(1) << off;
		}
		break;
	case VPF_PARTS_VQ_CFG:
	case VPF_PARTS_VQ_NOTIFY_CFG:
		off = (uint16_t)sel;
		if (seen_vq(&it->seen, type - VPF_PARTS_VQ_CFG, (uint16_t)sel))
			goto dup;
		break;
	default:
		break;
	}
	if (!(it->flags & VPF_PARTS_F_HEADERS_ONLY) && length > avail) {
		parts_err_set(e, VPF_PARTS_ERR_TRUNC_VALUE, idx, it->len, foff,
			      type, length, avail);
		return false;
	}
	*pflags = fl;
	return true;
dup:
	parts_err_set(e, VPF_PARTS_ERR_DUPLICATE, idx, foff, foff, type, off,
		      0);
	return false;
}

/*
 * Fast path: true if the part at @h, with @avail bytes after its header, is
 * the common case — a known type at its exact length, in order, not a
 * repeat, no reserved bit set, its value complete — which check_part()
 * would accept with flags 0; it then records the part as check_part()
 * does. False means "take the careful path", which decides everything
 * itself: nothing is recorded before the last test (the repeat), so the
 * careful path never finds a bit this one set for the same part.
 */
static inline bool
fast_part(struct vpf_parts_iter *it, const uint8_t *h, uint64_t avail)
{
	uint64_t w0 = vpf_le64_load(h);
	uint64_t w1 = vpf_le64_load(h + 8);
	uint16_t type = (uint16_t)w0;
	uint32_t length = (uint32_t)(w1 >> 32);
	uint64_t sel = (w0 >> 32) | (w1 << 32);
	uint32_t bit, off;
	int rank;

	/* Header flag bits 1-7 and the reserved byte; a value past the end. */
	if ((w0 & UINT64_C(0xfffe0000)) != 0 || length > avail)
		return false;
	switch (type) {
	case VPF_PARTS_VQ_CFG:
	case VPF_PARTS_VQ_NOTIFY_CFG:
		rank = type - VPF_PARTS_DEV_FEATURES;
		if ((sel >> 16) != 0 || rank < it->rank ||
		    length != (type == VPF_PARTS_VQ_CFG ?
			       VPF_PARTS_VQ_CFG_SIZE :
			       VPF_PARTS_VQ_NOTIFY_CFG_SIZE) ||
		    seen_vq(&it->seen, type - VPF_PARTS_VQ_CFG, (uint16_t)sel))
			return false;
		break;
	case VPF_PARTS_PCI_COMMON_CFG:
		rank = 2;
		off = (uint32_t)sel;
		if ((sel >> 32) != 0 || rank < it->rank ||
		    off >= VPF_PARTS_COMMON_CFG_SIZE ||
		    cc_fields[off].size != length || length == 0 ||
		    (it->seen.common & (UINT64_C(1) << off)))
			return false;
		it->seen.common |= UINT64_C(1) << off;
		break;
	case VPF_PARTS_DEV_FEATURES:
	case VPF_PARTS_DRV_FEATURES:
	case VPF_PARTS_DEVICE_STATUS:
		rank = type - VPF_PARTS_DEV_FEATURES;
		bit = UINT32_C(1) << rank;
		if (sel != 0 || rank < it->rank || (it->seen.once & bit) ||
		    (type == VPF_PARTS_DEVICE_STATUS ?
		     length != VPF_PARTS_DEVICE_STATUS_SIZE :
		     length == 0 || length % VPF_PARTS_FEATURE_WORD_SIZE))
			return false;
		it->seen.once |= bit;
		break;
	case VPF_PARTS_NET_CVQ_CFG:
		rank = RANK_DEVICE;
		if ((sel >> 16) != 0 || rank < it->rank)
			return false;
		break;
	default:
		return false;
	}
	it->rank = rank;
	return true;
}

/* Hand out the checked part at @foff and step past it. */
static inline int
iter_emit(struct vpf_parts_iter *it, struct vpf_parts_part *p, uint64_t foff,
	  const uint8_t *h, uint32_t fl)
{
	uint32_t length = vpf_le32_load(h + VPF_PARTS_HDR_LEN_OFF);

	p->type = vpf_le16_load(h + VPF_PARTS_HDR_TYPE_OFF);
	p->hflags = h[VPF_PARTS_HDR_FLAGS_OFF];
	p->flags = fl;
	p->index = it->index;
	p->offset = foff;
	p->length = length;
	p->hdr = h;
	if (it->flags & VPF_PARTS_F_HEADERS_ONLY) {
		p->value = NULL;
		it->pos = foff + VPF_PARTS_HDR_SIZE;
	} else {
		p->value = h + VPF_PARTS_HDR_SIZE;
		it->pos = foff + VPF_PARTS_HDR_SIZE + length;
	}
	it->index++;
	return 1;
}

/* Everything but the fast path's common case: the end, padding, errors,
 * unknown, extended and reserved-bit parts, headers-only lists. */
static int __attribute__((noinline))
iter_careful(struct vpf_parts_iter *it, struct vpf_parts_part *p)
{
	const uint8_t *h;
	uint64_t foff, rem;
	uint32_t fl;

	if (it->state != IT_PARTS) {
		if (it->state == IT_DONE)
			return 0;
		if (it->state == IT_TOO_LARGE)
			return iter_fail(it);
		return -EBADMSG;
	}
	foff = it->pos;
	rem = it->len - foff;
	if (rem < VPF_PARTS_HDR_SIZE) {
		if (rem == 0 || ((it->flags & VPF_PARTS_F_ALLOW_PAD) &&
				 rem <= VPF_PARTS_MAX_PAD &&
				 all_zero(it->buf + foff, rem))) {
			it->state = IT_DONE;
			return 0;
		}
		parts_err_set(&it->err, VPF_PARTS_ERR_TRUNC_HEADER, it->index,
			      foff, foff, 0, rem, VPF_PARTS_HDR_SIZE);
		return iter_fail(it);
	}
	h = it->buf + foff;
	if (!check_part(it, h, foff, rem - VPF_PARTS_HDR_SIZE, &fl))
		return iter_fail(it);
	return iter_emit(it, p, foff, h, fl);
}

int
vpf_parts_iter_next(struct vpf_parts_iter *it, struct vpf_parts_part *p)
{
	const uint8_t *h;
	uint64_t foff, rem;

	if (__builtin_expect(it == NULL || p == NULL, 0))
		return vpf_error(-EINVAL, "vpf_parts_iter_next: NULL argument");
	/* The fast path declines without changing anything, so the careful
	 * path decides that part afresh. */
	if (__builtin_expect(it->state == IT_PARTS &&
			     !(it->flags & (VPF_PARTS_F_HEADERS_ONLY |
					    VPF_PARTS_F_NO_LENGTH |
					    PARTS_F_CAREFUL)), 1)) {
		foff = it->pos;
		rem = it->len - foff;
		if (__builtin_expect(rem >= VPF_PARTS_HDR_SIZE, 1)) {
			h = it->buf + foff;
			if (__builtin_expect(fast_part(it, h, rem -
						       VPF_PARTS_HDR_SIZE), 1))
				return iter_emit(it, p, foff, h, 0);
		}
	}
	return iter_careful(it, p);
}

const struct vpf_parts_error *
vpf_parts_iter_error(const struct vpf_parts_iter *it)
{
	return &it->err;
}

uint32_t
vpf_parts_iter_count(const struct vpf_parts_iter *it)
{
	return it->index;
}

uint64_t
vpf_parts_iter_end(const struct vpf_parts_iter *it)
{
	return it->pos;
}

int
vpf_parts_parse(const void *parts, size_t len, uint32_t flags,
		int (*cb)(const struct vpf_parts_part *p, void *arg),
		void *arg, struct vpf_parts_error *err)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	int rc;

	rc = vpf_parts_iter_init(&it, parts, len, flags);
	if (rc < 0)
		return rc;
	while ((rc = vpf_parts_iter_next(&it, &p)) > 0) {
		if (cb != NULL) {
			rc = cb(&p, arg);
			if (rc < 0) {
				parts_err_set(&it.err, VPF_PARTS_ERR_ABORTED,
					      p.index, p.offset, p.offset,
					      p.type, 0, 0);
				break;
			}
		}
	}
	if (err != NULL)
		*err = it.err;
	return rc;
}

int64_t
vpf_parts_validate(const void *parts, size_t len, uint32_t flags,
		   struct vpf_parts_error *err)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	int rc;

	rc = vpf_parts_iter_init(&it, parts, len, flags);
	if (rc < 0)
		return rc;
	while ((rc = vpf_parts_iter_next(&it, &p)) > 0)
		;
	if (err != NULL)
		*err = it.err;
	return rc < 0 ? rc : (int64_t)it.index;
}

int64_t
vpf_parts_set_data_check(const void *data, size_t len, uint32_t flags,
			 uint32_t *obj_id, const uint8_t **parts,
			 size_t *parts_len, struct vpf_parts_error *err)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	const uint8_t *d = data;
	int rc;

	if (data == NULL && len > 0)
		return vpf_error(-EINVAL, "vpf_parts_set_data_check: NULL data");
	if (len < VPF_PARTS_OBJ_HDR_SIZE) {
		if (err != NULL)
			parts_err_set(err, VPF_PARTS_ERR_TRUNC_HEADER,
				      VPF_PARTS_NO_PART, 0,
				      VPF_PARTS_NO_OFFSET, 0, len,
				      VPF_PARTS_OBJ_HDR_SIZE);
		return vpf_error(-EBADMSG,
				 "DEV_PARTS_SET data of %zu bytes is shorter than its 8-byte object header",
				 len);
	}
	rc = vpf_parts_iter_init(&it, d + VPF_PARTS_OBJ_HDR_SIZE,
				 len - VPF_PARTS_OBJ_HDR_SIZE,
				 flags | VPF_PARTS_F_ALLOW_PAD);
	if (rc < 0)
		return rc;
	while ((rc = vpf_parts_iter_next(&it, &p)) > 0)
		;
	if (err != NULL)
		*err = it.err;
	if (rc < 0)
		return rc;
	if (obj_id != NULL)
		*obj_id = vpf_le32_load(d + offsetof(struct vpf_parts_obj_hdr,
						     id));
	if (parts != NULL)
		*parts = d + VPF_PARTS_OBJ_HDR_SIZE;
	if (parts_len != NULL)
		*parts_len = (size_t)it.pos;
	return it.index;
}

/* --- METADATA_GET LIST ---------------------------------------------------- */

int
vpf_parts_meta_list_build(void *out, size_t cap, const void *parts, size_t len,
			  uint32_t flags, size_t *written)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	uint8_t *o = out;
	uint64_t need = VPF_PARTS_META_RESULT_SIZE;
	int rc;

	if ((out == NULL && cap > 0) || written == NULL)
		return vpf_error(-EINVAL, "vpf_parts_meta_list_build: NULL argument");
	flags &= ~(VPF_PARTS_F_HEADERS_ONLY | VPF_PARTS_F_NO_LENGTH);
	rc = vpf_parts_iter_init(&it, parts, len, flags);
	if (rc < 0)
		return rc;
	/* One pass: headers are written while they fit, counted always. */
	while ((rc = vpf_parts_iter_next(&it, &p)) > 0) {
		if (need + VPF_PARTS_HDR_SIZE <= cap)
			memcpy(o + need, p.hdr, VPF_PARTS_HDR_SIZE);
		need += VPF_PARTS_HDR_SIZE;
	}
	if (rc < 0)
		return rc;
	*written = (size_t)need;
	if (need > cap)
		return vpf_error(-ENOSPC,
				 "a METADATA_GET LIST result of %" PRIu32 " parts needs %" PRIu64 " bytes, the buffer has %zu",
				 it.index, need, cap);
	vpf_le32_store(o, it.index);
	vpf_le32_store(o + 4, 0);
	return 0;
}

int
vpf_parts_meta_list_check(const void *res, size_t len, uint32_t flags,
			  uint32_t *count, uint64_t *total,
			  struct vpf_parts_error *err)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	const uint8_t *r = res;
	uint64_t avail, want, whole, sum = 0;
	uint32_t n;
	int rc;

	if (res == NULL && len > 0)
		return vpf_error(-EINVAL, "vpf_parts_meta_list_check: NULL result");
	if (len < VPF_PARTS_META_RESULT_SIZE) {
		if (err != NULL)
			parts_err_set(err, VPF_PARTS_ERR_TRUNC_HEADER,
				      VPF_PARTS_NO_PART, 0,
				      VPF_PARTS_NO_OFFSET, 0, len,
				      VPF_PARTS_META_RESULT_SIZE);
		return vpf_error(-EBADMSG,
				 "METADATA_GET LIST result of %zu bytes has no count",
				 len);
	}
	n = vpf_le32_load(r);
	avail = len - VPF_PARTS_META_RESULT_SIZE;
	want = (uint64_t)n * VPF_PARTS_HDR_SIZE;
	whole = want <= avail ? want : avail - avail % VPF_PARTS_HDR_SIZE;
	rc = vpf_parts_iter_init(&it, r + VPF_PARTS_META_RESULT_SIZE,
				 (size_t)whole,
				 flags | VPF_PARTS_F_HEADERS_ONLY);
	if (rc < 0)
		return rc;
	while ((rc = vpf_parts_iter_next(&it, &p)) > 0)
		sum += VPF_PARTS_HDR_SIZE + (uint64_t)p.length;
	if (rc == 0 && whole < want) {
		parts_err_set(&it.err, VPF_PARTS_ERR_TRUNC_HEADER, it.index,
			      whole, whole, 0, avail - whole,
			      VPF_PARTS_HDR_SIZE);
		rc = vpf_parts_report(&it.err);
	}
	if (err != NULL)
		*err = it.err;
	if (rc < 0)
		return rc;
	if (count != NULL)
		*count = n;
	if (total != NULL)
		*total = sum;
	return 0;
}
