/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * test/pkg: a program that uses libvpf_vfio, built against the installed
 * tree by pkg_test.sh (shared and static). It only uses what works without
 * EAL (BDF parsing, parameters) and takes the address of the ops table, so
 * that the exported data symbol is linked as well.
 */

#include <stdio.h>

#include <vpf_pf.h>
#include <vpf_vfio.h>

int
main(void)
{
	char bdf[VPF_PCI_BDF_LEN];
	struct vpf_vfio_params vp;
	const struct vpf_pf_ops *ops = &vpf_vfio_ops;

	vpf_vfio_params_init(&vp);
	if (vpf_pci_bdf_parse("3b:00.0", bdf) != 0) {
		fprintf(stderr, "vpf_pci_bdf_parse: %s\n", vpf_last_error());
		return 1;
	}
	printf("libvpf_vfio: backend %s, %s\n", ops->name, bdf);
	return 0;
}
