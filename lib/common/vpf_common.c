/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vpf_common.h"
#include "vpf_spec.h"

#ifndef VPF_VERSION_STRING
#define VPF_VERSION_STRING "0.0.0"
#endif

static __thread char vpf_errbuf[512];

const char *
vpf_version(void)
{
	return VPF_VERSION_STRING;
}

const char *
vpf_last_error(void)
{
	return vpf_errbuf;
}

int
vpf_error(int err, const char *fmt, ...)
{
	char tmp[sizeof(vpf_errbuf)];
	va_list ap;

	/* Format into a copy first: callers may pass vpf_last_error() itself
	 * as an argument to add context to an inner error. */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(vpf_errbuf, tmp, sizeof(vpf_errbuf));
	return err;
}

void
vpf_error_clear(void)
{
	vpf_errbuf[0] = '\0';
}

const char *
vpf_admin_status_name(uint16_t status)
{
	switch (status) {
	case VPF_ADMIN_STATUS_OK: return "OK";
	case VPF_ADMIN_STATUS_ENXIO: return "ENXIO";
	case VPF_ADMIN_STATUS_EAGAIN: return "EAGAIN";
	case VPF_ADMIN_STATUS_ENOMEM: return "ENOMEM";
	case VPF_ADMIN_STATUS_EBUSY: return "EBUSY";
	case VPF_ADMIN_STATUS_EINVAL: return "EINVAL";
	case VPF_ADMIN_STATUS_ENOSPC: return "ENOSPC";
	default: return "UNKNOWN";
	}
}

const char *
vpf_admin_qualifier_name(uint16_t qualifier)
{
	static const char *const names[] = {
		[VPF_ADMIN_SQ_OK] = "OK",
		[VPF_ADMIN_SQ_INVALID_COMMAND] = "INVALID_COMMAND",
		[VPF_ADMIN_SQ_INVALID_OPCODE] = "INVALID_OPCODE",
		[VPF_ADMIN_SQ_INVALID_FIELD] = "INVALID_FIELD",
		[VPF_ADMIN_SQ_INVALID_GROUP] = "INVALID_GROUP",
		[VPF_ADMIN_SQ_INVALID_MEMBER] = "INVALID_MEMBER",
		[VPF_ADMIN_SQ_NORESOURCE] = "NORESOURCE",
		[VPF_ADMIN_SQ_TRYAGAIN] = "TRYAGAIN",
	};

	if (qualifier > VPF_ADMIN_SQ_MAX)
		return "UNKNOWN";
	return names[qualifier];
}

const char *
vpf_admin_opcode_name(uint16_t opcode)
{
	switch (opcode) {
	case VPF_ADMIN_OP_LIST_QUERY: return "LIST_QUERY";
	case VPF_ADMIN_OP_LIST_USE: return "LIST_USE";
	case VPF_ADMIN_OP_DEV_MODE_GET: return "DEV_MODE_GET";
	case VPF_ADMIN_OP_DEV_MODE_SET: return "DEV_MODE_SET";
	case VPF_ADMIN_OP_DEV_CTX_SIZE_GET: return "DEV_CTX_SIZE_GET";
	case VPF_ADMIN_OP_DEV_CTX_READ: return "DEV_CTX_READ";
	case VPF_ADMIN_OP_DEV_CTX_WRITE: return "DEV_CTX_WRITE";
	case VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY: return "DEV_CTX_FIELDS_QUERY";
	case VPF_ADMIN_OP_DEV_CTX_DISCARD: return "DEV_CTX_DISCARD";
	case VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY:
		return "DEV_WRITE_RECORD_CAP_QUERY";
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_START:
		return "DEV_WRITE_RECORDS_START";
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP:
		return "DEV_WRITE_RECORDS_STOP";
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ:
		return "DEV_WRITE_RECORDS_READ";
	default: return "UNKNOWN";
	}
}

const char *
vpf_dev_mode_name(uint8_t mode)
{
	switch (mode) {
	case VPF_DEV_MODE_ACTIVE: return "active";
	case VPF_DEV_MODE_STOP: return "stop";
	case VPF_DEV_MODE_FREEZE: return "freeze";
	default: return "reserved";
	}
}

const char *
vpf_ctx_type_name(uint16_t type)
{
	switch (type) {
	case VPF_CTX_PCI_COMMON_CFG: return "PCI_COMMON_CFG";
	case VPF_CTX_DEV_FEATURES: return "DEV_FEATURES";
	case VPF_CTX_PCI_VQ_CFG: return "PCI_VQ_CFG";
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG: return "VQ_SPLIT_RUNTIME_CFG";
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC: return "VQ_SPLIT_DEV_OWN_DESC";
	case VPF_CTX_DEV_CFG: return "DEV_CFG";
	default:
		if (type <= VPF_CTX_TYPE_GENERIC_LAST)
			return "UNKNOWN_GENERIC";
		if (type <= VPF_CTX_TYPE_DEVICE_LAST)
			return "UNKNOWN_DEVICE";
		return "RESERVED";
	}
}

int
vpf_admin_status_errno(uint16_t status)
{
	switch (status) {
	case VPF_ADMIN_STATUS_OK: return 0;
	case VPF_ADMIN_STATUS_ENXIO: return -ENXIO;
	case VPF_ADMIN_STATUS_EAGAIN: return -EAGAIN;
	case VPF_ADMIN_STATUS_ENOMEM: return -ENOMEM;
	case VPF_ADMIN_STATUS_EBUSY: return -EBUSY;
	case VPF_ADMIN_STATUS_ENOSPC: return -ENOSPC;
	default: return -EINVAL; /* EINVAL, and any reserved status, doc/protocol.md §1.4 */
	}
}
