/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * CPU placement of the groups that time migrations against the timing
 * model, stopcopy and downtime (D-PERF.7): the polling driver (this
 * thread) on one CPU, the timed models' device threads on the others, as
 * a DPDK application gives its polling lcore a CPU of its own.
 *
 * Without it, a device thread that a doorbell wakes while the other CPU is
 * busy (the second model's device thread, a kernel worker) is queued by the
 * kernel's wake-affine placement on the waker's CPU, behind the driver that
 * polls there, until the next scheduler tick: perf sched showed device
 * threads runnable for 3-4 ms with the other CPU idle, which is what made
 * the two-PF downtime bimodal (1.3 to 4.6 times its bound). The device
 * threads share their CPUs with each other, as they always did, and poll
 * there while idle (vpf_model_params::idle_poll, D-PERF.9; --no-idle-poll:
 * they sleep), as a device never sleeps: woken from a halted vCPU, a
 * thread answered a doorbell tens of microseconds late. The migration
 * layer's journal writer joins them (vpf_mig_params::thread_init): on the
 * driver's CPU its writes and their block I/O preempted the poll
 * mid-stop-copy, for 30-130 us at a time, sometimes while it held a
 * model's lock.
 *
 * The other groups run unpinned. A thread the library starts from the
 * driver's thread (the journal's writer) would inherit the driver's one
 * CPU and preempt it there: the job group's poll_max_us, which measures
 * exactly such preemption, read 4.4-6.8 ms pinned against 1.4-2.2 ms
 * unpinned. twoproc and oob start processes, which would inherit it too.
 * Nothing is placed with --no-pin, or on a machine that gives this
 * process one CPU.
 */

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "vpf_mig.h"
#include "vpf_model.h"

#include "bench.h"

static struct {
	bool on;		/* placement in use */
	bool group;		/* the running group is placed */
	int drv;		/* the driver's CPU */
	cpu_set_t all;		/* what the process was given */
	cpu_set_t dev;		/* all but drv: the device threads' */
} pin;

void
bench_pin_setup(bool want)
{
	int cpu, n;

	if (sched_getaffinity(0, sizeof(pin.all), &pin.all) != 0) {
		if (want)
			bench_note("CPU placement off: sched_getaffinity: %s",
				   strerror(errno));
		return;
	}
	n = CPU_COUNT(&pin.all);
	if (!want || n < 2) {
		if (want)
			bench_note("CPU placement off: one CPU; the driver "
				   "and the model's device threads share it");
		return;
	}
	cpu = sched_getcpu();
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &pin.all))
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &pin.all))
				break;
	pin.drv = cpu;
	pin.dev = pin.all;
	CPU_CLR(cpu, &pin.dev);
	pin.on = true;
	bench_note("CPU placement in stopcopy and downtime: the driver on "
		   "CPU %d, the model's device threads on the other %d "
		   "(--no-pin: none)", cpu, n - 1);
}

void
bench_pin_group(bool pinned)
{
	cpu_set_t one;

	pin.group = pin.on && pinned;
	if (!pin.on)
		return;
	CPU_ZERO(&one);
	CPU_SET(pin.drv, &one);
	/* Best effort: a refusal leaves the thread where it may run. */
	(void)sched_setaffinity(0, sizeof(cpu_set_t),
				pinned ? &one : &pin.all);
}

struct vpf_model *
bench_model_create(const struct vpf_model_params *mp)
{
	struct vpf_model_params p = *mp;
	struct vpf_model *m;
	cpu_set_t cur;
	bool swap;

	/* The device thread inherits the affinity of the thread that
	 * creates it: create it from the device threads' CPUs. There it
	 * polls while idle, as a device never sleeps: a thread that wakes
	 * from a halted CPU answers tens of microseconds late (D-PERF.9). */
	swap = pin.group && sched_getaffinity(0, sizeof(cur), &cur) == 0 &&
	       sched_setaffinity(0, sizeof(pin.dev), &pin.dev) == 0;
	p.idle_poll = swap && !bench_opts.no_idle_poll;
	m = vpf_model_create(&p);
	if (swap)
		(void)sched_setaffinity(0, sizeof(cur), &cur);
	return m;
}

/* vpf_mig_params::thread_init of a placed group: the journal's writer
 * thread leaves the driver's CPU, where its writes, and the block I/O
 * they start there, preempted the poll in the middle of a stop-copy
 * (D-PERF.9). */
static void
helper_init(void *arg)
{
	(void)arg;
	(void)sched_setaffinity(0, sizeof(pin.dev), &pin.dev);
}

void
bench_pin_mig_params(struct vpf_mig_params *gp)
{
	if (pin.group)
		gp->thread_init = helper_init;
}
