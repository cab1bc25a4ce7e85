/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-vfio-qemu-guest: the program devtools/vfio-qemu-test.sh runs inside a
 * QEMU guest (TCG, q35, emulated intel-iommu) against QEMU's
 * virtio-net-pci bound to vfio-pci. Everything goes through the real VFIO
 * path: discovery through sysfs, rte_vfio_setup_device(), the VFIO config
 * region, BAR mmap, DMA from EAL memzones mapped by the emulated IOMMU.
 *
 * One log line per step, "vpf-qemu: <step>: ok ..." or "vpf-qemu: <step>:
 * FAILED ...", and "vpf-qemu: ALL STEPS PASSED" at the end; the script
 * checks for each of them.
 *
 *   vpf-vfio-qemu-guest [BDF]      (default: the first virtio-net function
 *                                   bound to vfio-pci)
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_vfio.h>

#include "vpf_pf.h"
#include "vpf_spec.h"
#include "vpf_vfio.h"
#include "vpf_virtio.h"

#define LOG(...)	do { printf("vpf-qemu: " __VA_ARGS__); fflush(stdout); } while (0)

static int failures;

static void
step(const char *name, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
step(const char *name, int rc, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (rc == 0) {
		LOG("%s: ok %s\n", name, buf);
	} else {
		LOG("%s: FAILED (%d: %s) %s\n", name, rc, vpf_last_error(),
		    buf);
		failures++;
	}
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* virtio-net control command: header (class, cmd), one data byte, and the
 * device-writable ack, in one DMA region. */
struct ctrl_buf {
	uint8_t class;
	uint8_t cmd;
	uint8_t data;
	uint8_t pad;
	uint8_t ack;
};

static int
ctrl_cmd(struct vpf_vq *vq, struct vpf_dma_region *r, uint8_t class,
	 uint8_t cmd, uint8_t data, uint8_t *ack, uint32_t *used_len)
{
	struct ctrl_buf *b = r->va;
	struct vpf_vq_buf out[2], in[1];
	struct vpf_vq_used u;
	uint64_t deadline;
	int rc;

	b->class = class;
	b->cmd = cmd;
	b->data = data;
	b->ack = 0xee;	/* neither OK nor ERR: the device must write it */
	out[0].iova = r->iova + offsetof(struct ctrl_buf, class);
	out[0].len = 2;
	out[1].iova = r->iova + offsetof(struct ctrl_buf, data);
	out[1].len = 1;
	in[0].iova = r->iova + offsetof(struct ctrl_buf, ack);
	in[0].len = 1;
	rc = vpf_vq_add(vq, out, 2, in, 1, b);
	if (rc < 0)
		return rc;
	rc = vpf_vq_kick(vq);
	if (rc < 0)
		return rc;
	/* TCG is slow; QEMU handles the control queue synchronously in the
	 * doorbell write, but allow for a busy host. */
	deadline = now_us() + 5000000;
	for (;;) {
		rc = vpf_vq_get_used(vq, &u);
		if (rc < 0)
			return rc;
		if (rc == 1)
			break;
		if (now_us() > deadline)
			return vpf_error(-ETIMEDOUT, "no completion on the "
					 "control queue in 5 s");
	}
	if (u.cookie != b)
		return vpf_error(-EIO, "completion for an unknown chain");
	*ack = *(volatile uint8_t *)&b->ack;
	*used_len = u.len;
	return 0;
}

static int
find_bdf(char *bdf)
{
	static struct vpf_pci_func f[32];
	char desc[4096];
	unsigned int n, i;
	int rc;

	rc = vpf_pci_scan(NULL, f, 32, &n);
	if (rc)
		return rc;
	for (i = 0; i < n && i < 32; i++) {
		vpf_pci_describe(&f[i], desc, sizeof(desc));
		printf("%s\n", desc);
		if (bdf[0] == '\0' && f[i].virtio_type == VPF_VIRTIO_ID_NET &&
		    strcmp(f[i].driver, "vfio-pci") == 0)
			memcpy(bdf, f[i].bdf, VPF_PCI_BDF_LEN);
	}
	if (bdf[0] == '\0')
		return vpf_error(-ENODEV, "no virtio-net function bound to "
				 "vfio-pci among %u virtio functions", n);
	for (i = 0; i < n && i < 32; i++) {
		if (strcmp(f[i].bdf, bdf))
			continue;
		if (f[i].iommu_group < 0)
			return vpf_error(-ENXIO, "%s has no IOMMU group", bdf);
		LOG("discovery: found %s virtio-%s driver=%s iommu_group=%d "
		    "cfg_size=%u caps=%u\n", bdf,
		    vpf_pci_virtio_type_name(f[i].virtio_type), f[i].driver,
		    f[i].iommu_group, f[i].cfg_size, f[i].n_caps);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "64", "--no-pci", "--iova-mode=va",
		"-l", "0", "--no-shconf", "--log-level=lib.eal:notice",
		"--log-level=vpf.*:info", NULL,
	};
	int eal_argc = (int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1;
	char bdf[VPF_PCI_BDF_LEN] = "";
	const struct vpf_pci_func *vf;
	struct vpf_vfio_dev *d;
	struct vpf_virtio_dev vd;
	struct vpf_pf_params pp;
	struct vpf_dma_region r = {0};
	struct vpf_vq vq;
	struct vpf_pf *pf;
	uint64_t v;
	uint32_t used_len = 0;
	uint8_t st = 0xff, ack;
	unsigned int i;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);

	/* 1. discovery through sysfs, as `pf scan` does */
	rc = find_bdf(bdf);
	step("discovery", rc, "%s", bdf);
	if (rc)
		goto out;

	/* 2. EAL: no PCI bus (DPDK's virtio PMD stays away), VFIO on */
	rc = rte_eal_init(eal_argc, eal_argv);
	step("eal", rc < 0 ? -EIO : 0, "iova mode %s, vfio %s",
	     rte_eal_iova_mode() == RTE_IOVA_VA ? "va" : "pa",
	     rte_vfio_is_enabled("vfio") ? "enabled" : "disabled");
	if (rc < 0)
		goto out;

	/* 3. open through VFIO */
	d = vpf_vfio_open(bdf, NULL);
	step("vfio-open", d ? 0 : -errno, "%s device fd %d", bdf,
	     d ? vpf_vfio_device_fd(d) : -1);
	if (d == NULL)
		goto eal;

	/* 4. capabilities, read through the VFIO config region */
	vf = vpf_vfio_func(d);
	for (i = 0; i < vf->n_caps; i++)
		LOG("cap: 0x%02x %s bar=%u offset=0x%x length=0x%x%s\n",
		    vf->caps[i].pos, vpf_pci_cap_type_name(vf->caps[i].cfg_type),
		    vf->caps[i].bar, vf->caps[i].offset, vf->caps[i].length,
		    vf->caps[i].in_bar ? "" : " (outside its BAR)");
	rc = vpf_virtio_probe(&vd, &vpf_vfio_ops, d);
	step("caps", rc, "via VFIO config region: %u bytes, %u virtio caps, "
	     "common %s bar %u len 0x%" PRIx64 ", notify bar %u mult %u%s",
	     vf->cfg_size, vf->n_caps, vd.common.present ? "yes" : "no",
	     vd.common.bar, vd.common.length, vd.notify.bar,
	     vd.notify_off_multiplier, vf->notes[0] ? "; notes: " : "");
	if (vf->notes[0])
		LOG("notes: %s\n", vf->notes);
	if (rc)
		goto close;

	/* 5. the BAR, mapped: a register read through the mapping */
	rc = vpf_vfio_ops.bar_size(d, vd.common.bar, &v);
	if (rc == 0)
		rc = vpf_virtio_common_read(&vd, VPF_COMMON_NUMQ, 2,
					    &v);
	step("bar-map", rc, "BAR %u mapped, num_queues=%" PRIu64,
	     vd.common.bar, v);
	if (rc)
		goto close;

	/* 6. reset through the virtio status register (never a function
	 * reset for a PF: its VFs would go) */
	rc = vpf_virtio_reset(&vd, 2000000);
	if (rc == 0)
		rc = vpf_virtio_status_get(&vd, &st);
	step("reset", rc || st ? (rc ? rc : -EIO) : 0,
	     "device_status=0x%02x after writing 0", st);
	if (rc)
		goto close;

	/* 7. features */
	rc = vpf_virtio_status_add(&vd, VPF_STATUS_ACKNOWLEDGE |
				   VPF_STATUS_DRIVER);
	if (rc == 0) {
		/* negotiate nothing optional with an impossible requirement
		 * is not wanted here: read the offer register directly */
		uint64_t lo = 0, hi = 0;

		rc = vpf_virtio_common_write(&vd, VPF_COMMON_DFSELECT, 4, 0);
		if (rc == 0)
			rc = vpf_virtio_common_read(&vd, VPF_COMMON_DF, 4, &lo);
		if (rc == 0)
			rc = vpf_virtio_common_write(&vd, VPF_COMMON_DFSELECT,
						     4, 1);
		if (rc == 0)
			rc = vpf_virtio_common_read(&vd, VPF_COMMON_DF, 4, &hi);
		v = lo | hi << 32;
	}
	step("features", rc, "device offers 0x%016" PRIx64 " (VERSION_1 %s, "
	     "ACCESS_PLATFORM %s, CTRL_VQ %s, ADMIN_VQ %s)", v,
	     v & VPF_FEATURE(VPF_F_VERSION_1) ? "yes" : "no",
	     v & VPF_FEATURE(VPF_F_ACCESS_PLATFORM) ? "yes" : "no",
	     v & VPF_FEATURE(VPF_NET_F_CTRL_VQ) ? "yes" : "no",
	     v & VPF_FEATURE(VPF_F_ADMIN_VQ) ? "yes" : "no");
	vpf_virtio_reset(&vd, 2000000);

	/* 8. the owner driver's bring-up refuses a device without an admin
	 * queue, with the exact reason */
	vpf_pf_params_init(&pp);
	pp.name = "qemu";
	vpf_error_clear();
	pf = vpf_pf_attach(&vpf_vfio_ops, d, &pp);
	if (pf) {
		step("admin-refused", -EPROTO, "vpf_pf_attach accepted a "
		     "device without an admin queue");
		vpf_pf_detach(pf);
	} else {
		LOG("admin-refused: message \"%s\"\n", vpf_last_error());
		step("admin-refused",
		     strcmp(vpf_last_error(), "device does not offer "
			    "VIRTIO_F_ADMIN_VQ") ? -EPROTO : 0,
		     "vpf_pf_attach: errno %d", errno);
	}

	/* 9. our split ring against QEMU's virtio-net control queue, over
	 * real VFIO DMA mappings through the emulated IOMMU */
	memset(&vq, 0, sizeof(vq));
	rc = vpf_virtio_reset(&vd, 2000000);
	if (rc == 0)
		rc = vpf_virtio_status_add(&vd, VPF_STATUS_ACKNOWLEDGE |
					   VPF_STATUS_DRIVER);
	/* ACCESS_PLATFORM: the device must translate our IOVAs through the
	 * IOMMU (iommu_platform=on), so it is required here. */
	if (rc == 0)
		rc = vpf_virtio_negotiate(&vd,
			VPF_FEATURE(VPF_NET_F_CTRL_VQ) |
			VPF_FEATURE(VPF_F_ACCESS_PLATFORM),
			VPF_FEATURE(18) /* VIRTIO_NET_F_CTRL_RX */);
	step("ctrl-negotiate", rc, "driver features 0x%016" PRIx64,
	     vd.driver_features);
	if (rc)
		goto close;
	{
		/* Without VIRTIO_NET_F_MQ the control queue is queue 2. */
		uint16_t ctrl_index = 2;

		rc = vpf_virtio_queue_setup(&vd, &vq, ctrl_index, 64);
		step("ctrl-queue", rc, "queue %u: %u entries, desc iova "
		     "0x%" PRIx64 " avail 0x%" PRIx64 " used 0x%" PRIx64,
		     ctrl_index, vq.size, vq.desc_iova, vq.avail_iova,
		     vq.used_iova);
	}
	if (rc)
		goto reset;
	rc = vpf_virtio_driver_ok(&vd);
	step("driver-ok", rc, "%s", "DRIVER_OK set");
	if (rc)
		goto reset;
	rc = vpf_vfio_ops.dma_alloc(d, 64, 64, &r);
	step("dma-alloc", rc, "command buffer iova 0x%" PRIx64, r.iova);
	if (rc)
		goto reset;

	rc = ctrl_cmd(&vq, &r, VPF_NET_CTRL_RX, VPF_NET_CTRL_RX_PROMISC, 1,
		      &ack, &used_len);
	step("ctrl-promisc-on", rc ? rc : ack == VPF_NET_OK ? 0 : -EIO,
	     "ack=%u used.len=%u", rc ? 0 : ack, used_len);
	rc = ctrl_cmd(&vq, &r, VPF_NET_CTRL_RX, VPF_NET_CTRL_RX_PROMISC, 0,
		      &ack, &used_len);
	step("ctrl-promisc-off", rc ? rc : ack == VPF_NET_OK ? 0 : -EIO,
	     "ack=%u used.len=%u", rc ? 0 : ack, used_len);
	rc = ctrl_cmd(&vq, &r, 0x7f, 0, 0, &ack, &used_len);
	step("ctrl-unknown-class", rc ? rc : ack == VPF_NET_ERR ? 0 : -EIO,
	     "class 0x7f: ack=%u (VIRTIO_NET_ERR expected)", rc ? 0 : ack);
	LOG("ctrl: %" PRIu64 " doorbells rung\n", vq.notifies);

reset:
	rc = vpf_virtio_reset(&vd, 2000000);
	step("final-reset", rc, "%s", "device_status 0");
	vpf_vq_destroy(&vq);
	vpf_vfio_ops.dma_free(d, &r);
	/* No VFs here, so a function reset is allowed; on a PF with VFs
	 * vpf_vfio_function_reset() refuses (-EBUSY). Informational only:
	 * not every emulated function has a reset method. */
	rc = vpf_vfio_function_reset(d);
	LOG("function-reset: %s\n", rc == 0 ? "ok" : vpf_last_error());
close:
	vpf_vfio_close(d);
	LOG("vfio-close: ok\n");

	/* 10. the VF token is for SR-IOV PFs: refused on this one, and the
	 * half-open device is released cleanly */
	{
		struct vpf_vfio_params vp;

		vpf_vfio_params_init(&vp);
		vp.vf_token = "2ab74924-2e4d-4f1c-9bf5-2e08c7a4c6f1";
		d = vpf_vfio_open(bdf, &vp);
		rc = d ? -EPROTO : errno == ENOTSUP &&
		     strstr(vpf_last_error(), "not an SR-IOV PF") ? 0 : -errno;
		LOG("vf-token: message \"%s\"\n", vpf_last_error());
		step("vf-token", rc, "%s", "refused on a PF without SR-IOV");
		vpf_vfio_close(d);
	}

	/* 11. the CLI's path: open + attach in one call, after a close
	 * (re-opening a released device works), refused the same way */
	{
		struct vpf_vfio_dev *d2 = NULL;

		vpf_error_clear();
		pf = vpf_vfio_pf_attach(bdf, NULL, &pp, &d2);
		rc = pf ? -EPROTO : strcmp(vpf_last_error(), "device does not "
					   "offer VIRTIO_F_ADMIN_VQ") ? -EPROTO : 0;
		step("reattach", rc, "vpf_vfio_pf_attach: \"%s\"",
		     vpf_last_error());
		if (pf) {
			vpf_pf_detach(pf);
			vpf_vfio_close(d2);
		}
	}

	/* 12. what a real host gets wrong: a virtio function left without
	 * vfio-pci (the script gives the guest a virtio-rng with no driver) */
	{
		static struct vpf_pci_func f[32];
		unsigned int n = 0;

		rc = vpf_pci_scan(NULL, f, 32, &n);
		for (i = 0; rc == 0 && i < n && i < 32; i++) {
			if (strcmp(f[i].driver, "vfio-pci") == 0)
				continue;
			rc = vpf_vfio_open(f[i].bdf, NULL) ? -EPROTO : 0;
			LOG("error-not-bound: %s: \"%s\"\n", f[i].bdf,
			    vpf_last_error());
			if (rc == 0 && (errno != EBUSY ||
			    !strstr(vpf_last_error(), "dpdk-devbind.py -b "
				    "vfio-pci")))
				rc = -EPROTO;
			step("error-not-bound", rc, "%s refused: errno %d",
			     f[i].bdf, errno);
			break;
		}
		if (rc == 0 && i == n)
			step("error-not-bound", -ENODEV, "%s",
			     "no virtio function without vfio-pci");
	}
eal:
	rte_eal_cleanup();
out:
	if (failures)
		LOG("FAILED: %d steps failed\n", failures);
	else
		LOG("ALL STEPS PASSED\n");
	return failures ? 1 : 0;
}
