/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Context printer: stable, line-oriented text (the format is documented in
 * doc/context.md and is what `vpf-cli ctx dump` prints). Output goes to a
 * FILE or to a caller buffer through the same sink, so both give identical
 * bytes. This formats for a caller-chosen stream: it is not logging.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "ctx_internal.h"
#include "common/vpf_sink.h"

/* Value bytes as hex, abbreviated after VPF_CTX_PRINT_HEX_MAX bytes. */
static void
print_hex(struct vpf_sink *s, const char *key, const uint8_t *p, uint64_t len,
	  uint32_t flags)
{
	uint64_t n = len, i;
	char chunk[2 * 32 + 1];
	size_t c = 0;

	if (!(flags & VPF_CTX_PRINT_FULL) && n > VPF_CTX_PRINT_HEX_MAX)
		n = VPF_CTX_PRINT_HEX_MAX;
	vpf_sink_printf(s, " %s=", key);
	if (len == 0) {
		vpf_sink_printf(s, "-");
		return;
	}
	for (i = 0; i < n; i++) {
		static const char hx[] = "0123456789abcdef";

		chunk[c++] = hx[p[i] >> 4];
		chunk[c++] = hx[p[i] & 0xf];
		if (c == sizeof(chunk) - 1) {
			chunk[c] = '\0';
			vpf_sink_printf(s, "%s", chunk);
			c = 0;
		}
	}
	chunk[c] = '\0';
	vpf_sink_printf(s, "%s", chunk);
	if (n < len)
		vpf_sink_printf(s, "...(+%" PRIu64 " bytes)", len - n);
}

static void
print_common_cfg(struct vpf_sink *s, const struct vpf_ctx_field *f)
{
	struct vpf_ctx_common_cfg c;

	if (vpf_ctx_decode_common_cfg(f, &c) < 0)
		return;
	vpf_sink_printf(s, " device_feature_select=%" PRIu32
		    " device_feature=0x%08" PRIx32
		    " driver_feature_select=%" PRIu32
		    " driver_feature=0x%08" PRIx32,
		    c.device_feature_select, c.device_feature,
		    c.driver_feature_select, c.driver_feature);
	vpf_sink_printf(s, " config_msix_vector=%u num_queues=%u"
		    " device_status=0x%02x config_generation=%u",
		    c.config_msix_vector, c.num_queues, c.device_status,
		    c.config_generation);
	vpf_sink_printf(s, " queue_select=%u queue_size=%u queue_msix_vector=%u"
		    " queue_enable=%u queue_notify_off=%u",
		    c.queue_select, c.queue_size, c.queue_msix_vector,
		    c.queue_enable, c.queue_notify_off);
	vpf_sink_printf(s, " queue_desc=0x%016" PRIx64 " queue_driver=0x%016" PRIx64
		    " queue_device=0x%016" PRIx64,
		    c.queue_desc, c.queue_driver, c.queue_device);
	vpf_sink_printf(s, " queue_notif_config_data=%u queue_reset=%u"
		    " admin_queue_index=%u admin_queue_num=%u",
		    c.queue_notif_config_data, c.queue_reset,
		    c.admin_queue_index, c.admin_queue_num);
}

static void
print_features(struct vpf_sink *s, const struct vpf_ctx_field *f, uint32_t flags)
{
	struct vpf_ctx_features ft;
	uint64_t i, n;

	if (vpf_ctx_decode_features(f, &ft) < 0)
		return;
	n = ft.nwords;
	if (!(flags & VPF_CTX_PRINT_FULL) &&
	    n > VPF_CTX_PRINT_HEX_MAX / VPF_CTX_FEATURE_WORD_SIZE)
		n = VPF_CTX_PRINT_HEX_MAX / VPF_CTX_FEATURE_WORD_SIZE;
	vpf_sink_printf(s, " words=%" PRIu64 " feature_bits=", ft.nwords);
	for (i = 0; i < n; i++)
		vpf_sink_printf(s, "%s0x%016" PRIx64, i ? "," : "",
			    vpf_ctx_features_word(&ft, i));
	if (n < ft.nwords)
		vpf_sink_printf(s, ",...(+%" PRIu64 " words)", ft.nwords - n);
}

static void
print_vq_cfg(struct vpf_sink *s, const struct vpf_ctx_field *f)
{
	struct vpf_ctx_vq_cfg q;

	if (vpf_ctx_decode_vq_cfg(f, &q) < 0)
		return;
	vpf_sink_printf(s, " vq_index=%u queue_size=%u queue_msix_vector=%u"
		    " queue_desc=0x%016" PRIx64 " queue_driver=0x%016" PRIx64
		    " queue_device=0x%016" PRIx64,
		    q.vq_index, q.queue_size, q.queue_msix_vector,
		    q.queue_desc, q.queue_driver, q.queue_device);
}

static void
print_vq_runtime(struct vpf_sink *s, const struct vpf_ctx_field *f)
{
	struct vpf_ctx_vq_runtime rt;

	if (vpf_ctx_decode_vq_runtime(f, &rt) < 0)
		return;
	vpf_sink_printf(s, " vq_index=%u dev_avail_idx=%u enabled=%u",
		    rt.vq_index, rt.dev_avail_idx, rt.enabled);
}

static void
print_own_desc(struct vpf_sink *s, const struct vpf_ctx_field *f, uint32_t flags)
{
	const uint32_t head = VPF_CTX_PRINT_DESC_HEAD;
	const uint32_t tail = VPF_CTX_PRINT_DESC_TAIL;
	struct vpf_ctx_own_desc od;
	uint32_t i, n;
	bool abbrev;

	if (vpf_ctx_decode_own_desc(f, &od) < 0)
		return;
	n = od.desc_count;
	abbrev = !(flags & VPF_CTX_PRINT_FULL) && n > head + tail;
	vpf_sink_printf(s, " vq_index=%u desc_count=%u desc_idx=", od.vq_index,
		    od.desc_count);
	if (n == 0) {
		vpf_sink_printf(s, "-");
		return;
	}
	for (i = 0; i < n; i++) {
		if (abbrev && i == head) {
			/* Deterministic: first 16, a count, last 4. */
			vpf_sink_printf(s, ",...(+%u)", n - head - tail);
			i = n - tail;
		}
		vpf_sink_printf(s, "%s%u", i ? "," : "",
			    vpf_ctx_own_desc_idx(&od, i));
	}
}

static void
print_field(struct vpf_sink *s, const struct vpf_ctx_field *f, uint32_t flags)
{
	uint64_t size = vpf_ctx_type_fixed_size(f->type);

	vpf_sink_printf(s, "field %" PRIu32 " offset=%" PRIu64 " type=%s(0x%04x) length=%" PRIu64,
		    f->index, f->offset, vpf_ctx_type_name(f->type), f->type,
		    f->length);
	switch (f->type) {
	case VPF_CTX_PCI_COMMON_CFG:
		print_common_cfg(s, f);
		break;
	case VPF_CTX_DEV_FEATURES:
		print_features(s, f, flags);
		break;
	case VPF_CTX_PCI_VQ_CFG:
		print_vq_cfg(s, f);
		break;
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG:
		print_vq_runtime(s, f);
		break;
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC:
		print_own_desc(s, f, flags);
		break;
	default:
		/* DEV_CFG (device-type layout), unknown and reserved types:
		 * the bytes as they are. */
		print_hex(s, "value", f->value, f->length, flags);
		break;
	}
	if (f->flags & VPF_CTX_FIELD_F_EXTENDED) {
		vpf_sink_printf(s, " extended=%" PRIu64, f->length - size);
		print_hex(s, "ext", f->value + size, f->length - size, flags);
	}
	if (f->flags & VPF_CTX_FIELD_F_UNKNOWN)
		vpf_sink_printf(s, " unknown");
	if (f->flags & VPF_CTX_FIELD_F_RESERVED)
		vpf_sink_printf(s, " reserved-type");
	if (f->flags & VPF_CTX_FIELD_F_RSVD_SET)
		print_hex(s, "rsvd", f->tlv + CTX_TLV_RSVD_OFF, 6, flags);
	vpf_sink_printf(s, "\n");
}

static int
print_ctx(struct vpf_sink *s, const void *ctx, size_t len, uint32_t flags,
	  struct vpf_ctx_error *err)
{
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	char msg[320];
	int rc;

	rc = vpf_ctx_iter_init(&it, ctx, len, flags & VPF_CTX_F_ALLOW_PAD);
	if (rc < 0)
		return rc;
	rc = vpf_ctx_iter_next(&it, &f);
	if (len >= VPF_CTX_HDR_SIZE)
		vpf_sink_printf(s, "context: field_count=%" PRIu32 " bytes=%zu\n",
			    vpf_ctx_iter_field_count(&it), len);
	else
		vpf_sink_printf(s, "context: bytes=%zu\n", len);
	for (; rc > 0; rc = vpf_ctx_iter_next(&it, &f))
		print_field(s, &f, flags);
	if (rc == 0) {
		vpf_sink_printf(s, "end: well formed\n");
	} else {
		vpf_ctx_error_str(vpf_ctx_iter_error(&it), msg, sizeof(msg));
		vpf_sink_printf(s, "error: %s at offset %" PRIu64 ": %s\n",
			    vpf_ctx_err_name(vpf_ctx_iter_error(&it)->code),
			    vpf_ctx_iter_error(&it)->offset, msg);
	}
	if (err != NULL)
		*err = *vpf_ctx_iter_error(&it);
	if (s->io_err)
		return vpf_error(-EIO, "cannot write the context text");
	if (rc < 0)
		return vpf_ctx_report(vpf_ctx_iter_error(&it));
	return 0;
}

int
vpf_ctx_print(FILE *out, const void *ctx, size_t len, uint32_t flags,
	      struct vpf_ctx_error *err)
{
	struct vpf_sink s = { .f = out };

	if (out == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_print: NULL stream");
	return print_ctx(&s, ctx, len, flags, err);
}

int
vpf_ctx_print_buf(char *buf, size_t size, size_t *needed, const void *ctx,
		  size_t len, uint32_t flags, struct vpf_ctx_error *err)
{
	struct vpf_sink s = { .buf = buf, .size = size };
	int rc;

	if (buf == NULL && size > 0)
		return vpf_error(-EINVAL, "vpf_ctx_print_buf: NULL buffer");
	if (size > 0)
		buf[0] = '\0';
	rc = print_ctx(&s, ctx, len, flags, err);
	if (needed != NULL)
		*needed = s.n;
	return rc;
}
