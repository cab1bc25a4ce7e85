/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * wr_merge_mrec_s: device write records merged into a dirty bitmap, in
 * millions of records per second of the driver's own time.
 *
 * A synchronous model VF (1 GiB of guest memory, 4 KiB pages) records its
 * guest's writes (vpf_mig_dirty_start); the simulated guest dirties pages;
 * vpf_mig_dirty_sync() reads the records (DEV_WRITE_RECORDS_READ, as many
 * as fit in one result buffer per command, until drained) and merges them
 * into the bitmap. As for driver_ns_per_cmd, the backend is instrumented
 * (bench_ops.c): the time inside the model (which walks its page table to
 * produce the records) is subtracted, what is left is the driver's: the
 * command round trips and the merge. wr_merge_admin_mrec_s is the same for
 * the admin layer's vpf_admin_wr_read(), wr_read_mrec_s the end-to-end rate
 * of vpf_mig_dirty_sync() with the model's time included.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpf_mig.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

#define GUEST_MEM	(UINT64_C(1) << 30)
#define PAGE		4096u

struct wrig {
	struct bench_rig rig;
	struct vpf_mig *mig;
	uint64_t *bitmap;
	size_t words;
	uint32_t ops;		/* guest ops per dirtying round */
};

static int
wrig_up(struct wrig *r)
{
	struct vpf_mig_params gp;
	struct vpf_mig_range range = { .addr = 0, .len = GUEST_MEM };

	memset(r, 0, sizeof(*r));
	if (bench_rig_up(&r->rig, "wr", 1, GUEST_MEM) != 0)
		return -1;
	vpf_mig_params_init(&gp);
	r->mig = vpf_mig_attach(r->rig.pf, &gp);
	if (r->mig == NULL) {
		fprintf(stderr, "vpf-bench: vpf_mig_attach: %s\n",
			vpf_last_error());
		return -1;
	}
	r->words = vpf_mig_bitmap_words(GUEST_MEM, PAGE);
	r->bitmap = calloc(r->words, sizeof(uint64_t));
	if (r->bitmap == NULL)
		return -1;
	if (vpf_mig_dirty_start(r->mig, 1, &range, 1, PAGE) != 0) {
		fprintf(stderr, "vpf-bench: dirty start: %s\n",
			vpf_last_error());
		return -1;
	}
	r->ops = 4096;
	return 0;
}

static void
wrig_down(struct wrig *r)
{
	if (r->mig != NULL)
		(void)vpf_mig_dirty_stop(r->mig, 1);
	vpf_mig_detach(r->mig);
	bench_rig_down(&r->rig);
	free(r->bitmap);
}

/* One round: the guest dirties pages, then one drain of the records.
 * Adds records, wall ns and backend ns. */
static int
wr_round(struct wrig *r, bool admin, uint64_t *recs, uint64_t *wall,
	 uint64_t *inside)
{
	uint64_t t0, t1, n = 0, in0;
	int rc;

	if (vpf_model_guest_step(r->rig.m, 1, r->ops) != 0) {
		fprintf(stderr, "vpf-bench: guest step: %s\n",
			vpf_last_error());
		return -1;
	}
	memset(r->bitmap, 0, r->words * sizeof(uint64_t));
	r->rig.be.timed = true;
	in0 = r->rig.be.ns_inside;
	t0 = bench_now_ns();
	if (admin)
		rc = vpf_admin_wr_read(r->rig.pf, 1, 0, GUEST_MEM, PAGE,
				       r->bitmap, &n);
	else
		rc = vpf_mig_dirty_sync(r->mig, 1, 0, GUEST_MEM, r->bitmap,
					&n);
	t1 = bench_now_ns();
	r->rig.be.timed = false;
	if (rc != 0) {
		fprintf(stderr, "vpf-bench: %s: %s\n", admin ?
			"vpf_admin_wr_read" : "vpf_mig_dirty_sync",
			vpf_last_error());
		return -1;
	}
	/* Records and newly set bits agree here: the bitmap was cleared
	 * and a drain returns each dirty page once. */
	*recs += n;
	*wall += t1 - t0;
	*inside += r->rig.be.ns_inside - in0;
	return 0;
}

int
bench_wr(void)
{
	uint64_t target = bench_opts.quick ? 300000 : 1000000;
	unsigned int reps = bench_opts.reps;
	double *mig = calloc(reps, sizeof(double));
	double *adm = calloc(reps, sizeof(double));
	double *e2e = calloc(reps, sizeof(double));
	uint64_t per_round = 0;
	struct wrig r;
	int ret = -1;

	if (mig == NULL || adm == NULL || e2e == NULL)
		goto out_free;
	if (wrig_up(&r) != 0)
		goto out;
	/* Size the guest's rounds so that one drain carries ~100k records
	 * (most of the 262144 pages stay clean in between). */
	for (int i = 0; i < 12; i++) {
		uint64_t recs = 0, wall = 0, in = 0;

		if (wr_round(&r, false, &recs, &wall, &in) != 0)
			goto out;
		per_round = recs;
		if (recs >= 100000 || r.ops >= (1u << 26))
			break;
		{
			uint64_t next = recs ? (uint64_t)r.ops * 100000 / recs + 1 :
				(uint64_t)r.ops * 8;

			r.ops = (uint32_t)(next < (1u << 26) ? next : (1u << 26));
		}
	}
	if (per_round == 0) {
		fprintf(stderr, "vpf-bench: the guest dirtied no page\n");
		bench_skip("wr_merge_mrec_s", "the model's guest writes no page");
		ret = 0;
		goto out;
	}
	for (unsigned int i = 0; i < reps; i++) {
		uint64_t rm = 0, wm = 0, im = 0, ra = 0, wa = 0, ia = 0;

		while (rm < target || ra < target) {
			if (wr_round(&r, false, &rm, &wm, &im) != 0 ||
			    wr_round(&r, true, &ra, &wa, &ia) != 0)
				goto out;
		}
		mig[i] = (double)rm / (double)(wm - im) * 1e3;
		adm[i] = (double)ra / (double)(wa - ia) * 1e3;
		e2e[i] = (double)rm / (double)wm * 1e3;
		if (bench_opts.verbose)
			fprintf(stderr, "# wr rep %u: mig %.1f admin %.1f "
				"end-to-end %.1f Mrec/s\n", i, mig[i], adm[i],
				e2e[i]);
	}
	bench_metric_samples("wr_merge_mrec_s", mig, reps);
	bench_metric_samples("wr_merge_admin_mrec_s", adm, reps);
	bench_metric_samples("wr_read_mrec_s", e2e, reps);
	bench_note("wr: about %" PRIu64 " records per drain, %u guest ops "
		   "per round", per_round, r.ops);
	ret = 0;
out:
	wrig_down(&r);
out_free:
	free(mig);
	free(adm);
	free(e2e);
	return ret;
}
