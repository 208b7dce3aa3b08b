/* slot.c -- hash slots, the slot map from CLUSTER SLOTS, MOVED and ASK. */
#include "slot.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CRC16-CCITT as XModem has it (polynomial 0x1021, initial value 0), bit by bit: keys are
 * tens of bytes, and a 512-byte table would cost more in cache than it saves here. */
static uint16_t crc16(const unsigned char *p, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

unsigned slot_of_key(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t after = (size_t)(open - key) + 1;
        const char *close = memchr(open + 1, '}', len - after);
        if (close && close > open + 1)
            return crc16((const unsigned char *)open + 1, (size_t)(close - open - 1)) & 16383;
    }
    return crc16((const unsigned char *)key, len) & 16383;
}

/* The index of node in m, added when new; -1 when the map is full. */
static int node_index(struct slot_map *m, const char *host, int port)
{
    for (size_t i = 0; i < m->nnodes; i++)
        if (m->nodes[i].port == port && strcmp(m->nodes[i].host, host) == 0)
            return (int)i;
    if (m->nnodes == SLOT_NODES_MAX)
        return -1;
    struct slot_node *n = &m->nodes[m->nnodes];
    snprintf(n->host, sizeof(n->host), "%s", host);
    n->port = port;
    return (int)m->nnodes++;
}

int slot_map_from_reply(const struct redisReply *r, const struct slot_node *asked,
                        struct slot_map *m, char *err, size_t errlen)
{
    m->nnodes = 0;
    for (size_t s = 0; s < SLOT_COUNT; s++)
        m->owner[s] = -1;
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "CLUSTER SLOTS: %s",
                 r && r->type == REDIS_REPLY_ERROR ? r->str : "not an array");
        return -1;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *range = r->element[i];
        if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
            range->element[0]->type != REDIS_REPLY_INTEGER ||
            range->element[1]->type != REDIS_REPLY_INTEGER) {
            snprintf(err, errlen, "CLUSTER SLOTS: range %zu is not [start, end, master...]", i);
            return -1;
        }
        long long first = range->element[0]->integer, last = range->element[1]->integer;
        if (first < 0 || last >= SLOT_COUNT || first > last) {
            snprintf(err, errlen, "CLUSTER SLOTS: range %lld-%lld is outside 0-16383", first,
                     last);
            return -1;
        }
        const redisReply *master = range->element[2];
        if (master->type != REDIS_REPLY_ARRAY || master->elements < 2 ||
            master->element[0]->type != REDIS_REPLY_STRING ||
            master->element[1]->type != REDIS_REPLY_INTEGER || master->element[1]->integer <= 0 ||
            master->element[1]->integer > 65535) {
            snprintf(err, errlen, "CLUSTER SLOTS: range %lld-%lld has no master address", first,
                     last);
            return -1;
        }
        /* An unknown endpoint ("" before Redis 7, "?" since) is the node that answered. */
        const char *host = master->element[0]->str;
        if ((host[0] == '\0' || strcmp(host, "?") == 0) && asked)
            host = asked->host;
        int n = node_index(m, host, (int)master->element[1]->integer);
        if (n < 0) {
            snprintf(err, errlen, "CLUSTER SLOTS: more than %d masters", SLOT_NODES_MAX);
            return -1;
        }
        for (long long s = first; s <= last; s++)
            m->owner[s] = (int16_t)n;
    }
    return 0;
}

const struct slot_node *slot_map_node(const struct slot_map *m, unsigned slot)
{
    if (slot >= SLOT_COUNT || m->owner[slot] < 0)
        return NULL;
    return &m->nodes[m->owner[slot]];
}

int slot_parse_redirect(const char *text, struct slot_redirect *rd)
{
    int ask;
    if (strncmp(text, "MOVED ", 6) == 0)
        ask = 0;
    else if (strncmp(text, "ASK ", 4) == 0)
        ask = 1;
    else
        return 0;
    const char *p = text + (ask ? 4 : 6);
    char *end;
    unsigned long slot = strtoul(p, &end, 10);
    if (end == p || *end != ' ' || slot >= SLOT_COUNT)
        return -1;
    const char *addr = end + 1;
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(rd->to.host))
        return -1;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end != '\0' || port <= 0 || port > 65535)
        return -1;
    rd->ask = ask;
    rd->slot = (unsigned)slot;
    rd->to.port = (int)port;
    memcpy(rd->to.host, addr, (size_t)(colon - addr));
    rd->to.host[colon - addr] = '\0';
    return 1;
}
