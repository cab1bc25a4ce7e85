/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: vpfd's request path (app/vpfd/vpfd_rpc.c and the
 * method tables): the framing scan, jansson's parse, dispatch, parameter
 * checks and the methods themselves, on a daemon with two small software
 * PFs, one per dialect. Every byte a client sends is untrusted; an input
 * is the bytes of one connection (vpfd_rpc_feed(): framing included,
 * several requests back to back, the connection gone at the end, so what
 * it held is released as for a client that vanished).
 *
 * Each input meets the same daemon state: after an input that left a
 * trace (a VF out of RUNNING, moved, held, left by its client, migrated
 * away or owned by a job; a job; a PF detached or failed) the daemon is
 * torn down and built again, so that what one input did does not change
 * what the next one sees. Building costs tens of milliseconds (the admin
 * engine's premapped buffers), so it is done only then; most inputs
 * (malformed, read-only, refused) leave no trace. The journal lives in a
 * directory made once (on /dev/shm when there is one).
 *
 * Inputs naming these methods (after \uXXXX escapes are undone, so that
 * "model\u005ffault" counts too) are skipped:
 * - model_fault: hang, delay, flr and reset faults make each admin command
 *   wait up to the command timeout (1 s) or the fault's own parameter (up
 *   to an hour), for up to a million commands: one input could stall the
 *   fuzzer for minutes and be reported as a hang that is no bug
 *   (model_fault_clear goes with it: harmless, but one parameter).
 * - pf_attach_model, pf_attach_vfio: the latter reaches for a real PCI
 *   device through sysfs and VFIO, which a fuzzer must never touch; the
 *   former builds models of up to 256 VFs x 256 queue pairs per request
 *   (large allocations, slow), which measures the model, not the parser.
 * and so are inputs naming these more than a few times, each legitimately
 * slow (so that a 4 KiB input of them stays far below libFuzzer's timeout):
 * - model_guest (once): up to a million guest operations, ~1 s under ASan;
 * - pf_reattach (4 times): a new driver, whose admin engine premaps its
 *   buffers, ~50 ms under ASan.
 * Oracle: no crash, no sanitizer report, no leak (LeakSanitizer after
 * inputs that allocate more than they free; a torn-down daemon must give
 * everything back).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpf_common.h"
#include "vpfd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char journal_dir[] = "/dev/shm/vpfd-fuzz-XXXXXX";
static char journal_dir_tmp[] = "/tmp/vpfd-fuzz-XXXXXX";
static const char *journal;
static struct vpfd daemon_state;
static bool daemon_built;

/* Methods an input may name at most @max times. */
static const struct {
	const char *name;
	unsigned int max;
} limited[] = {
	{ "model_fault", 0 },
	{ "pf_attach", 0 },	/* pf_attach_model, pf_attach_vfio */
	{ "model_guest", 1 },
	{ "pf_reattach", 4 },
};

/* At exit: the daemon torn down (the models' journals are removed as they
 * detach), then the directory, which must be empty by then: left in
 * place, and said so, if something stayed. */
static void
journal_cleanup(void)
{
	if (daemon_built) {
		vpfd_fini(&daemon_state);
		daemon_built = false;
	}
	if (journal != NULL && rmdir(journal) < 0)
		fprintf(stderr, "fuzz_vpfd_rpc: %s: %s (left for a look)\n",
			journal, strerror(errno));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	journal = mkdtemp(journal_dir);
	if (journal == NULL)
		journal = mkdtemp(journal_dir_tmp);
	if (journal == NULL) {
		perror("fuzz_vpfd_rpc: mkdtemp");
		abort();
	}
	atexit(journal_cleanup);
	return 0;
}

static int
hexdig(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether the input names a limited method more often than allowed,
 * literally or through \u00XX escapes of ASCII characters (the only other
 * way JSON spells a method name). */
static int
names_skipped(const uint8_t *data, size_t size)
{
	uint8_t *dec = malloc(size ? size : 1);
	size_t i, n = 0, k;
	int hit = 0;

	if (dec == NULL)
		return 1;
	for (i = 0; i < size; i++) {
		if (data[i] == '\\' && i + 5 < size && data[i + 1] == 'u') {
			int v = 0, ok = 1;

			for (k = 2; k < 6; k++) {
				int h = hexdig(data[i + k]);

				if (h < 0)
					ok = 0;
				v = v << 4 | (h < 0 ? 0 : h);
			}
			if (ok && v > 0 && v < 0x80) {
				dec[n++] = (uint8_t)v;
				i += 5;
				continue;
			}
		}
		dec[n++] = data[i];
	}
	for (k = 0; k < sizeof(limited) / sizeof(limited[0]) && !hit; k++) {
		size_t len = strlen(limited[k].name), off = 0;
		unsigned int count = 0;
		const uint8_t *at;

		while ((at = memmem(dec + off, n - off, limited[k].name,
				    len)) != NULL) {
			off = (size_t)(at - dec) + len;
			if (++count > limited[k].max) {
				hit = 1;
				break;
			}
		}
	}
	free(dec);
	return hit;
}

static void
daemon_up(struct vpfd *d)
{
	struct vpfd_opts o;

	vpfd_opts_init(&o);
	o.journal_dir = journal;
	o.quiet = true;
	o.socket_path = "/nonexistent/vpfd-fuzz.sock";	/* never listened */
	vpfd_init(d, &o);
	if (vpfd_pf_attach_model(d, "src", 2, 1, 1, VPF_DIALECT_DRAFT_2023,
				 "0000:81:00.0", NULL) < 0 ||
	    vpfd_pf_attach_model(d, "dst", 2, 1, 2, VPF_DIALECT_V14_PARTS,
				 "0000:82:00.0", NULL) < 0) {
		fprintf(stderr, "fuzz_vpfd_rpc: cannot attach the models: %s\n",
			vpf_last_error());
		abort();
	}
}

/* Whether the daemon is as daemon_up() built it (as far as the next input
 * can tell). */
static bool
daemon_clean(const struct vpfd *d)
{
	static const char *const names[] = { "src", "dst" };
	unsigned int i;
	uint16_t vf;

	if (d->npf != 2)
		return false;
	for (i = 0; i < VPFD_MAX_JOBS; i++)
		if (d->jobs[i] != NULL)
			return false;
	for (i = 0; i < d->npf; i++) {
		const struct vpfd_pf *p = d->pfs[i];
		struct vpf_pf_info info;

		if (strcmp(p->name, names[i]) != 0 || p->mig == NULL ||
		    vpf_pf_info_get(p->pf, &info) < 0 || info.failed)
			return false;
		for (vf = 1; vf <= p->num_vfs; vf++) {
			const struct vpfd_vf *v = &p->vfs[vf];
			struct vpf_mig_vf_info vi;

			if (v->holder != 0 || v->job != 0 ||
			    v->left_by[0] != '\0' ||
			    vpf_mig_vf_info_get(p->mig, vf, &vi) < 0 ||
			    vi.state != VPF_MIG_STATE_RUNNING || vi.moved ||
			    vi.complete || vi.journal || vi.busy)
				return false;
		}
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpfd *d = &daemon_state;

	if (names_skipped(data, size))
		return 0;
	if (!daemon_built) {
		daemon_up(d);
		daemon_built = true;
	}
	vpfd_rpc_feed(d, data, size);
	if (!daemon_clean(d)) {
		vpfd_fini(d);
		daemon_up(d);
	}
	return 0;
}
