/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The VFIO migration v2 states on the device modes (doc/protocol.md §7.1,
 * §7.2): names, the arc table, the path walk and the state-to-mode
 * mapping. Pure: no device, no per-VF state.
 */

#include <errno.h>
#include <strings.h>

#include "mig_vf.h"

/*
 * Next state on the way from [cur] to [target]: Linux vfio_main.c
 * vfio_from_fsm_table (P2P and PRE_COPY supported): doc/protocol.md §7.1,
 * D-7.1, D-MIG.1.
 */
static const uint8_t next_state[VPF_MIG_STATE_MAX][VPF_MIG_STATE_MAX] = {
	[S_STOP] = {
		[S_STOP] = S_STOP, [S_RUN] = S_P2P, [S_PC] = S_P2P,
		[S_PCP] = S_P2P, [S_SC] = S_SC, [S_RES] = S_RES,
		[S_P2P] = S_P2P, [S_ERR] = S_ERR,
	},
	[S_RUN] = {
		[S_STOP] = S_P2P, [S_RUN] = S_RUN, [S_PC] = S_PC,
		[S_PCP] = S_P2P, [S_SC] = S_P2P, [S_RES] = S_P2P,
		[S_P2P] = S_P2P, [S_ERR] = S_ERR,
	},
	[S_PC] = {
		[S_STOP] = S_RUN, [S_RUN] = S_RUN, [S_PC] = S_PC,
		[S_PCP] = S_PCP, [S_SC] = S_PCP, [S_RES] = S_RUN,
		[S_P2P] = S_RUN, [S_ERR] = S_ERR,
	},
	[S_PCP] = {
		[S_STOP] = S_P2P, [S_RUN] = S_P2P, [S_PC] = S_PC,
		[S_PCP] = S_PCP, [S_SC] = S_SC, [S_RES] = S_P2P,
		[S_P2P] = S_P2P, [S_ERR] = S_ERR,
	},
	[S_SC] = {
		[S_STOP] = S_STOP, [S_RUN] = S_STOP, [S_PC] = S_STOP,
		[S_PCP] = S_STOP, [S_SC] = S_SC, [S_RES] = S_STOP,
		[S_P2P] = S_STOP, [S_ERR] = S_ERR,
	},
	[S_RES] = {
		[S_STOP] = S_STOP, [S_RUN] = S_STOP, [S_PC] = S_STOP,
		[S_PCP] = S_STOP, [S_SC] = S_STOP, [S_RES] = S_RES,
		[S_P2P] = S_STOP, [S_ERR] = S_ERR,
	},
	[S_P2P] = {
		[S_STOP] = S_STOP, [S_RUN] = S_RUN, [S_PC] = S_RUN,
		[S_PCP] = S_PCP, [S_SC] = S_STOP, [S_RES] = S_STOP,
		[S_P2P] = S_P2P, [S_ERR] = S_ERR,
	},
	[S_ERR] = {
		[S_STOP] = S_ERR, [S_RUN] = S_ERR, [S_PC] = S_ERR,
		[S_PCP] = S_ERR, [S_SC] = S_ERR, [S_RES] = S_ERR,
		[S_P2P] = S_ERR, [S_ERR] = S_ERR,
	},
};

static const char *const state_names[VPF_MIG_STATE_MAX] = {
	[S_ERR] = "ERROR", [S_STOP] = "STOP", [S_RUN] = "RUNNING",
	[S_SC] = "STOP_COPY", [S_RES] = "RESUMING", [S_P2P] = "RUNNING_P2P",
	[S_PC] = "PRE_COPY", [S_PCP] = "PRE_COPY_P2P",
};

bool
mig_state_ok(enum vpf_mig_state s)
{
	return (unsigned int)s < VPF_MIG_STATE_MAX;
}

const char *
vpf_mig_state_name(enum vpf_mig_state s)
{
	return mig_state_ok(s) ? state_names[s] : "INVALID";
}

int
vpf_mig_state_parse(const char *name, enum vpf_mig_state *s)
{
	unsigned int i;

	if (name == NULL || s == NULL)
		return vpf_error(-EINVAL, "no state name");
	for (i = 0; i < VPF_MIG_STATE_MAX; i++) {
		if (strcasecmp(name, state_names[i]) == 0) {
			*s = (enum vpf_mig_state)i;
			return 0;
		}
	}
	return vpf_error(-EINVAL, "unknown migration state '%s'", name);
}

uint8_t
vpf_mig_state_mode(enum vpf_mig_state s)
{
	switch (s) {
	case S_RUN:
	case S_PC:
		return VPF_DEV_MODE_ACTIVE;
	case S_P2P:
	case S_PCP:
		return VPF_DEV_MODE_STOP;
	case S_STOP:
	case S_SC:
	case S_RES:
		return VPF_DEV_MODE_FREEZE;
	default:
		return MIG_MODE_UNKNOWN;
	}
}

enum vpf_mig_state
mig_plain_state(uint8_t mode)
{
	switch (mode) {
	case VPF_DEV_MODE_ACTIVE:
		return S_RUN;
	case VPF_DEV_MODE_STOP:
		return S_P2P;
	case VPF_DEV_MODE_FREEZE:
		return S_STOP;
	default:
		return S_ERR;
	}
}

bool
mig_is_save(enum vpf_mig_state s)
{
	return s == S_PC || s == S_PCP || s == S_SC;
}

bool
vpf_mig_arc_valid(enum vpf_mig_state from, enum vpf_mig_state to)
{
	if (!mig_state_ok(from) || !mig_state_ok(to) || from == to ||
	    from == S_ERR || to == S_ERR)
		return false;
	return next_state[from][to] == to;
}

int
vpf_mig_path(enum vpf_mig_state from, enum vpf_mig_state to,
	     enum vpf_mig_state *path, unsigned int max)
{
	enum vpf_mig_state cur = from;
	unsigned int n = 0;

	if (!mig_state_ok(from) || !mig_state_ok(to))
		return vpf_error(-EPERM, "migration state %d or %d does not exist",
				 (int)from, (int)to);
	if (from == S_ERR)
		return vpf_error(-EPERM, "a VF in ERROR leaves it only by reset");
	if (to == S_ERR)
		return vpf_error(-EPERM, "ERROR cannot be requested");
	while (cur != to) {
		cur = (enum vpf_mig_state)next_state[cur][to];
		if (cur == S_ERR || n >= VPF_MIG_PATH_MAX)
			return vpf_error(-EPERM, "no VFIO arc from %s to %s",
					 vpf_mig_state_name(from),
					 vpf_mig_state_name(to));
		if (n >= max)
			return vpf_error(-ENOSPC, "path from %s to %s longer than %u",
					 vpf_mig_state_name(from),
					 vpf_mig_state_name(to), max);
		if (path)
			path[n] = cur;
		n++;
	}
	return (int)n;
}
