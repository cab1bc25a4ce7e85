/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: the streaming validator against the whole-buffer one.
 * Input: u8 flags (bit 0: VPF_CTX_F_ALLOW_PAD), u8 n, n little-endian u16
 * split positions (taken modulo the context length and sorted), then the
 * context bytes. The stream fed at those splits must give exactly the
 * whole-buffer verdict and error, and agree on completeness.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_ctx.h"

#define MAX_CUTS 32

static struct vpf_ctx_stream st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpf_ctx_error we, se;
	size_t cuts[MAX_CUTS];
	const uint8_t *ctx;
	size_t len, n, i, j, prev;
	uint32_t flags;
	int wrc, src = 0;

	if (size < 2)
		return 0;
	flags = data[0] & VPF_CTX_F_ALLOW_PAD;
	n = data[1] % (MAX_CUTS + 1);
	if (size < 2 + 2 * n)
		return 0;
	ctx = data + 2 + 2 * n;
	len = size - 2 - 2 * n;
	for (i = 0; i < n; i++) {
		size_t c = (size_t)data[2 + 2 * i] |
			((size_t)data[3 + 2 * i] << 8);

		cuts[i] = len > 0 ? c % (len + 1) : 0;
		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			size_t x = cuts[j];

			cuts[j] = cuts[j - 1];
			cuts[j - 1] = x;
		}
	}

	wrc = vpf_ctx_validate(ctx, len, flags, &we);
	if (vpf_ctx_stream_init(&st, flags, NULL, NULL) != 0)
		abort();
	prev = 0;
	for (i = 0; i <= n; i++) {
		size_t end = i < n ? cuts[i] : len;

		src = vpf_ctx_stream_feed(&st, ctx + prev, end - prev);
		if (src != 0)
			break;
		prev = end;
		if (vpf_ctx_stream_pos(&st) != end)
			abort();
	}
	if (src != 0 && src != -EBADMSG)
		abort();
	src = vpf_ctx_stream_finish(&st, &se);
	if (src != wrc || se.code != we.code || se.offset != we.offset ||
	    se.field_index != we.field_index ||
	    se.field_offset != we.field_offset || se.type != we.type ||
	    se.value != we.value || se.expected != we.expected)
		abort();
	/* Well formed: complete, and only allowed padding after it. */
	if (wrc == 0) {
		uint64_t cl = vpf_ctx_stream_ctx_len(&st);

		if (!vpf_ctx_stream_complete(&st) || cl > len ||
		    (cl != len && !(flags && vpf_ctx_trailing_ok(ctx + cl,
								  len - cl))))
			abort();
	}
	return 0;
}
