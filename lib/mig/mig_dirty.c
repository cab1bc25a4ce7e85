/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Dirty-page tracking through device write recording (doc/protocol.md §6,
 * §7.7): range normalisation to what the device takes, START /
 * READ-until-drained / STOP, and merging records into a VFIO-layout bitmap
 * (1 bit per page, u64 words, least significant bit first).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "common/vpf_mem.h"
#include "mig_vf.h"

static bool
pow2(uint64_t x)
{
	return x && (x & (x - 1)) == 0;
}

uint64_t
mig_pick_page_size(uint32_t bitmap, uint64_t want)
{
	uint64_t best = 0, smallest = 0;
	unsigned int n;

	for (n = 0; n < 32; n++) {
		uint64_t ps = (uint64_t)VPF_WR_PAGE_SIZE_BASE << n;

		if (!(bitmap & (1u << n)))
			continue;
		if (smallest == 0)
			smallest = ps;
		if (ps <= want)
			best = ps;
	}
	return best ? best : smallest;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct mig_norm_range *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr ? 1 : 0;
}

int
mig_ranges_normalize(const struct vpf_mig_range *in, unsigned int n,
		     uint64_t dev_ps, uint32_t max_ranges,
		     struct mig_norm_range *out)
{
	unsigned int i, k = 0;

	if (!pow2(dev_ps) || max_ranges == 0)
		return -EINVAL;
	/* Out ranges hold [addr, end) in "pages" until the end. */
	for (i = 0; i < n; i++) {
		uint64_t a, e, last;

		if (in[i].len == 0)
			continue;
		/* The device takes page_address + page_count pages, and that
		 * end must fit in 64 bits (doc/protocol.md §6.3):
		 * the last device page below 2^64 cannot be tracked. A range
		 * reaching into it (or past 2^64) is refused, never tracked
		 * short. Up to the page before it is fine. Last bytes are
		 * inclusive so that nothing here wraps. */
		if (in[i].len - 1 > UINT64_MAX - in[i].addr)
			return -ERANGE;
		last = in[i].addr + (in[i].len - 1);
		if (last >= (uint64_t)0 - dev_ps)
			return -ERANGE;
		a = in[i].addr & ~(dev_ps - 1);
		e = (last | (dev_ps - 1)) + 1;	/* <= 2^64 - dev_ps */
		out[k].addr = a;
		out[k].pages = e;	/* end, for now */
		k++;
	}
	if (k == 0)
		return 0;
	qsort(out, k, sizeof(*out), cmp_range);
	/* Merge overlapping and adjacent ranges: the device fails
	 * overlapping ones (doc/protocol.md §6.3, D-6.7). */
	n = 0;
	for (i = 1; i < k; i++) {
		if (out[i].addr <= out[n].pages) {
			if (out[i].pages > out[n].pages)
				out[n].pages = out[i].pages;
		} else {
			out[++n] = out[i];
		}
	}
	k = n + 1;
	/* Too many for the device: merge the two neighbours with the
	 * smallest gap. The gap is tracked too (more pages reported, none
	 * lost). */
	while (k > max_ranges) {
		unsigned int best = 0;
		uint64_t gap = UINT64_MAX;

		for (i = 0; i + 1 < k; i++) {
			uint64_t g = out[i + 1].addr - out[i].pages;

			if (g < gap) {
				gap = g;
				best = i;
			}
		}
		out[best].pages = out[best + 1].pages;
		memmove(&out[best + 1], &out[best + 2],
			(k - best - 2) * sizeof(*out));
		k--;
	}
	for (i = 0; i < k; i++)
		out[i].pages = (out[i].pages - out[i].addr) / dev_ps;
	return (int)k;
}

uint64_t
mig_bitmap_mark(uint64_t *bitmap, uint64_t addr, uint64_t len, uint64_t ps,
		uint64_t rec, uint64_t dev_ps)
{
	uint64_t lo = rec, last, wlast, p, newbits = 0;
	unsigned int sh = (unsigned int)__builtin_ctzll(ps);	/* ps: 2^sh */

	if (len == 0 || dev_ps == 0)
		return 0;
	/* A device page may be larger (several bits) or smaller (part of
	 * one bit) than a bitmap page. Inclusive last bytes: the window and
	 * the record's page may both end at 2^64, which an exclusive end
	 * cannot hold (it wrapped to 0 and the record was dropped). */
	last = rec > UINT64_MAX - (dev_ps - 1) ? UINT64_MAX : rec + (dev_ps - 1);
	wlast = len - 1 > UINT64_MAX - addr ? UINT64_MAX : addr + (len - 1);
	if (lo < addr)
		lo = addr;
	if (last > wlast)
		last = wlast;
	if (lo > last)
		return 0;
	lo = (lo - addr) >> sh;
	last = (last - addr) >> sh;
	for (p = lo;; p++) {
		uint64_t bit = UINT64_C(1) << (p % 64);

		if (!(bitmap[p / 64] & bit)) {
			bitmap[p / 64] |= bit;
			newbits++;
		}
		if (p == last)
			break;
	}
	return newbits;
}

bool
mig_wr_window(const struct mig_norm_range *r, uint64_t dev_ps,
	      uint64_t addr, uint64_t len, uint64_t *lo, uint64_t *hi)
{
	uint64_t l, last, rlast;

	if (len == 0 || r->pages == 0)
		return false;
	/* Inclusive last bytes: the sync window may end at 2^64, and its
	 * end rounded up to a device page may too; as an exclusive end that
	 * wrapped to 0, the range was skipped and its records lost. A
	 * tracked range ends at most one device page below 2^64
	 * (mig_ranges_normalize()), so *hi fits. */
	l = addr & ~(dev_ps - 1);
	last = len - 1 > UINT64_MAX - addr ? UINT64_MAX : addr + (len - 1);
	last |= dev_ps - 1;
	rlast = r->addr + (r->pages * dev_ps - 1);
	if (l < r->addr)
		l = r->addr;
	if (last > rlast)
		last = rlast;
	if (l > last)
		return false;
	*lo = l;
	*hi = last + 1;
	return true;
}

int
mig_bitmap_span(const struct vpf_mig_range *r, unsigned int n, uint64_t ps,
		uint64_t *addr, uint64_t *len, unsigned int *bad)
{
	uint64_t lo = UINT64_MAX, last = 0, a;
	unsigned int i;

	*bad = 0;
	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		/* Each range's end, addr + len, must fit in 64 bits. */
		if (r[i].len == 0 || r[i].len > UINT64_MAX - r[i].addr) {
			*bad = i;
			return -EINVAL;
		}
		if (r[i].addr < lo)
			lo = r[i].addr;
		if (r[i].addr + (r[i].len - 1) > last)
			last = r[i].addr + (r[i].len - 1);
	}
	/* From the first byte of the lowest page to the last byte of the
	 * highest: rounding the exclusive end up to a page wrapped to 0 for
	 * a range ending in the last page below 2^64. */
	a = lo & ~(ps - 1);
	last |= ps - 1;
	if (a == 0 && last == UINT64_MAX)
		return -ERANGE;	/* 2^64 bytes: the length does not fit */
	*addr = a;
	*len = last - a + 1;
	return 0;
}

size_t
vpf_mig_bitmap_words(uint64_t len, uint64_t page_size)
{
	uint64_t pages;

	if (page_size == 0)
		return 0;
	pages = len / page_size + (len % page_size ? 1 : 0);
	return (size_t)((pages + 63) / 64);
}

/* ---------------------------------------------------------------------------
 * Write-recording actions (entries of mig_act_table)
 * ------------------------------------------------------------------------- */

static int
wr_bad(struct mig_vf *v, uint64_t a)
{
	return mig_vf_fail(v, -EIO,
			   "VF %u: write record 0x%" PRIx64
			   " outside the range read 0x%" PRIx64 "..0x%" PRIx64,
			   v->vf, a, v->dirty.lo, v->dirty.hi);
}

/* @p x rotated right by @p n bits (1 <= n <= 63; one ror instruction). */
static inline uint64_t
wr_ror(uint64_t x, unsigned int n)
{
	return (x >> n) | (x << ((64 - n) & 63));
}

/* Merge @p cnt records of v->dirty.rec into the bitmap. Every record is
 * checked (device page aligned, inside the window read): one outside is
 * a device error, and the records before it are merged. Page sizes are
 * powers of two (checked at start and by mig_pick_page_size()), so no
 * division. Each record is loaded once: the check and the bit use the
 * same value. */
static int
wr_merge(struct mig_vf *v, uint32_t cnt)
{
	const uint64_t amask = v->dirty.dev_ps - 1, lo = v->dirty.lo;
	const uint64_t span = v->dirty.hi - v->dirty.lo;
	uint64_t *bm = v->dirty.bm, newbits = 0;
	uint32_t i;

	if (v->dirty.dev_ps == v->dirty.ps) {
		/* One bit per record. The window [lo, hi) lies inside the
		 * bitmap's range: with equal page sizes, bm_addr and bm_len
		 * are device-page multiples (sync plan).
		 *
		 * Records come mostly in address order, many to one bitmap
		 * word: the current word is kept in a register (cur) and
		 * stored when the records move to another word, instead of a
		 * load-or-store per record whose load waits for the previous
		 * record's store (store-to-load forwarding, about 5 cycles a
		 * record). */
		const unsigned int sh = v->dirty.ps_shift;
		const uint64_t pages = span >> sh;
		const uint64_t pofs = (lo - v->dirty.bm_addr) >> sh;
		uint64_t w, cur, dups = 0;

		if (cnt == 0)
			return 0;
		/* Start on word 0 (the bitmap has one at least), so that
		 * the loop needs no "no word yet" test. */
		w = 0;
		cur = bm[0];
		for (i = 0; i < cnt; i++) {
			uint64_t a = rte_le_to_cpu_64(v->dirty.rec[i]), p;

			/* One test for both conditions: lo and span are
			 * device-page multiples (mig_wr_window()), so a
			 * record is aligned and inside the window exactly
			 * when (a - lo) rotated right by the page shift is
			 * below the window's page count: a misaligned
			 * record's low bits rotate to the top. */
			p = wr_ror(a - lo, sh);
			if (__builtin_expect(p >= pages, 0)) {
				bm[w] = cur;
				return wr_bad(v, a);
			}
			p += pofs;
			if (p / 64 != w) {
				bm[w] = cur;
				w = p / 64;
				cur = bm[w];
			}
			/* Records whose bit is set already (an earlier sync
			 * or a repeat): the rest are new bits. */
			dups += (cur >> (p % 64)) & 1;
			cur |= UINT64_C(1) << (p % 64);
		}
		bm[w] = cur;
		newbits = cnt - dups;
	} else {
		for (i = 0; i < cnt; i++) {
			uint64_t a = rte_le_to_cpu_64(v->dirty.rec[i]);

			if ((a & amask) || a - lo >= span)
				return wr_bad(v, a);
			newbits += mig_bitmap_mark(bm, v->dirty.bm_addr,
						   v->dirty.bm_len, v->dirty.ps, a,
						   v->dirty.dev_ps);
		}
	}
	v->dirty.new_bits += newbits;
	return 0;
}

int
mig_wr_cap_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct vpf_admin_cmd *c = &v->cmd;

	(void)st;
	if (v->dirty.cap_valid)
		return 1;
	mig_prep_raw(c, VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY, v->vf);
	c->result = &v->dirty.cap;
	c->result_len = sizeof(v->dirty.cap);
	return 0;
}

int
mig_wr_cap_done(struct mig_vf *v, const struct mig_step *st)
{
	struct vpf_admin_wr_cap *cap = &v->dirty.cap;

	(void)st;
	if (v->cmd.result_written < sizeof(*cap))
		return mig_vf_fail(v, -EIO, "VF %u: WRITE_RECORD_CAP_QUERY returned %u bytes",
				   v->vf, v->cmd.result_written);
	/* Converted in place, once: cap_valid keeps it. */
	cap->supported_page_size_bitmap =
		rte_le_to_cpu_32(cap->supported_page_size_bitmap);
	cap->supported_ranges = rte_le_to_cpu_32(cap->supported_ranges);
	if (cap->supported_page_size_bitmap == 0 ||
	    cap->supported_ranges == 0)
		return mig_vf_fail(v, -EIO,
				   "VF %u: write-record capabilities empty (page sizes 0x%x, ranges %u)",
				   v->vf, cap->supported_page_size_bitmap,
				   cap->supported_ranges);
	v->dirty.cap_valid = true;
	return 0;
}

int
mig_wr_start_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct vpf_admin_cmd *c = &v->cmd;

	(void)st;
	mig_prep_raw(c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_START, v->vf);
	c->data = v->dirty.start_data;
	c->data_len = v->dirty.start_len;
	return 0;
}

int
mig_wr_start_done(struct mig_vf *v, const struct mig_step *st)
{
	(void)st;
	v->dirty.started = true;
	return 0;
}

/*
 * A START that reached the device and got no usable answer (a malformed
 * completion, a timeout, the queue's recovery) may have started
 * recording: it counts as on, so that the failure's cleanup sends a STOP
 * (harmless where recording is off, D-6.6) and, should that fail too,
 * vpf_mig_vf_info::dirty_tracking says so. A START the device refused
 * with a status started nothing. Found by vpf-soak (finding 9): a bad-len
 * answer to a START left the device recording under a VF that ran on.
 */
void
mig_wr_start_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		    bool sent)
{
	(void)st;
	if (sent && v->cmd.status == 0 && rc != -ENODEV)
		v->dirty.started = true;
}

/* One READ per tracked range that meets the sync window, repeated while
 * the device fills the buffer. */
int
mig_wr_read_prep(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_dirty *dt = &v->dirty;
	struct vpf_admin_cmd *c = &v->cmd;

	(void)st;
	if (!v->step_cont)
		dt->ri = 0;
	/* Next range that meets the window; none left: done. */
	for (; dt->ri < dt->n; dt->ri++) {
		if (mig_wr_window(&dt->ranges[dt->ri], dt->dev_ps, dt->bm_addr,
				  dt->bm_len, &dt->lo, &dt->hi))
			break;
	}
	if (dt->ri >= dt->n)
		return 1;
	dt->rd.page_address = rte_cpu_to_le_64(dt->lo);
	dt->rd.length = rte_cpu_to_le_64(dt->hi - dt->lo);
	mig_prep_raw(c, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, v->vf);
	c->data = &dt->rd;
	c->data_len = sizeof(dt->rd);
	if (dt->rec == NULL && mig_wr_rec_alloc(v))
		return -ENOMEM;
	c->result = dt->rec;
	c->result_len = dt->rec_max * sizeof(*dt->rec);
	return 0;
}

int
mig_wr_read_done(struct mig_vf *v, const struct mig_step *st)
{
	struct mig_dirty *dt = &v->dirty;
	uint32_t cnt = v->cmd.output;
	int rc;

	(void)st;
	if (cnt > dt->rec_max || cnt * 8u > v->cmd.result_written)
		return mig_vf_fail(v, -EIO,
				   "VF %u: WRITE_RECORDS_READ count %u exceeds the %u bytes returned",
				   v->vf, cnt, v->cmd.result_written);
	rc = wr_merge(v, cnt);
	if (rc)
		return rc;
	dt->records += cnt;
	/* The device returns at most what fits and clears exactly those:
	 * repeat until fewer come back (doc/protocol.md §6.5, D-6.4). */
	if (cnt == dt->rec_max)
		return 1;
	dt->ri++;
	return dt->ri < dt->n ? 1 : 0;
}

int
mig_wr_stop_prep(struct mig_vf *v, const struct mig_step *st)
{
	if (!v->m->info.has_write_record ||
	    (!v->dirty.started && st->arg == 0))
		return 1;
	if (!v->step_cont) {
		v->dirty.stop_retried = false;
		v->dirty.stop_failed = false;
	}
	mig_prep_raw(&v->cmd, VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP, v->vf);
	return 0;
}

int
mig_wr_stop_done(struct mig_vf *v, const struct mig_step *st)
{
	(void)st;
	v->dirty.started = false;
	mig_wr_rec_free(v);
	return 0;
}

/*
 * A cleanup's STOP (abort, recover, the steps after a failure) that got
 * no answer from the device (it timed out, or the queue's recovery
 * cancelled it) is sent once more: the completion runs after the admin
 * queue was recovered, so the second one has a working queue. A STOP
 * always succeeds and changes nothing where recording is off
 * (doc/protocol.md §6.4, D-6.6), so sending it twice is harmless.
 * Without this, an abort whose STOP hung left recording on under a VF
 * that runs again (soak finding 7, D-MIG.K1).
 */
bool
mig_wr_stop_again(struct mig_vf *v, const struct mig_step *st, int rc)
{
	(void)st;
	if (!v->failing || v->dirty.stop_retried || v->cmd.status != 0 ||
	    rc == -ENODEV)
		return false;
	v->dirty.stop_retried = true;
	MIG_LOG(WARNING, v->m->pf,
		"VF %u: DEV_WRITE_RECORDS_STOP got no answer (%s); sending it again",
		v->vf, strerror(-rc));
	return true;
}

/* The STOP failed (after its retry): it may or may not have happened.
 * Recording counts as on, also where this process did not start it (an
 * orphan's, a recover's), so that vpf_mig_vf_info::dirty_tracking says so
 * and vpf_mig_dirty_stop() sends the STOP again. */
void
mig_wr_stop_failed(struct mig_vf *v, const struct mig_step *st, int rc,
		   bool sent)
{
	(void)st;
	(void)rc;
	(void)sent;
	v->dirty.started = true;
	v->dirty.stop_failed = true;
}

void
mig_wr_cleanup_note(struct mig_vf *v)
{
	char why[160];

	if (!v->dirty.started || !v->dirty.stop_failed || v->op_rc == 0)
		return;
	mig_err_quote(v, why, sizeof(why));
	mig_vf_fail(v, v->op_rc,
		    "VF %u: write recording may still be on: its DEV_WRITE_RECORDS_STOP failed%s (vpf_mig_dirty_stop() stops it); %s",
		    v->vf, v->dirty.stop_retried ? " twice" : "", why);
	MIG_LOG(ERR, v->m->pf, "%s", v->err);
}

void
mig_wr_pair_note(const struct mig_vf *s, char *error, size_t size)
{
	static const char note[] =
		"; write recording may still be on: vpf_mig_dirty_stop()";
	size_t n;

	if (!s->dirty.started || !s->dirty.stop_failed ||
	    size < sizeof(note))
		return;
	n = strnlen(error, size - 1);
	if (n > size - sizeof(note))
		n = size - sizeof(note);
	memcpy(error + n, note, sizeof(note));
}

/* The record buffer only exists while tracking runs: most VFs never
 * track, and it is the largest part of the per-VF state. */
int
mig_wr_rec_alloc(struct mig_vf *v)
{
	uint32_t max = vpf_admin_max_chunk(v->m->pf) / sizeof(*v->dirty.rec);

	if (v->dirty.rec != NULL)
		return 0;
	if (max > MIG_WR_REC_MAX)
		max = MIG_WR_REC_MAX;
	if (max == 0)
		return mig_vf_fail(v, -EINVAL, "VF %u: max_chunk %u too small for a write record",
				   v->vf, vpf_admin_max_chunk(v->m->pf));
	v->dirty.rec = malloc(max * sizeof(*v->dirty.rec));
	if (v->dirty.rec == NULL)
		return mig_vf_fail(v, -ENOMEM, "out of memory");
	v->dirty.rec_max = max;
	return 0;
}

void
mig_wr_rec_free(struct mig_vf *v)
{
	VPF_FREE(v->dirty.rec);
	v->dirty.rec_max = 0;
}

static int
local_wr_setup(struct mig_vf *v)
{
	struct vpf_admin_wr_start_data *hd;
	struct vpf_admin_wr_range *wr;
	uint64_t dev_ps;
	uint32_t maxr;
	size_t sz;
	int n, i;

	dev_ps = mig_pick_page_size(v->dirty.cap.supported_page_size_bitmap,
				    v->dirty.ps);
	maxr = v->dirty.cap.supported_ranges;
	/* START's data must fit one command buffer. */
	if (maxr > VPF_MIG_RANGES_MAX)
		maxr = VPF_MIG_RANGES_MAX;
	free(v->dirty.ranges);
	v->dirty.ranges = calloc(v->dirty.req_n ? v->dirty.req_n : 1,
			      sizeof(*v->dirty.ranges));
	if (v->dirty.ranges == NULL)
		return mig_vf_fail(v, -ENOMEM, "out of memory");
	n = mig_ranges_normalize(v->dirty.req, v->dirty.req_n, dev_ps, maxr,
				 v->dirty.ranges);
	/* The request is used up (an asynchronous start's copy lives in
	 * start_data, freed below). */
	v->dirty.req = NULL;
	v->dirty.req_n = 0;
	if (n == -ERANGE)
		return mig_vf_fail(v, n,
				   "VF %u: a range reaches above 0x%" PRIx64
				   " (or past 2^64): write recording cannot track the last %"
				   PRIu64 "-byte device page of the address space (a range's end must fit in 64 bits)",
				   v->vf, (uint64_t)0 - dev_ps - 1, dev_ps);
	if (n <= 0)
		return mig_vf_fail(v, n ? n : -EINVAL,
				   "VF %u: no usable range to track", v->vf);
	v->dirty.n = (unsigned int)n;
	v->dirty.dev_ps = dev_ps;
	sz = sizeof(*hd) + (size_t)n * sizeof(*wr);
	free(v->dirty.start_data);
	v->dirty.start_data = calloc(1, sz);
	if (v->dirty.start_data == NULL)
		return mig_vf_fail(v, -ENOMEM, "out of memory");
	hd = (struct vpf_admin_wr_start_data *)v->dirty.start_data;
	hd->page_size = rte_cpu_to_le_64(dev_ps);
	hd->count = rte_cpu_to_le_32((uint32_t)n);
	wr = (struct vpf_admin_wr_range *)(hd + 1);
	for (i = 0; i < n; i++) {
		wr[i].page_address = rte_cpu_to_le_64(v->dirty.ranges[i].addr);
		wr[i].page_count = rte_cpu_to_le_64(v->dirty.ranges[i].pages);
	}
	v->dirty.start_len = (uint32_t)sz;
	if (mig_wr_rec_alloc(v))
		return -ENOMEM;
	if (dev_ps != v->dirty.ps)
		MIG_LOG(INFO, v->m->pf, "VF %u: tracking with %" PRIu64
			"-byte device pages for %" PRIu64 "-byte bitmap pages",
			v->vf, dev_ps, v->dirty.ps);
	return 0;
}

static int
check_wr(struct mig_vf *v)
{
	if (mig_is_v14(v->m))
		/* D-MIG14.5: the dialect has no write recording. */
		return mig_vf_fail(v, -ENOTSUP,
				   "%s: the virtio 1.4 dialect has no device-side dirty tracking; track DMA writes in the IOMMU (IOMMUFD dirty tracking)",
				   vpf_pf_name(v->m->pf));
	if (!v->m->info.has_write_record)
		return mig_vf_fail(v, -ENOTSUP,
				   "dirty tracking unavailable on this device (%s has no write recording)",
				   vpf_pf_name(v->m->pf));
	return 0;
}

int
mig_dirty_start_plan(struct mig_vf *v, const struct vpf_mig_range *r,
		     unsigned int n, uint64_t page_size)
{
	int rc = check_wr(v);

	if (rc)
		return rc;
	if (v->dirty.started)
		return mig_vf_fail(v, -EBUSY, "VF %u: dirty tracking already started%s",
				   v->vf, v->dirty.stop_failed ?
				   " (a STOP of it failed: vpf_mig_dirty_stop() first)" :
				   "");
	if (!pow2(page_size) || page_size < VPF_WR_PAGE_SIZE_BASE)
		return mig_vf_fail(v, -EINVAL,
				   "page size %" PRIu64 " is not a power of two >= 4096",
				   page_size);
	if (r == NULL || n == 0 || n > VPF_MIG_RANGES_MAX)
		return mig_vf_fail(v, -EINVAL, "1..%u ranges needed, got %u",
				   VPF_MIG_RANGES_MAX, n);
	v->dirty.req = r;
	v->dirty.req_n = n;
	v->dirty.ps = page_size;
	v->dirty.ps_shift = (unsigned int)__builtin_ctzll(page_size);
	mig_op_add(v, ACT_WR_CAP, 0, 0, NULL);
	mig_op_add(v, ACT_LOCAL, 0, 0, local_wr_setup);
	return mig_op_add(v, ACT_WR_START, 0, 0, NULL);
}

int
mig_dirty_sync_plan(struct mig_vf *v, uint64_t addr, uint64_t len,
		    uint64_t *bitmap)
{
	int rc = check_wr(v);

	if (rc)
		return rc;
	if (!v->dirty.started)
		return mig_vf_fail(v, -EPERM, "VF %u: dirty tracking not started",
				   v->vf);
	/* The window may end at 2^64 exactly (addr + len wraps to 0): its
	 * last byte, addr + len - 1, is what must fit. */
	if (bitmap == NULL || len == 0 || addr % v->dirty.ps || len % v->dirty.ps ||
	    len - 1 > UINT64_MAX - addr)
		return mig_vf_fail(v, -EINVAL,
				   "sync range 0x%" PRIx64 "+0x%" PRIx64
				   " is not a non-empty multiple of the %" PRIu64
				   "-byte page ending at most at 2^64",
				   addr, len, v->dirty.ps);
	v->dirty.bm = bitmap;
	v->dirty.bm_addr = addr;
	v->dirty.bm_len = len;
	v->dirty.new_bits = 0;
	v->dirty.records = 0;
	return mig_op_add(v, ACT_WR_READ, 0, 0, NULL);
}

int
mig_dirty_stop_plan(struct mig_vf *v)
{
	int rc = check_wr(v);

	if (rc)
		return rc;
	return mig_op_add(v, ACT_WR_STOP, 0, 0, NULL);
}

/* vpf_mig_dirty_start()'s arguments, for its plan. */
struct dirty_start_args {
	const struct vpf_mig_range *ranges;
	unsigned int n;
	uint64_t page_size;
};

static int
plan_dirty_start(struct mig_vf *v, const void *parg)
{
	const struct dirty_start_args *a = parg;

	return mig_dirty_start_plan(v, a->ranges, a->n, a->page_size);
}

int
vpf_mig_dirty_start(struct vpf_mig *m, uint16_t vf,
		    const struct vpf_mig_range *ranges, unsigned int n,
		    uint64_t page_size)
{
	const struct dirty_start_args a = { ranges, n, page_size };

	return mig_run(m, vf, plan_dirty_start, &a, NULL, NULL, true);
}

int
vpf_mig_dirty_sync(struct vpf_mig *m, uint16_t vf, uint64_t addr,
		   uint64_t len, uint64_t *bitmap, uint64_t *pages)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	int rc;

	if (pages)
		*pages = 0;
	if (v == NULL)
		return -EINVAL;
	rc = mig_op_begin(v, NULL, NULL);
	if (rc == 0)
		rc = mig_dirty_sync_plan(v, addr, len, bitmap);
	if (rc)
		return rc;
	mig_op_start(v);
	rc = mig_op_wait(v);
	if (pages)
		*pages = v->dirty.new_bits;
	return rc;
}

static int
plan_dirty_stop(struct mig_vf *v, const void *unused)
{
	(void)unused;
	return mig_dirty_stop_plan(v);
}

int
vpf_mig_dirty_stop(struct vpf_mig *m, uint16_t vf)
{
	return mig_run(m, vf, plan_dirty_stop, NULL, NULL, NULL, true);
}

/*
 * The asynchronous forms. Each runs the plan of its synchronous call; the
 * caller's callback is kept in v->dirty and called by dirty_async_done(),
 * which first sets what the call outputs (sync's *pages). The callback is
 * read out before it is called, so it may start the next operation on the
 * VF.
 */
static void
dirty_async_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct mig_vf *v = arg;
	vpf_mig_done_t done = v->dirty.async_done;
	void *darg = v->dirty.async_arg;

	if (v->dirty.async_pages)
		*v->dirty.async_pages = v->dirty.new_bits;
	v->dirty.async_done = NULL;
	v->dirty.async_arg = NULL;
	v->dirty.async_pages = NULL;
	if (done)
		done(m, vf, rc, darg);
}

/* Begin an asynchronous dirty operation on @p vf. */
static struct mig_vf *
dirty_async_begin(struct vpf_mig *m, uint16_t vf, vpf_mig_done_t done,
		  void *arg, int *rc)
{
	struct mig_vf *v = mig_vf_get(m, vf);

	if (v == NULL) {
		*rc = -EINVAL;
		return NULL;
	}
	*rc = mig_op_begin(v, dirty_async_done, v);
	if (*rc)
		return NULL;
	v->dirty.async_done = done;
	v->dirty.async_arg = arg;
	v->dirty.async_pages = NULL;
	return v;
}

int
vpf_mig_dirty_start_async(struct vpf_mig *m, uint16_t vf,
			  const struct vpf_mig_range *ranges, unsigned int n,
			  uint64_t page_size, vpf_mig_done_t done, void *arg)
{
	struct vpf_mig_range *copy;
	struct mig_vf *v;
	int rc;

	v = dirty_async_begin(m, vf, done, arg, &rc);
	if (v == NULL)
		return rc;
	rc = mig_dirty_start_plan(v, ranges, n, page_size);
	if (rc)
		return rc;
	/* The ranges are read when CAP_QUERY has answered: copy them now.
	 * The copy lives where START's data will (freed by local_wr_setup()
	 * once read, or at detach); nothing else uses start_data while
	 * recording is not started. */
	copy = malloc((size_t)n * sizeof(*copy));
	if (copy == NULL)
		return mig_vf_fail(v, -ENOMEM, "out of memory");
	memcpy(copy, ranges, (size_t)n * sizeof(*copy));
	free(v->dirty.start_data);
	v->dirty.start_data = (uint8_t *)copy;
	v->dirty.start_len = 0;
	v->dirty.req = copy;
	mig_op_start(v);
	return 0;
}

int
vpf_mig_dirty_sync_async(struct vpf_mig *m, uint16_t vf, uint64_t addr,
			 uint64_t len, uint64_t *bitmap, uint64_t *pages,
			 vpf_mig_done_t done, void *arg)
{
	struct mig_vf *v;
	int rc;

	if (pages)
		*pages = 0;
	v = dirty_async_begin(m, vf, done, arg, &rc);
	if (v == NULL)
		return rc;
	rc = mig_dirty_sync_plan(v, addr, len, bitmap);
	if (rc)
		return rc;
	v->dirty.async_pages = pages;
	mig_op_start(v);
	return 0;
}

int
vpf_mig_dirty_stop_async(struct vpf_mig *m, uint16_t vf, vpf_mig_done_t done,
			 void *arg)
{
	struct mig_vf *v;
	int rc;

	v = dirty_async_begin(m, vf, done, arg, &rc);
	if (v == NULL)
		return rc;
	rc = mig_dirty_stop_plan(v);
	if (rc)
		return rc;
	mig_op_start(v);
	return 0;
}
