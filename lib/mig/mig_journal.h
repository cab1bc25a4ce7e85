/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_JOURNAL_H
#define VPF_MIG_JOURNAL_H

/*
 * The per-PF journal of VFs whose migration completed (mig_journal.c).
 * Internal. Every place that marks a source complete, or takes the mark
 * back, goes through these two calls, so that the journal on disk never
 * disagrees with what the library believes.
 */

#include "mig_vf.h"

/* @p v migrated away: the destination runs the guest. Sets v->complete and
 * records it durably before returning. @return 0 or a negative errno
 * (with v->err / vpf_last_error()); on failure v->complete is still set
 * (this process will not resume it) but a restarted owner may not know. */
int mig_vf_mark_complete(struct mig_vf *v);

/* @p v runs here again (RUNNING, abort, recover): the mark and its journal
 * entry are dropped. Failures are logged. */
void mig_vf_clear_complete(struct mig_vf *v);

#endif /* VPF_MIG_JOURNAL_H */
