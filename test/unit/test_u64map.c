/* test_u64map.c - the hash map against a direct array, with deletions. */
#include "test.h"
#include "../../mmu/util/u64map.h"

TEST(u64map_random_against_array)
{
	enum { U = 5000 };
	static u64 ref[U];
	static bool has[U];
	struct u64map h;
	u64 s = rng_seed(3), i, n = 0;
	REQUIRE(u64map_init(&h) == 0);
	for (i = 0; i < 300000; i++) {
		u64 k = rng_next(&s) % U, op = rng_next(&s) % 3;
		u64 key = k * 0x9E3779B97F4A7C15ull;      /* spread keys */
		if (op == 0) {
			u64 v = rng_next(&s);
			REQUIRE(u64map_put(&h, key, v) == 0);
			n += !has[k];
			has[k] = true;
			ref[k] = v;
		} else if (op == 1) {
			CHECK_EQ(u64map_del(&h, key), has[k]);
			n -= has[k];
			has[k] = false;
		} else {
			u64 *p = u64map_get(&h, key);
			CHECK_EQ(p != NULL, has[k]);
			if (p && has[k])
				CHECK_EQ(*p, ref[k]);
		}
		CHECK_EQ(h.n, n);
		if (test_failed_now)
			break;
	}
	for (i = 0; i < U; i++) {
		u64 *p = u64map_get(&h, i * 0x9E3779B97F4A7C15ull);
		CHECK_EQ(p != NULL, has[i]);
	}
	u64map_destroy(&h);
}
