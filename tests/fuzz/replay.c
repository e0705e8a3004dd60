/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Corpus replay for any libFuzzer target, built with the normal compiler:
 * feeds every file under the directories (or files) given on the command
 * line to LLVMFuzzerTestOneInput, so the seed corpus runs in every test run.
 * Then a short fuzz run of our own: each seed mutated CELL_FUZZ_MUTATIONS
 * times (default 64; bit flips, byte sets, truncations, duplicated and
 * dropped spans, splices with the previous seed) from a fixed seed, so a
 * failure is reproducible with the same corpus. (Long runs: libFuzzer,
 * run-fuzz.sh.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, good enough to mutate bytes */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint8_t *prev_seed;
static size_t prev_len;
static long mutations = -1;

static void mutate_and_run(const uint8_t *seed, size_t len)
{
	if (mutations < 0) {
		const char *e = getenv("CELL_FUZZ_MUTATIONS");
		mutations = e ? strtol(e, NULL, 10) : 64;
	}
	size_t cap = len * 2 + 64;
	uint8_t *b = malloc(cap);
	if (!b)
		return;
	for (long m = 0; m < mutations; m++) {
		size_t n = len;
		memcpy(b, seed, len);
		int steps = 1 + (int)(rng() % 4);
		for (int k = 0; k < steps; k++) {
			size_t at = n ? (size_t)(rng() % n) : 0;
			switch (rng() % 6) {
			case 0: /* flip a bit */
				if (n)
					b[at] ^= (uint8_t)(1u << (rng() % 8));
				break;
			case 1: /* an interesting byte */
				if (n) {
					static const uint8_t v[] = {
						0, 0xff, 0x7f, 0x80, '\n', '"',
						'/', '.', '=', '{', '}', ';' };
					b[at] = v[rng() % sizeof(v)];
				}
				break;
			case 2: /* truncate */
				n = at;
				break;
			case 3: /* drop a span */
				if (n) {
					size_t l = 1 + (size_t)(rng() % (n - at));
					memmove(b + at, b + at + l, n - at - l);
					n -= l;
				}
				break;
			case 4: /* duplicate a span */
				if (n && n < cap / 2) {
					size_t l = 1 + (size_t)(rng() %
								(n - at));
					if (n + l <= cap) {
						memmove(b + at + l, b + at,
							n - at);
						n += l;
					}
				}
				break;
			case 5: /* splice with the previous seed */
				if (prev_seed && prev_len) {
					size_t from = (size_t)(rng() %
							       prev_len);
					size_t l = prev_len - from;
					if (at + l > cap)
						l = cap - at;
					memcpy(b + at, prev_seed + from, l);
					n = at + l;
				}
				break;
			}
		}
		LLVMFuzzerTestOneInput(b, n);
	}
	free(b);
}

static int replay_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			close(fd);
			return -1;
		}
		if (len == cap) {
			uint8_t *n = realloc(buf, cap * 2);
			if (!n) {
				free(buf);
				close(fd);
				return -1;
			}
			buf = n;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	LLVMFuzzerTestOneInput(buf, len);
	mutate_and_run(buf, len);
	free(prev_seed);
	prev_seed = buf;
	prev_len = len;
	return 0;
}


static int replay(const char *path, int *count)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	int r = 0;
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && r == 0) {
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", path, ents[i]->d_name);
			r = replay(p, count);
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

int main(int argc, char **argv)
{
	int count = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir-or-file...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (replay(argv[i], &count) < 0)
			return 1;
	printf("replayed %d inputs and %ld mutations of each\n", count,
	       mutations);
	free(prev_seed);
	return count > 0 ? 0 : 1;
}
