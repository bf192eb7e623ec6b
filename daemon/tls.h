/* passnumd's TLS certificate (tls.c): loaded from the PEM files at start and
 * again on SIGHUP, handed to GnuTLS through libmicrohttpd's certificate
 * callback, so a reload swaps the certificate in place: the listening
 * socket and the open connections stay. */
#ifndef PASSNUMD_TLS_H
#define PASSNUMD_TLS_H
#include <gnutls/abstract.h>
#include "error.h"

/* Reads the chain at cert_file and the key at key_file (PEM), checks that
 * the key signs what the chain's first certificate verifies, and makes them
 * the ones served from the next handshake on. The key's text is wiped after
 * use. On failure the previous certificate (if any) stays served. Returns 0,
 * or -1 with e set (400 BAD_TLS). Called by one thread at a time (main.c). */
int tls_load(const char *cert_file, const char *key_file, struct error *e);

/* The GnuTLS certificate callback for MHD_OPTION_HTTPS_CERT_CALLBACK: the
 * certificate tls_load made current. */
gnutls_certificate_retrieve_function2 tls_retrieve;

/* Frees every certificate loaded (after libmicrohttpd has stopped). */
void tls_free(void);

#endif
