/* libfuzzer.c - the libFuzzer entry point of one target of harness.h,
 * chosen at build time with -DFUZZ_TARGET=fuzz_NAME (`make fuzz`). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FUZZ_TARGET(data, size);
}
