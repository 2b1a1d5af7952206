#include "softmax_tree.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../file_read.h"

#define TREE_MAX_BYTES (1 << 20)
#define TREE_MAX_NODES 65536

void nn_softmax_tree_free(nn_softmax_tree *t)
{
    if (!t)
        return;
    free(t->parent);
    free(t->leaf);
    free(t->group_size);
    free(t->group_offset);
    free(t->child);
    free(t);
}

nn_softmax_tree *nn_softmax_tree_read(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = (char *)file_read(path, TREE_MAX_BYTES, &len, err, errlen);
    nn_softmax_tree *t = text ? calloc(1, sizeof *t) : NULL;
    if (text && (!t || !(t->parent = malloc(TREE_MAX_NODES * sizeof *t->parent)) ||
                 !(t->group_size = malloc(TREE_MAX_NODES * sizeof *t->group_size)))) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (!text)
        goto fail;
    int line = 0;
    for (char *p = text; p < text + len; line++) {
        char *end = memchr(p, '\n', (size_t)(text + len - p));
        size_t n = end ? (size_t)(end - p) : (size_t)(text + len - p);
        char row[512], name[256];
        int parent = -1, fields;
        if (n >= sizeof row || memchr(p, '\0', n)) {
            snprintf(err, errlen, "%s:%d: not a tree line", path, line + 1);
            goto fail;
        }
        memcpy(row, p, n);
        row[n] = '\0';
        p += n + 1;
        fields = sscanf(row, "%255s %d", name, &parent);
        if (fields < 1) { /* blank: only at the end */
            while (p < text + len && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t'))
                p++;
            if (p < text + len) {
                snprintf(err, errlen, "%s:%d: blank line inside the tree", path, line + 1);
                goto fail;
            }
            break;
        }
        if (t->n == TREE_MAX_NODES) {
            snprintf(err, errlen, "%s:%d: more than %d nodes", path, line + 1, TREE_MAX_NODES);
            goto fail;
        }
        t->parent[t->n++] = parent;
    }
    t->leaf = malloc((size_t)t->n + 1);
    t->group_offset = malloc(((size_t)t->n + 1) * sizeof *t->group_offset);
    t->child = malloc(((size_t)t->n + 1) * sizeof *t->child);
    if (!t->leaf || !t->group_offset || !t->child) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    memset(t->leaf, 1, (size_t)t->n);
    for (int i = 0; i < t->n; i++)
        t->child[i] = -1;
    for (int i = 0; i < t->n; i++) {
        if (t->parent[i] < -1 || t->parent[i] >= i) { /* no cycle: walks down the tree end */
            snprintf(err, errlen, "%s:%d: parent %d is not -1 or an earlier node of the tree", path, i + 1,
                     t->parent[i]);
            goto fail;
        }
        if (t->parent[i] >= 0)
            t->leaf[t->parent[i]] = 0;
        if (i == 0 || t->parent[i] != t->parent[i - 1]) {
            t->group_offset[t->ngroups] = i;
            t->group_size[t->ngroups++] = 0;
        }
        t->group_size[t->ngroups - 1]++;
        if (t->parent[i] >= 0)
            t->child[t->parent[i]] = t->ngroups - 1;
    }
    free(text);
    return t;
fail:
    free(text);
    nn_softmax_tree_free(t);
    return NULL;
}

void nn_darknet_softmax(const float *in, int n, size_t stride, float *out)
{
    float largest = -FLT_MAX, sum = 0;
    for (int i = 0; i < n; i++)
        largest = in[i * stride] > largest ? in[i * stride] : largest;
    for (int i = 0; i < n; i++) {
        out[i * stride] = (float)exp((double)(in[i * stride] - largest));
        sum += out[i * stride];
    }
    for (int i = 0; i < n; i++)
        out[i * stride] /= sum;
}

/* hierarchy_predictions: each node times its parent, in node order. */
static void cumulate(const nn_softmax_tree *t, float *p, size_t stride)
{
    for (int j = 0; j < t->n; j++)
        if (t->parent[j] >= 0)
            p[j * stride] *= p[t->parent[j] * stride];
}

void nn_softmax_tree_apply(const nn_softmax_tree *t, const float *in, float *out)
{
    for (int g = 0; g < t->ngroups; g++)
        nn_darknet_softmax(in + t->group_offset[g], t->group_size[g], 1, out + t->group_offset[g]);
    cumulate(t, out, 1);
    for (int j = 0; j < t->n; j++)
        if (!t->leaf[j])
            out[j] = 0;
}

int nn_softmax_tree_top(const nn_softmax_tree *t, float *p, size_t stride, float thresh)
{
    cumulate(t, p, stride);
    float product = 1;
    for (int group = 0;;) {
        float max = 0;
        int max_i = 0;
        for (int i = t->group_offset[group]; i < t->group_offset[group] + t->group_size[group]; i++)
            if (p[i * stride] > max) {
                max_i = i;
                max = p[i * stride];
            }
        if (product * max > thresh) {
            product *= max;
            if (t->child[max_i] < 0)
                return max_i;
            group = t->child[max_i];
        } else {
            return group == 0 ? max_i : t->parent[t->group_offset[group]];
        }
    }
}
