/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Benchmarks whose library is not in this build: they say so instead of
 * printing anything.
 */

#include "bench.h"

#ifndef VPF_BENCH_HAVE_MODEL
static const char no_model[] = "the software model (drivers/model) is not built";

int
bench_cmd(void)
{
	bench_skip("cmd_rate_qd1", no_model);
	bench_skip("cmd_rate_qd32", no_model);
	bench_skip("driver_ns_per_cmd", no_model);
	return 0;
}

int
bench_mem(void)
{
	bench_skip("mem_per_vf_bytes", no_model);
	bench_skip("mem_per_pf_bytes", no_model);
	return 0;
}

int
bench_stream(void)
{
	bench_skip("stream_validate_gbps", no_model);
	return 0;
}

int
bench_stopcopy(void)
{
	static const char *const why = no_model;

	bench_skip("stopcopy_64vf_serial_ms", why);
	bench_skip("stopcopy_64vf_pipelined_ms", why);
	bench_skip("stopcopy_speedup", why);
	bench_skip("stopcopy_bound_ms", why);
	return 0;
}

int
bench_downtime(void)
{
	static const char *const why = no_model;

	bench_skip("downtime_1vf_us", why);
	bench_skip("downtime_1vf_noprecopy_us", why);
	bench_skip("downtime_64vf_us", why);
	bench_skip("downtime_64vf_serial_us", why);
	bench_skip("downtime_64vf_bound_us", why);
	return 0;
}

int
bench_wr(void)
{
	bench_skip("wr_merge_mrec_s", no_model);
	return 0;
}
#endif
