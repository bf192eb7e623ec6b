// forge.mjs — the forger of the tamper tests (docs/ledger.md, tamper table):
// an operator who rewrites its own export or pack and re-signs it with a
// key of its own, so that it verifies against the keys it names itself.
//
// usage: node forge.mjs MODE FILE VKEY-OUT > FORGED.jsonl, MODE one of
//   resign    (an export) changes the amounts of the first order or credit
//             entry (still balanced), recomputes its hash, the account
//             balances and every checkpoint root, re-signs the notes with a
//             fresh key and puts that key in the header;
//   rehash    the same change and hash, accounts fixed, nothing re-signed;
//   truncate  the last entry dropped with the checkpoints covering it,
//             accounts fixed;
//   append    a made-up credit appended after the last entry, accounts fixed;
//   pack      (a pack) re-signs every checkpoint note with a fresh key.
// The fresh key's C2SP verifier key is written to VKEY-OUT.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { encodeEntry, leafHash, noteKeyId, parseJson, sha256 } from '../../tools/verify-export.mjs';

const [mode, file, vkeyOut] = process.argv.slice(2);
let objs = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map(parseJson);
const plain = (v) => typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(plain) :
	v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
const origin = objs[0].origin;
const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
const id = noteKeyId(origin, pub);
fs.writeFileSync(vkeyOut, `${origin}+${id.toString('hex')}+${Buffer.concat([Buffer.of(1), pub]).toString('base64')}\n`);

function sign(size, root) {
	const text = `${origin}\n${size}\n${root.toString('base64')}\n`;
	const sig = crypto.sign(null, Buffer.from(text), privateKey);
	return `${text}\n\u2014 ${origin} ${Buffer.concat([id, sig]).toString('base64')}\n`;
}

const node = (l, r) => sha256(Buffer.of(1), l, r);
function mth(leaves) {
	if (leaves.length === 0)
		return sha256(Buffer.alloc(0));
	if (leaves.length === 1)
		return leaves[0];
	let k = 1;
	while (k * 2 < leaves.length)
		k *= 2;
	return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

// The account lines made to agree with the entries (what a careful forger does).
function fixAccounts(entries) {
	const sums = new Map();
	for (const e of entries)
		for (const p of e.postings)
			sums.set(p.account, (sums.get(p.account) ?? 0n) + p.amount);
	for (const o of objs)
		if (o.type === 'account')
			o.balance = sums.get(o.code) ?? 0n;
}

const rehash = (e) => {
	const h = leafHash(encodeEntry({ ...e, time: e.time_unix }));
	e.entry_hash = h.toString('hex');
	return h;
};

if (mode === 'pack') {
	for (const o of objs)
		if (o.type === 'checkpoint')
			o.note = sign(o.size, Buffer.from(o.root, 'hex'));
} else if (mode === 'truncate') {
	// The last entry dropped, with the checkpoints that cover it.
	const entries = objs.filter((o) => o.type === 'entry');
	const last = entries.pop();
	objs = objs.filter((o) => o !== last && (o.type !== 'checkpoint' || o.size <= last.seq));
	fixAccounts(entries);
} else if (mode === 'append') {
	// A made-up credit appended after the last entry (no checkpoint covers it).
	const entries = objs.filter((o) => o.type === 'entry');
	const model = entries.find((e) => e.kind === 'credit');
	const extra = { ...structuredClone(model), seq: BigInt(entries.length), reference: 'FORGED' };
	rehash(extra);
	const at = objs.findLastIndex((o) => o.type === 'entry');
	objs.splice(at + 1, 0, extra);
	fixAccounts([...entries, extra]);
} else {
	// rehash: an amount changed and its hash recomputed, nothing re-signed;
	// resign: the same, then every root recomputed and re-signed with a
	// fresh key, put in the header in place of the ledger keys.
	const entries = objs.filter((o) => o.type === 'entry');
	const victim = entries.find((e) => e.kind === 'order' || e.kind === 'credit');
	victim.postings[0].amount += victim.postings[0].amount > 0n ? 100n : -100n;
	victim.postings[1].amount += victim.postings[1].amount > 0n ? 100n : -100n;
	const leaves = entries.map(rehash);
	fixAccounts(entries);
	for (const o of mode === 'resign' ? objs : []) {
		if (o.type === 'header')
			o.keys = [...o.keys.filter((k) => k.kind !== 'ledger'), { kind: 'ledger',
			    key_id: id.toString('hex'), public_key: pub.toString('hex'), status: 'active',
			    created_at: '2027-01-01T00:00:00Z' }];
		if (o.type === 'checkpoint') {
			const root = mth(leaves.slice(0, Number(o.size)));
			o.root = root.toString('hex');
			o.note = sign(o.size, root);
		}
	}
}
for (const o of objs)
	process.stdout.write(`${JSON.stringify(plain(o))}\n`);
