/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The per-PF journal (being written: for now only the in-memory mark).
 */

#include "mig_journal.h"

int
mig_vf_mark_complete(struct mig_vf *v)
{
	v->complete = true;
	return 0;
}

void
mig_vf_clear_complete(struct mig_vf *v)
{
	v->complete = false;
}
