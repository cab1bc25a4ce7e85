/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The device thread of the timing model (doc/model.md "Timing model"):
 * it runs the admin queue asynchronously, executes commands when it
 * fetches them and publishes their completions at their due time in
 * virtual time (or lets the driver's poll publish them), sleeps (or, with
 * idle_poll, polls) until the next one or a doorbell, and suppresses
 * doorbells while it polls the avail ring itself.
 */

#include <errno.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#include <rte_byteorder.h>

#include "model_internal.h"

/* Set or clear VIRTQ_USED_F_NO_NOTIFY in the admin queue's used ring. */
static bool
used_no_notify(struct vpf_model *m, bool on)
{
	uint16_t *pflags;

	if (!model_aq_ready(m))
		return false;
	pflags = model_dma_ptr(m, m->q[m->aq_index].device, 2);
	if (pflags == NULL)
		return false;
	__atomic_store_n(pflags, rte_cpu_to_le_16(on ?
			 VPF_VRING_USED_F_NO_NOTIFY : 0), __ATOMIC_RELAXED);
	return true;
}

/*
 * The device thread's pass over the admin queue, lock held. While it runs
 * it polls the avail ring and tells the driver so (VIRTQ_USED_F_NO_NOTIFY):
 * a doorbell would only wait for the lock this thread holds while it
 * executes commands. Before the lock is released the flag is cleared and
 * the avail index read once more, so an entry the driver published without
 * a doorbell in between is never left behind.
 */
static void
aq_run_threaded(struct vpf_model *m)
{
	uint16_t *pidx, before;
	bool again = false;

	for (;;) {
		before = m->last_avail;
		m->polling = used_no_notify(m, true);
		model_aq_run(m);
		if (!m->polling)
			return;
		m->polling = false;
		(void)used_no_notify(m, false);
		/* Order the flag store before the avail load (the driver
		 * orders its avail store before its flags load). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		/* A second pass that fetched nothing although entries wait
		 * means a fatal error stopped the queue: never spin on it. */
		if (!model_aq_ready(m) || (again && m->last_avail == before))
			return;
		pidx = model_dma_ptr(m, m->q[m->aq_index].driver + 2, 2);
		if (pidx == NULL ||
		    rte_le_to_cpu_16(__atomic_load_n(pidx, __ATOMIC_ACQUIRE)) ==
		    m->last_avail)
			return;
		again = true;
	}
}

/*
 * The idle wait of a device thread that polls (vpf_model_params::idle_poll),
 * lock held on entry and on return. Without the lock (API calls and the
 * driver's poll take it), it looks for a doorbell, the earliest due time
 * (@p due, where the sleeping thread's timer would end) or the stop, and
 * yields its CPU after each look: another model's device thread may share
 * that CPU. A doorbell that finds no thread asleep (sleep_until 0) costs
 * the driver no system call.
 */
static void
idle_poll_wait(struct vpf_model *m, uint64_t due)
{
	uint32_t seen = __atomic_load_n(&m->doorbells, __ATOMIC_ACQUIRE);

	pthread_mutex_unlock(&m->lock);
	/* (a doorbell posted without the lock, D-PERF.12, before @p seen
	 * was read still waits in m->dbq: looked at too) */
	while (!__atomic_load_n(&m->stopping, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&m->doorbells, __ATOMIC_ACQUIRE) == seen &&
	       __atomic_load_n(&m->dbq_head, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&m->dbq_tail, __ATOMIC_ACQUIRE) &&
	       vpf_now_ns() < due)
		sched_yield();
	/* Taken by trying, never by sleeping (D-PERF.12): a thread asleep on
	 * the lock (held by the driver's poll publishing what is due, or by
	 * a doorbell) woke some 30 us after it came free, and made the
	 * holder's unlock a futex wake-up, a system call and an interrupt to
	 * this CPU, inside the driver's poll. */
	while (pthread_mutex_trylock(&m->lock) != 0)
		sched_yield();
}

static void *
dev_thread(void *arg)
{
	struct vpf_model *m = arg;

	/* Wake up close to the due time: service times are microseconds. */
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	__atomic_store_n(&m->thread_tid, (int)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	pthread_mutex_lock(&m->lock);
	while (!m->stopping) {
		struct timespec ts;
		uint64_t due;

		aq_run_threaded(m);
		due = model_aq_next_due(m);
		if (m->p.idle_poll) {
			idle_poll_wait(m, due);
			continue;
		}
		if (due == UINT64_MAX) {
			m->sleep_until = UINT64_MAX;
			pthread_cond_wait(&m->cv, &m->lock);
			m->sleep_until = 0;
			continue;
		}
		if (due <= vpf_now_ns())
			continue;
		/* Sleep, never spin (unless told to poll, above): the
		 * machine's CPUs belong to the driver. A command's work ran
		 * when it was fetched; what is left at the due time is
		 * publishing its completion, which a polling driver does
		 * itself (model_aq_poll_timed()); this wake-up is for a
		 * driver that sleeps. A doorbell ends the wait early. */
		ts.tv_sec = (time_t)(due / 1000000000ull);
		ts.tv_nsec = (long)(due % 1000000000ull);
		m->sleep_until = due;
		pthread_cond_timedwait(&m->cv, &m->lock, &ts);
		m->sleep_until = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

int
model_thread_start(struct vpf_model *m)
{
	if (pthread_create(&m->thread, NULL, dev_thread, m) != 0)
		return -EAGAIN;
	m->thread_on = true;
	return 0;
}

void
model_thread_stop(struct vpf_model *m)
{
	if (!m->thread_on)
		return;
	pthread_mutex_lock(&m->lock);
	__atomic_store_n(&m->stopping, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	m->thread_on = false;
}
