/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_XPORT_H
#define VPF_MIG_XPORT_H

/**
 * @file
 * vpf: migration halves and transports, and the cross-host compatibility
 * descriptor. (Being written: see doc/migration.md.)
 */

#include "vpf_mig_job.h"

#endif /* VPF_MIG_XPORT_H */
