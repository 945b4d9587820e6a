/*
 * test_place.c - the placement simulator (mmu/place/place.c): each algorithm's
 * choice on hand-made clusters, with the server of every VM computed by
 * hand in the comments; the indexed search against a scan of the servers
 * at every arrival; the allocator audit on every server after every
 * event; every statistic against a recomputation from the placements.
 */
#include "place_util.h"

#include <math.h>
#include <stdlib.h>

/* Runs algorithm a on trace t over c, checking every server after every
 * event (all of them when audit_all, else the one the event touched) and
 * every choice against the scan. Returns the simulator, run and finished
 * (the caller destroys it). */
static void run_checked(struct place_sim *s, const struct cluster *c, const struct vmtrace *t,
			const struct place_events *ev, enum place_algo a, bool audit_all)
{
	u64 i;
	u32 j;

	if (place_init(s, c, t, a)) {
		test_fail(__FILE__, __LINE__, "place_init");
		return;
	}
	for (i = 0; i < ev->n; i++) {
		const struct place_ev *e = &ev->v[i];
		u32 want = PLACE_NONE, got;
		bool won = false, gon = false;
		if (place_ev_arrival(e)) {
			want = pu_naive_choose(s, e->vm, &won);
			got = place_choose(s, e->vm, &gon);
			if (got != want || gon != won)
				test_fail(__FILE__, __LINE__, "%s, VM %u: index chose %d (power %d), scan %d (power %d)",
					  place_algo_name(a), e->vm, (int)got, gon, (int)want, won);
		}
		if (place_step(s, e)) {
			test_fail(__FILE__, __LINE__, "place_step");
			return;
		}
		if (place_ev_arrival(e) && s->vm[e->vm].server != want)
			test_fail(__FILE__, __LINE__, "VM %u placed on %d, chosen %d", e->vm,
				  (int)s->vm[e->vm].server, (int)want);
		if (audit_all) {
			for (j = 0; j < c->servers; j++)
				pu_check_server(s, j, __FILE__, __LINE__);
		} else if (s->vm[e->vm].server != PLACE_NONE) {
			pu_check_server(s, s->vm[e->vm].server, __FILE__, __LINE__);
		}
		if (test_failed_now > 5)
			return;
	}
	place_finish(s);
	for (j = 0; j < c->servers; j++)
		pu_check_server(s, j, __FILE__, __LINE__);
}

/* The server of each VM (PLACE_NONE: rejected) after running algorithm a. */
static void expect_servers(const struct cluster *c, const struct vmtrace *t, enum place_algo a,
			   const u32 *want, const u8 *contig)
{
	struct place_events ev;
	struct place_sim s;
	u64 i;

	REQUIRE(place_events_build(&ev, t) == 0);
	run_checked(&s, c, t, &ev, a, true);
	for (i = 0; i < t->n; i++) {
		if (s.vm[i].server != want[i])
			test_fail(__FILE__, __LINE__, "%s: VM %llu on server %d, expected %d", place_algo_name(a),
				  (unsigned long long)i, (int)s.vm[i].server, (int)want[i]);
		if (contig && want[i] != PLACE_NONE && s.vm[i].contiguous != contig[i])
			test_fail(__FILE__, __LINE__, "%s: VM %llu contiguous %d, expected %d", place_algo_name(a),
				  (unsigned long long)i, s.vm[i].contiguous, contig[i]);
	}
	place_destroy(&s);
	place_events_free(&ev);
}

#define G (1ull << 30)
#define N PLACE_NONE

static void vm(struct vmtrace *t, u64 c, u64 d, u32 v, u64 mem)
{
	CHECK(vmtrace_add(t, NULL, 0, c, d, v, mem) == 0);
}

/* Scores are free vCPUs / V + free GiB / F with V, F the largest server's
 * vCPUs and GiB. All VMs live to t=1000; 1 GiB granules.
 *
 * Three servers of 8 vCPUs, 16 GiB (V = 8, F = 16):
 *   A t0 2v 2G powers S0 (6v 14G left: 0.75 + 0.875 = 1.625);
 *   B t1 7v 2G does not fit S0, powers S1 (1v 14G: 0.125 + 0.875 = 1.0);
 *   C t2 1v 1G fits both: first S0, min S1 (1.0 < 1.625), max S0.
 * Then A' t0 7v 2G (S0: 1v 14G = 1.0), B' t1 2v 2G powers S1 (6v 14G =
 * 1.625), C' t2 1v 1G: first S0, min S0, max S1.
 * X t3 100 vCPUs: no server has them, rejected by every algorithm.
 * contig and contig-power are first fit here: every server that fits has
 * a free run long enough. */
TEST(place_algorithms_by_hand)
{
	static const char ini[] = "[cluster]\nservers = 3\ngranule = 1G\n"
				  "[server.s]\nram = 16G\ncores = 8\nshare = 100\n";
	static const u32 first1[] = { 0, 1, 0, N }, min1[] = { 0, 1, 1, N };
	static const u32 first2[] = { 0, 1, 0, N }, max2[] = { 0, 1, 1, N };
	struct cluster c;
	struct vmtrace t = { 0 }, u = { 0 };

	REQUIRE(pu_cluster(&c, "hand.ini", ini));
	vm(&t, 0, 1000, 2, 2 * G);
	vm(&t, 1, 1000, 7, 2 * G);
	vm(&t, 2, 1000, 1, 1 * G);
	vm(&t, 3, 1000, 100, 1 * G);
	expect_servers(&c, &t, PLACE_FIRST, first1, NULL);
	expect_servers(&c, &t, PLACE_MIN, min1, NULL);
	expect_servers(&c, &t, PLACE_MAX, first1, NULL);
	expect_servers(&c, &t, PLACE_CONTIG, first1, NULL);
	expect_servers(&c, &t, PLACE_CONTIG_POWER, first1, NULL);
	vm(&u, 0, 1000, 7, 2 * G);
	vm(&u, 1, 1000, 2, 2 * G);
	vm(&u, 2, 1000, 1, 1 * G);
	vm(&u, 3, 1000, 100, 1 * G);
	expect_servers(&c, &u, PLACE_FIRST, first2, NULL);
	expect_servers(&c, &u, PLACE_MIN, first2, NULL);
	expect_servers(&c, &u, PLACE_MAX, max2, NULL);
	expect_servers(&c, &u, PLACE_CONTIG, first2, NULL);
	vmtrace_free(&t);
	vmtrace_free(&u);
	cluster_free(&c);
}

/* A small server (4 vCPUs, 8 GiB) then a large one (8 vCPUs, 16 GiB):
 * scores in units of the large one (V = 8, F = 16).
 *   A t0 2v 4G powers S0 (small; 2v 4G left: 0.25 + 0.25 = 0.5);
 *   B t1 6v 10G does not fit S0, powers S1 (2v 6G: 0.25 + 0.375 = 0.625);
 *   C t2 1v 1G fits both: first S0, min S0 (0.5), max S1 (0.625).
 * A score relative to each server's own size would rank them the other
 * way (S0: 2/4 + 4/8 = 1.0 against S1's 0.625). */
TEST(place_scores_in_fleet_units)
{
	static const char ini[] = "[cluster]\nservers = 2\ngranule = 1G\norder = grouped\n"
				  "[server.small]\nram = 8G\ncores = 4\nshare = 50\n"
				  "[server.large]\nram = 16G\ncores = 8\nshare = 50\n";
	static const u32 first[] = { 0, 1, 0 }, max[] = { 0, 1, 1 };
	struct cluster c;
	struct vmtrace t = { 0 };
	struct place_events ev;
	struct place_sim s;

	REQUIRE(pu_cluster(&c, "units.ini", ini));
	CHECK_EQ(c.server_kind[0], 0);
	CHECK_EQ(c.server_kind[1], 1);
	vm(&t, 0, 1000, 2, 4 * G);
	vm(&t, 1, 1000, 6, 10 * G);
	vm(&t, 2, 1000, 1, 1 * G);
	expect_servers(&c, &t, PLACE_FIRST, first, NULL);
	expect_servers(&c, &t, PLACE_MIN, first, NULL);
	expect_servers(&c, &t, PLACE_MAX, max, NULL);
	REQUIRE(place_events_build(&ev, &t) == 0);
	REQUIRE(place_init(&s, &c, &t, PLACE_MIN) == 0);
	CHECK_EQ(s.ref_vcpus, 8);
	CHECK_EQ(s.ref_frames, 16);
	for (u64 i = 0; i < 2; i++)    /* A and B placed, C not yet */
		REQUIRE(place_step(&s, &ev.v[i]) == 0);
	CHECK_NEAR(place_score(&s, 0), 0.5, 1e-15);
	CHECK_NEAR(place_score(&s, 1), 0.625, 1e-15);
	place_destroy(&s);
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* Three servers of 8 vCPUs and 8 GiB (1 GiB granules):
 *   P t0-100 1v 3G, Q t1-4 1v 2G, R t2-100 1v 1G, W t3-100 6v 1G,
 *   U t5-100 1v 3G.
 * P, Q, R go to S0 under every algorithm (it fits, and is the only or the
 * fullest or the emptiest powered server): S0 holds P [0,3), Q [3,5),
 * R [5,6). W needs 6 vCPUs, S0 has 5 left: S1 is powered (2v left, free
 * run [1,8)). Q leaves at t4: S0 has 6 vCPUs, 4 free GiB in two runs of 2
 * ([3,5) and [6,8)).
 * U (3 GiB): first fit takes S0 (fits) and is scattered; max takes S0
 * too (score 6/8 + 4/8 = 1.25 against S1's 2/8 + 7/8 = 1.125) scattered;
 * min takes S1 (1.125) contiguous; contig skips S0 (longest run 2) for S1
 * (run 7), contiguous; contig-power likewise. */
TEST(place_contiguity_by_hand)
{
	static const char ini[] = "[cluster]\nservers = 3\ngranule = 1G\n"
				  "[server.s]\nram = 8G\ncores = 8\nshare = 100\n";
	static const u32 first[] = { 0, 0, 0, 1, 0 };
	static const u32 min[] = { 0, 0, 0, 1, 1 };
	static const u8 cfirst[] = { 1, 1, 1, 1, 0 };
	static const u8 cmin[] = { 1, 1, 1, 1, 1 };
	struct cluster c;
	struct vmtrace t = { 0 };
	struct place_events ev;
	struct place_sim s;

	REQUIRE(pu_cluster(&c, "three.ini", ini));
	vm(&t, 0, 100, 1, 3 * G);
	vm(&t, 1, 4, 1, 2 * G);
	vm(&t, 2, 100, 1, 1 * G);
	vm(&t, 3, 100, 6, 1 * G);
	vm(&t, 5, 100, 1, 3 * G);
	expect_servers(&c, &t, PLACE_FIRST, first, cfirst);
	expect_servers(&c, &t, PLACE_MAX, first, cfirst);
	expect_servers(&c, &t, PLACE_MIN, min, cmin);
	expect_servers(&c, &t, PLACE_CONTIG, min, cmin);
	expect_servers(&c, &t, PLACE_CONTIG_POWER, min, cmin);

	/* The layout under first fit: P at granule 0, R at 5, W at S1's 0; U
	 * in three single granules from the two holes (max_order is 0 with
	 * 1 GiB granules: scattered blocks are single granules). */
	REQUIRE(place_events_build(&ev, &t) == 0);
	REQUIRE(place_init(&s, &c, &t, PLACE_FIRST) == 0);
	for (u64 i = 0; i < ev.n && place_ev_time(&ev.v[i]) < 100; i++)
		REQUIRE(place_step(&s, &ev.v[i]) == 0);
	CHECK_EQ(s.vm[0].base, 0);
	CHECK_EQ(s.vm[2].base, 5);
	CHECK_EQ(s.vm[3].base, 0);
	REQUIRE_EQ(s.vm[4].next, 3);
	for (u64 k = 0; k < 3; k++) {
		u64 f = s.vm[4].ext[k].frame;
		CHECK_EQ(s.vm[4].ext[k].order, 0);
		CHECK(f == 3 || f == 4 || f == 6 || f == 7);
	}
	CHECK_EQ(s.srv[0].free_frames, 1);
	CHECK_EQ(s.srv[0].run, 1);
	place_destroy(&s);
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* Two servers of 8 vCPUs, 8 GiB. P t0 3G, Q t1-3 2G, R t2 1G (all 1 vCPU)
 * on S0; Q leaves at t3: S0's runs are 2 and 2. U t4 1v 3G: contig has no
 * powered server with a run of 3 but S0 fits, so it takes S0 scattered;
 * contig-power powers S1 first and U is contiguous there. */
TEST(place_contig_power_by_hand)
{
	static const char ini[] = "[cluster]\nservers = 2\ngranule = 1G\n"
				  "[server.s]\nram = 8G\ncores = 8\nshare = 100\n";
	static const u32 contig[] = { 0, 0, 0, 0 };
	static const u32 power[] = { 0, 0, 0, 1 };
	static const u8 ccontig[] = { 1, 1, 1, 0 };
	static const u8 cpower[] = { 1, 1, 1, 1 };
	struct cluster c;
	struct vmtrace t = { 0 };

	REQUIRE(pu_cluster(&c, "cp.ini", ini));
	vm(&t, 0, 100, 1, 3 * G);
	vm(&t, 1, 3, 1, 2 * G);
	vm(&t, 2, 100, 1, 1 * G);
	vm(&t, 4, 100, 1, 3 * G);
	expect_servers(&c, &t, PLACE_CONTIG, contig, ccontig);
	expect_servers(&c, &t, PLACE_CONTIG_POWER, power, cpower);
	expect_servers(&c, &t, PLACE_FIRST, contig, ccontig);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* Four identical servers of 8 vCPUs. A and B (t0, t1; 4 vCPUs each)
 * power S0 and fill it; C (t2, 4v) powers S1; D (t3, 4v) fits only S1.
 * A leaves at t4 and B at t5: S0 is empty and powered off. E (t6, 1v)
 * finds S1 full and powers the lowest powered-off server, S0 again. The
 * same under every algorithm. */
TEST(place_ties_and_power_off)
{
	static const char ini[] = "[cluster]\nservers = 4\ngranule = 1G\n"
				  "[server.s]\nram = 8G\ncores = 8\nshare = 100\n";
	static const u32 want[] = { 0, 0, 1, 1, 0 };
	struct cluster c;
	struct vmtrace t = { 0 };
	struct place_events ev;
	struct place_sim s;

	REQUIRE(pu_cluster(&c, "ties.ini", ini));
	vm(&t, 0, 4, 4, 1 * G);
	vm(&t, 1, 5, 4, 1 * G);
	vm(&t, 2, 100, 4, 1 * G);
	vm(&t, 3, 100, 4, 1 * G);
	vm(&t, 6, 100, 1, 1 * G);
	for (int a = 0; a < PLACE_NR; a++)
		expect_servers(&c, &t, (enum place_algo)a, want, NULL);

	/* Powered servers over time: 1 on [0,2), 2 on [2,5), 1 on [5,6), 2
	 * on [6,100]: peak 2, mean (2 + 6 + 1 + 188) / 100 = 1.97, 3 power-ons
	 * (S0 twice), 2 distinct servers; 4 VMs alive at t3. */
	REQUIRE(place_events_build(&ev, &t) == 0);
	REQUIRE(place_init(&s, &c, &t, PLACE_FIRST) == 0);
	REQUIRE(place_run(&s, &ev) == 0);
	CHECK_EQ(s.st.peak_powered, 2);
	CHECK_EQ(s.st.ever_powered, 2);
	CHECK_EQ(s.st.power_ons, 3);
	CHECK_NEAR(s.st.mean_powered, 1.97, 1e-12);
	CHECK_NEAR(s.st.consolidation, 0.5, 1e-12);
	CHECK_EQ(s.st.peak_vms, 4);
	CHECK_EQ(s.powered, 0);
	place_destroy(&s);
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* Event order: departures at time t before arrivals at t, a zero-length
 * VM departs after the arrivals of its time. One server of 1 vCPU:
 * A [0,10), B [10,20): B fits because A left first; Z [10,10] (zero
 * length) arrives after B and finds no vCPU: rejected (the fleet has one
 * server). */
TEST(place_event_order)
{
	static const char ini[] = "[cluster]\nservers = 1\ngranule = 1G\n"
				  "[server.s]\nram = 4G\ncores = 1\nshare = 100\n";
	static const u32 want[] = { 0, 0, N };
	struct cluster c;
	struct vmtrace t = { 0 };
	struct place_events ev;

	REQUIRE(pu_cluster(&c, "order.ini", ini));
	vm(&t, 0, 10, 1, G);
	vm(&t, 10, 20, 1, G);
	vm(&t, 10, 10, 1, G);
	REQUIRE(place_events_build(&ev, &t) == 0);
	REQUIRE_EQ(ev.n, 6);
	/* (0 arrive A) (10 depart A) (10 arrive B) (10 arrive Z) (10 depart Z) (20 depart B) */
	CHECK(place_ev_arrival(&ev.v[0]) && ev.v[0].vm == 0);
	CHECK(!place_ev_arrival(&ev.v[1]) && ev.v[1].vm == 0);
	CHECK(place_ev_arrival(&ev.v[2]) && ev.v[2].vm == 1);
	CHECK(place_ev_arrival(&ev.v[3]) && ev.v[3].vm == 2);
	CHECK(!place_ev_arrival(&ev.v[4]) && ev.v[4].vm == 2);
	CHECK(!place_ev_arrival(&ev.v[5]) && ev.v[5].vm == 1 && place_ev_time(&ev.v[5]) == 20);
	place_events_free(&ev);
	expect_servers(&c, &t, PLACE_FIRST, want, NULL);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* n identical VMs (2 vCPUs, 3 GiB), one every 60 s, each living 600 s, on
 * servers of 8 vCPUs: 10 are alive at once (a VM leaves at the moment the
 * tenth after it arrives, departures first), 4 fit a server, so the peak
 * is ceil(10 / 4) = 3 servers; every VM gets a run (the servers have
 * 32 GiB, at most 12 GiB in use). */
TEST(place_fixed_closed_form)
{
	static const char ini[] = "[cluster]\nservers = 10\n"
				  "[server.s]\nram = 32G\ncores = 8\nshare = 100\n";
	struct cluster c;
	struct vmtrace t;
	struct place_events ev;

	REQUIRE(pu_cluster(&c, "fixed.ini", ini));
	REQUIRE(vmtrace_gen(&t, "fixed:n=500,vcpus=2,memory=3G,lifetime=600,gap=60") == 0);
	REQUIRE(place_events_build(&ev, &t) == 0);
	for (int a = 0; a < PLACE_NR; a++) {
		struct place_sim s;
		REQUIRE(place_init(&s, &c, &t, (enum place_algo)a) == 0);
		REQUIRE(place_run(&s, &ev) == 0);
		CHECK_EQ(s.st.placed, 500);
		CHECK_EQ(s.st.contiguous, 500);
		CHECK_EQ(s.st.peak_vms, 10);
		CHECK_EQ(s.st.peak_powered, 3);
		CHECK_EQ(s.st.start, 0);
		CHECK_EQ(s.st.end, 499 * 60 + 600);
		CHECK_NEAR(s.st.contiguous_pct, 100, 1e-12);
		CHECK_NEAR(s.st.consolidation, 0.3, 1e-12);
		place_destroy(&s);
	}
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

static void check_stats(const struct place_sim *s, const struct place_events *ev)
{
	struct pu_stats p;

	pu_recompute(s, ev, &p);
	CHECK_EQ(s->st.placed, p.placed);
	CHECK_EQ(s->st.rejected, p.rejected);
	CHECK_EQ(s->st.vms, p.placed + p.rejected);
	CHECK_EQ(s->st.contiguous, p.contiguous);
	CHECK_EQ(s->st.peak_powered, p.peak_powered);
	CHECK_EQ(s->st.ever_powered, p.ever_powered);
	CHECK_EQ(s->st.peak_vms, p.peak_vms);
	CHECK_EQ(s->st.power_ons, p.power_ons);
	CHECK_EQ(s->st.scattered_extents, p.scattered_extents);
	CHECK_EQ(s->st.start, p.start);
	CHECK_EQ(s->st.end, p.end);
	CHECK_NEAR(s->st.powered_seconds, p.powered_seconds, 1e-9 * (1 + p.powered_seconds));
	CHECK_NEAR(s->st.mean_powered, p.mean_powered, 1e-9 * (1 + p.mean_powered));
	CHECK_NEAR(s->st.consolidation, (double)p.peak_powered / s->c->servers, 1e-12);
	CHECK_NEAR(s->st.contiguous_pct, p.placed ? 100.0 * p.contiguous / p.placed : 0, 1e-9);
	CHECK_EQ(s->powered, 0);
	CHECK_EQ(s->alive, 0);
}

/* Every algorithm over a fragmenting load on a small mixed cluster with
 * coarse granules (the audit is cheap): every choice equals the scan,
 * every server passes buddy_audit after every event, the statistics equal
 * the recomputation. Sizes up to the whole of a small server make
 * scattered VMs and rejections common. */
TEST(place_audit_every_server_every_event)
{
	static const char ini[] =
		"[cluster]\nservers = 12\ngranule = 64M\nfragmentation = 0.3\nseed = 7\n"
		"[server.a]\nram = 16G\ncores = 8\nshare = 50\nreserved = 1G\n"
		"[server.b]\nram = 48G\ncores = 16\nshare = 25\n"
		"[server.c]\nram = 24G\ncores = 32\nshare = 25\n";
	struct cluster c;
	struct vmtrace t = { 0 };
	struct place_events ev;
	u64 rng = rng_seed(11), i, scattered = 0, rejected = 0;

	REQUIRE(pu_cluster(&c, "audit.ini", ini));
	for (i = 0; i < 700; i++) {
		u64 created = rng_next(&rng) % 20000, life = 1 + rng_next(&rng) % 3000;
		u32 v = 1 + (u32)(rng_next(&rng) % 12);
		u64 mem = (1 + rng_next(&rng) % 160) * (128ull << 20) + rng_next(&rng) % 4096;
		vm(&t, created, created + life, v, mem);
	}
	REQUIRE(place_events_build(&ev, &t) == 0);
	for (int a = 0; a < PLACE_NR; a++) {
		struct place_sim s;
		run_checked(&s, &c, &t, &ev, (enum place_algo)a, true);
		check_stats(&s, &ev);
		for (i = 0; i < t.n; i++)
			scattered += s.vm[i].server != PLACE_NONE && !s.vm[i].contiguous;
		rejected += s.st.rejected;
		place_destroy(&s);
	}
	CHECK(scattered > 0);
	CHECK(rejected > 0);
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* The Azure-like generator on a mixed fleet at the default 2M granule:
 * the same checks, auditing the server each event touches (the others do
 * not change) and every server at the end. */
TEST(place_azure_like_checked)
{
	static const char ini[] =
		"[cluster]\nservers = 200\norder = interleave\n"
		"[server.gen3]\nram = 64G\ncores = 16\nshare = 40\n"
		"[server.gen5]\nram = 96G\ncores = 40\nshare = 40\n"
		"[server.godzilla]\nram = 256G\ncores = 32\nshare = 20\n";
	struct cluster c;
	struct vmtrace t;
	struct place_events ev;

	REQUIRE(pu_cluster(&c, "az.ini", ini));
	REQUIRE(vmtrace_gen(&t, "azure:n=2000,seed=5,days=3") == 0);
	REQUIRE(place_events_build(&ev, &t) == 0);
	for (int a = 0; a < PLACE_NR; a++) {
		struct place_sim s;
		run_checked(&s, &c, &t, &ev, (enum place_algo)a, false);
		check_stats(&s, &ev);
		CHECK(s.st.placed >= 1990);
		place_destroy(&s);
	}
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

/* A crowded fleet: servers rarely power off, most searches fail over to
 * scattered VMs and rejections; the index still equals the scan. */
TEST(place_crowded_fleet_checked)
{
	static const char ini[] =
		"[cluster]\nservers = 9\ngranule = 256M\npower_off = false\ncontig_fit = first\n"
		"[server.a]\nram = 12G\ncores = 12\nshare = 33.3\n"
		"[server.b]\nram = 20G\ncores = 6\nshare = 33.3\n"
		"[server.c]\nram = 6G\ncores = 24\nshare = 33.4\n";
	struct cluster c;
	struct vmtrace t = { 0 };
	struct place_events ev;
	u64 rng = rng_seed(3), i;

	REQUIRE(pu_cluster(&c, "crowd.ini", ini));
	CHECK_EQ(c.kind[0].servers + c.kind[1].servers + c.kind[2].servers, 9);
	for (i = 0; i < 1500; i++) {
		u64 created = rng_next(&rng) % 5000, life = rng_next(&rng) % 2000;
		vm(&t, created, created + life, 1 + (u32)(rng_next(&rng) % 6),
		   (1 + rng_next(&rng) % 24) * (256ull << 20));
	}
	REQUIRE(place_events_build(&ev, &t) == 0);
	for (int a = 0; a < PLACE_NR; a++) {
		struct place_sim s;
		struct pu_stats p;
		run_checked(&s, &c, &t, &ev, (enum place_algo)a, true);
		pu_recompute(&s, &ev, &p);
		CHECK_EQ(s.st.placed, p.placed);
		CHECK_EQ(s.st.contiguous, p.contiguous);
		CHECK(s.st.rejected > 0);
		/* Without power_off, servers stay on: powered only grows. */
		CHECK_EQ(s.powered, s.st.ever_powered);
		CHECK_EQ(s.st.peak_powered, s.st.ever_powered);
		place_destroy(&s);
	}
	place_events_free(&ev);
	vmtrace_free(&t);
	cluster_free(&c);
}

TEST(place_algo_names)
{
	enum place_algo a[PLACE_NR];

	CHECK_EQ(place_algos_parse("first,min,max,contig,contig-power", a, PLACE_NR), 5);
	CHECK_EQ(a[0], PLACE_FIRST);
	CHECK_EQ(a[4], PLACE_CONTIG_POWER);
	CHECK_EQ(place_algos_parse("contig", a, PLACE_NR), 1);
	CHECK_EQ(a[0], PLACE_CONTIG);
	CHECK(place_algos_parse("min,min", a, PLACE_NR) < 0);
	CHECK(place_algos_parse("best", a, PLACE_NR) < 0);
	CHECK(place_algos_parse("min,", a, PLACE_NR) < 0);
	CHECK(place_algos_parse("", a, PLACE_NR) < 0);
	CHECK(!strcmp(place_algo_name(PLACE_MAX), "max"));
}
