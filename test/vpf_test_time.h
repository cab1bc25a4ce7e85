/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Monotonic time for tests that bound a wait or pace a fake device, and
 * a thread's CPU time for tests that bound the work of a call.
 */

#ifndef VPF_TEST_TIME_H
#define VPF_TEST_TIME_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in microseconds. */
static inline uint64_t
vpf_test_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* CPU time of the calling thread in microseconds: what a call spent
 * working, not the time another thread or process had the CPU. */
static inline uint64_t
vpf_test_thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Sleep until vpf_test_now_us() reaches @p t (at once if it has). */
static inline void
vpf_test_sleep_until_us(uint64_t t)
{
	uint64_t now = vpf_test_now_us();
	struct timespec ts;

	if (t <= now)
		return;
	ts.tv_sec = (time_t)((t - now) / 1000000u);
	ts.tv_nsec = (long)((t - now) % 1000000u) * 1000;
	nanosleep(&ts, NULL);
}

#endif /* VPF_TEST_TIME_H */
