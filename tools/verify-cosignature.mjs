#!/usr/bin/env node
// verify-cosignature.mjs — an independent check of a cosigned checkpoint.
//
// Written from the C2SP specifications alone (c2sp.org/signed-note,
// c2sp.org/tlog-checkpoint, c2sp.org/tlog-cosignature), with Node.js (>= 20)
// and its standard library only: it shares no code with passnum. Given a
// checkpoint note (GET /v1/ledger/checkpoint, or a witness's GET
// /<origin hash>/checkpoint), the log's verifier key and witnesses' verifier
// keys, it checks
//   1. the note: text, a blank line, signature lines "— name base64(…)";
//   2. the checkpoint text: origin (the log key's name), a decimal size
//      without leading zero, the base64 of a 32-byte root, optional extension
//      lines;
//   3. the log's Ed25519 signature: a line whose name and key id
//      (SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[0..4]) are the log key's, over the
//      note text;
//   4. each witness's cosignature/v1: a line whose name and key id
//      (SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[0..4]) are the witness's, holding
//      key id ‖ u64 big-endian timestamp ‖ Ed25519 signature over
//      "cosignature/v1\ntime <timestamp>\n" ‖ the note text;
// and that at least --min-cosignatures of the witnesses cosigned (default:
// all of them). Lines by unknown keys are ignored; a line by a known key that
// fails to verify rejects the note. Prints a JSON summary on stdout; exit 0
// when it verifies, 1 when not (one line on stderr), 2 on a usage error.
//
// usage: node tools/verify-cosignature.mjs --checkpoint FILE|- --log-key VKEY
//            [--witness VKEY]... [--min-cosignatures N]
//        node tools/verify-cosignature.mjs --self-test
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const DASH = '\u2014 ';

export class Failure extends Error {}

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

// Standard padded base64 that re-encodes to itself.
function b64(text, what) {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0 || text.length === 0)
		throw new Failure(`${what} is not base64`);
	const bytes = Buffer.from(text, 'base64');
	if (bytes.toString('base64') !== text)
		throw new Failure(`${what} is not canonical base64`);
	return bytes;
}

function keyId(name, type, pub) {
	return sha256(Buffer.from(name + '\n', 'utf8'), Buffer.from([type]), pub).subarray(0, 4);
}

// A vkey: name+hex(key id)+base64(type ‖ key); the id must match.
export function parseVkey(vkey, type) {
	// The name has no '+'; the base64 may.
	const m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/s.exec(vkey);
	if (m === null)
		throw new Failure(`not a verifier key: ${vkey}`);
	const parts = [m[1], m[2], m[3]];
	const key = b64(parts[2], 'the verifier key');
	if (key.length !== 33 || key[0] !== type)
		throw new Failure(`${parts[0]}: not an Ed25519 key of type 0x0${type}`);
	const pub = key.subarray(1);
	const id = keyId(parts[0], type, pub);
	if (id.toString('hex') !== parts[1])
		throw new Failure(`${parts[0]}: the key id does not match the key`);
	const object = crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, pub]), format: 'der', type: 'spki' });
	return { name: parts[0], id, object };
}

// Splits a signed note into its text (with the final newline) and its
// signature lines {name, blob}.
export function parseNote(note) {
	if (!note.endsWith('\n'))
		throw new Failure('the note does not end with a newline');
	const split = note.lastIndexOf('\n\n');
	if (split < 0)
		throw new Failure('the note has no blank line before its signatures');
	const text = note.slice(0, split + 1);
	const lines = note.slice(split + 2, -1).split('\n');
	const signatures = lines.map((line) => {
		const m = /^\u2014 ([^ +]+) ([^ ]+)$/u.exec(line);
		if (m === null)
			throw new Failure(`malformed signature line: ${line}`);
		return { name: m[1], blob: b64(m[2], 'a signature') };
	});
	return { text, signatures };
}

export function parseCheckpoint(text) {
	const lines = text.slice(0, -1).split('\n');
	if (lines.length < 3)
		throw new Failure('a checkpoint has at least three lines');
	if (!/^(0|[1-9][0-9]*)$/.test(lines[1]))
		throw new Failure('the checkpoint size is not a canonical decimal');
	const root = b64(lines[2], 'the root');
	if (root.length !== 32)
		throw new Failure('the root is not 32 bytes');
	return { origin: lines[0], size: BigInt(lines[1]), root: lines[2] };
}

// The signature lines by key (name and id); a bad one throws.
function linesBy(signatures, key) {
	return signatures.filter((s) => s.name === key.name && s.blob.length >= 4 &&
	    s.blob.subarray(0, 4).equals(key.id));
}

export function verifyLog(note, key) {
	const mine = linesBy(note.signatures, key);
	if (mine.length === 0)
		throw new Failure(`no signature by the log key ${key.name}`);
	for (const s of mine)
		if (s.blob.length !== 68 || !crypto.verify(null, Buffer.from(note.text, 'utf8'), key.object,
		    s.blob.subarray(4)))
			throw new Failure(`the log key's signature does not verify`);
}

// The timestamps of the valid cosignatures by key (empty when none).
export function verifyCosignature(note, key) {
	const times = [];
	for (const s of linesBy(note.signatures, key)) {
		if (s.blob.length !== 76)
			throw new Failure(`the cosignature by ${key.name} is not 76 bytes`);
		const t = s.blob.readBigUInt64BE(4);
		if (t === 0n || t >= 1n << 63n)
			throw new Failure(`the cosignature by ${key.name} has a bad timestamp`);
		const message = Buffer.from(`cosignature/v1\ntime ${t}\n${note.text}`, 'utf8');
		if (!crypto.verify(null, message, key.object, s.blob.subarray(12)))
			throw new Failure(`the cosignature by ${key.name} does not verify`);
		times.push(t);
	}
	return times;
}

export function verify(noteText, logVkey, witnessVkeys, min) {
	const note = parseNote(noteText);
	const checkpoint = parseCheckpoint(note.text);
	const log = parseVkey(logVkey, 0x01);
	if (checkpoint.origin !== log.name)
		throw new Failure(`the checkpoint's origin ${checkpoint.origin} is not the log key's name ${log.name}`);
	verifyLog(note, log);
	const cosigned = [];
	for (const vkey of witnessVkeys) {
		const w = parseVkey(vkey, 0x04);
		const times = verifyCosignature(note, w);
		if (times.length > 0)
			cosigned.push({ witness: w.name, time: new Date(Number(times[0]) * 1000).toISOString() });
	}
	const need = min ?? witnessVkeys.length;
	if (cosigned.length < need)
		throw new Failure(`${cosigned.length} valid cosignature(s) by the given witnesses, ${need} needed`);
	return { ok: true, origin: checkpoint.origin, size: Number(checkpoint.size), root: checkpoint.root,
		cosignatures: cosigned };
}

// Known answers: a key made here signs and cosigns; a flipped byte fails.
function selfTest() {
	const make = (name, type) => {
		const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
		const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
		const vkey = `${name}+${keyId(name, type, pub).toString('hex')}+${Buffer.concat([Buffer.from([type]), pub]).toString('base64')}`;
		return { name, type, pub, privateKey, vkey };
	};
	const log = make('example.org/log', 1), w = make('witness.example/w1', 4);
	const text = `example.org/log\n3\n${Buffer.alloc(32, 7).toString('base64')}\n`;
	const logBlob = Buffer.concat([keyId(log.name, 1, log.pub), crypto.sign(null, Buffer.from(text), log.privateKey)]);
	const t = Buffer.alloc(8);
	t.writeBigUInt64BE(1700000000n);
	const cosig = crypto.sign(null, Buffer.from(`cosignature/v1\ntime 1700000000\n${text}`), w.privateKey);
	const wBlob = Buffer.concat([keyId(w.name, 4, w.pub), t, cosig]);
	const note = `${text}\n${DASH}${log.name} ${logBlob.toString('base64')}\n${DASH}${w.name} ${wBlob.toString('base64')}\n`;
	verify(note, log.vkey, [w.vkey], 1);
	const bad = Buffer.from(wBlob);
	bad[20] ^= 1;
	const forged = `${text}\n${DASH}${log.name} ${logBlob.toString('base64')}\n${DASH}${w.name} ${bad.toString('base64')}\n`;
	try {
		verify(forged, log.vkey, [w.vkey], 1);
		throw new Error('a forged cosignature verified');
	} catch (e) {
		if (!(e instanceof Failure))
			throw e;
	}
	console.log('self-test OK');
}

function usage(message) {
	console.error(`verify-cosignature: ${message}`);
	console.error('usage: node tools/verify-cosignature.mjs --checkpoint FILE|- --log-key VKEY [--witness VKEY]... [--min-cosignatures N]');
	process.exit(2);
}

function main(argv) {
	let checkpoint = null, logKey = null, min = null;
	const witnesses = [];
	if (argv.length === 1 && argv[0] === '--self-test')
		return selfTest();
	for (let i = 0; i < argv.length; i++) {
		const value = argv[i + 1];
		if (value === undefined)
			usage(`${argv[i]} needs a value`);
		if (argv[i] === '--checkpoint')
			checkpoint = value;
		else if (argv[i] === '--log-key')
			logKey = value;
		else if (argv[i] === '--witness')
			witnesses.push(value);
		else if (argv[i] === '--min-cosignatures' && /^[0-9]+$/.test(value))
			min = Number(value);
		else
			usage(`unknown or bad option ${argv[i]}`);
		i++;
	}
	if (checkpoint === null || logKey === null)
		usage('give --checkpoint and --log-key');
	try {
		const text = fs.readFileSync(checkpoint === '-' ? 0 : checkpoint, 'utf8');
		console.log(JSON.stringify(verify(text, logKey, witnesses, min)));
	} catch (e) {
		if (!(e instanceof Failure))
			throw e;
		console.error(`verify-cosignature: FAILED: ${e.message}`);
		process.exit(1);
	}
}

if (import.meta.url === pathToFileURL(process.argv[1]).href)
	main(process.argv.slice(2));
