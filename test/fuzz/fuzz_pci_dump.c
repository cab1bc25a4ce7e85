/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * libFuzzer target: vpf's config-space decoder (discovery, drivers/vfio)
 * over arbitrary bytes, as a malicious dump file or a broken device would
 * give them: capability loops, pointers anywhere, truncation at any length.
 * The decoder is included as source (it needs no libpci and no EAL), so the
 * target links with libvpf alone. Every result is cross-checked: caps lie
 * inside the bytes given, the SR-IOV cap in extended space, VF BDFs map
 * back to their member ids.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/vfio/vpf_pci_parse.c"

static void
check(const struct vpf_pci_func *f, size_t len)
{
	char buf[4096], bdf[VPF_PCI_BDF_LEN];
	unsigned int i;
	uint16_t n, vf;

	if (f->n_caps > VPF_PCI_MAX_VIRTIO_CAPS)
		abort();
	for (i = 0; i < f->n_caps; i++)
		if (f->caps[i].pos < 0x40 || f->caps[i].pos + 16u > len ||
		    f->caps[i].cap_len < 16)
			abort();
	if (f->sriov.present && (f->sriov.pos < 0x100 ||
				 f->sriov.pos + VPF_SRIOV_CAP_LEN > len))
		abort();
	if (vpf_pci_describe(f, buf, sizeof(buf)) < 0)
		abort();
	/* member id <-> BDF is a bijection over the enabled VFs */
	for (n = 1; n <= 3; n++) {
		if (vpf_pci_vf_bdf(f, n, bdf) != 0)
			continue;
		if (vpf_pci_vf_member(f, bdf, &vf) != 0 || vf > n)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpf_pci_func f;
	uint8_t *copy;
	unsigned int i;

	if (size > VPF_PCI_CFG_SPACE_EXP_SIZE)
		size = VPF_PCI_CFG_SPACE_EXP_SIZE;
	/* An exact-size heap copy, so ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);

	memset(&f, 0, sizeof(f));
	snprintf(f.bdf, sizeof(f.bdf), "0000:fe:1f.7");
	f.bus = 0xfe;
	f.dev = 0x1f;
	f.func = 7;
	if (vpf_pci_parse_config(copy, size, &f) == 0)
		check(&f, size);

	/* Again with BAR sizes known, so the range checks run. */
	memset(&f, 0, sizeof(f));
	f.bar_sizes_known = true;
	for (i = 0; i < 6; i++)
		f.bar_size[i] = size ? (uint64_t)copy[0] << (i * 4) : 0;
	if (vpf_pci_parse_config(copy, size, &f) == 0) {
		check(&f, size);
		vpf_pci_recheck(&f);
	}
	free(copy);
	return 0;
}
