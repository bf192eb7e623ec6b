// web/code.js (the human code checked in the browser) against TOKEN.md's
// vectors, the codes of a real batch (PASSNUM_WEB_FIXTURE: serial and code
// from passnum's CSV), and every single-symbol typing mistake of them.
'use strict';
const fs = require('fs');
const path = require('path');

require(path.join(__dirname, '..', '..', 'web', 'code.js'));
const P = globalThis.PassCode;
const SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U';
let checks = 0, failures = 0;

function check(ok, what) {
	checks++;
	if (!ok) {
		failures++;
		console.error('FAIL: ' + what);
	}
}

function expectOk(text, code, serial) {
	const r = P.parse(text);
	check(r.result === 'ok' && r.code === code && (serial === undefined || r.serial === serial),
	    `${JSON.stringify(text)} -> ${JSON.stringify(r)}, wanted ${code} ${serial || ''}`);
}

function expectResult(text, result, extra) {
	const r = P.parse(text);
	const fields = Object.entries(extra || {}).every(([k, v]) => r[k] === v);
	check(r.result === result && fields, `${JSON.stringify(text)} -> ${JSON.stringify(r)}, wanted ${result} ${JSON.stringify(extra || {})}`);
}

// TOKEN.md vectors.
const vectors = [
	['000H4-8SM8N-B6EY4-9KANV-C', '00112233445566778899aabb'],
	['1ZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-9', 'ffffffffffffffffffffffff'],
	['00000-00000-00000-00000-0', '000000000000000000000000'],
];
// The codes of the batch the browser test uses.
const fixture = process.env.PASSNUM_WEB_FIXTURE ? JSON.parse(fs.readFileSync(process.env.PASSNUM_WEB_FIXTURE)) : null;
if (fixture)
	for (const p of fixture.passes)
		vectors.push([p.code, p.serial]);
check(vectors.length > 10 || !fixture, 'the fixture has passes');

for (const [code, serial] of vectors) {
	expectOk(code, code, serial);
	expectOk(code.toLowerCase(), code, serial);
	expectOk(code.replace(/-/g, ''), code, serial);
	expectOk('  ' + code.replace(/-/g, ' ') + '\n', code, serial);
	expectOk(code.replace(/1/g, 'l').replace(/0/g, 'O'), code, serial);
	// Every single-symbol substitution is caught (37 is prime, > 32).
	const bare = code.replace(/-/g, '');
	let missed = 0;
	for (let i = 0; i < bare.length; i++) {
		for (const s of SYMBOLS) {
			if (s === bare[i] || (i < 20 && SYMBOLS.indexOf(s) >= 32))
				continue;
			const typo = bare.slice(0, i) + s + bare.slice(i + 1);
			if (P.parse(typo).result === 'ok')
				missed++;
		}
	}
	check(missed === 0, `${code}: ${missed} single-symbol typos accepted`);
	// Transposing two different neighbouring digits is caught too.
	for (let i = 0; i + 1 < 20; i++) {
		if (bare[i] === bare[i + 1])
			continue;
		const swapped = bare.slice(0, i) + bare[i + 1] + bare[i] + bare.slice(i + 2);
		check(P.parse(swapped).result !== 'ok', `${code}: swap at ${i} accepted`);
	}
	for (let n = 1; n <= 20; n++)
		expectResult(bare.slice(0, 21 - n), 'too_short', { missing: n });
}

expectResult('', 'empty');
expectResult('   ', 'empty');
expectResult('000H4-8SM8N-B6EY4-9KA', 'too_short', { missing: 3 });
expectResult('000H4-8SM8N-B6EY4-9KANV-CC', 'too_long', { extra: 1 });
expectResult('000H4-8SM8N-B6EY4-9KANV-D', 'bad_check');
expectResult('2ZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-9', 'out_of_range');
expectResult('ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-0', 'out_of_range');
expectResult('000H4_8SM8N', 'bad_character', { character: '_', offset: 5 });
expectResult('000U4-8SM8N-B6EY4-9KANV-C', 'bad_character', { character: 'U', offset: 3 });
expectResult('0*0H4-8SM8N-B6EY4-9KANV-C', 'bad_character', { character: '*', offset: 1 });
expectResult('000H4-8SM8N-B6EY4-9KANV-C\t1', 'bad_character', { character: '\t' });
expectResult('000H4-8SMé8N', 'bad_character', { character: 'é' });
check(P.isToken('pn1:ABC') && P.isToken('  PN1:x') && !P.isToken('000H4'), 'isToken');

console.log(`code.test.js: ${checks} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
