/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * test/pkg: a program that uses libvpf alone, built against the installed
 * tree by pkg_test.sh (shared and static). No EAL, no device.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vpf_common.h>
#include <vpf_ctx.h>
#include <vpf_pf.h>

int
main(void)
{
	struct vpf_pf_params p;

	vpf_pf_params_init(&p);
	if (vpf_error(-EINVAL, "pkg %s", "check") != -EINVAL ||
	    strcmp(vpf_last_error(), "pkg check") != 0) {
		fprintf(stderr, "vpf_error/vpf_last_error do not round-trip\n");
		return 1;
	}
	vpf_error_clear();
	printf("libvpf %s: command timeout %u us\n", vpf_version(),
	       (unsigned int)p.cmd_timeout_us);
	return 0;
}
