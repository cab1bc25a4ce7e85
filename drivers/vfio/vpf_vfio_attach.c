/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/* Open + attach in one call. A file of its own so that programs using only
 * discovery or the ops table do not pull in the whole driver core. */

#include <errno.h>

#include "vfio_internal.h"

struct vpf_pf *
vpf_vfio_pf_attach(const char *bdf, const struct vpf_vfio_params *vp,
		   const struct vpf_pf_params *pp, struct vpf_vfio_dev **devp)
{
	struct vpf_vfio_dev *d;
	struct vpf_pf *pf;
	int e;

	d = vpf_vfio_open(bdf, vp);
	if (d == NULL)
		return NULL;
	pf = vpf_pf_attach(&vpf_vfio_ops, d, pp);
	if (pf == NULL) {
		e = errno;
		vpf_vfio_close(d);
		errno = e;
		return NULL;
	}
	*devp = d;
	return pf;
}
