/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_JOB_H
#define VPF_MIG_JOB_H

/**
 * @file
 * vpf: migration jobs. A job migrates N VFs; the caller starts it, drives
 * it from its own loop with vpf_mig_job_poll() (each call does a bounded
 * amount of work, like rte_eth_rx_burst() with its nb_pkts), and may cancel
 * it at any time. vpf_mig_migrate() is a blocking wrapper over a job.
 *
 * A job started with vpf_mig_job_start() runs the source and the
 * destination of every pair in this process; a job started with
 * vpf_mig_job_start_source() or vpf_mig_job_start_dest()
 * (vpf_mig_xport.h) runs one half and exchanges bytes with the other half
 * through a transport. All kinds are polled, cancelled and finished with
 * the calls below.
 *
 * Work units (the budget of vpf_mig_job_poll()), for a job started with
 * vpf_mig_job_start():
 * - one admin completion handled: a command read from a PF's used ring
 *   (vpf_admin_poll_burst()), with its callbacks: the VF's next command,
 *   and when it ends an operation, the pair's next step;
 * - one pair started in a phase (its first operations submitted);
 * - one transfer piece: at most 64 KiB (vpf_mig_opts::stream_chunk when
 *   smaller) of a save stream moved into the destination's parser;
 * - one step of a VF's stream buffer prefault after its pre-flight (a
 *   buffer's growth or one page of it), which ends the poll: the rest of
 *   the budget counts as used (a page fault costs microseconds in a VM);
 * - one journal write marking the sources activated since the last one
 *   complete (one write per source PF).
 * Phase changes and the progress callback cost no unit (one per phase).
 * A queue recovery (a command timed out) fails every command on the
 * queue inside one poll, whatever the budget.
 *
 * Threading rules (doc/migration.md, "Embedding: jobs"):
 * - a job is driven by one thread at a time, the thread that owns its PFs
 *   (struct vpf_pf has one owner thread);
 * - the progress callback (vpf_mig_opts::progress) and the cancel hook run
 *   inside vpf_mig_job_poll(); they must not poll, finish or free the job
 *   (vpf_mig_job_cancel() is allowed);
 * - while a job runs, its VFs belong to it: any other migration-layer
 *   call on one of them returns -EBUSY, also between the job's operations;
 *   calls on other VFs of the same PF (synchronous or asynchronous) are
 *   allowed from the same thread, and the job's polls complete their
 *   asynchronous operations too (vpf_mig_poll() of the same PF advances
 *   the job's commands as well);
 * - a completion callback of a per-VF asynchronous operation may start the
 *   next asynchronous operation on that VF;
 * - finish every job before vpf_mig_detach() of its PFs;
 * - nothing here needs EAL: no lcore, mempool or rte_malloc is used.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vpf_common.h"
#include "vpf_mig.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vpf_mig_job;

/** Work units one vpf_mig_job_poll() does when the caller passes 0 (the
 *  units are listed at the top of this file). */
#define VPF_MIG_BUDGET_DEFAULT	16

/**
 * Start migrating @p n pairs in this process: the options and pairs of
 * vpf_mig_migrate(). Everything vpf_mig_migrate() checks before it sends
 * a command is checked here (nothing is sent on a refusal). The job copies
 * @p o; @p pairs (and o->ranges) must stay valid until
 * vpf_mig_job_finish(), which writes the results into them.
 * @param job receives the job.
 * @return 0, or a negative errno (-EINVAL, -EBUSY, -EPERM, -ENOTSUP,
 *   -ERANGE, -ENOMEM) with vpf_last_error().
 */
VPF_API int vpf_mig_job_start(const struct vpf_mig_opts *o,
			      struct vpf_mig_pair *pairs, unsigned int n,
			      struct vpf_mig_job **job);

/**
 * Drive a job: poll its PFs' admin queues and advance its pairs, doing at
 * most @p budget work units (0: VPF_MIG_BUDGET_DEFAULT). A work unit is
 * one admin completion handled or one transport transfer, as listed at the
 * top of this file (doc/migration.md, "Embedding: jobs"). Never blocks
 * (except for a journal write's fsync).
 * @return the work units done (0 .. budget); a finished job returns 0.
 */
VPF_API int vpf_mig_job_poll(struct vpf_mig_job *job, unsigned int budget);

/** Whether the job has finished (successfully or not): its results are
 *  final and vpf_mig_job_finish() will not poll. */
VPF_API bool vpf_mig_job_done(const struct vpf_mig_job *job);

/** The phase the job is in (VPF_MIG_PHASE_DONE once finished). */
VPF_API enum vpf_mig_phase vpf_mig_job_phase(const struct vpf_mig_job *job);

/**
 * Ask the job to stop: as vpf_mig_opts::cancel returning true. Returns at
 * once; the job finishes through further vpf_mig_job_poll() calls (sources
 * back to running, destinations with nothing applied; a pair whose
 * destination is already being activated completes). Idempotent.
 */
VPF_API void vpf_mig_job_cancel(struct vpf_mig_job *job);

/**
 * Collect a job's results and free it. A job not yet done is cancelled and
 * polled until done first (bounded by the PFs' command timeouts).
 * @param res filled (may be NULL), as by vpf_mig_migrate().
 * @return what vpf_mig_migrate() would have returned. NULL is -EINVAL.
 */
VPF_API int vpf_mig_job_finish(struct vpf_mig_job *job,
			       struct vpf_mig_result *res);

#ifdef __cplusplus
}
#endif

#endif /* VPF_MIG_JOB_H */
