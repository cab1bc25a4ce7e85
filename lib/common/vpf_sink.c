/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#include <stdarg.h>

#include "vpf_sink.h"

void
vpf_sink_printf(struct vpf_sink *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	if (s->f != NULL) {
		r = vfprintf(s->f, fmt, ap);
	} else {
		size_t room = s->n < s->size ? s->size - s->n : 0;

		r = vsnprintf(room > 0 ? s->buf + s->n : NULL, room, fmt, ap);
	}
	va_end(ap);
	if (r < 0)
		s->io_err = true;
	else
		s->n += (size_t)r;
}
