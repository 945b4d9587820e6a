/* test_types.c - the number parsers every reader and the config use. */
#include "test.h"

TEST(types_parse_size)
{
	u64 v = 0;
	CHECK(parse_size("4096", &v) == 0 && v == 4096);
	CHECK(parse_size("010", &v) == 0 && v == 10);          /* not octal */
	CHECK(parse_size("0x10", &v) == 0 && v == 16);
	CHECK(parse_size("4K", &v) == 0 && v == 4096);
	CHECK(parse_size("2M", &v) == 0 && v == 2ull << 20);
	CHECK(parse_size("64G", &v) == 0 && v == 64ull << 30);
	CHECK(parse_size("1T", &v) == 0 && v == 1ull << 40);
	CHECK(parse_size("4KiB", &v) == 0 && v == 4096);
	CHECK(parse_size("17179869184", &v) == 0 && v == 17179869184ull);
	CHECK(parse_size("", &v) < 0);
	CHECK(parse_size("0x", &v) < 0);
	CHECK(parse_size("-1", &v) < 0);
	CHECK(parse_size("4Q", &v) < 0);
	CHECK(parse_size("99999999999999999999", &v) < 0);
	CHECK(parse_size("20000000T", &v) < 0);                /* overflows 64 bits */
}

TEST(types_parse_hex)
{
	u64 v = 0;
	CHECK(parse_hex("7f001000", &v) == 0 && v == 0x7f001000);
	CHECK(parse_hex("0x7f001000", &v) == 0 && v == 0x7f001000);
	CHECK(parse_hex("xyz", &v) < 0);
	CHECK(parse_hex("12 ", &v) < 0);
	CHECK(parse_hex("", &v) < 0);
}
