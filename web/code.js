/* The human code of a pass, checked in the browser before any request.
 * Same rules as lib/code.c and TOKEN.md "Human code": the 96-bit serial in
 * Crockford Base32 (20 digits, the first 0 or 1), then the serial modulo 37
 * as a check symbol (0-9 A-Z less I L O U, then * ~ $ = U for 32..36).
 * Input: surrounding whitespace trimmed, a-z read as A-Z, '-' and ' '
 * ignored, I and L read as 1, O as 0; a value >= 2^96 is refused, never
 * reduced. Exposes globalThis.PassCode = { parse, isToken }. */
(function (root) {
	'use strict';

	var SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U';
	var DIGITS = 20;
	var LENGTH = 21;
	var LIMIT = 1n << 96n;

	/* Value of one upper-cased character: 0..31 digits, 32..36 check-only
	 * symbols, -1 for anything else. */
	function value(c) {
		if (c === 'I' || c === 'L')
			return 1;
		if (c === 'O')
			return 0;
		return c.length === 1 ? SYMBOLS.indexOf(c) : -1;
	}

	function isSpace(c) {
		return c === ' ' || c === '\t' || c === '\r' || c === '\n';
	}

	/* Reads text; returns { result, ... }:
	 *   'empty'        nothing typed
	 *   'bad_character' { character, offset }
	 *   'too_short'    { missing }
	 *   'too_long'     { extra }
	 *   'out_of_range' the first digit is above 1
	 *   'bad_check'    the check symbol does not match
	 *   'ok'           { code: printed form, serial: 24 lowercase hex digits }
	 * and always { symbols: how many were counted }. */
	function parse(text) {
		var chars = Array.from(String(text));
		var start = 0, end = chars.length, values = [], checkOnlyAt = -1;

		while (start < end && isSpace(chars[start]))
			start++;
		while (end > start && isSpace(chars[end - 1]))
			end--;
		for (var i = start; i < end; i++) {
			var c = chars[i];
			if (c === '-' || c === ' ')
				continue;
			if (c >= 'a' && c <= 'z')
				c = c.toUpperCase();
			var v = value(c);
			if (v < 0 || checkOnlyAt >= 0) {
				var at = v < 0 ? i : checkOnlyAt;
				return { result: 'bad_character', character: chars[at], offset: at,
				    symbols: values.length };
			}
			if (v >= 32)
				checkOnlyAt = i;
			values.push(v);
		}
		if (values.length === 0)
			return { result: 'empty', symbols: 0 };
		if (values.length < LENGTH)
			return { result: 'too_short', missing: LENGTH - values.length, symbols: values.length };
		if (values.length > LENGTH)
			return { result: 'too_long', extra: values.length - LENGTH, symbols: values.length };
		var n = 0n;
		for (var d = 0; d < DIGITS; d++)
			n = n * 32n + BigInt(values[d]);
		if (values[0] > 1 || n >= LIMIT)
			return { result: 'out_of_range', symbols: LENGTH };
		if (Number(n % 37n) !== values[DIGITS])
			return { result: 'bad_check', symbols: LENGTH };
		var printed = '';
		for (var k = 0; k < LENGTH; k++) {
			if (k > 0 && k % 5 === 0)
				printed += '-';
			printed += SYMBOLS[values[k]];
		}
		return { result: 'ok', code: printed, serial: n.toString(16).padStart(24, '0'),
		    symbols: LENGTH };
	}

	/* Whether text is a token (starts with PN1:, any case) rather than a code. */
	function isToken(text) {
		return String(text).trim().slice(0, 4).toUpperCase() === 'PN1:';
	}

	root.PassCode = { parse: parse, isToken: isToken };
})(typeof window !== 'undefined' ? window : globalThis);
