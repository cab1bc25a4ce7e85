/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: the write-record merge of dirty tracking (lib/mig/
 * mig_dirty.c) with arbitrary ranges, page sizes, sync windows and
 * records, addresses biased towards 0 and 2^64 where 64-bit arithmetic
 * wraps. Each step has an oracle:
 *
 * - mig_ranges_normalize(): refuses (-ERANGE) exactly when a range reaches
 *   into the last device page below 2^64 or past 2^64; otherwise the
 *   output is sorted, device-page aligned, disjoint, within the limit, and
 *   covers every input range;
 * - mig_wr_window(): the READ window is device-page aligned, inside the
 *   tracked range, and holds every device page of the range that meets
 *   the sync window (none when it says they do not meet);
 * - mig_bitmap_mark(): a record inside the READ window sets exactly the
 *   bits of the bitmap pages its device page meets, counts exactly the new
 *   ones, and touches nothing else (the bitmap is an exact-size heap
 *   block, so ASan sees any write past it).
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mig/mig_internal.h"

#define MAX_RANGES	8
#define MAX_BITS	2048
#define MAX_RECS	16

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t
take(struct in *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		v |= (uint64_t)(in->n ? *in->p : 0) << (8 * i);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

/* An address: near 0, near 2^64, near @p ref, or anything. */
static uint64_t
take_addr(struct in *in, uint64_t ref)
{
	uint8_t mode = (uint8_t)take(in, 1);
	uint64_t off = take(in, 3) << (mode >> 4);

	switch (mode & 3) {
	case 0: return off;
	case 1: return (uint64_t)0 - off;
	case 2: return ref + off - (take(in, 3) << (mode >> 4));
	default: return take(in, 8);
	}
}

/* Inclusive last byte of [a, a + len), len > 0, or false past 2^64. */
static bool
last_of(uint64_t a, uint64_t len, uint64_t *last)
{
	if (len - 1 > UINT64_MAX - a)
		return false;
	*last = a + (len - 1);
	return true;
}

static bool
meets(uint64_t a0, uint64_t l0, uint64_t a1, uint64_t l1)
{
	return (a0 > a1 ? a0 : a1) <= (l0 < l1 ? l0 : l1);
}

static void
check_normalize(const struct vpf_mig_range *rg, unsigned int n,
		uint64_t dps, uint32_t maxr, int k,
		const struct mig_norm_range *out)
{
	bool top = false;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		uint64_t last;

		if (rg[i].len == 0)
			continue;
		if (!last_of(rg[i].addr, rg[i].len, &last) ||
		    last >= (uint64_t)0 - dps)
			top = true;
	}
	if (top != (k == -ERANGE))
		abort();
	if (k < 0)
		return;
	if ((unsigned int)k > maxr || (unsigned int)k > n)
		abort();
	for (j = 0; j < (unsigned int)k; j++) {
		/* aligned, non-empty, ending at most one device page
		 * below 2^64 */
		if ((out[j].addr & (dps - 1)) || out[j].pages == 0 ||
		    out[j].addr > (uint64_t)0 - 2 * dps ||
		    out[j].pages > ((uint64_t)0 - dps - out[j].addr) / dps)
			abort();
		/* sorted, disjoint and not touching */
		if (j > 0 && out[j].addr <= out[j - 1].addr +
		    (out[j - 1].pages * dps - 1) + 1)
			abort();
	}
	for (i = 0; i < n; i++) {
		uint64_t last;
		bool in = false;

		if (rg[i].len == 0)
			continue;
		last_of(rg[i].addr, rg[i].len, &last);
		for (j = 0; j < (unsigned int)k && !in; j++)
			in = rg[i].addr >= out[j].addr &&
			     last <= out[j].addr + (out[j].pages * dps - 1);
		if (!in)
			abort();
	}
}

static void
check_window(const struct mig_norm_range *r, uint64_t dps, uint64_t waddr,
	     uint64_t wlen, bool ok, uint64_t lo, uint64_t hi)
{
	uint64_t rlast = r->addr + (r->pages * dps - 1), wlast;
	/* the sync window rounded out to device pages, inclusive */
	uint64_t wlo = waddr & ~(dps - 1);

	last_of(waddr, wlen, &wlast);
	wlast |= dps - 1;
	if (!ok) {
		if (meets(r->addr, rlast, wlo, wlast))
			abort();
		return;
	}
	if (lo >= hi || (lo & (dps - 1)) || (hi & (dps - 1)) ||
	    lo < r->addr || hi - 1 > rlast)
		abort();
	/* exactly the intersection */
	if (lo != (r->addr > wlo ? r->addr : wlo) ||
	    hi - 1 != (rlast < wlast ? rlast : wlast))
		abort();
}

/* Mark @p rec and compare with a bit-by-bit reference. */
static void
check_mark(uint64_t *bm, uint64_t *ref, size_t words, uint64_t nbits,
	   uint64_t waddr, uint64_t wlen, uint64_t ps, uint64_t rec,
	   uint64_t dps)
{
	uint64_t rlast = rec + (dps - 1), got, want = 0, i;

	memcpy(ref, bm, words * sizeof(*bm));
	for (i = 0; i < nbits; i++) {
		uint64_t pa = waddr + i * ps, pl = pa + (ps - 1);
		uint64_t bit = UINT64_C(1) << (i % 64);

		if (meets(pa, pl, rec, rlast) && !(ref[i / 64] & bit)) {
			ref[i / 64] |= bit;
			want++;
		}
	}
	got = mig_bitmap_mark(bm, waddr, wlen, ps, rec, dps);
	if (got != want || memcmp(bm, ref, words * sizeof(*bm)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct vpf_mig_range rg[MAX_RANGES];
	struct mig_norm_range out[MAX_RANGES];
	uint64_t ps, dps, waddr, wlen, nbits, *bm, *ref;
	unsigned int n, i, j, nrec;
	uint32_t maxr;
	size_t words;
	int k;

	/* Bitmap page 4 KiB .. 8 TiB, device page the same range (the
	 * device page sizes of CAP_QUERY). */
	ps = UINT64_C(4096) << (take(&in, 1) % 32);
	dps = UINT64_C(4096) << (take(&in, 1) % 32);
	n = 1 + (unsigned int)(take(&in, 1) % MAX_RANGES);
	maxr = 1 + (uint32_t)(take(&in, 1) % MAX_RANGES);
	nbits = 1 + take(&in, 2) % MAX_BITS;
	/* The sync window: aligned to ps, ending at most at 2^64. */
	waddr = take_addr(&in, 0) & ~(ps - 1);
	wlen = nbits * ps;
	if (nbits > ((uint64_t)0 - waddr) / ps && waddr != 0) {
		/* shorten to end at 2^64 */
		nbits = ((uint64_t)0 - waddr) / ps;
		if (nbits == 0)
			return 0;
		wlen = nbits * ps;
	}
	if (nbits > MAX_BITS || wlen / ps != nbits)
		return 0;
	for (i = 0; i < n; i++) {
		rg[i].addr = take_addr(&in, waddr);
		rg[i].len = take(&in, 1) & 1 ? take(&in, 4) :
			    take_addr(&in, 0);
	}
	k = mig_ranges_normalize(rg, n, dps, maxr, out);
	check_normalize(rg, n, dps, maxr, k, out);
	if (k <= 0)
		return 0;

	words = (size_t)((nbits + 63) / 64);
	bm = malloc(words * sizeof(*bm));
	ref = malloc(words * sizeof(*ref));
	if (bm == NULL || ref == NULL)
		goto out;
	memset(bm, 0, words * sizeof(*bm));
	for (j = 0; j < (unsigned int)k; j++) {
		uint64_t lo = 0, hi = 0, npages;
		bool ok = mig_wr_window(&out[j], dps, waddr, wlen, &lo, &hi);

		check_window(&out[j], dps, waddr, wlen, ok, lo, hi);
		if (!ok)
			continue;
		/* Records the device may return: device pages in the READ
		 * window, the first and the last among them. */
		npages = (hi - lo) / dps;
		nrec = (unsigned int)(take(&in, 1) % MAX_RECS);
		for (i = 0; i < nrec + 2; i++) {
			uint64_t pg = i == 0 ? 0 : i == 1 ? npages - 1 :
				      take(&in, 8) % npages;

			check_mark(bm, ref, words, nbits, waddr, wlen, ps,
				   lo + pg * dps, dps);
		}
	}
	/* Bits past the window in the last word stay clear. */
	if (nbits % 64 && (bm[words - 1] >> (nbits % 64)) != 0)
		abort();
out:
	free(bm);
	free(ref);
	return 0;
}
