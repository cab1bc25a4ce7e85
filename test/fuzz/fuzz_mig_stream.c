/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target for the migration stream parser (lib/mig): the bytes a
 * destination receives from another host. The first input byte picks how
 * the rest is split into feeds (the parser must give the same verdict for
 * any split), the second whether a destination FIELDS_QUERY list is used.
 * The whole-buffer validator must agree with the streaming parser.
 * With bit 1 of the second byte the target first rewrites every checksum
 * (header, records, trailer) so that mutations get past the CRCs and reach
 * the record, order and context checks behind them.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_mig.h"
#include "mig/mig_internal.h"
#include "../mig/mig_dst_fields.h"

static int
cb(struct mig_parser *p, enum mig_ctx_kind kind, uint32_t round,
   const uint8_t *ctx, size_t len, void *arg)
{
	volatile uint8_t sink = 0;
	size_t i;

	(void)p;
	(void)kind;
	(void)round;
	(void)arg;
	/* Touch every byte handed out: ASan checks they are in bounds. */
	for (i = 0; i < len; i++)
		sink ^= ctx[i];
	(void)sink;
	return 0;
}

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Make every checksum right, following the framing as far as it goes. */
static void
fix_crcs(uint8_t *b, size_t n)
{
	size_t hl, p;
	uint32_t nf;

	if (n < MIG_HDR_FIXED)
		return;
	nf = get32(b + MIG_HDR_OFF_NFIELDS);
	if (nf > VPF_MIG_FIELDS_MAX)
		return;
	hl = MIG_HDR_FIXED + (size_t)nf * MIG_FIELD_SIZE;
	if (n < hl + MIG_CRC_SIZE)
		return;
	put32(b + MIG_HDR_OFF_LEN, (uint32_t)(hl + MIG_CRC_SIZE));
	put32(b + hl, mig_crc32c(0, b, hl));
	p = hl + MIG_CRC_SIZE;
	while (n - p >= MIG_REC_HDR + MIG_CRC_SIZE) {
		uint64_t len;
		uint16_t type;

		memcpy(&len, b + p + 8, 8);
		memcpy(&type, b + p, 2);
		if (len > n - p - MIG_REC_HDR - MIG_CRC_SIZE)
			return;
		if (type == VPF_MIG_REC_END && len == MIG_END_LEN) {
			uint64_t bytes = p;

			memcpy(b + p + MIG_REC_HDR, &bytes, 8);
			put32(b + p + MIG_REC_HDR + 12, mig_crc32c(0, b, p));
		}
		put32(b + p + MIG_REC_HDR + len,
		      mig_crc32c(0, b + p, MIG_REC_HDR + len));
		p += MIG_REC_HDR + len + MIG_CRC_SIZE;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vpf_admin_ctx_field_info *f = NULL;
	struct mig_parser p;
	size_t chunk;
	uint8_t *copy = NULL;
	uint32_t nf = 0;
	int rc, rv, fix;

	if (size < 2)
		return 0;
	chunk = (size_t)data[0] + 1;
	if (data[1] & 1) {
		f = dst_fields;
		nf = NDST;
	}
	fix = data[1] & 2;
	data += 2;
	size -= 2;
	if (fix && size) {
		copy = malloc(size);
		if (copy == NULL)
			return 0;
		memcpy(copy, data, size);
		fix_crcs(copy, size);
		data = copy;
	}

	memset(&p, 0, sizeof(p));
	mig_parser_init(&p, f, nf, cb, NULL);
	rc = mig_parser_run(&p, data, size, chunk);
	mig_parser_fini(&p);

	rv = vpf_mig_stream_validate(data, size, f, nf, NULL);
	if ((rc == 0) != (rv == 0))
		abort();	/* streaming and whole-buffer verdicts differ */
	free(copy);
	return 0;
}
