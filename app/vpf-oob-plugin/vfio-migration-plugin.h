/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VFIO_MIGRATION_PLUGIN_H
#define VFIO_MIGRATION_PLUGIN_H

/**
 * @file
 * The out-of-band VFIO migration plugin interface, as proposed to QEMU in
 * 2022 ("Add a plugin to support out-of-band live migration for VFIO
 * pass-through device"): instead of reading a device's state through the
 * VFIO migration region, QEMU loads a shared object that moves the state of
 * a pass-through VF through some other channel (here: vpfd, the owner of
 * the VF's PF, over JSON-RPC).
 *
 * QEMU dlopen()s the plugin, checks vfio_lm_get_plugin_version() against
 * VFIO_LM_PLUGIN_API_VERSION and takes the operations table from
 * vfio_lm_get_plugin_ops(). The device states are VFIO migration v1's
 * bit set (VFIO_DEVICE_STATE_V1_*).
 *
 * Every operation returns 0 or a negative errno value.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this interface; vfio_lm_get_plugin_version() returns it. */
#define VFIO_LM_PLUGIN_API_VERSION	0

/** @name VFIO migration v1 device states (a bit set)
 * @{ */
/** Stopped: neither running, saving nor resuming. */
#define VFIO_DEVICE_STATE_V1_STOP	0u
/** The device runs. */
#define VFIO_DEVICE_STATE_V1_RUNNING	(1u << 0)
/** Its state is being read (with RUNNING: precopy; alone: stop-copy). */
#define VFIO_DEVICE_STATE_V1_SAVING	(1u << 1)
/** Its state is being written (a migration destination). */
#define VFIO_DEVICE_STATE_V1_RESUMING	(1u << 2)
/** Every valid bit. */
#define VFIO_DEVICE_STATE_V1_MASK	(VFIO_DEVICE_STATE_V1_RUNNING | \
					 VFIO_DEVICE_STATE_V1_SAVING | \
					 VFIO_DEVICE_STATE_V1_RESUMING)
/** @} */

/** The operations a plugin offers; QEMU calls them for one device each. */
typedef struct VFIOMigrationPluginOps {
	/** Open device @p devid (its PCI address) with the plugin's argument
	 *  @p arg (how to reach the state's owner; may be NULL). @return an
	 *  opaque handle, or NULL on failure. */
	void *(*init)(char *devid, char *arg);
	/** Copy the next @p len bytes of the device's state to @p state; at
	 *  most what the last update_pending() reported and not yet saved. */
	int (*save)(void *handle, uint8_t *state, uint64_t len);
	/** Give the device @p len bytes of a saved state, in the order they
	 *  were saved (destination, RESUMING). */
	int (*load)(void *handle, uint8_t *state, uint64_t len);
	/** How many bytes save() has to give now: @p pending_bytes. */
	int (*update_pending)(void *handle, uint64_t *pending_bytes);
	/** Move the device to the v1 state @p value. */
	int (*set_state)(void *handle, uint32_t value);
	/** The device's current v1 state in @p value. */
	int (*get_state)(void *handle, uint32_t *value);
	/** Close @p handle (the handle is freed even on failure). */
	int (*cleanup)(void *handle);
} VFIOMigrationPluginOps;

/** @return VFIO_LM_PLUGIN_API_VERSION. */
int vfio_lm_get_plugin_version(void);

/** @return the plugin's operations table (static, never NULL). */
VFIOMigrationPluginOps *vfio_lm_get_plugin_ops(void);

#ifdef __cplusplus
}
#endif

#endif /* VFIO_MIGRATION_PLUGIN_H */
