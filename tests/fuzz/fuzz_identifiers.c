/* libFuzzer target: the SIREN, SIRET, IBAN and BIC normalisers and checks
 * (lib/identifiers). Properties: nothing crashes; a refusal is a 400 with
 * a code and clears the output; what a normaliser accepts passes the
 * matching check and normalises to itself (idempotence); an accepted SIRET
 * starts with a SIREN that is accepted too (La Poste's establishments
 * included, whose SIREN follows Luhn); an accepted IBAN prints in groups of
 * four and normalises back from the print form. Aborts on any violation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "identifiers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_identifiers_refused(const struct error *e, const char *out)
{
	if (e->status != 400 || e->code == NULL || out[0] != '\0' ||
	    strchr(e->message, '\n') != NULL)
		abort();
}

static void
fuzz_identifiers_siren_siret(const char *text)
{
	char siren[IDENTIFIERS_SIREN_SIZE], siret[IDENTIFIERS_SIRET_SIZE], again[IDENTIFIERS_SIRET_SIZE];
	struct error e;

	error_clear(&e);
	if (identifiers_siren_normalize(text, siren, &e) != 0)
		fuzz_identifiers_refused(&e, siren);
	else if (strlen(siren) != 9 || identifiers_siren_check(siren, NULL) != 0 ||
	    identifiers_siren_normalize(siren, again, NULL) != 0 || strcmp(again, siren) != 0)
		abort();
	error_clear(&e);
	if (identifiers_siret_normalize(text, siret, &e) != 0) {
		fuzz_identifiers_refused(&e, siret);
		return;
	}
	if (strlen(siret) != 14 || identifiers_siret_check(siret, NULL) != 0 ||
	    identifiers_siret_normalize(siret, again, NULL) != 0 || strcmp(again, siret) != 0)
		abort();
	memcpy(siren, siret, 9);
	siren[9] = '\0';
	if (identifiers_siren_check(siren, NULL) != 0)
		abort();
}

static void
fuzz_identifiers_iban(const char *text)
{
	char iban[IDENTIFIERS_IBAN_SIZE], print[IDENTIFIERS_IBAN_PRINT_SIZE];
	char again[IDENTIFIERS_IBAN_SIZE];
	struct error e;

	error_clear(&e);
	if (identifiers_iban_normalize(text, iban, &e) != 0) {
		fuzz_identifiers_refused(&e, iban);
		return;
	}
	if (identifiers_iban_check(iban, NULL) != 0 || identifiers_iban_format(iban, print) != 0 ||
	    identifiers_iban_normalize(print, again, NULL) != 0 || strcmp(again, iban) != 0)
		abort();
	for (size_t i = 4; i < strlen(print); i += 5)
		if (print[i] != ' ')
			abort();
}

static void
fuzz_identifiers_bic(const char *text)
{
	char bic[IDENTIFIERS_BIC_SIZE], again[IDENTIFIERS_BIC_SIZE];
	struct error e;

	error_clear(&e);
	if (identifiers_bic_normalize(text, bic, &e) != 0) {
		fuzz_identifiers_refused(&e, bic);
		return;
	}
	if ((strlen(bic) != 8 && strlen(bic) != 11) || identifiers_bic_check(bic, NULL) != 0 ||
	    identifiers_bic_normalize(bic, again, NULL) != 0 || strcmp(again, bic) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct error e;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_identifiers_siren_siret(text);
	fuzz_identifiers_iban(text);
	fuzz_identifiers_bic(text);
	/* The checks on raw text agree with the normalisers on canonical text. */
	if (identifiers_siret_check(text, &e) == 0 && strlen(text) != 14)
		abort();
	if (identifiers_iban_check(text, &e) == 0 && strlen(text) > 34)
		abort();
	free(text);
	return 0;
}
