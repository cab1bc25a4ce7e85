/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_COMMON_H
#define VPF_COMMON_H

/**
 * @file
 * Things every vpf header needs: symbol export, the library version and the
 * per-thread "last error" text that explains a failed call in words.
 */

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a symbol of libvpf's public ABI (everything else is hidden). */
#define VPF_API __attribute__((visibility("default")))

/** printf-style format checking. */
#define VPF_PRINTF(f, a) __attribute__((format(printf, f, a)))

/** Library version string, e.g. "0.1.0". */
VPF_API const char *vpf_version(void);

/**
 * Text of the last error a vpf call of this thread reported, e.g.
 * "device does not offer VIRTIO_F_ADMIN_VQ". Functions that fail with a
 * negative errno (or return NULL and set errno) set it; successful calls do
 * not clear it. Never NULL; "" when nothing was reported yet.
 */
VPF_API const char *vpf_last_error(void);

/**
 * Set the calling thread's last-error text (used by vpf's own modules and by
 * backends; exported so that drivers built outside libvpf can report too).
 * @return @p err unchanged, so that `return vpf_error(-EINVAL, "...")` works.
 */
VPF_API int vpf_error(int err, const char *fmt, ...) VPF_PRINTF(2, 3);

/** Clear the calling thread's last-error text. */
VPF_API void vpf_error_clear(void);

#ifdef __cplusplus
}
#endif

#endif /* VPF_COMMON_H */
