/* A numeric IPv4 or IPv6 address and a port as a socket address: how --bind
 * is read, by the server that listens on it and by `lookslike healthcheck`
 * that connects to it. Pure; thread-safe. */
#ifndef LOOKSLIKE_SOCKET_ADDRESS_H
#define LOOKSLIKE_SOCKET_ADDRESS_H

#include <sys/socket.h>

/* Fills *out; returns its length, or 0 when address is neither. */
socklen_t socket_address_parse(const char *address, int port, struct sockaddr_storage *out);

#endif
