/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_VFIO_H
#define VPF_VFIO_H

/**
 * @file
 * vpf: real PFs: VFIO backend and libpci discovery.
 */

#include "vpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* VPF_VFIO_H */
