/* METEOR 1.5 alignment beam search, the same steps as pet2rep_metrics.metrics.meteor._align
 * (written for this package; loaded with ctypes, no Python API). Candidates are given per
 * reference position (test position, module); fixed[i] >= 0 marks a one-to-one match.
 * Paths are ranked by (neg_weight, chunks, distance, order); only exact matches (module 0)
 * change the weight, and a candidate's distance is charged to its parent, as in METEOR 1.5. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int neg_weight, chunks;
    int distance, order;
    int last;
    int node;     /* index into the match node pool, -1: none */
    int slot;     /* bitset slot of the parent (children) or own (paths) */
    int j, module, from_fixed, is_child;
} Item;

typedef struct { int ref, test, module, parent; } Node;

static int cmp_key(const Item *a, const Item *b) {
    if (a->neg_weight != b->neg_weight) return a->neg_weight < b->neg_weight ? -1 : 1;
    if (a->chunks != b->chunks) return a->chunks < b->chunks ? -1 : 1;
    if (a->distance != b->distance) return a->distance < b->distance ? -1 : 1;
    if (a->order != b->order) return a->order < b->order ? -1 : 1;
    return 0;
}

/* keep the best `cap` items in `top` (sorted); returns new count */
static int keep_top(Item *top, int count, int cap, const Item *item) {
    if (count == cap && cmp_key(item, &top[count - 1]) >= 0) return count;
    int lo = 0, hi = count;
    while (lo < hi) { int mid = (lo + hi) / 2; if (cmp_key(&top[mid], item) <= 0) lo = mid + 1; else hi = mid; }
    int n = count < cap ? count + 1 : cap;
    memmove(&top[lo + 1], &top[lo], (size_t)(n - 1 - lo) * sizeof(Item));
    top[lo] = *item;
    return n;
}

/* returns number of matches written to out_test/out_module (per ref position, -1 if none), or -1 on OOM */
int meteor_beam(int n_ref, int n_test, int beam,
                const int *cand_start, const int *cand_test, const int *cand_module,
                const int *fixed_test, const int *fixed_module,
                int *out_test, int *out_module)
{
    int words = (n_test + 63) / 64 + 1;
    Item *paths = malloc(sizeof(Item) * (beam + 1));
    Item *top = malloc(sizeof(Item) * (beam + 1));
    uint64_t *bits = calloc((size_t)(beam + 1) * words, sizeof(uint64_t));
    uint64_t *next_bits = calloc((size_t)(beam + 1) * words, sizeof(uint64_t));
    int node_cap = 1024, node_count = 0;
    Node *nodes = malloc(sizeof(Node) * node_cap);
    if (!paths || !top || !bits || !next_bits || !nodes) return -1;
    int order = 0;
    int n_paths = 1;
    memset(&paths[0], 0, sizeof(Item));
    paths[0].last = -1; paths[0].node = -1; paths[0].slot = 0;
    for (int i = 0; i < n_ref; i++)
        if (fixed_test[i] >= 0) bits[fixed_test[i] / 64] |= (uint64_t)1 << (fixed_test[i] % 64);

    for (int cur = 0; cur <= n_ref; cur++) {
        int n_top = 0;
        for (int r = 0; r < n_paths; r++) {
            Item p = paths[r];
            /* Every item this path yields ranks at or below (weight - 2, chunks, distance) and
             * comes later than anything kept; paths are in rank order, so once that bound cannot
             * enter a full top list, neither this path nor any after it can. */
            if (n_top == beam) {
                const Item *worst = &top[beam - 1];
                int bound_weight = p.neg_weight - 2;
                if (bound_weight > worst->neg_weight ||
                    (bound_weight == worst->neg_weight && (p.chunks > worst->chunks ||
                     (p.chunks == worst->chunks && p.distance >= worst->distance))))
                    break;
            }
            uint64_t *used = bits + (size_t)p.slot * words;
            Item it;
            if (cur == n_ref) {
                it = p; it.chunks += (p.last != -1); it.order = ++order; it.is_child = 0; it.slot = p.slot;
                n_top = keep_top(top, n_top, beam, &it);
                continue;
            }
            if (fixed_test[cur] >= 0) {
                int j = fixed_test[cur], m = fixed_module[cur];
                it = p; it.is_child = 1; it.from_fixed = 1; it.j = j; it.module = m; it.slot = p.slot;
                it.neg_weight -= (m == 0) ? 2 : 0;
                it.chunks += (p.last != -1 && j != p.last);
                it.distance += abs(cur - j);
                it.order = ++order; it.last = j + 1;
                n_top = keep_top(top, n_top, beam, &it);
                continue;
            }
            int distance = p.distance;
            /* A parent's chunk-breaking exact children rank in the order they are made (same
             * weight and chunks, growing distance and order): once one is turned away, so are
             * the rest. They still add to the distance the parent carries on. */
            int breaking_blocked = 0;
            for (int c = cand_start[cur]; c < cand_start[cur + 1]; c++) {
                int j = cand_test[c];
                if (used[j / 64] >> (j % 64) & 1) continue;
                int breaks = (p.last != -1 && j != p.last);
                if (!(breaks && breaking_blocked && cand_module[c] == 0)) {
                    it = p; it.is_child = 1; it.from_fixed = 0; it.j = j; it.module = cand_module[c]; it.slot = p.slot;
                    it.neg_weight -= (cand_module[c] == 0) ? 2 : 0;
                    it.chunks += breaks;
                    it.distance = distance;
                    it.order = ++order; it.last = j + 1;
                    int kept = n_top < beam || cmp_key(&it, &top[n_top - 1]) < 0;
                    n_top = keep_top(top, n_top, beam, &it);
                    if (breaks && !kept && cand_module[c] == 0) breaking_blocked = 1;
                } else {
                    ++order;
                }
                distance += abs(cur - j);
            }
            it = p; it.is_child = 0; it.slot = p.slot; it.distance = distance;
            it.chunks += (p.last != -1); it.last = -1; it.order = ++order;
            n_top = keep_top(top, n_top, beam, &it);
        }
        if (n_top == 0) { top[0] = paths[0]; n_top = 1; }
        /* materialise survivors: own bitset slot, match node */
        for (int r = 0; r < n_top; r++) {
            Item *it = &top[r];
            uint64_t *dst = next_bits + (size_t)r * words;
            memcpy(dst, bits + (size_t)it->slot * words, sizeof(uint64_t) * words);
            if (it->is_child && cur < n_ref) {
                if (!it->from_fixed) dst[it->j / 64] |= (uint64_t)1 << (it->j % 64);
                if (node_count == node_cap) {
                    node_cap *= 2;
                    Node *grown = realloc(nodes, sizeof(Node) * node_cap);
                    if (!grown) return -1;
                    nodes = grown;
                }
                nodes[node_count].ref = cur; nodes[node_count].test = it->j;
                nodes[node_count].module = it->module; nodes[node_count].parent = it->node;
                it->node = node_count++;
            }
            it->slot = r; it->is_child = 0;
        }
        uint64_t *swap = bits; bits = next_bits; next_bits = swap;
        memcpy(paths, top, sizeof(Item) * n_top);
        n_paths = n_top;
    }
    for (int i = 0; i < n_ref; i++) { out_test[i] = -1; out_module[i] = -1; }
    int count = 0;
    for (int node = paths[0].node; node >= 0; node = nodes[node].parent) {
        out_test[nodes[node].ref] = nodes[node].test;
        out_module[nodes[node].ref] = nodes[node].module;
        count++;
    }
    free(paths); free(top); free(bits); free(next_bits); free(nodes);
    return count;
}

/* Builds METEOR's candidate matches from integer word ids (exact: same id; stem: same stem id,
 * different word; stem ids < 0, or use_stem 0, take no part), fixes the one-to-one matches, runs the search. */
static int meteor_align_ids(int n_ref, int n_test, int beam,
                            const int *ref_ids, const int *test_ids,
                            const int *ref_stem, const int *test_stem, int use_stem,
                            int vocab, int stem_vocab,
                            int *out_test, int *out_module)
{
    int *bucket_start = calloc((size_t)vocab + 2, sizeof(int));
    int *bucket = malloc(sizeof(int) * (n_test + 1));
    int *stem_start = calloc((size_t)stem_vocab + 2, sizeof(int));
    int *stem_bucket = malloc(sizeof(int) * (n_test + 1));
    int *cover = calloc((size_t)n_test + 1, sizeof(int));
    int *cand_start = malloc(sizeof(int) * (n_ref + 2));
    int *fixed_test = malloc(sizeof(int) * (n_ref + 1));
    int *fixed_module = malloc(sizeof(int) * (n_ref + 1));
    if (!bucket_start || !bucket || !stem_start || !stem_bucket || !cover || !cand_start || !fixed_test || !fixed_module) return -1;
    for (int j = 0; j < n_test; j++) {
        bucket_start[test_ids[j] + 1]++;
        if (use_stem && test_stem[j] >= 0) stem_start[test_stem[j] + 1]++;
    }
    for (int v = 0; v < vocab + 1; v++) bucket_start[v + 1] += bucket_start[v];
    for (int v = 0; v < stem_vocab + 1; v++) stem_start[v + 1] += stem_start[v];
    {
        int *fill = malloc(sizeof(int) * ((size_t)vocab + 1));
        int *stem_fill = malloc(sizeof(int) * ((size_t)stem_vocab + 1));
        if (!fill || !stem_fill) return -1;
        memcpy(fill, bucket_start, sizeof(int) * ((size_t)vocab + 1));
        memcpy(stem_fill, stem_start, sizeof(int) * ((size_t)stem_vocab + 1));
        for (int j = 0; j < n_test; j++) {
            bucket[fill[test_ids[j]]++] = j;
            if (use_stem && test_stem[j] >= 0) stem_bucket[stem_fill[test_stem[j]]++] = j;
        }
        free(fill); free(stem_fill);
    }
    /* count, then fill the candidate lists */
    long long total = 0;
    for (int i = 0; i < n_ref; i++) {
        int id = ref_ids[i];
        if (id >= 0 && id < vocab) total += bucket_start[id + 1] - bucket_start[id];
        int s = use_stem ? ref_stem[i] : -1;
        if (s >= 0 && s < stem_vocab) total += stem_start[s + 1] - stem_start[s];
    }
    int *cand_test = malloc(sizeof(int) * (total + 1));
    int *cand_module = malloc(sizeof(int) * (total + 1));
    if (!cand_test || !cand_module) return -1;
    int k = 0;
    for (int i = 0; i < n_ref; i++) {
        cand_start[i] = k;
        int id = ref_ids[i];
        if (id >= 0 && id < vocab)
            for (int b = bucket_start[id]; b < bucket_start[id + 1]; b++) {
                cand_test[k] = bucket[b]; cand_module[k++] = 0; cover[bucket[b]]++;
            }
        int s = use_stem ? ref_stem[i] : -1;
        if (s >= 0 && s < stem_vocab)
            for (int b = stem_start[s]; b < stem_start[s + 1]; b++) {
                int j = stem_bucket[b];
                if (test_ids[j] == id) continue;
                cand_test[k] = j; cand_module[k++] = 1; cover[j]++;
            }
    }
    cand_start[n_ref] = k;
    for (int i = 0; i < n_ref; i++) {
        fixed_test[i] = -1; fixed_module[i] = -1;
        if (cand_start[i + 1] - cand_start[i] == 1 && cover[cand_test[cand_start[i]]] == 1) {
            fixed_test[i] = cand_test[cand_start[i]];
            fixed_module[i] = cand_module[cand_start[i]];
        }
    }
    int count = meteor_beam(n_ref, n_test, beam, cand_start, cand_test, cand_module, fixed_test, fixed_module, out_test, out_module);
    free(bucket_start); free(bucket); free(stem_start); free(stem_bucket); free(cover);
    free(cand_start); free(fixed_test); free(fixed_module); free(cand_test); free(cand_module);
    return count;
}

/* METEOR's 23 statistics of every (test, reference) pair of a batch, in the order of
 * MeteorStats.as_row: lengths, function-word counts, per module (exact, stem, synonym,
 * paraphrase) the test/reference content and function matches, chunks, matched words.
 * ids/stems are global to the batch (stem < 0: none); a pair reads ids[test_start[p] ...
 * + test_len[p]) and ids[ref_start[p] ... + ref_len[p]). As in METEOR, the stem module is off
 * when the two segments are identical. Returns 0, or -1 when memory ran out. */
int meteor_stats_batch(int n_pairs, int beam,
                       const int *test_start, const int *test_len,
                       const int *ref_start, const int *ref_len,
                       const int *ids, const int *stems, const unsigned char *is_function,
                       int vocab, int stem_vocab, int use_stem, double *rows)
{
    int max_ref = 1;
    for (int p = 0; p < n_pairs; p++) if (ref_len[p] > max_ref) max_ref = ref_len[p];
    int *out_test = malloc(sizeof(int) * (size_t)max_ref);
    int *out_module = malloc(sizeof(int) * (size_t)max_ref);
    if (!out_test || !out_module) { free(out_test); free(out_module); return -1; }
    for (int p = 0; p < n_pairs; p++) {
        const int *test = ids + test_start[p], *ref = ids + ref_start[p];
        int n_test = test_len[p], n_ref = ref_len[p];
        int identical = n_test == n_ref && memcmp(test, ref, sizeof(int) * (size_t)n_ref) == 0;
        int matches = meteor_align_ids(n_ref, n_test, beam, ref, test, stems + ref_start[p],
                                       stems + test_start[p], use_stem && !identical, vocab,
                                       stem_vocab, out_test, out_module);
        if (matches < 0) { free(out_test); free(out_module); return -1; }
        double *row = rows + (size_t)p * 23;
        memset(row, 0, sizeof(double) * 23);
        row[0] = n_test; row[1] = n_ref;
        for (int j = 0; j < n_test; j++) row[2] += is_function[test[j]];
        for (int i = 0; i < n_ref; i++) row[3] += is_function[ref[i]];
        int chunks = 0, last = -1;
        for (int i = 0; i < n_ref; i++) {
            int j = out_test[i];
            if (j < 0) {
                if (last != -1) { chunks++; last = -1; }
                continue;
            }
            double *module = row + 4 + 4 * out_module[i];
            module[is_function[test[j]] ? 2 : 0] += 1;
            module[is_function[ref[i]] ? 3 : 1] += 1;
            if (last != -1 && j != last) chunks++;
            last = j + 1;
        }
        row[20] = chunks + (last != -1);
        row[21] = row[22] = matches;
    }
    free(out_test); free(out_module);
    return 0;
}
