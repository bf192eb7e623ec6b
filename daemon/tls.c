/* The served TLS certificate (tls.h). GnuTLS's certificate callback carries
 * no context pointer, hence the one static here: the current generation.
 * A handshake that began before a reload may still use the previous
 * generation, so none is freed before passnumd stops (a few KiB per
 * reload). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>
#include "tls.h"

#define TLS_FILE_MAX (1024 * 1024)
#define TLS_CHAIN_MAX 16

struct tls_generation {
	gnutls_pcert_st chain[TLS_CHAIN_MAX];
	unsigned count;
	gnutls_privkey_t key;
	struct tls_generation *older;
};

static _Atomic(struct tls_generation *) tls_current;

/* Reads a whole file into one buffer sized once from its size (never
 * reallocated, so a key leaves no copy behind); *len its length. The caller
 * wipes and frees it. Returns NULL with e set. */
static unsigned char *
tls_read_file(const char *path, size_t *len, struct error *e)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	struct stat st;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		error_set(e, 400, "BAD_TLS", "cannot read %s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > TLS_FILE_MAX) {
		error_set(e, 400, "BAD_TLS", "cannot read %s: not a file of at most 1 MiB", path);
		goto done;
	}
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		abort();
	*len = fread(data, 1, (size_t)st.st_size, f);
	data[*len] = '\0';
done:
	if (f != NULL)
		fclose(f);
	return data;
}

static void
tls_generation_free(struct tls_generation *g)
{
	for (unsigned i = 0; i < g->count; i++)
		gnutls_pcert_deinit(&g->chain[i]);
	if (g->key != NULL)
		gnutls_privkey_deinit(g->key);
	free(g);
}

/* Whether key signs what the public key of cert verifies. */
static int
tls_key_matches(gnutls_privkey_t key, gnutls_pcert_st *cert)
{
	const gnutls_datum_t data = { (unsigned char *)"passnumd tls key check", 22 };
	gnutls_sign_algorithm_t algo = gnutls_pk_to_sign(gnutls_privkey_get_pk_algorithm(key, NULL),
	    GNUTLS_DIG_SHA256);
	gnutls_datum_t sig = { NULL, 0 };
	int rc;

	if (gnutls_privkey_sign_data2(key, algo, 0, &data, &sig) < 0)
		return 0;
	rc = gnutls_pubkey_verify_data2(cert->pubkey, algo, 0, &data, &sig) >= 0;
	gnutls_free(sig.data);
	return rc;
}

/* Parses the PEM texts into g. */
static int
tls_parse(struct tls_generation *g, unsigned char *cert, size_t cert_len, unsigned char *key,
    size_t key_len, const char *cert_file, const char *key_file, struct error *e)
{
	gnutls_datum_t cert_datum = { cert, (unsigned)cert_len }, key_datum = { key, (unsigned)key_len };
	int rc;

	g->count = TLS_CHAIN_MAX;
	if ((rc = gnutls_pcert_list_import_x509_raw(g->chain, &g->count, &cert_datum,
	    GNUTLS_X509_FMT_PEM, 0)) < 0 || g->count == 0) {
		g->count = 0;
		return error_set(e, 400, "BAD_TLS", "%s holds no usable PEM certificate chain: %s",
		    cert_file, gnutls_strerror(rc));
	}
	if (gnutls_privkey_init(&g->key) < 0)
		abort();
	if ((rc = gnutls_privkey_import_x509_raw(g->key, &key_datum, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0)
		return error_set(e, 400, "BAD_TLS", "%s holds no usable PEM private key: %s", key_file,
		    gnutls_strerror(rc));
	if (!tls_key_matches(g->key, &g->chain[0]))
		return error_set(e, 400, "BAD_TLS", "the key in %s does not belong to the certificate in %s",
		    key_file, cert_file);
	return 0;
}

int
tls_load(const char *cert_file, const char *key_file, struct error *e)
{
	struct tls_generation *g = calloc(1, sizeof(*g));
	unsigned char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	int rc = -1;

	if (g == NULL)
		abort();
	if ((cert = tls_read_file(cert_file, &cert_len, e)) != NULL &&
	    (key = tls_read_file(key_file, &key_len, e)) != NULL)
		rc = tls_parse(g, cert, cert_len, key, key_len, cert_file, key_file, e);
	if (key != NULL)
		sodium_memzero(key, key_len);
	free(key);
	free(cert);
	if (rc != 0) {
		tls_generation_free(g);
		return -1;
	}
	g->older = atomic_load(&tls_current);
	atomic_store(&tls_current, g);
	return 0;
}

int
tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
    unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
	struct tls_generation *g = atomic_load(&tls_current);

	(void)session;
	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (g == NULL)
		return -1;
	*pcert = g->chain;
	*pcert_length = g->count;
	*privkey = g->key;
	return 0;
}

void
tls_free(void)
{
	struct tls_generation *g = atomic_exchange(&tls_current, NULL);

	while (g != NULL) {
		struct tls_generation *older = g->older;
		tls_generation_free(g);
		g = older;
	}
}
