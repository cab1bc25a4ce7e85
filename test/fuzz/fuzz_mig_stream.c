/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target for the migration stream parser (lib/mig): the bytes a
 * destination receives from another host. The first input byte picks how
 * the rest is split into feeds (the parser must give the same verdict for
 * any split), the second whether a destination FIELDS_QUERY list is used.
 * The whole-buffer validator must agree with the streaming parser.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_mig.h"
#include "mig/mig_internal.h"

static const struct vpf_admin_ctx_field_info fields[] = {
	{ .type = VPF_CTX_PCI_COMMON_CFG, .length = 64 },
	{ .type = VPF_CTX_DEV_FEATURES, .length = 16 },
	{ .type = VPF_CTX_PCI_VQ_CFG, .length = 30 },
	{ .type = VPF_CTX_VQ_SPLIT_RUNTIME_CFG, .length = 5 },
	{ .type = VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, .length = 4 + 2 * 256 },
	{ .type = VPF_CTX_DEV_CFG, .length = 12 },
};

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vpf_admin_ctx_field_info *f = NULL;
	struct mig_parser p;
	size_t chunk, off = 0;
	uint32_t nf = 0;
	int rc = 0, rv;

	if (size < 2)
		return 0;
	chunk = (size_t)data[0] + 1;
	if (data[1] & 1) {
		f = fields;
		nf = sizeof(fields) / sizeof(fields[0]);
	}
	data += 2;
	size -= 2;

	memset(&p, 0, sizeof(p));
	mig_parser_init(&p, f, nf, cb, NULL);
	while (off < size && rc == 0) {
		size_t n = size - off < chunk ? size - off : chunk;

		rc = mig_parser_feed(&p, data + off, n);
		off += n;
	}
	if (rc == 0)
		rc = mig_parser_finish(&p);
	mig_parser_fini(&p);

	rv = vpf_mig_stream_validate(data, size, f, nf, NULL);
	if ((rc == 0) != (rv == 0))
		abort();	/* streaming and whole-buffer verdicts differ */
	return 0;
}
