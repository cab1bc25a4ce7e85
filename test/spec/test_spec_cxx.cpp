/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Every public header compiles as C++ (extern "C" users, e.g. a C++
 * control plane): built only when meson finds a C++ compiler. The list is
 * every header of include/meson.build (test/spec/meson.build refuses to
 * configure when one is missing); add a new public header here.
 */

#include "vpf_common.h"
#include "vpf_spec.h"
#include "vpf_ctx.h"
#include "vpf_parts.h"
#include "vpf_backend.h"
#include "vpf_admin.h"
#include "vpf_virtio.h"
#include "vpf_pf.h"
#include "vpf_mig.h"
#include "vpf_mig_job.h"
#include "vpf_mig_xport.h"
#include "vpf_model.h"
#include "vpf_vfio.h"

/* The wire structs keep their sizes in C++ too (vpf_spec.h checks them with
 * static_assert there). */
static_assert(sizeof(struct vpf_admin_cmd_hdr) == 24, "admin header");
static_assert(sizeof(struct vpf_admin_ctx_field_info) == 16, "field info");

int
main()
{
	return 0;
}
