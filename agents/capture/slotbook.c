/* slotbook.c - the planned slots taken, by request or by plan; see slotbook.h. */
#include "slotbook.h"

#include <stdio.h>
#include <string.h>

#include "slots.h"

void slotbook_key(struct slot_key *k, const char *schedule, int64_t slot_ms, char profile)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->schedule, sizeof(k->schedule), "%s", schedule ? schedule : "");
	k->slot_ms = slot_ms;
	k->profile = profile;
}

static bool same(const struct slot_key *a, const struct slot_key *b)
{
	return a->slot_ms == b->slot_ms && a->profile == b->profile &&
	       strcmp(a->schedule, b->schedule) == 0;
}

const struct slot_taken *slotbook_find(const struct slotbook *b, const struct slot_key *k)
{
	for (int i = 0; i < b->n; i++)
		if (same(&b->e[i].key, k))
			return &b->e[i];
	return NULL;
}

enum slot_claim slotbook_claim(struct slotbook *b, const struct slot_key *k)
{
	struct slot_taken *e;

	if (slotbook_find(b, k))
		return SLOT_TAKEN;
	e = &b->e[b->next];
	json_decref(e->frames);
	memset(e, 0, sizeof(*e));
	e->key = *k;
	b->next = (b->next + 1) % SLOTBOOK_MAX;
	if (b->n < SLOTBOOK_MAX)
		b->n++;
	return SLOT_SHOOT;
}

void slotbook_done(struct slotbook *b, const struct slot_key *k, int rc, const char *why,
		   json_t *frames)
{
	struct slot_taken *e = (struct slot_taken *)slotbook_find(b, k);

	if (e == NULL)
		return;
	json_decref(e->frames);
	e->frames = json_incref(frames);
	e->rc = rc;
	snprintf(e->why, sizeof(e->why), "%s", why ? why : "");
	e->done = true;
}

void slotbook_clear(struct slotbook *b)
{
	for (int i = 0; i < b->n; i++)
		json_decref(b->e[i].frames);
	memset(b, 0, sizeof(*b));
}

int64_t slotbook_grace_ms(int64_t interval_ms)
{
	return cadence_late_ms(interval_ms);
}

int64_t slotbook_due(const struct plan_window *w, int64_t now_ms)
{
	int64_t step = (int64_t)w->interval_s * 1000;
	int64_t t = now_ms - slotbook_grace_ms(step); /* a slot at or before t has had its grace */

	if (t < w->start_ms || t >= w->end_ms)
		return -1;
	return slot_time(w->start_ms, step, slot_index_at(w->start_ms, step, t));
}
