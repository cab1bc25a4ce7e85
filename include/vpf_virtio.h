/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_VIRTIO_H
#define VPF_VIRTIO_H

/**
 * @file
 * vpf: generic virtio-pci bring-up and split virtqueue (any virtio device).
 */

#include "vpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* VPF_VIRTIO_H */
