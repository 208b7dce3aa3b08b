/* mgmt.h -- what only RabbitMQ's management HTTP API says: how many nodes the cluster runs
 * and which of them hold a quorum queue's replicas. AMQP has no way to ask, and a quorum
 * queue declared while the cluster had one node keeps one member after others join: a
 * replication nobody sees is not there.
 *
 * Optional by nature: the plugin (rabbitmq_management) may be off, or its port closed to us.
 * Callers say so and go on. Blocking, with a short deadline: called once at start-up. */
#ifndef TRAWL_MGMT_H
#define TRAWL_MGMT_H

#include <stddef.h>

/* The API's base URL for a broker: http://HOST:15672 with the AMQP URL's host (https for
 * amqps://). Returns 0, or -1 when amqp_url does not parse. */
int mgmt_base_url(const char *amqp_url, char *buf, size_t buflen);

struct mgmt_queue_replicas {
    int nodes_running;          /* the cluster's running nodes */
    int members;                /* nodes holding a replica of the queue */
    int online;                 /* of those, how many are up */
    int quorum;                 /* 1 for a quorum queue (the others have no members) */
};

/* Asks base (mgmt_base_url, or the user's --amqp-http) about queue, with the AMQP URL's user
 * and password and vhost. Returns 0, or -1 with the reason in err (unreachable, 401, no such
 * queue) -- the URL in it without a password. */
int mgmt_queue_replicas(const char *base, const char *amqp_url, const char *queue,
                        int timeout_ms, struct mgmt_queue_replicas *out, char *err,
                        size_t errlen);

/* At start-up: reads how many nodes hold PREFIX.urls, .records and .dead, and warns when a
 * quorum queue has fewer members than it could (its quorum_size, or every running node if
 * fewer), or members that are offline, with how to grow it. base: the API (NULL: derived
 * from amqp_url, the broker connected to). When the API cannot be read, one info line says
 * so if `asked` (the user gave several brokers or --amqp-http), else a debug line. */
void mgmt_report_replication(const char *base, const char *amqp_url, const char *prefix,
                             unsigned quorum_size, int asked);

#endif
