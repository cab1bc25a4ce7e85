/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_CTX_H
#define VPF_CTX_H

/**
 * @file
 * vpf: device-context TLV: build, parse, validate, iterate, print.
 */

#include "vpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* VPF_CTX_H */
