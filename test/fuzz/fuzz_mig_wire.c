/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target for what a migration half receives from its peer
 * (lib/mig/mig_wire.c, lib/mig/mig_desc.c): the frame decoder over a
 * sequence of frames, and the compatibility descriptor parser, on the
 * whole input and on every DESC frame's bytes. Oracles:
 *  - a decoded frame never claims more bytes than there are, and
 *    decoding any shorter prefix asks for more bytes;
 *  - a decoded frame encodes again to the same bytes (the decoder accepts
 *    only what the encoder writes);
 *  - a parsed descriptor writes back to the same bytes.
 * With bit 0 of the first byte the target first rewrites every frame's
 * checksums, so that mutations reach the payload checks behind them.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_mig_xport.h"
#include "mig/mig_half.h"
#include "mig/mig_wire.h"

static void
check_desc(const uint8_t *b, size_t n)
{
	uint8_t out[VPF_MIG_DESC_MAX];
	struct vpf_mig_desc d;
	volatile uint8_t sink = 0;
	size_t need, i;
	int len;

	if (vpf_mig_desc_parse(b, n, &d) != 0)
		return;
	/* Touch every field entry handed out: ASan checks the bounds. */
	for (i = 0; i < 16u * d.nfields; i++)
		sink ^= ((const uint8_t *)d.fields)[i];
	(void)sink;
	len = mig_desc_write(&d, out, sizeof(out), &need);
	if (len < 0 || (size_t)len != n || memcmp(out, b, n) != 0)
		abort();	/* parse and write disagree */
}

/* Make the checksums of the frames from @p b on right, as far as the
 * framing goes. */
static void
fix_crcs(uint8_t *b, size_t n)
{
	size_t p = 0;

	while (n - p >= MIG_WIRE_HDR) {
		uint32_t plen = vpf_le32_load(b + p + 8);

		vpf_le32_store(b + p + 12, mig_crc32c(0, b + p, 12));
		if (plen > MIG_WIRE_PAYLOAD_MAX ||
		    n - p - MIG_WIRE_HDR < (size_t)plen + MIG_WIRE_TRL)
			return;
		vpf_le32_store(b + p + MIG_WIRE_HDR + plen,
			       mig_crc32c(0, b + p + MIG_WIRE_HDR, plen));
		p += MIG_WIRE_HDR + plen + MIG_WIRE_TRL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_wire_frame f, g;
	struct mig_buf enc = { 0 };
	uint8_t *b;
	char why[160];
	size_t p = 0;
	uint32_t seq = 0;
	int rc, i;

	if (size < 1)
		return 0;
	b = malloc(size);
	if (b == NULL)
		return 0;
	memcpy(b, data + 1, size - 1);
	if (data[0] & 1)
		fix_crcs(b, size - 1);
	check_desc(b, size - 1);
	for (i = 0; i < 64 && p < size - 1; i++) {
		size_t left = size - 1 - p;

		rc = mig_wire_decode(b + p, left, seq, &f, why, sizeof(why));
		if (rc <= 0)
			break;
		if ((size_t)rc > left)
			abort();	/* claims bytes it does not have */
		if (mig_wire_decode(b + p, (size_t)rc - 1, seq, &g, why,
				    sizeof(why)) != 0)
			abort();	/* a prefix must ask for more */
		if (f.type == MIG_W_DESC)
			check_desc(f.data, f.data_len);
		mig_buf_reset(&enc);
		if (mig_wire_encode(&enc, &f, seq) != 0 ||
		    enc.len != (size_t)rc || memcmp(enc.p, b + p, enc.len))
			abort();	/* decode and encode disagree */
		p += (size_t)rc;
		seq++;
	}
	mig_buf_free(&enc);
	free(b);
	return 0;
}
