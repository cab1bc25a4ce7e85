/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The main() of every test/mig binary, model-backed (mig_harness.h) or
 * not: MIG_TEST_MAIN(cmocka_unit_test(a), cmocka_unit_test(b), ...) runs
 * the tests as one group.
 *
 * MIG_TEST_FILTER=<cmocka pattern> in the environment runs only the
 * matching tests of the binary (cmocka 1.1 reads no filter of its own).
 */

#ifndef MIG_TEST_MAIN_H
#define MIG_TEST_MAIN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static inline void
mig_test_filter(void)
{
	const char *f = getenv("MIG_TEST_FILTER");

	if (f != NULL)
		cmocka_set_test_filter(f);
}

#define MIG_TEST_MAIN(...) \
	int \
	main(void) \
	{ \
		const struct CMUnitTest tests[] = { __VA_ARGS__ }; \
		\
		mig_test_filter(); \
		return cmocka_run_group_tests(tests, NULL, NULL); \
	}

#endif
