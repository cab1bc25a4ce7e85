/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_WIRE_H
#define VPF_MIG_WIRE_H

/*
 * The frames a source half and a destination half exchange through a
 * transport (doc/migration.md, "Wire format"). Internal; the decoder is a
 * pure, bounded function of untrusted bytes (test/fuzz/fuzz_mig_wire.c).
 *
 * A frame: a 16-byte header (le16 type, le16 flags, le32 sequence number,
 * le32 payload length, le32 CRC-32C of the first 12 header bytes), the
 * payload, and a le32 CRC-32C of the payload. The header CRC is checked
 * before the length is believed, so a corrupt length is refused at once
 * instead of being waited for.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mig_internal.h"

#define MIG_WIRE_HDR		16u
#define MIG_WIRE_TRL		4u
/* Largest payload a receiver accepts. DATA frames are cut to
 * MIG_WIRE_DATA_MAX stream bytes; a descriptor with the longest field
 * list fits. */
#define MIG_WIRE_PAYLOAD_MAX	(256u << 10)
#define MIG_WIRE_DATA_MAX	(MIG_WIRE_PAYLOAD_MAX - 8u)
#define MIG_WIRE_FRAME_MAX	(MIG_WIRE_HDR + MIG_WIRE_PAYLOAD_MAX + \
				 MIG_WIRE_TRL)
/* Longest reason text a frame carries (bytes, no NUL on the wire). */
#define MIG_WIRE_REASON_MAX	191u
/* HELLO */
#define MIG_WIRE_MAGIC		"VPFXPORT"
#define MIG_WIRE_VERSION	1u
#define MIG_WIRE_HELLO_LEN	32u
#define MIG_WIRE_HELLO_F_PRECOPY_TO_DST	1u
#define MIG_WIRE_HELLO_F_DIRTY		2u
/* The source sends PING frames when its direction is idle and takes them
 * from the destination, which may send them only when this bit is set
 * (a destination without PING refuses the unknown bit at HELLO). */
#define MIG_WIRE_HELLO_F_PING		4u
#define MIG_WIRE_HELLO_F_KNOWN		7u
/* Most pairs one connection carries. */
#define MIG_WIRE_PAIRS_MAX	65535u
/* ABORT for every pair. */
#define MIG_WIRE_PAIR_ALL	UINT32_MAX

enum mig_wire_type {
	MIG_W_HELLO = 1,	/* src -> dst: version, pairs, options */
	MIG_W_DESC = 2,		/* src -> dst: a pair's descriptor */
	MIG_W_VERDICT = 3,	/* dst -> src: accepted or refused */
	MIG_W_DATA = 4,		/* src -> dst: bytes of a pair's stream */
	MIG_W_ABORT = 5,	/* either way: a pair (or all) aborted */
	MIG_W_RESULT = 6,	/* dst -> src: activated, or failed */
	MIG_W_BYE = 7,		/* src -> dst: nothing more */
	MIG_W_ACK = 8,		/* dst -> src: a pair's precopy rounds taken */
	MIG_W_PING = 9,		/* either way (HELLO_F_PING): alive, nothing
				 * to say; taken by the link, never shown to
				 * a half */
	MIG_W_MAX
};

/* A decoded frame. Pointers point into the decoded buffer. */
struct mig_wire_frame {
	uint16_t type;
	uint32_t seq;
	uint32_t pair;		/* DESC..RESULT */
	uint32_t err;		/* VERDICT, ABORT, RESULT: 0 or a positive errno */
	uint64_t t_ns;		/* RESULT: destination CLOCK_MONOTONIC */
	/* HELLO */
	uint16_t version;
	uint32_t npairs;
	uint32_t rounds;	/* HELLO: precopy rounds; ACK: rounds taken */
	uint32_t flags;
	/* DESC, DATA: the bytes */
	const uint8_t *data;
	size_t data_len;
	/* VERDICT, ABORT, RESULT: printable text, NUL-terminated */
	char reason[MIG_WIRE_REASON_MAX + 1];
};

/* Name of a frame type ("HELLO", ...; "?" if unknown). */
const char *mig_wire_type_name(uint16_t type);

/*
 * Decode the frame at the start of @p buf (@p len bytes available), which
 * must carry sequence number @p seq.
 * @return the frame's length (> 0) with @p f filled; 0 when more bytes are
 *   needed; -EBADMSG (checksum, framing, malformed payload, sequence),
 *   -EPROTONOSUPPORT (unknown type, flags, HELLO version) with the reason
 *   in @p why (@p nwhy bytes).
 */
int mig_wire_decode(const uint8_t *buf, size_t len, uint32_t seq,
		    struct mig_wire_frame *f, char *why, size_t nwhy);

/*
 * Append frame @p f (type, pair, err, t_ns, the HELLO fields, data and
 * reason as its type uses them) with sequence number @p seq to @p out.
 * @return 0, -EINVAL (payload too long, bad type) or -ENOMEM.
 */
int mig_wire_encode(struct mig_buf *out, const struct mig_wire_frame *f,
		    uint32_t seq);

#endif /* VPF_MIG_WIRE_H */
