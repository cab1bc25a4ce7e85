/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Frames between a source half and a destination half (mig_wire.h,
 * doc/migration.md "Wire format"): encoder and a pure, bounded decoder of
 * untrusted bytes. Payloads, all little-endian:
 *   HELLO   magic[8] "VPFXPORT", le16 version, le16 0, le32 pairs,
 *           le32 precopy rounds, le32 flags, u8 0[8]      (32 bytes)
 *   DESC    le32 pair, le32 0, descriptor bytes            (> 8)
 *   VERDICT le32 pair, le32 errno (0 accepted), reason     (8 .. 8+191)
 *   DATA    le32 pair, le32 0, stream bytes                (> 8)
 *   ABORT   le32 pair (0xffffffff: all), le32 errno, reason
 *   RESULT  le32 pair, le32 errno (0 activated), le64 t, reason
 *   BYE     empty
 *   ACK     le32 pair, le32 precopy rounds taken (written or checked)  (8)
 *   PING    empty (HELLO flag bit 2: sent when a direction is idle)
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mig_wire.h"

static const char *const type_names[MIG_W_MAX] = {
	[MIG_W_HELLO] = "HELLO",
	[MIG_W_DESC] = "DESC",
	[MIG_W_VERDICT] = "VERDICT",
	[MIG_W_DATA] = "DATA",
	[MIG_W_ABORT] = "ABORT",
	[MIG_W_RESULT] = "RESULT",
	[MIG_W_BYE] = "BYE",
	[MIG_W_ACK] = "ACK",
	[MIG_W_PING] = "PING",
};

const char *
mig_wire_type_name(uint16_t type)
{
	return type > 0 && type < MIG_W_MAX ? type_names[type] : "?";
}

/* Bytes before the reason text (VERDICT, ABORT, RESULT) or the data
 * (DESC, DATA); 0 for HELLO, BYE and PING. */
static size_t
fixed_len(uint16_t type)
{
	switch (type) {
	case MIG_W_RESULT:
		return 16;
	case MIG_W_DESC:
	case MIG_W_VERDICT:
	case MIG_W_DATA:
	case MIG_W_ABORT:
		return 8;
	default:
		return 0;
	}
}

static bool
has_reason(uint16_t type)
{
	return type == MIG_W_VERDICT || type == MIG_W_ABORT ||
	       type == MIG_W_RESULT;
}

static int __attribute__((format(printf, 4, 5)))
bad(char *why, size_t nwhy, int rc, const char *fmt, ...)
{
	va_list ap;

	if (why && nwhy) {
		va_start(ap, fmt);
		vsnprintf(why, nwhy, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int
decode_payload(const uint8_t *p, uint32_t len, struct mig_wire_frame *f,
	       char *why, size_t nwhy)
{
	size_t fl = fixed_len(f->type), i, n;

	switch (f->type) {
	case MIG_W_HELLO:
		if (len != MIG_WIRE_HELLO_LEN)
			return bad(why, nwhy, -EBADMSG,
				   "HELLO of %u bytes (want %u)", len,
				   MIG_WIRE_HELLO_LEN);
		if (memcmp(p, MIG_WIRE_MAGIC, 8) != 0)
			return bad(why, nwhy, -EBADMSG,
				   "HELLO without the VPFXPORT magic");
		f->version = vpf_le16_load(p + 8);
		if (f->version != MIG_WIRE_VERSION)
			return bad(why, nwhy, -EPROTONOSUPPORT,
				   "transport protocol version %u (this side speaks %u)",
				   f->version, MIG_WIRE_VERSION);
		f->npairs = vpf_le32_load(p + 12);
		f->rounds = vpf_le32_load(p + 16);
		f->flags = vpf_le32_load(p + 20);
		if (vpf_le16_load(p + 10) != 0 || vpf_le64_load(p + 24) != 0)
			return bad(why, nwhy, -EBADMSG,
				   "HELLO reserved bytes are not zero");
		if (f->flags & ~MIG_WIRE_HELLO_F_KNOWN)
			return bad(why, nwhy, -EPROTONOSUPPORT,
				   "HELLO option bits 0x%x unknown",
				   f->flags & ~MIG_WIRE_HELLO_F_KNOWN);
		if (f->npairs == 0 || f->npairs > MIG_WIRE_PAIRS_MAX)
			return bad(why, nwhy, -EBADMSG,
				   "HELLO announces %u pairs (1..%u)",
				   f->npairs, MIG_WIRE_PAIRS_MAX);
		return 0;
	case MIG_W_ACK:
		if (len != 8)
			return bad(why, nwhy, -EBADMSG, "ACK of %u bytes (want 8)",
				   len);
		f->pair = vpf_le32_load(p);
		f->rounds = vpf_le32_load(p + 4);
		return 0;
	case MIG_W_BYE:
	case MIG_W_PING:
		if (len != 0)
			return bad(why, nwhy, -EBADMSG,
				   "%s with %u payload bytes",
				   mig_wire_type_name(f->type), len);
		return 0;
	default:
		break;
	}
	if (len < fl)
		return bad(why, nwhy, -EBADMSG, "%s frame of %u bytes is too short",
			   mig_wire_type_name(f->type), len);
	f->pair = vpf_le32_load(p);
	f->err = vpf_le32_load(p + 4);
	if (f->type == MIG_W_RESULT)
		f->t_ns = vpf_le64_load(p + 8);
	if (!has_reason(f->type)) {
		/* DESC, DATA: reserved word zero, some bytes. */
		if (f->err != 0)
			return bad(why, nwhy, -EBADMSG,
				   "%s frame: reserved word 0x%x is not zero",
				   mig_wire_type_name(f->type), f->err);
		if (len == fl)
			return bad(why, nwhy, -EBADMSG,
				   "%s frame without bytes",
				   mig_wire_type_name(f->type));
		f->data = p + fl;
		f->data_len = len - fl;
		return 0;
	}
	if (f->pair == MIG_WIRE_PAIR_ALL && f->type != MIG_W_ABORT)
		return bad(why, nwhy, -EBADMSG,
			   "%s frame for every pair",
			   mig_wire_type_name(f->type));
	/* An errno is a small positive number. */
	if (f->err > 4095)
		return bad(why, nwhy, -EBADMSG, "error code %u out of range",
			   f->err);
	if (f->type == MIG_W_ABORT && f->err == 0)
		return bad(why, nwhy, -EBADMSG, "ABORT without an error code");
	n = len - fl;
	if (n > MIG_WIRE_REASON_MAX)
		return bad(why, nwhy, -EBADMSG, "reason of %zu bytes (most %u)",
			   n, MIG_WIRE_REASON_MAX);
	/* Text from the peer, shown to an operator: printable ASCII only. */
	for (i = 0; i < n; i++) {
		uint8_t c = p[fl + i];

		if (c < 0x20 || c >= 0x7f)
			return bad(why, nwhy, -EBADMSG,
				   "reason text byte %zu is 0x%02x, not printable ASCII",
				   i, c);
		f->reason[i] = (char)c;
	}
	f->reason[n] = '\0';
	return 0;
}

int
mig_wire_decode(const uint8_t *buf, size_t len, uint32_t seq,
		struct mig_wire_frame *f, char *why, size_t nwhy)
{
	uint32_t plen, flags;
	int rc;

	if (why && nwhy)
		why[0] = '\0';
	memset(f, 0, sizeof(*f));
	if (len < MIG_WIRE_HDR)
		return 0;
	if (mig_crc32c(0, buf, 12) != vpf_le32_load(buf + 12))
		return bad(why, nwhy, -EBADMSG,
			   "frame header checksum mismatch (frame %u)",
			   seq);
	f->type = vpf_le16_load(buf);
	flags = vpf_le16_load(buf + 2);
	f->seq = vpf_le32_load(buf + 4);
	plen = vpf_le32_load(buf + 8);
	if (f->type == 0 || f->type >= MIG_W_MAX)
		return bad(why, nwhy, -EPROTONOSUPPORT,
			   "unknown frame type %u (frame %u)", f->type, seq);
	if (flags != 0)
		return bad(why, nwhy, -EPROTONOSUPPORT,
			   "frame flags 0x%x unknown (frame %u)", flags, seq);
	if (f->seq != seq)
		return bad(why, nwhy, -EBADMSG,
			   "frame sequence number %u, expected %u", f->seq, seq);
	if (plen > MIG_WIRE_PAYLOAD_MAX)
		return bad(why, nwhy, -EBADMSG,
			   "frame payload of %u bytes (most %u)", plen,
			   MIG_WIRE_PAYLOAD_MAX);
	if (len - MIG_WIRE_HDR < (size_t)plen + MIG_WIRE_TRL)
		return 0;
	if (mig_crc32c(0, buf + MIG_WIRE_HDR, plen) !=
	    vpf_le32_load(buf + MIG_WIRE_HDR + plen))
		return bad(why, nwhy, -EBADMSG,
			   "%s frame %u: payload checksum mismatch",
			   mig_wire_type_name(f->type), seq);
	rc = decode_payload(buf + MIG_WIRE_HDR, plen, f, why, nwhy);
	if (rc)
		return rc;
	return (int)(MIG_WIRE_HDR + plen + MIG_WIRE_TRL);
}

int
mig_wire_encode(struct mig_buf *out, const struct mig_wire_frame *f,
		uint32_t seq)
{
	size_t fl, rl = 0, dl = 0, plen;
	uint8_t *h;
	int rc;

	if (f->type == 0 || f->type >= MIG_W_MAX)
		return vpf_error(-EINVAL, "frame type %u", f->type);
	fl = fixed_len(f->type);
	if (has_reason(f->type))
		rl = strnlen(f->reason, MIG_WIRE_REASON_MAX);
	if (f->type == MIG_W_DESC || f->type == MIG_W_DATA) {
		dl = f->data_len;
		if (dl == 0 || dl > MIG_WIRE_PAYLOAD_MAX - fl)
			return vpf_error(-EINVAL, "%s frame of %zu bytes",
					 mig_wire_type_name(f->type), dl);
	}
	plen = f->type == MIG_W_HELLO ? MIG_WIRE_HELLO_LEN :
	       f->type == MIG_W_ACK ? 8 : fl + rl + dl;
	rc = mig_buf_reserve(out, MIG_WIRE_HDR + plen + MIG_WIRE_TRL);
	if (rc)
		return vpf_error(-ENOMEM, "out of memory");
	h = out->p + out->len;
	memset(h, 0, MIG_WIRE_HDR + plen);
	vpf_le16_store(h, f->type);
	vpf_le32_store(h + 4, seq);
	vpf_le32_store(h + 8, (uint32_t)plen);
	vpf_le32_store(h + 12, mig_crc32c(0, h, 12));
	if (f->type == MIG_W_HELLO) {
		uint8_t *p = h + MIG_WIRE_HDR;

		memcpy(p, MIG_WIRE_MAGIC, 8);
		vpf_le16_store(p + 8, MIG_WIRE_VERSION);
		vpf_le32_store(p + 12, f->npairs);
		vpf_le32_store(p + 16, f->rounds);
		vpf_le32_store(p + 20, f->flags);
	} else if (f->type == MIG_W_ACK) {
		vpf_le32_store(h + MIG_WIRE_HDR, f->pair);
		vpf_le32_store(h + MIG_WIRE_HDR + 4, f->rounds);
	} else if (f->type != MIG_W_BYE && f->type != MIG_W_PING) {
		uint8_t *p = h + MIG_WIRE_HDR;

		vpf_le32_store(p, f->pair);
		vpf_le32_store(p + 4, f->err);
		if (f->type == MIG_W_RESULT)
			vpf_le64_store(p + 8, f->t_ns);
		for (size_t i = 0; i < rl; i++) {
			uint8_t c = (uint8_t)f->reason[i];

			/* What the decoder accepts: printable ASCII. */
			p[fl + i] = c >= 0x20 && c < 0x7f ? c : '?';
		}
		if (dl)
			memcpy(p + fl, f->data, dl);
	}
	vpf_le32_store(h + MIG_WIRE_HDR + plen,
		       mig_crc32c(0, h + MIG_WIRE_HDR, plen));
	out->len += MIG_WIRE_HDR + plen + MIG_WIRE_TRL;
	return 0;
}
