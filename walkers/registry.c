/* registry.c - walkers by name. */
#include "walker.h"

#include <stdio.h>
#include <string.h>

static const struct walker_ops *const walkers[] = {
	&native_walker_ops,
	&nested_walker_ops,
	&shadow_walker_ops,
	&agile_walker_ops,
	&bpo_walker_ops,
	&dual_direct_walker_ops,
	&vmm_direct_walker_ops,
	&guest_direct_walker_ops,
	&tpt_walker_ops,
};

int walker_index(const struct walker_ops *ops)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(walkers); i++)
		if (walkers[i] == ops)
			return (int)i;
	return -1;
}

const struct walker_ops *walker_find(const char *name)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(walkers); i++)
		if (!strcmp(walkers[i]->name, name))
			return walkers[i];
	return NULL;
}

void walker_list(void *file)
{
	FILE *f = file;
	size_t i;
	for (i = 0; i < ARRAY_SIZE(walkers); i++)
		fprintf(f, "  %-14s %s\n", walkers[i]->name, walkers[i]->summary);
}

const char *vmm_cause_name(enum vmm_cause c)
{
	static const char *const n[VMM_CAUSE_NR] = {
		"pt_write", "hidden_fault", "dirty", "inject", "cr3", "invlpg", "flush", "mode", "interval",
		"ept_violation",
	};
	return (unsigned)c < VMM_CAUSE_NR ? n[c] : "?";
}
