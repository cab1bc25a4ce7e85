/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/* Placeholder: being written. */

#include "bench.h"

int
bench_job(void)
{
	bench_skip("poll_p99_us", "not written yet");
	return 0;
}
