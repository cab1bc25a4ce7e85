/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The VFIO backend: a real PF bound to vfio-pci behind struct vpf_pf_ops.
 *
 * Only DPDK's public VFIO API is used (rte_vfio.h; Debian's DPDK 22.11 ships
 * no PCI driver SDK headers): rte_vfio_setup_device() puts the IOMMU group
 * into EAL's default container, which DMA-maps all EAL memory, so a memzone's
 * IOVA is valid for the device. Everything else is plain VFIO ioctls on the
 * device fd: region info, mmap of the BARs (vpf_vfio_regions.c),
 * pread/pwrite on the config region (vpf_vfio_ops.c). This file opens,
 * closes and resets a PF.
 *
 * A PF with VFs enabled is never function-reset (it would tear down VFs
 * that running VMs use): the core resets it through the virtio status
 * register (doc/protocol.md §3.4, D-VFIO.6).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_uuid.h>
#include <rte_vfio.h>

#include "vfio_internal.h"

VPF_LOG_REGISTER(vfio);

#define SYSFS_PCI_DEVICES	"/sys/bus/pci/devices"

void
vpf_vfio_params_init(struct vpf_vfio_params *p)
{
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------------
 * Preflight: say what the host got wrong before VFIO says "-1"
 * --------------------------------------------------------------------- */

int
vpf_vfio_check(const char *bdf, struct vpf_pci_func *out)
{
	struct vpf_pci_func f;
	char path[64];
	int rc;

	rc = vpf_pci_probe(NULL, bdf, &f);
	if (out)
		*out = f;
	if (rc)
		return rc;
	if (f.driver_known && strcmp(f.driver, "vfio-pci") != 0) {
		if (f.driver[0])
			return vpf_error(-EBUSY, "%s is bound to %s, not "
					 "vfio-pci: bind it with `dpdk-devbind.py "
					 "-b vfio-pci %s` (see doc/hardware.md)",
					 f.bdf, f.driver, f.bdf);
		return vpf_error(-EBUSY, "%s is not bound to vfio-pci (no "
				 "driver): bind it with `modprobe vfio-pci; "
				 "dpdk-devbind.py -b vfio-pci %s`", f.bdf,
				 f.bdf);
	}
	if (f.iommu_group < 0)
		return vpf_error(-ENXIO, "%s has no IOMMU group: enable the "
				 "IOMMU (BIOS VT-d/AMD-Vi, kernel "
				 "`intel_iommu=on` or `amd_iommu=on`, "
				 "`iommu=pt`) and reboot", f.bdf);
	snprintf(path, sizeof(path), "/dev/vfio/%d", f.iommu_group);
	if (access(path, R_OK | W_OK) != 0) {
		int e = errno;

		if (e == ENOENT)
			return vpf_error(-ENXIO, "%s does not exist: is "
					 "vfio-pci loaded (`modprobe "
					 "vfio-pci`)?", path);
		return vpf_error(-EACCES, "no permission on %s for IOMMU "
				 "group %d of %s: run as root or give your "
				 "user that node (and raise `ulimit -l`)",
				 path, f.iommu_group, f.bdf);
	}
	return 0;
}

/* Refuse a PF that a DPDK driver (e.g. net_virtio) has probed: two
 * drivers on one device would corrupt each other's queues. */
static int
check_not_probed(const char *bdf)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;

	/* No PCI bus driver in this process (e.g. no plugins): nothing can
	 * have probed it. Checked first: the iterator logs an error. */
	if (rte_bus_find_by_name("pci") == NULL ||
	    rte_dev_iterator_init(&it, "bus=pci") != 0)
		return 0;
	for (dev = rte_dev_iterator_next(&it); dev != NULL;
	     dev = rte_dev_iterator_next(&it)) {
		const struct rte_driver *drv;

		if (strcmp(rte_dev_name(dev), bdf) != 0 ||
		    !rte_dev_is_probed(dev))
			continue;
		drv = rte_dev_driver(dev);
		return vpf_error(-EBUSY, "%s is claimed by DPDK driver %s: "
				 "start EAL with `-b %s` (or `--no-pci`) so "
				 "that DPDK's own PMD keeps away from the PF",
				 bdf, drv ? rte_driver_name(drv) : "?", bdf);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Open / close
 * --------------------------------------------------------------------- */

static int
set_vf_token(struct vpf_vfio_dev *d, const char *token)
{
	uint8_t buf[sizeof(struct vfio_device_feature) + 16];
	struct vfio_device_feature *feat = (void *)buf;
	rte_uuid_t uu;

	if (rte_uuid_parse(token, uu) != 0)
		return vpf_error(-EINVAL, "VF token '%s' is not a UUID", token);
	memset(buf, 0, sizeof(buf));
	feat->argsz = sizeof(buf);
	feat->flags = VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	memcpy(feat->data, uu, 16);
	if (ioctl(d->fd, VFIO_DEVICE_FEATURE, feat) < 0) {
		int e = errno;

		if (e == ENOTTY || e == EINVAL)
			return vpf_error(-ENOTSUP, "cannot set a VF token on "
					 "%s: it is not an SR-IOV PF, or the "
					 "kernel's vfio-pci has no VF tokens "
					 "(Linux >= 5.7 needed)", d->bdf);
		return vpf_error(-e, "cannot set the VF token on %s: %s",
				 d->bdf, strerror(e));
	}
	VFIO_DEV_LOG(INFO, d, "VF token set");
	return 0;
}

static int
read_func(struct vpf_vfio_dev *d)
{
	uint8_t cfg[VPF_PCI_CFG_SPACE_EXP_SIZE];
	unsigned int i;
	int rc;

	rc = vpf_vfio_cfg_read(d, 0, cfg, d->cfg_size);
	if (rc)
		return vpf_error(rc, "cannot read the config space of %s "
				 "through VFIO", d->bdf);
	/* The PCI config header's BAR bit 0 says I/O. */
	for (i = 0; i < 6; i++) {
		uint32_t v;

		memcpy(&v, cfg + VPF_PCI_BASE_ADDRESS_0 + 4 * i, 4);
		d->bar[i].io = v & 1;
	}
	rc = vpf_pci_parse_config(cfg, d->cfg_size, &d->func);
	if (rc)
		return rc;
	return 0;
}

/*
 * vpf_vfio_open() in steps. Each returns 0 or a negative errno with the
 * sentence set; a step that fails leaves what the earlier ones did to
 * vpf_vfio_close().
 */

/* Everything that can be said before VFIO is touched (D-VFIO.7). */
static int
open_preflight(const char *bdf, struct vpf_pci_func *f)
{
	int rc;

	if (rte_eal_iova_mode() == RTE_IOVA_DC)
		return vpf_error(-EPERM, "EAL is not initialised: call "
				 "rte_eal_init() before opening a VFIO PF");
	rc = vpf_vfio_check(bdf, f);
	if (rc)
		return rc;
	if (!rte_vfio_is_enabled("vfio"))
		return vpf_error(-ENXIO, "VFIO is not enabled in EAL: load the "
				 "modules (`modprobe vfio-pci`) before starting "
				 "vpf");
	return check_not_probed(f->bdf);
}

/* The VFIO device fd, from EAL's default container; a PCI device. */
static int
open_device(struct vpf_vfio_dev *d, const struct vpf_pci_func *f)
{
	rte_uuid_t eal_token;

	d->info.argsz = sizeof(d->info);
	if (rte_vfio_setup_device(SYSFS_PCI_DEVICES, d->bdf, &d->fd,
				  &d->info) != 0) {
		d->fd = -1;
		rte_eal_vfio_get_vf_token(eal_token);
		if (f->sriov.present && rte_uuid_is_null(eal_token))
			return vpf_error(-EIO, "VFIO could not open %s: if its "
					 "VFs are in use, the PF needs their "
					 "VF token (EAL `--vfio-vf-token=UUID`,"
					 " vpf-cli `--vfio-vf-token UUID`); "
					 "see dmesg", d->bdf);
		return vpf_error(-EIO, "VFIO could not open %s (IOMMU group "
				 "%d): is another process using the group, "
				 "the VF token wrong, or `ulimit -l` too low? "
				 "see dmesg", d->bdf, d->group);
	}
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    d->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX)
		return vpf_error(-EIO, "%s: VFIO device is not a PCI device",
				 d->bdf);
	return 0;
}

/*
 * The config region, and the function as the device shows it through VFIO
 * (the kernel virtualises parts of config space; this is what vpf will
 * use). Where it sits comes from @f, the sysfs view.
 */
static int
open_config(struct vpf_vfio_dev *d, const struct vpf_pci_func *f)
{
	struct vfio_region_info *ri = NULL;
	int rc;

	rc = vpf_vfio_region_info(d->fd, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (rc)
		return vpf_error(rc, "%s: no VFIO config region", d->bdf);
	d->cfg_off = ri->offset;
	d->cfg_size = ri->size >= VPF_PCI_CFG_SPACE_EXP_SIZE ?
		      VPF_PCI_CFG_SPACE_EXP_SIZE : VPF_PCI_CFG_SPACE_SIZE;
	free(ri);

	memcpy(d->func.bdf, d->bdf, sizeof(d->bdf));
	d->func.domain = f->domain;
	d->func.bus = f->bus;
	d->func.dev = f->dev;
	d->func.func = f->func;
	d->func.driver_known = true;
	snprintf(d->func.driver, sizeof(d->func.driver), "vfio-pci");
	d->func.iommu_group = d->group;
	return read_func(d);
}

/* Map the BARs, then re-check the capabilities against their sizes. */
static int
open_bars(struct vpf_vfio_dev *d)
{
	unsigned int i;
	int rc;

	for (i = 0; i < 6; i++) {
		rc = vpf_vfio_map_bar(d, i);
		if (rc)
			return vpf_error(rc, "%s: cannot get BAR %u region info: "
					 "%s", d->bdf, i, strerror(-rc));
		d->func.bar_size[i] = d->bar[i].io ? 0 : d->bar[i].size;
	}
	d->func.bar_sizes_known = true;
	vpf_pci_recheck(&d->func);
	return 0;
}

/* Memory Space for the BARs, Bus Master for the rings' DMA (D-VFIO.6). */
static int
open_enable(struct vpf_vfio_dev *d)
{
	uint16_t cmd;
	int rc;

	rc = vpf_vfio_cfg_read(d, VPF_PCI_COMMAND, &cmd, 2);
	if (rc == 0) {
		d->command_saved = cmd;
		cmd |= VPF_PCI_COMMAND_MEMORY | VPF_PCI_COMMAND_MASTER;
		rc = vpf_vfio_cfg_write(d, VPF_PCI_COMMAND, &cmd, 2);
	}
	if (rc)
		return vpf_error(rc, "%s: cannot enable bus mastering", d->bdf);
	return 0;
}

/* What the caller asked for: the VF token, a function reset. */
static int
open_options(struct vpf_vfio_dev *d, const struct vpf_vfio_params *p)
{
	int rc;

	if (p->vf_token) {
		rc = set_vf_token(d, p->vf_token);
		if (rc)
			return rc;
	}
	if (p->function_reset)
		return vpf_vfio_function_reset(d);
	return 0;
}

/* Tell the operator what was opened, and what stands in the way of VFs. */
static void
open_report(const struct vpf_vfio_dev *d)
{
	if (d->func.sriov.present &&
	    (d->func.sriov.num_vfs == 0 || !d->func.sriov.vf_enable))
		VFIO_DEV_LOG(NOTICE, d, "SR-IOV is disabled (NumVFs %u of %u): "
			     "enable VFs with `echo N > /sys/bus/pci/devices/"
			     "%s/sriov_numvfs` (vfio-pci needs "
			     "enable_sriov=1)", d->func.sriov.num_vfs,
			     d->func.sriov.total_vfs, d->bdf);
	VFIO_DEV_LOG(INFO, d, "opened (IOMMU group %d, config %u bytes, %u "
		     "virtio caps)", d->group, d->cfg_size, d->func.n_caps);
}

struct vpf_vfio_dev *
vpf_vfio_open(const char *bdf, const struct vpf_vfio_params *p)
{
	struct vpf_vfio_params defp;
	struct vpf_pci_func f;
	struct vpf_vfio_dev *d;
	int rc;

	if (p == NULL) {
		vpf_vfio_params_init(&defp);
		p = &defp;
	}
	rc = open_preflight(bdf, &f);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		vpf_error(-ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	memcpy(d->bdf, f.bdf, sizeof(d->bdf));
	d->fd = -1;
	d->group = f.iommu_group;
	rc = open_device(d, &f);
	if (rc == 0)
		rc = open_config(d, &f);
	if (rc == 0)
		rc = open_bars(d);
	if (rc == 0)
		rc = open_enable(d);
	if (rc == 0)
		rc = open_options(d, p);
	if (rc) {
		vpf_vfio_close(d);
		errno = -rc;
		return NULL;
	}
	open_report(d);
	return d;
}

void
vpf_vfio_close(struct vpf_vfio_dev *d)
{
	if (d == NULL)
		return;
	if (d->fd >= 0) {
		uint16_t cmd;

		/* Stop DMA before the memory behind the rings goes away. */
		if (vpf_vfio_cfg_read(d, VPF_PCI_COMMAND, &cmd, 2) == 0) {
			cmd &= (uint16_t)~VPF_PCI_COMMAND_MASTER;
			vpf_vfio_cfg_write(d, VPF_PCI_COMMAND, &cmd, 2);
		}
		vpf_vfio_unmap_bars(d);
		rte_vfio_release_device(SYSFS_PCI_DEVICES, d->bdf, d->fd);
	}
	free(d);
}

const struct vpf_pci_func *
vpf_vfio_func(const struct vpf_vfio_dev *d)
{
	return &d->func;
}

int
vpf_vfio_device_fd(const struct vpf_vfio_dev *d)
{
	return d->fd;
}

int
vpf_vfio_function_reset(struct vpf_vfio_dev *d)
{
	uint16_t num_vfs = 0;

	/* Read NumVFs live: VFs may have been enabled since open. */
	if (d->func.sriov.present &&
	    vpf_vfio_cfg_read(d, d->func.sriov.pos + VPF_SRIOV_NUM_VF, &num_vfs,
			  2) != 0)
		return vpf_error(-EIO, "%s: cannot read NumVFs", d->bdf);
	if (num_vfs)
		return vpf_error(-EBUSY, "refusing a PCI function reset of %s: "
				 "it has %u VFs enabled and a reset would tear "
				 "them down; vpf resets it through the virtio "
				 "status register instead", d->bdf, num_vfs);
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET))
		return vpf_error(-ENOTSUP, "%s: VFIO offers no function reset "
				 "for this device", d->bdf);
	if (ioctl(d->fd, VFIO_DEVICE_RESET) < 0) {
		int e = errno;

		return vpf_error(-e, "%s: function reset failed: %s", d->bdf,
				 strerror(e));
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Test hook (vfio_internal.h)
 * --------------------------------------------------------------------- */

struct vpf_vfio_dev *
vpf_vfio_dev_fake(int fd, uint64_t cfg_off, uint32_t cfg_size,
		  const uint64_t bar_off[6], const uint64_t bar_size[6],
		  bool map)
{
	struct vpf_vfio_dev *d = calloc(1, sizeof(*d));
	unsigned int i;

	if (d == NULL)
		return NULL;
	snprintf(d->bdf, sizeof(d->bdf), "0000:fa:ce.0");
	memcpy(d->func.bdf, d->bdf, sizeof(d->bdf));
	d->fd = fd;
	d->group = -1;
	d->cfg_off = cfg_off;
	d->cfg_size = cfg_size;
	if (read_func(d) != 0) {
		free(d);
		return NULL;
	}
	for (i = 0; i < 6; i++) {
		d->bar[i].size = bar_size[i];
		d->bar[i].fd_off = bar_off[i];
		if (map && bar_size[i] && !d->bar[i].io &&
		    vpf_vfio_map_area(d, &d->bar[i], 0, bar_size[i]) != 0) {
			vpf_vfio_unmap_bars(d);
			free(d);
			return NULL;
		}
	}
	return d;
}

void
vpf_vfio_dev_fake_free(struct vpf_vfio_dev *d)
{
	if (d == NULL)
		return;
	vpf_vfio_unmap_bars(d);
	free(d);
}
