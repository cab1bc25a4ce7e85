/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-oob-qemu: play QEMU's part by hand against two running vpfd
 * daemons (doc/vpfd.md, "A complete session"): dlopen the plugin, check
 * its version, init a handle per side, migrate one VF the way QEMU drives
 * the plugin on both hosts (oob_qemu.c), clean both handles up, print the
 * steps. Not installed: a demonstration and a debugging aid.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oob_qemu.h"

static void
usage(FILE *out)
{
	fputs("usage: vpf-oob-qemu PLUGIN SRC_SOCKET SRC_VF_BDF DST_SOCKET "
	      "DST_VF_BDF [precopy=N] [ring=yes]\n"
	      "  Migrates one VF from the vpfd at SRC_SOCKET to the vpfd at\n"
	      "  DST_SOCKET through the out-of-band plugin PLUGIN, as QEMU\n"
	      "  would (precopy rounds, stop-copy, load, resume); ring=yes\n"
	      "  moves a 1.4 model's guest ring state before the destination\n"
	      "  runs. Exit status 0 migrated, 1 failed, 2 usage.\n", out);
}

static int
side(struct oob_daemon *d, const char *sock)
{
	memset(d, 0, sizeof(*d));
	if (strlen(sock) >= sizeof(d->sock))
		return -1;
	snprintf(d->sock, sizeof(d->sock), "%s", sock);
	snprintf(d->addr, sizeof(d->addr), "unix:%s", sock);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const steps[] = { "source SAVING", "stop-copy pass",
					     "source STOP", "load",
					     "ring move", "destination RUNNING" };
	struct oob_daemon sd, dd;
	struct oob_plugin p;
	struct oob_mig m;
	char err[512];
	unsigned int i;
	int a, rc = 1;

	memset(&m, 0, sizeof(m));
	if (argc < 6 || side(&sd, argv[2]) < 0 || side(&dd, argv[4]) < 0) {
		usage(argc > 1 && strcmp(argv[1], "-h") == 0 ? stdout : stderr);
		return argc > 1 && strcmp(argv[1], "-h") == 0 ? 0 : 2;
	}
	for (a = 6; a < argc; a++) {
		if (strncmp(argv[a], "precopy=", 8) == 0)
			m.precopy_rounds = (unsigned int)strtoul(argv[a] + 8,
								 NULL, 10);
		else if (strcmp(argv[a], "ring=yes") == 0)
			m.move_ring = true;
		else {
			usage(stderr);
			return 2;
		}
	}
	if (oob_plugin_open(&p, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "vpf-oob-qemu: %s\n", err);
		return 1;
	}
	printf("plugin: %s, version %d\n", argv[1], p.version);
	if (p.version != VFIO_LM_PLUGIN_API_VERSION) {
		fprintf(stderr, "vpf-oob-qemu: version %d, not %d\n", p.version,
			VFIO_LM_PLUGIN_API_VERSION);
		goto out;
	}
	m.ops = p.ops;
	m.src_d = &sd;
	m.dst_d = &dd;
	m.src_bdf = argv[3];
	m.dst_bdf = argv[5];
	m.src = p.ops->init(argv[3], sd.addr);
	m.dst = p.ops->init(argv[5], dd.addr);
	if (m.src == NULL || m.dst == NULL) {
		fprintf(stderr, "vpf-oob-qemu: init failed (the plugin's log "
			"line says why)\n");
		goto clean;
	}
	if (oob_migrate(&m) != 0) {
		fprintf(stderr, "vpf-oob-qemu: migration failed: %s\n", m.err);
		goto clean;
	}
	printf("precopy: %u rounds, %llu bytes\nstop-copy: %llu bytes\n",
	       m.precopy_rounds, (unsigned long long)m.precopy_bytes,
	       (unsigned long long)m.stopcopy_bytes);
	for (i = 0; i < 6; i++)
		if (m.step_ns[i] > 0 || i != 4)
			printf("  %-20s %8.0f us\n", steps[i],
			       (double)m.step_ns[i] / 1e3);
	printf("downtime: %.0f us\ntotal: %.0f us\n",
	       (double)m.downtime_ns / 1e3, (double)m.total_ns / 1e3);
	rc = 0;
clean:
	/* the source's cleanup after its whole state was saved marks it
	 * migrated away (journaled); any other cleanup resumes it */
	if (m.src != NULL && p.ops->cleanup(m.src) != 0)
		rc = 1;
	if (m.dst != NULL && p.ops->cleanup(m.dst) != 0)
		rc = 1;
	printf("%s\n", rc == 0 ? "migrated" : "failed");
out:
	oob_plugin_close(&p);
	return rc;
}
