/* test_bloom.c - no false negatives; false-positive rate near the closed
 * form (1 - e^(-kn/m))^k. */
#include "test.h"
#include "../../mmu/util/bloom.h"

#include <math.h>

TEST(bloom_no_false_negatives_and_fp_rate)
{
	struct bloom b;
	u32 m = 1u << 16, k = 4, n = 4000, i, fp = 0, probes = 200000;
	double want;
	REQUIRE(bloom_init(&b, m, k) == 0);
	for (i = 0; i < n; i++)
		bloom_add(&b, (u64)i * 7919);
	for (i = 0; i < n; i++)
		CHECK(bloom_test(&b, (u64)i * 7919));
	for (i = 0; i < probes; i++)
		fp += bloom_test(&b, (u64)(i + 1) * 7919 + 3);
	want = pow(1.0 - exp(-(double)k * n / m), k);
	CHECK_NEAR((double)fp / probes, want, 0.3 * want + 0.0005);
	bloom_destroy(&b);
	REQUIRE(bloom_init(&b, 0, 4) == 0);
	CHECK(!bloom_test(&b, 1));
	bloom_destroy(&b);
}
