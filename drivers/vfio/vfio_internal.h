/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_VFIO_INTERNAL_H
#define VPF_VFIO_INTERNAL_H

#include <rte_log.h>

#include "vpf_spec.h"
#include "vpf_vfio.h"

/** rte_log type "vpf.vfio". */
extern int vpf_vfio_logtype;

#define VFIO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vpf_vfio_logtype, \
		"vpf.vfio: " fmt "\n", ##__VA_ARGS__)

/** Re-run the capability checks after BAR sizes became known. */
void vpf_pci_recheck(struct vpf_pci_func *f);

#endif /* VPF_VFIO_INTERNAL_H */
