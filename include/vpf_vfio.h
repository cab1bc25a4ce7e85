/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_VFIO_H
#define VPF_VFIO_H

/**
 * @file
 * vpf: real PFs (libvpf_vfio): libpci discovery and the VFIO backend.
 *
 * Two parts with two prefixes:
 *
 * - **Discovery** (`vpf_pci_`): find virtio PCI functions (vendor 0x1af4)
 *   with libpci, either live through sysfs or from a config-space dump in
 *   the format `lspci -xxxx` writes (libpci's "dump" access method), and
 *   decode what vpf needs: virtio capabilities, MSI-X, the SR-IOV extended
 *   capability, member id n <-> VF BDF. Discovery only ever *reads* config
 *   space; it never writes it and never touches a BAR. No EAL needed.
 *
 * - **VFIO backend** (`vpf_vfio_`): the backend ops table (vpf_vfio_ops)
 *   for a PF bound to vfio-pci, opened with DPDK's public VFIO API
 *   (rte_vfio_setup_device() on the default container, so EAL memzones
 *   are DMA-mapped). Needs rte_eal_init() first, with VFIO available and
 *   the PF not probed by a DPDK driver (start EAL with `--no-pci`, or
 *   `-b BDF`, so that DPDK's virtio net PMD keeps away from it).
 *
 * See doc/hardware.md for the host setup (binding, IOMMU, hugepages,
 * SR-IOV and the VF token).
 *
 * Errors: functions return 0 or a negative errno (constructors NULL with
 * errno set) and leave a sentence in vpf_last_error() that says what to do,
 * e.g. "0000:3b:00.0 is bound to virtio-pci, not vfio-pci: bind it with
 * `dpdk-devbind.py -b vfio-pci 0000:3b:00.0`".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_backend.h"
#include "vpf_common.h"
#include "vpf_pf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * Discovery (libpci)
 * ========================================================================= */

/** Longest "dddd:bb:dd.f" plus NUL. */
#define VPF_PCI_BDF_LEN			16
/** Virtio vendor capabilities kept per function (more is malformed). */
#define VPF_PCI_MAX_VIRTIO_CAPS		16
/** iommu_group: the function has none (e.g. no IOMMU on this host). */
#define VPF_PCI_IOMMU_GROUP_NONE	(-1)
/** iommu_group: unknown (config-space dumps carry none). */
#define VPF_PCI_IOMMU_GROUP_UNKNOWN	(-2)

/** One virtio vendor capability (struct virtio_pci_cap, doc/protocol.md
 *  §3.1). */
struct vpf_pci_virtio_cap {
	uint16_t pos;		/**< offset of the capability in config space */
	uint8_t cap_len;	/**< cap_len as the device wrote it */
	uint8_t cfg_type;	/**< VPF_PCI_CAP_* (1 common .. 5 PCI cfg, 8, 9) */
	uint8_t bar;		/**< BAR index the structure lives in */
	uint8_t id;		/**< cap id (shared memory caps) */
	uint32_t offset;	/**< offset in the BAR */
	uint32_t length;	/**< length of the structure */
	/** notify_off_multiplier (notify capability only, else 0). */
	uint32_t notify_off_multiplier;
	/** offset + length lies inside the BAR; true when BAR sizes are
	 *  unknown (nothing to check against) or for the PCI cfg cap. */
	bool in_bar;
};

/** SR-IOV extended capability (id 0x0010), decoded. */
struct vpf_pci_sriov {
	bool present;		/**< capability found */
	uint16_t pos;		/**< its offset (>= 0x100) */
	bool vf_enable;		/**< VF Enable bit of SR-IOV Control */
	uint16_t total_vfs;	/**< TotalVFs */
	uint16_t initial_vfs;	/**< InitialVFs */
	uint16_t num_vfs;	/**< NumVFs: VFs enabled (member ids 1..) */
	uint16_t vf_offset;	/**< First VF Offset (routing id distance) */
	uint16_t vf_stride;	/**< VF Stride */
	uint16_t vf_device_id;	/**< VF Device ID */
};

/** A virtio PCI function as discovery sees it. */
struct vpf_pci_func {
	char bdf[VPF_PCI_BDF_LEN];	/**< "dddd:bb:dd.f" */
	uint16_t domain;		/**< PCI domain (segment) */
	uint8_t bus;			/**< bus number */
	uint8_t dev;			/**< device number 0..31 */
	uint8_t func;			/**< function number 0..7 */
	uint16_t vendor_id;		/**< 0x1af4 for virtio */
	uint16_t device_id;		/**< 0x1040 + type (modern) */
	uint16_t subsys_vendor_id;	/**< subsystem vendor id */
	uint16_t subsys_id;		/**< subsystem id */
	uint8_t revision;		/**< revision id */
	/** virtio device type (1 net, 2 block, ...); 0 if not virtio. */
	uint16_t virtio_type;
	/** Transitional id 0x1000-0x103f (type from the subsystem id). */
	bool transitional;
	/** Bytes of config space that could be read (64, 256, 4096, or
	 *  less than 256 for a truncated dump). */
	uint32_t cfg_size;
	/** PCI Express capability present (extended config space exists). */
	bool pcie;

	/** BAR sizes known (sysfs: yes; dumps: no -> "unknown"). */
	bool bar_sizes_known;
	uint64_t bar_size[6];		/**< 0: not implemented */
	/** Kernel driver known (sysfs: yes; dumps: no). */
	bool driver_known;
	/** Bound kernel driver ("vfio-pci", "virtio-pci"); "" when none. */
	char driver[32];
	/** IOMMU group number, or VPF_PCI_IOMMU_GROUP_NONE / _UNKNOWN. */
	int iommu_group;

	/** Virtio vendor capabilities in list order. */
	struct vpf_pci_virtio_cap caps[VPF_PCI_MAX_VIRTIO_CAPS];
	unsigned int n_caps;		/**< entries used in caps[] */
	/* Index in caps[] of the first cap of each type, -1 if absent (the
	 * first is the one a driver uses, virtio 1.x 4.1.4). */
	int common;			/**< common cfg cap, or -1 */
	int notify;			/**< notify cap, or -1 */
	int isr;			/**< ISR cap, or -1 */
	int device;			/**< device cfg cap, or -1 */
	int pci_cfg;			/**< PCI cfg access cap, or -1 */

	bool has_msix;			/**< MSI-X capability present */
	uint16_t msix_table_size;	/**< MSI-X table entries */
	uint8_t msix_table_bar;		/**< BIR of the MSI-X table */
	uint32_t msix_table_offset;	/**< its offset in that BAR */
	uint8_t msix_pba_bar;		/**< BIR of the PBA */
	uint32_t msix_pba_offset;	/**< its offset in that BAR */

	struct vpf_pci_sriov sriov;	/**< SR-IOV capability */

	/** The common cfg is long enough for the admin queue fields
	 *  (>= 64 bytes, doc/protocol.md §3.5). */
	bool admin_cfg_ok;
	/** Human-readable remarks, "; "-separated, e.g. "common cfg is 0x38
	 *  bytes: too short for an admin queue (needs 0x40)". "" if none. */
	char notes[384];

	/** PCIe Device Serial Number extended capability present. */
	bool has_dsn;
	/** Its 64-bit serial number (0 without one): the instance part of
	 *  the PF's identity (vpf_pf_identity()). */
	uint64_t dsn;
};

/**
 * Decode raw config-space bytes (what a function's config space holds from
 * offset 0, @p len bytes: 64..4096). Fills the ids, capabilities, MSI-X and
 * SR-IOV parts of @p f (the rest is left zero / unknown). Everything is
 * bounds-checked; this is what the fuzz target drives.
 *
 * @return 0; -EINVAL for malformed config space (capability loop, pointer
 * outside the config space, truncated data, virtio cap too short) with
 * vpf_last_error() naming the problem; -ENOTSUP when it is not a virtio
 * function (@p f still holds the ids).
 */
VPF_API int vpf_pci_parse_config(const uint8_t *cfg, size_t len,
				 struct vpf_pci_func *f);

/**
 * List the virtio functions of this host (@p dump NULL: libpci's automatic
 * method, i.e. sysfs on Linux) or of a config-space dump file (`lspci
 * -xxxx` format). At most @p max entries are written to @p out; @p n
 * receives how many virtio functions exist (may exceed @p max). Functions
 * whose config space is malformed are listed with the problem in notes.
 * Read-only: never writes config space or touches BARs.
 *
 * @return 0, or -ENOENT (dump file missing), -EIO (libpci failed),
 * -EINVAL (a non-empty dump in which libpci finds no device with config
 * bytes: not `lspci -xxxx` output), with vpf_last_error() set.
 */
VPF_API int vpf_pci_scan(const char *dump, struct vpf_pci_func *out,
			 unsigned int max, unsigned int *n);

/**
 * Discover one function by BDF ("0000:3b:00.0" or "3b:00.0") on this host
 * (@p dump NULL) or in a dump file.
 *
 * @return 0; -ENODEV no such device; -ENOTSUP not a virtio device (@p out
 * holds its ids); -EINVAL bad BDF or malformed config space; -ENOENT /
 * -EIO as vpf_pci_scan().
 */
VPF_API int vpf_pci_probe(const char *dump, const char *bdf,
			  struct vpf_pci_func *out);

/** Normalise a BDF ("3b:00.0" -> "0000:3b:00.0") into @p out.
 *  @return 0 or -EINVAL. */
VPF_API int vpf_pci_bdf_parse(const char *s, char out[VPF_PCI_BDF_LEN]);

/**
 * BDF of VF member @p vf (1-based, doc/protocol.md §3.7): routing id
 * PF + First VF Offset + (vf - 1) * VF Stride.
 *
 * @return 0; -ENOTSUP no SR-IOV capability; -ENODEV SR-IOV disabled
 * (NumVFs 0 / VF Enable clear: the message says how to enable VFs);
 * -ERANGE @p vf outside 1..NumVFs or the routing id overflows.
 */
VPF_API int vpf_pci_vf_bdf(const struct vpf_pci_func *pf, uint16_t vf,
			   char bdf[VPF_PCI_BDF_LEN]);

/** Member id of the VF at @p vf_bdf of @p pf (inverse of vpf_pci_vf_bdf()).
 *  @return 0, -ENOENT (not one of its enabled VFs), or as above. */
VPF_API int vpf_pci_vf_member(const struct vpf_pci_func *pf,
			      const char *vf_bdf, uint16_t *vf);

/** Name of a virtio device type ("net", "block", ...; "unknown"). */
VPF_API const char *vpf_pci_virtio_type_name(uint16_t type);
/** Name of a virtio cfg_type as lspci prints it ("CommonCfg", "Notify",
 *  "ISR", "DeviceCfg", "PCICfg", "SharedMemory", "VendorCfg", "unknown"). */
VPF_API const char *vpf_pci_cap_type_name(uint8_t cfg_type);

/**
 * Describe @p f as stable `key: value` lines (what `pf scan` prints):
 * bdf, type, driver, iommu_group, cfg_size, bar sizes, one line per virtio
 * cap, msix, sriov, one `vf<n>_bdf` line per enabled VF (at most 256, then
 * `vf_bdf_listed`), notes. Unknowns print as "unknown".
 * @return the length it needed (snprintf semantics), or -EINVAL.
 */
VPF_API int vpf_pci_describe(const struct vpf_pci_func *f, char *buf,
			     size_t len);

/* ===========================================================================
 * VFIO backend
 * ========================================================================= */

/** An open PF behind VFIO; the @c dev handle of vpf_vfio_ops. */
struct vpf_vfio_dev;

/** The backend ops table; pass the struct vpf_vfio_dev * as @c dev. */
VPF_API extern const struct vpf_pf_ops vpf_vfio_ops;

/** Open parameters; initialise with vpf_vfio_params_init(). */
struct vpf_vfio_params {
	/**
	 * VF token (UUID string) for a PF bound to vfio-pci with SR-IOV
	 * (`vfio-pci enable_sriov=1`): after opening, vpf sets it on the PF
	 * (VFIO_DEVICE_FEATURE_PCI_VF_TOKEN) so that VF users (QEMU's
	 * `vfio-pci,vf-token=`) must present the same one. If VFs are in
	 * use already, opening the PF itself needs it: pass it to EAL as
	 * well (`--vfio-vf-token=UUID`; vpf-cli does both). NULL: none.
	 */
	const char *vf_token;
	/**
	 * Issue a PCI function reset (VFIO_DEVICE_RESET) at open. Refused for
	 * a PF with VFs enabled (it would tear down VFs in use); the default
	 * (false) resets through the virtio status register only.
	 */
	bool function_reset;
};

/** Fill @p p with the defaults. */
VPF_API void vpf_vfio_params_init(struct vpf_vfio_params *p);

/**
 * Check, without opening anything, that @p bdf can be opened through VFIO
 * on this host: it exists, is virtio, is bound to vfio-pci, has an IOMMU
 * group whose /dev/vfio node we may open. @p f (may be NULL) receives the
 * discovery result.
 *
 * @return 0 or -ENODEV (no such device), -ENOTSUP (not virtio), -EBUSY
 * (bound to another driver: the message gives the dpdk-devbind.py command),
 * -ENXIO (no IOMMU group: enable the IOMMU), -EACCES (no permission on
 * /dev/vfio/N), with vpf_last_error() set.
 */
VPF_API int vpf_vfio_check(const char *bdf, struct vpf_pci_func *f);

/**
 * Open the PF @p bdf through VFIO: preflight (vpf_vfio_check()), make sure
 * no DPDK driver has probed it, rte_vfio_setup_device() on the default
 * container, region info, mmap of the BARs' mappable parts (the MSI-X
 * table and PBA are accessed with pread/pwrite), capability walk through
 * the VFIO config region, Memory Space + Bus Master enable, optional VF
 * token and function reset.
 *
 * Needs rte_eal_init() with VFIO enabled. @p p may be NULL (defaults).
 * @return the device or NULL with errno set and vpf_last_error() naming the
 * reason (as vpf_vfio_check(), plus EPERM "EAL not initialised", EBUSY
 * "claimed by DPDK driver X", EIO VFIO failures).
 */
VPF_API struct vpf_vfio_dev *vpf_vfio_open(const char *bdf,
					   const struct vpf_vfio_params *p);

/** Clear Bus Master, unmap, release the VFIO device and free. NULL: no-op.
 *  Never issues a function reset. */
VPF_API void vpf_vfio_close(struct vpf_vfio_dev *d);

/** Discovery data of the open device, as read through the VFIO config
 *  region (driver "vfio-pci", its IOMMU group, BAR sizes from VFIO). */
VPF_API const struct vpf_pci_func *vpf_vfio_func(const struct vpf_vfio_dev *d);

/** The VFIO device fd (for diagnostics and tests). */
VPF_API int vpf_vfio_device_fd(const struct vpf_vfio_dev *d);

/**
 * PCI function reset (VFIO_DEVICE_RESET). -EBUSY, and nothing sent, when
 * the PF has VFs enabled (NumVFs > 0); -ENOTSUP when VFIO cannot reset it.
 */
VPF_API int vpf_vfio_function_reset(struct vpf_vfio_dev *d);

/**
 * Convenience: vpf_vfio_open() then vpf_pf_attach(&vpf_vfio_ops, ...).
 * On success *@p devp receives the device, to be closed with
 * vpf_vfio_close() after vpf_pf_detach(). On failure everything is
 * released and the attach error stays in vpf_last_error() (e.g. "device
 * does not offer VIRTIO_F_ADMIN_VQ").
 */
VPF_API struct vpf_pf *vpf_vfio_pf_attach(const char *bdf,
					  const struct vpf_vfio_params *vp,
					  const struct vpf_pf_params *pp,
					  struct vpf_vfio_dev **devp);

#ifdef __cplusplus
}
#endif

#endif /* VPF_VFIO_H */
