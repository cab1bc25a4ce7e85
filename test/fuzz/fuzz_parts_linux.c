/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: a Linux virtio-vfio-pci record stream (untrusted bytes
 * from a file, a FIFO or another host). Input: u8 flags (bit 0: decode
 * the parts with VPF_PARTS_F_CARRY), u8 n, n little-endian u16 split
 * positions (modulo the stream length, sorted), then the stream. The
 * streaming decoder fed at those splits must yield exactly the records of
 * the whole-buffer decoding (offsets, sizes, flags, CVE tails, parts
 * bytes) and the same verdict and error; every record's parts must
 * validate and lie inside the stream. Also runs format detection and the
 * printer.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_parts.h"

#define MAX_CUTS	32
#define MAX_RECS	64

struct rec {
	struct vpf_parts_linux_rec r;
	uint64_t sum;
};

static struct vpf_parts_linux_dec dec;
static struct rec whole[MAX_RECS];
static uint32_t nwhole, nstream;
static const uint8_t *stream_base;
static size_t stream_len;
static uint32_t pflags;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int
on_whole(const struct vpf_parts_linux_rec *r, void *arg)
{
	(void)arg;
	/* In place: inside the stream, after the record's header. */
	if (r->parts_len > r->size ||
	    (r->size > 0 &&
	     (r->parts != stream_base + r->offset + VPF_PARTS_LINUX_HDR_SIZE ||
	      r->offset + VPF_PARTS_LINUX_HDR_SIZE + r->size > stream_len)))
		abort();
	if (((r->rflags & VPF_PARTS_LINUX_RF_CVE_TAIL) != 0) !=
	    (r->size - r->parts_len == 8))
		abort();
	if (vpf_parts_validate(r->parts, r->parts_len, pflags, NULL) !=
	    r->count)
		abort();
	if (nwhole < MAX_RECS) {
		whole[nwhole].r = *r;
		whole[nwhole].sum = fnv(r->parts, r->parts_len);
	}
	nwhole++;
	return 0;
}

static void
check_rec(const struct vpf_parts_linux_rec *r)
{
	const struct rec *w;

	if (nstream >= nwhole)
		abort();
	if (nstream < MAX_RECS) {
		w = &whole[nstream];
		if (r->index != w->r.index || r->offset != w->r.offset ||
		    r->size != w->r.size || r->flags != w->r.flags ||
		    r->rflags != w->r.rflags || r->count != w->r.count ||
		    r->parts_len != w->r.parts_len ||
		    fnv(r->parts, r->parts_len) != w->sum)
			abort();
	}
	nstream++;
}

static bool
same_err(const struct vpf_parts_linux_error *a,
	 const struct vpf_parts_linux_error *b)
{
	const struct vpf_parts_error *x = &a->parts, *y = &b->parts;

	return a->code == b->code && a->record == b->record &&
		a->offset == b->offset &&
		a->record_offset == b->record_offset && a->tag == b->tag &&
		a->value == b->value && a->expected == b->expected &&
		x->code == y->code && x->part_index == y->part_index &&
		x->offset == y->offset && x->part_offset == y->part_offset &&
		x->type == y->type && x->value == y->value &&
		x->expected == y->expected;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpf_parts_linux_error we, se;
	struct vpf_parts_linux_rec r;
	size_t cuts[MAX_CUTS];
	size_t n, i, j, prev, used;
	int64_t wrc;
	int src = 0;

	if (size < 2)
		return 0;
	pflags = (data[0] & 1) ? VPF_PARTS_F_CARRY : 0;
	n = data[1] % (MAX_CUTS + 1);
	if (size < 2 + 2 * n)
		return 0;
	stream_base = data + 2 + 2 * n;
	stream_len = size - 2 - 2 * n;
	for (i = 0; i < n; i++) {
		size_t c = (size_t)data[2 + 2 * i] |
			((size_t)data[3 + 2 * i] << 8);

		cuts[i] = stream_len > 0 ? c % (stream_len + 1) : 0;
		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			size_t x = cuts[j];

			cuts[j] = cuts[j - 1];
			cuts[j - 1] = x;
		}
	}
	(void)vpf_parts_stream_detect(stream_base, stream_len);

	nwhole = 0;
	wrc = vpf_parts_linux_decode(stream_base, stream_len, pflags, on_whole,
				     NULL, &we);
	if (wrc >= 0 && (uint64_t)wrc != nwhole)
		abort();

	nstream = 0;
	if (vpf_parts_linux_dec_init(&dec, NULL, VPF_PARTS_LINUX_MAX_RECORD,
				     pflags) != 0)
		abort();
	prev = 0;
	for (i = 0; i <= n && src >= 0; i++) {
		size_t end = i < n ? cuts[i] : stream_len;

		while (prev < end) {
			src = vpf_parts_linux_dec_feed(&dec, stream_base + prev,
						       end - prev, &used, &r);
			if (used > end - prev)
				abort();
			prev += used;
			if (src < 0)
				break;
			if (src == 1)
				check_rec(&r);
			else if (prev != end)
				abort();
		}
	}
	if (src < 0 && src != -EBADMSG && src != -EFBIG &&
	    src != -EPROTONOSUPPORT && src != -ENOMEM)
		abort();
	src = vpf_parts_linux_dec_finish(&dec, &se);
	vpf_parts_linux_dec_fini(&dec);
	if (src == -ENOMEM)
		return 0;
	if ((wrc < 0 ? wrc : 0) != src || nstream != nwhole ||
	    !same_err(&we, &se))
		abort();

	if (stream_len < 4096) {
		FILE *f = fopen("/dev/null", "w");

		if (f != NULL) {
			if (vpf_parts_linux_print(f, stream_base, stream_len,
						  pflags) != wrc)
				abort();
			fclose(f);
		}
	}
	return 0;
}
