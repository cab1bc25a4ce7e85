/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Teardown helpers shared by the library and the drivers.
 *
 * Internal header (not installed): include it as "common/vpf_mem.h"
 * (lib/meson.build: vpf_internal_dep).
 */

#ifndef VPF_MEM_H
#define VPF_MEM_H

#include <stdlib.h>

/** free() the object @p p points to and set @p p to NULL, in one step:
 *  teardowns that may run twice (a destroy after a failed create, a
 *  re-initialisation) then never free or use a pointer again. */
#define VPF_FREE(p) \
	do { \
		free(p); \
		(p) = NULL; \
	} while (0)

#endif /* VPF_MEM_H */
