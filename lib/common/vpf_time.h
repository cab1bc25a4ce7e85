/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Wall-clock-free time for every module: CLOCK_MONOTONIC in nanoseconds.
 * lib/pf and lib/admin (timeouts, clock calibration), lib/mig (downtime
 * and phase timings) and drivers/model (due times, fault windows) all
 * read time this one way.
 *
 * Internal header (not installed): include it as "common/vpf_time.h"
 * (lib/meson.build: vpf_internal_dep).
 */

#ifndef VPF_TIME_H
#define VPF_TIME_H

#include <stdint.h>
#include <time.h>

/** Monotonic time in ns (vDSO, no system call). Slow path only: on
 *  kvm-clock it costs ~100 ns; the admin fast path counts TSC ticks
 *  (lib/pf/pf_internal.h). */
static inline uint64_t
vpf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* VPF_TIME_H */
