/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/* Placeholder: being written. */

#include "bench.h"

int
bench_twoproc(void)
{
	bench_skip("downtime_64vf_2proc_us", "not written yet");
	return 0;
}
