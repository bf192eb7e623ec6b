#!/usr/bin/env node
// verify-export.mjs — an auditor's verifier for passnum ledger exports.
//
// Written from docs/ledger.md alone, with Node.js (>= 20) and its standard
// library only: it shares no code with passnum. Given a jsonl export
// (`passnum ledger export --format jsonl [--gzip]`), it
//   1. recomputes every entry's canonical encoding and leaf hash and compares
//      them with entry_hash; checks seq 0, 1, 2, … without gaps, two or more
//      non-zero postings per entry summing to zero (a `rollback` entry: none),
//      and the time fields;
//   2. builds the RFC 9162 tree over the leaves; for each checkpoint checks
//      the root at its size and the C2SP signed note's Ed25519 signature by a
//      ledger key of the header (key id = SHA-256(origin ‖ "\n" ‖ 0x01 ‖ pub)[0..4]);
//   3. sums the postings per account, compares with the account lines, checks
//      each account against the chart of accounts and that no balance rule
//      was broken after any entry;
//   4. checks each receipt file given after the export (a receipt, or a
//      redemption reply holding one): its entry hash, its signature over
//      "passnum-receipt-v1" ‖ seq (8 bytes BE) ‖ entry hash, and that the
//      export holds the same entry with the same hash; and each inclusion
//      proof file (`passnum ledger proof` output): the entry hash and root
//      against the export, and the RFC 9162 audit path between them.
// Prints "OK: …" with counts, or the first failure on stderr; exit 0 when
// everything verifies, 1 on a failure, 2 on a usage error.
//
//   5. with --key VKEY (repeatable: every ledger key of the log, from
//      GET /v1/keys or a printed key), checks the signatures with those keys
//      only, never the header's (a forged export re-signs itself); with
//      --checkpoint NOTE (repeatable; from GET /v1/ledger/checkpoint or a
//      witness, verified with --key), checks that the export reaches it:
//      at least its size, and the same root there (a truncated tail fails).
// usage: node tools/verify-export.mjs [--key VKEY …] [--checkpoint NOTE …]
//            EXPORT.jsonl[.gz]|- [RECEIPT.json|PROOF.json …]
//        node tools/verify-export.mjs --self-test
import crypto from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const DOMAIN = 'passnum-entry-v1';
const RECEIPT_DOMAIN = 'passnum-receipt-v1';
const EXPORT_FORMAT = 'passnum-ledger-export-v1';
const AMOUNT_MAX = 1n << 53n;
const ENTRY_LINE_MEMBERS = ['type', 'seq', 'time', 'time_unix', 'kind', 'reference', 'memo',
	'postings', 'entry_hash'];
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export class Failure extends Error {}

export function fail(message) {
	throw new Failure(message);
}

// ---------------------------------------------------------------- JSON
// JSON.parse turns integers into doubles; money and sequence numbers must
// stay exact, so this strict parser returns integers as BigInt, other
// numbers as Number, and refuses duplicate keys and ill-formed strings.
const STRING_RE = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

export function parseJson(text) {
	let i = 0;
	const bad = (what) => fail(`malformed JSON at character ${i}: ${what}`);
	const space = () => {
		while (i < text.length && ' \t\n\r'.includes(text[i]))
			i++;
	};
	const match = (re) => {
		re.lastIndex = i;
		const m = re.exec(text);
		if (m === null)
			return null;
		i = re.lastIndex;
		return m;
	};
	const string = () => {
		const m = match(STRING_RE);
		if (m === null)
			bad('bad string');
		if (!m[0].includes('\\'))
			return m[0].slice(1, -1);
		const s = JSON.parse(m[0]);
		if (!s.isWellFormed())
			bad('lone surrogate in a string');
		return s;
	};
	const value = (depth) => {
		if (depth > 64)
			bad('nested too deeply');
		space();
		const c = text[i];
		if (c === '"')
			return string();
		if (c === '{' || c === '[') {
			const object = c === '{';
			const out = object ? Object.create(null) : [];
			i++;
			space();
			if (text[i] === (object ? '}' : ']')) {
				i++;
				return out;
			}
			for (;;) {
				if (object) {
					space();
					if (text[i] !== '"')
						bad('expected a key');
					const key = string();
					space();
					if (text[i++] !== ':')
						bad('expected ":"');
					if (Object.hasOwn(out, key))
						bad(`duplicate key "${key}"`);
					out[key] = value(depth + 1);
				} else {
					out.push(value(depth + 1));
				}
				space();
				const d = text[i++];
				if (d === (object ? '}' : ']'))
					return out;
				if (d !== ',')
					bad('expected "," or the end of the ' + (object ? 'object' : 'array'));
			}
		}
		const m = match(NUMBER_RE);
		if (m !== null)
			return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
		for (const [word, v] of [['true', true], ['false', false], ['null', null]])
			if (text.startsWith(word, i)) {
				i += word.length;
				return v;
			}
		return bad(c === undefined ? 'unexpected end' : `unexpected "${c}"`);
	};
	const out = value(0);
	space();
	if (i !== text.length)
		bad('trailing characters');
	return out;
}

// ---------------------------------------------------------------- fields
function isObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function getString(obj, name, what) {
	const v = obj[name];
	if (typeof v !== 'string')
		fail(`${what}: "${name}" is missing or not a string`);
	return v;
}

function getInt(obj, name, min, max, what) {
	const v = obj[name];
	if (typeof v !== 'bigint')
		fail(`${what}: "${name}" is missing or not an integer`);
	if (v < min || v > max)
		fail(`${what}: "${name}" ${v} is out of range`);
	return v;
}

function getHex(obj, name, bytes, what) {
	const v = getString(obj, name, what);
	if (v.length !== 2 * bytes || !/^[0-9a-f]*$/.test(v))
		fail(`${what}: "${name}" is not ${bytes} bytes of lowercase hex`);
	return Buffer.from(v, 'hex');
}

// Standard padded base64 of exactly `bytes` bytes, canonical, or null.
export function base64Exact(text, bytes) {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
		return null;
	const b = Buffer.from(text, 'base64');
	if ((bytes !== undefined && b.length !== bytes) || b.toString('base64') !== text)
		return null;
	return b;
}

// ---------------------------------------------------------------- hashing
export function sha256(...parts) {
	const h = crypto.createHash('sha256');
	for (const p of parts)
		h.update(p);
	return h.digest();
}

function u32(n) {
	const b = Buffer.alloc(4);
	b.writeUInt32BE(n);
	return b;
}

function u64(n) {
	const b = Buffer.alloc(8);
	b.writeBigUInt64BE(n);
	return b;
}

function i64(n) {
	const b = Buffer.alloc(8);
	b.writeBigInt64BE(n);
	return b;
}

function lengthPrefixed(s) {
	const b = Buffer.from(s, 'utf8');
	return Buffer.concat([u32(b.length), b]);
}

function comparePostings(a, b) {
	const c = Buffer.compare(Buffer.from(a.account, 'utf8'), Buffer.from(b.account, 'utf8'));
	if (c !== 0)
		return c;
	return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

// The canonical encoding of docs/ledger.md; postings are sorted here.
export function encodeEntry(e) {
	const postings = [...e.postings].sort(comparePostings);
	const parts = [Buffer.from(DOMAIN, 'latin1'), u64(e.seq), i64(e.time),
	    lengthPrefixed(e.kind), lengthPrefixed(e.reference), lengthPrefixed(e.memo),
	    u32(postings.length)];
	for (const p of postings)
		parts.push(lengthPrefixed(p.account), i64(p.amount));
	return Buffer.concat(parts);
}

export function leafHash(encoding) {
	return sha256(Buffer.of(0), encoding);
}

function nodeHash(left, right) {
	return sha256(Buffer.of(1), left, right);
}

// An RFC 9162 tree kept as its compact range: the roots of its perfect
// subtrees, largest first. The root folds them from the right.
export class Tree {
	constructor() {
		this.stack = [];
		this.size = 0;
	}

	push(leaf) {
		let h = leaf;
		for (let n = this.size; n & 1; n = Math.floor(n / 2))
			h = nodeHash(this.stack.pop(), h);
		this.stack.push(h);
		this.size++;
	}

	root() {
		if (this.stack.length === 0)
			return sha256(Buffer.alloc(0));
		let h = this.stack[this.stack.length - 1];
		for (let j = this.stack.length - 2; j >= 0; j--)
			h = nodeHash(this.stack[j], h);
		return h;
	}
}

// ---------------------------------------------------------------- keys, notes
export function noteKeyId(name, pub) {
	return sha256(Buffer.from(name, 'utf8'), Buffer.from('\n'), Buffer.of(1), pub).subarray(0, 4);
}

export function ed25519Key(pub) {
	return crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, pub]), format: 'der',
	    type: 'spki' });
}

export function ed25519Verify(key, message, signature) {
	return signature.length === 64 && crypto.verify(null, message, key, signature);
}

// Verifies a C2SP checkpoint note signed by one of keys (each {id, key,
// status}) under the name origin. Returns {size, root}; throws otherwise.
export function verifyCheckpointNote(note, origin, keys, what) {
	const cut = note.indexOf('\n\n');
	if (cut < 0 || !note.endsWith('\n'))
		fail(`${what}: the note has no signature block`);
	const text = note.slice(0, cut + 1);
	const lines = text.slice(0, -1).split('\n');
	if (lines.length !== 3)
		fail(`${what}: the checkpoint text is not exactly origin, size and root`);
	if (lines[0] !== origin)
		fail(`${what}: the note's origin "${lines[0]}" is not the ledger's "${origin}"`);
	if (!/^(0|[1-9][0-9]{0,19})$/.test(lines[1]) || BigInt(lines[1]) >= 1n << 64n)
		fail(`${what}: the note's tree size is not a canonical decimal`);
	const root = base64Exact(lines[2], 32);
	if (root === null)
		fail(`${what}: the note's root is not the base64 of 32 bytes`);
	let signed = false;
	for (const line of note.slice(cut + 2, -1).split('\n')) {
		const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
		const blob = m === null ? null : base64Exact(m[2]);
		if (blob === null || blob.length < 5)
			fail(`${what}: malformed signature line "${line}"`);
		if (m[1] !== origin)
			continue; // another signer (a witness): not ours to check
		for (const k of keys.filter((k) => k.id.equals(blob.subarray(0, 4)))) {
			if (!ed25519Verify(k.key, Buffer.from(text, 'utf8'), blob.subarray(4)))
				fail(`${what}: the signature by ledger key ${k.id.toString('hex')} does not verify`);
			signed = true;
		}
	}
	if (!signed)
		fail(`${what}: the note is not signed by a ledger key of the header`);
	return { size: BigInt(lines[1]), root };
}

// ---------------------------------------------------------------- chart
// docs/ledger.md, "Chart of accounts". credit: a credit-normal account that
// holds what is owed to someone; nonneg: the balance rule applies to it.
export const CHART = [
	[/^bank$/, 'bank', '512', false, false],
	[/^payouts$/, 'payouts', '580', false, false],
	[/^suspense$/, 'suspense', '471', false, false],
	[/^funder:[1-9][0-9]*:balance$/, 'funder-balance', '4671', true, true],
	[/^funder:[1-9][0-9]*:orders$/, 'funder-orders', '411', false, true],
	[/^funder:[1-9][0-9]*:credit-notes$/, 'funder-credit-notes', '4198', true, true],
	[/^funder:[1-9][0-9]*:invoiced$/, 'funder-invoiced', '411', false, true],
	[/^vat-pending$/, 'vat-pending', '4458', true, true],
	[/^refunds-in-transit$/, 'refunds-in-transit', '4678', true, true],
	[/^campaign:[1-9][0-9]*:outstanding$/, 'outstanding', '4672', true, true],
	[/^payee:[1-9][0-9]*$/, 'payee', '401', true, true],
	[/^fees$/, 'fees', '706', true, false],
	[/^vat$/, 'vat', '44571', true, false],
	[/^payouts-in-transit$/, 'payouts-in-transit', '4678', true, true],
	[/^takeover-claim$/, 'takeover-claim', '467', false, true],
	[/^bank-operating$/, 'bank-operating', '5122', false, false],
	[/^bank-charges$/, 'bank-charges', '627', false, false],
	[/^operator:float:[1-9][0-9]*$/, 'operator-float', '8018', false, true],
	[/^float-counterpart$/, 'float-counterpart', '8091', true, true],
].map(([re, kind, pcg, credit, nonneg]) => ({ re, kind, pcg, credit, nonneg }));

// True when balance breaks the account's rule: what is owed never negative.
export function breaksRule(chart, balance) {
	if (!chart.nonneg)
		return false;
	return chart.credit ? balance > 0n : balance < 0n;
}

// ---------------------------------------------------------------- the export
export class Audit {
	// trusted: ledger keys obtained elsewhere (parseVkey), or null to take
	// the header's (which a forged export re-signs itself: see docs/ledger.md).
	constructor(trusted = null) {
		this.header = null;
		this.trusted = trusted;
		this.keys = [];          // ledger keys: {id, pub, key, status}
		this.accounts = new Map(); // code -> {chart, declared, sum}
		this.tree = new Tree();
		this.leaves = Buffer.alloc(32 * 1024);
		this.entries = 0;
		this.postings = 0;
		this.checkpoints = [];
		this.phase = 0; // 0 header, 1 accounts, 2 entries, 3 checkpoints
		this.receipts = 0;
		this.proofs = 0;
	}

	leaf(seq) {
		return this.leaves.subarray(32 * seq, 32 * seq + 32);
	}

	line(obj, n) {
		if (!isObject(obj))
			fail(`line ${n}: not a JSON object`);
		const type = obj.type;
		const order = { header: 0, account: 1, entry: 2, checkpoint: 3 }[type];
		if (order === undefined)
			fail(`line ${n}: unknown line type ${JSON.stringify(type)}`);
		if (n === 1 ? type !== 'header' : order < this.phase || type === 'header')
			fail(`line ${n}: a ${type} line out of the documented order (header, accounts,` +
			    ' entries, checkpoints)');
		this.phase = order;
		this[`on_${type}`](obj, `line ${n}`);
	}

	on_header(h, where) {
		if (h.format !== EXPORT_FORMAT)
			fail(`${where}: the format is not ${EXPORT_FORMAT}`);
		if (h.encoding !== undefined && h.encoding !== DOMAIN)
			fail(`${where}: the entry encoding is not ${DOMAIN}`);
		this.origin = getString(h, 'origin', where);
		if (!Array.isArray(h.keys))
			fail(`${where}: no key list`);
		for (const k of h.keys) {
			if (!isObject(k) || k.kind !== 'ledger')
				continue;
			const pub = getHex(k, 'public_key', 32, `${where}: ledger key`);
			const id = noteKeyId(this.origin, pub);
			if (getHex(k, 'key_id', 4, `${where}: ledger key`).compare(id) !== 0)
				fail(`${where}: ledger key ${k.key_id} is not the signed-note key id of its` +
				    ` public key for origin ${this.origin} (${id.toString('hex')})`);
			this.keys.push({ id, pub, key: ed25519Key(pub), status: k.status });
		}
		if (this.keys.length === 0)
			fail(`${where}: the header names no ledger key`);
		if (this.trusted !== null) {
			// The header's keys are the file's own word: only the keys given
			// with --key sign for the log.
			for (const k of this.trusted)
				if (k.name !== this.origin)
					fail(`--key ${k.name}+${k.id.toString('hex')}: the key of another log than` +
					    ` this export's origin ${this.origin}`);
			this.keys = this.trusted;
		}
		this.header = h;
	}

	on_account(a, where) {
		const code = getString(a, 'code', where);
		where = `${where}: account ${code}`;
		const chart = CHART.find((c) => c.re.test(code));
		if (chart === undefined)
			fail(`${where}: not in the chart of accounts`);
		if (a.kind !== chart.kind || a.pcg !== chart.pcg)
			fail(`${where}: kind "${a.kind}" and PCG "${a.pcg}" are not the chart's` +
			    ` (${chart.kind}, ${chart.pcg})`);
		if (this.accounts.has(code))
			fail(`${where}: listed twice`);
		if (this.lastCode !== undefined &&
		    Buffer.compare(Buffer.from(this.lastCode), Buffer.from(code)) >= 0)
			fail(`${where}: account lines come by code (bytewise)`);
		this.lastCode = code;
		const balance = getInt(a, 'balance', -(1n << 63n), (1n << 63n) - 1n, where);
		if (breaksRule(chart, balance))
			fail(`${where}: its balance ${balance} breaks the balance rule`);
		this.accounts.set(code, { chart, declared: balance, sum: 0n });
	}

	on_entry(x, where) {
		// Every member is one the hash covers (or the line's type): a member
		// nobody verifies is refused, as `passnum ledger check` refuses it.
		for (const k of Object.keys(x))
			if (!ENTRY_LINE_MEMBERS.includes(k))
				fail(`${where}: member "${k}" is not part of an entry line (the hash does not cover it)`);
		const seq = getInt(x, 'seq', 0n, (1n << 64n) - 1n, where);
		where = `entry ${seq} (${where})`;
		if (seq !== BigInt(this.entries))
			fail(`${where}: expected entry ${this.entries} (entries are numbered 0, 1, 2, …` +
			    ' without gap)');
		const e = this.entryOf(x, seq, where);
		const hash = leafHash(encodeEntry(e));
		if (!hash.equals(getHex(x, 'entry_hash', 32, where)))
			fail(`${where}: entry_hash does not match its fields (recomputed ${hash.toString('hex')})`);
		this.apply(e, where);
		if (this.leaves.length < 32 * (this.entries + 1)) {
			const bigger = Buffer.alloc(this.leaves.length * 2);
			this.leaves.copy(bigger);
			this.leaves = bigger;
		}
		hash.copy(this.leaves, 32 * this.entries);
		this.tree.push(hash);
		this.entries++;
	}

	// The fields of an entry (export line or receipt) that its hash covers;
	// also checks that "time" shows time_unix, since a reader sees "time".
	entryOf(x, seq, where) {
		const e = {
			seq,
			time: getInt(x, 'time_unix', -(1n << 63n), (1n << 63n) - 1n, where),
			kind: getString(x, 'kind', where),
			reference: getString(x, 'reference', where),
			memo: getString(x, 'memo', where),
			postings: this.postingsOf(x, where),
		};
		const time = getString(x, 'time', where);
		if (e.time > -8640000000000n && e.time < 8640000000000n &&
		    time !== new Date(Number(e.time) * 1000).toISOString().replace('.000Z', 'Z'))
			fail(`${where}: "time" ${time} is not time_unix ${e.time}`);
		return e;
	}

	postingsOf(x, where) {
		// A `rollback` entry states a rollback of the published log and
		// moves no money: it has no posting (docs/ledger.md).
		if (!Array.isArray(x.postings))
			fail(`${where}: an entry has two or more postings`);
		if (x.kind === 'rollback' ? x.postings.length !== 0 : x.postings.length < 2)
			fail(`${where}: an entry has two or more postings (a rollback none)`);
		let sum = 0n;
		const out = x.postings.map((p, i) => {
			if (!isObject(p))
				fail(`${where}: posting ${i} is not an object`);
			for (const k of Object.keys(p))
				if (k !== 'account' && k !== 'amount')
					fail(`${where}: posting ${i} has a member "${k}" the hash does not cover`);
			const account = getString(p, 'account', `${where}: posting ${i}`);
			const amount = getInt(p, 'amount', -AMOUNT_MAX, AMOUNT_MAX, `${where}: posting ${i}`);
			if (amount === 0n)
				fail(`${where}: posting ${i} (${account}) is zero`);
			sum += amount;
			return { account, amount };
		});
		if (sum !== 0n)
			fail(`${where}: its postings sum to ${sum}, not zero (unbalanced)`);
		return out;
	}

	apply(e, where) {
		for (const p of e.postings) {
			const acc = this.accounts.get(p.account);
			if (acc === undefined)
				fail(`${where}: posts to ${p.account}, which no account line declares`);
			acc.sum += p.amount;
		}
		for (const p of e.postings) {
			const acc = this.accounts.get(p.account);
			if (breaksRule(acc.chart, acc.sum))
				fail(`${where}: leaves ${p.account} at ${acc.sum}, breaking the balance rule` +
				    ' (what is owed never goes negative)');
		}
		this.postings += e.postings.length;
	}

	on_checkpoint(c, where) {
		const size = getInt(c, 'size', 0n, (1n << 64n) - 1n, where);
		where = `checkpoint at size ${size} (${where})`;
		this.checkpoints.push({ size, root: getHex(c, 'root', 32, where),
		    note: getString(c, 'note', where), where });
	}

	// Checks the checkpoints against the tree, replaying the leaves once.
	finishCheckpoints() {
		const sorted = [...this.checkpoints].sort((a, b) => (a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
		const tree = new Tree();
		for (const c of sorted) {
			if (c.size > BigInt(this.entries))
				fail(`${c.where}: beyond the ledger (${this.entries} entries)`);
			while (tree.size < Number(c.size))
				tree.push(this.leaf(tree.size));
			const root = tree.root();
			const seq = c.size === 0n ? '' : `entries 0-${c.size - 1n}`;
			if (!root.equals(c.root))
				fail(`${c.where}: its root is not the root of ${seq || 'the empty tree'}` +
				    ` (recomputed ${root.toString('hex')})`);
			const note = verifyCheckpointNote(c.note, this.origin, this.keys, c.where);
			if (note.size !== c.size || !note.root.equals(root))
				fail(`${c.where}: the signed note is for another tree (size ${note.size})`);
		}
		this.latest = sorted.at(-1);
	}

	finishAccounts() {
		for (const [code, acc] of this.accounts)
			if (acc.sum !== acc.declared)
				fail(`account ${code}: the account line says ${acc.declared}, its postings sum` +
				    ` to ${acc.sum}`);
	}

	// An extra file: a receipt, a redemption reply holding one, or an
	// inclusion proof as printed by `passnum ledger proof`.
	extra(file) {
		let obj = parseJson(fs.readFileSync(file, 'utf8'));
		if (isObject(obj) && Array.isArray(obj.proof))
			return this.proof(obj, `proof ${file}`);
		this.receipts++;
		if (isObject(obj) && isObject(obj.receipt))
			obj = obj.receipt;
		else if (isObject(obj) && isObject(obj.redemption) && isObject(obj.redemption.receipt))
			obj = obj.redemption.receipt;
		const where = `receipt ${file}`;
		if (!isObject(obj) || !isObject(obj.entry))
			fail(`${where}: not a receipt`);
		const x = obj.entry;
		const e = this.entryOf(x, getInt(x, 'seq', 0n, (1n << 64n) - 1n, where), where);
		const hash = leafHash(encodeEntry(e));
		if (!hash.equals(getHex(x, 'entry_hash', 32, where)))
			fail(`${where}: the entry_hash of entry ${e.seq} does not match its fields`);
		const id = getHex(obj, 'key_id', 4, where);
		const sig = base64Exact(getString(obj, 'signature', where), 64);
		const key = this.keys.find((k) => k.id.equals(id));
		if (sig === null || key === undefined)
			fail(`${where}: the key id or signature is not a ledger key's`);
		const message = Buffer.concat([Buffer.from(RECEIPT_DOMAIN, 'latin1'), u64(e.seq), hash]);
		if (!ed25519Verify(key.key, message, sig))
			fail(`${where}: the signature on entry ${e.seq} does not verify`);
		if (e.seq >= BigInt(this.entries) || !this.leaf(Number(e.seq)).equals(hash))
			fail(`${where}: entry ${e.seq} with this hash is not in the export`);
	}

	// Checks an inclusion proof {seq, size, leaf_hash, root, proof} against
	// the export: the entry's hash, the root at size recomputed from the
	// leaves, and the audit path (RFC 9162 §2.1.3.2) from one to the other.
	proof(p, where) {
		const seq = getInt(p, 'seq', 0n, (1n << 64n) - 1n, where);
		const size = getInt(p, 'size', 1n, (1n << 64n) - 1n, where);
		// leaf_hash (RFC 9162, as the API and the CLI name it); entry_hash in
		// proofs made before that name was settled.
		const hash = getHex(p, 'leaf_hash' in p ? 'leaf_hash' : 'entry_hash', 32, where);
		const root = getHex(p, 'root', 32, where);
		where = `${where}: entry ${seq} in the tree of size ${size}`;
		if (seq >= size || size > BigInt(this.entries))
			fail(`${where}: outside the export (${this.entries} entries)`);
		if (!this.leaf(Number(seq)).equals(hash))
			fail(`${where}: leaf_hash is not the export's`);
		const tree = new Tree();
		while (tree.size < Number(size))
			tree.push(this.leaf(tree.size));
		if (!tree.root().equals(root))
			fail(`${where}: the root is not the export's root at that size`);
		if (!verifyInclusion(hash, seq, size, p.proof.map((h, i) =>
		    getHex({ h }, 'h', 32, `${where}: proof hash ${i}`)), root))
			fail(`${where}: the audit path does not lead to the root`);
		this.proofs++;
	}
}

// RFC 9162 §2.1.3.2: verifies that leaf (at index) is in the tree of size
// whose root is root, given the audit path.
export function verifyInclusion(leaf, index, size, path, root) {
	let fn = index, sn = size - 1n, r = leaf;
	for (const p of path) {
		if (sn === 0n)
			return false;
		if ((fn & 1n) === 1n || fn === sn) {
			r = nodeHash(p, r);
			while ((fn & 1n) === 0n && fn !== 0n) {
				fn >>= 1n;
				sn >>= 1n;
			}
		} else {
			r = nodeHash(r, p);
		}
		fn >>= 1n;
		sn >>= 1n;
	}
	return sn === 0n && r.equals(root);
}

// RFC 9162 §2.1.4.2: verifies that the tree of size2 (root2) extends the
// tree of size1 (root1), given the consistency proof. Equal sizes need
// equal roots and an empty proof; from size 0 only an empty proof.
export function verifyConsistency(size1, size2, root1, root2, path) {
	if (size1 > size2)
		return false;
	if (size1 === size2)
		return path.length === 0 && root1.equals(root2);
	if (size1 === 0n)
		return path.length === 0;
	if (path.length === 0)
		return false;
	const p = (size1 & (size1 - 1n)) === 0n ? [root1, ...path] : [...path];
	let fn = size1 - 1n, sn = size2 - 1n;
	while ((fn & 1n) === 1n) {
		fn >>= 1n;
		sn >>= 1n;
	}
	let fr = p[0], sr = p[0];
	for (const c of p.slice(1)) {
		if (sn === 0n)
			return false;
		if ((fn & 1n) === 1n || fn === sn) {
			fr = nodeHash(c, fr);
			sr = nodeHash(c, sr);
			while ((fn & 1n) === 0n && fn !== 0n) {
				fn >>= 1n;
				sn >>= 1n;
			}
		} else {
			sr = nodeHash(sr, c);
		}
		fn >>= 1n;
		sn >>= 1n;
	}
	return fr.equals(root1) && sr.equals(root2) && sn === 0n;
}

// A C2SP verifier key "name+<key id, 8 hex>+base64(0x01 ‖ Ed25519 key)",
// obtained elsewhere than the export (GET /v1/keys, a printed key, a
// witness): {name, id, pub, key}. Throws on a malformed one or a key id
// that is not the key's.
export function parseVkey(text) {
	const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text);
	const blob = m === null ? null : base64Exact(m[3], 33);
	if (blob === null || blob[0] !== 1)
		fail(`--key ${text}: not a C2SP Ed25519 verifier key (name+keyid+base64(0x01 ‖ key))`);
	const pub = blob.subarray(1);
	const id = noteKeyId(m[1], pub);
	if (id.toString('hex') !== m[2])
		fail(`--key ${text}: its key id is not the key's (${id.toString('hex')})`);
	return { name: m[1], id, pub, key: ed25519Key(pub), status: 'active' };
}

// Reads a checkpoint note obtained elsewhere (GET /v1/ledger/checkpoint, a
// witness) and verifies it with the trusted keys: {size, root}.
export function readTrustedCheckpoint(file, keys) {
	if (keys.length === 0)
		fail('--checkpoint needs --key: a checkpoint checked with the keys of the file under' +
		    ' audit proves nothing');
	return verifyCheckpointNote(fs.readFileSync(file, 'utf8'), keys[0].name, keys,
	    `checkpoint ${file}`);
}

export async function* lines(path) {
	let stream = path === '-' ? process.stdin : fs.createReadStream(path);
	const first = path === '-' ? null : Buffer.alloc(2);
	if (first !== null) {
		const fd = fs.openSync(path, 'r');
		fs.readSync(fd, first, 0, 2, 0);
		fs.closeSync(fd);
	}
	if (path.endsWith('.gz') || (first !== null && first[0] === 0x1f && first[1] === 0x8b))
		stream = stream.pipe(zlib.createGunzip());
	yield* readline.createInterface({ input: stream, crlfDelay: Infinity });
}

// The root of the export's first size leaves.
function rootAt(a, size) {
	const tree = new Tree();
	while (tree.size < Number(size))
		tree.push(a.leaf(tree.size));
	return tree.root();
}

async function verify(exportPath, extras, options = { keys: [], checkpoints: [] }) {
	const trusted = options.keys.length > 0 ? options.keys : null;
	const outside = options.checkpoints.map((file) => ({ file,
	    ...readTrustedCheckpoint(file, options.keys) }));
	const a = new Audit(trusted);
	let n = 0;
	for await (const text of lines(exportPath)) {
		n++;
		a.line(parseJson(text), n);
	}
	if (a.header === null)
		fail('the export is empty: no header line');
	a.finishCheckpoints();
	a.finishAccounts();
	for (const file of extras)
		a.extra(file);
	// The export must reach each checkpoint obtained elsewhere: hold its
	// entries, with the same root at its size (a truncated tail, or another
	// log, is refused).
	for (const c of outside) {
		if (c.size > BigInt(a.entries))
			fail(`checkpoint ${c.file}: the log had ${c.size} entries, the export only` +
			    ` ${a.entries}: entries are missing (a truncated export)`);
		if (!rootAt(a, c.size).equals(c.root))
			fail(`checkpoint ${c.file}: the export's tree of size ${c.size} is not the signed` +
			    ' one: this export is not the log the checkpoint signs');
	}
	const signed = a.latest === undefined ? 0 : Number(a.latest.size);
	const latest = a.latest === undefined ? 'none: nothing in this export is signed' :
	    `latest size ${a.latest.size} root ${a.latest.root.toString('base64')}` +
	    (signed < a.entries ? `; entries ${signed}-${a.entries - 1} not yet signed` : '');
	return `OK: ${a.entries} entries, ${a.postings} postings, ${a.accounts.size} accounts,` +
	    ` ${a.checkpoints.length} checkpoints (${latest}), ${a.receipts} receipts, ${a.proofs} proofs verified;` +
	    ` origin ${a.origin}; tree root ${a.tree.root().toString('base64')}` +
	    (trusted === null ? '; WARNING: signatures checked with the keys the export names itself' +
	    ' (give --key VKEY from GET /v1/keys)' : `; signatures checked with ${trusted.length}` +
	    ' key(s) given') +
	    outside.map((c) => `; reaches the checkpoint of size ${c.size} (${c.file})`).join('');
}

// ---------------------------------------------------------------- self-test
const VECTORS = [
	{
		entry: { seq: 0n, time: 1800000000n, kind: 'order', reference: 'BC-2027-001', memo: '',
		    postings: [{ account: 'funder:1:orders', amount: 500000n },
		    { account: 'funder:1:balance', amount: -500000n }] },
		encoding: '706173736e756d2d656e7472792d76310000000000000000000000006b49d200000000056f7264' +
		    '65720000000b42432d323032372d30303100000000000000020000001066756e6465723a313a62616c' +
		    '616e6365fffffffffff85ee00000000f66756e6465723a313a6f7264657273000000000007a120',
		leaf: '3309642151fb01d6869cf3de7b0b0894aa3be452ec384e51868a85016ef47606',
	},
	{
		entry: { seq: 7n, time: 1805000000n, kind: 'redeem', reference: 'redemption:12',
		    memo: 'Pass utilisés', postings: [{ account: 'payee:4', amount: -2000n },
		    { account: 'campaign:3:outstanding', amount: 2000n }] },
		encoding: '706173736e756d2d656e7472792d76310000000000000007000000006b961d40000000067265' +
		    '6465656d0000000d726564656d7074696f6e3a31320000000e50617373207574696c6973c3a97300' +
		    '0000020000001663616d706169676e3a333a6f75747374616e64696e6700000000000007d0000000' +
		    '0770617965653a34fffffffffffff830',
		leaf: 'eda07c07285b2e4b7238c9517413f5be04f0534fa538c175ef0e319da058ab18',
	},
];

// Builds the RFC 9162 root recursively (the definition), to cross-check Tree.
function mth(leaves) {
	if (leaves.length === 0)
		return sha256(Buffer.alloc(0));
	if (leaves.length === 1)
		return leaves[0];
	let k = 1;
	while (k * 2 < leaves.length)
		k *= 2;
	return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

// PATH(m, D[n]) of RFC 9162 §2.1.3.1, from the definition.
function auditPath(m, leaves) {
	if (leaves.length <= 1)
		return [];
	let k = 1;
	while (k * 2 < leaves.length)
		k *= 2;
	return m < k ? [...auditPath(m, leaves.slice(0, k)), mth(leaves.slice(k))] :
	    [...auditPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

// SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1, from the definition.
function subproof(m, leaves, b) {
	if (m === leaves.length)
		return b ? [] : [mth(leaves)];
	let k = 1;
	while (k * 2 < leaves.length)
		k *= 2;
	return m <= k ? [...subproof(m, leaves.slice(0, k), b), mth(leaves.slice(k))] :
	    [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

function selfTest() {
	let checks = 0;
	const check = (cond, what) => {
		if (!cond)
			fail(`self-test: ${what}`);
		checks++;
	};
	VECTORS.forEach((v, i) => {
		const enc = encodeEntry(v.entry);
		check(enc.length === v.encoding.length / 2, `vector ${i + 1}: length ${enc.length}`);
		check(enc.toString('hex') === v.encoding, `vector ${i + 1}: encoding`);
		check(leafHash(enc).toString('hex') === v.leaf, `vector ${i + 1}: leaf hash`);
		const altered = structuredClone(v.entry);
		altered.postings[0].amount += 1n;
		check(leafHash(encodeEntry(altered)).toString('hex') !== v.leaf, `vector ${i + 1}: altered`);
	});
	check(mth([]).toString('hex') ===
	    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'empty tree root');
	const leaves = [];
	const tree = new Tree();
	for (let n = 0; n <= 33; n++) {
		check(tree.root().equals(mth(leaves)), `compact range root at size ${n}`);
		const leaf = leafHash(Buffer.from([n]));
		leaves.push(leaf);
		tree.push(leaf);
	}
	// Audit paths built from the RFC 9162 definition verify, and only for their leaf.
	for (let n = 1; n <= 17; n++)
		for (let m = 0; m < n; m++) {
			const path = auditPath(m, leaves.slice(0, n)), root = mth(leaves.slice(0, n));
			check(verifyInclusion(leaves[m], BigInt(m), BigInt(n), path, root), `path ${m} of ${n}`);
			check(!verifyInclusion(leaves[(m + 1) % n], BigInt(m), BigInt(n), path, root) || n === 1,
			    `path ${m} of ${n}, wrong leaf`);
		}
	// Consistency proofs built from the definition verify, and only between their roots.
	for (let n = 1; n <= 17; n++)
		for (let m = 1; m <= n; m++) {
			const proof = subproof(m, leaves.slice(0, n), true);
			const r1 = mth(leaves.slice(0, m)), r2 = mth(leaves.slice(0, n));
			check(verifyConsistency(BigInt(m), BigInt(n), r1, r2, proof), `consistency ${m} to ${n}`);
			check(!verifyConsistency(BigInt(m), BigInt(n), r2.equals(r1) ? leaves[0] : r2, r2, proof) ||
			    m === n, `consistency ${m} to ${n}, wrong old root`);
		}
	const big = parseJson('{"a":9007199254740993,"b":[-1,"\\u00e9"]}');
	check(big.a === 9007199254740993n && big.b[0] === -1n && big.b[1] === 'é', 'exact integers');
	for (const badJson of ['{"a":1,"a":2}', '"\\ud800"', '[1,]', '{"a":1} x'])
		check(throws(() => parseJson(badJson)), `refuses ${badJson}`);
	// A signed note made here with a fresh key verifies, and fails when altered.
	const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
	const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
	const origin = 'example.org/log';
	const keys = [{ id: noteKeyId(origin, pub), key: ed25519Key(pub) }];
	const root = tree.root();
	const text = `${origin}\n${tree.size}\n${root.toString('base64')}\n`;
	const sig = crypto.sign(null, Buffer.from(text), privateKey);
	const note = `${text}\n\u2014 ${origin} ${Buffer.concat([keys[0].id, sig]).toString('base64')}\n`;
	const witness = `\u2014 witness.example ${Buffer.alloc(68, 7).toString('base64')}\n`;
	const got = verifyCheckpointNote(note + witness, origin, keys, 'note');
	check(got.size === BigInt(tree.size) && got.root.equals(root), 'signed note');
	check(throws(() => verifyCheckpointNote(note.replace(`\n${tree.size}\n`, '\n1\n'), origin,
	    keys, 'note')), 'altered note');
	check(throws(() => verifyCheckpointNote(note, 'other.org/log', keys, 'note')), 'wrong origin');
	return `self-test OK: ${checks} checks (the two encoding vectors of docs/ledger.md,` +
	    ' RFC 9162 roots, audit paths and consistency proofs, exact JSON integers, C2SP signed notes)';
}

function throws(fn) {
	try {
		fn();
		return false;
	} catch (err) {
		if (err instanceof Failure)
			return true;
		throw err;
	}
}

// ---------------------------------------------------------------- main
// Splits --key VKEY and --checkpoint FILE (each repeatable) from the
// operands; null on a usage error.
export function options(argv, allowed = ['key', 'checkpoint']) {
	const o = { keys: [], checkpoints: [], consistency: [], operands: [] };
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
		if (m === null || argv[i] === '-') {
			o.operands.push(argv[i]);
			continue;
		}
		if (!allowed.includes(m[1]))
			return null;
		const value = m[2] ?? argv[++i];
		if (value === undefined)
			return null;
		if (m[1] === 'key')
			o.keys.push(parseVkey(value));
		else
			o[m[1] === 'checkpoint' ? 'checkpoints' : 'consistency'].push(value);
	}
	return o;
}

async function main(argv) {
	if (argv.length === 1 && argv[0] === '--self-test')
		return selfTest();
	let o;
	try {
		o = options(argv);
	} catch (err) {
		if (!(err instanceof Failure))
			throw err;
		process.stderr.write(`verify-export: ${err.message}\n`);
		process.exit(2);
	}
	if (o === null || o.operands.length === 0 || (o.checkpoints.length > 0 && o.keys.length === 0)) {
		process.stderr.write('usage: node verify-export.mjs [--key VKEY ...] [--checkpoint NOTE ...]' +
		    ' EXPORT.jsonl[.gz]|- [RECEIPT.json|PROOF.json ...]\n' +
		    '       node verify-export.mjs --self-test\n' +
		    '--checkpoint needs --key: the ledger keys obtained elsewhere (GET /v1/keys)\n');
		process.exit(2);
	}
	return verify(o.operands[0], o.operands.slice(1), o);
}

// Run as a program (it may also be imported, e.g. by a test that forges an export).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href)
	main(process.argv.slice(2)).then((message) => {
		console.log(message);
	}, (err) => {
		const message = err instanceof Failure ? err.message :
		    err.code === 'ENOENT' ? `cannot read ${err.path}` : String(err.message ?? err);
		process.stderr.write(`verify-export: FAILED: ${message}\n`);
		process.exit(1);
	});
