/* The pure helpers of settlement.h: the SEPA character set and the
 * settlement's identifiers. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "settlement.h"

/* Base letters of U+0100..U+017F (Latin Extended-A); '?' marks the
 * ligatures handled apart (IJ, ij, OE, oe). */
static const char latin_extended_a[] =
    "AaAaAa" "CcCcCcCc" "DdDd" "EeEeEeEeEe" "GgGgGgGg" "HhHh" "IiIiIiIiIi" "??" "Jj" "Kkk"
    "LlLlLlLlLl" "NnNnNnnNn" "OoOoOo" "??" "RrRrRr" "SsSsSsSs" "TtTtTt" "UuUuUuUuUuUu" "Ww"
    "YyY" "ZzZzZz" "s";
_Static_assert(sizeof(latin_extended_a) == 129, "one letter per code point of U+0100..U+017F");

/* Letters of U+00C0..U+00FF, two bytes each ("A " for a one-letter one). */
static const char latin_1[] =
    "A A A A A A AEC E E E E I I I I D N O O O O O   O U U U U Y THss"
    "a a a a a a aec e e e e i i i i d n o o o o o   o u u u u y thy ";
_Static_assert(sizeof(latin_1) == 129, "two bytes per code point of U+00C0..U+00FF");

/* Decodes one UTF-8 code point at s (well-formed or not); sets *len to the
 * bytes used and returns the code point, or 0xFFFD for a bad sequence. */
static unsigned
sepa_decode(const unsigned char *s, size_t *len)
{
	unsigned c = s[0], n, cp;

	*len = 1;
	if (c < 0x80)
		return c;
	n = c >= 0xF0 && c < 0xF5 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : 0;
	if (n == 0 || c >= 0xF5)
		return 0xFFFD;
	cp = c & (0x3F >> n);
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0xFFFD;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*len = n + 1;
	return cp;
}

/* The SEPA text for code point cp, written into rep (up to 3 bytes + NUL). */
static void
sepa_map(unsigned cp, char rep[4])
{
	static const char allowed[] = "/-?:().,'+ ";

	memset(rep, 0, 4);
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
	    (cp != 0 && cp < 0x80 && strchr(allowed, (int)cp) != NULL))
		rep[0] = (char)cp;
	else if (cp == '&')
		rep[0] = '+';
	else if (cp == '"' || cp == '`' || cp == 0x2018 || cp == 0x2019 || cp == 0x201C ||
	    cp == 0x201D || cp == 0xB4)
		rep[0] = '\'';
	else if (cp == '_' || cp == 0x2010 || cp == 0x2011 || cp == 0x2013 || cp == 0x2014)
		rep[0] = '-';
	else if (cp == 0x20AC)
		memcpy(rep, "EUR", 3);
	else if (cp >= 0xC0 && cp <= 0xFF) {
		rep[0] = latin_1[2 * (cp - 0xC0)];
		rep[1] = latin_1[2 * (cp - 0xC0) + 1] == ' ' ? '\0' : latin_1[2 * (cp - 0xC0) + 1];
	} else if (cp == 0x132 || cp == 0x133)
		memcpy(rep, cp == 0x132 ? "IJ" : "ij", 2);
	else if (cp == 0x152 || cp == 0x153)
		memcpy(rep, cp == 0x152 ? "OE" : "oe", 2);
	else if (cp >= 0x100 && cp <= 0x17F)
		rep[0] = latin_extended_a[cp - 0x100];
	else
		rep[0] = ' ';
}

size_t
settlement_sepa_text(const char *text, char *out, size_t max)
{
	const unsigned char *s = (const unsigned char *)text;
	bool cut = false, at_space = false;
	size_t n = 0, len;
	char rep[4];

	while (*s != '\0' && !cut) {
		sepa_map(sepa_decode(s, &len), rep);
		s += len;
		for (size_t i = 0; rep[i] != '\0' && !cut; i++) {
			if (rep[i] == ' ' && (n == 0 || out[n - 1] == ' '))
				continue;
			if (n == max) {
				cut = true;
				at_space = rep[i] == ' ';
			} else
				out[n++] = rep[i];
		}
	}
	/* Cut inside a word: end at the last space of the last quarter, if any. */
	for (size_t i = n; cut && !at_space && i > max - max / 4; i--)
		if (out[i - 1] == ' ') {
			n = i;
			break;
		}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

bool
settlement_id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > SETTLEMENT_ID_MAX || id[0] == '/' || id[len - 1] == '/' ||
	    strstr(id, "//") != NULL)
		return false;
	for (const char *p = id; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '/'))
			return false;
	return true;
}

void
settlement_origin_tag(const char *origin, char tag[9])
{
	uint8_t hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, (const unsigned char *)origin, strlen(origin));
	snprintf(tag, 9, "%02X%02X%02X%02X", hash[0], hash[1], hash[2], hash[3]);
}

/* "YYYYMM" from "YYYY-MM". */
static void
settlement_compact_period(const char *period, char out[7])
{
	snprintf(out, 7, "%.4s%.2s", period, period + 5);
}

void
settlement_msg_id(const char *tag, const char *period, int64_t id, char *out)
{
	char month[7];

	settlement_compact_period(period, month);
	snprintf(out, SETTLEMENT_ID_MAX + 1, "PN-%.8s-%s-%06lld", tag, month, (long long)id);
}

void
settlement_pmt_inf_id(const char *tag, const char *period, int64_t id, char *out)
{
	char month[7];

	settlement_compact_period(period, month);
	snprintf(out, SETTLEMENT_ID_MAX + 1, "PI-%.8s-%s-%06lld", tag, month, (long long)id);
}

void
settlement_end_to_end_id(const char *tag, int64_t payout_id, char *out)
{
	snprintf(out, SETTLEMENT_ID_MAX + 1, "PN-%.8s-P%010lld", tag, (long long)payout_id);
}

void
settlement_statement(const char *period, int64_t payout_id, char *out)
{
	char month[7];

	settlement_compact_period(period, month);
	snprintf(out, SETTLEMENT_ID_MAX + 1, "RLV-%s-%06lld", month, (long long)payout_id);
}

void
settlement_remittance(const char *period, int64_t passes, const char *statement,
    char out[SETTLEMENT_REMITTANCE_MAX + 1])
{
	char text[300];

	snprintf(text, sizeof(text), "Pass numériques %s, %lld pass, relevé %s", period,
	    (long long)passes, statement);
	settlement_sepa_text(text, out, SETTLEMENT_REMITTANCE_MAX);
}
