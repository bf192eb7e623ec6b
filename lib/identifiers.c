#include <stdbool.h>
#include <string.h>
#include "identifiers.h"

#define IDENTIFIERS_LA_POSTE_SIREN "356000000"
#define IDENTIFIERS_LA_POSTE_HEAD_OFFICE "35600000000048"

/* IBAN lengths of the SEPA countries (SWIFT IBAN registry). The French
 * overseas departments and collectivities use FR. */
static const struct {
	char country[3];
	unsigned char length;
} identifiers_iban_lengths[] = {
	{ "AD", 24 }, { "AT", 20 }, { "BE", 16 }, { "BG", 22 }, { "CH", 21 },
	{ "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DK", 18 }, { "EE", 20 },
	{ "ES", 24 }, { "FI", 18 }, { "FR", 27 }, { "GB", 22 }, { "GI", 23 },
	{ "GR", 27 }, { "HR", 21 }, { "HU", 28 }, { "IE", 22 }, { "IS", 26 },
	{ "IT", 27 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
	{ "MC", 27 }, { "MT", 31 }, { "NL", 18 }, { "NO", 15 }, { "PL", 28 },
	{ "PT", 25 }, { "RO", 24 }, { "SE", 24 }, { "SI", 19 }, { "SK", 24 },
	{ "SM", 27 }, { "VA", 22 },
};

static bool
identifiers_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
identifiers_is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
identifiers_all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!identifiers_is_digit(s[i]))
			return false;
	return true;
}

/* Whether the n digits of s pass the Luhn check. */
static bool
identifiers_luhn(const char *s, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[n - 1 - i] - '0');
		if (i % 2 == 1)
			d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
	}
	return sum % 10 == 0;
}

int
identifiers_siren_check(const char *siren, struct error *e)
{
	if (!identifiers_all_digits(siren, 9))
		return error_set(e, 400, "BAD_SIREN", "a SIREN has exactly 9 digits");
	if (strspn(siren, "0") == 9)
		return error_set(e, 400, "BAD_SIREN", "000000000 is no SIREN");
	if (!identifiers_luhn(siren, 9))
		return error_set(e, 400, "BAD_SIREN", "SIREN %s: wrong check digit", siren);
	return 0;
}

int
identifiers_siret_check(const char *siret, struct error *e)
{
	unsigned sum = 0;

	if (!identifiers_all_digits(siret, 14))
		return error_set(e, 400, "BAD_SIRET", "a SIRET has exactly 14 digits");
	if (strspn(siret, "0") >= 9)
		return error_set(e, 400, "BAD_SIRET", "SIRET %s: its SIREN 000000000 is no SIREN", siret);
	if (!identifiers_luhn(siret, 9))
		goto bad;
	if (strncmp(siret, IDENTIFIERS_LA_POSTE_SIREN, 9) == 0 &&
	    strcmp(siret, IDENTIFIERS_LA_POSTE_HEAD_OFFICE) != 0) {
		for (size_t i = 0; i < 14; i++)
			sum += (unsigned)(siret[i] - '0');
		if (sum % 5 != 0)
			goto bad;
		return 0;
	}
	if (!identifiers_luhn(siret, 14))
		goto bad;
	return 0;
bad:
	return error_set(e, 400, "BAD_SIRET", "SIRET %s: wrong check digit", siret);
}

/* Copies text into out (size bytes) without spaces, upper-cased when upper
 * is set. Returns 0, or -1 if it does not fit. */
static int
identifiers_squeeze(const char *text, char *out, size_t size, bool upper)
{
	size_t n = 0;

	for (; *text != '\0'; text++) {
		char c = *text;
		if (c == ' ')
			continue;
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

int
identifiers_siren_normalize(const char *text, char out[IDENTIFIERS_SIREN_SIZE],
    struct error *e)
{
	if (identifiers_squeeze(text, out, IDENTIFIERS_SIREN_SIZE, false) != 0) {
		out[0] = '\0';
		return error_set(e, 400, "BAD_SIREN", "a SIREN has exactly 9 digits");
	}
	if (identifiers_siren_check(out, e) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
identifiers_siret_normalize(const char *text, char out[IDENTIFIERS_SIRET_SIZE],
    struct error *e)
{
	if (identifiers_squeeze(text, out, IDENTIFIERS_SIRET_SIZE, false) != 0) {
		out[0] = '\0';
		return error_set(e, 400, "BAD_SIRET", "a SIRET has exactly 14 digits");
	}
	if (identifiers_siret_check(out, e) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* ISO 7064 mod 97-10 of iban with its first four characters moved to the
 * end and letters read as 10..35. iban is upper-case alphanumeric. */
static unsigned
identifiers_iban_mod97(const char *iban, size_t len)
{
	unsigned remainder = 0;

	for (size_t i = 0; i < len; i++) {
		char c = iban[(i + 4) % len];
		if (identifiers_is_digit(c))
			remainder = (remainder * 10 + (unsigned)(c - '0')) % 97;
		else
			remainder = (remainder * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return remainder;
}

int
identifiers_iban_check(const char *iban, struct error *e)
{
	size_t len = strlen(iban), expected = 0;

	if (len < 15 || len > 34 || !identifiers_is_upper(iban[0]) ||
	    !identifiers_is_upper(iban[1]) || !identifiers_is_digit(iban[2]) ||
	    !identifiers_is_digit(iban[3]))
		return error_set(e, 400, "BAD_IBAN",
		    "an IBAN is a country code, two check digits and 11 to 30 letters or digits");
	for (size_t i = 4; i < len; i++)
		if (!identifiers_is_digit(iban[i]) && !identifiers_is_upper(iban[i]))
			return error_set(e, 400, "BAD_IBAN",
			    "an IBAN has only letters and digits");
	for (size_t i = 0; i < sizeof(identifiers_iban_lengths) /
	    sizeof(identifiers_iban_lengths[0]); i++)
		if (strncmp(iban, identifiers_iban_lengths[i].country, 2) == 0)
			expected = identifiers_iban_lengths[i].length;
	if (expected != 0 && len != expected)
		return error_set(e, 400, "BAD_IBAN", "an IBAN of country %.2s has %zu characters, not %zu",
		    iban, expected, len);
	if (identifiers_iban_mod97(iban, len) != 1)
		return error_set(e, 400, "BAD_IBAN", "IBAN: wrong check digits");
	return 0;
}

int
identifiers_iban_normalize(const char *text, char out[IDENTIFIERS_IBAN_SIZE],
    struct error *e)
{
	if (identifiers_squeeze(text, out, IDENTIFIERS_IBAN_SIZE, true) != 0) {
		out[0] = '\0';
		return error_set(e, 400, "BAD_IBAN", "an IBAN has at most 34 characters");
	}
	if (identifiers_iban_check(out, e) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
identifiers_iban_format(const char *iban, char out[IDENTIFIERS_IBAN_PRINT_SIZE])
{
	size_t n = 0, len = strlen(iban);

	out[0] = '\0';
	if (len > 34)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && i % 4 == 0)
			out[n++] = ' ';
		out[n++] = iban[i];
	}
	out[n] = '\0';
	return 0;
}

int
identifiers_bic_check(const char *bic, struct error *e)
{
	size_t len = strlen(bic);

	if (len != 8 && len != 11)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (i < 6 ? !identifiers_is_upper(bic[i]) :
		    !identifiers_is_upper(bic[i]) && !identifiers_is_digit(bic[i]))
			goto bad;
	}
	return 0;
bad:
	return error_set(e, 400, "BAD_BIC",
	    "a BIC has 8 or 11 characters, like BNPAFRPP or BNPAFRPPXXX");
}

int
identifiers_bic_normalize(const char *text, char out[IDENTIFIERS_BIC_SIZE],
    struct error *e)
{
	if (identifiers_squeeze(text, out, IDENTIFIERS_BIC_SIZE, true) != 0)
		out[0] = '\0'; /* too long: refused below like an empty BIC */
	if (identifiers_bic_check(out, e) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
