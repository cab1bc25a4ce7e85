/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#include <errno.h>
#include <stdlib.h>

#include "vpf_admin.h"

#include "bench.h"

int
bench_submit(struct vpf_pf *pf, struct vpf_admin_cmd *cmd)
{
	int rc;

	while ((rc = vpf_admin_submit(pf, cmd)) == -EBUSY)
		if (vpf_admin_poll(pf) < 0)
			break;
	return rc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}
