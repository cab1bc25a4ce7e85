/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The main() of a cmocka test binary that runs its tests as one group:
 *
 *	VPF_TEST_MAIN(group_setup, group_teardown,
 *		cmocka_unit_test(test_a),
 *		cmocka_unit_test(test_b))
 *
 * (NULL for no group setup or teardown). Include <cmocka.h> first.
 */

#ifndef VPF_TEST_MAIN_H
#define VPF_TEST_MAIN_H

#define VPF_TEST_MAIN(setup, teardown, ...)				\
	int								\
	main(void)							\
	{								\
		const struct CMUnitTest tests[] = { __VA_ARGS__ };	\
									\
		return cmocka_run_group_tests(tests, setup, teardown);	\
	}

#endif /* VPF_TEST_MAIN_H */
