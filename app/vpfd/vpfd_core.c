/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/* vpfd's life: initialise, log, and shut down restoring what the journal
 * allows (doc/vpfd.md, "Shutdown"). */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vpfd.h"

void
vpfd_opts_init(struct vpfd_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->socket_path = VPFD_SOCKET_DEFAULT;
}

int
vpfd_init(struct vpfd *d, const struct vpfd_opts *o)
{
	memset(d, 0, sizeof(*d));
	d->o = *o;
	d->epfd = -1;
	d->unix_fd = -1;
	d->tcp_fd = -1;
	d->lock_fd = -1;
	return 0;
}

void
vpfd_log(const struct vpfd *d, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	if (d->o.quiet)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "vpfd: %s.%03ld ", when, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
vpfd_fini(struct vpfd *d)
{
	unsigned int i;
	uint16_t vf;

	/* Shutdown is not a client vanishing: a VF a connected client holds
	 * is restored as the journal says (below), like every other VF the
	 * daemon moved. Only VFs whose client vanished earlier stay as they
	 * are (D-VPFD.4). */
	for (i = 0; i < d->npf; i++)
		for (vf = 1; vf <= d->pfs[i]->num_vfs; vf++)
			d->pfs[i]->vfs[vf].holder = 0;
	vpfd_rpc_fini(d);
	vpfd_jobs_fini(d);
	while (d->npf > 0)
		vpfd_pf_detach(d, d->pfs[d->npf - 1]);
}
