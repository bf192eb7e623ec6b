#!/usr/bin/env node
// verify-scheme.mjs — an independent check of a scheme export
// (`passnum export scheme --out DIR`) or of a funder's escrow (`passnum
// export escrow --funder ID --out DIR`), written from docs/takeover.md and
// docs/ledger.md, with Node.js (>= 20) and its standard library only. It
// shares no code with passnum; it reuses the ledger audit of
// verify-export.mjs (same folder), which was written from docs/ledger.md.
//
// Given the folder and the old operator's ledger public key (its C2SP vkey,
// from GET /v1/keys or from a funder's records — never from the export
// itself), it checks, and stops at the first failure:
//   1. manifest.note is a signed note by that key, named after its origin,
//      whose text is "passnum-scheme-manifest-v1", the origin and the
//      SHA-256 of manifest.json;
//   2. manifest.json: its format and origin; every listed file is present
//      with its size and SHA-256; the seven files are all listed;
//   3. ledger.jsonl verifies (verify-export.mjs: hashes, tree, checkpoints,
//      balances), its origin is the key's, the key is one of its ledger keys,
//      and its size and root are the manifest's;
//   4. checkpoint.note is signed by that key and is the ledger's latest
//      checkpoint (its size and root are the manifest's);
//   5. keys.json names the same origin and holds the key;
//   6. vouchers.csv: its header and each line's form, each campaign known to
//      registry.json, and per campaign the outstanding in the ledger equals
//      the face value of its vouchers issued and not redeemed, revoked or
//      expired (status "issued");
//   7. payables.csv: each payee known to registry.json with the same SIRET
//      and IBAN, owed what the ledger says, and every payee the ledger says
//      is owed something listed;
//   8. invoices.csv: its header and each line's form (FA-/AV- numbers, net +
//      VAT = total), each funder known to registry.json, and per funder the
//      sum still owed on its open invoices equals its funder:<id>:invoiced
//      receivable in the ledger.
// An escrow is told by its manifest.note ("passnum-escrow-manifest-v1"); its
// log is checked from leaves.csv (size, root, every checkpoint's root at its
// size), its entries against their leaves and its accounts' balances, its
// vouchers against its campaigns' outstanding, its credit notes owed.
// Prints "OK: …" with the figures a successor takes on, or
// "verify-scheme: FAILED: …" on stderr; exit 0, 1 on a failure, 2 on a usage
// error. Memory: the audit keeps 32 bytes per ledger entry; vouchers are
// streamed (sums per campaign only).
//
// usage: node tools/verify-scheme.mjs DIR --key VKEY
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Audit, Failure, Tree, base64Exact, ed25519Key, ed25519Verify, encodeEntry, fail,
    leafHash, lines, noteKeyId, parseJson, sha256, verifyCheckpointNote } from './verify-export.mjs';

const FORMAT = 'passnum-scheme-export-v1';
const NOTE_FORMAT = 'passnum-scheme-manifest-v1';
const FILES = ['ledger.jsonl', 'checkpoint.note', 'keys.json', 'registry.json', 'vouchers.csv',
    'payables.csv', 'invoices.csv'];
// A funder's escrow (passnum export escrow): the same, but the log as its
// leaf hashes and only the funder's entries in full.
const ESCROW_FORMAT = 'passnum-escrow-export-v1';
const ESCROW_NOTE_FORMAT = 'passnum-escrow-manifest-v1';
const ESCROW_FILES = ['leaves.csv', 'entries.jsonl', 'checkpoint.note', 'keys.json',
    'registry.json', 'vouchers.csv', 'payables.csv', 'invoices.csv'];
const VOUCHERS_HEADER = 'serial,token_sha256,campaign_id,value_cents,last_day,booklet_id,status';
const PAYABLES_HEADER = 'payee_id,siret,name,iban,owed_cents';
const INVOICES_HEADER = 'number,kind,funder_id,part,issue_day,invoice,net_cents,vat_cents,' +
    'total_cents,owed_cents,status';
const STATUSES = new Set(['issued', 'redeemed', 'revoked', 'expired']);

// A C2SP vkey "name+keyid+base64(0x01 ‖ public key)" → {name, id, pub, key}.
export function parseVkey(vkey) {
	const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey);
	const blob = m === null ? null : base64Exact(m[3], 33);
	if (blob === null || blob[0] !== 1)
		fail(`--key: not a C2SP Ed25519 verifier key (name+keyid+base64(0x01 ‖ key)): ${vkey}`);
	const pub = blob.subarray(1);
	const id = noteKeyId(m[1], pub);
	if (id.toString('hex') !== m[2])
		fail(`--key: the key id ${m[2]} is not the one of its key (${id.toString('hex')})`);
	return { name: m[1], id, pub, key: ed25519Key(pub) };
}

// Verifies manifest.note with the given key; returns the format line and
// the SHA-256 (hex) it signs.
function verifyManifestNote(note, key) {
	const where = 'manifest.note';
	const cut = note.indexOf('\n\n');
	if (cut < 0 || !note.endsWith('\n'))
		fail(`${where}: not a signed note (no signature block)`);
	const text = note.slice(0, cut + 1);
	const body = text.slice(0, -1).split('\n');
	if (body.length !== 3 || (body[0] !== NOTE_FORMAT && body[0] !== ESCROW_NOTE_FORMAT) ||
	    !/^[0-9a-f]{64}$/.test(body[2]))
		fail(`${where}: the text is not "${NOTE_FORMAT}" (or "${ESCROW_NOTE_FORMAT}"),` +
		    ' the origin and a SHA-256');
	if (body[1] !== key.name)
		fail(`${where}: the origin "${body[1]}" is not the given key's "${key.name}"`);
	let signed = false;
	for (const line of note.slice(cut + 2, -1).split('\n')) {
		const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
		const blob = m === null ? null : base64Exact(m[2]);
		if (blob === null || blob.length !== 68)
			fail(`${where}: malformed signature line "${line}"`);
		if (m[1] !== key.name || !blob.subarray(0, 4).equals(key.id))
			continue;
		if (!ed25519Verify(key.key, Buffer.from(text, 'utf8'), blob.subarray(4)))
			fail(`${where}: the signature by ledger key ${key.id.toString('hex')} does not` +
			    ' verify: the manifest was altered or not signed by this key');
		signed = true;
	}
	if (!signed)
		fail(`${where}: not signed by the given ledger key ${key.id.toString('hex')}`);
	return { format: body[0], digest: body[2] };
}

function readFile(dir, name) {
	const file = path.join(dir, name);
	if (!fs.existsSync(file))
		fail(`${name}: missing from the export`);
	return fs.readFileSync(file);
}

// Streams the CSV file name of dir: checks its first line is header, then
// calls row(line, n) for each data line (n: the line's number in the file).
// Returns the number of data lines.
async function eachRow(dir, name, header, row) {
	let n = 0;
	for await (const line of lines(path.join(dir, name))) {
		if (++n === 1) {
			if (line !== header)
				fail(`${name}: the header is not "${header}"`);
			continue;
		}
		row(line, n);
	}
	return Math.max(n - 1, 0);
}

function hexOf(buf) {
	return buf.toString('hex');
}

// The manifest's files: each present with its size and SHA-256 (streamed).
async function checkFiles(dir, manifest, names = FILES) {
	if (!Array.isArray(manifest.files))
		fail('manifest.json: no file list');
	const listed = new Map();
	for (const f of manifest.files) {
		if (f === null || typeof f !== 'object' || typeof f.name !== 'string' ||
		    typeof f.sha256 !== 'string' || typeof f.size !== 'bigint')
			fail('manifest.json: a file entry without name, size and sha256');
		if (f.name.includes('/') || f.name.startsWith('.') || listed.has(f.name))
			fail(`manifest.json: file name "${f.name}" is not a plain name or is listed twice`);
		listed.set(f.name, f);
	}
	for (const name of names)
		if (!listed.has(name))
			fail(`manifest.json: ${name} is not listed`);
	for (const f of listed.values()) {
		const file = path.join(dir, f.name);
		if (!fs.existsSync(file))
			fail(`${f.name}: missing from the export (the manifest lists it)`);
		const hash = await new Promise((resolve, reject) => {
			const h = sha256Stream();
			fs.createReadStream(file).on('data', (d) => h.update(d)).on('error', reject)
			    .on('end', () => resolve(h));
		});
		if (hash.hex() !== f.sha256)
			fail(`${f.name}: its SHA-256 is not the manifest's: the file was altered`);
		if (BigInt(hash.size) !== f.size)
			fail(`${f.name}: ${hash.size} bytes, the manifest says ${f.size}`);
	}
}

// A running SHA-256 that counts the bytes it was given.
function sha256Stream() {
	const h = crypto.createHash('sha256');
	let size = 0;
	return {
		get size() { return size; },
		update(d) { h.update(d); size += d.length; },
		hex() { return h.digest('hex'); },
	};
}

// The ledger: the audit of verify-export.mjs, then its size and root.
async function checkLedger(dir, manifest, key) {
	const a = new Audit();
	const file = path.join(dir, 'ledger.jsonl');
	let n = 0;
	for await (const text of lines(file)) {
		n++;
		try {
			a.line(parseJson(text), n);
		} catch (err) {
			if (err instanceof Failure)
				fail(`ledger.jsonl: ${err.message}`);
			throw err;
		}
	}
	if (a.header === null)
		fail('ledger.jsonl: empty');
	try {
		a.finishCheckpoints();
		a.finishAccounts();
	} catch (err) {
		if (err instanceof Failure)
			fail(`ledger.jsonl: ${err.message}`);
		throw err;
	}
	if (a.origin !== key.name)
		fail(`ledger.jsonl: origin "${a.origin}" is not the given key's "${key.name}"`);
	if (!a.keys.some((k) => k.pub.equals(key.pub)))
		fail('ledger.jsonl: the given ledger key is not one of the header\'s ledger keys');
	const size = manifest.ledger?.size, root = manifest.ledger?.root;
	if (typeof size !== 'bigint' || BigInt(a.entries) !== size)
		fail(`manifest.json: the ledger size ${size} is not ledger.jsonl's ${a.entries} entries`);
	if (root !== hexOf(a.tree.root()))
		fail('manifest.json: the ledger root is not the root of ledger.jsonl');
	return a;
}

// checkpoint.note: signed by the given key, the latest checkpoint of the ledger.
function checkCheckpoint(dir, manifest, key, audit) {
	const note = readFile(dir, 'checkpoint.note').toString('utf8');
	const cp = verifyCheckpointNote(note, key.name, [key], 'checkpoint.note');
	if (audit.latest === undefined || audit.latest.note !== note)
		fail('checkpoint.note: not the latest checkpoint of ledger.jsonl');
	if (manifest.checkpoint?.size !== cp.size || manifest.checkpoint?.root !== hexOf(cp.root))
		fail('manifest.json: the checkpoint size or root is not checkpoint.note\'s');
	return cp;
}

function checkKeys(dir, key) {
	const keys = parseJson(readFile(dir, 'keys.json').toString('utf8'));
	if (keys.origin !== key.name)
		fail(`keys.json: origin "${keys.origin}" is not the given key's`);
	if (!Array.isArray(keys.ledger_keys) || !Array.isArray(keys.issuer_keys))
		fail('keys.json: no issuer_keys and ledger_keys lists');
	for (const k of [...keys.ledger_keys, ...keys.issuer_keys])
		if ('secret_key' in k || 'secret' in k || 'file' in k)
			fail('keys.json: a key shows a secret or a file');
	if (!keys.ledger_keys.some((k) => k.public_key === hexOf(key.pub)))
		fail('keys.json: the given ledger key is not listed');
	return keys;
}

function checkRegistry(dir) {
	const reg = parseJson(readFile(dir, 'registry.json').toString('utf8'));
	for (const s of ['funders', 'distributors', 'payees', 'services', 'places', 'campaigns'])
		if (!Array.isArray(reg[s]))
			fail(`registry.json: no "${s}" list`);
	return {
		campaigns: new Map(reg.campaigns.map((c) => [String(c.id), c])),
		payees: new Map(reg.payees.map((p) => [String(p.id), p])),
		reg,
	};
}

// vouchers.csv, streamed: face value of the issued vouchers per campaign.
async function checkVouchers(dir, manifest, registry) {
	const issued = new Map(), counts = {};
	const total = await eachRow(dir, 'vouchers.csv', VOUCHERS_HEADER, (line, n) => {
		const f = line.split(',');
		const where = `vouchers.csv line ${n}`;
		if (f.length !== 7 || !/^[0-9a-f]{24}$/.test(f[0]) || !/^[0-9a-f]{64}$/.test(f[1]) ||
		    !/^[1-9][0-9]*$/.test(f[2]) || !/^[1-9][0-9]*$/.test(f[3]) ||
		    !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(f[4]) || !/^[1-9][0-9]*$/.test(f[5]))
			fail(`${where}: not serial,token_sha256,campaign_id,value_cents,last_day,booklet_id,status`);
		if (!STATUSES.has(f[6]))
			fail(`${where}: unknown status "${f[6]}"`);
		if (!registry.campaigns.has(f[2]))
			fail(`${where}: campaign ${f[2]} is not in registry.json`);
		counts[f[6]] = (counts[f[6]] ?? 0) + 1;
		if (f[6] === 'issued')
			issued.set(f[2], (issued.get(f[2]) ?? 0n) + BigInt(f[3]));
	});
	if (manifest.vouchers !== BigInt(total))
		fail(`vouchers.csv: ${total} vouchers, the manifest says ${manifest.vouchers}`);
	return { issued, counts, total };
}

function ledgerSum(audit, code) {
	const acc = audit.accounts.get(code);
	return acc === undefined ? 0n : acc.sum;
}

// Outstanding in the ledger = face value of the vouchers issued, per campaign.
function checkOutstanding(audit, vouchers) {
	const campaigns = new Set(vouchers.issued.keys());
	for (const code of audit.accounts.keys()) {
		const m = /^campaign:([0-9]+):outstanding$/.exec(code);
		if (m !== null)
			campaigns.add(m[1]);
	}
	let total = 0n;
	for (const id of [...campaigns].sort((a, b) => Number(a) - Number(b))) {
		const ledger = -ledgerSum(audit, `campaign:${id}:outstanding`);
		const face = vouchers.issued.get(id) ?? 0n;
		if (ledger !== face)
			fail(`campaign ${id}: the ledger has ${ledger} cents outstanding, the vouchers` +
			    ` issued and not redeemed, revoked or expired are worth ${face} cents`);
		total += ledger;
	}
	return total;
}

async function checkPayables(dir, audit, registry) {
	const seen = new Set();
	let total = 0n;
	const count = await eachRow(dir, 'payables.csv', PAYABLES_HEADER, (line, n) => {
		const where = `payables.csv line ${n}`;
		const m = /^([1-9][0-9]*),([0-9]{14}),"((?:[^"]|"")*)",([A-Z0-9]{15,34}),(-?[0-9]+)$/.exec(line);
		if (m === null)
			fail(`${where}: not payee_id,siret,"name",iban,owed_cents`);
		const payee = registry.payees.get(m[1]);
		if (payee === undefined || payee.siret !== m[2] || payee.iban !== m[4])
			fail(`${where}: payee ${m[1]} with this SIRET and IBAN is not in registry.json`);
		const owed = -ledgerSum(audit, `payee:${m[1]}`);
		if (BigInt(m[5]) !== owed)
			fail(`${where}: payee ${m[1]} is owed ${owed} cents in the ledger, not ${m[5]}`);
		seen.add(m[1]);
		total += owed;
	});
	for (const [code, acc] of audit.accounts) {
		const m = /^payee:([0-9]+)$/.exec(code);
		if (m !== null && acc.sum !== 0n && !seen.has(m[1]))
			fail(`payables.csv: payee ${m[1]} is owed ${-acc.sum} cents in the ledger and not listed`);
	}
	return { count, total };
}

// invoices.csv: open invoices and credit notes; per funder, the sum owed
// on its open invoices is its invoiced receivable (balance(code) gives an
// account's debit balance, 0 when absent).
async function checkInvoices(dir, manifest, funders, balance) {
	const owed = new Map();
	const count = await eachRow(dir, 'invoices.csv', INVOICES_HEADER, (line, n) => {
		const where = `invoices.csv line ${n}`;
		const m = /^((FA|AV)-[0-9]{4}-[0-9]{6}),(invoice|credit_note),([1-9][0-9]*),(face|fees),([0-9]{4}-[0-9]{2}-[0-9]{2}),((?:FA-[0-9]{4}-[0-9]{6})?),([0-9]+),([0-9]+),([1-9][0-9]*),([0-9]*),"((?:[^"]|"")*)"$/.exec(line);
		if (m === null)
			fail(`${where}: not number,kind,funder_id,part,issue_day,invoice,net_cents,vat_cents,total_cents,owed_cents,status`);
		const credit = m[3] === 'credit_note';
		if ((m[2] === 'AV') !== credit || (m[7] !== '') !== credit || (m[11] === '') !== credit)
			fail(`${where}: ${m[1]}: its kind, its invoice and what is owed do not agree`);
		if (BigInt(m[8]) + BigInt(m[9]) !== BigInt(m[10]))
			fail(`${where}: ${m[1]}: net and VAT do not add up to the total`);
		if (!funders.has(m[4]))
			fail(`${where}: ${m[1]}: funder ${m[4]} is not in registry.json`);
		if (!credit) {
			if (BigInt(m[11]) <= 0n || BigInt(m[11]) > BigInt(m[10]))
				fail(`${where}: ${m[1]}: owes ${m[11]} cents, not between 1 and its total`);
			owed.set(m[4], (owed.get(m[4]) ?? 0n) + BigInt(m[11]));
		}
	});
	if (manifest.invoices !== BigInt(count))
		fail(`invoices.csv: ${count} documents, the manifest says ${manifest.invoices}`);
	let total = 0n;
	for (const id of funders) {
		const ledger = balance(`funder:${id}:invoiced`);
		if (ledger !== (owed.get(id) ?? 0n))
			fail(`funder ${id}: the ledger has ${ledger} cents invoiced and not paid, its open` +
			    ` invoices in invoices.csv owe ${owed.get(id) ?? 0n} cents`);
		total += ledger;
	}
	return { count, total };
}

// ---------------------------------------------------------------- escrow
// leaves.csv: every leaf hash in order; the tree's size and root are the
// manifest's; the roots at the checkpoints' sizes are kept (sizes given).
async function checkLeaves(dir, manifest, sizes) {
	const tree = new Tree(), roots = new Map(), leaves = [];
	if (sizes.has(0n))
		roots.set(0n, tree.root());
	await eachRow(dir, 'leaves.csv', 'seq,leaf_hash', (line, n) => {
		const m = /^(0|[1-9][0-9]*),([0-9a-f]{64})$/.exec(line);
		if (m === null || BigInt(m[1]) !== BigInt(tree.size))
			fail(`leaves.csv line ${n}: not seq ${tree.size} and a leaf hash`);
		const leaf = Buffer.from(m[2], 'hex');
		leaves.push(leaf);
		tree.push(leaf);
		if (sizes.has(BigInt(tree.size)))
			roots.set(BigInt(tree.size), tree.root());
	});
	if (manifest.ledger?.size !== BigInt(tree.size))
		fail(`manifest.json: the ledger size ${manifest.ledger?.size} is not leaves.csv's ${tree.size}`);
	if (manifest.ledger?.root !== hexOf(tree.root()))
		fail('manifest.json: the ledger root is not the root of leaves.csv');
	return { leaves, roots, size: tree.size };
}

// entries.jsonl: the header (origin), the funder's accounts, its entries
// (each one's hash is its leaf in leaves.csv; their postings sum to each
// account's balance), every checkpoint (signed by the key, its root the
// log's at its size; the last is checkpoint.note).
async function checkEscrowEntries(dir, manifest, key) {
	const where = 'entries.jsonl';
	const parsed = [];
	let n = 0;
	for await (const text of lines(path.join(dir, where))) {
		n++;
		parsed.push([n, parseJson(text)]);
	}
	const header = parsed[0]?.[1];
	if (header?.type !== 'header' || header.format !== 'passnum-escrow-entries-v1' ||
	    header.origin !== key.name || header.funder_id !== manifest.funder?.id)
		fail(`${where}: the header is not the funder's escrow of ${key.name}`);
	const checkpoints = parsed.filter(([, x]) => x.type === 'checkpoint');
	const sizes = new Set(checkpoints.map(([, x]) => x.size));
	const log = await checkLeaves(dir, manifest, sizes);
	const accounts = new Map(), audit = new Audit();
	let last = -1n, entries = 0;
	for (const [line, x] of parsed.slice(1)) {
		const at = `${where} line ${line}`;
		if (x.type === 'account') {
			if (typeof x.code !== 'string' || typeof x.balance !== 'bigint' || accounts.has(x.code))
				fail(`${at}: a malformed account`);
			accounts.set(x.code, { balance: x.balance, sum: 0n });
		} else if (x.type === 'entry') {
			if (typeof x.seq !== 'bigint' || x.seq <= last || x.seq >= BigInt(log.size))
				fail(`${at}: entry ${x.seq} is out of order or beyond the log`);
			last = x.seq;
			let e;
			try {
				e = audit.entryOf(x, x.seq, at);
			} catch (err) {
				if (err instanceof Failure)
					fail(err.message);
				throw err;
			}
			const hash = leafHash(encodeEntry(e));
			if (x.entry_hash !== hexOf(hash) || !hash.equals(log.leaves[Number(x.seq)]))
				fail(`${at}: entry ${x.seq} is not the log's (its hash is not leaf ${x.seq})`);
			for (const p of e.postings) {
				const acc = accounts.get(p.account);
				if (acc !== undefined)
					acc.sum += p.amount;
			}
			entries++;
		} else if (x.type !== 'checkpoint') {
			fail(`${at}: unknown line type "${x.type}"`);
		}
	}
	for (const [code, acc] of accounts)
		if (acc.sum !== acc.balance)
			fail(`${where}: account ${code} has balance ${acc.balance} but its entries sum to ${acc.sum}` +
			    ' (an entry of the funder is missing)');
	let latest;
	for (const [line, x] of checkpoints) {
		const cp = verifyCheckpointNote(x.note, key.name, [key], `${where} line ${line}`);
		if (cp.size !== x.size || !log.roots.has(cp.size) || !log.roots.get(cp.size).equals(cp.root))
			fail(`${where} line ${line}: the checkpoint at ${x.size} is not the log's root at that size`);
		latest = x;
	}
	const note = readFile(dir, 'checkpoint.note').toString('utf8');
	if (latest === undefined || latest.note !== note)
		fail('checkpoint.note: not the latest checkpoint of entries.jsonl');
	return { accounts, entries, size: log.size, checkpoint: latest.size };
}

async function verifyEscrow(dir, key, manifest) {
	if (manifest.origin !== key.name)
		fail(`manifest.json: origin "${manifest.origin}" is not the given key's "${key.name}"`);
	const funder = manifest.funder?.id;
	if (typeof funder !== 'bigint')
		fail('manifest.json: no funder');
	await checkFiles(dir, manifest, ESCROW_FILES);
	const log = await checkEscrowEntries(dir, manifest, key);
	checkKeys(dir, key);
	const registry = checkRegistry(dir);
	if (registry.reg.funders.length !== 1 || registry.reg.funders[0].id !== funder)
		fail(`registry.json: not funder ${funder}'s share`);
	for (const c of registry.reg.campaigns)
		if (c.funder_id !== funder)
			fail(`registry.json: campaign ${c.id} is not funder ${funder}'s`);
	const vouchers = await checkVouchers(dir, manifest, registry);
	let outstanding = 0n;
	for (const id of registry.campaigns.keys()) {
		const acc = log.accounts.get(`campaign:${id}:outstanding`);
		const ledger = acc === undefined ? 0n : -acc.balance;
		const face = vouchers.issued.get(id) ?? 0n;
		if (ledger !== face)
			fail(`campaign ${id}: the ledger has ${ledger} cents outstanding, the vouchers` +
			    ` issued and not redeemed, revoked or expired are worth ${face} cents`);
		outstanding += ledger;
	}
	const notes = log.accounts.get(`funder:${funder}:credit-notes`);
	if (manifest.funder.credit_notes_owed_cents !== (notes === undefined ? 0n : -notes.balance))
		fail('manifest.json: the credit notes owed are not the ledger\'s');
	// payables.csv: the funder's share of what payees are owed (not tied to
	// a payee account, which other funders' passes move too).
	let total = 0n;
	const payees = await eachRow(dir, 'payables.csv', PAYABLES_HEADER, (line, n) => {
		const m = /^([1-9][0-9]*),([0-9]{14}),"((?:[^"]|"")*)",([A-Z0-9]{15,34}),([1-9][0-9]*)$/.exec(line);
		if (m === null)
			fail(`payables.csv line ${n}: not payee_id,siret,"name",iban,owed_cents`);
		const payee = registry.payees.get(m[1]);
		if (payee === undefined || payee.siret !== m[2] || payee.iban !== m[4])
			fail(`payables.csv line ${n}: payee ${m[1]} with this SIRET and IBAN is not in registry.json`);
		total += BigInt(m[5]);
	});
	if (manifest.payables !== BigInt(payees))
		fail(`payables.csv: ${payees} payees, the manifest says ${manifest.payables}`);
	const invoiced = log.accounts.get(`funder:${funder}:invoiced`);
	const invoices = await checkInvoices(dir, manifest, new Set([String(funder)]),
	    (code) => code === `funder:${funder}:invoiced` && invoiced !== undefined ? invoiced.balance : 0n);
	const c = vouchers.counts;
	return `OK: escrow of funder ${funder} from ${key.name} signed by ledger key` +
	    ` ${key.id.toString('hex')}; ${log.size} leaves (root ${manifest.ledger.root}, checkpoint` +
	    ` at ${log.checkpoint}), ${log.entries} entries of the funder in full;` +
	    ` ${vouchers.total} vouchers (${c.issued ?? 0} issued, ${c.redeemed ?? 0} redeemed,` +
	    ` ${c.revoked ?? 0} revoked, ${c.expired ?? 0} expired); outstanding ${outstanding} cents` +
	    ` agrees with the vouchers; ${payees} payees owed ${total} cents for its passes;` +
	    ` credit notes owed ${manifest.funder.credit_notes_owed_cents} cents;` +
	    ` ${invoices.count} invoice documents, ${invoices.total} cents invoiced and not paid`;
}

export async function verifyScheme(dir, vkey) {
	const key = parseVkey(vkey);
	const signed = verifyManifestNote(readFile(dir, 'manifest.note').toString('utf8'), key);
	const bytes = readFile(dir, 'manifest.json');
	if (hexOf(sha256(bytes)) !== signed.digest)
		fail('manifest.json: its SHA-256 is not the one manifest.note signs: the manifest was altered');
	const manifest = parseJson(bytes.toString('utf8'));
	const escrow = signed.format === ESCROW_NOTE_FORMAT;
	if (manifest.format !== (escrow ? ESCROW_FORMAT : FORMAT))
		fail(`manifest.json: the format is not ${escrow ? ESCROW_FORMAT : FORMAT}`);
	if (escrow)
		return verifyEscrow(dir, key, manifest);
	if (manifest.origin !== key.name)
		fail(`manifest.json: origin "${manifest.origin}" is not the given key's "${key.name}"`);
	await checkFiles(dir, manifest);
	const audit = await checkLedger(dir, manifest, key);
	const cp = checkCheckpoint(dir, manifest, key, audit);
	checkKeys(dir, key);
	const registry = checkRegistry(dir);
	const vouchers = await checkVouchers(dir, manifest, registry);
	const outstanding = checkOutstanding(audit, vouchers);
	const payables = await checkPayables(dir, audit, registry);
	const funders = new Set(registry.reg.funders.map((f) => String(f.id)));
	const invoices = await checkInvoices(dir, manifest, funders, (code) => ledgerSum(audit, code));
	const c = vouchers.counts;
	return `OK: scheme export of ${key.name} signed by ledger key ${key.id.toString('hex')};` +
	    ` ${audit.entries} entries (root ${manifest.ledger.root}, checkpoint at ${cp.size});` +
	    ` ${vouchers.total} vouchers (${c.issued ?? 0} issued, ${c.redeemed ?? 0} redeemed,` +
	    ` ${c.revoked ?? 0} revoked, ${c.expired ?? 0} expired); outstanding ${outstanding} cents` +
	    ` agrees with the vouchers; ${payables.count} payees owed ${payables.total} cents;` +
	    ` ${invoices.count} invoice documents, ${invoices.total} cents invoiced and not paid`;
}

async function main(argv) {
	const k = argv.indexOf('--key');
	if (argv.length !== 3 || k < 0 || k === argv.length - 1) {
		process.stderr.write('usage: node verify-scheme.mjs DIR --key VKEY\n');
		process.exit(2);
	}
	const vkey = argv[k + 1];
	const dir = argv.filter((_, i) => i !== k && i !== k + 1)[0];
	return verifyScheme(dir, vkey);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href)
	main(process.argv.slice(2)).then((message) => {
		console.log(message);
	}, (err) => {
		const message = err instanceof Failure ? err.message :
		    err.code === 'ENOENT' ? `cannot read ${err.path}` : String(err.message ?? err);
		process.stderr.write(`verify-scheme: FAILED: ${message}\n`);
		process.exit(1);
	});
