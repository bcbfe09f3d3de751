// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The node table of the path API: nodeid -> node and (parent, name) ->
 * node, lookup counts, generations, the remember=T LRU and the rarely
 * needed per-node extras. Every function runs under struct fuse's lock.
 *
 * Memory is the point of this file: a node is one allocation (header +
 * inline name, 37 bytes + name), the tables are open-addressing arrays
 * of pointers plus one tag byte per slot (filled up to 7/8), and state that only open,
 * locked, auto_cache'd or remembered nodes need lives in a side table.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl.h"

#define HTAB_MIN 64u

/* ---- hashing ------------------------------------------------------------ */

static uint32_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static uint32_t name_hash(uint32_t parentid, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ parentid;

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 0x100000001b3ULL;
	}
	return mix64(h);
}

static uint32_t id_hash(uint32_t nodeid)
{
	return mix64(nodeid);
}

static uint32_t ptr_hash(const void *p)
{
	return mix64((uintptr_t)p);
}

/* Hash of a stored entry, per table: needed to move entries around. */
typedef uint32_t (*entry_hash_fn)(const void *entry);

static uint32_t ehash_name(const void *e)
{
	return ((const struct lf_node *)e)->hash;
}

static uint32_t ehash_id(const void *e)
{
	return id_hash(((const struct lf_node *)e)->nodeid);
}

static uint32_t ehash_ext(const void *e)
{
	return ptr_hash(((const struct lf_node_ext *)e)->node);
}

/* ---- the open-addressing table ------------------------------------------ */

/* Tag 0 marks an empty slot, so probes only read the tag array. */
static uint8_t tag_of(uint32_t h)
{
	uint8_t t = (uint8_t)(h >> 24);

	return t ? t : 1;
}

static int htab_alloc(struct lf_htab *t, uint32_t cap)
{
	t->slots = malloc(cap * sizeof(*t->slots));
	t->tags = calloc(cap, 1);
	if (!t->slots || !t->tags) {
		free(t->slots);
		free(t->tags);
		t->slots = NULL;
		t->tags = NULL;
		return -ENOMEM;
	}
	t->mask = cap - 1;
	t->used = 0;
	return 0;
}

static void htab_free(struct lf_htab *t)
{
	free(t->slots);
	free(t->tags);
	memset(t, 0, sizeof(*t));
}

static void htab_place(struct lf_htab *t, void *entry, uint32_t h)
{
	uint32_t i = h & t->mask;

	while (t->tags[i])
		i = (i + 1) & t->mask;
	t->slots[i] = entry;
	t->tags[i] = tag_of(h);
	t->used++;
}

static int htab_resize(struct lf_htab *t, uint32_t cap, entry_hash_fn eh)
{
	struct lf_htab old = *t;
	uint32_t i;

	if (htab_alloc(t, cap)) {
		*t = old;
		return -ENOMEM;
	}
	for (i = 0; i <= old.mask; i++)
		if (old.tags[i])
			htab_place(t, old.slots[i], eh(old.slots[i]));
	free(old.slots);
	free(old.tags);
	return 0;
}

/*
 * Load stays at or below 7/8: long-ish linear probe runs, but a probe
 * reads one tag byte per slot (a cache line covers 64 slots), and the
 * tables are most of the memory a node costs.
 */
static int htab_insert(struct lf_htab *t, void *entry, uint32_t h,
		       entry_hash_fn eh)
{
	uint64_t cap = (uint64_t)t->mask + 1;

	if ((t->used + 1) * 8ULL > cap * 7) {
		if (cap >= (1u << 31))
			return -ENOMEM;
		if (htab_resize(t, (uint32_t)cap * 2, eh))
			return -ENOMEM;
	}
	htab_place(t, entry, h);
	return 0;
}

/* Remove entry (which must be present), shifting its run back. */
static void htab_remove(struct lf_htab *t, const void *entry, uint32_t h,
			entry_hash_fn eh)
{
	uint32_t mask = t->mask;
	uint32_t i = h & mask;
	uint32_t j;

	while (!t->tags[i] || t->slots[i] != entry) {
		if (!t->tags[i])
			return;
		i = (i + 1) & mask;
	}
	j = i;
	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (!t->tags[j])
			break;
		home = eh(t->slots[j]) & mask;
		/* the entry at j may fill the hole unless its home lies
		 * cyclically after the hole */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			t->tags[i] = t->tags[j];
			i = j;
		}
	}
	t->slots[i] = NULL;
	t->tags[i] = 0;
	t->used--;
	/* give memory back after mass forgets; failure just keeps it */
	if (mask + 1 > HTAB_MIN && t->used * 8ULL < (uint64_t)mask + 1)
		htab_resize(t, (mask + 1) / 2, eh);
}

/* ---- extras --------------------------------------------------------------- */

static struct lf_node_ext *ext_find(struct lf_nodes *nt,
				    const struct lf_node *node)
{
	uint32_t h = ptr_hash(node);
	uint32_t i = h & nt->exts.mask;
	uint8_t tag = tag_of(h);

	while (nt->exts.tags[i]) {
		struct lf_node_ext *x = nt->exts.slots[i];

		if (nt->exts.tags[i] == tag && x->node == node)
			return x;
		i = (i + 1) & nt->exts.mask;
	}
	return NULL;
}

struct lf_node_ext *lf_node_ext(struct lf_nodes *nt, struct lf_node *node,
				bool create)
{
	struct lf_node_ext *x;

	if (node->flags & LF_NODE_EXT)
		return ext_find(nt, node);
	if (!create)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->node = node;
	if (htab_insert(&nt->exts, x, ptr_hash(node), ehash_ext)) {
		free(x);
		return NULL;
	}
	node->flags |= LF_NODE_EXT;
	return x;
}

static void lru_remove(struct lf_nodes *nt, struct lf_node_ext *x)
{
	if (!x || !x->in_lru)
		return;
	if (x->lru_prev)
		x->lru_prev->lru_next = x->lru_next;
	else
		nt->lru_head = x->lru_next;
	if (x->lru_next)
		x->lru_next->lru_prev = x->lru_prev;
	else
		nt->lru_tail = x->lru_prev;
	x->lru_prev = x->lru_next = NULL;
	x->in_lru = false;
}

/* Only the remember reference is left: start the node's clock. */
static void lru_add(struct lf_nodes *nt, struct lf_node *node)
{
	struct lf_node_ext *x = lf_node_ext(nt, node, true);

	/* without memory the node simply stays remembered for good */
	if (!x)
		return;
	lru_remove(nt, x);
	clock_gettime(CLOCK_MONOTONIC, &x->forget_time);
	x->lru_prev = nt->lru_tail;
	x->lru_next = NULL;
	if (nt->lru_tail)
		nt->lru_tail->lru_next = x;
	else
		nt->lru_head = x;
	nt->lru_tail = x;
	x->in_lru = true;
}

static void ext_free(struct lf_nodes *nt, struct lf_node *node)
{
	struct lf_node_ext *x;
	struct lf_lock *l, *next;

	if (!(node->flags & LF_NODE_EXT))
		return;
	x = ext_find(nt, node);
	if (!x)
		return;
	lru_remove(nt, x);
	htab_remove(&nt->exts, x, ptr_hash(node), ehash_ext);
	for (l = x->locks; l; l = next) {
		next = l->next;
		free(l);
	}
	free(x->name);
	free(x);
	node->flags &= ~LF_NODE_EXT;
}

/* ---- nodes ------------------------------------------------------------------ */

const char *lf_node_name(struct lf_nodes *nt, const struct lf_node *node)
{
	if (node->flags & LF_NODE_LONGNAME) {
		struct lf_node_ext *x = ext_find(nt, node);

		if (x && x->name)
			return x->name;
	}
	return node->name;
}

static struct lf_node *node_alloc(const char *name)
{
	size_t len = strlen(name);
	struct lf_node *n = malloc(offsetof(struct lf_node, name) + len + 1);

	if (!n)
		return NULL;
	memset(n, 0, offsetof(struct lf_node, name));
	memcpy(n->name, name, len + 1);
	return n;
}

struct lf_node *lf_node_get(struct lf_nodes *nt, uint64_t nodeid)
{
	uint32_t id = (uint32_t)nodeid;
	uint32_t h, i;
	uint8_t tag;

	if (nodeid != id || !nt->ids.slots)
		return NULL;
	h = id_hash(id);
	tag = tag_of(h);
	for (i = h & nt->ids.mask; nt->ids.tags[i];
	     i = (i + 1) & nt->ids.mask) {
		struct lf_node *n = nt->ids.slots[i];

		if (nt->ids.tags[i] == tag && n->nodeid == id)
			return n;
	}
	return NULL;
}

struct lf_node *lf_node_lookup(struct lf_nodes *nt, struct lf_node *parent,
			       const char *name)
{
	uint32_t h = name_hash(parent->nodeid, name);
	uint8_t tag = tag_of(h);
	uint32_t i;

	for (i = h & nt->names.mask; nt->names.tags[i];
	     i = (i + 1) & nt->names.mask) {
		struct lf_node *n = nt->names.slots[i];

		if (nt->names.tags[i] == tag && n->parent == parent &&
		    n->hash == h && strcmp(lf_node_name(nt, n), name) == 0)
			return n;
	}
	return NULL;
}

/* Like libfuse: 32-bit ids, 0 and 0xffffffff never used. */
static uint32_t next_id(struct lf_nodes *nt)
{
	do {
		nt->ctr++;
		if (nt->ctr == 0) {
			nt->generation++;
			nt->wrapped = true;
		}
	} while (nt->ctr == 0 || nt->ctr == LF_UNKNOWN_INO ||
		 (nt->wrapped && lf_node_get(nt, nt->ctr)));
	return nt->ctr;
}

static int set_name(struct lf_nodes *nt, struct lf_node *node,
		    const char *name)
{
	size_t len = strlen(name);
	size_t room = malloc_usable_size(node) - offsetof(struct lf_node, name);
	struct lf_node_ext *x;
	char *copy;

	if (len < room) {
		x = (node->flags & LF_NODE_LONGNAME) ? ext_find(nt, node) : NULL;
		if (x) {
			free(x->name);
			x->name = NULL;
		}
		node->flags &= ~LF_NODE_LONGNAME;
		memcpy(node->name, name, len + 1);
		return 0;
	}
	copy = strdup(name);
	x = lf_node_ext(nt, node, true);
	if (!copy || !x) {
		free(copy);
		return -ENOMEM;
	}
	free(x->name);
	x->name = copy;
	node->flags |= LF_NODE_LONGNAME;
	return 0;
}

static int hash_name(struct lf_nodes *nt, struct lf_node *node,
		     struct lf_node *parent, const char *name)
{
	uint32_t h = name_hash(parent->nodeid, name);

	if (set_name(nt, node, name))
		return -ENOMEM;
	node->hash = h;
	node->parent = parent;
	if (htab_insert(&nt->names, node, h, ehash_name)) {
		node->parent = NULL;
		return -ENOMEM;
	}
	parent->refctr++;
	return 0;
}

/* Drop node's name; its parent loses a reference (and may go). */
static void unhash_name(struct lf_nodes *nt, struct lf_node *node)
{
	struct lf_node *parent = node->parent;

	if (!parent)
		return;
	htab_remove(&nt->names, node, node->hash, ehash_name);
	node->parent = NULL;
	if (node->flags & LF_NODE_LONGNAME) {
		struct lf_node_ext *x = ext_find(nt, node);

		if (x) {
			free(x->name);
			x->name = NULL;
		}
		node->flags &= ~LF_NODE_LONGNAME;
	}
	node->name[0] = '\0';
	parent->refctr--;
	lf_node_maybe_free(nt, parent);
}

void lf_node_maybe_free(struct lf_nodes *nt, struct lf_node *node)
{
	while (node && node != nt->root && node->refctr == 0 &&
	       node->treelock == 0) {
		struct lf_node *parent = node->parent;

		if (parent) {
			htab_remove(&nt->names, node, node->hash, ehash_name);
			parent->refctr--;
		}
		htab_remove(&nt->ids, node, id_hash(node->nodeid), ehash_id);
		ext_free(nt, node);
		free(node);
		nt->count--;
		node = parent;
	}
}

void lf_node_inc_lookup(struct lf_nodes *nt, struct lf_node *node)
{
	if (nt->remember > 0 && node->nlookup == 1 &&
	    (node->flags & LF_NODE_EXT))
		lru_remove(nt, ext_find(nt, node));
	if (node->nlookup == 0)
		node->refctr++;
	if (node->nlookup != UINT32_MAX)
		node->nlookup++;
}

int lf_node_find(struct lf_nodes *nt, struct lf_node *parent,
		 const char *name, struct lf_node **ret_node)
{
	struct lf_node *node = lf_node_lookup(nt, parent, name);

	if (!node) {
		node = node_alloc(name);
		if (!node)
			return -ENOMEM;
		node->nodeid = next_id(nt);
		node->generation = nt->generation;
		if (hash_name(nt, node, parent, name)) {
			free(node);
			return -ENOMEM;
		}
		if (htab_insert(&nt->ids, node, id_hash(node->nodeid),
				ehash_id)) {
			htab_remove(&nt->names, node, node->hash, ehash_name);
			parent->refctr--;
			free(node);
			return -ENOMEM;
		}
		nt->count++;
		/* remember: an extra lookup the kernel never forgets */
		if (nt->remember)
			lf_node_inc_lookup(nt, node);
	}
	lf_node_inc_lookup(nt, node);
	*ret_node = node;
	return 0;
}

void lf_node_forget(struct lf_nodes *nt, struct lf_node *node, uint64_t n)
{
	if (node == nt->root || node->nlookup == UINT32_MAX || !n)
		return;
	if (n >= node->nlookup) {
		node->nlookup = 0;
		node->refctr--;
		lf_node_maybe_free(nt, node);
	} else {
		node->nlookup -= (uint32_t)n;
		if (nt->remember > 0 && node->nlookup == 1)
			lru_add(nt, node);
	}
}

void lf_node_unlink(struct lf_nodes *nt, struct lf_node *node)
{
	if (node == nt->root)
		return;
	if (nt->remember && node->nlookup && node->nlookup != UINT32_MAX) {
		if (node->flags & LF_NODE_EXT)
			lru_remove(nt, ext_find(nt, node));
		if (--node->nlookup == 0)
			node->refctr--;
	}
	node->refctr++;		/* keep node while its parent may go */
	unhash_name(nt, node);
	node->refctr--;
	lf_node_maybe_free(nt, node);
}

int lf_node_rename(struct lf_nodes *nt, struct lf_node *node,
		   struct lf_node *newparent, const char *newname)
{
	int err;

	node->refctr++;
	newparent->refctr++;
	unhash_name(nt, node);
	err = hash_name(nt, node, newparent, newname);
	newparent->refctr--;
	node->refctr--;
	lf_node_maybe_free(nt, node);
	return err;
}

void lf_nodes_clean(struct lf_nodes *nt, const struct timespec *now)
{
	struct lf_node_ext *x, *next;

	for (x = nt->lru_head; x; x = next) {
		struct lf_node *node = x->node;
		double age = (double)(now->tv_sec - x->forget_time.tv_sec) +
			     (double)(now->tv_nsec - x->forget_time.tv_nsec) /
			     1e9;

		next = x->lru_next;
		if (age <= nt->remember)
			break;
		/* directories with cached children and busy nodes stay */
		if (node->refctr > 1 || node->treelock || node->nlookup != 1)
			continue;
		lru_remove(nt, x);
		node->nlookup = 0;
		node->refctr++;
		unhash_name(nt, node);
		node->refctr -= 2;
		/* frees only nodes without lookups: never an LRU member, so
		 * next stays valid */
		lf_node_maybe_free(nt, node);
	}
}

void lf_nodes_for_each(struct lf_nodes *nt,
		       void (*fn)(struct lf_node *node, void *data),
		       void *data)
{
	uint32_t i;

	for (i = 0; nt->ids.slots && i <= nt->ids.mask; i++)
		if (nt->ids.tags[i])
			fn(nt->ids.slots[i], data);
}

int lf_nodes_init(struct lf_nodes *nt, int remember)
{
	struct lf_node *root;

	memset(nt, 0, sizeof(*nt));
	nt->remember = remember;
	if (htab_alloc(&nt->ids, HTAB_MIN) || htab_alloc(&nt->names, HTAB_MIN) ||
	    htab_alloc(&nt->exts, HTAB_MIN))
		goto fail;
	root = node_alloc("");
	if (!root)
		goto fail;
	root->nodeid = FUSE_ROOT_ID;
	root->nlookup = 1;
	root->refctr = 1;
	htab_place(&nt->ids, root, id_hash(FUSE_ROOT_ID));
	nt->root = root;
	nt->ctr = FUSE_ROOT_ID;
	nt->count = 1;
	return 0;
fail:
	htab_free(&nt->ids);
	htab_free(&nt->names);
	htab_free(&nt->exts);
	return -ENOMEM;
}

void lf_nodes_free(struct lf_nodes *nt)
{
	uint32_t i;

	for (i = 0; nt->exts.slots && i <= nt->exts.mask; i++) {
		struct lf_node_ext *x;
		struct lf_lock *l, *next;

		if (!nt->exts.tags[i])
			continue;
		x = nt->exts.slots[i];
		for (l = x->locks; l; l = next) {
			next = l->next;
			free(l);
		}
		free(x->name);
		free(x);
	}
	for (i = 0; nt->ids.slots && i <= nt->ids.mask; i++)
		if (nt->ids.tags[i])
			free(nt->ids.slots[i]);
	htab_free(&nt->ids);
	htab_free(&nt->names);
	htab_free(&nt->exts);
	nt->root = NULL;
	nt->lru_head = nt->lru_tail = NULL;
	nt->count = 0;
}
