#!/usr/bin/env node
// verify-audit.mjs — a funder's (or its auditor's) verifier for passnum
// audit packs (`passnum ledger export --funder ID`, GET /v1/funders/{id}/audit).
//
// Written from docs/ledger.md ("Audit packs"), with Node.js (>= 20) and its
// standard library only (it shares the encoding, tree and note helpers of
// tools/verify-export.mjs, not passnum's code). The pack names no key: the
// ledger keys come from elsewhere (--key VKEY, repeatable: GET /v1/keys, a
// printed key). It checks that
//   1. every checkpoint of the pack is a C2SP note signed by one of those
//      keys, and each consistency proof between two consecutive ones
//      verifies (RFC 9162 §2.1.4.2): the log only grew;
//   2. every entry of the funder is shown in full, hashes to its entry_hash,
//      and its inclusion proof leads to the root of a checkpoint of the
//      pack; it posts only to the funder's accounts and the operator's own
//      (bank, fees…), never to another funder's, a campaign of another, or
//      a payee;
//   3. every redemption and cancellation leaf of the funder's campaigns is
//      in a checkpoint of the pack (inclusion proof), once per campaign, not
//      one of the full entries, and each line's counts are its leaves';
//   4. the funder's balances at the pack's size follow from its entries and
//      the redemption totals, and respect the balance rules;
//   5. with --checkpoint NOTE (from GET /v1/ledger/checkpoint or a witness,
//      verified with --key), the pack is of that log: one of its checkpoints
//      is that one, or --consistency FILE (GET /v1/ledger/consistency
//      between the two sizes) proves one extends the other.
// Prints "OK: …", or the first failure on stderr; exit 0, 1 on a failure, 2
// on a usage error.
//
// usage: node tools/verify-audit.mjs --key VKEY [--key VKEY …]
//            [--checkpoint NOTE [--consistency PROOF.json]] PACK.jsonl|-
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
	Audit, CHART, Failure, breaksRule, encodeEntry, fail, leafHash, lines, options, parseJson,
	readTrustedCheckpoint, verifyCheckpointNote, verifyConsistency, verifyInclusion,
} from './verify-export.mjs';

const PACK_FORMAT = 'passnum-audit-pack-v1';
const DOMAIN = 'passnum-entry-v1';
const OPERATOR_ACCOUNTS = new Set(['bank', 'payouts', 'suspense', 'fees', 'vat',
	'payouts-in-transit']);
const ENTRY_MEMBERS = new Set(['type', 'seq', 'time', 'time_unix', 'kind', 'reference', 'memo',
	'postings', 'entry_hash', 'inclusion']);
const ORDER = { header: 0, checkpoint: 1, consistency: 2, account: 3, entry: 4, redemptions: 5 };

function isObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function onlyMembers(obj, allowed, where) {
	for (const k of Object.keys(obj))
		if (!allowed.includes(k))
			fail(`${where}: member "${k}" is not part of the format (docs/ledger.md)`);
}

function int(obj, name, min, max, where) {
	const v = obj[name];
	if (typeof v !== 'bigint' || v < min || v > max)
		fail(`${where}: "${name}" is missing, not an integer or out of range`);
	return v;
}

function hex32(v, where) {
	if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v))
		fail(`${where}: not 32 bytes of lowercase hex`);
	return Buffer.from(v, 'hex');
}

function hashes(list, where) {
	if (!Array.isArray(list) || list.length > 65)
		fail(`${where}: the proof is not a list of hashes`);
	return list.map((h, i) => hex32(h, `${where}: hash ${i}`));
}

const U64 = (1n << 64n) - 1n;

export class Pack {
	constructor(keys) {
		this.keys = keys;
		this.phase = -1;
		this.checkpoints = []; // {size, root}
		this.consistency = 0;
		this.accounts = new Map(); // code -> {chart, declared, sum}
		this.entrySeqs = new Set();
		this.lastSeq = -1n;
		this.redeemed = 0n;
		this.cancelled = 0n;
		this.lastLine = '';
		this.leafSeen = new Set(); // "campaign:seq"
		this.audit = new Audit(keys); // for entryOf (fields, time, postings)
	}

	line(obj, n) {
		if (!isObject(obj))
			fail(`line ${n}: not a JSON object`);
		const order = ORDER[obj.type];
		if (order === undefined)
			fail(`line ${n}: unknown line type ${JSON.stringify(obj.type)}`);
		if ((n === 1) !== (obj.type === 'header') || order < this.phase)
			fail(`line ${n}: a ${obj.type} line out of the documented order (header, checkpoints,` +
			    ' consistency proofs, accounts, entries, redemptions)');
		if (order > ORDER.checkpoint && this.phase <= ORDER.checkpoint)
			this.checkpointsDone(`line ${n}`);
		if (order > ORDER.consistency && this.phase <= ORDER.consistency)
			this.consistencyDone(`line ${n}`);
		this.phase = order;
		this[`on_${obj.type}`](obj, `line ${n}`);
	}

	on_header(h, where) {
		onlyMembers(h, ['type', 'format', 'encoding', 'origin', 'funder', 'campaigns', 'size'], where);
		if (h.format !== PACK_FORMAT || h.encoding !== DOMAIN)
			fail(`${where}: not a ${PACK_FORMAT} pack of ${DOMAIN} entries`);
		if (typeof h.origin !== 'string')
			fail(`${where}: no origin`);
		for (const k of this.keys)
			if (k.name !== h.origin)
				fail(`--key ${k.name}+${k.id.toString('hex')}: a key of another log than the pack's` +
				    ` origin ${h.origin}`);
		this.origin = h.origin;
		this.funder = int(h, 'funder', 1n, U64, where);
		this.size = int(h, 'size', 0n, U64, where);
		if (!Array.isArray(h.campaigns))
			fail(`${where}: no campaign list`);
		this.campaigns = new Set(h.campaigns.map((c) => String(int({ c }, 'c', 1n, U64, where))));
		if (this.campaigns.size !== h.campaigns.length)
			fail(`${where}: a campaign listed twice`);
	}

	on_checkpoint(c, where) {
		onlyMembers(c, ['type', 'size', 'root', 'note'], where);
		const size = int(c, 'size', 0n, U64, where);
		where = `checkpoint at size ${size} (${where})`;
		const root = hex32(c.root, `${where}: root`);
		if (typeof c.note !== 'string')
			fail(`${where}: no note`);
		const last = this.checkpoints.at(-1);
		if (last !== undefined && size <= last.size)
			fail(`${where}: checkpoints are listed by increasing size`);
		const note = verifyCheckpointNote(c.note, this.origin, this.keys, where);
		if (note.size !== size || !note.root.equals(root))
			fail(`${where}: the signed note is for another tree (size ${note.size})`);
		this.checkpoints.push({ size, root });
	}

	checkpointsDone(where) {
		const last = this.checkpoints.at(-1);
		if (last === undefined || last.size !== this.size)
			fail(`${where}: the pack's last checkpoint is not of its size ${this.size}`);
	}

	checkpoint(size, where) {
		const c = this.checkpoints.find((x) => x.size === size);
		if (c === undefined)
			fail(`${where}: size ${size} is not one of the pack's checkpoints`);
		return c;
	}

	on_consistency(c, where) {
		onlyMembers(c, ['type', 'from', 'to', 'proof'], where);
		// One proof per consecutive pair of checkpoints (from the empty tree
		// there is nothing to prove), in order.
		const pairs = this.checkpoints.slice(0, -1).map((x, i) => [x, this.checkpoints[i + 1]])
			.filter(([x]) => x.size > 0n);
		const [a, b] = pairs[this.consistency] ?? [];
		const from = int(c, 'from', 0n, U64, where), to = int(c, 'to', 0n, U64, where);
		if (a === undefined || from !== a.size || to !== b.size)
			fail(`${where}: a consistency proof from ${from} to ${to} where the pack's checkpoints` +
			    ' call for the next consecutive pair');
		if (!verifyConsistency(from, to, a.root, b.root, hashes(c.proof, where)))
			fail(`${where}: the tree of size ${to} does not extend the tree of size ${from}:` +
			    ' the log was rewritten');
		this.consistency++;
	}

	consistencyDone(where) {
		const needed = this.checkpoints.slice(0, -1).filter((x) => x.size > 0n).length;
		if (this.consistency !== needed)
			fail(`${where}: ${this.consistency} consistency proofs for ${this.checkpoints.length}` +
			    ` checkpoints (${needed} needed)`);
	}

	own(code) {
		let m = /^funder:([1-9][0-9]*):(balance|orders|credit-notes)$/.exec(code);
		if (m !== null)
			return BigInt(m[1]) === this.funder;
		m = /^campaign:([1-9][0-9]*):outstanding$/.exec(code);
		return m !== null && this.campaigns.has(m[1]);
	}

	on_account(a, where) {
		onlyMembers(a, ['type', 'code', 'kind', 'pcg', 'balance'], where);
		const code = a.code;
		if (typeof code !== 'string' || !this.own(code))
			fail(`${where}: account ${code} is not funder ${this.funder}'s nor one of its campaigns'`);
		const chart = CHART.find((c) => c.re.test(code));
		if (a.kind !== chart.kind || a.pcg !== chart.pcg)
			fail(`${where}: account ${code}: kind and PCG are not the chart's`);
		if (this.accounts.has(code))
			fail(`${where}: account ${code} listed twice`);
		const last = [...this.accounts.keys()].at(-1);
		if (last !== undefined && Buffer.compare(Buffer.from(last), Buffer.from(code)) >= 0)
			fail(`${where}: account lines come by code (bytewise)`);
		this.accounts.set(code, { chart, declared: int(a, 'balance', -(1n << 62n), 1n << 62n, where),
		    sum: 0n });
	}

	inclusion(seq, hash, inc, where) {
		if (!isObject(inc))
			fail(`${where}: no inclusion proof`);
		onlyMembers(inc, ['size', 'proof'], `${where}: inclusion`);
		const size = int(inc, 'size', 1n, U64, `${where}: inclusion`);
		const cp = this.checkpoint(size, `${where}: inclusion`);
		if (seq >= size || !verifyInclusion(hash, seq, size, hashes(inc.proof, where), cp.root))
			fail(`${where}: entry ${seq} is NOT in the signed tree of size ${size}`);
	}

	on_entry(x, where) {
		for (const k of Object.keys(x))
			if (!ENTRY_MEMBERS.has(k))
				fail(`${where}: member "${k}" is not part of an entry line`);
		const seq = int(x, 'seq', 0n, U64, where);
		where = `entry ${seq} (${where})`;
		if (seq <= this.lastSeq || seq >= this.size)
			fail(`${where}: entries are listed by increasing seq, below the pack's size`);
		this.lastSeq = seq;
		const e = this.audit.entryOf(x, seq, where);
		if (e.kind === 'redeem' || e.kind === 'cancel')
			fail(`${where}: a ${e.kind} entry shown in full (it names the place): only its leaf` +
			    ' hash belongs in a pack');
		const hash = leafHash(encodeEntry(e));
		if (!hash.equals(hex32(x.entry_hash, `${where}: entry_hash`)))
			fail(`${where}: entry_hash does not match its fields (recomputed ${hash.toString('hex')})`);
		this.inclusion(seq, hash, x.inclusion, where);
		let mine = false;
		for (const p of e.postings) {
			if (OPERATOR_ACCOUNTS.has(p.account))
				continue;
			const acc = this.accounts.get(p.account);
			if (acc === undefined)
				fail(`${where}: posts to ${p.account}, which is not funder ${this.funder}'s: not an` +
				    ' entry of this pack');
			acc.sum += p.amount;
			mine = true;
		}
		if (!mine)
			fail(`${where}: posts to none of funder ${this.funder}'s accounts`);
		for (const p of e.postings) {
			const acc = this.accounts.get(p.account);
			if (acc !== undefined && acc.chart.kind !== 'outstanding' && breaksRule(acc.chart, acc.sum))
				fail(`${where}: leaves ${p.account} at ${acc.sum}, breaking the balance rule`);
		}
		this.entrySeqs.add(seq);
	}

	on_redemptions(r, where) {
		onlyMembers(r, ['type', 'month', 'campaign', 'redeemed', 'cancelled', 'leaves'], where);
		if (typeof r.month !== 'string' || !/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(r.month))
			fail(`${where}: "month" is not YYYY-MM`);
		const campaign = int(r, 'campaign', 1n, U64, where);
		where = `redemptions of campaign ${campaign} in ${r.month} (${where})`;
		if (!this.campaigns.has(String(campaign)))
			fail(`${where}: not a campaign of funder ${this.funder}`);
		const key = `${r.month} ${String(campaign).padStart(20, '0')}`;
		if (key <= this.lastLine)
			fail(`${where}: lines are listed by month, then campaign, each once`);
		this.lastLine = key;
		const acc = this.accounts.get(`campaign:${campaign}:outstanding`);
		if (acc === undefined)
			fail(`${where}: the pack lists no account campaign:${campaign}:outstanding`);
		const totals = {};
		for (const name of ['redeemed', 'cancelled']) {
			if (!isObject(r[name]))
				fail(`${where}: no "${name}" totals`);
			onlyMembers(r[name], ['count', 'amount'], `${where}: ${name}`);
			totals[name] = { count: int(r[name], 'count', 0n, U64, where),
			    amount: int(r[name], 'amount', 0n, 1n << 62n, where), leaves: 0n };
		}
		if (!Array.isArray(r.leaves) || r.leaves.length === 0)
			fail(`${where}: no leaves`);
		let last = -1n;
		for (const [i, l] of r.leaves.entries()) {
			const w = `${where}: leaf ${i}`;
			if (!isObject(l))
				fail(`${w}: not an object`);
			onlyMembers(l, ['seq', 'kind', 'leaf_hash', 'inclusion'], w);
			const seq = int(l, 'seq', 0n, U64, w);
			if (seq <= last)
				fail(`${w}: leaves are listed by increasing seq`);
			last = seq;
			if (l.kind !== 'redeem' && l.kind !== 'cancel')
				fail(`${w}: kind is redeem or cancel`);
			if (this.entrySeqs.has(seq))
				fail(`${w}: entry ${seq} is also shown in full`);
			if (this.leafSeen.has(`${campaign}:${seq}`))
				fail(`${w}: entry ${seq} counted twice for campaign ${campaign}`);
			this.leafSeen.add(`${campaign}:${seq}`);
			this.inclusion(seq, hex32(l.leaf_hash, `${w}: leaf_hash`), l.inclusion, w);
			totals[l.kind === 'redeem' ? 'redeemed' : 'cancelled'].leaves++;
		}
		for (const [name, t] of Object.entries(totals))
			if (t.count !== t.leaves || (t.count === 0n) !== (t.amount === 0n))
				fail(`${where}: ${name} count ${t.count} and amount ${t.amount} for ${t.leaves} leaves`);
		// A redemption debits the campaign's outstanding (fewer passes owed),
		// a cancellation credits it back.
		acc.sum += totals.redeemed.amount - totals.cancelled.amount;
		this.redeemed += totals.redeemed.count;
		this.cancelled += totals.cancelled.count;
	}

	finish() {
		if (this.phase < ORDER.checkpoint)
			fail('the pack is empty or has no checkpoint');
		if (this.phase <= ORDER.checkpoint)
			this.checkpointsDone('the end');
		if (this.phase <= ORDER.consistency)
			this.consistencyDone('the end');
		for (const [code, acc] of this.accounts) {
			if (acc.sum !== acc.declared)
				fail(`account ${code}: the pack says ${acc.declared} at size ${this.size}, its entries` +
				    ` and redemption totals sum to ${acc.sum}`);
			if (breaksRule(acc.chart, acc.sum))
				fail(`account ${code}: its balance ${acc.sum} breaks the balance rule`);
		}
	}

	// A checkpoint obtained elsewhere: one of the pack's, or a consistency
	// proof (from GET /v1/ledger/consistency) between it and one of them.
	outside(c, file, proofFile) {
		const own = this.checkpoints.find((x) => x.size === c.size);
		if (own !== undefined) {
			if (!own.root.equals(c.root))
				fail(`checkpoint ${file}: the pack's tree of size ${c.size} is not the signed one:` +
				    ' the pack is not of the log that checkpoint signs');
			return `reaches the checkpoint of size ${c.size}`;
		}
		if (proofFile === undefined)
			fail(`checkpoint ${file}: size ${c.size} is none of the pack's checkpoints (latest` +
			    ` ${this.size}): give --consistency with GET /v1/ledger/consistency?from=&to= between` +
			    ' the two');
		const p = parseJson(fs.readFileSync(proofFile, 'utf8'));
		if (!isObject(p))
			fail(`consistency ${proofFile}: not a consistency proof`);
		const from = int(p, 'from', 1n, U64, proofFile), to = int(p, 'to', 1n, U64, proofFile);
		const mine = this.checkpoints.find((x) => x.size === (from === c.size ? to : from));
		if ((from !== c.size && to !== c.size) || mine === undefined)
			fail(`consistency ${proofFile}: not between size ${c.size} and one of the pack's checkpoints`);
		const [r1, r2] = from === c.size ? [c.root, mine.root] : [mine.root, c.root];
		if (!verifyConsistency(from, to, r1, r2, hashes(p.proof, proofFile)))
			fail(`consistency ${proofFile}: the trees of size ${from} and ${to} are not one log`);
		return `consistent with the checkpoint of size ${c.size}`;
	}
}

export async function verifyPack(file, o) {
	const pack = new Pack(o.keys);
	let n = 0;
	for await (const text of lines(file)) {
		n++;
		pack.line(parseJson(text), n);
	}
	pack.finish();
	const outside = o.checkpoints.map((cp, i) =>
		pack.outside(readTrustedCheckpoint(cp, o.keys), cp, o.consistency[i]));
	const sizes = pack.checkpoints.map((c) => c.size).join(', ');
	return `OK: audit pack of funder ${pack.funder} (origin ${pack.origin}, size ${pack.size}):` +
	    ` ${pack.entrySeqs.size} entries in full, ${pack.redeemed} redemptions and` +
	    ` ${pack.cancelled} cancellations by month, each in a signed checkpoint;` +
	    ` ${pack.checkpoints.length} checkpoints (sizes ${sizes}) signed by the ${o.keys.length}` +
	    ` key(s) given, ${pack.consistency} consistency proofs; ${pack.accounts.size} balances follow` +
	    outside.map((s) => `; ${s}`).join('');
}

async function main(argv) {
	let o;
	try {
		o = options(argv, ['key', 'checkpoint', 'consistency']);
	} catch (err) {
		if (!(err instanceof Failure))
			throw err;
		process.stderr.write(`verify-audit: ${err.message}\n`);
		process.exit(2);
	}
	if (o === null || o.operands.length !== 1 || o.keys.length === 0 ||
	    o.consistency.length > o.checkpoints.length) {
		process.stderr.write('usage: node verify-audit.mjs --key VKEY [--key VKEY ...]' +
		    ' [--checkpoint NOTE [--consistency PROOF.json]] PACK.jsonl|-\n' +
		    'The keys come from elsewhere than the pack: GET /v1/keys, a printed key.\n');
		process.exit(2);
	}
	return verifyPack(o.operands[0], o);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href)
	main(process.argv.slice(2)).then((message) => {
		console.log(message);
	}, (err) => {
		const message = err instanceof Failure ? err.message :
		    err.code === 'ENOENT' ? `cannot read ${err.path}` : String(err.message ?? err);
		process.stderr.write(`verify-audit: FAILED: ${message}\n`);
		process.exit(1);
	});
