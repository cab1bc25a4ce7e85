/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_SINK_H
#define VPF_SINK_H

/*
 * Where a printer's text goes (internal): a FILE, or a caller's buffer
 * that is filled as far as it holds while the full length is counted, so
 * that printing to a file and to a buffer give identical bytes (the ctx
 * and parts printers).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "vpf_common.h"

struct vpf_sink {
	FILE *f;		/* or NULL: buf */
	char *buf;
	size_t size;
	size_t n;		/* bytes the full text needs so far */
	bool io_err;
};

/* printf into @p s; a failed write sets s->io_err. */
void vpf_sink_printf(struct vpf_sink *s, const char *fmt, ...)
	VPF_PRINTF(2, 3);

#endif /* VPF_SINK_H */
