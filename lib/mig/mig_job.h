/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_JOB_INTERNAL_H
#define VPF_MIG_JOB_INTERNAL_H

/*
 * The kinds of job behind struct vpf_mig_job (include/vpf_mig_job.h).
 * Internal. Each kind embeds struct vpf_mig_job as its first member and
 * fills in ops:
 *   mig_driver.c    both halves in this process (vpf_mig_job_start)
 *   mig_half_src.c  the source half over a transport
 *   mig_half_dst.c  the destination half over a transport
 * mig_job.c holds the public calls, which dispatch through ops.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vpf_mig_job.h"

struct mig_job_ops {
	/* Advance by at most @p budget work units (> 0); sets job->done
	 * when finished. @return the work units done. */
	int (*poll)(struct vpf_mig_job *job, unsigned int budget);
	/* Start cancelling (job->cancel_req is already set). */
	void (*cancel)(struct vpf_mig_job *job);
	/* The finished job's results into @p res (may be NULL).
	 * @return what vpf_mig_migrate() returns. */
	int (*result)(struct vpf_mig_job *job, struct vpf_mig_result *res);
	/* Free the job (done or never started). */
	void (*destroy)(struct vpf_mig_job *job);
};

struct vpf_mig_job {
	const struct mig_job_ops *ops;
	bool done;
	bool cancel_req;
	enum vpf_mig_phase phase;
};

/* The dirty ranges of a job's options and the span of its bitmaps. */
struct mig_job_span {
	const struct vpf_mig_range *ranges;	/* o->ranges, or 1 GiB at 0 */
	unsigned int nranges;
	uint64_t bm_addr;
	uint64_t bm_len;
};

/* The options that hold for every pair of a job (both kinds check them
 * before anything is sent): chunk, page size and the span of the dirty
 * bitmap over the tracked ranges (D-MIG.9). @return 0 or a negative errno
 * with vpf_last_error(). */
int mig_job_check_opts(const struct vpf_mig_opts *o, struct mig_job_span *sp);

/* Which PFs of each pair mig_job_objects_check() counts. */
#define MIG_SIDE_SRC	1u
#define MIG_SIDE_DST	2u

/* Whether the @p n pairs fit the free device-parts objects of their 1.4
 * PFs, counting the pairs' @p sides (MIG_SIDE_*): a GET object per pair
 * read on a PF (its pre-flight and saves; a destination's own parts),
 * a SET object per destination (all of RESUMING). Pairs with a NULL
 * handle are left to the job's own checks. @return 0, or -ENOSPC with a
 * sentence naming the PF, what the job needs and what is free
 * (D-MIG14.21). */
int mig_job_objects_check(const struct vpf_mig_pair *pairs, unsigned int n,
			  unsigned int sides);

/* A job asked for dirty tracking on source @p m, which cannot do it:
 * -ENOTSUP with the sentence saying why (a 1.4 PF: the IOMMU's job; a
 * draft PF without write recording). */
int mig_dirty_unavailable(const struct vpf_mig *m);

/* A pair's dirty bitmap over @p bm_len bytes in @p page_size pages: the
 * caller's @p given one cleared, or (NULL) one allocated here (*@p own).
 * @return 0 or -ENOMEM. */
int mig_job_bitmap(uint64_t *given, uint64_t bm_len, uint64_t page_size,
		   uint64_t **bm, bool *own);

#endif /* VPF_MIG_JOB_INTERNAL_H */
