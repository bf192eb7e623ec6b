// Makes damaged passes for the hostile catalogue (docs/token-format.md):
//   node pass_tool.js flip TOKEN OFFSET     one bit flipped in byte OFFSET
//   node pass_tool.js version TOKEN V       byte 0 (the version) set to V
//   node pass_tool.js cut TOKEN N           the first N bytes only, re-encoded
//   node pass_tool.js prefix TOKEN P        the same Base45 after prefix P
// TOKEN is "PN1:" + Base45 (RFC 9285) of the 93 token bytes; the result is
// printed on stdout, still valid Base45 (so that the check reached is the
// one after Base45).
'use strict';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function decode(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const c = [...text.slice(i, i + 3)].map((ch) => ALPHABET.indexOf(ch));
    if (c.some((x) => x < 0)) throw new Error('not Base45');
    const n = c[0] + c[1] * 45 + (c.length === 3 ? c[2] * 2025 : 0);
    if (c.length === 3) out.push(n >> 8, n & 255); else out.push(n);
  }
  return Buffer.from(out);
}

function encode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      let n = bytes[i] * 256 + bytes[i + 1];
      s += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45) % 45] + ALPHABET[Math.floor(n / 2025)];
    } else {
      s += ALPHABET[bytes[i] % 45] + ALPHABET[Math.floor(bytes[i] / 45)];
    }
  }
  return s;
}

const [what, token, arg] = process.argv.slice(2);
const bytes = decode(token.slice(4));
let out;
if (what === 'flip') {
  bytes[Number(arg)] ^= 1;
  out = 'PN1:' + encode(bytes);
} else if (what === 'version') {
  bytes[0] = Number(arg);
  out = 'PN1:' + encode(bytes);
} else if (what === 'cut') {
  out = 'PN1:' + encode(bytes.subarray(0, Number(arg)));
} else if (what === 'prefix') {
  out = arg + token.slice(4);
} else {
  process.stderr.write('usage: pass_tool.js flip|version|cut|prefix TOKEN ARG\n');
  process.exit(2);
}
process.stdout.write(out + '\n');
