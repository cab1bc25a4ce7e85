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

#endif /* VPF_MIG_JOB_INTERNAL_H */
