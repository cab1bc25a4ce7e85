/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MODEL_H
#define VPF_MODEL_H

/**
 * @file
 * vpf: software virtio PF model.
 */

#include "vpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* VPF_MODEL_H */
