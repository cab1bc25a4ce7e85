/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_H
#define VPF_MIG_H

/**
 * @file
 * vpf: per-VF migration state machine, dirty tracking, stream format.
 */

#include "vpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* VPF_MIG_H */
