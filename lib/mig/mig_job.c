/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The public job calls (include/vpf_mig_job.h): checks, then dispatch to
 * the job's kind (lib/mig/mig_job.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mig_job.h"
#include "mig_vf.h"

int
vpf_mig_job_poll(struct vpf_mig_job *job, unsigned int budget)
{
	if (job == NULL || job->done)
		return 0;
	return job->ops->poll(job, budget ? budget : VPF_MIG_BUDGET_DEFAULT);
}

bool
vpf_mig_job_done(const struct vpf_mig_job *job)
{
	return job == NULL || job->done;
}

enum vpf_mig_phase
vpf_mig_job_phase(const struct vpf_mig_job *job)
{
	return job == NULL || job->done ? VPF_MIG_PHASE_DONE : job->phase;
}

void
vpf_mig_job_cancel(struct vpf_mig_job *job)
{
	if (job == NULL || job->done || job->cancel_req)
		return;
	job->cancel_req = true;
	job->ops->cancel(job);
}

int
vpf_mig_job_finish(struct vpf_mig_job *job, struct vpf_mig_result *res)
{
	int rc;

	if (job == NULL)
		return vpf_error(-EINVAL, "vpf_mig_job_finish: no job");
	if (!job->done) {
		/* Cancelling takes bounded time: every command in flight has
		 * a deadline, and nothing new starts once cancelled. */
		vpf_mig_job_cancel(job);
		while (!job->done)
			job->ops->poll(job, VPF_MIG_BUDGET_DEFAULT);
	}
	rc = job->ops->result(job, res);
	job->ops->destroy(job);
	return rc;
}

/* The model's default guest memory: what "no ranges" tracks. */
static const struct vpf_mig_range default_range = {
	.addr = 0,
	.len = UINT64_C(1) << 30,
};

int
mig_job_check_opts(const struct vpf_mig_opts *o, struct mig_job_span *sp)
{
	uint64_t ps = o->page_size;
	unsigned int bad;
	int rc;

	sp->ranges = o->nranges ? o->ranges : &default_range;
	sp->nranges = o->nranges ? o->nranges : 1;
	sp->bm_addr = sp->bm_len = 0;
	if (o->chunk % 8)
		return vpf_error(-EINVAL, "chunk %u is not a multiple of 8 bytes",
				 o->chunk);
	if (!o->dirty)
		return 0;
	if (ps < 4096 || (ps & (ps - 1)))
		return vpf_error(-EINVAL, "page size %" PRIu64
				 " is not a power of two >= 4096", ps);
	rc = mig_bitmap_span(sp->ranges, sp->nranges, ps, &sp->bm_addr,
			     &sp->bm_len, &bad);
	if (rc == -ERANGE)
		return vpf_error(rc, "dirty ranges span the whole 64-bit address space: no bitmap length covers them");
	if (rc)
		return vpf_error(rc, "bad dirty range %u", bad);
	return 0;
}

int
mig_job_bitmap(uint64_t *given, uint64_t bm_len, uint64_t page_size,
	       uint64_t **bm, bool *own)
{
	size_t words = vpf_mig_bitmap_words(bm_len, page_size);

	*own = false;
	if (given != NULL) {
		*bm = given;
		memset(given, 0, words * sizeof(uint64_t));
		return 0;
	}
	*bm = calloc(words ? words : 1, sizeof(uint64_t));
	if (*bm == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	*own = true;
	return 0;
}

int
mig_dirty_unavailable(const struct vpf_mig *m)
{
	if (m->info.dialect == VPF_DIALECT_V14_PARTS)
		return vpf_error(-ENOTSUP,
				 "dirty tracking unavailable on %s: the virtio 1.4 dialect has no device-side dirty-page tracking; track the device's DMA writes in the IOMMU (IOMMUFD dirty tracking)",
				 vpf_pf_name(m->pf));
	return vpf_error(-ENOTSUP,
			 "dirty tracking unavailable on this device (%s has no write recording)",
			 vpf_pf_name(m->pf));
}

/* The 1.4 device-parts objects the pairs need on @p m, counting @p sides. */
static void
objects_needed(const struct vpf_mig_pair *pairs, unsigned int n,
	       unsigned int sides, const struct vpf_mig *m, uint32_t *get,
	       uint32_t *set)
{
	unsigned int j;

	*get = *set = 0;
	for (j = 0; j < n; j++) {
		if ((sides & MIG_SIDE_SRC) && pairs[j].src == m)
			(*get)++;
		if ((sides & MIG_SIDE_DST) && pairs[j].dst == m) {
			(*get)++;
			(*set)++;
		}
	}
}

int
mig_job_objects_check(const struct vpf_mig_pair *pairs, unsigned int n,
		      unsigned int sides)
{
	unsigned int i, k;

	for (i = 0; i < 2 * n; i++) {
		const struct vpf_mig *m = i < n ? pairs[i].src :
					  pairs[i - n].dst;
		bool first = true;
		struct vpf_pf_info in;
		uint32_t get, set;

		if (!(sides & (i < n ? MIG_SIDE_SRC : MIG_SIDE_DST)) ||
		    m == NULL || !mig_is_v14(m))
			continue;
		/* each PF once, where it first appears */
		for (k = 0; k < i && first; k++)
			if (sides & (k < n ? MIG_SIDE_SRC : MIG_SIDE_DST))
				first = (k < n ? pairs[k].src :
					 pairs[k - n].dst) != m;
		if (!first || vpf_pf_info_get(m->pf, &in) != 0)
			continue;
		objects_needed(pairs, n, sides, m, &get, &set);
		if (get + in.parts_get_in_use > in.parts_get_limit ||
		    set + in.parts_set_in_use > in.parts_set_limit)
			return vpf_error(-ENOSPC,
					 "%s: these %u pairs need %u GET and %u SET device-parts objects at once; %d and %d are free (limits %u and %u): migrate fewer VFs per job, or raise the PF's limits",
					 vpf_pf_name(m->pf), n, get, set,
					 (int)in.parts_get_limit - in.parts_get_in_use,
					 (int)in.parts_set_limit - in.parts_set_in_use,
					 in.parts_get_limit, in.parts_set_limit);
	}
	return 0;
}
