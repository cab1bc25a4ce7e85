/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * parts_parse_vs_memcpy: validate and iterate a virtio 1.4 parts set
 * (vpf_parts_iter_*) beside memcpy of the same bytes. Written next.
 */

#include "bench.h"

int
bench_parts(void)
{
	bench_skip("parts_parse_gbps", "not written yet");
	bench_skip("parts_parse_vs_memcpy", "not written yet");
	bench_skip("parts_parse_ns_per_part", "not written yet");
	return 0;
}
